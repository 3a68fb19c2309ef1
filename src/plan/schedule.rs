//! Reading the times that plans write in headings and in their header lines, and resolving them
//! into [`Schedule`]s.
//!
//! Reading ([`find`], [`parse`]) and resolving ([`resolve`]) are separate because a heading's
//! time often needs its context: `Phase 1 (09:00 AM - 10:30 AM)` takes its date from an
//! enclosing `(December 13, 2025)` section and its zone from an enclosing `(… UTC)` window.
//!
//! What is understood (case-insensitive; `-`, `–`, `—` and `to` separate ranges):
//!
//! | written | read as |
//! | --- | --- |
//! | `09:00 AM - 10:30 AM UTC`, `2:00 AM - 4:00 AM`, `09:00-10:00 WAT`, `21:00 Europe/London` | [`When::Clock`] (end before start: crosses midnight) |
//! | `Dec 30, 06:00-08:00`, `November 22, 2025, 2:00 AM UTC`, `21:00 UTC Friday 20th June 2025` | [`When::Clock`] with its own date |
//! | `December 1-12, 2025`, `December 1-3`, `Nov 4-8, 2025`, `Nov 22, 2025`, `Nov 30-Dec 22`, `19th May 2025`, `2025-12-13`, `December 2025` | [`When::Days`] (whole days) |
//! | `T-14 Days`, `T+1 Days`, `T-0`, `T-plus 30 days`, `T-2 hours` | [`When::Offset`]: that day (hour…) relative to T-0 |
//! | `T-minus 30 working days`, `T-5 business days` | [`When::WorkingDays`]: counted Monday to Friday from T-0 when the room knows T-0 |
//! | `D-Day`, `D-3`, `D+1`, `day X`, `X+30 days`, a heading's `Day 2-3` | [`When::Offset`], as `T` |
//! | `Week 0`, `Week 2`, `~Week 5 - 7`, `~Week 16, 17` | [`When::Offset`]: week 1 starts at T-0, week 0 is the week before (as in Kubernetes release calendars) |
//! | `5 minutes`, `Within 2 Hours`, `First 24 Hours`, `~30 min`, `1.5 hours`, `1-3 Weeks` (upper bound) | [`When::Length`] |
//! | `~ 2 weeks before the release date`, `two days ahead of go-live`, `Release Day`, `Day of Public Release` | [`When::Offset`] from the go-live event (module `event`) |
//! | `Monday`, `Friday the week before` | [`When::Weekday`]: not schedulable without a date |
//!
//! Working days are counted against T-0's real weekday when the room resolves the plan
//! (Saturdays and Sundays skipped; public holidays are not known).

use std::ops::Range;

use chrono::{Datelike, NaiveDate, NaiveTime, Weekday};

mod event;

use super::Schedule;
use super::lex::{Token, tokens};
use super::zones::{self, Zone};

/// Seconds in a minute, an hour, a day, a week.
pub const MINUTE: i64 = 60;
/// Seconds in an hour.
pub const HOUR: i64 = 3_600;
/// Seconds in a day.
pub const DAY: i64 = 86_400;
/// Seconds in a week.
pub const WEEK: i64 = 7 * DAY;

/// The longest offset or length accepted, in seconds (100 years): larger numbers are typos or
/// hostile input, and would overflow date arithmetic when resolved.
pub const MAX_SPAN_S: i64 = 100 * 366 * DAY;

fn sane(seconds: i64) -> Option<i64> {
    (seconds.abs() <= MAX_SPAN_S).then_some(seconds)
}

/// A calendar date as written; the year may be left to the context (`December 1-3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateSpec {
    /// The year, when written.
    pub year: Option<i32>,
    /// Month, 1–12.
    pub month: u32,
    /// Day of the month, 1–31.
    pub day: u32,
}

impl DateSpec {
    /// The date, taking `year` when none was written. `None` when no year is known or the
    /// date does not exist (February 30).
    #[must_use]
    pub fn date(self, year: Option<i32>) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year.or(year)?, self.month, self.day)
    }
}

/// A time as a plan wrote it, before resolution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A clock-time window (or a single time when `end` is `None`), on `date` if written.
    Clock {
        /// The date written with the times, if any.
        date: Option<DateSpec>,
        /// Start (wall clock in `zone`).
        start: NaiveTime,
        /// End; before `start` means the next day.
        end: Option<NaiveTime>,
        /// The zone written, if any.
        zone: Option<Zone>,
    },
    /// Whole days, `first` to `last` inclusive.
    Days {
        /// First day.
        first: DateSpec,
        /// Last day (same as `first` for one day).
        last: DateSpec,
    },
    /// Working days relative to T-0 (see [`Schedule::WorkingDays`]).
    WorkingDays {
        /// Working days from T-0 to the start.
        start_days: i64,
        /// The start plus the window's length in calendar days.
        end_days: i64,
    },
    /// A window relative to T-0, in seconds.
    Offset {
        /// Start, seconds from T-0 (negative: before).
        start_s: i64,
        /// End, seconds from T-0.
        end_s: i64,
    },
    /// Only a length, in seconds.
    Length {
        /// Length in seconds.
        length_s: i64,
    },
    /// A weekday without a date: cannot be placed on a timeline.
    Weekday(Weekday),
}

/// A time found in a heading and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    /// What it says.
    pub when: When,
    /// Byte range in the heading (including the parentheses around it, if any), so the phase
    /// title can be written without it.
    pub span: Range<usize>,
}

