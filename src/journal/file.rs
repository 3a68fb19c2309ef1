//! The file backend: a JSON Lines file shared by every process that opens the room.
//!
//! Writers open the file with `O_APPEND`, take an exclusive `flock`, find the last complete
//! line, repair an unterminated last line (a whole event that only lost its newline is kept;
//! the remains of a write interrupted by a crash are moved to the `.torn` side file, never
//! simply dropped), write the whole new line with one `write_all`, `sync_data`, and unlock.
//!
//! The journal is only ever opened through its directory's descriptor (`openat`) with `O_NOFOLLOW`:
//! a journal that is a symbolic link, is not a regular file, or has other hard links is refused,
//! since whoever can write a shared room's directory could otherwise point the journal at someone
//! else's file and have it appended to and cut. Readers take a shared lock only to learn how far
//! the file holds complete lines, then read that range unlocked: complete lines are never changed
//! by a writer, so no writer waits on a long replay.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io::{self, Write as _};
use std::ops::ControlFlow;
use std::os::unix::fs::{FileExt as _, MetadataExt as _};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use nix::fcntl::{OFlag, open, openat};
use nix::sys::stat::Mode;

use super::chain::{self, Digest};
use super::checkpoint::{self, Checkpoint, Consistency};
use super::event::Event;
use super::scan::{self, Chain};
use super::trust::{self, Hazard, Me, Sharing};
use super::{Cursor, Draft, JournalError, Problem, Replay, Safety, Verification};

/// How much is read at a time when replaying: big enough that syscalls do not matter, small
/// enough that a 100,000-event journal is never held in memory twice.
const READ_CHUNK: usize = 1 << 20;
/// How far back the tail search reads at a time (a few lines).
const TAIL_CHUNK: u64 = 4096;
/// An unterminated last line longer than this is not parsed as a candidate event (events are
/// a few hundred bytes; a zero-filled or garbage tail may be gigabytes): it is torn.
const MAX_WHOLE_FRAGMENT: u64 = 1 << 20;
/// How long a reader or writer waits for the journal's lock before it gives up and says who
/// holds it. Appends hold it for a write and an fsync (milliseconds); anyone who can read the
/// journal can hold it forever (`flock` works on a read-only descriptor).
const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// The suffix of the side file that keeps torn last lines (`plan.journal.jsonl.torn`).
pub(crate) const TORN_SUFFIX: &str = ".torn";

/// Which file a reader or writer was looking at (a replaced journal is a different file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileId {
    dev: u64,
    ino: u64,
}

impl FileId {
    fn of(meta: &fs::Metadata) -> FileId {
        FileId {
            dev: meta.dev(),
            ino: meta.ino(),
        }
    }
}

/// Where a reader is in the file (inside [`Cursor`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Position {
    /// Bytes read: the end of the last complete line (or of a whole last event that lacks its
    /// newline, see `unterminated`).
    offset: u64,
    /// Start of the last line read, to check it is still what was read.
    last_start: u64,
    /// The file read so far (`None` until something was read).
    file: Option<FileId>,
    /// The last line read is a whole event without its newline: the next byte must be the
    /// newline a writer adds (or nothing yet).
    unterminated: bool,
}

/// The writer's knowledge of the last complete line, reused when nobody else appended since.
#[derive(Debug, Clone, Copy)]
struct Tail {
    file: FileId,
    start: u64,
    end: u64,
    seq: u64,
    hash: Option<Digest>,
}

/// Mode of a journal this backend creates (set with fchmod, so the umask does not narrow it):
/// writable by its owner and group only, whatever the umask — a world-writable journal would then be refused — and readable by
/// everyone, as before, so followers who are not in the group can still watch.
const NEW_FILE_MODE: u32 = 0o664;

/// A journal file.
#[derive(Debug)]
pub(crate) struct FileJournal {
    path: PathBuf,
    tail: Mutex<Option<Tail>>,
    /// Repairs made by appends, in words, until [`FileJournal::take_repairs`].
    repairs: Mutex<Vec<String>>,
    /// How long to wait for the lock, in milliseconds ([`LOCK_WAIT`] unless set).
    lock_wait_ms: std::sync::atomic::AtomicU64,
}

/// What an unterminated last line is.
enum Fragment {
    /// A whole event that chains onto the line before: seq and hash of its bytes.
    Whole { seq: u64, hash: Digest },
    /// Anything else: the remains of an interrupted write (or garbage).
    Torn,
}

