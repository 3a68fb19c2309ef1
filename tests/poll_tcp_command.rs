#![allow(clippy::unwrap_used)]
//! TCP and command probes against real sockets and real processes.
//!
//! The TCP timeout uses a local listener whose accept queue is full (Linux then drops new
//! SYNs, so `connect` hangs): "non-routable" addresses such as 10.255.255.1 are accepted at
//! once by some sandboxes' gateways and refused fast by others, so they prove nothing.

mod common;

use common::procs::assert_group_gone;
use std::path::Path;
use std::time::{Duration, Instant};

use tokio::net::{TcpListener, TcpSocket, TcpStream};
use warroom::poll::command::{self, plan_is_safe};
use warroom::poll::outcome::ErrorKind;
use warroom::poll::tcp;

const MIB: u64 = 1 << 20;

// ---- TCP ----------------------------------------------------------------------------------

#[tokio::test]
async fn tcp_up_against_a_listener() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let obs = tcp::probe(&addr, Duration::from_secs(5)).await.unwrap();
    assert!(obs.latency_ms >= 0.0 && obs.latency_ms < 5000.0, "{obs:?}");
    assert_eq!(obs.exit, None);
    assert_eq!(obs.status, None);

    // A name that resolves works too.
    let port = listener.local_addr().unwrap().port();
    tcp::probe(&format!("localhost:{port}"), Duration::from_secs(5))
        .await
        .unwrap();
}

#[tokio::test]
async fn tcp_closed_port_is_a_connect_error_naming_the_address() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    drop(listener);
    let err = tcp::probe(&addr, Duration::from_secs(5)).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Connect, "{err}");
    assert!(err.detail.contains(&addr), "{err}");
}

#[tokio::test]
async fn tcp_unresolvable_name_is_a_dns_error() {
    let err = tcp::probe("no-such-host.invalid:80", Duration::from_secs(10))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Dns, "{err}");
    assert!(err.detail.contains("no-such-host.invalid"), "{err}");
}

#[tokio::test]
async fn tcp_unanswered_syn_is_a_timeout() {
    // Backlog 0: one connection fills the accept queue; nothing ever accepts.
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
    let listener = socket.listen(0).unwrap();
    let addr = listener.local_addr().unwrap();
    let mut fillers = Vec::new();
    let mut full = false;
    for _ in 0..32 {
        match tokio::time::timeout(Duration::from_millis(200), TcpStream::connect(addr)).await {
            Ok(Ok(s)) => fillers.push(s),
            Ok(Err(e)) => panic!("filler connect failed: {e}"),
            Err(_) => {
                full = true;
                break;
            }
        }
    }
    assert!(full, "the accept queue never filled");

    let start = Instant::now();
    let err = tcp::probe(&addr.to_string(), Duration::from_millis(300))
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(err.detail.contains("300ms"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );
    drop(listener);
}

// ---- commands -----------------------------------------------------------------------------

async fn run(cmd: &str) -> warroom::poll::outcome::Outcome {
    command::probe(cmd, Path::new("/"), Duration::from_secs(10), MIB).await
}

#[tokio::test]
async fn command_value_is_the_last_number_on_stdout() {
    let obs = run("echo 42").await.unwrap();
    assert_eq!(obs.value, Some(42.0));
    assert_eq!(obs.exit, Some(0));
    assert_eq!(obs.body.as_deref(), Some("42\n"));
    assert!(obs.latency_ms > 0.0);

    let obs = run("echo 'p95 latency 123.5 ms'").await.unwrap();
    assert_eq!(obs.value, Some(123.5));

    let obs = run("echo all good").await.unwrap();
    assert_eq!(obs.value, None);
    assert_eq!(obs.exit, Some(0));
}

#[tokio::test]
async fn command_runs_in_the_given_directory_with_no_stdin() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("depth.txt"), "queue depth 17\n").unwrap();
    let obs = command::probe("cat depth.txt", dir.path(), Duration::from_secs(10), MIB)
        .await
        .unwrap();
    assert_eq!(obs.value, Some(17.0));
    // `cat` with no argument reads standard input: /dev/null ends it at once.
    let obs = run("cat; echo 1").await.unwrap();
    assert_eq!(obs.value, Some(1.0));
}

