//! Journal events: one JSON object per line.
//!
//! The wire shape is `{"v":1,"seq":N,"at":"…Z","actor":"user@host","acting_role":…,"type":"…",
//! …payload…,"prev":"<sha256 hex of the previous line>"}`. Unknown fields are tolerated on
//! read so newer writers do not break older viewers; unknown `type`s are an error that names the
//! line (see `journal::file`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::evidence::Evidence;

/// Version of the event format written by this build.
pub const EVENT_VERSION: u32 = 1;

/// One role's answer at a gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Vote {
    /// Ready to proceed.
    Go,
    /// Not ready; blocks the gate.
    NoGo,
    /// Wait: neither GO nor NO-GO yet.
    Hold,
}

impl Vote {
    /// Upper-case word shown on screen (`GO`, `NO-GO`, `HOLD`).
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Vote::Go => "GO",
            Vote::NoGo => "NO-GO",
            Vote::Hold => "HOLD",
        }
    }

    /// Parses `go`, `no-go`/`no_go`/`nogo`, `hold` (any case).
    #[must_use]
    pub fn parse(s: &str) -> Option<Vote> {
        match s.to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "go" => Some(Vote::Go),
            "nogo" => Some(Vote::NoGo),
            "hold" => Some(Vote::Hold),
            _ => None,
        }
    }
}

