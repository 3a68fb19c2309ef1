//! `warroom report`: a launch journaled with fixed times (late start, a hold, a vote changed
//! from HOLD to GO, one recorded by the lead, an override, a fired trigger, a rollback over its
//! budget) told back in Markdown, JSON and HTML — the HTML rendered by headless Chromium.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

mod common;

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use common::pty::Viewer;
use serde_json::Value;
use sha2::{Digest, Sha256};
use warroom::journal::event::{EventKind, Vote};
use warroom::journal::evidence::{CheckSnapshot, Evidence, MetricSnapshot};
use warroom::journal::{Draft, Journal};

const PLAN: &str = "tests/fixtures/report/launch.toml";
/// Outside text with escape sequences and a bidi override, as a note.
const HOSTILE: &str = "restart \u{1b}[2J\u{1b}]0;pwned\u{7} done \u{202e}gnp.exe";

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 13, h, m, 0).unwrap()
}

fn evidence(h: u32, m: u32, db: &str, error_rate: f64) -> Evidence {
    Evidence {
        at: at(h, m),
        checks: vec![CheckSnapshot {
            id: "payments-db".into(),
            health: db.into(),
            latency_ms: Some(12.0),
            value: None,
            error: (db != "up").then(|| "replica lag 14 s".to_string()),
        }],
        metrics: vec![MetricSnapshot {
            id: "error_rate".into(),
            value: Some(error_rate),
            unit: "%".into(),
        }],
    }
}

/// Journals the launch at `journal` and returns the journal's path.
fn journal_launch(dir: &Path) -> PathBuf {
    let path = dir.join("launch.journal.jsonl");
    let j = Journal::open(&path).unwrap();
    let append = |actor: &str, role: Option<&str>, t: DateTime<Utc>, kind: EventKind| {
        let draft = Draft {
            actor: actor.into(),
            role: role.map(str::to_string),
            at: t,
            kind,
        };
        j.append(draft, None).unwrap();
    };
    let advance = |from: Option<&str>, to: Option<&str>, why: Option<&str>| EventKind::Advanced {
        from: from.map(str::to_string),
        to: to.map(str::to_string),
        override_reason: why.map(str::to_string),
        evidence: None,
    };
    let tick = |task: &str, note: Option<&str>| EventKind::TaskChecked {
        task: task.into(),
        note: note.map(str::to_string),
    };
    let vote = |role: &str, vote: Vote, note: &str, e: Option<Evidence>| EventKind::Voted {
        gate: "go-live".into(),
        role: role.into(),
        vote,
        note: Some(note.into()),
        evidence: e,
    };
    // A hostile hash: journaled text, so it must come out of the report cleaned too.
    append(
        "alice@ops",
        None,
        at(8, 0),
        EventKind::PlanLoaded {
            plan_hash: "\u{1b}[2J\u{1b}[3J\u{1b}[Hfeedface".into(),
            title: "Payments v2 launch".into(),
            plan: None,
        },
    );
    append(
        "alice@ops",
        None,
        at(8, 3),
        advance(None, Some("prepare"), None),
    );
    append("bob@ops", None, at(8, 10), tick("freeze", None));
    append(
        "alice@ops",
        None,
        at(8, 20),
        tick("backup", Some("snapshot s-123")),
    );
    append(
        "bob@ops",
        Some("SRE"),
        at(8, 40),
        vote(
            "SRE",
            Vote::Hold,
            "waiting for replica lag",
            Some(evidence(8, 40, "degraded", 0.4)),
        ),
    );
    append(
        "alice@ops",
        None,
        at(8, 42),
        EventKind::HoldCalled {
            reason: "replica lag on payments-db".into(),
            evidence: Some(evidence(8, 42, "degraded", 0.4)),
        },
    );
    append(
        "alice@ops",
        None,
        at(8, 54),
        EventKind::HoldReleased { note: None },
    );
    append(
        "bob@ops",
        Some("SRE"),
        at(8, 55),
        vote(
            "SRE",
            Vote::Go,
            "lag back under 1 s",
            Some(evidence(8, 55, "up", 0.3)),
        ),
    );
    append(
        "alice@ops",
        Some("Release Manager"),
        at(8, 56),
        vote("QA", Vote::Go, "QA signed off by phone", None),
    );
    append(
        "alice@ops",
        None,
        at(9, 7),
        advance(Some("prepare"), Some("deploy"), None),
    );
    append("carol@dev", None, at(9, 20), tick("canary", None));
    append(
        "alice@ops",
        None,
        at(9, 50),
        advance(
            Some("deploy"),
            Some("verify"),
            Some("full rollout deferred to Monday"),
        ),
    );
    append(
        "alice@ops",
        None,
        at(10, 5),
        EventKind::TriggerFired {
            trigger: "errors".into(),
            value: 7.2,
            condition: "error_rate > 5%".into(),
            since: at(10, 3),
            evidence: Some(evidence(10, 5, "up", 7.2)),
        },
    );
    append(
        "alice@ops",
        None,
        at(10, 6),
        EventKind::RollbackStarted {
            reason: "error rate 7.2% after the canary".into(),
            evidence: Some(evidence(10, 6, "up", 7.2)),
        },
    );
    append("bob@ops", None, at(10, 9), tick("rb-call", None));
    append("bob@ops", None, at(10, 27), tick("rb-route", None));
    append(
        "alice@ops",
        None,
        at(10, 28),
        EventKind::TriggerCleared {
            trigger: "errors".into(),
            value: Some(0.5),
        },
    );
    append(
        "carol@dev",
        None,
        at(10, 30),
        EventKind::Note {
            text: HOSTILE.into(),
        },
    );
    path
}

