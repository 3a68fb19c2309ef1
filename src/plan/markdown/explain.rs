//! Why the importer read the plan as it did, for `warroom validate --explain`: for every phase,
//! group of tasks, gate and trigger, the plan line it came from and the rule that made it; for
//! every section that yielded nothing, why its text stayed text. A lead who disagrees sees
//! where to change the plan.

/// One explained reading.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason {
    /// 1-based line in the plan (0: the whole file).
    pub line: usize,
    /// What was read: `phase “Deploy”`, `4 tasks of “Deploy” (lines 12–20)`, `gate “Go/No-Go”`,
    /// `left as text: “Notes”`.
    pub what: String,
    /// The rule, in a lead's words.
    pub why: String,
}

/// Where the tasks of a phase came from, by rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskRule {
    /// `- [ ]` / `- [x]` items.
    Checklist,
    /// Numbered steps (and the bullets a step introduces with a colon) in a section without a
    /// checklist.
    Numbered,
    /// Plain bullets of a timed or listed stage that has no checklist or numbered steps.
    Bullets,
    /// Instruction paragraphs of a timed or listed stage without a list of steps.
    Paragraphs,
    /// Shell command blocks of such a stage that no instruction paragraph introduces.
    Commands,
    /// Sub-headings written as steps.
    Headings,
    /// The plain bullets and action sentences of a rollback written as prose.
    RollbackProse,
    /// The rows of a run-sheet or schedule table whose rows name no section.
    ScheduleRows,
}

impl TaskRule {
    /// The rule in words.
    #[must_use]
    pub fn words(self) -> &'static str {
        match self {
            TaskRule::Checklist => "checklist items (`- [ ]`)",
            TaskRule::Numbered => {
                "numbered steps in a section without a checklist (and the bullets a step introduces with a colon)"
            }
            TaskRule::Bullets => {
                "plain bullets of a timed or listed stage that has no checklist or numbered steps"
            }
            TaskRule::Paragraphs => {
                "paragraphs that open with an instruction (Send…, Run…) in a timed or listed stage without a list"
            }
            TaskRule::Commands => {
                "shell command blocks (```bash, ```shell, `$ ` prompts) in a timed or listed stage without a list, where no instruction paragraph introduces them"
            }
            TaskRule::Headings => "sub-headings written as the stage's steps",
            TaskRule::RollbackProse => {
                "the plain bullets and action sentences (`the rollback plan is to…`, `we can…`) of a rollback written as prose"
            }
            TaskRule::ScheduleRows => {
                "rows of a run-sheet table (a When/Time column) that name no section: tasks of the stage the table is in, else of the stage whose time they fall in; the Who column is the owner"
            }
        }
    }
}

/// Groups consecutive tasks of one phase that came from one rule: `(phase title, rule, lines)`
/// → one [`Reason`] per group.
#[must_use]
pub fn task_groups(tasks: &[(String, TaskRule, usize)]) -> Vec<Reason> {
    let mut out: Vec<Reason> = Vec::new();
    let mut k = 0;
    while k < tasks.len() {
        let (phase, rule, first) = &tasks[k];
        let mut end = k + 1;
        while end < tasks.len() && tasks[end].0 == *phase && tasks[end].1 == *rule {
            end += 1;
        }
        let last = tasks[end - 1].2;
        let count = end - k;
        let lines = if count == 1 {
            format!("line {first}")
        } else {
            format!("lines {first}–{last}")
        };
        out.push(Reason {
            line: *first,
            what: format!(
                "{count} task{} of “{phase}” ({lines})",
                if count == 1 { "" } else { "s" }
            ),
            why: rule.words().to_string(),
        });
        k = end;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consecutive_tasks_of_one_rule_are_one_group() {
        let tasks = [
            ("Deploy".to_string(), TaskRule::Checklist, 5),
            ("Deploy".to_string(), TaskRule::Checklist, 6),
            ("Deploy".to_string(), TaskRule::Numbered, 9),
            ("Verify".to_string(), TaskRule::Numbered, 12),
        ];
        let groups = task_groups(&tasks);
        let what: Vec<&str> = groups.iter().map(|g| g.what.as_str()).collect();
        assert_eq!(
            what,
            [
                "2 tasks of “Deploy” (lines 5–6)",
                "1 task of “Deploy” (line 9)",
                "1 task of “Verify” (line 12)"
            ]
        );
    }
}
