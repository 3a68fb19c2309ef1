//! Rollback trigger evaluation, as Prometheus alerting rules do it: a condition is checked on
//! every new sample of its metric; it becomes *pending* when first met and *fires* once it has
//! held for the `for` duration (or for N consecutive samples); it clears on the first sample
//! that does not meet it. Pure: the clock is the samples' timestamps, so tests inject time.
//!
//! A sample with no value (the metric could not be read) changes nothing: a fired trigger stays
//! fired until a real value clears it, since losing the metric during a bad deploy is no reason
//! to stand down.

use chrono::{DateTime, Utc};

use crate::plan::{Threshold, Trigger};

/// What a new sample did to a trigger.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Transition {
    /// Nothing to journal.
    None,
    /// The condition has now held long enough: journal `trigger_fired`.
    Fire {
        /// The value that met it.
        value: f64,
        /// Since when it held.
        since: DateTime<Utc>,
    },
    /// A fired condition stopped holding: journal `trigger_cleared`.
    Clear {
        /// The value that did not meet it.
        value: f64,
    },
}

/// One trigger's evaluation state in one viewer.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Watch {
    /// When the condition was first met in the current run of met samples.
    pub pending_since: Option<DateTime<Utc>>,
    /// Consecutive samples meeting the condition.
    pub count: u32,
    /// Whether this viewer's evaluation has fired (and not cleared).
    pub firing: bool,
    /// The latest value seen.
    pub last_value: Option<f64>,
}

/// Why a threshold cannot be judged yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unjudged {
    /// A `% of baseline` threshold without a baseline yet.
    NoBaseline,
}

/// The threshold as an absolute number in the metric's unit: converts `ms`/`s` between the
/// threshold and the metric, and `% of baseline` to `baseline × value / 100`.
///
/// Errors: [`Unjudged::NoBaseline`] for a baseline-relative threshold without a baseline.
pub fn absolute(t: &Threshold, metric_unit: &str, baseline: Option<f64>) -> Result<f64, Unjudged> {
    let unit = t.unit.trim();
    if unit == "% of baseline" {
        return baseline
            .map(|b| b * t.value / 100.0)
            .ok_or(Unjudged::NoBaseline);
    }
    let scale = match (unit, metric_unit.trim()) {
        ("s", "ms") => 1000.0,
        ("ms", "s") => 0.001,
        ("m" | "min", "s") => 60.0,
        ("m" | "min", "ms") => 60_000.0,
        _ => 1.0,
    };
    Ok(t.value * scale)
}

impl Watch {
    /// Feeds one sample (`value` None: the metric could not be read) taken at `at`.
    pub fn observe(
        &mut self,
        t: &Threshold,
        limit: Result<f64, Unjudged>,
        value: Option<f64>,
        at: DateTime<Utc>,
    ) -> Transition {
        let (Some(v), Ok(limit)) = (value, limit) else {
            return Transition::None;
        };
        self.last_value = Some(v);
        if !t.op.holds(v, limit) {
            self.pending_since = None;
            self.count = 0;
            if self.firing {
                self.firing = false;
                return Transition::Clear { value: v };
            }
            return Transition::None;
        }
        let since = *self.pending_since.get_or_insert(at);
        self.count = self.count.saturating_add(1);
        let held_for = (at - since).num_milliseconds().max(0) as u64;
        let long_enough = t.for_s.is_none_or(|s| held_for >= s.saturating_mul(1000));
        let enough_samples = t.samples.is_none_or(|n| self.count >= n);
        if !self.firing && long_enough && enough_samples {
            self.firing = true;
            return Transition::Fire { value: v, since };
        }
        Transition::None
    }
}

