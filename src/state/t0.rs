//! Reading a T-0 typed by a person (`--start`, or the room's "set T-0" dialog).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// Parses a go-live instant: `now`, RFC 3339 (`2025-12-13T09:00:00Z`, any offset),
/// `YYYY-MM-DD HH:MM[:SS]` or `YYYY-MM-DDTHH:MM` (UTC), `YYYY-MM-DD` (00:00 UTC), or `HH:MM`
/// (UTC, on `now`'s date). `now` is passed in so the rule is testable.
///
/// Errors: a one-line message naming the text and the forms accepted.
pub fn parse_t0(s: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    for f in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(s, f) {
            return Ok(t.and_utc());
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    if let Ok(t) = NaiveTime::parse_from_str(s, "%H:%M") {
        return Ok(now.date_naive().and_time(t).and_utc());
    }
    let shown = if s.is_empty() { "nothing" } else { s };
    Err(format!(
        "'{shown}' is not a time: use now, 2025-12-13T09:00:00Z, '2025-12-13 09:00' (UTC), \
         2025-12-13 or 09:00 (UTC, today)"
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_t0;
    use chrono::{DateTime, Utc};

    #[test]
    fn the_forms_people_type_and_a_clear_refusal() {
        let now: DateTime<Utc> = "2025-12-13T08:30:00Z".parse().unwrap_or_default();
        let at = |s: &str| parse_t0(s, now).map(|t| t.to_rfc3339());
        let nine = Ok("2025-12-13T09:00:00+00:00".to_string());
        for s in [
            "2025-12-13T09:00:00Z",
            "2025-12-13T10:00:00+01:00",
            "2025-12-13 09:00",
            " 2025-12-13T09:00 ",
            "09:00",
        ] {
            assert_eq!(at(s), nine, "{s}");
        }
        assert_eq!(at("NOW"), Ok(now.to_rfc3339()));
        assert_eq!(at("2025-12-14"), Ok("2025-12-14T00:00:00+00:00".into()));
        for bad in ["tomorrow", "2025-13-01 09:00", "25:00", ""] {
            let e = at(bad).unwrap_err();
            assert!(e.contains("is not a time"), "{bad}: {e}");
        }
        assert!(at("").unwrap_err().starts_with("'nothing'"));
    }
}
