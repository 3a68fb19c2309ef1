//! Times written in words relative to the go-live event: `~ 2 weeks before the release date`,
//! `two days ahead of go-live`, `1 day after launch`, `Release Day`, `On the Day of Public
//! Release`, `the day before the cutover`. The event is T-0; these read as [`When::Offset`]s of
//! whole units (`2 weeks before` → T-14 d … T-7 d).
//!
//! Only the events a deployment's T-0 names count (release, launch, go-live, deployment,
//! rollout, cutover, migration, upgrade, ship): `before the code freeze` names another
//! milestone, whose date the plan does not give.

use super::{DAY, When, sane, unit_s};
use crate::plan::lex::Token;

/// Words that name the go-live event.
const EVENTS: &[&str] = &[
    "release",
    "launch",
    "golive",
    "deployment",
    "deploy",
    "rollout",
    "cutover",
    "migration",
    "upgrade",
    "ship",
    "shipping",
];

/// The go-live event named at `i` (`release`, `go-live`, `go live`, `cut-over`), and the index
/// after it.
fn event_at(toks: &[Token], i: usize) -> Option<usize> {
    let t = toks.get(i)?;
    if t.is_any(EVENTS) {
        return Some(i + 1);
    }
    let pair = |a: &str, b: &str| -> Option<usize> {
        if !t.is(a) {
            return None;
        }
        let k = if toks.get(i + 1).is_some_and(Token::is_dash) {
            i + 2
        } else {
            i + 1
        };
        toks.get(k).is_some_and(|x| x.is(b)).then_some(k + 1)
    };
    pair("go", "live")
        .or_else(|| pair("cut", "over"))
        .or_else(|| pair("roll", "out"))
}

/// The event within the next three tokens after `i` (`the release`, `the public release`,
/// `the release date`), skipping articles and one adjective; the index after it.
pub(super) fn near(toks: &[Token], i: usize) -> Option<usize> {
    event_near(toks, i)
}

fn event_near(toks: &[Token], i: usize) -> Option<usize> {
    (i..i + 3).find_map(|k| event_at(toks, k)).map(|end| {
        // `release date`, `release day`: the date is the event's.
        if toks.get(end).is_some_and(|t| t.is_any(&["date", "day"])) {
            end + 1
        } else {
            end
        }
    })
}

/// Number words, their index their value.
const NUMBER_WORDS: [&str; 13] = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve",
];

/// A count at `i`: digits, `a`/`an`, or a number word up to twelve.
fn count_at(toks: &[Token], i: usize) -> Option<i64> {
    let t = toks.get(i)?;
    if let Some(n) = t.int() {
        return Some(i64::from(n));
    }
    if t.is_any(&["a", "an"]) {
        return Some(1);
    }
    NUMBER_WORDS
        .iter()
        .position(|w| t.is(w))
        .and_then(|n| i64::try_from(n).ok())
}

/// `~ 2 weeks before the release date`, `two days ahead of go-live`, `1 day after launch`,
/// `the day before the release` at `i`.
pub(super) fn relative(toks: &[Token], i: usize) -> Option<(When, usize)> {
    let mut at = i;
    while toks
        .get(at)
        .is_some_and(|t| t.sym('~') || t.is_any(&["about", "approx", "approximately", "around"]))
    {
        at += 1;
    }
    let (count, unit, mut next) = if toks.get(at).is_some_and(|t| t.is("the")) {
        // `the day before the release`.
        (1, toks.get(at + 1).and_then(unit_s)?, at + 2)
    } else {
        (
            count_at(toks, at)?,
            toks.get(at + 1).and_then(unit_s)?,
            at + 2,
        )
    };
    // `One week in advance of the agreed date`: before the event, which the plan may leave
    // unnamed (`in advance` says before what the plan is about).
    let in_advance = toks.get(next).is_some_and(|t| t.is("in"))
        && toks.get(next + 1).is_some_and(|t| t.is("advance"));
    if in_advance {
        next += 1;
    }
    let before = match toks.get(next)? {
        _ if in_advance => {
            if toks.get(next + 1).is_some_and(|t| t.is("of")) {
                next += 1;
            }
            true
        }
        word if word.is_any(&["before", "ahead", "prior"]) => {
            if toks.get(next + 1).is_some_and(|t| t.is_any(&["of", "to"])) {
                next += 1;
            }
            true
        }
        word if word.is_any(&["after", "following", "post"]) => false,
        _ => return None,
    };
    let end = event_near(toks, next + 1).or(in_advance.then_some(next + 1))?;
    let span = sane(count.checked_mul(unit)?)?;
    let start_s = if before { -span } else { span };
    Some((
        When::Offset {
            start_s,
            end_s: start_s + unit,
        },
        end,
    ))
}