fn report(journal: &Path, format: &str) -> String {
    let out = common::state::assert_warroom()
        .args(["report", PLAN, "--journal"])
        .arg(journal)
        .args(["--format", format])
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    String::from_utf8(out.stdout).unwrap()
}

/// SHA-256 of the journal's last line, computed here independently of warroom.
fn last_line_hash(journal: &Path) -> String {
    let text = std::fs::read_to_string(journal).unwrap();
    let last = text.lines().last().unwrap();
    Sha256::digest(last.as_bytes())
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

fn row<'a>(md: &'a str, first_cell: &str) -> &'a str {
    md.lines()
        .find(|l| l.starts_with(&format!("| {first_cell} |")))
        .unwrap_or_else(|| panic!("no row for {first_cell} in:\n{md}"))
}

#[test]
fn markdown_tells_the_launch_from_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_launch(dir.path());
    let md = report(&journal, "md");

    // Planned vs actual: Prepare started 3 min late and ended 7 min late.
    let prepare = row(&md, "Prepare");
    assert!(
        prepare.contains("+3 min late") && prepare.contains("+7 min late"),
        "{prepare}"
    );
    assert!(row(&md, "Deploy payments v2").contains("+7 min late"));
    // Verify was open when the rollback began: it ran 16 min, not until the report was made.
    assert!(row(&md, "Verify").contains("| 30 min | 16 min |"), "{md}");

    // The poll: HOLD then GO from SRE (with evidence), GO recorded for QA by the lead.
    assert!(md.contains("### Go-live decision: GO"), "{md}");
    assert!(md.contains("decided 2025-12-13 08:56"), "{md}");
    assert!(md.contains("| 2025-12-13 08:40 | SRE | **HOLD** | bob@ops | waiting for replica lag | 0/1 checks up (payments-db degraded); error_rate 0.40% |"), "{md}");
    assert!(
        md.contains("| SRE | **GO** | bob@ops | lag back under 1 s |"),
        "{md}"
    );
    assert!(md.contains("| QA | **GO** | alice@ops (as Release Manager, on its behalf) | QA signed off by phone | — |"), "{md}");

    // The hold, its length and reason; the override and its reason.
    assert!(md.contains("| 2025-12-13 08:42 | 2025-12-13 08:54 | 12 min | alice@ops | replica lag on payments-db |"), "{md}");
    assert!(
        md.contains(
            "| Deploy payments v2 | Verify | alice@ops | full rollout deferred to Monday |"
        ),
        "{md}"
    );

    // The trigger episode and the rollback against its budget: execution took 18 min of 15.
    assert!(md.contains("| Error rate above 5% | error_rate > 5% | 7.20 | 2025-12-13 10:03 | 2025-12-13 10:05 (alice@ops) | 2025-12-13 10:28 |"), "{md}");
    assert!(
        md.contains("Took 21 min (done) against a budget of 20 min: **OVER BUDGET**"),
        "{md}"
    );
    assert!(
        md.contains(
            "| Rollback: decision | 2025-12-13 10:06 | 2025-12-13 10:09 | 3 min | 5 min |  |"
        ),
        "{md}"
    );
    assert!(md.contains("| Rollback: execution | 2025-12-13 10:09 | 2025-12-13 10:27 | 18 min | 15 min | OVER BUDGET |"), "{md}");

    // Who ticked what, and when.
    assert!(md.contains("| 2025-12-13 08:20 | Back up the payments database | Prepare | alice@ops | snapshot s-123 |"), "{md}");
    assert!(
        md.contains("| 2025-12-13 09:20 | Canary at 5% | Deploy payments v2 | carol@dev | — |"),
        "{md}"
    );
    assert!(md.contains("## Tasks done (5/7)"), "{md}");

    // The head hash is the journal's real last line, and the chain is called consistent.
    assert!(
        md.contains(&format!(
            "head seq 18, SHA-256 `{}`",
            last_line_hash(&journal)
        )),
        "{md}"
    );
    assert!(md.contains("Hash chain: consistent"), "{md}");
    assert!(md.contains("**T-0 from:** the plan's date"), "{md}");
    assert!(md.contains("Plan version `[2J[3J[Hf` first opened"), "{md}");
    assert!(!md.to_lowercase().contains("untampered"));

    // Outside text reaches the file without a control or bidi character.
    assert!(md.contains(r"restart \[2J\]0;pwned done gnp.exe"), "{md}");
    assert!(
        !md.chars().any(|c| c.is_control() && c != '\n'),
        "control character in the report"
    );
    assert!(!md.contains('\u{202e}'));
}

