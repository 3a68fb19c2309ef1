//! Commands: what a key press or CLI verb asks for, validated against the room state.
//!
//! [`RoomState::decide`] is the one gate every change passes: it returns the event to append
//! or a [`Refusal`] whose text is shown as is (one line, says what to do).

use std::fmt;

use chrono::{DateTime, Utc};

use crate::journal::event::{EventKind, Vote};
use crate::plan::PhaseKind;

use super::{Decision, RoomState, RoomStatus};

/// A requested change to the room.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Tick a task (by id).
    Check {
        /// Task id.
        task: String,
        /// Optional note.
        note: Option<String>,
    },
    /// Take a tick back.
    Uncheck {
        /// Task id.
        task: String,
        /// Optional note.
        note: Option<String>,
    },
    /// Record a role's answer at a gate.
    Vote {
        /// Gate id.
        gate: String,
        /// Role answering (None: the plan has no voters for this gate; the actor answers).
        role: Option<String>,
        /// GO / NO-GO / HOLD.
        vote: Vote,
        /// Why.
        note: Option<String>,
    },
    /// Leave the current phase for the next forward phase, or for phase `to`.
    Advance {
        /// Target phase id (None: the next one).
        to: Option<String>,
        /// Reason for passing gates that are not GO.
        override_reason: Option<String>,
    },
    /// Call a hold.
    Hold {
        /// Why.
        reason: String,
    },
    /// Release the hold in force.
    Release {
        /// Optional note.
        note: Option<String>,
    },
    /// Start the rollback procedure.
    Rollback {
        /// Why.
        reason: String,
    },
    /// A note in the feed.
    Note {
        /// The text.
        text: String,
    },
    /// Set T-0 from the room (refused when the plan or `--start` gives it).
    SetT0 {
        /// The go-live instant (UTC).
        t0: DateTime<Utc>,
    },
    /// Journal that a trigger's condition is met (refused when an episode is already open).
    FireTrigger {
        /// Trigger id.
        trigger: String,
        /// The value that met the threshold.
        value: f64,
        /// The condition as shown.
        condition: String,
        /// Since when it held.
        since: DateTime<Utc>,
    },
    /// Journal that a fired trigger's condition no longer holds (refused when not fired).
    ClearTrigger {
        /// Trigger id.
        trigger: String,
        /// The value that no longer meets the threshold.
        value: Option<f64>,
    },
    /// Cancel the rollback countdown in force.
    CancelCountdown {
        /// Why (optional).
        note: Option<String>,
    },
    /// Journal the outcome of a step's command run from the room.
    RecordRun {
        /// Task id.
        task: String,
        /// The command line.
        command: String,
        /// Exit code, if it exited.
        exit: Option<i32>,
        /// One line on how it ended (`exit 0 in 3.2 s`).
        outcome: String,
        /// Exit 0, not timed out or cancelled.
        success: bool,
        /// How long it ran (ms).
        duration_ms: u64,
        /// The last lines of its output.
        last_lines: Vec<String>,
    },
    /// Journal a metric's baseline (refused when one was captured already).
    CaptureBaseline {
        /// Metric id.
        metric: String,
        /// The value.
        value: f64,
    },
}

/// Why a command was refused: one line, naming what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Refusal {}

fn refuse<T>(msg: impl Into<String>) -> Result<T, Refusal> {
    Err(Refusal(msg.into()))
}

fn required(text: &str, what: &str) -> Result<String, Refusal> {
    let t = text.trim();
    if t.is_empty() {
        refuse(format!("{what} is required"))
    } else {
        Ok(t.to_string())
    }
}

