//! TOML plans: the hand-written format and the target of `warroom import`.
//!
//! A TOML plan is the serde form of [`Plan`] (see `config/example-launch.toml`), read strictly
//! (`deny_unknown_fields`) and then validated: ids that are left out are derived from titles,
//! duplicate ids and gates naming unknown phases are errors with the line they are on.
//!
//! A TOML file may instead *wire* a Markdown runbook: `runbook = "plan.md"` (relative to the TOML
//! file) plus the checks, roles and zones the runbook cannot say. [`parse`] reports the runbook
//! path; `plan::load` reads it and merges with [`merge_wiring`].
//!
//! Either may name the room's journal, `journal = "…"`: a file path relative to the TOML file,
//! or a PostgreSQL room's URL. It is kept as text ([`Plan::journal`]); the session opens it.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::ids::slug;
use super::{Plan, PlanError, TriggerAction};

/// A parsed TOML plan file.
#[derive(Debug, Clone)]
pub struct TomlPlan {
    /// The plan as written (for a wiring file: only the wiring).
    pub plan: Plan,
    /// The Markdown runbook this file wires, resolved against the TOML file's directory.
    pub runbook: Option<PathBuf>,
}

/// Parses TOML plan text. `file` names the file in errors (and anchors `runbook`).
///
/// Errors: invalid TOML or an unknown key (with the line), a plan with no phases and no
/// runbook, duplicate ids, a gate naming a phase that does not exist.
pub fn parse(src: &str, file: &Path) -> Result<TomlPlan, PlanError> {
    let mut table: toml::Table = toml::from_str(src).map_err(|e| de_error(&e, src, file))?;
    let runbook = match table.remove("runbook") {
        None => None,
        Some(toml::Value::String(s)) => Some(file.parent().unwrap_or(Path::new(".")).join(s)),
        Some(_) => {
            return Err(PlanError::at(
                file,
                line_of(src, "runbook"),
                "`runbook` must be a string: the path of a Markdown plan, relative to this file",
            ));
        }
    };
    let journal = match table.remove("journal") {
        None => None,
        Some(toml::Value::String(s)) => Some(s),
        Some(_) => {
            return Err(PlanError::at(
                file,
                line_of(src, "journal"),
                "`journal` must be a string: a journal file's path, relative to this file, or \
                 a PostgreSQL room's URL (postgres://user@host:port/db?room=NAME)",
            ));
        }
    };
    let mut plan: Plan = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| {
            // Re-parse for the span: `try_into` on a Value has no source positions.
            let line = toml::from_str::<Plan>(src)
                .err()
                .and_then(|e2| e2.span())
                .map_or(0, |s| line_at(src, s.start));
            PlanError::at(
                file,
                line,
                format!(
                    "{}{}; see config/example-launch.toml",
                    field_hint(src, line),
                    first_line(&e.to_string())
                ),
            )
        })?;
    if runbook.is_none() {
        if plan.phases.is_empty() {
            return Err(PlanError::at(
                file,
                0,
                "the plan has no [[phase]]: add at least one, or name a Markdown plan with `runbook = \"plan.md\"`",
            ));
        }
        if plan.title.trim().is_empty() {
            plan.title = file
                .file_stem()
                .map_or_else(|| "plan".into(), |s| s.to_string_lossy().into_owned());
        }
    }
    plan.journal = journal;
    fill_lines(&mut plan, src);
    fill_ids(&mut plan);
    check_ids(&plan, src, file)?;
    Ok(TomlPlan { plan, runbook })
}

/// Adds a wiring file's checks, roles, zones and trigger bindings to the runbook's plan.
/// A non-empty title in the wiring replaces the runbook's.
pub fn merge_wiring(mut runbook: Plan, wiring: Plan) -> Plan {
    if !wiring.title.trim().is_empty() {
        runbook.title = wiring.title;
    }
    runbook.t0 = wiring.t0.or(runbook.t0);
    runbook.rollback_window = wiring.rollback_window.or(runbook.rollback_window);
    for z in wiring.zones {
        if !runbook.zones.contains(&z) {
            runbook.zones.push(z);
        }
    }
    runbook.roles.merge(wiring.roles);
    runbook.lead = wiring.lead.or(runbook.lead);
    runbook.notify = wiring.notify.or(runbook.notify);
    runbook.journal = wiring.journal.or(runbook.journal);
    runbook.checks.extend(wiring.checks);
    runbook.metrics.extend(wiring.metrics);
    for t in wiring.triggers {
        match runbook.triggers.iter_mut().find(|x| x.id == t.id) {
            Some(existing) => {
                existing.metric = t.metric.or(existing.metric.take());
                existing.threshold = t.threshold.or(existing.threshold.take());
                existing.when = t.when.or(existing.when.take());
                existing.baseline = t.baseline.or(existing.baseline);
                existing.countdown = t.countdown.or(existing.countdown);
                if t.action != TriggerAction::Announce {
                    existing.action = t.action;
                }
            }
            None => runbook.triggers.push(t),
        }
    }
    runbook.phases.extend(wiring.phases);
    runbook.gates.extend(wiring.gates);
    runbook
}

