//! Room state: `fold(plan, events)`, the single source of what every screen shows.
//!
//! [`RoomState::apply`] folds one journal event in; [`RoomState::decide`] (in [`command`]) turns a
//! requested [`Command`] into the event to append, or a [`Refusal`] with a one-line reason. Both
//! are pure: the clock is passed in, nothing here does I/O, so every rule is unit-tested.

pub mod authority;
pub mod command;
pub mod forecast;
pub mod gates;
pub mod rollback;
pub mod t0;
pub mod timeline;
pub mod triggers;

use std::collections::{HashMap, VecDeque};

use chrono::{DateTime, Utc};

use crate::journal::event::{Event, EventKind, Vote};
use crate::journal::evidence::Evidence;
use crate::plan::{Phase, PhaseKind, Plan};

pub use authority::Authority;
pub use command::{Command, Refusal};
pub use forecast::{Eta, Forecast, Milestone};
pub use gates::Decision;
pub use triggers::{Baselines, Countdown, Fired, TriggerRecord};

/// How many feed lines the room keeps (older ones are in the journal and the report).
pub const FEED_LEN: usize = 200;

/// Overall state of the deployment, as shown in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomStatus {
    /// No phase started yet.
    Planned,
    /// A phase is running.
    InProgress,
    /// A hold is in force: the countdown is stopped.
    Hold,
    /// A rollback was started.
    Rollback,
    /// The last forward phase was finished.
    Done,
}

impl RoomStatus {
    /// Upper-case word for the screen (`IN PROGRESS`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            RoomStatus::Planned => "PLANNED",
            RoomStatus::InProgress => "IN PROGRESS",
            RoomStatus::Hold => "HOLD",
            RoomStatus::Rollback => "ROLLBACK",
            RoomStatus::Done => "DONE",
        }
    }

    /// `snake_case` word for JSON (`in_progress`).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            RoomStatus::Planned => "planned",
            RoomStatus::InProgress => "in_progress",
            RoomStatus::Hold => "hold",
            RoomStatus::Rollback => "rollback",
            RoomStatus::Done => "done",
        }
    }
}

/// Who did something and when.
#[derive(Debug, Clone, PartialEq)]
pub struct Stamp {
    /// `user@host`.
    pub actor: String,
    /// When (UTC).
    pub at: DateTime<Utc>,
    /// Free text given with the action.
    pub note: Option<String>,
}

/// One role's latest answer at a gate.
#[derive(Debug, Clone, PartialEq)]
pub struct VoteRecord {
    /// The role that answered.
    pub role: String,
    /// GO / NO-GO / HOLD.
    pub vote: Vote,
    /// Who recorded it, when, and why.
    pub stamp: Stamp,
    /// The role that recorded it on the voting role's behalf (the lead), if not the role
    /// itself.
    pub by_role: Option<String>,
}

/// A hold, running or released.
#[derive(Debug, Clone, PartialEq)]
pub struct Hold {
    /// Who called it, when, and why.
    pub called: Stamp,
    /// When it was released (None while in force).
    pub released_at: Option<DateTime<Utc>>,
}

/// A hold the plan schedules at a gate (`hold_before`), not called by anyone.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BuiltinHold {
    /// Index of the gate in `plan.gates`.
    pub gate: usize,
    /// When it began: T-0 minus the gate's `hold_before`.
    pub from: DateTime<Utc>,
    /// When the gate became GO and the hold ended (None: still holding).
    pub until: Option<DateTime<Utc>>,
}

/// The rollback, once started.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollback {
    /// Who started it and when; `note` holds the reason.
    pub started: Stamp,
}

/// Actual times of a phase.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Actual {
    /// When the phase was entered.
    pub start: Option<DateTime<Utc>>,
    /// When the phase was left.
    pub end: Option<DateTime<Utc>>,
}

/// One line of the event feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedItem {
    /// Journal sequence number.
    pub seq: u64,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// `user@host`.
    pub actor: String,
    /// What happened, in words (already resolved to titles).
    pub text: String,
}

/// A decision journaled with what the checks and metrics showed at that moment.
#[derive(Debug, Clone, PartialEq)]
pub struct EvidenceRecord {
    /// Journal sequence number of the decision.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// `user@host`.
    pub actor: String,
    /// The decision in words (as in the feed).
    pub what: String,
    /// The snapshot.
    pub evidence: Evidence,
}

