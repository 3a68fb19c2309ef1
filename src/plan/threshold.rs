//! Reading rollback-trigger thresholds from the plan's prose: `Error rate > 5%`,
//! `Critical system functionality failure (>50% error rate)`,
//! `Performance degradation (>200% baseline response times)`, `p95 latency > 500ms for 2m`,
//! `System unavailable > 15 minutes`.
//!
//! The result is what a metric engine evaluates: `measure op value unit`, held for `for_s`
//! seconds. Two shapes:
//!
//! - A number with a unit: `error rate > 5%` is (`error rate`, `>`, 5, `%`). Percentages of a
//!   baseline keep that in the unit (`% of baseline`); times of time-like measures (latency,
//!   response time, duration…) are in `ms` or `s` (minutes and hours become seconds).
//! - A state that lasts: `System unavailable > 15 minutes` compares a duration with a measure
//!   that is not itself a time, so it reads as "the state holds for 15 minutes": (`unavailable`,
//!   `>`, 0, no unit, `for_s` 900). A check that reports 1 while the system is unavailable fires
//!   the trigger once that has held for 900 s. The measure is the last word (the state).
//!
//! `… for 2m` / `… for 5 minutes` after the threshold sets `for_s`. Text without a comparison
//! and a number has no threshold (`Data corruption or integrity issues`): people judge those.

use super::lex::{Tok, Token, tokens};
use super::schedule;
use super::{Comparator, Threshold};

/// The threshold written in `text`, if any (see the module docs for the shapes).
#[must_use]
pub fn parse(text: &str) -> Option<Threshold> {
    let lower = text.to_lowercase();
    let toks = tokens(&lower);
    let (op_at, op, num_at) = find_comparison(&toks)?;
    let mut value = toks[num_at].num().filter(|v| v.is_finite())?;
    let mut k = num_at + 1;

    let mut unit = String::new();
    let mut time_mult: Option<f64> = None;
    if toks.get(k).is_some_and(|t| t.sym('%')) {
        unit.push('%');
        k += 1;
        if let Some(b) = (k..(k + 3).min(toks.len())).find(|&j| toks[j].is("baseline")) {
            unit.push_str(" of baseline");
            k = b + 1;
        }
    } else if let Some(w) = toks.get(k).and_then(Token::word) {
        match w.as_str() {
            "ms" | "msec" | "millisecond" | "milliseconds" => {
                unit.push_str("ms");
                k += 1;
            }
            "x" | "times" => {
                if let Some(b) = (k + 1..(k + 3).min(toks.len())).find(|&j| toks[j].is("baseline"))
                {
                    value *= 100.0;
                    unit.push_str("% of baseline");
                    k = b + 1;
                } else {
                    unit.push('x');
                    k += 1;
                }
            }
            _ => {
                if let Some((secs, next)) = schedule::length_at(&toks, num_at) {
                    time_mult = Some(secs as f64 / value.max(f64::MIN_POSITIVE));
                    k = next;
                }
            }
        }
    }

    let in_parens = op_at > 0 && toks[op_at - 1].sym('(');
    let mut measure = String::new();
    if in_parens {
        let end = (k..toks.len())
            .find(|&j| toks[j].sym(')'))
            .unwrap_or(toks.len());
        if k < end {
            measure = words(&lower[toks[k].span.start..toks[end - 1].span.end]);
        }
    }
    if measure.is_empty() {
        let stop = if in_parens { op_at - 1 } else { op_at };
        let from = toks[..stop]
            .iter()
            .rposition(|t| t.sym(':') || t.sym(';') || t.sym('('))
            .map_or(0, |p| toks[p].span.end);
        let to = toks.get(stop).map_or(lower.len(), |t| t.span.start);
        measure = words(lower.get(from..to).unwrap_or(""));
    }
    measure = singular(&measure);

    let for_s = for_duration(&toks, k);
    if let Some(mult) = time_mult {
        let secs = value * mult;
        if is_time_measure(&measure) {
            value = secs;
            unit.push('s');
        } else if matches!(op, Comparator::Gt | Comparator::Ge) {
            let state = measure.rsplit(' ').next().unwrap_or_default().to_string();
            return Some(Threshold {
                measure: state,
                op: Comparator::Gt,
                value: 0.0,
                unit: String::new(),
                for_s: Some(secs.round() as u64),
                samples: None,
            });
        }
    }
    Some(Threshold {
        measure,
        op,
        value,
        unit,
        for_s,
        samples: None,
    })
}

