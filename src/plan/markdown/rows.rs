//! Schedules written apart from the stages they time: the rows of a schedule table
//! (`| 1 | Environment Setup | 2 hours | Dec 30, 06:00-08:00 |`) and lists of hour slots under a
//! lead-in that names a stage (`**Deployment Day (Dec 31)**:` then `- 08:00-09:00: …` …
//! `- 11:00-12:00: …`).
//!
//! Each becomes a [`Row`]: a stage's name, its number when the plan numbers its stages, and
//! the window written for it. [`crate::plan::markdown::timing`] matches rows to headings.

use std::str::FromStr;

use super::scan::{Doc, Entry, Table};
use crate::plan::schedule::{self, When};

/// One stage as a schedule names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The stage's name as written (`Environment Setup`, `Deployment Day (Dec 31)`); may be
    /// empty when the row only numbers the stage (`1.1`).
    pub name: String,
    /// The stage's number (`1`, `1.1`, `3`), when a cell holds only that.
    pub number: Option<String>,
    /// The window written for it; `None` for a row that only holds a [`Row::gate`].
    pub when: Option<When>,
    /// A hold point the schedule writes between its stages (`Steps 4 and 5 must be completed
    /// before proceeding`): a gate after the row before it.
    pub gate: Option<String>,
    /// The section the schedule is in (`None`: before the first heading).
    pub section: Option<usize>,
    /// Which schedule (table or slot list) the row belongs to, in document order.
    pub group: usize,
    /// From a list of hour slots (narrows a day), not from a table.
    pub slots: bool,
    /// From a dated list (`- **Monday 19th May 2025**: Week 1 — Release cycle begins`): the
    /// plan's own timeline, so its rows are stages even when no heading names them.
    pub dated_list: bool,
    /// The row's text is also its stage's one step: an item that announces its own time
    /// (`Initial operation starts at 13:00 UTC with an AWS Kubernetes upgrade to 1.25.`).
    pub step: bool,
    /// The 1-based line the row is written on.
    pub line: usize,
    /// Who does it, from a table's Who / Owner / Responsible column (empty cells are none).
    pub who: Option<String>,
}

/// Header words of a column that holds times.
const TIME_COLUMNS: &[&str] = &[
    "when", "date", "dates", "time", "times", "timeline", "schedule", "window", "offset", "start",
    "day", "eta",
];

/// Header words of a column that names the stage.
const NAME_COLUMNS: &[&str] = &[
    "phase",
    "stage",
    "step",
    "task",
    "activity",
    "activities",
    "milestone",
    "name",
    "what",
    "event",
];

/// Header words of a column that says who does it (owners, not stage names).
const WHO_COLUMNS: &[&str] = &[
    "who",
    "owner",
    "owners",
    "responsible",
    "assignee",
    "lead",
    "role",
];

/// Words of rows that sum the schedule up rather than name a stage.
const TOTAL_WORDS: &[&str] = &["total", "totals", "overall"];

/// Every schedule row of the document, in document order.
#[must_use]
pub fn rows(doc: &Doc) -> Vec<Row> {
    let mut out = Vec::new();
    let mut group = 0;
    for (s, entries) in doc.entries.iter().enumerate() {
        let section = s.checked_sub(1);
        let before = out.len();
        dated_list(doc, entries, section, group, &mut out);
        group += usize::from(out.len() > before);
        // A section that holds other lists beside its dated one (`**T‑0 (04:00):** Go call`
        // lines, then the canary ladder's numbered steps): each list is read on its own.
        if out.len() == before {
            for run in entries.split(|e| !matches!(e, Entry::Item(_))) {
                if run.len() < entries.len() {
                    let before = out.len();
                    dated_list(doc, run, section, group, &mut out);
                    group += usize::from(out.len() > before);
                }
            }
        }
        for (k, entry) in entries.iter().enumerate() {
            match entry {
                Entry::Table(t) => {
                    let before = out.len();
                    table_rows(&doc.tables[*t], section, group, &mut out);
                    group += usize::from(out.len() > before);
                }
                Entry::Para(lead, line) if lead.trim_end().ends_with(':') => {
                    let slots: Vec<&str> = entries[k + 1..]
                        .iter()
                        .map_while(|e| match e {
                            Entry::Item(i) => Some(doc.items[*i].text.as_str()),
                            _ => None,
                        })
                        .collect();
                    if let Some(row) = slot_row(lead, *line, &slots, section, group) {
                        out.push(row);
                        group += 1;
                    }
                }
                _ => {}
            }
        }
    }
    out
}

