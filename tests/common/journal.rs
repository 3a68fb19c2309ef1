//! The journal as the tests read it: JSON lines, counted by `type`.

use std::path::Path;

use chrono::Utc;
use warroom::journal::Draft;
use warroom::journal::event::EventKind;

/// Every event in the journal at `path` (a missing file is an empty journal; a torn last
/// line, being written right now, is skipped).
pub fn events(path: &Path) -> Vec<serde_json::Value> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Events of type `kind`.
pub fn of_type(path: &Path, kind: &str) -> Vec<serde_json::Value> {
    events(path)
        .into_iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

/// How many events of type `kind`.
pub fn count(path: &Path, kind: &str) -> usize {
    of_type(path, kind).len()
}

/// The `type`s in order, for failure messages.
pub fn types(path: &Path) -> String {
    events(path)
        .iter()
        .map(|e| e["type"].as_str().unwrap_or("?").to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A note by `tester@host`, now, in no role: the draft the journal tests append.
pub fn note_draft(text: String) -> Draft {
    Draft {
        actor: "tester@host".into(),
        role: None,
        at: Utc::now(),
        kind: EventKind::Note { text },
    }
}
