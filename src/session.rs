//! A room session: a plan, its journal and the folded state, kept in step.
//!
//! Both the keys of the room and the CLI verbs act through [`Session::act`]: validate against the
//! state, append with the head the state was validated at, and on a conflict (someone else
//! appended first) catch up and validate again. Nothing here draws or spawns tasks.

mod report;

pub use report::ReportError;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::journal::event::{Event, EventKind};
use crate::journal::evidence::Evidence;
use crate::journal::{self, Cursor, Draft, Journal, JournalError, Problem};
use crate::plan::{self, Diagnostic, LoadedFile, PlanError};
use crate::state::{Command, Refusal, RoomState};

/// How a session was asked to open.
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// The journal file (default: `<plan-stem>.journal.jsonl` beside the plan).
    pub journal: Option<PathBuf>,
    /// T-0 given on the command line (`--start`).
    pub start: Option<DateTime<Utc>>,
    /// The role the user acts in (`--role`).
    pub role: Option<String>,
    /// Read-only viewer: never writes, not even the plan hash.
    pub follower: bool,
}

/// Why a session could not open or act.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The plan did not load.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The journal could not be read or written.
    #[error("journal: {0}")]
    Journal(#[from] JournalError),
    /// The action was refused by the room's rules (exit 1).
    #[error(transparent)]
    Refused(#[from] Refusal),
}

/// An open room: plan + journal + state.
pub struct Session {
    /// The plan file.
    pub plan_path: PathBuf,
    /// SHA-256 of the plan file.
    pub plan_hash: String,
    /// Files the plan was read from (the plan, and a wiring file's runbook): watched for edits.
    pub plan_files: Vec<PathBuf>,
    /// Warnings from loading the plan.
    pub warnings: Vec<Diagnostic>,
    /// Corrupt journal lines found while replaying (line number and why).
    pub problems: Vec<Problem>,
    /// The folded state.
    pub state: RoomState,
    /// The journal.
    pub journal: Journal,
    /// The journal's path (for display).
    pub journal_path: PathBuf,
    /// Who acts: `user@host` from the operating system.
    pub actor: String,
    /// The role acted in.
    pub role: Option<String>,
    /// Read-only.
    pub follower: bool,
    cursor: Cursor,
}

/// The default journal path for a plan: `<plan-stem>.journal.jsonl` beside it.
#[must_use]
pub fn default_journal_path(plan: &Path) -> PathBuf {
    let stem = plan
        .file_stem()
        .map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned());
    plan.with_file_name(format!("{stem}.journal.jsonl"))
}

impl Session {
    /// Loads the plan, replays the journal and, for an operator, journals the plan's hash when
    /// it differs from the last one recorded.
    pub fn open(
        plan_path: &Path,
        opts: &OpenOptions,
        now: DateTime<Utc>,
    ) -> Result<Self, SessionError> {
        let LoadedFile {
            loaded,
            hash,
            files,
        } = plan::load(plan_path)?;
        let journal_path = opts
            .journal
            .clone()
            .unwrap_or_else(|| default_journal_path(plan_path));
        let journal = Journal::open(&journal_path)?;
        let replay = journal.replay()?;
        let t0 = opts
            .start
            .or(loaded.plan.t0)
            .or_else(|| replay.events.first().map(|e| e.at))
            .unwrap_or(now);
        let mut state = RoomState::new(loaded.plan, t0);
        for ev in &replay.events {
            state.apply(ev);
        }
        let mut session = Session {
            plan_path: plan_path.to_path_buf(),
            plan_hash: hash,
            plan_files: files,
            warnings: loaded.warnings,
            problems: replay.problems,
            state,
            journal,
            journal_path,
            actor: journal::actor(),
            role: opts.role.clone(),
            follower: opts.follower,
            cursor: replay.cursor,
        };
        session.record_plan(now)?;
        Ok(session)
    }

    /// Validates and journals `cmd`; returns the appended event. Refused commands and
    /// followers' attempts write nothing.
    pub fn act(&mut self, cmd: &Command, now: DateTime<Utc>) -> Result<Event, SessionError> {
        self.act_with(cmd, None, now)
    }

    /// Like [`Session::act`], storing `evidence` in the event when its kind carries evidence
    /// (votes, advances, holds, rollbacks, fired triggers).
    pub fn act_with(
        &mut self,
        cmd: &Command,
        evidence: Option<&Evidence>,
        now: DateTime<Utc>,
    ) -> Result<Event, SessionError> {
        if self.follower {
            return Err(Refusal(
                "this is a follower (--follow): it cannot act; open the room without --follow"
                    .into(),
            )
            .into());
        }
        // A bounded retry: each conflict means another writer got in first; catch up and
        // re-validate against the newer state.
        for _ in 0..16 {
            self.catch_up()?;
            let (mut kind, role) = self.validate(cmd)?;
            if let Some(e) = evidence {
                kind.attach_evidence(e.clone());
            }
            match self.append(kind, role, now) {
                Err(SessionError::Journal(JournalError::Conflict { .. })) => {}
                other => return other,
            }
        }
        Err(Refusal("the journal is too busy right now; try again".into()).into())
    }