/// Writes `plan` as a TOML plan that [`parse`] reads back to the same model.
///
/// Errors: only if the plan holds a value TOML cannot express (never for loader output).
pub fn to_toml(plan: &Plan) -> Result<String, toml::ser::Error> {
    let body = toml::to_string(plan)?;
    Ok(format!(
        "# warroom plan (TOML). Generated by `warroom import`; edit freely.\n# Format: see config/example-launch.toml in the warroom repository.\n\n{body}"
    ))
}

fn fill_ids(plan: &mut Plan) {
    let mut seen = HashSet::new();
    for phase in &mut plan.phases {
        if phase.id.is_empty() {
            phase.id = unique(&slug(&phase.title), &mut seen);
        }
        for task in &mut phase.tasks {
            if task.id.is_empty() {
                task.id = unique(&format!("{}/{}", phase.id, slug(&task.text)), &mut seen);
            }
        }
    }
    for gate in &mut plan.gates {
        if gate.id.is_empty() {
            gate.id = unique(&slug(&gate.title), &mut seen);
        }
    }
    for trigger in &mut plan.triggers {
        if trigger.id.is_empty() {
            trigger.id = unique(&slug(&trigger.text), &mut seen);
        }
    }
    for check in plan.checks.iter_mut().chain(plan.metrics.iter_mut()) {
        if check.id.is_empty() {
            check.id = unique(&slug(&check.name), &mut seen);
        }
    }
}

/// Gives each `[[phase]]`, `[[phase.task]]`, `[[gate]]`, `[[check]]`, `[[metric]]` and
/// `[[trigger]]` the line of its table header, so later errors about them name the line.
fn fill_lines(plan: &mut Plan, src: &str) {
    let headers = |name: &str| -> Vec<usize> {
        let header = format!("[[{name}]]");
        src.lines()
            .enumerate()
            .filter(|(_, l)| l.trim_start().starts_with(&header))
            .map(|(i, _)| i + 1)
            .collect()
    };
    for (p, line) in plan.phases.iter_mut().zip(headers("phase")) {
        if p.line == 0 {
            p.line = line;
        }
    }
    let tasks = plan.phases.iter_mut().flat_map(|p| p.tasks.iter_mut());
    for (t, line) in tasks.zip(headers("phase.task")) {
        if t.line == 0 {
            t.line = line;
        }
    }
    for (g, line) in plan.gates.iter_mut().zip(headers("gate")) {
        if g.line == 0 {
            g.line = line;
        }
    }
    for (c, line) in plan.checks.iter_mut().zip(headers("check")) {
        c.line = line;
    }
    for (m, line) in plan.metrics.iter_mut().zip(headers("metric")) {
        m.line = line;
    }
    for (t, line) in plan.triggers.iter_mut().zip(headers("trigger")) {
        if t.line == 0 {
            t.line = line;
        }
    }
}

fn unique(base: &str, seen: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut n = 2;
    while seen.contains(&id) {
        id = format!("{base}-{n}");
        n += 1;
    }
    seen.insert(id.clone());
    id
}

fn check_ids(plan: &Plan, src: &str, file: &Path) -> Result<(), PlanError> {
    let mut seen = HashSet::new();
    let ids = plan
        .phases
        .iter()
        .flat_map(|p| std::iter::once(&p.id).chain(p.tasks.iter().map(|t| &t.id)))
        .chain(plan.gates.iter().map(|g| &g.id))
        .chain(plan.checks.iter().map(|c| &c.id))
        .chain(plan.metrics.iter().map(|c| &c.id));
    for id in ids {
        if !seen.insert(id) {
            return Err(PlanError::at(
                file,
                last_line_of(src, &format!("\"{id}\"")),
                format!(
                    "id \"{id}\" is used twice: give each phase, task, gate, check and metric its own id"
                ),
            ));
        }
    }
    for g in &plan.gates {
        if plan.phase_index(&g.phase).is_none() {
            return Err(PlanError::at(
                file,
                line_of(src, &format!("\"{}\"", g.phase)),
                format!(
                    "gate \"{}\" names phase \"{}\", which this plan does not have: use one of the [[phase]] ids",
                    g.title, g.phase
                ),
            ));
        }
    }
    Ok(())
}

