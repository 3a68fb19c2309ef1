//! The `warroom` binary: see `warroom --help` and README.md.

use std::process::ExitCode;

use clap::Parser;

/// The exit code of an internal error, a panic included (README: "3 internal").
const INTERNAL: u8 = 3;

fn main() -> ExitCode {
    // The panic and error report hooks go first, so ratatui's terminal restore (installed when
    // the room opens) runs before them.
    warroom::logging::install_hooks();
    // A panic on this thread (the room's loop and drawing run here) unwinds to this point:
    // the hooks have reported it; the process ends as an internal error, not with Rust's 101.
    std::panic::catch_unwind(|| warroom::cli::main(warroom::cli::Cli::parse()))
        .unwrap_or(ExitCode::from(INTERNAL))
}
