//! The journal: the append-only event log every viewer of a room shares.
//!
//! Everything a room does is an [`Event`] appended here; every viewer replays the journal and
//! then follows it, so all screens agree and nothing acknowledged is lost. The interface speaks
//! of events, sequence numbers and hashes only — no paths, offsets or locks — so that a
//! database backend can stand in for the file one (DESIGN §6 "Beyond one host"):
//!
//! - [`Journal::append`] writes one event and returns it once it is durable (its `seq` is the
//!   acknowledgement); with `expect_head` it refuses to write when someone else appended first
//!   ([`JournalError::Conflict`]).
//! - [`Journal::replay`] reads everything, [`Journal::read_new`] reads what was appended after a
//!   [`Cursor`], [`follow::watch`] wakes the caller when there may be something new.
//! - [`Journal::verify`] walks the hash chain (`warroom verify`).
//! - [`Journal::check`] compares the journal with a [`Checkpoint`] — the `(seq, hash)` of the
//!   last event a viewer saw ([`checkpoint`]) — and [`Journal::replay_against`] does it while
//!   replaying.
//! - [`Journal::safety`] says whether the journal lives where users outside the trust set
//!   could rewrite it (then [`Journal::append`] refuses, [`JournalError::Unsafe`]) and what
//!   else is worth a warning (a network filesystem); [`Journal::id`] names it for per-user
//!   memory such as checkpoints.
//!
//! The file backend stores JSON Lines (one [`Event`] per line, see [`event`]); each line's
//! `prev` is the SHA-256 of the previous line's bytes ([`chain`]). The database backend
//! ([`postgres`]) stores the same lines, one row each, so the chain is the same. All functions that can fail
//! return [`JournalError`].

pub mod chain;
pub mod checkpoint;
pub mod event;
pub mod evidence;
mod file;
pub mod follow;
mod identity;
pub mod postgres;
mod scan;
pub mod trust;

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use self::checkpoint::{Checkpoint, Consistency};
use self::event::{Event, EventKind};

pub use self::identity::actor;
pub use self::postgres::Moved;
pub use self::postgres::schema::{Init as SchemaInit, SCHEMA_VERSION};

/// An event before it is journaled: the journal adds `v`, `seq` and `prev`.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    /// Who acts: `user@host` (normally [`actor()`]).
    pub actor: String,
    /// The role acted in, if any.
    pub role: Option<String>,
    /// When; stored truncated to whole milliseconds (UTC).
    pub at: DateTime<Utc>,
    /// What happened.
    pub kind: EventKind,
}

impl Draft {
    /// A draft by the current operating-system user ([`actor()`]), in no particular role.
    #[must_use]
    pub fn new(kind: EventKind, at: DateTime<Utc>) -> Draft {
        Draft {
            actor: actor(),
            role: None,
            at,
            kind,
        }
    }

    /// The event this draft becomes as the first of an empty journal (`seq` 1, the genesis
    /// `prev`, `at` truncated to whole milliseconds); a backend then sets `seq` and `prev` from
    /// its head.
    #[must_use]
    pub(crate) fn into_first_event(self) -> Event {
        use chrono::SubsecRound as _;
        Event {
            v: event::EVENT_VERSION,
            seq: 1,
            at: self.at.trunc_subsecs(3),
            actor: self.actor,
            role: self.role,
            kind: self.kind,
            prev: chain::GENESIS_PREV.to_string(),
        }
    }
}

/// A plan as a database room keeps it ([`Journal::store_plan`], [`Journal::room_plan`]), so
/// that it travels with the room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    /// SHA-256 (lower-case hex) of `body` (and the runbook's bytes after it): the hash
    /// `plan_loaded` events record.
    pub hash: String,
    /// The plan's file name as it was stored (e.g. `crm-launch.md`): its extension picks the
    /// loader, its stem is the plan's name in the journal.
    pub name: String,
    /// The plan file's bytes, exactly (a wiring file's own, when it travelled with its
    /// runbook).
    pub body: Vec<u8>,
    /// The runbook a wiring file names, stored with it: its file name and bytes. `hash` is
    /// then of `body` followed by these bytes (as the two files' plan hash is).
    pub runbook: Option<(String, Vec<u8>)>,
    /// When it was stored (the database's clock, UTC, whole milliseconds).
    pub stored_at: DateTime<Utc>,
}

