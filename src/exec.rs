//! Running a step's command (`run = "…"` on a task): the operator's explicit action, as opposed
//! to the check commands of [`crate::poll::command`] that the room runs on its own.
//!
//! [`start`] refuses outright when the plan file or its directory can be written by other
//! users ([`plan_is_safe`], DESIGN.md §9); asking for confirmation and making sure only an
//! operator (never a follower) gets here is the app's job. Otherwise it runs `sh -c COMMAND`
//! in the plan's directory, standard input from `/dev/null`, in a process group of its own, and
//! streams standard output and standard error line by line ([`Output::Line`], merged in the
//! order they are read) into the [`Run`], ending with one [`Output::Finished`].
//!
//! Stopping — everything the command started goes with it:
//!
//! - [`Run::cancel`] and the timeout send `SIGTERM` (and `SIGCONT`, so a stopped process can act
//!   on it) to the whole group, then `SIGKILL` [`KILL_GRACE`] later if the shell is still
//!   there; output written meanwhile (a cleanup message) is still delivered;
//! - when the shell exits, whatever it left running in its group is killed (`SIGKILL`): a step
//!   must finish, and leftovers would hold the output pipes open;
//! - dropping the [`Run`] kills the group at once (`SIGKILL`) and stops the reading task.
//!
//! Lines are raw (invalid UTF-8 replaced, escape sequences kept): the journal keeps them as
//! they were and the UI passes them through [`crate::text::sanitize`] when drawing. A line
//! with no newline in its first [`MAX_LINE_BYTES`] bytes is delivered in pieces of at most
//! that size (cut at a character boundary), so a command printing megabytes without a newline
//! costs no more memory than one that prints lines. A final `\r` before the `\n` is dropped.
//!
//! Memory: the channel holds at most [`CHANNEL_LINES`] undelivered lines (the command waits on
//! its pipe when the app falls behind; the timeout still runs); [`Finished::last_lines`] keeps
//! [`TAIL_LINES`] lines of at most [`TAIL_CHARS`] characters; what the app keeps beyond that is
//! its own business — [`Pane`] keeps the last [`Pane::CAP`] lines for display.
//!
//! Caveat: the command shares warroom's session, so a program that opens `/dev/tty` itself
//! (`sudo` asking for a password, `ssh` asking about a host key) would be stopped by the
//! terminal (background process group) until the timeout; one that writes to `/dev/tty` would
//! draw over the screen. Step commands should be non-interactive (`sudo -n`, `ssh -o
//! BatchMode=yes`).

use std::collections::VecDeque;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::ExitStatus;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Instant, sleep, sleep_until};
use tokio_util::sync::CancellationToken;

use crate::poll::command::plan_is_safe;

/// A line longer than this many bytes (without its newline) is delivered in pieces.
pub const MAX_LINE_BYTES: usize = 4096;
/// Lines kept in [`Finished::last_lines`].
pub const TAIL_LINES: usize = 20;
/// Characters kept of each line in [`Finished::last_lines`] (a cut line ends with `…`).
pub const TAIL_CHARS: usize = 500;
/// Undelivered outputs the channel holds before the command waits on its pipe.
pub const CHANNEL_LINES: usize = 1024;
/// Between `SIGTERM` and `SIGKILL` on cancel or timeout.
pub const KILL_GRACE: Duration = Duration::from_secs(2);
/// How long to wait for a `SIGKILL`ed shell to be reaped before reporting without its status.
const REAP_GRACE: Duration = Duration::from_secs(2);
/// After the shell exited, reading stops when the pipes have been silent this long (a process
/// that left the group, e.g. with `setsid`, may hold them open forever).
const DRAIN_IDLE: Duration = Duration::from_secs(1);
const DRAIN_TICK: Duration = Duration::from_millis(100);

/// Which pipe a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stream {
    /// Standard output.
    Stdout,
    /// Standard error.
    Stderr,
}

/// What a [`Run`] yields: lines as they come, then exactly one `Finished`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Output {
    /// One line (or a [`MAX_LINE_BYTES`] piece of a longer one), without its newline. Raw:
    /// invalid UTF-8 replaced, nothing else changed — sanitise before drawing.
    Line {
        /// The pipe it came from.
        stream: Stream,
        /// The text, raw.
        text: String,
    },
    /// The command is over; nothing follows.
    Finished(Finished),
}

