//! What the health and metrics panels show: each check's and metric's state after its
//! thresholds, and the last [`HISTORY`] results. Pure: results come in, nothing is polled here.
//!
//! States follow Gatus and Kubernetes probes: a check turns DOWN after `down_after`
//! consecutive failures (default 3) and back UP after `up_after` consecutive passes (default 2),
//! so one lost packet does not paint the wall red. A pass that meets a `degraded` condition is
//! DEGRADED. Before the first verdict a check is UNKNOWN.

use std::collections::VecDeque;

use chrono::{DateTime, Utc};

use super::outcome::ProbeError;
use crate::journal::evidence::{CheckSnapshot, Evidence, MetricSnapshot};
use crate::plan::{Check, Plan};

/// Results kept per check or metric (the history bar and the sparkline).
pub const HISTORY: usize = 60;

/// A check's state as shown on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Health {
    /// No verdict yet.
    #[default]
    Unknown,
    /// Passing.
    Up,
    /// Passing, but a degraded condition (latency, value) holds.
    Degraded,
    /// `down_after` consecutive failures.
    Down,
}

impl Health {
    /// Symbol and word (status is never shown by colour alone).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Health::Unknown => "? UNKNOWN",
            Health::Up => "● UP",
            Health::Degraded => "◐ DEGRADED",
            Health::Down => "✖ DOWN",
        }
    }

    /// Lower-case word for JSON and evidence (`up`, `degraded`, `down`, `unknown`).
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            Health::Unknown => "unknown",
            Health::Up => "up",
            Health::Degraded => "degraded",
            Health::Down => "down",
        }
    }
}

/// What one probe found, after its conditions were judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passed.
    Pass,
    /// Passed, with a degraded condition holding.
    Degraded,
    /// Failed.
    Fail,
}

/// One judged probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// When the probe finished.
    pub at: DateTime<Utc>,
    /// Its verdict.
    pub verdict: Verdict,
    /// How long it took (ms); None when it never got an answer.
    pub latency_ms: Option<f64>,
    /// The number it yielded, if any.
    pub value: Option<f64>,
    /// Why it failed.
    pub error: Option<ProbeError>,
    /// Which degraded condition held.
    pub degraded_by: Option<String>,
}

/// One check's or metric's state.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Signal {
    /// State after thresholds.
    pub health: Health,
    /// When `health` last changed.
    pub since: Option<DateTime<Utc>>,
    /// Consecutive failures so far.
    pub fails: u32,
    /// Consecutive passes (including degraded) so far.
    pub passes: u32,
    /// The last [`HISTORY`] samples, oldest first.
    pub history: VecDeque<Sample>,
}

impl Signal {
    /// The latest sample.
    #[must_use]
    pub fn last(&self) -> Option<&Sample> {
        self.history.back()
    }

    /// The latest value, if the latest sample has a finite one (JSON, and so the journal,
    /// has no infinities or NaN; Prometheus answers `+Inf` for a ratio over no traffic).
    #[must_use]
    pub fn value(&self) -> Option<f64> {
        self.last().and_then(|s| s.value).filter(|v| v.is_finite())
    }

    /// Records `sample` with the check's thresholds; returns whether anything the panels
    /// draw changed (so identical answers cost no redraw).
    pub fn record(&mut self, sample: Sample, down_after: u32, up_after: u32) -> bool {
        let before = (self.health, self.last().map(visible));
        match sample.verdict {
            Verdict::Fail => {
                self.fails += 1;
                self.passes = 0;
            }
            Verdict::Pass | Verdict::Degraded => {
                self.passes += 1;
                self.fails = 0;
            }
        }
        let passing = match sample.verdict {
            Verdict::Degraded => Health::Degraded,
            _ => Health::Up,
        };
        let next = match (self.health, sample.verdict) {
            (_, Verdict::Fail) if self.fails >= down_after.max(1) => Health::Down,
            (h, Verdict::Fail) => h,
            (Health::Down, _) if self.passes < up_after.max(1) => Health::Down,
            _ => passing,
        };
        if next != self.health {
            self.health = next;
            self.since = Some(sample.at);
        }
        self.history.push_back(sample);
        while self.history.len() > HISTORY {
            self.history.pop_front();
        }
        // A new history cell always changes the bar unless it repeats the last one.
        let after = (self.health, self.last().map(visible));
        before != after
    }
}

/// What of a sample is drawn: verdict, latency to 10 ms, value to 3 significant digits, error.
fn visible(s: &Sample) -> (Verdict, Option<i64>, Option<String>, Option<String>) {
    (
        s.verdict,
        s.latency_ms.map(|l| (l / 10.0) as i64),
        s.value.map(crate::journal::evidence::format_value),
        s.error.as_ref().map(ToString::to_string),
    )
}

/// Which list a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Target {
    /// `plan.checks[i]`.
    Check(usize),
    /// `plan.metrics[i]`.
    Metric(usize),
}

/// Every check's and metric's state, parallel to `plan.checks` and `plan.metrics`.
#[derive(Debug, Clone, Default)]
pub struct Board {
    /// Per check.
    pub checks: Vec<Signal>,
    /// Per metric.
    pub metrics: Vec<Signal>,
}

