//! The post-deployment report's data: what happened, from the journal alone, in the shape the
//! Markdown, HTML and JSON renderings share. `--format json` is this model serialized, so
//! field names are part of the command-line interface (README "The report").
//!
//! Times are UTC instants (RFC 3339 in JSON); lengths are whole seconds (`_s`); slips are whole
//! minutes (`_min`, positive = later than planned). Text is as journaled: raw, never cleaned —
//! the Markdown and HTML renderings clean or escape it.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::journal::evidence::Evidence;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The plan's title.
    pub title: String,
    /// The plan file, as given on the command line.
    pub plan_file: String,
    /// The journal the report was made from.
    pub journal_file: String,
    /// When the report was made; figures for anything still running run to this instant.
    pub generated_at: DateTime<Utc>,
    /// The room's state when the report was made: `planned`, `in_progress`, `hold`,
    /// `rollback` or `done`.
    pub status: String,
    /// T-0 (go-live), the instant relative schedules count from.
    pub t0: DateTime<Utc>,
    /// Where T-0 came from: `the plan's date`, `--start`, `the journal's first event (pass
    /// --start to use the room's T-0)` or `the time of this report (no date in the plan, an
    /// empty journal)`, or `set in the room by user@host at … (journal seq N)`. Slips are
    /// measured against it.
    pub t0_source: String,
    /// When the first phase was entered.
    pub started_at: Option<DateTime<Utc>>,
    /// When the last forward phase was finished.
    pub finished_at: Option<DateTime<Utc>>,
    /// Tasks ticked / tasks in the plan.
    pub tasks_done: usize,
    /// Tasks in the plan.
    pub tasks_total: usize,
    /// Every phase, in plan order (forward phases, then the rollback procedure's steps).
    pub phases: Vec<PhaseReport>,
    /// The next milestone's ETA while the deployment runs (None once done, in rollback, or
    /// when the plan has no windows).
    pub eta: Option<EtaReport>,
    /// End of the deployment window: the latest planned end of a forward phase.
    pub deployment_window_end: Option<DateTime<Utc>>,
    /// Every go/no-go gate with its poll, oldest vote first.
    pub gates: Vec<GateReport>,
    /// Holds called by people and built-in holds from the plan, oldest first.
    pub holds: Vec<HoldReport>,
    /// Advances past a gate that was not GO, or with open tasks, and the reasons given.
    pub overrides: Vec<OverrideReport>,
    /// Every episode of every rollback trigger, oldest first.
    pub triggers: Vec<TriggerEpisode>,
    /// The rollback, if one was started.
    pub rollback: Option<RollbackReport>,
    /// Ticked tasks, in the order they were ticked.
    pub tasks: Vec<TaskReport>,
    /// Step commands run from the room.
    pub commands: Vec<CommandReport>,
    /// Free-text notes.
    pub notes: Vec<NoteReport>,
    /// Versions of the plan the rooms ran (`plan_loaded` events).
    pub plan_versions: Vec<PlanVersion>,
    /// The journal itself: length, head and integrity.
    pub journal: JournalReport,
}

/// One phase: planned against actual.
#[derive(Debug, Clone, Serialize)]
pub struct PhaseReport {
    /// Phase id.
    pub id: String,
    /// Phase title.
    pub title: String,
    /// `forward` or `rollback`.
    pub kind: String,
    /// Planned window, when the plan gives one.
    pub planned_start: Option<DateTime<Utc>>,
    /// End of the planned window.
    pub planned_end: Option<DateTime<Utc>>,
    /// When the phase was entered (a rollback step: when its step began).
    pub actual_start: Option<DateTime<Utc>>,
    /// When it was left (a rollback step: when its last task was ticked).
    pub actual_end: Option<DateTime<Utc>>,
    /// Actual start minus planned start, in minutes (positive: late).
    pub start_slip_min: Option<i64>,
    /// Actual end minus planned end, in minutes (positive: late).
    pub end_slip_min: Option<i64>,
    /// Planned length (s).
    pub planned_s: Option<i64>,
    /// Actual length (s): to the report's time while the phase is still running, or to the
    /// rollback's start for a forward phase a rollback interrupted.
    pub actual_s: Option<i64>,
    /// Ticked tasks of the phase.
    pub tasks_done: usize,
    /// Tasks of the phase.
    pub tasks_total: usize,
    /// `pending`, `active`, `overrun`, `done`, or `interrupted` (a forward phase still open
    /// when the rollback began).
    pub status: String,
    /// Where the phase is expected to run as the report is made: the forward phase in
    /// progress and those still to come (see `state::forecast`); None for the others and once
    /// the room is done or in rollback.
    pub forecast: Option<ForecastReport>,
}

/// A forecast window of a phase, or of the next milestone.
#[derive(Debug, Clone, Serialize)]
pub struct ForecastReport {
    /// Expected start (for a milestone: its expected time).
    pub start: DateTime<Utc>,
    /// Expected end (for a milestone: the same as `start`).
    pub end: DateTime<Utc>,
    /// Expected end minus planned end, in whole minutes (positive: late).
    pub slip_min: i64,
    /// Expected to end after the deployment window (the span of the forward phases' plans).
    pub past_deployment_window: bool,
    /// Expected to end after the rollback window closes.
    pub past_rollback_window: bool,
}

