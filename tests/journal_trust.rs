//! A journal on unsafe ground, with real files: a journal or directory that users outside the
//! trust set {you, root, members of the file's group when it is one of yours} could write is
//! refused for writing with the reason — by the journal, by an operator's session and through
//! the CLI (exit 1) — while a follower still opens it, with a warning. As root (CI) the tests
//! chown to uid/gid 65534; run as another user they judge the same real files' `fstat` data
//! for a user or group that is not the caller's, so they never pass without asserting.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::fs;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

use chrono::Utc;
use warroom::journal::event::EventKind;
use warroom::journal::trust::{self, Hazard, Me, Sharing};
use warroom::journal::{Draft, Journal, JournalError};
use warroom::session::{OpenOptions, SessionError};

/// uid and gid that are nobody's on a Debian system (`nobody`, `nogroup`).
const NOBODY: u32 = 65534;

struct Room {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    plan: PathBuf,
    journal: PathBuf,
}

/// A plan and a journal with one event, in a directory of their own (0755) inside a private
/// temporary directory.
fn room() -> Room {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("room");
    fs::create_dir(&dir).unwrap();
    chmod(&dir, 0o755);
    let plan = dir.join("launch.toml");
    fs::write(
        &plan,
        "title = \"Trust\"\n[[phase]]\nid = \"deploy\"\ntitle = \"Deploy\"\n  [[phase.task]]\n  text = \"Ship\"\n",
    )
    .unwrap();
    let journal = dir.join("launch.journal.jsonl");
    append(&journal).unwrap();
    Room {
        _tmp: tmp,
        dir,
        plan,
        journal,
    }
}

fn chmod(p: &Path, mode: u32) {
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap();
}

fn append(journal: &Path) -> Result<(), JournalError> {
    let draft = Draft::new(EventKind::Note { text: "hi".into() }, Utc::now());
    Journal::open(journal)?.append(draft, None).map(|_| ())
}

fn root() -> bool {
    nix::unistd::geteuid().is_root()
}

/// The refusal's words, and that nothing was written.
fn refused(journal: &Path) -> String {
    let before = fs::read(journal).unwrap();
    let err = append(journal).unwrap_err();
    assert_eq!(fs::read(journal).unwrap(), before, "nothing written");
    match err {
        JournalError::Unsafe { reason, .. } => reason,
        other => panic!("expected a refusal, got {other}"),
    }
}

#[test]
fn a_world_writable_journal_is_refused_with_the_reason() {
    let r = room();
    chmod(&r.journal, 0o666);
    let why = refused(&r.journal);
    let p = r.journal.display().to_string();
    assert!(why.contains(&p), "{why}");
    assert!(why.contains("every user"), "{why}");
    assert!(why.contains("mode 0666"), "{why}");
    assert!(why.contains(&format!("chmod o-w {p}")), "{why}");
    assert!(why.contains("--journal"), "{why}");

    chmod(&r.journal, 0o644);
    append(&r.journal).unwrap();
}

#[test]
fn a_world_writable_directory_is_refused_sticky_or_not() {
    let r = room();
    chmod(&r.dir, 0o777);
    let why = refused(&r.journal);
    assert!(
        why.contains(&format!("{}, the journal's directory,", r.dir.display())),
        "{why}"
    );
    assert!(
        why.contains(&format!("chmod o-w {}", r.dir.display())),
        "{why}"
    );

    // Like /tmp: others cannot remove your file, but could have made it. Refused too.
    chmod(&r.dir, 0o1777);
    let why = refused(&r.journal);
    assert!(why.contains("mode 1777, sticky like /tmp"), "{why}");
    assert!(why.contains("--journal DIR/NAME.journal.jsonl"), "{why}");

    chmod(&r.dir, 0o755);
    append(&r.journal).unwrap();
}