/// How a run ended.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Finished {
    /// The shell's exit code, if it exited.
    pub exit: Option<i32>,
    /// The signal that killed the shell, if one did.
    pub signal: Option<i32>,
    /// Stopped because the timeout passed.
    pub timed_out: bool,
    /// Stopped by [`Run::cancel`].
    pub cancelled: bool,
    /// From start until the shell was reaped.
    pub duration_ms: u64,
    /// The timeout the run was started with.
    pub timeout_ms: u64,
    /// The last [`TAIL_LINES`] lines of both streams, raw, each at most [`TAIL_CHARS`]
    /// characters.
    pub last_lines: Vec<String>,
}

impl Finished {
    /// Exited with status 0 (not timed out, not cancelled).
    pub fn success(&self) -> bool {
        self.exit == Some(0) && !self.timed_out && !self.cancelled
    }
}

/// Why a command was not started. The message is one line, fit for the status bar and the
/// journal.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    /// The plan (file or directory) may be changed by others, or cannot be checked; the
    /// message names the path and the fix (`chmod go-w …`).
    #[error("{0}")]
    UnsafePlan(String),
    /// The shell could not be started.
    #[error("cannot start the command: {0}")]
    Spawn(String),
}

/// A running (or finished) step command. Read it with [`Run::next`] until `None`; dropping
/// it kills whatever is still running.
#[derive(Debug)]
pub struct Run {
    rx: mpsc::Receiver<Output>,
    cancel: CancellationToken,
    group: Arc<Group>,
    task: JoinHandle<()>,
}

impl Run {
    /// The next output: lines, then one [`Output::Finished`], then `None`. Cancel-safe (may
    /// be used in `tokio::select!`).
    pub async fn next(&mut self) -> Option<Output> {
        self.rx.recv().await
    }

    /// The next output if one is ready.
    pub fn try_next(&mut self) -> Option<Output> {
        self.rx.try_recv().ok()
    }

    /// Stops the command: `SIGTERM` to its process group, `SIGKILL` [`KILL_GRACE`] later. The
    /// [`Finished`] says `cancelled`. No effect once the shell has exited.
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// The shell's pid, which is also its process group's id.
    pub fn pid(&self) -> u32 {
        self.group.pgid.as_raw() as u32
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        self.group.kill();
        self.task.abort();
    }
}

/// Starts `sh -c command` in `plan_file`'s directory, unless the plan is not safe (see the
/// module docs). Must be called within a tokio runtime.
pub fn start(command: &str, plan_file: &Path, timeout: Duration) -> Result<Run, Refused> {
    plan_is_safe(plan_file).map_err(Refused::UnsafePlan)?;
    let file = std::fs::canonicalize(plan_file)
        .map_err(|e| Refused::UnsafePlan(format!("cannot resolve {}: {e}", plan_file.display())))?;
    let dir = file
        .parent()
        .ok_or_else(|| Refused::UnsafePlan(format!("{} has no directory", file.display())))?;
    let started = Instant::now();
    let mut child = crate::poll::command::shell(command, dir)
        .spawn()
        .map_err(|e| Refused::Spawn(format!("sh in {}: {e}", dir.display())))?;
    let Some(pid) = child.id() else {
        return Err(Refused::Spawn("the shell vanished at start".to_string()));
    };
    // The shell leads its own group (`process_group(0)`), so its pid is the group's id.
    let group = Arc::new(Group {
        pgid: Pid::from_raw(pid as i32),
        live: AtomicBool::new(true),
    });
    let (tx, rx) = mpsc::channel(CHANNEL_LINES);
    let cancel = CancellationToken::new();
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let task = tokio::spawn(drive(Drive {
        child,
        stdout,
        stderr,
        group: Arc::clone(&group),
        cancel: cancel.clone(),
        started,
        timeout,
        shared: Shared {
            tx,
            tail: Mutex::new(VecDeque::with_capacity(TAIL_LINES)),
            progress: AtomicU64::new(0),
        },
    }));
    Ok(Run {
        rx,
        cancel,
        group,
        task,
    })
}

