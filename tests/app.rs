//! The room without a terminal or a loop: messages go into `App::update`, and the tests look
//! at the effects it asks for and at the screen it draws (a ratatui `TestBackend`). The
//! journal worker is played by the test, so a write can be held "in flight" as long as a
//! black-holed database would hold it.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{DateTime, Duration, TimeZone, Utc};
use crossterm::event::{KeyCode, KeyEvent};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::{App, Effect, Mode, Msg};
use warroom::session::OpenOptions;
use warroom::session::worker::{self, Job};

const PLAN: &str = r#"
title = "Headless"
t0 = "2026-03-01T10:00:00Z"

[[phase]]
id = "prepare"
title = "Prepare"
  [[phase.task]]
  text = "Freeze merges"
  [[phase.task]]
  text = "Announce the window"

[[phase]]
id = "deploy"
title = "Deploy"
  [[phase.task]]
  text = "Roll out"

[[gate]]
title = "Go for rollout"
phase = "prepare"
voters = ["SRE"]
"#;

fn at(s: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).single().unwrap() + Duration::seconds(s)
}

fn key(c: char) -> Msg {
    Msg::Key(KeyEvent::from(KeyCode::Char(c)))
}

struct Room {
    _dir: tempfile::TempDir,
    app: App,
}

fn room(follower: bool) -> Room {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("plan.toml");
    std::fs::write(&plan, PLAN).unwrap();
    let opts = OpenOptions {
        follower,
        ..OpenOptions::default()
    };
    // An operator's room first, so a follower has a journal to watch.
    let app = App::new(common::state::open(&plan, &OpenOptions::default(), at(0)).unwrap());
    let app = if follower {
        drop(app);
        App::new(common::state::open(&plan, &opts, at(0)).unwrap())
    } else {
        app
    };
    Room { _dir: dir, app }
}

fn screen(app: &App, now: DateTime<Utc>) -> String {
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();
    terminal
        .draw(|f| {
            warroom::ui::render(f, &app.screen(now), warroom::ui::theme::Theme::mono());
        })
        .unwrap();
    format!("{}", terminal.backend())
}

/// The journal jobs among `fx`.
fn jobs(fx: Vec<Effect>) -> Vec<Job> {
    fx.into_iter()
        .filter_map(|e| match e {
            Effect::Journal(job) => Some(*job),
            _ => None,
        })
        .collect()
}

/// Plays the journal worker for `job` and hands its answer back.
fn answer(app: &mut App, job: Job, now: DateTime<Utc>) -> Vec<Effect> {
    let reply = worker::perform(&app.session.journal_handle(), job);
    app.update(Msg::Journal(Box::new(reply)), now)
}

fn first_task_done(app: &App) -> bool {
    let id = &app.session.state.plan.phases[0].tasks[0].id;
    app.session.state.is_done(id)
}

#[test]
fn a_tick_is_pending_until_the_worker_commits_it() {
    let Room { _dir, mut app } = room(false);
    let fx = app.update(key(' '), at(1));
    assert!(fx.iter().any(|e| matches!(e, Effect::Redraw)));
    let mut jobs = jobs(fx);
    assert_eq!(jobs.len(), 1, "one append for the worker");
    let job = jobs.pop().unwrap();
    assert!(job.write.is_some());

    // Asked for, not yet committed: the screen says it is being written, never that it is done.
    assert!(!first_task_done(&app));
    let pending = screen(&app, at(1));
    assert!(
        pending.contains("ticked: writing to the journal…"),
        "{pending}"
    );
    assert!(!pending.contains("(journal #"), "{pending}");
    assert!(app.writing());

    let fx = answer(&mut app, job, at(2));
    assert!(fx.iter().any(|e| matches!(e, Effect::Redraw)));
    assert!(first_task_done(&app));
    assert!(!app.writing());
    assert_eq!(app.view.task, 1, "the selection moves to the next task");
    let done = screen(&app, at(2));
    assert!(done.contains("ticked (journal #"), "{done}");
    assert!(done.contains("[x] Freeze merges"), "{done}");
}

#[test]
fn the_clock_ticks_while_a_write_is_in_flight_and_writes_queue_behind_it() {
    let Room { _dir, mut app } = room(false);
    let first = jobs(app.update(key(' '), at(1))).pop().unwrap();

    // The worker is stuck (a database that does not answer): the clock keeps drawing and asks
    // nothing more of the journal.
    for s in 2..7 {
        let fx = app.update(Msg::Tick(at(s)), at(s));
        assert!(matches!(fx.as_slice(), [Effect::Redraw]), "{fx:?}");
        assert!(
            screen(&app, at(s)).contains("T-00:59:5"),
            "the countdown ticks"
        );
    }
    // A second tick (of the next task) waits behind the first.
    app.view.task = 1;
    assert!(jobs(app.update(key(' '), at(7))).is_empty());
    let fx = app.update(Msg::JournalChanged, at(7));
    assert!(jobs(fx).is_empty(), "no read while the append is in flight");

    let mut next = jobs(answer(&mut app, first, at(8)));
    assert_eq!(next.len(), 1, "the queued tick goes next");
    assert!(first_task_done(&app));
    answer(&mut app, next.pop().unwrap(), at(9));
    let second = &app.session.state.plan.phases[0].tasks[1].id;
    assert!(app.session.state.is_done(second));
}

