//! A long, correctly chained journal for the benchmarks: `n` events by a deploy script,
//! alternating notes and ticks of `tasks` (task ids), one millisecond apart from `t0`.

use std::path::Path;

use chrono::{DateTime, Utc};
use warroom::journal::chain;
use warroom::journal::event::{EVENT_VERSION, Event, EventKind};

/// Writes the journal to `path` (one JSON line per event, hash-chained from the genesis).
/// Panics when it cannot write: a benchmark without its input has nothing to measure.
pub fn write(path: &Path, n: u64, tasks: &[String], t0: DateTime<Utc>) {
    let mut out = String::new();
    let mut prev = chain::GENESIS_PREV.to_string();
    for seq in 1..=n {
        let kind = if seq % 2 == 0 {
            EventKind::TaskChecked {
                task: tasks[seq as usize % tasks.len()].clone(),
                note: None,
            }
        } else {
            EventKind::Note {
                text: format!("note number {seq} from the deploy script"),
            }
        };
        let ev = Event {
            v: EVENT_VERSION,
            seq,
            at: t0 + chrono::Duration::milliseconds(seq as i64),
            actor: "deploy@ci".into(),
            role: None,
            kind,
            prev: prev.clone(),
        };
        let line = serde_json::to_string(&ev).expect("serialise");
        prev = chain::line_hash(line.as_bytes());
        out.push_str(&line);
        out.push('\n');
    }
    std::fs::write(path, out).expect("write the big journal");
}
