//! The PostgreSQL backend: a room's journal as rows of one table, shared by hosts that share
//! nothing else (DESIGN §6 "Beyond one host").
//!
//! A location is `postgres://user@host:port/db?room=NAME` (also `postgresql://`, `host=/dir`
//! for a Unix socket directory as libpq allows; see [`location`] for passwords, [`tls`] for
//! `sslmode` and `sslrootcert`). The schema
//! ([`schema`]) holds every room's events in `warroom_events`, keyed by `(room, seq)`; each row
//! keeps the event's canonical JSON line — the very bytes the file backend would write — so the
//! hash chain is the file's: `prev` is the SHA-256 of the previous line, `warroom journal
//! export` writes a file `warroom verify` accepts with the same head hash, and `import` loads
//! one back.
//!
//! Appends are serialized by the database: one transaction takes an advisory lock for the
//! room, reads the head, checks `expect_head`, inserts `seq = head + 1` chained to the head's
//! hash and notifies `warroom_events` with `room:seq` (delivered on commit). The primary key is
//! the last word should two writers ever race past the lock. A lost reply ("did my vote
//! commit?") is resolved inside [`Journal::append`](super::Journal::append): each append call
//! draws one random client event id, stored in the unique `event_id` column (not in the event
//! line, so old file journals and the line format are unchanged); after a broken connection
//! the append reconnects and retries with the same id, and a row already holding that id is
//! the answer — never a duplicate.
//!
//! Crate choice: the synchronous `postgres` crate (a thin blocking wrapper over
//! `tokio-postgres`, same author), because the journal interface is synchronous and its
//! `Client::notifications()` gives `LISTEN` wake-ups with a timeout. Its calls run a private
//! tokio runtime and must not be made from inside the room's runtime, so each journal owns one
//! worker thread that holds the connection and runs every call ([`worker`]); a follower's
//! `LISTEN` connection has a thread of its own ([`listen`]).

mod ledgers;
mod listen;
pub(crate) mod location;
mod plans;
pub mod schema;
mod tls;
mod transfer;
mod worker;

use std::fmt::Write as _;
use std::time::Duration;

use postgres::error::SqlState;

use self::location::Location;
use self::worker::{Conn, Worker};
use super::chain;
use super::checkpoint::{self, Checkpoint, Consistency};
use super::event::Event;
use super::scan::{Chain, Parsed};
use super::{Cursor, Draft, JournalError, Problem, Replay, Safety, Verification};

pub(crate) use self::listen::{Listener, watch};
pub(crate) use self::location::is_url;
pub use self::transfer::Moved;

/// How many rows a replay or a verification reads at a time.
const CHUNK_ROWS: usize = 5_000;

/// How often an append whose connection broke is retried (with the same event id).
const APPEND_ATTEMPTS: u32 = 4;

/// A room in a PostgreSQL database.
#[derive(Debug)]
pub(crate) struct PgJournal {
    loc: Location,
    worker: Worker,
}

/// The database's words for a failure, without anything secret (the driver's messages never
/// hold the password).
pub(crate) fn words(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut s = db.message().to_string();
            if let Some(d) = db.detail() {
                s.push_str(": ");
                s.push_str(d);
            }
            s
        }
        None => {
            let s = e.to_string();
            match std::error::Error::source(e) {
                Some(src) if !s.contains(&src.to_string()) => format!("{s}: {src}"),
                _ => s,
            }
        }
    }
}

/// Whether a failure may have left the connection unusable, so that reconnecting and trying
/// again (with the same event id) is the way on.
fn connection_broke(e: &postgres::Error) -> bool {
    e.is_closed()
        || e.as_db_error().is_none()
        || e.code().is_some_and(|c| {
            *c == SqlState::ADMIN_SHUTDOWN
                || *c == SqlState::CRASH_SHUTDOWN
                || *c == SqlState::CANNOT_CONNECT_NOW
        })
}

/// One try of an append.
enum Attempt {
    /// The answer: do not retry.
    Final(JournalError),
    /// The connection broke (or could not be made): reconnect and try again with the same id.
    Retry(String),
}

impl From<String> for Attempt {
    /// The connection thread is gone: worth one more try on a fresh one.
    fn from(d: String) -> Attempt {
        Attempt::Retry(d)
    }
}

