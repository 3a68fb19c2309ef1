//! Logs go to a file (the terminal belongs to the room): `$XDG_STATE_HOME/warroom/warroom.log`,
//! else beside the journal. `RUST_LOG` sets the level (default `info`).
//!
//! [`install_hooks`] also makes every panic an internal error as the README promises: the
//! report goes to standard error without colour unless it is a terminal and `NO_COLOR` is
//! unset, and to the log file (written at once, not through the non-blocking logger, which
//! may never flush once the process ends); `main` then exits 3. In the room, ratatui's hook
//! (installed after this one, calling it) gives the terminal back first.

use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tracing_appender::non_blocking::WorkerGuard;

static GUARD: OnceLock<WorkerGuard> = OnceLock::new();
/// The directory of the log file, once [`init`] chose it.
static LOG_DIR: OnceLock<PathBuf> = OnceLock::new();
/// The log file's name.
const LOG_FILE: &str = "warroom.log";

/// Starts file logging once per process. Failing to log is not a reason to fail the room, so
/// errors here only mean no log.
pub fn init(journal: &Path) {
    let dir = std::env::var_os("XDG_STATE_HOME")
        .map(|d| Path::new(&d).join("warroom"))
        .filter(|d| std::fs::create_dir_all(d).is_ok())
        .or_else(|| {
            // A database room has no directory of its own: the user's state directory.
            crate::journal::is_database(journal)
                .then(|| panic_log().and_then(|f| f.parent().map(Path::to_path_buf)))
                .flatten()
                .filter(|d| std::fs::create_dir_all(d).is_ok())
        })
        .unwrap_or_else(|| {
            if crate::journal::is_database(journal) {
                PathBuf::from(".")
            } else {
                journal.parent().unwrap_or(Path::new(".")).to_path_buf()
            }
        });
    let _ = LOG_DIR.set(dir.clone());
    let appender = tracing_appender::rolling::never(dir, LOG_FILE);
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    if tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .is_ok()
    {
        let _ = GUARD.set(guard);
    }
}

/// Where a panic report is logged: the room's log file once [`init`] ran, else
/// `$XDG_STATE_HOME/warroom/warroom.log` (default `~/.local/state/warroom/`).
#[must_use]
pub fn panic_log() -> Option<PathBuf> {
    if let Some(d) = LOG_DIR.get() {
        return Some(d.join(LOG_FILE));
    }
    let abs = |v: &str| {
        std::env::var_os(v)
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
    };
    let state = abs("XDG_STATE_HOME").or_else(|| abs("HOME").map(|h| h.join(".local/state")))?;
    Some(state.join("warroom").join(LOG_FILE))
}

/// Whether standard error gets colour: it is a terminal and `NO_COLOR` is unset or empty
/// (<https://no-color.org>).
#[must_use]
pub fn stderr_colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the error-report and panic hooks (see the module documentation). Call first in
/// `main`, before anything can panic.
pub fn install_hooks() {
    let theme = if stderr_colour() {
        color_eyre::config::Theme::dark()
    } else {
        color_eyre::config::Theme::new()
    };
    let (panic_hook, eyre_hook) = color_eyre::config::HookBuilder::default()
        .theme(theme)
        .into_hooks();

    if let Err(e) = eyre_hook.install() {
        eprintln!("warroom: cannot install the error handler: {e}");
    }
    std::panic::set_hook(Box::new(move |info| {
        let report = panic_hook.panic_report(info).to_string();
        // The log file gets the report without colour codes, whatever standard error is.
        let plain = strip_sgr(&report);
        let logged = panic_log().and_then(|p| append(&p, &plain).ok().map(|()| p));
        // Standard error may be a terminal that went away (SSH drop): never panic here.
        let mut err = std::io::stderr().lock();
        let _ = writeln!(err, "{report}");
        // Only a panic on the main thread ends the process (`main` exits 3); a task's panic
        // on a runtime thread is contained where it happened.
        let ends = if std::thread::current().name() == Some("main") {
            " (exit 3)"
        } else {
            ""
        };
        let _ = match logged {
            Some(p) => writeln!(
                err,
                "warroom: internal error{ends}; the report is also in {}",
                p.display()
            ),
            None => writeln!(err, "warroom: internal error{ends}"),
        };
    }));
}

/// Appends one panic report, with the time, to the log file at `path` (never through a link).
fn append(path: &Path, report: &str) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt as _;
    if let Some(d) = path.parent() {
        std::fs::create_dir_all(d)?;
    }
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(nix::fcntl::OFlag::O_NOFOLLOW.bits())
        .open(path)?;
    writeln!(
        f,
        "{} PANIC {report}",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
}

/// `s` without its CSI sequences (`ESC [` … final byte), which is all the colour a report has.
fn strip_sgr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' && chars.peek() == Some(&'[') {
            chars.next();
            for c in chars.by_ref() {
                if ('\x40'..='\x7e').contains(&c) {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn colour_codes_are_stripped_for_the_log_file() {
        assert_eq!(
            super::strip_sgr(
                "\x1b[31mThe application panicked\x1b[0m: at \x1b[35msrc/x.rs\x1b[0m:3"
            ),
            "The application panicked: at src/x.rs:3"
        );
    }
}