/// Who wrote a database room's events: an operating-system user (`actor`, inside each event)
/// beside the database role its connection was (`db_role`, stored by the database with each
/// row, so a client cannot claim another) ([`Journal::identities`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The events' `actor`: `user@host` of the operating system.
    pub actor: String,
    /// The database role that inserted them.
    pub db_role: String,
    /// How many events this pair wrote.
    pub events: u64,
}

/// A journal line that could not be taken as it is: corrupt, out of sequence, or not chained to
/// the line before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// 1-based line number in the journal.
    pub line: usize,
    /// What is wrong, and whether the line's event was loaded anyway.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Everything in the journal, read from the start.
#[derive(Debug, Clone)]
pub struct Replay {
    /// The events, in journal order.
    pub events: Vec<Event>,
    /// Lines that were not taken as they are (never silently skipped).
    pub problems: Vec<Problem>,
    /// Things worth saying that are not problems, such as an interrupted last write (a torn
    /// last line), which is ignored here and moved into the journal's `.torn` side file by the
    /// next append; or a whole event that only lacks its newline, which is loaded (the next
    /// append keeps it and adds the newline).
    pub notes: Vec<String>,
    /// Where this replay ended: pass it to [`Journal::read_new`] to follow on.
    pub cursor: Cursor,
}

/// How far a reader has read. Opaque: obtained from [`Journal::replay`] (or
/// [`Cursor::default`], the very beginning) and advanced by [`Journal::read_new`].
#[derive(Debug, Clone, Default)]
pub struct Cursor {
    chain: scan::Chain,
    pos: file::Position,
    /// Database backend: the `seq` of the last row read (0 before the first).
    db_seq: u64,
    head_hex: Option<String>,
    problems: Vec<Problem>,
}

impl Cursor {
    /// The `seq` of the last event read (0 before the first).
    #[must_use]
    pub fn seq(&self) -> u64 {
        self.chain.seq()
    }

    /// SHA-256 (lower-case hex) of the last line read — what the next event's `prev` will be —
    /// or `None` before the first.
    #[must_use]
    pub fn head_hash(&self) -> Option<&str> {
        self.head_hex.as_deref()
    }

    /// Problems found by [`Journal::read_new`] since the last call (lines appended by others
    /// that are corrupt or out of sequence); they are reported once.
    pub fn take_problems(&mut self) -> Vec<Problem> {
        std::mem::take(&mut self.problems)
    }

    /// The checkpoint of what was read: the last event's `seq` and the hash of its line, or
    /// `None` before the first event.
    #[must_use]
    pub fn checkpoint(&self) -> Option<Checkpoint> {
        self.chain.event_head().map(|h| Checkpoint {
            seq: self.chain.seq(),
            hash: chain::to_hex(h),
        })
    }

    fn refresh_head(&mut self) {
        self.head_hex = self.chain.head().map(chain::to_hex);
    }
}

/// The result of walking the whole hash chain ([`Journal::verify`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verification {
    /// Every line parses, seqs are continuous from 1 and each `prev` matches the line before.
    Ok {
        /// Number of events.
        events: u64,
        /// SHA-256 (hex) of the last line; `None` for an empty journal.
        head: Option<String>,
        /// The last line is incomplete (an interrupted write): it is not part of the chain,
        /// and the next append moves it to the `.torn` side file. (A whole event that only
        /// lacks its newline is part of the chain, counted in `events`.)
        torn_tail: bool,
    },
    /// The first line that breaks the chain.
    Broken(Problem),
}

/// Where a journal lives, as far as it matters to the people using it ([`Journal::safety`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Safety {
    /// Why writing is refused — users outside the trust set could rewrite the journal — with
    /// what to do; `None` when writing is safe. [`Journal::append`] refuses with the same
    /// words; a read-only viewer shows them as a warning.
    pub refusal: Option<String>,
    /// Worth saying but not a reason to refuse, e.g. a network filesystem on which locks and
    /// fsync may not hold across hosts.
    pub warnings: Vec<String>,
    /// The refusal is only that this viewer may not write (a database role without INSERT):
    /// what it reads is as trustworthy as anyone's, so a room can open as a follower.
    pub read_only: bool,
}

