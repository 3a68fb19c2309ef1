//! The event loop. Sources (keys, journal wake-ups, probes, signals, the clock) are selected
//! over in one place; the screen is drawn only when something visible changed, and the clock
//! ticks on whole seconds so an idle room writes a few bytes a second.

use std::time::Duration;

use chrono::{Timelike, Utc};
use color_eyre::eyre::{Result, WrapErr};
use crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use futures::StreamExt;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use super::App;
use crate::journal::follow;
use crate::poll::runner;
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
    // Events appended between opening the session and starting the watch raise no wake-up.
    app.on_journal_change();
    let mut notifier = start_notifier(&mut app);

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
    // A step command's output, once one runs (see `app::commands`).
    let mut output_rx = mpsc::channel(1).1;

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

    let result: Result<()> = async {
        let mut dirty = true;
        // A key is answered at once; probe results and others' events wait for the frame cap.
        let mut urgent = false;
        // A probe result changed what the panels show: drawn within READINGS_FRAME.
        let mut settle = false;
        let mut last_draw = tokio::time::Instant::now() - min_frame;
        loop {
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
                    ui::render(f, &app, now);
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
            if app.quit {
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
                        dirty = true;
                        app.on_tick(Utc::now());
                    }
                }
                ev = keys.next() => match ev {
                    Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                        let changed = app.on_key(&k, Utc::now());
                        dirty |= changed;
                        urgent |= changed;
                        if let Some(rx) = app.take_output() {
                            output_rx = rx;
                        }
                    }
                    Some(Ok(TermEvent::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    // The terminal is gone (pty closed): leave.
                    Some(Err(_)) | None => break,
                },
                Some(()) = journal_rx.recv() => {
                    while journal_rx.try_recv().is_ok() {}
                    dirty |= app.on_journal_change();
                    // Another viewer changed the database room's plan: this one follows.
                    if let Some(restart) = app.follow_room_plan(Utc::now()) {
                        dirty = true;
                        after_plan_change(&mut app, restart, &mut notifier, &mut pollers, &mut reading_rx, &start_pollers);
                    }
                }
                Some(r) = reading_rx.recv() => settle |= app.on_reading(r, Utc::now()),
                Some(o) = output_rx.recv() => {
                    dirty |= app.on_output(o, Utc::now());
                }
                Some(()) = plan_rx.recv() => {
                    // Editors write in bursts (truncate, write, rename): let it settle.
                    tokio::time::sleep(Duration::from_millis(150)).await;
                    while plan_rx.try_recv().is_ok() {}
                    if let Some(restart) = app.reload_plan(Utc::now()) {
                        dirty = true;
                        after_plan_change(&mut app, restart, &mut notifier, &mut pollers, &mut reading_rx, &start_pollers);
                    }
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

/// After the plan changed (edited on disk, or another viewer's version followed from the
/// room): the notifier restarts when its settings changed, and the pollers when `restart`
/// says the checks or metrics did. The old notifier stops before the new one starts; the old
/// pollers stop when they are replaced here.
fn after_plan_change(
    app: &mut App,
    restart: bool,
    notifier: &mut Notifier,
    pollers: &mut Option<runner::Pollers>,
    reading_rx: &mut mpsc::Receiver<runner::Reading>,
    start_pollers: &dyn Fn(&App) -> (runner::Pollers, mpsc::Receiver<runner::Reading>),
) {
    if notifier.as_ref().map(|(c, _)| c) != app.session.state.plan.notify.as_ref() {
        drop(notifier.take());
        *notifier = start_notifier(app);
    }
    if restart {
        let (p, rx) = start_pollers(app);
        (*pollers, *reading_rx) = (Some(p), rx);
    }
}

/// The room's notifier, when the plan has `[notify]` and this is an operator room (followers
/// never post).
fn start_notifier(app: &mut App) -> Notifier {
    if app.session.follower {
        return None;
    }
    let config = app.session.state.plan.notify.clone()?;
    if crate::journal::is_database(&app.session.journal_path) {
        // The notifier's ledger is a file beside the journal; a database room has none yet.
        let why = "notifications off: not yet supported for a room on PostgreSQL";
        tracing::warn!("{why}");
        app.view.flash = Some((why.to_string(), true));
        return None;
    }
    match crate::notify::spawn(
        &config,
        app.session.state.plan.clone(),
        app.session.state.t0,
        &app.session.journal_path,
    ) {
        Ok(h) => {
            app.notify = Some(h.status());
            Some((config, h))
        }
        Err(e) => {
            tracing::warn!("notifications off: {e}");
            app.view.flash = Some((format!("notifications off: {e}"), true));
            None
        }
    }
}
