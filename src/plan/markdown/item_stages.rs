//! Stages written as list items. Plans without headings for their stages often write them as
//! the top-level items of one list, each labelled with when it happens and holding the work
//! of that moment: `- [ ] At the day of the soft freeze:` (its sub-items the tasks), `1.
//! Tuesday PM: Release to stage`, `4. Tuesday` (then the steps that follow it). Such a label
//! is read as a heading one level below its section, so every rule for stages and their
//! times applies to it; the items it holds, or that follow it up to the next label, are its
//! section's items.
//!
//! Two labels in one list at least: a single dated item is a task with a date.

use super::scan::{Doc, Entry, Item, Restaged, top_items};
use crate::plan::schedule;

/// Words that open a label of when something happens (`At the day of the soft freeze`, `One
/// week before the hard freeze`, `In the next community meeting after …`).
const OPENERS: &[&str] = &[
    "at the day of",
    "on the day of",
    "the day of",
    "day of",
    "in the next",
    "the day before",
    "the day after",
    "the week before",
    "the week after",
    "one day before",
    "one week before",
    "a week before",
    "two weeks before",
    "one day after",
    "one week after",
    "a week after",
    "before the",
    "after the",
    "during the",
    "on release day",
    "release day",
];

const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

/// The label an item opens with when it says when its work happens, and the rest of its
/// text. `has_children`: the item holds a list of its own. A label stands alone (`Monday`, `At
/// the day of the soft freeze:`) or, when the item holds a list, may name the stage after a
/// colon (`Tuesday PM: Release to stage`); an item that says what to do after its time
/// (`Monday: send the email`) and holds nothing is a task.
fn label(text: &str, has_children: bool) -> Option<(String, String)> {
    let t = text.trim();
    // A loose item's paragraphs run together in its text: the label is its first paragraph
    // (`Wednesday-Monday` then `a. Use the Sentry Releases report …`).
    let paragraph_end = [" a. ", " a) ", ". "]
        .iter()
        .filter_map(|m| t.find(m))
        .min()
        .filter(|&k| k <= 40);
    let (head, rest, named) = match (t.find(':'), paragraph_end) {
        (Some(k), p) if k <= 60 && p.is_none_or(|p| k < p) => {
            (t[..k].trim(), t[k + 1..].trim(), true)
        }
        (_, Some(p)) => (t[..p].trim(), t[p..].trim_start_matches(['.', ' ']), false),
        _ if t.chars().count() <= 40 => (t, "", false),
        _ => return None,
    };
    if !rest.is_empty() && !has_children {
        return None;
    }
    let lower = head.to_lowercase();
    let first = lower
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or_default();
    // The time opens the label (`T-1 Days`, `Dec 30`), not a qualifier at its end (`Tenant
    // header enforcement (Week 2)`), and is a moment, not a length (`Decision (5 minutes)`).
    let opening: String = head
        .split_whitespace()
        .take(3)
        .collect::<Vec<_>>()
        .join(" ");
    let at_start =
        schedule::parse(&opening).is_some_and(|w| !matches!(w, schedule::When::Length { .. }));
    let timed =
        WEEKDAYS.contains(&first) || OPENERS.iter().any(|o| lower.starts_with(o)) || at_start;
    if !timed {
        return None;
    }
    // The stage's name: the label and, when written on the same line, what it names (`Tuesday
    // PM: Release to stage (tag, Github release notes)`); the item's further paragraphs are
    // its text.
    let (name, more) = match rest.find(" a. ").or_else(|| rest.find(". ")) {
        _ if !named => ("", rest),
        Some(k) => (&rest[..k], rest[k..].trim_start_matches(['.', ' '])),
        None if rest.chars().count() <= 60 => (rest, ""),
        None => ("", rest),
    };
    // A closing parenthesis adds detail (`Release to stage (tag, Github release notes)`).
    let name = match name.trim().rfind(" (") {
        Some(k) if name.trim().ends_with(')') => &name.trim()[..k],
        _ => name.trim(),
    };
    let title = if name.is_empty() {
        head.to_string()
    } else {
        format!("{head}: {name}")
    };
    Some((title, more.trim().to_string()))
}

