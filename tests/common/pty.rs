//! The real `warroom` binary in a real pseudo-terminal, its output parsed by `vt100` into the
//! screen a user would see. Waits poll the parsed screen (never a fixed sleep) and fail with
//! the screen printed; the child is killed when the viewer is dropped, panics included. The
//! terminal side can also be resized, read for its settings, or hung up (an SSH drop).

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::process::ExitStatus as StdExitStatus;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, ExitStatus, MasterPty, PtySize, native_pty_system};

/// How often waits look at the screen.
const POLL: Duration = Duration::from_millis(25);

/// One room (or any other `warroom` subcommand) in a pseudo-terminal.
pub struct Viewer {
    /// Shown in failure messages: which of several screens failed.
    pub name: String,
    screen: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, for checks on the escape sequences themselves.
    raw: Arc<Mutex<Vec<u8>>>,
    /// None once hung up.
    writer: Option<Box<dyn Write + Send>>,
    master: Mutex<Option<Box<dyn MasterPty + Send>>>,
    /// Asks the reader thread to close its descriptor after its next read.
    hang_up: Arc<AtomicBool>,
    /// When the reader thread closed its descriptor (hung up, or the program's side closed).
    reader_closed: Arc<Mutex<Option<Instant>>>,
    child: Mutex<Box<dyn portable_pty::Child + Send + Sync>>,
    exited: Mutex<Option<ExitStatus>>,
}

impl Viewer {
    /// Runs `warroom ARGS…` in a `cols`×`rows` terminal.
    pub fn open(args: &[&str], cols: u16, rows: u16) -> Viewer {
        Viewer::spawn("viewer", args, cols, rows, &[])
    }

    /// Runs `warroom ARGS…` in a `cols`×`rows` terminal with extra environment variables;
    /// `name` labels its failures.
    pub fn spawn(name: &str, args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Viewer {
        Viewer::spawn_in(None, name, args, cols, rows, env)
    }

    /// [`Viewer::spawn`] with the working directory `dir` (`None`: this process's).
    pub fn spawn_in(
        dir: Option<&std::path::Path>,
        name: &str,
        args: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Viewer {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_warroom"));
        cmd.args(args);
        if let Some(d) = dir {
            cmd.cwd(d);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        // Checkpoints and logs out of the real home (`env` may point it elsewhere).
        let (k, v) = super::state::env();
        cmd.env(k, v);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        let raw = Arc::new(Mutex::new(Vec::new()));
        let raw_sink = Arc::clone(&raw);
        let hang_up = Arc::new(AtomicBool::new(false));
        let hanging_up = Arc::clone(&hang_up);
        let reader_closed = Arc::new(Mutex::new(None));
        let closed = Arc::clone(&reader_closed);
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                // A test thread that panicked while holding the lock must not hide the screen.
                sink.lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .process(&buf[..n]);
                raw_sink
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .extend_from_slice(&buf[..n]);
                if hanging_up.load(Ordering::SeqCst) {
                    break;
                }
            }
            drop(reader);
            *closed
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(Instant::now());
        });
        Viewer {
            name: name.to_string(),
            screen,
            raw,
            writer: Some(writer),
            master: Mutex::new(Some(pty.master)),
            hang_up,
            reader_closed,
            child: Mutex::new(child),
            exited: Mutex::new(None),
        }
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .process_id()
            .unwrap()
    }

