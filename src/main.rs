//! The `warroom` binary: see `warroom --help` and README.md.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // Installs the panic and error report hooks before ratatui adds its terminal restore.
    if let Err(e) = color_eyre::install() {
        eprintln!("warroom: cannot install the error handler: {e}");
    }
    warroom::cli::main(warroom::cli::Cli::parse())
}