impl PgJournal {
    /// Reads the location; connects at the first call that needs the database.
    pub(crate) fn open(url: &str) -> Result<PgJournal, JournalError> {
        let loc = Location::parse(url).map_err(JournalError::BadLocation)?;
        let worker = Worker::start(loc.clone()).map_err(|e| JournalError::Database {
            journal: loc.shown.clone(),
            op: "start its connection thread",
            detail: e.to_string(),
        })?;
        Ok(PgJournal { loc, worker })
    }

    fn fail(&self, op: &'static str, detail: String) -> JournalError {
        JournalError::Database {
            journal: self.loc.shown.clone(),
            op,
            detail,
        }
    }

    /// Runs `f` on the connection; a connection that cannot be made, or a database that has
    /// not answered within [`worker::ANSWER_TIMEOUT`], is an error of `op`.
    fn with<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut postgres::Client, &str) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, JournalError> {
        self.with_within(true, op, f)
    }

    /// [`PgJournal::with`] without the answer's deadline: for reading a whole room, which
    /// takes as long as the room is long.
    fn with_long<T: Send + 'static>(
        &self,
        op: &'static str,
        f: impl FnOnce(&mut postgres::Client, &str) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, JournalError> {
        self.with_within(false, op, f)
    }

    fn with_within<T: Send + 'static>(
        &self,
        quick: bool,
        op: &'static str,
        f: impl FnOnce(&mut postgres::Client, &str) -> Result<T, postgres::Error> + Send + 'static,
    ) -> Result<T, JournalError> {
        let room = self.loc.room.clone();
        let job = move |conn: &mut Conn| {
            let client = conn.client()?;
            let out = f(client, &room);
            if let Err(e) = &out
                && connection_broke(e)
            {
                conn.forget();
            }
            out.map_err(|e| words(&e))
        };
        let answer = if quick {
            self.worker.run_quick(job)
        } else {
            self.worker.run(job)
        };
        answer.map_err(|d| self.fail(op, d))
    }

    pub(crate) fn id(&self) -> String {
        self.loc.id.clone()
    }

    pub(crate) fn shown(&self) -> &str {
        &self.loc.shown
    }

    /// Creates the schema if it is missing ([`schema::init`]).
    pub(crate) fn init(&self) -> Result<schema::Init, JournalError> {
        self.worker
            .run(|conn: &mut Conn| {
                let client = conn.client_unchecked()?;
                schema::init(client)
            })
            .map_err(|d| self.fail("create the warroom schema", d))
    }

    pub(crate) fn append(
        &self,
        draft: Draft,
        expect_head: Option<u64>,
        event_id: &str,
    ) -> Result<Event, JournalError> {
        let event = draft.into_first_event();
        encode(&event)?;
        let mut delay = Duration::from_millis(100);
        let mut last = String::new();
        for attempt in 1..=APPEND_ATTEMPTS {
            let ev = event.clone();
            let id = event_id.to_string();
            let shown = self.loc.shown.clone();
            let out = self
                .worker
                .run_quick(move |conn: &mut Conn| try_append(conn, ev, expect_head, &id, &shown));
            match out {
                Ok(ev) => return Ok(ev),
                Err(Attempt::Final(e)) => return Err(e),
                Err(Attempt::Retry(d)) => {
                    last = d;
                    if attempt < APPEND_ATTEMPTS {
                        std::thread::sleep(delay);
                        delay *= 3;
                    }
                }
            }
        }
        Err(self.fail(
            "append",
            format!(
                "{last}; tried {APPEND_ATTEMPTS} times. Whether the event committed is not \
                 known: look at the room (`warroom status`) before doing it again"
            ),
        ))
    }

    pub(crate) fn replay(&self) -> Result<Replay, JournalError> {
        self.replay_watching(None)
    }

    /// [`Journal::replay`](crate::journal::Journal::replay), remembering the hash of event
    /// `watch` on the way (for checkpoint comparisons).
    pub(crate) fn replay_watching(&self, watch: Option<u64>) -> Result<Replay, JournalError> {
        let mut cursor = Cursor::default();
        if let Some(seq) = watch {
            cursor.chain.watch(seq);
        }
        // One query, fetched in chunks that are read through before the next is fetched
        // (on the connection's thread): a long room's lines are never all in memory beside
        // its events.
        let (cursor, events, problems) = self.with_long("read", move |c, room| {
            let mut events = Vec::new();
            let mut problems = Vec::new();
            each_chunk(c, room, |rows| {
                take_rows(rows, &mut cursor, &mut events, &mut problems);
                true
            })?;
            Ok((cursor, events, problems))
        })?;
        Ok(Replay {
            events,
            problems,
            notes: Vec::new(),
            cursor,
        })
    }

    pub(crate) fn check(&self, cp: &Checkpoint) -> Result<Consistency, JournalError> {
        let seq = cp.seq as i64;
        let (line, last) = self.with("read", move |c, room| {
            let line = c
                .query_opt(
                    "SELECT line FROM warroom_events WHERE room = $1 AND seq = $2",
                    &[&room, &seq],
                )?
                .map(|r| r.get::<_, String>(0));
            let last: i64 = c
                .query_one(
                    "SELECT coalesce(max(seq), 0) FROM warroom_events WHERE room = $1",
                    &[&room],
                )?
                .get(0);
            Ok((line, last))
        })?;
        let found = line.map(|l| chain::digest(l.as_bytes()));
        Ok(checkpoint::compare(cp, found.as_ref(), last as u64))
    }

    pub(crate) fn read_new(&self, cursor: &mut Cursor) -> Result<Vec<Event>, JournalError> {
        let from = cursor.db_seq;
        let mut rows = self.rows_after(from.saturating_sub(1), "read")?.into_iter();
        if from > 0 {
            // What was read must still be there: rows cannot change (the trigger), but a
            // superuser or a restored backup can.
            let same = rows.next().is_some_and(|(seq, line)| {
                seq as u64 == from && cursor.chain.head() == Some(&chain::digest(line.as_bytes()))
            });
            if !same {
                return Err(JournalError::Replaced {
                    path: self.loc.shown.clone().into(),
                    detail: format!("the room's event at seq {from}, already read, changed"),
                });
            }
        }
        let mut events = Vec::new();
        let mut problems = std::mem::take(&mut cursor.problems);
        take_rows(rows, cursor, &mut events, &mut problems);
        cursor.problems = problems;
        Ok(events)
    }

    pub(crate) fn verify(&self) -> Result<Verification, JournalError> {
        let (broken, events, head) = self.with_long("read", |c, room| {
            let mut chain = Chain::default();
            let mut events = 0;
            let mut broken = None;
            each_chunk(c, room, |rows| {
                for (_, line) in rows {
                    let mut problems = Vec::new();
                    if chain
                        .take(Parsed::of(line.as_bytes()), &mut problems)
                        .is_some()
                    {
                        events += 1;
                    }
                    if let Some(p) = problems.into_iter().next() {
                        broken = Some(p);
                        return false;
                    }
                }
                true
            })?;
            Ok((broken, events, chain.head().map(chain::to_hex)))
        })?;
        if let Some(p) = broken {
            return Ok(Verification::Broken(p));
        }
        Ok(Verification::Ok {
            events,
            head,
            torn_tail: false,
        })
    }

    pub(crate) fn safety(&self) -> Result<Safety, JournalError> {
        let (role, insert, guarded) = self.with("check its privileges", |c, _| {
            let r = c.query_one(
                "SELECT current_user::text, \
                        has_table_privilege('warroom_events', 'INSERT'), \
                        EXISTS (SELECT 1 FROM pg_trigger \
                                WHERE tgrelid = 'warroom_events'::regclass \
                                  AND tgname = 'warroom_events_no_change' \
                                  AND tgenabled <> 'D')",
                &[],
            )?;
            Ok((
                r.get::<_, String>(0),
                r.get::<_, bool>(1),
                r.get::<_, bool>(2),
            ))
        })?;
        let mut safety = Safety::default();
        if !insert {
            safety.refusal = Some(read_only(&role, &self.loc.shown));
            safety.read_only = true;
        }
        if !guarded {
            safety.warnings.push(format!(
                "{}: the append-only trigger on warroom_events is missing or disabled, so the \
                 database does not stop rows being changed; ask its owner to restore it",
                self.loc.shown
            ));
        }
        Ok(safety)
    }

    /// Actor and database role of the room's rows, with their counts, in order of first
    /// appearance.
    pub(crate) fn identities(&self) -> Result<Vec<super::Identity>, JournalError> {
        self.with("read who wrote the room", |c, room| {
            Ok(c.query(
                "SELECT coalesce((line::jsonb)->>'actor', ''), db_role, count(*) \
                 FROM warroom_events WHERE room = $1 GROUP BY 1, 2 ORDER BY min(seq)",
                &[&room],
            )?
            .into_iter()
            .map(|r| super::Identity {
                actor: r.get(0),
                db_role: r.get(1),
                events: r.get::<_, i64>(2) as u64,
            })
            .collect())
        })
    }

    /// The role this connection is (`current_user`).
    pub(crate) fn db_role(&self) -> Result<String, JournalError> {
        self.with("check its role", |c, _| {
            Ok(c.query_one("SELECT current_user::text", &[])?.get(0))
        })
    }

    /// `(seq, line)` of the room's rows after `seq`, in order. Rows are taken as they arrive
    /// (not collected by the driver first).
    fn rows_after(&self, seq: u64, op: &'static str) -> Result<Vec<(i64, String)>, JournalError> {
        use postgres::fallible_iterator::FallibleIterator as _;
        let after = seq as i64;
        self.with(op, move |c, room| {
            let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&room, &after];
            let mut it = c.query_raw(ROWS_AFTER, params)?;
            let mut out = Vec::new();
            while let Some(r) = it.next()? {
                out.push((r.get(0), r.get(1)));
            }
            Ok(out)
        })
    }
}

