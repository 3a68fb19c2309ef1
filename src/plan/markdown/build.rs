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

mod contingency;
mod gates;
mod items;
mod outline;
mod phases;
mod stage_map;
mod tasks;
mod triggers;
mod unread;
mod words;

use super::explain::{Reason, TaskRule};
use super::meta::Meta;
use super::scan::Doc;
use super::{Warnings, explain, rules, sections};
use crate::plan::ids::{IdSet, slug};
use crate::plan::{Diagnostic, Gate, Plan, Trigger, threshold};
use items::Items;
use outline::Outline;
use phases::Layout;
use stage_map::StageMap;
use words::dedup;

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
    let (o, unnamed) = Outline::read(doc, &meta, file, loose, &mut warnings);
    let r = Items::classify(&o);
    let sm = StageMap::find(&o, &r);
    let (mut gates, prose_triggers) = gates::gates(&o, &r, &sm);
    let mut found_triggers = triggers::triggers(&o, &r, prose_triggers);
    let mut layout = phases::lay_out(&o, &r, &sm, &gates, unnamed);
    let mut task_rule = tasks::fill(&o, &r, &sm, &mut layout);
    // A plan with no stage of its own may still say how it is undone, in a sentence.
    if layout.phases.len() == 1
        && layout.title_index.is_some()
        && let Some((phase, conditions)) = contingency::contingency(&o)
    {
        let at = layout.phases.len();
        layout.why.push((
            (phase.line, phase.title.clone()),
            "the rollback a notice writes as a sentence (`If … goes wrong, we'll restore the backup and …`)".into(),
        ));
        task_rule.extend(
            phase
                .tasks
                .iter()
                .map(|t| (at, t.line, TaskRule::RollbackProse)),
        );
        layout.phases.push(phase);
        // `If we're not happy with things by 20:30, …`: at that time the lead decides.
        for (line, condition, _) in &conditions {
            if crate::plan::schedule::first_clock(condition).is_some() {
                gates.push((
                    *line,
                    crate::plan::clean::title(condition),
                    None,
                    Vec::new(),
                    "a notice's contingency that names a time (`If we're not happy by 20:30, …`): the go/no-go at that time",
                ));
            }
        }
        found_triggers.extend(conditions);
        found_triggers.sort_by_key(|t| t.0);
    }
    layout.put_in_time_order(&mut task_rule);
    gates.extend(gates::prose_approvals(&o, &sm, &layout));
    gates.sort_by_key(|g| g.0);

    // Ids, in one namespace as the TOML loader does.
    let mut ids = IdSet::new();
    for phase in &mut layout.phases {
        phase.id = ids.claim(&slug(&phase.title));
        for task in &mut phase.tasks {
            task.id = ids.claim(&format!("{}/{}", phase.id, slug(&task.text)));
        }
    }
    let mut reasons = phase_reasons(&layout, &task_rule);
    for g in &gates {
        let phase = &layout.phases[layout.index(g.2)].title;
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
        .map(|(line, title, s, voters, _)| Gate {
            id: ids.claim(&slug(&title)),
            phase: layout.phases[layout.index(s)].id.clone(),
            title,
            voters: dedup(voters),
            rule: crate::plan::PollRule::default(),
            hold_before: None,
            line,
        })
        .collect();
    // A success criterion's threshold is a trigger when missed: its comparison reversed.
    let criterion_lines: std::collections::HashSet<usize> = doc
        .items
        .iter()
        .enumerate()
        .filter(|&(i, _)| r.criterion[i])
        .map(|(_, it)| it.line)
        .collect();
    for t in &found_triggers {
        reasons.push(Reason {
            line: t.0,
            what: format!("trigger “{}”", t.1),
            why: t.2.to_string(),
        });
    }
    let triggers: Vec<Trigger> = found_triggers
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
    let marked_lines = task_rule
        .iter()
        .map(|t| t.1)
        .chain(gates.iter().map(|g| g.line))
        .chain(triggers.iter().map(|t| t.line));
    reasons.extend(unread::left_as_text(
        &o,
        &r,
        &layout.of_section,
        marked_lines,
    ));
    reasons.sort_by_key(|r| r.line);
    let sections = sections::sections(doc, |i| r.taken(i), &r.nest);

    let plan = Plan {
        title: o.title,
        t0: meta.t0,
        zones: meta.zones,
        rollback_window: meta.rollback_window,
        roles,
        lead: None,
        phases: layout.phases,
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

/// Why each phase is one, and how each phase's tasks were read (`validate --explain`).
fn phase_reasons(layout: &Layout, task_rule: &[(usize, usize, TaskRule)]) -> Vec<Reason> {
    let mut why_of: std::collections::HashMap<&(usize, String), &String> =
        std::collections::HashMap::with_capacity(layout.why.len());
    for (key, why) in &layout.why {
        why_of.entry(key).or_insert(why);
    }
    let mut reasons: Vec<Reason> = layout
        .phases
        .iter()
        .map(|p| Reason {
            line: p.line,
            what: format!("phase “{}”", p.title),
            why: why_of
                .get(&(p.line, p.title.clone()))
                .map(|w| (*w).clone())
                .unwrap_or_default(),
        })
        .collect();
    let mut by_phase = task_rule.to_vec();
    by_phase.sort_by_key(|t| (t.0, t.1));
    let grouped: Vec<(String, TaskRule, usize)> = by_phase
        .iter()
        .map(|t| (layout.phases[t.0].title.clone(), t.2, t.1))
        .collect();
    reasons.extend(explain::task_groups(&grouped));
    reasons
}

/// What [`build`] makes of a document.
pub struct Built {
    /// The plan.
    pub plan: Plan,
    /// What the importer had to guess or leave out.
    pub warnings: Vec<Diagnostic>,
    /// Why each part was read as it was ([`explain`]).
    pub reasons: Vec<Reason>,
}
