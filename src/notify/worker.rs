//! One viewer's notifier: follows the journal, folds it, and takes its turn at posting through
//! the sidecar ledger. Runs on its own thread with a current-thread tokio runtime, so nothing
//! here (file locks, fsync, a slow webhook) can hold up the room's event loop.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use super::ledger::{Decision, Ledger, Rules, Store, Work};
use super::limit::RateLimit;
use super::message::{self, Message};
use super::{NotifyConfig, NotifyStatus, Options};
use crate::journal::event::{Event, EventKind};
use crate::journal::{Cursor, Journal, JournalError, follow};
use crate::plan::Plan;
use crate::state::RoomState;

/// Longest sleep without looking at the journal and the sidecar (a safety net under the
/// file watches).
const IDLE: Duration = Duration::from_secs(5);
/// How long a post in flight may still take when the notifier is stopped.
const GRACE: Duration = Duration::from_secs(1);
/// Longest part of a webhook's answer quoted in an error.
const ERROR_BODY: usize = 120;

/// Everything a worker is made from.
pub(super) struct Setup {
    pub config: NotifyConfig,
    pub url: Url,
    pub host: String,
    pub plan: Plan,
    pub t0: DateTime<Utc>,
    pub journal_path: PathBuf,
    pub options: Options,
    pub owner: String,
    pub status: watch::Sender<NotifyStatus>,
}

pub(super) struct Worker {
    config: NotifyConfig,
    url: Url,
    host: String,
    plan: Plan,
    t0: DateTime<Utc>,
    journal_path: PathBuf,
    timeout: Duration,
    owner: String,
    status: watch::Sender<NotifyStatus>,
    journal: Journal,
    /// The ledger: the sidecar file, or rows in the room's database.
    sidecar: Store,
    rules: Rules,
    state: RoomState,
    cursor: Cursor,
    /// Messages are derived for events from this seq on (earlier ones were dealt with).
    floor: u64,
    /// Messages not yet known to be posted, in journal order.
    pending: Vec<Message>,
    /// The journal was replaced: the ledger's `delivered` may point past its end.
    replaced: bool,
    /// This viewer's last failure to read the journal (until a read succeeds).
    journal_error: Option<(DateTime<Utc>, String)>,
    /// This viewer's last failure to use the sidecar (until a look succeeds).
    sidecar_error: Option<(DateTime<Utc>, String)>,
}

/// What one look at the ledger says to do.
enum Step {
    /// Post this text for this claimed work.
    Post(Work, String),
    /// Sleep until then (at most [`IDLE`]) or until a file changes.
    Wait(Option<DateTime<Utc>>),
}

/// A failed post.
struct Failure {
    message: String,
    retry_after: Option<Duration>,
}

impl Worker {
    pub(super) fn new(s: Setup) -> Result<Worker, String> {
        let journal = Journal::open(&s.journal_path).map_err(|e| e.to_string())?;
        let rules = Rules {
            limit: RateLimit {
                max: s.config.max_per_minute,
                window: s.options.window,
            },
            lease: s.options.lease.max(s.options.timeout + GRACE),
            retry_base: s.options.retry_base,
            retry_cap: s.options.retry_cap,
        };
        Ok(Worker {
            sidecar: Store::for_journal(&s.journal_path, s.url.as_str())?,
            state: RoomState::new(s.plan.clone(), s.t0),
            config: s.config,
            url: s.url,
            host: s.host,
            plan: s.plan,
            t0: s.t0,
            journal_path: s.journal_path,
            timeout: s.options.timeout,
            owner: s.owner,
            status: s.status,
            journal,
            rules,
            cursor: Cursor::default(),
            floor: u64::MAX,
            pending: Vec::new(),
            replaced: false,
            journal_error: None,
            sidecar_error: None,
        })
    }

