//! The journal on a real PostgreSQL: each test starts a private server ([`common::postgres`])
//! and drives warroom through its library and its binary, as users on different hosts would.
//!
//! Writer processes are this test binary run again on the `child_writer` test with
//! `WARROOM_PG_CHILD_URL` set; without it, that test returns at once.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::journal::note_draft;
use common::postgres::{Pg, SUPERUSER};
use warroom::journal::chain::{GENESIS_PREV, line_hash};
use warroom::journal::{Journal, JournalError, Verification, follow};

const CHILD_URL: &str = "WARROOM_PG_CHILD_URL";
const CHILD_COUNT: &str = "WARROOM_PG_CHILD_COUNT";
const CHILD_TAG: &str = "WARROOM_PG_CHILD_TAG";

fn warroom() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_warroom"));
    c.env_remove("WARROOM_JOURNAL");
    c
}

/// Runs `warroom ARGS`; (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = warroom().args(args).output().expect("run warroom");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A server with the schema created through the CLI.
fn server() -> Pg {
    let pg = Pg::start();
    let (code, out, err) = run(&["journal", "init", &pg.url(SUPERUSER, "any")]);
    assert_eq!(code, 0, "init: {out}{err}");
    pg
}

/// Every row of `room`: (seq, event id, line, hash, prev), in seq order.
fn rows(pg: &Pg, room: &str) -> Vec<(i64, String, String, String, String)> {
    pg.client(SUPERUSER)
        .query(
            "SELECT seq, event_id, line, hash, prev FROM warroom_events WHERE room = $1 \
             ORDER BY seq",
            &[&room],
        )
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect()
}

/// Seqs are 1..=n, every line chains onto the one before, and hash columns are the lines'.
fn assert_chain(pg: &Pg, room: &str) -> usize {
    let rows = rows(pg, room);
    let mut prev = GENESIS_PREV.to_string();
    for (i, (seq, _, line, hash, prev_col)) in rows.iter().enumerate() {
        assert_eq!(*seq, i as i64 + 1, "seq gapless");
        let ev: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(ev["seq"], *seq, "the line's seq is the row's");
        assert_eq!(ev["prev"], prev.as_str(), "line {seq} chains");
        assert_eq!(*prev_col, prev);
        assert_eq!(*hash, line_hash(line.as_bytes()));
        prev.clone_from(hash);
    }
    rows.len()
}

/// Runs in a child process: appends as told, printing `ACK <seq> <text>` (flushed) once each
/// append has returned, i.e. once the event is acknowledged.
#[test]
fn child_writer() {
    let Ok(url) = std::env::var(CHILD_URL) else {
        return;
    };
    let count: u64 = std::env::var(CHILD_COUNT).unwrap().parse().unwrap();
    let tag = std::env::var(CHILD_TAG).unwrap_or_default();
    let journal = Journal::open(Path::new(&url)).expect("open");
    let mut out = std::io::stdout().lock();
    writeln!(out, "\nREADY").unwrap();
    out.flush().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    for i in 0..count {
        assert!(Instant::now() < deadline, "child ran for a minute");
        let text = format!("{tag}-{i}");
        let ev = journal
            .append(note_draft(text.clone()), None)
            .expect("append");
        writeln!(out, "ACK {} {text}", ev.seq).unwrap();
        out.flush().unwrap();
    }
}