/// The room's rows after a seq, in order.
const ROWS_AFTER: &str =
    "SELECT seq, line FROM warroom_events WHERE room = $1 AND seq > $2 ORDER BY seq";

/// Hands all of `room`'s rows to `f`, [`CHUNK_ROWS`] at a time, from one query (a portal in
/// a read-only transaction: one snapshot, one plan); stops early when `f` says `false`.
fn each_chunk(
    c: &mut postgres::Client,
    room: &str,
    mut f: impl FnMut(Vec<(i64, String)>) -> bool,
) -> Result<(), postgres::Error> {
    let mut tx = c.build_transaction().read_only(true).start()?;
    let portal = tx.bind(ROWS_AFTER, &[&room, &0i64])?;
    loop {
        let rows = tx.query_portal(&portal, CHUNK_ROWS as i32)?;
        let n = rows.len();
        let more = f(rows.into_iter().map(|r| (r.get(0), r.get(1))).collect());
        if !more || n < CHUNK_ROWS {
            break;
        }
    }
    tx.commit()
}

/// The refusal for a role that may not insert.
fn read_only(role: &str, shown: &str) -> String {
    format!(
        "{shown}: database role `{role}` may only read this room (it has no INSERT on \
         warroom_events), so nothing is written; to act, ask the database owner to `GRANT \
         SELECT, INSERT ON warroom_events TO {role}`"
    )
}