/// `doc` with the time-labelled items of its lists made headings (see the module docs).
#[must_use]
pub fn promote(doc: Doc) -> Doc {
    let n = doc.items.len();
    let mut has_children = vec![false; n];
    for it in &doc.items {
        if let Some(p) = it.parent {
            has_children[p] = true;
        }
    }
    let mut labels: Vec<Option<(String, String)>> = vec![None; n];
    // A numbered label keeps its number (`3. Monday`): numbered headings are steps the plan
    // lists.
    let mut number = vec![0usize; n];
    for entries in &doc.entries {
        let mut k = 0;
        for e in entries {
            if let Entry::Item(i) = *e
                && doc.items[i].parent.is_none()
                && doc.items[i].ordered
            {
                k += 1;
                number[i] = k;
            }
        }
    }
    for (s, entries) in doc.entries.iter().enumerate() {
        // Inside a stage with its own window (`### Phase 3 (T+45min to T+90min)`), an item
        // labelled with an offset (`**T+75:** Compare counts:`) is a timed step of it.
        let in_timed_stage = doc.in_timed_section(s);
        let found: Vec<(usize, (String, String))> = entries
            .iter()
            .filter_map(|e| match *e {
                Entry::Item(i) if doc.items[i].parent.is_none() && !doc.items[i].quoted => {
                    label(&doc.items[i].text, has_children[i]).map(|l| (i, l))
                }
                _ => None,
            })
            .filter(|(_, (title, _))| {
                !(in_timed_stage
                    && matches!(
                        schedule::parse(title.split(':').next().unwrap_or(title)),
                        Some(schedule::When::Offset { .. })
                    ))
            })
            .collect();
        // A label holds its own list or the items after it; one that holds nothing (`* T-1
        // Days` in a list of days to block out) is an item.
        let tops = top_items(&doc, entries);
        let is_label = |i: usize| found.iter().any(|(k, _)| *k == i);
        let holds = |i: usize| {
            has_children[i]
                || tops
                    .iter()
                    .skip_while(|&&k| k != i)
                    .nth(1)
                    .is_some_and(|&next| !is_label(next))
        };
        let kept: Vec<(usize, (String, String))> =
            found.iter().filter(|(i, _)| holds(*i)).cloned().collect();
        if kept.len() >= 2 {
            for (i, (title, more)) in kept {
                let title = if number[i] > 0 {
                    format!("{}. {title}", number[i])
                } else {
                    title
                };
                labels[i] = Some((title, more));
            }
        }
    }
    let before = opening_times(&doc, &labels);
    if labels.iter().all(Option::is_none) && before.iter().all(Option::is_none) {
        return doc;
    }
    rebuild(doc, &labels, &before)
}

/// Steps of one flat list that open with when they happen, counted from the go-live event
/// (`One week in advance of the agreed date, ensure the pre-announce is sent out`, `On the day
/// of the release co-ordinate with the release team`), two or more in a list without labels:
/// each starts a stage named by those words, and stays its first step; the steps after it,
/// up to the next, are that stage's, and those before the first are a stage named by its first
/// step. By item: the name of the stage it starts.
fn opening_times(doc: &Doc, labels: &[Option<(String, String)>]) -> Vec<Option<String>> {
    let mut out = vec![None; doc.items.len()];
    for entries in &doc.entries {
        let tops = top_items(doc, entries);
        if tops.iter().any(|&i| labels[i].is_some()) {
            continue;
        }
        let timed: Vec<(usize, String)> = tops
            .iter()
            .filter_map(|&i| {
                let text = &doc.items[i].text;
                let (_, end) = schedule::opening_relative(text)?;
                // The whole opening clause names it (`One week in advance of the agreed date`).
                let end = match text.find(',') {
                    Some(k) if k >= end && k <= 80 => k,
                    _ => end,
                };
                let name = text[..end].trim().trim_end_matches([',', ':']);
                Some((i, name.to_string()))
            })
            .collect();
        if timed.len() >= 2 {
            // The steps before the first are a stage too, named by its first step (`Get
            // agreement on the list of vulnerabilities …`).
            if let Some(&first) = tops.first()
                && timed[0].0 != first
            {
                let step = super::rules::first_sentence(&doc.items[first].text, 60);
                out[first] = Some(step.trim_end_matches(['.', ':']).to_string());
            }
            for (i, name) in timed {
                out[i] = Some(name);
            }
        }
    }
    out
}