impl RoomState {
    /// Validates `cmd` and returns the event to append (with the role it is recorded under).
    /// `role` is the role the actor acts in (`--role`); when the plan defines roles it must be
    /// one of them.
    pub fn decide(
        &self,
        cmd: &Command,
        role: Option<&str>,
    ) -> Result<(EventKind, Option<String>), Refusal> {
        if let Some(r) = role
            && !self.plan.roles.is_empty()
            && self.plan.roles.canonical(r).is_none()
        {
            return refuse(format!(
                "role '{r}' is not in this plan; its roles are: {}",
                self.plan.roles.list()
            ));
        }
        let kind = match cmd {
            Command::Check { task, note } => {
                self.known_task(task)?;
                if let Some(s) = self.ticks.get(task) {
                    return refuse(format!(
                        "task {task} is already done (by {} at {})",
                        s.actor,
                        s.at.format("%H:%M UTC")
                    ));
                }
                EventKind::TaskChecked {
                    task: task.clone(),
                    note: note.clone(),
                }
            }
            Command::Uncheck { task, note } => {
                self.known_task(task)?;
                if !self.is_done(task) {
                    return refuse(format!("task {task} is not done"));
                }
                EventKind::TaskUnchecked {
                    task: task.clone(),
                    note: note.clone(),
                }
            }
            Command::Vote {
                gate,
                role: voter,
                vote,
                note,
            } => return self.decide_vote(gate, voter.as_deref().or(role), *vote, note.as_ref()),
            Command::Advance {
                to,
                override_reason,
            } => self.decide_advance(to.as_deref(), override_reason.as_deref())?,
            Command::Hold { reason } => {
                if let Some(h) = self.hold() {
                    return refuse(format!(
                        "a hold is already in force (called by {}); release it first",
                        h.called.actor
                    ));
                }
                EventKind::HoldCalled {
                    reason: required(reason, "a reason for the hold")?,
                    evidence: None,
                }
            }
            Command::Release { note } => {
                if self.hold().is_none() {
                    return refuse("there is no hold to release");
                }
                EventKind::HoldReleased { note: note.clone() }
            }
            Command::Rollback { reason } => {
                if let Some(r) = &self.rollback {
                    return refuse(format!(
                        "a rollback is already running (started by {})",
                        r.started.actor
                    ));
                }
                EventKind::RollbackStarted {
                    reason: required(reason, "a reason for the rollback")?,
                    evidence: None,
                }
            }
            Command::Note { text } => EventKind::Note {
                text: required(text, "the note's text")?,
            },
            Command::SetT0 { t0 } => {
                if self.plan.t0.is_some() {
                    return refuse(
                        "T-0 comes from the plan's date or --start: edit the plan's Go-Live \
                         line, or open the room with --start TIME",
                    );
                }
                EventKind::T0Set { t0: *t0 }
            }
            Command::FireTrigger {
                trigger,
                value,
                condition,
                since,
            } => {
                let i = self.known_trigger(trigger)?;
                if let Some(f) = &self.triggers[i].fired {
                    return refuse(format!(
                        "trigger {trigger} already fired (journaled by {} at {})",
                        f.stamp.actor,
                        f.stamp.at.format("%H:%M:%S UTC")
                    ));
                }
                EventKind::TriggerFired {
                    trigger: trigger.clone(),
                    value: *value,
                    condition: condition.clone(),
                    since: *since,
                    evidence: None,
                }
            }
            Command::ClearTrigger { trigger, value } => {
                let i = self.known_trigger(trigger)?;
                if self.triggers[i].fired.is_none() {
                    return refuse(format!("trigger {trigger} has not fired"));
                }
                EventKind::TriggerCleared {
                    trigger: trigger.clone(),
                    value: *value,
                }
            }
            Command::CancelCountdown { note } => {
                let Some(c) = self.rollback_countdown() else {
                    return refuse("no rollback countdown is running");
                };
                EventKind::CountdownCancelled {
                    trigger: self.plan.triggers[c.trigger].id.clone(),
                    note: note.clone(),
                }
            }
            Command::RecordRun {
                task,
                command,
                exit,
                outcome,
                success,
                duration_ms,
                last_lines,
            } => {
                self.known_task(task)?;
                EventKind::CommandRan {
                    task: task.clone(),
                    command: command.clone(),
                    exit: *exit,
                    outcome: outcome.clone(),
                    success: *success,
                    duration_ms: *duration_ms,
                    last_lines: last_lines.clone(),
                }
            }
            Command::CaptureBaseline { metric, value } => {
                if let Some((v, _)) = self.baselines.get(metric) {
                    return refuse(format!("the baseline of {metric} is already {v}"));
                }
                EventKind::BaselineCaptured {
                    metric: metric.clone(),
                    value: *value,
                }
            }
        };
        Ok((kind, role.map(str::to_string)))
    }

    fn known_trigger(&self, id: &str) -> Result<usize, Refusal> {
        self.trigger_index(id).ok_or_else(|| {
            Refusal(format!(
                "unknown trigger id '{id}'; `warroom validate PLAN` lists the triggers"
            ))
        })
    }

    fn known_task(&self, task: &str) -> Result<(), Refusal> {
        if self.task_position(task).is_some() {
            Ok(())
        } else {
            refuse(format!(
                "unknown task id '{task}'; `warroom status PLAN --json` lists the ids"
            ))
        }
    }

