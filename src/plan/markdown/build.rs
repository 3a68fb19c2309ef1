//! Second pass of the Markdown importer: the scanned document → a [`Plan`].
//!
//! The rules (see also `DESIGN.md` §5 and the `markdown` module docs):
//!
//! - **Title**: the first heading when it is level 1; else the front matter's `title` (or
//!   `name`) when there is one (issue templates start with `## …`); else the first heading; else
//!   the file name.
//! - **Timed sections**: a heading with a time window, length or weekday, or one a schedule
//!   row names ([`super::timing`]). The title heading's time only serves as context (its date,
//!   year and zone apply to the sections below it).
//! - **Stages** ([`super::stages`]): the deepest timed section above a place; else the section
//!   just below the nearest container (a section that splits its work in time), else the
//!   top-level section. Also stages: prose sections between two stages, sections an index or
//!   the headings' numbering lists as steps, a stage written as prose sub-headings, schedule
//!   rows no heading names, timed steps of a rollback (`1. **Decision** (5 minutes)`).
//! - **Tasks**: task-list items; numbered steps in a section without a task list (group labels
//!   such as `1. Release Manager:` name the owner of the steps under them instead); in timed,
//!   listed or numbered stages, plain bullets and instruction paragraphs; in a rollback stage
//!   or a heading-step stage, prose sub-headings. Remarks, notes and index entries are not.
//! - **Kind**: rollback when the phase's heading or an enclosing one (not the title) names a
//!   rollback, revert, contingency, backout or fallback.
//! - **Gates**: decision items (go/no-go, sign off on, clearance, approvals to give or obtain,
//!   hold points); approval / sign-off headings (the most specific one), with the roles of
//!   their sign-off tables and `X Approval` items; hold points between schedule rows;
//!   approval requirements in prose.
//! - **Triggers**: top-level items under a trigger heading or lead-in (`Rollback if:`), the
//!   `If …:` lead-ins of a rollback section's lists, decision-tree questions, and `If …, roll
//!   back` items; triggers are not tasks.
//! - **Ids**: phases and their tasks in plan order, then gates, then triggers, from one
//!   [`IdSet`].

use std::path::Path;

use super::explain::{Reason, TaskRule};
use super::meta::Meta;
use super::scan::{Doc, Entry, Heading};
use super::timing::{self, Timing};
use super::{Warnings, explain, lead_times, prose, rows, rules, sections, stages};
use crate::plan::ids::{IdSet, slug};
use crate::plan::schedule::Found;
use crate::plan::{
    Diagnostic, Gate, Phase, PhaseKind, Plan, Schedule, Task, Trigger, clean, threshold,
};

/// Builds the plan from the scanned document and its header facts; also returns warnings.
///
/// A plan whose checklists, numbered steps and timed or listed stages give no task at all, or
/// that has no checkbox or numbered step anywhere, is read a second time with every section's
/// plain bullets and instruction paragraphs as tasks (`## Pre checks` then `* Verify the
/// connection status …`, `Execute a checkpoint.`): written that way, that is where its work
/// is. The second reading is kept when it finds more tasks; a warning says so.
#[must_use]
pub fn build(doc: &Doc, meta: Meta, file: &Path) -> Built {
    let strict = build_with(doc, meta.clone(), file, false);
    // A plan written only in plain bullets (no checkbox, no numbered step anywhere) writes all
    // its stages that way, timed or not: `### A week before the release` and its untimed
    // siblings `### Final release preparation`, `### Post-release`.
    // Numbered options of a rollback (`1. Use point in time restore`) say nothing of how the
    // forward work is written.
    let in_rollback = |h: Option<usize>| {
        std::iter::successors(h, |&x| doc.headings[x].parent)
            .any(|x| rules::is_rollback_heading(&doc.headings[x].text))
    };
    let bullets_only = !doc
        .items
        .iter()
        .any(|it| !it.quoted && (it.checked.is_some() || it.ordered) && !in_rollback(it.heading));
    if strict.plan.task_count() > 0 && !bullets_only {
        return strict;
    }
    let mut loose = build_with(doc, meta, file, true);
    if loose.plan.task_count() <= strict.plan.task_count() {
        return strict;
    }
    let mut warnings = Warnings::new(file);
    warnings.add(
        0,
        "no checklist or numbered steps: each section's plain bullets and instruction paragraphs were read as its tasks; write `- [ ] …` to say exactly what to tick",
    );
    loose.warnings.extend(warnings.list);
    loose
}

