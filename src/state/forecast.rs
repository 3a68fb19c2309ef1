//! Forecasts: when each phase still to come will run, given the slip so far.
//!
//! A forecast is the planned window moved by what has happened: the phase in progress is
//! expected to take its planned length from its actual start, plus the time spent on hold
//! since; if it is already past that, it ends no earlier than `now`. Each phase after it starts
//! at its planned start or when the one before is expected to end, whichever is later, and
//! never before `now` (a phase not started yet cannot have started in the past). So a late
//! start, a hold and an overrun push what follows, slack in the plan absorbs them, and nothing
//! is forecast earlier than planned. Pure: `now` is passed in.

use chrono::{DateTime, Duration, Utc};

use crate::plan::Schedule;

use super::{RoomState, RoomStatus};

/// Where one phase is expected to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forecast {
    /// Expected start: the actual start for the phase in progress.
    pub start: DateTime<Utc>,
    /// Expected end.
    pub end: DateTime<Utc>,
    /// Expected end minus planned end, in seconds (negative: ahead of plan, possible only for
    /// the phase in progress when it started early).
    pub slip_s: i64,
    /// The expected end is after the end of the deployment window
    /// ([`RoomState::deployment_window`]).
    pub past_deployment_window: bool,
    /// The expected end is after the rollback window closes
    /// ([`RoomState::rollback_window_closes`]).
    pub past_rollback_window: bool,
}

impl Forecast {
    /// Whether the forecast differs from the plan by a whole minute or more (what the screen
    /// bothers to show).
    #[must_use]
    pub fn off_plan(&self) -> bool {
        self.slip_s.abs() >= 60
    }
}

/// Which milestone the header's ETA is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// T-0, while the phase it opens has not started.
    GoLive,
    /// The end of the last forward phase.
    Done,
}

impl Milestone {
    /// The word the header and the JSON use (`go-live`, `done`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Milestone::GoLive => "go-live",
            Milestone::Done => "done",
        }
    }
}

/// The expected time of the next milestone, against its planned time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Eta {
    /// Go-live or the end of the plan.
    pub milestone: Milestone,
    /// When it is expected.
    pub at: DateTime<Utc>,
    /// When it was planned.
    pub planned: DateTime<Utc>,
    /// `at - planned` in seconds (positive: late).
    pub slip_s: i64,
    /// `at` is after the end of the deployment window.
    pub past_deployment_window: bool,
    /// `at` is after the rollback window closes.
    pub past_rollback_window: bool,
}

impl Eta {
    /// The time to show: the planned one while the ETA is within a minute of it (so "on plan"
    /// never stands beside a different minute), else the expected one.
    #[must_use]
    pub fn shown_at(&self) -> DateTime<Utc> {
        if self.slip_s.abs() < 60 {
            self.planned
        } else {
            self.at
        }
    }
}

