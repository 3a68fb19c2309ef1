//! The screen as a user sees it, through ratatui's `TestBackend`, at 80×24 and 160×48.
//! Times are fixed by passing `now`; the user, host and temporary paths are filtered.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::path::Path;

use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::{App, Msg};
use warroom::session::OpenOptions;
use warroom::state::Command;

fn at(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 13, h, m, 0)
        .single()
        .unwrap()
}

/// A room on the fixture plan with one phase started and one task ticked.
fn app(dir: &Path) -> App {
    let plan = dir.join("launch.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/launch.md"),
        &plan,
    )
    .unwrap();
    let mut s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    s.act(
        &Command::Advance {
            to: None,
            override_reason: None,
        },
        at(9, 1),
    )
    .unwrap();
    let first = s.state.plan.phases[0].tasks[0].id.clone();
    s.act(
        &Command::Check {
            task: first,
            note: None,
        },
        at(9, 20),
    )
    .unwrap();
    App::new(s)
}

fn screen(app: &App, w: u16, h: u16, now: DateTime<Utc>) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| warroom::ui::render(f, &app.screen(now), warroom::ui::theme::Theme::from_env()))
        .unwrap();
    format!("{}", terminal.backend())
}

fn check(name: &str, text: &str, dir: &Path) {
    let dir = dir.display().to_string();
    let actor = warroom::journal::actor();
    let user = format!(r"\b{}\b", actor.split('@').next().unwrap());
    insta::with_settings!({filters => vec![
        (dir.as_str(), "[TMP]"),
        (user.as_str(), "user"),
        (r"[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+", "user@host"),
    ]}, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn compact_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let text = screen(&app, 80, 24, at(9, 35));
    assert!(text.contains("IN PROGRESS"));
    assert!(text.contains("[x] Deploy the API"));
    check("compact_80x24", &text, dir.path());
}

#[test]
fn wide_160x48() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    let text = screen(&app, 160, 48, at(9, 35));
    assert!(text.contains("Go/No-Go Checkpoint 1"));
    assert!(text.contains("UTC 09:35:00"));
    check("wide_160x48", &text, dir.path());
}

/// Phase 1 started twelve minutes late and was held ten minutes: the lead reads the ETA of the
/// plan's end (22 minutes late, after the deployment window) in the header, and the forecast of
/// each phase still to come beside its plan, marked `≈` and drawn `▒`.
#[test]
fn a_slip_moves_the_forecasts_and_the_eta() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("launch.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/launch.md"),
        &plan,
    )
    .unwrap();
    let mut s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    s.act(
        &Command::Advance {
            to: None,
            override_reason: None,
        },
        at(9, 12),
    )
    .unwrap();
    s.act(
        &Command::Hold {
            reason: "migration lock".into(),
        },
        at(9, 30),
    )
    .unwrap();
    s.act(&Command::Release { note: None }, at(9, 40)).unwrap();
    let app = App::new(s);
    let wide = screen(&app, 160, 48, at(9, 50));
    for must in [
        "ETA done 11:22 UTC (+22 min) ⚠ past deployment window · window ends 11:00 UTC",
        "09:12–≈10:22",
        "≈10:22–11:22⚠",
        "▒ forecast",
    ] {
        assert!(wide.contains(must), "missing {must:?} in\n{wide}");
    }
    let compact = screen(&app, 80, 24, at(9, 50));
    let eta_line = compact.lines().nth(2).unwrap();
    assert!(
        eta_line.contains("ETA done 11:22 UTC (+22 min)"),
        "{compact}"
    );
    check("slip_160x48", &wide, dir.path());
    check("slip_80x24", &compact, dir.path());
}

#[test]
fn overrun_phase_is_marked_in_words_not_colour_alone() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    // Phase 1 was planned to end at 10:00; at 10:20 it is still running.
    let text = screen(&app, 160, 48, at(10, 20));
    let row = text
        .lines()
        .find(|l| l.contains("Phase 1") && l.contains("Dec 13"))
        .unwrap();
    assert!(row.contains('!'), "{row}");
}

