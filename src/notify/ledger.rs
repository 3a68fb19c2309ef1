//! The sidecar `<journal>.notify`: what every viewer's notifier agrees on, so that one post is
//! made per event however many viewers are open.
//!
//! It holds (JSON) how far the journal's events were posted, the lease of the post in flight,
//! the rate-limit window's post times, when the digest was last sent and the failure state of
//! the webhook. It is read and changed only under an exclusive `flock` of the file, held for
//! microseconds — never while posting:
//!
//! 1. under the lock, a notifier with something to post that finds no live lease, no retry
//!    pending and room in the rate window writes a lease (owner, expiry, what) and unlocks;
//! 2. it posts;
//! 3. under the lock again, it records the result: on success `delivered` moves past the
//!    events posted (or `digest_at` to now) and the post time joins the window; on failure the
//!    failure count, the error and the time of the retry (exponential backoff) are recorded.
//!    Either way the lease is dropped, and any viewer may make the next post or the retry.
//!
//! A database room has no file beside it: its ledger is rows in the database ([`Store::Room`];
//! `warroom_notify`, one row per version of the ledger). A change inserts the next version
//! with `ON CONFLICT DO NOTHING`; a viewer that finds the version taken by another reads the
//! ledger again and decides afresh — the same one-at-a-time rule as the file's lock.
//!
//! A lease outlives the request's timeout; one left behind by a viewer that died mid-post
//! expires and the post is made again by another: delivery is *at least once*. Since
//! everything posted is derived from the journal, the retry posts the same text. Content is
//! rewritten in place with one write, padded with spaces to the previous length (JSON allows
//! trailing whitespace), so a reader never sees a half-empty file.

use std::fs::{File, OpenOptions};
use std::io::{self, Read as _};
use std::os::unix::fs::{FileExt as _, MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::limit::{Batch, RateLimit, backoff, batch};
use crate::journal::Journal;

/// Format version of the sidecar.
pub const LEDGER_VERSION: u32 = 1;

/// The sidecar's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ledger {
    /// Format version ([`LEDGER_VERSION`]).
    pub v: u32,
    /// Every event up to this journal seq has been dealt with: posted alone or in a summary,
    /// or appended before the first notifier of the room started.
    pub delivered: u64,
    /// Posts made, ever (events, summaries and digests).
    pub posted: u64,
    /// When the posts that may still count against the rate limit were made.
    #[serde(default)]
    pub sent: Vec<DateTime<Utc>>,
    /// When the last status digest was posted.
    #[serde(default)]
    pub digest_at: Option<DateTime<Utc>>,
    /// The post in flight, if any.
    #[serde(default)]
    pub lease: Option<Lease>,
    /// Failed attempts in a row.
    #[serde(default)]
    pub failures: u32,
    /// No post before this (backoff after a failure, or the webhook's `Retry-After`).
    #[serde(default)]
    pub retry_at: Option<DateTime<Utc>>,
    /// The last failure: when, and what (never the webhook URL).
    #[serde(default)]
    pub last_error: Option<(DateTime<Utc>, String)>,
}

/// A claim on the next post.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lease {
    /// Which notifier: `user@host:pid:n`.
    pub owner: String,
    /// When the claim lapses if it is not settled (the owner died mid-post).
    pub until: DateTime<Utc>,
    /// What is being posted.
    pub work: Work,
}

/// What one post carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Work {
    /// The pending events up to journal seq `through` (`count` of them; more than one is a
    /// summary).
    Events {
        /// Last seq covered.
        through: u64,
        /// Events in the post.
        count: usize,
    },
    /// The status digest.
    Digest,
}

/// The rules every notifier applies to the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// The rate limit.
    pub limit: RateLimit,
    /// How long a claim holds before another viewer may take the work over.
    pub lease: Duration,
    /// First retry delay; doubles on each failure.
    pub retry_base: Duration,
    /// Longest retry delay.
    pub retry_cap: Duration,
}

