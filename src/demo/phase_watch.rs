//! Tells the demo's services where the room is: follows the journal and marks the shared
//! [`Clock`] when the room enters phase 2 (the plan's second forward phase, or any later one) and
//! when a rollback starts, so the `bad-deploy` scenario goes bad — and recovers — on cue.
//!
//! Reads the journal only (replay, then [`Journal::read_new`] whenever
//! [`follow::watch`] signals), so it works for any room on the same journal, including one
//! driven from another terminal with `warroom advance`.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::services::Clock;
use crate::journal::event::{Event, EventKind};
use crate::journal::{Journal, JournalError, follow};

/// When, according to the journal, the room entered phase 2 and started a rollback.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Marks {
    /// The first `advanced` event into one of the phase-2-or-later phases.
    pub phase2: Option<DateTime<Utc>>,
    /// The first `rollback_started` event.
    pub rollback: Option<DateTime<Utc>>,
}

impl Marks {
    /// Folds one event in. `later` holds the ids of the phases that count as "phase 2 or
    /// later" (the plan's forward phases after the first).
    pub fn apply(&mut self, ev: &Event, later: &[String]) {
        match &ev.kind {
            EventKind::Advanced { to: Some(to), .. } if later.contains(to) => {
                self.phase2.get_or_insert(ev.at);
            }
            EventKind::RollbackStarted { .. } => {
                self.rollback.get_or_insert(ev.at);
            }
            _ => {}
        }
    }

    /// Whether there is nothing left to wait for.
    #[must_use]
    pub fn complete(&self) -> bool {
        self.phase2.is_some() && self.rollback.is_some()
    }
}

/// Follows the journal at `journal` until both marks are set, marking `clock` as they appear.
/// `later` holds the ids of the phases that count as phase 2 (see [`Marks::apply`]). Events
/// already in the journal count too, at the instant they were journaled. Never returns while
/// something is left to wait for, unless the journal cannot be read.
///
/// Errors: the journal cannot be opened, read or watched.
pub async fn watch_phase2(
    journal: PathBuf,
    later: Vec<String>,
    clock: Arc<Clock>,
) -> Result<(), JournalError> {
    let wake = Arc::new(tokio::sync::Notify::new());
    let signal = Arc::clone(&wake);
    // Without a watch (e.g. no inotify), a poll every half second still does.
    let _watcher = follow::watch(&journal, move || signal.notify_one()).ok();
    let j = Journal::open(&journal)?;
    let replay = j.replay()?;
    let mut cursor = replay.cursor;
    let mut marks = Marks::default();
    for ev in &replay.events {
        marks.apply(ev, &later);
    }
    loop {
        mark(&clock, marks);
        if marks.complete() {
            return Ok(());
        }
        let _ = tokio::time::timeout(Duration::from_millis(500), wake.notified()).await;
        match j.read_new(&mut cursor) {
            Ok(events) => {
                for ev in &events {
                    marks.apply(ev, &later);
                }
            }
            Err(JournalError::Replaced { .. }) => {
                let replay = j.replay()?;
                cursor = replay.cursor;
                for ev in &replay.events {
                    marks.apply(ev, &later);
                }
            }
            Err(e) => return Err(e),
        }
    }
}

