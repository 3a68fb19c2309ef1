//! The plan-wide facts a Markdown plan states in bold `Key: value` lines, such as
//!
//! ```text
//! **Launch Date:** December 13, 2025
//! **Go-Live Time:** 09:00 AM UTC (10:00 AM WAT)
//! **Rollback Window:** 24 hours post-launch
//! ```
//!
//! and the zones it mentions anywhere in its prose.
//!
//! T-0 is the first date given under a go-live key (one naming the launch, go-live, deployment,
//! release, cutover, migration or target, such as `Launch Date`, `Deployment Date`,
//! `Go-Live Date`, `Release Date`, `Target Date`) combined with the first clock time under such
//! a key (`Go-Live Time`, or the time in `Deployment Date: November 22, 2025, 2:00 AM UTC`).
//! A bare `Date`, `Window`, `Time` or `When` key counts as a go-live key too: in a plan's
//! header it dates the plan's event (`**Date**: September 21, 2025`, `**Window**: 15:00-17:00
//! UTC`).
//! Without a time, T-0 is midnight in the plan's zone. Keys about the document or status
//! (`Last Updated`, `Deployment Status`, `Next Review`…) are not go-live keys.
//!
//! The plan's zone (in which whole days run, and clock times written without a zone) is the zone
//! of that go-live time, else the first zone the plan mentions, else UTC.

use std::ops::Range;
use std::time::Duration;

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::norm;
use crate::plan::schedule;
use crate::plan::zones::{self, Zone};

/// What the header lines say.
#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    /// The go-live instant.
    pub t0: Option<DateTime<Utc>>,
    /// The go-live date (also the date of clock windows outside any dated section).
    pub date: Option<NaiveDate>,
    /// The go-live time as written and its zone, when given.
    pub time: Option<(NaiveTime, Zone)>,
    /// The plan's zone.
    pub zone: Zone,
    /// Zones mentioned anywhere (IANA names and abbreviations), UTC excluded.
    pub zones: Vec<Tz>,
    /// `Rollback Window` / `Rollback Period`.
    pub rollback_window: Option<Duration>,
    /// The title a `Title: …` header line gives (a PEP's or an RFC-style header), if any.
    pub title: Option<String>,
    /// The year of the first full date the plan writes anywhere (`Tuesday, 19 March 2024`):
    /// the year of dates written without one (`Three weeks before (Feb 29)`) when the header
    /// gives no date.
    pub year_hint: Option<i32>,
}

const SUBJECTS: &[&str] = &[
    "launch",
    "go live",
    "golive",
    "deployment",
    "deploy",
    "release",
    "cutover",
    "cut over",
    "migration",
    "target",
    "production",
    "upgrade",
];
const NOT_GO_LIVE: &[&str] = &[
    "rollback",
    "duration",
    "review",
    "updated",
    "prepared",
    "version",
    "status",
    "owner",
    "readiness",
    "confidence",
    "notes",
    "generated",
];

/// Reads the header lines of `src` (skipping `opaque` code/HTML ranges) and the zones
/// mentioned in `prose`.
#[must_use]
pub fn read<'a>(src: &str, opaque: &[Range<usize>], prose: impl Iterator<Item = &'a str>) -> Meta {
    let mut zones_seen: Vec<Tz> = Vec::new();
    let mut year_hint = None;
    for text in prose {
        for tz in zones::mentioned(text) {
            if !zones_seen.contains(&tz) {
                zones_seen.push(tz);
            }
        }
        if year_hint.is_none() {
            year_hint = schedule::first_date(text).and_then(|d| d.year);
        }
    }
    let mut date: Option<NaiveDate> = None;
    let mut time: Option<(NaiveTime, Option<Zone>)> = None;
    let mut rollback_window = None;
    let mut title = None;
    let mut offset = 0;
    // `opaque` is in document order, so one pass over both suffices.
    let mut skip = opaque.iter().peekable();
    // Plain `Date: February 21, 2026` lines count only in the plan's header: before the heading
    // after its title, where a plan states what it is about, not in its steps.
    let (mut titled, mut in_header) = (false, true);
    for line in src.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        while skip.peek().is_some_and(|r| r.end <= start) {
            skip.next();
        }
        if skip.peek().is_some_and(|r| r.contains(&start)) {
            continue;
        }
        let heading = line.trim_start().starts_with('#');
        if heading && titled {
            in_header = false;
        }
        titled |= heading;
        let Some((key, value)) =
            key_value(line).or_else(|| in_header.then(|| plain_key_value(line)).flatten())
        else {
            continue;
        };
        let k = norm(&key);
        if k.trim() == "title" {
            title = title.or_else(|| Some(value.trim().to_string()).filter(|t| !t.is_empty()));
            continue;
        }
        let has = |w: &str| k.contains(&format!(" {w} "));
        if has("rollback") && (has("window") || has("period")) {
            if rollback_window.is_none() {
                rollback_window = schedule::duration_s(&value)
                    .and_then(|s| u64::try_from(s).ok())
                    .map(Duration::from_secs);
            }
            continue;
        }
        // A bare `**Date**:` / `**Window**:` / `**Time**:` in a plan's header lines is its
        // go-live's (`**Date**: September 21, 2025` then `**Window**: 15:00-17:00 UTC`).
        let bare = ["date", "window", "time", "when", "scheduled"]
            .iter()
            .any(|w| k.trim() == *w);
        if !bare && (!SUBJECTS.iter().any(|s| has(s)) || NOT_GO_LIVE.iter().any(|s| has(s))) {
            continue;
        }
        if date.is_none() {
            date = schedule::first_date(&value).and_then(|d| d.date(None));
        }
        if time.is_none() {
            time = schedule::first_clock(&value);
        }
    }
    // `**T‑0 (04:00):** Go call`: a run of show that puts T-0 at a clock time gives the go-live
    // time when no header line does.
    if time.is_none() {
        time = src.lines().find_map(t0_clock);
    }
    let zone = time
        .and_then(|(_, z)| z)
        .or_else(|| zones_seen.first().map(|&tz| Zone::Named(tz)))
        .unwrap_or(Zone::UTC);
    let time = time.map(|(t, z)| (t, z.unwrap_or(zone)));
    let t0 = date.map(|d| {
        let (t, z) = time.unwrap_or((NaiveTime::MIN, zone));
        z.to_utc(d.and_time(t))
    });
    Meta {
        t0,
        date,
        time,
        zone,
        zones: zones_seen,
        rollback_window,
        title,
        year_hint,
    }
}

