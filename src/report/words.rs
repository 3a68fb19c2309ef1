//! Figures in words, shared by the Markdown and HTML renderings: times (UTC), lengths, slips,
//! evidence lines.

use chrono::{DateTime, Utc};

use super::model::{ForecastReport, GateReport, RollbackReport};
use crate::journal::evidence::{Evidence, format_value};

/// `2025-12-01 09:05` (UTC; the report says so once, at the top).
#[must_use]
pub fn time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// `—` for a missing time, else [`time`].
#[must_use]
pub fn maybe_time(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(|| "—".to_string(), time)
}

/// A length in seconds as `45 s`, `12 min`, `2 h 05 min` or `3 d 4 h`.
#[must_use]
pub fn length(s: i64) -> String {
    let s = s.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", (s + 30) / 60),
        3600..86_400 => format!("{} h {:02} min", s / 3600, s / 60 % 60),
        _ => format!("{} d {} h", s / 86_400, s / 3600 % 24),
    }
}

/// `—` for a missing length, else [`length`].
#[must_use]
pub fn maybe_length(s: Option<i64>) -> String {
    s.map_or_else(|| "—".to_string(), length)
}

/// A slip in minutes as `on time`, `+5 min late` or `3 min early`.
#[must_use]
pub fn slip(min: Option<i64>) -> String {
    match min {
        None => "—".to_string(),
        Some(0) => "on time".to_string(),
        Some(m) if m > 0 => format!("+{m} min late{}", long(m)),
        Some(m) => format!("{} min early{}", -m, long(-m)),
    }
}

/// A long slip also in hours or days, so `+1440 min` reads at a glance.
fn long(min: i64) -> String {
    if min >= 120 {
        format!(" ({})", length(min * 60))
    } else {
        String::new()
    }
}

/// The evidence in one line (`3/4 checks up (db down); error_rate 7.2%`), or `—`.
#[must_use]
pub fn evidence(e: Option<&Evidence>) -> String {
    e.map(Evidence::summary)
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "—".to_string())
}

/// Every check and metric of a snapshot, one `(name, state or value, detail)` row each.
#[must_use]
pub fn evidence_rows(e: &Evidence) -> Vec<(String, String, String)> {
    let checks = e.checks.iter().map(|c| {
        let mut detail = Vec::new();
        if let Some(ms) = c.latency_ms {
            detail.push(format!("{} ms", format_value(ms)));
        }
        if let Some(v) = c.value {
            detail.push(format!("value {}", format_value(v)));
        }
        if let Some(err) = &c.error {
            detail.push(err.clone());
        }
        (c.id.clone(), c.health.to_uppercase(), detail.join("; "))
    });
    let metrics = e.metrics.iter().map(|m| {
        let value = m.value.map_or_else(
            || "n/a".to_string(),
            |v| format!("{}{}", format_value(v), m.unit),
        );
        (m.id.clone(), value, "metric".to_string())
    });
    checks.chain(metrics).collect()
}

/// A gate outcome key (`no_go`) as shown (`NO-GO`).
#[must_use]
pub fn outcome(key: &str) -> String {
    key.replace('_', "-").to_uppercase()
}

/// Who is polled and under which rule: `SRE, QA (all 2)`, or `the first answer decides`.
#[must_use]
pub fn poll(g: &GateReport) -> String {
    if g.voters.is_empty() {
        g.rule.clone()
    } else {
        format!("{} ({})", g.voters.join(", "), g.rule)
    }
}

/// The rollback's length against its budget in one sentence (no full stop), and the verdict:
/// `Some(true)` over budget, `Some(false)` within, `None` when there is nothing to judge (no
/// budget, or no steps to mark the end).
#[must_use]
pub fn rollback_took(rb: &RollbackReport) -> (String, Option<bool>) {
    let Some(elapsed) = rb.elapsed_s else {
        return (
            "The plan has no rollback steps, so nothing marks when the rollback ended: its \
             length is not known"
                .to_string(),
            None,
        );
    };
    let state = if rb.complete { "done" } else { "still running" };
    match rb.budget_s {
        Some(b) => (
            format!(
                "Took {} ({state}) against a budget of {}",
                length(elapsed),
                length(b)
            ),
            Some(rb.over_budget),
        ),
        None => (
            format!(
                "Took {} ({state}); the plan gives no budget",
                length(elapsed)
            ),
            None,
        ),
    }
}

/// `past the rollback window` (the graver) or `past the deployment window`, if either.
#[must_use]
pub fn window_flag(f: &ForecastReport) -> Option<&'static str> {
    if f.past_rollback_window {
        Some("past the rollback window")
    } else if f.past_deployment_window {
        Some("past the deployment window")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_and_slips_read_as_people_say_them() {
        assert_eq!(length(42), "42 s");
        assert_eq!(length(12 * 60 + 29), "12 min");
        assert_eq!(length(2 * 3600 + 5 * 60), "2 h 05 min");
        assert_eq!(length(3 * 86_400 + 4 * 3600), "3 d 4 h");
        assert_eq!(slip(Some(0)), "on time");
        assert_eq!(slip(Some(7)), "+7 min late");
        assert_eq!(slip(Some(-3)), "3 min early");
        assert_eq!(slip(None), "—");
        assert_eq!(slip(Some(1500)), "+1500 min late (1 d 1 h)");
        assert_eq!(outcome("no_go"), "NO-GO");
    }
}
