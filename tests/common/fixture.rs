//! Plans from tests/fixtures copied into a fresh temporary directory, so each test has a
//! journal of its own beside its plan.

use std::path::{Path, PathBuf};

/// A temporary directory holding `tests/fixtures/<fixture>` as `name`; returns the directory
/// (removed when dropped) and the plan's path.
pub fn plan_in_tempdir(fixture: &str, name: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("create a temporary directory");
    let plan = dir.path().join(name);
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(fixture),
        &plan,
    )
    .expect("copy the fixture plan");
    (dir, plan)
}

/// The small Markdown launch (`tests/fixtures/cli/launch.md`) as `launch.md` in a temporary
/// directory.
pub fn small_launch() -> (tempfile::TempDir, PathBuf) {
    plan_in_tempdir("cli/launch.md", "launch.md")
}
