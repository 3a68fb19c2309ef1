//! The room's side of live signals: readings from the pollers go onto the board, feed the
//! trigger watches, and — for an operator's room — become journal events: a fired or cleared
//! trigger, a baseline captured when the deployment starts, and the automatic rollback when a
//! countdown runs out. The journal decides (see `state::triggers`), so however many rooms are
//! open, each episode is written once.

use chrono::{DateTime, Utc};

use super::writes::{Say, Then};
use super::{App, Effect};
use crate::plan::condition::Condition;
use crate::plan::wiring::find_signal;
use crate::plan::{Comparator, Plan, Trigger};
use crate::poll::Target;
use crate::poll::board::{Board, Health};
use crate::poll::runner::Reading;
use crate::poll::trigger::{self, Transition, Watch};
use crate::state::Command;

/// Which check or metric feeds each trigger (parallel to `plan.triggers`; None: judged by
/// people, or bound to a name the plan does not have).
#[must_use]
pub fn bindings(plan: &Plan) -> Vec<Option<Target>> {
    plan.triggers
        .iter()
        .map(|t| {
            let name = t.metric.as_deref()?;
            t.threshold.as_ref()?;
            find_signal(plan, name).map(|(metric, i)| {
                if metric {
                    Target::Metric(i)
                } else {
                    Target::Check(i)
                }
            })
        })
        .collect()
}

/// Each metric's threshold line (parallel to `plan.metrics`): its first `degraded` condition
/// on `value`, parsed once per plan rather than on every frame.
#[must_use]
pub fn threshold_lines(plan: &Plan) -> Vec<Option<(Comparator, f64)>> {
    plan.metrics
        .iter()
        .map(|m| {
            m.degraded
                .iter()
                .filter_map(|d| Condition::parse(d).ok())
                .find_map(|c| c.value_threshold())
        })
        .collect()
}

/// The number a trigger reads from `target`: a metric's value; for a check, 1 while it is
/// DOWN and 0 otherwise (so `unavailable > 0 for 15m` reads "down for 15 minutes").
#[must_use]
pub fn trigger_value(board: &Board, target: Target) -> Option<f64> {
    match target {
        Target::Metric(i) => board.metrics.get(i)?.value(),
        Target::Check(i) => {
            let s = board.checks.get(i)?;
            match s.health {
                Health::Unknown => None,
                Health::Down => Some(1.0),
                Health::Up | Health::Degraded => Some(0.0),
            }
        }
    }
}

impl App {
    /// Records a reading, evaluates the triggers it feeds and journals what they say.
    /// Returns whether the screen must be redrawn.
    pub(super) fn on_reading(&mut self, reading: Reading, now: DateTime<Utc>) -> bool {
        let plan = &self.session.state.plan;
        let spec = match reading.target {
            Target::Check(i) => plan.checks.get(i),
            Target::Metric(i) => plan.metrics.get(i),
        };
        let Some(spec) = spec else { return false };
        let at = reading.sample.at;
        let mut dirty = self.board.record(reading.target, spec, reading.sample);
        self.capture_baselines(reading.target, now);
        for i in 0..self.bindings.len() {
            if self.bindings[i] == Some(reading.target) {
                dirty |= self.evaluate(i, at, now);
            }
        }
        dirty
    }

