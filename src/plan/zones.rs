//! Time zones written in plans: IANA names (`Africa/Lagos`) and common abbreviations (`WAT`).
//!
//! An abbreviation names a fixed UTC offset (`10:00 AM WAT` is 09:00 UTC whatever the season),
//! so clock times written with one resolve with that offset; for the room's clocks it stands for
//! a representative IANA zone. The table follows the abbreviations the tz database itself uses
//! for those zones (tzdata's `africa`, `asia`, `australasia`, `europe`, `northamerica`,
//! `southamerica` files). Ambiguous abbreviations take their most common reading in deployment
//! plans: `IST` is India (not Ireland or Israel), `CST` is US Central (not China).
//! Abbreviations that are also ordinary words or acronyms in capitals (`WEST`, `CAT`, `GST`) are
//! left out.

use std::str::FromStr;

use chrono::{DateTime, FixedOffset, LocalResult, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone of a clock time as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    /// A fixed offset from UTC (`UTC`, `GMT`, an abbreviation such as `WAT`, `UTC+2`).
    Fixed(FixedOffset),
    /// An IANA zone with its daylight-saving rules (`Europe/London`).
    Named(Tz),
}

impl Zone {
    /// UTC.
    pub const UTC: Zone = Zone::Fixed(match FixedOffset::east_opt(0) {
        Some(z) => z,
        None => unreachable!(),
    });

    /// The UTC instant of the wall-clock time `local` in this zone. A time skipped by a
    /// daylight-saving change is taken one hour later; a repeated one at its first occurrence.
    #[must_use]
    pub fn to_utc(self, local: NaiveDateTime) -> DateTime<Utc> {
        match self {
            Zone::Fixed(off) => (local - off).and_utc(),
            Zone::Named(tz) => match tz.from_local_datetime(&local) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => Zone::Named(tz).to_utc(local + chrono::Duration::hours(1)),
            },
        }
    }
}

/// Abbreviation → (UTC offset in minutes, representative IANA zone). `None` zone: UTC itself.
const ABBREVIATIONS: &[(&str, i32, Option<Tz>)] = &[
    ("UTC", 0, None),
    ("GMT", 0, Some(Tz::Europe__London)),
    ("BST", 60, Some(Tz::Europe__London)),
    ("WET", 0, Some(Tz::Europe__Lisbon)),
    ("CET", 60, Some(Tz::Europe__Paris)),
    ("CEST", 120, Some(Tz::Europe__Paris)),
    ("EET", 120, Some(Tz::Europe__Athens)),
    ("EEST", 180, Some(Tz::Europe__Athens)),
    ("MSK", 180, Some(Tz::Europe__Moscow)),
    ("WAT", 60, Some(Tz::Africa__Lagos)),
    ("EAT", 180, Some(Tz::Africa__Nairobi)),
    ("SAST", 120, Some(Tz::Africa__Johannesburg)),
    ("PKT", 300, Some(Tz::Asia__Karachi)),
    ("IST", 330, Some(Tz::Asia__Kolkata)),
    ("WIB", 420, Some(Tz::Asia__Jakarta)),
    ("SGT", 480, Some(Tz::Asia__Singapore)),
    ("HKT", 480, Some(Tz::Asia__Hong_Kong)),
    ("AWST", 480, Some(Tz::Australia__Perth)),
    ("JST", 540, Some(Tz::Asia__Tokyo)),
    ("KST", 540, Some(Tz::Asia__Seoul)),
    ("ACST", 570, Some(Tz::Australia__Adelaide)),
    ("AEST", 600, Some(Tz::Australia__Sydney)),
    ("AEDT", 660, Some(Tz::Australia__Sydney)),
    ("NZST", 720, Some(Tz::Pacific__Auckland)),
    ("NZDT", 780, Some(Tz::Pacific__Auckland)),
    ("BRT", -180, Some(Tz::America__Sao_Paulo)),
    ("EST", -300, Some(Tz::America__New_York)),
    ("EDT", -240, Some(Tz::America__New_York)),
    ("CST", -360, Some(Tz::America__Chicago)),
    ("CDT", -300, Some(Tz::America__Chicago)),
    ("MST", -420, Some(Tz::America__Denver)),
    ("MDT", -360, Some(Tz::America__Denver)),
    ("PST", -480, Some(Tz::America__Los_Angeles)),
    ("PDT", -420, Some(Tz::America__Los_Angeles)),
    ("AKST", -540, Some(Tz::America__Anchorage)),
    ("AKDT", -480, Some(Tz::America__Anchorage)),
    ("HST", -600, Some(Tz::Pacific__Honolulu)),
];

/// The fixed offset an abbreviation (`WAT`, `utc`) stands for.
#[must_use]
pub fn abbreviation(abbr: &str) -> Option<Zone> {
    ABBREVIATIONS
        .iter()
        .find(|(a, _, _)| a.eq_ignore_ascii_case(abbr))
        .and_then(|&(_, minutes, _)| FixedOffset::east_opt(minutes * 60))
        .map(Zone::Fixed)
}

