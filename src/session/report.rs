//! The report of an open session: the journal re-read from the start (the room's state keeps
//! only the latest answers; the report tells every one) and written beside the plan or where
//! asked.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::Session;
use crate::journal::JournalError;
use crate::report::{self, Format, Report};

/// A report file could not be written (nothing was replaced).
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot write the report: {err}", path.display())]
pub struct ReportError {
    /// The file asked for.
    pub path: PathBuf,
    /// The operating system's error.
    pub err: std::io::Error,
}

impl Session {
    /// The report as things stand at `now`, from the journal on disk (not this room's
    /// memory), with its hash chain walked end to end and what this user should know about
    /// the journal (a history not consistent with their checkpoint, …).
    pub fn report(&self, now: DateTime<Utc>) -> Result<Report, JournalError> {
        let replay = self.journal.replay()?;
        let verification = self.journal.verify()?;
        let writers = self.journal.identities()?;
        Ok(report::build(
            &report::Input {
                plan: &self.state.plan,
                t0: self.state.t0,
                t0_source: self.t0_source,
                notices: &self.notices(),
                plan_file: &self.plan_path,
                journal_file: &self.journal_path,
                events: &replay.events,
                problems: &replay.problems,
                head_hash: replay.cursor.head_hash(),
                verification: &verification,
                writers: &writers,
            },
            now,
        ))
    }

    /// Writes `report` in `format` to `path` (default: `<plan-stem>.report.<ext>` beside the
    /// plan) and returns where. The file is replaced whole — written and synced beside it,
    /// then renamed — so a reader never sees half a report, and is readable by the team
    /// (0644).
    pub fn write_report(
        &self,
        report: &Report,
        format: Format,
        path: Option<&Path>,
    ) -> Result<PathBuf, ReportError> {
        let path = path.map_or_else(
            || report::default_path(&self.plan_path, format),
            Path::to_path_buf,
        );
        let fail = |err| ReportError {
            path: path.clone(),
            err,
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
        tmp.write_all(format.render(report).as_bytes())
            .map_err(fail)?;
        // A temporary file is private (0600); a report is for the whole team to read.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(fail)?;
        tmp.as_file().sync_all().map_err(fail)?;
        tmp.persist(&path).map_err(|e| fail(e.error))?;
        Ok(path)
    }
}