impl RoomState {
    /// The deployment window: from the earliest planned start to the latest planned end of the
    /// forward phases (None when no forward phase has a window).
    #[must_use]
    pub fn deployment_window(&self) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        self.forward_phases()
            .filter_map(|(i, _)| self.planned[i])
            .reduce(|(s, e), (ws, we)| (s.min(ws), e.max(we)))
    }

    /// A forecast per phase (parallel to `plan.phases`) at `now`: `Some` for the forward
    /// phase in progress and for every forward phase after the last one started that has a
    /// planned window. Finished, skipped, unscheduled and rollback phases have none, and so
    /// does every phase once the room is in rollback or done, or while a plan timed from T-0
    /// has no T-0 ([`RoomState::t0_known`]).
    #[must_use]
    pub fn forecasts(&self, now: DateTime<Utc>) -> Vec<Option<Forecast>> {
        let mut out = vec![None; self.plan.phases.len()];
        if matches!(self.status(), RoomStatus::Rollback | RoomStatus::Done) {
            return out;
        }
        // Windows counted from a stand-in T-0 are guesses; a forecast made of them would be too.
        let relative = self
            .plan
            .phases
            .iter()
            .any(|p| !matches!(p.schedule, Schedule::At { .. } | Schedule::None));
        if relative && !self.t0_known() {
            return out;
        }
        let holds = self.hold_spans(now);
        let window_end = self.deployment_window().map(|w| w.1);
        let rollback_closes = self.rollback_window_closes();
        let flag = |start, end, planned_end: DateTime<Utc>| Forecast {
            start,
            end,
            slip_s: (end - planned_end).num_seconds(),
            past_deployment_window: past(end, window_end),
            past_rollback_window: past(end, rollback_closes),
        };
        // Phases before the furthest one started were skipped (`advance --to`): no forecast.
        let last_started = self
            .forward_phases()
            .filter(|(i, _)| self.actual[*i].start.is_some())
            .map(|(i, _)| i)
            .max();
        let mut ready: Option<DateTime<Utc>> = None;
        for (i, _) in self.forward_phases() {
            if last_started.is_some_and(|l| i < l) {
                continue;
            }
            let a = self.actual[i];
            let Some((ps, pe)) = self.planned[i] else {
                if let Some(e) = a.end {
                    ready = Some(e);
                }
                continue;
            };
            let length = pe - ps;
            match (a.start, a.end) {
                (Some(_), Some(e)) => ready = Some(e),
                (Some(s), None) => {
                    // Checked: a plan at the edge of chrono's range gets no forecast, not a
                    // panic; nothing after it can be forecast either.
                    let Some(end) = s
                        .checked_add_signed(length)
                        .and_then(|e| e.checked_add_signed(overlap(&holds, s, now)))
                    else {
                        break;
                    };
                    let end = end.max(now);
                    out[i] = Some(flag(s, end, pe));
                    ready = Some(end);
                }
                (None, _) => {
                    let start = ps.max(ready.unwrap_or(ps)).max(now);
                    let Some(end) = start.checked_add_signed(length) else {
                        break;
                    };
                    out[i] = Some(flag(start, end, pe));
                    ready = Some(end);
                }
            }
        }
        out
    }

    /// The header's ETA at `now`: go-live while the phase that opens at T-0 has not started
    /// (and T-0 is still ahead, when no phase opens at or after it), else the end of the last
    /// forward phase. None when nothing is forecast (done, rollback, no windows).
    #[must_use]
    pub fn eta(&self, now: DateTime<Utc>) -> Option<Eta> {
        let forecasts = self.forecasts(now);
        let window_end = self.deployment_window().map(|w| w.1);
        let rollback_closes = self.rollback_window_closes();
        let make = |milestone, at: DateTime<Utc>, planned: DateTime<Utc>| Eta {
            milestone,
            at,
            planned,
            slip_s: (at - planned).num_seconds(),
            past_deployment_window: past(at, window_end),
            past_rollback_window: past(at, rollback_closes),
        };
        // The phase go-live opens: the one whose window holds T-0, else the first after it.
        let opening = self
            .forward_phases()
            .filter_map(|(i, _)| self.planned[i].map(|w| (i, w)))
            .filter(|(_, (_, e))| *e > self.t0)
            .min_by_key(|(_, (s, _))| *s);
        match opening {
            Some((i, (ps, _))) if self.actual[i].start.is_none() => {
                if let Some(f) = forecasts[i]
                    && let Some(at) = self.t0.checked_add_signed(f.start - ps)
                {
                    return Some(make(Milestone::GoLive, at, self.t0));
                }
            }
            None if forecasts.iter().any(Option::is_some) => {
                // Every phase ends before T-0: go-live waits for the last of them.
                let ready = forecasts.iter().flatten().map(|f| f.end).max();
                let at = ready.map_or(self.t0, |r| r.max(self.t0));
                if at > now {
                    return Some(make(Milestone::GoLive, at, self.t0));
                }
            }
            _ => {}
        }
        let (i, f) = forecasts
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.map(|f| (i, f)))
            .max_by_key(|(_, f)| f.end)?;
        let planned_end = self.planned[i]?.1;
        Some(make(Milestone::Done, f.end, planned_end))
    }

    /// Every hold, called or built in, that began by `now`, as `[from, to)` spans merged where
    /// they overlap (a built-in hold and a called one at the same time count once).
    fn hold_spans(&self, now: DateTime<Utc>) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        let mut spans: Vec<_> = self
            .holds
            .iter()
            .map(|h| (h.called.at, h.released_at.unwrap_or(now)))
            .chain(
                self.builtin_holds(now)
                    .iter()
                    .map(|b| (b.from, b.until.unwrap_or(now).min(now))),
            )
            .filter(|(a, b)| b > a)
            .collect();
        spans.sort();
        let mut merged: Vec<(DateTime<Utc>, DateTime<Utc>)> = Vec::new();
        for (a, b) in spans {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        merged
    }
}

/// Whether `t` is a whole minute or more after `limit`: the screen shows minutes, and a
/// forecast a few seconds past a window (the room opened at T-0 and not started yet) is on
/// plan, not a warning.
fn past(t: DateTime<Utc>, limit: Option<DateTime<Utc>>) -> bool {
    limit.is_some_and(|l| (t - l).num_seconds() >= 60)
}

/// Time the spans cover within `[from, to)`.
fn overlap(
    spans: &[(DateTime<Utc>, DateTime<Utc>)],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Duration {
    spans
        .iter()
        .map(|&(a, b)| (b.min(to) - a.max(from)).max(Duration::zero()))
        .sum()
}

/// A slip in minutes for the screen: `+12 min`, `-3 min`, `+1 h 05 min`; `on plan` under a
/// minute.
#[must_use]
pub fn format_slip(slip_s: i64) -> String {
    let m = slip_s / 60;
    if m == 0 {
        return "on plan".into();
    }
    let sign = if m > 0 { '+' } else { '-' };
    let m = m.unsigned_abs();
    if m >= 60 {
        format!("{sign}{} h {:02} min", m / 60, m % 60)
    } else {
        format!("{sign}{m} min")
    }
}

#[cfg(test)]
mod tests {
    use super::format_slip;

    #[test]
    fn slips_read_in_minutes() {
        assert_eq!(format_slip(59), "on plan");
        assert_eq!(format_slip(720), "+12 min");
        assert_eq!(format_slip(-180), "-3 min");
        assert_eq!(format_slip(3900), "+1 h 05 min");
    }
}
