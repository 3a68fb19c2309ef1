//! `warroom completions SHELL` and `warroom man`: a shell completion script (`clap_complete`)
//! and the man page (roff, `clap_mangen`), both generated from the [`Cli`] definition, so they
//! never drift from what the binary accepts.
//!
//! Both are built whole in memory and then written with [`say`]: the generators panic (or
//! stop half-way) on a write error, while a reader that went away (`warroom man | head`)
//! should end the output quietly, as for every other verb.

use std::process::ExitCode;

use clap::{CommandFactory as _, ValueEnum};
use color_eyre::eyre::{Result, WrapErr};

use super::{Cli, say};

/// The shells `warroom completions` writes a script for. An unknown name is refused by clap
/// with the list of these (exit 2, like every usage error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    /// Bash (with the bash-completion package).
    Bash,
    /// Zsh (a `_warroom` file in a directory on `fpath`).
    Zsh,
    /// Fish.
    Fish,
}

impl Shell {
    /// The `clap_complete` generator for this shell.
    fn generator(self) -> clap_complete::Shell {
        match self {
            Shell::Bash => clap_complete::Shell::Bash,
            Shell::Zsh => clap_complete::Shell::Zsh,
            Shell::Fish => clap_complete::Shell::Fish,
        }
    }
}

/// The completion script for `shell`, completing `warroom`'s subcommands, options and the
/// values clap knows (e.g. `report --format`). Never fails: it is built in memory.
pub fn script(shell: Shell) -> String {
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let mut out = Vec::new();
    clap_complete::generate(shell.generator(), &mut cmd, name, &mut out);
    String::from_utf8_lossy(&out).into_owned()
}

/// The man page, section 1, in roff: name, synopsis, description, options and the list of
/// subcommands. Errors only if the roff writer fails, which in memory it does not.
pub fn man_page() -> Result<String> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .wrap_err("cannot render the man page")?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// `warroom completions SHELL`: prints [`script`] to standard output; exit 0.
pub fn print_script(shell: Shell) -> ExitCode {
    say(&script(shell));
    ExitCode::SUCCESS
}

/// `warroom man`: prints [`man_page`] to standard output; exit 0, or an internal error if it
/// could not be rendered.
pub fn print_man_page() -> Result<ExitCode> {
    say(&man_page()?);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shell_gets_a_script_naming_the_binary() {
        for shell in Shell::value_variants() {
            let s = script(*shell);
            assert!(s.contains("warroom"), "{shell:?}: {s}");
            assert!(s.contains("verify"), "{shell:?}");
        }
    }

    #[test]
    fn man_page_is_roff() {
        let page = man_page().expect("renders");
        assert!(page.contains("\n.TH warroom 1 "), "{page}");
        assert!(page.contains(".SH SUBCOMMANDS"), "{page}");
    }
}