impl Meta {
    /// Takes the plan's date and time from its front matter's `date:` (`date:
    /// 2024-08-22T13:00:00-00:00`, `date: 2024-08-22`, or TOML's `date = 2019-05-27T15:00:00Z`
    /// in a `+++` block), as status pages and issue templates
    /// date the event they announce, when no header line gave a date. A `date:` that is not a
    /// real date (`2023-07-94T13:00:00`) is ignored.
    pub fn date_from_front_matter(&mut self, front_matter: Option<&str>) {
        if self.date.is_some() {
            return;
        }
        let Some(value) = front_matter.and_then(|fm| {
            fm.lines().find_map(|l| {
                let rest = l.strip_prefix("date")?.trim_start();
                let v = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
                Some(v.trim().trim_matches(['\'', '"']).to_string())
            })
        }) else {
            return;
        };
        if let Ok(at) = DateTime::parse_from_rfc3339(&value)
            .or_else(|_| DateTime::parse_from_str(&value, "%Y-%m-%d %H:%M:%S %z"))
        {
            let utc = at.with_timezone(&Utc);
            self.date = Some(utc.date_naive());
            self.time = Some((utc.time(), Zone::UTC));
            self.t0 = Some(utc);
        } else if let Ok(d) = NaiveDate::parse_from_str(&value, "%Y-%m-%d") {
            self.date = Some(d);
            self.t0 = Some(self.zone.to_utc(d.and_time(NaiveTime::MIN)));
        }
    }

    /// The year of the go-live date, else of the first full date the plan writes, for dates
    /// written without one.
    #[must_use]
    pub fn year(&self) -> Option<i32> {
        self.date.map(|d| d.year()).or(self.year_hint)
    }
}

/// The clock time a line gives T-0 (`**T‑0 (04:00):** Go call`, `T-0 at 22:00 UTC:
/// cutover`): `T`, a minus sign, `0`, then within the next few characters (brackets, `at`,
/// `=`) a clock time. `T-0 Days` and `T-01` are not.
fn t0_clock(line: &str) -> Option<(NaiveTime, Option<Zone>)> {
    // ASCII lower-casing keeps byte offsets, so `at` indexes `line` too.
    let lower = line.to_ascii_lowercase();
    let at = ["t-0", "t\u{2011}0", "t\u{2010}0", "t\u{2212}0", "t–0"]
        .iter()
        .find_map(|m| lower.find(m).map(|k| k + m.len()))?;
    let rest = line.get(at..)?;
    if rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let head: String = rest.chars().take(24).collect();
    let lead = head.trim_start_matches([' ', '(', '[', '=', ':', '*']);
    let lead = lead
        .strip_prefix("at ")
        .or_else(|| lead.strip_prefix("@"))
        .unwrap_or(lead);
    if !lead.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    schedule::first_clock(lead)
}

/// `**Key:** value`, `**Key**: value`, `__Key:__ value`, also after a list marker or `>`.
/// Returns the key without its colon and the value without markup characters.
fn key_value(line: &str) -> Option<(String, String)> {
    let mut l = line.trim();
    loop {
        let before = l;
        l = l.trim_start_matches('>').trim_start();
        for marker in ["- ", "* ", "+ "] {
            l = l.strip_prefix(marker).unwrap_or(l);
        }
        let digits = l.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && l[digits..].starts_with(". ") {
            l = &l[digits + 2..];
        }
        if l == before {
            break;
        }
    }
    let marker = ["**", "__"].into_iter().find(|m| l.starts_with(m))?;
    let rest = &l[marker.len()..];
    let end = rest.find(marker)?;
    let key = rest[..end].trim().trim_end_matches(':').trim();
    let value = rest[end + marker.len()..]
        .trim_start()
        .trim_start_matches(':');
    if key.is_empty() {
        return None;
    }
    let value = value.replace("**", "").replace("__", "").replace('`', "");
    Some((key.to_string(), value.trim().to_string()))
}

