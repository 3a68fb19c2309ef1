//! The post-deployment report (`warroom report`, the room's `r` key): the story of the
//! deployment told from the journal alone — planned against actual per phase, holds, every
//! decision with its votes, reasons and evidence, who ticked what and when, fired triggers, the
//! rollback against its budget, overrides, and the journal's head hash.
//!
//! [`build`] folds the journal's events through the same reducer as the room (so the report
//! and the screens agree) while keeping the history the room's state does not keep (every vote,
//! every trigger episode). It is pure: the plan, the events and the clock come in, a
//! [`Report`] comes out. [`markdown`] and [`html`] render it; JSON is the model serialized.

pub mod chart;
pub mod html;
pub mod markdown;
pub mod model;
pub mod words;

use std::collections::HashMap;
use std::path::Path;

use chrono::{DateTime, Utc};

use crate::journal::event::{Event, EventKind};
use crate::journal::{Problem, Verification};
use crate::plan::{PhaseKind, Plan};
use crate::state::{Decision, RoomState};

pub use model::*;

/// Output formats of `warroom report`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Markdown, for a wiki page or a ticket.
    Md,
    /// JSON: the report's data, for scripts.
    Json,
    /// One self-contained HTML page with a timeline chart (no network needed to view it).
    Html,
}

impl Format {
    /// The file extension for this format (`md`, `json`, `html`).
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Format::Md => "md",
            Format::Json => "json",
            Format::Html => "html",
        }
    }

    /// Renders `report` in this format.
    #[must_use]
    pub fn render(self, report: &Report) -> String {
        match self {
            Format::Md => markdown::render(report),
            Format::Html => html::render(report),
            Format::Json => {
                // The model holds only strings, numbers and times: serializing cannot fail.
                let mut s = serde_json::to_string_pretty(report).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }
}

/// The default report file for a plan: `<plan-stem>.report.<ext>` beside it.
#[must_use]
pub fn default_path(plan: &Path, format: Format) -> std::path::PathBuf {
    let stem = plan
        .file_stem()
        .map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned());
    plan.with_file_name(format!("{stem}.report.{}", format.extension()))
}

/// What a report is made from.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    /// The plan (titles, planned windows, gates' voters).
    pub plan: &'a Plan,
    /// T-0, as the room resolves it.
    pub t0: DateTime<Utc>,
    /// Where T-0 came from, in words (`the plan's date`, `--start`, …): the journal does not
    /// record it, so a report made with another `--start` than the room's says so.
    pub t0_source: &'a str,
    /// What the reader should know about the journal: a history that is not consistent with
    /// the reader's checkpoint, a network filesystem, … (see `Session::notices`).
    pub notices: &'a [String],
    /// The plan file, for the report's heading.
    pub plan_file: &'a Path,
    /// The journal file, for the report's heading.
    pub journal_file: &'a Path,
    /// Every event in the journal, in order.
    pub events: &'a [Event],
    /// Lines the replay did not take as they are.
    pub problems: &'a [Problem],
    /// SHA-256 (hex) of the journal's last line, as the replay read it.
    pub head_hash: Option<&'a str>,
    /// The hash chain walked end to end.
    pub verification: &'a Verification,
    /// Who wrote a database room: actor beside database role (empty for a file journal).
    pub writers: &'a [crate::journal::Identity],
}

