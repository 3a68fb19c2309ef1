//! Logs go to a file (the terminal belongs to the room): `$XDG_STATE_HOME/warroom/warroom.log`,
//! else beside the journal. `RUST_LOG` sets the level (default `info`).

use std::path::Path;
use std::sync::OnceLock;

use tracing_appender::non_blocking::WorkerGuard;

static GUARD: OnceLock<WorkerGuard> = OnceLock::new();

/// Starts file logging once per process. Failing to log is not a reason to fail the room, so
/// errors here only mean no log.
pub fn init(journal: &Path) {
    let dir = std::env::var_os("XDG_STATE_HOME")
        .map(|d| Path::new(&d).join("warroom"))
        .filter(|d| std::fs::create_dir_all(d).is_ok())
        .unwrap_or_else(|| journal.parent().unwrap_or(Path::new(".")).to_path_buf());
    let appender = tracing_appender::rolling::never(dir, "warroom.log");
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