    /// Feeds trigger `i` the current value of its signal.
    fn evaluate(&mut self, i: usize, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let Some(target) = self.bindings[i] else {
            return false;
        };
        let state = &self.session.state;
        let t: &Trigger = &state.plan.triggers[i];
        let Some(threshold) = &t.threshold else {
            return false;
        };
        let unit = match target {
            Target::Metric(m) => state.plan.metrics[m].unit.as_str(),
            Target::Check(_) => "",
        };
        let baseline = t.baseline.or_else(|| {
            let id = signal_id(&state.plan, target)?;
            state.baselines.get(id).map(|(v, _)| *v)
        });
        let limit = trigger::absolute(threshold, unit, baseline);
        let value = trigger_value(&self.board, target);
        let before = self.watches[i].clone();
        let transition = self.watches[i].observe(threshold, limit, value, at);
        let cmd = match transition {
            Transition::None => return self.watches[i] != before,
            Transition::Fire { value, since } => Command::FireTrigger {
                trigger: t.id.clone(),
                value,
                condition: trigger::describe(t),
                since,
            },
            Transition::Clear { value } => Command::ClearTrigger {
                trigger: t.id.clone(),
                value: Some(value),
            },
        };
        if !self.session.follower {
            let evidence = self.board.evidence(&self.session.state.plan, now);
            // A refusal means another room journaled this episode first: nothing to say.
            self.write(cmd, Some(evidence), now, Say::Quiet, Then::Nothing);
        }
        true
    }

    /// Journals the baseline of a metric that a `% of baseline` trigger needs and the plan
    /// does not give, at the first reading once the deployment has started.
    fn capture_baselines(&mut self, target: Target, now: DateTime<Utc>) {
        let state = &self.session.state;
        if self.session.follower || state.current.is_none() {
            return;
        }
        let Target::Metric(m) = target else { return };
        let needs = state
            .plan
            .triggers
            .iter()
            .zip(&self.bindings)
            .any(|(t, b)| {
                *b == Some(target)
                    && t.baseline.is_none()
                    && t.threshold
                        .as_ref()
                        .is_some_and(|th| th.unit == "% of baseline")
            });
        let id = state.plan.metrics[m].id.clone();
        if !needs || state.baselines.contains_key(&id) {
            return;
        }
        let Some(value) = self
            .board
            .metrics
            .get(m)
            .and_then(crate::poll::Signal::value)
        else {
            return;
        };
        let cmd = Command::CaptureBaseline { metric: id, value };
        self.write(cmd, None, now, Say::Quiet, Then::Nothing);
    }

    /// Once a second: starts the rollback when a trigger's countdown has run out (operators
    /// only; the first room to get there writes it, the others are refused and stay quiet).
    pub(super) fn on_tick(&mut self, now: DateTime<Utc>) {
        let state = &self.session.state;
        let Some(c) = state.rollback_countdown() else {
            return;
        };
        if now < c.ends_at || self.session.follower {
            return;
        }
        let t = &state.plan.triggers[c.trigger];
        let fired = state.triggers[c.trigger].fired.as_ref();
        let reason = format!(
            "automatic: trigger \"{}\" fired ({}, value {}) and its countdown ran out",
            t.text,
            trigger::describe(t),
            fired.map_or_else(
                || "n/a".into(),
                |f| crate::journal::evidence::format_value(f.value)
            ),
        );
        let evidence = self.board.evidence(&state.plan, now);
        let say = Say::Alarm("ROLLBACK started by the countdown".into());
        self.write(
            Command::Rollback { reason },
            Some(evidence),
            now,
            say,
            Then::Focus,
        );
    }

    /// Puts a freshly loaded plan's signals in place: trigger bindings and watches are rebuilt
    /// (watches of triggers that kept their id and condition carry over).
    fn rebind(&mut self, old: &Plan) {
        let plan = &self.session.state.plan;
        self.board = self.board.carried_over(old, plan);
        let watches = plan
            .triggers
            .iter()
            .map(|t| {
                old.triggers
                    .iter()
                    .position(|o| o == t)
                    .and_then(|i| self.watches.get(i).cloned())
                    .unwrap_or_default()
            })
            .collect();
        self.watches = watches;
        self.bindings = bindings(plan);
        self.threshold_lines = threshold_lines(plan);
    }
}

impl App {
    /// Reloads the plan after an edit on disk: a redraw when something visible changed, and
    /// the pollers and the notifier restarted when the checks, metrics or `[notify]` changed.
    /// An invalid edit keeps the last good plan and shows why.
    pub(super) fn reload_plan(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if let Some(restart) = self.reloaded(now) {
            after_plan_change(restart, fx);
        }
    }

