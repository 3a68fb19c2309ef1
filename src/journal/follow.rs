//! Following a journal: a wake-up signal when it may have grown, from two sources at once.
//!
//! notify (inotify on Linux) reports another process's append within milliseconds but says
//! nothing on network filesystems, where several hosts share a room; a thread that looks at the
//! file's length, modification time and identity covers that: every [`POLL_INTERVAL`] where
//! notify is unavailable or the file is on a network filesystem, and every
//! [`BACKSTOP_INTERVAL`] where notify works (an idle room then wakes once a second, not ten
//! times, for each file it watches). The
//! signal carries no data: on each call the caller runs `Journal::read_new`, which is cheap when
//! nothing changed, so spurious or doubled wake-ups do no harm.

use std::ffi::OsString;
use std::fs;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, SystemTime};

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

/// How often the polling fallback looks at the file when it is the only reliable source.
pub const POLL_INTERVAL: Duration = Duration::from_millis(100);

/// How often the poller looks at a file on a local filesystem that notify is watching: only a
/// backstop, in case an event is lost.
pub const BACKSTOP_INTERVAL: Duration = Duration::from_secs(1);

/// Why watching could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot watch {}: {err}", path.display())]
pub struct WatchError {
    /// The journal that was to be watched.
    pub path: PathBuf,
    /// The operating system's error.
    pub err: std::io::Error,
}

/// A running watch. Dropping it stops both the notify watch and the polling thread (the
/// callback is not called after the drop returns, except by a call already under way).
pub struct Watcher {
    /// A database room's listener (then the other fields are `None`).
    listen: Option<super::postgres::Listener>,
    notify: Option<RecommendedWatcher>,
    stop: Option<mpsc::Sender<()>>,
    poller: Option<JoinHandle<()>>,
}

impl Watcher {
    /// Whether notify is active (otherwise only the polling fallback wakes the caller, e.g.
    /// when the system's inotify limit is reached).
    #[must_use]
    pub fn uses_notify(&self) -> bool {
        self.notify.is_some()
    }

    /// Whether this follows a database room through `LISTEN`/`NOTIFY`.
    #[must_use]
    pub fn uses_listen(&self) -> bool {
        self.listen.is_some()
    }
}

impl std::fmt::Debug for Watcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watcher")
            .field("uses_notify", &self.uses_notify())
            .finish_non_exhaustive()
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        self.notify = None;
        // Dropping the sender wakes the poller at once.
        self.stop = None;
        if let Some(h) = self.poller.take()
            && h.thread().id() != thread::current().id()
        {
            let _ = h.join();
        }
    }
}

/// Calls `on_change` (from a background thread) whenever the journal at `path` may have
/// changed: within milliseconds through notify where it works, and within about
/// [`POLL_INTERVAL`] through polling where it does not or cannot be trusted (network
/// filesystems). The file need not exist yet; its directory
/// must. The callback should only signal (e.g. send on a channel) and return.
///
/// A database room URL (`postgres://…?room=NAME`) is followed through `LISTEN`/`NOTIFY`
/// instead, with a read every few seconds as a backstop and reconnection with backoff
/// (`journal::postgres`); only a URL that cannot be read is an error then.
pub fn watch(path: &Path, on_change: impl Fn() + Send + 'static) -> Result<Watcher, WatchError> {
    if let Some(url) = path.to_str().filter(|u| super::postgres::is_url(u)) {
        let listen = super::postgres::watch(url, on_change).map_err(|msg| WatchError {
            path: path.to_path_buf(),
            err: std::io::Error::other(msg),
        })?;
        return Ok(Watcher {
            listen: Some(listen),
            notify: None,
            stop: None,
            poller: None,
        });
    }
    start(path, on_change, true)
}

/// Like [`watch`], with polling only: for filesystems known not to report changes, and to
/// test the fallback.
pub fn watch_polling(
    path: &Path,
    on_change: impl Fn() + Send + 'static,
) -> Result<Watcher, WatchError> {
    start(path, on_change, false)
}

