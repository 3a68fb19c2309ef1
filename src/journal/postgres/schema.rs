//! The database schema, versioned: created by `warroom journal init URL`, checked by every
//! connection.
//!
//! Version 1:
//!
//! - `warroom_schema(version)`: one row, the version below.
//! - `warroom_events`: one row per event, primary key `(room, seq)`; `event_id` is the
//!   client's id of the append (unique: a retried append finds its own row); `line` is the
//!   event's canonical JSON line, byte for byte what the file backend would write, `hash` its
//!   SHA-256 and `prev` the hash of the room's previous line; `db_role` the database role that
//!   inserted it (beside the OS `actor` inside the line).
//! - Triggers refuse every `UPDATE`, `DELETE` and `TRUNCATE` of `warroom_events`: the room is
//!   append-only in the database itself, whatever the grants.
//!
//! Version 2 adds (`init` migrates a version 1 database in place):
//!
//! - `warroom_plans`: the plan text each room was opened with, so a viewer on another host
//!   needs only the room's URL. Primary key `(room, hash)`: `hash` is the SHA-256 (hex) of
//!   `body`, the plan file's bytes exactly (a plan that is not valid UTF-8 keeps its bytes, so
//!   the hash the journal records stays the file's); `name` the plan's file name (its
//!   extension picks the loader, its stem is the plan's name in `plan_loaded`); `stored_at`,
//!   `db_role` who stored it. Append-only like the events, by the same kind of trigger.
//!
//! Version 3 adds (`init` migrates a version 1 or 2 database in place):
//!
//! - `warroom_notify`: the notification ledger of each room and webhook (what the file
//!   backend keeps in the sidecar `<journal>.notify`), so that however many operators' rooms
//!   are open each event is posted once. Primary key `(room, webhook, version)`: `webhook` is
//!   the SHA-256 (hex) of the webhook's URL (never the URL, a credential), `ledger` the JSON
//!   ledger at that version. A change is the next version inserted with `ON CONFLICT DO
//!   NOTHING`: of two viewers changing it at once one inserts and the other, finding the
//!   version taken, reads again and decides afresh — the file's lock, as rows.
//! - `warroom_plans.runbook`, `runbook_at`: a wiring file that names a runbook is stored with
//!   it as one version — `body` is the wiring file's bytes followed by the runbook's, which
//!   start at byte `runbook_at`; `runbook` is the runbook's file name (so `hash` is the
//!   two files' plan hash). NULL for a plan of one file.
//! - One function, `warroom_append_only()`, behind the triggers of every table (versions 1
//!   and 2 had one per table; the migration replaces them).
//!
//! Grants (the owner who ran `init` does this once):
//!
//! ```sql
//! GRANT SELECT ON warroom_schema, warroom_events, warroom_plans TO followers;  -- watch
//! GRANT SELECT, INSERT ON warroom_events, warroom_plans, warroom_notify TO operators; -- act
//! GRANT SELECT ON warroom_schema TO operators;
//! ```
//!
//! No UPDATE or DELETE is needed by anyone: appends are serialized by an advisory lock per
//! room (which needs no grant) and by the primary key.

use postgres::Client;

/// The schema version this build reads and writes.
pub const SCHEMA_VERSION: i32 = 3;

/// The channel appends notify on; the payload is `room:seq`.
pub(crate) const CHANNEL: &str = "warroom_events";

/// The tables and the version row of version 1 (without their triggers).
const CREATE_V1: &str = r"
CREATE TABLE warroom_schema (version integer NOT NULL);
CREATE TABLE warroom_events (
    room text NOT NULL,
    seq bigint NOT NULL CHECK (seq > 0),
    event_id text NOT NULL UNIQUE,
    line text NOT NULL,
    hash text NOT NULL,
    prev text NOT NULL,
    db_role text NOT NULL DEFAULT current_user,
    committed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room, seq)
);
INSERT INTO warroom_schema (version) VALUES (1);
";

/// Version 1 to 2: the plans table (without its triggers).
const MIGRATE_1_2: &str = r"
CREATE TABLE warroom_plans (
    room text NOT NULL,
    hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    name text NOT NULL,
    body bytea NOT NULL,
    db_role text NOT NULL DEFAULT current_user,
    stored_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room, hash)
);
UPDATE warroom_schema SET version = 2;
";

/// Version 2 to 3: the notification ledgers, a wiring file's runbook stored with it, and one
/// refusing function for every table (the per-table functions of versions 1 and 2 are
/// replaced by it).
const MIGRATE_2_3: &str = r"
CREATE TABLE warroom_notify (
    room text NOT NULL,
    webhook text NOT NULL CHECK (webhook ~ '^[0-9a-f]{64}$'),
    version bigint NOT NULL CHECK (version > 0),
    ledger text NOT NULL,
    db_role text NOT NULL DEFAULT current_user,
    written_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room, webhook, version)
);
ALTER TABLE warroom_plans ADD COLUMN runbook text, ADD COLUMN runbook_at integer,
    ADD CHECK ((runbook IS NULL) = (runbook_at IS NULL) AND runbook_at >= 0);
CREATE OR REPLACE FUNCTION warroom_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
DROP TRIGGER IF EXISTS warroom_events_no_change ON warroom_events;
DROP TRIGGER IF EXISTS warroom_events_no_truncate ON warroom_events;
DROP TRIGGER IF EXISTS warroom_plans_no_change ON warroom_plans;
DROP TRIGGER IF EXISTS warroom_plans_no_truncate ON warroom_plans;
DROP FUNCTION IF EXISTS warroom_events_append_only();
DROP FUNCTION IF EXISTS warroom_plans_append_only();
UPDATE warroom_schema SET version = 3;
";