/// Sets the clock's marks that are not set yet, converting journal time to `Instant`s.
fn mark(clock: &Clock, marks: Marks) {
    let now = Instant::now();
    let utc_now = Utc::now();
    let instant = |at: DateTime<Utc>| {
        let ago = (utc_now - at).to_std().unwrap_or_default();
        now.checked_sub(ago).unwrap_or(clock.start())
    };
    if let (Some(at), None) = (marks.phase2, clock.phase2_started()) {
        clock.set_phase2_started(instant(at));
    }
    if let (Some(at), None) = (marks.rollback, clock.rollback_started()) {
        clock.set_rollback_started(instant(at));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Draft;

    fn kind(v: serde_json::Value) -> EventKind {
        serde_json::from_value(v).expect("event kind")
    }

    fn advanced(from: Option<&str>, to: Option<&str>) -> EventKind {
        kind(serde_json::json!({"type": "advanced", "from": from, "to": to}))
    }

    fn later() -> Vec<String> {
        vec!["phase-b".into(), "phase-c".into()]
    }

    #[test]
    fn marks_fold_from_events() {
        let dir = tempfile::tempdir().expect("tempdir");
        let j = Journal::open(&dir.path().join("j.jsonl")).expect("open");
        let t = |s: i64| DateTime::from_timestamp(1_700_000_000 + s, 0).expect("time");
        let append = |k, at| j.append(Draft::new(k, at), None).expect("append");
        let mut m = Marks::default();
        for ev in [
            append(advanced(None, Some("phase-a")), t(0)),
            append(
                kind(serde_json::json!({"type": "note", "text": "hi"})),
                t(1),
            ),
        ] {
            m.apply(&ev, &later());
        }
        assert_eq!(m, Marks::default());
        let ev = append(advanced(Some("phase-a"), Some("phase-b")), t(10));
        m.apply(&ev, &later());
        let ev = append(advanced(Some("phase-b"), Some("phase-c")), t(20));
        m.apply(&ev, &later());
        assert_eq!(m.phase2, Some(t(10)));
        assert!(!m.complete());
        let ev = append(
            kind(serde_json::json!({"type": "rollback_started", "reason": "errors"})),
            t(30),
        );
        m.apply(&ev, &later());
        assert_eq!(m.rollback, Some(t(30)));
        assert!(m.complete());
    }

    #[tokio::test]
    async fn watch_marks_the_clock_as_the_room_advances() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.jsonl");
        let j = Journal::open(&path).expect("open");
        j.append(
            Draft::new(advanced(None, Some("phase-a")), Utc::now()),
            None,
        )
        .expect("append");
        let clock = Clock::new();
        let task = tokio::spawn(watch_phase2(path.clone(), later(), Arc::clone(&clock)));
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(clock.phase2_started(), None);

        let before = Instant::now();
        j.append(
            Draft::new(advanced(Some("phase-a"), Some("phase-b")), Utc::now()),
            None,
        )
        .expect("append");
        let deadline = Instant::now() + Duration::from_secs(5);
        while clock.phase2_started().is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let p2 = clock.phase2_started().expect("phase 2 marked");
        assert!(
            p2 + Duration::from_millis(100) >= before,
            "{p2:?} vs {before:?}"
        );
        assert!(!task.is_finished());

        j.append(
            Draft::new(
                kind(serde_json::json!({"type": "rollback_started", "reason": "x"})),
                Utc::now(),
            ),
            None,
        )
        .expect("append");
        let done = tokio::time::timeout(Duration::from_secs(5), task)
            .await
            .expect("the watch ends once both marks are set");
        assert!(matches!(done, Ok(Ok(()))));
        assert!(clock.rollback_started().is_some());
    }

    #[tokio::test]
    async fn events_already_journaled_count_at_their_time() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("j.jsonl");
        let j = Journal::open(&path).expect("open");
        let at = Utc::now() - chrono::Duration::seconds(120);
        j.append(Draft::new(advanced(None, Some("phase-c")), at), None)
            .expect("append");
        let clock = Clock::new();
        let task = tokio::spawn(watch_phase2(path, later(), Arc::clone(&clock)));
        let deadline = Instant::now() + Duration::from_secs(5);
        while clock.phase2_started().is_none() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let since = clock
            .timing(Instant::now())
            .since_phase2
            .expect("phase 2 marked");
        // Unless the machine booted less than two minutes ago (then: the demo's start).
        assert!(
            since >= Duration::from_secs(119) || since < Duration::from_secs(5),
            "{since:?}"
        );
        task.abort();
    }
}
