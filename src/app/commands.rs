//! Running a step's command from the room: `x` on a task with a `run` asks for confirmation,
//! then the command runs (see `exec`) while its output streams into a pane; Esc cancels it.
//! The outcome and the output's last lines are journaled, and success ticks the task.
//! Followers never run commands, and `exec` refuses plans other users can write.

use std::time::Duration;

use chrono::{DateTime, Utc};

use super::writes::{Say, Then};
use super::{App, Effect, Mode};
use crate::exec::{self, Output, Pane};
use crate::state::Command;

/// Default deadline of a step's command: 10 minutes.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(600);

/// A command started from the room, and what it printed.
#[derive(Debug)]
pub struct Running {
    /// The task it runs for.
    pub task: String,
    /// The command line.
    pub command: String,
    /// Its output (raw; sanitised when drawn).
    pub pane: Pane,
    /// How it ended, once it has (`exit 0 in 3.2 s`).
    pub finished: Option<String>,
}

impl App {
    /// `x`: asks to confirm running the selected task's command.
    pub(super) fn ask_run(&mut self) {
        if !self.writable() {
            return;
        }
        if self.running.as_ref().is_some_and(|r| r.finished.is_none()) {
            self.flash(
                "a command is already running: Esc in its pane cancels it",
                true,
            );
            return;
        }
        let Some(task) = self.selected_task() else {
            self.flash("this phase has no tasks", true);
            return;
        };
        let Some(command) = task.run.clone() else {
            self.flash(
                "this task has no command (`run = \"…\"` in the TOML plan)",
                true,
            );
            return;
        };
        self.view.mode = Mode::RunConfirm {
            task: task.id.clone(),
            command,
        };
    }

    /// The confirmed command: the loop starts it ([`Effect::RunStep`]) and its output comes
    /// back as [`Msg::Output`](super::Msg::Output).
    pub(super) fn start_run(&mut self, task: String, command: String, fx: &mut Vec<Effect>) {
        let timeout = self
            .session
            .state
            .task_position(&task)
            .and_then(|(p, t)| self.session.state.plan.phases[p].tasks[t].timeout)
            .unwrap_or(DEFAULT_TIMEOUT);
        if let Some(why) = self.session.commands_refusal() {
            self.flash(&format!("not run: {why}"), true);
            return;
        }
        fx.push(Effect::RunStep {
            command: command.clone(),
            plan_file: self.session.plan_path.clone(),
            timeout,
        });
        self.running = Some(Running {
            task,
            command,
            pane: Pane::default(),
            finished: None,
        });
        self.view.mode = Mode::Output;
    }

    /// One line or the end of the running command. Returns whether to redraw.
    pub(super) fn on_output(&mut self, out: Output, now: DateTime<Utc>) -> bool {
        let Some(running) = self.running.as_mut() else {
            return false;
        };
        running.pane.feed(&out);
        let Output::Finished(f) = out else {
            return true;
        };
        let outcome = exec::summary(&f);
        running.finished = Some(outcome.clone());
        let (task, command) = (running.task.clone(), running.command.clone());
        let record = Command::RecordRun {
            task: task.clone(),
            command,
            exit: f.exit,
            outcome: outcome.clone(),
            success: f.success(),
            duration_ms: f.duration_ms,
            last_lines: f.last_lines.clone(),
        };
        let say = Say::Failure {
            prefix: "the command's outcome was not journaled: ".into(),
        };
        let then = Then::RunRecorded {
            task,
            success: f.success(),
            outcome,
        };
        self.write(record, None, now, say, then);
        true
    }

    /// Esc in the output pane: cancels a running command, or closes the pane of a finished
    /// one.
    pub(super) fn close_or_cancel(&mut self, fx: &mut Vec<Effect>) {
        match &self.running {
            Some(r) if r.finished.is_none() => {
                fx.push(Effect::CancelStep);
                self.flash("cancelling the command…", false);
                self.view.mode = Mode::Output;
            }
            _ => self.view.mode = Mode::Normal,
        }
    }
}
