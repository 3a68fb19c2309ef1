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
use super::rows::Row;
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
    /// Schedule rows that name no heading, resolved, from schedules that name headings for
    /// most of their rows: stages the plan only lists in its schedule.
    pub extra: Vec<(Row, Schedule)>,
    /// For each schedule row (as [`super::rows::rows`] lists them), the heading it named.
    pub row_heading: Vec<Option<usize>>,
    /// Table rows that named no heading, from tables most of whose rows named none: a run
    /// sheet's steps (`| 22:15 | Stop billing workers | Ops |`), resolved where their time can
    /// be ([`Schedule::None`] where it cannot). The builder makes them tasks, or stages when the
    /// plan has no other timeline.
    pub orphans: Vec<(Row, Schedule)>,
    /// The window the title heading gives, resolved (`UTRS Migration - SAT MAR 11 2017
    /// 11h00-19h00 EDT`): only a notice's phase takes it, as its sections are not its stages.
    pub title_schedule: Schedule,
}

/// Resolves the windows of `heads`: `found[h]` is what heading `h` itself says
/// ([`schedule::find`]), `lead[h]` what its first lines say ([`super::lead_times`], used where
/// the heading says nothing); `title_heading` is the heading used as the plan's title.
pub fn resolve(
    heads: &[Heading],
    title_heading: Option<usize>,
    rows: &[Row],
    mut found: Vec<Option<Found>>,
    lead: &[Option<Found>],
    meta: &Meta,
    warnings: &mut Warnings,
) -> Timing {
    let n = heads.len();
    let is_title = |h: usize| title_heading == Some(h);
    // A time the section's first lines give (`Target dates: 4/2-4/3 2026`), where its heading
    // gives none.
    for (h, f) in lead.iter().enumerate() {
        if found[h].is_none() && !is_title(h) {
            found[h].clone_from(f);
        }
    }
    weekdays_around_the_event(heads, &mut found);
    let (unmatched, orphan_rows, row_heading) = apply_rows(heads, &is_title, rows, &mut found);
    let mut schedules = vec![Schedule::None; n];
    // What each heading passes on to the headings below it: (date, year, zone).
    let mut ctx: Vec<(Option<NaiveDate>, Option<i32>, Zone)> = Vec::with_capacity(n);
    let mut clock_ref: Option<(NaiveTime, Zone)> = meta.time;
    let mut title_schedule = Schedule::None;
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
        if is_title(h) {
            let context = schedule::Context {
                date: inherited.0,
                year: inherited.1,
                zone: inherited.2,
                day_zone: meta.zone,
                clock_ref: None,
            };
            title_schedule = schedule::resolve(&f.when, &context).unwrap_or(Schedule::None);
        } else {
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
    // A dated plan whose stages give no time (`Date: February 21, 2026`, then `## Pre-cutover`,
    // `## Cutover Window Steps`): the stage that names the go-live event is that day.
    if meta.date.is_some() && rows.is_empty() && found.iter().all(Option::is_none) {
        let event_stage = (0..n).find(|&h| {
            !is_title(h)
                && schedule::names_event(&heads[h].text)
                && !schedule::names_event_side(&heads[h].text)
                && !opens_pre_or_post(&heads[h].text)
                && !super::rules::is_rollback_heading(&heads[h].text)
                && !super::rules::is_reference_heading(&heads[h].text)
        });
        if let Some(h) = event_stage {
            let day = When::Offset {
                start_s: 0,
                end_s: schedule::DAY,
            };
            found[h] = Some(Found {
                when: day,
                span: 0..0,
            });
            schedules[h] = Schedule::Offset {
                start_s: 0,
                end_s: schedule::DAY,
            };
        }
    }
    let resolve_row = |r: &Row| {
        let (date, year, zone) = r
            .section
            .map_or((meta.date, meta.year(), meta.zone), |h| ctx[h]);
        let context = schedule::Context {
            date,
            year,
            zone,
            day_zone: meta.zone,
            clock_ref,
        };
        schedule::resolve(&r.when?, &context).ok()
    };
    let orphans = orphan_rows
        .into_iter()
        .map(|r| {
            let s = resolve_row(&r).unwrap_or(Schedule::None);
            (r, s)
        })
        .collect();
    let extra = unmatched
        .into_iter()
        .filter_map(|r| {
            let s = resolve_row(&r)?;
            // A row spanning stages the headings already time sums them up (`Nov 22 |
            // Production Go-Live` over the day's timed stages): not a stage of its own.
            let sums_up = schedules.iter().any(|h| covers(&s, h));
            (!sums_up).then_some((r, s))
        })
        .collect();
    Timing {
        found,
        schedules,
        extra,
        row_heading,
        orphans,
        title_schedule,
    }
}

/// True when window `outer` holds window `inner` (both absolute, or both relative to T-0).
fn covers(outer: &Schedule, inner: &Schedule) -> bool {
    match (*outer, *inner) {
        (Schedule::At { start, end }, Schedule::At { start: s, end: e }) => start <= s && e <= end,
        (
            Schedule::Offset { start_s, end_s },
            Schedule::Offset {
                start_s: s,
                end_s: e,
            },
        ) => start_s <= s && e <= end_s,
        _ => false,
    }
}

/// Words that say nothing about which stage a row names.
const FILLER: &[&str] = &[
    "the", "a", "an", "and", "of", "to", "for", "in", "on", "at", "with", "phase", "stage", "step",
    "task", "tasks", "part",
];

/// The words of a name that can tell stages apart: lower case, numbers kept (`Week 1
/// Monitoring` names `Week 1 (First 7 Days)`), filler dropped.
fn words(text: &str) -> Vec<String> {
    super::norm(text)
        .split(' ')
        .filter(|w| !w.is_empty() && !FILLER.contains(w))
        .map(str::to_string)
        .collect()
}

/// `Pre-cutover`, `Post-deployment checks`: work on one side of the event, not the event.
fn opens_pre_or_post(text: &str) -> bool {
    let t = text.trim_start().to_ascii_lowercase();
    t.starts_with("pre") || t.starts_with("post")
}

fn has_letter(word: &str) -> bool {
    word.chars().any(char::is_alphabetic)
}

/// The stage number a heading opens with (`Phase 2: …` → `2`, `1.1) Hosts` → `1.1`,
/// `3. Deploy` → `3`).
fn heading_number(text: &str) -> Option<String> {
    let t = text.trim_start();
    let t = ["phase ", "stage ", "step "]
        .iter()
        .find_map(|p| {
            t.get(..p.len())
                .filter(|h| h.eq_ignore_ascii_case(p))
                .map(|_| &t[p.len()..])
        })
        .unwrap_or(t);
    let n: String = t
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let n = n.trim_end_matches('.');
    (!n.is_empty() && n.starts_with(|c: char| c.is_ascii_digit())).then(|| n.to_string())
}

/// Gives headings the windows that schedule rows write for them (see [`super::rows`]): a row
/// names the heading whose words it shares most (at least half of the row's words, and two
/// when it has two or more), its number
/// breaking ties, or only by number when the row has no name (a row numbered `4.1` where the
/// plan numbers `4)` names that heading, which stays open to the rows after it). The row's
/// window times a heading that has none or only a length; hour slots narrow a heading's whole
/// day. Headings inside a timed section and the title are not matched; a heading a schedule
/// names is a stage even when its words read as reference text (`Release Notes &
/// Documentation`). Returns the rows that named no heading, from schedules most of whose rows
/// did, the table rows that named no heading from tables most of whose rows named none
/// ([`Timing::orphans`]), and the heading each row named.
fn apply_rows(
    heads: &[Heading],
    is_title: &dyn Fn(usize) -> bool,
    rows: &[Row],
    found: &mut [Option<Found>],
) -> (Vec<Row>, Vec<Row>, Vec<Option<usize>>) {
    let n = heads.len();
    let timed0: Vec<bool> = found.iter().map(Option::is_some).collect();
    let inside_timed = |h: usize| {
        std::iter::successors(heads[h].parent, |&x| heads[x].parent)
            .any(|a| timed0[a] && !is_title(a))
    };
    let eligible: Vec<bool> = (0..n).map(|h| !is_title(h) && !inside_timed(h)).collect();
    let head_words: Vec<Vec<String>> = heads.iter().map(|h| words(&h.text)).collect();
    let numbers: Vec<Option<String>> = heads.iter().map(|h| heading_number(&h.text)).collect();
    let mut claimed = vec![false; n];
    let mut heading_of: Vec<Option<usize>> = vec![None; rows.len()];
    for (r, row) in rows.iter().enumerate() {
        let Some(when) = row.when else {
            continue;
        };
        let rw = words(&row.name);
        let number_match = |h: usize| match (&row.number, &numbers[h]) {
            (Some(a), Some(b)) if a == b => 2,
            (Some(a), Some(b)) if a.starts_with(&format!("{b}.")) => 1,
            _ => 0,
        };
        let best = (0..n)
            .filter(|&h| eligible[h] && !claimed[h])
            .filter_map(|h| {
                let shared = rw.iter().filter(|w| head_words[h].contains(w)).count();
                // Names that share only numbers (`3.14.0 alpha 1` and `3.14.0 schedule`) are
                // different stages.
                let shares_a_word = rw
                    .iter()
                    .any(|w| has_letter(w) && head_words[h].contains(w));
                // A name of numbers alone (`3.14.2`) names a heading by its number only.
                let score = if !rw.iter().any(|w| has_letter(w)) {
                    number_match(h)
                } else if shared * 2 >= rw.len() && shared >= rw.len().min(2) && shares_a_word {
                    shared * 4 + number_match(h)
                } else {
                    0
                };
                (score > 0).then_some((score, std::cmp::Reverse(heads[h].level), h))
            })
            .max();
        let Some((_, _, h)) = best else {
            continue;
        };
        let prefix_only = rw.is_empty() && number_match(h) == 1;
        claimed[h] = !prefix_only;
        heading_of[r] = Some(h);
        match &mut found[h] {
            slot @ (None
            | Some(Found {
                when: When::Length { .. },
                ..
            })) => {
                *slot = Some(Found { when, span: 0..0 });
            }
            Some(f) => {
                if let (
                    When::Days { first, last },
                    When::Clock {
                        date,
                        start,
                        end,
                        zone,
                    },
                ) = (f.when, when)
                    && row.slots
                    && first == last
                    && date.is_none_or(|d| d.month == first.month && d.day == first.day)
                {
                    f.when = When::Clock {
                        date: Some(first),
                        start,
                        end,
                        zone,
                    };
                }
            }
        }
    }
    let groups = rows.iter().map(|r| r.group).max().map_or(0, |g| g + 1);
    let mut total = vec![0usize; groups];
    let mut hits = vec![0usize; groups];
    for (r, row) in rows.iter().enumerate() {
        total[row.group] += 1;
        hits[row.group] += usize::from(heading_of[r].is_some());
    }
    let (unmatched, orphans): (Vec<Row>, Vec<Row>) = rows
        .iter()
        .enumerate()
        .filter(|&(r, row)| {
            heading_of[r].is_none() && row.when.is_some() && !row.slots && !row.name.is_empty()
        })
        .map(|(_, row)| row.clone())
        .partition(|row| row.dated_list || hits[row.group] * 2 >= total[row.group]);
    (unmatched, orphans, heading_of)
}

/// Weekday sections of a week that leads to a release day (`Promote branches (Monday)` …
/// `Release day (Thursday)` … `Beta update (Friday)`): the section whose heading names the
/// event's day and a weekday is T-0, and each other weekday is the nearest such day before it
/// (sections written above it) or after it (sections below), as the plan's week runs. Without
/// such a release day, the week runs from its first weekday ([`week_from_its_first_day`]).
fn weekdays_around_the_event(heads: &[Heading], found: &mut [Option<Found>]) {
    let weekday = |f: &Option<Found>| match f {
        Some(Found {
            when: When::Weekday(d),
            ..
        }) => Some(*d),
        _ => None,
    };
    let Some((anchor, release_day)) = (0..heads.len()).find_map(|h| {
        let d = weekday(&found[h])?;
        schedule::names_event_day(&heads[h].text).then_some((h, d))
    }) else {
        week_from_its_first_day(found, weekday);
        return;
    };
    let from = i64::from(release_day.num_days_from_monday());
    for (h, slot) in found.iter_mut().enumerate() {
        let Some(d) = weekday(slot) else {
            continue;
        };
        let to = i64::from(d.num_days_from_monday());
        let offset_days = match h.cmp(&anchor) {
            std::cmp::Ordering::Equal => 0,
            std::cmp::Ordering::Less => match (from - to).rem_euclid(7) {
                0 => -7,
                r => -r,
            },
            std::cmp::Ordering::Greater => match (to - from).rem_euclid(7) {
                0 => 7,
                r => r,
            },
        };
        if let Some(f) = slot.as_mut() {
            f.when = When::Offset {
                start_s: offset_days * schedule::DAY,
                end_s: (offset_days + 1) * schedule::DAY,
            };
        }
    }
}

/// Weekday sections with no release day among them (`1. Tuesday PM: Release to stage`,
/// `2. Wednesday`, `3. Monday`, `4. Tuesday`): a week's cycle as it runs, so the first is T-0's
/// day and each next one the first such weekday after the one before. A lone weekday stays
/// unscheduled: one day names no cycle.
fn week_from_its_first_day(
    found: &mut [Option<Found>],
    weekday: impl Fn(&Option<Found>) -> Option<chrono::Weekday>,
) {
    if found.iter().filter(|f| weekday(f).is_some()).count() < 2 {
        return;
    }
    let mut at: Option<(chrono::Weekday, i64)> = None;
    for slot in found.iter_mut() {
        let Some(d) = weekday(slot) else {
            continue;
        };
        let day = match at {
            None => 0,
            Some((prev, day)) => {
                let ahead =
                    i64::from(d.num_days_from_monday()) - i64::from(prev.num_days_from_monday());
                day + match ahead.rem_euclid(7) {
                    0 => 7,
                    r => r,
                }
            }
        };
        at = Some((d, day));
        if let Some(f) = slot.as_mut() {
            f.when = When::Offset {
                start_s: day * schedule::DAY,
                end_s: (day + 1) * schedule::DAY,
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
