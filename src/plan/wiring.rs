//! Checking and binding what the room watches, once the plan (and any wiring file) is merged:
//! every check and metric has exactly one source and valid conditions, every trigger's `when`
//! parses, and every trigger names a metric or check the plan has.
//!
//! Errors name the TOML file, the line of the `[[check]]`/`[[metric]]`/`[[trigger]]` table and
//! what to write instead, so `warroom validate` can say them before launch day.

use std::path::Path;

use super::condition::{Condition, parse_when};
use super::{Check, Diagnostic, Plan, PlanError};
use crate::plan::selector::Selector;

/// Validates checks, metrics and triggers, and fills each trigger's `metric` and `threshold`
/// from its `when`. `file` is the TOML file the checks came from. Returns warnings (a header
/// naming an environment variable that is not set now).
///
/// Errors: the first invalid check, metric, condition, selector or trigger binding.
pub fn resolve(plan: &mut Plan, file: &Path) -> Result<Vec<Diagnostic>, PlanError> {
    let mut warnings = Vec::new();
    if let Some(n) = &plan.notify {
        for message in n.warnings(|k| std::env::var(k).ok()) {
            warnings.push(Diagnostic {
                file: file.to_path_buf(),
                line: 0,
                message,
            });
        }
    }
    for (what, list) in [("check", &plan.checks), ("metric", &plan.metrics)] {
        for c in list {
            check_one(what, c, file, &mut warnings)?;
        }
    }
    for t in &mut plan.triggers {
        if let Some(when) = &t.when {
            let (metric, threshold) = parse_when(when).map_err(|e| {
                PlanError::at(
                    file,
                    t.line,
                    format!(
                        "trigger \"{}\": `when = \"{when}\"`: {e}; write e.g. \"error_rate > 5% for 2m\"",
                        t.text
                    ),
                )
            })?;
            t.metric = Some(metric);
            t.threshold = Some(threshold);
            if t.text.trim().is_empty() {
                t.text.clone_from(when);
            }
        }
    }
    for t in &plan.triggers {
        let Some(name) = &t.metric else { continue };
        if find_signal(plan, name).is_none() {
            let names: Vec<&str> = plan
                .metrics
                .iter()
                .chain(&plan.checks)
                .map(|c| c.name.as_str())
                .collect();
            return Err(PlanError::at(
                file,
                t.line,
                format!(
                    "trigger \"{}\" reads \"{name}\", which is neither a metric nor a check of this plan; use one of: {}",
                    t.text,
                    if names.is_empty() {
                        "(none: add a [[metric]])".to_string()
                    } else {
                        names.join(", ")
                    }
                ),
            ));
        }
        if t.threshold.is_none() {
            warnings.push(Diagnostic {
                file: file.to_path_buf(),
                line: t.line,
                message: format!(
                    "trigger \"{}\" names \"{name}\" but has no threshold: add `when = \"{name} > …\"`",
                    t.text
                ),
            });
        }
    }
    Ok(warnings)
}

/// Where a trigger's metric name points: a metric (by id or name, any case) first, else a
/// check. `(true, i)` is `plan.metrics[i]`, `(false, i)` is `plan.checks[i]`.
#[must_use]
pub fn find_signal(plan: &Plan, name: &str) -> Option<(bool, usize)> {
    let find = |name: &str| {
        let hit = |c: &Check| c.id.eq_ignore_ascii_case(name) || c.name.eq_ignore_ascii_case(name);
        plan.metrics
            .iter()
            .position(hit)
            .map(|i| (true, i))
            .or_else(|| plan.checks.iter().position(hit).map(|i| (false, i)))
    };
    // `checkout down > 0 for 15m` reads the check "checkout": its state is the value.
    let trimmed = name.trim();
    find(trimmed).or_else(|| {
        let lower = trimmed.to_ascii_lowercase();
        ["down", "unavailable", "is down"]
            .iter()
            .find_map(|w| lower.strip_suffix(w))
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .and_then(|n| find(n).filter(|(metric, _)| !metric))
    })
}

