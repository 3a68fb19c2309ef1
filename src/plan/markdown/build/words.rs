//! Small readings shared by the passes of [`super`]: titles, task texts, schedule keys.

use std::path::Path;

use crate::plan::markdown::rules;
use crate::plan::markdown::scan::Heading;
use crate::plan::schedule::Found;
use crate::plan::{Schedule, Task, clean};

/// Moves every phase index at or after `at` one place on, for a phase inserted at `at`.
pub fn make_room(at: usize, indexes: &mut [Option<usize>]) {
    for k in indexes.iter_mut().flatten() {
        if *k >= at {
            *k += 1;
        }
    }
}

/// An item without the word that joins it to the next (`Roll back and reconcile the data, or`
/// then `Carry on and fix forward`): each is a step of its own.
pub fn without_joiner(text: &str) -> &str {
    let t = text.trim_end();
    match t.strip_suffix(", or").or_else(|| t.strip_suffix(", and")) {
        Some(rest) => rest.trim_end(),
        None => t.strip_suffix(';').unwrap_or(t).trim_end(),
    }
}

/// A top-level task read from prose (a sub-heading or an instruction paragraph) at `line`:
/// open, no owner, no command.
pub fn prose_task(text: String, line: usize) -> Task {
    Task {
        id: String::new(),
        text,
        done: false,
        depth: 0,
        owner: None,
        run: None,
        timeout: None,
        line,
    }
}

/// True when `text` is nothing but a time (`T-1 Days`): a date in a list, not work.
pub fn only_time(text: &str) -> bool {
    crate::plan::schedule::find(text).is_some_and(|f| {
        !format!("{}{}", &text[..f.span.start], &text[f.span.end..])
            .chars()
            .any(char::is_alphanumeric)
    })
}

/// Whether a stage name holds a percentage (`Launch to 25%`, `50 %`): a step of a staged
/// rollout.
pub fn names_a_percentage(name: &str) -> bool {
    let b = name.as_bytes();
    (0..b.len()).any(|k| {
        b[k] == b'%' && {
            let before = name[..k].trim_end();
            before.ends_with(|c: char| c.is_ascii_digit())
        }
    })
}

/// A planned start to order phases by, within one kind of schedule: (0, Unix seconds) for an
/// absolute window, (1, seconds from T-0) for an offset.
pub fn start_key(s: &Schedule) -> Option<(u8, i64)> {
    match *s {
        Schedule::At { start, .. } => Some((0, start.timestamp())),
        Schedule::Offset { start_s, .. } => Some((1, start_s)),
        // Five working days a week: near enough to order by.
        Schedule::WorkingDays { start_days, .. } => Some((1, start_days * 7 / 5 * 86_400)),
        Schedule::None | Schedule::Length { .. } => None,
    }
}

/// A phase's title: its heading without the time window; the whole heading when the window is
/// all there is (`T-14 Days`).
pub fn phase_title(heads: &[Heading], found: &[Option<Found>], h: usize) -> String {
    let text = &heads[h].text;
    let Some(f) = &found[h] else {
        return clean::title(text);
    };
    // A bracketed qualifier or a leading clock time is removed once applied; a window written
    // in words (`T-14 Days`, `Release Day`, `~ 1 week before the release`) is the title's
    // own wording, so it stays.
    let written = &text[f.span.clone()];
    if !(written.starts_with(['(', '[']) || written.starts_with(|c: char| c.is_ascii_digit())) {
        return clean::title(text);
    }
    let rest = format!("{} {}", &text[..f.span.start], &text[f.span.end..]);
    let t = clean::title(&rest);
    if t.chars().any(char::is_alphanumeric) {
        t
    } else {
        clean::title(text)
    }
}

/// A gate's title: the decision's name before a colon (`Go / No-Go: should generally be clear…`
/// → `Go / No-Go`), else the whole text.
pub fn gate_title(text: &str) -> String {
    match text.split_once(':') {
        Some((head, _)) if rules::is_gate_text(head) => clean::title(head),
        _ => clean::title(text),
    }
}

/// `title:` (else `name:`) of YAML front matter, unquoted and cleaned.
pub fn front_matter_title(fm: &str) -> Option<String> {
    ["title", "name"].into_iter().find_map(|key| {
        fm.lines().find_map(|line| {
            // `title: …` (YAML) or `title = "…"` (TOML, Hugo's `+++` block).
            let rest = line.strip_prefix(key)?.trim_start();
            let v = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
            let v = clean::title(v.trim().trim_matches(['\'', '"']));
            (!v.is_empty()).then_some(v)
        })
    })
}

/// The plan's title from its file name (`crm-launch.md` → `crm-launch`), else `Untitled plan`.
pub fn file_title(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| clean::title(&s.to_string_lossy()))
        .unwrap_or_default();
    if stem.is_empty() {
        "Untitled plan".to_string()
    } else {
        stem
    }
}

/// `v` without repeats, first mentions kept in order.
pub fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The first command of a shell block, as a step's text: its first line that is not a
/// comment, a bare assignment or an `echo`, without a `$ ` prompt, shortened to about 100 characters.
/// `None` when the block holds only comments and assignments: that is a settings file
/// (`DATABASE_URL=…` in a ```` ```bash ```` fence), not a step (`export NAME=…` is a
/// command); `None` too for a script file's text (`#!/bin/bash` first), which the plan shows
/// rather than asks to type.
pub fn first_command(code: &str) -> Option<String> {
    if code.trim_start().starts_with("#!") {
        return None;
    }
    let assignment = |l: &str| {
        l.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let line = code.lines().map(str::trim).find(|l| {
        !l.is_empty()
                && !l.starts_with('#')
                && !l.starts_with("//")
                && !assignment(l)
                // `echo "Capturing baselines..."` only tells the operator what is happening.
                && !l.starts_with("echo ")
                && !l.starts_with("printf ")
    })?;
    let line = line
        .strip_prefix("$ ")
        .unwrap_or(line)
        .trim_end_matches('\\')
        .trim();
    let mut text: String = line.chars().take(100).collect();
    if line.chars().count() > 100 {
        text.push('…');
    }
    (!text.is_empty()).then_some(text)
}