/// The representative IANA zone of an abbreviation written in capitals (`WAT` →
/// `Africa/Lagos`); `None` for UTC and unknown words.
#[must_use]
pub fn representative(abbr: &str) -> Option<Tz> {
    ABBREVIATIONS
        .iter()
        .find(|(a, _, _)| *a == abbr)
        .and_then(|&(_, _, tz)| tz)
}

/// An IANA zone name (`Africa/Lagos`); only `Area/Location` names, so `UTC` and similar
/// aliases, which are no extra clock, are not zones here.
#[must_use]
pub fn iana(name: &str) -> Option<Tz> {
    if !name.contains('/') || name.starts_with("Etc/") {
        return None;
    }
    Tz::from_str(name).ok()
}

/// North American zones written out in words (`10-2PM US Eastern Time`), as US notices name
/// them: the tz database's representative city for each.
const SPELLED: &[(&str, Tz)] = &[
    ("eastern time", Tz::America__New_York),
    ("central time", Tz::America__Chicago),
    ("mountain time", Tz::America__Denver),
    ("pacific time", Tz::America__Los_Angeles),
];

/// The zones `text` names, in order of first mention, without duplicates and without UTC:
/// IANA names anywhere, abbreviations only as whole words written in capitals, and the North
/// American zones written out (`Eastern Time`, any case) after those.
#[must_use]
pub fn mentioned(text: &str) -> Vec<Tz> {
    let mut out = mentioned_by_name(text);
    let lower = text.to_ascii_lowercase();
    let word_at = |k: usize, len: usize| {
        let b = lower.as_bytes();
        let edge = |x: Option<&u8>| !x.is_some_and(u8::is_ascii_alphanumeric);
        edge(k.checked_sub(1).and_then(|j| b.get(j))) && edge(b.get(k + len))
    };
    for &(words, tz) in SPELLED {
        let named = lower.match_indices(words).any(|(k, w)| word_at(k, w.len()));
        if named && !out.contains(&tz) {
            out.push(tz);
        }
    }
    out
}

fn mentioned_by_name(text: &str) -> Vec<Tz> {
    let mut out = Vec::new();
    for word in
        text.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+')))
    {
        let word = word.trim_matches(|c| matches!(c, '/' | '-' | '+'));
        let tz = if word.contains('/') {
            iana(word)
        } else if word.len() >= 3 && word.bytes().all(|b| b.is_ascii_uppercase()) {
            representative(word)
        } else {
            None
        };
        if let Some(tz) = tz
            && !out.contains(&tz)
        {
            out.push(tz);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn finds_zones_written_in_words() {
        assert_eq!(
            mentioned("Expect downtime 23 May between 10-2PM US Eastern Time"),
            vec![Tz::America__New_York]
        );
        assert_eq!(mentioned("a pacific timer"), Vec::<Tz>::new());
    }

    #[test]
    fn finds_zones_in_prose() {
        assert_eq!(
            mentioned("**Go-Live Time:** 09:00 AM UTC (10:00 AM WAT)"),
            [Tz::Africa__Lagos]
        );
        assert_eq!(
            mentioned("19:00 PST / 19:00 PDT and Europe/London, then WAT, WAT again"),
            [
                Tz::America__Los_Angeles,
                Tz::Europe__London,
                Tz::Africa__Lagos
            ]
        );
        assert!(mentioned("AWS/GCP/Azure, New Relic/Datadog, the best estimate, UTC").is_empty());
        assert_eq!(mentioned("America/New_York"), [Tz::America__New_York]);
    }

    #[test]
    fn abbreviations_are_fixed_offsets() {
        let local = NaiveDate::from_ymd_opt(2025, 7, 1)
            .and_then(|d| d.and_hms_opt(10, 0, 0))
            .expect("valid");
        let wat = abbreviation("WAT").expect("known");
        assert_eq!(wat.to_utc(local).to_rfc3339(), "2025-07-01T09:00:00+00:00");
        let london = Zone::Named(Tz::Europe__London);
        assert_eq!(
            london.to_utc(local).to_rfc3339(),
            "2025-07-01T09:00:00+00:00"
        );
        assert_eq!(
            Zone::UTC.to_utc(local).to_rfc3339(),
            "2025-07-01T10:00:00+00:00"
        );
        assert!(abbreviation("XYZ").is_none());
    }

    #[test]
    fn skipped_local_times_do_not_panic() {
        // 01:30 on the day the UK moves clocks forward does not exist.
        let local = NaiveDate::from_ymd_opt(2025, 3, 30)
            .and_then(|d| d.and_hms_opt(1, 30, 0))
            .expect("valid");
        let t = Zone::Named(Tz::Europe__London).to_utc(local);
        assert_eq!(t.to_rfc3339(), "2025-03-30T01:30:00+00:00");
    }
}