fn spawn_writer(url: &str, count: u64, tag: &str) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_URL, url)
        .env(CHILD_COUNT, count.to_string())
        .env(CHILD_TAG, tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Reads a writer's `ACK` lines on a thread: (seq, text) pairs as they arrive.
fn acks(child: &mut Child) -> mpsc::Receiver<(u64, String)> {
    let out = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix("ACK ") {
                let (seq, text) = rest.split_once(' ').unwrap();
                if tx.send((seq.parse().unwrap(), text.to_string())).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

#[test]
fn init_is_idempotent_versioned_and_bad_locations_are_explained() {
    let pg = Pg::start();
    let url = pg.url(SUPERUSER, "r");
    // Before init, a verb says what to run.
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let (code, _, err) = run(&["note", plan, "hello", "--journal", &url]);
    assert_ne!(code, 0);
    assert!(err.contains("warroom journal init"), "{err}");

    let (code, out, _) = run(&["journal", "init", &url]);
    assert_eq!(code, 0);
    assert!(
        out.contains("created the warroom schema, version 3"),
        "{out}"
    );
    let (code, out, _) = run(&["journal", "init", &url]);
    assert_eq!(code, 0);
    assert!(
        out.contains("already at version 3; nothing changed"),
        "{out}"
    );
    let mut c = pg.client(SUPERUSER);
    let n: i64 = c
        .query_one("SELECT count(*) FROM warroom_schema", &[])
        .unwrap()
        .get(0);
    assert_eq!(n, 1, "one version row after two inits");

    // Now it works.
    let (code, _, err) = run(&["note", plan, "hello", "--journal", &url]);
    assert_eq!(code, 0, "{err}");

    // A database of a newer schema is refused with what to do.
    c.batch_execute("UPDATE warroom_schema SET version = 99")
        .unwrap();
    let (code, _, err) = run(&["note", plan, "again", "--journal", &url]);
    assert_ne!(code, 0);
    assert!(
        err.contains("version 99") && err.contains("upgrade warroom"),
        "{err}"
    );
    let (code, _, err) = run(&["journal", "init", &url]);
    assert_eq!(code, 1);
    assert!(err.contains("version 99"), "{err}");

    // Bad URLs: named, with what to write; never a panic.
    let no_room = url.replace("&room=r", "");
    let (code, _, err) = run(&["note", plan, "x", "--journal", &no_room]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("?room=NAME"), "{err}");
    let with_pw = format!(
        "postgres://{SUPERUSER}:s3cret@/postgres?host={}&port={}&room=r",
        pg.socket_dir().display(),
        pg.port
    );
    let (code, out, err) = run(&["note", plan, "x", "--journal", &with_pw]);
    assert_eq!(code, 1);
    assert!(err.contains("PGPASSWORD") && !err.contains("s3cret") && !out.contains("s3cret"));
    // An unreachable server: an error naming the room, within the connect timeout.
    let gone = format!(
        "postgres://{SUPERUSER}@/postgres?host=/nonexistent&port={}&room=r",
        pg.port
    );
    let t = Instant::now();
    let (code, _, err) = run(&["note", plan, "x", "--journal", &gone]);
    assert_ne!(code, 0);
    assert!(
        err.contains("cannot connect") && err.contains("room=r"),
        "{err}"
    );
    assert!(t.elapsed() < Duration::from_secs(20));
}

#[test]
fn password_comes_from_the_environment_and_is_never_shown() {
    let pg = server();
    let mut c = pg.client(SUPERUSER);
    // Trust authentication accepts any password; what matters is where it is read from and
    // that it is not printed. `${VAR}` expansion is the URL's way to name it.
    c.batch_execute(
        "CREATE ROLE op LOGIN PASSWORD 'pw'; GRANT SELECT ON warroom_schema TO op; \
         GRANT SELECT, INSERT ON warroom_events TO op",
    )
    .unwrap();
    let (_dir, plan) = common::fixture::small_launch();
    let url = format!(
        "postgres://op:${{WR_TEST_PW}}@/postgres?host={}&port={}&room=pw",
        pg.socket_dir().display(),
        pg.port
    );
    let out = warroom()
        .args(["note", plan.to_str().unwrap(), "hi", "--journal", &url])
        .env("WR_TEST_PW", "hunter2-secret")
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{all}");
    assert!(!all.contains("hunter2-secret"), "{all}");
    let out = warroom()
        .args(["status", plan.to_str().unwrap(), "--json"])
        .env("WARROOM_JOURNAL", &url)
        .env("WR_TEST_PW", "hunter2-secret")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(!text.contains("hunter2-secret"), "{text}");
    assert!(
        text.contains("${WR_TEST_PW}"),
        "the journal is named as given: {text}"
    );
    for (_, _, line, _, _) in rows(&pg, "pw") {
        assert!(!line.contains("hunter2"), "{line}");
    }
}

#[test]
fn two_rooms_converge_and_a_verb_from_a_third_is_seen() {
    let pg = server();
    let url = pg.url(SUPERUSER, "crm-launch");
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap().to_string();
    // Two processes write at once, as two hosts would; a third ticks a task.
    let spawn = |tag: &str| {
        let script =
            format!("for i in 1 2 3 4 5 6; do \"$0\" note \"$1\" \"{tag} $i\" || exit 1; done");
        Command::new("sh")
            .args(["-c", &script, env!("CARGO_BIN_EXE_warroom"), &plan])
            .env("WARROOM_JOURNAL", &url)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let a = spawn("alpha");
    let b = spawn("beta");
    let (code, _, err) = run(&["check", &plan, "migrations", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    for c in [a, b] {
        let out = c.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = warroom()
        .args(["status", &plan, "--json"])
        .env("WARROOM_JOURNAL", &url)
        .output()
        .unwrap();
    assert!(out.status.success());
    let s: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(s["tasks"]["done"], 1, "{s}");
    let notes: Vec<String> = rows(&pg, "crm-launch")
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.2).unwrap())
        .filter(|e| e["type"] == "note")
        .map(|e| e["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(notes.len(), 12, "{notes:?}");
    assert_chain(&pg, "crm-launch");
    let (code, out, err) = run(&["verify", &plan, "--journal", &url]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("chain consistent"), "{out}");
}

#[test]
fn eight_writers_get_gapless_seqs_and_lose_nothing_acknowledged() {
    let pg = server();
    let url = pg.url(SUPERUSER, "load");
    let per = 500;
    let mut children: Vec<Child> = (0..8)
        .map(|w| spawn_writer(&url, per, &format!("w{w}")))
        .collect();
    let receivers: Vec<_> = children.iter_mut().map(acks).collect();
    for c in &mut children {
        assert!(c.wait().unwrap().success(), "a writer failed");
    }
    let acked: Vec<(u64, String)> = receivers.iter().flat_map(|r| r.iter()).collect();
    assert_eq!(acked.len(), 8 * per as usize);
    let n = assert_chain(&pg, "load");
    assert_eq!(n, 8 * per as usize, "no duplicates, nothing lost");
    let rows = rows(&pg, "load");
    for (seq, text) in &acked {
        let line = &rows[*seq as usize - 1].2;
        let ev: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            ev["text"],
            text.as_str(),
            "acknowledged seq {seq} holds its event"
        );
    }
    let texts: BTreeSet<&str> = acked.iter().map(|(_, t)| t.as_str()).collect();
    assert_eq!(texts.len(), acked.len(), "every event once");
    // warroom's own verification agrees.
    let j = Journal::open(Path::new(&url)).unwrap();
    match j.verify().unwrap() {
        Verification::Ok { events, head, .. } => {
            assert_eq!(events, 8 * per);
            assert_eq!(head.as_deref(), Some(rows.last().unwrap().3.as_str()));
        }
        Verification::Broken(p) => panic!("{p}"),
    }
}

#[test]
fn writers_killed_mid_append_lose_nothing_they_acknowledged() {
    let pg = server();
    let url = pg.url(SUPERUSER, "kill");
    // Eight writers at once; three are killed (SIGKILL) in their append loop after 60, 120 and
    // 180 acknowledgements — almost always with an append in flight — while five finish 300.
    let kill_after = [60usize, 120, 180];
    let survivors = 5;
    let per = 300;
    let mut victims: Vec<Child> = kill_after
        .iter()
        .enumerate()
        .map(|(i, _)| spawn_writer(&url, 100_000, &format!("victim{i}")))
        .collect();
    let mut others: Vec<Child> = (0..survivors)
        .map(|i| spawn_writer(&url, per, &format!("other{i}")))
        .collect();
    let victim_acks: Vec<_> = victims.iter_mut().map(acks).collect();
    let other_acks: Vec<_> = others.iter_mut().map(acks).collect();
    let mut acked: Vec<(u64, String)> = Vec::new();
    for ((victim, rx), after) in victims.iter_mut().zip(&victim_acks).zip(kill_after) {
        let deadline = Instant::now() + Duration::from_secs(40);
        let mut got = 0;
        while got < after {
            assert!(
                Instant::now() < deadline,
                "a victim acknowledged too little"
            );
            if let Ok(a) = rx.recv_timeout(Duration::from_secs(1)) {
                acked.push(a);
                got += 1;
            }
        }
        kill(victim);
        let _ = victim.wait();
    }
    // What a victim printed before it died was acknowledged too.
    for rx in &victim_acks {
        acked.extend(rx.iter());
    }
    for c in &mut others {
        assert!(c.wait().unwrap().success(), "a surviving writer failed");
    }
    for rx in &other_acks {
        let got: Vec<_> = rx.iter().collect();
        assert_eq!(got.len(), per as usize);
        acked.extend(got);
    }
    let n = assert_chain(&pg, "kill");
    let rows = rows(&pg, "kill");
    for (seq, text) in &acked {
        let ev: serde_json::Value = serde_json::from_str(&rows[*seq as usize - 1].2).unwrap();
        assert_eq!(ev["text"], text.as_str(), "acknowledged seq {seq} is there");
    }
    // Beyond what was acknowledged, at most the one append each victim had in flight
    // committed: nothing else, and nothing twice.
    let texts: BTreeSet<String> = rows
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.2).unwrap()["text"].to_string())
        .collect();
    assert_eq!(texts.len(), n, "no event twice");
    assert!(
        n >= acked.len() && n <= acked.len() + kill_after.len(),
        "{n} rows, {} acked",
        acked.len()
    );
    // The next append carries on from the head the killed writers left.
    let j = Journal::open(Path::new(&url)).unwrap();
    let ev = j
        .append(note_draft("after".into()), Some(rows.len() as u64))
        .unwrap();
    assert_eq!(ev.seq, rows.len() as u64 + 1);
    assert_eq!(ev.prev, rows.last().unwrap().3);
}

fn kill(child: &Child) {
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
}

#[test]
fn the_database_refuses_update_and_delete_of_events() {
    let pg = server();
    let url = pg.url(SUPERUSER, "ro");
    let j = Journal::open(Path::new(&url)).unwrap();
    j.append(note_draft("one".into()), None).unwrap();
    j.append(note_draft("two".into()), None).unwrap();
    // Even the owner, superuser, is refused by the trigger.
    let mut c = pg.client(SUPERUSER);
    for sql in [
        "UPDATE warroom_events SET line = 'x' WHERE seq = 1",
        "DELETE FROM warroom_events WHERE seq = 2",
        "TRUNCATE warroom_events",
    ] {
        let e = c.batch_execute(sql).unwrap_err();
        let msg = e.as_db_error().unwrap().message().to_string();
        assert!(msg.contains("append-only"), "{sql}: {msg}");
    }
    assert_eq!(assert_chain(&pg, "ro"), 2);
}

#[test]
fn a_read_only_role_follows_but_cannot_append() {
    let pg = server();
    pg.client(SUPERUSER)
        .batch_execute(
            "CREATE ROLE reader LOGIN; GRANT SELECT ON warroom_schema, warroom_events TO reader",
        )
        .unwrap();
    let writer = Journal::open(Path::new(&pg.url(SUPERUSER, "room"))).unwrap();
    writer.append(note_draft("first".into()), None).unwrap();
    let reader_url = pg.url("reader", "room");
    let reader = Journal::open(Path::new(&reader_url)).unwrap();
    let replay = reader.replay().unwrap();
    assert_eq!(replay.events.len(), 1);
    let safety = reader.safety().unwrap();
    let why = safety.refusal.expect("a read-only role is reported");
    assert!(why.contains("`reader` may only read"), "{why}");
    match reader.append(note_draft("nope".into()), None) {
        Err(JournalError::Unsafe { reason, .. }) => {
            assert!(reason.contains("GRANT SELECT, INSERT"), "{reason}");
        }
        other => panic!("append by a read-only role: {other:?}"),
    }
    // It follows: woken by the writer's append, reads it.
    let (tx, rx) = mpsc::channel();
    let _w = follow::watch(Path::new(&reader_url), move || {
        let _ = tx.send(());
    })
    .unwrap();
    let _ = rx.recv_timeout(Duration::from_secs(5)); // the catch-up wake after LISTEN
    std::thread::sleep(Duration::from_millis(200));
    while rx.try_recv().is_ok() {}
    writer.append(note_draft("second".into()), None).unwrap();
    rx.recv_timeout(Duration::from_secs(3)).expect("woken");
    let mut cursor = replay.cursor;
    let new = reader.read_new(&mut cursor).unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].seq, 2);
    // The CLI: a verb is refused with the reason; status still works.
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let (code, _, err) = run(&["note", plan, "x", "--journal", &reader_url]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("may only read") && err.contains("--follow"),
        "{err}"
    );
    let (code, _, err) = run(&["status", plan, "--journal", &reader_url]);
    assert_eq!(code, 0, "{err}");
    // A room opened with that role follows, and a key press is refused with the role's
    // reason, not with advice about --follow the viewer never gave.
    let opts = warroom::session::OpenOptions {
        journal: Some(reader_url.clone().into()),
        follow_if_read_only: true,
        ..Default::default()
    };
    let room =
        warroom::session::Session::open_with(Path::new(plan), &opts, None, chrono::Utc::now())
            .unwrap();
    assert!(room.follower);
    let refusal = room.writable().unwrap_err().to_string();
    assert!(
        refusal.contains("may only read") && !refusal.contains("without --follow"),
        "{refusal}"
    );
    assert_eq!(assert_chain(&pg, "room"), 2);
}

#[test]
fn followers_are_woken_by_notify_and_survive_a_killed_connection() {
    let pg = server();
    let url = pg.url(SUPERUSER, "wake");
    let writer = Journal::open(Path::new(&url)).unwrap();
    let (tx, rx) = mpsc::channel();
    let w = follow::watch(Path::new(&url), move || {
        let _ = tx.send(Instant::now());
    })
    .unwrap();
    assert!(w.uses_listen());
    rx.recv_timeout(Duration::from_secs(5))
        .expect("catch-up wake");
    // Well inside the 5 s backstop: only NOTIFY can wake it this fast.
    for i in 0..3 {
        std::thread::sleep(Duration::from_millis(300));
        while rx.try_recv().is_ok() {}
        let sent = Instant::now();
        writer.append(note_draft(format!("n{i}")), None).unwrap();
        let woke = rx
            .recv_timeout(Duration::from_secs(2))
            .expect("woken by NOTIFY");
        assert!(woke.duration_since(sent) < Duration::from_millis(500));
    }
    // The listener's connection is killed: it reconnects, listens again and wakes.
    let killed: i64 = pg
        .client(SUPERUSER)
        .query_one(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE query ILIKE 'LISTEN%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(killed, 1);
    std::thread::sleep(Duration::from_millis(1500));
    while rx.try_recv().is_ok() {}
    writer.append(note_draft("after".into()), None).unwrap();
    rx.recv_timeout(Duration::from_secs(3))
        .expect("woken after reconnecting");
    // The writer's own connection killed too: its next append reconnects.
    pg.client(SUPERUSER)
        .batch_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE application_name = 'warroom' AND pid <> pg_backend_pid()",
        )
        .unwrap();
    let ev = writer.append(note_draft("again".into()), None).unwrap();
    assert_eq!(ev.seq, 5);
    assert_eq!(assert_chain(&pg, "wake"), 5);
}

#[test]
fn a_retry_with_the_same_event_id_returns_the_committed_event() {
    let pg = server();
    let url = pg.url(SUPERUSER, "retry");
    let j = Journal::open(Path::new(&url)).unwrap();
    let d = note_draft("vote".into());
    let first = j.append_with_id(d.clone(), Some(0), "client-id-1").unwrap();
    // The reply was "lost": the caller asks again with the same id (and the head it knew).
    let again = j.append_with_id(d.clone(), Some(0), "client-id-1").unwrap();
    assert_eq!(again, first);
    // From another process's connection too.
    let other = Journal::open(Path::new(&url)).unwrap();
    assert_eq!(other.append_with_id(d, None, "client-id-1").unwrap(), first);
    let rows = rows(&pg, "retry");
    assert_eq!(rows.len(), 1, "no duplicate");
    assert_eq!(rows[0].1, "client-id-1");
    // A new id is a new event; a stale head is refused.
    match j.append_with_id(note_draft("x".into()), Some(0), "client-id-2") {
        Err(JournalError::Conflict { head: 1 }) => {}
        other => panic!("stale head: {other:?}"),
    }
    assert_eq!(
        j.append_with_id(note_draft("x".into()), Some(1), "client-id-2")
            .unwrap()
            .seq,
        2
    );
}

#[test]
fn export_verify_import_round_trip_keeps_the_head_hash() {
    let pg = server();
    let url = pg.url(SUPERUSER, "src");
    let (dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    for args in [
        vec!["note", plan, "one"],
        vec!["check", plan, "migrations"],
        vec!["note", plan, "two"],
    ] {
        let mut a = args.clone();
        a.extend(["--journal", &url]);
        let (code, _, err) = run(&a);
        assert_eq!(code, 0, "{err}");
    }
    let head_of = |out: &str| {
        out.split("head ")
            .nth(1)
            .map(|h| h.trim().to_string())
            .unwrap()
    };
    let (code, db_verify, err) = run(&["verify", plan, "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    let db_head = head_of(db_verify.lines().next().unwrap());

    let file = dir.path().join("room.jsonl");
    let f = file.to_str().unwrap();
    let (code, out, err) = run(&["journal", "export", &url, "-o", f]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("exported 4 events"), "{out}");
    let (code, out, err) = run(&["verify", plan, "--journal", f]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(head_of(out.lines().next().unwrap()), db_head);
    // Exporting over an existing file is refused.
    let (code, _, err) = run(&["journal", "export", &url, "-o", f]);
    assert_eq!(code, 1);
    assert!(err.contains("must not exist"), "{err}");

    let copy = pg.url(SUPERUSER, "copy");
    let (code, out, err) = run(&["journal", "import", f, &copy]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("imported 4 events"), "{out}");
    let (code, out, err) = run(&["verify", plan, "--journal", &copy]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(head_of(out.lines().next().unwrap()), db_head);
    assert_eq!(
        rows(&pg, "copy")
            .into_iter()
            .map(|r| r.2)
            .collect::<Vec<_>>(),
        rows(&pg, "src")
            .into_iter()
            .map(|r| r.2)
            .collect::<Vec<_>>()
    );
    // The imported room carries on: a verb appends onto its head.
    let (code, _, err) = run(&["note", plan, "three", "--journal", &copy]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(assert_chain(&pg, "copy"), 5);
    // Only into an empty room.
    let (code, _, err) = run(&["journal", "import", f, &copy]);
    assert_eq!(code, 1);
    assert!(
        err.contains("already holds 5 events") && err.contains("empty room"),
        "{err}"
    );
    // A file whose chain is broken is refused.
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, text.replace("\"one\"", "\"uno\"")).unwrap();
    let (code, _, err) = run(&[
        "journal",
        "import",
        broken.to_str().unwrap(),
        &pg.url(SUPERUSER, "other"),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("chain is broken"), "{err}");
    assert!(rows(&pg, "other").is_empty());
}

#[test]
fn two_screens_on_one_database_room_see_each_other_and_a_verb() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "screens");
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let mut lead = Viewer::open(&["open", plan, "--journal", &url], 120, 40);
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    let mut follower = Viewer::open(&["open", plan, "--follow", "--journal", &url], 80, 24);
    follower.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    lead.send(" ");
    lead.wait_for("[x] Deploy the API", Duration::from_secs(5));
    follower.wait_for("[x] Deploy the API", Duration::from_secs(5));
    let (code, _, err) = run(&[
        "hold",
        plan,
        "--reason",
        "waiting for DNS",
        "--journal",
        &url,
    ]);
    assert_eq!(code, 0, "{err}");
    lead.wait_for("HOLD", Duration::from_secs(5));
    follower.wait_for("HOLD", Duration::from_secs(5));
    lead.quit();
    follower.quit();
    let kinds: Vec<String> = rows(&pg, "screens")
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.2).unwrap()["type"].to_string())
        .collect();
    assert!(kinds.contains(&"\"task_checked\"".to_string()), "{kinds:?}");
    assert!(kinds.contains(&"\"hold_called\"".to_string()), "{kinds:?}");
}

/// Runs `warroom ARGS` in `dir`; (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = warroom()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run warroom");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The room's stored plans: (hash, name, body).
fn plans(pg: &Pg, room: &str) -> Vec<(String, String, Vec<u8>)> {
    pg.client(SUPERUSER)
        .query(
            "SELECT hash, name, body FROM warroom_plans WHERE room = $1 ORDER BY stored_at",
            &[&room],
        )
        .unwrap()
        .into_iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect()
}

#[test]
fn the_plan_travels_with_the_room_to_a_host_without_it() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "travel");
    let (_lead_dir, plan) = common::fixture::small_launch();
    let lead_plan = plan.to_str().unwrap();
    // The lead's first verb stores the plan with the room, under the hash it journals.
    let (code, _, err) = run(&["note", lead_plan, "room open", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&plan).unwrap();
    let hash = line_hash(&bytes);
    assert_eq!(
        plans(&pg, "travel"),
        vec![(hash.clone(), "launch.md".to_string(), bytes)]
    );
    let short = &hash[..8];

    // Another host: an empty directory, only the room's URL.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(elsewhere.path(), &["status", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Small Launch"), "{out}");
    assert!(out.contains(&format!("plan {short} (the room's)")), "{out}");
    let (code, out, err) = run_in(elsewhere.path(), &["status", &url, "--json"]);
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["plan"]["hash"], hash.as_str());
    assert_eq!(s["plan"]["from_room"], true);
    assert_eq!(s["tasks"]["total"], 3, "{s}");
    // Verbs act on the room's plan from there, and the report is made from it.
    let (code, _, err) = run_in(elsewhere.path(), &["check", &url, "migrations"]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = run_in(elsewhere.path(), &["report", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Small Launch") && out.contains("Run migrations"),
        "{out}"
    );
    // Nothing was written into the plan-less directory, and no second plan_loaded.
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    let loaded = rows(&pg, "travel")
        .iter()
        .filter(|r| r.2.contains("\"plan_loaded\""))
        .count();
    assert_eq!(loaded, 1);

    // A follower's screen from there: the plan, the tick, and which version it runs.
    let mut follower = Viewer::spawn_in(
        Some(elsewhere.path()),
        "follower",
        &["open", &url, "--follow"],
        160,
        40,
        &[],
    );
    follower.wait_for("[x] Run migrations", Duration::from_secs(20));
    follower.wait_for(
        &format!("plan {short} (the room's)"),
        Duration::from_secs(5),
    );
    let (code, _, err) = run(&["check", lead_plan, "deploy-the-api", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    follower.wait_for("[x] Deploy the API", Duration::from_secs(5));
    follower.quit();
}

#[test]
fn a_different_local_plan_is_reported_and_the_rooms_version_wins() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "versions");
    let (_lead_dir, plan) = common::fixture::small_launch();
    let (code, _, err) = run(&["note", plan.to_str().unwrap(), "open", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    let room_hash = line_hash(&std::fs::read(&plan).unwrap());

    // Someone else's copy of the plan is another version: one task more.
    let (_dir, stale) = common::fixture::small_launch();
    let text = std::fs::read_to_string(&stale).unwrap().replace(
        "- [ ] Smoke tests green",
        "- [ ] Smoke tests green\n- [ ] Local only step",
    );
    std::fs::write(&stale, &text).unwrap();
    let local_hash = line_hash(text.as_bytes());
    let stale = stale.to_str().unwrap();
    let (code, out, err) = run(&["status", stale, "--journal", &url, "--json"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains(&format!(
            "is plan version {}, but the room runs version {}",
            &local_hash[..8],
            &room_hash[..8]
        )) && err.contains("following the room's version"),
        "{err}"
    );
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["plan"]["hash"], room_hash.as_str());
    assert_eq!(
        s["tasks"]["total"], 3,
        "the room's plan, not the local one: {s}"
    );

    // An operator with the other copy acts on the room's plan and does not replace it.
    let (code, _, err) = run(&["note", stale, "from the other copy", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(plans(&pg, "versions").len(), 1);
    assert!(
        !rows(&pg, "versions")
            .iter()
            .any(|r| r.2.contains(&local_hash)),
        "the local hash was journaled"
    );

    // On screen: the warning, the room's version, and not the local-only task.
    let mut screen = Viewer::open(&["open", stale, "--follow", "--journal", &url], 160, 40);
    screen.wait_for("following the room's version", Duration::from_secs(20));
    screen.wait_for(
        &format!("plan {} (the room's)", &room_hash[..8]),
        Duration::from_secs(5),
    );
    assert!(!screen.contents().contains("Local only step"));
    screen.quit();
}

#[test]
fn a_room_without_a_stored_plan_says_what_to_do_and_old_schemas_migrate() {
    let pg = server();
    let url = pg.url(SUPERUSER, "empty");
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, _, err) = run_in(elsewhere.path(), &["open", &url, "--follow"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("no plan is stored in this room yet")
            && err.contains("warroom open PLAN.md --journal URL"),
        "{err}"
    );
    // A room URL in place of the plan and another with --journal: which one is meant?
    let other = pg.url(SUPERUSER, "other");
    let (code, _, err) = run_in(elsewhere.path(), &["status", &url, "--journal", &other]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("give the room once"), "{err}");

    // A version 1 database (made before plans travelled), exactly as warroom 1 made it, is
    // refused until migrated.
    pg.client(SUPERUSER)
        .batch_execute(&format!(
            "DROP TABLE warroom_notify, warroom_plans, warroom_events, warroom_schema; \
             DROP FUNCTION warroom_append_only(); {VERSION_1_DDL}"
        ))
        .unwrap();
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let (code, _, err) = run(&["note", plan, "x", "--journal", &url]);
    assert_ne!(code, 0);
    assert!(
        err.contains("version 1") && err.contains("warroom journal init URL"),
        "{err}"
    );
    let (code, out, err) = run(&["journal", "init", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("migrated the warroom schema from version 1 to 3"),
        "{out}"
    );
    // One refusing function behind every table's triggers; the old ones are gone.
    let functions: Vec<String> = pg
        .client(SUPERUSER)
        .query(
            "SELECT DISTINCT p.proname::text FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid \
             WHERE NOT t.tgisinternal",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(functions, ["warroom_append_only"]);
    let old: i64 = pg
        .client(SUPERUSER)
        .query_one(
            "SELECT count(*) FROM pg_proc WHERE proname LIKE 'warroom_%_append_only'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(old, 0);
    let (code, _, err) = run(&["note", plan, "x", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(plans(&pg, "empty").len(), 1);
    // Stored plans are append-only too.
    let e = pg
        .client(SUPERUSER)
        .batch_execute("UPDATE warroom_plans SET name = 'x.md'")
        .unwrap_err();
    assert!(e.as_db_error().unwrap().message().contains("append-only"));
    for sql in [
        "DELETE FROM warroom_events",
        "TRUNCATE warroom_plans",
        "TRUNCATE warroom_notify",
    ] {
        let e = pg.client(SUPERUSER).batch_execute(sql).unwrap_err();
        assert!(
            e.as_db_error().unwrap().message().contains("append-only"),
            "{sql}: {e}"
        );
    }
}

/// The schema warroom's version 1 created (kept here as it was, to test the migration).
const VERSION_1_DDL: &str = r"
CREATE TABLE warroom_schema (version integer NOT NULL);
CREATE TABLE warroom_events (
    room text NOT NULL,
    seq bigint NOT NULL CHECK (seq > 0),
    event_id text NOT NULL UNIQUE,
    line text NOT NULL,
    hash text NOT NULL,
    prev text NOT NULL,
    db_role text NOT NULL DEFAULT current_user,
    committed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room, seq)
);
CREATE FUNCTION warroom_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'warroom_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER warroom_events_no_change BEFORE UPDATE OR DELETE ON warroom_events
    FOR EACH ROW EXECUTE FUNCTION warroom_events_append_only();
CREATE TRIGGER warroom_events_no_truncate BEFORE TRUNCATE ON warroom_events
    FOR EACH STATEMENT EXECUTE FUNCTION warroom_events_append_only();
INSERT INTO warroom_schema (version) VALUES (1);
";

#[test]
fn a_stopped_server_is_shown_offline_refuses_actions_and_is_caught_up_after() {
    use common::pty::Viewer;
    let mut pg = server();
    let url = pg.url(SUPERUSER, "faults");
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let mut lead = Viewer::open(&["open", plan, "--journal", &url], 160, 40);
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    let mut follower = Viewer::open(&["open", plan, "--follow", "--journal", &url], 160, 40);
    follower.wait_for("[ ] Deploy the API", Duration::from_secs(20));

    pg.stop();
    // A verb: exit 3, with the reason.
    let (code, _, err) = run(&["note", plan, "while down", "--journal", &url]);
    assert_eq!(code, 3, "{err}");
    assert!(
        err.contains("cannot connect") && err.contains("room=faults"),
        "{err}"
    );
    // The screens say so, and the lead's action is refused, not shown as done. A follower
    // learns of the loss from its listener or its 5 s backstop read, whose connect attempt may
    // itself take up to 5 s: on a loaded machine that is well over 10 s.
    follower.wait_for("journal offline since", Duration::from_secs(40));
    lead.wait_for("journal offline since", Duration::from_secs(40));
    assert!(lead.contents().contains("reconnecting"));
    lead.send(" ");
    lead.wait_for("nothing written", Duration::from_secs(10));
    assert!(!lead.contents().contains("[x] Deploy the API"));

    pg.restart();
    // Back: both screens reconnect on their own and catch up on what others did meanwhile.
    let (code, _, err) = run(&["check", plan, "deploy-the-api", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    follower.wait_for("[x] Deploy the API", Duration::from_secs(15));
    lead.wait_for("[x] Deploy the API", Duration::from_secs(15));
    follower.wait_gone("journal offline since", Duration::from_secs(15));
    lead.wait_gone("journal offline since", Duration::from_secs(15));
    lead.quit();
    follower.quit();
    let ticks = rows(&pg, "faults")
        .iter()
        .filter(|r| r.2.contains("\"task_checked\""))
        .count();
    assert_eq!(ticks, 1, "the refused tick was not written");
}

#[test]
fn a_plan_edited_by_the_lead_reaches_a_follower_without_the_file() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "edits");
    let (_lead_dir, plan) = common::fixture::small_launch();
    let mut lead = Viewer::open(
        &["open", plan.to_str().unwrap(), "--journal", &url],
        160,
        40,
    );
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    let elsewhere = tempfile::tempdir().unwrap();
    let mut follower = Viewer::spawn_in(
        Some(elsewhere.path()),
        "follower",
        &["open", &url, "--follow"],
        160,
        40,
        &[],
    );
    follower.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    // The lead edits the plan: its room reloads it, stores it and journals its hash.
    let text = std::fs::read_to_string(&plan).unwrap().replace(
        "- [ ] Run migrations",
        "- [ ] Run migrations\n- [ ] Warm the caches",
    );
    std::fs::write(&plan, &text).unwrap();
    let new = line_hash(text.as_bytes());
    lead.wait_for("[ ] Warm the caches", Duration::from_secs(10));
    follower.wait_for("[ ] Warm the caches", Duration::from_secs(10));
    follower.wait_for(
        &format!("plan {} (the room's)", &new[..8]),
        Duration::from_secs(5),
    );
    assert_eq!(plans(&pg, "edits").len(), 2);
    lead.quit();
    follower.quit();
}

#[test]
fn commands_from_a_plan_that_came_from_the_room_do_not_run() {
    let pg = server();
    let url = pg.url(SUPERUSER, "commands");
    let lead_dir = tempfile::tempdir().unwrap();
    let plan = lead_dir.path().join("cmds.toml");
    std::fs::write(
        &plan,
        "title = \"Commands\"\nt0 = \"2025-12-13T09:00:00Z\"\n\n[[phase]]\nid = \"deploy\"\n\
         title = \"Deploy\"\n  [[phase.task]]\n  text = \"Ship it\"\n\n[[check]]\n\
         name = \"marker\"\ncommand = \"touch ran && echo 1\"\n",
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    // The lead's own file: its commands run (in the plan's directory).
    for args in [
        vec!["hold", plan, "--reason", "lead"],
        vec!["release", plan],
    ] {
        let mut a = args.clone();
        a.extend(["--journal", &url]);
        let (code, _, err) = run(&a);
        assert_eq!(code, 0, "{err}");
    }
    assert!(
        lead_dir.path().join("ran").exists(),
        "the lead's command ran"
    );
    // Elsewhere the same plan came from the database: the command is refused, with why.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, _, err) = run_in(elsewhere.path(), &["hold", &url, "--reason", "remote"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !elsewhere.path().join("ran").exists(),
        "a command from the room ran"
    );
    let last = rows(&pg, "commands").pop().unwrap().2;
    assert!(last.contains("came from the database room"), "{last}");
}

/// Everything a person or a file could see of a run: stdout and stderr.
fn all_output(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn a_journal_named_in_a_toml_plan_or_wiring_file_is_used_and_its_password_never_shown() {
    use common::pty::Viewer;
    let pg = server();
    pg.client(SUPERUSER)
        .batch_execute(
            "CREATE ROLE op LOGIN PASSWORD 'pw'; GRANT SELECT ON warroom_schema TO op; \
             GRANT SELECT, INSERT ON warroom_events, warroom_plans TO op",
        )
        .unwrap();
    let secret = "plan-secret-7f3e";
    let room_url = format!(
        "postgres://op:${{WR_PLAN_PW}}@/postgres?host={}&port={}&room=wired",
        pg.socket_dir().display(),
        pg.port
    );
    let (dir, runbook) = common::fixture::small_launch();
    // A TOML plan (imported from the runbook) that names its room.
    let toml_plan = dir.path().join("launch.toml");
    let (code, imported, err) = run(&["import", runbook.to_str().unwrap(), "-o", "-"]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(&toml_plan, format!("journal = \"{room_url}\"\n{imported}")).unwrap();
    let plan = toml_plan.to_str().unwrap();
    let with_pw = |args: &[&str]| {
        warroom()
            .args(args)
            .env("WR_PLAN_PW", secret)
            .env(common::state::env().0, common::state::env().1)
            .output()
            .unwrap()
    };
    let out = with_pw(&["note", plan, "from the plan's room"]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(!all_output(&out).contains(secret));
    let lines: Vec<String> = rows(&pg, "wired").into_iter().map(|r| r.2).collect();
    assert!(
        lines.iter().any(|l| l.contains("from the plan's room")),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains(secret)));
    assert!(
        !dir.path().join("launch.journal.jsonl").exists(),
        "no file journal beside the plan"
    );
    // The database keeps the plan as written: with `${WR_PLAN_PW}`, never its value.
    for (_, _, body) in plans(&pg, "wired") {
        let body = String::from_utf8(body).unwrap();
        assert!(body.contains("${WR_PLAN_PW}") && !body.contains(secret));
    }
    let out = with_pw(&["status", plan, "--json"]);
    assert!(out.status.success(), "{}", all_output(&out));
    let text = all_output(&out);
    assert!(!text.contains(secret), "{text}");
    assert!(text.contains("${WR_PLAN_PW}"), "named as written: {text}");
    let out = with_pw(&["verify", plan]);
    assert!(out.status.success(), "{}", all_output(&out));
    assert!(all_output(&out).contains("chain consistent, 2 events"));

    // The screen names the room as written, never with the password; nor does the log.
    let mut room = Viewer::spawn("room", &["open", plan], 160, 48, &[("WR_PLAN_PW", secret)]);
    room.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    room.send(" ");
    room.wait_for("[x] Deploy the API", Duration::from_secs(5));
    assert!(!room.contents().contains(secret));
    room.quit();
    assert!(!String::from_utf8_lossy(&room.output()).contains(secret));
    let log = common::state::home().join("warroom").join("warroom.log");
    assert!(
        !std::fs::read_to_string(log)
            .unwrap_or_default()
            .contains(secret)
    );
    assert!(
        rows(&pg, "wired")
            .iter()
            .any(|r| r.2.contains("task_checked"))
    );

    // Without the variable: refused, naming the plan file and the variable.
    let (code, _, err) = run(&["note", plan, "x"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("launch.toml") && err.contains("WR_PLAN_PW"),
        "{err}"
    );

    // A wiring file beside a runbook: a file journal relative to the wiring file.
    let wiring = dir.path().join("wiring.toml");
    std::fs::write(
        &wiring,
        "runbook = \"launch.md\"\njournal = \"rooms/launch.jsonl\"\n",
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("rooms")).unwrap();
    let (code, _, err) = run(&["note", wiring.to_str().unwrap(), "wired"]);
    assert_eq!(code, 0, "{err}");
    let file = dir.path().join("rooms/launch.jsonl");
    assert_eq!(common::journal::count(&file, "note"), 1);
    assert!(!dir.path().join("wiring.journal.jsonl").exists());
    // --journal (or WARROOM_JOURNAL) wins over the file's.
    let other = dir.path().join("other.jsonl");
    let (code, _, err) = run(&[
        "note",
        wiring.to_str().unwrap(),
        "elsewhere",
        "--journal",
        other.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(common::journal::count(&other, "note"), 1);
    assert_eq!(common::journal::count(&file, "note"), 1);
    // A journal that is not text is a plan error with its line.
    std::fs::write(&wiring, "runbook = \"launch.md\"\njournal = 5\n").unwrap();
    let (code, _, err) = run(&["validate", wiring.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("wiring.toml:2") && err.contains("journal"),
        "{err}"
    );
}

#[test]
fn the_demo_runs_on_a_database_room_and_its_plan_travels() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "demo");
    let mut demo = Viewer::open(&["demo", "--journal", &url], 160, 48);
    demo.wait_for("CRM Platform Launch", Duration::from_secs(30));
    // The demo's plan is one file in the room: another host needs only the URL.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(elsewhere.path(), &["status", &url, "--json"]);
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["plan"]["from_room"], true, "{s}");
    assert!(
        s["title"].as_str().unwrap().contains("CRM Platform Launch"),
        "{s}"
    );
    let (code, _, err) = run_in(elsewhere.path(), &["note", &url, "from another host"]);
    assert_eq!(code, 0, "{err}");
    demo.wait_for("from another host", Duration::from_secs(5));
    demo.quit();
    let names: Vec<String> = plans(&pg, "demo").into_iter().map(|p| p.1).collect();
    assert_eq!(names, ["crm-launch.toml"]);
    assert_chain(&pg, "demo");
}

#[test]
fn the_database_role_is_shown_beside_the_actor_and_a_read_only_role_makes_a_follower() {
    use common::pty::Viewer;
    let pg = server();
    pg.client(SUPERUSER)
        .batch_execute(
            "CREATE ROLE op LOGIN; GRANT SELECT ON warroom_schema TO op; \
             GRANT SELECT, INSERT ON warroom_events, warroom_plans TO op; \
             CREATE ROLE reader LOGIN; \
             GRANT SELECT ON warroom_schema, warroom_events, warroom_plans TO reader",
        )
        .unwrap();
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let op = pg.url("op", "who");
    let reader = pg.url("reader", "who");
    for args in [
        vec!["note", plan, "op was here", "--journal", &op],
        vec!["check", plan, "migrations", "--journal", &op],
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{err}");
    }
    let owner = pg.url(SUPERUSER, "who");
    let (code, _, err) = run(&["note", plan, "owner too", "--journal", &owner]);
    assert_eq!(code, 0, "{err}");
    let me = warroom::journal::actor();

    // The report names each actor with the database role(s) its events were inserted as.
    let (code, md, err) = run(&["report", plan, "--journal", &reader]);
    assert_eq!(code, 0, "{err}");
    let both = format!("{me} (database roles op, {SUPERUSER})");
    assert!(md.contains(&format!("{both}: op was here")), "{md}");
    assert!(
        md.contains(&format!("Written by {me} as database role op: 3 events")),
        "{md}"
    );
    assert!(
        md.contains(&format!(
            "Written by {me} as database role {SUPERUSER}: 1 events"
        )),
        "{md}"
    );
    let (code, html, err) = run(&["report", plan, "--journal", &reader, "--format", "html"]);
    assert_eq!(code, 0, "{err}");
    assert!(html.contains(&both), "{html}");
    assert!(html.contains("as database role <code>op</code>"), "{html}");

    // status: who this viewer is to the database, and who wrote the room.
    let (code, out, err) = run(&["status", plan, "--journal", &reader]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(&format!("you: {me} as database role reader")),
        "{out}"
    );
    assert!(
        out.contains(&format!("written by {me} as database role op: 3 events")),
        "{out}"
    );
    let (code, out, err) = run(&["status", plan, "--journal", &reader, "--json"]);
    assert_eq!(code, 0, "{err}");
    let s: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(s["journal"]["db_role"], "reader");
    assert_eq!(s["journal"]["writers"][0]["db_role"], "op");
    assert_eq!(s["journal"]["writers"][0]["events"], 3);

    // A room opened with a read-only role (no --follow) follows, and says why on screen.
    let mut room = Viewer::open(&["open", plan, "--journal", &reader], 160, 48);
    room.wait_for("[x] Run migrations", Duration::from_secs(20));
    room.wait_for("FOLLOWER", Duration::from_secs(5));
    room.wait_for("may only read", Duration::from_secs(5));
    room.send(" ");
    room.wait_for("this room only follows", Duration::from_secs(5));
    // It follows the operator's appends.
    let (code, _, err) = run(&["check", plan, "deploy-the-api", "--journal", &op]);
    assert_eq!(code, 0, "{err}");
    room.wait_for("[x] Deploy the API", Duration::from_secs(5));
    room.quit();
    assert_eq!(
        assert_chain(&pg, "who"),
        5,
        "the read-only room wrote nothing"
    );
}

#[test]
fn a_long_room_replays_and_verifies_across_read_chunks() {
    // Replays and verifications read a room 5,000 rows at a time: 11,000 events cross two
    // chunk boundaries and must come back whole, in order, with the file's head hash.
    let pg = server();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.jsonl");
    let f = Journal::open(&file).unwrap();
    for i in 0..11_000 {
        f.append(note_draft(format!("n{i}")), None).unwrap();
    }
    let Verification::Ok { head, .. } = f.verify().unwrap() else {
        panic!("the file journal verifies")
    };
    let url = pg.url(SUPERUSER, "long");
    let j = Journal::open(Path::new(&url)).unwrap();
    assert_eq!(j.import(&file).unwrap().events, 11_000);
    let replay = j.replay().unwrap();
    assert!(replay.problems.is_empty(), "{:?}", replay.problems);
    let seqs: Vec<u64> = replay.events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=11_000).collect::<Vec<u64>>());
    assert_eq!(replay.cursor.head_hash(), head.as_deref());
    match j.verify().unwrap() {
        Verification::Ok {
            events, head: h, ..
        } => {
            assert_eq!(events, 11_000);
            assert_eq!(h, head);
        }
        Verification::Broken(p) => panic!("{p}"),
    }
    // Following on from the replay's cursor reads only what comes next.
    let mut cursor = replay.cursor;
    j.append(note_draft("after".into()), Some(11_000)).unwrap();
    let new = j.read_new(&mut cursor).unwrap();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].seq, 11_001);
}

/// A CA, and a certificate it signed for `localhost` only, with its key (PEM).
fn test_ca_and_server_cert() -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "warroom test CA");
    let ca = rcgen::CertifiedIssuer::self_signed(ca_params, ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    (ca.pem(), cert.pem(), key.serialize_pem())
}

#[test]
fn tls_follows_sslmode_and_verifies_the_certificate_in_the_verify_modes() {
    let (ca, cert, key) = test_ca_and_server_cert();
    let (other_ca, _, _) = test_ca_and_server_cert();
    let pg = Pg::start_tls(&cert, &key);
    let home = tempfile::tempdir().unwrap();
    let ca_file = home.path().join("ca.pem");
    let other_file = home.path().join("other-ca.pem");
    std::fs::write(&ca_file, &ca).unwrap();
    std::fs::write(&other_file, &other_ca).unwrap();
    let url = |host: &str, query: &str| {
        format!(
            "postgres://{SUPERUSER}:${{WR_TLS_PW}}@{host}:{}/postgres?room=tls{query}",
            pg.port
        )
    };
    let mut log_at = pg.log().len();
    // Runs `warroom ARGS` (HOME without ~/.postgresql); the server's log lines it caused.
    let mut go = |args: &[&str]| {
        let out = warroom()
            .args(args)
            .env("HOME", home.path())
            .env("WR_TLS_PW", "tls-secret-pw")
            .output()
            .unwrap();
        let log = pg.log();
        let new = log[log_at.min(log.len())..].to_string();
        log_at = log.len();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            !err.contains("tls-secret-pw"),
            "the password was shown: {err}"
        );
        (out.status.code().unwrap_or(-1), err, new)
    };
    let root = format!("&sslrootcert={}", ca_file.display());

    // verify-full by the name in the certificate: connects, over TLS.
    let full = url("localhost", &format!("&sslmode=verify-full{root}"));
    let (code, err, log) = go(&["journal", "init", &full]);
    assert_eq!(code, 0, "{err}\n{log}");
    assert!(log.contains("SSL enabled"), "{log}");
    let (_dir, plan) = common::fixture::small_launch();
    let (code, err, _) = go(&[
        "note",
        plan.to_str().unwrap(),
        "over TLS",
        "--journal",
        &full,
    ]);
    assert_eq!(code, 0, "{err}");

    // verify-full by an address the certificate does not name: refused, saying why, naming
    // the URL as written (the password's variable, never its value).
    let by_ip = url("127.0.0.1", &format!("&sslmode=verify-full{root}"));
    let (code, err, _) = go(&["journal", "init", &by_ip]);
    assert_ne!(code, 0);
    assert!(
        err.contains("sslmode=verify-full")
            && err.contains("not issued to the host")
            && err.contains("${WR_TLS_PW}@127.0.0.1"),
        "{err}"
    );
    // verify-ca does not look at the name, only at who signed it.
    let ca_only = url("127.0.0.1", &format!("&sslmode=verify-ca{root}"));
    let (code, err, log) = go(&["journal", "init", &ca_only]);
    assert_eq!(code, 0, "{err}");
    assert!(log.contains("SSL enabled"), "{log}");
    // Signed by another CA: refused.
    let wrong = url(
        "localhost",
        &format!("&sslmode=verify-ca&sslrootcert={}", other_file.display()),
    );
    let (code, err, _) = go(&["journal", "init", &wrong]);
    assert_ne!(code, 0);
    assert!(err.contains("not signed by a CA in sslrootcert"), "{err}");
    // require with a root named checks like verify-ca (libpq's rule).
    let (code, err, _) = go(&[
        "journal",
        "init",
        &url(
            "localhost",
            &format!("&sslmode=require&sslrootcert={}", other_file.display()),
        ),
    ]);
    assert_ne!(code, 0);
    assert!(err.contains("sslmode=verify-ca"), "{err}");
    // A verified mode with no roots anywhere says what to give.
    let (code, err, _) = go(&["journal", "init", &url("localhost", "&sslmode=verify-full")]);
    assert_ne!(code, 0);
    assert!(
        err.contains("sslrootcert=PATH") && err.contains("room=tls"),
        "{err}"
    );

    // require without roots: encrypted, not verified; prefer (the default) takes TLS when
    // offered; disable never does.
    let (code, err, log) = go(&["journal", "init", &url("127.0.0.1", "&sslmode=require")]);
    assert_eq!(code, 0, "{err}");
    assert!(log.contains("SSL enabled"), "{log}");
    let (code, err, log) = go(&["journal", "init", &url("127.0.0.1", "")]);
    assert_eq!(code, 0, "{err}");
    assert!(log.contains("SSL enabled"), "{log}");
    let (code, err, log) = go(&["journal", "init", &url("127.0.0.1", "&sslmode=disable")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        log.contains("connection authorized") && !log.contains("SSL enabled"),
        "{log}"
    );
    // Words warroom does not know are refused with the list.
    let (code, err, _) = go(&["journal", "init", &url("127.0.0.1", "&sslmode=always")]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("disable, prefer, require, verify-ca, verify-full"),
        "{err}"
    );

    // A server that does not offer TLS (it answers an SSLRequest with 'N'), under require.
    let refuser = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = refuser.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut s in refuser.incoming().flatten() {
            let mut request = [0u8; 8];
            if std::io::Read::read_exact(&mut s, &mut request).is_ok() {
                let _ = s.write_all(b"N");
            }
        }
    });
    let no_tls =
        format!("postgres://{SUPERUSER}@127.0.0.1:{port}/postgres?room=tls&sslmode=require");
    let (code, err, _) = go(&["journal", "init", &no_tls]);
    assert_ne!(code, 0);
    assert!(err.contains("does not offer TLS"), "{err}");
}

/// A plan with a `[notify]` webhook at `hook` (TOML).
fn notify_plan(hook: &str) -> String {
    format!(
        r#"title = "Checkout v3"
roles = ["SRE", "QA"]

[[phase]]
id = "p1"
title = "Phase 1"
  [[phase.task]]
  text = "Roll out"

[[phase]]
id = "p2"
title = "Phase 2"

[notify]
webhook = "{hook}"
max_per_minute = 30
"#
    )
}

#[test]
fn two_operator_rooms_on_one_database_room_post_each_event_once() {
    use axum::Router;
    use common::pty::Viewer;
    use std::sync::{Arc, Mutex};

    let posts: Arc<Mutex<Vec<String>>> = Arc::default();
    let seen = Arc::clone(&posts);
    let hook = common::server::serve(Router::new().fallback(move |body: String| {
        let seen = Arc::clone(&seen);
        async move {
            let json: serde_json::Value = serde_json::from_str(&body).unwrap();
            seen.lock()
                .unwrap()
                .push(json["text"].as_str().unwrap_or_default().to_string());
            "ok"
        }
    }));
    let pg = server();
    let url = pg.url(SUPERUSER, "notified");
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("checkout.toml");
    std::fs::write(
        &plan,
        notify_plan(&format!("http://{}/hook/SECRET-TOKEN", hook.addr)),
    )
    .unwrap();
    let plan = plan.to_str().unwrap();
    // Wide enough for the notifier's status at the end of the header's journal line.
    let mut a = Viewer::open(&["open", plan, "--journal", &url], 250, 40);
    let mut b = Viewer::open(&["open", plan, "--journal", &url], 250, 40);
    let host = format!("notify {}", hook.addr);
    a.wait_for(&host, Duration::from_secs(20));
    b.wait_for(&host, Duration::from_secs(20));
    // Both notifiers have looked at the ledger (the first started it after the room's head).
    let ledger_rows = || -> i64 {
        pg.client(SUPERUSER)
            .query_one(
                "SELECT count(*) FROM warroom_notify WHERE room = 'notified'",
                &[],
            )
            .unwrap()
            .get(0)
    };
    common::pty::wait_until(
        "a notification ledger in the database",
        Duration::from_secs(10),
        || ledger_rows() > 0,
        || a.contents(),
    );
    std::thread::sleep(Duration::from_millis(500));

    for args in [
        vec!["hold", plan, "--reason", "waiting for DNS"],
        vec!["release", plan, "--note", "DNS is back"],
        vec!["advance", plan],
        vec!["note", plan, "notes never post"],
    ] {
        let mut args = args.clone();
        args.extend(["--journal", &url]);
        let (code, _, err) = run(&args);
        assert_eq!(code, 0, "{args:?}: {err}");
    }
    let wanted = ["waiting for DNS", "DNS is back", "Phase 1"];
    common::pty::wait_until(
        "every event posted",
        Duration::from_secs(20),
        || {
            let p = posts.lock().unwrap();
            wanted.iter().all(|w| p.iter().any(|t| t.contains(w)))
        },
        || format!("{:?}\n{}", posts.lock().unwrap(), a.contents()),
    );
    // Long enough for a second viewer's duplicate (its look every 5 s, a lease of 30 s is
    // not needed: nothing failed) to arrive, if there were one.
    std::thread::sleep(Duration::from_secs(7));
    let p = posts.lock().unwrap().clone();
    assert_eq!(p.len(), 3, "each event once, notes never: {p:?}");
    for w in wanted {
        assert_eq!(p.iter().filter(|t| t.contains(w)).count(), 1, "{w}: {p:?}");
    }
    // Both screens say so; the webhook's path (its secret) is nowhere in the database.
    a.wait_for("3 posted", Duration::from_secs(10));
    b.wait_for("3 posted", Duration::from_secs(10));
    a.quit();
    b.quit();
    let leaked: i64 = pg
        .client(SUPERUSER)
        .query_one(
            "SELECT count(*) FROM warroom_notify WHERE ledger LIKE '%SECRET-TOKEN%' \
             OR webhook LIKE '%SECRET-TOKEN%'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(leaked, 0);
}

#[test]
fn a_wiring_file_travels_with_its_runbook_as_one_plan_version() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "wired-travel");
    let (dir, runbook) = common::fixture::small_launch();
    let wiring = dir.path().join("wiring.toml");
    let wiring_text = "runbook = \"launch.md\"\ntitle = \"Small Launch, wired\"\n";
    std::fs::write(&wiring, wiring_text).unwrap();
    let lead = wiring.to_str().unwrap();
    let (code, _, err) = run(&["note", lead, "room open", "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("names a runbook"), "{err}");
    // One version: the wiring's bytes, then the runbook's, under the hash the room journals.
    let mut both = wiring_text.as_bytes().to_vec();
    both.extend(std::fs::read(&runbook).unwrap());
    let hash = line_hash(&both);
    assert_eq!(
        plans(&pg, "wired-travel"),
        vec![(hash.clone(), "wiring.toml".to_string(), both)]
    );
    assert!(
        rows(&pg, "wired-travel")
            .iter()
            .any(|r| r.2.contains("\"plan_loaded\"") && r.2.contains(&hash)),
        "plan_loaded names the two files' hash"
    );

    // Another host, only the URL: the runbook's tasks under the wiring's title.
    let elsewhere = tempfile::tempdir().unwrap();
    let (code, out, err) = run_in(elsewhere.path(), &["status", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Small Launch, wired"), "{out}");
    assert!(
        out.contains(&format!("plan {} (the room's)", &hash[..8])),
        "{out}"
    );
    let (code, _, err) = run_in(elsewhere.path(), &["check", &url, "migrations"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(std::fs::read_dir(elsewhere.path()).unwrap().count(), 0);

    // A host with its own copy of both files runs the same version, with nothing to say.
    let copy = tempfile::tempdir().unwrap();
    std::fs::write(copy.path().join("wiring.toml"), wiring_text).unwrap();
    std::fs::copy(&runbook, copy.path().join("launch.md")).unwrap();
    let copied = copy.path().join("wiring.toml");
    let (code, out, err) = run(&["status", copied.to_str().unwrap(), "--journal", &url]);
    assert_eq!(code, 0, "{err}");
    assert!(!err.contains("the room runs version"), "{err}");
    assert!(
        out.contains("[x] Run migrations") || out.contains("1/3"),
        "{out}"
    );

    // The lead's room, and a follower on the plan-less host; the lead edits the runbook: the
    // new pair is the room's next version, and the follower runs it.
    let mut room = Viewer::open(&["open", lead, "--journal", &url], 160, 40);
    room.wait_for("[x] Run migrations", Duration::from_secs(20));
    let mut follower = Viewer::spawn_in(
        Some(elsewhere.path()),
        "follower",
        &["open", &url, "--follow"],
        160,
        40,
        &[],
    );
    follower.wait_for("[x] Run migrations", Duration::from_secs(20));
    let edited = std::fs::read_to_string(&runbook).unwrap().replace(
        "- [ ] Smoke tests green",
        "- [ ] Smoke tests green\n- [ ] Tell support",
    );
    std::fs::write(&runbook, &edited).unwrap();
    // Phase 2 is not on screen: the count says the task arrived.
    room.wait_for("tasks 1/4", Duration::from_secs(10));
    follower.wait_for("tasks 1/4", Duration::from_secs(10));
    let mut both = wiring_text.as_bytes().to_vec();
    both.extend(edited.as_bytes());
    follower.wait_for(
        &format!("plan {} (the room's)", &line_hash(&both)[..8]),
        Duration::from_secs(5),
    );
    assert_eq!(plans(&pg, "wired-travel").len(), 2);
    room.quit();
    follower.quit();
}

#[test]
fn a_server_that_stops_answering_is_shown_offline_and_the_room_recovers() {
    use common::pty::Viewer;
    let pg = server();
    let url = pg.url(SUPERUSER, "frozen");
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();
    let mut lead = Viewer::open(&["open", plan, "--journal", &url], 160, 40);
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    let mut follower = Viewer::open(&["open", plan, "--follow", "--journal", &url], 160, 40);
    follower.wait_for("[ ] Deploy the API", Duration::from_secs(20));

    // Connected, but nothing answers: no connect timeout or closed socket says so.
    pg.freeze(true);
    let frozen_at = Instant::now();
    lead.wait_for("journal offline since", Duration::from_secs(30));
    follower.wait_for("journal offline since", Duration::from_secs(30));
    assert!(
        lead.contents().contains("has not answered"),
        "{}",
        lead.contents()
    );
    // The clock keeps ticking meanwhile: the screen is drawn, not waiting on the database.
    let clock = |v: &Viewer| {
        v.contents()
            .lines()
            .nth(1)
            .unwrap_or_default()
            .split_whitespace()
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let before = clock(&lead);
    std::thread::sleep(Duration::from_millis(2100));
    assert_ne!(
        clock(&lead),
        before,
        "the clock stopped: {}",
        lead.contents()
    );
    // An action while offline is refused, not shown as done.
    lead.send(" ");
    lead.wait_for("nothing written", Duration::from_secs(10));
    assert!(!lead.contents().contains("[x] Deploy the API"));
    assert!(frozen_at.elapsed() < Duration::from_secs(60));

    pg.freeze(false);
    lead.wait_gone("journal offline since", Duration::from_secs(30));
    follower.wait_gone("journal offline since", Duration::from_secs(30));
    lead.send(" ");
    lead.wait_for("[x] Deploy the API", Duration::from_secs(10));
    follower.wait_for("[x] Deploy the API", Duration::from_secs(10));
    lead.quit();
    follower.quit();
    let ticks = rows(&pg, "frozen")
        .iter()
        .filter(|r| r.2.contains("\"task_checked\""))
        .count();
    assert_eq!(ticks, 1, "the refused tick was not written");
}