    /// Every byte the program has written so far.
    pub fn output(&self) -> Vec<u8> {
        self.raw
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Runs `f` on the parsed screen (cursor visibility, alternate screen, …).
    pub fn with_screen<T>(&self, f: impl FnOnce(&vt100::Screen) -> T) -> T {
        f(self
            .screen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .screen())
    }

    /// Resizes the terminal to `cols`×`rows` (the program gets SIGWINCH). With `parse`, the
    /// parsed screen takes the size too, atomically with the resize, so every byte drawn after
    /// it is parsed at that size; sizes with a zero are never parsed.
    pub fn resize(&self, cols: u16, rows: u16, parse: bool) {
        let mut screen = self
            .screen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        self.master
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .expect("the terminal was hung up")
            .resize(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        if parse {
            let (Some(r), Some(c)) = (NonZeroU16::new(rows), NonZeroU16::new(cols)) else {
                panic!("cannot parse a screen of {cols}x{rows}");
            };
            screen.set_size(r, c);
        }
    }

    /// The names of the terminal's local mode flags that are set (`ECHO`, `ICANON`, …), as
    /// the program left them: what a shell would find after it.
    pub fn local_flags(&self) -> Vec<String> {
        let termios = self
            .master
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .as_ref()
            .expect("the terminal was hung up")
            .get_termios()
            .expect("the terminal's settings can be read");
        termios
            .local_flags
            .iter_names()
            .map(|(name, _)| name.to_string())
            .collect()
    }

    /// Closes every descriptor of the terminal's side, as an SSH drop does: the program gets
    /// SIGHUP and its reads and writes fail. The last descriptor (the reader's) closes after
    /// the program's next write, at most a clock tick later; returns when it closed.
    ///
    /// Dropping portable-pty's writer first types a newline and Ctrl-D (its end-of-file for a
    /// shell), which a room in normal mode ignores.
    pub fn hang_up(&mut self) -> Instant {
        self.hang_up.store(true, Ordering::SeqCst);
        drop(self.writer.take());
        drop(
            self.master
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .take(),
        );
        self.wait_reader_closed(Duration::from_secs(10))
    }

    /// Waits until the reader thread has closed its descriptor (after a hang-up, or when the
    /// program's side of the terminal closed: every byte it wrote has then been parsed), and
    /// returns when that happened.
    pub fn wait_reader_closed(&self, timeout: Duration) -> Instant {
        let mut when = None;
        wait_until(
            "the terminal's reader closed",
            timeout,
            || {
                when = *self
                    .reader_closed
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                when.is_some()
            },
            || self.contents(),
        );
        when.unwrap()
    }

    /// The screen as text, one line per row.
    pub fn contents(&self) -> String {
        self.screen
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .screen()
            .contents()
    }

    /// Waits until `pred` holds for the screen; panics with `what` and the screen when it
    /// does not within `timeout`, or at once when the program has exited.
    pub fn wait_until(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            let screen = self.contents();
            if pred(&screen) {
                return;
            }
            if let Some(status) = self.try_exit() {
                // Let the reader thread take the last bytes (an error message) first.
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "{}: exited ({status:?}) before {what} was seen; screen:\n{}",
                    self.name,
                    self.contents()
                );
            }
            assert!(
                start.elapsed() < timeout,
                "{}: {what} not seen within {timeout:?}; screen:\n{screen}",
                self.name
            );
            std::thread::sleep(POLL);
        }
    }

    /// Waits until `text` is on the screen.
    pub fn wait_for(&self, text: &str, timeout: Duration) {
        self.wait_until(&format!("'{text}'"), timeout, |s| s.contains(text));
    }

    /// Waits until `text` is no longer on the screen.
    pub fn wait_gone(&self, text: &str, timeout: Duration) {
        self.wait_until(&format!("'{text}' gone"), timeout, |s| !s.contains(text));
    }

    /// Waits until one row shows every one of `parts` (a check's name beside its state).
    pub fn wait_for_row(&self, parts: &[&str], timeout: Duration) {
        self.wait_until(&format!("a row with {parts:?}"), timeout, |s| {
            has_row(s, parts)
        });
    }

    /// Types `keys`.
    pub fn send(&mut self, keys: &str) {
        let writer = self.writer.as_mut().expect("the terminal was hung up");
        writer.write_all(keys.as_bytes()).unwrap();
        writer.flush().unwrap();
    }

    /// Whether the program has exited (and how).
    pub fn try_exit(&self) -> Option<ExitStatus> {
        let mut exited = self
            .exited
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if exited.is_none() {
            *exited = self
                .child
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .try_wait()
                .unwrap();
        }
        exited.clone()
    }

    /// Waits for the program to exit; panics with the screen when it does not.
    pub fn wait_exit(&self, timeout: Duration) -> ExitStatus {
        let start = Instant::now();
        loop {
            if let Some(status) = self.try_exit() {
                return status;
            }
            assert!(
                start.elapsed() < timeout,
                "{}: still running after {timeout:?}; screen:\n{}",
                self.name,
                self.contents()
            );
            std::thread::sleep(POLL);
        }
    }

    /// Presses `q` and asserts the room exits successfully.
    pub fn quit(&mut self) {
        self.send("q");
        let status = self.wait_exit(Duration::from_secs(10));
        assert!(
            status.success(),
            "{}: `q` left with {status:?}; screen:\n{}",
            self.name,
            self.contents()
        );
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        if self.try_exit().is_none() {
            let child = self
                .child
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Whether one row of `screen` holds every one of `parts`.
pub fn has_row(screen: &str, parts: &[&str]) -> bool {
    screen.lines().any(|l| parts.iter().all(|p| l.contains(p)))
}

/// Waits until `pred` holds (something other than a screen: a file, a counter), or panics
/// with `what` and `context()`.
pub fn wait_until(
    what: &str,
    timeout: Duration,
    mut pred: impl FnMut() -> bool,
    context: impl Fn() -> String,
) {
    let start = Instant::now();
    loop {
        if pred() {
            return;
        }
        assert!(
            start.elapsed() < timeout,
            "{what} not seen within {timeout:?}\n{}",
            context()
        );
        std::thread::sleep(POLL);
    }
}

/// A std exit status, for assertions on `warroom` CLI runs next to the rooms.
pub fn cli(args: &[&str]) -> (StdExitStatus, String, String) {
    let out = super::state::warroom().args(args).output().unwrap();
    (
        out.status,
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