fn de_error(e: &toml::de::Error, src: &str, file: &Path) -> PlanError {
    let line = e.span().map_or(0, |s| line_at(src, s.start));
    PlanError::at(
        file,
        line,
        format!(
            "invalid TOML: {}{}",
            field_hint(src, line),
            first_line(e.message())
        ),
    )
}

/// "`t0` (an RFC 3339 instant …): " for the key set on 1-based `line`, or "" when the line
/// sets no plain key: "input contains invalid characters" alone does not say which field
/// was wrong, nor what it takes.
fn field_hint(src: &str, line: usize) -> String {
    let Some(key) = src
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.split_once('='))
        .map(|(k, _)| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && !k.contains(['[', '{', ' ', '#']))
    else {
        return String::new();
    };
    let form = match key {
        "t0" => " (the go-live instant: RFC 3339 in UTC, such as \"2026-12-01T08:00:00Z\")",
        "start" | "end" => " (an RFC 3339 instant in UTC, such as \"2026-12-01T08:00:00Z\")",
        "interval" | "timeout" | "rollback_window" | "hold_before" | "countdown" | "digest" => {
            " (a duration such as \"90s\" or \"1h 30m\")"
        }
        _ => "",
    };
    format!("`{key}`{form}: ")
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| !l.trim().is_empty()).unwrap_or(s).trim()
}

/// 1-based line of byte offset `at`.
fn line_at(src: &str, at: usize) -> usize {
    src.get(..at).map_or(0, |s| s.matches('\n').count() + 1)
}

fn line_of(src: &str, needle: &str) -> usize {
    src.find(needle).map_or(0, |at| line_at(src, at))
}

fn last_line_of(src: &str, needle: &str) -> usize {
    src.rfind(needle).map_or(0, |at| line_at(src, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_toml_names_the_line() {
        let err = parse("title = \"x\"\n\n[[phase]\n", Path::new("p.toml")).unwrap_err();
        assert_eq!(err.0.line, 3, "{err}");
        assert!(
            err.to_string().starts_with("p.toml:3: invalid TOML"),
            "{err}"
        );
    }

    #[test]
    fn unknown_key_is_refused_with_its_line() {
        let src = "title = \"x\"\n[[phase]]\ntitle = \"one\"\ncolour = \"red\"\n";
        let err = parse(src, Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("colour"), "{err}");
        assert_eq!(err.0.line, 4, "{err}");
    }

    #[test]
    fn ids_are_derived_and_duplicates_refused() {
        let src = "title = \"x\"\n[[phase]]\ntitle = \"Deploy API\"\n[[phase.task]]\ntext = \"Run migrations\"\n";
        let p = parse(src, Path::new("p.toml")).unwrap().plan;
        assert_eq!(p.phases[0].id, "deploy-api");
        assert_eq!(p.phases[0].tasks[0].id, "deploy-api/run-migrations");

        let dup = "[[phase]]\nid = \"a\"\ntitle = \"A\"\n[[phase]]\nid = \"a\"\ntitle = \"B\"\n";
        let err = parse(dup, Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("used twice"), "{err}");
        assert_eq!(err.0.line, 5);
    }

    #[test]
    fn gate_must_name_a_phase() {
        let src =
            "[[phase]]\nid = \"a\"\ntitle = \"A\"\n[[gate]]\ntitle = \"Go?\"\nphase = \"b\"\n";
        let err = parse(src, Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("does not have"), "{err}");
    }

    #[test]
    fn a_plan_needs_phases_or_a_runbook() {
        let err = parse("title = \"x\"\n", Path::new("p.toml")).unwrap_err();
        assert!(err.to_string().contains("[[phase]]"), "{err}");
        let ok = parse("runbook = \"launch.md\"\n", Path::new("/tmp/w/p.toml")).unwrap();
        assert_eq!(ok.runbook, Some(PathBuf::from("/tmp/w/launch.md")));
    }
}