/// Builds the report as things stood at `now` (anything still running is measured to `now`).
#[must_use]
pub fn build(input: &Input<'_>, now: DateTime<Utc>) -> Report {
    let mut state = RoomState::new(input.plan.clone(), input.t0);
    let mut history = History::new(input.plan);
    for ev in input.events {
        history.before(&state, ev);
        state.apply(ev);
        history.after(&state, ev);
    }
    let (tasks_done, tasks_total) = state.progress();
    let gates = gates(&state, &mut history);
    let holds = holds(&state, &history, now);
    let rollback = rollback(&state, &history, now);
    Report {
        title: input.plan.title.clone(),
        plan_file: input.plan_file.display().to_string(),
        journal_file: input.journal_file.display().to_string(),
        generated_at: now,
        status: state.status().key().to_string(),
        t0: state.t0,
        // A T-0 set in the room is the journal's, whatever the session guessed before it.
        t0_source: state.t0_set.as_ref().map_or_else(
            || input.t0_source.to_string(),
            |(seq, by)| {
                format!(
                    "set in the room by {} at {} UTC (journal seq {seq})",
                    by.actor,
                    by.at.format("%Y-%m-%d %H:%M")
                )
            },
        ),
        started_at: state.actual.iter().filter_map(|a| a.start).min(),
        finished_at: state.finished_at,
        tasks_done,
        tasks_total,
        phases: phases(&state, now),
        eta: state.eta(now).map(|e| EtaReport {
            milestone: e.milestone.label().to_string(),
            planned: e.planned,
            expected: ForecastReport {
                start: e.at,
                end: e.at,
                slip_min: minutes(e.at, e.planned),
                past_deployment_window: e.past_deployment_window,
                past_rollback_window: e.past_rollback_window,
            },
        }),
        deployment_window_end: state.deployment_window().map(|w| w.1),
        gates,
        holds,
        overrides: history.overrides,
        triggers: history.triggers,
        rollback,
        tasks: tasks(&state),
        commands: history.commands,
        notes: history.notes,
        plan_versions: history.plan_versions,
        journal: journal(&state, input),
    }
}

/// What the fold keeps beside the room's state.
struct History {
    votes: Vec<Vec<VoteReport>>,
    decided: Vec<Option<(Decision, DateTime<Utc>)>>,
    /// Evidence of each called hold, parallel to `RoomState::holds`.
    hold_evidence: Vec<Option<crate::journal::evidence::Evidence>>,
    holds_before: usize,
    rollback_evidence: Option<crate::journal::evidence::Evidence>,
    overrides: Vec<OverrideReport>,
    triggers: Vec<TriggerEpisode>,
    /// Trigger id → index into `triggers` of its open episode.
    open: HashMap<String, usize>,
    commands: Vec<CommandReport>,
    notes: Vec<NoteReport>,
    plan_versions: Vec<PlanVersion>,
}

impl History {
    fn new(plan: &Plan) -> History {
        History {
            votes: vec![Vec::new(); plan.gates.len()],
            decided: vec![None; plan.gates.len()],
            hold_evidence: Vec::new(),
            holds_before: 0,
            rollback_evidence: None,
            overrides: Vec::new(),
            triggers: Vec::new(),
            open: HashMap::new(),
            commands: Vec::new(),
            notes: Vec::new(),
            plan_versions: Vec::new(),
        }
    }

    fn before(&mut self, state: &RoomState, ev: &Event) {
        self.holds_before = state.holds.len();
        if let EventKind::RollbackStarted { evidence, .. } = &ev.kind
            && state.rollback.is_none()
        {
            self.rollback_evidence.clone_from(evidence);
        }
    }