/// The time window of a heading: the first parenthesized group that reads as a time
/// (`Phase 1 (09:00 AM - 10:30 AM)`); else, written bare, a relative time (`T-14 Days`,
/// `D-Day`), a clock window (`09:00 - 10:00 UTC Deploy`, `2025-12-13 09:00-17:00`), or a clock
/// time opening the heading (`10:30 Smoke tests`, `1. 09:00 AM Kickoff`). Other bare dates and
/// weeks are not taken, as in headings they are usually names or status lines
/// (`Week 1 Monitoring`, `December 26, 2025 - Execution Started`).
#[must_use]
pub fn find(heading: &str) -> Option<Found> {
    for group in paren_groups(heading) {
        let inner = &heading[group.start + 1..group.end - 1];
        if let Some(when) = parse(inner) {
            return Some(Found { when, span: group });
        }
    }
    let toks = tokens(heading);
    let found = |i: usize, (when, j): (When, usize)| Found {
        when,
        span: toks[i].span.start..toks[j - 1].span.end,
    };
    // A clock time opening the heading, possibly after an enumerator (`1.`, `a)`).
    let first = usize::from(
        toks.len() > 2
            && (toks[0].int().is_some() || toks[0].word().is_some_and(|w| w.chars().count() == 1))
            && (toks[1].sym('.') || toks[1].sym(')')),
    ) * 2;
    if let Some(r) = clock_range(&toks, first, heading) {
        return Some(found(first, (clock_when(None, &r), r.next)));
    }
    // `Day 0: Internal test`, `Day 2-3: Beta`, `Day 4+: GA` open the heading: days counted from
    // T-0 (day 0).
    if let Some(hit) = day_number(&toks, first) {
        return Some(found(first, hit));
    }
    // `After at least 2 days` opening the heading: that long after the go-live event.
    if let Some(hit) = event::after_a_while(&toks, first) {
        return Some(found(first, hit));
    }
    // A weekday opening the heading (`3. Monday`, `Tuesday PM: Release to stage`): the day of a
    // week's cycle, placed by [`crate::plan::markdown`] against the other weekdays.
    if let Some(d) = toks.get(first).and_then(weekday) {
        return Some(found(first, (When::Weekday(d), first + 1)));
    }
    for i in 0..toks.len() {
        if let Some(hit) = relative_td(&toks, i)
            .or_else(|| event::relative(&toks, i))
            .or_else(|| event::day(&toks, i))
        {
            return Some(found(i, hit));
        }
        if let Some((day, last, j)) = date_range(&toks, i)
            && day == last
            && let Some(r) = clock_range(&toks, skip_joiners(&toks, j), heading)
            && r.end.is_some()
        {
            return Some(found(i, (clock_when(Some(day), &r), r.next)));
        }
        if let Some(r) = clock_range(&toks, i, heading).filter(|r| r.end.is_some()) {
            return Some(found(i, (clock_when(None, &r), r.next)));
        }
    }
    None
}

/// A time counted from the go-live event that opens `text` (`One week in advance of the
/// agreed date, ensure …`, `On the day of the release co-ordinate …`, `Two days before the
/// release, …`), after at most `on` / `at` / `the`: the window and the byte offset where the
/// words that say it end.
#[must_use]
pub fn opening_relative(text: &str) -> Option<(When, usize)> {
    let toks = tokens(text);
    let lead = toks
        .iter()
        .take_while(|t| t.is_any(&["on", "at", "the"]))
        .count();
    (0..=lead).find_map(|i| {
        let (when, j) = event::relative(&toks, i).or_else(|| event::day(&toks, i))?;
        matches!(when, When::Offset { .. }).then(|| (when, toks[j - 1].span.end))
    })
}

/// True when `text` names the day of the go-live event (`Release day`, `Rollout day`, `Day of
/// Public Release`), wherever in the text.
#[must_use]
pub fn names_event_day(text: &str) -> bool {
    let toks = tokens(text);
    (0..toks.len()).any(|i| event::day(&toks, i).is_some())
}

/// True when `text` names the go-live event anywhere (`Cutover Window Steps`, `Production
/// deployment`, `Go-live`).
#[must_use]
pub fn names_event(text: &str) -> bool {
    let toks = tokens(text);
    (0..toks.len()).any(|i| event::near(&toks, i).is_some())
}

/// True when `text` opens by placing its work before or after the go-live event without
/// saying how long (`Before the final release`, `After Release`, `Prior to the cutover`): a
/// stage on the plan's time line, though without a window.
#[must_use]
pub fn names_event_side(text: &str) -> bool {
    let toks = tokens(text);
    let at = match toks.first() {
        Some(t) if t.is_any(&["before", "after"]) => 1,
        Some(t) if t.is("prior") && toks.get(1).is_some_and(|x| x.is("to")) => 2,
        _ => return false,
    };
    event::near(&toks, at).is_some()
}

/// `Day 0`, `Day 2-3`, `Day 4+` at `i`: T+0, T+2 d … T+4 d, T+4 d (the day of each).
fn day_number(toks: &[Token], i: usize) -> Option<(When, usize)> {
    if !toks.get(i)?.is("day") {
        return None;
    }
    let from = i64::from(toks.get(i + 1)?.int()?);
    let (to, next) = match (toks.get(i + 2), toks.get(i + 3).and_then(Token::int)) {
        (Some(t), Some(last)) if t.is_dash() && i64::from(last) >= from => (i64::from(last), i + 4),
        (Some(t), _) if t.sym('+') => (from, i + 3),
        _ => (from, i + 2),
    };
    if to > 366 {
        return None;
    }
    Some((
        When::Offset {
            start_s: from * DAY,
            end_s: (to + 1) * DAY,
        },
        next,
    ))
}

/// Skips what joins a date to its times (`,`, `@`, `at`, `from`).
fn skip_joiners(toks: &[Token], mut k: usize) -> usize {
    while toks
        .get(k)
        .is_some_and(|t| t.sym(',') || t.sym('@') || t.is_any(&["at", "from"]))
    {
        k += 1;
    }
    k
}

/// The parenthesized groups of a heading that look like a time but could not be read
/// (`(Decembr 1-3)`), for warnings.
#[must_use]
pub fn unreadable_groups(heading: &str) -> Vec<&str> {
    paren_groups(heading)
        .into_iter()
        .map(|g| &heading[g])
        .filter(|g| parse(&g[1..g.len() - 1]).is_none() && looks_timed(g))
        .collect()
}

/// Reads `text` as one time expression (the inside of a heading's parentheses), looking for, in
/// this order: a relative time, a date (with clock times, if any), a clock window, a length, a
/// weekday.
#[must_use]
pub fn parse(text: &str) -> Option<When> {
    let toks = tokens(text);
    let n = toks.len();
    if let Some(w) = (0..n).find_map(|i| {
        relative_td(&toks, i)
            .or_else(|| event::relative(&toks, i))
            .or_else(|| event::day(&toks, i))
            .or_else(|| weeks(&toks, i))
    }) {
        return Some(w.0);
    }
    if let Some((at, (first, last, j))) = (0..n).find_map(|i| date_range(&toks, i).map(|d| (i, d)))
    {
        let k = skip_joiners(&toks, j);
        if first == last
            && let Some(r) = clock_range(&toks, k, text)
        {
            return Some(clock_when(Some(first), &r));
        }
        // The time before its date: `21:00 UTC Friday 20th June 2025`.
        if first == last
            && let Some(r) = clock_range(&toks, 0, text)
            && r.next <= at
        {
            return Some(clock_when(Some(first), &r));
        }
        // `week of 08/29/2022`: the seven days from that date.
        let week_of = at >= 2 && toks[at - 2].is("week") && toks[at - 1].is("of");
        if week_of
            && first == last
            && let Some(year) = first.year
            && let Some(end) = NaiveDate::from_ymd_opt(year, first.month, first.day)
                .and_then(|d| d.checked_add_days(chrono::Days::new(6)))
        {
            let last = DateSpec {
                year: Some(end.year()),
                month: end.month(),
                day: end.day(),
            };
            return Some(When::Days { first, last });
        }
        return Some(When::Days { first, last });
    }
    if let Some(r) = (0..n).find_map(|i| clock_range(&toks, i, text)) {
        return Some(clock_when(None, &r));
    }
    if let Some((length_s, _)) = (0..n).find_map(|i| duration(&toks, i)) {
        return Some(When::Length { length_s });
    }
    toks.iter().find_map(weekday).map(When::Weekday)
}