impl FileJournal {
    pub(crate) fn open(path: &Path) -> Result<FileJournal, JournalError> {
        let fj = FileJournal {
            path: path.to_path_buf(),
            tail: Mutex::new(None),
            repairs: Mutex::new(Vec::new()),
            lock_wait_ms: std::sync::atomic::AtomicU64::new(LOCK_WAIT.as_millis() as u64),
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        match fs::metadata(dir) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => return Err(fj.err("open", io::Error::from(io::ErrorKind::NotADirectory))),
            Err(e) => return Err(fj.err("open its directory", e)),
        }
        // Said here for a clear message at once; every open checks again on the descriptor.
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => return Err(fj.symlink_refusal(path)),
            Ok(m) if !m.is_file() => return Err(fj.unusable(&m)),
            _ => {}
        }
        Ok(fj)
    }

    /// The journal's path as given.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    pub(crate) fn set_lock_wait(&self, wait: std::time::Duration) {
        self.lock_wait_ms.store(
            wait.as_millis() as u64,
            std::sync::atomic::Ordering::Relaxed,
        );
    }

    /// Takes the journal's lock (exclusive for writers, shared for readers), waiting at most
    /// the lock wait ([`LOCK_WAIT`] unless set); then fails with [`JournalError::Locked`]
    /// naming who holds it.
    ///
    /// The wait is a blocking `flock` on a duplicate of the descriptor, in a helper thread:
    /// the lock belongs to the open file, so the helper's lock is the caller's. Polling with
    /// `try_lock` instead starves a writer among busy ones (those blocked in `flock` are woken
    /// at once on every release; a poller only when it next looks). A helper still waiting when
    /// the caller gives up takes the lock later, if ever, and closes its duplicate at once;
    /// with the caller's descriptor closed too, that releases it.
    fn lock_within(&self, file: &File, exclusive: bool) -> Result<(), JournalError> {
        let now = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match now {
            Ok(()) => return Ok(()),
            Err(std::fs::TryLockError::WouldBlock) => {}
            Err(std::fs::TryLockError::Error(e)) => return Err(self.err("lock", e)),
        }
        let wait = std::time::Duration::from_millis(
            self.lock_wait_ms.load(std::sync::atomic::Ordering::Relaxed),
        );
        let dup = file.try_clone().map_err(|e| self.err("lock", e))?;
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("journal-lock".into())
            .spawn(move || {
                let got = if exclusive {
                    dup.lock()
                } else {
                    dup.lock_shared()
                };
                let _ = tx.send(got);
            })
            .map_err(|e| self.err("lock", e))?;
        match rx.recv_timeout(wait) {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.err("lock", e)),
            Err(_) => {
                let holders = file
                    .metadata()
                    .map(|m| lock_holders(&m))
                    .unwrap_or_default();
                Err(JournalError::Locked {
                    path: self.path.clone(),
                    waited_ms: wait.as_millis() as u64,
                    holders: if holders.is_empty() {
                        "a process this system does not name (another host, or /proc is not \
                         readable)"
                            .to_string()
                    } else {
                        holders.join(", ")
                    },
                })
            }
        }
    }

    pub(crate) fn take_repairs(&self) -> Vec<String> {
        std::mem::take(&mut *self.repairs.lock().unwrap_or_else(PoisonError::into_inner))
    }

    /// The refusal of a journal that is a symbolic link (`link` is where the link is).
    fn symlink_refusal(&self, link: &Path) -> JournalError {
        let to = fs::read_link(link)
            .map_or_else(|_| String::new(), |t| format!(" (to {})", t.display()));
        JournalError::Unsafe {
            path: self.path.clone(),
            reason: format!(
                "the journal {} is a symbolic link{to}: warroom never follows a link to a \
                 journal, since anyone who can write its directory could point it at another \
                 file (one of yours) and have warroom append to that file and cut its last \
                 line; replace the link with the journal itself, or pass the real file with \
                 --journal PATH",
                self.path.display()
            ),
        }
    }

    /// The refusal of a path that is not a regular file (`meta` from `lstat` or `fstat`).
    fn unusable(&self, meta: &fs::Metadata) -> JournalError {
        use std::os::unix::fs::FileTypeExt as _;
        let ft = meta.file_type();
        let what = if ft.is_dir() {
            "a directory"
        } else if ft.is_fifo() {
            "a FIFO (named pipe)"
        } else if ft.is_socket() {
            "a socket"
        } else if ft.is_char_device() || ft.is_block_device() {
            "a device"
        } else {
            "not a regular file"
        };
        JournalError::Unusable {
            path: self.path.clone(),
            reason: format!(
                "{} is {what}, not a journal: a journal is a regular file; pass \
                 --journal DIR/NAME.journal.jsonl (it is created by the first write)",
                self.path.display()
            ),
        }
    }

    fn err(&self, op: &'static str, err: io::Error) -> JournalError {
        JournalError::Io {
            path: self.path.clone(),
            op,
            err,
        }
    }

    fn replaced(&self, detail: &str) -> JournalError {
        JournalError::Replaced {
            path: self.path.clone(),
            detail: detail.to_string(),
        }
    }

    /// Opens for reading (through its directory, never through a link); `None` when the
    /// file does not exist yet.
    fn open_read(&self) -> Result<Option<(File, FileId)>, JournalError> {
        let (_, _, file) = self.open_at(false)?;
        let Some(file) = file else {
            return Ok(None);
        };
        let meta = file.metadata().map_err(|e| self.err("stat", e))?;
        Ok(Some((file, FileId::of(&meta))))
    }

    pub(crate) fn append(
        &self,
        draft: Draft,
        expect_head: Option<u64>,
    ) -> Result<Event, JournalError> {
        let mut event = draft.into_first_event();
        // A line that does not read back as the same event would be acknowledged now and lost
        // at the next replay: refuse it before touching the file. (`seq` and `prev` are filled
        // in under the lock; they cannot change whether the line reads back.)
        let line = serde_json::to_vec(&event).map_err(|e| JournalError::Encode(e.to_string()))?;
        match serde_json::from_slice::<Event>(&line) {
            Ok(back) if back == event => {}
            Ok(_) => {
                return Err(JournalError::Encode(
                    "it would read back as a different event".to_string(),
                ));
            }
            Err(e) => {
                return Err(JournalError::Encode(format!("it would not read back: {e}")));
            }
        }
        let (dir, file) = self.open_for_append()?;
        self.lock_within(&file, true)?;
        // The lock is released when `file` is closed, on every path out of here.
        let mut cache = self.tail.lock().unwrap_or_else(PoisonError::into_inner);
        let result = self.append_locked(&file, &dir, &mut cache, &mut event, expect_head);
        if result.is_err() {
            *cache = None;
        }
        drop(cache);
        result?;
        file.unlock().map_err(|e| self.err("unlock", e))?;
        Ok(event)
    }

    fn append_locked(
        &self,
        file: &File,
        dir: &File,
        cache: &mut Option<Tail>,
        event: &mut Event,
        expect_head: Option<u64>,
    ) -> Result<(), JournalError> {
        let meta = file.metadata().map_err(|e| self.err("stat", e))?;
        let mut len = meta.len();
        let mut tail = self.find_tail(file, len, FileId::of(&meta), *cache)?;
        if tail.end < len {
            // Repaired before the head is compared: a kept event is the head a retrying
            // caller will have read.
            tail = self.repair_tail(file, dir, tail, len)?;
            len = tail.end;
        }
        if let Some(expected) = expect_head
            && expected != tail.seq
        {
            return Err(JournalError::Conflict { head: tail.seq });
        }
        event.seq = tail.seq + 1;
        event.prev = tail
            .hash
            .map_or_else(|| chain::GENESIS_PREV.to_string(), |h| chain::to_hex(&h));
        let mut line =
            serde_json::to_vec(&event).map_err(|e| JournalError::Encode(e.to_string()))?;
        let hash = chain::digest(&line);
        line.push(b'\n');

        debug_assert_eq!(tail.end, len, "the tail was repaired");
        let written = (&*file).write_all(&line).and_then(|()| file.sync_data());
        if let Err(e) = written {
            // Not acknowledged, so take it back if we can: a caller that retries must not
            // find a half-believed event already there. Best effort; the next writer repairs.
            let _ = file.set_len(tail.end);
            return Err(self.err("write", e));
        }
        if tail.end == 0
            && let Err(e) = dir.sync_all()
        {
            // The file may have just been created and its name is not durable: the event is
            // not acknowledged, so it must not stay.
            let _ = file.set_len(0);
            return Err(self.err("sync its directory", e));
        }
        *cache = Some(Tail {
            file: tail.file,
            start: tail.end,
            end: tail.end + line.len() as u64,
            seq: event.seq,
            hash: Some(hash),
        });
        Ok(())
    }

    /// Repairs the unterminated last line `[tail.end, len)` of the locked `file`, and returns
    /// the tail after it. Conservative: a whole event that chains onto `tail` is kept and
    /// gets its newline (it may have been acknowledged, and only its newline lost to an
    /// editor or a copy); anything else is copied to the `.torn` side file and synced there
    /// before it is cut from the journal, so no byte is ever simply dropped.
    fn repair_tail(
        &self,
        file: &File,
        dir: &File,
        tail: Tail,
        len: u64,
    ) -> Result<Tail, JournalError> {
        let io = |e| self.err("read the last line", e);
        let name = self.path.display();
        match classify_fragment(file, tail.end, len, tail.seq, tail.hash.as_ref()).map_err(io)? {
            Fragment::Whole { seq, hash } => {
                (&*file)
                    .write_all(b"\n")
                    .and_then(|()| file.sync_data())
                    .map_err(|e| self.err("complete the last line", e))?;
                self.repaired(format!(
                    "{name}: the last line (seq {seq}) lacked only its final newline; it is a \
                     whole event that chains, so it was kept and the newline added"
                ));
                Ok(Tail {
                    file: tail.file,
                    start: tail.end,
                    end: len + 1,
                    seq,
                    hash: Some(hash),
                })
            }
            Fragment::Torn => {
                let side = self.keep_torn(file, dir, tail.end, len)?;
                file.set_len(tail.end)
                    .map_err(|e| self.err("remove a torn last line", e))?;
                self.repaired(format!(
                    "{name}: the last line was an interrupted write ({} bytes that are not a \
                     whole event chained to the line before); it was moved to {} and removed \
                     from the journal",
                    len - tail.end,
                    side.display()
                ));
                Ok(tail)
            }
        }
    }

    fn repaired(&self, what: String) {
        self.repairs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(what);
    }

    /// The journal's `.torn` side file, beside it.
    fn torn_path(&self) -> PathBuf {
        let mut name = self.path.file_name().unwrap_or_default().to_os_string();
        name.push(TORN_SUFFIX);
        self.path.with_file_name(name)
    }

    /// Appends bytes `[from, to)` of `file` and a newline to the `.torn` side file (opened in
    /// the journal's directory `dir`, never through a link, created like the journal) and
    /// syncs it; returns its path.
    fn keep_torn(
        &self,
        file: &File,
        dir: &File,
        from: u64,
        to: u64,
    ) -> Result<PathBuf, JournalError> {
        let side = self.torn_path();
        let fail = |e: io::Error| JournalError::Io {
            path: side.clone(),
            op: "write the journal's torn last line to it (it is kept there before it is cut \
                 from the journal; let the room's writers create files in the journal's \
                 directory, or create it for them: touch it and chmod g+w)",
            err: e,
        };
        let name = side.file_name().unwrap_or_default().to_os_string();
        let fd = openat(
            dir,
            name.as_os_str(),
            OFlag::O_CLOEXEC
                | OFlag::O_NOFOLLOW
                | OFlag::O_NONBLOCK
                | OFlag::O_WRONLY
                | OFlag::O_APPEND
                | OFlag::O_CREAT,
            Mode::from_bits_truncate(NEW_FILE_MODE),
        )
        .map_err(|e| fail(e.into()))?;
        let mut out = File::from(fd);
        let meta = out.metadata().map_err(fail)?;
        if !meta.is_file() || meta.nlink() > 1 {
            return Err(fail(io::Error::other(
                "it is not a regular file of its own (a hard link or a device); move it away",
            )));
        }
        let mut buf = vec![0u8; READ_CHUNK.min((to - from) as usize)];
        let mut at = from;
        while at < to {
            let n = buf.len().min((to - at) as usize);
            file.read_exact_at(&mut buf[..n], at).map_err(fail)?;
            out.write_all(&buf[..n]).map_err(fail)?;
            at += n as u64;
        }
        out.write_all(b"\n")
            .and_then(|()| out.sync_data())
            .map_err(fail)?;
        // Its name must be durable before the bytes leave the journal.
        dir.sync_all().map_err(fail)?;
        Ok(side)
    }

    /// Where the journal is: its directory (canonical) and its file name. Only the directory
    /// is resolved: the name itself is opened without following a link, so the directory
    /// judged is the one that holds the name — not the directory a link points into.
    fn resolve(&self) -> io::Result<(PathBuf, OsString)> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let name = self
            .path
            .file_name()
            .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the path names no file"))?;
        Ok((fs::canonicalize(dir)?, name.to_os_string()))
    }

    /// The canonical path (see [`super::Journal::id`]); the path as given when it cannot be
    /// resolved.
    pub(crate) fn id(&self) -> String {
        self.resolve().map_or_else(
            |_| self.path.display().to_string(),
            |(d, n)| d.join(n).display().to_string(),
        )
    }

    /// Opens the journal's directory, then the journal in it (created with
    /// [`NEW_FILE_MODE`] when missing) through the directory's descriptor; or, without
    /// `write`, read-only (`None` when the file does not exist). A symbolic link is refused
    /// (`O_NOFOLLOW`), so the file opened is in the directory opened; so is anything but a
    /// regular file (opened `O_NONBLOCK`, so a FIFO cannot hang the open).
    fn open_at(&self, write: bool) -> Result<(PathBuf, File, Option<File>), JournalError> {
        let (dir_path, name) = self
            .resolve()
            .map_err(|e| self.err("open its directory", e))?;
        let dir = open(
            &dir_path,
            OFlag::O_RDONLY | OFlag::O_DIRECTORY | OFlag::O_CLOEXEC,
            Mode::empty(),
        )
        .map(File::from)
        .map_err(|e| self.err("open its directory", e.into()))?;
        let flags = OFlag::O_CLOEXEC | OFlag::O_NOFOLLOW | OFlag::O_NONBLOCK;
        let opened = if write {
            // Created here (O_EXCL tells): set the mode with fchmod, which the umask does not
            // touch — a creator's umask 022 or 027 would otherwise leave the journal closed to
            // the rest of a shared room's group.
            match openat(
                &dir,
                name.as_os_str(),
                flags | OFlag::O_RDWR | OFlag::O_APPEND | OFlag::O_CREAT | OFlag::O_EXCL,
                Mode::from_bits_truncate(NEW_FILE_MODE),
            ) {
                Ok(fd) => nix::sys::stat::fchmod(&fd, Mode::from_bits_truncate(NEW_FILE_MODE))
                    .map(|()| fd),
                Err(nix::errno::Errno::EEXIST) => openat(
                    &dir,
                    name.as_os_str(),
                    flags | OFlag::O_RDWR | OFlag::O_APPEND,
                    Mode::empty(),
                ),
                Err(e) => Err(e),
            }
        } else {
            openat(
                &dir,
                name.as_os_str(),
                flags | OFlag::O_RDONLY,
                Mode::empty(),
            )
        };
        let file = match opened {
            Ok(fd) => Some(File::from(fd)),
            Err(nix::errno::Errno::ENOENT) if !write => None,
            Err(nix::errno::Errno::ELOOP) => {
                return Err(self.symlink_refusal(&dir_path.join(&name)));
            }
            Err(e) => {
                let op = if write { "open for appending" } else { "open" };
                return Err(self.err(op, e.into()));
            }
        };
        if let Some(f) = &file {
            let meta = f.metadata().map_err(|e| self.err("stat", e))?;
            if !meta.is_file() {
                return Err(self.unusable(&meta));
            }
        }
        Ok((dir_path.join(name), dir, file))
    }

    /// The journal's directory and file, opened for appending, once both are judged safe.
    fn open_for_append(&self) -> Result<(File, File), JournalError> {
        let (real, dir, file) = self.open_at(true)?;
        let file =
            file.ok_or_else(|| self.err("open for appending", io::ErrorKind::NotFound.into()))?;
        if let Some(reason) = self.refusal(&real, &dir, Some(&file))? {
            return Err(JournalError::Unsafe {
                path: self.path.clone(),
                reason,
            });
        }
        Ok((dir, file))
    }

    /// Why users outside the trust set could rewrite the journal (the file at `real`, and its
    /// directory), judged on the open descriptors; `None` when they cannot.
    fn refusal(
        &self,
        real: &Path,
        dir: &File,
        file: Option<&File>,
    ) -> Result<Option<String>, JournalError> {
        let me = Me::current();
        let dir_path = real.parent().unwrap_or(real);
        let mut reasons = Vec::new();
        if let Some(f) = file {
            let meta = f.metadata().map_err(|e| self.err("stat", e))?;
            if let Some(h) = trust::judge(&meta, &me, Sharing::Group) {
                reasons.push(unsafe_reason(real, false, h, &me));
            }
            if meta.nlink() > 1 {
                // Another name for the same file may be someone's own file, linked into the
                // room: appending and repairing would change it.
                reasons.push(format!(
                    "the journal {p} has {n} hard links (other names for the same file, which \
                     may be another file of yours linked into the room), so warroom will not \
                     write to it: give it a file of its own (cp {p} {p}.new && mv {p}.new {p}), \
                     or keep the journal elsewhere (--journal PATH)",
                    p = real.display(),
                    n = meta.nlink()
                ));
            }
        }
        let meta = dir
            .metadata()
            .map_err(|e| self.err("stat its directory", e))?;
        if let Some(h) = trust::judge(&meta, &me, Sharing::Group) {
            reasons.push(unsafe_reason(dir_path, true, h, &me));
        }
        Ok((!reasons.is_empty()).then(|| reasons.join("; and ")))
    }

    pub(crate) fn safety(&self) -> Result<Safety, JournalError> {
        let (real, dir, file) = self.open_at(false)?;
        let refusal = self.refusal(&real, &dir, file.as_ref())?;
        let fs = match &file {
            Some(f) => trust::network_fs(f),
            None => trust::network_fs(&dir),
        };
        let warnings = fs
            .map(|fs| {
                format!(
                    "{} is on a network filesystem ({fs}): the advisory locks and fsync that keep \
                     appends whole and durable may not hold across hosts, so rooms on two hosts \
                     appending at once could interleave or lose events; keep the journal on a \
                     local disk of the one host everyone logs in to",
                    real.display()
                )
            })
            .into_iter()
            .collect();
        Ok(Safety {
            refusal,
            warnings,
            read_only: false,
        })
    }

    /// The last complete line of a locked file of length `len`: where it ends (everything
    /// after is a torn tail), its event's `seq` and its hash.
    fn find_tail(
        &self,
        file: &File,
        len: u64,
        id: FileId,
        cached: Option<Tail>,
    ) -> Result<Tail, JournalError> {
        let io = |e| self.err("read the last line", e);
        if let Some(c) = cached
            && c.file == id
            && c.end == len
            && let Some(h) = c.hash
        {
            // Nobody appended since our own last write (same file, same length); checking the
            // bytes costs one short read and catches a file rewritten in place.
            let mut buf = vec![0; (c.end - c.start) as usize];
            file.read_exact_at(&mut buf, c.start).map_err(io)?;
            if buf.pop() == Some(b'\n') && chain::digest(&buf) == h {
                return Ok(c);
            }
        }
        let Some(nl) = rfind_newline(file, len, 0).map_err(io)? else {
            return Ok(Tail {
                file: id,
                start: 0,
                end: 0,
                seq: 0,
                hash: None,
            });
        };
        let end = nl + 1;
        let start = rfind_newline(file, nl, 0).map_err(io)?.map_or(0, |p| p + 1);
        let mut line = vec![0; (nl - start) as usize];
        file.read_exact_at(&mut line, start).map_err(io)?;
        if let Ok(ev) = serde_json::from_slice::<Event>(&line) {
            return Ok(Tail {
                file: id,
                start,
                end,
                seq: ev.seq,
                hash: Some(chain::digest(&line)),
            });
        }
        // The last complete line is not an event (edited by hand?). Take the head that
        // readers take, or a retrying caller would never agree with us.
        let mut chain = Chain::default();
        scan(file, 0, end, &mut chain, &mut Vec::new(), Keep::Count).map_err(io)?;
        Ok(Tail {
            file: id,
            start,
            end,
            seq: chain.seq(),
            hash: chain.head().copied(),
        })
    }

    /// Length of the file and how much of it is complete lines, learned under a shared lock
    /// so that no writer is between repairing a torn tail and writing its line. Only the
    /// part after `floor` (known complete) is searched.
    fn snapshot(&self, file: &File, floor: u64) -> Result<(u64, u64), JournalError> {
        self.lock_within(file, false)?;
        let result = file
            .metadata()
            .and_then(|m| {
                let len = m.len();
                let complete = if len <= floor {
                    len
                } else {
                    rfind_newline(file, len, floor)?.map_or(floor, |p| p + 1)
                };
                Ok((len, complete))
            })
            .map_err(|e| self.err("read", e));
        file.unlock().map_err(|e| self.err("unlock", e))?;
        result
    }

    pub(crate) fn replay(&self) -> Result<Replay, JournalError> {
        self.replay_watching(None)
    }

    pub(crate) fn check(&self, cp: &Checkpoint) -> Result<Consistency, JournalError> {
        let Some((file, _)) = self.open_read()? else {
            return Ok(checkpoint::compare(cp, None, 0));
        };
        let (len, complete) = self.snapshot(&file, 0)?;
        let mut chain = Chain::default();
        chain.watch(cp.seq);
        scan(
            &file,
            0,
            complete,
            &mut chain,
            &mut Vec::new(),
            Keep::UntilSeq(cp.seq),
        )
        .map_err(|e| self.err("read", e))?;
        if chain.seq() < cp.seq && len > complete {
            // The event seen may be a whole last line that lacks its newline.
            take_whole_fragment(&file, complete, len, &mut chain, &mut Vec::new())
                .map_err(|e| self.err("read", e))?;
        }
        Ok(checkpoint::compare(cp, chain.watched(), chain.seq()))
    }

    /// Replays, remembering the hash of event `watch`'s line in the cursor's chain.
    /// [`Journal::replay`](crate::journal::Journal::replay), remembering the hash of event
    /// `watch` on the way (for checkpoint comparisons).
    pub(crate) fn replay_watching(&self, watch: Option<u64>) -> Result<Replay, JournalError> {
        let mut cursor = Cursor::default();
        if let Some(seq) = watch {
            cursor.chain.watch(seq);
        }
        let Some((file, id)) = self.open_read()? else {
            return Ok(Replay {
                events: Vec::new(),
                problems: Vec::new(),
                notes: Vec::new(),
                cursor,
            });
        };
        let (len, complete) = self.snapshot(&file, 0)?;
        let mut events = Vec::new();
        let mut problems = Vec::new();
        let scanned = scan(
            &file,
            0,
            complete,
            &mut cursor.chain,
            &mut problems,
            Keep::All(&mut events),
        )
        .map_err(|e| self.err("read", e))?;
        let mut notes = Vec::new();
        let mut pos = Position {
            offset: complete,
            last_start: scanned.last_start.unwrap_or(0),
            file: Some(id),
            unterminated: false,
        };
        if len > complete {
            let line = cursor.chain.lines() + 1;
            let taken = take_whole_fragment(&file, complete, len, &mut cursor.chain, &mut problems)
                .map_err(|e| self.err("read", e))?;
            notes.push(match taken {
                Some(ev) => {
                    let note = format!(
                        "line {line} (seq {}) lacks its final newline: it is a whole event that \
                         chains, so it is loaded; the next append adds the newline",
                        ev.seq
                    );
                    events.push(ev);
                    pos = Position {
                        offset: len,
                        last_start: complete,
                        file: Some(id),
                        unterminated: true,
                    };
                    note
                }
                None => format!(
                    "line {line} is incomplete ({} bytes, an interrupted write): it is ignored; \
                     the next append moves it to {}",
                    len - complete,
                    self.torn_path().display()
                ),
            });
        }
        cursor.pos = pos;
        cursor.refresh_head();
        Ok(Replay {
            events,
            problems,
            notes,
            cursor,
        })
    }

    pub(crate) fn read_new(&self, cursor: &mut Cursor) -> Result<Vec<Event>, JournalError> {
        let Some((file, id)) = self.open_read()? else {
            if cursor.pos.file.is_some() {
                return Err(self.replaced("the journal file was removed"));
            }
            return Ok(Vec::new());
        };
        let pos = &cursor.pos;
        if pos.file.is_some_and(|f| f != id) {
            return Err(self.replaced("the journal file was replaced by another file"));
        }
        let (len, complete) = self.snapshot(&file, pos.offset)?;
        if len < pos.offset {
            return Err(self.replaced("the journal was truncated below what was already read"));
        }
        if let Some(h) = cursor.chain.head() {
            let mut last = vec![0; (pos.offset - pos.last_start) as usize];
            file.read_exact_at(&mut last, pos.last_start)
                .map_err(|e| self.err("read", e))?;
            let whole = pos.unterminated || last.pop() == Some(b'\n');
            if !whole || chain::digest(&last) != *h {
                return Err(self.replaced("lines already read were rewritten"));
            }
        }
        let mut from = pos.offset;
        if pos.unterminated {
            if len == from {
                return Ok(Vec::new());
            }
            // The next byte must be the newline that completes the line already read.
            let mut next = [0u8];
            file.read_exact_at(&mut next, from)
                .map_err(|e| self.err("read", e))?;
            if next[0] != b'\n' {
                return Err(
                    self.replaced("the last line read, which lacked its newline, was changed")
                );
            }
            from += 1;
        }
        let complete = complete.max(from);
        let mut events = Vec::new();
        let scanned = scan(
            &file,
            from,
            complete,
            &mut cursor.chain,
            &mut cursor.problems,
            Keep::All(&mut events),
        )
        .map_err(|e| self.err("read", e))?;
        let pos = &mut cursor.pos;
        if let Some(at) = scanned.last_start {
            pos.last_start = at;
        }
        pos.offset = complete;
        pos.unterminated = false;
        pos.file = Some(id);
        if len > complete
            && let Some(ev) = take_whole_fragment(
                &file,
                complete,
                len,
                &mut cursor.chain,
                &mut cursor.problems,
            )
            .map_err(|e| self.err("read", e))?
        {
            events.push(ev);
            let pos = &mut cursor.pos;
            pos.last_start = complete;
            pos.offset = len;
            pos.unterminated = true;
        }
        cursor.refresh_head();
        Ok(events)
    }

    pub(crate) fn verify(&self) -> Result<Verification, JournalError> {
        let Some((file, _)) = self.open_read()? else {
            return Ok(Verification::Ok {
                events: 0,
                head: None,
                torn_tail: false,
            });
        };
        let (len, complete) = self.snapshot(&file, 0)?;
        let mut chain = Chain::default();
        let mut problems: Vec<Problem> = Vec::new();
        let scanned = scan(
            &file,
            0,
            complete,
            &mut chain,
            &mut problems,
            Keep::Until1stProblem,
        )
        .map_err(|e| self.err("read", e))?;
        if let Some(p) = problems.into_iter().next() {
            return Ok(Verification::Broken(p));
        }
        let mut events = scanned.loaded;
        let mut torn_tail = len > complete;
        if torn_tail
            && take_whole_fragment(&file, complete, len, &mut chain, &mut Vec::new())
                .map_err(|e| self.err("read", e))?
                .is_some()
        {
            // A whole event that only lacks its newline is part of the chain.
            events += 1;
            torn_tail = false;
        }
        Ok(Verification::Ok {
            events,
            head: chain.head().map(chain::to_hex),
            torn_tail,
        })
    }
}

