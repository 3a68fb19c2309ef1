//! The journal file in one process: appending, replaying, torn and corrupt lines, conflicts,
//! incremental reads and verification, on real files.

use std::fs::{self, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone as _, Utc};
use warroom::journal::chain::{GENESIS_PREV, line_hash};
use warroom::journal::event::{EVENT_VERSION, Event, EventKind, Vote};
use warroom::journal::{Cursor, Draft, Journal, JournalError, Verification};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 9, 0, 0)
        .single()
        .expect("valid time")
}

fn note(i: u64) -> Draft {
    Draft {
        actor: "tester@host".into(),
        role: Some("ops".into()),
        at: t0() + Duration::milliseconds(i as i64 * 1001),
        kind: EventKind::Note {
            text: format!("note {i}"),
        },
    }
}

struct Room {
    _dir: tempfile::TempDir,
    path: PathBuf,
    journal: Journal,
}

fn room() -> Room {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("plan.journal.jsonl");
    let journal = Journal::open(&path).expect("open");
    Room {
        _dir: dir,
        path,
        journal,
    }
}

fn room_with(n: u64) -> Room {
    let r = room();
    for i in 1..=n {
        r.journal.append(note(i), None).expect("append");
    }
    r
}

fn lines(path: &Path) -> Vec<Vec<u8>> {
    let bytes = fs::read(path).expect("read journal");
    bytes
        .split_inclusive(|&b| b == b'\n')
        .map(<[u8]>::to_vec)
        .collect()
}

fn write_lines(path: &Path, lines: &[Vec<u8>]) {
    fs::write(path, lines.concat()).expect("write journal");
}

fn seqs(events: &[Event]) -> Vec<u64> {
    events.iter().map(|e| e.seq).collect()
}

/// A valid next line for a journal whose last line is `last` (without newline), or the first.
fn next_line(seq: u64, last: Option<&[u8]>, text: &str) -> Vec<u8> {
    let ev = Event {
        v: EVENT_VERSION,
        seq,
        at: t0(),
        actor: "someone@else".into(),
        role: None,
        kind: EventKind::Note { text: text.into() },
        prev: last.map_or_else(|| GENESIS_PREV.to_string(), line_hash),
    };
    let mut line = serde_json::to_vec(&ev).expect("encode");
    line.push(b'\n');
    line
}

fn strip_nl(line: &[u8]) -> &[u8] {
    line.strip_suffix(b"\n").unwrap_or(line)
}

