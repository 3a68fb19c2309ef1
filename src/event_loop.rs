//! The event loop, above [`app`](crate::app) and [`ui`]: the terminal, the channels, the
//! spawned tasks and the signals live here and nowhere else. Sources (keys, journal wake-ups,
//! the journal worker's answers, probes, step command output, plan edits, signals, the clock)
//! are selected over in one place and handed to [`App::update`] as [`Msg`]s; the [`Effect`]s it
//! returns are carried out here. The screen is drawn only when something visible changed, and
//! the clock ticks on whole seconds so an idle room writes a few bytes a second.

use std::time::Duration;

use chrono::{Timelike, Utc};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::app::{App, Effect, Msg};
use crate::journal::follow;
use crate::poll::runner;
use crate::session::worker;
use crate::ui;

/// Redraws are capped at this rate however fast events arrive.
const MAX_FPS: u64 = 30;

/// Probe results are drawn at most this often: with many checks their answers arrive all
/// through the second, and a frame for each would cost CPU for changes nobody can read.
const READINGS_FRAME: Duration = Duration::from_millis(250);

/// Runs the room until the user quits, the terminal goes away (SSH drop: SIGHUP) or SIGTERM.
/// The terminal is restored on every path, including panics (ratatui's hook).
pub async fn run(mut app: App) -> Result<()> {
    let (journal_tx, mut journal_rx) = mpsc::unbounded_channel::<()>();
    let _watcher = follow::watch(&app.session.journal_path, move || {
        let _ = journal_tx.send(());
    })
    .wrap_err("cannot watch the journal for other viewers' events")?;
    // The journal worker's answers and the notifier's status come back on this channel.
    let (msg_tx, mut msg_rx) = mpsc::unbounded_channel::<Msg>();
    let journal = app.session.journal_handle();
    let mut notifier = start_notifier(&app, &msg_tx);
    // Events appended between opening the session and starting the watch raise no wake-up.
    let mut pending = app.update(Msg::JournalChanged, Utc::now());

    let poll_opts = runner::Options {
        plan_file: app.session.plan_path.clone(),
        commands_refused: app.session.commands_refusal(),
        concurrency: runner::CONCURRENCY,
    };
    // Readings carry positions in the plan's lists: each set of pollers gets its own channel,
    // so a reading queued by the old set never lands on another check after a reload.
    let start_pollers = |app: &App| {
        let (tx, rx) = mpsc::channel(1024);
        (runner::start(&app.session.state.plan, &poll_opts, &tx), rx)
    };
    // The first pollers start after the first frame is on the screen: with many checks,
    // setting them up and their first answers would otherwise delay it.
    let (mut pollers, mut reading_rx) = (None, mpsc::channel(1).1);
    // A step command's output, once one runs (see `app::commands`), and how to cancel it.
    let mut output_rx = mpsc::channel(1).1;
    let mut cancel_step: Option<mpsc::UnboundedSender<()>> = None;

    // Edits of the plan (or the runbook a wiring file names) reload it: the pollers restart
    // when checks or metrics changed; an invalid edit keeps the last good plan.
    let (plan_tx, mut plan_rx) = mpsc::unbounded_channel::<()>();
    let mut plan_watchers = Vec::new();
    for file in &app.session.plan_files {
        let tx = plan_tx.clone();
        match follow::watch(file, move || {
            let _ = tx.send(());
        }) {
            Ok(w) => plan_watchers.push(w),
            Err(e) => tracing::warn!("plan edits will not reload: {e}"),
        }
    }

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut keys = EventStream::new();
    let mut terminal =
        ratatui::try_init().wrap_err("cannot open the terminal (is this a terminal?)")?;
    let min_frame = Duration::from_millis(1000 / MAX_FPS);
    #[cfg(debug_assertions)]
    let (panic_at, mut frames) = (panic_frame(), 0_u64);

    // NO_COLOR is read once: drawing reads no environment.
    let theme = ui::theme::Theme::from_env();
    let result: Result<()> = async {
        let mut dirty = true;
        // A key is answered at once; probe results and others' events wait for the frame cap.
        let mut urgent = false;
        // A probe result changed what the panels show: drawn within READINGS_FRAME.
        let mut settle = false;
        let mut quit = false;
        let mut last_draw = tokio::time::Instant::now() - min_frame;
        loop {
            // Carry out what the last message asked for (and what that gave rise to).
            while !pending.is_empty() {
                for effect in std::mem::take(&mut pending) {
                    match effect {
                        Effect::Redraw => dirty = true,
                        Effect::RedrawSoon => settle = true,
                        Effect::Quit => quit = true,
                        Effect::Journal(job) => {
                            let (journal, tx) = (journal.clone(), msg_tx.clone());
                            tokio::task::spawn_blocking(move || {
                                let _ = tx
                                    .send(Msg::Journal(Box::new(worker::perform(&journal, *job))));
                            });
                        }
                        Effect::RunStep {
                            command,
                            plan_file,
                            timeout,
                        } => match start_step(&command, &plan_file, timeout) {
                            Ok((rx, cancel)) => (output_rx, cancel_step) = (rx, Some(cancel)),
                            Err(why) => {
                                pending.extend(app.update(Msg::StepNotStarted(why), Utc::now()));
                            }
                        },
                        Effect::WriteReport(job) => {
                            let tx = msg_tx.clone();
                            tokio::task::spawn_blocking(move || {
                                use crate::report::Format;
                                let written =
                                    job.write_beside_plan(&[Format::Html, Format::Md], Utc::now());
                                let _ = tx.send(Msg::ReportWritten(written));
                            });
                        }
                        Effect::CancelStep => {
                            if let Some(c) = &cancel_step {
                                let _ = c.send(());
                            }
                        }
                        Effect::RestartNotifier => {
                            if notifier.as_ref().map(|(c, _)| c)
                                != app.session.state.plan.notify.as_ref()
                            {
                                drop(notifier.take());
                                notifier = start_notifier(&app, &msg_tx);
                            }
                        }
                        Effect::RestartPollers => {
                            let (p, rx) = start_pollers(&app);
                            (pollers, reading_rx) = (Some(p), rx);
                        }
                    }
                }
            }
            let since = last_draw.elapsed();
            if (dirty && (urgent || since >= min_frame)) || (settle && since >= READINGS_FRAME) {
                let now = Utc::now();
                #[cfg(debug_assertions)]
                {
                    frames += 1;
                }
                let drawn = terminal.draw(|f| {
                    #[cfg(debug_assertions)]
                    assert!(
                        panic_at != Some(frames),
                        "test hook: WARROOM_TEST_PANIC_IN_DRAW={frames}"
                    );
                    ui::render(f, &app.screen(now), theme);
                });
                match drawn {
                    Ok(_) => {}
                    // An SSH drop can land mid-frame, before SIGHUP is read: leave as for
                    // SIGHUP (an error here would be reported on the dead terminal).
                    Err(e) if terminal_gone(&e) => {
                        tracing::info!("the terminal went away while drawing: {e}");
                        break;
                    }
                    Err(e) => return Err(e).wrap_err("cannot draw on the terminal"),
                }
                last_draw = tokio::time::Instant::now();
                dirty = false;
                urgent = false;
                settle = false;
            }
            if pollers.is_none() {
                let (p, rx) = start_pollers(&app);
                (pollers, reading_rx) = (Some(p), rx);
            }
            if quit {
                break;
            }
            // Sleep to the next whole second (the clock), or to the frame cap when a redraw
            // is pending.
            let now = Utc::now();
            let to_second =
                Duration::from_nanos(1_000_000_000 - u64::from(now.nanosecond() % 1_000_000_000));
            let wait = if dirty {
                min_frame.saturating_sub(last_draw.elapsed())
            } else if settle {
                READINGS_FRAME
                    .saturating_sub(last_draw.elapsed())
                    .min(to_second)
            } else {
                to_second
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => {
                    if wait == to_second {
                        let now = Utc::now();
                        pending = app.update(Msg::Tick(now), now);
                    }
                }
                ev = keys.next() => match ev {
                    Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                        pending = app.update(Msg::Key(k), Utc::now());
                        urgent = true;
                    }
                    Some(Ok(TermEvent::Resize(w, h))) => {
                        pending = app.update(Msg::Resize(w, h), Utc::now());
                    }
                    Some(Ok(_)) => {}
                    // The terminal is gone (pty closed): leave.
                    Some(Err(_)) | None => break,
                },
                Some(()) = journal_rx.recv() => {
                    while journal_rx.try_recv().is_ok() {}
                    pending = app.update(Msg::JournalChanged, Utc::now());
                }
                Some(m) = msg_rx.recv() => pending = app.update(m, Utc::now()),
                Some(r) = reading_rx.recv() => pending = app.update(Msg::Reading(r), Utc::now()),
                Some(o) = output_rx.recv() => pending = app.update(Msg::Output(o), Utc::now()),
                Some(()) = plan_rx.recv() => {
                    // Editors write in bursts (truncate, write, rename): let it settle.
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    while plan_rx.try_recv().is_ok() {}
                    pending = app.update(Msg::PlanEdited, Utc::now());
                }
                _ = sigterm.recv() => break,
                _ = sighup.recv() => break,
            }
        }
        Ok(())
    }
    .await;
    drop(pollers);
    drop(plan_watchers);
    restore(terminal);
    // After the terminal is back: a post in flight gets a second to finish.
    drop(notifier);
    result
}