    /// The thread's body: runs until `stop` is cancelled.
    pub(super) fn run(mut self, stop: &CancellationToken) {
        let rt = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt,
            Err(e) => {
                self.fail_for_good(format!("cannot start: {e}"));
                return;
            }
        };
        rt.block_on(self.main(stop));
    }

    async fn main(&mut self, stop: &CancellationToken) {
        let client = match crate::poll::http::client(None) {
            Ok(c) => c,
            Err(e) => return self.fail_for_good(e),
        };
        let wake = Arc::new(Notify::new());
        let watch = |path: PathBuf| {
            let w = Arc::clone(&wake);
            follow::watch(&path, move || w.notify_one())
                .map_err(|e| tracing::warn!("notify: {e}; looking every {}s", IDLE.as_secs()))
                .ok()
        };
        let _journal_watch = watch(self.journal_path.clone());
        // A database room's ledger is not watched: a viewer waiting on another's post looks
        // again when its lease ends or the room changes, at most [`IDLE`] later.
        let _sidecar_watch = self.sidecar.file().map(|p| watch(p.to_path_buf()));

        // Where the ledger says posting is at decides which events need a message at all.
        match self.sidecar.with(|l| l.as_ref().map(|l| l.delivered)) {
            Ok(Some(d)) => self.floor = d + 1,
            Ok(None) => {}
            Err(e) => self.sidecar_fail(e),
        }
        self.catch_up();
        loop {
            if stop.is_cancelled() {
                return;
            }
            match self.step(Utc::now()) {
                Step::Post(work, text) => {
                    let result = {
                        let post = post(&client, &self.url, &self.host, &text, self.timeout);
                        tokio::pin!(post);
                        tokio::select! {
                            r = &mut post => Some(r),
                            () = stop.cancelled() => {
                                tokio::time::timeout(GRACE, &mut post).await.ok()
                            }
                        }
                    };
                    match result {
                        Some(r) => self.record(work, &r),
                        None => {
                            // Cut short: give the claim back so another viewer posts it.
                            let owner = self.owner.clone();
                            let _ = self.sidecar.with(|l| {
                                if let Some(l) = l {
                                    l.release(&owner);
                                }
                            });
                            return;
                        }
                    }
                }
                Step::Wait(until) => {
                    let wait = until.map_or(IDLE, |u| {
                        (u - Utc::now()).to_std().unwrap_or_default().min(IDLE)
                    });
                    tokio::select! {
                        () = wake.notified() => {}
                        () = tokio::time::sleep(wait.max(Duration::from_millis(10))) => {}
                        () = stop.cancelled() => return,
                    }
                    self.catch_up();
                }
            }
        }
    }

    /// Reads and folds what was appended since the last look.
    fn catch_up(&mut self) {
        match self.journal.read_new(&mut self.cursor) {
            Ok(events) => {
                self.journal_error = None;
                for ev in &events {
                    self.fold(ev);
                }
                // Corrupt lines are the room's to report; the events around them still count.
                let _ = self.cursor.take_problems();
            }
            Err(JournalError::Replaced { .. }) => {
                self.replaced = true;
                self.rebuild(1);
            }
            Err(e) => {
                tracing::warn!("notify: {e}");
                self.journal_error = Some((Utc::now(), e.to_string()));
            }
        }
    }

    /// Starts over from an empty room, deriving messages from `floor` on.
    fn rebuild(&mut self, floor: u64) {
        self.state = RoomState::new(self.plan.clone(), self.t0);
        self.cursor = Cursor::default();
        self.pending.clear();
        self.floor = floor;
        self.catch_up();
    }

    fn fold(&mut self, ev: &Event) {
        if ev.seq < self.floor || !may_post(&ev.kind) {
            self.state.apply(ev);
            return;
        }
        let before = self.state.clone();
        self.state.apply(ev);
        if let Some(m) = message::message(&before, ev, &self.state)
            && self.config.posts(m.topic)
        {
            self.pending.push(m);
        }
    }

    /// When the next digest is due, if the digest runs now.
    fn digest_due(&self, last: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
        if self.config.digest.is_zero() || !message::digest_applies(&self.state) {
            return None;
        }
        let s = &self.state;
        let since = s
            .actual
            .iter()
            .filter_map(|a| a.start)
            .min()
            .or(s.rollback.as_ref().map(|r| r.started.at))
            .or(s.hold().map(|h| h.called.at))?;
        let anchor = last.map_or(since, |l| l.max(since));
        Some(anchor + chrono::Duration::from_std(self.config.digest).ok()?)
    }

    /// Looks at the ledger under its lock and, when it is this viewer's turn, claims a post.
    fn step(&mut self, now: DateTime<Utc>) -> Step {
        let head = self.state.head_seq;
        let (floor, replaced) = (self.floor, self.replaced);
        let pending: Vec<u64> = self.pending.iter().map(|m| m.seq).collect();
        let digest_due = |last| self.digest_due(last);
        let (owner, rules) = (&self.owner, &self.rules);
        let looked = self.sidecar.with(|slot| {
            // The room's first notifier starts after what is already journaled.
            let l = slot.get_or_insert_with(|| Ledger::new(head));
            if replaced && l.delivered > head {
                l.delivered = head;
            }
            // Events this viewer folded without deriving their message, not yet posted.
            if l.delivered < head && l.delivered + 1 < floor {
                return Err(l.delivered);
            }
            let waiting: Vec<u64> = pending
                .iter()
                .copied()
                .filter(|s| *s > l.delivered)
                .collect();
            let decision = l.decide(&waiting, digest_due(l.digest_at), now, rules);
            if let Decision::Post(work) = decision {
                l.claim(work, owner, now, rules);
            }
            Ok((decision, l.clone()))
        });
        let (decision, ledger) = match looked {
            Ok(Ok(x)) => x,
            Ok(Err(delivered)) => {
                // Posting is further back than this viewer derived messages for.
                self.rebuild(delivered + 1);
                return Step::Wait(Some(now));
            }
            Err(e) => {
                self.sidecar_fail(e);
                self.publish(None);
                return Step::Wait(Some(now + chrono::Duration::seconds(1)));
            }
        };
        self.replaced = false;
        // Every event still to be read needs its message.
        self.floor = self.floor.min(head + 1);
        self.pending.retain(|m| m.seq > ledger.delivered);
        self.sidecar_error = None;
        self.publish(Some(&ledger));
        match decision {
            Decision::Wait(until) => Step::Wait(until),
            Decision::Post(work @ Work::Events { through, .. }) => {
                let batch: Vec<Message> = self
                    .pending
                    .iter()
                    .filter(|m| m.seq <= through)
                    .cloned()
                    .collect();
                Step::Post(work, message::fold(&batch).unwrap_or_default())
            }
            Decision::Post(Work::Digest) => {
                Step::Post(Work::Digest, message::digest(&self.state, now))
            }
        }
    }

    /// Records the outcome of a post in the ledger.
    fn record(&mut self, work: Work, result: &Result<(), Failure>) {
        let now = Utc::now();
        let head = self.state.head_seq;
        let (owner, rules) = (&self.owner, &self.rules);
        let done = self.sidecar.with(|slot| {
            let l = slot.get_or_insert_with(|| Ledger::new(head));
            match result {
                Ok(()) => l.succeeded(work, owner, now, rules),
                Err(f) => l.failed(owner, f.message.clone(), f.retry_after, now, rules),
            }
            l.clone()
        });
        match done {
            Ok(l) => {
                self.sidecar_error = None;
                self.pending.retain(|m| m.seq > l.delivered);
                self.publish(Some(&l));
            }
            // The claim lapses and another viewer (or this one) posts again: at least once.
            Err(e) => {
                self.sidecar_fail(e);
                self.publish(None);
            }
        }
    }

    /// Records a failure to use the ledger (its words name the sidecar or the room).
    fn sidecar_fail(&mut self, message: String) {
        tracing::warn!("notify: {message}");
        self.sidecar_error = Some((Utc::now(), message));
    }

    /// A failure that stops this notifier (no runtime, no TLS): shown for good.
    fn fail_for_good(&mut self, message: String) {
        tracing::warn!("notify: {message}");
        self.journal_error = Some((Utc::now(), message));
        self.publish(None);
    }

    fn publish(&self, ledger: Option<&Ledger>) {
        let status = NotifyStatus {
            host: self.host.clone(),
            posted: ledger.map_or_else(|| self.status.borrow().posted, |l| l.posted),
            pending: self.pending.len(),
            last_error: self
                .journal_error
                .clone()
                .or_else(|| self.sidecar_error.clone())
                .or_else(|| ledger.and_then(|l| l.last_error.clone())),
            next_retry: ledger.and_then(|l| l.retry_at),
        };
        self.status.send_if_modified(|s| {
            let changed = *s != status;
            *s = status;
            changed
        });
    }
}