    fn after(&mut self, state: &RoomState, ev: &Event) {
        let title = |id: &str| {
            state
                .plan
                .phase_index(id)
                .map_or_else(|| id.to_string(), |i| state.plan.phases[i].title.clone())
        };
        match &ev.kind {
            EventKind::Voted {
                gate,
                role,
                vote,
                note,
                evidence,
            } => {
                let Some(g) = state.gate_index(gate) else {
                    return;
                };
                self.votes[g].push(VoteReport {
                    seq: ev.seq,
                    at: ev.at,
                    role: role.clone(),
                    vote: vote.label().to_string(),
                    actor: ev.actor.clone(),
                    recorded_by_role: ev.role.clone().filter(|r| r != role),
                    reason: note.clone(),
                    evidence: evidence.clone(),
                });
                let now = state.gate_decision(g);
                if self.decided[g].is_none_or(|(d, _)| d != now) {
                    self.decided[g] = Some((now, ev.at));
                }
            }
            EventKind::HoldCalled { evidence, .. } if state.holds.len() > self.holds_before => {
                self.hold_evidence.push(evidence.clone());
            }
            EventKind::Advanced {
                from,
                to,
                override_reason: Some(reason),
                evidence,
            } => self.overrides.push(OverrideReport {
                seq: ev.seq,
                at: ev.at,
                actor: ev.actor.clone(),
                from: from.as_deref().map(title).unwrap_or_default(),
                to: to
                    .as_deref()
                    .map_or_else(|| "the end of the plan".to_string(), title),
                reason: reason.clone(),
                evidence: evidence.clone(),
            }),
            EventKind::TriggerFired {
                trigger,
                value,
                condition,
                since,
                evidence,
            } => {
                // One episode at a time, as the room counts them: a second `trigger_fired`
                // while one is open (two rooms racing) adds nothing.
                if self.open.contains_key(trigger) {
                    return;
                }
                let text = state
                    .trigger_index(trigger)
                    .map_or_else(|| trigger.clone(), |i| state.plan.triggers[i].text.clone());
                self.open.insert(trigger.clone(), self.triggers.len());
                self.triggers.push(TriggerEpisode {
                    trigger: trigger.clone(),
                    text,
                    condition: condition.clone(),
                    value: *value,
                    since: *since,
                    fired_at: ev.at,
                    fired_by: ev.actor.clone(),
                    cleared_at: None,
                    countdown_cancelled: None,
                    evidence: evidence.clone(),
                });
            }
            EventKind::TriggerCleared { trigger, .. } => {
                if let Some(i) = self.open.remove(trigger) {
                    self.triggers[i].cleared_at = Some(ev.at);
                }
            }
            EventKind::CountdownCancelled { trigger, note } => {
                if let Some(&i) = self.open.get(trigger) {
                    self.triggers[i].countdown_cancelled = Some(CancelReport {
                        at: ev.at,
                        actor: ev.actor.clone(),
                        note: note.clone(),
                    });
                }
            }
            EventKind::CommandRan {
                task,
                command,
                outcome,
                success,
                duration_ms,
                ..
            } => self.commands.push(CommandReport {
                seq: ev.seq,
                at: ev.at,
                actor: ev.actor.clone(),
                task: task_text(state, task),
                command: command.clone(),
                outcome: outcome.clone(),
                success: *success,
                duration_ms: *duration_ms,
            }),
            EventKind::Note { text } => self.notes.push(NoteReport {
                seq: ev.seq,
                at: ev.at,
                actor: ev.actor.clone(),
                text: text.clone(),
            }),
            EventKind::PlanLoaded { plan_hash, .. } => self.plan_versions.push(PlanVersion {
                seq: ev.seq,
                at: ev.at,
                actor: ev.actor.clone(),
                plan_hash: plan_hash.clone(),
            }),
            _ => {}
        }
    }
}

fn task_text(state: &RoomState, id: &str) -> String {
    state.task_position(id).map_or_else(
        || format!("{id} (not in this plan)"),
        |(p, t)| state.plan.phases[p].tasks[t].text.clone(),
    )
}

/// Whole minutes between two instants, rounded to the nearest.
fn minutes(later: DateTime<Utc>, earlier: DateTime<Utc>) -> i64 {
    ((later - earlier).num_seconds() as f64 / 60.0).round() as i64
}

fn phases(state: &RoomState, now: DateTime<Utc>) -> Vec<PhaseReport> {
    // Rollback steps have no `advance` and no place in the forward schedule: their actual
    // times come from the rollback clock, and their plan is their budget counted from when
    // the step began.
    let clock = state.rollback_clock(now);
    let forecasts = state.forecasts(now);
    state
        .plan
        .phases
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let step = clock
                .as_ref()
                .and_then(|c| c.steps.iter().find(|s| s.phase == i));
            let rollback = p.kind == PhaseKind::Rollback;
            let budget = state.planned[i].map(|(s, e)| e - s);
            let (start, end, planned, status) = if rollback {
                let (start, end) = step.map_or((None, None), |s| (s.started, s.finished));
                let planned = start.zip(budget).map(|(s, b)| (s, s + b));
                let (done, total) = state.phase_progress(i);
                let status = match (step, start, end) {
                    (Some(s), Some(_), _) if s.overrun() => "overrun",
                    (_, Some(_), Some(_)) => "done",
                    (_, Some(_), None) => "active",
                    // A section the rollback clock does not time (a "Rollback if" checklist):
                    // its ticks still tell where it stands.
                    (None, _, _) if total > 0 && done == total => "done",
                    (None, _, _) if done > 0 => "active",
                    _ => "pending",
                };
                (start, end, planned, status.to_string())
            } else {
                let status = format!("{:?}", state.phase_status(i, now)).to_lowercase();
                (
                    state.actual[i].start,
                    state.actual[i].end,
                    state.planned[i],
                    status,
                )
            };
            // A forward phase left open when the rollback began stopped there: its length
            // runs to the rollback, not to whenever the report is made.
            let (open_until, status) = match &state.rollback {
                Some(rb) if !rollback && start.is_some() && end.is_none() => {
                    (rb.started.at.min(now), "interrupted".to_string())
                }
                _ => (now, status),
            };
            let (done, total) = state.phase_progress(i);
            PhaseReport {
                id: p.id.clone(),
                title: p.title.clone(),
                kind: if rollback { "rollback" } else { "forward" }.to_string(),
                planned_start: planned.map(|w| w.0),
                planned_end: planned.map(|w| w.1),
                actual_start: start,
                actual_end: end,
                start_slip_min: start.zip(planned).map(|(a, (s, _))| minutes(a, s)),
                end_slip_min: end.zip(planned).map(|(a, (_, e))| minutes(a, e)),
                planned_s: budget.map(|b| b.num_seconds()),
                actual_s: start.map(|s| (end.unwrap_or(open_until) - s).num_seconds().max(0)),
                tasks_done: done,
                tasks_total: total,
                status,
                forecast: forecasts[i]
                    .zip(planned)
                    .map(|(f, (_, pe))| ForecastReport {
                        start: f.start,
                        end: f.end,
                        slip_min: minutes(f.end, pe),
                        past_deployment_window: f.past_deployment_window,
                        past_rollback_window: f.past_rollback_window,
                    }),
            }
        })
        .collect()
}