/// One line for the feed: `exit 0 in 3.2 s`, `exit 2 in 0.4 s`, `killed: timeout after 60 s`,
/// `cancelled after 4.1 s`, `killed by SIGKILL after 1.5 s`.
pub fn summary(f: &Finished) -> String {
    let took = fmt_ms(f.duration_ms);
    if f.timed_out {
        return format!("killed: timeout after {}", fmt_ms(f.timeout_ms));
    }
    if f.cancelled {
        return format!("cancelled after {took}");
    }
    match (f.exit, f.signal) {
        (Some(code), _) => format!("exit {code} in {took}"),
        (None, Some(sig)) => match Signal::try_from(sig) {
            Ok(s) => format!("killed by {} after {took}", s.as_str()),
            Err(_) => format!("killed by signal {sig} after {took}"),
        },
        (None, None) => format!("ended abnormally after {took}"),
    }
}

/// `12 ms`, `0.4 s`, `3.2 s`, `60 s`, `2 min 5 s`, `1 h 3 min`.
fn fmt_ms(ms: u64) -> String {
    if ms < 100 {
        format!("{ms} ms")
    } else if ms < 9_950 {
        let s = format!("{:.1}", ms as f64 / 1000.0);
        format!("{} s", s.trim_end_matches(".0"))
    } else if ms < 119_500 {
        format!("{} s", (ms + 500) / 1000)
    } else if ms < 3_600_000 {
        let secs = (ms + 500) / 1000;
        match secs % 60 {
            0 => format!("{} min", secs / 60),
            s => format!("{} min {s} s", secs / 60),
        }
    } else {
        let mins = (ms + 30_000) / 60_000;
        match mins % 60 {
            0 => format!("{} h", mins / 60),
            m => format!("{} h {m} min", mins / 60),
        }
    }
}

/// A scrollable view of a run's output for the UI: the last [`Pane::CAP`] lines, raw (the UI
/// sanitises what it draws), and how far the view is scrolled up from the bottom.
#[derive(Debug, Clone, Default)]
pub struct Pane {
    lines: VecDeque<(Stream, String)>,
    /// Lines between the bottom of the view and the newest line; 0 follows new output.
    scroll: usize,
    dropped: u64,
}

impl Pane {
    /// Lines kept; older ones are dropped (and counted).
    pub const CAP: usize = 2000;

    /// An empty pane following new output.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a line. A view scrolled up stays on the lines it shows.
    pub fn push(&mut self, stream: Stream, text: String) {
        if self.lines.len() == Self::CAP {
            self.lines.pop_front();
            self.dropped += 1;
        }
        self.lines.push_back((stream, text));
        if self.scroll > 0 {
            self.scroll = (self.scroll + 1).min(self.lines.len());
        }
    }

    /// Feeds an [`Output::Line`] (other outputs are ignored).
    pub fn feed(&mut self, output: &Output) {
        if let Output::Line { stream, text } = output {
            self.push(*stream, text.clone());
        }
    }

    /// Lines held (at most [`Pane::CAP`]).
    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Whether no line arrived yet.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Lines dropped from the top because of [`Pane::CAP`].
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// How many lines the view is scrolled up from the bottom.
    pub fn scroll(&self) -> usize {
        self.scroll
    }

    /// Scrolls `n` lines towards older output (stops at the oldest).
    pub fn scroll_up(&mut self, n: usize) {
        self.scroll = self.scroll.saturating_add(n).min(self.lines.len());
    }

    /// Scrolls `n` lines towards newer output (0: following again).
    pub fn scroll_down(&mut self, n: usize) {
        self.scroll = self.scroll.saturating_sub(n);
    }

    /// Back to the bottom, following new output.
    pub fn follow(&mut self) {
        self.scroll = 0;
    }

    /// The lines a view `height` lines tall shows, oldest first (raw: sanitise to draw).
    pub fn visible(&self, height: usize) -> impl Iterator<Item = (Stream, &str)> {
        let len = self.lines.len();
        let scroll = self.scroll.min(len.saturating_sub(height));
        let end = len - scroll;
        let begin = end.saturating_sub(height);
        self.lines
            .range(begin..end)
            .map(|(stream, text)| (*stream, text.as_str()))
    }