#[test]
fn json_is_the_same_story_for_scripts_and_keeps_raw_text() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_launch(dir.path());
    let v: Value = serde_json::from_str(&report(&journal, "json")).unwrap();
    assert_eq!(v["status"], "rollback");
    assert_eq!(v["phases"][0]["start_slip_min"], 3);
    assert_eq!(v["phases"][0]["end_slip_min"], 7);
    assert_eq!(v["gates"][0]["outcome"], "go");
    assert_eq!(v["gates"][0]["votes"].as_array().unwrap().len(), 3);
    assert_eq!(
        v["gates"][0]["votes"][0]["evidence"]["checks"][0]["health"],
        "degraded"
    );
    assert_eq!(v["holds"][0]["length_s"], 720);
    assert_eq!(
        v["overrides"][0]["reason"],
        "full rollout deferred to Monday"
    );
    assert_eq!(v["triggers"][0]["value"], 7.2);
    assert_eq!(v["rollback"]["budget_s"], 1200);
    assert_eq!(v["rollback"]["elapsed_s"], 1260);
    assert_eq!(v["rollback"]["over_budget"], true);
    assert_eq!(v["rollback"]["steps"][1]["over_budget"], true);
    assert_eq!(v["journal"]["head_hash"], last_line_hash(&journal).as_str());
    assert_eq!(v["journal"]["consistent"], true);
    // The journal keeps the raw text, and so does the data export.
    assert_eq!(v["notes"][0]["text"], HOSTILE);
}

#[test]
fn a_rewritten_middle_line_is_reported_not_hidden() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_launch(dir.path());
    let text = std::fs::read_to_string(&journal).unwrap();
    std::fs::write(
        &journal,
        text.replacen("snapshot s-123", "snapshot s-999", 1),
    )
    .unwrap();
    let md = report(&journal, "md");
    assert!(md.contains("Hash chain: not consistent: line 5"), "{md}");
}

#[test]
fn output_goes_to_the_file_asked_for_and_a_bad_path_is_a_user_error() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_launch(dir.path());
    let out = dir.path().join("launch-report.html");
    common::state::assert_warroom()
        .args(["report", PLAN, "--format", "html", "--journal"])
        .arg(&journal)
        .arg("-o")
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("report written to"));
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    // Self-contained: nothing is fetched when the page opens.
    for needle in ["<script", "src=\"http", "href=\"http", "@import", "url("] {
        assert!(!html.contains(needle), "{needle} in the page");
    }

    let missing = dir.path().join("no-such-dir/report.md");
    common::state::assert_warroom()
        .args(["report", PLAN, "--journal"])
        .arg(&journal)
        .arg("-o")
        .arg(&missing)
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "no-such-dir/report.md: cannot write the report",
        ));
}

