//! `/metrics` scrapes: fetch the page ([`http::fetch`]), parse the text exposition format
//! ([`exposition::parse`]), and turn the selected series into the check's value.
//!
//! - The value of a selector is the sum of every sample it matches.
//! - A counter (a `counter` family, the `_count`/`_sum`/`_bucket` samples of a histogram or
//!   summary, or an untyped name ending in `_total`) becomes its per-second rate between two
//!   scrapes ([`Rate`], which handles counter resets). The first scrape of a counter therefore
//!   has no value yet: the probe passes with `value: None` (the room draws no point), rather
//!   than failing a healthy check.
//! - With `per`, the value is `series / per` (each a rate if a counter); when `per` is 0 (e.g.
//!   no requests at all in the interval) the ratio is undefined and the value is `None`.
//! - The result is multiplied by `scale` (default 1; e.g. 100 turns a ratio into %).
//!
//! A selector that matches no sample is a `body` error naming it.

use std::time::{Duration, Instant};

use super::exposition::{self, Exposition, MetricType, Rate, Selector};
use super::http::{self, Fetched, Request};
use super::outcome::{ErrorKind, Outcome, ProbeError};

/// One scraped metric: its selectors, scale, and the last counter readings.
#[derive(Debug, Clone)]
pub struct Scraper {
    series: Selector,
    per: Option<Selector>,
    scale: f64,
    series_rate: Rate,
    per_rate: Rate,
    /// Origin of the monotonic clock [`Scraper::probe`] passes to the rates.
    epoch: Instant,
}

impl Scraper {
    /// A scraper for `series` (divided by `per` if given), multiplied by `scale` (default 1).
    ///
    /// Errors: a selector that does not parse (which one, what and where), or a `scale` that
    /// is not a finite number.
    pub fn new(series: &str, per: Option<&str>, scale: Option<f64>) -> Result<Scraper, String> {
        let series = Selector::parse(series).map_err(|e| format!("series {series:?}: {e}"))?;
        let per = per
            .map(|p| Selector::parse(p).map_err(|e| format!("per {p:?}: {e}")))
            .transpose()?;
        let scale = scale.unwrap_or(1.0);
        if !scale.is_finite() {
            return Err(format!("scale {scale} is not a finite number"));
        }
        Ok(Scraper {
            series,
            per,
            scale,
            series_rate: Rate::new(),
            per_rate: Rate::new(),
            epoch: Instant::now(),
        })
    }

    /// Scrapes `req` within `deadline` and computes the value, timing counters by a monotonic
    /// clock read when the page has been read.
    ///
    /// Errors: those of [`http::fetch`]; `status` when the status is not `req.expect_status`;
    /// `body` when a selector matches no sample.
    pub async fn probe(
        &mut self,
        client: &reqwest::Client,
        req: &Request,
        deadline: Duration,
    ) -> Outcome {
        let got = http::fetch(client, req, deadline).await?;
        let at_ms = self.epoch.elapsed().as_millis() as u64;
        self.finish(&got, req.expect_status, at_ms)
    }

    /// As [`Scraper::probe`], with the reading's time given: `at_ms` milliseconds on any clock
    /// that only moves forward (for tests, and for callers with their own clock).
    pub async fn probe_at(
        &mut self,
        client: &reqwest::Client,
        req: &Request,
        deadline: Duration,
        at_ms: u64,
    ) -> Outcome {
        let got = http::fetch(client, req, deadline).await?;
        self.finish(&got, req.expect_status, at_ms)
    }

    fn finish(&mut self, got: &Fetched, expect_status: u16, at_ms: u64) -> Outcome {
        http::expect_status(got, expect_status)?;
        let value = self.observe(&got.body, at_ms)?;
        Ok(got.observed_value(value))
    }