fn check_one(
    what: &str,
    c: &Check,
    file: &Path,
    warnings: &mut Vec<Diagnostic>,
) -> Result<(), PlanError> {
    let err = |msg: String| PlanError::at(file, c.line, format!("{what} \"{}\": {msg}", c.name));
    let source = c.source().map_err(|m| PlanError::at(file, c.line, m))?;
    if what == "metric" && matches!(source, super::Source::Tcp { .. }) {
        return Err(err(
            "a metric needs a number and a TCP connect gives none: use prometheus, scrape, command or url".into(),
        ));
    }
    for (list, kind) in [(&c.conditions, "conditions"), (&c.degraded, "degraded")] {
        for text in list {
            Condition::parse(text)
                .map_err(|e| err(format!("{kind}: `{text}`: {e}; see README \"Conditions\"")))?;
        }
    }
    for sel in [c.series.as_deref(), c.per.as_deref()]
        .into_iter()
        .flatten()
    {
        Selector::parse(sel).map_err(|e| {
            err(format!(
                "series `{sel}`: {e}; write e.g. http_requests_total{{code=\"500\"}}"
            ))
        })?;
    }
    if c.interval.is_zero() {
        return Err(err(
            "interval is 0: give how often to probe, e.g. \"5s\"".into()
        ));
    }
    if c.timeout.is_zero() {
        return Err(err(
            "timeout is 0: give the probe's deadline, e.g. \"10s\"".into()
        ));
    }
    if let Some(m) = &c.method
        && !matches!(
            m.to_ascii_uppercase().as_str(),
            "GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS"
        )
    {
        return Err(err(format!(
            "method \"{m}\" is not one of GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
        )));
    }
    for (name, value) in &c.headers {
        for var in super::env::refs(value) {
            if std::env::var_os(&var).is_none() {
                warnings.push(Diagnostic {
                    file: file.to_path_buf(),
                    line: c.line,
                    message: format!(
                        "{what} \"{}\": header {name} uses ${{{var}}}, which is not set in this environment; the check will be refused until it is",
                        c.name
                    ),
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::toml;

    fn resolve_src(src: &str) -> Result<(Plan, Vec<Diagnostic>), PlanError> {
        let mut plan = toml::parse(src, Path::new("p.toml"))?.plan;
        let w = resolve(&mut plan, Path::new("p.toml"))?;
        Ok((plan, w))
    }

    const PHASE: &str = "[[phase]]\ntitle = \"Deploy\"\n";

    #[test]
    fn an_invalid_condition_names_the_line_of_its_check() {
        let src = format!(
            "{PHASE}\n[[check]]\nname = \"api\"\nurl = \"http://x/health\"\nconditions = [\"$.status === UP\"]\n"
        );
        let err = resolve_src(&src).unwrap_err();
        assert_eq!(err.0.line, 4, "{err}");
        assert!(err.to_string().contains("check \"api\""), "{err}");
        assert!(err.to_string().contains("$.status === UP"), "{err}");
    }

    #[test]
    fn a_check_needs_exactly_one_source() {
        let none = format!("{PHASE}[[check]]\nname = \"api\"\n");
        assert!(
            resolve_src(&none)
                .unwrap_err()
                .to_string()
                .contains("no source")
        );
        let two = format!("{PHASE}[[check]]\nname = \"api\"\nurl = \"http://x\"\ntcp = \"x:1\"\n");
        let err = resolve_src(&two).unwrap_err();
        assert!(err.to_string().contains("2 sources (http, tcp)"), "{err}");
        assert_eq!(err.0.line, 3);
        let half = format!("{PHASE}[[metric]]\nname = \"e\"\nprometheus = \"http://p\"\n");
        assert!(
            resolve_src(&half)
                .unwrap_err()
                .to_string()
                .contains("needs `query`")
        );
    }

    #[test]
    fn a_bad_series_selector_is_refused() {
        let src = format!(
            "{PHASE}[[metric]]\nname = \"e\"\nscrape = \"http://x/metrics\"\nseries = 'x{{code=\"5'\n"
        );
        let err = resolve_src(&src).unwrap_err();
        assert!(err.to_string().contains("series"), "{err}");
    }

    #[test]
    fn when_binds_a_trigger_to_a_metric_and_unknown_names_are_refused() {
        let src = format!(
            "{PHASE}[[metric]]\nname = \"error_rate\"\nunit = \"%\"\nprometheus = \"http://p\"\nquery = \"x\"\n\n[[trigger]]\ntext = \"Errors\"\nwhen = \"error_rate > 5% for 2m\"\naction = \"rollback\"\n"
        );
        let (plan, _) = resolve_src(&src).unwrap();
        let t = &plan.triggers[0];
        assert_eq!(t.metric.as_deref(), Some("error_rate"));
        let th = t.threshold.as_ref().unwrap();
        assert_eq!(
            (th.value, th.unit.as_str(), th.for_s),
            (5.0, "%", Some(120))
        );
        assert_eq!(find_signal(&plan, "ERROR_RATE"), Some((true, 0)));

        let bad = src.replace("when = \"error_rate", "when = \"errors");
        let err = resolve_src(&bad).unwrap_err();
        assert!(
            err.to_string().contains("neither a metric nor a check"),
            "{err}"
        );
        assert_eq!(err.0.line, 9, "{err}");

        let garbled = src.replace("for 2m", "for banana");
        assert!(
            resolve_src(&garbled)
                .unwrap_err()
                .to_string()
                .contains("when")
        );
    }

    #[test]
    fn a_missing_header_variable_is_a_warning_not_an_error() {
        let src = format!(
            "{PHASE}[[check]]\nname = \"api\"\nurl = \"http://x\"\nheaders = {{ Authorization = \"Bearer ${{WARROOM_TEST_UNSET_TOKEN}}\" }}\n"
        );
        let (_, w) = resolve_src(&src).unwrap();
        assert_eq!(w.len(), 1);
        assert!(w[0].message.contains("WARROOM_TEST_UNSET_TOKEN"));
    }
}