/// Everything the room shows that comes from the plan and the journal.
#[derive(Debug, Clone)]
pub struct RoomState {
    /// The plan the room was opened on.
    pub plan: Plan,
    /// T-0: the instant relative schedules are counted from.
    pub t0: DateTime<Utc>,
    /// Planned window of each phase (parallel to `plan.phases`), resolved against `t0`.
    pub planned: Vec<Option<(DateTime<Utc>, DateTime<Utc>)>>,
    /// Actual start/end of each phase (parallel to `plan.phases`).
    pub actual: Vec<Actual>,
    /// Index of the phase in progress.
    pub current: Option<usize>,
    /// Set once the last forward phase was finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Ticks by task id.
    pub ticks: HashMap<String, Stamp>,
    /// Latest vote per role, per gate (parallel to `plan.gates`).
    pub votes: Vec<Vec<VoteRecord>>,
    /// Every hold, oldest first; the last may be in force.
    pub holds: Vec<Hold>,
    /// The rollback, once started.
    pub rollback: Option<Rollback>,
    /// Overrides given when advancing past a gate that was not GO: (phase left, stamp).
    pub overrides: Vec<(String, Stamp)>,
    /// The last [`FEED_LEN`] events in words, newest last.
    pub feed: VecDeque<FeedItem>,
    /// Number of events folded in.
    pub events: u64,
    /// Sequence number of the last event folded in (0: none).
    pub head_seq: u64,
    /// Events naming a task, gate or phase the plan no longer has: (seq, what).
    pub dangling: Vec<(u64, String)>,
    /// Fired/cleared episodes per trigger (parallel to `plan.triggers`).
    pub triggers: Vec<TriggerRecord>,
    /// Metric baselines journaled for `% of baseline` triggers.
    pub baselines: Baselines,
    /// Hash of the plan the last `plan_loaded` event names (which plan the room ran last).
    pub plan_hash: Option<String>,
    /// Every decision that carried evidence (votes, holds, advances, rollbacks, fired
    /// triggers), oldest first.
    pub evidence: Vec<EvidenceRecord>,
    /// The last `t0_set` event this room used: its journal seq and who set T-0, when. Only
    /// kept while the plan names no T-0 of its own and `--start` was not given (see
    /// [`RoomState::t0_known`]).
    pub t0_set: Option<(u64, Stamp)>,
    task_index: HashMap<String, (usize, usize)>,
}