/// `Key: value` without markup, as a header line (`Date: February 21, 2026`): a key of at most
/// three words, starting with a capital letter and holding only letters and spaces, and a value.
fn plain_key_value(line: &str) -> Option<(String, String)> {
    let (key, value) = line.trim().split_once(':')?;
    let key = key.trim();
    let value = value.trim();
    let words = key.split_whitespace().count();
    if value.is_empty()
        || !(1..=3).contains(&words)
        || !key.starts_with(|c: char| c.is_uppercase())
        || !key.chars().all(|c| c.is_alphabetic() || c == ' ')
    {
        return None;
    }
    Some((key.to_string(), value.to_string()))
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_run_of_show_line_puts_t0_at_its_clock() {
        assert!(t0_clock("**T\u{2011}0 (04:00):** Go call; start canary.").is_some());
        assert!(t0_clock("- T-0 at 22:00 UTC: cut over").is_some());
        assert!(t0_clock("T-0 Days: freeze").is_none());
        assert!(t0_clock("T-01: freeze").is_none());
        let m = read(
            "# Plan\n\n**Date**: September 17, 2025\n\n## Run\n\n- **T-0 (04:00):** Go\n",
            &[],
            std::iter::empty(),
        );
        assert_eq!(
            m.t0.map(|t| t.to_rfc3339()),
            Some("2025-09-17T04:00:00+00:00".into())
        );
    }

    use super::*;

    #[test]
    fn key_values() {
        assert_eq!(
            key_value("**Launch Date:** December 13, 2025\n"),
            Some(("Launch Date".into(), "December 13, 2025".into()))
        );
        assert_eq!(
            key_value("- **Target Date**: December 31, 2025  "),
            Some(("Target Date".into(), "December 31, 2025".into()))
        );
        assert_eq!(key_value("plain text"), None);
        assert_eq!(
            plain_key_value("Date: February 21, 2026\n"),
            Some(("Date".into(), "February 21, 2026".into()))
        );
        assert_eq!(plain_key_value("Then run this command: cargo build"), None);
        assert_eq!(plain_key_value("note: lower case"), None);
        assert_eq!(key_value("**unclosed"), None);
    }

    #[test]
    fn go_live_and_zones() {
        let src = "# X\n\n**Launch Date:** December 13, 2025\n**Go-Live Time:** 09:00 AM UTC (10:00 AM WAT)\n**Rollback Window:** 24 hours post-launch\n**Last Updated:** December 1, 2025\n";
        let m = read(src, &[], std::iter::once("09:00 AM UTC (10:00 AM WAT)"));
        assert_eq!(
            m.t0.map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-12-13T09:00:00+00:00")
        );
        assert_eq!(m.zones, [Tz::Africa__Lagos]);
        assert_eq!(m.zone, Zone::UTC);
        assert_eq!(m.rollback_window, Some(Duration::from_secs(86_400)));
    }

    #[test]
    fn date_and_time_in_one_value_and_skipped_code() {
        let src = "```\n**Go-Live Date:** January 1, 2020\n```\n**Deployment Date:** November 22, 2025, 2:00 AM UTC\n";
        let fence_end = src.find("**Deployment").expect("present");
        let fence = 0..fence_end;
        let m = read(src, std::slice::from_ref(&fence), std::iter::empty());
        assert_eq!(
            m.t0.map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-11-22T02:00:00+00:00")
        );
    }

    #[test]
    fn plain_header_lines_date_the_event_but_not_lines_in_steps() {
        let src = "# Cutover Runbook\n\nDate: February 21, 2026\n\n## Steps\n1. Deploy\n";
        let m = read(src, &[], std::iter::empty());
        assert_eq!(m.t0, Some("2026-02-21T00:00:00Z".parse().expect("instant")));
        let late = "# Cutover Runbook\n\n## Steps\nDate: February 21, 2026\n";
        assert_eq!(read(late, &[], std::iter::empty()).t0, None);
    }

    #[test]
    fn bare_date_and_window_keys_date_the_event() {
        let src = "# Cutover\n\n**Release**: v1.0.0\n**Date**: September 21, 2025\n**Window**: 15:00-17:00 UTC\n";
        let m = read(src, &[], std::iter::empty());
        assert_eq!(m.t0, Some("2025-09-21T15:00:00Z".parse().expect("instant")));
    }

    #[test]
    fn without_a_time_t0_is_midnight_in_the_plan_zone() {
        let src = "**Release Date:** 2025-06-02\n";
        let m = read(src, &[], std::iter::once("Europe/London"));
        assert_eq!(
            m.t0.map(|t| t.to_rfc3339()).as_deref(),
            Some("2025-06-01T23:00:00+00:00")
        );
    }
}