/// What a notifier should do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Claim and post this.
    Post(Work),
    /// Nothing to do before this time (or before a wake-up, with `None`).
    Wait(Option<DateTime<Utc>>),
}

impl Ledger {
    /// A fresh ledger: events up to `head` are taken as dealt with.
    #[must_use]
    pub fn new(head: u64) -> Ledger {
        Ledger {
            v: LEDGER_VERSION,
            delivered: head,
            posted: 0,
            sent: Vec::new(),
            digest_at: None,
            lease: None,
            failures: 0,
            retry_at: None,
            last_error: None,
        }
    }

    /// The lease in force at `now` (an expired one is ignored).
    #[must_use]
    pub fn live_lease(&self, now: DateTime<Utc>) -> Option<&Lease> {
        self.lease.as_ref().filter(|l| l.until > now)
    }

    /// What to do at `now`, given the seqs of the events waiting (in order, all after
    /// `delivered`) and when the digest is due (`None`: not running).
    #[must_use]
    pub fn decide(
        &self,
        pending: &[u64],
        digest_due: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        rules: &Rules,
    ) -> Decision {
        let digest_now = digest_due.is_some_and(|d| d <= now);
        if pending.is_empty() && !digest_now {
            return Decision::Wait(digest_due);
        }
        if let Some(l) = self.live_lease(now) {
            return Decision::Wait(Some(l.until));
        }
        if let Some(r) = self.retry_at.filter(|r| *r > now) {
            return Decision::Wait(Some(r));
        }
        let free = rules.limit.free(&self.sent, now);
        if free == 0 {
            return Decision::Wait(rules.limit.next_free(&self.sent, now));
        }
        match batch(pending.len(), free) {
            Batch::Single => Decision::Post(Work::Events {
                through: pending[0],
                count: 1,
            }),
            Batch::Fold(n) => Decision::Post(Work::Events {
                through: pending[n - 1],
                count: n,
            }),
            Batch::None => Decision::Post(Work::Digest),
        }
    }

    /// Writes the claim for `work`.
    pub fn claim(&mut self, work: Work, owner: &str, now: DateTime<Utc>, rules: &Rules) {
        self.lease = Some(Lease {
            owner: owner.to_string(),
            until: now + chrono::Duration::from_std(rules.lease).unwrap_or(chrono::Duration::MAX),
            work,
        });
    }

    /// Records a successful post of `work` made at `now`.
    pub fn succeeded(&mut self, work: Work, owner: &str, now: DateTime<Utc>, rules: &Rules) {
        self.release(owner);
        match work {
            Work::Events { through, .. } => self.delivered = self.delivered.max(through),
            Work::Digest => self.digest_at = Some(now),
        }
        self.posted += 1;
        let mut sent = rules.limit.prune(&self.sent, now);
        sent.push(now);
        self.sent = sent;
        self.failures = 0;
        self.retry_at = None;
        self.last_error = None;
    }

    /// Records a failed post: the next try waits for the backoff (or the webhook's
    /// `Retry-After`, when longer).
    pub fn failed(
        &mut self,
        owner: &str,
        error: String,
        retry_after: Option<Duration>,
        now: DateTime<Utc>,
        rules: &Rules,
    ) {
        self.release(owner);
        self.failures = self.failures.saturating_add(1);
        let wait = backoff(self.failures, rules.retry_base, rules.retry_cap)
            .max(retry_after.unwrap_or_default().min(rules.retry_cap));
        self.retry_at =
            Some(now + chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX));
        self.last_error = Some((now, error));
    }

    /// Drops the lease if `owner` holds it (it may have lapsed and been taken over).
    pub fn release(&mut self, owner: &str) {
        if self.lease.as_ref().is_some_and(|l| l.owner == owner) {
            self.lease = None;
        }
    }
}

/// How often a change to a database room's ledger is tried again when other viewers keep
/// writing the version first.
const ROOM_ATTEMPTS: u32 = 20;

