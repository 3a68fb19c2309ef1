//! The phases' tasks: sub-headings as steps, a prose rollback's actions, instruction
//! paragraphs and their commands, the task items, and run-sheet rows.

use crate::plan::PhaseKind;
use crate::plan::Task;
use crate::plan::clean;
use crate::plan::markdown::announce;
use crate::plan::markdown::build::items::Items;
use crate::plan::markdown::build::outline::{Outline, sec};
use crate::plan::markdown::build::phases::Layout;
use crate::plan::markdown::build::stage_map::StageMap;
use crate::plan::markdown::build::words::{first_command, prose_task, start_key, without_joiner};
use crate::plan::markdown::explain::TaskRule;
use crate::plan::markdown::scan::Entry;
use crate::plan::markdown::{prose, rules};

/// Fills the phases of `layout` with their tasks, each phase's in line order; returns, for
/// `validate --explain`, (phase index, line, rule) of every task.
#[allow(clippy::too_many_lines)] // one pass per way a plan writes its work, each commented
pub fn fill(
    o: &Outline,
    r: &Items,
    sm: &StageMap,
    layout: &mut Layout,
) -> Vec<(usize, usize, TaskRule)> {
    let (heads, items) = (o.heads, &o.doc.items);
    // Steps a stage came with (a notice's announcing item is its stage's step).
    let mut task_rule: Vec<(usize, usize, TaskRule)> = layout
        .phases
        .iter()
        .enumerate()
        .flat_map(|(k, ph)| {
            ph.tasks
                .iter()
                .map(move |t| (k, t.line, TaskRule::Paragraphs))
        })
        .collect();
    // Sub-headings as steps: of a stage written as prose sub-headings, and, in a rollback
    // stage, the prose alternatives beside its lists (`Scaling Out`, `Retrospective`).
    let heading_step = |c: usize| {
        let text = match o.doc.entries[c + 1].iter().find_map(|e| match e {
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
    for h in 0..o.n {
        let Some(p) = layout.of_section[h] else {
            continue;
        };
        let prose_children = layout.is_heading_steps[h] || o.rollback[h];
        if !prose_children {
            continue;
        }
        for &c in o.sub_heads[h].iter().filter(|&&c| {
            // `### Check the dependencies for unreleased code` says what to do: a step, though
            // it names a reference topic.
            !layout.owns_below[c]
                && !o.trigger_ctx[c]
                && (!rules::is_reference_heading(&heads[c].text)
                    || rules::is_instruction(&heads[c].text))
        }) {
            layout.phases[p].tasks.push(heading_step(c));
            task_rule.push((p, heads[c].line, TaskRule::Headings));
        }
    }
    // A rollback written as prose: its plain bullets and the sentences that say what will be
    // done are its steps (`the rollback plan is to point our CDN back…`, `we can destroy the
    // cluster and recreate it`); its conditions are triggers (below).
    for &h in &layout.prose_rollback {
        let Some(p) = layout.of_section[h] else {
            continue;
        };
        if r.has_task_item[h + 1] {
            continue;
        }
        for e in &o.doc.entries[h + 1] {
            match *e {
                Entry::Item(i)
                    if items[i].parent.is_none()
                        && !r.is_task[i]
                        && !r.is_trigger[i]
                        && !items[i].quoted =>
                {
                    let text = without_joiner(&items[i].text);
                    task_rule.push((p, items[i].line, TaskRule::RollbackProse));
                    layout.phases[p]
                        .tasks
                        .push(prose_task(text.to_string(), items[i].line));
                }
                Entry::Para(ref text, line) => {
                    for action in prose::sentences(text).filter_map(prose::rollback_action) {
                        task_rule.push((p, line, TaskRule::RollbackProse));
                        layout.phases[p].tasks.push(prose_task(action, line));
                    }
                }
                _ => {}
            }
        }
    }
    // Instructions written as paragraphs (`Send a PR to bump the version…`) in a timed stage
    // that has no list of steps.
    for h in (0..o.n).filter(|&h| {
        !r.has_task_item[h + 1]
            && (o.timed_section(Some(h)) || o.listed_section(Some(h)))
            && !o.notes_ctx[h]
            && !o.trigger_ctx[h]
    }) {
        let p = layout.index(sm.stage(o, Some(h)));
        // A block of commands is a step of its own unless the instruction paragraph just
        // before it already is that step (`After that, tag it:` then ```` ```shell ````).
        let mut introduced = false;
        for e in &o.doc.entries[h + 1] {
            match e {
                Entry::Para(text, line) => {
                    introduced = rules::is_instruction(text);
                    if introduced {
                        task_rule.push((p, *line, TaskRule::Paragraphs));
                        layout.phases[p]
                            .tasks
                            .push(prose_task(rules::first_sentence(text, 120), *line));
                    }
                }
                Entry::Code(code, fence) if fence.shell && !introduced => {
                    if let Some(command) = first_command(code) {
                        task_rule.push((p, fence.line, TaskRule::Commands));
                        layout.phases[p].tasks.push(prose_task(command, fence.line));
                    }
                }
                _ => introduced = false,
            }
        }
    }
    for (i, it) in items.iter().enumerate().filter(|&(i, _)| r.is_task[i]) {
        let p = layout.step_phase[i].unwrap_or_else(|| layout.index(sm.stage(o, it.heading)));
        task_rule.push((p, it.line, r.item_rule[i]));
        layout.phases[p].tasks.push(Task {
            id: String::new(),
            text: without_joiner(it.text.trim_end_matches([':', ' '])).to_string(),
            done: it.checked == Some(true),
            depth: r.task_depth[i],
            owner: r.owner(o, i),
            run: None,
            timeout: None,
            line: it.line,
        });
    }

    // A run sheet's rows are tasks: of the stage the table is written in, else of the stage
    // whose time they fall in (the last to start no later), with the Who column as owner. In a
    // section with its own list of tasks, a table is a guide beside them (`Risk | Day | Start
    // Time`), not the steps.
    for (row, schedule) in std::mem::take(&mut layout.orphans) {
        if r.has_task_item[sec(row.section)] {
            continue;
        }
        let in_stage = sm
            .stage(o, row.section)
            .and_then(|o| layout.of_section[o])
            .filter(|&p| Some(p) != layout.title_index);
        let by_time = || {
            let at = start_key(&schedule)?;
            let comparable: Vec<usize> = (0..layout.phases.len())
                .filter(|&k| {
                    layout.phases[k].kind == PhaseKind::Forward
                        && start_key(&layout.phases[k].schedule).is_some_and(|s| s.0 == at.0)
                })
                .collect();
            comparable
                .iter()
                .copied()
                .rfind(|&k| start_key(&layout.phases[k].schedule).is_some_and(|s| s.1 <= at.1))
                .or(comparable.first().copied())
        };
        // A table of times outside every stage that no stage's time takes in (maintenance
        // windows beside untimed steps) stays text.
        let Some(p) = in_stage.or_else(by_time) else {
            continue;
        };
        task_rule.push((p, row.line, TaskRule::ScheduleRows));
        layout.phases[p].tasks.push(Task {
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
    for phase in &mut layout.phases {
        phase.tasks.sort_by_key(|t| t.line);
    }
    // A notice's work is the sentence that announces it (`the controller will be restarted to
    // upgrade the datadog plugin`), when nothing else says what to do.
    if let (Some(p), Some(a)) = (layout.title_index, &o.announced)
        && layout.phases.len() == 1
        && layout.phases[p].tasks.is_empty()
        && layout.phases[p].schedule == a.schedule
    {
        task_rule.push((p, a.line, TaskRule::Paragraphs));
        layout.phases[p]
            .tasks
            .push(prose_task(a.text.clone(), a.line));
    }
    // A notice whose work no one sentence announces (its window is in its title, or not
    // placed in time): each sentence of its opening text that says what will be done is a step
    // (`Starting at 14h00 EDT, the tool will shut down through the maintenance splash page`).
    if let Some(p) = layout.title_index
        && layout.phases.len() == 1
        && layout.phases[p].tasks.is_empty()
    {
        // The opening text without the title heading itself.
        let title_text = usize::from(o.title_heading.is_some());
        for (text, line) in announce::opening(o.doc, o.title_heading)
            .into_iter()
            .skip(title_text)
        {
            for sentence in prose::sentences(text).filter(|s| announce::says_to_come(s)) {
                task_rule.push((p, line, TaskRule::Paragraphs));
                layout.phases[p]
                    .tasks
                    .push(prose_task(sentence.to_string(), line));
            }
        }
    }
    task_rule
}