fn start(
    path: &Path,
    on_change: impl Fn() + Send + 'static,
    use_notify: bool,
) -> Result<Watcher, WatchError> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let fail = |err| WatchError {
        path: path.to_path_buf(),
        err,
    };
    if !fs::metadata(&dir).map_err(fail)?.is_dir() {
        return Err(fail(std::io::Error::from(
            std::io::ErrorKind::NotADirectory,
        )));
    }
    let name = path
        .file_name()
        .map(OsString::from)
        .ok_or_else(|| fail(std::io::Error::from(std::io::ErrorKind::InvalidInput)))?;
    // Shared by the notify thread and the poller; the mutex makes a `Fn + Send` callable from
    // both without asking callers for `Sync`.
    let callback = Arc::new(Mutex::new(on_change));
    let notify = if use_notify {
        start_notify(&dir, name, Arc::clone(&callback))
    } else {
        None
    };
    let interval = if notify.is_some() && !on_network_fs(&dir) {
        BACKSTOP_INTERVAL
    } else {
        POLL_INTERVAL
    };
    let (stop, stopped) = mpsc::channel::<()>();
    let file = path.to_path_buf();
    // Taken before the thread starts: an append between this call returning and the thread's
    // first run must count as a change, not become the baseline.
    let mut last = stamp(&file);
    let poller = thread::Builder::new()
        .name("journal-poll".into())
        .spawn(move || {
            loop {
                match stopped.recv_timeout(interval) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => return,
                }
                let now = stamp(&file);
                if now != last {
                    last = now;
                    call(&callback);
                }
            }
        })
        .map_err(fail)?;
    Ok(Watcher {
        listen: None,
        notify,
        stop: Some(stop),
        poller: Some(poller),
    })
}

/// Whether `dir` is on a network filesystem (see [`super::trust::network_fs`]); a directory
/// that cannot be opened counts as one, so the poller stays fast when in doubt.
fn on_network_fs(dir: &Path) -> bool {
    fs::File::open(dir).map_or(true, |d| super::trust::network_fs(&d).is_some())
}

/// Watches the directory (the file may not exist yet, and may be replaced) and passes on the
/// events about our file that can mean new bytes. `None` when notify is unavailable.
fn start_notify<F: Fn() + Send + 'static>(
    dir: &Path,
    name: OsString,
    callback: Arc<Mutex<F>>,
) -> Option<RecommendedWatcher> {
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        let wake = match res {
            // Errors (e.g. a queue overflow) may hide a change.
            Err(_) => true,
            Ok(ev) => {
                relevant(ev.kind)
                    && (ev.paths.is_empty()
                        || ev.paths.iter().any(|p| p.file_name() == Some(&name)))
            }
        };
        if wake {
            call(&callback);
        }
    })
    .ok()?;
    watcher.watch(dir, RecursiveMode::NonRecursive).ok()?;
    Some(watcher)
}

/// Events that can mean new or changed bytes. Opens, reads and attribute changes are left
/// out: the caller's own `read_new` opens the file, which would wake it again, forever.
fn relevant(kind: EventKind) -> bool {
    match kind {
        EventKind::Access(a) => a == AccessKind::Close(AccessMode::Write),
        EventKind::Modify(m) => !matches!(m, ModifyKind::Metadata(_)),
        EventKind::Create(_) | EventKind::Remove(_) | EventKind::Any | EventKind::Other => true,
    }
}

fn call<F: Fn()>(callback: &Mutex<F>) {
    let f = callback.lock().unwrap_or_else(PoisonError::into_inner);
    f();
}

/// What the poller compares: identity, length and modification time (`None`: no file).
fn stamp(path: &Path) -> Option<(u64, u64, u64, Option<SystemTime>)> {
    let m = fs::metadata(path).ok()?;
    Some((m.dev(), m.ino(), m.len(), m.modified().ok()))
}