#[test]
fn another_viewers_event_arrives_through_a_read_job() {
    let Room { _dir, mut app } = room(false);
    let plan = app.session.plan_path.clone();
    let mut other = App::new(common::state::open(&plan, &OpenOptions::default(), at(0)).unwrap());
    warroom::event_loop::settle(&mut other, key(' '), at(1));
    assert!(first_task_done(&other));

    assert!(!first_task_done(&app));
    let mut read = jobs(app.update(Msg::JournalChanged, at(2)));
    let job = read.pop().unwrap();
    assert!(job.write.is_none(), "a read, no append");
    let fx = answer(&mut app, job, at(2));
    assert!(fx.iter().any(|e| matches!(e, Effect::Redraw)));
    assert!(first_task_done(&app));
}

#[test]
fn a_follower_is_refused_at_once_and_nothing_goes_to_the_journal() {
    let Room { _dir, mut app } = room(true);
    let fx = app.update(key(' '), at(1));
    assert!(jobs(fx).is_empty());
    let (text, error) = app.view.flash.clone().unwrap();
    assert!(error && text.contains("follower"), "{text}");
}

#[test]
fn advancing_past_an_undecided_gate_asks_for_an_override_reason() {
    let Room { _dir, mut app } = room(false);
    // The first advance starts Prepare; leaving it needs the gate.
    warroom::event_loop::settle(&mut app, key('n'), at(0));
    assert_eq!(app.session.state.current, Some(0));
    assert!(jobs(app.update(key('n'), at(1))).is_empty());
    assert!(
        matches!(app.view.mode, Mode::Override { .. }),
        "{:?}",
        app.view.mode
    );
    let dialog = screen(&app, at(1));
    assert!(dialog.contains("Go for rollout"), "{dialog}");

    // Esc: nothing written; typing a reason and Enter: one advance with the override.
    app.update(Msg::Key(KeyEvent::from(KeyCode::Esc)), at(2));
    assert_eq!(app.view.mode, Mode::Normal);
    app.update(key('n'), at(3));
    for c in "vendor said go".chars() {
        app.update(key(c), at(3));
    }
    let mut fx = jobs(app.update(Msg::Key(KeyEvent::from(KeyCode::Enter)), at(4)));
    answer(&mut app, fx.pop().unwrap(), at(4));
    assert_eq!(app.session.state.current, Some(1), "advanced to Deploy");
    let (text, _) = app.view.flash.clone().unwrap();
    assert!(text.contains("override recorded"), "{text}");
}

#[test]
fn q_in_the_help_leaves_and_the_quit_key_asks_the_loop_to() {
    let Room { _dir, mut app } = room(false);
    let fx = app.update(key('q'), at(1));
    assert!(fx.iter().any(|e| matches!(e, Effect::Quit)));
    app.update(key('?'), at(1));
    assert_eq!(app.view.mode, Mode::Help(0));
    assert!(screen(&app, at(1)).contains("tick / untick the selected task"));
    let fx = app.update(key('q'), at(2));
    assert!(fx.iter().any(|e| matches!(e, Effect::Quit)));
}

#[test]
fn dialogs_open_only_when_the_rules_would_take_their_answer() {
    let Room { _dir, mut app } = room(false);
    // Nothing to cancel: the reducer's words, no journal job.
    assert!(jobs(app.update(key('c'), at(1))).is_empty());
    let (text, _) = app.view.flash.clone().unwrap();
    assert_eq!(text, "no rollback countdown is running");
    // The plan has its T-0: no dialog, the reducer says where T-0 comes from.
    app.update(key('T'), at(1));
    assert_eq!(app.view.mode, Mode::Normal);
    let (text, _) = app.view.flash.clone().unwrap();
    assert!(text.contains("T-0 comes from the plan's date"), "{text}");

    // A rollback started: R opens no second dialog, and says who started the first.
    app.update(Msg::Key(KeyEvent::from(KeyCode::Char('R'))), at(2));
    assert!(matches!(app.view.mode, Mode::Rollback(_)));
    for c in "errors".chars() {
        app.update(key(c), at(2));
    }
    let mut fx = jobs(app.update(Msg::Key(KeyEvent::from(KeyCode::Enter)), at(2)));
    answer(&mut app, fx.pop().unwrap(), at(2));
    assert!(app.session.state.rollback.is_some());
    app.update(Msg::Key(KeyEvent::from(KeyCode::Char('R'))), at(3));
    assert_eq!(app.view.mode, Mode::Normal);
    let (text, _) = app.view.flash.clone().unwrap();
    assert!(text.contains("a rollback is already running"), "{text}");
}

