//! Rollback triggers in the room state: which fired (per the journal, so every viewer agrees),
//! the rollback countdown a fired `action = "rollback"` trigger starts, and metric baselines.
//!
//! The pollers only *notice* a condition; the journal decides. A viewer whose evaluation fires
//! asks to append `trigger_fired`, and [`RoomState::decide`] refuses it when the journal already
//! holds an open episode — checked at the head the append is made against, under the journal
//! lock — so three open viewers still write one event per episode.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::journal::event::{Event, EventKind};
use crate::journal::evidence::format_value;
use crate::plan::{DEFAULT_COUNTDOWN, TriggerAction};

use super::{RoomState, Stamp};

/// One trigger's history in the journal.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TriggerRecord {
    /// The open episode, if the trigger has fired and not cleared.
    pub fired: Option<Fired>,
    /// Episodes so far (fired events).
    pub episodes: u32,
}

/// An open episode of a fired trigger.
#[derive(Debug, Clone, PartialEq)]
pub struct Fired {
    /// Who journaled it and when.
    pub stamp: Stamp,
    /// The value that met the threshold.
    pub value: f64,
    /// The condition as shown.
    pub condition: String,
    /// Since when the condition held.
    pub since: DateTime<Utc>,
    /// Set when an operator cancelled the rollback countdown.
    pub cancelled: Option<Stamp>,
}

/// A rollback about to start by itself unless an operator cancels it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Countdown {
    /// Index of the trigger in `plan.triggers`.
    pub trigger: usize,
    /// When the rollback starts.
    pub ends_at: DateTime<Utc>,
}

/// Baselines captured for `% of baseline` triggers: metric id → (value, when).
pub type Baselines = HashMap<String, (f64, DateTime<Utc>)>;

impl RoomState {
    /// Index of trigger `id`.
    #[must_use]
    pub fn trigger_index(&self, id: &str) -> Option<usize> {
        self.plan.triggers.iter().position(|t| t.id == id)
    }

    /// The rollback countdown in force, if a fired `action = "rollback"` trigger has not been
    /// cancelled and no rollback has started. The earliest one wins.
    #[must_use]
    pub fn rollback_countdown(&self) -> Option<Countdown> {
        if self.rollback.is_some() {
            return None;
        }
        self.triggers
            .iter()
            .enumerate()
            .filter(|(i, _)| self.plan.triggers[*i].action == TriggerAction::Rollback)
            .filter_map(|(i, r)| {
                let f = r.fired.as_ref().filter(|f| f.cancelled.is_none())?;
                let len = self.plan.triggers[i].countdown.unwrap_or(DEFAULT_COUNTDOWN);
                let len = chrono::Duration::from_std(len).unwrap_or(chrono::Duration::MAX);
                Some(Countdown {
                    trigger: i,
                    ends_at: f
                        .stamp
                        .at
                        .checked_add_signed(len)
                        .unwrap_or(DateTime::<Utc>::MAX_UTC),
                })
            })
            .min_by_key(|c| c.ends_at)
    }

    /// Triggers with an open episode, in plan order.
    pub fn fired_triggers(&self) -> impl Iterator<Item = (usize, &Fired)> {
        self.triggers
            .iter()
            .enumerate()
            .filter_map(|(i, r)| r.fired.as_ref().map(|f| (i, f)))
    }

    /// Folds the trigger events in; returns the feed line.
    pub(super) fn apply_trigger_event(&mut self, ev: &Event) -> Option<String> {
        let stamp = |note: Option<&String>| Stamp {
            actor: ev.actor.clone(),
            at: ev.at,
            note: note.cloned(),
        };
        let text = match &ev.kind {
            EventKind::TriggerFired {
                trigger,
                value,
                condition,
                since,
                ..
            } => {
                let title = self.trigger_title(trigger);
                match self.trigger_index(trigger) {
                    Some(i) => {
                        let r = &mut self.triggers[i];
                        r.episodes += 1;
                        r.fired = Some(Fired {
                            stamp: stamp(None),
                            value: *value,
                            condition: condition.clone(),
                            since: *since,
                            cancelled: None,
                        });
                    }
                    None => self.dangling.push((ev.seq, format!("trigger {trigger}"))),
                }
                format!(
                    "⚠ TRIGGER FIRED: {title} ({condition}; value {})",
                    format_value(*value)
                )
            }
            EventKind::TriggerCleared { trigger, value } => {
                match self.trigger_index(trigger) {
                    Some(i) => self.triggers[i].fired = None,
                    None => self.dangling.push((ev.seq, format!("trigger {trigger}"))),
                }
                let v = value
                    .map(|v| format!(" (value {})", format_value(v)))
                    .unwrap_or_default();
                format!("trigger cleared: {}{v}", self.trigger_title(trigger))
            }
            EventKind::CountdownCancelled { trigger, note } => {
                match self.trigger_index(trigger) {
                    Some(i) => {
                        if let Some(f) = self.triggers[i].fired.as_mut() {
                            f.cancelled = Some(stamp(note.as_ref()));
                        }
                    }
                    None => self.dangling.push((ev.seq, format!("trigger {trigger}"))),
                }
                let why = note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                format!(
                    "rollback countdown cancelled for {}{why}",
                    self.trigger_title(trigger)
                )
            }
            EventKind::BaselineCaptured { metric, value } => {
                self.baselines
                    .entry(metric.clone())
                    .or_insert((*value, ev.at));
                format!("baseline of {metric} captured: {}", format_value(*value))
            }
            _ => return None,
        };
        Some(text)
    }

    fn trigger_title(&self, id: &str) -> String {
        self.trigger_index(id).map_or_else(
            || format!("{id} (not in this plan)"),
            |i| self.plan.triggers[i].text.clone(),
        )
    }
}
