//! Fuzzes the TOML plan loader on arbitrary text, then the room built from what loads.
//!
//! Properties: it never panics; errors carry a line within the text (or 0); a plan that
//! loads opens as a room whose state and screen (80×24 and 160×48, now and at the ends of
//! time) can be computed — a plan value that loads must never overflow where it meets a
//! clock (the finding behind `tests/plan_limits.rs`: length_s = 1e16 passed the loader and
//! panicked in status).

#![no_main]

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::session::{OpenOptions, Session};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count() + 1;
    let Ok(dir) = tempfile::tempdir() else {
        return;
    };
    let plan = dir.path().join("fuzz.toml");
    if std::fs::write(&plan, text.as_bytes()).is_err() {
        return;
    }
    // The real loader (with its range checks), not only the parser.
    if let Err(e) = warroom::plan::load(&plan) {
        assert!(e.0.line <= lines, "{e}");
        return;
    }
    let now = Utc::now();
    for start in [None, Some(DateTime::<Utc>::MAX_UTC), Some(DateTime::<Utc>::MIN_UTC)] {
        let opts = OpenOptions {
            follower: true,
            start,
            ..OpenOptions::default()
        };
        let Ok(session) = Session::open_with(&plan, &opts, None, now) else {
            continue;
        };
        let state = &session.state;
        let _ = (state.progress(), state.status(), state.countdown(now));
        let _ = (state.builtin_holds(now), state.rollback_window_closes());
        let app = warroom::app::App::new(session);
        for (w, h) in [(80, 24), (160, 48)] {
            let Ok(mut term) = Terminal::new(TestBackend::new(w, h)) else {
                continue;
            };
            for at in [now, DateTime::<Utc>::MAX_UTC, DateTime::<Utc>::MIN_UTC] {
                let _ = term.draw(|f| warroom::ui::render(f, &app, at));
            }
        }
    }
});
