//! A small, tolerant parser of the Prometheus text exposition format, series selectors and a
//! counter-rate helper. Pure: no I/O, no clock.
//!
//! Format source: <https://prometheus.io/docs/instrumenting/exposition_formats/> (text format
//! version 0.0.4) and the `OpenMetrics` 1.0 text format
//! (<https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md>),
//! of which the commonly seen parts are accepted: `# EOF`, `# UNIT`, `_created` samples,
//! exemplars and timestamps in (fractional) seconds.
//!
//! The grammar accepted, one line at a time (lines end in `\n`, an optional `\r` before it is
//! dropped; tokens are separated by spaces or tabs):
//!
//! ```text
//! # HELP <metric_name> <docstring with \\ \n (and `OpenMetrics` \") escapes>
//! # TYPE <metric_name> counter|gauge|histogram|summary|untyped   (other words → untyped)
//! # UNIT <metric_name> <unit>                                    (ignored)
//! # EOF                                                          (stops parsing)
//! # <anything else>                                              (comment, ignored)
//! <metric_name>[{<label_name>="<value>"[,<label_name>="<value>"]*[,]}] <value> [<timestamp>] [# <exemplar>]
//! ```
//!
//! Metric names are `[a-zA-Z_:][a-zA-Z0-9_:]*`, label names `[a-zA-Z_][a-zA-Z0-9_]*`; label
//! values are double-quoted with `\"`, `\\` and `\n` escapes (any other `\x` is kept as the two
//! characters, as Prometheus does). Values are floats (`1`, `-0.5`, `1e3`, `NaN`, `+Inf`,
//! `-Inf`). Parsing never fails: a line that does not fit goes to [`Exposition::skipped`] with its
//! line number and the reason, and the rest of the body still parses. Every step is linear in
//! the length of the input.

use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};

use crate::plan::selector::{
    Cursor, QuoteError, is_label_char, is_label_start, is_name_char, is_name_start, is_ws, quoted,
    take_ident, write_escaped,
};
pub use crate::plan::selector::{Matcher, Selector, SelectorError, SelectorErrorKind};

/// Metric family type from a `# TYPE` line ([`MetricType::Untyped`] when absent or unknown).
///
/// The `OpenMetrics`-only types (`unknown`, `gaugehistogram`, `stateset`, `info`) map to
/// `Untyped`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MetricType {
    /// A monotonically increasing count (`rate()` applies; see [`Rate`]).
    Counter,
    /// A value that goes up and down.
    Gauge,
    /// Buckets (`_bucket{le=...}`), `_sum` and `_count` samples.
    Histogram,
    /// Quantiles (`{quantile=...}`), `_sum` and `_count` samples.
    Summary,
    /// No `# TYPE` line, or a type this parser does not distinguish.
    #[default]
    Untyped,
}

impl MetricType {
    /// Reads the type word of a `# TYPE` line (ASCII case-insensitive). `None` for a word that
    /// is neither a Prometheus nor an `OpenMetrics` type.
    fn from_word(word: &str) -> Option<Self> {
        let lower = word.to_ascii_lowercase();
        match lower.as_str() {
            "counter" => Some(Self::Counter),
            "gauge" => Some(Self::Gauge),
            "histogram" => Some(Self::Histogram),
            "summary" => Some(Self::Summary),
            "untyped" | "unknown" | "gaugehistogram" | "stateset" | "info" => Some(Self::Untyped),
            _ => None,
        }
    }
}

/// One sample line, e.g. `http_requests_total{code="200"} 1027 1395066363000`.
///
/// `labels` keep the order of the line (without duplicates: the first value of a repeated label
/// name wins); `value` may be `NaN` or ±infinity; `timestamp_ms` is milliseconds since the Unix
/// epoch when the line carried one.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    /// Metric name as written, including any `_total`/`_sum`/`_count`/`_bucket`/`_created` suffix.
    pub name: String,
    /// Label pairs `(name, unescaped value)` in line order.
    pub labels: Vec<(String, String)>,
    /// The sample value.
    pub value: f64,
    /// Optional timestamp in milliseconds since the Unix epoch (an `OpenMetrics` timestamp in
    /// fractional seconds is converted to milliseconds, rounded).
    pub timestamp_ms: Option<i64>,
}

impl Sample {
    /// The value of label `name`, if the sample has it.
    pub fn label(&self, name: &str) -> Option<&str> {
        self.labels
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Writes the sample as one text-format line (no trailing newline), escaping label values, so
/// that [`parse`] reads back the same sample.
impl fmt::Display for Sample {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.labels.is_empty() {
            f.write_char('{')?;
            for (i, (k, v)) in self.labels.iter().enumerate() {
                if i > 0 {
                    f.write_char(',')?;
                }
                write!(f, "{k}=\"")?;
                write_escaped(f, v)?;
                f.write_char('"')?;
            }
            f.write_char('}')?;
        }
        f.write_char(' ')?;
        if self.value.is_nan() {
            f.write_str("NaN")?;
        } else if self.value.is_infinite() {
            f.write_str(if self.value > 0.0 { "+Inf" } else { "-Inf" })?;
        } else {
            write!(f, "{}", self.value)?;
        }
        if let Some(ts) = self.timestamp_ms {
            write!(f, " {ts}")?;
        }
        Ok(())
    }
}

/// What a scrape body held: the samples in body order, the declared family types, the help
/// texts, and the lines that were skipped or noted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Exposition {
    /// Every sample line that parsed, in body order.
    pub samples: Vec<Sample>,
    /// Family name (as written on its `# TYPE` line) → type. The first `# TYPE` for a name wins.
    pub types: HashMap<String, MetricType>,
    /// Family name → unescaped `# HELP` text. The first `# HELP` for a name wins.
    pub help: HashMap<String, String>,
    /// `(1-based line number, why)` for every line that was skipped, and for notes on lines that
    /// were kept (a duplicate label, a repeated `# TYPE`, text after `# EOF`).
    pub skipped: Vec<(usize, String)>,
}

