//! The report as Markdown (GitHub-flavoured tables), for a wiki page or a ticket.
//!
//! Journaled text is outside text: it is cleaned of control characters and escape sequences
//! (someone may `cat` the file in a terminal) and of what would break a table cell or be read
//! as HTML.

use std::fmt::Write as _;

use super::model::{GateReport, Report};
use super::words::{
    self, evidence, length, maybe_length, maybe_time, outcome, slip, time, window_flag,
};
use crate::text::sanitize;

/// Outside text made safe for a Markdown table cell or line: `<` would start raw HTML, which
/// many Markdown viewers render, `[…](…)` a link or a fetched image, a backtick a code span.
fn md(s: &str) -> String {
    sanitize(s)
        .replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace('[', "\\[")
        .replace(']', "\\]")
        .replace('`', "'")
        .replace('<', "&lt;")
}

/// Outside text as a Markdown code span: nothing inside one is interpreted but a backtick,
/// and escapes would show literally.
fn code(s: &str) -> String {
    format!("`{}`", sanitize(s).replace('`', "'"))
}

fn opt(s: Option<&String>) -> String {
    s.map_or_else(|| "—".to_string(), |s| md(s))
}

/// Renders the whole report.
#[must_use]
pub fn render(r: &Report) -> String {
    let mut o = String::new();
    header(&mut o, r);
    phases(&mut o, r);
    forecast(&mut o, r);
    gates(&mut o, r);
    holds(&mut o, r);
    overrides(&mut o, r);
    triggers(&mut o, r);
    rollback(&mut o, r);
    tasks(&mut o, r);
    commands(&mut o, r);
    notes(&mut o, r);
    journal(&mut o, r);
    o
}

fn header(o: &mut String, r: &Report) {
    let _ = writeln!(o, "# Deployment report: {}\n", md(&r.title));
    let _ = writeln!(
        o,
        "- **Status:** {} · **Go-live (T-0):** {} · **Started:** {} · **Finished:** {}",
        outcome(&r.status),
        time(r.t0),
        maybe_time(r.started_at),
        maybe_time(r.finished_at)
    );
    let _ = writeln!(o, "- **T-0 from:** {}", md(&r.t0_source));
    let _ = writeln!(o, "- **Tasks ticked:** {}/{}", r.tasks_done, r.tasks_total);
    for w in &r.journal.warnings {
        let _ = writeln!(o, "- **Warning:** {}", md(w));
    }
    let _ = writeln!(
        o,
        "- **Plan:** {} · **Journal:** {}",
        code(&r.plan_file),
        code(&r.journal_file)
    );
    let _ = writeln!(
        o,
        "- **Journal head:** seq {}, SHA-256 `{}` ({})",
        r.journal.head_seq,
        r.journal
            .head_hash
            .as_deref()
            .unwrap_or("none: empty journal"),
        md(&r.journal.chain)
    );
    let _ = writeln!(
        o,
        "- Made {} from the journal alone; all times UTC.\n",
        time(r.generated_at)
    );
}

fn none(o: &mut String, what: &str) {
    let _ = writeln!(o, "None {what}.\n");
}

fn phases(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Phases: planned vs actual\n");
    if r.phases.is_empty() {
        return none(o, "in this plan");
    }
    let _ = writeln!(
        o,
        "| Phase | Planned | Actual | Start slip | End slip | Planned length | Actual length | Tasks | Status |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|---|");
    for p in &r.phases {
        let kind = if p.kind == "rollback" {
            " (rollback)"
        } else {
            ""
        };
        let _ = writeln!(
            o,
            "| {}{kind} | {} – {} | {} – {} | {} | {} | {} | {} | {}/{} | {} |",
            md(&p.title),
            maybe_time(p.planned_start),
            maybe_time(p.planned_end),
            maybe_time(p.actual_start),
            maybe_time(p.actual_end),
            slip(p.start_slip_min),
            slip(p.end_slip_min),
            maybe_length(p.planned_s),
            maybe_length(p.actual_s),
            p.tasks_done,
            p.tasks_total,
            p.status
        );
    }
    o.push('\n');
}