/// Who holds a `flock` on the file with metadata `meta`, as `/proc/locks` tells: for each
/// holder, `pid N (command) of user NAME`. Empty when nothing is known.
fn lock_holders(meta: &fs::Metadata) -> Vec<String> {
    let Ok(locks) = fs::read_to_string("/proc/locks") else {
        return Vec::new();
    };
    let dev = meta.dev();
    // /proc/locks writes the device as MAJOR:MINOR in hex, then the inode in decimal.
    let id = format!(
        "{:02x}:{:02x}:{}",
        nix::sys::stat::major(dev),
        nix::sys::stat::minor(dev),
        meta.ino()
    );
    let mut out = Vec::new();
    for line in locks.lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        // "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters have "->".
        if fields.len() < 6 || fields[1] == "->" || fields[1] != "FLOCK" || fields[5] != id {
            continue;
        }
        let pid = fields[4];
        let comm = fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        let uid = fs::read_to_string(format!("/proc/{pid}/status"))
            .ok()
            .and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("Uid:"))
                    .and_then(|l| l.split_whitespace().next())
                    .and_then(|u| u.parse::<u32>().ok())
            });
        let kind = if fields[3] == "WRITE" {
            "exclusive"
        } else {
            "shared"
        };
        let who = uid.map_or_else(String::new, |u| format!(" of user {}", trust::user_name(u)));
        let entry = format!(
            "pid {pid} ({}){who}, {kind}",
            crate::text::sanitize(comm.trim())
        );
        if !out.contains(&entry) {
            out.push(entry);
        }
    }
    out
}

