//! Rollback triggers end to end below the screen: readings with injected timestamps go into
//! real rooms (`App`) sharing one journal file, and the journal gets exactly one
//! `trigger_fired` per episode, one `trigger_cleared`, a baseline captured once, and an
//! automatic rollback when a countdown runs out — however many rooms are open.

#![allow(clippy::unwrap_used, clippy::float_cmp)] // exact values are set by the test itself

mod common;

use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use warroom::app::{App, Msg};
use warroom::event_loop::settle;
use warroom::journal::Journal;
use warroom::journal::event::EventKind;
use warroom::poll::runner::Reading;
use warroom::poll::{Sample, Target, Verdict};
use warroom::session::OpenOptions;
use warroom::state::{Command, RoomStatus};

fn at(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 10, 0, 0).single().unwrap() + Duration::seconds(s)
}

const PLAN: &str = r#"
title = "Checkout v3"
t0 = "2026-03-01T10:00:00Z"

[[phase]]
id = "deploy"
title = "Deploy"
  [[phase.task]]
  text = "Roll out"

[[phase]]
id = "verify"
title = "Verify"

[[phase]]
id = "rollback"
title = "Roll back"
kind = "rollback"
  [[phase.task]]
  text = "Route traffic back"

[[metric]]
name = "error_rate"
unit = "%"
prometheus = "http://127.0.0.1:9"
query = "error_rate_percent"

[[metric]]
name = "p95"
unit = "ms"
prometheus = "http://127.0.0.1:9"
query = "p95_latency_ms"

[[trigger]]
text = "Error rate above 5% for two minutes"
when = "error_rate > 5% for 2m"
action = "rollback"
countdown = "60s"

[[trigger]]
text = "Latency doubles"
when = "p95 > 200% of baseline"
"#;

fn room(dir: &Path, follower: bool) -> App {
    let plan = dir.join("plan.toml");
    if !plan.exists() {
        std::fs::write(&plan, PLAN).unwrap();
    }
    let opts = OpenOptions {
        journal: Some(dir.join("plan.journal.jsonl")),
        follower,
        ..OpenOptions::default()
    };
    App::new(common::state::open(&plan, &opts, at(0)).unwrap())
}

fn reading(metric: usize, value: f64, s: i64) -> Reading {
    Reading {
        target: Target::Metric(metric),
        sample: Sample {
            at: at(s),
            verdict: Verdict::Pass,
            latency_ms: Some(3.0),
            value: Some(value),
            error: None,
            degraded_by: None,
        },
    }
}

