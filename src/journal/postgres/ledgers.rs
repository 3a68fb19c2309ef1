//! The notification ledgers of a room ([`schema`](super::schema) version 3): versioned rows
//! beside the events, so that the notifiers of every operator's room agree on what was posted
//! without a shared file.

use postgres::error::SqlState;

use super::PgJournal;
use crate::journal::JournalError;

impl PgJournal {
    /// The newest version of the ledger of the webhook whose URL hashes to `webhook` (SHA-256,
    /// hex) in this room, with its JSON; `Ok(None)` when there is none yet.
    pub(crate) fn notify_ledger(
        &self,
        webhook: &str,
    ) -> Result<Option<(u64, String)>, JournalError> {
        let key = webhook.to_string();
        self.with("read the notification ledger", move |c, room| {
            let row = c.query_opt(
                "SELECT version, ledger FROM warroom_notify WHERE room = $1 AND webhook = $2 \
                 ORDER BY version DESC LIMIT 1",
                &[&room, &key],
            )?;
            Ok(row.map(|r| (r.get::<_, i64>(0) as u64, r.get::<_, String>(1))))
        })
    }

    /// Writes `ledger` as version `version` of that ledger: `Ok(false)` when another viewer
    /// wrote that version first (read again and decide afresh). A role without INSERT on
    /// `warroom_notify` is refused with the grant to ask for.
    pub(crate) fn put_notify_ledger(
        &self,
        webhook: &str,
        version: u64,
        ledger: &str,
    ) -> Result<bool, JournalError> {
        let (key, body, v) = (webhook.to_string(), ledger.to_string(), version as i64);
        let out = self.with("write the notification ledger", move |c, room| {
            match c.execute(
                "INSERT INTO warroom_notify (room, webhook, version, ledger) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
                &[&room, &key, &v, &body],
            ) {
                Ok(n) => Ok(Ok(n == 1)),
                Err(e) if e.code() == Some(&SqlState::INSUFFICIENT_PRIVILEGE) => {
                    let role = c
                        .query_one("SELECT current_user::text", &[])
                        .map_or_else(|_| "?".to_string(), |r| r.get(0));
                    Ok(Err(role))
                }
                Err(e) => Err(e),
            }
        })?;
        out.map_err(|role| {
            self.fail(
                "write the notification ledger",
                format!(
                    "database role `{role}` may not insert into warroom_notify, so this room \
                     cannot take its turn at notifications; ask the database owner to `GRANT \
                     SELECT, INSERT ON warroom_notify TO {role}`"
                ),
            )
        })
    }
}