/// True when `text` has something time-like (a month or weekday name, `HH:MM`, `AM`/`PM`, a
/// number with a time unit, `T-…`): used to warn about times that could not be read.
#[must_use]
pub fn looks_timed(text: &str) -> bool {
    let toks = tokens(text);
    toks.iter().enumerate().any(|(i, t)| {
        weekday(t).is_some()
            || month(t).is_some()
            || (t.num().is_some()
                && toks
                    .get(i + 1)
                    .is_some_and(|u| u.sym(':') || u.is_any(&["am", "pm"]) || unit_s(u).is_some()))
            || (t.is_any(&["t", "d"]) && toks.get(i + 1).is_some_and(|u| u.is_dash() || u.sym('+')))
    })
}

/// The first date written in `text` (`Launch Date: December 13, 2025` → 2025-12-13).
#[must_use]
pub fn first_date(text: &str) -> Option<DateSpec> {
    let toks = tokens(text);
    (0..toks.len()).find_map(|i| date_range(&toks, i).map(|(first, _, _)| first))
}

/// Where in `text` its first date is written (byte range), as [`first_date`] reads it.
#[must_use]
pub fn find_date(text: &str) -> Option<Range<usize>> {
    let toks = tokens(text);
    (0..toks.len()).find_map(|i| {
        date_range(&toks, i).map(|(_, _, k)| toks[i].span.start..toks[k - 1].span.end)
    })
}

/// The first clock time written in `text` and its zone, if written
/// (`09:00 AM UTC (10:00 AM WAT)` → 09:00, UTC).
#[must_use]
pub fn first_clock(text: &str) -> Option<(NaiveTime, Option<Zone>)> {
    let toks = tokens(text);
    (0..toks.len()).find_map(|i| clock_range(&toks, i, text).map(|r| (r.start, r.zone)))
}

/// The first length written in `text`, in seconds: `24 hours post-launch` → 86 400,
/// `2m` → 120, `1h 30m` → 5 400. Compact forms are read with `humantime` first.
#[must_use]
pub fn duration_s(text: &str) -> Option<i64> {
    if let Ok(d) = humantime::parse_duration(text.trim()) {
        return i64::try_from(d.as_secs()).ok();
    }
    let toks = tokens(text);
    (0..toks.len())
        .find_map(|i| duration(&toks, i))
        .map(|(s, _)| s)
}

/// What a clock or date needs from the rest of the plan to become an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    /// The date of the nearest enclosing dated section, else the plan's date.
    pub date: Option<NaiveDate>,
    /// The year for dates written without one (nearest enclosing year, else the plan's).
    pub year: Option<i32>,
    /// The zone of clock times written without one (nearest enclosing zone, else the plan's).
    pub zone: Zone,
    /// The zone whole days run in (the plan's zone).
    pub day_zone: Zone,
    /// When no date is known at all: the wall-clock time (and zone) that T-0 stands for, so
    /// clock windows become offsets from T-0 (and so follow `--start`).
    pub clock_ref: Option<(NaiveTime, Zone)>,
}

/// Why a time could not be resolved.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unresolved {
    /// A date without a year, and no year anywhere around it.
    NoYear,
    /// A clock time with no date and no T-0 reference.
    NoDate,
    /// A date that does not exist (February 30).
    Invalid,
    /// Only a weekday.
    Weekday,
}

/// Resolves a time read by [`parse`] into a [`Schedule`], using `ctx` for what it does not say.
///
/// Date-only windows run whole days in `ctx.day_zone` (00:00 of the first day to 00:00 after the
/// last); a clock window whose end is before its start ends the next day.
pub fn resolve(when: &When, ctx: &Context) -> Result<Schedule, Unresolved> {
    match *when {
        When::Offset { start_s, end_s } => Ok(Schedule::Offset { start_s, end_s }),
        When::WorkingDays {
            start_days,
            end_days,
        } => Ok(Schedule::WorkingDays {
            start_days,
            end_days,
        }),
        When::Length { length_s } => Ok(Schedule::Length { length_s }),
        When::Weekday(_) => Err(Unresolved::Weekday),
        When::Days { first, last } => {
            let (a, b) = days(first, last, ctx.year)?;
            let end = b.succ_opt().ok_or(Unresolved::Invalid)?;
            Ok(Schedule::At {
                start: ctx.day_zone.to_utc(a.and_time(NaiveTime::MIN)),
                end: ctx.day_zone.to_utc(end.and_time(NaiveTime::MIN)),
            })
        }
        When::Clock {
            date,
            start,
            end,
            zone,
        } => {
            let zone = zone.unwrap_or(ctx.zone);
            let end = end.unwrap_or(start);
            let wrap = if end < start { DAY } else { 0 };
            let day = match date {
                Some(d) => Some(d.date(ctx.year).ok_or(if d.year.or(ctx.year).is_some() {
                    Unresolved::Invalid
                } else {
                    Unresolved::NoYear
                })?),
                None => ctx.date,
            };
            if let Some(day) = day {
                let s = zone.to_utc(day.and_time(start));
                let e = zone.to_utc(day.and_time(end)) + chrono::Duration::seconds(wrap);
                return Ok(Schedule::At { start: s, end: e });
            }
            let (rt, rz) = ctx.clock_ref.ok_or(Unresolved::NoDate)?;
            // Any fixed day will do: only the difference between two wall-clock times matters.
            let nominal = NaiveDate::from_ymd_opt(2001, 1, 1).ok_or(Unresolved::Invalid)?;
            let r = rz.to_utc(nominal.and_time(rt));
            let s = (zone.to_utc(nominal.and_time(start)) - r).num_seconds();
            let e = (zone.to_utc(nominal.and_time(end)) - r).num_seconds() + wrap;
            Ok(Schedule::Offset {
                start_s: s,
                end_s: e,
            })
        }
    }
}

/// The first day a time names, for sections nested in it (`(December 13, 2025)` → 2025-12-13).
#[must_use]
pub fn date_of(when: &When, year: Option<i32>) -> Option<NaiveDate> {
    match *when {
        When::Days { first, last } => days(first, last, year).ok().map(|(a, _)| a),
        When::Clock { date: Some(d), .. } => d.date(year),
        _ => None,
    }
}

/// The year a time writes explicitly, for sections nested in it.
#[must_use]
pub fn year_of(when: &When) -> Option<i32> {
    match *when {
        When::Days { first, last } => first.year.or(last.year),
        When::Clock { date: Some(d), .. } => d.year,
        _ => None,
    }
}