/// Where the ledger lives: the sidecar file of a file journal, or rows beside a database
/// room's events.
#[derive(Debug)]
pub enum Store {
    /// `<journal>.notify`.
    File(Sidecar),
    /// `warroom_notify` in the room's database, for one webhook.
    Room {
        /// The room (its own connection).
        journal: Journal,
        /// SHA-256 (hex) of the webhook's URL: the ledger's key, never the URL itself.
        webhook: String,
    },
}

impl Store {
    /// The store for the journal at `location` (a file path or a room URL), posting to the
    /// webhook at `webhook_url`. Errors (in words) when the database room's location cannot
    /// be read.
    pub fn for_journal(location: &Path, webhook_url: &str) -> Result<Store, String> {
        if crate::journal::is_database(location) {
            let journal = Journal::open(location).map_err(|e| e.to_string())?;
            Ok(Store::Room {
                journal,
                webhook: crate::journal::chain::line_hash(webhook_url.as_bytes()),
            })
        } else {
            Ok(Store::File(Sidecar::for_journal(location)))
        }
    }

    /// The sidecar file, for a file journal (the one thing there is to watch).
    #[must_use]
    pub fn file(&self) -> Option<&Path> {
        match self {
            Store::File(s) => Some(s.path()),
            Store::Room { .. } => None,
        }
    }

    /// Runs `f` on the ledger, one viewer at a time, and keeps what it changed. `f` gets
    /// `None` when there is no ledger yet (or it is unreadable; it is then started afresh).
    /// In a database room `f` may run more than once: when another viewer changed the ledger
    /// meanwhile, it runs again on theirs, and only the last run counts.
    ///
    /// Errors (in words naming the sidecar or the room): the file cannot be used (see
    /// [`Sidecar::with`]); the database cannot be reached or written; other viewers kept
    /// changing the ledger first [`ROOM_ATTEMPTS`] times in a row (try again later).
    pub fn with<R>(&self, mut f: impl FnMut(&mut Option<Ledger>) -> R) -> Result<R, String> {
        match self {
            Store::File(s) => s
                .with(f)
                .map_err(|e| format!("{}: {e}", s.path().display())),
            Store::Room { journal, webhook } => {
                for _ in 0..ROOM_ATTEMPTS {
                    let latest = journal.notify_ledger(webhook).map_err(|e| e.to_string())?;
                    let (version, mut ledger) = match latest {
                        Some((v, json)) => (v, parse(json.as_bytes(), Path::new(&journal.shown()))),
                        None => (0, None),
                    };
                    let before = ledger.clone();
                    let out = f(&mut ledger);
                    let Some(l) = ledger.filter(|l| Some(l) != before.as_ref()) else {
                        return Ok(out);
                    };
                    let json = serde_json::to_string(&l).map_err(|e| e.to_string())?;
                    if journal
                        .put_notify_ledger(webhook, version + 1, &json)
                        .map_err(|e| e.to_string())?
                    {
                        return Ok(out);
                    }
                }
                Err(format!(
                    "{}: the notification ledger was changed by other viewers {ROOM_ATTEMPTS} \
                     times in a row; trying again",
                    journal.shown()
                ))
            }
        }
    }
}

/// The sidecar file of a journal.
#[derive(Debug, Clone)]
pub struct Sidecar {
    path: PathBuf,
}

/// `<journal>.notify`: the sidecar beside the journal.
#[must_use]
pub fn sidecar_path(journal: &Path) -> PathBuf {
    let mut name = journal
        .file_name()
        .map(std::ffi::OsString::from)
        .unwrap_or_default();
    name.push(".notify");
    journal.with_file_name(name)
}

impl Sidecar {
    /// The sidecar of the journal at `journal` (nothing is opened yet).
    #[must_use]
    pub fn for_journal(journal: &Path) -> Sidecar {
        Sidecar {
            path: sidecar_path(journal),
        }
    }

