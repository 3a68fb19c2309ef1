//! What the screen is drawn from: a read-only view of the room at one moment. Drawing takes
//! a [`Screen`] and nothing else — no session (so no journal call), no lock, no clock, no
//! environment.

use std::path::Path;

use chrono::{DateTime, Utc};

use super::commands::Running;
use super::{App, KeyMap, View};
use crate::journal::Problem;
use crate::notify::NotifyStatus;
use crate::plan::Comparator;
use crate::poll::trigger::Watch;
use crate::poll::{Board, Target};
use crate::session::Rewrite;
use crate::state::RoomState;

/// The room as one viewer sees it at `now`, for drawing.
#[derive(Clone)]
pub struct Screen<'a> {
    /// The folded state.
    pub state: &'a RoomState,
    /// Checks' and metrics' states and histories.
    pub board: &'a Board,
    /// This viewer's evaluation of each trigger (parallel to `plan.triggers`).
    pub watches: &'a [Watch],
    /// The check or metric feeding each trigger (parallel to `plan.triggers`).
    pub bindings: &'a [Option<Target>],
    /// Each metric's threshold line (parallel to `plan.metrics`).
    pub threshold_lines: &'a [Option<(Comparator, f64)>],
    /// Selection, mode and the last outcome.
    pub view: &'a View,
    /// The key map (for the footer and the help).
    pub keys: &'a KeyMap,
    /// Who watches, and what is known about the journal.
    pub room: Room<'a>,
    /// The webhook notifier's status, when this room posts notifications.
    pub notify: Option<&'a NotifyStatus>,
    /// The step command running or last run from this room.
    pub running: Option<&'a Running>,
    /// Why the last edit of the plan file was not loaded.
    pub reload_error: Option<&'a str>,
    /// While the database journal cannot be reached: since when (UTC).
    pub offline_since: Option<DateTime<Utc>>,
    /// The moment drawn (UTC).
    pub now: DateTime<Utc>,
}

/// The session's facts a screen shows.
#[derive(Clone)]
pub struct Room<'a> {
    /// Read-only viewer.
    pub follower: bool,
    /// Who acts: `user@host`.
    pub actor: &'a str,
    /// The role acted in.
    pub role: Option<&'a str>,
    /// The journal's path or database URL, as given.
    pub journal_path: &'a Path,
    /// The plan file.
    pub plan_path: &'a Path,
    /// Corrupt journal lines found while reading.
    pub problems: &'a [Problem],
    /// Warnings about the journal, in words.
    pub journal_warnings: &'a [String],
    /// Set while the journal does not extend this user's checkpoint.
    pub rewrite: Option<&'a Rewrite>,
    /// Writing over a broken hash chain was asked for.
    pub accept_broken_chain: bool,
    /// The first line that breaks the hash chain.
    pub chain_break: Option<&'a Problem>,
    /// The plan version this screen runs (`plan 1a2b3c4d`), when the journal keeps plan
    /// versions (a database room: its plan travels with it).
    pub plan_version: Option<String>,
}

impl Screen<'_> {
    /// The header's words while the journal is offline (see [`App::offline_line`]).
    #[must_use]
    pub fn offline_line(&self) -> Option<String> {
        self.offline_since.map(super::writes::offline_words)
    }
}

impl App {
    /// What to draw at `now`.
    #[must_use]
    pub fn screen(&self, now: DateTime<Utc>) -> Screen<'_> {
        let s = &self.session;
        Screen {
            state: &s.state,
            board: &self.board,
            watches: &self.watches,
            bindings: &self.bindings,
            threshold_lines: &self.threshold_lines,
            view: &self.view,
            keys: &self.keys,
            room: Room {
                follower: s.follower,
                actor: &s.actor,
                role: s.role.as_deref(),
                journal_path: &s.journal_path,
                plan_path: &s.plan_path,
                problems: &s.problems,
                journal_warnings: &s.journal_warnings,
                rewrite: s.rewrite.as_ref(),
                accept_broken_chain: s.accept_broken_chain,
                chain_break: s.chain_break(),
                plan_version: s.journal.keeps_plans().then(|| s.plan_version()),
            },
            notify: self.notify.as_ref(),
            running: self.running.as_ref(),
            reload_error: self.reload_error.as_deref(),
            offline_since: self.journal_offline.as_ref().map(|(t, _)| *t),
            now,
        }
    }
}
