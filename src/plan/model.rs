//! The plan model: what a deployment plan says, independent of the file format it came from.
//!
//! A [`Plan`] is built by the Markdown loader (`plan::markdown`) or the TOML loader
//! (`plan::toml`) and never changes while a room is open; everything that happens on the day
//! lives in the journal and is folded into `state::RoomState`.
//!
//! Times are kept as the plan wrote them ([`Schedule`]): absolute instants, offsets from T-0
//! (relative plans such as "T-7 Days"), or only a length ("(5 minutes)"). They are resolved to
//! instants by [`Schedule::resolve`] against the room's T-0, so the same plan can be rehearsed on
//! another day with `--start`.

use std::time::Duration;

pub use super::roles::{Role, Roles};
pub use super::signals::{Check, DEFAULT_COUNTDOWN, DEFAULT_MAX_BODY, Source, TriggerAction};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A deployment plan (runbook): phases with their tasks and gates, rollback triggers,
/// health checks, roles and the zones its team works in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Plan {
    /// The plan's title (first heading of a Markdown plan).
    pub title: String,
    /// T-0: the go-live instant the plan itself names (`**Go-Live Time:**`, `**Launch Date:**`…),
    /// if any. Relative schedules are resolved against it unless `--start` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub t0: Option<DateTime<Utc>>,
    /// IANA zones the team works in besides UTC (e.g. `Africa/Lagos` for WAT), shown as clocks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<chrono_tz::Tz>,
    /// How long after go-live a rollback stays possible ("Rollback Window: 24 hours").
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub rollback_window: Option<Duration>,
    /// Roles that vote at gates, in polling order, with who fills them (see `plan::roles`;
    /// empty: every operator may act).
    #[serde(default, skip_serializing_if = "Roles::is_empty")]
    pub roles: Roles,
    /// The role that leads the room and may record answers on other roles' behalf (default:
    /// the first role).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lead: Option<String>,
    /// Phases in plan order. Every task belongs to exactly one phase.
    #[serde(default, rename = "phase")]
    pub phases: Vec<Phase>,
    /// Go/no-go gates, in plan order.
    #[serde(default, rename = "gate", skip_serializing_if = "Vec::is_empty")]
    pub gates: Vec<Gate>,
    /// Rollback triggers, in plan order.
    #[serde(default, rename = "trigger", skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    /// Health checks polled while the room is open (status lights and history bars).
    #[serde(default, rename = "check", skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Metrics sampled while the room is open (sparklines; rollback triggers read them).
    /// Same fields as a check; a metric must yield a number.
    #[serde(default, rename = "metric", skip_serializing_if = "Vec::is_empty")]
    pub metrics: Vec<Check>,
    /// Where the room posts notifications (`[notify]`: a webhook, the digest interval, the
    /// rate limit and which events post); `None`: the room posts nothing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify: Option<super::notify::NotifyConfig>,
    /// Prose the loader did not turn into anything else, kept per section so nothing is lost.
    #[serde(default, rename = "section", skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
    /// Where the room's journal lives, as written in a TOML plan or wiring file
    /// (`journal = "…"`): a file path, relative to that file's directory, or a PostgreSQL
    /// room's URL (`postgres://user@host:port/db?room=NAME`, `${VAR}` expanded when the room
    /// opens). `--journal` (or `WARROOM_JOURNAL`) wins over it; `None`: the default file beside
    /// the plan. Kept as text: the plan does not judge it, the session opens it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub journal: Option<String>,
}

/// Whether a phase is part of the forward plan or of the rollback procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PhaseKind {
    /// A stage of the deployment, advanced through with `n` / `warroom advance`.
    #[default]
    Forward,
    /// A step of the rollback procedure; active only once a rollback has started.
    Rollback,
}

/// A timed stage of the plan with its checklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Phase {
    /// Stable slug of the phase's section path (survives small edits of the plan).
    #[serde(default)]
    pub id: String,
    /// The heading text, cleaned of markup and of the time window.
    pub title: String,
    /// Forward stage or rollback step.
    #[serde(default, skip_serializing_if = "is_forward")]
    pub kind: PhaseKind,
    /// When the phase is planned to run, as the plan wrote it.
    #[serde(default, skip_serializing_if = "Schedule::is_none")]
    pub schedule: Schedule,
    /// 1-based line of the heading in the source file (0 when not from a file).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: usize,
    /// The phase's checklist in plan order.
    #[serde(default, rename = "task", skip_serializing_if = "Vec::is_empty")]
    pub tasks: Vec<Task>,
}

