//! Notifications: the room posts what matters to a webhook (Slack-compatible JSON,
//! `{"text": …}`), configured by the plan's `[notify]` table ([`NotifyConfig`]).
//!
//! What posts: a phase started or the deployment finished, a gate decided GO or NO-GO, a hold
//! called or released, a rollback trigger fired or cleared (or its countdown cancelled), a
//! rollback started — see [`message`] — and a status digest every `digest` interval while
//! the deployment is in progress, on hold or rolling back.
//!
//! **One post per event however many viewers are open.** Every operator room runs a notifier
//! ([`spawn`]); each follows the journal and folds it into its own [`RoomState`](crate::state::RoomState) (so every
//! notifier derives the same texts), and they agree through the sidecar `<journal>.notify`
//! ([`ledger`]): one post in flight at a time, claimed under a file lock, recorded after the
//! webhook answered. In a database room, on whatever hosts its viewers are, the ledger is rows
//! in the database instead (`warroom_notify`, a new version per change, inserted `ON CONFLICT
//! DO NOTHING`), with the same rules. Followers (`--follow`) run no notifier.
//!
//! **Delivery is at least once.** A post is recorded only after the webhook answered 2xx; a
//! viewer that dies between the webhook's answer and the record (milliseconds), or leaves a
//! claim behind, is taken over when the claim lapses ([`Options::lease`], 30 s) and that post
//! is made again. A lost notification during an incident costs more than a duplicate.
//! Failures (non-2xx, timeouts, refused connections) are retried by whichever viewer gets
//! there first, after 1 s, 2 s, 4 s … at most 5 min (or the webhook's `Retry-After`);
//! posts stay in journal order, so a failing webhook holds the later ones back, never drops
//! them.
//!
//! **Rate limit.** At most `max_per_minute` posts in any rolling minute across all viewers
//! (the post times are in the sidecar). While more events wait than posts are left, events
//! go out one by one until the last post of the window, which carries all the rest as a
//! summary ("+7 more events: …"); nothing is dropped.
//!
//! **Where it starts.** The first notifier of a room (no sidecar yet) starts after the
//! journal's last event: what happened before notifications were configured is not posted.
//! Later notifiers catch up from the sidecar, so events journaled while no room was open
//! (CLI verbs from a deploy script) are posted when an operator room opens.
//!
//! **Never blocking the room.** Each notifier runs on its own thread with its own small tokio
//! runtime; the room only reads its [`NotifyStatus`] (a `tokio::sync::watch`, so the event
//! loop can also await changes). The webhook URL is a secret: [`NotifyStatus::host`] is all
//! that is shown; errors are stripped of the URL before they are stored or shown.

pub mod ledger;
pub mod limit;
pub mod message;
mod worker;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

pub use self::ledger::sidecar_path;
pub use self::message::Message;
use crate::plan::Plan;
pub use crate::plan::notify::{NotifyConfig, NotifyTopic};

/// What the room shows about its notifier (`warroom` draws [`NotifyStatus::line`]).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NotifyStatus {
    /// The webhook's host (`hooks.slack.com`): never the URL, which is a credential.
    pub host: String,
    /// Posts made for this room so far, by any viewer.
    pub posted: u64,
    /// Events waiting to be posted (held by the rate limit, a retry or another viewer's post).
    pub pending: usize,
    /// The last failure (webhook, sidecar or journal), until a post succeeds.
    pub last_error: Option<(DateTime<Utc>, String)>,
    /// When the failed post is tried again.
    pub next_retry: Option<DateTime<Utc>>,
}

impl NotifyStatus {
    /// One line for the screen: `notify hooks.slack.com: 12 posted, 2 waiting; failed
    /// 14:05 HTTP 503 …, retry 14:06:10`.
    #[must_use]
    pub fn line(&self) -> String {
        let mut s = format!("notify {}: {} posted", self.host, self.posted);
        if self.pending > 0 {
            let _ = write!(s, ", {} waiting", self.pending);
        }
        if let Some((at, e)) = &self.last_error {
            let _ = write!(s, "; failed {} {e}", at.format("%H:%M:%S"));
        }
        if let Some(at) = self.next_retry {
            let _ = write!(s, ", retry {}", at.format("%H:%M:%S"));
        }
        crate::text::sanitize(&s)
    }
}

