//! A panic is an internal error as the README promises: exit 3 (not Rust's 101), the report
//! on standard error without colour codes unless that is a terminal and `NO_COLOR` is unset,
//! and the report in the log file. Uses the debug build's test hooks (`WARROOM_TEST_PANIC`
//! for a verb, `WARROOM_TEST_PANIC_IN_DRAW` for the room in a real pseudo-terminal).

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::time::Duration;

use common::pty::Viewer;

/// Whether `bytes` hold an SGR (colour or style) sequence: `ESC [` digits/`;` then `m`.
fn has_sgr(bytes: &[u8]) -> bool {
    bytes.windows(2).enumerate().any(|(i, w)| {
        w == b"\x1b["
            && bytes[i + 2..]
                .iter()
                .position(|b| !(b.is_ascii_digit() || *b == b';'))
                .is_some_and(|n| bytes[i + 2 + n] == b'm')
    })
}

#[test]
fn a_verb_that_panics_exits_3_without_colour_into_a_pipe_and_logs_the_report() {
    let (dir, plan) = common::fixture::small_launch();
    let state = dir.path().join("state");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["status"])
        .arg(&plan)
        .env("XDG_STATE_HOME", &state)
        .env("WARROOM_TEST_PANIC", "1")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("test hook: WARROOM_TEST_PANIC"), "{stderr}");
    assert!(
        !out.stderr.contains(&0x1b),
        "no escape codes into a pipe: {stderr:?}"
    );
    let log = state.join("warroom/warroom.log");
    assert!(stderr.contains(&log.display().to_string()), "{stderr}");
    let logged = std::fs::read_to_string(&log).unwrap();
    assert!(logged.contains("PANIC"), "{logged}");
    assert!(logged.contains("test hook: WARROOM_TEST_PANIC"), "{logged}");
    assert!(!logged.contains('\x1b'), "{logged:?}");
}

#[test]
fn no_color_holds_for_a_panic_report_in_a_real_terminal() {
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let run = |env: &[(&str, &str)]| {
        let mut all = vec![("WARROOM_TEST_PANIC_IN_DRAW", "2")];
        all.extend_from_slice(env);
        let room = Viewer::spawn("panicking room", &["open", plan], 100, 30, &all);
        let status = room.wait_exit(Duration::from_secs(20));
        room.wait_reader_closed(Duration::from_secs(10));
        let out = room.output();
        let left = out
            .windows(8)
            .rposition(|w| w == b"\x1b[?1049l")
            .expect("the alternate screen was left");
        (status.exit_code(), out[left..].to_vec())
    };
    let (code, report) = run(&[("NO_COLOR", "1")]);
    assert_eq!(code, 3, "{}", String::from_utf8_lossy(&report));
    let text = String::from_utf8_lossy(&report);
    assert!(text.contains("WARROOM_TEST_PANIC_IN_DRAW"), "{text}");
    assert!(
        !has_sgr(&report),
        "NO_COLOR: no colour in the report: {text:?}"
    );
    // The same terminal without NO_COLOR does get colour (so the check above can fail).
    let (code, report) = run(&[]);
    assert_eq!(code, 3);
    assert!(has_sgr(&report), "{:?}", String::from_utf8_lossy(&report));
}