#[allow(clippy::trivially_copy_pass_by_ref)] // serde's skip_serializing_if passes a reference
fn is_forward(kind: &PhaseKind) -> bool {
    *kind == PhaseKind::Forward
}

#[allow(clippy::trivially_copy_pass_by_ref)]
pub(super) fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// When a phase runs, as the plan wrote it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Schedule {
    /// No time given.
    #[default]
    None,
    /// An absolute window (`(09:00 AM - 10:30 AM UTC)` on the plan's date, `(Nov 4-8, 2025)`).
    At {
        /// Planned start (UTC).
        start: DateTime<Utc>,
        /// Planned end (UTC).
        end: DateTime<Utc>,
    },
    /// A window relative to T-0 (`T-7 Days`, `D-Day`, `T-minus 30 working days`).
    Offset {
        /// Start as seconds from T-0 (negative: before go-live).
        start_s: i64,
        /// End as seconds from T-0.
        end_s: i64,
    },
    /// Working days relative to T-0 (`T-minus 9 working days`): the day that many working days
    /// (Monday to Friday, in UTC) before or after T-0, at T-0's time of day, for
    /// `end_days - start_days` calendar days. Weekends are skipped; public holidays are not
    /// known.
    WorkingDays {
        /// Working days from T-0 to the start (negative: before go-live).
        start_days: i64,
        /// `start_days` plus the window's length in calendar days.
        end_days: i64,
    },
    /// Only a length (`(5 minutes)`, `(Within 2 Hours)`): the phase starts when the previous one
    /// ends.
    Length {
        /// Planned length in seconds.
        length_s: i64,
    },
}

impl Schedule {
    /// True when the plan gave no time.
    #[must_use]
    pub fn is_none(&self) -> bool {
        matches!(self, Schedule::None)
    }

    /// The planned window as UTC instants, given T-0 (`t0`) and, for a length-only schedule,
    /// the instant the previous phase is planned to end (`after`). `None` when no time is known
    /// or the window falls outside the instants chrono can hold (checked, never a panic).
    #[must_use]
    pub fn resolve(
        &self,
        t0: DateTime<Utc>,
        after: Option<DateTime<Utc>>,
    ) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        match *self {
            Schedule::None => None,
            Schedule::At { start, end } => Some((start, end)),
            Schedule::Offset { start_s, end_s } => Some((
                t0.checked_add_signed(chrono::Duration::try_seconds(start_s)?)?,
                t0.checked_add_signed(chrono::Duration::try_seconds(end_s)?)?,
            )),
            Schedule::WorkingDays {
                start_days,
                end_days,
            } => {
                let start = add_working_days(t0, start_days)?;
                let end = start.checked_add_signed(chrono::Duration::try_days(
                    end_days.checked_sub(start_days)?,
                )?)?;
                Some((start, end))
            }
            Schedule::Length { length_s } => {
                let start = after?;
                Some((
                    start,
                    start.checked_add_signed(chrono::Duration::try_seconds(length_s)?)?,
                ))
            }
        }
    }

    /// The planned length in seconds, whatever form the schedule has.
    #[must_use]
    pub fn length_s(&self) -> Option<i64> {
        match *self {
            Schedule::None => None,
            Schedule::At { start, end } => Some((end - start).num_seconds()),
            Schedule::Offset { start_s, end_s } => end_s.checked_sub(start_s),
            Schedule::WorkingDays {
                start_days,
                end_days,
            } => end_days.checked_sub(start_days)?.checked_mul(86_400),
            Schedule::Length { length_s } => Some(length_s),
        }
    }
}

/// `t` moved by `days` working days (Monday to Friday, in UTC; negative: back), keeping its time
/// of day. `None` past chrono's range or beyond 100 years of days.
fn add_working_days(t: DateTime<Utc>, days: i64) -> Option<DateTime<Utc>> {
    use chrono::Datelike;
    if days.abs() > 36_600 {
        return None;
    }
    let step = chrono::Duration::days(days.signum());
    let mut at = t;
    let mut left = days.abs();
    while left > 0 {
        at = at.checked_add_signed(step)?;
        if !matches!(at.weekday(), chrono::Weekday::Sat | chrono::Weekday::Sun) {
            left -= 1;
        }
    }
    Some(at)
}

/// A checklist item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// Stable id: `<phase id>/<slug of the text>`, made unique within the plan.
    #[serde(default)]
    pub id: String,
    /// The item's text, cleaned of Markdown markup.
    pub text: String,
    /// Ticked in the plan file itself (`[x]`); imported as already done.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub done: bool,
    /// Nesting depth below the phase's top-level list (0 = top level).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub depth: usize,
    /// Who does it, as the plan says: the role label a step sits under (`1. Release
    /// Manager:`), a leading role tag (`(QA) …`), or the section's `Owner:` / `Responsible:`
    /// line. Shown beside the task; informative only (anyone with a role may tick it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    /// A shell command an operator may run for this step (`x` in the room, after
    /// confirmation), in the plan's directory; never from a plan others can write.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub run: Option<String>,
    /// The command's deadline (default 10 min).
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub timeout: Option<Duration>,
    /// 1-based source line (0 when not from a file).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: usize,
}