/// Headless Chromium (Debian's `chromium`; `scripts/setup` installs it) prints the page to PDF
/// and `pdftotext` reads back what was actually laid out — the chart's labels included.
#[test]
fn html_report_renders_in_headless_chromium() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_launch(dir.path());
    let page = dir.path().join("report.html");
    std::fs::write(&page, report(&journal, "html")).unwrap();
    let pdf = dir.path().join("report.pdf");
    let status = Process::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--no-pdf-header-footer",
        ])
        .arg(format!(
            "--user-data-dir={}",
            dir.path().join("profile").display()
        ))
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium (scripts/setup installs it)");
    assert!(
        status.status.success(),
        "{}",
        String::from_utf8_lossy(&status.stderr)
    );
    let text = Process::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("run pdftotext (poppler-utils; scripts/setup installs it)");
    // Table cells wrap: compare with runs of white space made one space.
    let seen = String::from_utf8_lossy(&text.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for phase in [
        "Prepare",
        "Deploy payments v2",
        "Verify",
        "Rollback: execution",
    ] {
        assert!(
            seen.contains(phase),
            "phase {phase} not on the rendered page:\n{seen}"
        );
    }
    for decision in [
        "Go-live decision: GO",
        "waiting for replica lag",
        "QA signed off by phone",
        "full rollout deferred to Monday",
        "OVER BUDGET",
    ] {
        assert!(
            seen.contains(decision),
            "{decision} not on the rendered page:\n{seen}"
        );
    }
    // The timeline chart drew its axis and decision markers (SVG text is laid out too).
    assert!(
        seen.contains("Go-live decision: GO") && seen.contains("ROLLBACK started"),
        "{seen}"
    );
    assert!(seen.contains("09:00"), "no time axis on the chart:\n{seen}");
}

fn chromium() -> String {
    std::env::var("WARROOM_CHROMIUM").unwrap_or_else(|_| "chromium".into())
}

/// `r` in a room — a follower's, which never writes to the journal — writes the report in
/// HTML and Markdown beside the plan and says where.
#[test]
fn r_in_the_room_writes_the_report_beside_the_plan() {
    let (dir, plan) = common::fixture::small_launch();
    let plan_arg = plan.to_str().unwrap();
    common::state::assert_warroom()
        .args(["advance", plan_arg])
        .assert()
        .success();
    common::state::assert_warroom()
        .args(["check", plan_arg, "deploy-the-api", "--note", "v2.3.1 out"])
        .assert()
        .success();
    let journal = dir.path().join("launch.journal.jsonl");
    let before = std::fs::read(&journal).unwrap();

    let mut room = Viewer::open(&["open", plan_arg, "--follow"], 120, 40);
    room.wait_for("[x] Deploy the API", Duration::from_secs(20));
    room.send("r");
    room.wait_for("report written", Duration::from_secs(10));
    room.quit();

    let md = std::fs::read_to_string(dir.path().join("launch.report.md")).unwrap();
    assert!(
        md.contains("| Deploy the API |") && md.contains("v2.3.1 out"),
        "{md}"
    );
    let html = std::fs::read_to_string(dir.path().join("launch.report.html")).unwrap();
    assert!(
        html.contains("Deploy the API") && html.contains("<svg"),
        "{html}"
    );
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "the report wrote to the journal"
    );
}

/// A history cut back after this user saw it: the report carries the checkpoint warning, not
/// only the terminal that made it.
#[test]
fn a_report_after_a_rewrite_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let journal = journal_launch(dir.path());
    // The user's checkpoint records the whole history…
    common::state::assert_warroom()
        .args(["verify", PLAN, "--journal"])
        .arg(&journal)
        .assert()
        .success();
    // …then someone cuts it back to its first ten events.
    let text = std::fs::read_to_string(&journal).unwrap();
    let kept: Vec<&str> = text.lines().take(10).collect();
    let kept = kept.join("\n") + "\n";
    std::fs::write(&journal, kept).unwrap();
    let md = report(&journal, "md");
    assert!(md.contains("- **Warning:** HISTORY REWRITTEN"), "{md}");
    // What is left is still a consistent chain: both are said.
    assert!(md.contains("Hash chain: consistent"), "{md}");
}

/// A plan with no rollback steps: a rollback started by hand has no end to measure, so the
/// report neither calls it done nor judges it against a budget.
#[test]
fn a_rollback_without_steps_is_neither_done_nor_within_budget() {
    let (_dir, plan) = common::fixture::small_launch();
    for args in [
        vec!["advance"],
        vec!["rollback", "--reason", "errors after the deploy"],
    ] {
        common::state::assert_warroom()
            .arg(args[0])
            .arg(&plan)
            .args(&args[1..])
            .assert()
            .success();
    }
    let out = common::state::assert_warroom()
        .arg("report")
        .arg(&plan)
        .output()
        .unwrap();
    let md = String::from_utf8(out.stdout).unwrap();
    assert!(
        md.contains("The plan has no rollback steps, so nothing marks when the rollback ended"),
        "{md}"
    );
    assert!(
        !md.contains("within budget") && !md.contains("(done)"),
        "{md}"
    );
}
