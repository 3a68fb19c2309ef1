//! Following a database room: woken by `NOTIFY`, not by polling.
//!
//! A thread of its own holds a connection that `LISTEN`s on the appends' channel, then wakes
//! the caller once (to catch up on what was committed before the `LISTEN` took effect), then on
//! every notification for its room, and every [`BACKSTOP_INTERVAL`] in case one was lost. When
//! the connection breaks it says so in the log, wakes the caller (whose next read fails with
//! the explicit error, which the room shows), reconnects with backoff — waking the caller after
//! each failed attempt too, because the read after the first wake can still reach a server
//! that is shutting down and succeed, and the room must learn that it is offline — listens
//! again and wakes the caller to catch up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator as _;

use super::location::Location;
use super::schema::CHANNEL;

/// How often a follower reads even without a notification (notifications sent while its
/// connection was down are lost).
pub const BACKSTOP_INTERVAL: Duration = Duration::from_secs(5);

/// How long one wait for a notification lasts: how soon a dropped [`Listener`]'s thread ends.
const SLICE: Duration = Duration::from_millis(500);

/// The longest wait between reconnection attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(5);

/// A running follower of a database room; dropping it stops the thread (within
/// [`SLICE`], without waiting for it).
#[derive(Debug)]
pub(crate) struct Listener {
    stop: Arc<AtomicBool>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts following the room at `url`, calling `on_change` (from the listener's thread)
/// whenever the room may have grown. Fails only on a URL that cannot be read; an unreachable
/// server is retried in the background.
pub(crate) fn watch(url: &str, on_change: impl Fn() + Send + 'static) -> Result<Listener, String> {
    let loc = Location::parse(url)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    thread::Builder::new()
        .name("journal-listen".into())
        .spawn(move || run(&loc, &flag, &on_change))
        .map_err(|e| format!("cannot start following {url}: {e}"))?;
    Ok(Listener { stop })
}

fn run(loc: &Location, stop: &AtomicBool, on_change: &dyn Fn()) {
    let mut backoff = Duration::from_millis(250);
    while !stop.load(Ordering::Relaxed) {
        match listen(loc) {
            Ok(mut client) => {
                backoff = Duration::from_millis(250);
                on_change();
                follow(&mut client, loc, stop, on_change);
            }
            Err(e) => {
                tracing::warn!(journal = %loc.shown, "following the room: {e}; retrying in {backoff:?}");
                // The caller's read fails the same way and says so on screen.
                on_change();
                let until = Instant::now() + backoff;
                while Instant::now() < until && !stop.load(Ordering::Relaxed) {
                    thread::sleep(Duration::from_millis(100));
                }
                backoff = (backoff * 2).min(MAX_BACKOFF);
            }
        }
    }
}

fn listen(loc: &Location) -> Result<Client, String> {
    let mut client = loc.connect()?;
    client
        .batch_execute(&format!("LISTEN {CHANNEL}"))
        .map_err(|e| format!("cannot LISTEN: {}", super::words(&e)))?;
    Ok(client)
}

/// Waits for notifications until the connection breaks or the listener is dropped.
fn follow(client: &mut Client, loc: &Location, stop: &AtomicBool, on_change: &dyn Fn()) {
    let prefix = format!("{}:", loc.room);
    let mut backstop = Instant::now();
    while !stop.load(Ordering::Relaxed) {
        let mut woken = false;
        let mut broke = None;
        {
            let mut notes = client.notifications();
            let mut it = notes.timeout_iter(SLICE);
            loop {
                match it.next() {
                    Ok(Some(n)) => woken |= n.payload().starts_with(&prefix),
                    Ok(None) => break,
                    Err(e) => {
                        broke = Some(super::words(&e));
                        break;
                    }
                }
                // Drain what is queued without waiting again.
                if woken {
                    break;
                }
            }
        }
        if broke.is_none() && client.is_closed() {
            broke = Some("the connection closed".to_string());
        }
        if let Some(e) = broke {
            tracing::warn!(journal = %loc.shown, "following the room: connection lost: {e}; reconnecting");
            on_change();
            return;
        }
        if woken || backstop.elapsed() >= BACKSTOP_INTERVAL {
            backstop = Instant::now();
            on_change();
        }
    }
}
