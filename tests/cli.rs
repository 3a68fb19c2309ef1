//! The command line end to end: real binary, real files, exit codes and messages a script sees.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cli")
        .join(name)
}

/// A copy of a fixture plan in a fresh directory, so its journal is private to the test.
fn room(name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join(name);
    std::fs::copy(fixture(name), &plan).unwrap();
    (dir, plan)
}

fn warroom() -> Command {
    common::state::assert_warroom()
}

fn status(plan: &Path) -> Value {
    let out = warroom()
        .args(["status", "--json"])
        .arg(plan)
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn missing_file_names_the_file() {
    warroom()
        .args(["validate", "no/such/plan.md"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("no/such/plan.md")
                .and(predicate::str::contains("cannot read")),
        );
}

#[test]
fn binary_file_is_refused() {
    warroom()
        .arg("validate")
        .arg(fixture("binary.md"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("binary file"));
}

#[test]
fn invalid_toml_names_the_line() {
    warroom()
        .arg("validate")
        .arg(fixture("invalid.toml"))
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("invalid.toml:5:")
                .and(predicate::str::contains("invalid TOML")),
        );
}

#[test]
fn empty_plan_is_an_error() {
    warroom()
        .arg("validate")
        .arg(fixture("empty.md"))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("empty.md").and(predicate::str::contains("empty")));
}

#[test]
fn plan_without_tasks_loads_with_a_warning() {
    warroom()
        .arg("validate")
        .arg(fixture("no-tasks.md"))
        .assert()
        .success()
        .stdout(predicate::str::contains("0 tasks").and(predicate::str::contains("warning")));
}

#[test]
fn example_toml_plan_validates() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/example-launch.toml");
    warroom()
        .arg("validate")
        .arg(example)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("4 phases")
                .and(predicate::str::contains("2 checks, 2 metrics"))
                .and(predicate::str::contains(
                    "payments_error_rate > 5% for 2m · watches payments_error_rate · rollback countdown",
                )),
        );
}

#[test]
fn unknown_task_id_is_refused_and_nothing_is_written() {
    let (_dir, plan) = room("launch.md");
    warroom()
        .arg("check")
        .arg(&plan)
        .arg("no-such-task")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("unknown task id 'no-such-task'"));
    // Opening for a verb journals the plan hash, but no tick was recorded.
    assert_eq!(status(&plan)["tasks"]["done"], 0);
}

#[test]
fn verbs_update_the_room_and_status_agrees() {
    let (_dir, plan) = room("launch.md");
    let s = status(&plan);
    assert_eq!(s["state"], "planned");
    assert_eq!(s["tasks"]["total"], 3);
    let total: u64 = s["phases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["tasks"]["total"].as_u64().unwrap())
        .sum();
    assert_eq!(total, 3, "every task belongs to exactly one phase");
    let task = s["phases"][0]["task_list"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let gate = s["gates"][0]["id"].as_str().unwrap().to_string();

    warroom().arg("advance").arg(&plan).assert().success();
    warroom()
        .arg("check")
        .arg(&plan)
        .arg(&task)
        .args(["--note", "done by CI"])
        .assert()
        .success();
    // Advancing past the undecided gate and an open task is refused with the reasons…
    warroom().arg("advance").arg(&plan).assert().code(1).stderr(
        predicate::str::contains("is PENDING")
            .and(predicate::str::contains(
                "1 of 2 tasks of Phase 1: Deploy not done",
            ))
            .and(predicate::str::contains("--override")),
    );
    // …a NO-GO without a reason is refused, with one it is recorded…
    warroom()
        .arg("decide")
        .arg(&plan)
        .arg(&gate)
        .arg("no-go")
        .assert()
        .code(1);
    warroom()
        .arg("decide")
        .arg(&plan)
        .arg(&gate)
        .args(["no-go", "--note", "smoke tests red"])
        .assert()
        .success();
    // …and an explicit override passes it, recorded.
    warroom()
        .arg("advance")
        .arg(&plan)
        .args(["--override", "accepted by the CTO"])
        .assert()
        .success();
    warroom()
        .arg("hold")
        .arg(&plan)
        .args(["--reason", "waiting for DNS"])
        .assert()
        .success();
    assert_eq!(status(&plan)["state"], "hold");
    warroom().arg("release").arg(&plan).assert().success();
    warroom()
        .arg("note")
        .arg(&plan)
        .arg("all good")
        .assert()
        .success();
    warroom()
        .arg("rollback")
        .arg(&plan)
        .args(["--reason", "error rate 7%"])
        .assert()
        .success();

    let s = status(&plan);
    assert_eq!(s["state"], "rollback");
    assert_eq!(s["tasks"]["done"], 1);
    let ticked = &s["phases"][0]["task_list"][0];
    assert_eq!(ticked["done"], true);
    assert!(ticked["actor"].as_str().unwrap().contains('@'));
    assert_eq!(s["gates"][0]["decision"], "no_go");
    assert_eq!(s["gates"][0]["votes"][0]["note"], "smoke tests red");
    assert_eq!(s["rollback"]["active"], true);
    assert_eq!(s["rollback"]["reason"], "error rate 7%");
    assert_eq!(s["overrides"][0]["reason"], "accepted by the CTO");
    assert!(s["phases"][0]["actual_start"].is_string());
    assert!(s["phases"][0]["actual_end"].is_string());
    assert_eq!(s["triggers"][0]["op"], ">");
    assert_eq!(s["triggers"][0]["value"], 5.0);
    // plan_loaded + advance + check + no-go + advance + hold + release + note + rollback
    assert_eq!(s["journal"]["events"], 9);
    let head = s["journal"]["head"].as_str().unwrap().to_string();

    warroom()
        .arg("verify")
        .arg(&plan)
        .assert()
        .success()
        .stdout(predicate::str::contains("9 events").and(predicate::str::contains(head)));
}

#[test]
fn verify_names_the_first_bad_line() {
    let (_dir, plan) = room("launch.md");
    warroom()
        .arg("note")
        .arg(&plan)
        .arg("one")
        .assert()
        .success();
    warroom()
        .arg("note")
        .arg(&plan)
        .arg("two")
        .assert()
        .success();
    let journal = plan.with_file_name("launch.journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(&journal, text.replacen("\"one\"", "\"0ne\"", 1)).unwrap();
    warroom()
        .arg("verify")
        .arg(&plan)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("journal.jsonl:3"));
}

