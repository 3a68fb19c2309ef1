//! Per-user state during tests: the checkpoints (and the log) every `warroom` keeps under
//! `$XDG_STATE_HOME` go to a directory under cargo's temporary directory for tests
//! (`CARGO_TARGET_TMPDIR`), never into the real home. Every spawned `warroom` gets
//! `XDG_STATE_HOME` from [`env`]; sessions opened in the test process take [`checkpoints`].

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use warroom::journal::checkpoint::Store;

/// `XDG_STATE_HOME` for the `warroom`s this test process starts.
pub fn home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("xdg-state");
        std::fs::create_dir_all(&dir).expect("create the tests' state directory");
        dir
    })
}

/// The environment variable that keeps a spawned `warroom`'s state in [`home`].
pub fn env() -> (&'static str, &'static Path) {
    ("XDG_STATE_HOME", home())
}

/// The checkpoint store a spawned `warroom` uses (`$XDG_STATE_HOME/warroom/checkpoints`).
pub fn checkpoints() -> Store {
    Store::at(home().join("warroom").join("checkpoints"))
}

/// `warroom` (the binary under test) with its state in [`home`].
pub fn warroom() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"));
    let (k, v) = env();
    cmd.env(k, v);
    cmd
}

/// The same for `assert_cmd`.
pub fn assert_warroom() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::new(env!("CARGO_BIN_EXE_warroom"));
    let (k, v) = env();
    cmd.env(k, v);
    cmd
}

/// `Session::open` for a session in the test process, with its checkpoints in [`home`].
pub fn open(
    plan: &Path,
    opts: &warroom::session::OpenOptions,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<warroom::session::Session, warroom::session::SessionError> {
    warroom::session::Session::open_with(plan, opts, Some(checkpoints()), now)
}

/// Asserts that a `warroom` run succeeded, showing what it said on stderr when it did not.
pub fn assert_ok(out: &std::process::Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
