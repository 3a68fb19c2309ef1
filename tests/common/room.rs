//! A room for the end-to-end tests: a plan written into a temporary directory, its journal
//! beside it, and real `warroom open` viewers on it in pseudo-terminals.

use std::path::PathBuf;

use super::journal;
use super::pty::Viewer;

/// A tempdir holding `plan.toml`; the journal is `plan.journal.jsonl` beside it, and the
/// viewers' state (checkpoints, log) stays in the tempdir.
pub struct Room {
    /// The temporary directory (removed when the room is dropped).
    pub dir: tempfile::TempDir,
    /// `plan.toml`.
    pub plan: PathBuf,
    /// `plan.journal.jsonl`.
    pub journal: PathBuf,
}

impl Room {
    /// A room on a TOML plan with `plan_text`.
    pub fn new(plan_text: &str) -> Room {
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join("plan.toml");
        std::fs::write(&plan, plan_text).unwrap();
        let journal = dir.path().join("plan.journal.jsonl");
        Room { dir, plan, journal }
    }

    /// `warroom open plan.toml [extra…]` in a `cols`×`rows` terminal; `name` labels its
    /// failures.
    pub fn open(&self, name: &str, extra: &[&str], cols: u16, rows: u16) -> Viewer {
        let mut args = vec!["open", self.plan.to_str().unwrap()];
        args.extend_from_slice(extra);
        let state = self.dir.path().to_str().unwrap();
        Viewer::spawn(name, &args, cols, rows, &[("XDG_STATE_HOME", state)])
    }

    /// Rewrites the plan the way an editor saving in place does.
    pub fn edit(&self, plan_text: &str) {
        std::fs::write(&self.plan, plan_text).unwrap();
    }

    /// The journal's events of `kind`, as JSON.
    pub fn of_type(&self, kind: &str) -> Vec<serde_json::Value> {
        journal::of_type(&self.journal, kind)
    }

    /// How many events of `kind` the journal holds.
    pub fn count(&self, kind: &str) -> usize {
        journal::count(&self.journal, kind)
    }

    /// The journal's event types in order, for failure messages.
    pub fn types(&self) -> String {
        format!("journal: {}", journal::types(&self.journal))
    }
}