/// The next milestone's ETA as the report is made.
#[derive(Debug, Clone, Serialize)]
pub struct EtaReport {
    /// `go-live` (T-0, while the phase it opens has not started) or `done` (the end of the
    /// last forward phase).
    pub milestone: String,
    /// When it was planned.
    pub planned: DateTime<Utc>,
    /// When it is expected, with the slip and the window flags.
    pub expected: ForecastReport,
}

/// One gate's poll.
#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    /// Gate id.
    pub id: String,
    /// Gate title.
    pub title: String,
    /// Title of the phase the gate closes.
    pub phase: String,
    /// Roles polled, in order.
    pub voters: Vec<String>,
    /// The poll rule in words (`all 3`, `majority of 5`).
    pub rule: String,
    /// `go`, `no_go`, `hold` or `pending`, as the poll stood when the report was made.
    pub outcome: String,
    /// When the poll last changed to its outcome (None while pending).
    pub decided_at: Option<DateTime<Utc>>,
    /// Every answer, oldest first (a role that changed its answer appears more than once).
    pub votes: Vec<VoteReport>,
}

/// One answer at a gate.
#[derive(Debug, Clone, Serialize)]
pub struct VoteReport {
    /// Journal sequence number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// The role answering.
    pub role: String,
    /// `GO`, `NO-GO` or `HOLD`.
    pub vote: String,
    /// Who recorded it (`user@host`).
    pub actor: String,
    /// The role that recorded it on the voting role's behalf (the lead), if not the role
    /// itself.
    pub recorded_by_role: Option<String>,
    /// Why.
    pub reason: Option<String>,
    /// What the checks and metrics showed at that moment.
    pub evidence: Option<Evidence>,
}

/// A hold: called by someone, or built into the plan (`hold_before` at a gate).
#[derive(Debug, Clone, Serialize)]
pub struct HoldReport {
    /// `called` or `built_in`.
    pub kind: String,
    /// When it began.
    pub from: DateTime<Utc>,
    /// When it ended (None: still in force when the report was made).
    pub until: Option<DateTime<Utc>>,
    /// Its length (s), to the report's time while in force.
    pub length_s: i64,
    /// Who called it (`plan` for a built-in hold).
    pub actor: String,
    /// Why: the reason given, or which gate a built-in hold waits for.
    pub reason: String,
    /// What the checks and metrics showed when it was called.
    pub evidence: Option<Evidence>,
}

/// An advance that passed a gate that was not GO, or left open tasks behind.
#[derive(Debug, Clone, Serialize)]
pub struct OverrideReport {
    /// Journal sequence number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`user@host`).
    pub actor: String,
    /// Title of the phase left.
    pub from: String,
    /// Title of the phase entered (`the end of the plan` when finishing).
    pub to: String,
    /// The reason given.
    pub reason: String,
    /// What the checks and metrics showed at that moment.
    pub evidence: Option<Evidence>,
}

/// One episode of a rollback trigger: fired, then cleared (or still firing).
#[derive(Debug, Clone, Serialize)]
pub struct TriggerEpisode {
    /// Trigger id.
    pub trigger: String,
    /// The trigger as the plan wrote it.
    pub text: String,
    /// The condition as shown when it fired.
    pub condition: String,
    /// The value that met the threshold.
    pub value: f64,
    /// Since when the condition had held.
    pub since: DateTime<Utc>,
    /// When it was journaled as fired, and by whose room.
    pub fired_at: DateTime<Utc>,
    /// `user@host` of the room that journaled it.
    pub fired_by: String,
    /// When the condition stopped holding (None: still firing).
    pub cleared_at: Option<DateTime<Utc>>,
    /// Set when an operator cancelled the automatic rollback countdown: who, when and why.
    pub countdown_cancelled: Option<CancelReport>,
    /// What the checks and metrics showed when it fired.
    pub evidence: Option<Evidence>,
}

/// A cancelled rollback countdown.
#[derive(Debug, Clone, Serialize)]
pub struct CancelReport {
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`user@host`).
    pub actor: String,
    /// Why.
    pub note: Option<String>,
}

/// The rollback against its budget.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackReport {
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// Who started it (`user@host`).
    pub started_by: String,
    /// Why.
    pub reason: String,
    /// What the checks and metrics showed at that moment.
    pub evidence: Option<Evidence>,
    /// The procedure's budget (s): the sum of its steps' budgets, when they have any.
    pub budget_s: Option<i64>,
    /// Time taken (s): to the end of the last step, or to the report's time while running;
    /// `None` when the plan has no rollback steps (nothing marks the end).
    pub elapsed_s: Option<i64>,
    /// Whether the procedure took longer than its budget.
    pub over_budget: bool,
    /// Whether every step is done (false when the plan has no rollback steps).
    pub complete: bool,
    /// When the plan's rollback window closes (go-live plus `rollback_window`).
    pub window_closes: Option<DateTime<Utc>>,
    /// Each step against its budget.
    pub steps: Vec<RollbackStepReport>,
}

