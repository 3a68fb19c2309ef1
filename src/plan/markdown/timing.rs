//! Resolving the time windows of headings in the context of the sections around them: a
//! heading's clock window takes its date from the nearest enclosing dated section (else the
//! plan's date) and its zone from the nearest enclosing window that writes one (else the plan's
//! zone); a date without a year takes the nearest enclosing year (else the plan's).
//!
//! When a clock window has no date anywhere, it is placed relative to T-0 (the plan's go-live
//! time, else the first such window), so `--start` decides the day; that is warned about.

use chrono::{NaiveDate, NaiveTime};

use super::Warnings;
use super::meta::Meta;
use super::scan::Heading;
use crate::plan::Schedule;
use crate::plan::schedule::{self, Found, Unresolved, When};
use crate::plan::zones::Zone;

/// The windows found in headings and what they resolve to, index by index.
pub struct Timing {
    /// The window written in each heading, if any.
    pub found: Vec<Option<Found>>,
    /// The resolved schedule of each heading ([`Schedule::None`] for the title heading, whose
    /// window only gives context, and for windows that could not be resolved).
    pub schedules: Vec<Schedule>,
}

/// Finds and resolves the windows of `heads`; `title_heading` is the heading used as the plan's
/// title.
pub fn resolve(
    heads: &[Heading],
    title_heading: Option<usize>,
    meta: &Meta,
    warnings: &mut Warnings,
) -> Timing {
    let n = heads.len();
    let is_title = |h: usize| title_heading == Some(h);
    let mut found: Vec<Option<Found>> = heads.iter().map(|h| schedule::find(&h.text)).collect();
    weekdays_around_the_event(heads, &mut found);
    let mut schedules = vec![Schedule::None; n];
    // What each heading passes on to the headings below it: (date, year, zone).
    let mut ctx: Vec<(Option<NaiveDate>, Option<i32>, Zone)> = Vec::with_capacity(n);
    let mut clock_ref: Option<(NaiveTime, Zone)> = meta.time;
    for h in 0..n {
        let head = &heads[h];
        let inherited = head
            .parent
            .map_or((meta.date, meta.year(), meta.zone), |p| ctx[p]);
        let Some(f) = &found[h] else {
            for g in schedule::unreadable_groups(&head.text) {
                warnings.add(
                    head.line,
                    format!(
                        "could not read the time {g} in heading \"{}\"; the section stays unscheduled: write e.g. (09:00 AM - 10:30 AM UTC), (Nov 4-8, 2025), (5 minutes) or T-7 Days",
                        head.text
                    ),
                );
            }
            ctx.push(inherited);
            continue;
        };
        let written = &head.text[f.span.clone()];
        if !is_title(h) {
            if let When::Clock {
                date: None,
                start,
                zone,
                ..
            } = f.when
                && inherited.0.is_none()
            {
                clock_ref.get_or_insert((start, zone.unwrap_or(inherited.2)));
                warnings.add(
                    head.line,
                    format!(
                        "{written} has no date and the plan names none (e.g. **Launch Date:** December 13, 2025): resolved against T-0, i.e. --start"
                    ),
                );
            }
            let context = schedule::Context {
                date: inherited.0,
                year: inherited.1,
                zone: inherited.2,
                day_zone: meta.zone,
                clock_ref,
            };
            match schedule::resolve(&f.when, &context) {
                Ok(s) => schedules[h] = s,
                Err(e) => warnings.add(head.line, unresolved_message(e, written)),
            }
        }
        let year = schedule::year_of(&f.when).or(inherited.1);
        ctx.push((
            schedule::date_of(&f.when, year).or(inherited.0),
            year,
            schedule::zone_of(&f.when).unwrap_or(inherited.2),
        ));
    }
    Timing { found, schedules }
}

/// Weekday sections of a week that leads to a release day (`Promote branches (Monday)` …
/// `Release day (Thursday)` … `Beta update (Friday)`): the section whose heading names the
/// event's day and a weekday is T-0, and each other weekday is the nearest such day before it
/// (sections written above it) or after it (sections below), as the plan's week runs. Without
/// such a release day, weekdays stay unscheduled.
fn weekdays_around_the_event(heads: &[Heading], found: &mut [Option<Found>]) {
    let weekday = |f: &Option<Found>| match f {
        Some(Found {
            when: When::Weekday(d),
            ..
        }) => Some(*d),
        _ => None,
    };
    let Some((anchor, day0)) = (0..heads.len()).find_map(|h| {
        let d = weekday(&found[h])?;
        schedule::names_event_day(&heads[h].text).then_some((h, d))
    }) else {
        return;
    };
    for h in 0..heads.len() {
        let Some(d) = weekday(&found[h]) else {
            continue;
        };
        let (a, b) = (
            i64::from(day0.num_days_from_monday()),
            i64::from(d.num_days_from_monday()),
        );
        let days = match h.cmp(&anchor) {
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Less => match (a - b).rem_euclid(7) {
                0 => -7,
                r => -r,
            },
            std::cmp::Ordering::Greater => match (b - a).rem_euclid(7) {
                0 => 7,
                r => r,
            },
        };
        if let Some(f) = found[h].as_mut() {
            f.when = When::Offset {
                start_s: days * schedule::DAY,
                end_s: (days + 1) * schedule::DAY,
            };
        }
    }
}

fn unresolved_message(e: Unresolved, written: &str) -> String {
    match e {
        Unresolved::NoYear => format!(
            "{written} has no year and the plan names none (add the year, or a line such as **Launch Date:** December 13, 2025): the section stays unscheduled"
        ),
        Unresolved::Invalid => {
            format!("{written} is not a real date: the section stays unscheduled")
        }
        Unresolved::Weekday => format!(
            "{written} names a weekday but no date: the phase is kept, unscheduled; write a date or an offset such as T-3 Days to put it on the timeline"
        ),
        Unresolved::NoDate => {
            format!("{written} has no date and the plan names none: the section stays unscheduled")
        }
    }
}