    /// All kept lines, oldest first.
    pub fn lines(&self) -> impl Iterator<Item = (Stream, &str)> {
        self.lines.iter().map(|(s, t)| (*s, t.as_str()))
    }
}

/// The command's process group; killed by [`Run`]'s drop while `live`.
#[derive(Debug)]
struct Group {
    pgid: Pid,
    /// Cleared once the shell was reaped and the group killed: the id may then be reused.
    live: AtomicBool,
}

impl Group {
    fn signal(&self, sig: Signal) {
        if self.live.load(Ordering::Acquire) {
            // A group already gone (`ESRCH`) is fine.
            let _ = killpg(self.pgid, sig);
        }
    }

    fn terminate(&self) {
        self.signal(Signal::SIGTERM);
        self.signal(Signal::SIGCONT);
    }

    fn kill(&self) {
        self.signal(Signal::SIGKILL);
    }

    /// The shell was reaped: kill what it left in the group, then never signal again.
    fn finish(&self) {
        self.kill();
        self.live.store(false, Ordering::Release);
    }
}

/// State shared by the two stream readers.
struct Shared {
    tx: mpsc::Sender<Output>,
    tail: Mutex<VecDeque<String>>,
    /// Reads completed, to tell silent pipes from a slow reader after the shell exited.
    progress: AtomicU64,
}