/// Why a notifier could not start (the room should say so and open without it).
#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    /// The webhook does not resolve (an unset `${VAR}`, not a URL). Never holds the URL.
    #[error("{0}")]
    Webhook(String),
    /// The journal or the notifier's thread could not be set up.
    #[error("notify: cannot start: {0}")]
    Start(String),
}

/// Timings and the environment, for tests; [`Options::default`] is production.
#[derive(Debug, Clone)]
pub struct Options {
    /// The rate limit's window (a rolling minute).
    pub window: Duration,
    /// First retry delay (1 s); doubles per failure.
    pub retry_base: Duration,
    /// Longest retry delay (5 min).
    pub retry_cap: Duration,
    /// How long a claimed post may take before another viewer takes it over (30 s); must
    /// exceed `timeout`.
    pub lease: Duration,
    /// Deadline of one POST, connection included (10 s).
    pub timeout: Duration,
    /// Variables for `${VAR}` in the webhook (`None`: the process environment).
    pub vars: Option<HashMap<String, String>>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            window: Duration::from_secs(60),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(300),
            lease: Duration::from_secs(30),
            timeout: Duration::from_secs(10),
            vars: None,
        }
    }
}

/// A running notifier. Dropping it stops it: a post in flight gets a second to finish (and
/// be recorded); otherwise its claim is given back for another viewer to make.
pub struct NotifierHandle {
    stop: CancellationToken,
    thread: Option<JoinHandle<()>>,
    status: watch::Receiver<NotifyStatus>,
}

impl NotifierHandle {
    /// The notifier's status; `changed().await` wakes when it changes.
    #[must_use]
    pub fn status(&self) -> watch::Receiver<NotifyStatus> {
        self.status.clone()
    }
}

impl std::fmt::Debug for NotifierHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotifierHandle")
            .field("status", &*self.status.borrow())
            .finish_non_exhaustive()
    }
}

impl Drop for NotifierHandle {
    fn drop(&mut self) {
        self.stop.cancel();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a notifier for the room of `plan` (T-0 `t0`) on the journal at `journal_path` (a
/// file, or a database room's URL), with production timings and the process environment.
///
/// Errors: [`NotifyError::Webhook`] when the webhook does not resolve;
/// [`NotifyError::Start`] when the journal's directory, its database room's URL or a thread
/// cannot be used.
pub fn spawn(
    config: &NotifyConfig,
    plan: Plan,
    t0: DateTime<Utc>,
    journal_path: &Path,
) -> Result<NotifierHandle, NotifyError> {
    spawn_with(config, plan, t0, journal_path, Options::default())
}

/// [`spawn`] with other timings or variables (tests).
pub fn spawn_with(
    config: &NotifyConfig,
    plan: Plan,
    t0: DateTime<Utc>,
    journal_path: &Path,
    options: Options,
) -> Result<NotifierHandle, NotifyError> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let url = match &options.vars {
        Some(vars) => config.webhook_url(|k| vars.get(k).cloned()),
        None => config.webhook_url(|k| std::env::var(k).ok()),
    }
    .map_err(NotifyError::Webhook)?;
    let host = match url.port() {
        Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_string(),
    };
    let (tx, rx) = watch::channel(NotifyStatus {
        host: host.clone(),
        ..NotifyStatus::default()
    });
    let owner = format!(
        "{}:{}:{}",
        crate::journal::actor(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let stop = CancellationToken::new();
    let worker = worker::Worker::new(worker::Setup {
        config: config.clone(),
        url,
        host,
        plan,
        t0,
        journal_path: journal_path.to_path_buf(),
        options,
        owner,
        status: tx,
    })
    .map_err(NotifyError::Start)?;
    let token = stop.clone();
    let thread = std::thread::Builder::new()
        .name("notify".into())
        .spawn(move || worker.run(&token))
        .map_err(|e| NotifyError::Start(e.to_string()))?;
    Ok(NotifierHandle {
        stop,
        thread: Some(thread),
        status: rx,
    })
}