/// Feeds rows through the same chain rules as file lines, advancing the cursor. Each line is
/// freed once its event is taken, so a replay does not hold a room's lines and its events
/// whole at once.
fn take_rows(
    rows: impl IntoIterator<Item = (i64, String)>,
    cursor: &mut Cursor,
    events: &mut Vec<Event>,
    problems: &mut Vec<Problem>,
) {
    let rows = rows.into_iter();
    events.reserve(rows.size_hint().0);
    for (seq, line) in rows {
        if let Some(ev) = cursor.chain.take(Parsed::of(line.as_bytes()), problems) {
            events.push(ev);
        }
        cursor.db_seq = seq as u64;
    }
    cursor.refresh_head();
}

/// The event's line, refused when it would not read back as the same event (it would be
/// acknowledged now and lost at the next replay).
fn encode(event: &Event) -> Result<String, JournalError> {
    let line = serde_json::to_string(event).map_err(|e| JournalError::Encode(e.to_string()))?;
    match serde_json::from_str::<Event>(&line) {
        Ok(back) if back == *event => Ok(line),
        Ok(_) => Err(JournalError::Encode(
            "it would read back as a different event".to_string(),
        )),
        Err(e) => Err(JournalError::Encode(format!("it would not read back: {e}"))),
    }
}