/// A go/no-go checkpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Gate {
    /// Stable id (slug of the gate's title, unique within the plan).
    #[serde(default)]
    pub id: String,
    /// What is being decided ("Go/No-Go Checkpoint 1").
    pub title: String,
    /// Id of the phase the gate closes: the phase cannot be left until the gate is GO.
    pub phase: String,
    /// Roles polled at this gate, in order (empty: any operator's vote decides).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub voters: Vec<String>,
    /// How many GOs decide the gate: every voter (default), a majority, or at least N.
    #[serde(default, skip_serializing_if = "PollRule::is_all")]
    pub rule: PollRule,
    /// A built-in hold: from this long before T-0 the countdown holds until the gate is GO
    /// (TOML `hold_before = "15m"`: the launch-control "hold at T-15 min").
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub hold_before: Option<Duration>,
    /// 1-based source line (0 when not from a file).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: usize,
}

/// How many of a gate's voters must answer GO: TOML `rule = "all"` (default),
/// `rule = "majority"` or `rule = 2` (at least two).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PollRule {
    /// `"all"` or `"majority"`.
    Named(NamedRule),
    /// At least this many GOs (capped at the number of voters).
    AtLeast(u32),
}

impl Default for PollRule {
    fn default() -> Self {
        PollRule::Named(NamedRule::All)
    }
}

/// The named poll rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NamedRule {
    /// Every voter.
    All,
    /// More than half of the voters.
    Majority,
}

impl PollRule {
    /// Whether this is the default (for serde's `skip_serializing_if`).
    #[allow(clippy::trivially_copy_pass_by_ref)]
    #[must_use]
    pub fn is_all(&self) -> bool {
        *self == PollRule::Named(NamedRule::All)
    }

    /// GOs needed among `voters` voters (at least 1).
    #[must_use]
    pub fn needed(self, voters: usize) -> usize {
        let n = voters.max(1);
        match self {
            PollRule::Named(NamedRule::All) => n,
            PollRule::Named(NamedRule::Majority) => n / 2 + 1,
            PollRule::AtLeast(k) => (k as usize).clamp(1, n),
        }
    }

    /// How the rule reads on screen: `all 3`, `majority of 5`, `2 of 3`.
    #[must_use]
    pub fn describe(self, voters: usize) -> String {
        match self {
            PollRule::Named(NamedRule::All) => format!("all {voters}"),
            PollRule::Named(NamedRule::Majority) => format!("majority of {voters}"),
            PollRule::AtLeast(_) => format!("{} of {voters}", self.needed(voters)),
        }
    }
}

/// Comparison operator of a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparator {
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
    /// `==`
    #[serde(rename = "==")]
    Eq,
}

impl Comparator {
    /// The operator as written in conditions (`>`, `>=`, `<`, `<=`, `==`).
    #[must_use]
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Eq => "==",
        }
    }

    /// Whether `value <op> threshold` holds.
    #[must_use]
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparator::Gt => value > threshold,
            Comparator::Ge => value >= threshold,
            Comparator::Lt => value < threshold,
            Comparator::Le => value <= threshold,
            Comparator::Eq => (value - threshold).abs() < f64::EPSILON,
        }
    }
}

/// A threshold parsed from trigger text: `Error rate > 5%` is
/// (measure `error rate`, `>`, 5, `%`, no duration).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Threshold {
    /// What is measured, lower-case words ("error rate", "response time", "unavailable").
    pub measure: String,
    /// How the measure is compared with `value`.
    pub op: Comparator,
    /// The threshold's number, in `unit`.
    pub value: f64,
    /// Unit of `value`: `%`, `% of baseline`, `ms`, `s`, or empty for a plain number.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,
    /// How long the condition must hold before the trigger fires, in seconds
    /// ("unavailable > 15 minutes" holds for 900 s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub for_s: Option<u64>,
    /// How many consecutive samples must meet the condition before the trigger fires
    /// (`… for 3 samples`); `None` with no `for_s`: the first sample fires it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub samples: Option<u32>,
}

