//! Which list items are tasks, triggers, gates or labels, and who owns each task.

use crate::plan::markdown::build::outline::{Outline, sec};
use crate::plan::markdown::explain::TaskRule;
use crate::plan::markdown::scan::Entry;
use crate::plan::markdown::{prose, rules};

use super::words::only_time;

/// What each item of the document is, indexed like [`Doc::items`](crate::plan::markdown::scan::Doc);
/// per-section vectors are indexed like [`Outline::has_checklist`].
pub struct Items {
    /// A task to tick.
    pub is_task: Vec<bool>,
    /// A rollback trigger (a condition to watch), not work.
    pub is_trigger: Vec<bool>,
    /// A success criterion for moving on: a trigger when missed, its comparison reversed.
    pub criterion: Vec<bool>,
    /// The rule that made a task one (for `validate --explain`).
    pub item_rule: Vec<TaskRule>,
    /// How deep a task sits among tasks (0: top level).
    pub task_depth: Vec<usize>,
    /// How deep an item sits among items.
    pub nest: Vec<usize>,
    /// A group label (`1. Release Manager:`): names who does the steps under it.
    pub label: Vec<bool>,
    /// An item that asks for a decision (go/no-go, sign-off, approval).
    pub is_item_gate: Vec<bool>,
    /// Each item's direct sub-items.
    pub children: Vec<Vec<usize>>,
    /// By section: it holds a task item.
    pub has_task_item: Vec<bool>,
    /// By section: it holds a gate item.
    pub has_item_gate: Vec<bool>,
    /// By heading: the owner its section's `Owner:` / `Responsible:` line names.
    section_owner: Vec<Option<String>>,
}

impl Items {
    /// Classifies every item of `o.doc`.
    #[allow(clippy::too_many_lines)] // one pass of rules over each item, each rule commented
    pub fn classify(o: &Outline) -> Self {
        let (doc, n) = (o.doc, o.n);
        let items = &doc.items;
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
                && !o.is_index_section(sec(it.heading))
                && !rules::is_remark(&it.text)
                && !it.lead.as_deref().is_some_and(rules::is_remark)
                && !o.has_checklist[sec(it.heading)]
                && !it.heading.is_some_and(|h| o.notes_ctx[h])
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
                        && (it.heading.is_some_and(|h| o.trigger_ctx[h])
                            || it.lead.as_deref().is_some_and(rules::is_trigger_lead)))
                        || (it.checked.is_none()
                            && !it.ordered
                            && rules::is_rollback_condition(&it.text))
                        || (it.checked.is_none()
                            && !it.ordered
                            && !it.heading.is_some_and(|h| o.rollback[h] || o.notes_ctx[h])
                            && (o.timed_section(it.heading) || o.listed_section(it.heading))
                            && prose::stop_item(&it.text).is_some()));
            let plain_step = it
                .parent
                .is_none_or(|p| items[p].parent.is_none() && label_item(p))
                && !label_item(i)
                && !it.quoted
                && !it.ordered
                && it.checked.is_none()
                && !it.lead.as_deref().is_some_and(rules::says_what_it_will_do)
                && !o.has_checklist[sec(it.heading)]
                && !o.has_numbered[sec(it.heading)]
                // A rollback's plain bullets are its steps wherever it is written (`### Rollback
                // process` then `- Turn on the feature toggle`).
                && (o.timed_section(it.heading)
                    || o.listed_section(it.heading)
                    || it.heading.is_some_and(|h| o.rollback[h] && !o.trigger_ctx[h]))
                && !o.is_index_section(sec(it.heading))
                // Read loosely, only bullets that say what to do (`Disable chef-client.`, not a
                // list of links).
                && (!o.loose
                    || o.timed_section(it.heading)
                    || o.ancestors(it.heading).any(|x| o.listed[x])
                    || rules::is_instruction(&it.text))
                && !it.heading.is_some_and(|h| o.notes_ctx[h])
                // A stage's `#### Results` part records what happened; nobody ticks it.
                && !it.heading.is_some_and(|h| {
                    rules::is_reference_heading(&o.heads[h].text) && !o.listed[h] && !o.timed[h]
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
            is_task[i] = !is_trigger[i]
                && !filled_in
                && (it.checked.is_some() || numbered_step || plain_step);
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
        let section_owner: Vec<Option<String>> = (0..n)
            .map(|h| {
                doc.entries[h + 1].iter().find_map(|e| match e {
                    Entry::Para(p, _) => rules::owner_line(p),
                    _ => None,
                })
            })
            .collect();
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

        let mut children: Vec<Vec<usize>> = vec![Vec::new(); items.len()];
        let mut has_task_item = vec![false; n + 1];
        let mut has_item_gate = vec![false; n + 1];
        for (i, it) in items.iter().enumerate() {
            if let Some(p) = it.parent {
                children[p].push(i);
            }
            has_task_item[sec(it.heading)] |= is_task[i];
            has_item_gate[sec(it.heading)] |= is_item_gate[i];
        }
        Items {
            is_task,
            is_trigger,
            criterion,
            item_rule,
            task_depth,
            nest,
            label,
            is_item_gate,
            children,
            has_task_item,
            has_item_gate,
            section_owner,
        }
    }

    /// Who does item `i`: the role its group label names, its role tag, else the `Owner:` line
    /// of its section or an enclosing one.
    pub fn owner(&self, o: &Outline, i: usize) -> Option<String> {
        let items = &o.doc.items;
        std::iter::successors(items[i].parent, |&p| items[p].parent)
            .find(|&p| self.label[p])
            .and_then(|p| rules::label_role(&items[p].text))
            .or_else(|| rules::role_tag(&items[i].text))
            .or_else(|| {
                o.ancestors(items[i].heading)
                    .find_map(|h| self.section_owner[h].clone())
            })
    }

    /// Whether item `i` was read as anything (task, trigger or gate).
    pub fn taken(&self, i: usize) -> bool {
        self.is_task[i] || self.is_trigger[i] || self.is_item_gate[i]
    }
}