#[test]
fn appended_events_replay_identically_and_chain() {
    let r = room();
    let mut appended = Vec::new();
    for i in 1..=5 {
        let mut d = note(i);
        d.at += Duration::nanoseconds(123_456); // sub-millisecond part must not survive
        appended.push(r.journal.append(d, None).expect("append"));
    }
    assert_eq!(seqs(&appended), vec![1, 2, 3, 4, 5]);
    assert_eq!(appended[0].prev, GENESIS_PREV);
    assert!(
        appended
            .iter()
            .all(|e| e.at.timestamp_subsec_nanos() % 1_000_000 == 0)
    );

    let raw = lines(&r.path);
    assert_eq!(raw.len(), 5);
    for (i, line) in raw.iter().enumerate().skip(1) {
        assert_eq!(
            appended[i].prev,
            line_hash(strip_nl(&raw[i - 1])),
            "line {}",
            i + 1
        );
        assert!(line.ends_with(b"\n"));
    }
    let text = String::from_utf8(raw[0].clone()).expect("utf-8");
    assert!(
        text.contains(r#""at":"2026-11-20T09:00:01.001Z""#),
        "{text}"
    );

    let replay = r.journal.replay().expect("replay");
    assert_eq!(replay.events, appended);
    assert!(replay.problems.is_empty() && replay.notes.is_empty());
    assert_eq!(replay.cursor.seq(), 5);
    let head = line_hash(strip_nl(&raw[4]));
    assert_eq!(replay.cursor.head_hash(), Some(head.as_str()));
    assert_eq!(
        r.journal.verify().expect("verify"),
        Verification::Ok {
            events: 5,
            head: Some(head),
            torn_tail: false
        }
    );
}

#[test]
fn a_journal_that_does_not_exist_yet_is_empty_and_created_by_the_first_append() {
    let r = room();
    assert!(!r.path.exists(), "open must not create the file");
    let replay = r.journal.replay().expect("replay");
    assert!(replay.events.is_empty() && replay.problems.is_empty());
    assert_eq!(replay.cursor.seq(), 0);
    assert_eq!(replay.cursor.head_hash(), None);
    assert_eq!(
        r.journal.verify().expect("verify"),
        Verification::Ok {
            events: 0,
            head: None,
            torn_tail: false
        }
    );
    let mut cursor = replay.cursor;
    assert!(
        r.journal
            .read_new(&mut cursor)
            .expect("read_new")
            .is_empty()
    );
    let ev = r.journal.append(note(1), Some(0)).expect("first append");
    assert_eq!(ev.seq, 1);
    assert_eq!(r.journal.read_new(&mut cursor).expect("read_new"), vec![ev]);

    let missing = r.path.with_file_name("no-such-dir").join("j.jsonl");
    assert!(
        Journal::open(&missing).is_err(),
        "a missing directory is an error"
    );
}

#[test]
fn every_event_kind_is_journaled_and_read_back() {
    let kinds = vec![
        EventKind::PlanLoaded {
            plan_hash: "ab".repeat(32),
            title: "Launch \"v2\" — ünïcode\n\ttabs".into(),
            plan: Some("launch".into()),
        },
        EventKind::TaskChecked {
            task: "phase-1/backup".into(),
            note: Some("done\u{1b}[31m".into()),
        },
        EventKind::TaskUnchecked {
            task: "phase-1/backup".into(),
            note: None,
        },
        EventKind::Voted {
            gate: "go-live".into(),
            role: "qa".into(),
            vote: Vote::NoGo,
            note: Some("p95 too high".into()),
            evidence: None,
        },
        EventKind::Advanced {
            from: None,
            to: Some("phase-1".into()),
            override_reason: Some("CTO said so".into()),
            evidence: None,
        },
        EventKind::HoldCalled {
            reason: "db lag".into(),
            evidence: None,
        },
        EventKind::HoldReleased { note: None },
        EventKind::RollbackStarted {
            reason: "errors > 5%".into(),
            evidence: None,
        },
        EventKind::Note {
            text: String::new(),
        },
    ];
    let r = room();
    let mut journaled = Vec::new();
    for (i, kind) in kinds.into_iter().enumerate() {
        for role in [None, Some("qa".to_string())] {
            let draft = Draft {
                actor: "tester@host".into(),
                role,
                at: t0() + Duration::seconds(i as i64),
                kind: kind.clone(),
            };
            let ev = r
                .journal
                .append(draft, None)
                .unwrap_or_else(|e| panic!("{kind:?}: {e}"));
            journaled.push(ev);
        }
    }
    let replay = r.journal.replay().expect("replay");
    assert!(replay.problems.is_empty(), "{:?}", replay.problems);
    assert_eq!(
        replay.events, journaled,
        "every acknowledged event reads back"
    );
}

#[test]
fn a_torn_last_line_is_ignored_at_every_cut_and_moved_aside_by_the_next_append() {
    const N: u64 = 4;
    let r = room_with(N);
    let good = lines(&r.path);
    let last = good.last().expect("lines").clone();
    let prefix: Vec<u8> = good[..good.len() - 1].concat();
    for k in 0..=last.len() {
        let path = r.path.with_file_name(format!("cut-{k}.jsonl"));
        let side = r.path.with_file_name(format!("cut-{k}.jsonl.torn"));
        let mut bytes = prefix.clone();
        bytes.extend_from_slice(&last[..k]);
        fs::write(&path, &bytes).expect("write cut copy");
        let j = Journal::open(&path).expect("open");
        let whole = k == last.len();
        // The whole last event without its newline: not torn, kept by the next append.
        let unterminated = k == last.len() - 1;
        let torn = k > 0 && !whole && !unterminated;
        // Readers load the unterminated whole event too: the next writer keeps it.
        let kept = if whole || unterminated { N } else { N - 1 };

        let replay = j.replay().expect("replay");
        assert_eq!(replay.events.len() as u64, kept, "cut at {k}");
        assert!(
            replay.problems.is_empty(),
            "cut at {k}: {:?}",
            replay.problems
        );
        assert_eq!(
            replay.notes.len(),
            usize::from(k > 0 && !whole),
            "cut at {k}"
        );
        if torn {
            assert!(
                replay.notes[0].contains(&side.display().to_string()),
                "{:?}",
                replay.notes
            );
        }
        if unterminated {
            assert!(
                replay.notes[0].contains("lacks its final newline"),
                "{:?}",
                replay.notes
            );
        }
        assert!(matches!(
            j.verify().expect("verify"),
            Verification::Ok { events, torn_tail, .. } if events == kept && torn_tail == torn
        ));

        let head = kept;
        let ev = j
            .append(note(99), Some(head))
            .expect("append after a torn line");
        assert_eq!(ev.seq, head + 1, "cut at {k}");
        let after = lines(&path);
        assert_eq!(
            after.len() as u64,
            head + 1,
            "torn bytes removed, cut at {k}"
        );
        assert_eq!(
            after[..head as usize].concat(),
            good[..head as usize].concat()
        );
        assert_eq!(ev.prev, line_hash(strip_nl(&after[head as usize - 1])));
        assert!(matches!(
            j.verify().expect("verify"),
            Verification::Ok { events, torn_tail: false, .. } if events == head + 1
        ));
        let repairs = j.take_repairs();
        if torn {
            let mut expected = last[..k].to_vec();
            expected.push(b'\n');
            assert_eq!(
                fs::read(&side).expect("torn bytes kept"),
                expected,
                "cut at {k}"
            );
            assert_eq!(repairs.len(), 1, "{repairs:?}");
            assert!(
                repairs[0].contains(&side.display().to_string()),
                "{repairs:?}"
            );
            fs::remove_file(&side).expect("clean up");
        } else {
            assert!(!side.exists(), "cut at {k}: nothing to keep aside");
            assert_eq!(repairs.len(), usize::from(unterminated), "{repairs:?}");
        }
        fs::remove_file(&path).expect("clean up");
    }
}

#[test]
fn a_vote_that_lost_only_its_newline_survives_the_next_append() {
    let r = room_with(2);
    let vote = Draft {
        actor: "lead@host".into(),
        role: Some("ops".into()),
        at: t0(),
        kind: EventKind::Voted {
            gate: "go-live".into(),
            role: "ops".into(),
            vote: Vote::Go,
            note: None,
            evidence: None,
        },
    };
    r.journal.append(vote, None).expect("vote");
    // An editor or a copy drops the final newline.
    let mut bytes = fs::read(&r.path).expect("read");
    assert_eq!(bytes.pop(), Some(b'\n'));
    fs::write(&r.path, &bytes).expect("write");

    // A reader sees the vote already, and follows on when the next writer completes it.
    let reader = Journal::open(&r.path).expect("open");
    let mut seen = reader.replay().expect("replay");
    assert_eq!(seqs(&seen.events), vec![1, 2, 3]);
    assert!(matches!(
        reader.verify().expect("verify"),
        Verification::Ok {
            events: 3,
            torn_tail: false,
            ..
        }
    ));
    assert!(reader.read_new(&mut seen.cursor).expect("read").is_empty());

    let fresh = Journal::open(&r.path).expect("open");
    let ev = fresh.append(note(3), Some(3)).expect("append");
    assert_eq!(ev.seq, 4, "the vote keeps seq 3");
    let new = reader.read_new(&mut seen.cursor).expect("read on");
    assert_eq!(seqs(&new), vec![4]);
    assert!(seen.cursor.take_problems().is_empty());
    let replay = fresh.replay().expect("replay");
    assert!(replay.problems.is_empty(), "{:?}", replay.problems);
    assert!(matches!(
        replay.events[2].kind,
        EventKind::Voted { vote: Vote::Go, .. }
    ));
    let repairs = fresh.take_repairs();
    assert!(
        repairs[0].contains("lacked only its final newline"),
        "{repairs:?}"
    );
    assert!(!r.path.with_file_name("plan.journal.jsonl.torn").exists());
}

#[test]
fn zero_filled_and_garbage_tails_are_kept_aside_whole_never_dropped() {
    let tails: [(&str, Vec<u8>); 4] = [
        ("zeros", vec![0u8; 8192]),
        ("garbage", b"\xff\xfe{\"v\":1,\"seq\":\x01".to_vec()),
        ("a big zero tail", vec![0u8; (1 << 20) + 3]),
        // A whole event that does not chain (a bogus prev) is not kept as an event either.
        ("an unchained event", {
            let mut l = next_line(3, None, "forged");
            l.pop();
            l
        }),
    ];
    for (what, tail) in tails {
        let r = room_with(2);
        let good = fs::read(&r.path).expect("read");
        let mut bytes = good.clone();
        bytes.extend_from_slice(&tail);
        fs::write(&r.path, &bytes).expect("write");
        let ev = r.journal.append(note(3), Some(2)).expect(what);
        assert_eq!(ev.seq, 3, "{what}");
        let after = fs::read(&r.path).expect("read");
        assert!(after.starts_with(&good), "{what}");
        assert_eq!(lines(&r.path).len(), 3, "{what}");
        let side = fs::read(r.path.with_file_name("plan.journal.jsonl.torn")).expect(what);
        let mut expected = tail.clone();
        expected.push(b'\n');
        assert_eq!(side.len(), expected.len(), "{what}");
        assert!(
            side == expected,
            "{what}: the side file holds the tail byte for byte"
        );
        assert!(matches!(
            r.journal.verify().expect("verify"),
            Verification::Ok {
                events: 3,
                torn_tail: false,
                ..
            }
        ));
    }
}

#[test]
fn a_corrupt_middle_line_is_reported_by_number_and_the_rest_loads() {
    // (what is done to line 5 of 10, the problem lines expected, the seqs expected to load)
    type Edit = fn(&mut Vec<Vec<u8>>);
    let cases: Vec<(&str, Edit, Vec<usize>, Vec<u64>)> = vec![
        (
            "garbage",
            |l| l[4] = b"{\"v\":1,\"seq\":5,\"at\xff\n".to_vec(),
            vec![5],
            vec![1, 2, 3, 4, 6, 7, 8, 9, 10],
        ),
        (
            "unknown type",
            |l| {
                let s = String::from_utf8(l[4].clone()).expect("utf-8");
                l[4] = s.replace("\"note\"", "\"teleported\"").into_bytes();
            },
            vec![5],
            vec![1, 2, 3, 4, 6, 7, 8, 9, 10],
        ),
        (
            "empty line inserted",
            |l| l.insert(4, b"\n".to_vec()),
            vec![5],
            (1..=10).collect(),
        ),
        (
            "text changed",
            |l| {
                let s = String::from_utf8(l[4].clone()).expect("utf-8");
                l[4] = s.replace("note 5", "note 5 (edited)").into_bytes();
            },
            vec![6],
            (1..=10).collect(),
        ),
        (
            "line removed",
            |l| {
                l.remove(4);
            },
            vec![5],
            vec![1, 2, 3, 4, 6, 7, 8, 9, 10],
        ),
        (
            "line repeated",
            |l| {
                let dup = l[3].clone();
                l.insert(4, dup);
            },
            vec![5],
            (1..=10).collect(),
        ),
    ];
    for (what, edit, problem_lines, loaded) in cases {
        let r = room_with(10);
        let mut l = lines(&r.path);
        edit(&mut l);
        write_lines(&r.path, &l);
        let replay = r.journal.replay().expect("replay");
        let got: Vec<usize> = replay.problems.iter().map(|p| p.line).collect();
        assert_eq!(got, problem_lines, "{what}: {:?}", replay.problems);
        assert_eq!(seqs(&replay.events), loaded, "{what}");
        match r.journal.verify().expect("verify") {
            Verification::Broken(p) => assert_eq!(p.line, problem_lines[0], "{what}: {p}"),
            ok @ Verification::Ok { .. } => panic!("{what}: verify passed: {ok:?}"),
        }
        // The room goes on: the next event follows the head readers saw.
        let ev = r
            .journal
            .append(note(11), Some(replay.cursor.seq()))
            .expect("append after corruption");
        assert_eq!(ev.seq, 11, "{what}");
        let again = r.journal.replay().expect("replay");
        assert_eq!(again.problems, replay.problems, "{what}: no new problems");
        assert_eq!(again.events.last(), Some(&ev));
    }
}

#[test]
fn a_corrupt_last_line_does_not_stop_appends_and_writers_agree_with_readers() {
    let r = room_with(3);
    let mut f = OpenOptions::new().append(true).open(&r.path).expect("open");
    f.write_all(b"not json at all\n").expect("write");
    drop(f);
    let replay = r.journal.replay().expect("replay");
    assert_eq!(replay.cursor.seq(), 3);
    assert_eq!(replay.problems.len(), 1);
    assert_eq!(replay.problems[0].line, 4);
    let ev = r
        .journal
        .append(note(4), Some(replay.cursor.seq()))
        .expect("append with the head readers saw");
    assert_eq!(ev.seq, 4);
    assert_eq!(ev.prev, line_hash(b"not json at all"));
    let again = r.journal.replay().expect("replay");
    assert_eq!(seqs(&again.events), vec![1, 2, 3, 4]);
    assert_eq!(again.problems, replay.problems);
}

#[test]
fn a_stale_expected_head_is_refused_and_writes_nothing() {
    let r = room();
    assert!(matches!(
        r.journal.append(note(1), Some(1)),
        Err(JournalError::Conflict { head: 0 })
    ));
    assert!(!r.path.exists() || fs::read(&r.path).expect("read").is_empty());
    r.journal.append(note(1), Some(0)).expect("append at 0");
    r.journal.append(note(2), Some(1)).expect("append at 1");
    let before = fs::read(&r.path).expect("read");
    for stale in [0, 1, 3] {
        match r.journal.append(note(3), Some(stale)) {
            Err(JournalError::Conflict { head }) => assert_eq!(head, 2),
            other => panic!("expected a conflict at {stale}, got {other:?}"),
        }
        assert_eq!(fs::read(&r.path).expect("read"), before, "nothing written");
    }
    // Another process's append makes a fresh head stale too (this Journal's cache must not hide it).
    let other = Journal::open(&r.path).expect("open");
    other.append(note(3), Some(2)).expect("other appends");
    assert!(matches!(
        r.journal.append(note(4), Some(2)),
        Err(JournalError::Conflict { head: 3 })
    ));
    assert_eq!(r.journal.append(note(4), Some(3)).expect("retry").seq, 4);
}

#[test]
fn read_new_returns_only_new_events_and_waits_for_a_partial_line() {
    let r = room_with(2);
    let mut cursor = r.journal.replay().expect("replay").cursor;
    assert!(r.journal.read_new(&mut cursor).expect("read").is_empty());

    let last = lines(&r.path).pop().expect("line");
    let line = next_line(3, Some(strip_nl(&last)), "written in two parts");
    let (a, b) = line.split_at(line.len() / 2);
    let mut f = OpenOptions::new().append(true).open(&r.path).expect("open");
    f.write_all(a).expect("write");
    assert!(r.journal.read_new(&mut cursor).expect("read").is_empty());
    assert_eq!(cursor.seq(), 2, "a partial line is not consumed");
    // Whole but for its newline: a whole event that chains is taken (a writer would keep it),
    // and the newline that follows is not a line of its own.
    f.write_all(&b[..b.len() - 1]).expect("write");
    let got = r.journal.read_new(&mut cursor).expect("read");
    assert_eq!(seqs(&got), vec![3]);
    f.write_all(b"\n").expect("write");
    assert!(r.journal.read_new(&mut cursor).expect("read").is_empty());
    assert!(matches!(&got[0].kind, EventKind::Note { text } if text == "written in two parts"));
    assert_eq!(
        cursor.head_hash(),
        Some(line_hash(strip_nl(&line)).as_str())
    );

    let ev = r.journal.append(note(4), Some(3)).expect("append");
    assert_eq!(r.journal.read_new(&mut cursor).expect("read"), vec![ev]);
    assert!(r.journal.read_new(&mut cursor).expect("read").is_empty());
    assert!(cursor.take_problems().is_empty());
}

#[test]
fn read_new_reports_corrupt_new_lines_through_the_cursor() {
    let r = room_with(2);
    let mut cursor = r.journal.replay().expect("replay").cursor;
    let mut f = OpenOptions::new().append(true).open(&r.path).expect("open");
    f.write_all(b"{oops}\n").expect("write");
    drop(f);
    let ev = r.journal.append(note(3), None).expect("append");
    assert_eq!(r.journal.read_new(&mut cursor).expect("read"), vec![ev]);
    let problems = cursor.take_problems();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].line, 3);
    assert!(cursor.take_problems().is_empty(), "reported once");
}

