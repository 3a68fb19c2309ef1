//! The contingency a notice writes in a sentence: `If this operation ends up in corrupting the
//! build log, we'll immediately restore the backup and restart the controller.` A plan with no
//! stage of its own (a maintenance notice, a downtime issue) states its rollback this way: the
//! condition is a trigger, the consequence the steps of a rollback phase.

use crate::plan::markdown::announce;
use crate::plan::markdown::build::gates::TriggerFound;
use crate::plan::markdown::build::outline::Outline;
use crate::plan::markdown::build::words::prose_task;
use crate::plan::markdown::{norm, prose};
use crate::plan::{Phase, PhaseKind, Schedule};

/// Words that open a condition, lower-cased with a space before (`If …,`, `Should anything go
/// wrong,`, `In case …,`).
const CONDITIONS: &[&str] = &[" if ", " should ", " in case ", " in the event "];

/// Words that say the consequence undoes the work: a rollback.
const UNDO: &[&str] = &[
    " restore ",
    " roll back ",
    " rollback ",
    " revert ",
    " fall back ",
    " go back ",
    " switch back ",
    " back out ",
    " previous state",
    " previous version",
    " bring back ",
    " put back ",
];

/// For a plan whose only phase is named after its title, the rollback its opening text writes
/// as `If <condition>, <undo the work>` sentences: the rollback phase (steps: the consequence,
/// one per `, and` clause) and its triggers (the conditions). `None` when there is none.
pub fn contingency(o: &Outline) -> Option<(Phase, Vec<TriggerFound>)> {
    let mut tasks = Vec::new();
    let mut triggers = Vec::new();
    for (text, line) in announce::opening(o.doc, o.title_heading) {
        for sentence in prose::sentences(text) {
            let n = norm(sentence);
            let Some((condition, consequence)) = sentence.split_once(", ") else {
                continue;
            };
            if !CONDITIONS.iter().any(|c| n.starts_with(c))
                || !UNDO.iter().any(|u| norm(consequence).contains(u))
            {
                continue;
            }
            triggers.push((
                line,
                condition.to_string(),
                "a notice's contingency sentence (`If … goes wrong, we'll restore the backup`): its condition",
            ));
            for step in consequence.split(", and ") {
                let step = step.trim().trim_end_matches(['.', '!']);
                if !step.is_empty() {
                    tasks.push(prose_task(step.to_string(), line));
                }
            }
        }
    }
    let line = tasks.first()?.line;
    let phase = Phase {
        id: String::new(),
        title: "Rollback".to_string(),
        kind: PhaseKind::Rollback,
        schedule: Schedule::None,
        line,
        tasks,
    };
    Some((phase, triggers))
}
