//! A room session: a plan, its journal and the folded state, kept in step.
//!
//! Both the keys of the room and the CLI verbs act through [`Session::act`]: validate against the
//! state, append with the head the state was validated at, and on a conflict (someone else
//! appended first) catch up and validate again. Nothing here draws or spawns tasks.
//!
//! A session also keeps its user's checkpoint of the journal
//! ([`checkpoint`](crate::journal::checkpoint)): on open and every time it catches up it checks
//! that the journal still extends the last event this user saw, and moves the checkpoint forward as
//! it reads; a rewritten history sets [`Session::rewrite`] and the checkpoint stays where it was
//! until a person accepts the new history (`warroom verify PLAN --accept-rewrite`). Opening also
//! judges where the journal lives ([`Journal::safety`]): an operator is refused a journal others
//! could rewrite; a follower opens it with a warning ([`Session::journal_warnings`]).

mod report;
pub mod worker;

pub use report::{ReportError, ReportJob};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::journal::checkpoint::{Checkpoint, Consistency, Store};
use crate::journal::event::{Event, EventKind};
use crate::journal::evidence::Evidence;
use crate::journal::{self, Cursor, Draft, Journal, JournalError, Problem, Replay};
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
    /// Write even though the journal's hash chain is broken (`--accept-broken-chain`, after
    /// a person looked at the lines named): new events then chain onto what is there.
    pub accept_broken_chain: bool,
    /// A room (not a verb): when the journal only refuses this viewer's writes (a database
    /// role without INSERT), open as a follower with the reason in
    /// [`Session::journal_warnings`] instead of failing.
    pub follow_if_read_only: bool,
}

/// Why a session could not open or act.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The plan did not load.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The journal could not be read or written.
    #[error("journal: {0}")]
    Journal(JournalError),
    /// The journal lives where users outside the trust set could rewrite it, so this session
    /// will not write to it (exit 1). The words name the file and what to do.
    #[error("{0}")]
    Unsafe(String),
    /// The action was refused by the room's rules (exit 1).
    #[error(transparent)]
    Refused(#[from] Refusal),
    /// The journal path cannot hold a journal (a directory, a FIFO, …); exit 1. The words
    /// name the path and what to do.
    #[error("{0}")]
    BadJournal(String),
}

impl From<JournalError> for SessionError {
    /// A refusal to write to an unsafe journal is the user's to fix ([`SessionError::Unsafe`]);
    /// everything else is a journal error.
    fn from(e: JournalError) -> SessionError {
        match e {
            JournalError::Unsafe { reason, .. } => SessionError::Unsafe(reason),
            JournalError::Unusable { reason, .. } | JournalError::BadLocation(reason) => {
                SessionError::BadJournal(reason)
            }
            e => SessionError::Journal(e),
        }
    }
}

/// The journal no longer extends what this user last saw of it: the event at the checkpoint's
/// `seq` is missing or different (history rewritten, or the journal replaced or truncated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rewrite {
    /// The checkpoint the journal does not extend.
    pub checkpoint: Checkpoint,
    /// Why, in words.
    pub detail: String,
}

/// This user's checkpoint of the session's journal, and where it is kept.
#[derive(Debug)]
struct Memory {
    store: Store,
    /// The journal's identity ([`Journal::id`]).
    id: String,
    /// The checkpoint this session last found consistent or wrote itself: while the stored one
    /// is still this, what the session read since extends it.
    verified: Option<Checkpoint>,
}

/// Where the plan a session runs came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanOrigin {
    /// The plan file at [`Session::plan_path`].
    File,
    /// The plan stored with the database room ([`Journal::room_plan`]): no plan file was given,
    /// or the one given is another version (then [`Session::plan_path`] is that file, whose
    /// edits are still watched; without one it is the stored name, in the current directory).
    Room {
        /// When the room stored it (UTC).
        stored_at: DateTime<Utc>,
        /// The SHA-256 (hex) of the local plan file that was not followed, when one was given.
        local_hash: Option<String>,
    },
}