#[test]
fn read_new_notices_a_replaced_truncated_or_rewritten_journal() {
    // Replaced by another file (rename over it).
    let r = room_with(3);
    let mut cursor = r.journal.replay().expect("replay").cursor;
    let other = r.path.with_file_name("other.jsonl");
    fs::write(&other, next_line(1, None, "a different room")).expect("write");
    fs::rename(&other, &r.path).expect("rename");
    assert!(matches!(
        r.journal.read_new(&mut cursor),
        Err(JournalError::Replaced { .. })
    ));

    // Truncated below what was read.
    let r = room_with(3);
    let mut cursor = r.journal.replay().expect("replay").cursor;
    let l = lines(&r.path);
    OpenOptions::new()
        .write(true)
        .open(&r.path)
        .and_then(|f| f.set_len(l[0].len() as u64))
        .expect("truncate");
    assert!(matches!(
        r.journal.read_new(&mut cursor),
        Err(JournalError::Replaced { .. })
    ));

    // Rewritten in place (same file, same length, different bytes).
    let r = room_with(3);
    let mut cursor: Cursor = r.journal.replay().expect("replay").cursor;
    let mut l = lines(&r.path);
    let s = String::from_utf8(l[2].clone()).expect("utf-8");
    l[2] = s.replace("note 3", "note X").into_bytes();
    let f = OpenOptions::new().write(true).open(&r.path).expect("open");
    std::os::unix::fs::FileExt::write_all_at(&f, &l.concat(), 0).expect("rewrite");
    assert!(matches!(
        r.journal.read_new(&mut cursor),
        Err(JournalError::Replaced { .. })
    ));

    // Removed.
    let r = room_with(1);
    let mut cursor = r.journal.replay().expect("replay").cursor;
    fs::remove_file(&r.path).expect("remove");
    assert!(matches!(
        r.journal.read_new(&mut cursor),
        Err(JournalError::Replaced { .. })
    ));
}

