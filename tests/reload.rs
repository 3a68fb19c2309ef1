//! Editing the plan while the room is open: a changed check reloads (the pollers must
//! restart), an unchanged edit of prose keeps them, an invalid edit keeps the last good plan
//! and says why, and fixing it clears the message. Below the screen, with real files.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Utc;
use warroom::app::{App, Effect, Msg};
use warroom::journal::Journal;
use warroom::journal::event::EventKind;
use warroom::session::OpenOptions;

const PLAN: &str = "title = \"Reload\"\n[[phase]]\nid = \"deploy\"\ntitle = \"Deploy\"\n  [[phase.task]]\n  text = \"Ship it\"\n\n[[check]]\nname = \"alpha\"\nurl = \"http://127.0.0.1:9/health\"\n";

#[test]
fn edits_reload_and_a_bad_edit_keeps_the_last_good_plan() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("plan.toml");
    std::fs::write(&file, PLAN).unwrap();
    let session = common::state::open(&file, &OpenOptions::default(), Utc::now()).unwrap();
    let mut app = App::new(session);
    assert_eq!(app.session.state.plan.checks[0].name, "alpha");

    // Nothing changed on disk: nothing to do.
    assert_eq!(reload(&mut app), None);

    // A renamed check and a new one: reloaded, pollers restart, the board follows.
    std::fs::write(
        &file,
        PLAN.replace("alpha", "beta") + "\n[[check]]\nname = \"gamma\"\ntcp = \"127.0.0.1:9\"\n",
    )
    .unwrap();
    assert_eq!(reload(&mut app), Some(true));
    let names: Vec<&str> = app
        .session
        .state
        .plan
        .checks
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, vec!["beta", "gamma"]);
    assert_eq!(app.board.checks.len(), 2);

    // An invalid condition: the last good plan stays, and the reason names file and line.
    let good = std::fs::read_to_string(&file).unwrap();
    std::fs::write(
        &file,
        good.replace(
            "tcp = \"127.0.0.1:9\"",
            "tcp = \"127.0.0.1:9\"\nconditions = [\"$.status === UP\"]",
        ),
    )
    .unwrap();
    assert_eq!(reload(&mut app), Some(false));
    let why = app.reload_error.clone().unwrap();
    assert!(why.contains("still on the last good plan"), "{why}");
    assert!(why.contains("plan.toml:"), "{why}");
    assert!(why.contains("$.status === UP"), "{why}");
    assert_eq!(app.session.state.plan.checks.len(), 2);
    // The same bad edit again is no news.
    assert_eq!(reload(&mut app), None);

    // Prose-only edit of a fixed plan: reloaded, pollers untouched, the message gone.
    std::fs::write(&file, good.replace("Ship it", "Ship it carefully")).unwrap();
    assert_eq!(reload(&mut app), Some(false));
    assert!(app.reload_error.is_none());
    assert_eq!(
        app.session.state.plan.phases[0].tasks[0].text,
        "Ship it carefully"
    );

    // Every plan the room ran is in the journal.
    let loaded = Journal::open(&dir.path().join("plan.journal.jsonl"))
        .unwrap()
        .replay()
        .unwrap()
        .events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::PlanLoaded { .. }))
        .count();
    assert_eq!(loaded, 3);
}

/// The plan file was written: None when nothing visible changed, Some(true) when the pollers
/// must restart, Some(false) otherwise.
fn reload(app: &mut App) -> Option<bool> {
    let fx = warroom::event_loop::settle(app, Msg::PlanEdited, Utc::now());
    let redraw = fx.iter().any(|e| matches!(e, Effect::Redraw));
    let restart = fx.iter().any(|e| matches!(e, Effect::RestartPollers));
    redraw.then_some(restart)
}