/// An open room: plan + journal + state.
pub struct Session {
    /// The plan file (see [`PlanOrigin`] for a plan that came from the room).
    pub plan_path: PathBuf,
    /// Where the plan came from: the file, or the database room.
    pub plan_origin: PlanOrigin,
    /// The plan file's bytes, for a database room to keep.
    plan_body: Option<Vec<u8>>,
    /// The runbook a wiring plan names, kept by a database room with the wiring.
    plan_runbook: Option<plan::Runbook>,
    /// The plan's name in the journal (`plan_loaded`'s `plan`): [`plan_id`] of the file, or
    /// of the name the room stored it under.
    plan_name: String,
    /// A plan version the room moved to without storing it (asked once).
    missing_plan: Option<String>,
    /// SHA-256 of the plan file (of the room's version when [`PlanOrigin::Room`]).
    pub plan_hash: String,
    /// Files the plan was read from (the plan, and a wiring file's runbook): watched for edits.
    pub plan_files: Vec<PathBuf>,
    /// Warnings from loading the plan.
    pub warnings: Vec<Diagnostic>,
    /// Corrupt journal lines found while replaying (line number and why).
    pub problems: Vec<Problem>,
    /// The folded state.
    pub state: RoomState,
    /// The journal; shared with the room's journal worker, which does its reads and appends
    /// off the thread that draws.
    pub journal: Arc<Journal>,
    /// The journal's path (for display).
    pub journal_path: PathBuf,
    /// Who acts: `user@host` from the operating system.
    pub actor: String,
    /// The role acted in.
    pub role: Option<String>,
    /// Read-only.
    pub follower: bool,
    /// Why this room follows when nobody asked it to (`--follow`): the journal's refusal of
    /// this user's writes (a read-only database role, a file it cannot write), in words.
    pub follows_because: Option<String>,
    /// Warnings about the journal that do not stop the session, in words: a network
    /// filesystem; for a follower, why writing to it would be refused; a checkpoint that could
    /// not be read or written.
    pub journal_warnings: Vec<String>,
    /// Where T-0 came from, in words: `--start`, `the plan's date`, `the journal's first
    /// event …` or `the time the room was opened …`. The journal does not record T-0.
    pub t0_source: &'static str,
    /// Set while the journal does not extend this user's checkpoint (see [`Rewrite`]); the
    /// checkpoint is not moved until a person accepts the new history.
    pub rewrite: Option<Rewrite>,
    /// Write over a broken hash chain ([`OpenOptions::accept_broken_chain`]).
    pub accept_broken_chain: bool,
    /// The replay's note about an unterminated last line, while it is in
    /// [`Session::journal_warnings`] (an append's repair replaces it).
    tail_note: Option<String>,
    memory: Option<Memory>,
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

/// The journal a session works on: `journal` (`--journal` or `WARROOM_JOURNAL`) when given;
/// else, when `plan` is a database room's URL (the plan then comes from the room), that room;
/// else the plan's own `journal = "…"` (`in_plan`: a file path relative to the plan's
/// directory, or a room URL); else the default file beside the plan
/// ([`default_journal_path`]).
///
/// Errors: a room URL in place of the plan together with another `--journal`.
pub fn journal_location(
    plan: &Path,
    journal: Option<&Path>,
    in_plan: Option<&str>,
) -> Result<PathBuf, SessionError> {
    let plan_is_room = journal::is_database(plan);
    match journal {
        Some(j) if plan_is_room && j != plan => Err(SessionError::BadJournal(format!(
            "{} in place of the plan names a room, and --journal names another ({}): give \
             the room once (`warroom open URL`), or a plan file and --journal URL",
            plan.display(),
            j.display()
        ))),
        Some(j) => Ok(j.to_path_buf()),
        None if plan_is_room => Ok(plan.to_path_buf()),
        None => match in_plan.map(str::trim).filter(|j| !j.is_empty()) {
            Some(j) if journal::is_database(Path::new(j)) => Ok(PathBuf::from(j)),
            Some(j) => Ok(plan.parent().unwrap_or(Path::new(".")).join(j)),
            None => Ok(default_journal_path(plan)),
        },
    }
}

/// [`journal_location`] for a verb that does not otherwise read the plan (`verify`): the
/// plan is read only when nothing else names the journal.
///
/// Errors: as [`journal_location`]'s, and the plan's when it must be read and does not load.
pub fn journal_of(plan: &Path, journal: Option<&Path>) -> Result<PathBuf, SessionError> {
    if journal.is_some() || journal::is_database(plan) {
        return journal_location(plan, journal, None);
    }
    let loaded = plan::load(plan)?;
    journal_location(plan, None, loaded.loaded.plan.journal.as_deref())
}

/// The name a journal knows its plan by ([`EventKind::PlanLoaded`]'s `plan`): the plan file's
/// name without its extension, so a Markdown plan and the TOML imported from it are one room.
#[must_use]
pub fn plan_id(plan: &Path) -> String {
    plan.file_stem()
        .map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned())
}

/// Refuses a journal claimed by another plan: the first `plan_loaded` that names its plan
/// names another one than `plan`. Every viewer refuses it — its state is another plan's.
fn check_owner(
    plan: &Path,
    id: &str,
    journal: &Path,
    events: &[Event],
) -> Result<(), SessionError> {
    let owner = events.iter().find_map(|e| match &e.kind {
        EventKind::PlanLoaded { plan: Some(p), .. } => Some((e.seq, p)),
        _ => None,
    });
    match owner {
        Some((seq, other)) if *other != id => Err(SessionError::BadJournal(format!(
            "{} belongs to another plan, `{other}` (named by its event seq {seq}), not `{id}` \
             ({}): open {other}'s plan with it, or give this plan a journal of its own \
             (--journal {})",
            journal.display(),
            plan.display(),
            default_journal_path(plan).display()
        ))),
        _ => Ok(()),
    }
}