#[test]
fn import_writes_toml_that_opens_to_the_same_room() {
    let (dir, plan) = room("launch.md");
    let out = dir.path().join("launch-imported.toml");
    warroom()
        .arg("import")
        .arg(&plan)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    // A forecast of a phase not started yet counts from the moment of each call: compare
    // the plan's side only.
    let without_forecast = |mut v: Value| {
        for p in v["phases"].as_array_mut().unwrap() {
            p.as_object_mut().unwrap().remove("forecast");
        }
        v
    };
    let md = without_forecast(status(&plan));
    let toml = without_forecast(status(&out));
    assert_eq!(md["title"], toml["title"]);
    assert_eq!(md["phases"], toml["phases"]);
    assert_eq!(md["gates"], toml["gates"]);
    assert_eq!(md["triggers"], toml["triggers"]);
}

#[test]
fn unknown_vote_is_a_usage_error() {
    let (_dir, plan) = room("launch.md");
    warroom()
        .arg("decide")
        .arg(&plan)
        .args(["g", "maybe"])
        .assert()
        .code(2);
}

/// A decision made from a script carries evidence like one made in the room: the CLI probes
/// every check and metric once (a real server here, and a closed port), and `status --json`
/// lists the snapshot.
#[test]
fn decisions_from_the_cli_carry_evidence_and_status_shows_it() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let port = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .unwrap();
        let port = listener.local_addr().unwrap().port();
        let app = axum::Router::new()
            .route(
                "/health",
                axum::routing::get(|| async { "{\"status\":\"UP\"}" }),
            )
            .route(
                "/metrics",
                axum::routing::get(|| async { "# TYPE error_pct gauge\nerror_pct 0.25\n" }),
            );
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        port
    });
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &plan,
        format!(
            "[[phase]]\ntitle = \"Deploy\"\n\
             [[check]]\nname = \"api\"\nurl = \"http://127.0.0.1:{port}/health\"\nconditions = ['$.status == \"UP\"']\n\
             [[check]]\nname = \"db\"\ntcp = \"127.0.0.1:{closed}\"\ntimeout = \"2s\"\n\
             [[metric]]\nname = \"errors\"\nunit = \"%\"\nscrape = \"http://127.0.0.1:{port}/metrics\"\nseries = \"error_pct\"\n"
        ),
    )
    .unwrap();
    warroom()
        .args(["hold", "--reason", "db replica lag"])
        .arg(&plan)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "1/2 checks up (db down); errors 0.25%",
        ));
    let s = status(&plan);
    let ev = &s["evidence"][0];
    assert!(
        ev["decision"].as_str().unwrap().contains("HOLD called"),
        "{ev}"
    );
    assert_eq!(ev["snapshot"]["checks"][0]["health"], "up");
    assert_eq!(ev["snapshot"]["checks"][1]["health"], "down");
    assert_eq!(ev["snapshot"]["metrics"][0]["value"], 0.25);
    // A refused action probes nothing and writes nothing.
    warroom()
        .args(["hold", "--reason", "again"])
        .arg(&plan)
        .assert()
        .code(1)
        .stderr(predicate::str::contains("already in force"));
    assert_eq!(status(&plan)["evidence"].as_array().unwrap().len(), 1);
}

