//! Follower checkpoints: each viewer remembers the last event it saw of a journal — its `seq`
//! and its hash — so that a history rewritten since (events removed, changed, or the whole
//! journal replaced by another) is noticed the next time it looks.
//!
//! A [`Checkpoint`] is only `(seq, hash)`, which any journal backend has; comparing one with a
//! journal is [`super::Journal::check`]. "Consistent" means the journal still holds that event,
//! byte for byte — its history extends what was seen. It does not mean "untampered": lines
//! after the checkpoint, or a rewrite the viewer never saw, are beyond what a checkpoint can
//! tell (the hash chain, `warroom verify`, covers the rest).
//!
//! The [`Store`] keeps one small JSON file per journal in the user's own state directory,
//! `$XDG_STATE_HOME/warroom/checkpoints/` (else `~/.local/state/warroom/checkpoints/`; the XDG
//! Base Directory Specification, "state" data), outside the journal's directory, so the
//! journal's writers cannot rewrite the memory of what this user saw. Files are named by the
//! SHA-256 of the journal's identity ([`super::Journal::id`], for a file its canonical path)
//! and hold that identity too, so a person can tell which journal each belongs to.

use std::fs;
use std::io::{self, Write as _};
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::chain::{self, Digest};

/// The last event a viewer saw of a journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Its `seq` (≥ 1).
    pub seq: u64,
    /// SHA-256 (lower-case hex) of its line: what the next event's `prev` holds.
    pub hash: String,
}

impl Checkpoint {
    /// `seq 12 (3f9a1c2e0b7d…)`: for messages.
    #[must_use]
    pub fn describe(&self) -> String {
        format!("seq {} ({})", self.seq, short(&self.hash))
    }
}

/// The first 12 hex digits of a hash, for messages.
#[must_use]
pub fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// Whether a journal extends a checkpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Consistency {
    /// The journal holds the checkpoint's event unchanged.
    Consistent,
    /// It does not: why, in words ("the journal has no event with seq 12 any more (its last
    /// is seq 9)", "the event at seq 12 is not the one seen (hash … instead of …)").
    Inconsistent(String),
}

/// Compares `checkpoint` with what a read found: `found`, the hash of the line holding event
/// `checkpoint.seq` (`None`: no such event), and `last_seq`, the journal's last event.
pub(crate) fn compare(
    checkpoint: &Checkpoint,
    found: Option<&Digest>,
    last_seq: u64,
) -> Consistency {
    let n = checkpoint.seq;
    match found {
        Some(d) if chain::to_hex(d) == checkpoint.hash => Consistency::Consistent,
        Some(d) => Consistency::Inconsistent(format!(
            "the event at seq {n} is not the one seen: its hash is {} instead of {}",
            short(&chain::to_hex(d)),
            short(&checkpoint.hash)
        )),
        None if last_seq == 0 => Consistency::Inconsistent(format!(
            "the journal has no events any more (it was emptied, removed or replaced), but \
             seq {n} was seen"
        )),
        None if last_seq < n => Consistency::Inconsistent(format!(
            "the journal ends at seq {last_seq}, before seq {n}, which was seen: events were \
             removed"
        )),
        None => Consistency::Inconsistent(format!(
            "the journal has no event with seq {n} any more (it goes on to seq {last_seq})"
        )),
    }
}

/// Why a checkpoint could not be read or written. Never fatal for a room: it says so and goes
/// on without (or with a fresh) checkpoint.
#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    /// No state directory: neither `XDG_STATE_HOME` (absolute) nor `HOME` nor the password
    /// database names a home directory.
    #[error(
        "no place for checkpoints: set XDG_STATE_HOME (an absolute path) or HOME to a directory of yours"
    )]
    NoStateDir,
    /// The operating system refused.
    #[error("{}: cannot {op}: {err}", path.display())]
    Io {
        /// The checkpoint file or directory.
        path: PathBuf,
        /// What was being done.
        op: &'static str,
        /// The operating system's error.
        err: io::Error,
    },
    /// The file is not a checkpoint (edited, or damaged by a crash).
    #[error(
        "{}: not a checkpoint ({why}); delete it, and the next look at the journal records a new one",
        path.display()
    )]
    Corrupt {
        /// The checkpoint file.
        path: PathBuf,
        /// The parser's complaint.
        why: String,
    },
}

/// What a checkpoint file holds.
#[derive(Debug, Serialize, Deserialize)]
struct Stored {
    /// The journal's identity, for people reading the file (and against hash collisions).
    journal: String,
    #[serde(flatten)]
    checkpoint: Checkpoint,
}

/// One user's checkpoints: a directory of small JSON files, one per journal.
#[derive(Debug, Clone)]
pub struct Store {
    dir: PathBuf,
}