fn has_word(header: &str, words: &[&str]) -> bool {
    words.iter().any(|w| header.contains(&format!(" {w} ")))
}

/// A section's list of dated entries (`- **Monday 19th May 2025**: Week 1 — Release cycle
/// begins`, `- 2025-06-12: Enhancements freeze`, `- T-7 days: Code freeze`, or the name first:
/// `- 3.14.0 beta 1: Wednesday, 2025-05-07`): at least three top-level items, three in four
/// of them opening with a date or a clock time on a date. Each dated item is a row named by
/// the rest of its text.
fn dated_list(
    doc: &Doc,
    entries: &[Entry],
    section: Option<usize>,
    group: usize,
    out: &mut Vec<Row>,
) {
    let items: Vec<usize> = entries
        .iter()
        .filter_map(|e| match e {
            Entry::Item(i) if doc.items[*i].parent.is_none() && !doc.items[*i].quoted => Some(*i),
            _ => None,
        })
        .collect();
    let dated: Vec<(When, String, usize)> = items
        .iter()
        .filter_map(|&i| {
            let t = doc.items[i].text.as_str();
            // `Monday 19th May 2025: Week 1 — Release cycle begins`; the date may also end the
            // item, its name in the first nested item.
            let (date, rest) = t.split_once(": ").unwrap_or((t.trim_end_matches(':'), ""));
            // `3.14.0 beta 1: Wednesday, 2025-05-07`: the name first, its value only a date.
            let (when, rest, name_first) = match schedule::parse(date) {
                Some(when) => (when, rest, false),
                None if only_a_date(rest) => (schedule::parse(date_part(rest))?, date, true),
                None => return None,
            };
            // A day: a date, a clock time on a date, or a day counted from T-0 (`[RELEASE DATE
            // minus 14 days] (Monday): Release prep meeting`, `T-7: Code freeze`).
            if !matches!(
                when,
                When::Days { .. }
                    | When::Clock { date: Some(_), .. }
                    | When::Offset { .. }
                    | When::WorkingDays { .. }
            ) {
                return None;
            }
            let name = if rest.trim().is_empty() {
                // A first child is the next item (parents come before their children).
                doc.items
                    .get(i + 1)
                    .filter(|c| c.parent == Some(i))
                    .map_or(String::new(), |c| c.text.clone())
            } else {
                rest.to_string()
            };
            let name = name.trim().trim_start_matches(['—', '–', '-', ' ']);
            // A name written first may be a version alone (`3.14.2: Friday, 2025-12-05`);
            // one after its date needs words.
            let named = if name_first {
                name.chars().any(char::is_alphanumeric)
            } else {
                name.chars().any(char::is_alphabetic)
            };
            named.then(|| (when, name.to_string(), doc.items[i].line))
        })
        .collect();
    // Under a heading that says it is the schedule (`## Timing`, `## Key dates`), sentences
    // that each hold a date are the stages too (`The actual migration will take place on
    // Wednesday 18 February 2026.`), two or more, every item dated.
    let schedule_section = section.is_some_and(|h| is_schedule_heading(&doc.headings[h].text));
    // Steps at offsets inside a stage that has its own window (`### Phase 1: Freeze (T+0 to
    // T+15min)` then `- [ ] **T+5:** Verify no new writes`) are that stage's timed steps, not
    // stages of their own.
    let in_timed_stage = doc.in_timed_section(section.map_or(0, |h| h + 1))
        && dated
            .iter()
            .all(|(w, _, _)| matches!(w, When::Offset { .. }));
    let listed = !in_timed_stage
        && items.len() >= 3
        && dated.len() >= 3
        && dated.len() * 4 >= items.len() * 3;
    if schedule_section && !listed {
        let sentences: Vec<(When, String, usize)> = items
            .iter()
            .filter_map(|&i| {
                let sentence = super::rules::first_sentence(&doc.items[i].text, 100);
                let when = schedule::parse(&sentence)?;
                matches!(when, When::Days { .. } | When::Clock { date: Some(_), .. })
                    .then(|| (when, sentence, doc.items[i].line))
            })
            .collect();
        if items.len() >= 2 && sentences.len() == items.len() {
            out.extend(
                sentences
                    .into_iter()
                    .map(|(when, name, line)| dated_row(when, name, line, section, group)),
            );
            return;
        }
    }
    // Items that each announce their own start (`- Initial operation starts at 13:00 UTC
    // with …`, `- Second part of the operation starts at 14h30 UTC for …`), two or more and
    // every item of the list, on the day the list's lead names (`Maintenance is planned the
    // Tuesday 4th of July 2023:`): the stages of a notice, each its own step.
    if !listed && items.len() >= 2 {
        let announced: Vec<Row> = items
            .iter()
            .filter_map(|&i| {
                let it = &doc.items[i];
                let sentence = super::prose::sentences(&it.text).next()?;
                let When::Clock {
                    date,
                    start,
                    end,
                    zone,
                } = super::announce::window(sentence)?
                else {
                    return None;
                };
                let date = date.or_else(|| it.lead.as_deref().and_then(schedule::first_date));
                let when = When::Clock {
                    date,
                    start,
                    end,
                    zone,
                };
                let mut row = dated_row(when, sentence.to_string(), it.line, section, group);
                row.step = true;
                Some(row)
            })
            .collect();
        if announced.len() == items.len() {
            out.extend(announced);
            return;
        }
    }
    if !listed {
        return;
    }
    out.extend(
        dated
            .into_iter()
            .map(|(when, name, line)| dated_row(when, name, line, section, group)),
    );
}