fn gates(state: &RoomState, history: &mut History) -> Vec<GateReport> {
    state
        .plan
        .gates
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let outcome = state.gate_decision(i);
            let phase = state
                .plan
                .phase_index(&g.phase)
                .map_or_else(|| g.phase.clone(), |p| state.plan.phases[p].title.clone());
            GateReport {
                id: g.id.clone(),
                title: g.title.clone(),
                phase,
                voters: g.voters.clone(),
                rule: if g.voters.is_empty() {
                    "the first answer decides".to_string()
                } else {
                    g.rule.describe(g.voters.len())
                },
                outcome: outcome.key().to_string(),
                decided_at: history.decided[i]
                    .filter(|(d, _)| *d != Decision::Pending)
                    .map(|(_, at)| at),
                votes: std::mem::take(&mut history.votes[i]),
            }
        })
        .collect()
}

fn holds(state: &RoomState, history: &History, now: DateTime<Utc>) -> Vec<HoldReport> {
    let mut out: Vec<HoldReport> = state
        .holds
        .iter()
        .enumerate()
        .map(|(i, h)| HoldReport {
            kind: "called".into(),
            from: h.called.at,
            until: h.released_at,
            length_s: (h.released_at.unwrap_or(now) - h.called.at)
                .num_seconds()
                .max(0),
            actor: h.called.actor.clone(),
            reason: h.called.note.clone().unwrap_or_default(),
            evidence: history.hold_evidence.get(i).cloned().flatten(),
        })
        .collect();
    out.extend(state.builtin_holds(now).into_iter().map(|b| {
        let until = b.until.filter(|u| *u <= now);
        HoldReport {
            kind: "built_in".into(),
            from: b.from,
            until,
            length_s: (until.unwrap_or(now) - b.from).num_seconds().max(0),
            actor: "plan".into(),
            reason: format!(
                "built-in hold until {} is GO",
                state.plan.gates[b.gate].title
            ),
            evidence: None,
        }
    }));
    out.sort_by_key(|h| h.from);
    out
}

fn rollback(state: &RoomState, history: &History, now: DateTime<Utc>) -> Option<RollbackReport> {
    let started = state.rollback.as_ref()?;
    let clock = state.rollback_clock(now)?;
    // Without steps nothing marks the rollback's end: its length and budget are unknown, not
    // "done" and not "within budget".
    let measured = !clock.steps.is_empty();
    let steps = clock
        .steps
        .iter()
        .map(|s| RollbackStepReport {
            title: state.plan.phases[s.phase].title.clone(),
            budget_s: s.budget_s,
            started_at: s.started,
            finished_at: s.finished,
            elapsed_s: s.elapsed_s,
            over_budget: s.overrun(),
        })
        .collect();
    Some(RollbackReport {
        started_at: started.started.at,
        started_by: started.started.actor.clone(),
        reason: started.started.note.clone().unwrap_or_default(),
        evidence: history.rollback_evidence.clone(),
        budget_s: clock.budget_s,
        elapsed_s: measured.then_some(clock.elapsed_s),
        over_budget: clock.overrun(),
        complete: measured && clock.current.is_none(),
        window_closes: state.rollback_window_closes(),
        steps,
    })
}