    /// Follows the room to a newer plan version when another viewer's plan change was
    /// journaled (a database room), with the effects of [`App::reload_plan`].
    pub(super) fn follow_room_plan(&mut self, now: DateTime<Utc>, fx: &mut Vec<Effect>) {
        if let Some(restart) = self.followed(now) {
            after_plan_change(restart, fx);
        }
    }

    /// None when nothing visible changed, Some(true) when the checks or metrics changed (the
    /// pollers must restart), Some(false) otherwise.
    fn reloaded(&mut self, now: DateTime<Utc>) -> Option<bool> {
        let file = match crate::plan::load(&self.session.plan_path) {
            Ok(f) => f,
            Err(e) => {
                let msg = format!("plan edit not loaded, still on the last good plan: {e}");
                let changed = self.reload_error.as_deref() != Some(msg.as_str());
                if changed {
                    // The footer carries it in every layout; the health panel keeps it.
                    self.flash(&msg, true);
                }
                self.reload_error = Some(msg);
                return changed.then_some(false);
            }
        };
        let had_error = self.reload_error.take().is_some();
        if file.hash == self.session.plan_hash {
            return had_error.then_some(false);
        }
        let old = self.session.state.plan.clone();
        // The new plan is in place even if journaling its hash failed: the board, the
        // bindings and the pollers must follow it either way.
        let recorded = self.session.reload(file, now);
        Some(self.adopt(&old, recorded, "plan reloaded from disk"))
    }

    /// As [`App::reloaded`], for the room's newer plan version.
    fn followed(&mut self, now: DateTime<Utc>) -> Option<bool> {
        let (file, stored_at) = match self.session.room_plan_moved() {
            Ok(Some(x)) => x,
            Ok(None) => return None,
            Err(e) => {
                self.flash(&format!("the room's new plan was not loaded: {e}"), true);
                return Some(false);
            }
        };
        let old = self.session.state.plan.clone();
        let recorded = self.session.follow_room_plan(file, stored_at, now);
        let done = format!(
            "the room moved to {}; following it",
            self.session.plan_version()
        );
        Some(self.adopt(&old, recorded, &done))
    }

    /// After the session's plan was replaced (`old` was the plan before): the board, the
    /// bindings and the selection follow it, and the outcome is shown. Returns whether checks
    /// or metrics changed (the pollers must restart).
    fn adopt(
        &mut self,
        old: &Plan,
        recorded: Result<(), crate::session::SessionError>,
        done: &str,
    ) -> bool {
        self.rebind(old);
        let plan = &self.session.state.plan;
        self.view.phase = self.view.phase.min(plan.phases.len().saturating_sub(1));
        self.view.task = 0;
        self.view.gate = self.view.gate.min(plan.gates.len().saturating_sub(1));
        let restart = old.checks != plan.checks || old.metrics != plan.metrics;
        match recorded {
            Err(e) => self.flash(&format!("{done}; its hash was not journaled: {e}"), true),
            Ok(()) if restart => self.flash(&format!("{done}; checks restarted"), false),
            Ok(()) => self.flash(done, false),
        }
        restart
    }
}

/// After the plan changed: draw it, and restart what depends on it (`restart`: the checks or
/// metrics changed).
fn after_plan_change(restart: bool, fx: &mut Vec<Effect>) {
    fx.push(Effect::Redraw);
    fx.push(Effect::RestartNotifier);
    if restart {
        fx.push(Effect::RestartPollers);
    }
}

fn signal_id(plan: &Plan, target: Target) -> Option<&str> {
    match target {
        Target::Metric(i) => plan.metrics.get(i).map(|m| m.id.as_str()),
        Target::Check(i) => plan.checks.get(i).map(|c| c.id.as_str()),
    }
}

/// A fresh watch per trigger.
#[must_use]
pub fn watches(plan: &Plan) -> Vec<Watch> {
    vec![Watch::default(); plan.triggers.len()]
}