/// What the unterminated bytes `[from, to)` of `file` are, after a last complete line whose
/// event is `seq` and whose hash is `head` (`None`: there is none).
fn classify_fragment(
    file: &File,
    from: u64,
    to: u64,
    seq: u64,
    head: Option<&Digest>,
) -> io::Result<Fragment> {
    if to - from > MAX_WHOLE_FRAGMENT {
        return Ok(Fragment::Torn);
    }
    let mut frag = vec![0; (to - from) as usize];
    file.read_exact_at(&mut frag, from)?;
    Ok(match serde_json::from_slice::<Event>(&frag) {
        Ok(ev) if ev.seq == seq + 1 && chain::prev_matches(&ev.prev, head) => Fragment::Whole {
            seq: ev.seq,
            hash: chain::digest(&frag),
        },
        _ => Fragment::Torn,
    })
}

/// Takes the unterminated bytes `[from, to)` of `file` through `chain` when they are a whole
/// event that chains onto what `chain` read (see [`classify_fragment`]), and returns it —
/// readers load what the next writer will keep.
fn take_whole_fragment(
    file: &File,
    from: u64,
    to: u64,
    chain: &mut Chain,
    problems: &mut Vec<Problem>,
) -> io::Result<Option<Event>> {
    match classify_fragment(file, from, to, chain.seq(), chain.head())? {
        Fragment::Torn => Ok(None),
        Fragment::Whole { .. } => {
            let mut frag = vec![0; (to - from) as usize];
            file.read_exact_at(&mut frag, from)?;
            Ok(chain.take(scan::Parsed::of(&frag), problems))
        }
    }
}