/// `warroom status PLAN --json | head`: a reader that stops early ends the output quietly.
#[test]
fn a_reader_that_goes_away_is_not_a_crash() {
    use std::io::Read as _;
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("big.toml");
    // Enough tasks that the JSON is far larger than a pipe's buffer.
    let tasks = (0..3000).fold(String::new(), |mut s, i| {
        use std::fmt::Write as _;
        let _ = writeln!(s, "  [[phase.task]]\n  text = \"Task number {i}\"");
        s
    });
    std::fs::write(&plan, format!("[[phase]]\ntitle = \"Deploy\"\n{tasks}")).unwrap();
    let mut child = common::state::warroom()
        .args(["status", "--json"])
        .arg(&plan)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here; the rest of the output has nowhere to go.
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{:?}: {stderr}", out.status);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_note_can_come_from_standard_input() {
    let (_dir, plan) = room("launch.md");
    warroom()
        .arg("note")
        .arg(&plan)
        .arg("-")
        .write_stdin("deploy log says:\nall green\n")
        .assert()
        .success();
    let journal = plan.with_file_name("launch.journal.jsonl");
    let notes = common::journal::of_type(&journal, "note");
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["text"], "deploy log says:\nall green");
    // Nothing to say is refused, not journaled.
    warroom()
        .arg("note")
        .arg(&plan)
        .arg("-")
        .write_stdin("\n")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("empty"));
    assert_eq!(common::journal::count(&journal, "note"), 1);
}

#[test]
fn status_text_prints_journal_problems_and_a_torn_tail() {
    let (_dir, plan) = room("launch.md");
    for text in ["one", "two"] {
        warroom()
            .arg("note")
            .arg(&plan)
            .arg(text)
            .assert()
            .success();
    }
    let journal = plan.with_file_name("launch.journal.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(
        &journal,
        text.replacen("\"one\"", "\"0ne\"", 1) + "{\"v\":1,\"seq\":",
    )
    .unwrap();
    let out = warroom().arg("status").arg(&plan).output().unwrap();
    common::state::assert_ok(&out);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let at = format!("{}:3", journal.display());
    assert!(
        stdout.contains(&format!("! CHAIN BROKEN at {at}")),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!("! journal {at}: prev does not match")),
        "{stdout}"
    );
    assert!(stdout.contains("line 4 is incomplete"), "{stdout}");
    assert!(stdout.contains("launch.journal.jsonl.torn"), "{stdout}");
}

#[test]
fn import_never_overwrites_the_runbook_or_any_markdown_file() {
    let (dir, plan) = room("launch.md");
    let runbook = std::fs::read(&plan).unwrap();
    let other = dir.path().join("notes.md");
    std::fs::write(&other, "# my notes\n").unwrap();
    let alias = dir.path().join("alias.toml");
    std::os::unix::fs::symlink(&plan, &alias).unwrap();
    for (out, says) in [
        (plan.clone(), "is the plan being imported"),
        // The same file by another name.
        (
            dir.path().join(".").join("launch.md"),
            "is the plan being imported",
        ),
        (alias.clone(), "is the plan being imported"),
        (other.clone(), "existing Markdown file"),
    ] {
        warroom()
            .arg("import")
            .arg(&plan)
            .arg("-o")
            .arg(&out)
            .assert()
            .code(1)
            .stderr(predicate::str::contains(says));
    }
    assert_eq!(std::fs::read(&plan).unwrap(), runbook, "runbook untouched");
    assert_eq!(std::fs::read_to_string(&other).unwrap(), "# my notes\n");

    // An existing TOML output is replaced whole (a new file, renamed over it).
    let out = dir.path().join("out.toml");
    std::fs::write(&out, "old").unwrap();
    let mut keep = std::fs::File::open(&out).unwrap();
    warroom()
        .arg("import")
        .arg(&plan)
        .arg("-o")
        .arg(&out)
        .assert()
        .success();
    let mut old = String::new();
    std::io::Read::read_to_string(&mut keep, &mut old).unwrap();
    assert_eq!(
        old, "old",
        "the old file was replaced, not rewritten in place"
    );
    assert!(std::fs::read_to_string(&out).unwrap().contains("[[phase]]"));
}