    /// The value of one scraped page `text` read at `at_ms` (see the module docs). Pure.
    ///
    /// Errors: `body` when a selector matches no sample.
    pub fn observe(&mut self, text: &str, at_ms: u64) -> Result<Option<f64>, ProbeError> {
        let page = exposition::parse(text);
        let series = reading(&page, &self.series, &mut self.series_rate, at_ms)?;
        let value = match &self.per {
            None => series,
            Some(per) => {
                let per = reading(&page, per, &mut self.per_rate, at_ms)?;
                match (series, per) {
                    (Some(s), Some(p)) if p != 0.0 => Some(s / p),
                    _ => None,
                }
            }
        };
        Ok(value.map(|v| v * self.scale).filter(|v| !v.is_nan()))
    }
}

/// The value of `sel` in `page`: as read for a gauge, as a per-second rate for a counter
/// (`None` until there are two readings).
fn reading(
    page: &Exposition,
    sel: &Selector,
    rate: &mut Rate,
    at_ms: u64,
) -> Result<Option<f64>, ProbeError> {
    let Some(v) = page.select(sel) else {
        return Err(ProbeError::new(
            ErrorKind::Body,
            format!("no sample matches {sel}"),
        ));
    };
    if is_counter(page, &sel.name) {
        Ok(rate.observe(v, at_ms))
    } else {
        Ok(Some(v))
    }
}

/// Whether samples named `name` only go up (so their rate is what matters).
fn is_counter(page: &Exposition, name: &str) -> bool {
    if name.ends_with("_created") {
        return false;
    }
    match page.type_of(name) {
        MetricType::Counter => true,
        MetricType::Histogram | MetricType::Summary => {
            name.ends_with("_count") || name.ends_with("_sum") || name.ends_with("_bucket")
        }
        MetricType::Untyped => name.ends_with("_total"),
        MetricType::Gauge => false,
    }
}

#[cfg(test)]
#[allow(clippy::float_cmp, reason = "exact arithmetic on small values")]
mod tests {
    use super::*;

    #[test]
    fn gauge_is_read_and_counter_becomes_a_rate() {
        let mut g = Scraper::new("queue_depth", None, None).unwrap();
        assert_eq!(g.observe("queue_depth 7\n", 0).unwrap(), Some(7.0));

        let mut c = Scraper::new(r#"http_requests_total{code="500"}"#, None, None).unwrap();
        let page = |n: u32| {
            format!("# TYPE http_requests_total counter\nhttp_requests_total{{code=\"500\"}} {n}\n")
        };
        assert_eq!(c.observe(&page(100), 0).unwrap(), None);
        assert_eq!(c.observe(&page(160), 2000).unwrap(), Some(30.0));
        // A reset: the counter restarted from 0 and is now at 10.
        assert_eq!(c.observe(&page(10), 3000).unwrap(), Some(10.0));
    }

    #[test]
    fn histogram_count_is_a_counter_quantiles_are_not() {
        let page = "# TYPE d summary\nd{quantile=\"0.9\"} 0.3\nd_count 5\nd_sum 1\nd_created 100\n";
        let p = exposition::parse(page);
        assert!(is_counter(&p, "d_count"));
        assert!(is_counter(&p, "d_sum"));
        assert!(!is_counter(&p, "d"));
        assert!(!is_counter(&p, "d_created"));
        assert!(is_counter(&exposition::parse("x_total 1\n"), "x_total"));
        assert!(!is_counter(&exposition::parse("x 1\n"), "x"));
    }

    #[test]
    fn ratio_per_zero_is_none_and_missing_series_is_named() {
        let mut s = Scraper::new("errors", Some("requests"), Some(100.0)).unwrap();
        assert_eq!(s.observe("errors 1\nrequests 4\n", 0).unwrap(), Some(25.0));
        assert_eq!(s.observe("errors 0\nrequests 0\n", 1).unwrap(), None);
        let e = s.observe("requests 4\n", 2).unwrap_err();
        assert_eq!(e.kind, ErrorKind::Body);
        assert_eq!(e.detail, "no sample matches errors");
        assert!(
            Scraper::new("x{", None, None)
                .unwrap_err()
                .starts_with("series \"x{\": ")
        );
        assert!(
            Scraper::new("x", Some("y{a=~\"b\"}"), None)
                .unwrap_err()
                .starts_with("per ")
        );
        assert!(Scraper::new("x", None, Some(f64::NAN)).is_err());
    }
}