#[test]
fn a_first_line_that_does_not_start_the_chain_is_reported() {
    let r = room_with(3);
    let mut l = lines(&r.path);
    l.remove(0);
    write_lines(&r.path, &l);
    let replay = r.journal.replay().expect("replay");
    assert_eq!(seqs(&replay.events), vec![2, 3]);
    assert_eq!(replay.problems.len(), 1);
    assert_eq!(replay.problems[0].line, 1);
    assert!(
        replay.problems[0].message.contains("missing"),
        "{}",
        replay.problems[0]
    );
}

/// Evidence values are whatever arithmetic produced (13.900000000000002, 1e-300): each must
/// read back bit for bit, or the journal would refuse the decision that carries it.
#[test]
fn evidence_with_awkward_floats_is_journaled_exactly() {
    use warroom::journal::evidence::{Evidence, MetricSnapshot};
    let dir = tempfile::tempdir().unwrap();
    let j = warroom::journal::Journal::open(&dir.path().join("j.jsonl")).unwrap();
    let values = [
        0.1 + 0.2,
        0.4 + 30.0 * 0.45,
        1e-300,
        123_456_789.123_456_78,
        -0.0,
    ];
    let evidence = Evidence {
        at: chrono::Utc::now(),
        checks: Vec::new(),
        metrics: values
            .iter()
            .enumerate()
            .map(|(i, v)| MetricSnapshot {
                id: format!("m{i}"),
                value: Some(*v),
                unit: "%".into(),
            })
            .collect(),
    };
    let ev = j
        .append(
            warroom::journal::Draft {
                actor: "a@h".into(),
                role: None,
                at: chrono::Utc::now(),
                kind: EventKind::HoldCalled {
                    reason: "lag".into(),
                    evidence: Some(evidence.clone()),
                },
            },
            None,
        )
        .unwrap();
    let back = j.replay().unwrap().events.pop().unwrap();
    assert_eq!(back, ev);
    let Some(got) = back.kind.evidence() else {
        panic!("no evidence")
    };
    for (m, v) in got.metrics.iter().zip(values) {
        assert_eq!(m.value.unwrap().to_bits(), v.to_bits(), "{}", m.id);
    }
}
