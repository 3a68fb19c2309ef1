//! What reaches the room ([`Msg`]) and what the room asks of the loop that runs it
//! ([`Effect`]). [`App::update`](super::App::update) turns one into the other; everything that
//! waits, spawns or touches the terminal is the loop's (see `event_loop`).

use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use crate::exec::Output;
use crate::notify::NotifyStatus;
use crate::poll::runner::Reading;
use crate::session::ReportJob;
use crate::session::worker::{Job, Reply};

/// One thing that happened, for [`App::update`](super::App::update).
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// The once-a-second clock, at this whole second (UTC).
    Tick(DateTime<Utc>),
    /// The terminal changed size (columns, rows).
    Resize(u16, u16),
    /// Someone (maybe this room) appended to the journal: worth a read.
    JournalChanged,
    /// The journal worker's answer to the last [`Effect::Journal`].
    Journal(Box<Reply>),
    /// A check's or metric's new sample.
    Reading(Reading),
    /// A line, or the end, of the running step command.
    Output(Output),
    /// The step command asked for by [`Effect::RunStep`] could not be started: why.
    StepNotStarted(String),
    /// The plan file (or the runbook a wiring file names) was written on disk.
    PlanEdited,
    /// The webhook notifier's status changed.
    NotifyStatus(NotifyStatus),
    /// The report asked for by [`Effect::WriteReport`] was written (where: HTML, then
    /// Markdown), or why not.
    ReportWritten(Result<Vec<PathBuf>, String>),
    /// The webhook notifier is off: why.
    NotifierOff(String),
}

/// Something for the loop to carry out, returned by [`App::update`](super::App::update).
#[derive(Debug)]
pub enum Effect {
    /// Give this job to the journal worker (off the thread that draws); its answer comes
    /// back as [`Msg::Journal`]. One job is in flight at a time.
    Journal(Box<Job>),
    /// Start a step command (`run =`) and stream its output back as [`Msg::Output`].
    RunStep {
        /// The command line.
        command: String,
        /// The plan file (the command runs beside it, and only from a plan others cannot
        /// write).
        plan_file: PathBuf,
        /// Its deadline.
        timeout: Duration,
    },
    /// Read the journal and write the post-deployment report beside the plan, in HTML (to
    /// open in a browser) and Markdown (to paste into a ticket), off the thread that draws;
    /// the answer comes back as [`Msg::ReportWritten`].
    WriteReport(Box<ReportJob>),
    /// Cancel the running step command.
    CancelStep,
    /// The plan's checks or metrics changed: start the pollers afresh.
    RestartPollers,
    /// The plan changed: restart the webhook notifier if its settings did.
    RestartNotifier,
    /// Something visible changed: draw (at most at the frame cap).
    Redraw,
    /// A probe result changed what panels show: draw within the readings' frame interval.
    RedrawSoon,
    /// The user asked to leave.
    Quit,
}
