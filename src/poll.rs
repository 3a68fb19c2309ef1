//! Pollers: one tokio task per health check, all sharing one HTTP client (connection reuse).
//!
//! Results travel to the app loop over a channel as [`Probe`]s; [`HealthBoard`] keeps the latest
//! per check for the health panel. Nothing here draws.

pub mod http;

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::plan::Check;

/// A check's health as shown on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// No answer yet.
    Unknown,
    /// Answered with the expected status.
    Up,
    /// Failed: no answer, timeout, or an unexpected status.
    Down,
}

impl Health {
    /// Symbol and word (status is never shown by colour alone).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Health::Unknown => "? UNKNOWN",
            Health::Up => "● UP",
            Health::Down => "✖ DOWN",
        }
    }
}

/// The outcome of one probe.
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Index of the check in `plan.checks`.
    pub check: usize,
    /// When the probe finished.
    pub at: DateTime<Utc>,
    /// UP or DOWN.
    pub health: Health,
    /// Round-trip time of the request (ms), when it got an answer.
    pub latency_ms: Option<u64>,
    /// Why it failed (already stripped of control characters).
    pub error: Option<String>,
}

/// The latest probe of every check.
#[derive(Debug, Clone, Default)]
pub struct HealthBoard {
    /// Latest probe per check (parallel to `plan.checks`); None until the first answer.
    pub latest: Vec<Option<Probe>>,
}

impl HealthBoard {
    /// A board for `n` checks, all UNKNOWN.
    #[must_use]
    pub fn new(n: usize) -> Self {
        HealthBoard {
            latest: vec![None; n],
        }
    }

    /// Records a probe; returns whether what the health panel shows changed (health, the
    /// latency rounded to 10 ms, or the error), so an unchanged answer costs no redraw.
    pub fn record(&mut self, probe: Probe) -> bool {
        let Some(slot) = self.latest.get_mut(probe.check) else {
            return false;
        };
        let visible = |p: &Probe| (p.health, p.latency_ms.map(|l| l / 10), p.error.clone());
        let changed = slot
            .as_ref()
            .is_none_or(|old| visible(old) != visible(&probe));
        *slot = Some(probe);
        changed
    }

    /// Health of check `i`.
    #[must_use]
    pub fn health(&self, i: usize) -> Health {
        self.latest
            .get(i)
            .and_then(Option::as_ref)
            .map_or(Health::Unknown, |p| p.health)
    }
}

/// The interval a check actually runs at: at least 100 ms, so a typo cannot spin.
#[must_use]
pub fn effective_interval(check: &Check) -> Duration {
    check.interval.max(Duration::from_millis(100))
}