/// The trigger's condition as one line: `error_rate > 5% for 2m`, or the plan's text when it
/// has no threshold.
#[must_use]
pub fn describe(trigger: &Trigger) -> String {
    let Some(t) = &trigger.threshold else {
        return trigger.text.clone();
    };
    let name = trigger.metric.as_deref().unwrap_or(&t.measure);
    // "System unavailable > 15 minutes" reads best as the state that lasts.
    let lasting =
        t.op == crate::plan::Comparator::Gt && t.value.abs() < f64::EPSILON && t.unit.is_empty();
    if lasting
        && let Some(f) = t.for_s
        && name != t.measure
    {
        return format!(
            "{name} {} for {}",
            t.measure,
            humantime::format_duration(std::time::Duration::from_secs(f))
        );
    }
    let unit = match t.unit.as_str() {
        "" => String::new(),
        "%" => "%".into(),
        u => format!(" {u}").replace(" % of", "% of"),
    };
    let mut s = format!(
        "{name} {} {}{unit}",
        t.op.symbol(),
        crate::journal::evidence::format_value(t.value)
    );
    if let Some(f) = t.for_s {
        s = format!(
            "{s} for {}",
            humantime::format_duration(std::time::Duration::from_secs(f))
        );
    }
    if let Some(n) = t.samples {
        s = format!("{s} for {n} samples");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::Comparator;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + s, 0).unwrap()
    }

    fn threshold(value: f64, unit: &str, for_s: Option<u64>, samples: Option<u32>) -> Threshold {
        Threshold {
            measure: "error_rate".into(),
            op: Comparator::Gt,
            value,
            unit: unit.into(),
            for_s,
            samples,
        }
    }

    #[test]
    fn fires_only_after_holding_for_the_duration_and_clears_at_once() {
        let t = threshold(5.0, "%", Some(120), None);
        let mut w = Watch::default();
        let lim = absolute(&t, "%", None);
        assert_eq!(
            w.observe(&t, lim.clone(), Some(7.0), at(0)),
            Transition::None
        );
        assert_eq!(
            w.observe(&t, lim.clone(), Some(8.0), at(60)),
            Transition::None
        );
        // A dip resets the window.
        assert_eq!(
            w.observe(&t, lim.clone(), Some(4.0), at(90)),
            Transition::None
        );
        assert_eq!(
            w.observe(&t, lim.clone(), Some(9.0), at(100)),
            Transition::None
        );
        assert_eq!(
            w.observe(&t, lim.clone(), Some(9.0), at(219)),
            Transition::None
        );
        assert_eq!(
            w.observe(&t, lim.clone(), Some(9.5), at(220)),
            Transition::Fire {
                value: 9.5,
                since: at(100)
            }
        );
        // Fired once per episode.
        assert_eq!(
            w.observe(&t, lim.clone(), Some(12.0), at(230)),
            Transition::None
        );
        // No data keeps the episode open.
        assert_eq!(w.observe(&t, lim.clone(), None, at(240)), Transition::None);
        assert!(w.firing);
        assert_eq!(
            w.observe(&t, lim, Some(1.0), at(250)),
            Transition::Clear { value: 1.0 }
        );
    }

    #[test]
    fn consecutive_sample_count() {
        let t = threshold(5.0, "%", None, Some(3));
        let mut w = Watch::default();
        let lim = absolute(&t, "%", None);
        let got: Vec<bool> = [6.0, 6.0, 2.0, 6.0, 6.0, 6.0]
            .iter()
            .enumerate()
            .map(|(i, v)| {
                matches!(
                    w.observe(&t, lim.clone(), Some(*v), at(i as i64)),
                    Transition::Fire { .. }
                )
            })
            .collect();
        assert_eq!(got, vec![false, false, false, false, false, true]);
    }

    #[test]
    fn baseline_relative_thresholds_wait_for_a_baseline() {
        let t = threshold(200.0, "% of baseline", None, None);
        assert_eq!(absolute(&t, "ms", None), Err(Unjudged::NoBaseline));
        assert_eq!(absolute(&t, "ms", Some(120.0)), Ok(240.0));
        let mut w = Watch::default();
        assert_eq!(
            w.observe(&t, absolute(&t, "ms", None), Some(900.0), at(0)),
            Transition::None
        );
        assert!(matches!(
            w.observe(&t, absolute(&t, "ms", Some(120.0)), Some(241.0), at(1)),
            Transition::Fire { .. }
        ));
    }

    #[test]
    fn time_units_convert_between_threshold_and_metric() {
        let t = threshold(2.0, "s", None, None);
        assert_eq!(absolute(&t, "ms", None), Ok(2000.0));
        let t = threshold(500.0, "ms", None, None);
        assert_eq!(absolute(&t, "s", None), Ok(0.5));
    }

    #[test]
    fn describe_reads_like_the_plan() {
        let mut tr = Trigger {
            id: "e".into(),
            text: "Error rate > 5%".into(),
            threshold: Some(threshold(5.0, "%", Some(120), None)),
            metric: Some("error_rate".into()),
            when: None,
            baseline: None,
            action: crate::plan::TriggerAction::Announce,
            countdown: None,
            line: 0,
        };
        assert_eq!(describe(&tr), "error_rate > 5% for 2m");
        tr.threshold = Some(threshold(200.0, "% of baseline", None, Some(3)));
        assert_eq!(describe(&tr), "error_rate > 200% of baseline for 3 samples");
        let mut lasting = threshold(0.0, "", Some(900), None);
        lasting.measure = "unavailable".into();
        tr.threshold = Some(lasting);
        tr.metric = Some("talent engine".into());
        assert_eq!(describe(&tr), "talent engine unavailable for 15m");
    }
}