/// Why a journal operation failed.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// The operating system refused an operation on the journal.
    #[error("{}: cannot {op}: {err}", path.display())]
    Io {
        /// The journal.
        path: PathBuf,
        /// What was being done ("open", "lock", "write", …).
        op: &'static str,
        /// The operating system's error.
        err: io::Error,
    },
    /// `expect_head` was stale: someone appended first; nothing was written. Re-read, validate
    /// again and retry.
    #[error("someone else appended first (the journal is at seq {head}); nothing was written")]
    Conflict {
        /// The journal's actual head seq.
        head: u64,
    },
    /// What a reader had already read is no longer there: the journal was replaced, removed,
    /// truncated or rewritten. The reader must replay from the start.
    #[error("{}: {detail}; replay it from the start", path.display())]
    Replaced {
        /// The journal.
        path: PathBuf,
        /// What changed.
        detail: String,
    },
    /// Writing is refused: users outside the trust set could rewrite the journal (see
    /// [`trust`] for the rules). The reason names the file, its mode or owner, and what to do.
    #[error("{reason}")]
    Unsafe {
        /// The journal.
        path: PathBuf,
        /// Why, and what to do.
        reason: String,
    },
    /// The path cannot hold a journal: it is a directory, a FIFO, a device or anything else
    /// that is not a regular file (reading a FIFO would block forever, a device never ends).
    /// The reason names the path, what it is and what to do.
    #[error("{reason}")]
    Unusable {
        /// The journal path as given.
        path: PathBuf,
        /// What it is, and what to do.
        reason: String,
    },
    /// The journal's lock was not free within a few seconds: someone holds it (anyone who
    /// can read the journal can). Nothing was written; the holders are named where the
    /// operating system tells (`/proc/locks`).
    #[error(
        "{}: the journal's lock has been held for {} s by {holders}, so nothing was read or \
         written; try again, and if it stays held ask that user to end the process (kill PID)",
        path.display(),
        *waited_ms as f64 / 1000.0
    )]
    Locked {
        /// The journal.
        path: PathBuf,
        /// How long this process waited, in milliseconds.
        waited_ms: u64,
        /// Who holds the lock, in words.
        holders: String,
    },
    /// The event cannot be journaled: it does not encode as a line that reads back as the
    /// same event (nothing was written).
    #[error("cannot journal this event: {0}")]
    Encode(String),
    /// The database backend failed: it could not be reached, refused, or broke off. The
    /// journal is named by its URL as given (never with a password).
    #[error("{journal}: cannot {op}: {detail}")]
    Database {
        /// The room's URL, without password.
        journal: String,
        /// What was being done ("read", "append", …).
        op: &'static str,
        /// What went wrong, and what to do where known.
        detail: String,
    },
    /// The journal location cannot be used: a database URL that does not parse, lacks its
    /// room, or holds a literal password. The words say what to write instead.
    #[error("{0}")]
    BadLocation(String),
}

/// A room's journal: a JSON Lines file shared by every process that opens it (the embedded
/// default), or a room in a PostgreSQL database shared by hosts ([`postgres`]).
///
/// File backend: cheap to hold; every call opens the file afresh, so a journal replaced on
/// disk is noticed. Database backend: one connection, made at the first call and again after
/// it broke, on a thread of the journal's own. `Send + Sync`: one `Journal` may be shared
/// between threads.
#[derive(Debug)]
pub struct Journal {
    backend: Backend,
}

#[derive(Debug)]
enum Backend {
    File(file::FileJournal),
    Postgres(Box<postgres::PgJournal>),
}

/// Whether a journal location names a database room (`postgres://…` or `postgresql://…`)
/// rather than a file.
#[must_use]
pub fn is_database(location: &Path) -> bool {
    location.to_str().is_some_and(postgres::is_url)
}

