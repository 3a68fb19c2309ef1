//! The pollers as the room runs them (`poll::runner`), against real servers on 127.0.0.1: a
//! JSON condition on a body that is not JSON is a `body` error; hung endpoints do not starve a
//! healthy check; a slow check never has two probes in flight; a command from a plan other
//! users can write is refused; the one-shot snapshot the CLI takes covers every check.

#![allow(clippy::unwrap_used)]

use std::fmt::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::routing::get;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use warroom::plan::Plan;
use warroom::poll::runner::{self, Options, Reading};
use warroom::poll::{ErrorKind, Target, Verdict};

async fn serve(app: Router) -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    port
}

/// A listener that accepts connections and never answers.
async fn hung() -> u16 {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = listener.accept().await {
            held.push(s);
        }
    });
    port
}

fn plan(dir: &Path, toml: &str) -> (Plan, Options) {
    let file = dir.join("plan.toml");
    std::fs::write(&file, format!("[[phase]]\ntitle = \"Deploy\"\n{toml}")).unwrap();
    let plan = warroom::plan::load(&file).unwrap().loaded.plan;
    (
        plan,
        Options {
            plan_file: file,
            commands_refused: None,
            concurrency: runner::CONCURRENCY,
        },
    )
}

async fn collect(rx: &mut mpsc::Receiver<Reading>, n: usize, within: Duration) -> Vec<Reading> {
    let mut out = Vec::new();
    let _ = tokio::time::timeout(within, async {
        while out.len() < n {
            match rx.recv().await {
                Some(r) => out.push(r),
                None => break,
            }
        }
    })
    .await;
    out
}

#[tokio::test]
async fn a_json_condition_on_a_body_that_is_not_json_is_a_body_error() {
    let port = serve(Router::new().route("/health", get(|| async { "<html>oops</html>" }))).await;
    let dir = tempfile::tempdir().unwrap();
    let (plan, opts) = plan(
        dir.path(),
        &format!(
            "[[check]]\nname = \"api\"\nurl = \"http://127.0.0.1:{port}/health\"\nconditions = ['$.status == \"UP\"']\ninterval = \"100ms\"\n"
        ),
    );
    let (tx, mut rx) = mpsc::channel(16);
    let _pollers = runner::start(&plan, &opts, &tx);
    let r = collect(&mut rx, 1, Duration::from_secs(5)).await;
    let s = &r[0].sample;
    assert_eq!(s.verdict, Verdict::Fail);
    let e = s.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Body, "{e}");
    assert!(e.detail.contains("not JSON"), "{e}");
}

#[tokio::test]
async fn hung_endpoints_do_not_starve_a_healthy_check() {
    let good = serve(Router::new().route("/health", get(|| async { "{\"status\":\"UP\"}" }))).await;
    let mut toml = String::new();
    for i in 0..3 {
        let port = hung().await;
        let _ = writeln!(
            toml,
            "[[check]]\nname = \"hung {i}\"\nurl = \"http://127.0.0.1:{port}/\"\ninterval = \"100ms\"\ntimeout = \"30s\""
        );
    }
    let _ = writeln!(
        toml,
        "[[check]]\nname = \"good\"\nurl = \"http://127.0.0.1:{good}/health\"\ninterval = \"100ms\""
    );
    let dir = tempfile::tempdir().unwrap();
    let (plan, opts) = plan(dir.path(), &toml);
    let (tx, mut rx) = mpsc::channel(64);
    let _pollers = runner::start(&plan, &opts, &tx);
    let got = collect(&mut rx, 10, Duration::from_secs(5)).await;
    let good: Vec<_> = got
        .iter()
        .filter(|r| r.target == Target::Check(3))
        .collect();
    assert_eq!(
        good.len(),
        10,
        "only the healthy check answers, every 100 ms"
    );
    assert!(good.iter().all(|r| r.sample.verdict == Verdict::Pass));
}

#[tokio::test]
async fn a_slow_check_never_has_two_probes_in_flight() {
    let in_flight = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (a, b) = (Arc::clone(&in_flight), Arc::clone(&most));
    let port = serve(Router::new().route(
        "/slow",
        get(move || {
            let (a, b) = (Arc::clone(&a), Arc::clone(&b));
            async move {
                let now = a.fetch_add(1, Ordering::SeqCst) + 1;
                b.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(400)).await;
                a.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        }),
    ))
    .await;
    let dir = tempfile::tempdir().unwrap();
    let (plan, opts) = plan(
        dir.path(),
        &format!(
            "[[check]]\nname = \"slow\"\nurl = \"http://127.0.0.1:{port}/slow\"\ninterval = \"100ms\"\n"
        ),
    );
    let (tx, mut rx) = mpsc::channel(16);
    let _pollers = runner::start(&plan, &opts, &tx);
    let got = collect(&mut rx, 4, Duration::from_secs(5)).await;
    assert_eq!(got.len(), 4);
    assert!(got.iter().all(|r| r.sample.verdict == Verdict::Pass));
    assert_eq!(
        most.load(Ordering::SeqCst),
        1,
        "probes of one check overlapped"
    );
}

#[tokio::test]
async fn a_command_from_a_plan_others_can_write_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (plan, opts) = plan(
        dir.path(),
        "[[check]]\nname = \"queue\"\ncommand = \"echo 42\"\ninterval = \"100ms\"\n",
    );
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let pollers = runner::start(&plan, &opts, &tx);
    let r = collect(&mut rx, 1, Duration::from_secs(5)).await;
    let e = r[0].sample.error.as_ref().unwrap();
    assert_eq!(e.kind, ErrorKind::Refused, "{e}");
    assert!(e.detail.contains("chmod go-w"), "{e}");
    drop(pollers);

    // The same plan in a directory only its owner can write runs the command.
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let (tx, mut rx) = mpsc::channel(16);
    let _pollers = runner::start(&plan, &opts, &tx);
    let r = collect(&mut rx, 1, Duration::from_secs(5)).await;
    assert_eq!(
        r[0].sample.verdict,
        Verdict::Pass,
        "{:?}",
        r[0].sample.error
    );
    assert_eq!(r[0].sample.value, Some(42.0));
}

#[tokio::test]
async fn the_snapshot_probes_every_check_and_metric_once() {
    let port = serve(
        Router::new()
            .route("/health", get(|| async { "{\"status\":\"UP\"}" }))
            .route("/metrics", get(|| async { "# TYPE q gauge\nq 17\n" })),
    )
    .await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let dir = tempfile::tempdir().unwrap();
    let (plan, opts) = plan(
        dir.path(),
        &format!(
            "[[check]]\nname = \"api\"\nurl = \"http://127.0.0.1:{port}/health\"\n\
             [[check]]\nname = \"db\"\ntcp = \"127.0.0.1:{closed}\"\n\
             [[metric]]\nname = \"queue\"\nscrape = \"http://127.0.0.1:{port}/metrics\"\nseries = \"q\"\n"
        ),
    );
    let e = runner::snapshot(&plan, &opts).await;
    let health: Vec<(&str, &str)> = e
        .checks
        .iter()
        .map(|c| (c.id.as_str(), c.health.as_str()))
        .collect();
    assert_eq!(health, vec![("api", "up"), ("db", "down")]);
    let why = e.checks[1].error.as_deref().unwrap().to_lowercase();
    assert!(why.contains("connection refused"), "{why}");
    assert_eq!(e.metrics[0].value, Some(17.0));
}