impl Store {
    /// The current user's store: `$XDG_STATE_HOME/warroom/checkpoints` when `XDG_STATE_HOME`
    /// is an absolute path (the XDG specification says to ignore a relative one), else
    /// `$HOME/.local/state/warroom/checkpoints`, else the same under the home directory the
    /// password database gives for the real uid. The directory is created on the first save.
    pub fn for_user() -> Result<Store, CheckpointError> {
        let env_dir = |var: &str| {
            std::env::var_os(var)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        let state = env_dir("XDG_STATE_HOME")
            .or_else(|| env_dir("HOME").map(|h| h.join(".local/state")))
            .or_else(|| {
                nix::unistd::User::from_uid(nix::unistd::getuid())
                    .ok()
                    .flatten()
                    .map(|u| u.dir.join(".local/state"))
            })
            .ok_or(CheckpointError::NoStateDir)?;
        Ok(Store::at(state.join("warroom").join("checkpoints")))
    }

    /// A store in `dir` (tests; a store of one's own).
    #[must_use]
    pub fn at(dir: impl Into<PathBuf>) -> Store {
        Store { dir: dir.into() }
    }

    /// The directory holding the checkpoint files.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The file that holds the checkpoint of the journal with identity `journal`.
    #[must_use]
    pub fn file_for(&self, journal: &str) -> PathBuf {
        let name = chain::line_hash(journal.as_bytes());
        self.dir.join(format!("{}.json", &name[..32]))
    }

    /// The checkpoint recorded for `journal`, `None` when there is none yet.
    pub fn load(&self, journal: &str) -> Result<Option<Checkpoint>, CheckpointError> {
        let path = self.file_for(journal);
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(err) => {
                return Err(CheckpointError::Io {
                    path,
                    op: "read",
                    err,
                });
            }
        };
        let corrupt = |why: String| CheckpointError::Corrupt {
            path: path.clone(),
            why,
        };
        let stored: Stored = serde_json::from_slice(&text).map_err(|e| corrupt(e.to_string()))?;
        if stored.journal != journal {
            return Err(corrupt(format!(
                "it belongs to {}, not {journal}",
                stored.journal
            )));
        }
        Ok(Some(stored.checkpoint))
    }

    /// Records `checkpoint` for `journal`, replacing the one before atomically (written beside
    /// it, then renamed over it): a reader never sees half a file. Not fsynced: losing the
    /// latest update in a crash only leaves an older checkpoint, which still catches rewrites
    /// of what it covers.
    pub fn save(&self, journal: &str, checkpoint: &Checkpoint) -> Result<(), CheckpointError> {
        let io_err = |path: &Path, op, err| CheckpointError::Io {
            path: path.to_path_buf(),
            op,
            err,
        };
        fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)
            .map_err(|e| io_err(&self.dir, "create the directory", e))?;
        let path = self.file_for(journal);
        let stored = Stored {
            journal: journal.to_string(),
            checkpoint: checkpoint.clone(),
        };
        let mut text = serde_json::to_vec(&stored)
            .map_err(|e| io_err(&path, "encode", io::Error::other(e)))?;
        text.push(b'\n');
        // A name of this process's own, so two rooms of the same user never share a half-written
        // file; the rename makes the last one to finish win.
        let tmp = path.with_extension(format!("json.{}.tmp", std::process::id()));
        let written = fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            // Never written through a link left where the temporary file goes.
            .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
            .open(&tmp)
            .and_then(|mut f| f.write_all(&text))
            .and_then(|()| fs::rename(&tmp, &path));
        if let Err(e) = written {
            let _ = fs::remove_file(&tmp);
            return Err(io_err(&path, "write", e));
        }
        Ok(())
    }

    /// Forgets the checkpoint of `journal` (accepting a journal that is now empty).
    pub fn remove(&self, journal: &str) -> Result<(), CheckpointError> {
        let path = self.file_for(journal);
        match fs::remove_file(&path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(CheckpointError::Io {
                path,
                op: "remove",
                err,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saves_loads_and_forgets() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = Store::at(tmp.path().join("cp"));
        assert_eq!(store.load("/j/a.jsonl").expect("load"), None);
        let cp = Checkpoint {
            seq: 3,
            hash: "ab".repeat(32),
        };
        store.save("/j/a.jsonl", &cp).expect("save");
        assert_eq!(store.load("/j/a.jsonl").expect("load"), Some(cp));
        assert_eq!(store.load("/j/b.jsonl").expect("load"), None);
        store.remove("/j/a.jsonl").expect("remove");
        assert_eq!(store.load("/j/a.jsonl").expect("load"), None);
    }

    #[test]
    fn a_damaged_file_is_reported_with_its_path() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let store = Store::at(tmp.path());
        let file = store.file_for("/j/a.jsonl");
        fs::write(&file, "{not json").expect("write");
        let err = store.load("/j/a.jsonl").expect_err("corrupt").to_string();
        assert!(err.contains(&file.display().to_string()), "{err}");
        assert!(err.contains("delete it"), "{err}");
    }
}
