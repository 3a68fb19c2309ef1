//! The journal's side of acting, split so that the room never waits on the journal on the
//! thread that draws: [`Session::prepare`] decides what to write (pure, against the folded
//! state), [`perform`] does the I/O (an append and the read after it, or just a read) on the
//! room's journal worker, and [`Session::absorb`] folds the answer in. With a database journal
//! an unreachable server then stalls the worker, never the screen.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use super::{Session, SessionError};
use crate::journal::event::Event;
use crate::journal::evidence::Evidence;
use crate::journal::{Cursor, Draft, Journal, JournalError};
use crate::state::{Command, Refusal};

/// An event ready to be appended: validated against the state at `expect_head`.
#[derive(Debug, Clone)]
pub struct Write {
    /// The event without its `seq` and hashes.
    pub draft: Draft,
    /// The journal's last `seq` the draft was validated against (0: empty); the append is
    /// refused with a conflict when another writer got in first.
    pub expect_head: u64,
}

/// Work for the journal worker: append (when there is a write), then read what is new from
/// `cursor` (the appended event included).
#[derive(Debug, Clone)]
pub struct Job {
    /// What to append, if anything.
    pub write: Option<Write>,
    /// Where this session had read up to.
    pub cursor: Cursor,
}

/// What the journal worker answers.
#[derive(Debug)]
pub struct Reply {
    /// For an append: the committed event, or why it was not written.
    pub appended: Option<Result<Event, JournalError>>,
    /// What the append repaired (a torn last line), in words.
    pub repairs: Vec<String>,
    /// The read after it: the new events and the cursor after them.
    pub read: Result<(Vec<Event>, Cursor), JournalError>,
}

/// Does `job` on `journal`, blocking: run it on a thread that does not draw.
#[must_use]
pub fn perform(journal: &Journal, job: Job) -> Reply {
    let Job { write, mut cursor } = job;
    let appended = write.map(|w| journal.append(w.draft, Some(w.expect_head)));
    let repairs = journal.take_repairs();
    let read = journal.read_new(&mut cursor).map(|new| (new, cursor));
    Reply {
        appended,
        repairs,
        read,
    }
}

impl Session {
    /// What `cmd` would append now, at `now`, with `evidence` stored in events that carry
    /// it — or why it is refused (a follower, a write blocked by [`Session::write_block`],
    /// the actor's roles or the room's rules). Reads nothing from the journal.
    pub fn prepare(
        &self,
        cmd: &Command,
        evidence: Option<&Evidence>,
        now: DateTime<Utc>,
    ) -> Result<Write, SessionError> {
        self.writable()?;
        let (mut kind, role) = self.validate(cmd)?;
        if let Some(e) = evidence {
            kind.attach_evidence(e.clone());
        }
        Ok(Write {
            draft: Draft {
                actor: self.actor.clone(),
                role,
                at: now,
                kind,
            },
            expect_head: self.state.head_seq,
        })
    }

    /// Why a follower refuses an action, in words the viewer can act on: for a room that follows
    /// because its journal refuses this user's writes (a read-only database role), that
    /// refusal; for `--follow`, how to open the room to act.
    #[must_use]
    pub fn follower_refusal(&self) -> String {
        match &self.follows_because {
            Some(why) => format!("this room only follows: {why}"),
            None => "this is a follower (--follow): it cannot act; open the room without --follow"
                .to_string(),
        }
    }

    /// Whether this session may write at all: not a follower, and no write blocked by
    /// [`Session::write_block`] (a broken chain).
    pub fn writable(&self) -> Result<(), SessionError> {
        if self.follower {
            return Err(Refusal(self.follower_refusal()).into());
        }
        match self.write_block() {
            Some(why) => Err(Refusal(why).into()),
            None => Ok(()),
        }
    }

    /// Where this session has read the journal up to (for a [`Job`]).
    #[must_use]
    pub fn cursor(&self) -> Cursor {
        self.cursor.clone()
    }

    /// The journal, to hand to the worker.
    #[must_use]
    pub fn journal_handle(&self) -> Arc<Journal> {
        Arc::clone(&self.journal)
    }

    /// Takes what an append repaired into [`Session::journal_warnings`], replacing the
    /// replay's note about the torn line it repaired.
    pub fn note_repairs(&mut self, repairs: Vec<String>) {
        for r in repairs {
            if let Some(n) = self.tail_note.take() {
                self.journal_warnings.retain(|w| *w != n);
            }
            self.warn(r);
        }
    }
}