#[tokio::test]
async fn command_non_zero_exit_is_a_command_error() {
    let err = run("echo out; echo 'it broke' >&2; exit 3")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Command, "{err}");
    assert_eq!(err.detail, "exit 3: it broke");

    let err = run("exit 3").await.unwrap_err();
    assert_eq!(err.detail, "exit 3");

    let err = run("echo only stdout; exit 2").await.unwrap_err();
    assert_eq!(err.detail, "exit 2: only stdout");

    let err = run("kill -TERM $$").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Command, "{err}");
    assert_eq!(err.detail, "killed by SIGTERM");
}

#[tokio::test]
async fn command_that_cannot_start_is_a_command_error() {
    let err = command::probe(
        "echo 1",
        Path::new("/nonexistent/warroom-test"),
        Duration::from_secs(5),
        MIB,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Command, "{err}");
    assert!(err.detail.contains("/nonexistent/warroom-test"), "{err}");
}

#[tokio::test]
async fn command_output_is_sanitised_in_the_error() {
    let err = run(r"printf '\033[2J\033]0;x\007oops\n'; exit 1")
        .await
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Command, "{err}");
    assert!(
        !err.detail.chars().any(char::is_control),
        "{:?}",
        err.detail
    );
    assert_eq!(err.detail, "exit 1: [2J]0;xoops");

    let long = run("printf 'x%.0s' $(seq 1 400); exit 1")
        .await
        .unwrap_err();
    assert!(
        long.detail.chars().count() <= "exit 1: ".len() + 120,
        "{}",
        long.detail
    );
}

#[tokio::test]
async fn command_huge_output_is_capped_and_killed() {
    let start = Instant::now();
    let err = run("yes | head -c 50000000").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Body, "{err}");
    assert_eq!(err.detail, "standard output over 1 MiB; command killed");
    assert!(
        start.elapsed() < Duration::from_secs(5),
        "{:?}",
        start.elapsed()
    );

    // Big but under the cap passes, and the last number still counts.
    let obs = run("head -c 500000 /dev/zero | tr '\\0' x; echo; echo 5")
        .await
        .unwrap();
    assert_eq!(obs.value, Some(5.0));
    assert_eq!(obs.body.unwrap().len(), 500_000 + 3);
}

#[tokio::test]
async fn command_left_running_in_the_background_does_not_hold_the_probe() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let obs = command::probe(
        "echo $$ > pgid; sleep 30 & echo 1",
        dir.path(),
        Duration::from_secs(10),
        MIB,
    )
    .await
    .unwrap();
    assert_eq!(obs.value, Some(1.0));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    assert_group_gone(&dir.path().join("pgid")).await;
}

#[tokio::test]
async fn command_timeout_kills_the_whole_process_group() {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let err = command::probe(
        "echo $$ > pgid; sleep 30 & sleep 30",
        dir.path(),
        Duration::from_millis(300),
        MIB,
    )
    .await
    .unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind, ErrorKind::Timeout, "{err}");
    assert!(err.detail.contains("300ms"), "{err}");
    // Generous for a loaded machine; the commands themselves would take 30 s.
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_group_gone(&dir.path().join("pgid")).await;
}

#[tokio::test]
async fn command_dropped_probe_leaves_no_process_behind() {
    let dir = tempfile::tempdir().unwrap();
    let probe = command::probe(
        "echo $$ > pgid; sleep 30 & sleep 30",
        dir.path(),
        Duration::from_secs(30),
        MIB,
    );
    assert!(
        tokio::time::timeout(Duration::from_millis(300), probe)
            .await
            .is_err()
    );
    assert_group_gone(&dir.path().join("pgid")).await;
}

#[test]
fn plan_safety_follows_the_permissions() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("launch.toml");
    std::fs::write(&plan, "").unwrap();
    let chmod = |p: &Path, mode| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    };
    chmod(tmp.path(), 0o755);
    chmod(&plan, 0o644);
    assert_eq!(plan_is_safe(&plan), Ok(()));
    chmod(tmp.path(), 0o777);
    let err = plan_is_safe(&plan).unwrap_err();
    assert!(err.contains("chmod go-w"), "{err}");
    chmod(tmp.path(), 0o755);
    chmod(&plan, 0o646);
    assert!(plan_is_safe(&plan).is_err());
}