#[test]
fn group_writable_by_a_group_you_are_not_in_is_refused() {
    let r = room();
    chmod(&r.journal, 0o664);
    if root() {
        assert!(
            !Me::current().groups.contains(&NOBODY),
            "root is in nogroup?"
        );
        std::os::unix::fs::chown(&r.journal, None, Some(NOBODY)).unwrap();
        let why = refused(&r.journal);
        assert!(why.contains("can be written by group"), "{why}");
        assert!(why.contains(&format!("gid {NOBODY}")), "{why}");
        assert!(why.contains("which you are not in (mode 0664)"), "{why}");
        assert!(why.contains("chmod g-w"), "{why}");
        // The same group without its write bit is no hazard.
        chmod(&r.journal, 0o644);
        append(&r.journal).unwrap();
    } else {
        // Not root: the file's real group is one of ours; judge its real fstat data for a
        // user outside that group.
        let meta = fs::File::open(&r.journal).unwrap().metadata().unwrap();
        let me = Me::current();
        let outsider = Me {
            uid: me.uid,
            groups: me
                .groups
                .iter()
                .copied()
                .filter(|&g| g != meta.gid())
                .collect(),
        };
        assert_eq!(
            trust::judge(&meta, &outsider, Sharing::Group),
            Some(Hazard::GroupWritable {
                mode: 0o664,
                gid: meta.gid()
            })
        );
    }
}

#[test]
fn owned_by_another_user_is_refused_unless_shared_through_your_group() {
    let r = room();
    if root() {
        // Someone else's journal that only they can write: they could rewrite it.
        std::os::unix::fs::chown(&r.journal, Some(NOBODY), None).unwrap();
        chmod(&r.journal, 0o644);
        let why = refused(&r.journal);
        assert!(why.contains(&format!("uid {NOBODY}")), "{why}");
        assert!(why.contains("not by you"), "{why}");
        assert!(
            why.contains(&format!("chown 0 {}", r.journal.display())),
            "{why}"
        );

        // A deliberately shared room: another user's file and directory, group-writable by
        // a group you are in (root's own group 0 here).
        std::os::unix::fs::chown(&r.journal, Some(NOBODY), Some(0)).unwrap();
        chmod(&r.journal, 0o660);
        std::os::unix::fs::chown(&r.dir, Some(NOBODY), Some(0)).unwrap();
        chmod(&r.dir, 0o2770);
        append(&r.journal).unwrap();

        // The directory owned by someone else without the shared group's write bit: refused.
        chmod(&r.dir, 0o755);
        let why = refused(&r.journal);
        assert!(why.contains("the journal's directory"), "{why}");
        assert!(why.contains(&format!("uid {NOBODY}")), "{why}");
    } else {
        // Not root: judge the real file for a user who does not own it, then as shared
        // through the caller's group.
        let meta = fs::File::open(&r.journal).unwrap().metadata().unwrap();
        let me = Me::current();
        let other = Me {
            uid: meta.uid() + 1,
            groups: me.groups.clone(),
        };
        assert!(matches!(
            trust::judge(&meta, &other, Sharing::Group),
            Some(Hazard::Owner { .. })
        ));
        chmod(&r.journal, 0o660);
        let meta = fs::File::open(&r.journal).unwrap().metadata().unwrap();
        assert_eq!(trust::judge(&meta, &other, Sharing::Group), None);
        append(&r.journal).unwrap();
    }
}

#[test]
fn a_journal_created_under_umask_0_is_not_world_writable() {
    created_under_umask("000");
}

/// A hardened host's umask must not close a new journal to the rest of the room's group.
#[test]
fn a_journal_created_under_umask_027_is_still_writable_by_the_group() {
    created_under_umask("027");
}

fn created_under_umask(umask: &str) {
    let r = room();
    fs::remove_file(&r.journal).unwrap();
    // umask is per process: the CLI in a shell that set it.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask {umask} && \"$0\" note \"$1\" first && \"$0\" note \"$1\" second"
        ))
        .arg(env!("CARGO_BIN_EXE_warroom"))
        .arg(&r.plan)
        .env(common::state::env().0, common::state::env().1)
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    let mode = fs::metadata(&r.journal).unwrap().mode() & 0o777;
    assert_eq!(mode, 0o664, "mode {mode:o}");
}

#[test]
fn an_operator_is_refused_and_a_follower_opens_with_a_warning() {
    let r = room();
    chmod(&r.journal, 0o666);
    let opts = OpenOptions::default();
    let err = common::state::open(&r.plan, &opts, Utc::now())
        .err()
        .expect("refused");
    assert!(matches!(err, SessionError::Unsafe(_)), "{err}");
    let msg = err.to_string();
    assert!(msg.contains("every user"), "{msg}");
    assert!(msg.contains("--follow"), "{msg}");

    let follower = OpenOptions {
        follower: true,
        ..OpenOptions::default()
    };
    let s = common::state::open(&r.plan, &follower, Utc::now()).unwrap();
    assert_eq!(s.state.events, 1);
    assert_eq!(s.journal_warnings.len(), 1, "{:?}", s.journal_warnings);
    assert!(s.journal_warnings[0].contains("mode 0666"));
    assert!(s.journal_warnings[0].contains("this viewer only reads it"));

    // A journal on a local disk has nothing to warn about.
    chmod(&r.journal, 0o644);
    let s = common::state::open(&r.plan, &opts, Utc::now()).unwrap();
    assert!(s.journal_warnings.is_empty(), "{:?}", s.journal_warnings);
    let safety = Journal::open(&r.journal).unwrap().safety().unwrap();
    assert_eq!(safety, warroom::journal::Safety::default());
}