/// Whether `text` is a date and nothing else but a weekday and punctuation (`Wednesday,
/// 2025-05-07`, `May 7, 2025`): the value of a `Name: date` entry.
fn only_a_date(text: &str) -> bool {
    // A remark in brackets after it (`(No new features beyond this point.)`) is no part of it.
    let text = date_part(text);
    let Some(found) = schedule::find_date(text) else {
        return false;
    };
    let rest = format!("{} {}", &text[..found.start], &text[found.end..]);
    rest.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .all(|w| {
            chrono::Weekday::from_str(w).is_ok() || matches!(w.to_ascii_lowercase().as_str(), "on")
        })
}

/// `text` without a bracketed remark after it.
fn date_part(text: &str) -> &str {
    match text.find(" (") {
        Some(k) if text.trim_end().ends_with(')') => &text[..k],
        _ => text,
    }
}

/// A row of the plan's own dated timeline ([`Row::dated_list`]).
fn dated_row(when: When, name: String, line: usize, section: Option<usize>, group: usize) -> Row {
    Row {
        name,
        number: None,
        when: Some(when),
        gate: None,
        section,
        group,
        slots: false,
        dated_list: true,
        step: false,
        line,
        who: None,
    }
}

/// A heading that names the plan's schedule: `Timing`, `Timeline`, `Schedule`, `Key dates`,
/// `Dates`, `Milestones`.
fn is_schedule_heading(text: &str) -> bool {
    let n = super::norm(text);
    [
        " timing ",
        " timeline ",
        " schedule ",
        " key dates ",
        " dates ",
        " milestones ",
    ]
    .iter()
    .any(|w| n == *w || n.starts_with(w) && n.split_whitespace().count() <= 3)
}

