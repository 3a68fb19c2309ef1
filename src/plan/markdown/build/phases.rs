//! The phases: sections that are stages, stages only a schedule lists, run-sheet rows that are
//! the plan's timeline, and the timed steps of a rollback, in plan and time order.

use crate::plan::markdown::build::gates::GateFound;
use crate::plan::markdown::build::items::Items;
use crate::plan::markdown::build::outline::{Outline, Unnamed};
use crate::plan::markdown::build::stage_map::StageMap;
use crate::plan::markdown::build::words::{
    make_room, names_a_percentage, phase_title, prose_task, start_key,
};
use crate::plan::markdown::rows::Row;
use crate::plan::markdown::scan::Entry;
use crate::plan::markdown::{rules, stages};
use crate::plan::{Phase, PhaseKind, Schedule, clean};

/// The plan's phases, still without tasks, and where each place of the document goes.
pub struct Layout {
    /// The phases, in order.
    pub phases: Vec<Phase>,
    /// Why each phase is one: ((line, title), reason), looked up by line and title once the
    /// phases are final.
    pub why: Vec<((usize, String), String)>,
    /// The phase each section is, by heading.
    pub of_section: Vec<Option<usize>>,
    /// The phase named after the plan's title, if there is one.
    pub title_index: Option<usize>,
    /// The rollback step phase each item belongs to, by item.
    pub step_phase: Vec<Option<usize>>,
    /// A stage whose steps are its sub-headings, by heading.
    pub is_heading_steps: Vec<bool>,
    /// Rollback procedures written as prose, at a stage's level.
    pub prose_rollback: Vec<usize>,
    /// A section that owns work itself or below it, by heading.
    pub owns_below: Vec<bool>,
    /// Run-sheet rows that are tasks, not stages.
    pub orphans: Vec<(Row, Schedule)>,
}

impl Layout {
    /// The phase a place owned by section `s` goes to (`None`: the title phase, else the
    /// first phase).
    pub fn index(&self, s: Option<usize>) -> usize {
        match s {
            Some(h) => self.of_section[h].or(self.title_index).unwrap_or(0),
            None => self.title_index.unwrap_or(0),
        }
    }
}