/// The first comparison followed by a number: (index of the operator, operator, index of the
/// number).
fn find_comparison(toks: &[Token]) -> Option<(usize, Comparator, usize)> {
    for i in 0..toks.len() {
        let Some((op, len)) = comparator_at(toks, i) else {
            continue;
        };
        let mut j = i + len;
        if toks
            .get(j)
            .is_some_and(|t| t.sym('~') || t.is_any(&["approximately", "approx", "about"]))
        {
            j += 1;
        }
        if toks.get(j).and_then(Token::num).is_some() {
            return Some((i, op, j));
        }
    }
    None
}

fn comparator_at(toks: &[Token], i: usize) -> Option<(Comparator, usize)> {
    let t = toks.get(i)?;
    let next = toks.get(i + 1);
    let next_is = |w: &str| next.is_some_and(|n| n.is(w));
    Some(match t.tok {
        Tok::Sym('>') if next.is_some_and(|n| n.sym('=')) => (Comparator::Ge, 2),
        Tok::Sym('<') if next.is_some_and(|n| n.sym('=')) => (Comparator::Le, 2),
        Tok::Sym('=') if next.is_some_and(|n| n.sym('=')) => (Comparator::Eq, 2),
        Tok::Sym('>') => (Comparator::Gt, 1),
        Tok::Sym('<') => (Comparator::Lt, 1),
        Tok::Sym('≥') => (Comparator::Ge, 1),
        Tok::Sym('≤') => (Comparator::Le, 1),
        Tok::Sym('=') => (Comparator::Eq, 1),
        Tok::Word(_) if t.is_any(&["more", "greater", "higher"]) && next_is("than") => {
            (Comparator::Gt, 2)
        }
        Tok::Word(_) if t.is_any(&["less", "lower", "fewer"]) && next_is("than") => {
            (Comparator::Lt, 2)
        }
        Tok::Word(_)
            if t.is("no") && next_is("more") && toks.get(i + 2).is_some_and(|n| n.is("than")) =>
        {
            (Comparator::Le, 3)
        }
        Tok::Word(_) if t.is("at") && next_is("least") => (Comparator::Ge, 2),
        Tok::Word(_) if t.is("at") && next_is("most") => (Comparator::Le, 2),
        Tok::Word(_)
            if t.is_any(&[
                "over",
                "above",
                "exceeds",
                "exceed",
                "exceeding",
                "exceeded",
            ]) =>
        {
            (Comparator::Gt, 1)
        }
        Tok::Word(_) if t.is_any(&["below", "under"]) => (Comparator::Lt, 1),
        _ => return None,
    })
}

/// `for 2m`, `for 5 minutes`, `for more than 10 min` at or after token `from`.
fn for_duration(toks: &[Token], from: usize) -> Option<u64> {
    let at = (from..toks.len()).find(|&j| toks[j].is("for"))?;
    let mut j = at + 1;
    while toks.get(j).is_some_and(|t| {
        t.is_any(&[
            "more", "than", "over", "at", "least", "longer", "a", "period", "of",
        ])
    }) {
        j += 1;
    }
    schedule::length_at(toks, j).map(|(s, _)| s.max(0) as u64)
}