/// The rows of a table whose header names a time column and whose cells hold windows. In an
/// offset column (`-00:30`, `00:03`, as minutes from T-0), a row runs until the next row's
/// offset. Rows with no time whose text holds a hold point (`Steps 4 and 5 must be completed
/// before proceeding`) are kept as [`Row::gate`]s.
fn table_rows(table: &Table, section: Option<usize>, group: usize, out: &mut Vec<Row>) {
    let rows = &table.rows;
    let Some(header) = rows.first() else {
        return;
    };
    let header: Vec<String> = header.iter().map(|c| super::norm(c)).collect();
    let time_cols: Vec<usize> = (0..header.len())
        .filter(|&c| has_word(&header[c], TIME_COLUMNS))
        .collect();
    if time_cols.is_empty() {
        return;
    }
    let offset_col = time_cols
        .iter()
        .copied()
        .find(|&c| has_word(&header[c], &["offset"]));
    let name_cols: Vec<usize> = (0..header.len())
        .filter(|&c| !time_cols.contains(&c) && has_word(&header[c], NAME_COLUMNS))
        .collect();
    let who_cols: Vec<usize> = (0..header.len())
        .filter(|&c| has_word(&header[c], WHO_COLUMNS))
        .collect();
    let first = out.len();
    for (k, row) in rows.iter().enumerate().skip(1) {
        let line = table.lines.get(k).copied().unwrap_or(0);
        let cell = |c: usize| row.get(c).map_or("", String::as_str);
        let who = who_cols
            .iter()
            .map(|&c| cell(c).trim())
            .find(|t| t.chars().any(char::is_alphabetic))
            .map(str::to_string);
        let when = match offset_col {
            Some(c) => offset(cell(c)),
            None => time_cols.iter().find_map(|&c| window(cell(c))),
        };
        let mut number = None;
        let mut name = String::new();
        let named = |c: usize| {
            !time_cols.contains(&c)
                && !who_cols.contains(&c)
                && (name_cols.is_empty() || name_cols.contains(&c))
        };
        for (_, text) in row.iter().enumerate().filter(|&(c, _)| named(c)) {
            if schedule::duration_s(text).is_some() {
                continue;
            }
            if number.is_none() && is_number(text) {
                number = Some(text.trim().trim_end_matches(['.', ')']).to_string());
            } else if name.is_empty() && text.chars().any(char::is_alphabetic) {
                name.clone_from(text);
            }
        }
        let Some(when) = when else {
            if let Some(hold) = row.iter().find(|t| super::rules::is_decision_item(t)) {
                out.push(Row {
                    name: String::new(),
                    number: None,
                    when: None,
                    gate: Some(hold.clone()),
                    section,
                    group,
                    slots: false,
                    dated_list: false,
                    step: false,
                    line,
                    who: None,
                });
            }
            continue;
        };
        let n = super::norm(&name);
        if TOTAL_WORDS.iter().any(|w| n.contains(&format!(" {w} "))) {
            continue;
        }
        out.push(Row {
            name,
            number,
            when: Some(when),
            gate: None,
            section,
            group,
            slots: false,
            dated_list: false,
            step: false,
            line,
            who,
        });
    }
    if offset_col.is_some() {
        // Each offset row runs until the next later offset.
        let starts: Vec<Option<i64>> = out[first..]
            .iter()
            .map(|r| match r.when {
                Some(When::Offset { start_s, .. }) => Some(start_s),
                _ => None,
            })
            .collect();
        for k in 0..starts.len() {
            let Some(start) = starts[k] else {
                continue;
            };
            if let Some(next) = starts[k + 1..].iter().flatten().find(|&&s| s > start) {
                out[first + k].when = Some(When::Offset {
                    start_s: start,
                    end_s: *next,
                });
            }
        }
    }
}

/// An offset from T-0 in a schedule's offset column: `-00:30` (30 min before), `00:03`,
/// `+1:15`, `-5 min`; `n/a` and blanks are none.
fn offset(cell: &str) -> Option<When> {
    let t = cell.trim();
    let (sign, rest) = match t.strip_prefix(['-', '−', '–']) {
        Some(r) => (-1, r),
        None => (1, t.strip_prefix('+').unwrap_or(t)),
    };
    let seconds = match rest.split_once(':') {
        Some((h, m)) => {
            let h: i64 = h.trim().parse().ok()?;
            let m: i64 = m.trim().parse().ok().filter(|m| (0..60).contains(m))?;
            h.checked_mul(3600)?.checked_add(m * 60)?
        }
        None => schedule::duration_s(rest)?,
    };
    let start_s = sign * seconds.min(schedule::MAX_SPAN_S);
    Some(When::Offset {
        start_s,
        end_s: start_s,
    })
}

/// A window a schedule cell gives: a clock window, a date or an offset (`Dec 30, 06:00-08:00`,
/// `Nov 4-8`, `T-2 days`); not a bare length (`2 hours` is a duration column).
fn window(cell: &str) -> Option<When> {
    match schedule::parse(cell)? {
        When::Length { .. } | When::Weekday(_) => None,
        w => Some(w),
    }
}