/// Hands `msg` to the room and carries out its journal work (appends, reads, the report) at
/// once, on this thread, feeding the answers back until none is left; returns the other
/// effects. For headless
/// runs (tests, benches) that have no loop: the room then behaves as if the journal worker
/// answered instantly.
pub fn settle(app: &mut App, msg: Msg, now: chrono::DateTime<Utc>) -> Vec<Effect> {
    let journal = app.session.journal_handle();
    let mut rest = Vec::new();
    let mut queue = app.update(msg, now);
    while !queue.is_empty() {
        for effect in std::mem::take(&mut queue) {
            match effect {
                Effect::Journal(job) => {
                    queue.extend(
                        app.update(Msg::Journal(Box::new(worker::perform(&journal, *job))), now),
                    );
                }
                Effect::WriteReport(job) => {
                    let formats = [crate::report::Format::Html, crate::report::Format::Md];
                    let written = job.write_beside_plan(&formats, now);
                    queue.extend(app.update(Msg::ReportWritten(written), now));
                }
                other => rest.push(other),
            }
        }
    }
    rest
}

/// Whether a terminal write failed because the terminal is gone (the pty's other side closed:
/// `EIO`, or `ENXIO` once it is torn down) rather than for a reason worth reporting.
fn terminal_gone(e: &std::io::Error) -> bool {
    use nix::errno::Errno;
    e.kind() == std::io::ErrorKind::BrokenPipe
        || [Errno::EIO, Errno::ENXIO]
            .iter()
            .any(|n| e.raw_os_error() == Some(*n as i32))
}