    /// The file.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Runs `f` on the ledger under the exclusive lock and writes it back if `f` changed it.
    /// `f` gets `None` when there is no ledger yet (or it is unreadable, e.g. after a power
    /// loss mid-write; it is then started afresh).
    ///
    /// The file is opened read-only unless there is something to write: every notifier
    /// watches it, and closing a file opened for writing is a change to them (a loop of
    /// wake-ups between viewers that only look).
    ///
    /// The sidecar is never opened through a symbolic link, and one that is not a regular
    /// file of its own (a link, a hard link, a FIFO) is refused with an error naming it: in a
    /// shared room's directory anyone in the group could otherwise point it at a file of
    /// yours, which the next write would overwrite.
    pub fn with<R>(&self, f: impl FnOnce(&mut Option<Ledger>) -> R) -> io::Result<R> {
        let mut file = match self.open(OpenOptions::new().read(true)) {
            Ok(f) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.open(OpenOptions::new().write(true).create(true).truncate(false))?;
                self.open(OpenOptions::new().read(true))?
            }
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        // flock: an exclusive lock needs no write access.
        file.lock()?;
        let mut raw = Vec::new();
        file.read_to_end(&mut raw)?;
        let mut ledger = parse(&raw, &self.path);
        let before = ledger.clone();
        let out = f(&mut ledger);
        if ledger != before
            && let Some(l) = &ledger
        {
            let writer = self.open(OpenOptions::new().write(true))?;
            let same = writer.metadata()?;
            if (same.dev(), same.ino()) != (meta.dev(), meta.ino()) {
                return Err(io::Error::other(format!(
                    "{}: replaced by another file while it was locked; not written",
                    self.path.display()
                )));
            }
            write(&writer, l, raw.len())?;
        }
        // Dropping the read handle unlocks it (after the writer is closed).
        Ok(out)
    }
}

impl Sidecar {
    /// Opens the sidecar with `opts`, never through a symbolic link (`O_NOFOLLOW`) nor
    /// blocking on a FIFO; refuses anything but a regular file with one name.
    fn open(&self, opts: &mut OpenOptions) -> io::Result<File> {
        let flags = nix::fcntl::OFlag::O_NOFOLLOW | nix::fcntl::OFlag::O_NONBLOCK;
        let file = opts
            .custom_flags(flags.bits())
            .open(&self.path)
            .map_err(|e| {
                if e.raw_os_error() == Some(nix::errno::Errno::ELOOP as i32) {
                    io::Error::other(format!(
                        "{} is a symbolic link: the notification ledger is never written \
                         through a link (it could point at another file); remove it, and the \
                         next notifier creates it afresh",
                        self.path.display()
                    ))
                } else {
                    e
                }
            })?;
        let meta = file.metadata()?;
        if !meta.is_file() || meta.nlink() > 1 {
            return Err(io::Error::other(format!(
                "{} is not a regular file of its own ({}): the notification ledger is never \
                 written there; remove it, and the next notifier creates it afresh",
                self.path.display(),
                if meta.is_file() {
                    "it has other hard links"
                } else {
                    "a FIFO, a directory or a device"
                }
            )));
        }
        Ok(file)
    }
}

fn parse(raw: &[u8], path: &Path) -> Option<Ledger> {
    if raw.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    match serde_json::from_slice::<Ledger>(raw) {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!(
                "{}: unreadable ({e}); starting the notification ledger afresh",
                path.display()
            );
            None
        }
    }
}

