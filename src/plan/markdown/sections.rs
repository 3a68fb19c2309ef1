//! The prose of each section: what no task, gate or trigger took, kept so nothing in the plan is
//! silently dropped. Paragraphs and code as written (cleaned), plain list items as `- text`
//! indented two spaces per nesting level, table rows as cells joined by ` | `.

use super::scan::{Doc, Entry};
use crate::plan::{Section, clean};

/// One [`Section`] per heading (and one untitled, level-0 section for text before the first
/// heading, if there is any). `taken(i)` says whether item `i` became a task, gate or trigger;
/// `nest[i]` is its nesting level.
pub fn sections(doc: &Doc, taken: impl Fn(usize) -> bool, nest: &[usize]) -> Vec<Section> {
    let mut out = Vec::new();
    for (s, entries) in doc.entries.iter().enumerate() {
        let mut text = Vec::new();
        for e in entries {
            match e {
                Entry::Para(p, _) | Entry::Code(p, _) => text.push(p.clone()),
                Entry::Item(i) => {
                    let item = &doc.items[*i];
                    if !taken(*i) && !item.text.is_empty() {
                        text.push(format!("{}- {}", "  ".repeat(nest[*i]), item.text));
                    }
                }
                Entry::Table(t) => {
                    text.extend(doc.tables[*t].rows.iter().map(|r| r.join(" | ")));
                }
            }
        }
        match s.checked_sub(1).map(|h| &doc.headings[h]) {
            Some(h) => out.push(Section {
                title: clean::title(&h.text),
                level: h.level,
                line: h.line,
                text,
            }),
            None if !text.is_empty() => out.push(Section {
                title: String::new(),
                level: 0,
                line: 0,
                text,
            }),
            None => {}
        }
    }
    out
}
