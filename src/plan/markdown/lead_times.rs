//! Times a section gives in its first lines rather than in its heading: `Target dates:
//! 4/2-4/3 2026`, `Date range or test duration: [1/19/2023 - 2/2/2023]`, `When: Dec 30,
//! 06:00-08:00`, `Duration: 2 hours` (issue rule 1: "in the first lines of a section").
//!
//! A section whose own text is empty takes the time from the first lines of its first
//! sub-section (`### Phase I` then `#### Planning` then `- Date range: …`), and a section's
//! template parts (`#### Planning` under each `### Stage …`, see
//! [`stages::templated_parts`]) time the section, never themselves: they only plan it.

use super::scan::{Doc, Entry};
use super::stages;
use crate::plan::schedule::{self, Found};

/// How many of a section's first blocks (items or paragraphs) are looked at.
const FIRST_LINES: usize = 4;

/// Words that say a label is about when (`Target dates`, `Desired date range`, `Timing`).
const TIME_LABELS: &[&str] = &[
    "date",
    "dates",
    "when",
    "schedule",
    "window",
    "timing",
    "time",
    "duration",
    "period",
    "timeframe",
    "range",
];

/// For each heading, the time its first lines give, when its heading gives none. The
/// [`Found`]s have an empty span: there is nothing to cut out of the heading's title.
#[must_use]
pub fn lead_times(
    doc: &Doc,
    heading_found: &[Option<Found>],
    title_heading: Option<usize>,
) -> Vec<Option<Found>> {
    let heads = &doc.headings;
    let n = heads.len();
    let first_child: Vec<Option<usize>> = (0..n)
        .map(|h| (h + 1 < n && heads[h + 1].parent == Some(h)).then_some(h + 1))
        .collect();
    // Parts of a template (`#### Planning` under each `### Stage …`) plan their parent.
    let templated = stages::templated_parts(heads);
    let children = stages::children(heads);
    let part = |c: usize| heads[c].parent.is_some_and(|p| templated[p]);
    let time_of = |s: usize| {
        doc.entries[s + 1].iter().take(FIRST_LINES).find_map(|e| {
            field_time(doc, e)
                .or_else(|| said_time(e))
                .or_else(|| milestone_dates(doc, e))
        })
    };
    let mut out: Vec<Option<Found>> = vec![None; n];
    // Sub-sections whose first lines already timed their parent.
    let mut used = vec![false; n];
    for h in 0..n {
        if heading_found[h].is_some() || part(h) || used[h] {
            continue;
        }
        // The title's time only gives context: its first section keeps its own.
        let first = first_child[h]
            .filter(|_| title_heading != Some(h))
            .filter(|&c| heading_found[c].is_none())
            .filter(|&c| doc.entries[h + 1].is_empty() || part(c));
        let when = time_of(h)
            .or_else(|| children_parts(&children, h, &part).find_map(time_of))
            .or_else(|| {
                let c = first?;
                let when = time_of(c)?;
                used[c] = true;
                Some(when)
            });
        out[h] = when.map(|when| Found { when, span: 0..0 });
    }
    out
}

/// The sub-headings of `h` that are parts of a template.
fn children_parts<'a>(
    children: &'a [Vec<usize>],
    h: usize,
    part: &'a dyn Fn(usize) -> bool,
) -> impl Iterator<Item = usize> + 'a {
    children[h].iter().copied().filter(move |&c| part(c))
}

/// Words that say when a section's work happens, in a sentence that gives the time (`This
/// stuff starts about a week before the release`).
const HAPPENS: &[&str] = &[
    " start",
    " starts",
    " begin",
    " begins",
    " happen",
    " happens",
    " takes place",
    " take place",
    " kicks off",
];

/// The time a paragraph's first or second sentence says the section's work happens, relative to the
/// go-live event (`This stuff starts about a week before the release.` → T-7 d to T-0): only a
/// time counted from the event, and only in a sentence that says the work starts, begins or
/// happens then; a date in passing (`released on 4 May`) is no window.
fn said_time(e: &Entry) -> Option<schedule::When> {
    let Entry::Para(p, _) = e else {
        return None;
    };
    super::prose::sentences(p).take(2).find_map(|sentence| {
        let lower = format!(" {}", sentence.to_ascii_lowercase());
        if !HAPPENS
            .iter()
            .any(|w| lower.contains(&format!("{w} ")) || lower.ends_with(w))
        {
            return None;
        }
        let found = schedule::find(sentence)?;
        matches!(
            found.when,
            schedule::When::Offset { .. } | schedule::When::WorkingDays { .. }
        )
        .then_some(found.when)
    })
}

