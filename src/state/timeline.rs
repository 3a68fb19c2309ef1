//! Derived timeline views: planned windows, phase status, the countdown to the next milestone.

use chrono::{DateTime, Utc};

use crate::plan::{PhaseKind, Plan};

use super::RoomState;

/// Resolves every phase's planned window against `t0`. A length-only phase starts where the
/// previous scheduled phase ends (the first one at `t0`); rollback steps chain among themselves
/// from `t0` so their budgets still show.
#[must_use]
pub fn resolve_windows(
    plan: &Plan,
    t0: DateTime<Utc>,
) -> Vec<Option<(DateTime<Utc>, DateTime<Utc>)>> {
    let mut forward_end = None;
    let mut rollback_end = None;
    plan.phases
        .iter()
        .map(|p| {
            let chain = if p.kind == PhaseKind::Rollback {
                &mut rollback_end
            } else {
                &mut forward_end
            };
            let w = p.schedule.resolve(t0, Some(chain.unwrap_or(t0)));
            if let Some((_, end)) = w {
                *chain = Some(end);
            }
            w
        })
        .collect()
}

/// Where a phase stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhaseStatus {
    /// Not started.
    Pending,
    /// In progress, within its planned window.
    Active,
    /// In progress past its planned end, or finished after it.
    Overrun,
    /// Finished on time.
    Done,
}

impl PhaseStatus {
    /// Symbol and word for the screen (never colour alone).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            PhaseStatus::Pending => "·",
            PhaseStatus::Active => "▶",
            PhaseStatus::Overrun => "!",
            PhaseStatus::Done => "✓",
        }
    }
}

/// The next thing the room is counting towards.
#[derive(Debug, Clone, PartialEq)]
pub struct Countdown {
    /// What happens at the target ("Phase 2 starts", "go-live").
    pub label: String,
    /// Seconds to the target (negative: past it, shown as T+).
    pub remaining_s: i64,
}

impl RoomState {
    /// Status of phase `i` at `now`.
    #[must_use]
    pub fn phase_status(&self, i: usize, now: DateTime<Utc>) -> PhaseStatus {
        let a = self.actual[i];
        let planned_end = self.planned[i].map(|(_, e)| e + self.held(now));
        match (a.start, a.end) {
            (None, _) => PhaseStatus::Pending,
            (Some(_), None) => {
                if planned_end.is_some_and(|e| now > e) {
                    PhaseStatus::Overrun
                } else {
                    PhaseStatus::Active
                }
            }
            (Some(_), Some(end)) => {
                if planned_end.is_some_and(|e| end > e) {
                    PhaseStatus::Overrun
                } else {
                    PhaseStatus::Done
                }
            }
        }
    }

    /// The countdown shown in the header: to go-live (T-0) while it is ahead, else to the end
    /// of the phase in progress, else to the next planned phase start. Holds stop it: time on
    /// hold is added to every target, so the value freezes while a hold is in force.
    #[must_use]
    pub fn countdown(&self, now: DateTime<Utc>) -> Option<Countdown> {
        let held = self.held(now);
        let shifted = |t: DateTime<Utc>| t + held;
        if self.status() == super::RoomStatus::Done {
            return None;
        }
        let make = |label: String, target: DateTime<Utc>| Countdown {
            label,
            remaining_s: (shifted(target) - now).num_seconds(),
        };
        if shifted(self.t0) > now {
            return Some(make("go-live".into(), self.t0));
        }
        if let Some(c) = self.current
            && let Some((_, end)) = self.planned[c]
        {
            return Some(make(format!("end of {}", self.plan.phases[c].title), end));
        }
        let next = self
            .forward_phases()
            .filter_map(|(i, p)| self.planned[i].map(|(s, _)| (s, p)))
            .filter(|(s, _)| shifted(*s) > now)
            .min_by_key(|(s, _)| *s);
        if let Some((start, p)) = next {
            return Some(make(format!("{} starts", p.title), start));
        }
        Some(make("go-live".into(), self.t0))
    }
}

/// Formats seconds as `T-01:02:03` (or `T+…` once past), days as `T-3d 04:05:06`.
#[must_use]
pub fn format_countdown(remaining_s: i64) -> String {
    let sign = if remaining_s > 0 { '-' } else { '+' };
    let s = remaining_s.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    if d > 0 {
        format!("T{sign}{d}d {h:02}:{m:02}:{sec:02}")
    } else {
        format!("T{sign}{h:02}:{m:02}:{sec:02}")
    }
}