/// `warroom ARGS…`, killed and failed when it has not ended within 10 s.
fn run_within_10s(args: &[&std::ffi::OsStr]) -> std::process::Output {
    let mut child = common::state::warroom()
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let end = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > end {
            child.kill().unwrap();
            panic!("warroom {args:?} hung");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[test]
fn plans_that_are_not_regular_files_or_are_huge_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe.md");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
    let folder = dir.path().join("folder.md");
    std::fs::create_dir(&folder).unwrap();
    // Sparse: 9 MiB that take no disk space.
    let huge = dir.path().join("huge.md");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(9 << 20)
        .unwrap();
    for (plan, says) in [
        (Path::new("/dev/zero"), "a device"),
        (fifo.as_path(), "a FIFO"),
        (folder.as_path(), "a directory"),
        (huge.as_path(), "larger than 8 MiB"),
    ] {
        for verb in ["validate", "status", "import"] {
            let out = run_within_10s(&[verb.as_ref(), plan.as_os_str()]);
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{verb} {plan:?}: {stderr}");
            assert!(stderr.contains(&plan.display().to_string()), "{stderr}");
            assert!(stderr.contains(says), "{verb} {plan:?}: {stderr}");
        }
    }
}

#[test]
fn a_journal_belongs_to_one_plan_and_says_which_to_another() {
    let (dir, plan) = room("launch.md");
    let other = dir.path().join("payments.md");
    std::fs::copy(&plan, &other).unwrap();
    let journal = dir.path().join("shared.journal.jsonl");
    warroom()
        .arg("note")
        .arg(&plan)
        .arg("first")
        .arg("--journal")
        .arg(&journal)
        .assert()
        .success();
    let before = std::fs::read(&journal).unwrap();
    for verb in [&["note", "second"][..], &["status"][..]] {
        warroom()
            .arg(verb[0])
            .arg(&other)
            .args(&verb[1..])
            .arg("--journal")
            .arg(&journal)
            .assert()
            .code(1)
            .stderr(
                predicate::str::contains("belongs to another plan, `launch`")
                    .and(predicate::str::contains("payments.journal.jsonl")),
            );
    }
    assert_eq!(std::fs::read(&journal).unwrap(), before, "nothing written");
    // The TOML imported from the runbook is the same plan, and the same room.
    let toml = dir.path().join("launch.toml");
    warroom().arg("import").arg(&plan).assert().success();
    warroom()
        .arg("note")
        .arg(&toml)
        .arg("from the toml")
        .arg("--journal")
        .arg(&journal)
        .assert()
        .success();
}

/// A room whose T-0 was half an hour ago and that has not started: `status --json` carries the
/// forecast of every phase still to come and the ETA of go-live, beside the fields scripts
/// already read (unchanged), and the text status and the report say the same in words.
#[test]
fn status_and_report_carry_forecasts_after_a_late_start() {
    let (_dir, plan) = room("launch.md");
    let t0 = (chrono::Utc::now() - chrono::Duration::minutes(30))
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string();
    let out = warroom()
        .args(["status", "--json", "--start", &t0])
        .arg(&plan)
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let p1 = &v["phases"][0];
    assert_eq!(p1["title"], "Phase 1: Deploy");
    assert_eq!(p1["kind"], "forward");
    assert_eq!(
        p1["planned_start"],
        t0.replace('Z', ".000Z").as_str(),
        "{p1}"
    );
    let slip = p1["forecast"]["slip_s"].as_i64().unwrap();
    assert!((29 * 60..=31 * 60).contains(&slip), "{p1}");
    assert_eq!(v["eta"]["milestone"], "go-live");
    assert!(
        v["eta"]["slip_s"].as_i64().unwrap() >= 29 * 60,
        "{}",
        v["eta"]
    );
    // The plan's two phases fill its window: running half an hour late ends past it.
    assert_eq!(v["phases"][1]["forecast"]["past_deployment_window"], true);
    assert!(v["deployment_window"]["end"].is_string());

    let text = warroom()
        .args(["status", "--start", &t0])
        .arg(&plan)
        .output()
        .unwrap();
    common::state::assert_ok(&text);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("ETA go-live"), "{text}");
    assert!(text.contains("⚠ past the deployment window"), "{text}");

    let report = warroom()
        .args(["report", "--start", &t0])
        .arg(&plan)
        .output()
        .unwrap();
    common::state::assert_ok(&report);
    let md = String::from_utf8(report.stdout).unwrap();
    assert!(md.contains("## Forecast"), "{md}");
    assert!(md.contains("ETA go-live: "), "{md}");
    assert!(md.contains("past the deployment window"), "{md}");
}

/// A relative plan with no date, no `--start`: the status says T-0 is not set and how to set
/// it, rather than counting from when the room first opened.
#[test]
fn status_of_a_relative_plan_without_start_says_t0_is_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("relative.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/markdown/relative.md"),
        &plan,
    )
    .unwrap();
    let v = status(&plan);
    assert_eq!(v["t0_known"], false);
    assert!(v["eta"].is_null(), "{}", v["eta"]);
    let out = warroom().arg("status").arg(&plan).output().unwrap();
    common::state::assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("T-0 not set: press T in the room to set it, or pass --start TIME"),
        "{text}"
    );
}