impl Threshold {
    /// The threshold of a success criterion missed: the opposite comparison (`error rate < 5%`
    /// met is fine; the trigger is `error rate >= 5%`). `=` stays `=`: its opposite is not one
    /// comparison.
    #[must_use]
    pub fn missed(self) -> Threshold {
        let op = match self.op {
            Comparator::Gt => Comparator::Le,
            Comparator::Ge => Comparator::Lt,
            Comparator::Lt => Comparator::Ge,
            Comparator::Le => Comparator::Gt,
            Comparator::Eq => Comparator::Eq,
        };
        Threshold { op, ..self }
    }
}

/// A rollback trigger: a condition that, when met, calls for a rollback.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    /// Stable id (slug of the text, unique within the plan).
    #[serde(default)]
    pub id: String,
    /// The trigger as the plan wrote it.
    pub text: String,
    /// The parsed threshold, when the text has one; triggers without one are judged by people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Threshold>,
    /// Name (or id) of the metric or check that feeds the threshold, bound in a TOML plan or
    /// wiring file. A check feeds 1 while it is DOWN and 0 otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<String>,
    /// The whole condition in one string, `error_rate > 5% for 2m` or
    /// `p95_latency > 200% of baseline for 3 samples` (see README "Conditions"): sets `metric`
    /// and `threshold` when the plan is loaded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    /// The baseline for `% of baseline` thresholds, in the metric's unit; when left out it is
    /// captured from the metric when the deployment starts and journaled once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline: Option<f64>,
    /// What the room does when the trigger fires: only announce it (default), or count down
    /// to a rollback that any operator can cancel.
    #[serde(default, skip_serializing_if = "TriggerAction::is_announce")]
    pub action: TriggerAction,
    /// Length of the rollback countdown for `action = "rollback"` (default 60 s).
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub countdown: Option<Duration>,
    /// 1-based source line (0 when not from a file).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub line: usize,
}

/// A heading of the plan with the prose under it that became neither task, gate nor trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// Heading text, cleaned of markup.
    pub title: String,
    /// Heading level (1 = `#`).
    pub level: u8,
    /// 1-based line of the heading (0 when the text precedes every heading).
    #[serde(default)]
    pub line: usize,
    /// Paragraphs and plain list items, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub text: Vec<String>,
}

impl Plan {
    /// All tasks in plan order, with the index of their phase.
    pub fn tasks(&self) -> impl Iterator<Item = (usize, &Task)> {
        self.phases
            .iter()
            .enumerate()
            .flat_map(|(i, p)| p.tasks.iter().map(move |t| (i, t)))
    }

    /// Index of the phase with this id.
    #[must_use]
    pub fn phase_index(&self, id: &str) -> Option<usize> {
        self.phases.iter().position(|p| p.id == id)
    }

    /// Number of tasks in the whole plan.
    #[must_use]
    pub fn task_count(&self) -> usize {
        self.phases.iter().map(|p| p.tasks.len()).sum()
    }

    /// The plan rehearsed with its go-live at `t0` (`--start`): when the plan names its own
    /// T-0, every absolute window moves by the same amount as T-0, so dated stages and the
    /// stages timed relative to T-0 (offsets, lengths) stay in step. A window that would leave
    /// chrono's range stays where it was. Without a T-0 of its own, the plan is unchanged but
    /// for its T-0.
    #[must_use]
    pub fn moved_to(mut self, t0: DateTime<Utc>) -> Plan {
        if let Some(own) = self.t0 {
            let by = t0 - own;
            for p in &mut self.phases {
                if let Schedule::At { start, end } = p.schedule
                    && let (Some(s), Some(e)) =
                        (start.checked_add_signed(by), end.checked_add_signed(by))
                {
                    p.schedule = Schedule::At { start: s, end: e };
                }
            }
        }
        self.t0 = Some(t0);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_days_skip_weekends() {
        // Monday 2026-03-02 09:00: 9 working days before is Tuesday 2026-02-17, 30 is Monday
        // 2026-01-19; one working day after Friday 2026-03-06 is Monday 2026-03-09.
        let t0: DateTime<Utc> = "2026-03-02T09:00:00Z".parse().unwrap_or_default();
        let at = |d: i64| {
            Schedule::WorkingDays {
                start_days: d,
                end_days: d + 1,
            }
            .resolve(t0, None)
            .map(|w| w.0.to_rfc3339())
        };
        assert_eq!(at(-9).as_deref(), Some("2026-02-17T09:00:00+00:00"));
        assert_eq!(at(-30).as_deref(), Some("2026-01-19T09:00:00+00:00"));
        assert_eq!(at(0).as_deref(), Some("2026-03-02T09:00:00+00:00"));
        assert_eq!(at(5).as_deref(), Some("2026-03-09T09:00:00+00:00"));
        assert_eq!(at(1_000_000), None);
    }
}
