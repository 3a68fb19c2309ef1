//! The window a notice announces in a sentence, for plans written as an announcement rather
//! than a checklist: maintenance notices, status-page posts, downtime issues.
//!
//! `On Monday, September 5th at 7am UTC … Checkly engineering will perform a critical database
//! migration in a 30 minute planned maintenance window.` → September 5, 07:00–07:30 UTC;
//! `This will begin at around 10AM on 23 May and should last until no later than 2PM.` →
//! May 23, 10:00–14:00; `Thursday August 22 2024, the controller will be restarted …` → that
//! day. A sentence announces only when it says the work is to come (`will`, `is planned`,
//! `is scheduled`, `starts at`, `begins at`): `Downtime was just shy of 8 hours` reports.

use chrono::{Duration, NaiveTime};

use super::meta::Meta;
use super::prose;
use super::scan::{Doc, Entry};
use crate::plan::Schedule;
use crate::plan::schedule::{self, DateSpec, When};

/// A notice's announcement: the window it gives, and the sentence that gives it (the work
/// to do, as a task).
#[derive(Debug, Clone, PartialEq)]
pub struct Announced {
    /// The resolved window.
    pub schedule: Schedule,
    /// The sentence, as written.
    pub text: String,
    /// Its line (1-based).
    pub line: usize,
}

/// The first window announced in the plan's opening text — its title, the text before the
/// first heading and under the title heading, code blocks included (a notice often quotes the
/// e-mail it sent) — resolved against the plan's header facts. A date written without a year
/// takes the year of the last date written before it (`dqwiki · description · 2017-02-02`);
/// a day without a clock time takes the header's time when it is that day (a status page's
/// `date: 2024-08-22T13:00:00Z`).
#[must_use]
pub fn opening_window(doc: &Doc, title_heading: Option<usize>, meta: &Meta) -> Option<Announced> {
    let blocks = opening(doc, title_heading);
    let mut year = meta.year();
    for (text, line) in blocks {
        let mut previous: Option<&str> = None;
        for sentence in prose::sentences(text) {
            if let Some(when) = window(sentence)
                && let Some(schedule) = resolve(when, year, meta)
            {
                // `This will begin at around 10AM …` names its work in the sentence before.
                // Of the sentence before, its last clause: `Cloud server configuration is
                // complete, and the main migration can now take place.`
                let text = match previous.filter(|_| opens_with_pronoun(sentence)) {
                    Some(p) => {
                        let clause = p.rsplit(", ").next().unwrap_or(p);
                        let clause = clause.strip_prefix("and ").unwrap_or(clause);
                        format!("{clause} {sentence}")
                    }
                    None => sentence.to_string(),
                };
                return Some(Announced {
                    schedule,
                    text,
                    line,
                });
            }
            previous = Some(sentence);
            if let Some(y) = schedule::first_date(sentence).and_then(|d| d.year) {
                year = Some(y);
            }
        }
    }
    None
}

/// Whether `sentence` opens with a word that points back (`This will begin…`, `It is
/// planned…`).
fn opens_with_pronoun(sentence: &str) -> bool {
    let first = sentence.split_whitespace().next().unwrap_or("");
    ["this", "it", "that"]
        .iter()
        .any(|w| first.eq_ignore_ascii_case(w))
}

/// The plan's opening text as (text, line) blocks: its title heading, then the paragraphs,
/// code blocks and top-level items before the first heading and under the title heading.
#[must_use]
pub fn opening(doc: &Doc, title_heading: Option<usize>) -> Vec<(&str, usize)> {
    let mut blocks: Vec<(&str, usize)> = Vec::new();
    if let Some(h) = title_heading {
        blocks.push((&doc.headings[h].text, doc.headings[h].line));
    }
    let sections = std::iter::once(0).chain(title_heading.map(|h| h + 1));
    for s in sections {
        for e in doc.entries.get(s).into_iter().flatten() {
            match e {
                Entry::Para(p, line) => blocks.push((p, *line)),
                Entry::Code(code, fence) => blocks.push((code, fence.line)),
                Entry::Item(i) if doc.items[*i].parent.is_none() => {
                    blocks.push((&doc.items[*i].text, doc.items[*i].line));
                }
                _ => {}
            }
        }
    }
    blocks
}

/// `when` on the plan's timeline, with `year` for a date written without one.
fn resolve(when: When, year: Option<i32>, meta: &Meta) -> Option<Schedule> {
    let when = match (when, meta.time, meta.date) {
        (When::Days { first, .. }, Some((start, zone)), Some(date))
            if first.date(year) == Some(date) =>
        {
            When::Clock {
                date: Some(first),
                start,
                end: None,
                zone: Some(zone),
            }
        }
        _ => when,
    };
    let context = schedule::Context {
        date: meta.date,
        year: date_of(&when).and_then(|d| d.year).or(year),
        zone: meta.zone,
        day_zone: meta.zone,
        clock_ref: meta.time,
    };
    let s = schedule::resolve(&when, &context).ok()?;
    // A window only announces when it is placed in time; a bare clock with nothing to date it
    // is not one.
    matches!(s, Schedule::At { .. }).then_some(s)
}

