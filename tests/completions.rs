//! `warroom completions SHELL` and `warroom man`, end to end: the real binary's output checked
//! by the real shell and man-page tools where they are installed.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

use std::path::Path;
use std::process::{Command, Output};

/// Every subcommand a user can type; the scripts and the man page must name each.
const SUBCOMMANDS: &[&str] = &[
    "demo",
    "open",
    "import",
    "validate",
    "status",
    "check",
    "decide",
    "advance",
    "hold",
    "release",
    "rollback",
    "note",
    "report",
    "verify",
    "journal",
    "completions",
    "man",
];

fn warroom(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env("XDG_STATE_HOME", env!("CARGO_TARGET_TMPDIR"))
        .output()
        .unwrap()
}

/// Standard output of a `warroom` run that must succeed with nothing on standard error.
fn stdout_of(args: &[&str]) -> String {
    let out = warroom(args);
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "warroom {args:?}: {:?}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `text` written to a file in a fresh directory (kept alive by the returned guard).
fn to_file(text: &str, name: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Whether `program` can be run (found on `PATH`).
fn installed(program: &str) -> bool {
    Command::new(program)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// Runs `program args… file` and asserts it succeeded.
fn run_ok(program: &str, args: &[&str], file: &Path) -> Output {
    let out = Command::new(program)
        .args(args)
        .arg(file)
        .env("MANPAGER", "cat")
        .env("PAGER", "cat")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{program} {args:?} {}: {:?}\n{}",
        file.display(),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The first lines of `text`, for a failure message.
fn head(text: &str) -> String {
    text.lines().take(5).collect::<Vec<_>>().join("\n")
}

/// Terminal text with the typewriter overstrikes (`X\x08X` bold, `_\x08X` underline) that
/// groff and man put in for a terminal taken out: only the last character of each stays.
fn without_overstrike(text: &str) -> String {
    let mut out: Vec<char> = Vec::with_capacity(text.len());
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect()
}

#[test]
fn bash_script_names_every_subcommand_and_parses() {
    let script = stdout_of(&["completions", "bash"]);
    for sub in SUBCOMMANDS {
        assert!(script.contains(sub), "bash completions lack '{sub}'");
    }
    assert!(script.contains("complete -F"), "no `complete` registration");
    // Values clap knows are offered too.
    assert!(script.contains("html"), "report --format values missing");
    let (_dir, file) = to_file(&script, "warroom.bash");
    run_ok("bash", &["-n"], &file);
}

#[test]
fn zsh_and_fish_scripts_name_warroom() {
    for (shell, file_name) in [("zsh", "_warroom"), ("fish", "warroom.fish")] {
        let script = stdout_of(&["completions", shell]);
        assert!(!script.trim().is_empty(), "{shell}: empty script");
        assert!(script.contains("warroom"), "{shell}: does not name warroom");
        for sub in ["open", "check", "verify"] {
            assert!(script.contains(sub), "{shell}: lacks '{sub}'");
        }
        if installed(shell) {
            let (_dir, file) = to_file(&script, file_name);
            run_ok(shell, &["-n"], &file);
        } else {
            eprintln!("note: {shell} is not installed: its script's syntax was not checked");
        }
    }
}

#[test]
fn unknown_shell_is_a_usage_error_listing_the_shells() {
    let out = warroom(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid value 'tcsh'"), "{err}");
    for shell in ["bash", "zsh", "fish"] {
        assert!(err.contains(shell), "{err}");
    }
}

#[test]
fn man_page_is_roff_naming_the_subcommands_and_renders() {
    let page = stdout_of(&["man"]);
    assert!(page.starts_with('.'), "not roff: {}", head(&page));
    assert!(
        page.lines().any(|l| l.starts_with(".TH warroom 1")),
        "no .TH warroom 1 header"
    );
    for sub in SUBCOMMANDS {
        assert!(page.contains(sub), "man page lacks '{sub}'");
    }
    let (_dir, file) = to_file(&page, "warroom.1");
    let rendered = if installed("groff") {
        run_ok("groff", &["-man", "-Tascii", "-ww"], &file)
    } else if installed("man") {
        run_ok("man", &["-l"], &file)
    } else {
        eprintln!("note: neither groff nor man is installed: the page was not rendered");
        return;
    };
    let text = without_overstrike(&String::from_utf8_lossy(&rendered.stdout));
    assert!(text.contains("SUBCOMMANDS"), "{text}");
    assert!(text.contains("verify"), "{text}");
    let warnings = String::from_utf8_lossy(&rendered.stderr);
    assert!(
        warnings.trim().is_empty(),
        "the renderer warned: {warnings}"
    );
}