impl RoomState {
    /// The room after `events`, folded in order onto a room with no events yet ([`RoomState::new`]).
    #[must_use]
    pub fn fold<'a>(
        plan: Plan,
        t0: DateTime<Utc>,
        events: impl IntoIterator<Item = &'a Event>,
    ) -> Self {
        let mut state = RoomState::new(plan, t0);
        for ev in events {
            state.apply(ev);
        }
        state
    }

    /// A room with no events yet. `t0` is the room's T-0 (see `cli` for how it is chosen).
    #[must_use]
    pub fn new(plan: Plan, t0: DateTime<Utc>) -> Self {
        let planned = timeline::resolve_windows(&plan, t0);
        let task_index = plan
            .phases
            .iter()
            .enumerate()
            .flat_map(|(p, phase)| {
                phase
                    .tasks
                    .iter()
                    .enumerate()
                    .map(move |(t, task)| (task.id.clone(), (p, t)))
            })
            .collect();
        let mut ticks = HashMap::new();
        for (_, task) in plan.tasks() {
            if task.done {
                ticks.insert(
                    task.id.clone(),
                    Stamp {
                        actor: "plan".into(),
                        at: t0,
                        note: Some("ticked in the plan file".into()),
                    },
                );
            }
        }
        RoomState {
            actual: vec![Actual::default(); plan.phases.len()],
            votes: vec![Vec::new(); plan.gates.len()],
            triggers: vec![TriggerRecord::default(); plan.triggers.len()],
            baselines: Baselines::new(),
            evidence: Vec::new(),
            plan_hash: None,
            t0_set: None,
            planned,
            t0,
            current: None,
            finished_at: None,
            ticks,
            holds: Vec::new(),
            rollback: None,
            overrides: Vec::new(),
            feed: VecDeque::new(),
            events: 0,
            head_seq: 0,
            dangling: Vec::new(),
            task_index,
            plan,
        }
    }

    /// Folds one event in. Events naming ids the plan does not have are recorded in
    /// `dangling` (and shown), never dropped silently.
    pub fn apply(&mut self, ev: &Event) {
        self.events += 1;
        self.head_seq = ev.seq;
        let stamp = |note: Option<&String>| Stamp {
            actor: ev.actor.clone(),
            at: ev.at,
            note: note.cloned(),
        };
        let text = match &ev.kind {
            EventKind::PlanLoaded { plan_hash, .. } => {
                self.plan_hash = Some(plan_hash.clone());
                format!("opened the plan ({})", short_hash(plan_hash))
            }
            EventKind::TaskChecked { task, note } => {
                if self.task_index.contains_key(task) {
                    self.ticks.insert(task.clone(), stamp(note.as_ref()));
                } else {
                    self.dangling.push((ev.seq, format!("task {task}")));
                }
                format!("✓ ticked {}", self.task_label(task))
            }
            EventKind::TaskUnchecked { task, note } => {
                if self.ticks.remove(task).is_none() && !self.task_index.contains_key(task) {
                    self.dangling.push((ev.seq, format!("task {task}")));
                }
                let _ = note;
                format!("○ unticked {}", self.task_label(task))
            }
            EventKind::Voted {
                gate,
                role,
                vote,
                note,
                ..
            } => {
                if let Some(g) = self.gate_index(gate) {
                    let votes = &mut self.votes[g];
                    votes.retain(|v| &v.role != role);
                    votes.push(VoteRecord {
                        role: role.clone(),
                        vote: *vote,
                        stamp: stamp(note.as_ref()),
                        by_role: ev.role.clone().filter(|r| r != role),
                    });
                } else {
                    self.dangling.push((ev.seq, format!("gate {gate}")));
                }
                let why = note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                let behalf = ev
                    .role
                    .as_ref()
                    .filter(|r| *r != role)
                    .map(|r| format!(" (recorded by {r} on its behalf)"))
                    .unwrap_or_default();
                format!(
                    "{} {} at {}{behalf}{why}",
                    role,
                    vote.label(),
                    self.gate_label(gate)
                )
            }
            EventKind::Advanced {
                from,
                to,
                override_reason,
                ..
            } => self.apply_advance(ev, from.as_deref(), to.as_deref(), override_reason.as_ref()),
            EventKind::HoldCalled { reason, .. } => {
                if self.hold().is_none() {
                    self.holds.push(Hold {
                        called: stamp(Some(reason)),
                        released_at: None,
                    });
                }
                format!("HOLD called: {reason}")
            }
            EventKind::HoldReleased { note } => {
                if let Some(h) = self.holds.last_mut().filter(|h| h.released_at.is_none()) {
                    h.released_at = Some(ev.at);
                }
                let why = note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                format!("hold released{why}")
            }
            EventKind::RollbackStarted { reason, .. } => {
                if self.rollback.is_none() {
                    self.rollback = Some(Rollback {
                        started: stamp(Some(reason)),
                    });
                }
                format!("ROLLBACK started: {reason}")
            }
            EventKind::Note { text } => format!("note: {text}"),
            EventKind::T0Set { t0 } => self.apply_t0(ev, *t0),
            EventKind::CommandRan {
                task,
                command,
                outcome,
                ..
            } => {
                if !self.task_index.contains_key(task) {
                    self.dangling.push((ev.seq, format!("task {task}")));
                }
                format!("ran `{command}` for {}: {outcome}", self.task_label(task))
            }
            EventKind::TriggerFired { .. }
            | EventKind::TriggerCleared { .. }
            | EventKind::CountdownCancelled { .. }
            | EventKind::BaselineCaptured { .. } => {
                self.apply_trigger_event(ev).unwrap_or_default()
            }
        };
        let text = match ev.kind.evidence() {
            Some(e) => {
                self.evidence.push(EvidenceRecord {
                    seq: ev.seq,
                    at: ev.at,
                    actor: ev.actor.clone(),
                    what: text.clone(),
                    evidence: e.clone(),
                });
                let summary = e.summary();
                if summary.is_empty() {
                    text
                } else {
                    format!("{text} [{summary}]")
                }
            }
            None => text,
        };
        self.feed.push_back(FeedItem {
            seq: ev.seq,
            at: ev.at,
            actor: ev.actor.clone(),
            text,
        });
        while self.feed.len() > FEED_LEN {
            self.feed.pop_front();
        }
    }

    fn apply_advance(
        &mut self,
        ev: &Event,
        from: Option<&str>,
        to: Option<&str>,
        override_reason: Option<&String>,
    ) -> String {
        let from_idx = from.and_then(|id| self.plan.phase_index(id));
        if let Some(i) = from_idx.or(self.current) {
            self.actual[i].end.get_or_insert(ev.at);
        }
        if let Some(reason) = override_reason {
            self.overrides.push((
                from.unwrap_or_default().to_string(),
                Stamp {
                    actor: ev.actor.clone(),
                    at: ev.at,
                    note: Some(reason.clone()),
                },
            ));
        }
        match to {
            Some(id) => match self.plan.phase_index(id) {
                Some(i) => {
                    self.current = Some(i);
                    self.actual[i].start.get_or_insert(ev.at);
                    self.actual[i].end = None;
                    self.finished_at = None;
                }
                None => self.dangling.push((ev.seq, format!("phase {id}"))),
            },
            None => {
                self.current = None;
                self.finished_at = Some(ev.at);
            }
        }
        let target = to.map_or_else(
            || "the end of the plan".to_string(),
            |id| self.phase_title(id).to_string(),
        );
        let forced = override_reason
            .map(|r| format!(" (OVERRIDE: {r})"))
            .unwrap_or_default();
        format!("→ advanced to {target}{forced}")
    }

    /// Whether T-0 is known: the plan names it, `--start` gave it (the session moves the plan
    /// to it, so the plan then names it), or an operator set it in the room. Otherwise `t0` is
    /// only a stand-in — the room's first event — and the header says "T-0 not set".
    #[must_use]
    pub fn t0_known(&self) -> bool {
        self.plan.t0.is_some() || self.t0_set.is_some()
    }

    /// T-0 set from the room: relative schedules count from it, unless the plan or `--start`
    /// gives T-0 (then it is only in the feed, so nobody's screen disagrees with their plan).
    fn apply_t0(&mut self, ev: &Event, t0: DateTime<Utc>) -> String {
        let when = t0.format("%Y-%m-%d %H:%M UTC");
        if self.plan.t0.is_some() {
            return format!(
                "T-0 set to {when} (not used here: T-0 comes from the plan or --start)"
            );
        }
        self.t0 = t0;
        self.planned = timeline::resolve_windows(&self.plan, t0);
        self.t0_set = Some((
            ev.seq,
            Stamp {
                actor: ev.actor.clone(),
                at: ev.at,
                note: None,
            },
        ));
        format!("T-0 set to {when}")
    }

    /// The overall status shown in the header.
    #[must_use]
    pub fn status(&self) -> RoomStatus {
        if self.rollback.is_some() {
            RoomStatus::Rollback
        } else if self.hold().is_some() {
            RoomStatus::Hold
        } else if self.finished_at.is_some() {
            RoomStatus::Done
        } else if self.current.is_some() {
            RoomStatus::InProgress
        } else {
            RoomStatus::Planned
        }
    }

    /// The hold in force, if any.
    #[must_use]
    pub fn hold(&self) -> Option<&Hold> {
        self.holds.last().filter(|h| h.released_at.is_none())
    }

    /// Time spent on hold up to `now`: released holds, the one in force, and built-in holds
    /// (see [`RoomState::builtin_holds`]).
    #[must_use]
    pub fn held(&self, now: DateTime<Utc>) -> chrono::Duration {
        let called: chrono::Duration = self
            .holds
            .iter()
            .map(|h| h.released_at.unwrap_or(now).max(h.called.at) - h.called.at)
            .sum();
        let builtin: chrono::Duration = self
            .builtin_holds(now)
            .iter()
            .map(|b| b.until.unwrap_or(now).min(now).max(b.from) - b.from)
            .sum();
        called + builtin
    }

    /// Built-in holds that have begun by `now`: a gate with `hold_before` holds the countdown
    /// from T-0 minus that long until the gate is GO (its deciding vote). A hold called by
    /// someone during the same time counts too: the two are not merged.
    #[must_use]
    pub fn builtin_holds(&self, now: DateTime<Utc>) -> Vec<BuiltinHold> {
        self.plan
            .gates
            .iter()
            .enumerate()
            .filter_map(|(i, g)| {
                let before = chrono::Duration::from_std(g.hold_before?).ok()?;
                let from = self.t0.checked_sub_signed(before)?;
                (from <= now).then(|| BuiltinHold {
                    gate: i,
                    from,
                    until: self.go_at(i).map(|t| t.max(from)),
                })
            })
            .collect()
    }

    /// The built-in hold in force at `now`, if any.
    #[must_use]
    pub fn builtin_hold(&self, now: DateTime<Utc>) -> Option<BuiltinHold> {
        self.builtin_holds(now)
            .into_iter()
            .find(|b| b.until.is_none_or(|u| u > now))
    }

    /// When gate `i` became GO (the latest vote counted), if it is GO.
    fn go_at(&self, i: usize) -> Option<DateTime<Utc>> {
        (self.gate_decision(i) == Decision::Go)
            .then(|| self.votes[i].iter().map(|v| v.stamp.at).max())
            .flatten()
    }

    /// Where task `id` is: (phase index, task index within the phase).
    #[must_use]
    pub fn task_position(&self, id: &str) -> Option<(usize, usize)> {
        self.task_index.get(id).copied()
    }

    /// Whether task `id` is ticked.
    #[must_use]
    pub fn is_done(&self, id: &str) -> bool {
        self.ticks.contains_key(id)
    }

    /// (done, total) tasks of phase `i`.
    #[must_use]
    pub fn phase_progress(&self, i: usize) -> (usize, usize) {
        let tasks = &self.plan.phases[i].tasks;
        let done = tasks.iter().filter(|t| self.is_done(&t.id)).count();
        (done, tasks.len())
    }

    /// (done, total) tasks of the whole plan.
    #[must_use]
    pub fn progress(&self) -> (usize, usize) {
        (0..self.plan.phases.len())
            .map(|i| self.phase_progress(i))
            .fold((0, 0), |(d, t), (pd, pt)| (d + pd, t + pt))
    }

    /// Index of gate `id`.
    #[must_use]
    pub fn gate_index(&self, id: &str) -> Option<usize> {
        self.plan.gates.iter().position(|g| g.id == id)
    }

    /// Forward phases in plan order (the sequence `advance` walks).
    pub fn forward_phases(&self) -> impl Iterator<Item = (usize, &Phase)> {
        self.plan
            .phases
            .iter()
            .enumerate()
            .filter(|(_, p)| p.kind == PhaseKind::Forward)
    }

    /// The phase a viewer should look at first: the current one, else the rollback procedure
    /// during a rollback, else the first forward phase with an open task, else the first phase.
    #[must_use]
    pub fn focus_phase(&self) -> usize {
        // During a rollback: the step in progress on the rollback clock, else the first
        // rollback section with tasks.
        if self.rollback.is_some() {
            let now = self.rollback.as_ref().map_or(self.t0, |r| r.started.at);
            if let Some(c) = self.rollback_clock(now)
                && let Some(step) = c.current.map(|k| c.steps[k].phase)
            {
                return step;
            }
            if let Some((i, _)) = self
                .plan
                .phases
                .iter()
                .enumerate()
                .find(|(_, p)| p.kind == PhaseKind::Rollback && !p.tasks.is_empty())
            {
                return i;
            }
        }
        if let Some(i) = self.current {
            return i;
        }
        self.forward_phases()
            .find(|(i, p)| {
                let (d, t) = self.phase_progress(*i);
                !p.tasks.is_empty() && d < t
            })
            .or_else(|| self.forward_phases().next())
            .map_or(0, |(i, _)| i)
    }

    fn task_label(&self, id: &str) -> String {
        match self.task_index.get(id) {
            Some(&(p, t)) => format!("“{}”", self.plan.phases[p].tasks[t].text),
            None => format!("{id} (not in this plan)"),
        }
    }

    fn gate_label(&self, id: &str) -> String {
        self.gate_index(id).map_or_else(
            || format!("{id} (not in this plan)"),
            |g| self.plan.gates[g].title.clone(),
        )
    }

    fn phase_title<'a>(&'a self, id: &'a str) -> &'a str {
        self.plan
            .phase_index(id)
            .map_or(id, |i| self.plan.phases[i].title.as_str())
    }
}

/// The first 12 hex digits of a hash, for display (the journal's own shortening).
pub use crate::journal::checkpoint::short as short_hash;