/// The zone a time writes explicitly, for sections nested in it.
#[must_use]
pub fn zone_of(when: &When) -> Option<Zone> {
    match *when {
        When::Clock { zone, .. } => zone,
        _ => None,
    }
}

fn days(
    first: DateSpec,
    last: DateSpec,
    year: Option<i32>,
) -> Result<(NaiveDate, NaiveDate), Unresolved> {
    let year = first.year.or(last.year).or(year);
    let Some(y) = year else {
        return Err(Unresolved::NoYear);
    };
    let a = first.date(Some(y)).ok_or(Unresolved::Invalid)?;
    let mut b = last.date(Some(y)).ok_or(Unresolved::Invalid)?;
    if b < a && last.year.is_none() {
        // `Dec 30 - Jan 2` runs into the next year.
        b = last.date(Some(y + 1)).ok_or(Unresolved::Invalid)?;
    }
    Ok((a, b.max(a)))
}

/// Byte ranges of `(…)` and `[…]` groups (innermost when nested), including the brackets.
fn paren_groups(s: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut open = None;
    for (i, c) in s.char_indices() {
        match c {
            '(' | '[' => open = Some(i),
            ')' | ']' => {
                if let Some(o) = open.take() {
                    out.push(o..i + 1);
                }
            }
            _ => {}
        }
    }
    out
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn month(t: &Token) -> Option<u32> {
    let w = t.word()?;
    MONTHS
        .iter()
        .position(|m| {
            *m == w || (w.len() == 3 && m.starts_with(&w)) || (w == "sept" && *m == "september")
        })
        .map(|i| i as u32 + 1)
}

fn weekday(t: &Token) -> Option<Weekday> {
    let w = t.word()?;
    let days = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    days.iter()
        .find(|(name, _)| *name == w || (w.len() == 3 && name.starts_with(&w)))
        .map(|&(_, d)| d)
}

/// Seconds in the time unit `t` names (`min`, `hours`, `d`…).
fn unit_s(t: &Token) -> Option<i64> {
    let w = t.word()?;
    Some(match w.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => 1,
        "m" | "min" | "mins" | "minute" | "minutes" => MINUTE,
        "h" | "hr" | "hrs" | "hour" | "hours" => HOUR,
        "d" | "day" | "days" => DAY,
        "w" | "wk" | "wks" | "week" | "weeks" => WEEK,
        "mo" | "month" | "months" => 30 * DAY,
        _ => return None,
    })
}

fn is_sep(t: Option<&Token>) -> bool {
    t.is_some_and(|t| t.is_dash() || t.is_any(&["to", "through", "thru", "until", "till"]))
}

/// Day of the month at `i` (`19`, `19th`).
fn day_at(toks: &[Token], i: usize) -> Option<(u32, usize)> {
    let d = toks.get(i)?.int().filter(|d| (1..=31).contains(d))?;
    let j = if toks
        .get(i + 1)
        .is_some_and(|t| t.is_any(&["st", "nd", "rd", "th"]))
    {
        i + 2
    } else {
        i + 1
    };
    Some((d, j))
}

fn year_at(toks: &[Token], i: usize) -> Option<i32> {
    let t = toks.get(i)?;
    (t.digits.len() == 4)
        .then(|| t.int())
        .flatten()
        .filter(|y| (1900..=2200).contains(y))
        .map(|y| y as i32)
}

fn spec(year: Option<i32>, month: u32, day: u32) -> Option<DateSpec> {
    // Validate against a leap year when the year is not known.
    NaiveDate::from_ymd_opt(year.unwrap_or(2024), month, day)?;
    Some(DateSpec { year, month, day })
}

/// A date or date range starting at `i`: `December 1-12, 2025`, `Nov 30-Dec 22`,
/// `19th May 2025`, `1-3 December`, `2025-12-13`, `December 2025`.
fn date_range(toks: &[Token], i: usize) -> Option<(DateSpec, DateSpec, usize)> {
    let mut j = i;
    if toks.get(j).and_then(weekday).is_some() {
        j += 1;
        if toks.get(j).is_some_and(|t| t.sym(',')) {
            j += 1;
        }
    }
    if let Some(r) = numeric_range(toks, j, i) {
        return Some(r);
    }
    // ISO 8601.
    if let Some(y) = year_at(toks, j)
        && toks.get(j + 1).is_some_and(|t| t.sym('-'))
        && toks.get(j + 3).is_some_and(|t| t.sym('-'))
    {
        let m = toks.get(j + 2)?.int()?;
        let d = toks.get(j + 4)?.int()?;
        let first = spec(Some(y), m, d)?;
        return Some((first, first, j + 5));
    }
    if let Some(m1) = toks.get(j).and_then(month) {
        j += 1;
        if toks.get(j).is_some_and(|t| t.sym('.')) {
            j += 1;
        }
        if let Some(y) = year_at(toks, j) {
            // A whole month: `December 2025`.
            let last_day = (28..=31)
                .rev()
                .find(|&d| NaiveDate::from_ymd_opt(y, m1, d).is_some())?;
            return Some((spec(Some(y), m1, 1)?, spec(Some(y), m1, last_day)?, j + 1));
        }
        let (d1, k) = day_at(toks, j)?;
        j = k;
        let (mut m2, mut d2) = (m1, d1);
        if is_sep(toks.get(j)) {
            if let Some(m) = toks.get(j + 1).and_then(month)
                && let Some((d, k)) = day_at(toks, j + 2)
            {
                (m2, d2, j) = (m, d, k);
            } else if let Some((d, k)) = day_at(toks, j + 1)
                && d >= d1
            {
                (d2, j) = (d, k);
            }
        }
        let mut k = j;
        if toks.get(k).is_some_and(|t| t.sym(',')) {
            k += 1;
        }
        let year = year_at(toks, k);
        if year.is_some() {
            j = k + 1;
        }
        let y1 = year.map(|y| if (m1, d1) > (m2, d2) { y - 1 } else { y });
        return Some((spec(y1, m1, d1)?, spec(year, m2, d2)?, j));
    }
    // Day first: `19th May 2025`, `1-3 December 2025`, `Wednesday 4th until Tuesday 17th of
    // February 2026`.
    let (d1, mut k) = day_at(toks, j)?;
    let mut d2 = d1;
    if is_sep(toks.get(k)) {
        let mut at = k + 1;
        if toks.get(at).and_then(weekday).is_some() {
            at += 1;
        }
        if let Some((d, k2)) = day_at(toks, at) {
            d2 = d;
            k = k2;
        }
    }
    if toks.get(k).is_some_and(|t| t.is("of")) && toks.get(k + 1).and_then(month).is_some() {
        k += 1;
    }
    let m = toks.get(k).and_then(month)?;
    k += 1;
    if toks.get(k).is_some_and(|t| t.sym(',')) && year_at(toks, k + 1).is_some() {
        k += 1;
    }
    let year = year_at(toks, k);
    if year.is_some() {
        k += 1;
    }
    Some((spec(year, m, d1)?, spec(year, m, d2.max(d1))?, k))
}

