//! The report of an open session: the journal re-read from the start (the room's state keeps
//! only the latest answers; the report tells every one) and written beside the plan or where
//! asked.

use std::io::Write as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::Session;
use crate::journal::{Journal, JournalError};
use crate::plan::Plan;
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

/// What making the report needs, taken from a session so that another thread (the room's
/// journal worker) can read the journal and write the files while the screen keeps drawing.
#[derive(Debug, Clone)]
pub struct ReportJob {
    journal: Arc<Journal>,
    plan: Plan,
    t0: DateTime<Utc>,
    t0_source: &'static str,
    notices: Vec<String>,
    plan_path: PathBuf,
    journal_path: PathBuf,
}

impl ReportJob {
    /// The report as things stand at `now` (see [`Session::report`]).
    pub fn report(&self, now: DateTime<Utc>) -> Result<Report, JournalError> {
        let replay = self.journal.replay()?;
        let verification = self.journal.verify()?;
        let writers = self.journal.identities()?;
        Ok(report::build(
            &report::Input {
                plan: &self.plan,
                t0: self.t0,
                t0_source: self.t0_source,
                notices: &self.notices,
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

    /// Reads the journal once and writes the report beside the plan in each of `formats`;
    /// returns where, or why not, in words.
    pub fn write_beside_plan(
        &self,
        formats: &[Format],
        now: DateTime<Utc>,
    ) -> Result<Vec<PathBuf>, String> {
        let report = self.report(now).map_err(|e| format!("journal: {e}"))?;
        formats
            .iter()
            .map(|f| write_file(&self.plan_path, &report, *f, None).map_err(|e| e.to_string()))
            .collect()
    }
}

impl Session {
    /// What [`ReportJob`] needs, now.
    #[must_use]
    pub fn report_job(&self) -> ReportJob {
        ReportJob {
            journal: Arc::clone(&self.journal),
            plan: self.state.plan.clone(),
            t0: self.state.t0,
            t0_source: self.t0_source,
            notices: self.notices(),
            plan_path: self.plan_path.clone(),
            journal_path: self.journal_path.clone(),
        }
    }

    /// The report as things stand at `now`, from the journal on disk (not this room's
    /// memory), with its hash chain walked end to end and what this user should know about
    /// the journal (a history not consistent with their checkpoint, …).
    pub fn report(&self, now: DateTime<Utc>) -> Result<Report, JournalError> {
        self.report_job().report(now)
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
        write_file(&self.plan_path, report, format, path)
    }
}

/// Writes `report` in `format` to `path` (default: beside `plan_path`); see
/// [`Session::write_report`].
fn write_file(
    plan_path: &Path,
    report: &Report,
    format: Format,
    path: Option<&Path>,
) -> Result<PathBuf, ReportError> {
    let path = path.map_or_else(
        || report::default_path(plan_path, format),
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
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644)).map_err(fail)?;
    tmp.as_file().sync_all().map_err(fail)?;
    tmp.persist(&path).map_err(|e| fail(e.error))?;
    Ok(path)
}
