//! Why sections that yielded nothing stayed text, for `validate --explain`.

use crate::plan::clean;
use crate::plan::markdown::build::items::Items;
use crate::plan::markdown::build::outline::Outline;
use crate::plan::markdown::explain::Reason;
use crate::plan::markdown::rules;
use crate::plan::markdown::scan::Entry;

/// A reason for every section (not the title, not a phase, not empty) that yielded no task,
/// gate or trigger: neither one of its items nor any of `marked_lines` (the lines tasks, gates
/// and triggers were read from) lies in it. `of_section` is the phase each heading is.
pub fn left_as_text(
    o: &Outline,
    r: &Items,
    of_section: &[Option<usize>],
    marked_lines: impl Iterator<Item = usize>,
) -> Vec<Reason> {
    let mut yielded = vec![false; o.n];
    for (i, it) in o.doc.items.iter().enumerate() {
        if let Some(h) = it.heading
            && r.taken(i)
        {
            yielded[h] = true;
        }
    }
    for line in marked_lines {
        // Headings are in line order: the section a line is in is the last heading at or
        // above it.
        if let Some(h) = o.heads.partition_point(|x| x.line <= line).checked_sub(1) {
            yielded[h] = true;
        }
    }
    let mut reasons = Vec::new();
    for h in (0..o.n).filter(|&h| !o.is_title(h) && !yielded[h] && of_section[h].is_none()) {
        let entries = &o.doc.entries[h + 1];
        if entries.is_empty() {
            continue;
        }
        let has = |f: &dyn Fn(&Entry) -> bool| entries.iter().any(f);
        let why = if o.notes_ctx[h] {
            "notes, criteria or troubleshooting: its numbered lists are points to read, not steps"
        } else if rules::is_reference_heading(&o.heads[h].text) {
            "reference text (scope, team, contacts, risks, success criteria…), not a stage"
        } else if entries.iter().all(|e| matches!(e, Entry::Code(..))) {
            "only code blocks: commands are shown as text; write a step before each (`1. Run …`)"
        } else if has(&|e| matches!(e, Entry::Item(_))) {
            "plain bullets outside a timed stage are text: write `- [ ]` or a numbered list to make them tasks"
        } else if has(&|e| matches!(e, Entry::Table(_))) {
            "a table that is not a schedule (no When/Date/Time/Offset column naming stages) or a sign-off"
        } else {
            "prose only: no checklist, numbered steps, time or go/no-go"
        };
        reasons.push(Reason {
            line: o.heads[h].line,
            what: format!("left as text: “{}”", clean::title(&o.heads[h].text)),
            why: why.to_string(),
        });
    }
    reasons
}
