//! The rollback as a timed procedure: once a rollback starts, the plan's rollback steps run
//! one after another, each against its time budget (`Decision (5 minutes)`, `Execution (15
//! minutes)`, or a whole procedure "within 2 hours"), and the total against their sum.
//!
//! A step starts when the rollback starts (the first) or when the step before it is done
//! (its last task ticked); it is done when all its tasks are. Elapsed time runs to now while a
//! step is open. Pure: the clock is passed in.

use chrono::{DateTime, Utc};

use crate::plan::{PhaseKind, Schedule};

use super::RoomState;

/// One rollback step's timing.
#[derive(Debug, Clone, PartialEq)]
pub struct StepClock {
    /// Index of the step's phase in `plan.phases`.
    pub phase: usize,
    /// Its time budget (s), when the plan gives one.
    pub budget_s: Option<i64>,
    /// When it started (None: an earlier step is still open).
    pub started: Option<DateTime<Utc>>,
    /// When its last task was ticked (None: still open).
    pub finished: Option<DateTime<Utc>>,
    /// Seconds spent on it so far.
    pub elapsed_s: i64,
}

impl StepClock {
    /// Whether the step took, or is taking, longer than its budget.
    #[must_use]
    pub fn overrun(&self) -> bool {
        self.budget_s.is_some_and(|b| self.elapsed_s > b)
    }
}

/// The whole procedure's timing.
#[derive(Debug, Clone, PartialEq)]
pub struct RollbackClock {
    /// When the rollback started.
    pub started: DateTime<Utc>,
    /// The steps in plan order.
    pub steps: Vec<StepClock>,
    /// Sum of the steps' budgets (s), when every step has one.
    pub budget_s: Option<i64>,
    /// Seconds since the rollback started, up to the end of the last step once all are done.
    pub elapsed_s: i64,
    /// Index into `steps` of the step in progress (None: all done).
    pub current: Option<usize>,
}

impl RollbackClock {
    /// Whether the procedure as a whole is over its budget.
    #[must_use]
    pub fn overrun(&self) -> bool {
        self.budget_s.is_some_and(|b| self.elapsed_s > b)
    }
}

/// A phase's time budget: its length, or the width of its window.
fn budget(schedule: &Schedule) -> Option<i64> {
    match *schedule {
        Schedule::None => None,
        Schedule::Length { length_s } => Some(length_s),
        Schedule::Offset { start_s, end_s } => Some(end_s - start_s),
        Schedule::WorkingDays {
            start_days,
            end_days,
        } => Some((end_days - start_days) * 86_400),
        Schedule::At { start, end } => Some((end - start).num_seconds()),
    }
}

impl RoomState {
    /// The rollback's clock at `now`, once a rollback has started.
    #[must_use]
    pub fn rollback_clock(&self, now: DateTime<Utc>) -> Option<RollbackClock> {
        let started = self.rollback.as_ref()?.started.at;
        let mut steps = Vec::new();
        let mut next_start = Some(started);
        // When the procedure has timed steps, its untimed sections (a "Rollback if" checklist,
        // a heading whose steps took all its tasks) are not steps of the clock.
        let timed = self
            .plan
            .phases
            .iter()
            .any(|p| p.kind == PhaseKind::Rollback && budget(&p.schedule).is_some());
        for (i, phase) in self.plan.phases.iter().enumerate() {
            let untimed = budget(&phase.schedule).is_none();
            if phase.kind != PhaseKind::Rollback || (untimed && (timed || phase.tasks.is_empty())) {
                continue;
            }
            let start = next_start;
            let finished = start.and_then(|s| {
                let mut last = s;
                for task in &phase.tasks {
                    last = last.max(self.ticks.get(&task.id)?.at);
                }
                Some(last)
            });
            let elapsed_s = start.map_or(0, |s| (finished.unwrap_or(now) - s).num_seconds().max(0));
            next_start = finished;
            steps.push(StepClock {
                phase: i,
                budget_s: budget(&phase.schedule),
                started: start,
                finished,
                elapsed_s,
            });
        }
        let current = steps.iter().position(|s| s.finished.is_none());
        let end = if current.is_none() {
            steps.last().and_then(|s| s.finished).unwrap_or(now)
        } else {
            now
        };
        // The steps that have a budget; untimed ones (a "Rollback if" checklist) add none.
        let budget_s = steps.iter().filter_map(|s| s.budget_s).reduce(|a, b| a + b);
        Some(RollbackClock {
            started,
            elapsed_s: (end - started).num_seconds().max(0),
            budget_s,
            current,
            steps,
        })
    }

    /// When the rollback window closes: go-live (T-0) plus the plan's `rollback_window`.
    #[must_use]
    pub fn rollback_window_closes(&self) -> Option<DateTime<Utc>> {
        let w = chrono::Duration::from_std(self.plan.rollback_window?).ok()?;
        self.t0.checked_add_signed(w)
    }
}

/// `m:ss`, or `h:mm:ss` from an hour, for elapsed and budget figures.
#[must_use]
pub fn clock(s: i64) -> String {
    let s = s.max(0);
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}
