//! Rollback triggers: trigger items, the conditions that open a rollback section's lists, its
//! prose conditions, decision trees and decision tables, and the conditions written in the
//! stages' prose.

use crate::plan::clean;
use crate::plan::markdown::build::gates::TriggerFound;
use crate::plan::markdown::build::items::Items;
use crate::plan::markdown::build::outline::Outline;
use crate::plan::markdown::scan::Entry;
use crate::plan::markdown::{prose, rules};

/// Every trigger of the document, in line order: those [`Items`] marked, those of rollback
/// sections, then `in_prose` (the stop conditions [`super::gates::gates`] found in stages' prose)
/// and the conditions of steps, purposes and scenario headings.
pub fn triggers(o: &Outline, r: &Items, in_prose: Vec<TriggerFound>) -> Vec<TriggerFound> {
    let (heads, items) = (o.heads, &o.doc.items);
    // From trigger items, from the conditions that open a rollback
    // section's lists (`If Deployment Fails:`), and from its decision trees.
    let mut trigger_texts: Vec<TriggerFound> = items
        .iter()
        .enumerate()
        .filter(|&(i, it)| r.is_trigger[i] && !it.text.is_empty())
        .map(|(i, it)| {
            let why = if r.criterion[i] {
                "a success criterion for moving on to the next stage (`… before advancing rollout`): missing it is a trigger, its comparison reversed"
            } else if rules::is_rollback_condition(&it.text) && it.parent.is_some() {
                "an item that says to roll back if something happens"
            } else if !it.heading.is_some_and(|h| o.trigger_ctx[h])
                && !it.lead.as_deref().is_some_and(rules::is_trigger_lead)
                && !rules::is_rollback_condition(&it.text)
            {
                "an item that says what to do if something goes wrong (If … fails, stop …; postpone if …)"
            } else {
                "an item under a rollback-trigger heading or lead-in (Rollback Triggers, When to Rollback, Rollback if:)"
            };
            let text = if r.criterion[i] {
                format!("Success criterion missed: {}", it.text)
            } else {
                it.text.clone()
            };
            (it.line, text, why)
        })
        .collect();
    let mut leads_seen: std::collections::HashSet<(Option<usize>, &str)> =
        std::collections::HashSet::new();
    for it in items {
        if let (None, Some(lead), Some(h)) = (it.parent, it.lead.as_deref(), it.heading)
            && o.rollback[h]
            && rules::is_condition_lead(lead)
            && leads_seen.insert((it.heading, lead))
        {
            let text = clean::title(lead.trim_end().trim_end_matches(':'));
            trigger_texts.push((
                it.line.saturating_sub(1),
                text,
                "the condition that opens a rollback section's list of steps (If …:)",
            ));
        }
    }
    for h in (0..o.n).filter(|&h| o.rollback[h] && !o.trigger_ctx[h]) {
        for e in &o.doc.entries[h + 1] {
            if let Entry::Para(text, line) = e {
                trigger_texts.extend(rules::prose_conditions(text).into_iter().map(|c| {
                    (
                        *line,
                        c,
                        "a condition written in a rollback section's prose (If …, In the case of …)",
                    )
                }));
            }
            if let Entry::Code(code, _) = e {
                trigger_texts.extend(rules::decision_tree_triggers(code).into_iter().map(|q| {
                    (
                        heads[h].line,
                        q,
                        "a decision-tree question whose yes leads to a rollback",
                    )
                }));
            }
            // `**Scenario**: Major functionality failure or site completely down` above the
            // action to take.
            if let Entry::Para(text, line) = e
                && let Some(what) = text
                    .strip_prefix("Scenario:")
                    .or_else(|| text.strip_prefix("Scenario :"))
                    .or_else(|| text.strip_prefix("Trigger:"))
                    .or_else(|| text.strip_prefix("When:"))
                    .map(str::trim)
                    .filter(|w| !w.is_empty())
            {
                trigger_texts.push((
                    *line,
                    what.to_string(),
                    "a rollback's `Scenario:` / `Trigger:` line: what has happened when it is followed",
                ));
            }
            // A decision matrix (`Issue Severity | Action | Timeline`): the issues whose
            // action is a rollback.
            if let Entry::Table(t) = e {
                let table = &o.doc.tables[*t];
                for (r, row) in table.rows.iter().enumerate().skip(1) {
                    if row.len() >= 2
                        && row[1..]
                            .iter()
                            .any(|c| rules::names_rollback(&crate::plan::markdown::norm(c)))
                        && !rules::names_rollback(&crate::plan::markdown::norm(&row[0]))
                        && !row[0].trim().is_empty()
                    {
                        trigger_texts.push((
                            table.lines.get(r).copied().unwrap_or(heads[h].line),
                            row[0].trim().to_string(),
                            "a row of a rollback section's decision table whose action is a rollback",
                        ));
                    }
                }
            }
        }
    }
    trigger_texts.extend(trigger_tables(o));
    trigger_texts.extend(rollback_step_conditions(o, r));
    trigger_texts.extend(in_prose);
    trigger_texts.extend(undo_conditions(o, r));
    trigger_texts.extend(purposes(o));
    trigger_texts.extend(scenarios(o));
    trigger_texts.sort_by_key(|t| t.0);
    trigger_texts
}