    /// What `cmd` would journal now, and under which role — or why it is refused: the
    /// actor's roles first ([`RoomState::authorize`]), then the room's rules
    /// ([`RoomState::decide`]). Writes nothing.
    pub fn validate(&self, cmd: &Command) -> Result<(EventKind, Option<String>), SessionError> {
        let authority = self
            .state
            .authorize(&self.actor, self.role.as_deref(), cmd)?;
        let (kind, role) = self.state.decide(
            cmd,
            authority.acting_role.as_deref().or(self.role.as_deref()),
        )?;
        // A vote's event names the role voted for; who recorded it is the acting role.
        let role = if authority.on_behalf {
            authority.acting_role
        } else {
            role.or(authority.acting_role)
        };
        Ok((kind, role))
    }

    fn append(
        &mut self,
        kind: EventKind,
        role: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<Event, SessionError> {
        let draft = Draft {
            actor: self.actor.clone(),
            role,
            at: now,
            kind,
        };
        let ev = self.journal.append(draft, Some(self.state.head_seq))?;
        // Fold our own event via the same read path followers use, so state and cursor agree.
        self.catch_up()?;
        Ok(ev)
    }

    /// Reads events appended since the last read (by anyone) and folds them in. Returns how
    /// many were new.
    ///
    /// A journal replaced or rewritten on disk is replayed from the start, and that is
    /// reported as a problem (line 0) so every viewer sees history changed under it.
    pub fn catch_up(&mut self) -> Result<usize, SessionError> {
        let new = match self.journal.read_new(&mut self.cursor) {
            Err(JournalError::Replaced { detail, .. }) => {
                let replay = self.journal.replay()?;
                let mut state = RoomState::new(self.state.plan.clone(), self.state.t0);
                for ev in &replay.events {
                    state.apply(ev);
                }
                self.state = state;
                self.problems = replay.problems;
                self.problems.push(Problem {
                    line: 0,
                    message: format!("the journal changed under this viewer ({detail}); replayed it from the start"),
                });
                self.cursor = replay.cursor;
                return Ok(replay.events.len());
            }
            other => other?,
        };
        self.problems.extend(self.cursor.take_problems());
        for ev in &new {
            self.state.apply(ev);
        }
        Ok(new.len())
    }

    /// Puts a plan edited on disk in place: the state is folded again from the whole journal
    /// against the new plan (ids are stable slugs, so ticks and votes carry over; events naming
    /// what the plan no longer has are reported as dangling), and an operator journals the new
    /// plan hash.
    pub fn reload(&mut self, file: LoadedFile, now: DateTime<Utc>) -> Result<(), SessionError> {
        let replay = self.journal.replay()?;
        let mut state = RoomState::new(file.loaded.plan, self.state.t0);
        for ev in &replay.events {
            state.apply(ev);
        }
        self.state = state;
        self.problems = replay.problems;
        self.cursor = replay.cursor;
        self.warnings = file.loaded.warnings;
        self.plan_files = file.files;
        self.plan_hash = file.hash;
        self.record_plan(now)
    }

    /// Journals the plan's hash unless the journal's last `plan_loaded` already names it —
    /// so rooms opened, or reloaded after an edit, at the same moment write it once. A
    /// follower writes nothing.
    fn record_plan(&mut self, now: DateTime<Utc>) -> Result<(), SessionError> {
        if self.follower {
            return Ok(());
        }
        for _ in 0..16 {
            self.catch_up()?;
            if self.state.plan_hash.as_deref() == Some(self.plan_hash.as_str()) {
                return Ok(());
            }
            let kind = EventKind::PlanLoaded {
                plan_hash: self.plan_hash.clone(),
                title: self.state.plan.title.clone(),
            };
            match self.append(kind, None, now) {
                Err(SessionError::Journal(JournalError::Conflict { .. })) => {}
                other => return other.map(|_| ()),
            }
        }
        Err(Refusal("the journal is too busy right now; try again".into()).into())
    }

    /// The journal's head hash (hex), if it has events.
    #[must_use]
    pub fn head_hash(&self) -> Option<String> {
        self.cursor.head_hash().map(str::to_string)
    }
}