/// The append-only tables of the current version: each gets [`triggers`] from
/// `warroom_append_only()` (made by the migration to version 3).
const APPEND_ONLY: &[&str] = &["warroom_events", "warroom_plans", "warroom_notify"];

/// The two triggers that make `table` append-only: no `UPDATE` or `DELETE` of a row, no
/// `TRUNCATE`, whatever the grants (the owner included).
fn triggers(table: &str) -> String {
    format!(
        "CREATE TRIGGER {table}_no_change BEFORE UPDATE OR DELETE ON {table} \
             FOR EACH ROW EXECUTE FUNCTION warroom_append_only();\n\
         CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} \
             FOR EACH STATEMENT EXECUTE FUNCTION warroom_append_only();\n"
    )
}

/// The migrations, in order: `MIGRATIONS[i]` takes version `i + 1` to `i + 2`. The triggers
/// are not in them: versions 1 and 2 had a function per table (still in databases made then,
/// replaced by the migration to 3); [`migrate`] ends by giving every table of
/// [`APPEND_ONLY`] its triggers on the one function.
const MIGRATIONS: &[&str] = &[MIGRATE_1_2, MIGRATE_2_3];

/// What [`init`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Init {
    /// The schema was created at [`SCHEMA_VERSION`].
    Created,
    /// The schema was at this older version and was migrated to [`SCHEMA_VERSION`].
    Migrated {
        /// The version found.
        from: i32,
    },
    /// It was already there at [`SCHEMA_VERSION`]; nothing changed.
    AlreadyCurrent,
}

/// Creates the schema if it is missing, or migrates an older one to [`SCHEMA_VERSION`] in one
/// transaction. Idempotent, and safe when several run at once (they take one advisory lock).
/// Fails on a database whose schema is newer than this build, or not warroom's.
pub(crate) fn init(client: &mut Client) -> Result<Init, String> {
    let mut tx = client.transaction().map_err(|e| super::words(&e))?;
    tx.execute(
        "SELECT pg_advisory_xact_lock(hashtext('warroom schema'))",
        &[],
    )
    .map_err(|e| super::words(&e))?;
    let exists: bool = tx
        .query_one("SELECT to_regclass('warroom_schema') IS NOT NULL", &[])
        .map_err(|e| super::words(&e))?
        .get(0);
    if exists {
        let v = version(&mut tx)?;
        let done = match v {
            Some(SCHEMA_VERSION) => Init::AlreadyCurrent,
            Some(from) if (1..SCHEMA_VERSION).contains(&from) => {
                migrate(&mut tx, from)?;
                Init::Migrated { from }
            }
            other => return Err(mismatch(other)),
        };
        tx.commit().map_err(|e| super::words(&e))?;
        return Ok(done);
    }
    tx.batch_execute(CREATE_V1).map_err(|e| super::words(&e))?;
    migrate(&mut tx, 1)?;
    tx.commit().map_err(|e| super::words(&e))?;
    Ok(Init::Created)
}

/// Runs the migrations from version `from` up to [`SCHEMA_VERSION`].
fn migrate(tx: &mut postgres::Transaction<'_>, from: i32) -> Result<(), String> {
    let skip = usize::try_from(from - 1).unwrap_or(usize::MAX);
    for sql in MIGRATIONS.iter().skip(skip) {
        tx.batch_execute(sql).map_err(|e| super::words(&e))?;
    }
    for table in APPEND_ONLY {
        // Dropped first: a version 3 database already has them (an `init` that found it
        // current does not get here, but a rerun of a migration must not fail on them).
        tx.batch_execute(&format!(
            "DROP TRIGGER IF EXISTS {table}_no_change ON {table};\n\
             DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};\n{}",
            triggers(table)
        ))
        .map_err(|e| super::words(&e))?;
    }
    Ok(())
}

/// Checks that the database holds the schema this build speaks.
pub(crate) fn check(client: &mut Client) -> Result<(), String> {
    let exists: bool = client
        .query_one("SELECT to_regclass('warroom_schema') IS NOT NULL", &[])
        .map_err(|e| super::words(&e))?
        .get(0);
    if !exists {
        return Err(
            "the database has no warroom schema: run `warroom journal init URL` once, \
                    as a role that may create tables"
                .to_string(),
        );
    }
    match version(client)? {
        Some(SCHEMA_VERSION) => Ok(()),
        other => Err(mismatch(other)),
    }
}

fn version(client: &mut impl postgres::GenericClient) -> Result<Option<i32>, String> {
    let row = client
        .query_opt("SELECT max(version) FROM warroom_schema", &[])
        .map_err(|e| super::words(&e))?;
    Ok(row.and_then(|r| r.get::<_, Option<i32>>(0)))
}

fn mismatch(found: Option<i32>) -> String {
    match found {
        Some(v) if v > SCHEMA_VERSION => format!(
            "the database's warroom schema is version {v}, newer than this warroom speaks \
             ({SCHEMA_VERSION}): upgrade warroom"
        ),
        Some(v) if v >= 1 => format!(
            "the database's warroom schema is version {v}, this warroom speaks \
             {SCHEMA_VERSION}: run `warroom journal init URL` once, as a role that may create \
             tables, to migrate it (then grant SELECT, INSERT ON warroom_plans, warroom_notify \
             to operators and SELECT ON warroom_plans to followers)"
        ),
        Some(v) => format!(
            "the database's warroom schema is version {v}, which warroom never made: use a \
             fresh database"
        ),
        None => "the database's warroom_schema table is empty: it was not made by `warroom \
                 journal init`; drop it or use another database"
            .to_string(),
    }
}