#[test]
fn the_report_is_written_by_the_worker_and_the_room_says_where() {
    let Room { _dir, mut app } = room(false);
    let fx = app.update(key('r'), at(1));
    let job = fx
        .into_iter()
        .find_map(|e| match e {
            Effect::WriteReport(job) => Some(job),
            _ => None,
        })
        .expect("the loop is asked to write the report");
    assert!(screen(&app, at(1)).contains("writing the report…"));
    let formats = [warroom::report::Format::Html, warroom::report::Format::Md];
    let written = job.write_beside_plan(&formats, at(2));
    let paths = written.clone().unwrap();
    assert_eq!(paths.len(), 2);
    assert!(paths.iter().all(|p| p.is_file()));
    app.update(Msg::ReportWritten(written), at(2));
    let (text, error) = app.view.flash.clone().unwrap();
    assert!(!error && text.starts_with("report written: "), "{text}");
}

#[test]
fn a_viewer_on_the_phase_in_progress_follows_another_viewers_advance() {
    let Room { _dir, mut app } = room(false);
    let plan = app.session.plan_path.clone();
    let mut other = App::new(common::state::open(&plan, &OpenOptions::default(), at(0)).unwrap());
    // The other viewer starts the deployment, votes GO and advances to Deploy.
    warroom::event_loop::settle(&mut other, key('n'), at(1));
    let read_all = |app: &mut App, t| {
        for job in jobs(app.update(Msg::JournalChanged, at(t))) {
            answer(app, job, at(t));
        }
    };
    read_all(&mut app, 2);
    assert_eq!(app.view.phase, 0, "{}", screen(&app, at(2)));
    // Past the gate with an override reason.
    warroom::event_loop::settle(&mut other, key('n'), at(3));
    for c in "vendor said go".chars() {
        warroom::event_loop::settle(&mut other, key(c), at(3));
    }
    warroom::event_loop::settle(&mut other, Msg::Key(KeyEvent::from(KeyCode::Enter)), at(4));
    assert_eq!(
        other.session.state.focus_phase(),
        1,
        "{}",
        screen(&other, at(4))
    );
    read_all(&mut app, 5);
    assert_eq!(
        app.view.phase,
        1,
        "follows the room: {}",
        screen(&app, at(5))
    );
    assert!(screen(&app, at(5)).contains("Checklist: Deploy"));

    // One who went to look at another phase is left there.
    app.focus(0);
    let mut third = App::new(common::state::open(&plan, &OpenOptions::default(), at(0)).unwrap());
    warroom::event_loop::settle(&mut third, key('n'), at(6));
    read_all(&mut app, 7);
    assert_eq!(app.view.phase, 0);
}

fn esc() -> Msg {
    Msg::Key(KeyEvent::from(KeyCode::Esc))
}

/// `/` narrows the checklist and the feed with every key typed; the selection follows what is
/// shown, space ticks the task shown, Esc clears the filter first, and nothing of it reaches
/// the journal.
#[test]
fn the_filter_narrows_as_typed_and_esc_clears_it_first() {
    let Room { _dir, mut app } = room(false);
    let events = app.session.state.events;
    for c in "/ANN".chars() {
        let fx = app.update(key(c), at(1));
        assert!(jobs(fx).is_empty(), "typing a filter writes nothing");
    }
    assert_eq!(app.view.mode, Mode::Filter);
    assert_eq!(app.view.filter, "ANN");
    let shown = screen(&app, at(1));
    assert!(shown.contains("Announce the window"), "{shown}");
    assert!(!shown.contains("Freeze merges"), "{shown}");
    assert!(shown.contains("filter \"ANN\": 1 of 2"), "{shown}");
    // The selection moved to the one task shown: Enter keeps the filter, space ticks it.
    app.update(Msg::Key(KeyEvent::from(KeyCode::Enter)), at(2));
    assert_eq!(app.view.mode, Mode::Normal);
    assert_eq!(app.view.task, 1);
    let fx = app.update(key(' '), at(3));
    for job in jobs(fx) {
        answer(&mut app, job, at(3));
    }
    let announce = &app.session.state.plan.phases[0].tasks[1].id;
    assert!(app.session.state.is_done(announce));
    assert!(!first_task_done(&app));
    // Esc clears the filter before anything else; the tick was the only event written.
    app.update(esc(), at(4));
    assert_eq!(app.view.filter, "");
    let all = screen(&app, at(4));
    assert!(all.contains("Freeze merges"), "{all}");
    assert_eq!(app.session.state.events, events + 1);
    // A filter nothing matches says so, and space then ticks nothing.
    for c in "/zzz".chars() {
        app.update(key(c), at(5));
    }
    app.update(Msg::Key(KeyEvent::from(KeyCode::Enter)), at(5));
    let none = screen(&app, at(5));
    assert!(
        none.contains("No task of this phase matches \"zzz\""),
        "{none}"
    );
    assert!(jobs(app.update(key(' '), at(5))).is_empty());
    assert!(screen(&app, at(5)).contains("no task of this phase matches the filter"));
    // Esc while typing clears it too.
    app.update(key('/'), at(6));
    app.update(key('q'), at(6));
    assert_eq!(app.view.filter, "zzzq", "q is typed, not quit");
    app.update(esc(), at(6));
    assert_eq!(app.view.filter, "");
    assert_eq!(app.view.mode, Mode::Normal);
}
