//! Stages written as short lines of text. A plan pasted from a web page or a ticket loses its
//! headings: `Three weeks before (Feb 29)`, `Two weeks before (March 4)`, `The week before
//! (March 11)` stand alone on a line, each above the list of its work. Such a line is read as
//! a heading one level below its section, so every rule for stages and their times applies
//! to it; the entries after it, up to the next such line, are its section's.
//!
//! Two such lines in one section at least, two of them giving a time: a single short line
//! above a list is only its lead.

use super::scan::{Doc, Entry, Restaged};
use crate::plan::schedule;

/// The most words a line may have to stand for a heading.
const MAX_WORDS: usize = 10;

/// Whether paragraph `text` reads as a stage's heading: short, not a sentence that ends with a
/// full stop, and followed by a list (`next_is_item`).
fn is_label(text: &str, next_is_item: bool) -> bool {
    let t = text.trim();
    next_is_item
        && !t.is_empty()
        && t.split_whitespace().count() <= MAX_WORDS
        && !t.ends_with(['.', '!', '?', ','])
}

/// `doc` with the short lines that head a section's lists made headings (see the module docs).
#[must_use]
pub fn promote(doc: Doc) -> Doc {
    let mut labels: Vec<Vec<usize>> = vec![Vec::new(); doc.entries.len()];
    for (s, entries) in doc.entries.iter().enumerate() {
        let found: Vec<usize> = (0..entries.len())
            .filter(|&k| match &entries[k] {
                Entry::Para(p, _) => is_label(
                    p,
                    matches!(entries.get(k + 1), Some(Entry::Item(i)) if doc.items[*i].parent.is_none()),
                ),
                _ => false,
            })
            .collect();
        let timed = found
            .iter()
            .filter(|&&k| match &entries[k] {
                Entry::Para(p, _) => schedule::find(p).is_some() || schedule::names_event_side(p),
                _ => false,
            })
            .count();
        if found.len() >= 2 && timed >= 2 {
            labels[s] = found;
        }
    }
    if labels.iter().all(Vec::is_empty) {
        return doc;
    }
    rebuild(doc, &labels)
}

/// Rebuilds `doc` with a heading in place of each label paragraph (`labels[s]`: the entry
/// indexes of section `s` that are labels), re-indexing headings (items keep their indexes).
fn rebuild(doc: Doc, labels: &[Vec<usize>]) -> Doc {
    let Doc {
        headings,
        mut items,
        tables,
        entries,
        front_matter,
        opaque,
    } = doc;
    let mut out = Restaged::new(headings.len());
    let mut item_section: Vec<Option<usize>> = vec![None; items.len()];
    for (s, section_entries) in entries.into_iter().enumerate() {
        let base = out.copy_heading(&headings, s);
        let mut current = base;
        for (k, e) in section_entries.into_iter().enumerate() {
            if labels[s].contains(&k)
                && let Entry::Para(text, line) = &e
            {
                current = Some(out.push_stage(base, text.trim().to_string(), *line, true));
                continue;
            }
            if let Entry::Item(i) = e {
                item_section[i] = current;
            }
            out.push_entry(current, e);
        }
    }
    for (i, it) in items.iter_mut().enumerate() {
        it.heading = item_section[i];
    }
    Doc {
        headings: out.headings,
        items,
        tables,
        entries: out.entries,
        front_matter,
        opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::markdown::scan::scan;

    #[test]
    fn short_timed_lines_above_lists_become_headings() {
        let doc = promote(scan(
            "Dear all,\n\nPlanning\n- Ask SRE\n\nThree weeks before (Feb 29)\n- Send the notice\n\
             - Check links\n\nThe week before (March 11)\n- Email the lists\n",
        ));
        let titles: Vec<&str> = doc.headings.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Planning",
                "Three weeks before (Feb 29)",
                "The week before (March 11)"
            ]
        );
        let under: Vec<Option<usize>> = doc.items.iter().map(|it| it.heading).collect();
        assert_eq!(under, [Some(0), Some(1), Some(1), Some(2)]);
    }

    #[test]
    fn one_lead_line_or_untimed_lines_stay_text() {
        let doc = promote(scan("The steps include:\n- One\n- Two\n"));
        assert!(doc.headings.is_empty());
        let doc = promote(scan("Servers\n- a\n\nClients\n- b\n"));
        assert!(doc.headings.is_empty());
    }
}