#[test]
fn tiny_and_degenerate_sizes_do_not_panic() {
    let dir = tempfile::tempdir().unwrap();
    let app = app(dir.path());
    for (w, h) in [
        (1, 1),
        (10, 3),
        (19, 5),
        (20, 6),
        (40, 10),
        (79, 23),
        (300, 100),
    ] {
        let text = screen(&app, w, h, at(9, 35));
        assert_eq!(text.lines().count(), h as usize);
    }
}

#[test]
fn escape_sequences_in_notes_never_reach_the_screen() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = app(dir.path());
    let hostile = "pwned\u{1b}[2J\u{1b}]0;title\u{7}\u{9b}31m\u{202e}evil\u{200b}";
    app.session
        .act(
            &Command::Note {
                text: hostile.into(),
            },
            at(9, 30),
        )
        .unwrap();
    let text = screen(&app, 160, 48, at(9, 35));
    assert!(text.contains("pwned"), "the note is shown");
    for bad in ['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}', '\u{200b}'] {
        assert!(!text.contains(bad), "{bad:?} reached the screen");
    }
    // The journal keeps the raw text.
    let raw = std::fs::read_to_string(dir.path().join("launch.journal.jsonl")).unwrap();
    assert!(raw.contains("\\u001b[2J"));
}

/// A room whose checks and metrics have a history: the API passed, slowed and failed, the
/// database is down, the error rate climbed until its rollback trigger fired and the countdown
/// runs. What the wall screen must say without colour: states in words, history cells with
/// symbols, values with units, the threshold, the banner and the countdown.
#[test]
fn live_signals_and_a_fired_trigger_160x48() {
    use warroom::poll::runner::Reading;
    use warroom::poll::{ErrorKind, ProbeError, Sample, Target, Verdict};
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("checkout.toml");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/signals/checkout.toml"),
        &plan,
    )
    .unwrap();
    let s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    let mut app = App::new(s);
    let t = |i: i64| at(9, 0) + chrono::Duration::seconds(i * 5);
    let sample =
        |i: i64, verdict, latency: f64, value: Option<f64>, error: Option<ProbeError>| Sample {
            at: t(i),
            verdict,
            latency_ms: Some(latency),
            value,
            error,
            degraded_by: (verdict == Verdict::Degraded)
                .then(|| "response_time > 300ms".to_string()),
        };
    for i in 0..60 {
        let api = match i {
            0..20 => sample(i, Verdict::Pass, 42.0, None, None),
            20..30 => sample(i, Verdict::Degraded, 410.0, None, None),
            _ => sample(
                i,
                Verdict::Fail,
                1.0,
                None,
                Some(ProbeError::new(
                    ErrorKind::Status,
                    "status 503 (expected 200)",
                )),
            ),
        };
        let db = sample(
            i,
            Verdict::Fail,
            0.0,
            None,
            Some(ProbeError::new(
                ErrorKind::Connect,
                "connection refused (127.0.0.1:9)",
            )),
        );
        let rate = if i < 10 {
            0.4
        } else {
            0.4 + (i - 10) as f64 * 0.45
        };
        let p95 = 120.0 + i as f64 * 3.0;
        for (target, s) in [
            (Target::Check(0), api),
            (Target::Check(1), db),
            (
                Target::Metric(0),
                sample(i, Verdict::Pass, 8.0, Some(rate), None),
            ),
            (
                Target::Metric(1),
                sample(i, Verdict::Pass, 6.0, Some(p95), None),
            ),
        ] {
            warroom::event_loop::settle(
                &mut app,
                Msg::Reading(Reading { target, sample: s }),
                t(i),
            );
        }
    }
    let now = t(60);
    let text = screen(&app, 160, 48, now);
    for must in [
        "✖ DOWN",
        "status 503 (expected 200)",
        "connection refused (127.0",
        "ROLLBACK IN 0:",
        "ROLLBACK TRIGGER MET: Error rate above 5% for two minutes",
        "error_rate > 5% for 2m",
        "limit > 5%",
        "judged by people",
    ] {
        assert!(text.contains(must), "missing {must:?} in\n{text}");
    }
    check("live_signals_160x48", &text, dir.path());
    check("live_signals_80x24", &screen(&app, 80, 24, now), dir.path());
}

