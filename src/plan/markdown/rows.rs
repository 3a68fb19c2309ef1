//! Schedules written apart from the stages they time: the rows of a schedule table
//! (`| 1 | Environment Setup | 2 hours | Dec 30, 06:00-08:00 |`) and lists of hour slots under a
//! lead-in that names a stage (`**Deployment Day (Dec 31)**:` then `- 08:00-09:00: …` …
//! `- 11:00-12:00: …`).
//!
//! Each becomes a [`Row`]: a stage's name, its number when the plan numbers its stages, and
//! the window written for it. [`crate::plan::markdown::timing`] matches rows to headings.

use super::scan::{Doc, Entry};
use crate::plan::schedule::{self, When};

/// One stage as a schedule names it.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The stage's name as written (`Environment Setup`, `Deployment Day (Dec 31)`); may be
    /// empty when the row only numbers the stage (`1.1`).
    pub name: String,
    /// The stage's number (`1`, `1.1`, `3`), when a cell holds only that.
    pub number: Option<String>,
    /// The window written for it.
    pub when: When,
    /// The section the schedule is in (`None`: before the first heading).
    pub section: Option<usize>,
    /// Which schedule (table or slot list) the row belongs to, in document order.
    pub group: usize,
    /// From a list of hour slots (narrows a day), not from a table.
    pub slots: bool,
}

/// Header words of a column that holds times.
const TIME_COLUMNS: &[&str] = &[
    "when", "date", "dates", "time", "times", "timeline", "schedule", "window", "offset", "start",
    "day", "eta",
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
        let mut k = 0;
        while k < entries.len() {
            match &entries[k] {
                Entry::Table(t) => {
                    let before = out.len();
                    table_rows(&doc.tables[*t].rows, section, group, &mut out);
                    group += usize::from(out.len() > before);
                }
                Entry::Para(lead) if lead.trim_end().ends_with(':') => {
                    let slots: Vec<&str> = entries[k + 1..]
                        .iter()
                        .map_while(|e| match e {
                            Entry::Item(i) => Some(doc.items[*i].text.as_str()),
                            _ => None,
                        })
                        .collect();
                    if let Some(row) = slot_row(lead, &slots, section, group) {
                        out.push(row);
                        group += 1;
                    }
                }
                _ => {}
            }
            k += 1;
        }
    }
    out
}

/// The rows of a table whose header names a time column and whose cells hold windows.
fn table_rows(rows: &[Vec<String>], section: Option<usize>, group: usize, out: &mut Vec<Row>) {
    let Some(header) = rows.first() else {
        return;
    };
    let header: Vec<String> = header.iter().map(|c| super::norm(c)).collect();
    let time_cols: Vec<usize> = (0..header.len())
        .filter(|&c| {
            TIME_COLUMNS
                .iter()
                .any(|w| header[c].contains(&format!(" {w} ")))
        })
        .collect();
    if time_cols.is_empty() {
        return;
    }
    for row in &rows[1..] {
        let cell = |c: usize| row.get(c).map_or("", String::as_str);
        let when = time_cols.iter().find_map(|&c| window(cell(c)));
        let Some(when) = when else {
            continue;
        };
        let mut number = None;
        let mut name = String::new();
        for (c, text) in row.iter().enumerate() {
            if time_cols.contains(&c) || schedule::duration_s(text).is_some() {
                continue;
            }
            if number.is_none() && is_number(text) {
                number = Some(text.trim().trim_end_matches(['.', ')']).to_string());
            } else if name.is_empty() && text.chars().any(char::is_alphabetic) {
                name.clone_from(text);
            }
        }
        let n = super::norm(&name);
        if TOTAL_WORDS.iter().any(|w| n.contains(&format!(" {w} "))) {
            continue;
        }
        out.push(Row {
            name,
            number,
            when,
            section,
            group,
            slots: false,
        });
    }
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
fn slot_row(lead: &str, slots: &[&str], section: Option<usize>, group: usize) -> Option<Row> {
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
        when: When::Clock {
            date,
            start,
            end,
            zone,
        },
        section,
        group,
        slots: true,
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
        assert!(matches!(rows[0].when, When::Clock { date: Some(_), .. }));
    }

    #[test]
    fn hour_slots_under_a_lead_in() {
        let doc = scan(
            "## Timeline\n\n**Deployment Day (Dec 31)**:\n- 08:00-09:00: Final checks\n- 09:00-10:00: Code deployment\n- 11:00-12:00: Post-deployment\n",
        );
        let rows = rows(&doc);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].name, "Deployment Day (Dec 31)");
        let When::Clock {
            date, start, end, ..
        } = rows[0].when
        else {
            panic!("{:?}", rows[0].when);
        };
        assert_eq!(date.map(|d| (d.month, d.day)), Some((12, 31)));
        assert_eq!(start.to_string(), "08:00:00");
        assert_eq!(end.map(|e| e.to_string()).as_deref(), Some("12:00:00"));
    }

    #[test]
    fn tables_without_a_time_column_are_not_schedules() {
        let doc = scan("| Risk | Impact |\n|---|---|\n| Dec 30, 06:00-08:00 | High |\n");
        assert!(rows(&doc).is_empty());
    }
}