impl Journal {
    /// Opens the journal at `location`: a file path, or a database room URL
    /// `postgres://user@host:port/db?room=NAME` ([`postgres`]). A file need not exist (the
    /// first append creates it), but its directory must. A database URL is only read here
    /// ([`JournalError::BadLocation`] when it cannot be used); the server is reached at the
    /// first call that needs it.
    pub fn open(location: &Path) -> Result<Journal, JournalError> {
        let backend = match location.to_str() {
            Some(url) if postgres::is_url(url) => {
                Backend::Postgres(Box::new(postgres::PgJournal::open(url)?))
            }
            _ => Backend::File(file::FileJournal::open(location)?),
        };
        Ok(Journal { backend })
    }

    /// How to name this journal to people: the file path as given, or the database URL as
    /// given (`${VAR}` unexpanded; a literal password is refused at open, so none is shown).
    #[must_use]
    pub fn shown(&self) -> String {
        match &self.backend {
            Backend::File(f) => f.path().display().to_string(),
            Backend::Postgres(p) => p.shown().to_string(),
        }
    }

    /// Creates the database schema ([`postgres::schema`]) when it is missing; idempotent.
    /// A file journal has no schema: [`JournalError::BadLocation`].
    pub fn init_schema(&self) -> Result<SchemaInit, JournalError> {
        self.database("init")?.init()
    }

    /// Writes a database room's lines to a new file at `out` (which must not exist): a file
    /// journal that `warroom verify` accepts with the same head hash.
    pub fn export(&self, out: &Path) -> Result<Moved, JournalError> {
        self.database("export")?.export(out)
    }

    /// Loads the file journal at `from` (which must verify, with no torn last line) into this
    /// database room, which must be empty; the lines are stored as they are, so the head hash
    /// stays the same.
    pub fn import(&self, from: &Path) -> Result<Moved, JournalError> {
        self.database("import")?.import(from)
    }

    fn database(&self, verb: &str) -> Result<&postgres::PgJournal, JournalError> {
        match &self.backend {
            Backend::Postgres(p) => Ok(p),
            Backend::File(f) => Err(JournalError::BadLocation(format!(
                "{}: `warroom journal {verb}` works on a database room \
                 (postgres://user@host:port/db?room=NAME), not a file",
                f.path().display()
            ))),
        }
    }

    /// [`Journal::append`] with the client's own event id (any text up to the caller; 128
    /// random bits is what [`Journal::append`] draws). Database backend: if an append with
    /// this id already committed in this room, that event is returned and nothing is written
    /// — how a caller that lost the reply asks again without a duplicate. File backend: the id
    /// is not stored (a local append cannot lose its reply) and this is [`Journal::append`].
    pub fn append_with_id(
        &self,
        draft: Draft,
        expect_head: Option<u64>,
        event_id: &str,
    ) -> Result<Event, JournalError> {
        match &self.backend {
            Backend::File(f) => f.append(draft, expect_head),
            Backend::Postgres(p) => p.append(draft, expect_head, event_id),
        }
    }

    /// Appends one event and returns it once it is durable (written and synced): its `seq` is
    /// `head + 1` and its `prev` the hash of the line before.
    ///
    /// With `expect_head: Some(n)` the append is refused with [`JournalError::Conflict`] unless
    /// the journal's last event is seq `n` (0: empty) — the caller validated against the state
    /// at `n`. `None` appends unconditionally. Concurrent appends from any number of processes
    /// are serialized. An unterminated last line is repaired first, conservatively: a whole
    /// event that chains is kept (its newline added); anything else — a torn write — is
    /// copied to the `.torn` side file beside the journal, synced, and only then cut off
    /// ([`Journal::take_repairs`] says which).
    pub fn append(&self, draft: Draft, expect_head: Option<u64>) -> Result<Event, JournalError> {
        match &self.backend {
            Backend::File(f) => f.append(draft, expect_head),
            Backend::Postgres(p) => p.append(draft, expect_head, &postgres::new_event_id()?),
        }
    }