fn events(dir: &Path) -> Vec<EventKind> {
    Journal::open(&dir.join("plan.journal.jsonl"))
        .unwrap()
        .replay()
        .unwrap()
        .events
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn count(dir: &Path, pred: impl Fn(&EventKind) -> bool) -> usize {
    events(dir).iter().filter(|k| pred(k)).count()
}

/// Every room sees the same readings (as rooms polling the same Prometheus would), and
/// catches up on the journal between readings as its watcher would make it.
fn feed(rooms: &mut [App], r: &Reading) {
    for app in rooms.iter_mut() {
        settle(app, Msg::JournalChanged, r.sample.at);
        settle(app, Msg::Reading(r.clone()), r.sample.at);
    }
}

#[test]
fn a_trigger_fires_once_per_episode_with_three_rooms_open() {
    let dir = tempfile::tempdir().unwrap();
    let mut rooms = vec![
        room(dir.path(), false),
        room(dir.path(), false),
        room(dir.path(), false),
    ];
    let fired = |k: &EventKind| matches!(k, EventKind::TriggerFired { .. });
    let cleared = |k: &EventKind| matches!(k, EventKind::TriggerCleared { .. });

    // Met at 0 s, still met at 60 s: pending, not fired (the `for` is 2 minutes).
    feed(&mut rooms, &reading(0, 7.0, 0));
    feed(&mut rooms, &reading(0, 8.0, 60));
    assert_eq!(count(dir.path(), fired), 0);
    assert!(rooms[0].watches[0].pending_since.is_some());

    // At 120 s it has held for 2 minutes: one event, whichever room got there first.
    feed(&mut rooms, &reading(0, 9.0, 120));
    assert_eq!(count(dir.path(), fired), 1);
    feed(&mut rooms, &reading(0, 9.5, 130));
    assert_eq!(
        count(dir.path(), fired),
        1,
        "no second event in the same episode"
    );
    for app in &mut rooms {
        settle(app, Msg::JournalChanged, Utc::now());
        let fired: Vec<_> = app.session.state.fired_triggers().collect();
        assert_eq!(fired.len(), 1, "every room shows the fired trigger");
        assert!((fired[0].1.value - 9.0).abs() < 1e-9);
        assert_eq!(fired[0].1.since, at(0));
    }

    // Back under the threshold: one clear.
    feed(&mut rooms, &reading(0, 1.0, 140));
    assert_eq!(count(dir.path(), cleared), 1);

    // A second episode is a second event.
    for s in [200, 260, 320] {
        feed(&mut rooms, &reading(0, 6.0, s));
    }
    assert_eq!(count(dir.path(), fired), 2);
}

#[test]
fn a_follower_evaluates_but_never_writes() {
    let dir = tempfile::tempdir().unwrap();
    let mut watcher = vec![room(dir.path(), true)];
    let before = events(dir.path()).len();
    for s in [0, 60, 120, 180] {
        feed(&mut watcher, &reading(0, 50.0, s));
    }
    assert!(
        watcher[0].watches[0].firing,
        "the follower's own evaluation fired"
    );
    assert_eq!(events(dir.path()).len(), before, "but it wrote nothing");
}

#[test]
fn the_countdown_starts_the_rollback_unless_cancelled() {
    let dir = tempfile::tempdir().unwrap();
    let mut rooms = vec![room(dir.path(), false), room(dir.path(), false)];
    for s in [0, 120] {
        feed(&mut rooms, &reading(0, 12.0, s));
    }
    settle(&mut rooms[1], Msg::JournalChanged, Utc::now());
    let c = rooms[1].session.state.rollback_countdown().unwrap();
    assert_eq!(
        c.ends_at
            - rooms[1].session.state.triggers[0]
                .fired
                .as_ref()
                .unwrap()
                .stamp
                .at,
        Duration::seconds(60)
    );

    // Before the end nothing happens; at the end both rooms try, one rollback is journaled.
    let end = c.ends_at;
    let started = |k: &EventKind| matches!(k, EventKind::RollbackStarted { .. });
    let before = end - Duration::seconds(1);
    settle(&mut rooms[0], Msg::Tick(before), before);
    assert_eq!(count(dir.path(), started), 0);
    for app in &mut rooms {
        settle(app, Msg::JournalChanged, end);
        settle(app, Msg::Tick(end), end);
    }
    assert_eq!(count(dir.path(), started), 1);
    settle(&mut rooms[0], Msg::JournalChanged, Utc::now());
    assert_eq!(rooms[0].session.state.status(), RoomStatus::Rollback);
    let ev = events(dir.path());
    let reason = ev
        .iter()
        .find_map(|k| match k {
            EventKind::RollbackStarted {
                reason, evidence, ..
            } => Some((reason.clone(), evidence.clone())),
            _ => None,
        })
        .unwrap();
    assert!(reason.0.contains("automatic"), "{}", reason.0);
    assert!(reason.0.contains("error_rate > 5% for 2m"), "{}", reason.0);
    let evidence = reason.1.expect("the rollback carries evidence");
    assert_eq!(evidence.metrics[0].id, "error-rate");
    assert_eq!(evidence.metrics[0].value, Some(12.0));
}

#[test]
fn a_cancelled_countdown_does_not_roll_back() {
    let dir = tempfile::tempdir().unwrap();
    let mut rooms = vec![room(dir.path(), false)];
    for s in [0, 120] {
        feed(&mut rooms, &reading(0, 12.0, s));
    }
    let app = &mut rooms[0];
    let end = app.session.state.rollback_countdown().unwrap().ends_at;
    app.session
        .act(
            &Command::CancelCountdown {
                note: Some("known noisy canary".into()),
            },
            at(130),
        )
        .unwrap();
    assert!(app.session.state.rollback_countdown().is_none());
    let later = end + Duration::seconds(5);
    settle(app, Msg::Tick(later), later);
    assert!(app.session.state.rollback.is_none());
    // Cancelling twice is refused with a reason.
    let err = app
        .session
        .act(&Command::CancelCountdown { note: None }, at(140))
        .unwrap_err();
    assert!(err.to_string().contains("no rollback countdown"), "{err}");
}

#[test]
fn a_baseline_is_captured_once_when_the_deployment_starts() {
    let dir = tempfile::tempdir().unwrap();
    let mut rooms = vec![room(dir.path(), false), room(dir.path(), false)];
    // Before go-live no baseline is taken, and the relative trigger cannot be judged.
    feed(&mut rooms, &reading(1, 100.0, 0));
    let baseline = |k: &EventKind| matches!(k, EventKind::BaselineCaptured { .. });
    assert_eq!(count(dir.path(), baseline), 0);

    rooms[0]
        .session
        .act(
            &Command::Advance {
                to: None,
                override_reason: None,
            },
            at(5),
        )
        .unwrap();
    feed(&mut rooms, &reading(1, 120.0, 10));
    assert_eq!(count(dir.path(), baseline), 1);
    settle(&mut rooms[1], Msg::JournalChanged, Utc::now());
    assert_eq!(rooms[1].session.state.baselines["p95"].0, 120.0);

    // 200% of 120 ms is 240 ms: 230 does not fire, 250 does.
    let fired = |k: &EventKind| matches!(k, EventKind::TriggerFired { trigger, .. } if trigger == "latency-doubles");
    feed(&mut rooms, &reading(1, 230.0, 20));
    assert_eq!(count(dir.path(), fired), 0);
    feed(&mut rooms, &reading(1, 250.0, 30));
    assert_eq!(count(dir.path(), fired), 1);
}

#[test]
fn decisions_in_the_room_carry_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let mut rooms = vec![room(dir.path(), false)];
    feed(&mut rooms, &reading(0, 0.4, 0));
    let app = &mut rooms[0];
    settle(app, Msg::Key(KeyEvent::from(KeyCode::Char('n'))), at(1));
    let ev = events(dir.path());
    let evidence = ev
        .iter()
        .find_map(|k| match k {
            EventKind::Advanced { evidence, .. } => evidence.clone(),
            _ => None,
        })
        .expect("the advance carries evidence");
    assert_eq!(evidence.metrics.len(), 2);
    assert_eq!(evidence.metrics[0].value, Some(0.4));
    assert_eq!(evidence.metrics[1].value, None);
    assert_eq!(app.session.state.evidence.len(), 1);
    assert!(
        app.session
            .state
            .feed
            .back()
            .unwrap()
            .text
            .contains("error-rate 0.40%"),
        "{}",
        app.session.state.feed.back().unwrap().text
    );
}