impl Board {
    /// A board for `plan`, everything UNKNOWN.
    #[must_use]
    pub fn new(plan: &Plan) -> Self {
        Board {
            checks: vec![Signal::default(); plan.checks.len()],
            metrics: vec![Signal::default(); plan.metrics.len()],
        }
    }

    /// The signal for `target`.
    #[must_use]
    pub fn get(&self, target: Target) -> Option<&Signal> {
        match target {
            Target::Check(i) => self.checks.get(i),
            Target::Metric(i) => self.metrics.get(i),
        }
    }

    /// Records a sample for `target` using `spec`'s thresholds; returns whether the panels
    /// change.
    pub fn record(&mut self, target: Target, spec: &Check, sample: Sample) -> bool {
        let slot = match target {
            Target::Check(i) => self.checks.get_mut(i),
            Target::Metric(i) => self.metrics.get_mut(i),
        };
        slot.is_some_and(|s| s.record(sample, spec.down_after, spec.up_after))
    }

    /// Keeps the state of checks and metrics whose id survives a plan reload, so history is
    /// not lost when one check is edited.
    #[must_use]
    pub fn carried_over(&self, old: &Plan, new: &Plan) -> Board {
        let carry = |old_list: &[Check], old_sig: &[Signal], new_list: &[Check]| {
            new_list
                .iter()
                .map(|c| {
                    old_list
                        .iter()
                        .position(|o| o == c)
                        .and_then(|i| old_sig.get(i).cloned())
                        .unwrap_or_default()
                })
                .collect()
        };
        Board {
            checks: carry(&old.checks, &self.checks, &new.checks),
            metrics: carry(&old.metrics, &self.metrics, &new.metrics),
        }
    }

    /// A snapshot for the journal (see [`Evidence`]).
    #[must_use]
    pub fn evidence(&self, plan: &Plan, at: DateTime<Utc>) -> Evidence {
        Evidence {
            at,
            checks: plan
                .checks
                .iter()
                .zip(&self.checks)
                .map(|(c, s)| CheckSnapshot {
                    id: c.id.clone(),
                    health: s.health.key().into(),
                    latency_ms: s.last().and_then(|l| l.latency_ms).map(f64::round),
                    value: s.value(),
                    error: s.last().and_then(|l| {
                        l.error
                            .as_ref()
                            .map(ToString::to_string)
                            .or_else(|| l.degraded_by.clone())
                    }),
                })
                .collect(),
            metrics: plan
                .metrics
                .iter()
                .zip(&self.metrics)
                .map(|(m, s)| MetricSnapshot {
                    id: m.id.clone(),
                    value: s.value(),
                    unit: m.unit.clone(),
                })
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::poll::outcome::ErrorKind;

    fn sample(sec: i64, verdict: Verdict) -> Sample {
        Sample {
            at: DateTime::from_timestamp(1_700_000_000 + sec, 0).unwrap(),
            verdict,
            latency_ms: Some(12.0),
            value: None,
            error: (verdict == Verdict::Fail)
                .then(|| ProbeError::new(ErrorKind::Connect, "refused")),
            degraded_by: None,
        }
    }

    fn run(verdicts: &[Verdict], down: u32, up: u32) -> Vec<Health> {
        let mut s = Signal::default();
        verdicts
            .iter()
            .enumerate()
            .map(|(i, v)| {
                s.record(sample(i as i64, *v), down, up);
                s.health
            })
            .collect()
    }

    use Health::{Degraded as D, Down as X, Unknown as U, Up as P};
    use Verdict::{Degraded as Dg, Fail as F, Pass as Ok_};

    #[test]
    fn down_after_three_consecutive_failures_up_after_two_passes() {
        assert_eq!(
            run(&[Ok_, F, F, Ok_, F, F, F, Ok_, Ok_, F], 3, 2),
            vec![P, P, P, P, P, P, X, X, P, P]
        );
    }

    #[test]
    fn a_check_failing_from_the_start_is_unknown_until_it_is_down() {
        assert_eq!(run(&[F, F, F, Ok_], 3, 2), vec![U, U, X, X]);
        assert_eq!(run(&[F], 1, 1), vec![X]);
    }

    #[test]
    fn degraded_follows_the_latest_passing_probe() {
        assert_eq!(run(&[Ok_, Dg, Dg, Ok_], 3, 2), vec![P, D, D, P]);
        // Coming back from DOWN needs `up_after` passes, degraded ones included.
        assert_eq!(run(&[F, F, F, Dg, Dg], 3, 2), vec![U, U, X, X, D]);
    }

    #[test]
    fn history_keeps_the_last_sixty_and_since_marks_the_change() {
        let mut s = Signal::default();
        for i in 0..100 {
            s.record(sample(i, Verdict::Pass), 3, 2);
        }
        assert_eq!(s.history.len(), HISTORY);
        assert_eq!(s.history.front().unwrap().at, sample(40, Verdict::Pass).at);
        assert_eq!(s.since, Some(sample(0, Verdict::Pass).at));
    }

    #[test]
    fn an_identical_answer_is_not_a_visible_change() {
        let mut s = Signal::default();
        assert!(s.record(sample(0, Verdict::Pass), 3, 2));
        assert!(!s.record(sample(1, Verdict::Pass), 3, 2));
        assert!(s.record(sample(2, Verdict::Fail), 3, 2));
    }
}