/// A relative plan (T-7 days, D-Day) with no date, opened without `--start`: the header says
/// T-0 is not set and how to set it, not a T+ count from when the room opened. `T` asks for the
/// date and time; a typo is explained in the dialog; once set, the countdown runs to go-live
/// and a follower opening the same journal agrees.
#[test]
fn t0_not_set_says_so_and_can_be_set_from_the_room() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("relative.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/markdown/relative.md"),
        &plan,
    )
    .unwrap();
    let s = common::state::open(&plan, &OpenOptions::default(), at(8, 50)).unwrap();
    let mut app = App::new(s);
    let compact = screen(&app, 80, 24, at(9, 0));
    let first = compact.lines().next().unwrap();
    assert!(
        first.contains("T-0 not set: press T to set it"),
        "{compact}"
    );
    assert!(!compact.contains("T+00:"), "{compact}");
    check("t0_not_set_80x24", &compact, dir.path());
    let wide = screen(&app, 160, 48, at(9, 0));
    assert!(
        wide.contains("T-0 not set: press T to set it, or open with --start TIME"),
        "{wide}"
    );

    let key = |c: KeyCode| KeyEvent::new(c, KeyModifiers::NONE);
    let type_in = |app: &mut App, text: &str| {
        for c in text.chars() {
            warroom::event_loop::settle(app, Msg::Key(key(KeyCode::Char(c))), at(9, 1));
        }
        warroom::event_loop::settle(app, Msg::Key(key(KeyCode::Enter)), at(9, 1));
    };
    warroom::event_loop::settle(&mut app, Msg::Key(key(KeyCode::Char('T'))), at(9, 1));
    type_in(&mut app, "tomorrow 9");
    let dialog = screen(&app, 80, 24, at(9, 1));
    assert!(dialog.contains("Set T-0"), "{dialog}");
    assert!(dialog.contains("is not a time"), "{dialog}");
    for _ in 0.."tomorrow 9".len() {
        warroom::event_loop::settle(&mut app, Msg::Key(key(KeyCode::Backspace)), at(9, 1));
    }
    type_in(&mut app, "2025-12-20 09:00");
    let set = screen(&app, 80, 24, at(9, 2));
    assert!(!set.contains("T-0 not set"), "{set}");
    assert!(set.contains("T-6d 23:58:00 go-live"), "{set}");
    assert!(set.contains("T-0 set to 2025-12-20 09:00 UTC"), "{set}");

    let follower = common::state::open(
        &plan,
        &OpenOptions {
            follower: true,
            ..OpenOptions::default()
        },
        at(9, 3),
    )
    .unwrap();
    assert_eq!(follower.state.t0, at(9, 0) + chrono::Duration::days(7));
    // The report made from the journal agrees, and says where T-0 came from.
    let report = follower.report(at(9, 3)).unwrap();
    assert_eq!(report.t0, follower.state.t0);
    assert!(
        report.t0_source.starts_with("set in the room by "),
        "{}",
        report.t0_source
    );
    assert!(follower.state.t0_known());
    let mut watcher = App::new(follower);
    warroom::event_loop::settle(&mut watcher, Msg::Key(key(KeyCode::Char('T'))), at(9, 3));
    let text = screen(&watcher, 80, 24, at(9, 3));
    assert!(!text.contains("Set T-0"), "a follower gets no dialog");
}