/// Only while the deployment runs: a finished report has actuals, not forecasts.
fn forecast(o: &mut String, r: &Report) {
    let phases = r.forecast_phases();
    if r.eta.is_none() && phases.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Forecast\n");
    if let Some(e) = &r.eta {
        let flag = window_flag(&e.expected)
            .map(|w| format!(" — **{w}**"))
            .unwrap_or_default();
        let _ = writeln!(
            o,
            "ETA {}: {} (planned {}, {}){flag}.",
            e.milestone,
            time(e.expected.start),
            time(e.planned),
            slip(Some(e.expected.slip_min))
        );
    }
    if let Some(end) = r.deployment_window_end {
        let _ = writeln!(o, "The deployment window ends {}.", time(end));
    }
    o.push('\n');
    if phases.is_empty() {
        return;
    }
    let _ = writeln!(o, "| Phase | Planned | Forecast | End slip | Window |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for (p, f) in phases {
        let _ = writeln!(
            o,
            "| {} | {} – {} | {} – {} | {} | {} |",
            md(&p.title),
            maybe_time(p.planned_start),
            maybe_time(p.planned_end),
            time(f.start),
            time(f.end),
            slip(Some(f.slip_min)),
            window_flag(f).unwrap_or("within")
        );
    }
    o.push('\n');
}

fn gates(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Go/no-go decisions\n");
    if r.gates.is_empty() {
        return none(o, "in this plan");
    }
    for g in &r.gates {
        gate(o, r, g);
    }
}

fn gate(o: &mut String, r: &Report, g: &GateReport) {
    let decided = g
        .decided_at
        .map(|t| format!(", decided {}", time(t)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "### {}: {}\n\nPhase: {} · poll: {}{decided}\n",
        md(&g.title),
        outcome(&g.outcome),
        md(&g.phase),
        md(&words::poll(g)),
    );
    if g.votes.is_empty() {
        return none(o, "answered");
    }
    let _ = writeln!(o, "| Time | Role | Vote | By | Reason | Evidence |");
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for v in &g.votes {
        let by = match &v.recorded_by_role {
            Some(lead) => format!("{} (as {}, on its behalf)", md(&r.who(&v.actor)), md(lead)),
            None => md(&r.who(&v.actor)),
        };
        let _ = writeln!(
            o,
            "| {} | {} | **{}** | {by} | {} | {} |",
            time(v.at),
            md(&v.role),
            v.vote,
            opt(v.reason.as_ref()),
            md(&evidence(v.evidence.as_ref()))
        );
    }
    o.push('\n');
}

fn holds(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Holds\n");
    if r.holds.is_empty() {
        return none(o, "called");
    }
    let _ = writeln!(
        o,
        "| From | Until | Length | Called by | Reason | Evidence |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for h in &r.holds {
        let until = h.until.map_or_else(|| "in force".to_string(), time);
        let _ = writeln!(
            o,
            "| {} | {until} | {} | {} | {} | {} |",
            time(h.from),
            length(h.length_s),
            md(&r.who(&h.actor)),
            md(&h.reason),
            md(&evidence(h.evidence.as_ref()))
        );
    }
    o.push('\n');
}

fn overrides(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Overrides\n");
    if r.overrides.is_empty() {
        return none(o, "given");
    }
    let _ = writeln!(o, "| Time | From | To | By | Reason | Evidence |");
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for v in &r.overrides {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            time(v.at),
            md(&v.from),
            md(&v.to),
            md(&r.who(&v.actor)),
            md(&v.reason),
            md(&evidence(v.evidence.as_ref()))
        );
    }
    o.push('\n');
}

fn triggers(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Rollback triggers fired\n");
    if r.triggers.is_empty() {
        return none(o, "fired");
    }
    let _ = writeln!(
        o,
        "| Trigger | Condition | Value | Held since | Fired | Cleared | Countdown | Evidence |"
    );
    let _ = writeln!(o, "|---|---|---|---|---|---|---|---|");
    for t in &r.triggers {
        let countdown = t.countdown_cancelled.as_ref().map_or_else(
            || "—".to_string(),
            |c| {
                format!(
                    "cancelled {} by {}{}",
                    time(c.at),
                    md(&r.who(&c.actor)),
                    c.note
                        .as_ref()
                        .map(|n| format!(": {}", md(n)))
                        .unwrap_or_default()
                )
            },
        );
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} ({}) | {} | {countdown} | {} |",
            md(&t.text),
            md(&t.condition),
            crate::journal::evidence::format_value(t.value),
            time(t.since),
            time(t.fired_at),
            md(&t.fired_by),
            t.cleared_at
                .map_or_else(|| "still firing".to_string(), time),
            md(&evidence(t.evidence.as_ref()))
        );
    }
    o.push('\n');
}