/// A step that says when to undo it (`Recycle the environment and monitor for any errors.
/// Revert immediately if errors occur.`): the step stays, its condition is a trigger.
fn undo_conditions(o: &Outline, r: &Items) -> Vec<TriggerFound> {
    let items = &o.doc.items;
    let mut prose_triggers = Vec::new();
    for (_, it) in items.iter().enumerate().filter(|&(i, _)| r.is_task[i]) {
        if let Some(condition) = prose::sentences(&it.text)
            .skip(1)
            .find_map(prose::undo_condition)
        {
            prose_triggers.push((
                it.line,
                condition,
                "a step's sentence that says to stop or undo it on a condition (`Revert immediately if errors occur`)",
            ));
        }
    }
    prose_triggers
}

/// What a runbook is for (`… should there be an outage in its current region`), said under
/// the title or a `Context` / `Purpose` heading: following it starts on that event.
fn purposes(o: &Outline) -> Vec<TriggerFound> {
    let heads = o.heads;
    let mut prose_triggers = Vec::new();
    for (s, _) in o.doc.entries.iter().enumerate().filter(|&(s, _)| {
        s == 0 || o.is_title(s - 1) || rules::is_purpose_heading(&heads[s - 1].text)
    }) {
        for e in &o.doc.entries[s] {
            if let Entry::Para(text, line) = e
                && let Some(event) = prose::purpose_condition(text)
            {
                prose_triggers.push((
                    *line,
                    event,
                    "the event the runbook answers, as its purpose says (should there be an outage…, in case of an incident)",
                ));
            }
        }
    }
    prose_triggers
}

/// Scenario headings (`Scenario 1: Loss of database server`), and problems named by headings
/// under an emergency heading: what has happened when the procedure under them is followed.
fn scenarios(o: &Outline) -> Vec<TriggerFound> {
    let (heads, n) = (o.heads, o.n);
    let mut prose_triggers = Vec::new();
    for h in (0..n).filter(|&h| !o.is_title(h)) {
        if let Some(what) = prose::scenario(&heads[h].text) {
            prose_triggers.push((
                heads[h].line,
                what,
                "a scenario heading (`Scenario 1: Loss of database server`): what has happened when its procedure is followed",
            ));
        } else if rules::names_a_problem(&heads[h].text)
            && !rules::names_rollback(&crate::plan::markdown::norm(&heads[h].text))
            && heads[h]
                .parent
                .is_some_and(|p| rules::is_emergency_heading(&heads[p].text))
        {
            // `## Emergency Procedures` → `### Database Corruption`: the procedure under it is
            // followed when that has happened.
            prose_triggers.push((
                heads[h].line,
                clean::title(&heads[h].text),
                "a problem named by a heading under an emergency or incident heading (`Emergency Procedures` → `Database Corruption`)",
            ));
        }
    }
    prose_triggers
}

/// The rows of a table under a rollback-trigger heading (`### Rollback Triggers` then `|
/// Trigger | Severity | Action |`): each row's first cell is a trigger (`5xx error rate >1% for
/// 5 min`), its threshold parsed as for items.
fn trigger_tables(o: &Outline) -> Vec<TriggerFound> {
    let mut out = Vec::new();
    for h in (0..o.n).filter(|&h| o.trigger_ctx[h]) {
        for e in &o.doc.entries[h + 1] {
            let Entry::Table(t) = e else {
                continue;
            };
            let table = &o.doc.tables[*t];
            for (r, row) in table.rows.iter().enumerate().skip(1) {
                let Some(first) = row.first().map(|c| c.trim()).filter(|c| !c.is_empty()) else {
                    continue;
                };
                out.push((
                    table.lines.get(r).copied().unwrap_or(o.heads[h].line),
                    first.to_string(),
                    "a row of a table under a rollback-trigger heading: its first cell",
                ));
            }
        }
    }
    out
}

/// A rollback step done only on a condition (`Restore backups if data corruption is
/// detected`): the step stays, its condition is a trigger (`data corruption is detected`).
fn rollback_step_conditions(o: &Outline, r: &Items) -> Vec<TriggerFound> {
    o.doc
        .items
        .iter()
        .enumerate()
        .filter(|&(i, it)| r.is_task[i] && it.heading.is_some_and(|h| o.rollback[h]))
        .filter_map(|(_, it)| {
            // In the step's own sentence, after what to do (`If urgent, …` in a later
            // sentence only chooses how).
            let first = prose::sentences(&it.text).next()?;
            let lower = first.to_ascii_lowercase();
            // ASCII lower-casing keeps offsets, so `k` indexes the sentence too.
            let k = lower.find(" if ")?;
            let condition = first[k + 4..].trim().trim_end_matches(['.', ';']);
            (condition.split_whitespace().count() >= 2).then(|| {
                (
                    it.line,
                    condition.to_string(),
                    "a rollback step done only on a condition (`Restore backups if data corruption is detected`): its condition",
                )
            })
        })
        .collect()
}