/// Parses a scrape body in the Prometheus text format (0.0.4) or `OpenMetrics` text.
///
/// Never panics and never fails: a line that does not parse is recorded in
/// [`Exposition::skipped`] (1-based line number and reason, with a 1-based column) and parsing
/// goes on with the next line. `# EOF` ends the body. A leading byte-order mark is ignored.
pub fn parse(text: &str) -> Exposition {
    let mut out = Exposition::default();
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut lines = text.split('\n').enumerate();
    while let Some((index, raw)) = lines.next() {
        let line_no = index + 1;
        let line = raw.strip_suffix('\r').unwrap_or(raw);
        let mut cur = Cursor::new(line);
        cur.skip_ws();
        if cur.at_end() {
            continue;
        }
        if cur.eat(b'#') {
            if out.directive(line_no, &mut cur) == Flow::Stop {
                if lines.any(|(_, rest)| !rest.trim().is_empty()) {
                    out.skipped
                        .push((line_no, "text after `# EOF` ignored".to_owned()));
                }
                break;
            }
            continue;
        }
        let mut notes = Vec::new();
        match parse_sample(&mut cur, &mut notes) {
            Ok(sample) => {
                out.samples.push(sample);
                out.skipped.extend(notes.into_iter().map(|n| (line_no, n)));
            }
            Err(why) => out.skipped.push((line_no, why)),
        }
    }
    out
}

impl Exposition {
    /// The type of the family `sample_name` belongs to.
    ///
    /// An exact `# TYPE` entry wins; otherwise a suffix is stripped and the family's type is
    /// used when the suffix belongs to that type: `_total` (counter), `_created` (counter,
    /// histogram, summary), `_bucket` (histogram), `_sum` and `_count` (histogram, summary).
    /// [`MetricType::Untyped`] when nothing applies.
    pub fn type_of(&self, sample_name: &str) -> MetricType {
        use MetricType::{Counter, Histogram, Summary};
        const SUFFIXES: [(&str, &[MetricType]); 5] = [
            ("_total", &[Counter]),
            ("_created", &[Counter, Histogram, Summary]),
            ("_bucket", &[Histogram]),
            ("_sum", &[Histogram, Summary]),
            ("_count", &[Histogram, Summary]),
        ];
        if let Some(t) = self.types.get(sample_name) {
            return *t;
        }
        for (suffix, allowed) in SUFFIXES {
            if let Some(family) = sample_name.strip_suffix(suffix)
                && let Some(t) = self.types.get(family)
                && allowed.contains(t)
            {
                return *t;
            }
        }
        MetricType::Untyped
    }

    /// Sum of the values of all samples matching `sel`.
    ///
    /// `NaN` samples are skipped; `None` when no (non-`NaN`) sample matches. Infinite values are
    /// summed as they are.
    pub fn select(&self, sel: &Selector) -> Option<f64> {
        let mut sum = None;
        for s in &self.samples {
            if !s.value.is_nan() && sel.matches(s) {
                *sum.get_or_insert(0.0) += s.value;
            }
        }
        sum
    }

    /// Handles a `#` line; `cur` is just after the `#`.
    fn directive(&mut self, line_no: usize, cur: &mut Cursor<'_>) -> Flow {
        cur.skip_ws();
        let keyword = cur.take_while(|b| !is_ws(b));
        match keyword {
            "HELP" => self.help_line(line_no, cur),
            "TYPE" => self.type_line(line_no, cur),
            "EOF" => {
                cur.skip_ws();
                if cur.at_end() {
                    return Flow::Stop;
                }
            }
            // `# UNIT` (OpenMetrics) and plain comments carry nothing we use.
            _ => {}
        }
        Flow::Continue
    }

    /// `# HELP <name> <docstring>`; `cur` is after `HELP`.
    fn help_line(&mut self, line_no: usize, cur: &mut Cursor<'_>) {
        let name = match directive_name(cur, "HELP") {
            Ok(name) => name,
            Err(why) => {
                self.skipped.push((line_no, why));
                return;
            }
        };
        cur.skip_ws();
        let text = unescape_help(cur.rest().trim_end_matches([' ', '\t']));
        if self.help.contains_key(name) {
            self.skipped.push((
                line_no,
                format!("second HELP for `{name}` ignored (the first is kept)"),
            ));
        } else {
            self.help.insert(name.to_owned(), text);
        }
    }

    /// `# TYPE <name> <type>`; `cur` is after `TYPE`.
    fn type_line(&mut self, line_no: usize, cur: &mut Cursor<'_>) {
        let name = match directive_name(cur, "TYPE") {
            Ok(name) => name,
            Err(why) => {
                self.skipped.push((line_no, why));
                return;
            }
        };
        cur.skip_ws();
        let word_at = cur.pos;
        let word = cur.take_while(|b| !is_ws(b));
        if word.is_empty() {
            self.skipped.push((
                line_no,
                at(cur, word_at, format!("TYPE for `{name}` lacks a type")),
            ));
            return;
        }
        cur.skip_ws();
        if !cur.at_end() {
            self.skipped
                .push((line_no, at(cur, cur.pos, "unexpected text after the type")));
            return;
        }
        let kind = MetricType::from_word(word).unwrap_or_else(|| {
            self.skipped.push((
                line_no,
                format!(
                    "unknown type `{}` for `{name}`, treated as untyped",
                    clip(word)
                ),
            ));
            MetricType::Untyped
        });
        if self.types.contains_key(name) {
            self.skipped.push((
                line_no,
                format!("second TYPE for `{name}` ignored (the first is kept)"),
            ));
        } else {
            self.types.insert(name.to_owned(), kind);
        }
    }
}

/// Whether parsing goes on after a `#` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Flow {
    Continue,
    Stop,
}