fn try_append(
    conn: &mut Conn,
    mut event: Event,
    expect_head: Option<u64>,
    event_id: &str,
    shown: &str,
) -> Result<Event, Attempt> {
    let room = conn.room().to_string();
    let (client, statements) = conn.for_append().map_err(Attempt::Retry)?;
    let out = append_tx(client, statements, &room, &mut event, expect_head, event_id);
    match out {
        Ok(Some(committed)) => Ok(committed),
        Ok(None) => Ok(event),
        Err(Step::Conflict(head)) => Err(Attempt::Final(JournalError::Conflict { head })),
        Err(Step::Db(e)) => {
            if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) {
                let role = client
                    .query_one("SELECT current_user::text", &[])
                    .map_or_else(|_| "?".to_string(), |r| r.get(0));
                return Err(Attempt::Final(JournalError::Unsafe {
                    path: shown.into(),
                    reason: read_only(&role, shown),
                }));
            }
            if e.code() == Some(&SqlState::UNIQUE_VIOLATION)
                || e.code() == Some(&SqlState::T_R_SERIALIZATION_FAILURE)
            {
                // Another writer got past the lock (it cannot, but the key is the last word):
                // the retry reads the new head.
                return Err(Attempt::Retry(words(&e)));
            }
            if connection_broke(&e) {
                conn.forget();
                return Err(Attempt::Retry(words(&e)));
            }
            Err(Attempt::Final(JournalError::Database {
                journal: shown.to_string(),
                op: "append",
                detail: words(&e),
            }))
        }
        Err(Step::Bad(detail)) => Err(Attempt::Final(JournalError::Database {
            journal: shown.to_string(),
            op: "append",
            detail,
        })),
    }
}

enum Step {
    Conflict(u64),
    Db(postgres::Error),
    Bad(String),
}

impl From<postgres::Error> for Step {
    fn from(e: postgres::Error) -> Step {
        Step::Db(e)
    }
}

/// The append transaction. `Ok(Some(ev))`: the event id had committed before (a retry), and
/// `ev` is what was committed; `Ok(None)`: `event` was committed now, its `seq` and `prev`
/// filled in.
fn append_tx(
    client: &mut postgres::Client,
    statements: &worker::AppendStatements,
    room: &str,
    event: &mut Event,
    expect_head: Option<u64>,
    event_id: &str,
) -> Result<Option<Event>, Step> {
    let mut tx = client.transaction()?;
    tx.execute(&statements.lock, &[&format!("warroom room {room}")])?;
    let probe = tx.query_one(&statements.probe, &[&event_id, &room])?;
    let (in_room, mine): (Option<String>, Option<String>) = (probe.get(0), probe.get(1));
    if let (Some(in_room), Some(line)) = (in_room, mine) {
        if in_room != room {
            return Err(Step::Bad(format!(
                "event id {event_id} is already used in room `{in_room}`"
            )));
        }
        let committed = serde_json::from_str::<Event>(&line)
            .map_err(|e| Step::Bad(format!("the committed event does not read back: {e}")))?;
        return Ok(Some(committed));
    }
    let (head_seq, head_hash) = match (
        probe.get::<_, Option<i64>>(2),
        probe.get::<_, Option<String>>(3),
    ) {
        (Some(seq), Some(line)) => (seq as u64, chain::line_hash(line.as_bytes())),
        _ => (0, chain::GENESIS_PREV.to_string()),
    };
    if let Some(n) = expect_head
        && n != head_seq
    {
        return Err(Step::Conflict(head_seq));
    }
    event.seq = head_seq + 1;
    event.prev = head_hash;
    let line = serde_json::to_string(&*event).map_err(|e| Step::Bad(e.to_string()))?;
    let hash = chain::line_hash(line.as_bytes());
    let seq = event.seq as i64;
    tx.execute(
        &statements.insert,
        &[
            &room,
            &seq,
            &event_id,
            &line,
            &hash,
            &event.prev,
            &schema::CHANNEL,
        ],
    )?;
    tx.commit()?;
    Ok(None)
}

/// A fresh client event id: 128 random bits in hex, from the kernel.
pub(crate) fn new_event_id() -> Result<String, JournalError> {
    use std::io::Read as _;
    let mut b = [0u8; 16];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|err| JournalError::Io {
            path: "/dev/urandom".into(),
            op: "read a random event id from",
            err,
        })?;
    Ok(b.iter().fold(String::with_capacity(32), |mut s, x| {
        let _ = write!(s, "{x:02x}");
        s
    }))
}
