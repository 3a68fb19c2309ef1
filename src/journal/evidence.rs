//! Evidence: what the room's pollers saw at the moment a decision was journaled.
//!
//! Votes, holds, advances, rollbacks and fired triggers carry a snapshot of every check's state
//! and every metric's latest value, so the report can show what people knew when they decided.
//! Values only: header values and bodies never get here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The checks' states and the metrics' values at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
pub struct Evidence {
    /// When the snapshot was taken (UTC).
    pub at: DateTime<Utc>,
    /// One entry per check, in plan order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckSnapshot>,
    /// One entry per metric, in plan order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<MetricSnapshot>,
}

/// A check's state in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckSnapshot {
    /// Check id.
    pub id: String,
    /// `up`, `degraded`, `down` or `unknown`.
    pub health: String,
    /// Duration of the last probe (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub latency_ms: Option<f64>,
    /// The last probe's value, for checks that yield one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    /// Why the last probe failed or degraded (`timeout: no answer within 10s`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A metric's value in a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSnapshot {
    /// Metric id.
    pub id: String,
    /// The latest value (None: no sample yet, or the last sample failed).
    pub value: Option<f64>,
    /// The metric's unit (`%`, `ms`, …).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
}

impl Evidence {
    /// One line for the feed and the report: `3/4 checks up; error_rate 7.2%, p95 410ms`.
    #[must_use]
    pub fn summary(&self) -> String {
        let up = self.checks.iter().filter(|c| c.health == "up").count();
        let mut parts = Vec::new();
        if !self.checks.is_empty() {
            let bad: Vec<String> = self
                .checks
                .iter()
                .filter(|c| c.health != "up")
                .map(|c| format!("{} {}", c.id, c.health))
                .collect();
            let mut s = format!("{up}/{} checks up", self.checks.len());
            if !bad.is_empty() {
                s = format!("{s} ({})", bad.join(", "));
            }
            parts.push(s);
        }
        let values: Vec<String> = self
            .metrics
            .iter()
            .map(|m| match m.value {
                Some(v) => format!("{} {}{}", m.id, format_value(v), m.unit),
                None => format!("{} n/a", m.id),
            })
            .collect();
        if !values.is_empty() {
            parts.push(values.join(", "));
        }
        parts.join("; ")
    }
}

/// A value with as many decimals as it needs to be read at a glance (`7.25`, `410`, `0.031`).
#[must_use]
pub fn format_value(v: f64) -> String {
    if !v.is_finite() {
        return v.to_string();
    }
    let a = v.abs();
    if a >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else if a >= 10.0 {
        format!("{v:.1}")
    } else if a >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_names_what_is_not_up_and_every_metric() {
        let e = Evidence {
            at: Utc::now(),
            checks: vec![
                CheckSnapshot {
                    id: "api".into(),
                    health: "up".into(),
                    latency_ms: Some(12.0),
                    value: None,
                    error: None,
                },
                CheckSnapshot {
                    id: "db".into(),
                    health: "down".into(),
                    latency_ms: None,
                    value: None,
                    error: Some("connect: refused".into()),
                },
            ],
            metrics: vec![
                MetricSnapshot {
                    id: "error_rate".into(),
                    value: Some(7.25),
                    unit: "%".into(),
                },
                MetricSnapshot {
                    id: "p95".into(),
                    value: None,
                    unit: "ms".into(),
                },
            ],
        };
        assert_eq!(
            e.summary(),
            "1/2 checks up (db down); error_rate 7.25%, p95 n/a"
        );
        assert_eq!(format_value(410.4), "410");
        assert_eq!(format_value(0.0312), "0.031");
    }
}