fn tasks(state: &RoomState) -> Vec<TaskReport> {
    let mut out: Vec<TaskReport> = state
        .plan
        .tasks()
        .filter_map(|(p, t)| {
            let stamp = state.ticks.get(&t.id)?;
            Some(TaskReport {
                id: t.id.clone(),
                text: t.text.clone(),
                phase: state.plan.phases[p].title.clone(),
                by: stamp.actor.clone(),
                at: stamp.at,
                note: stamp.note.clone(),
            })
        })
        .collect();
    // Stable: tasks ticked at the same instant keep plan order.
    out.sort_by_key(|t| t.at);
    out
}

fn journal(state: &RoomState, input: &Input<'_>) -> JournalReport {
    let (chain, consistent) = match input.verification {
        Verification::Ok {
            events, torn_tail, ..
        } => {
            let tail = if *torn_tail {
                " (an interrupted last write is not part of it)"
            } else {
                ""
            };
            (
                format!("consistent: {events} events, each chained to the one before{tail}"),
                true,
            )
        }
        Verification::Broken(p) => (format!("not consistent: {p}"), false),
    };
    JournalReport {
        warnings: input.notices.to_vec(),
        events: input.events.len() as u64,
        head_seq: state.head_seq,
        head_hash: input.head_hash.map(str::to_string),
        chain,
        consistent,
        problems: input.problems.iter().map(ToString::to_string).collect(),
        dangling: state
            .dangling
            .iter()
            .map(|(seq, what)| format!("seq {seq}: {what} (not in this plan)"))
            .collect(),
        writers: input
            .writers
            .iter()
            .map(|w| WriterReport {
                actor: w.actor.clone(),
                db_role: w.db_role.clone(),
                events: w.events,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use chrono::TimeZone;

    use super::*;
    use crate::journal::Draft;
    use crate::plan::markdown;

    const PLAN: &str = "# Launch\n\n## Deploy (09:00 AM - 10:00 AM UTC)\n\n- [ ] Ship it\n\n\
        ## Rollback Procedure\n\n### Before rolling back\n\n- [ ] Tell support\n\n\
        ### Execution (15 minutes)\n\n- [ ] Route traffic back\n";

    fn event(seq: u64, min: u32, kind: EventKind) -> Event {
        let d = Draft::new(kind, Utc.with_ymd_and_hms(2025, 12, 13, 9, min, 0).unwrap());
        Event {
            v: 1,
            seq,
            at: d.at,
            actor: "ops@host".into(),
            role: None,
            kind: d.kind,
            prev: String::new(),
        }
    }

    /// A rollback section the clock does not time still reports where its ticks stand.
    #[test]
    fn untimed_rollback_sections_report_their_ticks() {
        let plan = markdown::parse(PLAN, Path::new("launch.md")).unwrap().plan;
        // "Before rolling back" has no budget: it is an untimed stage of the rollback (its
        // sibling "Execution" is timed), which the clock skips.
        let tell = plan
            .tasks()
            .find(|(_, t)| t.text == "Tell support")
            .map(|(_, t)| t.id.clone())
            .unwrap();
        let events = [
            event(
                1,
                0,
                EventKind::RollbackStarted {
                    reason: "errors".into(),
                    evidence: None,
                },
            ),
            event(
                2,
                1,
                EventKind::TaskChecked {
                    task: tell,
                    note: None,
                },
            ),
        ];
        let verification = Verification::Ok {
            events: 2,
            head: None,
            torn_tail: false,
        };
        let t0 = Utc.with_ymd_and_hms(2025, 12, 13, 9, 0, 0).unwrap();
        let report = build(
            &Input {
                plan: &plan,
                t0,
                t0_source: "test",
                notices: &[],
                plan_file: Path::new("launch.md"),
                journal_file: Path::new("launch.journal.jsonl"),
                events: &events,
                problems: &[],
                head_hash: None,
                verification: &verification,
                writers: &[],
            },
            t0 + chrono::Duration::minutes(5),
        );
        let status = |title: &str| {
            report
                .phases
                .iter()
                .find(|p| p.title == title)
                .map(|p| p.status.clone())
        };
        assert_eq!(status("Before rolling back").as_deref(), Some("done"));
        assert_eq!(status("Execution").as_deref(), Some("active"));
    }
}
