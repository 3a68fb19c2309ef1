//! Which section's phase each place of the document belongs to, once the items are read: the
//! sections that own work, the go/no-go headings, and the containers that split their work
//! into stages.

use crate::plan::markdown::build::items::Items;
use crate::plan::markdown::build::outline::Outline;
use crate::plan::markdown::{rules, stages};

/// The sections that own work and the gate headings, by heading index.
pub struct StageMap {
    /// A go/no-go, approval or sign-off heading, or a check step that says to roll back if it
    /// fails.
    pub gate_heading: Vec<bool>,
    /// A heading with a gate heading somewhere below it.
    pub gate_below: Vec<bool>,
    /// A section that holds tasks or gate items itself, is a gate stage or is listed.
    pub owns_direct: Vec<bool>,
    /// A section that splits its work in time: its sub-sections are the stages.
    containers: Vec<bool>,
}

impl StageMap {
    /// Finds the gate headings and the sections that own work.
    pub fn find(o: &Outline, it: &Items) -> Self {
        let (heads, n, items) = (o.heads, o.n, &o.doc.items);
        // A step that says what to do when it fails (`### Service team check the app works`
        // then `- if not ok, follow the rollback procedure`) is a go/no-go: pass, or roll back.
        let mut checked_step = vec![false; n];
        for item in items {
            if let Some(h) = item.heading
                && !o.rollback[h]
                && !o.trigger_ctx[h]
                && rules::is_check_heading(&heads[h].text)
                && rules::is_rollback_condition(&item.text)
            {
                checked_step[h] = true;
            }
        }
        let gate_heading: Vec<bool> = (0..n)
            .map(|h| !o.is_title(h) && (rules::is_gate_heading(&heads[h].text) || checked_step[h]))
            .collect();
        let gate_below = o.below(&gate_heading);
        let mut owns_direct = vec![false; n];
        for (i, item) in items.iter().enumerate() {
            if let Some(h) = item.heading
                && (it.is_task[i] || it.is_item_gate[i])
            {
                owns_direct[h] = true;
            }
        }
        // A go/no-go sub-heading of a stage that has its own tasks or time (`## Deploy` … `###
        // Go/No-Go`) gates that stage; elsewhere it is a stage of its own.
        let gates_parent = |h: usize| {
            !o.timed[h]
                && !o.listed[h]
                && heads[h].parent.is_some_and(|p| {
                    !o.is_title(p) && (o.timed[p] || o.listed[p] || owns_direct[p])
                })
        };
        let gate_stage: Vec<bool> = (0..n)
            .map(|h| gate_heading[h] && !gate_below[h] && !gates_parent(h))
            .collect();
        for h in 0..n {
            owns_direct[h] |= gate_stage[h] || o.listed[h];
        }
        let containers = stages::containers(heads, &o.timed, &owns_direct, &o.listed);
        StageMap {
            gate_heading,
            gate_below,
            owns_direct,
            containers,
        }
    }

    /// The section whose phase a place in section `sec` belongs to; `None`: the title phase.
    pub fn stage(&self, o: &Outline, sec: Option<usize>) -> Option<usize> {
        let is_title = |h: usize| o.is_title(h);
        stages::stage_of(o.heads, &o.timed, &self.containers, &is_title, sec)
    }

    /// The containers, for the stage rules of [`stages`].
    pub fn containers(&self) -> &[bool] {
        &self.containers
    }
}
