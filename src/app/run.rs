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
use tokio_util::sync::CancellationToken;

use super::App;
use crate::journal::follow;
use crate::poll;
use crate::ui;

/// Redraws are capped at this rate however fast probes or events arrive.
const MAX_FPS: u64 = 30;

/// Runs the room until the user quits, the terminal goes away (SSH drop: SIGHUP) or SIGTERM.
/// The terminal is restored on every path, including panics (ratatui's hook).
pub async fn run(mut app: App) -> Result<()> {
    let cancel = CancellationToken::new();
    let (journal_tx, mut journal_rx) = mpsc::unbounded_channel::<()>();
    let _watcher = follow::watch(&app.session.journal_path, move || {
        let _ = journal_tx.send(());
    })
    .wrap_err("cannot watch the journal for other viewers' events")?;
    // Events appended between opening the session and starting the watch raise no wake-up.
    app.on_journal_change();

    let (probe_tx, mut probe_rx) = mpsc::channel(1024);
    if !app.session.state.plan.checks.is_empty() {
        let client = poll::http::client().wrap_err("cannot start the HTTP client")?;
        poll::http::spawn_all(&app.session.state.plan.checks, &client, &probe_tx, &cancel);
    }
    drop(probe_tx);

    let mut sigterm = signal(SignalKind::terminate())?;
    let mut sighup = signal(SignalKind::hangup())?;
    let mut keys = EventStream::new();
    let mut terminal =
        ratatui::try_init().wrap_err("cannot open the terminal (is this a terminal?)")?;
    let min_frame = Duration::from_millis(1000 / MAX_FPS);

    let result: Result<()> = async {
        let mut dirty = true;
        let mut last_draw = tokio::time::Instant::now() - min_frame;
        loop {
            if dirty && last_draw.elapsed() >= min_frame {
                let now = Utc::now();
                terminal.draw(|f| ui::render(f, &app, now))?;
                last_draw = tokio::time::Instant::now();
                dirty = false;
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
            } else {
                to_second
            };
            tokio::select! {
                () = tokio::time::sleep(wait) => dirty = true,
                ev = keys.next() => match ev {
                    Some(Ok(TermEvent::Key(k))) if k.kind == KeyEventKind::Press => {
                        dirty |= app.on_key(&k, Utc::now());
                    }
                    Some(Ok(TermEvent::Resize(..))) => dirty = true,
                    Some(Ok(_)) => {}
                    // The terminal is gone (pty closed): leave.
                    Some(Err(_)) | None => break,
                },
                Some(()) = journal_rx.recv() => {
                    while journal_rx.try_recv().is_ok() {}
                    dirty |= app.on_journal_change();
                }
                Some(p) = probe_rx.recv() => dirty |= app.health.record(p),
                _ = sigterm.recv() => break,
                _ = sighup.recv() => break,
            }
        }
        Ok(())
    }
    .await;
    cancel.cancel();
    ratatui::restore();
    result
}