/// Reads the metric name of a `# HELP`/`# TYPE` line, which must be followed by whitespace or
/// the end of the line.
fn directive_name<'a>(cur: &mut Cursor<'a>, keyword: &str) -> Result<&'a str, String> {
    cur.skip_ws();
    let name_at = cur.pos;
    let name = take_ident(cur, is_name_start, is_name_char);
    if name.is_empty() || !(cur.at_end() || cur.peek().is_some_and(is_ws)) {
        return Err(at(
            cur,
            name_at,
            format!("expected a metric name after {keyword}"),
        ));
    }
    Ok(name)
}

/// Parses a sample line; `cur` is at its first non-blank character. Notes that do not reject
/// the line (duplicate labels) go to `notes`. The error is `column N: why`.
fn parse_sample(cur: &mut Cursor<'_>, notes: &mut Vec<String>) -> Result<Sample, String> {
    let name_at = cur.pos;
    let name = take_ident(cur, is_name_start, is_name_char);
    if name.is_empty() {
        let why = if cur.peek() == Some(b'{') {
            "a metric name must come before `{` (quoted metric names are not supported)"
        } else {
            "expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
        };
        return Err(at(cur, name_at, why));
    }
    let mut spaced = cur.skip_ws();
    let mut labels = Vec::new();
    if cur.peek() == Some(b'{') {
        labels = parse_labels(cur, notes)?;
        spaced = true;
        cur.skip_ws();
    }
    if cur.at_end() {
        return Err(at(cur, cur.pos, "missing sample value"));
    }
    if !spaced {
        let c = cur.rest().chars().next().unwrap_or(' ');
        return Err(at(
            cur,
            cur.pos,
            format!("unexpected character {c:?} in metric name"),
        ));
    }
    let value_at = cur.pos;
    let token = cur.take_while(|b| !is_ws(b));
    let value = parse_value(token).ok_or_else(|| {
        at(
            cur,
            value_at,
            format!("invalid sample value `{}`", clip(token)),
        )
    })?;
    cur.skip_ws();
    let mut timestamp_ms = None;
    if !cur.at_end() && cur.peek() != Some(b'#') {
        let ts_at = cur.pos;
        let token = cur.take_while(|b| !is_ws(b));
        timestamp_ms = Some(
            parse_timestamp(token)
                .ok_or_else(|| at(cur, ts_at, format!("invalid timestamp `{}`", clip(token))))?,
        );
        cur.skip_ws();
        // Anything after ` # ` is an OpenMetrics exemplar, which we ignore.
        if !cur.at_end() && cur.peek() != Some(b'#') {
            return Err(at(cur, cur.pos, "unexpected text after the timestamp"));
        }
    }
    Ok(Sample {
        name: name.to_owned(),
        labels,
        value,
        timestamp_ms,
    })
}

/// Parses `{name="value", ...}`; `cur` is at the `{`. Repeated label names keep the first value
/// and add a note.
fn parse_labels<'a>(
    cur: &mut Cursor<'a>,
    notes: &mut Vec<String>,
) -> Result<Vec<(String, String)>, String> {
    let open = cur.pos;
    cur.pos += 1;
    let mut labels = Vec::new();
    let mut seen: HashSet<&'a str> = HashSet::new();
    loop {
        cur.skip_ws();
        if cur.eat(b'}') {
            return Ok(labels);
        }
        if cur.at_end() {
            return Err(at(cur, open, "unclosed `{`"));
        }
        let name_at = cur.pos;
        let name = take_ident(cur, is_label_start, is_label_char);
        if name.is_empty() {
            return Err(at(
                cur,
                name_at,
                "expected a label name ([a-zA-Z_][a-zA-Z0-9_]*) or `}`",
            ));
        }
        cur.skip_ws();
        if !cur.eat(b'=') {
            return Err(at(
                cur,
                cur.pos,
                format!("expected `=` after label name `{name}`"),
            ));
        }
        cur.skip_ws();
        if cur.peek() != Some(b'"') {
            return Err(at(
                cur,
                cur.pos,
                format!("expected a double-quoted value for label `{name}`"),
            ));
        }
        let value = quoted(cur, false).map_err(|e| match e {
            QuoteError::Unterminated { open } => at(
                cur,
                open,
                format!("unterminated value of label `{name}` (no closing `\"`)"),
            ),
            // Tolerant mode keeps unknown escapes, so this arm is not reached.
            QuoteError::BadEscape { at: pos, .. } => at(cur, pos, "bad escape"),
        })?;
        if seen.insert(name) {
            labels.push((name.to_owned(), value));
        } else {
            notes.push(format!("duplicate label `{name}`; the first value is kept"));
        }
        cur.skip_ws();
        if cur.eat(b',') {
            continue;
        }
        if cur.eat(b'}') {
            return Ok(labels);
        }
        if cur.at_end() {
            return Err(at(cur, open, "unclosed `{`"));
        }
        return Err(at(
            cur,
            cur.pos,
            format!("expected `,` or `}}` after the value of label `{name}`"),
        ));
    }
}

/// A sample value: Prometheus writes Go floats (`1`, `-0.5`, `1e3`, `NaN`, `+Inf`, `-Inf`).
/// Rust's float syntax is a superset of those forms except hexadecimal floats, which exporters
/// do not write.
fn parse_value(token: &str) -> Option<f64> {
    token.parse().ok()
}

/// An integer is milliseconds (Prometheus 0.0.4); any other number is `OpenMetrics` seconds,
/// converted to milliseconds. `None` when it is neither or out of range.
fn parse_timestamp(token: &str) -> Option<i64> {
    if let Ok(ms) = token.parse::<i64>() {
        return Some(ms);
    }
    let secs: f64 = token.parse().ok()?;
    let ms = (secs * 1000.0).round();
    // i64::MAX is about 9.22e18; stay clear of the rounding edge.
    (ms.is_finite() && ms.abs() < 9.2e18).then_some(ms as i64)
}