/// A stage number: `1`, `1.1`, `2)`, `3.`.
fn is_number(text: &str) -> bool {
    let t = text.trim().trim_end_matches(['.', ')']);
    !t.is_empty()
        && t.starts_with(|c: char| c.is_ascii_digit())
        && t.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// A lead-in naming a stage, followed by hour slots (`08:00-09:00: Final checks`): one row
/// spanning the first slot's start to the last slot's end, on the lead-in's date if it has one.
fn slot_row(
    lead: &str,
    line: usize,
    slots: &[&str],
    section: Option<usize>,
    group: usize,
) -> Option<Row> {
    if slots.len() < 2 {
        return None;
    }
    let clocks: Vec<When> = slots
        .iter()
        .map(|s| match schedule::find(s)?.when {
            w @ When::Clock { end: Some(_), .. } => Some(w),
            _ => None,
        })
        .collect::<Option<_>>()?;
    let (When::Clock { start, zone, .. }, When::Clock { end, .. }) =
        (clocks[0], clocks[clocks.len() - 1])
    else {
        return None;
    };
    let date = schedule::first_date(lead);
    Some(Row {
        name: lead.trim_end().trim_end_matches(':').to_string(),
        number: None,
        when: Some(When::Clock {
            date,
            start,
            end,
            zone,
        }),
        gate: None,
        section,
        group,
        slots: true,
        dated_list: false,
        step: false,
        line,
        who: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::markdown::scan::scan;

    #[test]
    fn schedule_table_rows() {
        let doc = scan(
            "## Estimated Timeline\n\n| Phase | Task | Duration | Timeline |\n|---|---|---|---|\n| 1 | Environment Setup | 2 hours | Dec 30, 06:00-08:00 |\n| **Total** | **Preparation Complete** | ~10 hours | Dec 30, 06:00-17:00 |\n",
        );
        let rows = rows(&doc);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "Environment Setup");
        assert_eq!(rows[0].number.as_deref(), Some("1"));
        assert!(matches!(
            rows[0].when,
            Some(When::Clock { date: Some(_), .. })
        ));
    }

    #[test]
    fn hour_slots_under_a_lead_in() {
        let doc = scan(
            "## Timeline\n\n**Deployment Day (Dec 31)**:\n- 08:00-09:00: Final checks\n- 09:00-10:00: Code deployment\n- 11:00-12:00: Post-deployment\n",
        );
        let rows = rows(&doc);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "Deployment Day (Dec 31)");
        let Some(When::Clock {
            date, start, end, ..
        }) = rows[0].when
        else {
            panic!("{:?}", rows[0].when);
        };
        assert_eq!(date.map(|d| (d.month, d.day)), Some((12, 31)));
        assert_eq!(start.to_string(), "08:00:00");
        assert_eq!(end.map(|e| e.to_string()).as_deref(), Some("12:00:00"));
    }

    #[test]
    fn offset_tables_run_row_to_row_and_keep_hold_points() {
        let doc = scan(
            "| Offset | Activity | Who | Notes |\n|---|---|---|---|\n| -00:30 | 1.1 | All | |\n| 00:03 | 4.1 | Marc | |\n| | | | Steps 4 and 5 must be completed before proceeding |\n| 00:09 | 6.1 | Stephen | |\n| n/a | 8.1 | Marc | |\n",
        );
        let rows = rows(&doc);
        let got: Vec<_> = rows
            .iter()
            .map(|r| {
                (
                    r.number.as_deref(),
                    r.name.as_str(),
                    r.when,
                    r.gate.is_some(),
                )
            })
            .collect();
        let off = |a: i64, b: i64| {
            Some(When::Offset {
                start_s: a * 60,
                end_s: b * 60,
            })
        };
        assert_eq!(
            got,
            [
                (Some("1.1"), "", off(-30, 3), false),
                (Some("4.1"), "", off(3, 9), false),
                (None, "", None, true),
                (Some("6.1"), "", off(9, 9), false),
            ]
        );
    }

    #[test]
    fn tables_without_a_time_column_are_not_schedules() {
        let doc = scan("| Risk | Impact |\n|---|---|\n| Dec 30, 06:00-08:00 | High |\n");
        assert!(rows(&doc).is_empty());
    }
}
