//! Times a plan may name, at the edges of what a clock can hold: a value no deployment has
//! (a length of 1e16 s — the TOML fuzz target's finding — an instant in year 1) is refused
//! at load with its file and line, never a panic later in status, note, report or the room;
//! values at the limits load and every verb runs on them.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::App;
use warroom::session::OpenOptions;

fn plan_with(dir: &Path, body: &str) -> PathBuf {
    let plan = dir.join("edge.toml");
    std::fs::write(&plan, format!("title = \"Edge\"\n{body}")).unwrap();
    plan
}

fn phase(id: &str, schedule: &str) -> String {
    format!(
        "[[phase]]\nid = \"{id}\"\ntitle = \"{id}\"\nschedule = {schedule}\n  [[phase.task]]\n  text = \"Ship {id}\"\n"
    )
}

#[test]
fn times_beyond_any_deployment_are_refused_at_load_with_the_line() {
    let cases = [
        // The fuzz target's finding: validate passed, then status panicked.
        (
            phase(
                "deploy",
                "{ kind = \"length\", length_s = 10000000000000000 }",
            ),
            2,
            "more than 100 years",
        ),
        (
            phase(
                "deploy",
                &format!("{{ kind = \"length\", length_s = {} }}", i64::MAX),
            ),
            2,
            "more than 100 years",
        ),
        (
            phase("deploy", "{ kind = \"length\", length_s = -5 }"),
            2,
            "negative",
        ),
        (
            phase(
                "deploy",
                &format!("{{ kind = \"offset\", start_s = {}, end_s = 0 }}", i64::MIN),
            ),
            2,
            "more than 100 years",
        ),
        (
            phase(
                "deploy",
                "{ kind = \"at\", start = \"0001-01-01T00:00:00Z\", end = \"0001-01-01T01:00:00Z\" }",
            ),
            2,
            "year 1",
        ),
        (
            format!(
                "{}[[gate]]\nid = \"go\"\ntitle = \"Go\"\nphase = \"deploy\"\nhold_before = \"1000000years\"\n",
                phase("deploy", "{ kind = \"length\", length_s = 60 }")
            ),
            8,
            "more than 100 years",
        ),
        (
            format!(
                "t0 = \"not a date\"\n{}",
                phase("deploy", "{ kind = \"length\", length_s = 60 }")
            ),
            2,
            "`t0` (the go-live instant: RFC 3339",
        ),
    ];
    for (body, line, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let plan = plan_with(dir.path(), &body);
        let at = format!("{}:{line}:", plan.display());
        for verb in ["validate", "status", "report"] {
            let out = common::state::warroom()
                .args([verb])
                .arg(&plan)
                .env("NO_COLOR", "1")
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert_eq!(out.status.code(), Some(1), "{verb} {body}: {stderr}");
            assert!(stderr.contains(&at), "{verb}: names {at}: {stderr}");
            assert!(stderr.contains(says), "{verb}: {stderr}");
        }
    }
}

#[test]
fn times_at_the_limits_load_and_every_verb_and_the_screen_run_on_them() {
    let dir = tempfile::tempdir().unwrap();
    let hundred_years = 36_525_i64 * 86_400;
    let mut body = String::from("t0 = \"9999-12-31T23:59:59Z\"\nrollback_window = \"100years\"\n");
    body.push_str(&phase(
        "first",
        &format!("{{ kind = \"offset\", start_s = -{hundred_years}, end_s = {hundred_years} }}"),
    ));
    // Lengths add up phase after phase: 3,000 centuries run past the last instant chrono
    // holds, so the later phases have no planned window rather than a panic.
    for i in 0..3000 {
        let _ = write!(
            body,
            "{}",
            phase(
                &format!("p{i}"),
                &format!("{{ kind = \"length\", length_s = {hundred_years} }}")
            )
        );
    }
    let plan = plan_with(dir.path(), &body);
    for args in [
        vec!["validate"],
        vec!["status"],
        vec!["status", "--json"],
        vec!["note", "", "at the end of time"],
        vec!["check", "", "ship-p0"],
        vec!["report", "", "--format", "html"],
        vec!["report", "", "--format", "json"],
    ] {
        let mut cmd = common::state::warroom();
        cmd.arg(args[0]).arg(&plan).args(args.iter().skip(2));
        let out = cmd.env("NO_COLOR", "1").output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let opts = OpenOptions {
        follower: true,
        ..OpenOptions::default()
    };
    for start in [
        None,
        Some(chrono::DateTime::<Utc>::MAX_UTC),
        Some(chrono::DateTime::<Utc>::MIN_UTC),
    ] {
        let opts = OpenOptions {
            start,
            ..opts.clone()
        };
        let app = App::new(common::state::open(&plan, &opts, Utc::now()).unwrap());
        for (w, h) in [(80, 24), (160, 48)] {
            let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
            for now in [
                Utc::now(),
                chrono::DateTime::<Utc>::MAX_UTC,
                chrono::DateTime::<Utc>::MIN_UTC,
            ] {
                term.draw(|f| {
                    warroom::ui::render(f, &app.screen(now), warroom::ui::theme::Theme::from_env());
                })
                .unwrap();
            }
        }
    }
}
