//! Writing to the journal without waiting for it. A write is validated against the folded
//! state when it is asked for (so a refusal is shown at once), queued, validated again when its
//! turn comes, and handed to the journal worker as an [`Effect::Journal`]; until the worker's
//! [`Msg::Journal`] answer says it is committed, the room says it is being written — never that
//! it is done. One job is in flight at a time, so reads and appends stay in order.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::{App, Effect, Mode, VoteDialog};
use crate::journal::JournalError;
use crate::journal::event::Event;
use crate::journal::evidence::Evidence;
use crate::session::SessionError;
use crate::session::worker::{Job, Reply};
use crate::state::Command;

/// How many times a write is validated again after another writer got in first.
const MAX_ATTEMPTS: u8 = 16;

/// What to say about a write.
#[derive(Debug, Clone)]
pub(super) enum Say {
    /// A person asked for it: "`text`: writing to the journal…", then "`text` (journal #N)"
    /// or why not. `loud` shows the outcome as an alert.
    Done { text: String, loud: bool },
    /// The room decided it and it matters (the countdown's rollback): `text (journal #N)` as
    /// an alert once committed; a refusal means another room wrote it first, so is not shown.
    Alarm(String),
    /// Only a failure is shown, after `prefix`.
    Failure { prefix: String },
    /// The room decided it (a trigger, a baseline): a refusal means another room wrote it
    /// first, so nothing is shown.
    Quiet,
}

/// What follows a committed write.
#[derive(Debug, Clone)]
pub(super) enum Then {
    /// Nothing more.
    Nothing,
    /// Select the next task (after a tick).
    NextTask,
    /// Show the phase the room is in now (after an advance or a rollback).
    Focus,
    /// On refusal, open the vote dialog again (on the note).
    VoteAgain(VoteDialog),
    /// The step command's outcome was recorded: tick its task when it succeeded.
    RunRecorded {
        task: String,
        success: bool,
        outcome: String,
    },
}

#[derive(Debug, Clone)]
struct Pending {
    cmd: Command,
    evidence: Option<Evidence>,
    say: Say,
    then: Then,
    attempts: u8,
}

#[derive(Debug)]
enum InFlight {
    Append(Box<Pending>),
    Read,
}

/// The room's writes: queued, and the job the journal worker has.
#[derive(Debug, Default)]
pub(super) struct Writes {
    queue: VecDeque<Pending>,
    in_flight: Option<InFlight>,
    /// The journal changed since the last read was handed out.
    pub(super) read_wanted: bool,
}

impl App {
    /// Asks for `cmd` on a person's behalf (see [`App::write`]), after checking that the
    /// history was accepted: writing would otherwise chain onto a history nobody vouched for.
    pub(super) fn act(&mut self, cmd: &Command, now: DateTime<Utc>, done: &str, then: Then) {
        if self.session.rewrite.is_some() && !self.session.follower {
            self.view.mode = Mode::AcceptRewrite {
                cmd: cmd.clone(),
                done: done.to_string(),
            };
            return;
        }
        let evidence = self.board.evidence(&self.session.state.plan, now);
        let say = Say::Done {
            text: done.to_string(),
            loud: false,
        };
        self.write(cmd.clone(), Some(evidence), now, say, then);
    }

    /// Queues `cmd` for the journal, unless it is refused now: the journal is offline, or the
    /// room's rules say no. Shows that it is being written.
    pub(super) fn write(
        &mut self,
        cmd: Command,
        evidence: Option<Evidence>,
        now: DateTime<Utc>,
        say: Say,
        then: Then,
    ) {
        let pending = Pending {
            cmd,
            evidence,
            say,
            then,
            attempts: 0,
        };
        if let Some(why) = self.offline_refusal() {
            return self.refused(pending, &why);
        }
        if let Err(e) = self
            .session
            .prepare(&pending.cmd, pending.evidence.as_ref(), now)
        {
            return self.refused(pending, &e.to_string());
        }
        // The same write already waiting (the countdown's rollback, asked every second):
        // once is enough.
        if self.writes.queue.iter().any(|p| p.cmd == pending.cmd)
            || matches!(&self.writes.in_flight, Some(InFlight::Append(p)) if p.cmd == pending.cmd)
        {
            return;
        }
        if let Say::Done { text, .. } = &pending.say {
            self.flash(&format!("{text}: writing to the journal…"), false);
        }
        self.writes.queue.push_back(pending);
    }

    /// Whether a write is queued or in flight.
    #[must_use]
    pub fn writing(&self) -> bool {
        !self.writes.queue.is_empty() || matches!(self.writes.in_flight, Some(InFlight::Append(_)))
    }

    /// Hands the journal worker its next job, when it has none: the next queued write that is
    /// still allowed, else a read when the journal changed.
    pub(super) fn pump(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if self.writes.in_flight.is_some() {
            return;
        }
        while let Some(p) = self.writes.queue.pop_front() {
            // Validated again: what was read since may have changed the answer.
            match self.session.prepare(&p.cmd, p.evidence.as_ref(), now) {
                Ok(write) => {
                    let cursor = self.session.cursor();
                    self.writes.in_flight = Some(InFlight::Append(Box::new(p)));
                    self.writes.read_wanted = false;
                    fx.push(Effect::Journal(Box::new(Job {
                        write: Some(write),
                        cursor,
                    })));
                    return;
                }
                Err(e) => {
                    self.refused(p, &e.to_string());
                    fx.push(Effect::Redraw);
                }
            }
        }
        if std::mem::take(&mut self.writes.read_wanted) {
            self.writes.in_flight = Some(InFlight::Read);
            fx.push(Effect::Journal(Box::new(Job {
                write: None,
                cursor: self.session.cursor(),
            })));
        }
    }