    /// What appends since the last call repaired (file backend only), in words: a last line that lacked only its
    /// newline (kept, the newline added), or a torn last line moved out of the journal into
    /// its `.torn` side file (named). Each is reported once.
    pub fn take_repairs(&self) -> Vec<String> {
        match &self.backend {
            Backend::File(f) => f.take_repairs(),
            Backend::Postgres(_) => Vec::new(),
        }
    }

    /// Reads the whole journal. Corrupt or out-of-sequence lines are reported in
    /// [`Replay::problems`] and the rest still loads; a torn last line is ignored (see
    /// [`Replay::notes`]). A journal that does not exist yet replays as empty.
    pub fn replay(&self) -> Result<Replay, JournalError> {
        match &self.backend {
            Backend::File(f) => f.replay(),
            Backend::Postgres(p) => p.replay(),
        }
    }

    /// Reads the events appended after `cursor` and advances it. An incomplete last line is left
    /// for a later call, unless it is a whole event that chains (taken now; the newline that
    /// completes it later is not a line of its own). Corrupt new lines are collected in the cursor
    /// ([`Cursor::take_problems`]). Fails with [`JournalError::Replaced`] when what the cursor had
    /// read is no longer there.
    pub fn read_new(&self, cursor: &mut Cursor) -> Result<Vec<Event>, JournalError> {
        match &self.backend {
            Backend::File(f) => f.read_new(cursor),
            Backend::Postgres(p) => p.read_new(cursor),
        }
    }

    /// How long reads and appends wait for the journal's lock before they fail with
    /// [`JournalError::Locked`] (default 5 s; a database journal has no lock of ours). The room waits less, so that a lock someone
    /// holds does not freeze its screen: it shows the error and tries again at the next change.
    pub fn set_lock_wait(&self, wait: std::time::Duration) {
        if let Backend::File(f) = &self.backend {
            f.set_lock_wait(wait);
        }
    }

    /// Walks the whole hash chain and reports the first line that breaks it.
    pub fn verify(&self) -> Result<Verification, JournalError> {
        match &self.backend {
            Backend::File(f) => f.verify(),
            Backend::Postgres(p) => p.verify(),
        }
    }

    /// A stable name for this journal, the same whichever way it was reached (file backend:
    /// its canonical path, symlinks resolved; database backend: `postgres://host:port/db?room=NAME`,
    /// without user or password): the key of per-user memory such as [`checkpoint::Store`].
    #[must_use]
    pub fn id(&self) -> String {
        match &self.backend {
            Backend::File(f) => f.id(),
            Backend::Postgres(p) => p.id(),
        }
    }

    /// Whether the journal still holds the event `checkpoint` names, unchanged — i.e. whether
    /// its history extends what the checkpoint's viewer saw. Reads up to that event.
    pub fn check(&self, checkpoint: &Checkpoint) -> Result<Consistency, JournalError> {
        match &self.backend {
            Backend::File(f) => f.check(checkpoint),
            Backend::Postgres(p) => p.check(checkpoint),
        }
    }

    /// [`Journal::replay`] and [`Journal::check`] in one read.
    pub fn replay_against(
        &self,
        checkpoint: &Checkpoint,
    ) -> Result<(Replay, Consistency), JournalError> {
        let replay = match &self.backend {
            Backend::File(f) => f.replay_watching(Some(checkpoint.seq)),
            Backend::Postgres(p) => p.replay_watching(Some(checkpoint.seq)),
        }?;
        let chain = &replay.cursor.chain;
        let consistency = checkpoint::compare(checkpoint, chain.watched(), chain.seq());
        Ok((replay, consistency))
    }

    /// Whether this journal keeps the plan itself ([`Journal::store_plan`]): a database room
    /// does; a file journal's plan is the file beside it.
    #[must_use]
    pub fn keeps_plans(&self) -> bool {
        matches!(self.backend, Backend::Postgres(_))
    }