/// The days a table of milestones and their dates spans (`| Freeze | Tue, May 15, 2018 |`
/// then `| Release | Thu, May 24, 2018 |`: May 15 to May 24), when every row that is not empty
/// is a name and a date — the table's first row too, which is no header here — two rows or
/// more.
fn milestone_dates(doc: &Doc, e: &Entry) -> Option<schedule::When> {
    let Entry::Table(t) = e else {
        return None;
    };
    let mut days = Vec::new();
    for row in &doc.tables[*t].rows {
        let cells: Vec<&str> = row
            .iter()
            .map(|c| c.trim())
            .filter(|c| !c.is_empty())
            .collect();
        match cells[..] {
            [] => {}
            [name, date] if name.chars().any(char::is_alphabetic) => {
                let schedule::When::Days { first, .. } = schedule::parse(date)? else {
                    return None;
                };
                days.push(first);
            }
            _ => return None,
        }
    }
    if days.len() < 2 {
        return None;
    }
    let key = |d: &schedule::DateSpec| (d.year, d.month, d.day);
    let first = *days.iter().min_by_key(|d| key(d))?;
    let last = *days.iter().max_by_key(|d| key(d))?;
    Some(schedule::When::Days { first, last })
}

/// The time a `Label: value` line gives, when its label is about time.
fn field_time(doc: &Doc, e: &Entry) -> Option<schedule::When> {
    let (text, item) = match e {
        Entry::Para(p, _) => (p.as_str(), None),
        Entry::Item(i) if doc.items[*i].parent.is_none() => (doc.items[*i].text.as_str(), Some(*i)),
        _ => return None,
    };
    let (label, value) = text.split_once(':')?;
    // A field whose value is its first sub-item (`- **Desired date range:**` then
    // `  - 08/01/22 - 08/05/22`).
    let value = match item {
        Some(i) if value.trim().is_empty() => doc
            .items
            .get(i + 1)
            .filter(|c| c.parent == Some(i))
            .map_or(value, |c| c.text.as_str()),
        _ => value,
    };
    let label = label.to_lowercase();
    let about_time = label
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| TIME_LABELS.contains(&w));
    // `Launch Date: December 13, 2025`, `Deployment Date: …`, `Rollback Window: 24 hours`:
    // the plan's own times, which its header gives (`meta`), not a section's window.
    let plan_level = [
        "launch",
        "deployment",
        "deploy",
        "go",
        "release",
        "cutover",
        "rollback",
    ]
    .iter()
    .any(|w| label.split(|c: char| !c.is_alphanumeric()).any(|x| x == *w));
    if !about_time || plan_level || label.split_whitespace().count() > 6 {
        return None;
    }
    let value = value.trim().trim_start_matches('[');
    let value = value.split(']').next().unwrap_or(value);
    schedule::parse(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::markdown::scan;
    use crate::plan::schedule::When;

    fn times(md: &str) -> Vec<Option<When>> {
        let doc = scan::scan(md);
        let found: Vec<Option<Found>> = doc.headings.iter().map(|_| None).collect();
        let title = doc.headings.first().filter(|h| h.level == 1).map(|_| 0);
        lead_times(&doc, &found, title)
            .into_iter()
            .map(|f| f.map(|f| f.when))
            .collect()
    }

    #[test]
    fn a_date_field_times_its_section() {
        let t = times("## Rollout\n\n- Target dates: 4/2-4/3 2026\n- [ ] go\n");
        assert!(matches!(t[0], Some(When::Days { .. })), "{t:?}");
        let t = times("## UAT\n\n- **Desired date range:**\n  - 08/01/22 - 08/05/22\n");
        assert!(matches!(t[0], Some(When::Days { .. })), "{t:?}");
    }

    #[test]
    fn an_empty_section_takes_its_first_sub_sections_date() {
        let t = times(
            "### Phase I\n\n#### Planning\n\n- Date range or test duration: [1/19/2023 - 2/2/2023]\n",
        );
        assert!(matches!(t[0], Some(When::Days { .. })), "{t:?}");
        assert!(
            t[1].is_none(),
            "the planning part is not timed on its own: {t:?}"
        );
    }

    #[test]
    fn a_sentence_saying_when_the_work_starts_times_its_section() {
        let t = times(
            "# How to release\n\n## Pre-release tasks\n\nA few come first. This stuff starts about a week before the release; most can wait.\n\n1. Send it\n",
        );
        assert!(
            matches!(t[1], Some(When::Offset { start_s, .. }) if start_s == -7 * 86_400),
            "{t:?}"
        );
        let t = times("## History\n\nThe project was released a week before the conference.\n");
        assert!(t[0].is_none(), "{t:?}");
    }

    #[test]
    fn a_table_of_milestone_dates_times_its_section() {
        let t = times(
            "## 18.05 release\n\n| Freeze | Tue, May 15, 2018 |\n|---|---|\n| Release | Thu, May 24, 2018 |\n",
        );
        assert!(
            matches!(t[0], Some(When::Days { first, last }) if first.day == 15 && last.day == 24),
            "{t:?}"
        );
        let t = times("## Team\n\n| Name | Role |\n|---|---|\n| Ann | Lead |\n");
        assert!(t[0].is_none(), "{t:?}");
    }

    #[test]
    fn other_fields_give_no_time() {
        let t = times("## Rollout\n\n- Number of users: 11\n- Owner: Sam on 1/6\n");
        assert!(t[0].is_none(), "{t:?}");
        let t = times("## Summary\n\nLaunch Date: December 13, 2025\n");
        assert!(
            t[0].is_none(),
            "the plan's date is not a section's window: {t:?}"
        );
    }
}
