//! Go/no-go gates and the conditions written in a stage's prose: decision items, hold
//! points in sentences and code comments, gate headings with their voters, and hold points
//! between a schedule's rows.

use crate::plan::PhaseKind;
use crate::plan::markdown::build::items::Items;
use crate::plan::markdown::build::outline::Outline;
use crate::plan::markdown::build::phases::Layout;
use crate::plan::markdown::build::stage_map::StageMap;
use crate::plan::markdown::build::words::{gate_title, phase_title};
use crate::plan::markdown::scan::Entry;
use crate::plan::markdown::{prose, rules};

/// A gate as found: (line, title, the section that owns it, voters, why it is a gate).
pub type GateFound = (usize, String, Option<usize>, Vec<String>, &'static str);

/// A trigger as found: (line, text, why it is a trigger).
pub type TriggerFound = (usize, String, &'static str);

/// Every gate the document writes before its phases are laid out, and the stop conditions of
/// its stages' prose, each in line order (ties in the order the rules run).
pub fn gates(o: &Outline, r: &Items, sm: &StageMap) -> (Vec<GateFound>, Vec<TriggerFound>) {
    let mut gates = item_gates(o, r, sm);
    let (held, prose_triggers) = stage_prose(o, r, sm);
    gates.extend(held);
    gates.extend(heading_gates(o, sm));
    gates.extend(schedule_holds(o, sm));
    gates.sort_by_key(|g| g.0);
    (gates, prose_triggers)
}

/// Items that ask for a decision (go/no-go, sign off on, clearance, approvals), with the
/// roles they or their sub-items name as voters.
fn item_gates(o: &Outline, r: &Items, sm: &StageMap) -> Vec<GateFound> {
    let items = &o.doc.items;
    let mut gates = Vec::new();
    for (i, it) in items.iter().enumerate().filter(|&(i, _)| r.is_item_gate[i]) {
        let mut voters: Vec<String> = rules::decider(&it.text)
            .into_iter()
            .chain(rules::signers(&it.text))
            .chain(
                r.children[i]
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
        if it.text.trim_end().ends_with(':') && !r.children[i].is_empty() {
            let what: Vec<&str> = r.children[i]
                .iter()
                .map(|&c| items[c].text.trim())
                .collect();
            let full = format!("{title}: {}", what.join("; "));
            title = match full.char_indices().nth(120) {
                Some((k, _)) => format!("{}…", &full[..k]),
                None => full,
            };
        }
        gates.push((
            it.line,
            title,
            sm.stage(o, it.heading),
            voters,
            "an item that asks for a decision (go/no-go, sign off on, clearance or approval, do not move forward until…)",
        ));
    }
    gates
}

/// Hold points and stop conditions written as sentences, in the prose of a stage (a timed or
/// listed one, or one with tasks) that is not rollback, notes or reference text.
fn stage_prose(o: &Outline, r: &Items, sm: &StageMap) -> (Vec<GateFound>, Vec<TriggerFound>) {
    let (heads, n, items) = (o.heads, o.n, &o.doc.items);
    let mut gates = Vec::new();
    let mut prose_triggers = Vec::new();
    for h in (0..n).filter(|&h| {
        !o.is_title(h)
            && !o.rollback[h]
            && !o.notes_ctx[h]
            && !o.trigger_ctx[h]
            && !sm.gate_heading[h]
            && (o.timed_section(Some(h))
                || o.listed_section(Some(h))
                // A section that holds a gate is a stage, whatever its heading says
                // (`## Release shepherd responsibilities`).
                || r.has_item_gate[h + 1]
                || ((r.has_task_item[h + 1] || completes(o, h))
                    && !o.ancestors(Some(h)).any(|a| rules::is_reference_heading(&heads[a].text))))
    }) {
        // Repeated mentions of one hold point in a section (`DO NOT CONTINUE` then `wait for the
        // job to succeed`) are one gate.
        let mut held = false;
        for e in &o.doc.entries[h + 1] {
            // A plain item of a section the item rules above did not reach (one that only
            // holds a gate): `If regressions or critical bugs are detected, …`.
            if let Entry::Item(i) = *e
                && items[i].parent.is_none()
                && !r.is_task[i]
                && !r.is_trigger[i]
                && !r.is_item_gate[i]
                && !o.timed_section(Some(h))
                && !o.listed_section(Some(h))
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
                    sm.stage(o, Some(h)),
                    Vec::new(),
                    "a question whether to go on, written as a comment beside the commands that answer it (is this an acceptable time to upgrade?)",
                ));
            }
            let Entry::Para(text, line) = e else {
                continue;
            };
            if !held
                && let Some(title) =
                    prose::hold_point(text).or_else(|| prose::completion_criterion(text))
            {
                held = true;
                let voters = rules::decider(&title).into_iter().collect();
                gates.push((
                    *line,
                    title,
                    sm.stage(o, Some(h)),
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
    (gates, prose_triggers)
}

/// Whether section `h` states when the work counts as done (`Cutover is considered successful
/// after 30 minutes of stable operation`): the lead's last go/no-go, so the section is a stage.
fn completes(o: &Outline, h: usize) -> bool {
    o.doc.entries[h + 1]
        .iter()
        .any(|e| matches!(e, Entry::Para(p, _) if prose::completion_criterion(p).is_some()))
}

/// Go/no-go, approval and sign-off headings (the most specific one), with the roles of their
/// sign-off tables, approval items and vote requirements as voters.
fn heading_gates(o: &Outline, sm: &StageMap) -> Vec<GateFound> {
    let (heads, n, items) = (o.heads, o.n, &o.doc.items);
    let mut gates = Vec::new();
    for h in (0..n).filter(|&h| sm.gate_heading[h] && !sm.gate_below[h]) {
        // The gate heading's subtree is contiguous: it ends at the next heading not below it.
        let subtree = (h..n).take_while(|&x| x == h || o.ancestors(Some(x)).any(|a| a == h));
        let mut voters: Vec<String> = Vec::new();
        // The rule the vote must meet, for the gate's title (`Voting: Once 3+ binding votes
        // (by PMC members) have been cast…`): what the lead reads out when polling.
        let mut requirement = None;
        for e in subtree.flat_map(|x| &o.doc.entries[x + 1]) {
            match *e {
                Entry::Table(t) => voters.extend(rules::table_roles(&o.doc.tables[t].rows)),
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
        let heading = phase_title(heads, &o.found, h);
        gates.push((
            heads[h].line,
            match requirement {
                Some(r) => format!("{heading}: {r}"),
                None => heading,
            },
            sm.stage(o, Some(h)),
            voters,
            if rules::is_gate_heading(&heads[h].text) {
                "a heading that says go/no-go, approval or sign-off (voters: its sign-off table and approval items)"
            } else {
                "a check step that says to roll back if it fails (`- if not ok, follow the rollback procedure`): pass, or roll back"
            },
        ));
    }
    gates
}

/// Hold points a schedule writes between its rows: each gates the stage of the row before it.
fn schedule_holds(o: &Outline, sm: &StageMap) -> Vec<GateFound> {
    let heads = o.heads;
    let mut gates = Vec::new();
    for (r, row) in o.schedule_rows.iter().enumerate() {
        let Some(text) = &row.gate else {
            continue;
        };
        let before = (0..r)
            .rev()
            .take_while(|&k| o.schedule_rows[k].group == row.group)
            .find_map(|k| o.row_heading[k]);
        let line = row.section.map_or(0, |h| heads[h].line);
        gates.push((
            line,
            gate_title(text),
            sm.stage(o, before.or(row.section)),
            Vec::new(),
            "a hold point between the schedule's rows: it gates the stage of the row before it",
        ));
    }
    gates
}

/// Approval requirements written in prose (`All deploys to production require a code reviewer
/// to approve the changes`): each gates the stage its section belongs to, else the first
/// forward stage, and its role votes.
pub fn prose_approvals(o: &Outline, sm: &StageMap, layout: &Layout) -> Vec<GateFound> {
    let mut gates = Vec::new();
    for h in 0..o.n {
        for e in &o.doc.entries[h + 1] {
            if let Entry::Para(text, line) = e
                && let Some(role) = rules::approval_requirement(text)
            {
                let stage = sm
                    .stage(o, Some(h))
                    .filter(|&x| layout.of_section[x].is_some());
                let stage = stage.or_else(|| {
                    (0..o.n).find(|&x| {
                        layout.of_section[x]
                            .is_some_and(|k| layout.phases[k].kind == PhaseKind::Forward)
                    })
                });
                gates.push((
                    *line,
                    gate_title(&rules::first_sentence(text, 100)),
                    stage,
                    vec![role],
                    "an approval requirement written in prose (its role votes)",
                ));
            }
        }
    }
    gates
}
