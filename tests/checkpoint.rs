//! Follower checkpoints, with real files: every session remembers the last event it saw of a
//! journal (per user, outside the journal's directory) and says so, in words, when the
//! journal no longer extends it — on open, under a running room, and in `warroom verify`,
//! which also accepts the new history on request. The checkpoint never moves over a rewrite.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::fs;
use std::path::PathBuf;
use std::time::Duration;

use chrono::Utc;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use warroom::app::App;
use warroom::journal::checkpoint::{Checkpoint, Consistency, Store};
use warroom::journal::event::EventKind;
use warroom::journal::{Draft, Journal};
use warroom::session::{OpenOptions, Session};

struct Room {
    tmp: tempfile::TempDir,
    plan: PathBuf,
    journal: PathBuf,
    /// This test's own user state (`XDG_STATE_HOME`), so checkpoints start empty.
    state: PathBuf,
}

impl Room {
    fn new() -> Room {
        let tmp = tempfile::tempdir().unwrap();
        let plan = tmp.path().join("launch.toml");
        fs::write(
            &plan,
            "title = \"Checkpoints\"\n[[phase]]\nid = \"deploy\"\ntitle = \"Deploy\"\n  [[phase.task]]\n  text = \"Ship\"\n",
        )
        .unwrap();
        let journal = tmp.path().join("launch.journal.jsonl");
        let state = tmp.path().join("state");
        Room {
            tmp,
            plan,
            journal,
            state,
        }
    }

    /// Two events, looked at by this user, then the second replaced by another one.
    fn seen_then_rewritten() -> Room {
        let r = Room::new();
        r.note("one");
        r.note("two");
        drop(r.open(true));
        r.rewrite(1, 1);
        r
    }

    fn store(&self) -> Store {
        Store::at(self.state.join("warroom/checkpoints"))
    }

    fn open(&self, follower: bool) -> Session {
        let opts = OpenOptions {
            follower,
            ..OpenOptions::default()
        };
        Session::open_with(&self.plan, &opts, Some(self.store()), Utc::now()).unwrap()
    }

    /// Appends notes as another process would.
    fn note(&self, text: &str) {
        let draft = Draft::new(EventKind::Note { text: text.into() }, Utc::now());
        Journal::open(&self.journal)
            .unwrap()
            .append(draft, None)
            .unwrap();
    }

    fn stored(&self) -> Option<Checkpoint> {
        let id = Journal::open(&self.journal).unwrap().id();
        self.store().load(&id).unwrap()
    }