    /// Stores a plan file's bytes with the room under their SHA-256 (returned), unless they
    /// are there already — so a viewer on another host can open the room without the file.
    /// `name` is the plan's file name (its extension picks the loader); `runbook` the file
    /// name and bytes of the runbook a wiring file names, stored with it as one version
    /// (hashed after `body`). A file journal stores nothing (its plan is the file beside it)
    /// and returns the hash all the same.
    ///
    /// Errors: the database cannot be reached, or the role may not insert into
    /// `warroom_plans` (the words name the grant to ask for).
    pub fn store_plan(
        &self,
        name: &str,
        body: &[u8],
        runbook: Option<(&str, &[u8])>,
    ) -> Result<String, JournalError> {
        match &self.backend {
            Backend::File(_) => {
                let mut all = body.to_vec();
                all.extend_from_slice(runbook.map_or(&[][..], |r| r.1));
                Ok(chain::line_hash(&all))
            }
            Backend::Postgres(p) => p.store_plan(name, body, runbook),
        }
    }

    /// The plan this room stored under `hash` (`None`: the one stored last), or `Ok(None)`
    /// when it has none (always, for a file journal). A stored plan whose bytes do not hash
    /// to its key is an error.
    pub fn room_plan(&self, hash: Option<&str>) -> Result<Option<StoredPlan>, JournalError> {
        match &self.backend {
            Backend::File(_) => Ok(None),
            Backend::Postgres(p) => p.room_plan(hash),
        }
    }

    /// A database room's notification ledger for the webhook whose URL hashes to `webhook`
    /// (SHA-256, hex): its newest version and JSON, or `Ok(None)` when there is none yet. A
    /// file journal keeps its ledger in the sidecar file ([`crate::notify::ledger`]) and
    /// always answers `Ok(None)`.
    ///
    /// Errors: the database cannot be reached or read.
    pub fn notify_ledger(&self, webhook: &str) -> Result<Option<(u64, String)>, JournalError> {
        match &self.backend {
            Backend::File(_) => Ok(None),
            Backend::Postgres(p) => p.notify_ledger(webhook),
        }
    }

    /// Writes `ledger` (JSON) as `version` of a database room's notification ledger for
    /// `webhook`; `Ok(false)` when that version was written first by another viewer (read it
    /// and decide again).
    ///
    /// Errors: the database cannot be reached; the role may not insert into
    /// `warroom_notify` (the words name the grant); a file journal, whose ledger is its
    /// sidecar file, is [`JournalError::Unusable`].
    pub fn put_notify_ledger(
        &self,
        webhook: &str,
        version: u64,
        ledger: &str,
    ) -> Result<bool, JournalError> {
        match &self.backend {
            Backend::File(f) => Err(JournalError::Unusable {
                path: f.path().to_path_buf(),
                reason: "a file journal keeps its notification ledger in the sidecar file \
                         beside it, not in the journal"
                    .to_string(),
            }),
            Backend::Postgres(p) => p.put_notify_ledger(webhook, version, ledger),
        }
    }

    /// Who wrote this room's events, actor beside database role, in the order each pair first
    /// appeared; empty for a file journal (whose writers are the file's users, not recorded
    /// apart from `actor`).
    ///
    /// Errors: the database cannot be reached or read.
    pub fn identities(&self) -> Result<Vec<Identity>, JournalError> {
        match &self.backend {
            Backend::File(_) => Ok(Vec::new()),
            Backend::Postgres(p) => p.identities(),
        }
    }

    /// The database role this viewer connects as (`None` for a file journal): the role its
    /// appends are recorded under.
    ///
    /// Errors: the database cannot be reached.
    pub fn db_role(&self) -> Result<Option<String>, JournalError> {
        match &self.backend {
            Backend::File(_) => Ok(None),
            Backend::Postgres(p) => p.db_role().map(Some),
        }
    }

    /// Judges where the journal lives (file backend: the file and its directory, on open
    /// descriptors, by the rules in [`trust`] with group sharing; and the filesystem). Fails
    /// only when the journal's directory cannot be opened. Database backend: a role without
    /// INSERT on the events table is a refusal (it may follow, not write), a missing or
    /// disabled append-only trigger a warning; fails when the database cannot be reached.
    pub fn safety(&self) -> Result<Safety, JournalError> {
        match &self.backend {
            Backend::File(f) => f.safety(),
            Backend::Postgres(p) => p.safety(),
        }
    }
}