/// A numeric date at `i` written month first, as US plans write them: `1/19/2023`, `2/2/23`,
/// `4/2` — `(month, day, year, next)`. A first number above 12 is read day first (`19/1/2023`,
/// as British plans write them); `4/2` stays April 2.
fn numeric_date(toks: &[Token], i: usize) -> Option<(u32, u32, Option<i32>, usize)> {
    let first = toks.get(i)?.int()?;
    if !toks.get(i + 1)?.sym('/') || toks.get(i + 1)?.span.start != toks.get(i)?.span.end {
        return None;
    }
    let second = toks.get(i + 2)?.int()?;
    let (month, day) = if first > 12 {
        (second, first)
    } else {
        (first, second)
    };
    let mut next = i + 3;
    let mut year = None;
    if toks.get(next).is_some_and(|t| t.sym('/'))
        && let Some(t) = toks.get(next + 1)
        && let Some(written) = t.int()
    {
        year = match t.digits.len() {
            4 => Some(written as i32),
            2 => Some(2000 + written as i32),
            _ => return None,
        };
        next += 2;
    }
    spec(year, month, day)?;
    Some((month, day, year, next))
}

/// A numeric date or range at `j` (`1/19/2023 - 2/2/2023`, `2/2/2023-2/23/2023`, `4/2-4/3
/// 2026`, `on 1/6`). Without a year a single date counts only after `on`, `of`, `by`, `from`
/// or `due` (`week of 3/16`), so that `1/2 of the users` is not January 2. `start` is where the
/// caller's scan began (the word before it is looked at).
fn numeric_range(toks: &[Token], j: usize, start: usize) -> Option<(DateSpec, DateSpec, usize)> {
    let (m1, d1, y1, mut k) = numeric_date(toks, j)?;
    let (mut m2, mut d2, mut y2) = (m1, d1, y1);
    let mut ranged = false;
    if is_sep(toks.get(k))
        && let Some((m, d, y, next)) = numeric_date(toks, k + 1)
    {
        (m2, d2, y2, k, ranged) = (m, d, y, next, true);
    }
    if y2.is_none() {
        let at = k + usize::from(toks.get(k).is_some_and(|t| t.sym(',')));
        if let Some(y) = year_at(toks, at) {
            y2 = Some(y);
            k = at + 1;
        }
    }
    let after_word = start
        .checked_sub(1)
        .or(j.checked_sub(1))
        .and_then(|w| toks.get(w))
        .is_some_and(|t| t.is_any(&["on", "of", "by", "from", "due"]));
    if y1.is_none() && y2.is_none() && !ranged && !after_word {
        return None;
    }
    // A range written with its year once, at the end: both ends take it (across a new year,
    // the first end the year before).
    let y1 = y1.or_else(|| y2.map(|y| if (m1, d1) > (m2, d2) { y - 1 } else { y }));
    Some((spec(y1, m1, d1)?, spec(y2, m2, d2)?, k))
}

/// A clock time at `i`: `09:00`, `9:00 AM`, `2 PM`, `10:30am`, `21:00:00`, `9 a.m.`, `14h30`.
fn clock(toks: &[Token], at: usize) -> Option<(NaiveTime, usize)> {
    let hour_tok = toks.get(at)?;
    if hour_tok.digits.len() > 2 {
        return None;
    }
    let mut hour = hour_tok.int()?;
    let mut minute = 0;
    let mut next = at + 1;
    let mut has_minutes = false;
    if toks.get(next).is_some_and(|t| t.sym(':'))
        && let Some(min_tok) = toks.get(next + 1)
        && min_tok.digits.len() == 2
        && let Some(mm) = min_tok.int().filter(|&mm| mm < 60)
    {
        minute = mm;
        has_minutes = true;
        next += 2;
        // Seconds (`02:00:00`) are read and ignored.
        if toks.get(next).is_some_and(|t| t.sym(':'))
            && toks.get(next + 1).is_some_and(|t| t.digits.len() == 2)
        {
            next += 2;
        }
    } else if let (Some(h), Some(min_tok)) = (toks.get(next), toks.get(next + 1))
        && h.is("h")
        && h.span.start == hour_tok.span.end
        && min_tok.span.start == h.span.end
        && min_tok.digits.len() == 2
        && let Some(mm) = min_tok.int().filter(|&mm| mm < 60)
    {
        // `14h30`, `11h00`: the hour mark French and other European plans write.
        minute = mm;
        has_minutes = true;
        next += 2;
    }
    let meridiem = match toks.get(next) {
        Some(t) if t.is("am") => Some((false, next + 1)),
        Some(t) if t.is("pm") => Some((true, next + 1)),
        Some(t)
            if t.is_any(&["a", "p"])
                && toks.get(next + 1).is_some_and(|d| d.sym('.'))
                && toks.get(next + 2).is_some_and(|x| x.is("m")) =>
        {
            let skip = if toks.get(next + 3).is_some_and(|d| d.sym('.')) {
                4
            } else {
                3
            };
            Some((t.is("p"), next + skip))
        }
        _ => None,
    };
    if let Some((pm, after)) = meridiem {
        if !(1..=12).contains(&hour) {
            return None;
        }
        hour = hour % 12 + if pm { 12 } else { 0 };
        next = after;
    } else if !has_minutes {
        return None;
    }
    if hour == 24 && minute == 0 {
        hour = 0;
    }
    Some((NaiveTime::from_hms_opt(hour, minute, 0)?, next))
}

/// A zone written at `i`: an abbreviation (`UTC`, `WAT`, `UTC+2`) or an IANA name.
fn zone_at(toks: &[Token], i: usize, src: &str) -> Option<(Zone, usize)> {
    let t = toks.get(i)?;
    t.word()?;
    let rest = src.get(t.span.start..)?;
    let name_len = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
        .unwrap_or(rest.len());
    let name = rest[..name_len].trim_end_matches(['-', '+', '/']);
    if name.contains('/')
        && let Some(tz) = zones::iana(name)
    {
        let end = t.span.start + name.len();
        let next = toks
            .iter()
            .position(|x| x.span.start >= end)
            .unwrap_or(toks.len());
        return Some((Zone::Named(tz), next));
    }
    let word = &rest[..t.span.len()];
    // ISO 8601's `Z` suffix (`09:00Z`, `…T09:00:00Z`).
    if word == "Z" {
        return Some((Zone::UTC, i + 1));
    }
    // Abbreviations only in capitals, so `09:00 eat lunch` has no zone; `utc` in any case.
    if !(word.eq_ignore_ascii_case("utc") || word.bytes().all(|b| b.is_ascii_uppercase())) {
        return None;
    }
    let zone = zones::abbreviation(word)?;
    let Zone::Fixed(base) = zone else {
        return Some((zone, i + 1));
    };
    // `UTC+2`, `GMT-05:30`.
    if let Some(sign) = toks.get(i + 1).filter(|s| s.sym('+') || s.is_dash())
        && let Some(h) = toks.get(i + 2).and_then(Token::int).filter(|h| *h <= 14)
    {
        let mut next = i + 3;
        let mut m = 0;
        if toks.get(next).is_some_and(|c| c.sym(':'))
            && let Some(mm) = toks.get(next + 1).and_then(Token::int).filter(|m| *m < 60)
        {
            m = mm;
            next += 2;
        }
        let secs = (h * 3600 + m * 60) as i32 * if sign.sym('+') { 1 } else { -1 };
        let off = chrono::FixedOffset::east_opt(base.local_minus_utc() + secs)?;
        return Some((Zone::Fixed(off), next));
    }
    Some((zone, i + 1))
}