    /// The journal's lines.
    fn lines(&self) -> Vec<String> {
        fs::read_to_string(&self.journal)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    /// Rewrites history: keeps the first `keep` lines and appends `extra` new notes, so the
    /// events from seq `keep + 1` on are different ones (a correctly chained new history).
    fn rewrite(&self, keep: usize, extra: usize) {
        let kept = self.lines()[..keep].join("\n");
        fs::write(&self.journal, if keep == 0 { kept } else { kept + "\n" }).unwrap();
        for i in 0..extra {
            self.note(&format!("rewritten {i}"));
        }
    }

    /// `warroom VERB PLAN ARGS…` with this room's user state.
    fn cli(&self, args: &[&str]) -> (Option<i32>, String, String) {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
            .arg(args[0])
            .arg(&self.plan)
            .args(&args[1..])
            .env("XDG_STATE_HOME", &self.state)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
}

#[test]
fn sessions_move_the_checkpoint_as_they_read() {
    let r = Room::new();
    let mut s = r.open(false);
    // The operator journaled the plan's hash: seq 1.
    let cp = r.stored().unwrap();
    assert_eq!(cp.seq, 1);
    assert_eq!(Some(cp), s.head_checkpoint());

    r.note("from elsewhere");
    r.note("and again");
    assert_eq!(s.catch_up().unwrap(), 2);
    assert_eq!(r.stored().unwrap().seq, 3);
    assert_eq!(r.stored(), s.head_checkpoint());
    assert!(s.rewrite.is_none());

    // The store lives where the user's state is, not beside the journal.
    assert!(r.store().dir().starts_with(&r.state));
    let files: Vec<_> = fs::read_dir(r.store().dir()).unwrap().collect();
    assert_eq!(files.len(), 1);
}

#[test]
fn a_rewritten_history_is_found_on_open_and_the_checkpoint_stays() {
    let r = Room::new();
    drop(r.open(false));
    r.note("two");
    r.note("three");
    drop(r.open(true));
    let seen = r.stored().unwrap();
    assert_eq!(seen.seq, 3);

    // Seq 3 replaced by another event.
    r.rewrite(2, 1);
    let s = r.open(true);
    let rw = s.rewrite.clone().expect("rewrite found");
    assert_eq!(rw.checkpoint, seen);
    assert!(
        rw.detail.contains("the event at seq 3 is not the one seen"),
        "{}",
        rw.detail
    );
    let msg = s.rewrite_message().unwrap();
    assert!(msg.contains("HISTORY REWRITTEN"), "{msg}");
    assert!(msg.contains("not consistent with your checkpoint"), "{msg}");
    assert!(msg.contains("--accept-rewrite"), "{msg}");
    assert!(!msg.contains("untampered"), "{msg}");
    assert_eq!(r.stored(), Some(seen.clone()), "not moved over the rewrite");

    // More events on the new history: still not consistent, still not moved.
    r.note("four");
    let mut s = r.open(true);
    s.catch_up().unwrap();
    assert!(s.rewrite.is_some());
    assert_eq!(r.stored(), Some(seen.clone()));

    // Removed events: the journal now ends before the checkpoint.
    r.rewrite(1, 0);
    let s = r.open(true);
    let detail = s.rewrite.unwrap().detail;
    assert!(detail.contains("ends at seq 1, before seq 3"), "{detail}");

    // The file gone altogether.
    fs::remove_file(&r.journal).unwrap();
    let s = r.open(true);
    let detail = s.rewrite.unwrap().detail;
    assert!(detail.contains("no events any more"), "{detail}");
    assert_eq!(r.stored(), Some(seen));
}

#[test]
fn a_running_session_notices_a_shrunk_or_replaced_journal() {
    let r = Room::new();
    r.note("one");
    r.note("two");
    r.note("three");
    let mut s = r.open(true);
    assert_eq!(r.stored().unwrap().seq, 3);

    // Replaced by another file holding the same history and more: consistent, and the
    // checkpoint moves on.
    let copy = r.tmp.path().join("copy");
    fs::copy(&r.journal, &copy).unwrap();
    fs::rename(&copy, &r.journal).unwrap();
    r.note("four");
    assert_eq!(s.catch_up().unwrap(), 4, "replayed from the start");
    assert!(s.rewrite.is_none());
    assert_eq!(r.stored().unwrap().seq, 4);

    // Shrunk under the running session: history it saw is gone.
    let seen = r.stored().unwrap();
    r.rewrite(2, 0);
    s.catch_up().unwrap();
    let rw = s.rewrite.clone().expect("rewrite found");
    assert_eq!(rw.checkpoint, seen);
    assert!(
        rw.detail.contains("ends at seq 2, before seq 4"),
        "{}",
        rw.detail
    );

    // It follows the new history, and the checkpoint stays until accepted.
    r.note("new three");
    r.note("new four");
    r.note("new five");
    s.catch_up().unwrap();
    assert_eq!(s.state.events, 5);
    assert!(s.rewrite.is_some());
    assert_eq!(r.stored(), Some(seen));

    // Accepted (as `verify --accept-rewrite` does): the running session takes it at its next
    // catch-up and moves on from there.
    let head = s.head_checkpoint().unwrap();
    let id = Journal::open(&r.journal).unwrap().id();
    r.store().save(&id, &head).unwrap();
    r.note("six");
    s.catch_up().unwrap();
    assert!(s.rewrite.is_none());
    assert_eq!(r.stored().unwrap().seq, 6);
}

#[test]
fn each_user_judges_by_their_own_checkpoint() {
    let r = Room::seen_then_rewritten();

    // Another user (another store) who never saw the old history has nothing to complain of.
    let other = Store::at(r.tmp.path().join("other-user"));
    let opts = OpenOptions {
        follower: true,
        ..OpenOptions::default()
    };
    let s = Session::open_with(&r.plan, &opts, Some(other.clone()), Utc::now()).unwrap();
    assert!(s.rewrite.is_none());
    assert_eq!(other.load(&s.journal.id()).unwrap().unwrap().seq, 2);
    // This user saw it.
    assert!(r.open(true).rewrite.is_some());
}

#[test]
fn the_journal_layer_compares_seq_and_hash_only() {
    let r = Room::new();
    r.note("one");
    r.note("two");
    let j = Journal::open(&r.journal).unwrap();
    let head = j.replay().unwrap().cursor.checkpoint().unwrap();
    assert_eq!(head.seq, 2);
    assert_eq!(j.check(&head).unwrap(), Consistency::Consistent);
    let first = Checkpoint {
        seq: 1,
        hash: warroom::journal::chain::line_hash(r.lines()[0].as_bytes()),
    };
    assert_eq!(j.check(&first).unwrap(), Consistency::Consistent);
    let wrong = Checkpoint {
        seq: 1,
        hash: "0".repeat(64),
    };
    assert!(matches!(
        j.check(&wrong).unwrap(),
        Consistency::Inconsistent(d) if d.contains("seq 1 is not the one seen")
    ));
    let (_, c) = j.replay_against(&wrong).unwrap();
    assert!(matches!(c, Consistency::Inconsistent(_)));
}

#[test]
fn verify_reports_the_checkpoint_and_accepts_a_rewrite_on_request() {
    let r = Room::new();
    r.note("one");
    r.note("two");

    let (code, out, err) = r.cli(&["verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("chain consistent, 2 events"), "{out}");
    assert!(
        out.contains("no checkpoint of yours yet; recorded seq 2"),
        "{out}"
    );

    r.note("three");
    let (code, out, err) = r.cli(&["verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("consistent with checkpoint (seq 2)"), "{out}");
    assert_eq!(r.stored().unwrap().seq, 3);

    r.rewrite(1, 3);
    let (code, out, err) = r.cli(&["verify"]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("chain consistent, 4 events"), "{out}");
    assert!(
        err.contains("not consistent with checkpoint seq 3"),
        "{err}"
    );
    assert!(
        err.contains("the event at seq 3 is not the one seen"),
        "{err}"
    );
    assert!(err.contains("--accept-rewrite"), "{err}");
    assert!(!out.contains("untampered") && !err.contains("untampered"));
    assert_eq!(r.stored().unwrap().seq, 3, "not moved");

    // Other verbs read it, warn, and do not move the checkpoint either.
    let (code, _, err) = r.cli(&["status"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("warning: HISTORY REWRITTEN"), "{err}");
    let (code, out, err) = r.cli(&["status", "--json"]);
    assert_eq!(code, Some(0), "{err}");
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["journal"]["rewrite"]["checkpoint"]["seq"], 3, "{out}");
    assert_eq!(r.stored().unwrap().seq, 3, "not moved");

    let (code, out, err) = r.cli(&["verify", "--accept-rewrite"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("accepted the journal as it is now"), "{out}");
    assert!(out.contains("your checkpoint is now seq 4"), "{out}");
    assert_eq!(r.stored().unwrap().seq, 4);

    let (code, out, err) = r.cli(&["verify"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("consistent with checkpoint (seq 4)"), "{out}");

    // Writing verbs move it as they read and write.
    let (code, _, err) = r.cli(&["note", "by the cli"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(r.stored().unwrap().seq >= 5);
}

#[test]
fn the_room_says_so_in_red_words() {
    let r = Room::seen_then_rewritten();
    let app = App::new(r.open(true));
    for (w, h) in [(80, 24), (160, 48)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| {
            warroom::ui::render(
                f,
                &app.screen(Utc::now()),
                warroom::ui::theme::Theme::from_env(),
            );
        })
        .unwrap();
        let buf = term.backend().buffer();
        let (row, col) = (0..h)
            .find_map(|y| {
                let line: String = (0..w).map(|x| buf[(x, y)].symbol()).collect();
                line.find("HISTORY REWRITTEN")
                    .map(|i| (y, line[..i].chars().count() as u16))
            })
            .unwrap_or_else(|| panic!("no warning at {w}×{h}"));
        let cell = &buf[(col, row)];
        assert!(
            cell.fg == Color::Red
                || cell.bg == Color::Red
                || cell.fg == Color::LightRed
                || cell.modifier.contains(Modifier::REVERSED),
            "{cell:?}"
        );
    }
}

#[test]
fn a_follower_room_turns_red_when_history_is_rewritten_under_it() {
    let r = Room::new();
    r.note("one");
    r.note("two");
    let plan = r.plan.to_str().unwrap();
    let state = r.state.to_str().unwrap();
    let viewer = common::pty::Viewer::spawn(
        "follower",
        &["open", plan, "--follow"],
        120,
        32,
        &[("XDG_STATE_HOME", state)],
    );
    viewer.wait_for("Checkpoints", Duration::from_secs(10));
    wait_until(|| r.stored().is_some_and(|c| c.seq == 2));

    r.rewrite(1, 0);
    viewer.wait_for("HISTORY REWRITTEN", Duration::from_secs(5));
    r.note("new two");
    r.note("new three");
    viewer.wait_for("HISTORY REWRITTEN", Duration::from_secs(5));
    assert_eq!(r.stored().unwrap().seq, 2, "not moved over the rewrite");
}

fn wait_until(cond: impl Fn() -> bool) {
    let end = std::time::Instant::now() + Duration::from_secs(5);
    while !cond() {
        assert!(std::time::Instant::now() < end, "timed out");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn two_viewers_of_one_user_share_the_checkpoint_without_false_alarms() {
    let r = Room::new();
    r.note("one");
    let mut a = r.open(true);
    let mut b = r.open(true);
    r.note("two");
    r.note("three");
    a.catch_up().unwrap();
    assert_eq!(r.stored().unwrap().seq, 3);
    // B last wrote seq 1; the stored one moved under it (A): judged, then moved on.
    r.note("four");
    b.catch_up().unwrap();
    assert!(b.rewrite.is_none());
    assert_eq!(r.stored().unwrap().seq, 4);
    a.catch_up().unwrap();
    assert!(a.rewrite.is_none());
    assert_eq!(r.stored().unwrap().seq, 4);

    // A rewrite seen by one of them is the other's too, at its next look.
    r.rewrite(3, 1);
    a.catch_up().unwrap();
    b.catch_up().unwrap();
    assert!(a.rewrite.is_some() && b.rewrite.is_some());
    assert_eq!(r.stored().unwrap().seq, 4);
}

#[test]
fn writes_on_a_rewritten_history_exit_1_until_it_is_accepted() {
    let r = Room::seen_then_rewritten();
    let before = fs::read(&r.journal).unwrap();
    for args in [
        vec!["note", "on the new history"],
        vec!["check", "ship"],
        vec!["hold", "--reason", "why"],
    ] {
        let (code, out, err) = r.cli(&args);
        assert_eq!(code, Some(1), "{args:?}: {out} {err}");
        assert!(err.contains("nothing written"), "{args:?}: {err}");
        assert!(err.contains("--accept-rewrite"), "{args:?}: {err}");
    }
    assert_eq!(fs::read(&r.journal).unwrap(), before, "nothing written");
    // Reading still works, and says it in the status itself.
    let (code, out, err) = r.cli(&["status"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("! HISTORY REWRITTEN"), "{out}");

    let (code, _, err) = r.cli(&["verify", "--accept-rewrite"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, _, err) = r.cli(&["note", "on the new history"]);
    assert_eq!(code, Some(0), "{err}");
}

/// A forged vote: a well-formed event that does not chain (its `prev` is made up).
fn forge(r: &Room) -> usize {
    let lines = r.lines();
    let seq = lines.len() + 1;
    let line = format!(
        "{{\"v\":1,\"seq\":{seq},\"at\":\"2026-11-20T09:00:00.000Z\",\"actor\":\"mallory@host\",\
         \"type\":\"note\",\"text\":\"forged\",\"prev\":\"bogus\"}}\n"
    );
    let mut f = fs::OpenOptions::new()
        .append(true)
        .open(&r.journal)
        .unwrap();
    std::io::Write::write_all(&mut f, line.as_bytes()).unwrap();
    seq
}

#[test]
fn a_forged_line_is_loud_everywhere_and_blocks_writes_until_accepted() {
    let r = Room::new();
    r.note("one");
    r.note("two");
    let line = forge(&r);
    let at = format!("{}:{line}", r.journal.display());
    let before = fs::read(&r.journal).unwrap();

    let (code, out, err) = r.cli(&["status"]);
    assert_eq!(code, Some(0), "reads still work: {err}");
    assert!(out.contains("CHAIN BROKEN"), "{out}");
    assert!(out.contains(&at), "names the line: {out}");
    assert!(err.contains("CHAIN BROKEN"), "{err}");

    let (code, _, err) = r.cli(&["note", "on top of the forgery"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains(&at), "{err}");
    assert!(err.contains("--accept-broken-chain"), "{err}");
    assert_eq!(fs::read(&r.journal).unwrap(), before, "nothing written");
    let (code, _, err) = r.cli(&["verify"]);
    assert_eq!(code, Some(1), "{err}");

    // In the room: a red line naming it.
    let app = App::new(r.open(true));
    let mut term = Terminal::new(TestBackend::new(120, 32)).unwrap();
    term.draw(|f| {
        warroom::ui::render(
            f,
            &app.screen(Utc::now()),
            warroom::ui::theme::Theme::from_env(),
        );
    })
    .unwrap();
    let buf = term.backend().buffer();
    let (row, col) = (0..32)
        .find_map(|y| {
            let text: String = (0..120).map(|x| buf[(x, y)].symbol()).collect();
            text.find(&format!("CHAIN BROKEN at journal line {line}"))
                .map(|i| (y, text[..i].chars().count() as u16))
        })
        .expect("a banner line");
    let cell = &buf[(col, row)];
    assert!(
        cell.fg == Color::Red || cell.modifier.contains(Modifier::REVERSED),
        "{cell:?}"
    );
    drop(app);

    // After a person looked.
    let (code, _, err) = r.cli(&["note", "looked at it", "--accept-broken-chain"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(r.lines().len() > line, "written on top");
}

#[test]
fn the_room_asks_before_its_first_write_on_a_rewritten_history() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use warroom::app::Mode;
    let key = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    let r = Room::seen_then_rewritten();
    let seen = r.stored().unwrap();
    let before = fs::read(&r.journal).unwrap();
    let mut app = App::new(r.open(false));
    assert!(app.session.rewrite.is_some());

    // A tick asks first; "n" writes nothing and keeps the checkpoint.
    warroom::event_loop::settle(&mut app, warroom::app::Msg::Key(key(' ')), Utc::now());
    assert!(
        matches!(app.view.mode, Mode::AcceptRewrite { .. }),
        "{:?}",
        app.view.mode
    );
    let mut term = Terminal::new(TestBackend::new(100, 30)).unwrap();
    term.draw(|f| {
        warroom::ui::render(
            f,
            &app.screen(Utc::now()),
            warroom::ui::theme::Theme::from_env(),
        );
    })
    .unwrap();
    let screen: String = term
        .backend()
        .buffer()
        .content()
        .iter()
        .map(ratatui::buffer::Cell::symbol)
        .collect();
    assert!(screen.contains("accept it before writing?"), "{screen}");
    warroom::event_loop::settle(&mut app, warroom::app::Msg::Key(key('n')), Utc::now());
    assert_eq!(fs::read(&r.journal).unwrap(), before, "nothing written");
    assert_eq!(r.stored(), Some(seen.clone()));

    // "y" accepts the journal as it is now, then ticks.
    warroom::event_loop::settle(&mut app, warroom::app::Msg::Key(key(' ')), Utc::now());
    warroom::event_loop::settle(&mut app, warroom::app::Msg::Key(key('y')), Utc::now());
    assert!(app.session.rewrite.is_none());
    let lines = r.lines();
    assert!(lines.len() > 2, "written: {lines:?}");
    assert!(
        lines.last().unwrap().contains("\"task_checked\""),
        "{lines:?}"
    );
    let now = r.stored().unwrap();
    assert!(now.seq > seen.seq, "the checkpoint moved on: {now:?}");
}