/// `After at least 2 days`, `After one week` opening a heading of a release checklist: that
/// long after the go-live event (the stages before it are the release itself), a window one
/// unit long (`2 days` → T+2 d … T+3 d). `After 2 days before the release` is [`relative`]'s.
pub(super) fn after_a_while(toks: &[Token], i: usize) -> Option<(When, usize)> {
    if !toks.get(i)?.is("after") {
        return None;
    }
    let mut at = i + 1;
    while toks.get(at).is_some_and(|t| {
        t.sym('~') || t.is_any(&["at", "least", "about", "around", "approximately"])
    }) {
        at += 1;
    }
    let count = count_at(toks, at)?;
    let unit = toks.get(at + 1).and_then(unit_s)?;
    if toks
        .get(at + 2)
        .is_some_and(|t| t.is_any(&["before", "ahead", "prior", "after", "of"]))
    {
        return None;
    }
    let start_s = sane(count.checked_mul(unit)?)?;
    Some((
        When::Offset {
            start_s,
            end_s: start_s + unit,
        },
        at + 2,
    ))
}

/// `Release Day`, `Launch day`, `Go-Live Day`, `Day of Public Release`, `the day of the
/// release`, `At final release time` at `i`: the whole day of T-0.
pub(super) fn day(toks: &[Token], i: usize) -> Option<(When, usize)> {
    let whole_day = When::Offset {
        start_s: 0,
        end_s: DAY,
    };
    if let Some(end) = event_at(toks, i)
        && toks.get(end).is_some_and(|t| t.is_any(&["day", "date"]))
    {
        // `RELEASE DATE minus 14 days`, `release day + 2`: arithmetic on the event's day.
        let sign = match toks.get(end + 1) {
            Some(t) if t.is("minus") || t.is_dash() => Some(-1),
            Some(t) if t.is("plus") || t.sym('+') => Some(1),
            _ => None,
        };
        if let Some(sign) = sign
            && let Some(count) = count_at(toks, end + 2)
        {
            let (unit, next) = match toks.get(end + 3).and_then(unit_s) {
                Some(u) => (u, end + 4),
                None => (DAY, end + 3),
            };
            let start_s = sane(sign * count.checked_mul(unit)?)?;
            return Some((
                When::Offset {
                    start_s,
                    end_s: start_s + DAY,
                },
                next,
            ));
        }
        // `[RELEASE DATE]` is T-0's day; `Before the … Public Release Date` is not.
        let bounded = toks[..i]
            .iter()
            .any(|t| t.is_any(&["before", "after", "prior", "until", "by", "ahead"]));
        if toks[end].is("date") && bounded {
            return None;
        }
        return Some((whole_day, end + 1));
    }
    if toks.get(i)?.is("day") && toks.get(i + 1).is_some_and(|t| t.is("of")) {
        let end = event_near(toks, i + 2)?;
        return Some((whole_day, end));
    }
    // `At final release time`, `at launch time`.
    if toks.get(i)?.is("at")
        && let Some(end) = event_near(toks, i + 1)
        && toks.get(end).is_some_and(|t| t.is("time"))
    {
        return Some((whole_day, end + 1));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::{WEEK, find, parse};
    use super::*;

    fn offset(text: &str) -> Option<(i64, i64)> {
        match parse(text)? {
            When::Offset { start_s, end_s } => Some((start_s / DAY, end_s / DAY)),
            _ => None,
        }
    }

    #[test]
    fn arithmetic_on_the_event_day() {
        assert_eq!(
            offset("[RELEASE DATE minus 14 days] (Monday)"),
            Some((-14, -13))
        );
        assert_eq!(offset("release day + 2"), Some((2, 3)));
        assert_eq!(offset("[RELEASE DATE] (Monday)"), Some((0, 1)));
        assert_eq!(offset("Before the Public Release Date"), None);
    }

    #[test]
    fn before_and_after_the_event() {
        assert_eq!(offset("~ 2 weeks before the release date"), Some((-14, -7)));
        assert_eq!(offset("~ 1 day before the release date"), Some((-1, 0)));
        assert_eq!(offset("two days ahead of go-live"), Some((-2, -1)));
        assert_eq!(offset("Wednesday, 2 weeks before release"), Some((-14, -7)));
        assert_eq!(offset("1 week after launch"), Some((7, 7 + WEEK / DAY)));
        assert_eq!(offset("the day before the cutover"), Some((-1, 0)));
        assert_eq!(offset("3 days prior to the deployment"), Some((-3, -2)));
        assert_eq!(
            offset("One week in advance of the agreed date"),
            Some((-7, 0))
        );
    }

    #[test]
    fn the_event_day() {
        for yes in [
            "Release Day",
            "On the Day of Public Release",
            "Go-Live Day",
            "Launch day tasks",
            "At final release time",
        ] {
            let f = find(yes).unwrap_or_else(|| panic!("{yes}"));
            assert_eq!(
                f.when,
                When::Offset {
                    start_s: 0,
                    end_s: DAY
                },
                "{yes}"
            );
        }
    }

    #[test]
    fn before_and_after_the_event_without_a_length() {
        use super::super::names_event_side;
        assert!(names_event_side("Before the final release"));
        assert!(names_event_side("After Release"));
        assert!(names_event_side("Prior to the cutover"));
        assert!(!names_event_side("Before the code freeze"));
        assert!(!names_event_side("Release notes"));
    }

    #[test]
    fn other_milestones_are_not_the_event() {
        for no in [
            "Before the Code Freeze",
            "2 weeks before the code freeze",
            "Day of week",
            "Release notes",
            "Deployment steps",
        ] {
            assert_eq!(find(no), None, "{no}");
        }
    }
}
