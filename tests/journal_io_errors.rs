//! The disk says no: a write the operating system refuses is never acknowledged, and the
//! journal is left as it was. The refusal is real — the child runs under `ulimit -f` with
//! SIGXFSZ ignored, so its write past the limit fails with EFBIG, as a full disk fails with
//! ENOSPC.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::fs;

/// `warroom ARGS…` with a file-size limit of `kib` KiB and SIGXFSZ ignored.
fn warroom_limited(kib: u32, args: &[&str]) -> std::process::Output {
    let (k, v) = common::state::env();
    std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("trap '' XFSZ; ulimit -f {kib}; exec \"$0\" \"$@\""))
        .arg(env!("CARGO_BIN_EXE_warroom"))
        .args(args)
        .env(k, v)
        .output()
        .unwrap()
}

#[test]
fn a_write_the_disk_refuses_is_never_acknowledged_and_changes_nothing() {
    let (_dir, plan) = common::fixture::small_launch();
    let plan_s = plan.to_str().unwrap();
    let journal = plan.with_file_name("launch.journal.jsonl");
    for i in 0..8 {
        let out = common::state::warroom()
            .args(["note", plan_s, &format!("note {i} {}", "x".repeat(100))])
            .output()
            .unwrap();
        common::state::assert_ok(&out);
    }
    let before = fs::read(&journal).unwrap();

    // The limit falls inside the new line: part of it is written before the refusal, and
    // must be taken back.
    let kib = before.len() as u32 / 1024 + 1;
    let long = "refused by the disk ".repeat(60);
    let out = warroom_limited(kib, &["note", plan_s, &long]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(
        out.stdout.is_empty(),
        "acknowledged: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(stderr.contains("cannot write"), "{stderr}");
    let after = fs::read(&journal).unwrap();
    assert!(
        after == before,
        "the journal is not as it was: {} bytes, was {}",
        after.len(),
        before.len()
    );

    // And the next writer, with room to write, goes on from there.
    let out = common::state::warroom()
        .args(["note", plan_s, "after"])
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    let out = common::state::warroom()
        .args(["verify", plan_s])
        .output()
        .unwrap();
    common::state::assert_ok(&out);
}