/// Words that say a sentence's work is to come: status notices write their plan this way
/// (`… will be restarted`, `is planned the Tuesday 4th of July`, `starts at 13:00 UTC`).
const TO_COME: &[&str] = &[
    " will ",
    " shall ",
    " is planned",
    " are planned",
    " is scheduled",
    " are scheduled",
    " planned for ",
    " scheduled for ",
    " starts at ",
    " start at ",
    " begins at ",
    " begin at ",
    " takes place ",
    " take place ",
    "'ll ",
    "’ll ",
    " aim to ",
    " aiming to ",
    " plan to ",
    " planning to ",
    " going to ",
];

/// Whether `sentence` says its work is to come (`… will shut down`, `is planned`, `we'll
/// proceed`, `we are aiming to move the site`), and not that something will not happen (`No
/// one will be able to …`, `There will be no email`) or what happens if something goes wrong
/// (`If we're not happy by 20:30, we will …`).
#[must_use]
pub fn says_to_come(sentence: &str) -> bool {
    let padded = format!(" {} ", sentence.to_ascii_lowercase());
    TO_COME.iter().any(|w| padded.contains(w))
        && ![
            " no ", " not ", " won't ", " never ", " no one ", " nobody ",
        ]
        .iter()
        .any(|w| padded.contains(w))
        // `the following will be done:` introduces the steps.
        && !sentence.trim_end().ends_with(':')
        // `If we're not happy by 20:30, we will …` is a contingency, not the plan.
        && ![" if ", " should ", " in case ", " unless ", " when "]
            .iter()
            .any(|w| padded.starts_with(w))
}

/// Words after which a sentence names when the work ends (`until no later than 2PM`).
const UNTIL: &[&str] = &[" until ", " till ", " ends at ", " end at ", " through "];

/// The window `sentence` announces: a clock window (`When::Clock`, with the date when one is
/// written) or a whole day (`When::Days`). `None` when the sentence does not say its work is to
/// come, or names neither a date nor a clock time.
#[must_use]
pub fn window(sentence: &str) -> Option<When> {
    let padded = format!(" {} ", sentence.to_ascii_lowercase());
    if !TO_COME.iter().any(|w| padded.contains(w)) {
        return None;
    }
    let date = schedule::first_date(sentence);
    let Some((start, zone)) = schedule::first_clock(sentence) else {
        return date.map(|d| When::Days { first: d, last: d });
    };
    let end = until(sentence, &padded).or_else(|| {
        let length_s = schedule::duration_s(sentence)?;
        (length_s > 0 && length_s < schedule::DAY)
            .then(|| start + Duration::seconds(length_s))
            .filter(|&e| e != start)
    });
    Some(When::Clock {
        date,
        start,
        end,
        zone,
    })
}

/// The clock time after `until` (`until no later than 2PM`), if any.
fn until(sentence: &str, padded: &str) -> Option<NaiveTime> {
    UNTIL.iter().find_map(|w| {
        // `padded` is `sentence` lower-cased (ASCII only, so offsets agree) with one space
        // before it.
        let at = padded.find(w)?;
        let rest = sentence.get(at + w.len() - 1..)?;
        schedule::first_clock(rest).map(|(t, _)| t)
    })
}

/// The date of a window as written, if any.
#[must_use]
pub fn date_of(when: &When) -> Option<DateSpec> {
    match *when {
        When::Clock { date, .. } => date,
        When::Days { first, .. } => Some(first),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock(w: Option<When>) -> (Option<(u32, u32)>, NaiveTime, Option<NaiveTime>) {
        match w {
            Some(When::Clock {
                date, start, end, ..
            }) => (date.map(|d| (d.month, d.day)), start, end),
            other => panic!("not a clock window: {other:?}"),
        }
    }

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn a_maintenance_notice_gives_its_window() {
        let w = window(
            "On Monday, September 5th at 7am UTC/ 9am CEST/ 3am ET Checkly engineering will perform a critical database migration in a 30 minute planned maintenance window.",
        );
        assert_eq!(clock(w), (Some((9, 5)), t(7, 0), Some(t(7, 30))));
        let w = window(
            "This will begin at around 10AM on 23 May and should last until no later than 2PM.",
        );
        assert_eq!(clock(w), (Some((5, 23)), t(10, 0), Some(t(14, 0))));
    }

    #[test]
    fn a_day_without_a_time_is_the_whole_day() {
        let w = window(
            "Thursday August 22 2024, the `ci.jenkins.io` controller will be restarted to upgrade the `datadog` plugin.",
        );
        assert!(
            matches!(w, Some(When::Days { first, .. }) if first.month == 8 && first.day == 22 && first.year == Some(2024)),
            "{w:?}"
        );
    }

    #[test]
    fn reports_and_undated_plans_announce_nothing() {
        assert_eq!(
            window("Kubernetes 1.25 upgrade on AWS went well and was finished at 15:00 UTC."),
            None
        );
        assert_eq!(window("Downtime was just shy of 8 hours."), None);
        assert_eq!(
            window("We will migrate our postgres database to a new provider."),
            None
        );
    }
}
