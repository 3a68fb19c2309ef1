//! Fuzzes the journal reader on arbitrary file contents.
//!
//! Properties: replay and verify never panic; every event replay returns has a sequence
//! number, and those numbers rise; a corrupt line is reported, never a crash.

#![no_main]

use libfuzzer_sys::fuzz_target;
use warroom::journal::Journal;

fuzz_target!(|data: &[u8]| {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("fuzz.journal.jsonl");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    let Ok(journal) = Journal::open(&path) else {
        return;
    };
    if let Ok(replay) = journal.replay() {
        for pair in replay.events.windows(2) {
            assert!(pair[1].seq > pair[0].seq, "{} then {}", pair[0].seq, pair[1].seq);
        }
    }
    let _ = journal.verify();
});