#[test]
fn the_cli_refuses_writing_verbs_with_exit_1_and_warns_readers() {
    let r = room();
    chmod(&r.journal, 0o666);
    let plan = r.plan.to_str().unwrap();
    let before = fs::read(&r.journal).unwrap();

    let out = common::state::warroom()
        .args(["note", plan, "hello"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&r.journal.display().to_string()),
        "{stderr}"
    );
    assert!(stderr.contains("can be written by every user"), "{stderr}");
    assert!(stderr.contains("chmod o-w"), "{stderr}");
    assert_eq!(fs::read(&r.journal).unwrap(), before, "nothing written");

    // An operator's room does not open either (refused before the screen is taken).
    let out = common::state::warroom()
        .args(["open", plan])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--follow"));

    // Reading verbs go on, and say it.
    let out = common::state::warroom()
        .args(["status", plan])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: "), "{stderr}");
    assert!(stderr.contains("mode 0666"), "{stderr}");

    let out = common::state::warroom()
        .args(["verify", plan])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("warning: "), "{stderr}");
}

/// A file of "yours" whose last line is unterminated, as the victim of a redirected journal.
fn your_file(dir: &Path) -> (PathBuf, Vec<u8>) {
    let yours = dir.join("yours.txt");
    let bytes = b"line one\nan unterminated last line".to_vec();
    fs::write(&yours, &bytes).unwrap();
    (yours, bytes)
}

#[test]
fn a_journal_that_is_a_symlink_is_refused_and_its_target_untouched() {
    let r = room();
    let outside = r.dir.parent().unwrap();
    let (yours, bytes) = your_file(outside);
    fs::remove_file(&r.journal).unwrap();
    std::os::unix::fs::symlink(&yours, &r.journal).unwrap();
    let plan = r.plan.to_str().unwrap();
    for args in [
        vec!["note", plan, "hello"],
        vec!["status", plan],
        vec!["verify", plan],
    ] {
        let out = common::state::warroom().args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("is a symbolic link"), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&yours.display().to_string()),
            "names the target: {stderr}"
        );
        assert!(
            stderr.contains("--journal PATH"),
            "says what to do: {stderr}"
        );
        assert_eq!(
            fs::read(&yours).unwrap(),
            bytes,
            "{args:?}: target untouched"
        );
    }
    // The same through --journal, and for a link that dangles.
    let link = r.dir.join("other.journal.jsonl");
    std::os::unix::fs::symlink(&yours, &link).unwrap();
    let dangling = r.dir.join("dangling.journal.jsonl");
    std::os::unix::fs::symlink(r.dir.join("nowhere"), &dangling).unwrap();
    for j in [&link, &dangling] {
        let out = common::state::warroom()
            .args(["note", plan, "hello", "--journal"])
            .arg(j)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("is a symbolic link"), "{stderr}");
    }
    assert_eq!(fs::read(&yours).unwrap(), bytes);
    assert!(
        !r.dir.join("nowhere").exists(),
        "nothing created through the link"
    );
    // And in the library, for every reader and writer.
    let j = Journal::open(&r.journal);
    assert!(matches!(j, Err(JournalError::Unsafe { .. })), "{j:?}");
}

