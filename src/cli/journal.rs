//! `warroom journal …`: the database journal's own verbs — create the schema, and move a room
//! between a database and a file.
//!
//! Exit codes: 0 done; 1 anything refused or failed (bad URL, unreachable server, a room that
//! is not empty, a file that does not verify), with the reason on standard error.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;

use crate::journal::{Journal, JournalError, Moved, SCHEMA_VERSION, SchemaInit, is_database};

/// `warroom journal` subcommands.
#[derive(Debug, Subcommand)]
pub enum JournalCmd {
    /// Create the warroom schema in a PostgreSQL database, or migrate an older one
    /// (idempotent; versioned). Run once, as a role that may create tables; then grant
    /// followers SELECT and operators SELECT, INSERT (see the README).
    Init {
        /// The database: postgres://user@host:port/db?room=NAME (any room name).
        url: PathBuf,
    },
    /// Write a database room to a JSON Lines file that `warroom verify` accepts with the
    /// same head hash.
    Export {
        /// The room: postgres://user@host:port/db?room=NAME.
        url: PathBuf,
        /// The file to write (must not exist).
        #[arg(short, long)]
        out: PathBuf,
    },
    /// Load a file journal into an empty database room (refused when the room has events).
    Import {
        /// The file journal (its chain must be intact).
        file: PathBuf,
        /// The room: postgres://user@host:port/db?room=NAME.
        url: PathBuf,
    },
}

/// Runs a `warroom journal` subcommand.
#[must_use]
pub fn run(cmd: &JournalCmd) -> ExitCode {
    let done = match cmd {
        JournalCmd::Init { url } => init(url),
        JournalCmd::Export { url, out } => {
            open(url).and_then(|j| j.export(out).map(|m| moved("exported", &m, &j, out)))
        }
        JournalCmd::Import { file, url } => {
            open(url).and_then(|j| j.import(file).map(|m| moved("imported", &m, &j, file)))
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("warroom: {e}");
            ExitCode::from(1)
        }
    }
}

fn open(url: &Path) -> Result<Journal, JournalError> {
    if !is_database(url) {
        return Err(JournalError::BadLocation(format!(
            "{}: not a database room: give postgres://user@host:port/db?room=NAME",
            url.display()
        )));
    }
    Journal::open(url)
}

fn init(url: &Path) -> Result<(), JournalError> {
    let j = open(url)?;
    match j.init_schema()? {
        SchemaInit::Created => sayln!(
            "{}: created the warroom schema, version {SCHEMA_VERSION}",
            j.shown()
        ),
        SchemaInit::Migrated { from } => sayln!(
            "{}: migrated the warroom schema from version {from} to {SCHEMA_VERSION}; grant \
             SELECT, INSERT ON warroom_plans, warroom_notify to operators and SELECT ON \
             warroom_plans to followers (see the README)",
            j.shown()
        ),
        SchemaInit::AlreadyCurrent => sayln!(
            "{}: the warroom schema is already at version {SCHEMA_VERSION}; nothing changed",
            j.shown()
        ),
    }
    Ok(())
}

fn moved(verb: &str, m: &Moved, j: &Journal, file: &Path) {
    let (from, to) = if verb == "exported" {
        (j.shown(), file.display().to_string())
    } else {
        (file.display().to_string(), j.shown())
    };
    sayln!(
        "{verb} {} events from {from} to {to}, head {}",
        m.events,
        m.head.as_deref().unwrap_or("(empty)")
    );
}