/// Lays out the phases of the document.
pub fn lay_out(
    o: &Outline,
    r: &Items,
    sm: &StageMap,
    gates: &[GateFound],
    unnamed: Unnamed,
) -> Layout {
    let (heads, n) = (o.heads, o.n);
    let Unnamed { mut extra, orphans } = unnamed;
    let owned = owned_sections(o, r, sm, gates);
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
    let no_stages = !owned.owns.contains(&true) && extra.is_empty();
    let (orphan_stages, orphans): (Vec<_>, Vec<_>) = orphans
        .into_iter()
        .partition(|(row, _)| no_stages || percent_rows.get(&row.group).is_some_and(|&k| k >= 2));
    let mut seen: std::collections::HashSet<String> = extra
        .iter()
        .map(|(r, _)| crate::plan::markdown::norm(&r.name))
        .collect();
    extra.extend(
        orphan_stages
            .into_iter()
            .filter(|(r, _)| seen.insert(crate::plan::markdown::norm(&r.name))),
    );
    let title_phase = owned.title_phase || (!owned.owns.contains(&true) && extra.is_empty());
    let mut phase_of_section: Vec<Option<usize>> = vec![None; n];
    let mut title_phase_index = None;
    let mut phases: Vec<Phase> = Vec::new();
    // Why each phase is one: ((line, title), reason).
    let mut phase_why: Vec<((usize, String), String)> = Vec::new();
    // (Looked up by line and title once the phases are final; see the reasons below.)
    if title_phase {
        phase_why.push((
            (o.title_heading.map_or(0, |h| heads[h].line), o.title.clone()),
            "named after the plan's title: it holds what sits outside every stage (or the plan has no other stage)".into(),
        ));
        title_phase_index = Some(0);
        // A plan with no stage of its own is a notice: the window its title gives (`… SAT MAR
        // 11 2017 11h00-19h00 EDT`), else the one its opening text announces (`On Monday,
        // September 5th at 7am UTC … will perform …`), is the phase's.
        let sole = !owned.owns.contains(&true) && extra.is_empty();
        phases.push(Phase {
            id: String::new(),
            title: o.title.clone(),
            kind: PhaseKind::Forward,
            schedule: match (&o.announced, o.title_schedule) {
                _ if !sole => Schedule::None,
                (_, s @ Schedule::At { .. }) => s,
                (Some(a), _) => a.schedule,
                (None, _) => Schedule::None,
            },
            line: o.title_heading.map_or(0, |h| heads[h].line),
            tasks: Vec::new(),
        });
    }
    for h in (0..n).filter(|&h| owned.owns[h]) {
        let mut why = if o.timed[h] {
            match &o.found[h] {
                Some(f) if f.span.is_empty() && o.lead_timed[h] => {
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
        } else if o.instructed[h] {
            "a step: its heading and most of its siblings' are instructions (`### Block deployments`, `### Start the upgrade`)".to_string()
        } else if o.event_side[h] {
            "its heading places it before or after the go-live event (`Before the release`, `After launch`): a stage, without a window".to_string()
        } else if rules::is_follow_up_heading(&heads[h].text) {
            "its heading names a check-in some time after going live (`1-week results`, `30-day review`): a stage, without a window".to_string()
        } else if o.listed[h] {
            "a step the plan lists: an index of steps links to it (`1. [Step](#step)`), or its heading numbers it among steps (`Step 2: …`, `3. …`)".to_string()
        } else if owned.is_prose_rollback[h] {
            "a rollback procedure written as prose, at a stage's level".to_string()
        } else if owned.is_heading_steps[h] {
            "a stage whose steps are its sub-headings".into()
        } else if owned.is_between[h] {
            "prose between two stages, at their level: a stage of its own".into()
        } else if owned.owns_tasks[h] {
            "a section of tasks at the level where the plan splits its work".into()
        } else if owned.loose_paragraphs[h] {
            "a section of instruction paragraphs (`Run …`, `Send …`), in a plan without checklists or numbered steps".into()
        } else {
            "holds a go/no-go gate".into()
        };
        if o.rollback[h] {
            why.push_str("; rollback: its heading or an enclosing one names a rollback, contingency, backout or fallback");
        }
        phase_why.push(((heads[h].line, phase_title(heads, &o.found, h)), why));
        phase_of_section[h] = Some(phases.len());
        phases.push(Phase {
            id: String::new(),
            title: phase_title(heads, &o.found, h),
            kind: if o.rollback[h] {
                PhaseKind::Rollback
            } else {
                PhaseKind::Forward
            },
            schedule: o.schedules[h],
            line: heads[h].line,
            tasks: Vec::new(),
        });
    }
    // Stages only a schedule lists: after the last stage that starts no later, else before the
    // first that starts later (`T-7d: Planning` ahead of `## Preparation (T-1)`).
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
            .map(|k| k + 1)
            .or_else(|| {
                phases.iter().position(|p| {
                    p.kind == PhaseKind::Forward
                        && start_key(&p.schedule)
                            .zip(start)
                            .is_some_and(|(a, b)| a.0 == b.0)
                })
            })
            .unwrap_or(phases.len());
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
                tasks: if row.step {
                    vec![prose_task(row.name.clone(), row.line)]
                } else {
                    Vec::new()
                },
            },
        );
    }
    let mut layout = Layout {
        phases,
        why: phase_why,
        of_section: phase_of_section,
        title_index: title_phase_index,
        step_phase: Vec::new(),
        is_heading_steps: owned.is_heading_steps,
        prose_rollback: owned.prose_rollback,
        owns_below: owned.owns_below,
        orphans,
    };
    rollback_steps(o, r, sm, &mut layout);
    layout
}

/// The sections that are stages, and why.
struct Owned {
    /// A section that is a stage of its own.
    owns: Vec<bool>,
    /// Some work sits outside every stage: the plan's title names a phase for it.
    title_phase: bool,
    /// Read loosely, a section whose work is instruction paragraphs.
    loose_paragraphs: Vec<bool>,
    /// A section that owns work itself or below it.
    owns_below: Vec<bool>,
    /// A rollback procedure written as prose, at a stage's level.
    prose_rollback: Vec<usize>,
    is_prose_rollback: Vec<bool>,
    /// A stage whose steps are its sub-headings.
    is_heading_steps: Vec<bool>,
    /// Prose between two stages, at their level.
    is_between: Vec<bool>,
    /// A stage that owns tasks.
    owns_tasks: Vec<bool>,
}