/// Position of the last `\n` in `[floor, before)`, reading backwards a few KiB at a time.
fn rfind_newline(file: &File, before: u64, floor: u64) -> io::Result<Option<u64>> {
    let mut buf = Vec::new();
    let mut end = before;
    while end > floor {
        let start = end.saturating_sub(TAIL_CHUNK).max(floor);
        buf.resize((end - start) as usize, 0);
        file.read_exact_at(&mut buf, start)?;
        if let Some(i) = buf.iter().rposition(|&b| b == b'\n') {
            return Ok(Some(start + i as u64));
        }
        end = start;
    }
    Ok(None)
}

/// What [`scan`] does with the events it reads.
enum Keep<'a> {
    /// Collects them.
    All(&'a mut Vec<Event>),
    /// Counts them.
    Count,
    /// Counts them, and stops after the block with the first problem (verification).
    Until1stProblem,
    /// Counts them, and stops after the block that reaches this `seq` (checkpoints).
    UntilSeq(u64),
}

/// What [`scan`] saw.
struct Scanned {
    /// Offset of the last line read.
    last_start: Option<u64>,
    /// Events loaded.
    loaded: u64,
}

/// Feeds the lines of `[from, to)` (which ends with a newline) through `chain`.
fn scan(
    file: &File,
    from: u64,
    to: u64,
    chain: &mut Chain,
    problems: &mut Vec<Problem>,
    mut keep: Keep<'_>,
) -> io::Result<Scanned> {
    let mut seen = Scanned {
        last_start: None,
        loaded: 0,
    };
    read_blocks(file, from, to, |block, start| {
        let parsed = scan::parse_block(block);
        if let Keep::All(events) = &mut keep
            && events.capacity() - events.len() < parsed.len()
        {
            // Size the vector from the first block's line length instead of doubling
            // through a big journal (which would peak at 1.5× the events' memory).
            let per_line = (block.len() / parsed.len().max(1)).max(1) as u64;
            events.reserve(((to - start) / per_line * 21 / 20) as usize);
        }
        for p in parsed {
            if let Some(ev) = chain.take(p, problems) {
                seen.loaded += 1;
                if let Keep::All(events) = &mut keep {
                    events.push(ev);
                }
            }
        }
        seen.last_start = Some(start + last_line_start(block) as u64);
        let done = match keep {
            Keep::Until1stProblem => !problems.is_empty(),
            Keep::UntilSeq(seq) => chain.seq() >= seq,
            Keep::All(_) | Keep::Count => false,
        };
        if done {
            return ControlFlow::Break(());
        }
        ControlFlow::Continue(())
    })?;
    Ok(seen)
}