/// One rollback step against its budget.
#[derive(Debug, Clone, Serialize)]
pub struct RollbackStepReport {
    /// The step's title.
    pub title: String,
    /// Its budget (s).
    pub budget_s: Option<i64>,
    /// When it began (None: an earlier step was still open).
    pub started_at: Option<DateTime<Utc>>,
    /// When its last task was ticked (None: still open).
    pub finished_at: Option<DateTime<Utc>>,
    /// Time spent (s).
    pub elapsed_s: i64,
    /// Whether it took longer than its budget.
    pub over_budget: bool,
}

/// A ticked task.
#[derive(Debug, Clone, Serialize)]
pub struct TaskReport {
    /// Task id.
    pub id: String,
    /// The task's text.
    pub text: String,
    /// Title of its phase.
    pub phase: String,
    /// Who ticked it (`user@host`; `plan` when the plan file had it ticked already).
    pub by: String,
    /// When.
    pub at: DateTime<Utc>,
    /// The note given with the tick.
    pub note: Option<String>,
}

/// A step command run from the room.
#[derive(Debug, Clone, Serialize)]
pub struct CommandReport {
    /// Journal sequence number.
    pub seq: u64,
    /// When it finished.
    pub at: DateTime<Utc>,
    /// Who ran it (`user@host`).
    pub actor: String,
    /// The task's text.
    pub task: String,
    /// The command line as the plan wrote it.
    pub command: String,
    /// `exit 0 in 3.2 s`, `killed: timeout after 60 s`, …
    pub outcome: String,
    /// Exit 0, not timed out or cancelled.
    pub success: bool,
    /// How long it ran (ms).
    pub duration_ms: u64,
}

/// A free-text note.
#[derive(Debug, Clone, Serialize)]
pub struct NoteReport {
    /// Journal sequence number.
    pub seq: u64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (`user@host`).
    pub actor: String,
    /// The note.
    pub text: String,
}

/// A version of the plan a room ran.
#[derive(Debug, Clone, Serialize)]
pub struct PlanVersion {
    /// Journal sequence number.
    pub seq: u64,
    /// When it was first opened.
    pub at: DateTime<Utc>,
    /// Who opened it (`user@host`).
    pub actor: String,
    /// SHA-256 (hex) of the plan file's bytes.
    pub plan_hash: String,
}

/// The journal behind the report.
#[derive(Debug, Clone, Serialize)]
pub struct JournalReport {
    /// What the reader should know: a history not consistent with the reader's checkpoint
    /// (`HISTORY REWRITTEN: …`), a network filesystem, …
    pub warnings: Vec<String>,
    /// Events read.
    pub events: u64,
    /// `seq` of the last event.
    pub head_seq: u64,
    /// SHA-256 (hex) of the last line: quote it to show which history the report tells.
    pub head_hash: Option<String>,
    /// The hash chain in words: `consistent`, or where it breaks. Never "untampered": a
    /// consistent chain can still have been rewritten whole.
    pub chain: String,
    /// Whether the chain is consistent.
    pub consistent: bool,
    /// Lines that were not taken as they are (line number and why).
    pub problems: Vec<String>,
    /// Events naming a task, gate or phase this plan no longer has.
    pub dangling: Vec<String>,
    /// Who wrote a database room's events: each operating-system user beside the database
    /// role its events were inserted as (empty for a file journal).
    pub writers: Vec<WriterReport>,
}

/// An operating-system user and the database role its events were inserted as.
#[derive(Debug, Clone, Serialize)]
pub struct WriterReport {
    /// `user@host`, as in every event's `actor`.
    pub actor: String,
    /// The database role (recorded by the database, not by the client).
    pub db_role: String,
    /// Events written by this pair.
    pub events: u64,
}

impl Report {
    /// The phases that have a forecast, each with it, in plan order (empty once the
    /// deployment is finished: a finished report has actuals, not forecasts).
    #[must_use]
    pub fn forecast_phases(&self) -> Vec<(&PhaseReport, &ForecastReport)> {
        self.phases
            .iter()
            .filter_map(|p| p.forecast.as_ref().map(|f| (p, f)))
            .collect()
    }

    /// How to name `actor` to a reader: in a database room, with the database role(s) its
    /// events were inserted as, e.g. `alice@laptop (database role op_alice)`; else as it is.
    #[must_use]
    pub fn who(&self, actor: &str) -> String {
        let roles: Vec<&str> = self
            .journal
            .writers
            .iter()
            .filter(|w| w.actor == actor)
            .map(|w| w.db_role.as_str())
            .collect();
        match roles.as_slice() {
            [] => actor.to_string(),
            [one] => format!("{actor} (database role {one})"),
            many => format!("{actor} (database roles {})", many.join(", ")),
        }
    }
}
