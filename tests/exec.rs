#![allow(clippy::unwrap_used)]
//! Step commands (`run = "…"`) against real processes: streaming, exit status, timeout,
//! cancel and drop killing the whole process group, refusal for plans others can write, and
//! escape sequences delivered raw but neutralised by `sanitize`.

mod common;

use common::procs::assert_group_gone;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use warroom::exec::{self, Finished, Output, Refused, Run, Stream};

/// A plan file in a directory of its own, neither writable by others.
struct Plan {
    dir: tempfile::TempDir,
    file: PathBuf,
}

impl Plan {
    fn new() -> Plan {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("launch.toml");
        std::fs::write(&file, "").unwrap();
        chmod(dir.path(), 0o755);
        chmod(&file, 0o644);
        Plan { dir, file }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

fn chmod(p: &Path, mode: u32) {
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

fn start(plan: &Plan, cmd: &str, timeout: Duration) -> Run {
    exec::start(cmd, &plan.file, timeout).unwrap()
}

/// Every line, then the `Finished`; fails after 10 s.
async fn collect(run: &mut Run) -> (Vec<(Stream, String)>, Finished) {
    let mut lines = Vec::new();
    let all = async {
        while let Some(out) = run.next().await {
            match out {
                Output::Line { stream, text } => lines.push((stream, text)),
                Output::Finished(f) => return f,
            }
        }
        panic!("the run ended without Finished");
    };
    let finished = tokio::time::timeout(Duration::from_secs(10), all)
        .await
        .expect("the run did not finish within 10 s");
    assert!(run.next().await.is_none(), "nothing after Finished");
    (lines, finished)
}

/// Waits for a line equal to `want`; fails after 5 s.
async fn wait_for_line(run: &mut Run, want: &str) {
    let found = async {
        while let Some(out) = run.next().await {
            if let Output::Line { text, .. } = out
                && text == want
            {
                return;
            }
        }
        panic!("the run ended before {want:?}");
    };
    tokio::time::timeout(Duration::from_secs(5), found)
        .await
        .unwrap_or_else(|_| panic!("no {want:?} within 5 s"));
}

fn texts(lines: &[(Stream, String)], stream: Stream) -> Vec<&str> {
    lines
        .iter()
        .filter(|(s, _)| *s == stream)
        .map(|(_, t)| t.as_str())
        .collect()
}

#[tokio::test]
async fn lines_arrive_in_order_with_their_stream() {
    let plan = Plan::new();
    let mut run = start(
        &plan,
        "echo one; echo two >&2; echo three; printf 'crlf\\r\\n\\nno newline'; \
         printf 'err last' >&2",
        Duration::from_secs(10),
    );
    let (lines, f) = collect(&mut run).await;
    assert_eq!(
        texts(&lines, Stream::Stdout),
        ["one", "three", "crlf", "", "no newline"]
    );
    assert_eq!(texts(&lines, Stream::Stderr), ["two", "err last"]);
    assert_eq!(f.exit, Some(0));
    assert_eq!(f.signal, None);
    assert!(f.success(), "{f:?}");
    assert_eq!(f.last_lines.len(), 7);
    assert!(exec::summary(&f).starts_with("exit 0 in "), "{f:?}");

    // With time between them, lines of both streams are merged in the order written.
    let mut run = start(
        &plan,
        "echo a; sleep 0.2; echo b >&2; sleep 0.2; echo c",
        Duration::from_secs(10),
    );
    let (lines, f) = collect(&mut run).await;
    let merged: Vec<_> = lines.iter().map(|(s, t)| (*s, t.as_str())).collect();
    assert_eq!(
        merged,
        [
            (Stream::Stdout, "a"),
            (Stream::Stderr, "b"),
            (Stream::Stdout, "c")
        ]
    );
    assert_eq!(f.last_lines, ["a", "b", "c"]);
}

#[tokio::test]
async fn runs_in_the_plans_directory_with_no_stdin() {
    let plan = Plan::new();
    let mut run = start(&plan, "pwd; cat; echo after", Duration::from_secs(10));
    let (lines, f) = collect(&mut run).await;
    let dir = plan.dir.path().canonicalize().unwrap();
    assert_eq!(
        texts(&lines, Stream::Stdout),
        [dir.to_str().unwrap(), "after"]
    );
    assert_eq!(f.exit, Some(0));
}

#[tokio::test]
async fn exit_status_and_signal_are_reported() {
    let plan = Plan::new();
    let mut run = start(&plan, "echo failing >&2; exit 3", Duration::from_secs(10));
    let (_, f) = collect(&mut run).await;
    assert_eq!((f.exit, f.signal), (Some(3), None));
    assert!(!f.success() && !f.timed_out && !f.cancelled, "{f:?}");
    assert_eq!(f.last_lines, ["failing"]);
    assert!(exec::summary(&f).starts_with("exit 3 in "), "{f:?}");

    let mut run = start(&plan, "kill -TERM $$", Duration::from_secs(10));
    let (_, f) = collect(&mut run).await;
    assert_eq!((f.exit, f.signal), (None, Some(15)));
    assert!(
        exec::summary(&f).starts_with("killed by SIGTERM after "),
        "{f:?}"
    );
}

#[tokio::test]
async fn timeout_kills_the_whole_process_group() {
    let plan = Plan::new();
    let started = Instant::now();
    let mut run = start(
        &plan,
        "echo $$ > pgid; echo started; sleep 30 & sleep 30",
        Duration::from_millis(300),
    );
    let (lines, f) = collect(&mut run).await;
    let took = started.elapsed();
    assert!(f.timed_out && !f.cancelled, "{f:?}");
    assert_eq!(f.timeout_ms, 300);
    assert_eq!((f.exit, f.signal), (None, Some(15)), "{f:?}");
    assert!(f.duration_ms >= 300, "{f:?}");
    // SIGTERM is enough here: well under the 2 s before SIGKILL, and far under 30 s.
    assert!(took < Duration::from_secs(2), "{took:?}");
    assert_eq!(texts(&lines, Stream::Stdout), ["started"]);
    assert_eq!(exec::summary(&f), "killed: timeout after 0.3 s");
    assert_group_gone(&plan.path("pgid")).await;
}

#[tokio::test]
async fn a_command_ignoring_sigterm_gets_sigkill() {
    let plan = Plan::new();
    let started = Instant::now();
    // An ignored SIGTERM is inherited by the sleeps too.
    let mut run = start(
        &plan,
        "trap '' TERM; echo $$ > pgid; sleep 30 & sleep 30",
        Duration::from_millis(200),
    );
    let (_, f) = collect(&mut run).await;
    let took = started.elapsed();
    assert!(f.timed_out, "{f:?}");
    assert_eq!((f.exit, f.signal), (None, Some(9)), "{f:?}");
    assert!(took >= Duration::from_millis(2200), "{took:?}");
    assert!(took < Duration::from_secs(5), "{took:?}");
    assert_group_gone(&plan.path("pgid")).await;
}

#[tokio::test]
async fn cancel_stops_the_group_and_keeps_the_cleanup_output() {
    let plan = Plan::new();
    let mut run = start(
        &plan,
        "trap 'echo cleaning up; exit 7' TERM; echo $$ > pgid; echo ready; \
         sleep 30 & while :; do sleep 0.05; done",
        Duration::from_secs(30),
    );
    wait_for_line(&mut run, "ready").await;
    let started = Instant::now();
    run.cancel();
    run.cancel(); // twice is harmless
    let (lines, f) = collect(&mut run).await;
    assert!(started.elapsed() < Duration::from_secs(2), "{f:?}");
    assert!(f.cancelled && !f.timed_out, "{f:?}");
    assert_eq!(f.exit, Some(7), "{f:?}");
    assert_eq!(texts(&lines, Stream::Stdout), ["cleaning up"]);
    // (The shell may add `Terminated` on standard error for the background sleep.)
    assert_eq!(f.last_lines[0], "ready");
    assert!(f.last_lines.contains(&"cleaning up".to_string()), "{f:?}");
    assert!(exec::summary(&f).starts_with("cancelled after "), "{f:?}");
    assert_group_gone(&plan.path("pgid")).await;
}

#[tokio::test]
async fn cancel_after_the_end_changes_nothing() {
    let plan = Plan::new();
    let mut run = start(&plan, "echo done", Duration::from_secs(10));
    wait_for_line(&mut run, "done").await;
    let (_, f) = collect(&mut run).await;
    run.cancel();
    assert!(f.success(), "{f:?}");
}

#[tokio::test]
async fn dropping_the_run_leaves_no_process_behind() {
    let plan = Plan::new();
    let mut run = start(
        &plan,
        "echo $$ > pgid; echo ready; sleep 30 & sleep 30",
        Duration::from_secs(30),
    );
    wait_for_line(&mut run, "ready").await;
    drop(run);
    assert_group_gone(&plan.path("pgid")).await;
}

#[tokio::test]
async fn processes_left_in_the_background_are_killed_and_do_not_hold_the_run() {
    let plan = Plan::new();
    let started = Instant::now();
    let mut run = start(
        &plan,
        "echo $$ > pgid; sleep 30 & echo bye",
        Duration::from_secs(30),
    );
    let (lines, f) = collect(&mut run).await;
    assert!(started.elapsed() < Duration::from_secs(3), "{f:?}");
    assert_eq!(texts(&lines, Stream::Stdout), ["bye"]);
    assert!(f.success(), "{f:?}");
    assert_group_gone(&plan.path("pgid")).await;
}

#[tokio::test]
async fn plans_others_can_write_are_refused_and_nothing_runs() {
    let plan = Plan::new();
    let cmd = "touch ran";

    chmod(plan.dir.path(), 0o777);
    let err = exec::start(cmd, &plan.file, Duration::from_secs(5)).unwrap_err();
    let dir = plan.dir.path().canonicalize().unwrap();
    let msg = err.to_string();
    assert!(matches!(err, Refused::UnsafePlan(_)), "{err:?}");
    assert!(
        msg.contains(&format!("chmod go-w {}", dir.display())),
        "{msg}"
    );
    assert!(!msg.contains('\n'), "{msg}");

    chmod(plan.dir.path(), 0o755);
    chmod(&plan.file, 0o666);
    let err = exec::start(cmd, &plan.file, Duration::from_secs(5)).unwrap_err();
    let file = plan.file.canonicalize().unwrap();
    assert!(
        err.to_string()
            .contains(&format!("chmod go-w {}", file.display())),
        "{err}"
    );

    chmod(&plan.file, 0o620);
    assert!(exec::start(cmd, &plan.file, Duration::from_secs(5)).is_err());

    let missing = plan.path("missing.toml");
    let err = exec::start(cmd, &missing, Duration::from_secs(5)).unwrap_err();
    assert!(err.to_string().contains("missing.toml"), "{err}");

    // Give a wrongly started command time to show itself.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(!plan.path("ran").exists(), "a refused command ran");

    chmod(&plan.file, 0o644);
    let mut run = start(&plan, cmd, Duration::from_secs(5));
    let (_, f) = collect(&mut run).await;
    assert!(f.success(), "{f:?}");
    assert!(plan.path("ran").exists());
}

/// Characters that must never reach the screen: controls (C0, DEL, C1), bidi controls,
/// zero-width characters.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

#[tokio::test]
async fn escape_sequences_arrive_raw_and_sanitise_to_nothing_dangerous() {
    let plan = Plan::new();
    // Clear screen, set title, OSC 52 (write the clipboard), C1 CSI (U+009B), a right-to-left
    // override, a zero-width space, a bell, a lone invalid byte; on both streams.
    let payload = r"\033[2J\033]0;pwned\007\033]52;c;ZXZpbA==\007\302\23331m\342\200\256evil\342\200\213\007\233end";
    let mut run = start(
        &plan,
        &format!("printf '{payload}\\n'; printf '{payload}\\n' >&2"),
        Duration::from_secs(10),
    );
    let (lines, f) = collect(&mut run).await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(f.exit, Some(0));
    let want_raw = "\u{1b}[2J\u{1b}]0;pwned\u{7}\u{1b}]52;c;ZXZpbA==\u{7}\u{9b}31m\u{202e}evil\u{200b}\u{7}\u{fffd}end";
    for (stream, text) in &lines {
        // Raw: what the journal keeps.
        assert_eq!(text, want_raw, "{stream:?}");
        let clean = warroom::text::sanitize(text);
        assert!(!clean.chars().any(is_dangerous), "{clean:?}");
        assert_eq!(clean, "[2J]0;pwned]52;c;ZXZpbA==31mevil\u{fffd}end");
    }
    assert_eq!(f.last_lines, [want_raw, want_raw]);
}

#[tokio::test]
async fn a_one_megabyte_line_arrives_in_pieces() {
    let plan = Plan::new();
    let started = Instant::now();
    let mut run = start(
        &plan,
        "head -c 1048576 /dev/zero | tr '\\0' x; echo; echo end",
        Duration::from_secs(10),
    );
    let (lines, f) = collect(&mut run).await;
    assert!(started.elapsed() < Duration::from_secs(5), "{f:?}");
    assert_eq!(f.exit, Some(0));
    let out = texts(&lines, Stream::Stdout);
    assert_eq!(out.len(), 1_048_576 / exec::MAX_LINE_BYTES + 1);
    assert!(
        out[..out.len() - 1]
            .iter()
            .all(|l| l.len() == exec::MAX_LINE_BYTES && l.bytes().all(|b| b == b'x'))
    );
    assert_eq!(out.last(), Some(&"end"));
    assert_eq!(f.last_lines.len(), exec::TAIL_LINES);
    let cut = &f.last_lines[exec::TAIL_LINES - 2];
    assert_eq!(cut.chars().count(), exec::TAIL_CHARS);
    assert!(cut.ends_with('…'));

    // Multi-byte characters are never split (3-byte '€': pieces of 4095 bytes).
    let mut run = start(
        &plan,
        r"i=0; while [ $i -lt 3000 ]; do printf '\342\202\254'; i=$((i+1)); done",
        Duration::from_secs(10),
    );
    let (lines, _) = collect(&mut run).await;
    let out = texts(&lines, Stream::Stdout);
    assert!(
        out.iter().all(|l| !l.contains('\u{fffd}')),
        "split character"
    );
    assert!(out.iter().all(|l| l.len() <= exec::MAX_LINE_BYTES));
    assert_eq!(out.concat(), "€".repeat(3000));
}

#[tokio::test]
async fn last_lines_hold_the_tail() {
    let plan = Plan::new();
    let mut run = start(&plan, "seq 1 100", Duration::from_secs(10));
    let (lines, f) = collect(&mut run).await;
    assert_eq!(lines.len(), 100);
    let want: Vec<String> = (81..=100).map(|i| i.to_string()).collect();
    assert_eq!(f.last_lines, want);
}

#[tokio::test]
async fn a_slow_reader_loses_nothing() {
    let plan = Plan::new();
    // More lines than the channel holds: the command waits for the reader.
    let n = exec::CHANNEL_LINES * 3;
    let mut run = start(&plan, &format!("seq 1 {n}"), Duration::from_secs(10));
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (lines, f) = collect(&mut run).await;
    assert_eq!(lines.len(), n);
    assert_eq!(lines.last().unwrap().1, n.to_string());
    assert!(f.success(), "{f:?}");
}