fn rollback(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Rollback\n");
    let Some(rb) = &r.rollback else {
        return none(o, "started");
    };
    let (took, verdict) = words::rollback_took(rb);
    let verdict = match verdict {
        Some(true) => ": **OVER BUDGET**",
        Some(false) => ": within budget",
        None => "",
    };
    let _ = writeln!(
        o,
        "Started {} by {}: {}\n\n{took}{verdict}.{}\n\nEvidence: {}\n",
        time(rb.started_at),
        md(&rb.started_by),
        md(&rb.reason),
        rb.window_closes
            .map(|t| format!(" The rollback window closes {}.", time(t)))
            .unwrap_or_default(),
        md(&evidence(rb.evidence.as_ref()))
    );
    if rb.steps.is_empty() {
        return;
    }
    let _ = writeln!(o, "| Step | Started | Finished | Took | Budget | |");
    let _ = writeln!(o, "|---|---|---|---|---|---|");
    for s in &rb.steps {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} | {} |",
            md(&s.title),
            maybe_time(s.started_at),
            maybe_time(s.finished_at),
            length(s.elapsed_s),
            maybe_length(s.budget_s),
            if s.over_budget { "OVER BUDGET" } else { "" }
        );
    }
    o.push('\n');
}

fn tasks(o: &mut String, r: &Report) {
    let _ = writeln!(o, "## Tasks done ({}/{})\n", r.tasks_done, r.tasks_total);
    if r.tasks.is_empty() {
        return none(o, "ticked");
    }
    let _ = writeln!(o, "| When | Task | Phase | By | Note |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for t in &r.tasks {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {} |",
            time(t.at),
            md(&t.text),
            md(&t.phase),
            md(&t.by),
            opt(t.note.as_ref())
        );
    }
    o.push('\n');
}

fn commands(o: &mut String, r: &Report) {
    if r.commands.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Step commands run\n");
    let _ = writeln!(o, "| When | Task | Command | By | Outcome |");
    let _ = writeln!(o, "|---|---|---|---|---|");
    for c in &r.commands {
        let _ = writeln!(
            o,
            "| {} | {} | {} | {} | {}{} |",
            time(c.at),
            md(&c.task),
            md(&c.command),
            md(&r.who(&c.actor)),
            if c.success { "" } else { "FAILED: " },
            md(&c.outcome)
        );
    }
    o.push('\n');
}

fn notes(o: &mut String, r: &Report) {
    if r.notes.is_empty() {
        return;
    }
    let _ = writeln!(o, "## Notes\n");
    for n in &r.notes {
        let _ = writeln!(
            o,
            "- {} {}: {}",
            time(n.at),
            md(&r.who(&n.actor)),
            md(&n.text)
        );
    }
    o.push('\n');
}

fn journal(o: &mut String, r: &Report) {
    let j = &r.journal;
    let _ = writeln!(o, "## Journal\n");
    let _ = writeln!(
        o,
        "- {} events; head seq {}, SHA-256 `{}`.",
        j.events,
        j.head_seq,
        j.head_hash.as_deref().unwrap_or("none")
    );
    let _ = writeln!(o, "- Hash chain: {}.", md(&j.chain));
    for p in &j.problems {
        let _ = writeln!(o, "- Problem: {}", md(p));
    }
    for d in &j.dangling {
        let _ = writeln!(o, "- Refers to something the plan no longer has: {}", md(d));
    }
    for w in &j.writers {
        let _ = writeln!(
            o,
            "- Written by {} as database role {}: {} events.",
            md(&w.actor),
            md(&w.db_role),
            w.events
        );
    }
    for v in &r.plan_versions {
        let _ = writeln!(
            o,
            "- Plan version {} first opened {} by {} (seq {}).",
            code(crate::state::short_hash(&v.plan_hash)),
            time(v.at),
            md(&r.who(&v.actor)),
            v.seq
        );
    }
}