/// Whether an event of this kind can post at all (others are folded without a copy of the
/// state taken before them).
fn may_post(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Advanced { .. }
            | EventKind::Voted { .. }
            | EventKind::HoldCalled { .. }
            | EventKind::HoldReleased { .. }
            | EventKind::TriggerFired { .. }
            | EventKind::TriggerCleared { .. }
            | EventKind::CountdownCancelled { .. }
            | EventKind::RollbackStarted { .. }
    )
}

/// POSTs `{"text": text}`; success is any 2xx.
async fn post(
    client: &reqwest::Client,
    url: &Url,
    host: &str,
    text: &str,
    timeout: Duration,
) -> Result<(), Failure> {
    let sent = client
        .post(url.clone())
        .json(&message::body(text))
        .timeout(timeout)
        .send()
        .await;
    let resp = match sent {
        Ok(r) => r,
        Err(e) => {
            return Err(Failure {
                message: redact(&format!("{host}: {}", error_text(&e.without_url())), url),
                retry_after: None,
            });
        }
    };
    let status = resp.status();
    if status.is_success() {
        return Ok(());
    }
    let retry_after = resp
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    let body = tokio::time::timeout(Duration::from_secs(2), resp.text())
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    let body: String = crate::text::sanitize(body.trim())
        .chars()
        .take(ERROR_BODY)
        .collect();
    let detail = if body.is_empty() {
        String::new()
    } else {
        format!(": {body}")
    };
    Err(Failure {
        message: redact(
            &format!("HTTP {} from {host}{detail}", status.as_u16()),
            url,
        ),
        retry_after,
    })
}

fn error_text(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut src = std::error::Error::source(e);
    while let Some(s) = src {
        let t = s.to_string();
        if !parts.iter().any(|p| p.contains(&t)) {
            parts.push(t);
        }
        src = s.source();
    }
    parts.join(": ")
}

/// `text` without the webhook URL or its path (the credential), in case an error quotes them.
fn redact(text: &str, url: &Url) -> String {
    let mut out = text.replace(url.as_str(), "<webhook>");
    let path = url.path();
    if path.len() > 1 {
        out = out.replace(path, "/…");
    }
    if let Some(q) = url.query().filter(|q| !q.is_empty()) {
        out = out.replace(q, "…");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_never_quote_the_webhook() {
        let url = Url::parse("https://hooks.example.com/services/T1/SECRET?token=XYZ").unwrap();
        let t = redact(
            &format!("failed for {url}; path /services/T1/SECRET, token=XYZ"),
            &url,
        );
        assert!(!t.contains("SECRET") && !t.contains("XYZ"), "{t}");
    }
}