#[test]
fn a_journal_with_another_hard_link_is_refused_for_writing() {
    let r = room();
    let (yours, bytes) = your_file(&r.dir);
    fs::remove_file(&r.journal).unwrap();
    fs::hard_link(&yours, &r.journal).unwrap();
    let reason = refused(&r.journal);
    assert!(reason.contains("2 hard links"), "{reason}");
    assert!(reason.contains("cp "), "says what to do: {reason}");
    let out = common::state::warroom()
        .args(["note", r.plan.to_str().unwrap(), "hello"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("hard links"), "{stderr}");
    assert_eq!(fs::read(&yours).unwrap(), bytes, "target untouched");
}

#[test]
fn a_journal_that_is_a_fifo_or_a_directory_is_refused_at_once_with_exit_1() {
    let r = room();
    let fifo = r.dir.join("pipe.journal.jsonl");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::from_bits_truncate(0o644)).unwrap();
    let plan = r.plan.to_str().unwrap();
    for (journal, what) in [(&fifo, "a FIFO"), (&r.dir, "a directory")] {
        for verb in ["status", "verify", "note"] {
            let mut cmd = common::state::warroom();
            cmd.args([verb, plan]);
            if verb == "note" {
                cmd.arg("hi");
            }
            let started = std::time::Instant::now();
            let out = cmd.arg("--journal").arg(journal).output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(started.elapsed() < std::time::Duration::from_secs(10));
            assert_eq!(out.status.code(), Some(1), "{verb} {what}: {stderr}");
            assert!(stderr.contains(what), "{verb}: {stderr}");
            assert!(stderr.contains("regular file"), "{verb}: {stderr}");
        }
    }
}

#[test]
fn a_lock_held_by_someone_else_fails_within_seconds_naming_the_holder() {
    let r = room();
    // Anyone who can read the journal can take its lock (flock works read-only).
    // -o: only flock itself holds the lock (not the sleep it starts), so killing it frees it.
    let mut holder = std::process::Command::new("flock")
        .args(["-x", "-o"])
        .arg(&r.journal)
        .args(["sleep", "120"])
        .spawn()
        .expect("flock(1) from util-linux");
    let held = || {
        fs::read_to_string("/proc/locks")
            .unwrap()
            .lines()
            .any(|l| l.contains(&format!(" {} ", holder.id())))
    };
    let t = std::time::Instant::now();
    while !held() {
        assert!(
            t.elapsed() < std::time::Duration::from_secs(10),
            "flock never locked"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let plan = r.plan.to_str().unwrap();
    let before = fs::read(&r.journal).unwrap();
    for args in [vec!["note", plan, "hello"], vec!["status", plan]] {
        let mut child = common::state::warroom()
            .args(&args)
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        while child.try_wait().unwrap().is_none() {
            if started.elapsed() > std::time::Duration::from_secs(20) {
                child.kill().unwrap();
                let _ = holder.kill();
                panic!("{args:?} still waits for the lock after 20 s");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(3), "{args:?}: {stderr}");
        assert!(stderr.contains("lock has been held for 5 s"), "{stderr}");
        assert!(
            stderr.contains(&format!("pid {} (flock)", holder.id())),
            "names the holder: {stderr}"
        );
        assert!(stderr.contains("of user "), "{stderr}");
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    assert_eq!(fs::read(&r.journal).unwrap(), before, "nothing written");
    // Free again: it works.
    append(&r.journal).unwrap();
}

#[test]
fn a_report_beside_the_plan_replaces_a_link_there_and_never_writes_through_it() {
    let r = room();
    let outside = r.dir.parent().unwrap();
    let (yours, bytes) = your_file(outside);
    // The room's `r` key writes <plan-stem>.report.md beside the plan; a teammate put a link there.
    let default = r.dir.join("launch.report.md");
    std::os::unix::fs::symlink(&yours, &default).unwrap();
    let follower = OpenOptions {
        follower: true,
        ..OpenOptions::default()
    };
    let s = common::state::open(&r.plan, &follower, Utc::now()).unwrap();
    let report = s.report(Utc::now()).unwrap();
    let written = s
        .write_report(&report, warroom::report::Format::Md, None)
        .unwrap();
    assert_eq!(written, default);
    assert_eq!(
        fs::read(&yours).unwrap(),
        bytes,
        "the link's target untouched"
    );
    let meta = fs::symlink_metadata(&default).unwrap();
    assert!(meta.is_file(), "the link was replaced by the report");
    assert!(fs::read_to_string(&default).unwrap().contains("Trust"));

    // The same for `report -o LINK`.
    let link = r.dir.join("other.html");
    std::os::unix::fs::symlink(&yours, &link).unwrap();
    let out = common::state::warroom()
        .args(["report", r.plan.to_str().unwrap(), "--format", "html", "-o"])
        .arg(&link)
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    assert_eq!(
        fs::read(&yours).unwrap(),
        bytes,
        "the link's target untouched"
    );
    assert!(fs::symlink_metadata(&link).unwrap().is_file());
}