/// Gives the terminal back: raw mode off, alternate screen left, cursor shown. After an SSH
/// drop the terminal is gone and every step fails; ratatui's `restore` and the `Terminal`'s
/// drop would report that with `eprintln!`, which panics when standard error is that same dead
/// terminal — and a panic there aborts the process. So failures are only logged, and a
/// terminal whose cursor cannot be shown is forgotten rather than dropped (it owns nothing
/// but memory, and the process is about to end).
fn restore(mut terminal: ratatui::DefaultTerminal) {
    if let Err(e) = ratatui::try_restore() {
        tracing::info!("terminal not restored (gone?): {e}");
    }
    if let Err(e) = terminal.show_cursor() {
        tracing::info!("cursor not shown (terminal gone?): {e}");
        std::mem::forget(terminal);
    }
}

/// Test hook, compiled into debug builds only: `WARROOM_TEST_PANIC_IN_DRAW=N` makes the Nth
/// frame's drawing panic, so `tests/hostile_pty.rs` can check that the real binary's hooks (the
/// error report from `main` and ratatui's restore) leave the terminal sane. Release builds
/// ignore the variable.
#[cfg(debug_assertions)]
fn panic_frame() -> Option<u64> {
    std::env::var("WARROOM_TEST_PANIC_IN_DRAW")
        .ok()?
        .parse()
        .ok()
}

/// The room's notifier and the plan's `[notify]` settings it was started with.
type Notifier = Option<(
    crate::plan::notify::NotifyConfig,
    crate::notify::NotifierHandle,
)>;

/// The room's notifier, when the plan has `[notify]` and this is an operator room (followers
/// never post).
fn start_notifier(app: &App, msgs: &mpsc::UnboundedSender<Msg>) -> Notifier {
    if app.session.follower {
        return None;
    }
    let config = app.session.state.plan.notify.clone()?;
    let off = |why: String| {
        tracing::warn!("{why}");
        let _ = msgs.send(Msg::NotifierOff(why));
        None
    };
    match crate::notify::spawn(
        &config,
        app.session.state.plan.clone(),
        app.session.state.t0,
        &app.session.journal_path,
    ) {
        Ok(h) => {
            // Its status is forwarded to the room as it changes; the task ends with the
            // notifier.
            let mut status = h.status();
            let tx = msgs.clone();
            let _ = tx.send(Msg::NotifyStatus(status.borrow_and_update().clone()));
            tokio::spawn(async move {
                while status.changed().await.is_ok() {
                    let now = status.borrow_and_update().clone();
                    if tx.send(Msg::NotifyStatus(now)).is_err() {
                        break;
                    }
                }
            });
            Some((config, h))
        }
        Err(e) => off(format!("notifications off: {e}")),
    }
}

/// Starts a step command; its output is forwarded on the returned channel (bounded, so a
/// chatty command waits for the room rather than filling memory), and a message on the
/// returned sender cancels it.
fn start_step(
    command: &str,
    plan_file: &std::path::Path,
    timeout: Duration,
) -> Result<
    (
        mpsc::Receiver<crate::exec::Output>,
        mpsc::UnboundedSender<()>,
    ),
    String,
> {
    let mut run = crate::exec::start(command, plan_file, timeout).map_err(|e| e.to_string())?;
    let (out_tx, out_rx) = mpsc::channel(1024);
    let (cancel_tx, mut cancel_rx) = mpsc::unbounded_channel::<()>();
    tokio::spawn(async move {
        loop {
            tokio::select! {
                out = run.next() => match out {
                    Some(o) => {
                        if out_tx.send(o).await.is_err() {
                            break;
                        }
                    }
                    None => break,
                },
                Some(()) = cancel_rx.recv() => run.cancel(),
            }
        }
    });
    Ok((out_rx, cancel_tx))
}