/// Unescapes a `# HELP` docstring: `\\` and `\n` (Prometheus) and `\"` (`OpenMetrics`); any other
/// backslash is kept.
fn unescape_help(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.clone().next() {
            Some('\\') => out.push('\\'),
            Some('n') => out.push('\n'),
            Some('"') => out.push('"'),
            _ => {
                out.push('\\');
                continue;
            }
        }
        chars.next();
    }
    out
}

/// `column N: why`, N being the 1-based character column of byte offset `pos`.
fn at(cur: &Cursor<'_>, pos: usize, why: impl fmt::Display) -> String {
    format!("column {}: {why}", cur.char_offset(pos) + 1)
}

/// At most 32 characters of `s` (for messages about arbitrary input).
fn clip(s: &str) -> String {
    match s.char_indices().nth(32) {
        Some((end, _)) => format!("{}…", s.get(..end).unwrap_or_default()),
        None => s.to_owned(),
    }
}

// Matching is the exposition reader's: the selector language lives in the plan, which names
// selectors in its wiring; what they select is read here.
impl Matcher {
    /// Whether `sample` satisfies this condition.
    pub fn matches(&self, sample: &Sample) -> bool {
        (sample.label(&self.label).unwrap_or("") == self.value) == self.equal
    }
}

impl Selector {
    /// Whether `sample` has this name and satisfies every matcher.
    pub fn matches(&self, sample: &Sample) -> bool {
        sample.name == self.name && self.matchers.iter().all(|m| m.matches(sample))
    }
}

/// Turns successive readings of a counter into a per-second rate.
///
/// A reading lower than the previous one is a counter reset: the new value is taken as the
/// increase since the reset (the counter counted up from zero), as Prometheus' `rate()` does.
/// Holds only the last `(value, at_ms)` reading.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Rate {
    /// Last accepted reading: counter value and time in milliseconds.
    last: Option<(f64, u64)>,
}

impl Rate {
    /// A rate with no reading yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the counter `value` read at `at_ms` (milliseconds on any clock that only moves
    /// forward, e.g. since start) and returns the increase per second since the previous
    /// reading.
    ///
    /// `None` on the first reading, when time did not advance (a reading at the same instant is
    /// ignored; an earlier instant restarts from this reading), and for a `NaN` or infinite
    /// value (ignored, the previous reading stays).
    pub fn observe(&mut self, value: f64, at_ms: u64) -> Option<f64> {
        if !value.is_finite() {
            return None;
        }
        let Some((last_value, last_ms)) = self.last else {
            self.last = Some((value, at_ms));
            return None;
        };
        if at_ms == last_ms {
            return None;
        }
        self.last = Some((value, at_ms));
        if at_ms < last_ms {
            return None;
        }
        let increase = if value < last_value {
            value.max(0.0)
        } else {
            value - last_value
        };
        Some(increase * 1000.0 / (at_ms - last_ms) as f64)
    }
}

#[cfg(test)]
#[allow(
    clippy::float_cmp,
    reason = "parsed literals are compared exactly on purpose"
)]
mod tests {
    use super::*;

    fn sample(name: &str, labels: &[(&str, &str)], value: f64) -> Sample {
        Sample {
            name: name.to_owned(),
            labels: labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            value,
            timestamp_ms: None,
        }
    }

    /// Parses one line that must yield exactly one sample and nothing skipped.
    fn one(line: &str) -> Sample {
        let e = parse(line);
        assert!(e.skipped.is_empty(), "{line:?}: skipped {:?}", e.skipped);
        assert_eq!(e.samples.len(), 1, "{line:?}");
        e.samples.into_iter().next().unwrap()
    }

    fn labels(s: &Sample) -> Vec<(&str, &str)> {
        s.labels
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn comments_and_blank_lines_are_ignored() {
        let e =
            parse("\n# just a comment\n   \n#\n\t# indented comment\n# UNIT foo seconds\nup 1\n\n");
        assert!(e.skipped.is_empty(), "{:?}", e.skipped);
        assert_eq!(e.samples, vec![sample("up", &[], 1.0)]);
    }

    #[test]
    fn help_is_unescaped_and_first_wins() {
        let e = parse(concat!(
            "# HELP foo A \\\\ backslash, a\\nnewline, a \\\"quote\\\" and \\t kept  \n",
            "# HELP bar\n",
            "# HELP foo again\n",
            "# HELP 1bad text\n",
            "foo 1\n",
        ));
        assert_eq!(
            e.help["foo"],
            "A \\ backslash, a\nnewline, a \"quote\" and \\t kept"
        );
        assert_eq!(e.help["bar"], "");
        assert_eq!(e.samples.len(), 1);
        let lines: Vec<usize> = e.skipped.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![3, 4], "{:?}", e.skipped);
        assert!(e.skipped[1].1.contains("expected a metric name after HELP"));
    }