struct ClockRange {
    start: NaiveTime,
    end: Option<NaiveTime>,
    zone: Option<Zone>,
    next: usize,
}

/// A clock time or window at `i`, with the zone written after either time.
fn clock_range(toks: &[Token], i: usize, src: &str) -> Option<ClockRange> {
    let (start, mut j) = clock(toks, i)?;
    let mut zone = None;
    if let Some((z, k)) = zone_at(toks, j, src) {
        zone = Some(z);
        j = k;
    }
    let mut end = None;
    if is_sep(toks.get(j))
        && let Some((e, k)) = clock(toks, j + 1)
    {
        end = Some(e);
        j = k;
        if let Some((z, k)) = zone_at(toks, j, src) {
            zone = Some(z);
            j = k;
        }
    }
    Some(ClockRange {
        start,
        end,
        zone,
        next: j,
    })
}

fn clock_when(date: Option<DateSpec>, r: &ClockRange) -> When {
    When::Clock {
        date,
        start: r.start,
        end: r.end,
        zone: r.zone,
    }
}

/// `T-14 Days`, `T+1`, `T-minus 30 working days`, `T-plus 30 days`, `D-Day`, `D-3` at `i`.
fn relative_td(toks: &[Token], i: usize) -> Option<(When, usize)> {
    let head = toks.get(i)?;
    // `day X` names the day a plan counts from (`Step 2 (day X)`, then `(X+30 days)`), as
    // `D-Day` does.
    if head.is("day") && toks.get(i + 1).is_some_and(|t| t.is("x")) {
        return Some((
            When::Offset {
                start_s: 0,
                end_s: DAY,
            },
            i + 2,
        ));
    }
    if !head.is_any(&["t", "d", "x"]) {
        return None;
    }
    let sign_tok = toks.get(i + 1)?;
    let mut sign: i64 = if sign_tok.sym('+') {
        1
    } else if sign_tok.is_dash() {
        -1
    } else {
        return None;
    };
    let mut j = i + 2;
    if head.is("d") && toks.get(j).is_some_and(|t| t.is("day")) {
        return Some((
            When::Offset {
                start_s: 0,
                end_s: DAY,
            },
            j + 1,
        ));
    }
    if let Some(w) = toks.get(j).filter(|t| t.is_any(&["minus", "plus"])) {
        sign = if w.is("plus") { 1 } else { -1 };
        j += 1;
    }
    let n = i64::from(toks.get(j)?.int()?);
    j += 1;
    let working = toks
        .get(j)
        .is_some_and(|t| t.is_any(&["working", "business", "work"]));
    if working {
        j += 1;
    }
    let written_unit = toks.get(j).and_then(unit_s);
    if written_unit.is_some() {
        j += 1;
    }
    // `T+0 to T+15min`, `T+2h to T+24h`: a window between two offsets, the first taking the
    // second's unit when it writes none.
    if !working
        && let Some(k) = toks
            .get(j)
            .filter(|t| t.is_any(&["to", "until", "through"]) || t.is_dash())
            .map(|_| j + 1)
        && let Some((
            When::Offset {
                start_s: s2,
                end_s: e2,
            },
            j2,
        )) = relative_td(toks, k)
    {
        let unit = written_unit.unwrap_or(e2 - s2);
        let start_s = sane(sign * n.checked_mul(unit)?)?;
        if s2 > start_s {
            return Some((When::Offset { start_s, end_s: s2 }, j2));
        }
    }
    let unit = written_unit.unwrap_or(DAY);
    if working && unit == DAY && n <= 36_600 {
        return Some((
            When::WorkingDays {
                start_days: sign * n,
                end_days: sign * n + 1,
            },
            j,
        ));
    }
    let span = n.checked_mul(unit)?;
    let start_s = sane(sign * span)?;
    Some((
        When::Offset {
            start_s,
            end_s: start_s + unit,
        },
        j,
    ))
}

/// `Week 0`, `Week 2`, `~Week 5 - 7`, `Weeks 16, 17` at `i`: week 1 is the week starting at T-0.
fn weeks(toks: &[Token], i: usize) -> Option<(When, usize)> {
    let mut j = i;
    if toks.get(j).is_some_and(|t| t.sym('~')) {
        j += 1;
    }
    if !toks.get(j)?.is_any(&["week", "weeks", "wk"]) {
        return None;
    }
    let a = i64::from(toks.get(j + 1)?.int()?);
    j += 2;
    let mut b = a;
    if let Some(sep) = toks.get(j)
        && (sep.is_dash() || sep.sym(',') || sep.is_any(&["to", "and", "through"]))
        && let Some(n) = toks.get(j + 1).and_then(Token::int)
        && i64::from(n) >= a
    {
        b = i64::from(n);
        j += 2;
    }
    Some((
        When::Offset {
            start_s: sane((a - 1) * WEEK)?,
            end_s: sane(b * WEEK)?,
        },
        j,
    ))
}

/// A length starting at token `i`: `5 minutes`, `1.5 hours`, `1-3 weeks` (the upper bound),
/// `1h 30m`, `2m`. Returns the seconds and the index of the token after it.
#[must_use]
pub fn length_at(toks: &[Token], i: usize) -> Option<(i64, usize)> {
    duration(toks, i)
}