/// The `warroom verify` command line for a plan and its journal (`--journal` only when the
/// journal is not the default one), for messages that tell people what to run.
#[must_use]
pub fn verify_command(plan: &Path, journal: &Path) -> String {
    if journal::is_database(journal) && (plan == journal || !plan.exists()) {
        // The plan came from the room: the room's URL is all `verify` needs.
        return format!("warroom verify '{}'", journal.display());
    }
    let cmd = format!("warroom verify {}", plan.display());
    if journal == default_journal_path(plan) {
        cmd
    } else {
        format!("{cmd} --journal {}", journal.display())
    }
}

impl Session {
    /// [`Session::open_with`] and the current user's checkpoints ([`Store::for_user`]), and
    /// says on standard error what [`Session::notices`] holds, one `warning:` line each: every
    /// CLI verb and room opens this way, so a script sees them too (a room also shows them on
    /// the screen). Without a place for checkpoints the session goes on without them, and says
    /// so.
    pub fn open(
        plan_path: &Path,
        opts: &OpenOptions,
        now: DateTime<Utc>,
    ) -> Result<Self, SessionError> {
        let (store, no_store) = match Store::for_user() {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(format!("checkpoints off: {e}"))),
        };
        let mut session = Session::open_with(plan_path, opts, store, now)?;
        session.journal_warnings.extend(no_store);
        for n in session.notices() {
            eprintln!("warning: {n}");
        }
        Ok(session)
    }

    /// Loads the plan, judges where the journal lives, replays it — comparing it with this
    /// user's checkpoint in `checkpoints` (`None`: no checkpoints) — and, for an operator,
    /// journals the plan's hash when it differs from the last one recorded.
    ///
    /// Errors: [`SessionError::Unsafe`] for an operator when users outside the trust set could
    /// rewrite the journal (a follower opens, with the reason in
    /// [`Session::journal_warnings`]); plan and journal errors.
    pub fn open_with(
        plan_path: &Path,
        opts: &OpenOptions,
        checkpoints: Option<Store>,
        now: DateTime<Utc>,
    ) -> Result<Self, SessionError> {
        // A local plan is read first, as before the journal existed: its errors come first.
        let local = if journal::is_database(plan_path) {
            None
        } else {
            Some(plan::load(plan_path)?)
        };
        let in_plan = local.as_ref().and_then(|l| l.loaded.plan.journal.clone());
        let journal_path =
            journal_location(plan_path, opts.journal.as_deref(), in_plan.as_deref())?;
        let from_plan = opts.journal.is_none() && in_plan.is_some();
        let journal = Arc::new(Journal::open(&journal_path).map_err(|e| match e {
            JournalError::BadLocation(why) if from_plan => JournalError::BadLocation(format!(
                "{}: its `journal = \"…\"`: {why}",
                plan_path.display()
            )),
            e => e,
        })?);
        let safety = journal.safety()?;
        let mut journal_warnings = Vec::new();
        let follower = opts.follower || (safety.read_only && opts.follow_if_read_only);
        let follows_because = safety
            .refusal
            .clone()
            .filter(|_| safety.read_only && !opts.follower && follower);
        if let Some(reason) = safety.refusal {
            if !follower {
                return Err(SessionError::Unsafe(format!(
                    "{reason}; or only watch the room with --follow"
                )));
            }
            journal_warnings.push(if safety.read_only && !opts.follower {
                format!("{reason}; this room follows it (read-only)")
            } else if safety.read_only {
                reason
            } else {
                format!(
                    "{reason} (this viewer only reads it; what it shows may have been changed by others)"
                )
            });
        }
        journal_warnings.extend(safety.warnings);
        let memory = checkpoints.map(|store| Memory {
            store,
            id: journal.id(),
            verified: None,
        });
        let (replay, expected, consistency) =
            replay_checked(&journal, memory.as_ref(), &mut journal_warnings)?;
        let chosen = choose_plan(
            plan_path,
            local,
            &journal,
            &replay.events,
            &mut journal_warnings,
        )?;
        let plan_path = chosen.path.as_path();
        let LoadedFile {
            loaded,
            hash,
            files,
            body,
            runbook,
        } = chosen.file;
        let plan_name = chosen.name;
        // A follower on the room's version has no file of its own to follow; an operator's
        // edits of its local copy become the room's plan.
        let files = if follower && chosen.origin != PlanOrigin::File {
            Vec::new()
        } else {
            files
        };
        check_owner(plan_path, &plan_name, &journal_path, &replay.events)?;
        let (t0, t0_source) = if let Some(t) = opts.start {
            (t, "--start")
        } else if let Some(t) = loaded.plan.t0 {
            (t, "the plan's date")
        } else if let Some(e) = replay.events.first() {
            (
                e.at,
                "the journal's first event (pass --start to use the room's T-0)",
            )
        } else {
            (
                now,
                "the time the room was opened (no date in the plan, an empty journal)",
            )
        };
        let plan = if opts.start.is_some() {
            loaded.plan.moved_to(t0)
        } else {
            loaded.plan
        };
        let state = RoomState::fold(plan, t0, &replay.events);
        let tail_note = replay.notes.first().cloned();
        journal_warnings.extend(replay.notes.iter().cloned());
        let mut session = Session {
            t0_source,
            plan_path: plan_path.to_path_buf(),
            plan_origin: chosen.origin,
            plan_body: body,
            plan_runbook: runbook,
            plan_name,
            missing_plan: None,
            plan_hash: hash,
            plan_files: files,
            warnings: loaded.warnings,
            problems: replay.problems,
            state,
            journal,
            journal_path,
            actor: journal::actor(),
            role: opts.role.clone(),
            follower,
            follows_because,
            journal_warnings,
            rewrite: None,
            accept_broken_chain: opts.accept_broken_chain,
            tail_note,
            memory,
            cursor: replay.cursor,
        };
        session.judge(expected, consistency);
        session.remember()?;
        session.record_plan(now)?;
        Ok(session)
    }

    /// What a person should know about the journal, in words: a rewritten history with how
    /// to accept it, a broken hash chain with the line, and the warnings.
    #[must_use]
    pub fn notices(&self) -> Vec<String> {
        let mut out: Vec<String> = self.rewrite_message().into_iter().collect();
        out.extend(self.chain_message());
        out.extend(self.journal_warnings.iter().cloned());
        out
    }

    /// The rewritten-history warning, when there is one: what was seen, what is wrong, and how
    /// to accept the new history after looking at it.
    #[must_use]
    pub fn rewrite_message(&self) -> Option<String> {
        self.rewrite.as_ref().map(|r| {
            format!(
                "HISTORY REWRITTEN: the journal is not consistent with your checkpoint, {}: {}. \
                 Look at it ({cmd}); to accept the journal as it is now: {cmd} --accept-rewrite",
                r.checkpoint.describe(),
                r.detail,
                cmd = verify_command(&self.plan_path, &self.journal_path)
            )
        })
    }

    /// Accepts the journal as it is now, as `warroom verify --accept-rewrite` does: this user's
    /// checkpoint moves to the last event read (an empty journal forgets it) and writing is no
    /// longer blocked by the rewrite. For a person who looked, in the room's dialog.
    pub fn accept_rewrite(&mut self) -> Result<(), SessionError> {
        let head = self.cursor.checkpoint();
        if let Some(m) = &mut self.memory {
            let saved = match &head {
                Some(h) => m.store.save(&m.id, h),
                None => m.store.remove(&m.id),
            };
            saved.map_err(|e| SessionError::Refused(Refusal(e.to_string())))?;
            m.verified = head;
        }
        self.rewrite = None;
        Ok(())
    }

    /// The first journal line that breaks the hash chain (a corrupt, out-of-sequence or
    /// unchained line — what `warroom verify` reports), if any.
    #[must_use]
    pub fn chain_break(&self) -> Option<&Problem> {
        // Line 0 is a viewer's own note that the journal changed under it: the checkpoint
        // (HISTORY REWRITTEN) judges that.
        self.problems.iter().find(|p| p.line > 0)
    }

    /// The broken-chain alarm, when there is one: the line, what is wrong, and what to do.
    #[must_use]
    pub fn chain_message(&self) -> Option<String> {
        self.chain_break().map(|p| {
            format!(
                "CHAIN BROKEN at {}:{}: {}. Someone or something changed the journal; look at \
                 that line ({}){}",
                self.journal_path.display(),
                p.line,
                p.message,
                verify_command(&self.plan_path, &self.journal_path),
                if self.accept_broken_chain {
                    "; writing anyway (--accept-broken-chain)"
                } else {
                    "; writing verbs are refused until a person looked and passes \
                     --accept-broken-chain"
                }
            )
        })
    }

    /// Why this session must not write now, with what to do; `None` when it may. A history
    /// rewritten since this user's checkpoint blocks writes until accepted (`warroom verify
    /// --accept-rewrite`); a broken hash chain blocks them unless
    /// [`Session::accept_broken_chain`] — writing on either would chain new, acknowledged
    /// events onto lines nobody vouched for.
    #[must_use]
    pub fn write_block(&self) -> Option<String> {
        if self.rewrite.is_some() {
            let cmd = verify_command(&self.plan_path, &self.journal_path);
            return Some(format!(
                "nothing written: the journal's history was rewritten since you last saw it \
                 (HISTORY REWRITTEN); look at it ({cmd}), then accept it with `{cmd} \
                 --accept-rewrite` before writing to it"
            ));
        }
        if self.accept_broken_chain {
            return None;
        }
        self.chain_break().map(|p| {
            format!(
                "nothing written: the journal's hash chain is broken at {}:{} ({}); look at \
                 that line ({}), and only then write with --accept-broken-chain",
                self.journal_path.display(),
                p.line,
                p.message,
                verify_command(&self.plan_path, &self.journal_path)
            )
        })
    }

    /// Validates and journals `cmd`; returns the appended event. Refused commands,
    /// followers' attempts and writes blocked by [`Session::write_block`] write nothing.
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
            return Err(Refusal(self.follower_refusal()).into());
        }
        // A bounded retry: each conflict means another writer got in first; catch up and
        // re-validate against the newer state.
        for _ in 0..16 {
            self.catch_up()?;
            let write = self.prepare(cmd, evidence, now)?;
            match self.append(write.draft) {
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

    fn append(&mut self, draft: Draft) -> Result<Event, SessionError> {
        let appended = self.journal.append(draft, Some(self.state.head_seq));
        self.note_repairs(self.journal.take_repairs());
        let ev = appended?;
        // Fold our own event via the same read path followers use, so state and cursor agree.
        self.catch_up()?;
        Ok(ev)
    }

    /// Reads events appended since the last read (by anyone) and folds them in, and moves
    /// this user's checkpoint up to them (unless history was rewritten). Returns how many were
    /// new.
    ///
    /// A journal replaced or rewritten on disk is replayed from the start, and that is
    /// reported as a problem (line 0) so every viewer sees history changed under it; it is
    /// compared with the checkpoint, and when it no longer extends it, [`Session::rewrite`] is
    /// set.
    pub fn catch_up(&mut self) -> Result<usize, SessionError> {
        let mut cursor = self.cursor.clone();
        let read = self.journal.read_new(&mut cursor).map(|new| (new, cursor));
        self.absorb(read)
    }

    /// Folds in what a read of the journal returned ([`Journal::read_new`] from
    /// [`Session::cursor`], as [`worker::perform`] does): the new events and the cursor after
    /// them. The journal is only touched again when it was replaced (replayed from the start)
    /// or when the checkpoint must be judged against it. Returns how many events were new.
    pub fn absorb(
        &mut self,
        read: Result<(Vec<Event>, Cursor), JournalError>,
    ) -> Result<usize, SessionError> {
        let new = match read {
            Err(JournalError::Replaced { detail, .. }) => {
                let replay = self.replay_again()?;
                self.state =
                    RoomState::fold(self.state.plan.clone(), self.state.t0, &replay.events);
                self.problems = replay.problems;
                self.problems.push(Problem {
                    line: 0,
                    message: format!("the journal changed under this viewer ({detail}); replayed it from the start"),
                });
                self.cursor = replay.cursor;
                self.remember()?;
                return Ok(replay.events.len());
            }
            Err(e) => return Err(e.into()),
            Ok((new, cursor)) => {
                self.cursor = cursor;
                new
            }
        };
        self.problems.extend(self.cursor.take_problems());
        for ev in &new {
            self.state.apply(ev);
        }
        self.remember()?;
        Ok(new.len())
    }

    /// Replays the whole journal, comparing it with the checkpoint (see [`replay_checked`]).
    fn replay_again(&mut self) -> Result<Replay, SessionError> {
        let (replay, expected, consistency) = replay_checked(
            &self.journal,
            self.memory.as_ref(),
            &mut self.journal_warnings,
        )?;
        self.judge(expected, consistency);
        Ok(replay)
    }

    /// Takes the outcome of comparing the journal with `expected`, the checkpoint it was
    /// compared with.
    fn judge(&mut self, expected: Option<Checkpoint>, consistency: Consistency) {
        match (expected, consistency) {
            (Some(cp), Consistency::Inconsistent(detail)) => {
                self.rewrite = Some(Rewrite {
                    checkpoint: cp,
                    detail,
                });
            }
            (expected, Consistency::Consistent) => {
                self.rewrite = None;
                if let Some(m) = &mut self.memory {
                    m.verified = expected;
                }
            }
            (None, Consistency::Inconsistent(_)) => {}
        }
    }

    /// Moves the stored checkpoint up to what this session has read — never over a rewritten
    /// history. While history is rewritten, looks whether the stored checkpoint changed (a
    /// person accepted the new history) and judges again.
    fn remember(&mut self) -> Result<(), SessionError> {
        let Some(m) = &self.memory else {
            return Ok(());
        };
        if self.rewrite.is_none() && self.cursor.checkpoint() == m.verified {
            // Nothing new read since the checkpoint was last verified or written.
            return Ok(());
        }
        let stored = match m.store.load(&m.id) {
            Ok(c) => c,
            Err(e) => {
                // Unreadable: say so, and let the next save replace it.
                let verified = m.verified.clone();
                self.warn(e.to_string());
                verified
            }
        };
        if let Some(r) = &self.rewrite {
            if stored.as_ref() == Some(&r.checkpoint) {
                return Ok(());
            }
            // Accepted, or moved by another of this user's viewers: judge the new one.
            let consistency = match &stored {
                Some(cp) => self.journal.check(cp)?,
                None => Consistency::Consistent,
            };
            self.judge(stored.clone(), consistency);
            if self.rewrite.is_some() {
                return Ok(());
            }
        }
        let Some(seen) = self.cursor.checkpoint() else {
            return Ok(());
        };
        if stored.as_ref() == Some(&seen) {
            self.judge(Some(seen), Consistency::Consistent);
            return Ok(());
        }
        let verified = self.memory.as_ref().and_then(|m| m.verified.as_ref());
        if let Some(cp) = stored.filter(|s| Some(s) != verified) {
            // Moved by someone else since this session last looked (another of this user's
            // viewers): judged before it is replaced, and kept when it is ahead of this one.
            let consistency = self.journal.check(&cp)?;
            let ahead = cp.seq > seen.seq;
            self.judge(Some(cp), consistency);
            if self.rewrite.is_some() || ahead {
                return Ok(());
            }
        }
        let Some(m) = &mut self.memory else {
            return Ok(());
        };
        match m.store.save(&m.id, &seen) {
            Ok(()) => m.verified = Some(seen),
            Err(e) => self.warn(e.to_string()),
        }
        Ok(())
    }

    /// Adds a journal warning once.
    fn warn(&mut self, text: String) {
        if !self.journal_warnings.contains(&text) {
            self.journal_warnings.push(text);
        }
    }

    /// Puts a plan edited on disk in place: the state is folded again from the whole journal
    /// against the new plan (ids are stable slugs, so ticks and votes carry over; events naming
    /// what the plan no longer has are reported as dangling), and an operator journals the new
    /// plan hash.
    pub fn reload(&mut self, file: LoadedFile, now: DateTime<Utc>) -> Result<(), SessionError> {
        let replay = self.replay_again()?;
        let plan = if self.t0_source == "--start" {
            file.loaded.plan.moved_to(self.state.t0)
        } else {
            file.loaded.plan
        };
        self.state = RoomState::fold(plan, self.state.t0, &replay.events);
        self.problems = replay.problems;
        self.cursor = replay.cursor;
        self.remember()?;
        self.warnings = file.loaded.warnings;
        self.plan_files = file.files;
        self.plan_hash = file.hash;
        self.plan_body = file.body;
        self.plan_runbook = file.runbook;
        // An edit of the local file is this viewer's plan now, and an operator's becomes the
        // room's.
        self.plan_origin = PlanOrigin::File;
        self.plan_name = plan_id(&self.plan_path);
        self.record_plan(now)
    }

    /// Journals the plan's hash unless the journal's last `plan_loaded` already names it —
    /// so rooms opened, or reloaded after an edit, at the same moment write it once. A
    /// follower writes nothing.
    fn record_plan(&mut self, now: DateTime<Utc>) -> Result<(), SessionError> {
        if self.follower {
            return Ok(());
        }
        self.store_plan();
        for _ in 0..16 {
            self.catch_up()?;
            if self.state.plan_hash.as_deref() == Some(self.plan_hash.as_str()) {
                return Ok(());
            }
            if self.write_block().is_some() {
                // The alarm is up; the plan's hash waits until writing is accepted.
                return Ok(());
            }
            let kind = EventKind::PlanLoaded {
                plan_hash: self.plan_hash.clone(),
                title: self.state.plan.title.clone(),
                plan: Some(self.plan_name.clone()),
            };
            let draft = Draft {
                actor: self.actor.clone(),
                role: None,
                at: now,
                kind,
            };
            match self.append(draft) {
                Err(SessionError::Journal(JournalError::Conflict { .. })) => {}
                other => return other.map(|_| ()),
            }
        }
        Err(Refusal("the journal is too busy right now; try again".into()).into())
    }

    /// The room's plan, when the room moved on to a version other than this session's (its
    /// last `plan_loaded` names another hash, stored with it): the loaded plan and when it was
    /// stored. `Ok(None)` otherwise, for a file journal, and again for a version already found
    /// missing (so that a room whose plan was not stored is not asked at every event).
    pub fn room_plan_moved(&mut self) -> Result<Option<(LoadedFile, DateTime<Utc>)>, SessionError> {
        if !self.journal.keeps_plans() {
            return Ok(None);
        }
        let Some(hash) = self.state.plan_hash.clone() else {
            return Ok(None);
        };
        if hash == self.plan_hash || self.missing_plan.as_deref() == Some(hash.as_str()) {
            return Ok(None);
        }
        let Some(stored) = self.journal.room_plan(Some(&hash))? else {
            self.warn(format!(
                "the room moved to plan version {}, which it did not store; this viewer stays \
                 on version {}",
                short_hash(&hash),
                short_hash(&self.plan_hash)
            ));
            self.missing_plan = Some(hash);
            return Ok(None);
        };
        let file = load_stored(&stored, &self.journal)?;
        Ok(Some((file, stored.stored_at)))
    }

    /// Puts the room's newer plan version in place ([`Session::room_plan_moved`]), as
    /// [`Session::reload`] does for an edit, and keeps following the room: commands from it do
    /// not run, and the local file (if any) is remembered as another version.
    pub fn follow_room_plan(
        &mut self,
        file: LoadedFile,
        stored_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<(), SessionError> {
        let local_hash = match &self.plan_origin {
            PlanOrigin::File => (!self.plan_files.is_empty()).then(|| self.plan_hash.clone()),
            PlanOrigin::Room { local_hash, .. } => local_hash.clone(),
        };
        let name = self.plan_name.clone();
        let files = std::mem::take(&mut self.plan_files);
        let done = self.reload(file, now);
        // The local file is still watched: an operator's edit of it becomes the room's plan.
        self.plan_files = files;
        self.plan_name = name;
        self.plan_origin = PlanOrigin::Room {
            stored_at,
            local_hash,
        };
        done
    }

    /// Gives a database room this session's plan file (before its hash is journaled, so
    /// whoever reads the hash can fetch the text). A room that cannot take it still runs:
    /// the reason becomes a journal warning, and other hosts then need the file.
    fn store_plan(&mut self) {
        if !self.journal.keeps_plans() || self.plan_origin != PlanOrigin::File {
            return;
        }
        let Some(body) = &self.plan_body else {
            return;
        };
        let name = self
            .plan_path
            .file_name()
            .map_or_else(|| "plan.md".into(), |n| n.to_string_lossy().into_owned());
        let runbook = self
            .plan_runbook
            .as_ref()
            .map(|r| (r.name.as_str(), r.bytes.as_slice()));
        if let Err(e) = self.journal.store_plan(&name, body, runbook) {
            self.warn(e.to_string());
        }
    }

    /// The plan version this session runs, as people see it: the first 8 hex digits of its
    /// hash, and `(the room's)` when it came from the database room.
    #[must_use]
    pub fn plan_version(&self) -> String {
        match &self.plan_origin {
            PlanOrigin::File => format!("plan {}", short_hash(&self.plan_hash)),
            PlanOrigin::Room { .. } => format!("plan {} (the room's)", short_hash(&self.plan_hash)),
        }
    }

    /// Why commands from this plan (command checks, step commands) must not run, or `None`
    /// when the plan file's own rules decide. A plan that came from the database room was
    /// written by whoever may insert there, not by a file this user trusts.
    #[must_use]
    pub fn commands_refusal(&self) -> Option<String> {
        match self.plan_origin {
            PlanOrigin::File => None,
            PlanOrigin::Room { .. } => Some(
                "commands from this plan will not run: it came from the database room, which \
                 others may write; to run them, open the room with your own copy of the \
                 room's version of the plan"
                    .to_string(),
            ),
        }
    }

    /// The checkpoint of what this session has read: its last event's `seq` and hash.
    #[must_use]
    pub fn head_checkpoint(&self) -> Option<Checkpoint> {
        self.cursor.checkpoint()
    }

    /// The journal's head hash (hex), if it has events.
    #[must_use]
    pub fn head_hash(&self) -> Option<String> {
        self.cursor.head_hash().map(str::to_string)
    }
}

/// The plan a session opens on, and where it came from.
struct Chosen {
    file: LoadedFile,
    path: PathBuf,
    name: String,
    origin: PlanOrigin,
}

/// The first 8 hex digits of a plan hash: how a plan version is named to people.
#[must_use]
pub fn short_hash(hash: &str) -> &str {
    hash.get(..8).unwrap_or(hash)
}

/// Picks the plan: for a database room, the room's version — the plan named by its last
/// `plan_loaded` (else the one stored last) — when there is no local file or the local one is
/// another version (said in `warnings`); otherwise the local file.
///
/// Errors: no local plan and none stored in the room; a stored plan that does not load or has
/// a name that is no plan file's.
fn choose_plan(
    plan_arg: &Path,
    local: Option<LoadedFile>,
    journal: &Journal,
    events: &[Event],
    warnings: &mut Vec<String>,
) -> Result<Chosen, SessionError> {
    let from_file = |file: LoadedFile| Chosen {
        name: plan_id(plan_arg),
        path: plan_arg.to_path_buf(),
        file,
        origin: PlanOrigin::File,
    };
    if !journal.keeps_plans() {
        return match local {
            Some(file) => Ok(from_file(file)),
            None => Err(SessionError::BadJournal(format!(
                "{}: not a plan file",
                plan_arg.display()
            ))),
        };
    }
    let last = events.iter().rev().find_map(|e| match &e.kind {
        EventKind::PlanLoaded { plan_hash, .. } => Some(plan_hash.as_str()),
        _ => None,
    });
    let stored = match last.map(|h| journal.room_plan(Some(h))).transpose() {
        Ok(Some(Some(p))) => Ok(Some(p)),
        Ok(_) => journal.room_plan(None),
        Err(e) => Err(e),
    };
    let stored = match (stored, &local) {
        (Ok(p), _) => p,
        (Err(e), Some(_)) => {
            // The local plan still opens the room; the trouble is worth saying.
            warnings.push(format!(
                "the room's plan could not be read, so this viewer uses its own: {e}"
            ));
            None
        }
        (Err(e), None) => return Err(e.into()),
    };
    match (local, stored) {
        (Some(file), Some(room)) if room.hash == file.hash => Ok(from_file(file)),
        (Some(file), None) => Ok(from_file(file)),
        (local, Some(room)) => {
            let name = stored_name(&room.name, journal)?;
            let loaded = load_stored(&room, journal)?;
            let local_hash = local.map(|l| l.hash);
            if let Some(h) = &local_hash {
                warnings.push(format!(
                    "{} is plan version {}, but the room runs version {} (stored {}): \
                     following the room's version; edit your file to change the room's plan",
                    plan_arg.display(),
                    short_hash(h),
                    short_hash(&room.hash),
                    room.stored_at.format("%Y-%m-%d %H:%M UTC")
                ));
            }
            Ok(Chosen {
                name: plan_id(Path::new(&name)),
                path: if local_hash.is_some() {
                    plan_arg.to_path_buf()
                } else {
                    PathBuf::from(&name)
                },
                file: loaded,
                origin: PlanOrigin::Room {
                    stored_at: room.stored_at,
                    local_hash,
                },
            })
        }
        (None, None) => Err(SessionError::BadJournal(format!(
            "{}: no plan is stored in this room yet: open it once with the plan file as an \
             operator (`warroom open PLAN.md --journal URL`), which stores it; or give your \
             copy of the plan in place of the URL (`warroom open PLAN.md --journal URL`)",
            journal.shown()
        ))),
    }
}

/// The name a stored plan is loaded under: a plain file name with a plan's extension. A name
/// with a directory in it would make reports land elsewhere, so it is refused.
/// Loads a plan the room stored (a wiring file with its runbook, or one file), by its stored
/// name. Errors: the name is no plan file's; the bytes do not load.
fn load_stored(
    stored: &crate::journal::StoredPlan,
    journal: &Journal,
) -> Result<LoadedFile, SessionError> {
    let name = stored_name(&stored.name, journal)?;
    let runbook = stored.runbook.as_ref().map(|(n, b)| plan::Runbook {
        name: n.clone(),
        bytes: b.clone(),
    });
    Ok(plan::load_bundle(
        Path::new(&name),
        &stored.body,
        runbook.as_ref(),
    )?)
}

fn stored_name(name: &str, journal: &Journal) -> Result<String, SessionError> {
    let p = Path::new(name);
    let plain = p.file_name().is_some_and(|f| f == p.as_os_str()) && !name.starts_with('.');
    let ext = p
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    if plain && matches!(ext.as_str(), "md" | "markdown" | "toml") {
        Ok(name.to_string())
    } else {
        Err(SessionError::BadJournal(format!(
            "{}: the room's plan is stored under the name `{}`, which is not a plan file's \
             name (NAME.md or NAME.toml); open the room with your own plan file",
            journal.shown(),
            crate::text::sanitize(name)
        )))
    }
}

/// Replays `journal`, comparing it with the user's stored checkpoint in `memory` (else the one
/// the session last verified). Returns the replay, the checkpoint compared with (`None`: none
/// yet) and the outcome. A checkpoint that cannot be read is a warning, not an error.
fn replay_checked(
    journal: &Journal,
    memory: Option<&Memory>,
    warnings: &mut Vec<String>,
) -> Result<(Replay, Option<Checkpoint>, Consistency), SessionError> {
    let expected = memory.and_then(|m| match m.store.load(&m.id) {
        Ok(c) => c.or_else(|| m.verified.clone()),
        Err(e) => {
            let text = e.to_string();
            if !warnings.contains(&text) {
                warnings.push(text);
            }
            m.verified.clone()
        }
    });
    Ok(match &expected {
        Some(cp) => {
            let (replay, consistency) = journal.replay_against(cp)?;
            (replay, expected, consistency)
        }
        None => (journal.replay()?, None, Consistency::Consistent),
    })
}