/// Finds the sections that are stages: those that own tasks or gates, timed sections with no
/// timed part, stages written as sub-headings, listed steps, prose between stages and
/// rollback procedures written as prose.
fn owned_sections(o: &Outline, r: &Items, sm: &StageMap, gates: &[GateFound]) -> Owned {
    let (heads, n, items) = (o.heads, o.n, &o.doc.items);
    let is_title = |h: usize| o.is_title(h);
    let mut owns = vec![false; n];
    let mut title_phase = false;
    let mut mark = |o: Option<usize>| match o {
        Some(h) => owns[h] = true,
        None => title_phase = true,
    };
    for (i, it) in items.iter().enumerate() {
        if r.is_task[i] {
            mark(sm.stage(o, it.heading));
        }
    }
    for g in gates {
        mark(g.2);
    }
    // Read loosely, a section whose work is instruction paragraphs (`Run this command…`) is a
    // stage too: its paragraphs are its tasks (below).
    let mut loose_paragraphs = vec![false; n];
    for h in (0..n).filter(|&h| o.loose_section(h) && !o.notes_ctx[h] && !o.trigger_ctx[h]) {
        if !r.has_task_item[h + 1]
            && o.doc.entries[h + 1]
                .iter()
                .any(|e| matches!(e, Entry::Para(t, _) if rules::is_instruction(t)))
            && let Some(s) = sm.stage(o, Some(h))
        {
            loose_paragraphs[s] = true;
            mark(Some(s));
        }
    }
    for (h, own) in owns.iter_mut().enumerate() {
        *own |= o.timed[h] && !o.timed_below[h];
    }
    let owns_below = o
        .below(&sm.owns_direct)
        .iter()
        .zip(&sm.owns_direct)
        .map(|(b, o)| *b || *o)
        .collect::<Vec<bool>>();
    let heading_steps = stages::heading_steps(
        heads,
        &o.sub_heads,
        sm.containers(),
        &owns_below,
        &o.timed,
        &is_title,
    );
    for &h in &heading_steps {
        owns[h] = true;
    }
    for h in (0..n).filter(|&h| o.listed[h]) {
        if let Some(o) = sm.stage(o, Some(h)) {
            owns[o] = true;
        }
    }
    let between = stages::between(heads, &o.sub_heads, &owns, sm.containers(), &is_title);
    for &h in &between {
        owns[h] = true;
    }
    // A rollback procedure at a stage's level shows on the timeline even when it is prose
    // (`## Rollback Procedure (or lack thereof)`): the lead starts the rollback from it.
    // (Rollback alternatives are listed steps, above: prose ones are found here too.)
    let prose_rollback: Vec<usize> = (0..n)
        .filter(|&h| {
            (!owns[h] || o.listed[h])
                && !o.is_title(h)
                && o.rollback[h]
                && (rules::is_rollback_heading(&heads[h].text) || o.listed[h])
                && !o.trigger_ctx[h]
                && sm.stage(o, Some(h)) == Some(h)
                && !o.doc.entries[h + 1].is_empty()
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
            if r.is_task[i]
                && let Some(s) = sm.stage(o, it.heading)
            {
                v[s] = true;
            }
        }
        v
    };
    Owned {
        owns,
        title_phase,
        loose_paragraphs,
        owns_below,
        prose_rollback,
        is_prose_rollback,
        is_heading_steps,
        is_between,
        owns_tasks,
    }
}

