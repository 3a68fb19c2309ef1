//! Moving a room between a file and a database, line for line: the lines are the chain, so
//! they travel as bytes and the head hash stays the same.

use std::fs;
use std::io::Write as _;
use std::path::Path;

use super::PgJournal;
use super::worker::Conn;
use crate::journal::chain;
use crate::journal::event::Event;
use crate::journal::{Journal, JournalError, Verification};

/// What an export or import moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Moved {
    /// Events moved.
    pub events: u64,
    /// SHA-256 (hex) of the last line; `None` when there were none.
    pub head: Option<String>,
}

impl PgJournal {
    /// Writes the room's lines to a new file at `out` (refused if it exists), synced.
    pub(crate) fn export(&self, out: &Path) -> Result<Moved, JournalError> {
        let rows = self.rows_after(0, "read")?;
        let io = |op, err| JournalError::Io {
            path: out.to_path_buf(),
            op,
            err,
        };
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(out)
            .map_err(|e| io("create (it must not exist yet)", e))?;
        let mut text = String::new();
        for (_, line) in &rows {
            text.push_str(line);
            text.push('\n');
        }
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| io("write", e))?;
        Ok(Moved {
            events: rows.len() as u64,
            head: rows.last().map(|(_, l)| chain::line_hash(l.as_bytes())),
        })
    }

    /// Loads the file journal at `from` into this room, which must be empty. The file must
    /// verify (an intact chain, no torn last line); its lines are stored as they are.
    pub(crate) fn import(&self, from: &Path) -> Result<Moved, JournalError> {
        let file = Journal::open(from)?;
        match file.verify()? {
            Verification::Ok {
                torn_tail: false, ..
            } => {}
            Verification::Ok { .. } => {
                return Err(self.fail(
                    "import",
                    format!(
                        "{}: its last line is incomplete (an interrupted write); append to it \
                         once with warroom (which moves the torn line aside) or cut it, then \
                         import again",
                        from.display()
                    ),
                ));
            }
            Verification::Broken(p) => {
                return Err(self.fail(
                    "import",
                    format!(
                        "{}: its hash chain is broken at {p}; only an intact journal is imported \
                         (`warroom verify` names the line)",
                        from.display()
                    ),
                ));
            }
        }
        let text = fs::read_to_string(from).map_err(|err| JournalError::Io {
            path: from.to_path_buf(),
            op: "read",
            err,
        })?;
        let mut rows = Vec::new();
        for line in text.split('\n').filter(|l| !l.is_empty()) {
            let ev: Event = serde_json::from_str(line)
                .map_err(|e| self.fail("import", format!("{}: {e}", from.display())))?;
            rows.push((ev.seq as i64, line.to_string(), ev.prev));
        }
        let moved = Moved {
            events: rows.len() as u64,
            head: rows.last().map(|(_, l, _)| chain::line_hash(l.as_bytes())),
        };
        let shown = self.loc.shown.clone();
        self.worker
            .run(move |conn: &mut Conn| insert_all(conn, &rows, &shown))
            .map_err(|d| self.fail("import", d))?;
        Ok(moved)
    }
}

fn insert_all(conn: &mut Conn, rows: &[(i64, String, String)], shown: &str) -> Result<(), String> {
    let room = conn.room().to_string();
    let client = conn.client()?;
    let words = |e: postgres::Error| super::words(&e);
    let mut tx = client.transaction().map_err(words)?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))",
        &[&format!("warroom room {room}")],
    )
    .map_err(words)?;
    let n: i64 = tx
        .query_one(
            "SELECT count(*) FROM warroom_events WHERE room = $1",
            &[&room],
        )
        .map_err(words)?
        .get(0);
    if n > 0 {
        return Err(format!(
            "{shown} already holds {n} events: import only into an empty room (name a new one \
             with ?room=NAME)"
        ));
    }
    let insert = tx
        .prepare(
            "INSERT INTO warroom_events (room, seq, event_id, line, hash, prev) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .map_err(words)?;
    for (seq, line, prev) in rows {
        let hash = chain::line_hash(line.as_bytes());
        let id = format!("import:{room}:{seq}:{hash}");
        tx.execute(&insert, &[&room, seq, &id, line, &hash, prev])
            .map_err(words)?;
    }
    if let Some((seq, _, _)) = rows.last() {
        tx.execute(
            "SELECT pg_notify($1, $2)",
            &[&super::schema::CHANNEL, &format!("{room}:{seq}")],
        )
        .map_err(words)?;
    }
    tx.commit().map_err(words)
}