/// The words of a measure, without leading fillers (`if`, `the`…) and trailing verbs (`is`…).
fn words(s: &str) -> String {
    const LEAD: [&str; 9] = [
        "if", "when", "the", "a", "an", "any", "rollback", "roll", "back",
    ];
    const TRAIL: [&str; 11] = [
        "is",
        "are",
        "was",
        "were",
        "goes",
        "rises",
        "stays",
        "remains",
        "of",
        "sustained",
        "consistently",
    ];
    let ws: Vec<&str> = s
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | '(' | ')' | '*' | '"'))
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .collect();
    let first = ws
        .iter()
        .position(|w| !LEAD.contains(w))
        .unwrap_or(ws.len());
    let last = ws
        .iter()
        .rposition(|w| !TRAIL.contains(w))
        .map_or(first, |p| p + 1);
    ws.get(first..last.max(first)).unwrap_or_default().join(" ")
}

/// The measure with its last word in the singular (`response times` → `response time`).
fn singular(measure: &str) -> String {
    let (head, last) = measure.rsplit_once(' ').unwrap_or(("", measure));
    let one = if let Some(stem) = last.strip_suffix("ies").filter(|s| s.len() >= 2) {
        format!("{stem}y")
    } else if last.len() > 3
        && last.ends_with('s')
        && !last.ends_with("ss")
        && !last.ends_with("us")
        && !last.ends_with("is")
    {
        last[..last.len() - 1].to_string()
    } else {
        last.to_string()
    };
    if head.is_empty() {
        one
    } else {
        format!("{head} {one}")
    }
}

/// Whether the measure is itself a time (its value is compared as a duration).
fn is_time_measure(measure: &str) -> bool {
    measure.split(' ').any(|w| {
        matches!(
            w,
            "time"
                | "latency"
                | "duration"
                | "delay"
                | "lag"
                | "ttfb"
                | "rtt"
                | "response"
                | "downtime"
                | "age"
        ) || (w.len() >= 3 && w.starts_with('p') && w[1..].bytes().all(|b| b.is_ascii_digit()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[allow(clippy::unnecessary_wraps)] // reads like the expected `Option` at call sites
    fn th(
        measure: &str,
        op: Comparator,
        value: f64,
        unit: &str,
        for_s: Option<u64>,
    ) -> Option<Threshold> {
        Some(Threshold {
            measure: measure.to_string(),
            op,
            value,
            unit: unit.to_string(),
            for_s,
            samples: None,
        })
    }

    #[test]
    fn thresholds() {
        use Comparator::{Ge, Gt, Le, Lt};
        let cases = [
            (
                "Critical system functionality failure (>50% error rate)",
                th("error rate", Gt, 50.0, "%", None),
            ),
            (
                "Performance degradation (>200% baseline response times)",
                th("response time", Gt, 200.0, "% of baseline", None),
            ),
            ("Error rate > 5%", th("error rate", Gt, 5.0, "%", None)),
            (
                "Performance degradation > 50%",
                th("performance degradation", Gt, 50.0, "%", None),
            ),
            (
                "System unavailable > 15 minutes",
                th("unavailable", Gt, 0.0, "", Some(900)),
            ),
            (
                "error rate > 5% for 2m",
                th("error rate", Gt, 5.0, "%", Some(120)),
            ),
            (
                "p95 latency > 500ms",
                th("p95 latency", Gt, 500.0, "ms", None),
            ),
            (
                "Response times < 2 seconds",
                th("response time", Lt, 2.0, "s", None),
            ),
            (
                "Response time above 2 minutes for 5 minutes",
                th("response time", Gt, 120.0, "s", Some(300)),
            ),
            (
                "Rollback if the error rate is more than 2.5%",
                th("error rate", Gt, 2.5, "%", None),
            ),
            (
                "Latency >= 2x baseline",
                th("latency", Ge, 200.0, "% of baseline", None),
            ),
            (
                "Free disk space at most 10 GB",
                th("free disk space", Le, 10.0, "", None),
            ),
            (
                "Queue depth ≥ 1000 for 10 min",
                th("queue depth", Ge, 1000.0, "", Some(600)),
            ),
            ("Uptime < 99.9%", th("uptime", Lt, 99.9, "%", None)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), want, "{text}");
        }
    }

    #[test]
    fn prose_has_no_threshold() {
        for text in [
            "Data corruption or integrity issues",
            "Security vulnerabilities discovered",
            "Business-critical workflow failures",
            "Check > the logs",
            "",
            ">>>",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