struct Drive {
    child: tokio::process::Child,
    stdout: Option<tokio::process::ChildStdout>,
    stderr: Option<tokio::process::ChildStderr>,
    group: Arc<Group>,
    cancel: CancellationToken,
    started: Instant,
    timeout: Duration,
    shared: Shared,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Stop {
    Timeout,
    Cancel,
}

/// Runs the command to its end and sends [`Output::Finished`].
async fn drive(d: Drive) {
    let Drive {
        mut child,
        stdout,
        stderr,
        group,
        cancel,
        started,
        timeout,
        shared,
    } = d;
    let far = started + Duration::from_secs(100 * 365 * 24 * 3600);
    let deadline = started.checked_add(timeout).unwrap_or(far);

    let readers = async {
        tokio::join!(
            pump(stdout, Stream::Stdout, &shared),
            pump(stderr, Stream::Stderr, &shared)
        )
    };
    tokio::pin!(readers);
    let wait = child.wait();
    tokio::pin!(wait);

    let mut status: Option<std::io::Result<ExitStatus>> = None;
    let mut ended = None;
    let mut stop = None;
    let mut kill_at = None;
    let mut give_up_at = None;
    let mut readers_done = false;
    let mut seen = 0;
    let mut idle_since = Instant::now();
    loop {
        if readers_done && status.is_some() {
            break;
        }
        tokio::select! {
            s = &mut wait, if status.is_none() => {
                ended = Some(Instant::now());
                group.finish();
                status = Some(s);
                idle_since = Instant::now();
            }
            ((), ()) = &mut readers, if !readers_done => readers_done = true,
            () = sleep_until(deadline), if stop.is_none() && status.is_none() => {
                stop = Some(Stop::Timeout);
                group.terminate();
                kill_at = Some(Instant::now() + KILL_GRACE);
            }
            () = cancel.cancelled(), if stop.is_none() && status.is_none() => {
                stop = Some(Stop::Cancel);
                group.terminate();
                kill_at = Some(Instant::now() + KILL_GRACE);
            }
            () = sleep_until(kill_at.unwrap_or(far)), if kill_at.is_some() && status.is_none() => {
                group.kill();
                kill_at = None;
                give_up_at = Some(Instant::now() + REAP_GRACE);
            }
            () = sleep_until(give_up_at.unwrap_or(far)), if give_up_at.is_some() && status.is_none() => {
                // Unkillable (uninterruptible sleep): report without a status; tokio reaps it
                // when it finally goes (`kill_on_drop`).
                break;
            }
            () = sleep(DRAIN_TICK), if status.is_some() && !readers_done => {
                let now_seen = shared.progress.load(Ordering::Relaxed);
                // A full channel means the app is behind, not that the pipes are silent.
                if now_seen != seen || shared.tx.capacity() == 0 {
                    seen = now_seen;
                    idle_since = Instant::now();
                } else if idle_since.elapsed() >= DRAIN_IDLE {
                    break;
                }
            }
        }
    }

    let ended = ended.unwrap_or_else(Instant::now);
    let (exit, signal) = match status {
        Some(Ok(s)) => (s.code(), s.signal()),
        Some(Err(_)) | None => (None, None),
    };
    let last_lines = shared
        .tail
        .lock()
        .map(|t| t.iter().cloned().collect())
        .unwrap_or_default();
    let finished = Finished {
        exit,
        signal,
        timed_out: stop == Some(Stop::Timeout),
        cancelled: stop == Some(Stop::Cancel),
        duration_ms: ended.duration_since(started).as_millis() as u64,
        timeout_ms: timeout.as_millis().min(u128::from(u64::MAX)) as u64,
        last_lines,
    };
    let _ = shared.tx.send(Output::Finished(finished)).await;
}

/// Reads `r` to its end, sending each line (or [`MAX_LINE_BYTES`] piece) as it completes.
/// Stops early when nobody receives any more. A read error ends the stream.
async fn pump<R: AsyncRead + Unpin>(r: Option<R>, stream: Stream, shared: &Shared) {
    let Some(mut r) = r else {
        return;
    };
    let mut pending: Vec<u8> = Vec::with_capacity(2 * MAX_LINE_BYTES);
    let mut buf = vec![0u8; 8192];
    loop {
        let n = match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        shared.progress.fetch_add(1, Ordering::Relaxed);
        pending.extend_from_slice(&buf[..n]);
        let mut begin = 0;
        loop {
            let rest = &pending[begin..];
            let piece = match rest
                .iter()
                .take(MAX_LINE_BYTES + 1)
                .position(|&b| b == b'\n')
            {
                Some(i) => {
                    begin += i + 1;
                    let line = &rest[..i];
                    line.strip_suffix(b"\r").unwrap_or(line)
                }
                None if rest.len() > MAX_LINE_BYTES => {
                    let cut = char_cut(rest, MAX_LINE_BYTES);
                    begin += cut;
                    &rest[..cut]
                }
                None => break,
            };
            if !send(shared, stream, piece).await {
                return;
            }
        }
        pending.drain(..begin);
    }
    if !pending.is_empty() {
        send(shared, stream, &pending).await;
    }
}

/// Where to cut `bytes` at most `max` bytes in so as not to split a UTF-8 character.
fn char_cut(bytes: &[u8], max: usize) -> usize {
    // Back up over continuation bytes (at most 3) to the character's first byte.
    for cut in (max.saturating_sub(3)..=max).rev() {
        match bytes.get(cut) {
            Some(b) if b & 0xC0 == 0x80 => {}
            _ if cut == 0 => break,
            _ => return cut,
        }
    }
    // Not UTF-8 anyway: cut where asked.
    max
}

/// Records `bytes` in the tail and sends it as a line; false when the receiver is gone.
async fn send(shared: &Shared, stream: Stream, bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes).into_owned();
    if let Ok(mut tail) = shared.tail.lock() {
        if tail.len() == TAIL_LINES {
            tail.pop_front();
        }
        tail.push_back(cut_chars(&text, TAIL_CHARS));
    }
    shared.tx.send(Output::Line { stream, text }).await.is_ok()
}