/// Calls `f(block, start)` for `[from, to)` — a range that ends with a newline — cut into
/// blocks of whole lines (each ending with its newline) of about [`READ_CHUNK`], read into one
/// buffer; `start` is the block's offset. `f` can stop early.
fn read_blocks(
    file: &File,
    from: u64,
    to: u64,
    mut f: impl FnMut(&[u8], u64) -> ControlFlow<()>,
) -> io::Result<()> {
    let mut buf = vec![0u8; READ_CHUNK.min((to - from) as usize)];
    // `buf[..kept]` holds the start of a line not yet complete, which began at `base`.
    let mut kept = 0usize;
    let mut base = from;
    let mut next = from;
    while next < to {
        if kept == buf.len() {
            // Only for a line longer than the buffer.
            buf.resize(buf.len() * 2, 0);
        }
        let n = (buf.len() - kept).min((to - next) as usize);
        file.read_exact_at(&mut buf[kept..kept + n], next)?;
        next += n as u64;
        let filled = kept + n;
        let whole = buf[..filled]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        if whole > 0 && f(&buf[..whole], base).is_break() {
            return Ok(());
        }
        buf.copy_within(whole..filled, 0);
        kept = filled - whole;
        base += whole as u64;
    }
    if kept > 0 {
        // `to` comes from a newline search, so this means the file changed under us.
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the journal changed while it was read",
        ));
    }
    Ok(())
}

