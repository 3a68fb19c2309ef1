//! The thread that holds a journal's database connection and runs its calls.
//!
//! The `postgres` crate blocks on a private tokio runtime, which panics when called from a
//! thread that is already driving one (the room's). So the connection lives on a plain thread
//! of its own and callers hand it closures, waiting for the answer: the interface stays
//! synchronous and callable from anywhere.

use std::sync::mpsc;
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use postgres::{Client, Statement};

use super::location::Location;
use super::schema;

type Job = Box<dyn FnOnce(&mut Conn) + Send>;

/// The connection, made on first use and again after it broke.
pub(crate) struct Conn {
    loc: Location,
    client: Option<Client>,
    /// The schema was checked on this connection.
    checked: bool,
    /// The append's statements, prepared once on this connection.
    append: Option<AppendStatements>,
}

/// The statements of an append, prepared once per connection so that an append costs five
/// round trips (begin, lock, head, insert and notify, commit), not a dozen.
pub(crate) struct AppendStatements {
    /// `$1` the lock's key: takes the room's advisory lock until the transaction ends.
    pub(crate) lock: Statement,
    /// `$1` the event id, `$2` the room: one row — the room and line already holding that
    /// event id (NULLs if none), then the room's head seq and line (NULLs if empty).
    pub(crate) probe: Statement,
    /// `$1`–`$6` room, seq, event id, line, hash, prev; `$7` the channel: inserts the row and
    /// notifies `room:seq` (delivered on commit).
    pub(crate) insert: Statement,
}

const LOCK: &str = "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))";
const PROBE: &str = "SELECT mine.room, mine.line, head.seq, head.line \
     FROM (SELECT 1) AS one \
     LEFT JOIN (SELECT room, line FROM warroom_events WHERE event_id = $1) AS mine ON true \
     LEFT JOIN (SELECT seq, line FROM warroom_events WHERE room = $2 \
                ORDER BY seq DESC LIMIT 1) AS head ON true";
const INSERT: &str = "WITH ins AS ( \
         INSERT INTO warroom_events (room, seq, event_id, line, hash, prev) \
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING room, seq) \
     SELECT pg_notify($7, ins.room || ':' || ins.seq::text) FROM ins";

impl Conn {
    pub(crate) fn room(&self) -> &str {
        &self.loc.room
    }

    /// The connection, its schema checked; connects when there is none (or it closed).
    pub(crate) fn client(&mut self) -> Result<&mut Client, String> {
        if !self.checked || self.client.as_ref().is_none_or(Client::is_closed) {
            let client = self.client_unchecked()?;
            schema::check(client)?;
            self.checked = true;
        }
        self.client_unchecked()
    }

    /// The connection, its schema checked, and the append's statements prepared on it.
    pub(crate) fn for_append(&mut self) -> Result<(&mut Client, &AppendStatements), String> {
        self.client()?;
        if self.append.is_none() {
            let client = self.client_unchecked()?;
            let prepare = |c: &mut Client, sql| {
                c.prepare(sql)
                    .map_err(|e| format!("cannot prepare an append: {}", super::words(&e)))
            };
            let statements = AppendStatements {
                lock: prepare(client, LOCK)?,
                probe: prepare(client, PROBE)?,
                insert: prepare(client, INSERT)?,
            };
            self.append = Some(statements);
        }
        match (self.client.as_mut(), self.append.as_ref()) {
            (Some(c), Some(a)) => Ok((c, a)),
            _ => Err("no connection".to_string()),
        }
    }

    /// The connection, without looking at the schema (for `init`).
    pub(crate) fn client_unchecked(&mut self) -> Result<&mut Client, String> {
        if self.client.as_ref().is_none_or(Client::is_closed) {
            self.checked = false;
            self.client = None;
            self.append = None;
            let c = self.loc.connect()?;
            self.client = Some(c);
        }
        self.client
            .as_mut()
            .ok_or_else(|| "no connection".to_string())
    }

    /// Drops a connection that broke: the next call connects again.
    pub(crate) fn forget(&mut self) {
        self.client = None;
        self.checked = false;
        self.append = None;
    }
}

/// How long a call may wait for the database's answer before it is an error (the server is
/// stopped, or the network drops packets: a connected socket then never answers, and no
/// connect timeout applies). The call goes on on the connection thread, and its answer, if one
/// comes, is dropped; calls made while it is stuck fail at once with the same words.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Hands closures to the connection thread. Dropping it ends the thread.
#[derive(Debug)]
pub(crate) struct Worker {
    jobs: Mutex<mpsc::Sender<Job>>,
    /// Since when the connection thread has been running its current job (`None`: idle).
    busy: Arc<Mutex<Option<Instant>>>,
}

/// The words for a call the database did not answer within `limit`.
fn no_answer(limit: Duration) -> String {
    format!(
        "the database has not answered for {} s (the server or the network is not \
         responding)",
        limit.as_secs()
    )
}

impl Worker {
    pub(crate) fn start(loc: Location) -> std::io::Result<Worker> {
        let (tx, rx) = mpsc::channel::<Job>();
        let busy = Arc::new(Mutex::new(None));
        let marks = Arc::clone(&busy);
        thread::Builder::new()
            .name("journal-pg".into())
            .spawn(move || {
                let mut conn = Conn {
                    loc,
                    client: None,
                    checked: false,
                    append: None,
                };
                let mark = |at: Option<Instant>| {
                    *marks.lock().unwrap_or_else(PoisonError::into_inner) = at;
                };
                for job in rx {
                    mark(Some(Instant::now()));
                    job(&mut conn);
                    mark(None);
                }
            })?;
        Ok(Worker {
            jobs: Mutex::new(tx),
            busy,
        })
    }

    /// Runs `f` on the connection thread and returns its answer, waiting as long as it takes
    /// (a replay, an export or an import of a long room); `Err` in words when the thread is
    /// gone.
    pub(crate) fn run<T: Send + 'static, E: Send + 'static + From<String>>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        self.run_within(None, f)
    }

    /// [`Worker::run`], but an error after [`ANSWER_TIMEOUT`] without an answer — and at once
    /// while the thread has been stuck on an earlier call for that long.
    pub(crate) fn run_quick<T: Send + 'static, E: Send + 'static + From<String>>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        self.run_within(Some(ANSWER_TIMEOUT), f)
    }

    fn run_within<T: Send + 'static, E: Send + 'static + From<String>>(
        &self,
        limit: Option<Duration>,
        f: impl FnOnce(&mut Conn) -> Result<T, E> + Send + 'static,
    ) -> Result<T, E> {
        if let Some(limit) = limit {
            let since = *self.busy.lock().unwrap_or_else(PoisonError::into_inner);
            if since.is_some_and(|t| t.elapsed() >= limit) {
                return Err(E::from(no_answer(limit)));
            }
        }
        let (tx, rx) = mpsc::sync_channel(1);
        let job: Job = Box::new(move |conn| {
            let _ = tx.send(f(conn));
        });
        let sent = self
            .jobs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .send(job);
        if sent.is_err() {
            return Err(E::from("the connection thread ended".to_string()));
        }
        let gone = || Err(E::from("the connection thread ended".to_string()));
        match limit {
            None => rx.recv().unwrap_or_else(|_| gone()),
            Some(limit) => match rx.recv_timeout(limit) {
                Ok(answer) => answer,
                Err(mpsc::RecvTimeoutError::Timeout) => Err(E::from(no_answer(limit))),
                Err(mpsc::RecvTimeoutError::Disconnected) => gone(),
            },
        }
    }
}