/// `text` cut to at most `max` characters, the last being `…` when cut.
fn cut_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some(_) => {
            let mut s: String = text.chars().take(max - 1).collect();
            s.push('…');
            s
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finished(exit: Option<i32>, signal: Option<i32>, ms: u64) -> Finished {
        Finished {
            exit,
            signal,
            timed_out: false,
            cancelled: false,
            duration_ms: ms,
            timeout_ms: 60_000,
            last_lines: Vec::new(),
        }
    }

    #[test]
    fn summaries_read_well() {
        assert_eq!(summary(&finished(Some(0), None, 3_200)), "exit 0 in 3.2 s");
        assert_eq!(summary(&finished(Some(2), None, 400)), "exit 2 in 0.4 s");
        assert_eq!(summary(&finished(Some(0), None, 12)), "exit 0 in 12 ms");
        assert_eq!(
            summary(&finished(None, Some(9), 1_500)),
            "killed by SIGKILL after 1.5 s"
        );
        assert_eq!(
            summary(&finished(None, None, 1_000)),
            "ended abnormally after 1 s"
        );
        let mut f = finished(None, Some(15), 61_700);
        f.timed_out = true;
        assert_eq!(summary(&f), "killed: timeout after 60 s");
        let mut f = finished(Some(143), None, 4_100);
        f.cancelled = true;
        assert_eq!(summary(&f), "cancelled after 4.1 s");
        assert!(!f.success());
        assert!(finished(Some(0), None, 1).success());
    }

    #[test]
    fn durations_are_short_and_rounded() {
        let cases = [
            (0, "0 ms"),
            (99, "99 ms"),
            (100, "0.1 s"),
            (2_000, "2 s"),
            (9_949, "9.9 s"),
            (9_950, "10 s"),
            (60_000, "60 s"),
            (119_499, "119 s"),
            (119_500, "2 min"),
            (125_000, "2 min 5 s"),
            (3_600_000, "1 h"),
            (3_780_000, "1 h 3 min"),
        ];
        for (ms, want) in cases {
            assert_eq!(fmt_ms(ms), want, "{ms}");
        }
    }

    #[test]
    fn cuts_respect_characters() {
        let euro = "€".repeat(10).into_bytes(); // 3 bytes each
        assert_eq!(char_cut(&euro, 4), 3);
        assert_eq!(char_cut(&euro, 6), 6);
        assert_eq!(char_cut(&euro, 8), 6);
        let smiley = "😀".repeat(5).into_bytes(); // 4 bytes each
        assert_eq!(char_cut(&smiley, 7), 4);
        assert_eq!(char_cut(&smiley, 5), 4);
        assert_eq!(char_cut(&smiley, 3), 3); // would be empty: cut where asked
        let bad = [0x80u8; 10]; // continuation bytes only: cut where asked
        assert_eq!(char_cut(&bad, 5), 5);
        assert_eq!(cut_chars("abc", 3), "abc");
        assert_eq!(cut_chars("abcd", 3), "ab…");
        assert_eq!(
            cut_chars(&"é".repeat(600), TAIL_CHARS).chars().count(),
            TAIL_CHARS
        );
    }

    #[test]
    fn pane_keeps_the_last_lines_and_a_steady_view() {
        let mut pane = Pane::new();
        for i in 0..(Pane::CAP + 5) {
            pane.push(Stream::Stdout, i.to_string());
        }
        assert_eq!(pane.len(), Pane::CAP);
        assert_eq!(pane.dropped(), 5);
        let view: Vec<_> = pane.visible(3).map(|(_, t)| t.to_string()).collect();
        assert_eq!(view, ["2002", "2003", "2004"]);

        pane.scroll_up(2);
        let view: Vec<_> = pane.visible(3).map(|(_, t)| t.to_string()).collect();
        assert_eq!(view, ["2000", "2001", "2002"]);
        // New output does not move a scrolled view.
        pane.feed(&Output::Line {
            stream: Stream::Stderr,
            text: "new".into(),
        });
        let view: Vec<_> = pane.visible(3).map(|(_, t)| t.to_string()).collect();
        assert_eq!(view, ["2000", "2001", "2002"]);
        pane.follow();
        let view: Vec<_> = pane.visible(3).map(|(s, t)| (s, t.to_string())).collect();
        assert_eq!(view[2], (Stream::Stderr, "new".to_string()));

        // Scrolling is clamped to the top.
        pane.scroll_up(usize::MAX);
        let first = pane.visible(3).next().map(|(_, t)| t.to_string());
        assert_eq!(first.as_deref(), Some("6"));
        pane.scroll_down(usize::MAX);
        assert_eq!(pane.scroll(), 0);

        let small = Pane::new();
        assert_eq!(small.visible(10).count(), 0);
        assert!(small.is_empty());
    }
}