fn write(file: &File, ledger: &Ledger, old_len: usize) -> io::Result<()> {
    let mut bytes = serde_json::to_vec(ledger).map_err(io::Error::other)?;
    bytes.push(b'\n');
    if bytes.len() < old_len {
        bytes.resize(old_len, b' ');
    }
    file.write_all_at(&bytes, 0)?;
    file.sync_data()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone as _;

    use super::*;

    fn t(ms: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 14, 0, 0).single().unwrap()
            + chrono::Duration::milliseconds(ms)
    }

    fn rules(max: u32) -> Rules {
        Rules {
            limit: RateLimit {
                max,
                window: Duration::from_secs(60),
            },
            lease: Duration::from_secs(30),
            retry_base: Duration::from_secs(1),
            retry_cap: Duration::from_secs(300),
        }
    }

    #[test]
    fn one_post_at_a_time_then_the_next() {
        let r = rules(6);
        let mut l = Ledger::new(3);
        assert_eq!(l.decide(&[], None, t(0), &r), Decision::Wait(None));
        let d = l.decide(&[5, 7], None, t(0), &r);
        let work = Work::Events {
            through: 5,
            count: 1,
        };
        assert_eq!(d, Decision::Post(work));
        l.claim(work, "a", t(0), &r);
        // Another viewer sees the claim and waits for it.
        assert_eq!(
            l.decide(&[5, 7], None, t(10), &r),
            Decision::Wait(Some(t(30_000)))
        );
        // A claim left by a viewer that died lapses: the work is taken over.
        assert_eq!(l.decide(&[5, 7], None, t(30_000), &r), Decision::Post(work));
        l.succeeded(work, "a", t(100), &r);
        assert_eq!((l.delivered, l.posted, l.lease.clone()), (5, 1, None));
        assert_eq!(
            l.decide(&[7], None, t(100), &r),
            Decision::Post(Work::Events {
                through: 7,
                count: 1
            })
        );
    }

    #[test]
    fn failures_back_off_and_success_clears_them() {
        let r = rules(6);
        let mut l = Ledger::new(0);
        let work = Work::Events {
            through: 1,
            count: 1,
        };
        l.claim(work, "a", t(0), &r);
        l.failed("a", "HTTP 503".into(), None, t(0), &r);
        assert_eq!(l.retry_at, Some(t(1000)));
        assert_eq!(
            l.decide(&[1], None, t(500), &r),
            Decision::Wait(Some(t(1000)))
        );
        l.failed("b", "HTTP 503".into(), None, t(1000), &r);
        assert_eq!(l.retry_at, Some(t(3000)));
        // Retry-After wins when longer.
        l.failed(
            "b",
            "HTTP 429".into(),
            Some(Duration::from_secs(30)),
            t(3000),
            &r,
        );
        assert_eq!(l.retry_at, Some(t(33_000)));
        assert_eq!(l.failures, 3);
        l.succeeded(work, "c", t(33_000), &r);
        assert_eq!(
            (l.failures, l.retry_at, l.last_error.clone()),
            (0, None, None)
        );
    }

    #[test]
    fn the_rate_limit_folds_the_backlog_into_the_last_post_of_the_window() {
        let r = rules(3);
        let mut l = Ledger::new(0);
        let pending: Vec<u64> = (1..=20).collect();
        let mut posts = Vec::new();
        let mut now = t(0);
        while l.delivered < 20 {
            let waiting: Vec<u64> = pending
                .iter()
                .copied()
                .filter(|s| *s > l.delivered)
                .collect();
            match l.decide(&waiting, None, now, &r) {
                Decision::Post(w) => {
                    l.claim(w, "a", now, &r);
                    l.succeeded(w, "a", now, &r);
                    posts.push((now, w));
                }
                Decision::Wait(Some(at)) => now = at,
                Decision::Wait(None) => panic!("stuck"),
            }
        }
        let counts: Vec<usize> = posts
            .iter()
            .map(|(_, w)| match w {
                Work::Events { count, .. } => *count,
                Work::Digest => 0,
            })
            .collect();
        assert_eq!(counts, vec![1, 1, 18]);
        assert_eq!(posts[2].0, t(0));
    }

    #[test]
    fn the_digest_waits_for_events_and_the_window() {
        let r = rules(1);
        let mut l = Ledger::new(0);
        assert_eq!(
            l.decide(&[], Some(t(500)), t(0), &r),
            Decision::Wait(Some(t(500)))
        );
        assert_eq!(
            l.decide(&[], Some(t(500)), t(500), &r),
            Decision::Post(Work::Digest)
        );
        assert!(matches!(
            l.decide(&[4], Some(t(500)), t(500), &r),
            Decision::Post(Work::Events { .. })
        ));
        l.succeeded(Work::Digest, "a", t(500), &r);
        assert_eq!(l.digest_at, Some(t(500)));
        assert_eq!(
            l.decide(&[4], None, t(600), &r),
            Decision::Wait(Some(t(60_500)))
        );
    }

    #[test]
    fn the_file_is_shared_under_a_lock_and_rewritten_whole() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("room.journal.jsonl");
        let sc = Sidecar::for_journal(&journal);
        assert_eq!(sc.path(), dir.path().join("room.journal.jsonl.notify"));
        assert_eq!(sc.with(|l| l.clone()).unwrap(), None);
        sc.with(|l| {
            let mut n = Ledger::new(9);
            n.last_error = Some((t(0), "x".repeat(500)));
            *l = Some(n);
        })
        .unwrap();
        let long = std::fs::read(sc.path()).unwrap().len();
        // Shorter content is padded to the old length, and still reads back.
        sc.with(|l| l.as_mut().unwrap().last_error = None).unwrap();
        assert_eq!(std::fs::read(sc.path()).unwrap().len(), long);
        let back = sc.with(|l| l.clone()).unwrap().unwrap();
        assert_eq!(back, Ledger::new(9));
        // Garbage (a write torn by a power loss) starts afresh rather than failing forever.
        std::fs::write(sc.path(), b"{\"v\":1,\"deliv").unwrap();
        assert_eq!(sc.with(|l| l.clone()).unwrap(), None);
    }
    #[test]
    fn a_ledger_that_is_a_link_or_a_fifo_is_refused_and_its_target_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let sc = Sidecar::for_journal(&dir.path().join("room.journal.jsonl"));
        // A teammate points the ledger at a file of yours.
        let yours = dir.path().join("yours.txt");
        std::fs::write(&yours, b"your own notes\n").unwrap();
        std::os::unix::fs::symlink(&yours, sc.path()).unwrap();
        let err = sc.with(|l| *l = Some(Ledger::new(1))).unwrap_err();
        assert!(err.to_string().contains("symbolic link"), "{err}");
        assert_eq!(std::fs::read(&yours).unwrap(), b"your own notes\n");

        std::fs::remove_file(sc.path()).unwrap();
        std::fs::hard_link(&yours, sc.path()).unwrap();
        let err = sc.with(|l| *l = Some(Ledger::new(1))).unwrap_err();
        assert!(err.to_string().contains("hard links"), "{err}");
        assert_eq!(std::fs::read(&yours).unwrap(), b"your own notes\n");

        std::fs::remove_file(sc.path()).unwrap();
        nix::unistd::mkfifo(sc.path(), nix::sys::stat::Mode::from_bits_truncate(0o600)).unwrap();
        let err = sc.with(|l| l.clone()).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
    }

    #[test]
    fn a_look_that_changes_nothing_wakes_no_other_viewer() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};

        let dir = tempfile::tempdir().unwrap();
        let sc = Sidecar::for_journal(&dir.path().join("room.journal.jsonl"));
        sc.with(|l| *l = Some(Ledger::new(1))).unwrap();
        let wakes = Arc::new(AtomicUsize::new(0));
        let w = Arc::clone(&wakes);
        let _watch = crate::journal::follow::watch(sc.path(), move || {
            w.fetch_add(1, Ordering::SeqCst);
        })
        .unwrap();
        std::thread::sleep(Duration::from_millis(150));
        wakes.store(0, Ordering::SeqCst);
        for _ in 0..5 {
            sc.with(|l| l.as_ref().map(|l| l.delivered)).unwrap();
        }
        std::thread::sleep(Duration::from_millis(300));
        // Every viewer watches the sidecar: a look that woke the others would make them look,
        // and wake this one, forever.
        assert_eq!(wakes.load(Ordering::SeqCst), 0);
        sc.with(|l| l.as_mut().unwrap().delivered = 2).unwrap();
        std::thread::sleep(Duration::from_millis(300));
        assert!(
            wakes.load(Ordering::SeqCst) > 0,
            "a change must wake the others"
        );
    }
}