/// Rebuilds `doc` with a heading in place of each labelled item, and one before each item that
/// opens a stage (`before`), re-indexing headings and items (both stay in document order).
fn rebuild(doc: Doc, labels: &[Option<(String, String)>], before: &[Option<String>]) -> Doc {
    let Doc {
        headings,
        items,
        tables,
        entries,
        front_matter,
        opaque,
    } = doc;
    let mut out = Restaged::new(headings.len());
    // The new section of each old item, by old item index.
    let mut item_section: Vec<Option<usize>> = vec![None; items.len()];
    for (s, section_entries) in entries.into_iter().enumerate() {
        let base = out.copy_heading(&headings, s);
        let mut current = base;
        for e in section_entries {
            if let Entry::Item(i) = e
                && let Some((title, more)) = &labels[i]
            {
                let h = out.push_stage(base, title.clone(), items[i].line, false);
                if !more.is_empty() {
                    out.entries[h + 1].push(Entry::Para(more.clone(), items[i].line));
                }
                current = Some(h);
                continue;
            }
            if let Entry::Item(i) = e
                && let Some(title) = &before[i]
            {
                current = Some(out.push_stage(base, title.clone(), items[i].line, false));
            }
            if let Entry::Item(i) = e {
                item_section[i] = current;
            }
            out.push_entry(current, e);
        }
    }
    let mut item_map: Vec<Option<usize>> = vec![None; items.len()];
    let mut new_items: Vec<Item> = Vec::with_capacity(items.len());
    for (i, it) in items.into_iter().enumerate() {
        if labels[i].is_some() {
            continue;
        }
        let parent = it.parent.and_then(|p| item_map[p]);
        // The items a label held are its stage's own list now.
        let lead = if it.parent.is_some() && parent.is_none() {
            None
        } else {
            it.lead
        };
        item_map[i] = Some(new_items.len());
        new_items.push(Item {
            heading: item_section[i],
            parent,
            lead,
            ..it
        });
    }
    let Restaged {
        headings: new_headings,
        entries: mut new_entries,
        ..
    } = out;
    for section in &mut new_entries {
        for e in section.iter_mut() {
            if let Entry::Item(i) = e {
                *i = item_map[*i].expect("labelled items have no entry left");
            }
        }
    }
    Doc {
        headings: new_headings,
        items: new_items,
        tables,
        entries: new_entries,
        front_matter,
        opaque,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::markdown::scan::scan;

    fn promoted(md: &str) -> Doc {
        promote(scan(md))
    }

    #[test]
    fn time_labelled_items_become_headings_holding_their_work() {
        let doc = promoted(
            "# Release\n\n- [ ] Fix the dates\n- [ ] At the day of the soft freeze:\n  \
             - [ ] Communicate soft freeze\n- [ ] One week before the hard freeze:\n  \
             - [ ] Remind everyone\n",
        );
        let titles: Vec<&str> = doc.headings.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Release",
                "At the day of the soft freeze",
                "One week before the hard freeze"
            ]
        );
        assert_eq!(doc.headings[1].parent, Some(0));
        assert_eq!(doc.headings[1].level, 2);
        let texts: Vec<(&str, Option<usize>, Option<usize>)> = doc
            .items
            .iter()
            .map(|it| (it.text.as_str(), it.heading, it.parent))
            .collect();
        assert_eq!(
            texts,
            [
                ("Fix the dates", Some(0), None),
                ("Communicate soft freeze", Some(1), None),
                ("Remind everyone", Some(2), None),
            ]
        );
    }

    #[test]
    fn a_bare_weekday_holds_the_steps_after_it() {
        let doc = promoted(
            "## Playbook\n\n1. Tuesday PM: Release to stage\n   - Ping the engineers\n\
             2. Monday\n   - Readiness review\n3. Tuesday\n4. SRE releases the tag\n5. Run the e2e tests\n",
        );
        let titles: Vec<&str> = doc.headings.iter().map(|h| h.text.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Playbook",
                "1. Tuesday PM: Release to stage",
                "2. Monday",
                "3. Tuesday"
            ]
        );
        let last: Vec<&str> = doc
            .items
            .iter()
            .filter(|it| it.heading == Some(3))
            .map(|it| it.text.as_str())
            .collect();
        assert_eq!(last, ["SRE releases the tag", "Run the e2e tests"]);
    }

    #[test]
    fn dated_tasks_and_single_labels_stay_items() {
        for md in [
            "# Week\n\n- Monday: send the email\n- Tuesday: post the blog\n",
            "# Week\n\n- [ ] At the day of the release:\n  - [ ] Tag it\n- [ ] Announce\n",
        ] {
            let doc = promoted(md);
            assert_eq!(doc.headings.len(), 1, "{md}");
        }
    }
}