fn build_with(doc: &Doc, meta: Meta, file: &Path, loose: bool) -> Built {
    let mut warnings = Warnings::new(file);
    let heads = &doc.headings;
    let n = heads.len();

    // Title.
    let fm_title = doc.front_matter.as_deref().and_then(front_matter_title);
    // Several `#` headings under a front-matter title are the plan's top sections, not its title.
    let level1 = heads.iter().filter(|h| h.level == 1).count();
    let (title, title_heading) = match (heads.first(), fm_title) {
        (Some(h), fm) if h.level == 1 && (level1 == 1 || fm.is_none()) => {
            (clean::title(&h.text), Some(0))
        }
        (_, Some(t)) => (t, None),
        (Some(h), None) => (clean::title(&h.text), Some(0)),
        (None, None) => (file_title(file), None),
    };
    // An empty first heading (`#`) names nothing: the file does, as for a TOML plan.
    let title = if title.trim().is_empty() {
        file_title(file)
    } else {
        title
    };
    let is_title = |h: usize| title_heading == Some(h);

    let schedule_rows = rows::rows(doc);
    let heading_found: Vec<Option<Found>> = heads
        .iter()
        .map(|h| crate::plan::schedule::find(&h.text))
        .collect();
    let lead = lead_times::lead_times(doc, &heading_found);
    let lead_timed: Vec<bool> = lead.iter().map(Option::is_some).collect();
    let Timing {
        found,
        schedules,
        mut extra,
        row_heading,
        orphans,
    } = timing::resolve(
        heads,
        title_heading,
        &schedule_rows,
        heading_found,
        &lead,
        &meta,
        &mut warnings,
    );
    let timed: Vec<bool> = (0..n).map(|h| found[h].is_some() && !is_title(h)).collect();
    let below = |flag: &[bool]| {
        let mut out = vec![false; n];
        for h in (0..n).rev() {
            if (flag[h] || out[h])
                && let Some(p) = heads[h].parent
            {
                out[p] = true;
            }
        }
        out
    };
    let timed_below = below(&timed);

    let ancestors = |h: Option<usize>| std::iter::successors(h, move |&x| heads[x].parent);
    let inherit = |flag: &dyn Fn(usize) -> bool| {
        let mut out = vec![false; n];
        for h in 0..n {
            out[h] = (!is_title(h) && flag(h)) || heads[h].parent.is_some_and(|p| out[p]);
        }
        out
    };
    let rollback = inherit(&|h| rules::is_rollback_heading(&heads[h].text));
    let trigger_ctx = inherit(&|h| rules::is_trigger_heading(&heads[h].text));
    let notes_ctx = inherit(&|h| rules::is_notes_heading(&heads[h].text));

    // Items: tasks, triggers, gates.
    let items = &doc.items;
    let sec = |h: Option<usize>| h.map_or(0, |h| h + 1);
    let mut has_checklist = vec![false; n + 1];
    for it in items {
        if it.checked.is_some() {
            has_checklist[sec(it.heading)] = true;
        }
    }
    // An index of steps (`1. [Freeze the pipeline](#freeze-the-pipeline)` …): a list most of
    // whose items link to sections of the plan. Its items are not tasks; the sections it
    // lists are stages.
    let anchors: Vec<String> = heads
        .iter()
        .map(|h| rules::heading_anchor(&h.text))
        .collect();
    let target = |i: usize| {
        items[i]
            .anchor
            .as_deref()
            .and_then(|a| anchors.iter().position(|x| x == a))
    };
    let mut links = vec![(0usize, 0usize); n + 1];
    for (i, it) in items.iter().enumerate() {
        let e = &mut links[sec(it.heading)];
        e.0 += 1;
        e.1 += usize::from(target(i).is_some());
    }
    let is_index_section = |s: usize| links[s].1 >= 2 && links[s].1 * 2 >= links[s].0;
    let mut listed = vec![false; n];
    for (i, it) in items.iter().enumerate() {
        // The index's top level names the stages (below an entry for the title, when the
        // index starts with one); its nested entries are parts of them.
        let top_level = match it.parent {
            None => true,
            Some(p) => items[p].parent.is_none() && target(p).is_some_and(is_title),
        };
        if is_index_section(sec(it.heading))
            && top_level
            && let Some(h) = target(i).filter(|&h| !is_title(h))
        {
            listed[h] = true;
        }
    }
    let sub_heads = stages::children(heads);
    for h in stages::numbered_steps(heads, &sub_heads, &is_title) {
        listed[h] = true;
    }
    // `## Before the final release` beside `## At final release time`: a stage on the time
    // line, though its heading gives no window.
    let event_side: Vec<bool> = (0..n)
        .map(|h| !is_title(h) && crate::plan::schedule::names_event_side(&heads[h].text))
        .collect();
    for h in (0..n)
        .filter(|&h| event_side[h] || (!is_title(h) && rules::is_follow_up_heading(&heads[h].text)))
    {
        listed[h] = true;
    }
    // Inside a step the plan already lists, instruction sub-headings are parts of that step
    // (`## Prerequisites` → `### Install latest software` → `#### Download krel`).
    let mut instructed = vec![false; n];
    for h in stages::instruction_steps(heads, &sub_heads, &is_title) {
        if !ancestors(heads[h].parent).any(|x| listed[x]) {
            instructed[h] = !listed[h];
            listed[h] = true;
        }
    }
    // A rollback heading with nothing under it but sub-sections (`## Rollback plan` then
    // `### Rollback prior to stage 5`, `### Rollback after stage 5`): those are alternatives the
    // lead picks from, each a rollback stage of its own.
    let rollback_parents: Vec<usize> = (0..n)
        .filter(|&h| {
            // A listed step (`Phase 6: Rollback Procedures`) is one stage; its sub-sections
            // are its parts.
            !is_title(h)
                && !listed[h]
                && doc.entries[h + 1].is_empty()
                && rules::is_rollback_heading(&heads[h].text)
                && !rules::is_trigger_heading(&heads[h].text)
        })
        .collect();
    for h in rollback_parents {
        let alternatives: Vec<usize> = sub_heads[h]
            .iter()
            .copied()
            .filter(|&c| {
                !doc.entries[c + 1].is_empty() && !rules::is_trigger_heading(&heads[c].text)
            })
            .collect();
        // `### 6.1 Automated Rollback Script`, `### 6.2 Rollback Decision Tree`: numbered
        // parts of one procedure, not alternatives.
        let numbered = alternatives.iter().any(|&c| {
            heads[c]
                .text
                .trim_start()
                .starts_with(|c: char| c.is_ascii_digit())
        });
        if numbered {
            continue;
        }
        if alternatives.len() >= 2 {
            for c in alternatives {
                listed[c] = true;
            }
        }
    }
    // Read loosely (see [`build`]), every section but the title and reference text counts as
    // a listed one.
    let loose_section = |h: usize| {
        loose
            && !is_title(h)
            && !ancestors(Some(h)).any(|a| rules::is_reference_heading(&heads[a].text))
    };
    let listed_section =
        |h: Option<usize>| ancestors(h).any(|x| listed[x]) || h.is_some_and(loose_section);
    let mut has_numbered = vec![false; n + 1];
    for it in items {
        if it.ordered && it.parent.is_none() && !it.quoted {
            has_numbered[sec(it.heading)] = true;
        }
    }
    // A timed stage that writes its work as plain bullets (`### T-14 Days` then `* Assess the
    // state of the project`): those bullets are its tasks.
    let timed_section = |h: Option<usize>| ancestors(h).any(|x| timed[x]);
    let mut is_task = vec![false; items.len()];
    // Form fields to fill in (`- **Types of errors logged:**`), by item.
    let mut field = vec![false; items.len()];
    let mut item_rule = vec![TaskRule::Checklist; items.len()];
    let mut task_depth = vec![0usize; items.len()];
    let mut nest = vec![0usize; items.len()];
    let mut is_trigger = vec![false; items.len()];
    // Success criteria for moving on: triggers when missed, at the opposite comparison.
    let mut criterion = vec![false; items.len()];
    // A plain bullet that only introduces its sub-bullets (`- _Major releases only:_`, not an
    // instruction such as `- Update the release notes:`) is a label: its sub-bullets are the
    // steps.
    let mut has_children = vec![false; items.len()];
    for it in items {
        if let Some(p) = it.parent {
            has_children[p] = true;
        }
    }
    let label_item = |i: usize| {
        let it = &items[i];
        let t = it.text.trim().trim_matches(['_', '*', ' ']);
        it.checked.is_none()
            && !it.ordered
            && has_children[i]
            && t.ends_with(':')
            && t.split_whitespace().count() <= 8
            && !rules::is_instruction(t)
    };
    // A bullet list written flush under a numbered step, with nothing between (`1. Use Point
    // in time restore` then `- Run the PTR workflow` at the margin): Markdown makes it a list
    // of its own, but it holds that step's sub-steps.
    let mut flush_under: Vec<Option<usize>> = vec![None; items.len()];
    let mut last_top: Option<usize> = None;
    for (i, it) in items.iter().enumerate() {
        if it.parent.is_some() {
            continue;
        }
        if let Some(k) = last_top
            && items[k].heading == it.heading
            && !it.ordered
            && it.checked.is_none()
            && it.lead.is_none()
        {
            let step = if items[k].ordered {
                Some(k)
            } else {
                flush_under[k]
            };
            flush_under[i] = step.filter(|&s| items[s].checked.is_none());
        }
        last_top = Some(i);
    }
    for (i, it) in items.iter().enumerate() {
        let numbered_step = !it.quoted
            && !is_index_section(sec(it.heading))
            && !rules::is_remark(&it.text)
            && !it.lead.as_deref().is_some_and(rules::is_remark)
            && !has_checklist[sec(it.heading)]
            && !it.heading.is_some_and(|h| notes_ctx[h])
            && match it.parent {
                None => it.ordered || flush_under[i].is_some_and(|s| is_task[s]),
                // Under a numbered step: its numbered sub-steps, and the items it introduces
                // with a colon (`1. Release Manager:` then the manager's bullets).
                Some(p) => {
                    is_task[p]
                        && items[p].ordered
                        && items[p].checked.is_none()
                        && (it.ordered || items[p].text.ends_with(':'))
                }
            };
        criterion[i] = !it.quoted
            && it.checked.is_none()
            && match it.parent {
                Some(p) => rules::is_advance_criteria_lead(&items[p].text),
                None => it
                    .lead
                    .as_deref()
                    .is_some_and(rules::is_advance_criteria_lead),
            };
        is_trigger[i] = criterion[i]
            || !it.quoted
                && ((it.parent.is_none()
                    && (it.heading.is_some_and(|h| trigger_ctx[h])
                        || it.lead.as_deref().is_some_and(rules::is_trigger_lead)))
                    || (it.checked.is_none()
                        && !it.ordered
                        && rules::is_rollback_condition(&it.text))
                    || (it.checked.is_none()
                        && !it.ordered
                        && !it.heading.is_some_and(|h| rollback[h] || notes_ctx[h])
                        && (timed_section(it.heading) || listed_section(it.heading))
                        && prose::stop_item(&it.text).is_some()));
        let plain_step = it
            .parent
            .is_none_or(|p| items[p].parent.is_none() && label_item(p))
            && !label_item(i)
            && !it.quoted
            && !it.ordered
            && it.checked.is_none()
            && !it.lead.as_deref().is_some_and(rules::says_what_it_will_do)
            && !has_checklist[sec(it.heading)]
            && !has_numbered[sec(it.heading)]
            // A rollback's plain bullets are its steps wherever it is written (`### Rollback
            // process` then `- Turn on the feature toggle`).
            && (timed_section(it.heading)
                || listed_section(it.heading)
                || it.heading.is_some_and(|h| rollback[h] && !trigger_ctx[h]))
            && !is_index_section(sec(it.heading))
            // Read loosely, only bullets that say what to do (`Disable chef-client.`, not a
            // list of links).
            && (!loose
                || timed_section(it.heading)
                || ancestors(it.heading).any(|x| listed[x])
                || rules::is_instruction(&it.text))
            && !it.heading.is_some_and(|h| notes_ctx[h])
            // A stage's `#### Results` part records what happened; nobody ticks it.
            && !it.heading.is_some_and(|h| {
                rules::is_reference_heading(&heads[h].text) && !listed[h] && !timed[h]
            })
            && !only_time(&it.text);
        // A rollback trigger is a condition to watch, not work to tick; a question or a form
        // field outside a checklist is filled in, not ticked.
        // So is the answer under a field (`- **Number of unique users:**` then `- ...`), and
        // a placeholder with no words (`...`).
        let filled_in = it.checked.is_none()
            && (rules::is_question_or_field(&it.text)
                || it.parent.is_some_and(|p| field[p])
                || !it.text.chars().any(char::is_alphanumeric));
        field[i] = filled_in && rules::is_question_or_field(&it.text);
        is_task[i] =
            !is_trigger[i] && !filled_in && (it.checked.is_some() || numbered_step || plain_step);
        item_rule[i] = if it.checked.is_some() {
            TaskRule::Checklist
        } else if numbered_step {
            TaskRule::Numbered
        } else {
            TaskRule::Bullets
        };
        if let Some(p) = it.parent.or(flush_under[i].filter(|_| is_task[i])) {
            task_depth[i] = task_depth[p] + usize::from(is_task[p]);
            nest[i] = nest[p] + 1;
        }
    }
    // Group labels (`1. Release Manager:` above the manager's steps) are not tasks: they name
    // who does the steps under them.
    let mut label = vec![false; items.len()];
    for (i, it) in items.iter().enumerate() {
        if let Some(p) = it.parent
            && is_task[i]
            && is_task[p]
            && items[p].checked.is_none()
            && rules::is_group_label(&items[p].text)
            // `Run the migration:` above its checks is a step; `Release Manager:` and
            // `Examples of tests:` only introduce theirs.
            && (rules::label_role(&items[p].text).is_some()
                || !rules::is_instruction(&items[p].text))
        {
            label[p] = true;
        }
    }
    for i in 0..items.len() {
        if label[i] {
            is_task[i] = false;
        }
        task_depth[i] = items[i]
            .parent
            .or(flush_under[i].filter(|_| is_task[i]))
            .map_or(0, |p| task_depth[p] + usize::from(is_task[p]));
    }
    // Who does a step: the role its group label names, its role tag, else the `Owner:` line
    // of its section or an enclosing one.
    let section_owner: Vec<Option<String>> = (0..n)
        .map(|h| {
            doc.entries[h + 1].iter().find_map(|e| match e {
                Entry::Para(p, _) => rules::owner_line(p),
                _ => None,
            })
        })
        .collect();
    let item_owner = |i: usize| -> Option<String> {
        std::iter::successors(items[i].parent, |&p| items[p].parent)
            .find(|&p| label[p])
            .and_then(|p| rules::label_role(&items[p].text))
            .or_else(|| rules::role_tag(&items[i].text))
            .or_else(|| ancestors(items[i].heading).find_map(|h| section_owner[h].clone()))
    };
    let is_item_gate: Vec<bool> = items
        .iter()
        .enumerate()
        .map(|(i, it)| {
            !is_trigger[i]
                && rules::is_decision_item(&it.text)
                // `What changes are needed before proceeding? nothing, ready to move on`
                // answers a question; it decides nothing.
                && !rules::is_question_or_field(&it.text)
        })
        .collect();

    // A step that says what to do when it fails (`### Service team check the app works` then
    // `- if not ok, follow the rollback procedure`) is a go/no-go: pass, or roll back.
    let mut checked_step = vec![false; n];
    for it in items {
        if let Some(h) = it.heading
            && !rollback[h]
            && !trigger_ctx[h]
            && rules::is_check_heading(&heads[h].text)
            && rules::is_rollback_condition(&it.text)
        {
            checked_step[h] = true;
        }
    }
    let gate_heading: Vec<bool> = (0..n)
        .map(|h| !is_title(h) && (rules::is_gate_heading(&heads[h].text) || checked_step[h]))
        .collect();
    let gate_below = below(&gate_heading);
    let mut owns_direct = vec![false; n];
    for (i, it) in items.iter().enumerate() {
        if let Some(h) = it.heading
            && (is_task[i] || is_item_gate[i])
        {
            owns_direct[h] = true;
        }
    }
    // A go/no-go sub-heading of a stage that has its own tasks or time (`## Deploy` … `###
    // Go/No-Go`) gates that stage; elsewhere it is a stage of its own.
    let gates_parent = |h: usize| {
        !timed[h]
            && !listed[h]
            && heads[h]
                .parent
                .is_some_and(|p| !is_title(p) && (timed[p] || listed[p] || owns_direct[p]))
    };
    let gate_stage: Vec<bool> = (0..n)
        .map(|h| gate_heading[h] && !gate_below[h] && !gates_parent(h))
        .collect();
    for h in 0..n {
        owns_direct[h] |= gate_stage[h] || listed[h];
    }
    let containers = stages::containers(heads, &timed, &owns_direct, &listed);
    // The section whose phase a place in section `sec` belongs to; `None`: the title phase.
    let owner = |sec: Option<usize>| -> Option<usize> {
        stages::stage_of(heads, &timed, &containers, &is_title, sec)
    };

    // Gates: (line, title, owning section, voters).
    // Gates: (line, title, owning section, voters, why).
    let mut gates: Vec<GateFound> = Vec::new();
    let mut sub_items: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
    for (i, it) in items.iter().enumerate() {
        if let Some(p) = it.parent {
            sub_items[p].push(i);
        }
    }
    for (i, it) in items.iter().enumerate().filter(|&(i, _)| is_item_gate[i]) {
        let mut voters: Vec<String> = rules::decider(&it.text)
            .into_iter()
            .chain(rules::signers(&it.text))
            .chain(
                sub_items[i]
                    .iter()
                    .filter_map(|&c| rules::approval_role(&items[c].text)),
            )
            .collect();
        // `Approve the PR, then wait for someone else to approve it also`: two people decide,
        // whom the plan does not name.
        if let Some(k) = rules::approvals_needed(&it.text)
            && voters.len() < k
        {
            voters = (1..=k).map(|j| format!("Approver {j}")).collect();
        }
        voters.dedup();
        // `Exit Criteria:` over its list: the lead reads out what must hold.
        let mut title = gate_title(&it.text);
        if it.text.trim_end().ends_with(':') && !sub_items[i].is_empty() {
            let what: Vec<&str> = sub_items[i].iter().map(|&c| items[c].text.trim()).collect();
            let full = format!("{title}: {}", what.join("; "));
            title = match full.char_indices().nth(120) {
                Some((k, _)) => format!("{}…", &full[..k]),
                None => full,
            };
        }
        gates.push((
            it.line,
            title,
            owner(it.heading),
            voters,
            "an item that asks for a decision (go/no-go, sign off on, clearance or approval, do not move forward until…)",
        ));
    }
    // Hold points and stop conditions written as sentences, in the prose of a stage (a timed or
    // listed one, or one with tasks) that is not rollback, notes or reference text.
    let mut has_task_item = vec![false; n + 1];
    for (i, it) in items.iter().enumerate() {
        if is_task[i] {
            has_task_item[sec(it.heading)] = true;
        }
    }
    let mut has_item_gate = vec![false; n + 1];
    for (i, it) in items.iter().enumerate() {
        if is_item_gate[i] {
            has_item_gate[sec(it.heading)] = true;
        }
    }
    let mut prose_triggers: Vec<(usize, String, &str)> = Vec::new();
    for h in (0..n).filter(|&h| {
        !is_title(h)
            && !rollback[h]
            && !notes_ctx[h]
            && !trigger_ctx[h]
            && !gate_heading[h]
            && (timed_section(Some(h))
                || listed_section(Some(h))
                // A section that holds a gate is a stage, whatever its heading says
                // (`## Release shepherd responsibilities`).
                || has_item_gate[h + 1]
                || (has_task_item[h + 1]
                    && !ancestors(Some(h)).any(|a| rules::is_reference_heading(&heads[a].text))))
    }) {
        // Repeated mentions of one hold point in a section (`DO NOT CONTINUE` then `wait for the
        // job to succeed`) are one gate.
        let mut held = false;
        for e in &doc.entries[h + 1] {
            // A plain item of a section the item rules above did not reach (one that only
            // holds a gate): `If regressions or critical bugs are detected, …`.
            if let Entry::Item(i) = *e
                && items[i].parent.is_none()
                && !is_task[i]
                && !is_trigger[i]
                && !is_item_gate[i]
                && !timed_section(Some(h))
                && !listed_section(Some(h))
                && let Some(condition) = prose::stop_item(&items[i].text)
            {
                prose_triggers.push((
                    items[i].line,
                    condition,
                    "an item that says what to do if something goes wrong (If … fails, stop …; postpone if …)",
                ));
            }
            // `# - is this an acceptable time to upgrade?` beside the commands that show
            // whether it is.
            if let Entry::Code(code, _) = e
                && !held
                && let Some(question) = prose::proceed_questions_in_code(code).into_iter().next()
            {
                held = true;
                gates.push((
                    heads[h].line,
                    question,
                    owner(Some(h)),
                    Vec::new(),
                    "a question whether to go on, written as a comment beside the commands that answer it (is this an acceptable time to upgrade?)",
                ));
            }
            let Entry::Para(text, line) = e else {
                continue;
            };
            if !held && let Some(title) = prose::hold_point(text) {
                held = true;
                let voters = rules::decider(&title).into_iter().collect();
                gates.push((
                    *line,
                    title,
                    owner(Some(h)),
                    voters,
                    "a sentence of the stage's prose that holds the work until something is decided or done (before proceeding, wait for … to succeed, do not continue until…)",
                ));
            }
            if let Some(condition) = prose::stop_condition(text) {
                prose_triggers.push((
                    *line,
                    condition,
                    "a sentence of the stage's prose that says what to do if something goes wrong (If … fails, stop …)",
                ));
            }
        }
    }
    // A step that says when to undo it (`Recycle the environment and monitor for any errors.
    // Revert immediately if errors occur.`): the step stays, its condition is a trigger.
    for (_, it) in items.iter().enumerate().filter(|&(i, _)| is_task[i]) {
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
    // What a runbook is for (`… should there be an outage in its current region`), said under
    // the title or a `Context` / `Purpose` heading: following it starts on that event.
    for (s, _) in doc.entries.iter().enumerate().filter(|&(s, _)| {
        s == 0 || is_title(s - 1) || rules::is_purpose_heading(&heads[s - 1].text)
    }) {
        for e in &doc.entries[s] {
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
    for h in (0..n).filter(|&h| !is_title(h)) {
        if let Some(what) = prose::scenario(&heads[h].text) {
            prose_triggers.push((
                heads[h].line,
                what,
                "a scenario heading (`Scenario 1: Loss of database server`): what has happened when its procedure is followed",
            ));
        } else if rules::names_a_problem(&heads[h].text)
            && !rules::names_rollback(&super::norm(&heads[h].text))
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
    for h in (0..n).filter(|&h| gate_heading[h] && !gate_below[h]) {
        // The gate heading's subtree is contiguous: it ends at the next heading not below it.
        let subtree = (h..n).take_while(|&x| x == h || ancestors(Some(x)).any(|a| a == h));
        let mut voters: Vec<String> = Vec::new();
        // The rule the vote must meet, for the gate's title (`Voting: Once 3+ binding votes
        // (by PMC members) have been cast…`): what the lead reads out when polling.
        let mut requirement = None;
        for e in subtree.flat_map(|x| &doc.entries[x + 1]) {
            match *e {
                Entry::Table(t) => voters.extend(rules::table_roles(&doc.tables[t].rows)),
                Entry::Item(i) => voters.extend(rules::approval_role(&items[i].text)),
                // `it needs at least three PMC members to vote +1 on it`
                Entry::Para(ref p, _) => {
                    if let Some(v) = rules::vote_requirement(p) {
                        voters.extend(v);
                        requirement.get_or_insert_with(|| rules::first_sentence(p, 80));
                    }
                }
                Entry::Code(..) => {}
            }
        }
        let heading = phase_title(heads, &found, h);
        gates.push((
            heads[h].line,
            match requirement {
                Some(r) => format!("{heading}: {r}"),
                None => heading,
            },
            owner(Some(h)),
            voters,
            if rules::is_gate_heading(&heads[h].text) {
                "a heading that says go/no-go, approval or sign-off (voters: its sign-off table and approval items)"
            } else {
                "a check step that says to roll back if it fails (`- if not ok, follow the rollback procedure`): pass, or roll back"
            },
        ));
    }
    // Hold points a schedule writes between its rows gate the stage of the row before them.
    for (r, row) in schedule_rows.iter().enumerate() {
        let Some(text) = &row.gate else {
            continue;
        };
        let before = (0..r)
            .rev()
            .take_while(|&k| schedule_rows[k].group == row.group)
            .find_map(|k| row_heading[k]);
        let line = row.section.map_or(0, |h| heads[h].line);
        gates.push((
            line,
            gate_title(text),
            owner(before.or(row.section)),
            Vec::new(),
            "a hold point between the schedule's rows: it gates the stage of the row before it",
        ));
    }
    gates.sort_by_key(|g| g.0);

    // Phases.
    let mut owns = vec![false; n];
    let mut title_phase = false;
    let mut mark = |o: Option<usize>| match o {
        Some(h) => owns[h] = true,
        None => title_phase = true,
    };
    for (i, it) in items.iter().enumerate() {
        if is_task[i] {
            mark(owner(it.heading));
        }
    }
    for g in &gates {
        mark(g.2);
    }
    // Read loosely, a section whose work is instruction paragraphs (`Run this command…`) is a
    // stage too: its paragraphs are its tasks (below).
    let mut loose_paragraphs = vec![false; n];
    for h in (0..n).filter(|&h| loose_section(h) && !notes_ctx[h] && !trigger_ctx[h]) {
        if !has_task_item[h + 1]
            && doc.entries[h + 1]
                .iter()
                .any(|e| matches!(e, Entry::Para(t, _) if rules::is_instruction(t)))
            && let Some(o) = owner(Some(h))
        {
            loose_paragraphs[o] = true;
            mark(Some(o));
        }
    }
    for h in 0..n {
        if timed[h] && !timed_below[h] {
            owns[h] = true;
        }
    }
    let owns_below = below(&owns_direct)
        .iter()
        .zip(&owns_direct)
        .map(|(b, o)| *b || *o)
        .collect::<Vec<bool>>();
    let heading_steps = stages::heading_steps(
        heads,
        &sub_heads,
        &containers,
        &owns_below,
        &timed,
        &is_title,
    );
    for &h in &heading_steps {
        owns[h] = true;
    }
    for h in (0..n).filter(|&h| listed[h]) {
        if let Some(o) = owner(Some(h)) {
            owns[o] = true;
        }
    }
    let between = stages::between(heads, &sub_heads, &owns, &containers, &is_title);
    for &h in &between {
        owns[h] = true;
    }
    // A rollback procedure at a stage's level shows on the timeline even when it is prose
    // (`## Rollback Procedure (or lack thereof)`): the lead starts the rollback from it.
    // (Rollback alternatives are listed steps, above: prose ones are found here too.)
    let prose_rollback: Vec<usize> = (0..n)
        .filter(|&h| {
            (!owns[h] || listed[h])
                && !is_title(h)
                && rollback[h]
                && (rules::is_rollback_heading(&heads[h].text) || listed[h])
                && !trigger_ctx[h]
                && owner(Some(h)) == Some(h)
                && !doc.entries[h + 1].is_empty()
        })
        .collect();
    for &h in &prose_rollback {
        owns[h] = true;
    }
    let flags = |list: &[usize]| {
        let mut v = vec![false; n];
        for &h in list {
            v[h] = true;
        }
        v
    };
    let (is_prose_rollback, is_heading_steps, is_between) = (
        flags(&prose_rollback),
        flags(&heading_steps),
        flags(&between),
    );
    let owns_tasks: Vec<bool> = {
        let mut v = vec![false; n];
        for (i, it) in items.iter().enumerate() {
            if is_task[i]
                && let Some(o) = owner(it.heading)
            {
                v[o] = true;
            }
        }
        v
    };
    // A run-sheet table in a plan with no stages of its own is the plan's timeline: its rows
    // are the stages. Elsewhere its rows are tasks (below).
    // A table of rollout percentages (`Launch to 25% | week of 08/29/2022`) lists stages
    // wherever it is written; the same stage in a second table is one stage.
    let mut percent_rows = std::collections::HashMap::<usize, usize>::new();
    for (row, _) in &orphans {
        if names_a_percentage(&row.name) {
            *percent_rows.entry(row.group).or_default() += 1;
        }
    }
    let no_stages = !owns.contains(&true) && extra.is_empty();
    let (orphan_stages, orphans): (Vec<_>, Vec<_>) = orphans
        .into_iter()
        .partition(|(row, _)| no_stages || percent_rows.get(&row.group).is_some_and(|&k| k >= 2));
    let mut seen: std::collections::HashSet<String> =
        extra.iter().map(|(r, _)| super::norm(&r.name)).collect();
    extra.extend(
        orphan_stages
            .into_iter()
            .filter(|(r, _)| seen.insert(super::norm(&r.name))),
    );
    if !title_phase && !owns.contains(&true) && extra.is_empty() {
        title_phase = true;
    }
    let mut phase_of_section: Vec<Option<usize>> = vec![None; n];
    let mut title_phase_index = None;
    let mut phases: Vec<Phase> = Vec::new();
    // Why each phase is one: ((line, title), reason).
    let mut phase_why: Vec<((usize, String), String)> = Vec::new();
    // (Looked up by line and title once the phases are final; see the reasons below.)
    if title_phase {
        phase_why.push((
            (title_heading.map_or(0, |h| heads[h].line), title.clone()),
            "named after the plan's title: it holds what sits outside every stage (or the plan has no other stage)".into(),
        ));
        title_phase_index = Some(0);
        phases.push(Phase {
            id: String::new(),
            title: title.clone(),
            kind: PhaseKind::Forward,
            schedule: Schedule::None,
            line: title_heading.map_or(0, |h| heads[h].line),
            tasks: Vec::new(),
        });
    }
    for h in (0..n).filter(|&h| owns[h]) {
        let mut why = if timed[h] {
            match &found[h] {
                Some(f) if f.span.is_empty() && lead_timed[h] => {
                    "timed by a `Label: time` line among its first lines (`Target dates: 4/2-4/3 2026`)".to_string()
                }
                Some(f) if f.span.is_empty() => {
                    "timed by a schedule row that names it (a table or hour slots)".to_string()
                }
                Some(f) => format!(
                    "its heading gives a time: {}",
                    &heads[h].text[f.span.clone()]
                ),
                None => String::new(),
            }
        } else if instructed[h] {
            "a step: its heading and most of its siblings' are instructions (`### Block deployments`, `### Start the upgrade`)".to_string()
        } else if event_side[h] {
            "its heading places it before or after the go-live event (`Before the release`, `After launch`): a stage, without a window".to_string()
        } else if rules::is_follow_up_heading(&heads[h].text) {
            "its heading names a check-in some time after going live (`1-week results`, `30-day review`): a stage, without a window".to_string()
        } else if listed[h] {
            "a step the plan lists: an index of steps links to it (`1. [Step](#step)`), or its heading numbers it among steps (`Step 2: …`, `3. …`)".to_string()
        } else if is_prose_rollback[h] {
            "a rollback procedure written as prose, at a stage's level".to_string()
        } else if is_heading_steps[h] {
            "a stage whose steps are its sub-headings".into()
        } else if is_between[h] {
            "prose between two stages, at their level: a stage of its own".into()
        } else if owns_tasks[h] {
            "a section of tasks at the level where the plan splits its work".into()
        } else if loose_paragraphs[h] {
            "a section of instruction paragraphs (`Run …`, `Send …`), in a plan without checklists or numbered steps".into()
        } else {
            "holds a go/no-go gate".into()
        };
        if rollback[h] {
            why.push_str("; rollback: its heading or an enclosing one names a rollback, contingency, backout or fallback");
        }
        phase_why.push(((heads[h].line, phase_title(heads, &found, h)), why));
        phase_of_section[h] = Some(phases.len());
        phases.push(Phase {
            id: String::new(),
            title: phase_title(heads, &found, h),
            kind: if rollback[h] {
                PhaseKind::Rollback
            } else {
                PhaseKind::Forward
            },
            schedule: schedules[h],
            line: heads[h].line,
            tasks: Vec::new(),
        });
    }
    // Stages only a schedule lists: after the last stage that starts no later.
    for (row, schedule) in extra {
        phase_why.push((
            (
                row.section.map_or(0, |h| heads[h].line),
                clean::title(&row.name),
            ),
            "a stage only the schedule lists (no section names it)".into(),
        ));
        let start = start_key(&schedule);
        let at = phases
            .iter()
            .rposition(|p| {
                p.kind == PhaseKind::Forward
                    && start_key(&p.schedule)
                        .zip(start)
                        .is_some_and(|(a, b)| a.0 == b.0 && a.1 <= b.1)
            })
            .map_or(phases.len(), |k| k + 1);
        make_room(at, &mut phase_of_section);
        make_room(at, std::slice::from_mut(&mut title_phase_index));
        phases.insert(
            at,
            Phase {
                id: String::new(),
                title: clean::title(&row.name),
                kind: PhaseKind::Forward,
                schedule,
                line: row.section.map_or(0, |h| heads[h].line),
                tasks: Vec::new(),
            },
        );
    }
    // Timed steps of a rollback procedure: a plain top-level item with a length and tasks
    // under it (`1. **Decision** (5 minutes)` then `- [ ] …`) is a rollback step of its own,
    // right after its section's phase, so the rollback runs step by step against budgets.
    let mut step_phase: Vec<Option<usize>> = vec![None; items.len()];
    let mut steps: Vec<(usize, Phase)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let in_rollback = it.heading.is_some_and(|h| rollback[h]);
        if it.parent.is_some() || it.quoted || it.checked.is_some() || !in_rollback {
            continue;
        }
        let Some(found) = crate::plan::schedule::find(&it.text) else {
            continue;
        };
        let crate::plan::schedule::When::Length { length_s } = found.when else {
            continue;
        };
        let has_tasks = (i + 1..items.len())
            .take_while(|&j| {
                std::iter::successors(items[j].parent, |&p| items[p].parent).any(|p| p == i)
            })
            .any(|j| is_task[j]);
        if !has_tasks {
            continue;
        }
        let rest = format!(
            "{} {}",
            &it.text[..found.span.start],
            &it.text[found.span.end..]
        );
        let title = clean::title(&rest);
        phase_why.push((
            (
                it.line,
                if title.is_empty() {
                    clean::title(&it.text)
                } else {
                    title.clone()
                },
            ),
            "a timed step of the rollback procedure: an item with a length and tasks under it"
                .into(),
        ));
        steps.push((
            i,
            Phase {
                id: String::new(),
                title: if title.is_empty() {
                    clean::title(&it.text)
                } else {
                    title
                },
                kind: PhaseKind::Rollback,
                schedule: Schedule::Length { length_s },
                line: it.line,
                tasks: Vec::new(),
            },
        ));
    }
    if !steps.is_empty() {
        // Insert each step after its section's phase, shifting the later phases' indexes.
        for (item, phase) in steps {
            let host = phase_of_section[owner(items[item].heading).unwrap_or(0)]
                .or(title_phase_index)
                .unwrap_or(0);
            let at = (host + 1..phases.len())
                .find(|&k| phases[k].kind != PhaseKind::Rollback || phases[k].line > phase.line)
                .unwrap_or(phases.len());
            make_room(at, &mut phase_of_section);
            make_room(at, std::slice::from_mut(&mut title_phase_index));
            make_room(at, &mut step_phase);
            step_phase[item] = Some(at);
            phases.insert(at, phase);
        }
        for j in 0..items.len() {
            if step_phase[j].is_none()
                && let Some(s) = std::iter::successors(items[j].parent, |&p| items[p].parent)
                    .find_map(|p| step_phase[p])
            {
                step_phase[j] = Some(s);
            }
        }
    }
    let phase_index = |o: Option<usize>| match o {
        Some(h) => phase_of_section[h].or(title_phase_index).unwrap_or(0),
        None => title_phase_index.unwrap_or(0),
    };
    let mut task_rule: Vec<(usize, usize, TaskRule)> = Vec::new();
    // Sub-headings as steps: of a stage written as prose sub-headings, and, in a rollback
    // stage, the prose alternatives beside its lists (`Scaling Out`, `Retrospective`).
    let heading_step = |c: usize| {
        let text = match doc.entries[c + 1].iter().find_map(|e| match e {
            Entry::Para(p, _) => Some(p),
            _ => None,
        }) {
            Some(p) => format!(
                "{}: {}",
                clean::title(&heads[c].text),
                rules::first_sentence(p, 80)
            ),
            None => clean::title(&heads[c].text),
        };
        prose_task(text, heads[c].line)
    };
    for h in 0..n {
        let Some(p) = phase_of_section[h] else {
            continue;
        };
        let prose_children = is_heading_steps[h] || rollback[h];
        if !prose_children {
            continue;
        }
        for &c in sub_heads[h].iter().filter(|&&c| {
            // `### Check the dependencies for unreleased code` says what to do: a step, though
            // it names a reference topic.
            !owns_below[c]
                && !trigger_ctx[c]
                && (!rules::is_reference_heading(&heads[c].text)
                    || rules::is_instruction(&heads[c].text))
        }) {
            phases[p].tasks.push(heading_step(c));
            task_rule.push((p, heads[c].line, TaskRule::Headings));
        }
    }
    // A rollback written as prose: its plain bullets and the sentences that say what will be
    // done are its steps (`the rollback plan is to point our CDN back…`, `we can destroy the
    // cluster and recreate it`); its conditions are triggers (below).
    for &h in &prose_rollback {
        let Some(p) = phase_of_section[h] else {
            continue;
        };
        if has_task_item[h + 1] {
            continue;
        }
        for e in &doc.entries[h + 1] {
            match *e {
                Entry::Item(i)
                    if items[i].parent.is_none()
                        && !is_task[i]
                        && !is_trigger[i]
                        && !items[i].quoted =>
                {
                    let text = without_joiner(&items[i].text);
                    task_rule.push((p, items[i].line, TaskRule::RollbackProse));
                    phases[p]
                        .tasks
                        .push(prose_task(text.to_string(), items[i].line));
                }
                Entry::Para(ref text, line) => {
                    for action in prose::sentences(text).filter_map(prose::rollback_action) {
                        task_rule.push((p, line, TaskRule::RollbackProse));
                        phases[p].tasks.push(prose_task(action, line));
                    }
                }
                _ => {}
            }
        }
    }
    // Instructions written as paragraphs (`Send a PR to bump the version…`) in a timed stage
    // that has no list of steps.
    for h in (0..n).filter(|&h| {
        !has_task_item[h + 1]
            && (timed_section(Some(h)) || listed_section(Some(h)))
            && !notes_ctx[h]
            && !trigger_ctx[h]
    }) {
        let p = phase_index(owner(Some(h)));
        // A block of commands is a step of its own unless the instruction paragraph just
        // before it already is that step (`After that, tag it:` then ```` ```shell ````).
        let mut introduced = false;
        for e in &doc.entries[h + 1] {
            match e {
                Entry::Para(text, line) => {
                    introduced = rules::is_instruction(text);
                    if introduced {
                        task_rule.push((p, *line, TaskRule::Paragraphs));
                        phases[p]
                            .tasks
                            .push(prose_task(rules::first_sentence(text, 120), *line));
                    }
                }
                Entry::Code(code, fence) if fence.shell && !introduced => {
                    if let Some(command) = first_command(code) {
                        task_rule.push((p, fence.line, TaskRule::Commands));
                        phases[p].tasks.push(prose_task(command, fence.line));
                    }
                }
                _ => introduced = false,
            }
        }
    }
    for (i, it) in items.iter().enumerate().filter(|&(i, _)| is_task[i]) {
        let p = step_phase[i].unwrap_or_else(|| phase_index(owner(it.heading)));
        task_rule.push((p, it.line, item_rule[i]));
        phases[p].tasks.push(Task {
            id: String::new(),
            text: without_joiner(it.text.trim_end_matches([':', ' '])).to_string(),
            done: it.checked == Some(true),
            depth: task_depth[i],
            owner: item_owner(i),
            run: None,
            timeout: None,
            line: it.line,
        });
    }

    // A run sheet's rows are tasks: of the stage the table is written in, else of the stage
    // whose time they fall in (the last to start no later), with the Who column as owner. In a
    // section with its own list of tasks, a table is a guide beside them (`Risk | Day | Start
    // Time`), not the steps.
    for (row, schedule) in orphans {
        if has_task_item[sec(row.section)] {
            continue;
        }
        let in_stage = owner(row.section)
            .and_then(|o| phase_of_section[o])
            .filter(|&p| Some(p) != title_phase_index);
        let by_time = || {
            let at = start_key(&schedule)?;
            let comparable: Vec<usize> = (0..phases.len())
                .filter(|&k| {
                    phases[k].kind == PhaseKind::Forward
                        && start_key(&phases[k].schedule).is_some_and(|s| s.0 == at.0)
                })
                .collect();
            comparable
                .iter()
                .copied()
                .rfind(|&k| start_key(&phases[k].schedule).is_some_and(|s| s.1 <= at.1))
                .or(comparable.first().copied())
        };
        // A table of times outside every stage that no stage's time takes in (maintenance
        // windows beside untimed steps) stays text.
        let Some(p) = in_stage.or_else(by_time) else {
            continue;
        };
        task_rule.push((p, row.line, TaskRule::ScheduleRows));
        phases[p].tasks.push(Task {
            id: String::new(),
            text: row.name.trim().to_string(),
            done: false,
            depth: 0,
            owner: row.who,
            run: None,
            timeout: None,
            line: row.line,
        });
    }
    for phase in &mut phases {
        phase.tasks.sort_by_key(|t| t.line);
    }
    // Approval requirements written in prose (`All deploys to production require a code
    // reviewer to approve the changes`) gate the stage their section belongs to, else the
    // first forward stage.
    for h in 0..n {
        for e in &doc.entries[h + 1] {
            if let Entry::Para(text, line) = e
                && let Some(role) = rules::approval_requirement(text)
            {
                let o = owner(Some(h)).filter(|&x| phase_of_section[x].is_some());
                let o = o.or_else(|| {
                    (0..n).find(|&x| {
                        phase_of_section[x].is_some_and(|k| phases[k].kind == PhaseKind::Forward)
                    })
                });
                gates.push((
                    *line,
                    gate_title(&rules::first_sentence(text, 100)),
                    o,
                    vec![role],
                    "an approval requirement written in prose (its role votes)",
                ));
            }
        }
    }
    gates.sort_by_key(|g| g.0);
    // Ids, in one namespace as the TOML loader does.
    let mut ids = IdSet::new();
    for phase in &mut phases {
        phase.id = ids.claim(&slug(&phase.title));
        for task in &mut phase.tasks {
            task.id = ids.claim(&format!("{}/{}", phase.id, slug(&task.text)));
        }
    }
    let mut reasons: Vec<Reason> = Vec::new();
    let mut why_of: std::collections::HashMap<(usize, String), String> =
        std::collections::HashMap::with_capacity(phase_why.len());
    for (key, why) in phase_why {
        why_of.entry(key).or_insert(why);
    }
    for p in &phases {
        let why = why_of
            .get(&(p.line, p.title.clone()))
            .cloned()
            .unwrap_or_default();
        reasons.push(Reason {
            line: p.line,
            what: format!("phase “{}”", p.title),
            why,
        });
    }
    let mut by_phase = task_rule.clone();
    by_phase.sort_by_key(|t| (t.0, t.1));
    let grouped: Vec<(String, TaskRule, usize)> = by_phase
        .iter()
        .map(|t| (phases[t.0].title.clone(), t.2, t.1))
        .collect();
    reasons.extend(explain::task_groups(&grouped));
    for g in &gates {
        let phase = &phases[phase_index(g.2)].title;
        let voters = if g.3.is_empty() {
            "no voters named: anyone with a role decides".to_string()
        } else {
            format!("voters {}", g.3.join(", "))
        };
        reasons.push(Reason {
            line: g.0,
            what: format!("gate “{}” before “{phase}”", g.1),
            why: format!("{}; {voters}", g.4),
        });
    }
    let gates: Vec<Gate> = gates
        .into_iter()
        .map(|(line, title, o, voters, _)| Gate {
            id: ids.claim(&slug(&title)),
            phase: phases[phase_index(o)].id.clone(),
            title,
            voters: dedup(voters),
            rule: crate::plan::PollRule::default(),
            hold_before: None,
            line,
        })
        .collect();
    // Triggers: (line, text), from trigger items, from the conditions that open a rollback
    // section's lists (`If Deployment Fails:`), and from its decision trees.
    let mut trigger_texts: Vec<(usize, String, &str)> = items
        .iter()
        .enumerate()
        .filter(|&(i, it)| is_trigger[i] && !it.text.is_empty())
        .map(|(i, it)| {
            let why = if criterion[i] {
                "a success criterion for moving on to the next stage (`… before advancing rollout`): missing it is a trigger, its comparison reversed"
            } else if rules::is_rollback_condition(&it.text) && it.parent.is_some() {
                "an item that says to roll back if something happens"
            } else if !it.heading.is_some_and(|h| trigger_ctx[h])
                && !it.lead.as_deref().is_some_and(rules::is_trigger_lead)
                && !rules::is_rollback_condition(&it.text)
            {
                "an item that says what to do if something goes wrong (If … fails, stop …; postpone if …)"
            } else {
                "an item under a rollback-trigger heading or lead-in (Rollback Triggers, When to Rollback, Rollback if:)"
            };
            let text = if criterion[i] {
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
            && rollback[h]
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
    for h in (0..n).filter(|&h| rollback[h] && !trigger_ctx[h]) {
        for e in &doc.entries[h + 1] {
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
                let table = &doc.tables[*t];
                for (r, row) in table.rows.iter().enumerate().skip(1) {
                    if row.len() >= 2
                        && row[1..]
                            .iter()
                            .any(|c| rules::names_rollback(&super::norm(c)))
                        && !rules::names_rollback(&super::norm(&row[0]))
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
    trigger_texts.extend(prose_triggers);
    let criterion_lines: std::collections::HashSet<usize> = items
        .iter()
        .enumerate()
        .filter(|&(i, _)| criterion[i])
        .map(|(_, it)| it.line)
        .collect();
    trigger_texts.sort_by_key(|t| t.0);
    for t in &trigger_texts {
        reasons.push(Reason {
            line: t.0,
            what: format!("trigger “{}”", t.1),
            why: t.2.to_string(),
        });
    }
    let triggers: Vec<Trigger> = trigger_texts
        .into_iter()
        .map(|(line, text, _)| Trigger {
            id: ids.claim(&slug(&text)),
            threshold: threshold::parse(&text).map(|t| {
                if criterion_lines.contains(&line) {
                    t.missed()
                } else {
                    t
                }
            }),
            text,
            metric: None,
            when: None,
            baseline: None,
            action: crate::plan::TriggerAction::Announce,
            countdown: None,
            line,
        })
        .collect();
    let roles = crate::plan::Roles::from_names(gates.iter().flat_map(|g| g.voters.clone()));

    let taken = |i: usize| is_task[i] || is_trigger[i] || is_item_gate[i];
    // Sections that yielded nothing, and why their text stayed text.
    let mut yielded = vec![false; n];
    for (i, it) in items.iter().enumerate() {
        if let Some(h) = it.heading
            && taken(i)
        {
            yielded[h] = true;
        }
    }
    let marked_lines = task_rule
        .iter()
        .map(|t| t.1)
        .chain(gates.iter().map(|g| g.line))
        .chain(triggers.iter().map(|t| t.line));
    for line in marked_lines {
        // Headings are in line order: the section a line is in is the last heading at or
        // above it.
        if let Some(h) = heads.partition_point(|x| x.line <= line).checked_sub(1) {
            yielded[h] = true;
        }
    }
    for h in (0..n).filter(|&h| !is_title(h) && !yielded[h] && phase_of_section[h].is_none()) {
        let entries = &doc.entries[h + 1];
        if entries.is_empty() {
            continue;
        }
        let has = |f: &dyn Fn(&Entry) -> bool| entries.iter().any(f);
        let why = if notes_ctx[h] {
            "notes, criteria or troubleshooting: its numbered lists are points to read, not steps"
        } else if rules::is_reference_heading(&heads[h].text) {
            "reference text (scope, team, contacts, risks, success criteria…), not a stage"
        } else if entries.iter().all(|e| matches!(e, Entry::Code(..))) {
            "only code blocks: commands are shown as text; write a step before each (`1. Run …`)"
        } else if has(&|e| matches!(e, Entry::Item(_))) {
            "plain bullets outside a timed stage are text: write `- [ ]` or a numbered list to make them tasks"
        } else if has(&|e| matches!(e, Entry::Table(_))) {
            "a table that is not a schedule (no When/Date/Time/Offset column naming stages) or a sign-off"
        } else {
            "prose only: no checklist, numbered steps, time or go/no-go"
        };
        reasons.push(Reason {
            line: heads[h].line,
            what: format!("left as text: “{}”", clean::title(&heads[h].text)),
            why: why.to_string(),
        });
    }
    reasons.sort_by_key(|r| r.line);
    let sections = sections::sections(doc, taken, &nest);

    let plan = Plan {
        title,
        t0: meta.t0,
        zones: meta.zones,
        rollback_window: meta.rollback_window,
        roles,
        lead: None,
        phases,
        gates,
        triggers,
        checks: Vec::new(),
        metrics: Vec::new(),
        notify: None,
        sections,
        journal: None,
    };
    if plan.task_count() == 0 {
        warnings.add(
            0,
            "no tasks found: the plan loads, but there is nothing to tick; write checklist items as `- [ ] …` (numbered steps count too, in a section without a checklist)",
        );
    }
    Built {
        plan,
        warnings: warnings.list,
        reasons,
    }
}

/// A gate as found: (line, title, the section that owns it, voters, why it is a gate).
type GateFound = (usize, String, Option<usize>, Vec<String>, &'static str);

/// What [`build`] makes of a document.
pub struct Built {
    /// The plan.
    pub plan: Plan,
    /// What the importer had to guess or leave out.
    pub warnings: Vec<Diagnostic>,
    /// Why each part was read as it was ([`explain`]).
    pub reasons: Vec<Reason>,
}

/// Moves every phase index at or after `at` one place on, for a phase inserted at `at`.
fn make_room(at: usize, indexes: &mut [Option<usize>]) {
    for k in indexes.iter_mut().flatten() {
        if *k >= at {
            *k += 1;
        }
    }
}

/// A top-level task read from prose (a sub-heading or an instruction paragraph) at `line`:
/// open, no owner, no command.
/// An item without the word that joins it to the next (`Roll back and reconcile the data, or`
/// then `Carry on and fix forward`): each is a step of its own.
fn without_joiner(text: &str) -> &str {
    let t = text.trim_end();
    match t.strip_suffix(", or").or_else(|| t.strip_suffix(", and")) {
        Some(rest) => rest.trim_end(),
        None => t.strip_suffix(';').unwrap_or(t).trim_end(),
    }
}

fn prose_task(text: String, line: usize) -> Task {
    Task {
        id: String::new(),
        text,
        done: false,
        depth: 0,
        owner: None,
        run: None,
        timeout: None,
        line,
    }
}

/// True when `text` is nothing but a time (`T-1 Days`): a date in a list, not work.
fn only_time(text: &str) -> bool {
    crate::plan::schedule::find(text).is_some_and(|f| {
        !format!("{}{}", &text[..f.span.start], &text[f.span.end..])
            .chars()
            .any(char::is_alphanumeric)
    })
}

/// A planned start to order phases by, within one kind of schedule: (0, Unix seconds) for an
/// absolute window, (1, seconds from T-0) for an offset.
/// Whether a stage name holds a percentage (`Launch to 25%`, `50 %`): a step of a staged
/// rollout.
fn names_a_percentage(name: &str) -> bool {
    let b = name.as_bytes();
    (0..b.len()).any(|k| {
        b[k] == b'%' && {
            let before = name[..k].trim_end();
            before.ends_with(|c: char| c.is_ascii_digit())
        }
    })
}

fn start_key(s: &Schedule) -> Option<(u8, i64)> {
    match *s {
        Schedule::At { start, .. } => Some((0, start.timestamp())),
        Schedule::Offset { start_s, .. } => Some((1, start_s)),
        // Five working days a week: near enough to order by.
        Schedule::WorkingDays { start_days, .. } => Some((1, start_days * 7 / 5 * 86_400)),
        Schedule::None | Schedule::Length { .. } => None,
    }
}

/// A phase's title: its heading without the time window; the whole heading when the window is
/// all there is (`T-14 Days`).
fn phase_title(heads: &[Heading], found: &[Option<Found>], h: usize) -> String {
    let text = &heads[h].text;
    let Some(f) = &found[h] else {
        return clean::title(text);
    };
    // A bracketed qualifier or a leading clock time is removed once applied; a window written
    // in words (`T-14 Days`, `Release Day`, `~ 1 week before the release`) is the title's
    // own wording, so it stays.
    let written = &text[f.span.clone()];
    if !(written.starts_with(['(', '[']) || written.starts_with(|c: char| c.is_ascii_digit())) {
        return clean::title(text);
    }
    let rest = format!("{} {}", &text[..f.span.start], &text[f.span.end..]);
    let t = clean::title(&rest);
    if t.chars().any(char::is_alphanumeric) {
        t
    } else {
        clean::title(text)
    }
}

/// A gate's title: the decision's name before a colon (`Go / No-Go: should generally be clear…`
/// → `Go / No-Go`), else the whole text.
fn gate_title(text: &str) -> String {
    match text.split_once(':') {
        Some((head, _)) if rules::is_gate_text(head) => clean::title(head),
        _ => clean::title(text),
    }
}

/// `title:` (else `name:`) of YAML front matter, unquoted and cleaned.
fn front_matter_title(fm: &str) -> Option<String> {
    ["title", "name"].into_iter().find_map(|key| {
        fm.lines().find_map(|line| {
            let v = line.strip_prefix(key)?.trim_start().strip_prefix(':')?;
            let v = clean::title(v.trim().trim_matches(['\'', '"']));
            (!v.is_empty()).then_some(v)
        })
    })
}

fn file_title(file: &Path) -> String {
    let stem = file
        .file_stem()
        .map(|s| clean::title(&s.to_string_lossy()))
        .unwrap_or_default();
    if stem.is_empty() {
        "Untitled plan".to_string()
    } else {
        stem
    }
}

fn dedup(v: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for s in v {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The first command of a shell block, as a step's text: its first line that is not a
/// comment, a bare assignment or an `echo`, without a `$ ` prompt, shortened to about 100 characters.
/// `None` when the block holds only comments and assignments: that is a settings file
/// (`DATABASE_URL=…` in a ```` ```bash ```` fence), not a step (`export NAME=…` is a
/// command); `None` too for a script file's text (`#!/bin/bash` first), which the plan shows
/// rather than asks to type.
fn first_command(code: &str) -> Option<String> {
    if code.trim_start().starts_with("#!") {
        return None;
    }
    let assignment = |l: &str| {
        l.split_once('=').is_some_and(|(name, _)| {
            !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    };
    let line = code.lines().map(str::trim).find(|l| {
        !l.is_empty()
                && !l.starts_with('#')
                && !l.starts_with("//")
                && !assignment(l)
                // `echo "Capturing baselines..."` only tells the operator what is happening.
                && !l.starts_with("echo ")
                && !l.starts_with("printf ")
    })?;
    let line = line
        .strip_prefix("$ ")
        .unwrap_or(line)
        .trim_end_matches('\\')
        .trim();
    let mut text: String = line.chars().take(100).collect();
    if line.chars().count() > 100 {
        text.push('…');
    }
    (!text.is_empty()).then_some(text)
}