fn duration(toks: &[Token], i: usize) -> Option<(i64, usize)> {
    let mut total = 0.0;
    let mut j = i;
    while let Some(mut n) = toks.get(j).and_then(Token::num) {
        let mut k = j + 1;
        if toks.get(k).is_some_and(Token::is_dash)
            && let Some(m) = toks.get(k + 1).and_then(Token::num)
        {
            n = n.max(m);
            k += 2;
        }
        let Some(unit) = toks.get(k).and_then(unit_s) else {
            break;
        };
        total += n * unit as f64;
        j = k + 1;
    }
    (j > i && total <= MAX_SPAN_S as f64).then(|| (total.round() as i64, j))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).expect("valid")
    }

    fn d(year: Option<i32>, month: u32, day: u32) -> DateSpec {
        DateSpec { year, month, day }
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("rfc3339")
    }

    fn wat() -> Option<Zone> {
        zones::abbreviation("WAT")
    }

    #[test]
    fn clock_windows() {
        let cases = [
            (
                "09:00 AM - 10:30 AM UTC",
                t(9, 0),
                Some(t(10, 30)),
                Some(Zone::UTC),
            ),
            ("11h00-19h00 UTC", t(11, 0), Some(t(19, 0)), Some(Zone::UTC)),
            (
                "08:00 AM - 09:00 AM UTC",
                t(8, 0),
                Some(t(9, 0)),
                Some(Zone::UTC),
            ),
            (
                "2:00 AM - 4:00 AM UTC",
                t(2, 0),
                Some(t(4, 0)),
                Some(Zone::UTC),
            ),
            (
                "09:00 AM - 03:00 PM UTC",
                t(9, 0),
                Some(t(15, 0)),
                Some(Zone::UTC),
            ),
            (
                "12:00 AM - 2:00 AM UTC",
                t(0, 0),
                Some(t(2, 0)),
                Some(Zone::UTC),
            ),
            ("12:00 PM - 02:00 PM", t(12, 0), Some(t(14, 0)), None),
            ("09:00-10:00", t(9, 0), Some(t(10, 0)), None),
            ("22:00 to 01:30 WAT", t(22, 0), Some(t(1, 30)), wat()),
            ("9 a.m. - 5 p.m.", t(9, 0), Some(t(17, 0)), None),
            ("10:00 AM WAT", t(10, 0), None, wat()),
            (
                "21:00 Europe/London",
                t(21, 0),
                None,
                Some(Zone::Named(Tz::Europe__London)),
            ),
        ];
        for (text, start, end, zone) in cases {
            assert_eq!(
                parse(text),
                Some(When::Clock {
                    date: None,
                    start,
                    end,
                    zone
                }),
                "{text}"
            );
        }
        let plus2 = chrono::FixedOffset::east_opt(7200).map(Zone::Fixed);
        assert!(matches!(parse("10:00 UTC+2"), Some(When::Clock { zone, .. }) if zone == plus2));
    }

    #[test]
    fn date_windows() {
        let y = Some(2025);
        let cases = [
            ("December 1-12, 2025", d(y, 12, 1), d(y, 12, 12)),
            ("December 1-3", d(None, 12, 1), d(None, 12, 3)),
            ("Nov 4-8, 2025", d(y, 11, 4), d(y, 11, 8)),
            ("Nov 22, 2025", d(y, 11, 22), d(y, 11, 22)),
            ("December 13-14, 2025", d(y, 12, 13), d(y, 12, 14)),
            ("Dec 30", d(None, 12, 30), d(None, 12, 30)),
            ("Nov 30-Dec 22", d(None, 11, 30), d(None, 12, 22)),
            ("Monday 19th May 2025", d(y, 5, 19), d(y, 5, 19)),
            ("1-3 December 2025", d(y, 12, 1), d(y, 12, 3)),
            ("2025-12-13", d(y, 12, 13), d(y, 12, 13)),
            ("December 2025", d(y, 12, 1), d(y, 12, 31)),
            ("Dec 30 - Jan 2, 2026", d(y, 12, 30), d(Some(2026), 1, 2)),
            (
                "starts from Wednesday 4th until Tuesday 17th of February 2025",
                d(y, 2, 4),
                d(y, 2, 17),
            ),
            ("on the 17th of February 2025", d(y, 2, 17), d(y, 2, 17)),
            ("week of 08/29/2025", d(y, 8, 29), d(y, 9, 4)),
        ];
        for (text, first, last) in cases {
            assert_eq!(parse(text), Some(When::Days { first, last }), "{text}");
        }
        assert_eq!(
            parse("Dec 30, 06:00-08:00"),
            Some(When::Clock {
                date: Some(d(None, 12, 30)),
                start: t(6, 0),
                end: Some(t(8, 0)),
                zone: None
            })
        );
        assert_eq!(
            parse("November 22, 2025, 2:00 AM UTC"),
            Some(When::Clock {
                date: Some(d(y, 11, 22)),
                start: t(2, 0),
                end: None,
                zone: Some(Zone::UTC)
            })
        );
        assert_eq!(parse("February 30"), None);
    }

    #[test]
    fn relative_windows() {
        let off = |start_s, end_s| Some(When::Offset { start_s, end_s });
        for (text, want) in [
            ("T-14 Days", off(-14 * DAY, -13 * DAY)),
            ("T-7 Days", off(-7 * DAY, -6 * DAY)),
            ("T-0 Days", off(0, DAY)),
            ("T+1 Days", off(DAY, 2 * DAY)),
            ("T+0 to T+15min", off(0, 15 * MINUTE)),
            ("T+15min to T+45min", off(15 * MINUTE, 45 * MINUTE)),
            ("T+2h to T+24h", off(2 * HOUR, 24 * HOUR)),
            ("T+48h to T+7d", off(48 * HOUR, 7 * DAY)),
            (
                "T-minus 30 working days",
                Some(When::WorkingDays {
                    start_days: -30,
                    end_days: -29,
                }),
            ),
            (
                "T-minus 0 working days",
                Some(When::WorkingDays {
                    start_days: 0,
                    end_days: 1,
                }),
            ),
            ("T-plus 30 days", off(30 * DAY, 31 * DAY)),
            ("T-2 hours", off(-2 * HOUR, -HOUR)),
            ("D-Day", off(0, DAY)),
            ("D-3", off(-3 * DAY, -2 * DAY)),
            ("Week 0", off(-WEEK, 0)),
            ("Week 2", off(WEEK, 2 * WEEK)),
            ("~Week 5 - 7", off(4 * WEEK, 7 * WEEK)),
            ("~Week 12", off(11 * WEEK, 12 * WEEK)),
            ("~Week 16, 17", off(15 * WEEK, 17 * WEEK)),
        ] {
            assert_eq!(parse(text), want, "{text}");
        }
    }

    #[test]
    fn lengths_and_weekdays() {
        for (text, want) in [
            ("5 minutes", 5 * MINUTE),
            ("Within 2 Hours", 2 * HOUR),
            ("Within 24 Hours", 24 * HOUR),
            ("First 24 Hours", 24 * HOUR),
            ("First 7 Days", 7 * DAY),
            ("~30 min", 30 * MINUTE),
            ("1.5 hours", 90 * MINUTE),
            ("1-3 Weeks", 3 * WEEK),
            ("1h 30m", 90 * MINUTE),
        ] {
            assert_eq!(parse(text), Some(When::Length { length_s: want }), "{text}");
        }
        assert_eq!(parse("Monday"), Some(When::Weekday(Weekday::Mon)));
        assert_eq!(
            parse("Friday the week before"),
            Some(When::Weekday(Weekday::Fri))
        );
        for none in [
            "Code complete date of previous release",
            "if applicable",
            "50+ users",
            "4 CPU, 8GB RAM minimum",
            "v16+ or v18+",
            "or lack thereof",
            "",
        ] {
            assert_eq!(parse(none), None, "{none}");
        }
    }

    #[test]
    fn finds_day_numbers_opening_headings() {
        let offset = |h: &str| match find(h).map(|f| f.when) {
            Some(When::Offset { start_s, end_s }) => Some((start_s / DAY, end_s / DAY)),
            _ => None,
        };
        assert_eq!(offset("Day 0: Internal Test"), Some((0, 1)));
        assert_eq!(offset("Day 2-3: Beta"), Some((2, 4)));
        assert_eq!(offset("Day 4+: GA"), Some((4, 5)));
        assert_eq!(offset("Monitoring on day 2 of the freeze"), None);
    }

    #[test]
    fn finds_windows_in_headings() {
        let h = "Phase 1: Foundation Services (09:00 AM - 10:30 AM)";
        let f = find(h).expect("found");
        assert_eq!(&h[f.span.clone()], "(09:00 AM - 10:30 AM)");
        let h = "B. \\(T-minus 30 working days\\) Judgment Day";
        assert!(matches!(
            find(h).map(|f| f.when),
            Some(When::WorkingDays { .. })
        ));
        let h = "T-14 Days";
        assert_eq!(find(h).map(|f| f.span), Some(0..9));
        let h = "Data Migration (if applicable) (Nov 4-8, 2025)";
        assert_eq!(find(h).map(|f| &h[f.span]), Some("(Nov 4-8, 2025)"));
        let h = "09:00 - 10:00 UTC Cutover";
        assert_eq!(find(h).map(|f| &h[f.span]), Some("09:00 - 10:00 UTC"));
        let h = "1. 10:30 AM Smoke tests";
        let f = find(h).expect("leading time");
        assert_eq!(&h[f.span.clone()], "10:30 AM");
        assert!(matches!(f.when, When::Clock { end: None, .. }));
        let h = "Deployment window: 2025-12-13 09:00-17:00 CET";
        let f = find(h).expect("dated window");
        assert_eq!(&h[f.span.clone()], "2025-12-13 09:00-17:00 CET");
        assert!(matches!(f.when, When::Clock { date: Some(d), .. } if d.day == 13));
        for none in [
            "Release 2 notes",
            "Step 1: Verify",
            "Week 1 Monitoring",
            "Step 0.1",
            "Kubernetes v1.34: Of Wind & Will (O' WaW)",
            "December 26, 2025 - Execution Started",
            "T-shirt sizes",
        ] {
            assert_eq!(find(none), None, "{none}");
        }
    }

    #[test]
    fn absurd_spans_are_not_times() {
        assert_eq!(parse("T-999999999 weeks"), None);
        assert_eq!(parse("Week 99999999"), None);
        assert_eq!(parse("999999999 months"), None);
    }

    #[test]
    fn warns_only_about_time_like_groups() {
        assert_eq!(unreadable_groups("Launch (December 32)"), ["(December 32)"]);
        assert!(unreadable_groups("Data Migration (if applicable)").is_empty());
        assert!(unreadable_groups("Code (Code complete date of previous release)").is_empty());
    }

    #[test]
    fn header_values() {
        assert_eq!(first_date("December 13, 2025"), Some(d(Some(2025), 12, 13)));
        assert_eq!(
            first_clock("09:00 AM UTC (10:00 AM WAT)"),
            Some((t(9, 0), Some(Zone::UTC)))
        );
        assert_eq!(
            first_clock("2025-12-13T09:00:00Z"),
            Some((t(9, 0), Some(Zone::UTC)))
        );
        assert_eq!(
            first_date("Saturday, December 13th 2025 at 9am UTC"),
            Some(d(Some(2025), 12, 13))
        );
        assert_eq!(
            first_clock("Saturday, December 13th 2025 at 9am UTC"),
            Some((t(9, 0), Some(Zone::UTC)))
        );
        assert_eq!(duration_s("24 hours post-launch"), Some(24 * HOUR));
        assert_eq!(duration_s("2m"), Some(120));
        assert_eq!(duration_s("soon"), None);
    }

    fn ctx(date: Option<NaiveDate>, year: Option<i32>) -> Context {
        Context {
            date,
            year,
            zone: Zone::UTC,
            day_zone: Zone::UTC,
            clock_ref: None,
        }
    }

    #[test]
    fn resolution() {
        let dec13 = NaiveDate::from_ymd_opt(2025, 12, 13);
        let c = ctx(dec13, Some(2025));
        let at = |w: &str| resolve(&parse(w).expect("parses"), &c);
        assert_eq!(
            at("09:00 AM - 10:30 AM"),
            Ok(Schedule::At {
                start: utc("2025-12-13T09:00:00Z"),
                end: utc("2025-12-13T10:30:00Z")
            })
        );
        assert_eq!(
            at("10:00 PM - 02:00 AM WAT"),
            Ok(Schedule::At {
                start: utc("2025-12-13T21:00:00Z"),
                end: utc("2025-12-14T01:00:00Z")
            })
        );
        assert_eq!(
            at("December 1-12"),
            Ok(Schedule::At {
                start: utc("2025-12-01T00:00:00Z"),
                end: utc("2025-12-13T00:00:00Z")
            })
        );
        let lagos = Context {
            day_zone: Zone::Named(Tz::Africa__Lagos),
            ..c
        };
        assert_eq!(
            resolve(&parse("Dec 30").expect("parses"), &lagos),
            Ok(Schedule::At {
                start: utc("2025-12-29T23:00:00Z"),
                end: utc("2025-12-30T23:00:00Z")
            })
        );
        let none = ctx(None, None);
        assert_eq!(
            resolve(&parse("December 1-3").expect("parses"), &none),
            Err(Unresolved::NoYear)
        );
        assert_eq!(
            resolve(&parse("09:00-10:00").expect("parses"), &none),
            Err(Unresolved::NoDate)
        );
        let relative = Context {
            clock_ref: Some((t(9, 0), Zone::UTC)),
            ..none
        };
        assert_eq!(
            resolve(&parse("08:00-09:30").expect("parses"), &relative),
            Ok(Schedule::Offset {
                start_s: -HOUR,
                end_s: 30 * MINUTE
            })
        );
        assert_eq!(
            resolve(&parse("Monday").expect("parses"), &c),
            Err(Unresolved::Weekday)
        );
    }
}