    /// The journal worker's answer: folds in what was read, then says how the write went.
    pub(super) fn on_journal_reply(
        &mut self,
        reply: Box<Reply>,
        now: DateTime<Utc>,
        fx: &mut Vec<Effect>,
    ) {
        let job = self.writes.in_flight.take();
        let Reply {
            appended,
            repairs,
            read,
        } = *reply;
        self.session.note_repairs(repairs);
        // A viewer looking at the phase in progress keeps looking at the phase in progress
        // when another viewer advances the room (or starts the rollback); one browsing
        // another phase stays there, and ticks alone move nobody.
        let stage = |s: &crate::state::RoomState| (s.current, s.rollback.is_some());
        let before = stage(&self.session.state);
        let on_live =
            self.view.phase == self.session.state.focus_phase() && self.view.mode == Mode::Normal;
        let mut changed = match self.session.absorb(read) {
            Ok(n) => {
                if self.journal_offline.take().is_some() {
                    self.flash(
                        &format!("journal back online: caught up ({n} new events)"),
                        false,
                    );
                    true
                } else {
                    n > 0
                }
            }
            Err(e) => {
                self.note_offline(&e, now);
                self.flash(&e.to_string(), true);
                true
            }
        };
        if let Some(InFlight::Append(mut p)) = job {
            changed = true;
            match appended {
                Some(Ok(ev)) => self.committed(*p, &ev),
                Some(Err(JournalError::Conflict { .. })) if p.attempts + 1 < MAX_ATTEMPTS => {
                    // Another writer got in first; what it wrote was just read: try again
                    // against it.
                    p.attempts += 1;
                    self.writes.queue.push_front(*p);
                }
                Some(Err(JournalError::Conflict { .. })) => {
                    self.refused(*p, "the journal is too busy right now; try again");
                }
                Some(Err(e)) => {
                    let e = SessionError::from(e);
                    self.note_offline(&e, now);
                    self.refused(*p, &e.to_string());
                }
                None => {}
            }
        }
        if on_live && stage(&self.session.state) != before && self.view.mode == Mode::Normal {
            let live = self.session.state.focus_phase();
            if live != self.view.phase {
                self.focus(live);
                changed = true;
            }
        }
        // Another viewer changed the database room's plan: this one follows.
        self.follow_room_plan(now, fx);
        if changed {
            fx.push(Effect::Redraw);
        }
    }

    fn committed(&mut self, p: Pending, ev: &Event) {
        match &p.say {
            Say::Done { text, loud } => {
                self.flash(&format!("{text} (journal #{})", ev.seq), *loud);
            }
            Say::Alarm(text) => self.flash(&format!("{text} (journal #{})", ev.seq), true),
            Say::Failure { .. } | Say::Quiet => {}
        }
        match p.then {
            Then::Nothing | Then::VoteAgain(_) => {}
            Then::NextTask => self.step_task(true),
            Then::Focus => self.focus(self.session.state.focus_phase()),
            Then::RunRecorded {
                task,
                success,
                outcome,
            } => {
                if success && !self.session.state.is_done(&task) {
                    let tick = Command::Check {
                        task,
                        note: Some(format!("its command: {outcome}")),
                    };
                    let say = Say::Failure {
                        prefix: String::new(),
                    };
                    self.write(tick, None, ev.at, say, Then::Nothing);
                }
                self.flash(&format!("command finished: {outcome}"), !success);
            }
        }
    }

    /// Says why `p` was not written.
    fn refused(&mut self, p: Pending, why: &str) {
        match p.say {
            Say::Done { .. } => {
                self.flash(why, true);
                if let Then::VoteAgain(d) = p.then
                    && self.view.mode == Mode::Normal
                {
                    self.view.mode = Mode::Vote(d);
                }
            }
            Say::Failure { prefix } => self.flash(&format!("{prefix}{why}"), true),
            Say::Alarm(_) | Say::Quiet => tracing::debug!("not written: {why}"),
        }
    }

    /// Marks the journal offline (keeping the first moment) when `e` says the database could
    /// not be reached.
    pub(super) fn note_offline(&mut self, e: &SessionError, now: DateTime<Utc>) {
        if let SessionError::Journal(JournalError::Database { detail, .. }) = e {
            let since = self.journal_offline.as_ref().map_or(now, |(t, _)| *t);
            self.journal_offline = Some((since, detail.clone()));
        }
    }

    /// The header's words while the journal is offline: `journal offline since HH:MM,
    /// reconnecting` (UTC).
    #[must_use]
    pub fn offline_line(&self) -> Option<String> {
        self.journal_offline
            .as_ref()
            .map(|(since, _)| offline_words(*since))
    }

    /// Why an action is refused now, when the journal is offline: nothing could be committed,
    /// so nothing is shown as done.
    fn offline_refusal(&self) -> Option<String> {
        let (_, why) = self.journal_offline.as_ref()?;
        Some(format!(
            "not done, nothing written: {} ({why}); try again once it is back",
            self.offline_line().unwrap_or_default()
        ))
    }
}

/// `journal offline since HH:MM UTC, reconnecting`.
pub(super) fn offline_words(since: DateTime<Utc>) -> String {
    format!(
        "journal offline since {} UTC, reconnecting",
        since.format("%H:%M")
    )
}