    #[test]
    fn type_lines() {
        let e = parse(concat!(
            "# TYPE a counter\n",
            "# TYPE b gauge\n",
            "# TYPE c histogram\n",
            "# TYPE d summary\n",
            "# TYPE e untyped\n",
            "# TYPE f unknown\n",
            "# TYPE g GAUGE\n",
            "#TYPE\th\tstateset\n",
            "# TYPE i blah\n",
            "# TYPE a gauge\n",
            "# TYPE j\n",
            "# TYPE k counter extra\n",
        ));
        let expect = [
            ("a", MetricType::Counter),
            ("b", MetricType::Gauge),
            ("c", MetricType::Histogram),
            ("d", MetricType::Summary),
            ("e", MetricType::Untyped),
            ("f", MetricType::Untyped),
            ("g", MetricType::Gauge),
            ("h", MetricType::Untyped),
            ("i", MetricType::Untyped),
        ];
        for (name, t) in expect {
            assert_eq!(e.types.get(name), Some(&t), "{name}");
        }
        assert_eq!(e.types.len(), expect.len());
        let lines: Vec<usize> = e.skipped.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, vec![9, 10, 11, 12], "{:?}", e.skipped);
        assert!(e.skipped[0].1.contains("unknown type `blah`"));
        assert!(e.skipped[1].1.contains("second TYPE for `a`"));
    }

    #[test]
    fn label_values_with_delimiters_inside() {
        let s = one(r#"m{a="x,y=z",b="}{",c="with  spaces ",d="{\"json\": 1}"} 2"#);
        assert_eq!(
            labels(&s),
            vec![
                ("a", "x,y=z"),
                ("b", "}{"),
                ("c", "with  spaces "),
                ("d", "{\"json\": 1}")
            ]
        );
        assert_eq!(s.value, 2.0);
    }

    #[test]
    fn label_value_escapes() {
        let s = one(r#"m{q="say \"hi\"",p="C:\\dir\\",n="two\nlines",u="\t\x",e=""} 1"#);
        assert_eq!(
            labels(&s),
            vec![
                ("q", "say \"hi\""),
                ("p", "C:\\dir\\"),
                ("n", "two\nlines"),
                ("u", "\\t\\x"),
                ("e", ""),
            ]
        );
    }

    #[test]
    fn utf8_in_label_values() {
        let s = one("m{city=\"Zürich 🚀\",x=\"é\\\"\"} 1");
        assert_eq!(labels(&s), vec![("city", "Zürich 🚀"), ("x", "é\"")]);
    }

    #[test]
    fn trailing_comma_and_whitespace_in_label_set() {
        let s = one("m{ a = \"1\" ,\tb=\"2\", } 3");
        assert_eq!(labels(&s), vec![("a", "1"), ("b", "2")]);
        let s = one("m {a=\"1\",} 3");
        assert_eq!(labels(&s), vec![("a", "1")]);
    }

    #[test]
    fn no_labels_and_empty_braces() {
        assert_eq!(one("m 1"), sample("m", &[], 1.0));
        assert_eq!(one("m{} 1"), sample("m", &[], 1.0));
        assert_eq!(one("m{ } 1"), sample("m", &[], 1.0));
        assert_eq!(one("m{}1"), sample("m", &[], 1.0));
    }

    #[test]
    fn values() {
        let cases: [(&str, f64); 11] = [
            ("+Inf", f64::INFINITY),
            ("-Inf", f64::NEG_INFINITY),
            ("Inf", f64::INFINITY),
            ("1e3", 1000.0),
            ("1E-3", 0.001),
            ("-0.5", -0.5),
            ("42", 42.0),
            ("-7", -7.0),
            ("+3", 3.0),
            ("0", 0.0),
            ("1.5e+2", 150.0),
        ];
        for (text, want) in cases {
            assert_eq!(one(&format!("m {text}")).value, want, "{text}");
        }
        assert!(one("m NaN").value.is_nan());
        assert!(one("m nan").value.is_nan());
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            one("m 1 1395066363000").timestamp_ms,
            Some(1_395_066_363_000)
        );
        assert_eq!(one("m{a=\"b\"} 1 -5").timestamp_ms, Some(-5));
        assert_eq!(one("m 1").timestamp_ms, None);
        // OpenMetrics: seconds with a fraction.
        assert_eq!(
            one("m_total 17.0 1520879607.789").timestamp_ms,
            Some(1_520_879_607_789)
        );
        let e = parse("m 1 soon\nm 1 NaN\nm 1 1e300\n");
        assert!(e.samples.is_empty());
        assert_eq!(e.skipped.len(), 3);
        assert!(e.skipped[0].1.contains("invalid timestamp `soon`"));
    }

    #[test]
    fn crlf_line_endings() {
        let e = parse("# TYPE a counter\r\na_total{x=\"1\"} 5 100\r\n\r\nb 2\r\n");
        assert!(e.skipped.is_empty(), "{:?}", e.skipped);
        assert_eq!(e.samples.len(), 2);
        assert_eq!(e.samples[0].timestamp_ms, Some(100));
        assert_eq!(e.samples[1], sample("b", &[], 2.0));
        assert_eq!(e.types["a"], MetricType::Counter);
    }

    #[test]
    fn tabs_and_runs_of_whitespace_separate_tokens() {
        let s = one("\t m{a=\"b\"}\t\t3 \t 77\t ");
        assert_eq!(s.value, 3.0);
        assert_eq!(s.timestamp_ms, Some(77));
        assert_eq!(one("m\t4").value, 4.0);
    }

    #[test]
    fn garbage_lines_are_skipped_with_line_numbers() {
        let body = [
            "good 1",
            "this is not a sample",
            "1abc 2",
            "bad-name 3",
            "m{a=1} 4",
            "m{a=\"unterminated} 5",
            "m{a=\"1\" b=\"2\"} 6",
            "m{=\"1\"} 7",
            "m{a=\"1\"",
            "m",
            "m{}",
            "m 1 2 3",
            "m one",
            "{__name__=\"m\"} 1",
            "m{a\"1\"} 8",
            "good 2",
        ]
        .join("\n");
        let e = parse(&body);
        assert_eq!(
            e.samples,
            vec![sample("good", &[], 1.0), sample("good", &[], 2.0)]
        );
        let lines: Vec<usize> = e.skipped.iter().map(|(l, _)| *l).collect();
        assert_eq!(lines, (2..=15).collect::<Vec<_>>(), "{:#?}", e.skipped);
        let why: Vec<&str> = e.skipped.iter().map(|(_, w)| w.as_str()).collect();
        assert_eq!(why[0], "column 6: invalid sample value `is`");
        assert_eq!(
            why[1],
            "column 1: expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)"
        );
        assert_eq!(why[2], "column 4: unexpected character '-' in metric name");
        assert_eq!(
            why[3],
            "column 5: expected a double-quoted value for label `a`"
        );
        assert_eq!(
            why[4],
            "column 5: unterminated value of label `a` (no closing `\"`)"
        );
        assert_eq!(
            why[5],
            "column 9: expected `,` or `}` after the value of label `a`"
        );
        assert!(why[6].starts_with("column 3: expected a label name"));
        assert_eq!(why[7], "column 2: unclosed `{`");
        assert_eq!(why[8], "column 2: missing sample value");
        assert_eq!(why[9], "column 4: missing sample value");
        assert_eq!(why[10], "column 7: unexpected text after the timestamp");
        assert_eq!(why[11], "column 3: invalid sample value `one`");
        assert!(why[12].contains("quoted metric names are not supported"));
        assert_eq!(why[13], "column 4: expected `=` after label name `a`");
    }

    #[test]
    fn columns_count_characters_and_leading_blanks() {
        let e = parse("  m{a=\"é\",b=x} 1");
        assert_eq!(
            e.skipped,
            vec![(
                1,
                "column 13: expected a double-quoted value for label `b`".to_owned()
            )]
        );
    }

    #[test]
    fn duplicate_label_keeps_the_first_with_a_note() {
        let e = parse("ok 0\nm{a=\"1\",b=\"2\",a=\"3\"} 1\n");
        assert_eq!(e.samples[1], sample("m", &[("a", "1"), ("b", "2")], 1.0));
        assert_eq!(
            e.skipped,
            vec![(2, "duplicate label `a`; the first value is kept".to_owned())]
        );
    }

    #[test]
    fn metric_and_label_name_rules() {
        assert_eq!(one("job:rate5m:sum 1").name, "job:rate5m:sum");
        assert_eq!(one("_x9 1").name, "_x9");
        assert_eq!(one("m{_a9=\"\"} 1").labels[0].0, "_a9");
        let e = parse("9m 1\nm{9a=\"\"} 1\nm{a:b=\"\"} 1\nm{é=\"\"} 1\n");
        assert!(e.samples.is_empty());
        assert_eq!(e.skipped.len(), 4);
    }

    #[test]
    fn eof_stops_parsing() {
        let e = parse("a 1\n# EOF\nb 2\n");
        assert_eq!(e.samples, vec![sample("a", &[], 1.0)]);
        assert_eq!(
            e.skipped,
            vec![(2, "text after `# EOF` ignored".to_owned())]
        );
        // A proper OpenMetrics ending leaves nothing to note.
        let e = parse("a 1\n# EOF\n");
        assert!(e.skipped.is_empty());
        // `# EOF` followed by words is just a comment.
        let e = parse("a 1\n# EOF of section\nb 2\n");
        assert_eq!(e.samples.len(), 2);
    }

    #[test]
    fn exemplars_are_ignored() {
        let s = one(r#"foo_bucket{le="0.5"} 8 # {trace_id="x y} #"} 0.43 1520879607.7"#);
        assert_eq!(labels(&s), vec![("le", "0.5")]);
        assert_eq!(s.value, 8.0);
        assert_eq!(s.timestamp_ms, None);
        let s = one(r#"foo_total 3 1000 # {trace_id="abc"} 1"#);
        assert_eq!(s.timestamp_ms, Some(1000));
    }

    #[test]
    fn openmetrics_body() {
        let body = concat!(
            "# TYPE acme_http_router_request_seconds summary\n",
            "# UNIT acme_http_router_request_seconds seconds\n",
            "# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.\n",
            "acme_http_router_request_seconds_sum{path=\"/api/v1\",method=\"GET\"} 9036.32\n",
            "acme_http_router_request_seconds_count{path=\"/api/v1\",method=\"GET\"} 807283.0\n",
            "acme_http_router_request_seconds_created{path=\"/api/v1\",method=\"GET\"} 1605281325.0\n",
            "# TYPE go_goroutines gauge\n",
            "go_goroutines 69\n",
            "# TYPE process_cpu_seconds counter\n",
            "# UNIT process_cpu_seconds seconds\n",
            "process_cpu_seconds_total 4.20072246e+06\n",
            "process_cpu_seconds_created 1.6e9\n",
            "# EOF\n",
        );
        let e = parse(body);
        assert!(e.skipped.is_empty(), "{:?}", e.skipped);
        assert_eq!(e.samples.len(), 6);
        assert_eq!(
            e.type_of("acme_http_router_request_seconds_created"),
            MetricType::Summary
        );
        assert_eq!(e.type_of("process_cpu_seconds_total"), MetricType::Counter);
        assert_eq!(
            e.type_of("process_cpu_seconds_created"),
            MetricType::Counter
        );
        assert_eq!(e.type_of("go_goroutines"), MetricType::Gauge);
    }

    #[test]
    fn prometheus_body() {
        let body = r#"# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\DIR\\FILE.TXT",error="Cannot find file:\n\"FILE.TXT\""} 1.458255915e9

# Minimalistic line:
metric_without_timestamp_and_labels 12.47

# A weird metric from before the epoch:
something_weird{problem="division by zero"} +Inf -3982045

# A histogram, which has a pretty complex representation in the text format:
# HELP http_request_duration_seconds A histogram of the request duration.
# TYPE http_request_duration_seconds histogram
http_request_duration_seconds_bucket{le="0.05"} 24054
http_request_duration_seconds_bucket{le="+Inf"} 144320
http_request_duration_seconds_sum 53423
http_request_duration_seconds_count 144320

# Finally a summary, which has a complex representation, too:
# HELP rpc_duration_seconds A summary of the RPC duration in seconds.
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.01"} 3102
rpc_duration_seconds_sum 1.7560473e+07
rpc_duration_seconds_count 2693
"#;
        let e = parse(body);
        assert!(e.skipped.is_empty(), "{:?}", e.skipped);
        assert_eq!(e.samples.len(), 12);
        let ms = &e.samples[2];
        assert_eq!(ms.label("path"), Some("C:\\DIR\\FILE.TXT"));
        assert_eq!(ms.label("error"), Some("Cannot find file:\n\"FILE.TXT\""));
        assert_eq!(e.samples[4].value, f64::INFINITY);
        assert_eq!(e.samples[4].timestamp_ms, Some(-3_982_045));
        assert_eq!(e.type_of("http_requests_total"), MetricType::Counter);
        assert_eq!(
            e.type_of("http_request_duration_seconds_bucket"),
            MetricType::Histogram
        );
        assert_eq!(e.type_of("rpc_duration_seconds_count"), MetricType::Summary);
        assert_eq!(e.type_of("rpc_duration_seconds"), MetricType::Summary);
        assert_eq!(
            e.help["http_requests_total"],
            "The total number of HTTP requests."
        );
        let sel = Selector::parse(r#"http_requests_total{method="post"}"#).unwrap();
        assert_eq!(e.select(&sel), Some(1030.0));
    }

    #[test]
    fn type_of_suffixes_only_apply_to_matching_family_types() {
        let e = parse("# TYPE c counter\n# TYPE h histogram\n# TYPE s summary\n# TYPE g gauge\n");
        let cases = [
            ("c", MetricType::Counter),
            ("c_total", MetricType::Counter),
            ("c_created", MetricType::Counter),
            ("c_sum", MetricType::Untyped),
            ("h_bucket", MetricType::Histogram),
            ("h_sum", MetricType::Histogram),
            ("h_count", MetricType::Histogram),
            ("h_created", MetricType::Histogram),
            ("h_total", MetricType::Untyped),
            ("s_sum", MetricType::Summary),
            ("s_count", MetricType::Summary),
            ("s_bucket", MetricType::Untyped),
            ("g", MetricType::Gauge),
            ("g_total", MetricType::Untyped),
            ("g_count", MetricType::Untyped),
            ("nope", MetricType::Untyped),
            ("_total", MetricType::Untyped),
        ];
        for (name, want) in cases {
            assert_eq!(e.type_of(name), want, "{name}");
        }
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        assert_eq!(parse("\u{feff}m 1\n").samples, vec![sample("m", &[], 1.0)]);
    }

    /// A tiny deterministic generator (xorshift) so the test needs no dependency.
    fn noise(seed: u64, len: usize, alphabet: &[u8]) -> Vec<u8> {
        let mut x = seed | 1;
        (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                alphabet[(x % alphabet.len() as u64) as usize]
            })
            .collect()
    }

    #[test]
    fn random_bytes_never_panic() {
        let all: Vec<u8> = (0..=255).collect();
        let syntax = b"#{}=\",\\ \t\n\rnNaI+-.e0123456789abc_:EOFTYPEHELP";
        for seed in 0..300 {
            for alphabet in [&all[..], &syntax[..]] {
                let bytes = noise(seed, 2000, alphabet);
                let text = String::from_utf8_lossy(&bytes);
                let e = parse(&text);
                for s in &e.samples {
                    let _ = e.type_of(&s.name);
                }
                if let Ok(sel) = Selector::parse(&text) {
                    assert_eq!(Selector::parse(&sel.to_string()), Ok(sel));
                }
            }
        }
    }

    #[test]
    fn very_long_lines_parse_in_linear_time() {
        let n = 200_000;
        let mut line = String::from("m{");
        for i in 0..n {
            write!(line, "l{i}=\"v,{i}\",").unwrap();
        }
        line.push_str("} 1\n");
        line.push_str(&"x".repeat(1_000_000));
        line.push_str(" 2\n");
        writeln!(line, "dup{{{}}} 3", "a=\"\",".repeat(100_000)).unwrap();
        let e = parse(&line);
        assert_eq!(e.samples.len(), 3);
        assert_eq!(e.samples[0].labels.len(), n);
        assert_eq!(e.samples[2].labels.len(), 1);
        assert_eq!(e.skipped.len(), 99_999);
        let garbage = format!("m{{a=\"{}", "\\\"".repeat(500_000));
        assert_eq!(parse(&garbage).skipped.len(), 1);
    }

    #[test]
    fn sample_display_round_trips() {
        let body = r#"m{a="x,y",b="q\"\\\n",c="\z"} -0.5 12
m NaN
m +Inf
m -Inf
m 1e300
m 0.000001"#;
        let e = parse(body);
        assert!(e.skipped.is_empty());
        assert_eq!(
            e.samples[0].to_string(),
            r#"m{a="x,y",b="q\"\\\n",c="\\z"} -0.5 12"#
        );
        for s in &e.samples {
            let back = one(&s.to_string());
            assert_eq!(back.name, s.name);
            assert_eq!(back.labels, s.labels);
            assert_eq!(back.timestamp_ms, s.timestamp_ms);
            assert!(back.value == s.value || (back.value.is_nan() && s.value.is_nan()));
        }
    }

    #[test]
    fn selector_parses() {
        let m = |label: &str, equal, value: &str| Matcher {
            label: label.to_owned(),
            equal,
            value: value.to_owned(),
        };
        let cases: Vec<(&str, Selector)> = vec![
            (
                "up",
                Selector {
                    name: "up".into(),
                    matchers: vec![],
                },
            ),
            (
                "  up{}  ",
                Selector {
                    name: "up".into(),
                    matchers: vec![],
                },
            ),
            (
                r#"http_requests_total{code="500", method!="GET"}"#,
                Selector {
                    name: "http_requests_total".into(),
                    matchers: vec![m("code", true, "500"), m("method", false, "GET")],
                },
            ),
            (
                "a:b \n{ x = \"1\" ,\n y != \"\" , }",
                Selector {
                    name: "a:b".into(),
                    matchers: vec![m("x", true, "1"), m("y", false, "")],
                },
            ),
            (
                r#"m{v="q\"\\\n,={}"}"#,
                Selector {
                    name: "m".into(),
                    matchers: vec![m("v", true, "q\"\\\n,={}")],
                },
            ),
            (
                r#"m{v="é🚀"}"#,
                Selector {
                    name: "m".into(),
                    matchers: vec![m("v", true, "é🚀")],
                },
            ),
        ];
        for (text, want) in cases {
            let got = Selector::parse(text).unwrap();
            assert_eq!(got, want, "{text:?}");
            assert_eq!(got.to_string().parse::<Selector>(), Ok(want), "{text:?}");
        }
    }

    #[test]
    fn selector_display_is_canonical() {
        let sel = Selector::parse(" m { a = \"x\\\"y\" ,b!=\"\\n\" , } ").unwrap();
        assert_eq!(sel.to_string(), r#"m{a="x\"y", b!="\n"}"#);
        assert_eq!(Selector::parse("m{}").unwrap().to_string(), "m");
    }

    #[test]
    fn selector_errors_say_what_and_where() {
        use SelectorErrorKind as K;
        let cases: [(&str, usize, SelectorErrorKind); 16] = [
            ("", 0, K::Empty),
            ("   ", 3, K::Empty),
            ("9up", 0, K::ExpectedMetricName),
            ("{a=\"b\"}", 0, K::ExpectedMetricName),
            ("m{", 1, K::Unclosed),
            ("m{a=\"b\"", 1, K::Unclosed),
            ("m{1=\"b\"}", 2, K::ExpectedLabelName),
            ("m{a}", 3, K::ExpectedOperator),
            ("m{a=~\"b.*\"}", 3, K::RegexNotSupported),
            ("m{a!~\"b\"}", 3, K::RegexNotSupported),
            ("m{a=b}", 4, K::ExpectedQuote),
            ("m{a='b'}", 4, K::ExpectedQuote),
            ("m{a=\"b}", 4, K::UnterminatedValue),
            ("m{é=\"\\t\"}", 2, K::ExpectedLabelName),
            ("m{a=\"é\\t\"}", 6, K::BadEscape('t')),
            ("m{a=\"b\" c=\"d\"}", 8, K::ExpectedCommaOrBrace),
        ];
        for (text, offset, kind) in cases {
            assert_eq!(
                Selector::parse(text),
                Err(SelectorError { offset, kind }),
                "{text:?}"
            );
        }
        assert_eq!(
            Selector::parse("up extra").unwrap_err().kind,
            K::TrailingText
        );
        assert_eq!(
            Selector::parse("m{a=~\"b\"}").unwrap_err().to_string(),
            "regular-expression matchers (`=~`, `!~`) are not supported; use `=` or `!=` at column 4"
        );
        assert_eq!(
            Selector::parse("m{a=\"\\t\"}").unwrap_err().to_string(),
            "unsupported escape `\\t` (only `\\\"`, `\\\\` and `\\n`) at column 6"
        );
    }

    #[test]
    fn selector_matching() {
        let s = sample("req_total", &[("code", "500"), ("method", "GET")], 1.0);
        let yes = [
            "req_total",
            r#"req_total{code="500"}"#,
            r#"req_total{code!="200"}"#,
            r#"req_total{code="500",method="GET"}"#,
            r#"req_total{missing=""}"#,
            r#"req_total{missing!="x"}"#,
        ];
        let no = [
            "req",
            "req_total_x",
            r#"req_total{code="200"}"#,
            r#"req_total{code!="500"}"#,
            r#"req_total{code="500",method="POST"}"#,
            r#"req_total{missing="x"}"#,
            r#"req_total{code=""}"#,
        ];
        for text in yes {
            assert!(Selector::parse(text).unwrap().matches(&s), "{text}");
        }
        for text in no {
            assert!(!Selector::parse(text).unwrap().matches(&s), "{text}");
        }
    }

    #[test]
    fn select_sums_and_skips_nan() {
        let e = parse(concat!(
            "r{code=\"200\"} 10\n",
            "r{code=\"500\"} 2.5\n",
            "r{code=\"503\"} NaN\n",
            "q{code=\"500\"} 100\n",
            "only_nan NaN\n",
        ));
        let sel = |s: &str| Selector::parse(s).unwrap();
        assert_eq!(e.select(&sel("r")), Some(12.5));
        assert_eq!(e.select(&sel(r#"r{code!="200"}"#)), Some(2.5));
        assert_eq!(e.select(&sel(r#"r{code="404"}"#)), None);
        assert_eq!(e.select(&sel("absent")), None);
        assert_eq!(e.select(&sel("only_nan")), None);
    }

    #[test]
    fn rate_of_a_counter() {
        let mut r = Rate::new();
        assert_eq!(r.observe(100.0, 1_000), None, "first reading");
        assert_eq!(r.observe(110.0, 3_000), Some(5.0));
        assert_eq!(r.observe(110.0, 4_000), Some(0.0));
        assert_eq!(r.observe(120.0, 4_000), None, "time did not advance");
        assert_eq!(
            r.observe(114.0, 4_500),
            Some(8.0),
            "same-instant reading ignored"
        );
        // Reset: the counter restarted and counted up to 3.
        assert_eq!(r.observe(3.0, 5_500), Some(3.0));
        assert_eq!(r.observe(f64::NAN, 6_000), None);
        assert_eq!(r.observe(f64::INFINITY, 6_000), None);
        assert_eq!(
            r.observe(5.0, 6_500),
            Some(2.0),
            "NaN reading kept the baseline"
        );
        // Clock went back: start over from this reading.
        assert_eq!(r.observe(9.0, 100), None);
        assert_eq!(r.observe(10.0, 1_100), Some(1.0));
        // A reset to a negative value counts as zero.
        assert_eq!(r.observe(-4.0, 2_100), Some(0.0));
    }
}