/// What happened: the `type` tag and its payload.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    /// A room was opened on a plan whose content hash differs from the last one journaled.
    PlanLoaded {
        /// SHA-256 (hex) of the plan file's bytes.
        plan_hash: String,
        /// The plan's title, for the report.
        title: String,
        /// Which plan this room is of: the plan file's name without its extension (`launch`
        /// for `launch.md` and the `launch.toml` imported from it, as the default journal
        /// `launch.journal.jsonl` is named). The first one journaled claims the journal: a
        /// session of another plan refuses it. Absent in journals written before it existed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        plan: Option<String>,
    },
    /// A task was ticked.
    TaskChecked {
        /// Task id.
        task: String,
        /// Optional free text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A tick was taken back.
    TaskUnchecked {
        /// Task id.
        task: String,
        /// Optional free text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// One role's answer at a gate.
    Voted {
        /// Gate id.
        gate: String,
        /// The role voting.
        role: String,
        /// GO, NO-GO or HOLD.
        vote: Vote,
        /// Why (free text).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
        /// What the checks and metrics showed at that moment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// The room moved to another phase (or, with `to: None`, finished the last one).
    Advanced {
        /// Phase left (None when the deployment starts).
        #[serde(default)]
        from: Option<String>,
        /// Phase entered (None when the deployment is done).
        #[serde(default)]
        to: Option<String>,
        /// Set when a gate that was not GO was passed on purpose: the reason given.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        override_reason: Option<String>,
        /// What the checks and metrics showed at that moment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// A hold was called: the countdown stops.
    HoldCalled {
        /// Why.
        reason: String,
        /// What the checks and metrics showed at that moment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// The hold was released.
    HoldReleased {
        /// Optional free text.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A rollback started: the rollback procedure becomes the active checklist.
    RollbackStarted {
        /// Why.
        reason: String,
        /// What the checks and metrics showed at that moment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// A rollback trigger's condition was met (one event per episode, whoever saw it first).
    TriggerFired {
        /// Trigger id.
        trigger: String,
        /// The value that met the threshold, in the metric's unit.
        value: f64,
        /// The condition as shown (`error_rate > 5% for 2m`).
        condition: String,
        /// Since when the condition has held (start of the `for` window).
        since: DateTime<Utc>,
        /// What the checks and metrics showed at that moment.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        evidence: Option<Evidence>,
    },
    /// A fired trigger's condition stopped holding.
    TriggerCleared {
        /// Trigger id.
        trigger: String,
        /// The value that no longer met the threshold.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
    },
    /// The rollback countdown of a fired trigger was cancelled: people decide instead.
    CountdownCancelled {
        /// Trigger id.
        trigger: String,
        /// Why (free text).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        note: Option<String>,
    },
    /// A step's command was run from the room; its outcome and the last lines of its output
    /// (raw: the screen sanitises, the journal keeps what was printed).
    CommandRan {
        /// Task id.
        task: String,
        /// The command line as the plan wrote it.
        command: String,
        /// Exit code, if it exited.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        exit: Option<i32>,
        /// `exit 0 in 3.2 s`, `killed: timeout after 60 s`, `cancelled after 4.1 s`.
        outcome: String,
        /// Whether it succeeded (exit 0, not timed out or cancelled).
        success: bool,
        /// How long it ran (ms).
        duration_ms: u64,
        /// The last lines of its output (at most 20).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        last_lines: Vec<String>,
    },
    /// The baseline of a metric for `% of baseline` triggers, captured once when the
    /// deployment started.
    BaselineCaptured {
        /// Metric id.
        metric: String,
        /// The value, in the metric's unit.
        value: f64,
    },
    /// A free-text note in the feed.
    Note {
        /// The note.
        text: String,
    },
    /// An operator set T-0 from the room, for a plan that names no date of its own opened
    /// without `--start`: every viewer and the report count relative schedules from it.
    /// Journals written before it existed simply have none.
    T0Set {
        /// The go-live instant (UTC).
        t0: DateTime<Utc>,
    },
}

impl EventKind {
    /// Stores `evidence` in the event if its kind carries evidence (votes, advances, holds,
    /// rollbacks, fired triggers); other kinds are left as they are.
    pub fn attach_evidence(&mut self, snapshot: Evidence) {
        match self {
            EventKind::Voted { evidence, .. }
            | EventKind::Advanced { evidence, .. }
            | EventKind::HoldCalled { evidence, .. }
            | EventKind::RollbackStarted { evidence, .. }
            | EventKind::TriggerFired { evidence, .. } => *evidence = Some(snapshot),
            _ => {}
        }
    }

    /// The evidence the event carries, if any.
    #[must_use]
    pub fn evidence(&self) -> Option<&Evidence> {
        match self {
            EventKind::Voted { evidence, .. }
            | EventKind::Advanced { evidence, .. }
            | EventKind::HoldCalled { evidence, .. }
            | EventKind::RollbackStarted { evidence, .. }
            | EventKind::TriggerFired { evidence, .. } => evidence.as_ref(),
            _ => None,
        }
    }
}

/// One journal line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Format version ([`EVENT_VERSION`]).
    pub v: u32,
    /// Position in the journal, 1-based and continuous.
    pub seq: u64,
    /// When the event was appended (UTC, millisecond precision).
    pub at: DateTime<Utc>,
    /// Who: `user@host`, from the operating system, never from a flag or variable.
    pub actor: String,
    /// The role the actor acted in, if any (JSON `acting_role`, so it never collides with a
    /// payload's own `role`, such as the role a vote is cast for).
    #[serde(
        default,
        rename = "acting_role",
        skip_serializing_if = "Option::is_none"
    )]
    pub role: Option<String>,
    /// What happened.
    #[serde(flatten)]
    pub kind: EventKind,
    /// SHA-256 (lower-case hex) of the previous line's bytes without its newline; 64 zeros for
    /// the first line.
    pub prev: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips_through_one_json_line() {
        let at = DateTime::parse_from_rfc3339("2025-12-13T09:00:00.123Z")
            .unwrap()
            .with_timezone(&Utc);
        let kinds = [
            EventKind::PlanLoaded {
                plan_hash: "ab".into(),
                title: "t".into(),
                plan: Some("launch".into()),
            },
            EventKind::TaskChecked {
                task: "p/t".into(),
                note: Some("n".into()),
            },
            EventKind::TaskUnchecked {
                task: "p/t".into(),
                note: None,
            },
            EventKind::Voted {
                gate: "g".into(),
                role: "SRE".into(),
                vote: Vote::NoGo,
                note: Some("red".into()),
                evidence: Some(Evidence::default()),
            },
            EventKind::Advanced {
                from: None,
                to: Some("p".into()),
                override_reason: Some("r".into()),
                evidence: None,
            },
            EventKind::HoldCalled {
                reason: "dns".into(),
                evidence: None,
            },
            EventKind::HoldReleased { note: None },
            EventKind::RollbackStarted {
                reason: "errors".into(),
                evidence: None,
            },
            EventKind::TriggerFired {
                trigger: "t".into(),
                value: 7.5,
                condition: "error_rate > 5%".into(),
                since: at,
                evidence: None,
            },
            EventKind::TriggerCleared {
                trigger: "t".into(),
                value: Some(1.0),
            },
            EventKind::CountdownCancelled {
                trigger: "t".into(),
                note: None,
            },
            EventKind::BaselineCaptured {
                metric: "p95".into(),
                value: 120.0,
            },
            EventKind::Note {
                text: "hi\nthere".into(),
            },
        ];
        for kind in kinds {
            // A vote cast by a lead acting as another role: both roles must survive.
            let ev = Event {
                v: EVENT_VERSION,
                seq: 7,
                at,
                actor: "a@h".into(),
                role: Some("Lead".into()),
                kind,
                prev: "0".repeat(64),
            };
            let line = serde_json::to_string(&ev).unwrap();
            assert!(!line.contains('\n'), "one event, one line: {line}");
            let back: Event = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
            assert_eq!(back, ev);
        }
    }
}