/// Offset within `block` (whole lines) of its last line.
fn last_line_start(block: &[u8]) -> usize {
    block[..block.len().saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1)
}

/// The words of a refusal to write: the path, what is wrong (mode, owner or group), and what to
/// do about it. `is_dir`: the path is the journal's directory.
fn unsafe_reason(path: &Path, is_dir: bool, hazard: Hazard, me: &Me) -> String {
    let p = path.display();
    let what = if is_dir {
        format!("{p}, the journal's directory,")
    } else {
        format!("the journal {p}")
    };
    let so = "so warroom will not write to this journal";
    let elsewhere = "or keep the journal elsewhere (--journal PATH)";
    match hazard {
        Hazard::WorldWritable { mode } if is_dir && mode & 0o1000 != 0 => format!(
            "{what} can be written by every user on this host (mode {mode:04o}, sticky like \
             /tmp), {so}: keep journals in a directory of their own that only you or your team's \
             group can write (mkdir -m 2770 DIR, chgrp TEAM DIR) and pass --journal \
             DIR/NAME.journal.jsonl"
        ),
        Hazard::WorldWritable { mode } => format!(
            "{what} can be written by every user on this host (mode {mode:04o}), {so}: chmod o-w \
             {p}, {elsewhere}"
        ),
        Hazard::GroupWritable { mode, gid } => format!(
            "{what} can be written by group {}, which you are not in (mode {mode:04o}), {so}: \
             chmod g-w {p}, or chgrp it to a group of yours, {elsewhere}",
            trust::group_name(gid)
        ),
        // Only root can chown, and only the owner (or root) can chmod: say who must act.
        Hazard::Owner { mode, uid } if me.uid == 0 => format!(
            "{what} is owned by {}, not by you (root), and is not shared through a group of \
             yours (mode {mode:04o}), {so}: chown 0 {p}, or share the room through a group \
             (chgrp TEAM {p} and chmod g+w {p}), {elsewhere}",
            trust::user_name(uid),
        ),
        Hazard::Owner { mode, uid } => format!(
            "{what} is owned by {owner}, not by you ({}) or root, and is not shared through a \
             group of yours (mode {mode:04o}), {so}: ask {owner} to share the room through a \
             group you are in (chgrp TEAM {p} and chmod g+w {p}), {elsewhere}",
            trust::user_name(me.uid),
            owner = trust::user_name(uid),
        ),
    }
}