    fn decide_vote(
        &self,
        gate: &str,
        role: Option<&str>,
        vote: Vote,
        note: Option<&String>,
    ) -> Result<(EventKind, Option<String>), Refusal> {
        let Some(g) = self.gate_index(gate) else {
            return refuse(format!(
                "unknown gate id '{gate}'; `warroom status PLAN --json` lists the ids"
            ));
        };
        let voters = &self.plan.gates[g].voters;
        let role = match role {
            Some(r) => {
                if !voters.is_empty() && !voters.iter().any(|v| v.eq_ignore_ascii_case(r)) {
                    return refuse(format!(
                        "role '{r}' does not vote at this gate; its voters are: {}",
                        voters.join(", ")
                    ));
                }
                voters
                    .iter()
                    .find(|v| v.eq_ignore_ascii_case(r))
                    .cloned()
                    .unwrap_or_else(|| r.to_string())
            }
            None if voters.is_empty() => "operator".to_string(),
            None => {
                return refuse(format!(
                    "say which role you answer for with --role; voters: {}",
                    voters.join(", ")
                ));
            }
        };
        if vote == Vote::NoGo && note.is_none_or(|n| n.trim().is_empty()) {
            return refuse("a NO-GO needs a reason: write it in the note (CLI: --note)");
        }
        Ok((
            EventKind::Voted {
                gate: gate.to_string(),
                role: role.clone(),
                vote,
                note: note.cloned(),
                evidence: None,
            },
            Some(role),
        ))
    }

    fn decide_advance(
        &self,
        to: Option<&str>,
        override_reason: Option<&str>,
    ) -> Result<EventKind, Refusal> {
        if self.status() == RoomStatus::Rollback {
            return refuse("a rollback is running: work through the rollback checklist instead");
        }
        if let Some(h) = self.hold() {
            return refuse(format!(
                "on HOLD ({}): release the hold before advancing",
                h.called.note.as_deref().unwrap_or("no reason")
            ));
        }
        let target = match to {
            Some(id) => {
                let Some(i) = self.plan.phase_index(id) else {
                    return refuse(format!("unknown phase id '{id}'"));
                };
                if self.plan.phases[i].kind == PhaseKind::Rollback {
                    return refuse("rollback steps start with a rollback, not by advancing");
                }
                if Some(i) == self.current {
                    return refuse(format!("phase {id} is already in progress"));
                }
                Some(i)
            }
            None => {
                if self.finished_at.is_some() {
                    return refuse("the plan is done: there is no phase left");
                }
                let after = self.current;
                self.forward_phases()
                    .map(|(i, _)| i)
                    .find(|&i| after.is_none_or(|c| i > c))
            }
        };
        // Gates of every phase being left or skipped must be GO, unless overridden.
        let first = self.current.unwrap_or(usize::MAX);
        let last = target.map_or(self.plan.phases.len(), |t| t.max(first.saturating_add(1)));
        let mut blocking: Vec<String> = self
            .plan
            .gates
            .iter()
            .enumerate()
            .filter(|(_, g)| {
                self.plan
                    .phase_index(&g.phase)
                    .is_some_and(|p| p >= first && p < last)
            })
            .filter(|(i, _)| self.gate_decision(*i) != Decision::Go)
            .map(|(i, g)| format!("gate {} is {}", g.title, self.gate_decision(i).label()))
            .collect();
        // Forward phases being left or skipped must have every task done, unless overridden.
        for (i, phase) in self.forward_phases() {
            if i >= first && i < last {
                let (done, total) = self.phase_progress(i);
                if done < total {
                    blocking.push(format!(
                        "{} of {} tasks of {} not done",
                        total - done,
                        total,
                        phase.title
                    ));
                }
            }
        }
        let override_reason = override_reason.map(str::trim).filter(|r| !r.is_empty());
        if !blocking.is_empty() && override_reason.is_none() {
            return refuse(format!(
                "{}; finish them, or advance with --override REASON",
                blocking.join("; ")
            ));
        }
        Ok(EventKind::Advanced {
            from: self.current.map(|c| self.plan.phases[c].id.clone()),
            to: target.map(|t| self.plan.phases[t].id.clone()),
            override_reason: if blocking.is_empty() {
                None
            } else {
                override_reason.map(str::to_string)
            },
            evidence: None,
        })
    }
}
