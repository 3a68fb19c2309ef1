//! The plan a room was opened with, stored beside its events ([`schema`](super::schema)
//! version 2; a wiring file with the runbook it names as one row since version 3), so that a
//! viewer on another host needs only the room's URL.

use postgres::error::SqlState;

use super::PgJournal;
use crate::journal::chain;
use crate::journal::{JournalError, StoredPlan};

impl PgJournal {
    /// Stores `body` (a plan file's bytes; with a wiring file's `runbook`, name and bytes,
    /// after it in one row) under its SHA-256 for this room, unless it is there already;
    /// returns the hash. A role without INSERT on `warroom_plans` is refused with the grant
    /// to ask for.
    pub(crate) fn store_plan(
        &self,
        name: &str,
        body: &[u8],
        runbook: Option<(&str, &[u8])>,
    ) -> Result<String, JournalError> {
        let mut all = body.to_vec();
        let (runbook, runbook_at) = match runbook {
            Some((rname, bytes)) => {
                all.extend_from_slice(bytes);
                (Some(rname.to_string()), Some(body.len() as i32))
            }
            None => (None, None),
        };
        let hash = chain::line_hash(&all);
        let (name, key) = (name.to_string(), hash.clone());
        let shown = self.loc.shown.clone();
        let stored = self.with("store the plan", move |c, room| {
            match c.execute(
                "INSERT INTO warroom_plans (room, hash, name, body, runbook, runbook_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (room, hash) DO NOTHING",
                &[&room, &key, &name, &all, &runbook, &runbook_at],
            ) {
                Ok(_) => Ok(None),
                Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
                    let role = c
                        .query_one("SELECT current_user::text", &[])
                        .map_or_else(|_| "?".to_string(), |r| r.get(0));
                    Ok(Some(role))
                }
                Err(e) => Err(e),
            }
        })?;
        match stored {
            None => Ok(hash),
            Some(role) => Err(self.fail(
                "store the plan",
                format!(
                    "database role `{role}` may not insert into warroom_plans, so the plan does \
                     not travel with the room ({shown}); ask the database owner to `GRANT \
                     SELECT, INSERT ON warroom_plans TO {role}`"
                ),
            )),
        }
    }

    /// The room's plan stored under `hash`, or (`None`) the one stored last; `Ok(None)` when
    /// there is none. A row whose bytes do not hash to its key is an error, not a plan.
    pub(crate) fn room_plan(&self, hash: Option<&str>) -> Result<Option<StoredPlan>, JournalError> {
        let want = hash.map(str::to_string);
        let row = self.with("read the room's plan", move |c, room| {
            let sql = "SELECT hash, name, body, \
                              (extract(epoch FROM stored_at) * 1000)::bigint, runbook, runbook_at \
                       FROM warroom_plans WHERE room = $1";
            let row = match &want {
                Some(h) => c.query_opt(&format!("{sql} AND hash = $2"), &[&room, h])?,
                None => c.query_opt(
                    &format!("{sql} ORDER BY stored_at DESC, hash LIMIT 1"),
                    &[&room],
                )?,
            };
            Ok(row.map(|r| {
                (
                    r.get::<_, String>(0),
                    r.get::<_, String>(1),
                    r.get::<_, Vec<u8>>(2),
                    r.get::<_, i64>(3),
                    r.get::<_, Option<String>>(4),
                    r.get::<_, Option<i32>>(5),
                )
            }))
        })?;
        let Some((hash, name, mut body, stored_ms, runbook_name, runbook_at)) = row else {
            return Ok(None);
        };
        if chain::line_hash(&body) != hash {
            return Err(self.fail(
                "read the room's plan",
                format!(
                    "the plan stored as {} does not hash to that (its row was changed behind \
                     warroom's back); open the room with a plan file you trust",
                    short(&hash)
                ),
            ));
        }
        let runbook = match (runbook_name, runbook_at) {
            (Some(rname), Some(at)) if (0..=body.len() as i64).contains(&i64::from(at)) => {
                let bytes = body.split_off(at as usize);
                Some((rname, bytes))
            }
            (None, None) => None,
            _ => {
                return Err(self.fail(
                    "read the room's plan",
                    format!(
                        "the plan stored as {} says where its runbook starts, but not within \
                         it; open the room with your own plan files",
                        short(&hash)
                    ),
                ));
            }
        };
        let stored_at = chrono::DateTime::from_timestamp_millis(stored_ms).unwrap_or_default();
        Ok(Some(StoredPlan {
            hash,
            name,
            body,
            runbook,
            stored_at,
        }))
    }
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}