/// Timed steps of a rollback procedure: a plain top-level item with a length and tasks under
/// it (`1. **Decision** (5 minutes)` then `- [ ] …`) is a rollback step of its own, right after
/// its section's phase, so the rollback runs step by step against budgets.
fn rollback_steps(o: &Outline, r: &Items, sm: &StageMap, layout: &mut Layout) {
    let items = &o.doc.items;
    let Layout {
        phases,
        why: phase_why,
        of_section: phase_of_section,
        title_index: title_phase_index,
        step_phase,
        ..
    } = layout;
    *step_phase = vec![None; items.len()];
    let mut steps: Vec<(usize, Phase)> = Vec::new();
    for (i, it) in items.iter().enumerate() {
        let in_rollback = it.heading.is_some_and(|h| o.rollback[h]);
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
            .any(|j| r.is_task[j]);
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
            let host = phase_of_section[sm.stage(o, items[item].heading).unwrap_or(0)]
                .or(*title_phase_index)
                .unwrap_or(0);
            let at = (host + 1..phases.len())
                .find(|&k| phases[k].kind != PhaseKind::Rollback || phases[k].line > phase.line)
                .unwrap_or(phases.len());
            make_room(at, phase_of_section);
            make_room(at, std::slice::from_mut(title_phase_index));
            make_room(at, step_phase);
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
}

impl Layout {
    /// Puts the timed stages in time order where the document wrote them otherwise (a
    /// schedule newest first: `18.05`, `18.02`, `17.11`), so `n` walks the plan as it happens
    /// (issue rule 2). Each timed forward phase moves with the untimed and rollback phases
    /// written after it; phases before the first timed one stay first. Only starts of one
    /// kind (all dated, or all offsets from T-0) are compared, and only windows that do not
    /// overlap once sorted are moved; the sort is stable. `task_rule`
    /// holds phase indexes (for `validate --explain`) and is renumbered with them.
    pub fn put_in_time_order(
        &mut self,
        task_rule: &mut [(usize, usize, crate::plan::markdown::explain::TaskRule)],
    ) {
        let keys: Vec<Option<(u8, i64)>> = self
            .phases
            .iter()
            .map(|p| {
                (p.kind == PhaseKind::Forward)
                    .then(|| start_key(&p.schedule))
                    .flatten()
            })
            .collect();
        let Some(first) = keys.iter().position(Option::is_some) else {
            return;
        };
        let kinds: Vec<u8> = keys.iter().flatten().map(|k| k.0).collect();
        if kinds.windows(2).any(|w| w[0] != w[1]) {
            return;
        }
        // Blocks: (start, phase indexes), each opened by a timed forward phase.
        let mut blocks: Vec<(i64, Vec<usize>)> = Vec::new();
        for (k, key) in keys.iter().enumerate().skip(first) {
            match key {
                Some((_, at)) => blocks.push((*at, vec![k])),
                None => blocks
                    .last_mut()
                    .expect("opened by the first timed phase")
                    .1
                    .push(k),
            }
        }
        if blocks.windows(2).all(|w| w[0].0 <= w[1].0) {
            return;
        }
        blocks.sort_by_key(|b| b.0);
        // Stages whose windows overlap (a monitoring period written after the steps it
        // watches) have no one time order: the document's stands.
        let end = |k: usize| match self.phases[k].schedule {
            Schedule::At { end, .. } => end.timestamp(),
            Schedule::Offset { end_s, .. } => end_s,
            Schedule::WorkingDays { end_days, .. } => end_days * 7 / 5 * 86_400,
            Schedule::None | Schedule::Length { .. } => i64::MIN,
        };
        if blocks.windows(2).any(|w| end(w[0].1[0]) > w[1].0) {
            return;
        }
        let order: Vec<usize> = (0..first)
            .chain(blocks.into_iter().flat_map(|b| b.1))
            .collect();
        let mut new_of_old = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_of_old[old] = new;
        }
        let mut old: Vec<Option<Phase>> = std::mem::take(&mut self.phases)
            .into_iter()
            .map(Some)
            .collect();
        self.phases = order
            .iter()
            .map(|&k| old[k].take().expect("each phase once"))
            .collect();
        let renumber = |x: &mut usize| *x = new_of_old[*x];
        for x in self
            .of_section
            .iter_mut()
            .chain(self.step_phase.iter_mut())
            .chain(std::iter::once(&mut self.title_index))
            .flatten()
        {
            renumber(x);
        }
        for t in task_rule.iter_mut() {
            renumber(&mut t.0);
        }
    }
}
