//! The report as one self-contained HTML page: inline CSS and an inline SVG timeline, no
//! script and nothing fetched, so it opens from a file, an attachment or an archive years
//! later. maud escapes every interpolated string; journaled text is also cleaned of control and
//! bidi characters (a right-to-left override in a note must not reorder the page).

use maud::{DOCTYPE, Markup, PreEscaped, html};

use super::chart;
use super::model::{GateReport, Report};
use super::words::{
    evidence, evidence_rows, length, maybe_length, maybe_time, outcome, poll, rollback_took, slip,
    time, window_flag,
};
use crate::journal::evidence::{Evidence, format_value};
use crate::text::sanitize;

const STYLE: &str = r"
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24;background:#fff}
h1{font-size:1.7rem;margin-bottom:.3rem}h2{margin-top:2.2rem;border-bottom:2px solid #d0d7de;padding-bottom:.2rem}
table{border-collapse:collapse;width:100%;margin:.6rem 0;font-size:.92rem}th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f5f7}.muted{color:#57606a}.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}
.go{color:#116329;font-weight:700}.nogo,.over{color:#b3261e;font-weight:700}.hold{color:#8a5a00;font-weight:700}.pending{color:#57606a;font-weight:700}
code{font-size:.88rem;word-break:break-all}details summary{cursor:pointer}
svg.timeline{border:1px solid #d0d7de;background:#fbfcfd;margin:.8rem 0}
svg .grid{stroke:#e1e5ea}svg .tick{font-size:11px;fill:#57606a}svg .label{font-size:12px;fill:#1b1f24}
svg .planned{fill:none;stroke:#6e7781;stroke-width:1.5;stroke-dasharray:4 2}
svg .actual.done{fill:#2da44e}svg .actual.late{fill:#d4a72c}svg .actual.running{fill:#0969da}svg .actual.rollback{fill:#cf222e}svg .actual.interrupted{fill:#8c959f}
svg rect.hold{fill:#d4a72c;fill-opacity:.18}svg .marker{stroke-width:1.5;stroke-dasharray:3 3}
svg .m-go{stroke:#116329;fill:#116329}svg .m-nogo,svg .m-trigger,svg .m-rollback{stroke:#cf222e;fill:#cf222e}
svg .mlabel{font-size:11px;stroke:none}
.legend span{margin-right:1.2rem}.sw{display:inline-block;width:1.4em;height:.8em;margin-right:.3em;vertical-align:middle}
";

fn t(s: &str) -> String {
    sanitize(s)
}

fn decision_class(key: &str) -> &'static str {
    match key {
        "go" | "GO" | "done" => "go",
        "no_go" | "NO-GO" | "rollback" => "nogo",
        "hold" | "HOLD" => "hold",
        _ => "pending",
    }
}

/// Renders the whole report as one HTML document.
#[must_use]
pub fn render(r: &Report) -> String {
    let page = html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "Deployment report: " (t(&r.title)) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                (header(r))
                h2 id="timeline" { "Timeline" }
                p class="legend muted" {
                    span { span class="sw" style="border:1.5px dashed #6e7781" {} "planned" }
                    span { span class="sw" style="background:#2da44e" {} "done on time" }
                    span { span class="sw" style="background:#d4a72c" {} "late" }
                    span { span class="sw" style="background:#0969da" {} "running" }
                    span { span class="sw" style="background:#8c959f" {} "interrupted by the rollback" }
                    span { span class="sw" style="background:#cf222e" {} "rollback" }
                    span { span class="sw" style="background:rgba(212,167,44,.25)" {} "hold" }
                    " · times UTC; hover a bar for its times and slip"
                }
                (chart::render(r))
                (phases(r))
                (forecast(r))
                h2 id="decisions" { "Go/no-go decisions" }
                @if r.gates.is_empty() { p class="muted" { "None in this plan." } }
                @for g in &r.gates { (gate(r, g)) }
                (holds(r))
                (overrides(r))
                (triggers(r))
                (rollback(r))
                (tasks(r))
                (commands(r))
                (notes(r))
                (journal(r))
            }
        }
    };
    page.into_string()
}

fn header(r: &Report) -> Markup {
    html! {
        h1 { "Deployment report: " (t(&r.title)) }
        div class="facts" {
            b { "Status" } span class=(decision_class(&r.status)) { (outcome(&r.status)) }
            b { "Go-live (T-0)" } span { (time(r.t0)) " UTC (from " (t(&r.t0_source)) ")" }
            b { "Started / finished" } span { (maybe_time(r.started_at)) " / " (maybe_time(r.finished_at)) }
            b { "Tasks ticked" } span { (r.tasks_done) " of " (r.tasks_total) }
            b { "Plan" } code { (t(&r.plan_file)) }
            b { "Journal" } code { (t(&r.journal_file)) }
            b { "Journal head" } span {
                "seq " (r.journal.head_seq) ", SHA-256 "
                code { (r.journal.head_hash.as_deref().unwrap_or("none: empty journal")) }
                " — " span class=(if r.journal.consistent { "go" } else { "nogo" }) { (t(&r.journal.chain)) }
            }
            b { "Made" } span { (time(r.generated_at)) " UTC, from the journal alone" }
            @for w in &r.journal.warnings { b class="nogo" { "Warning" } span class="nogo" { (t(w)) } }
        }
    }
}

/// Only while the deployment runs: a finished report has actuals, not forecasts.
fn forecast(r: &Report) -> Markup {
    let phases = r.forecast_phases();
    if r.eta.is_none() && phases.is_empty() {
        return html! {};
    }
    html! {
        h2 id="forecast" { "Forecast" }
        @if let Some(e) = &r.eta {
            p {
                "ETA " (e.milestone) ": " b { (time(e.expected.start)) } " (planned " (time(e.planned)) ", "
                (slip(Some(e.expected.slip_min))) ")"
                @if let Some(w) = window_flag(&e.expected) { " — " span class="nogo" { "⚠ " (w) } }
                "."
            }
        }
        @if let Some(end) = r.deployment_window_end { p class="muted" { "The deployment window ends " (time(end)) "." } }
        @if !phases.is_empty() {
            table {
                tr { th { "Phase" } th { "Planned" } th { "Forecast" } th { "End slip" } th { "Window" } }
                @for (p, f) in &phases {
                    tr {
                        td { (t(&p.title)) }
                        td { (maybe_time(p.planned_start)) " – " (maybe_time(p.planned_end)) }
                        td { "≈ " (time(f.start)) " – " (time(f.end)) }
                        td class=(if f.slip_min > 0 { "over" } else { "" }) { (slip(Some(f.slip_min))) }
                        @match window_flag(f) {
                            Some(w) => td class="nogo" { "⚠ " (w) },
                            None => td { "within" },
                        }
                    }
                }
            }
        }
    }
}

fn phases(r: &Report) -> Markup {
    html! {
        h2 id="phases" { "Phases: planned vs actual" }
        @if r.phases.is_empty() { p class="muted" { "None in this plan." } } @else {
            table {
                tr { th { "Phase" } th { "Planned" } th { "Actual" } th { "Start slip" } th { "End slip" }
                     th { "Planned length" } th { "Actual length" } th { "Tasks" } th { "Status" } }
                @for p in &r.phases {
                    tr {
                        td { (t(&p.title)) @if p.kind == "rollback" { " (rollback)" } }
                        td { (maybe_time(p.planned_start)) " – " (maybe_time(p.planned_end)) }
                        td { (maybe_time(p.actual_start)) " – " (maybe_time(p.actual_end)) }
                        td { (slip(p.start_slip_min)) }
                        td class=(if p.end_slip_min.unwrap_or(0) > 0 { "over" } else { "" }) { (slip(p.end_slip_min)) }
                        td { (maybe_length(p.planned_s)) }
                        td { (maybe_length(p.actual_s)) }
                        td { (p.tasks_done) "/" (p.tasks_total) }
                        td { (p.status) }
                    }
                }
            }
        }
    }
}

fn evidence_cell(e: Option<&Evidence>) -> Markup {
    let Some(e) = e else {
        return html! { "—" };
    };
    html! {
        details {
            summary { (t(&evidence(Some(e)))) }
            table {
                tr { th { "check / metric" } th { "state" } th { "detail" } }
                @for (name, state, detail) in evidence_rows(e) {
                    tr { td { (t(&name)) } td { (t(&state)) } td { (t(&detail)) } }
                }
            }
            span class="muted" { "snapshot " (time(e.at)) }
        }
    }
}

fn gate(r: &Report, g: &GateReport) -> Markup {
    html! {
        h3 {
            (t(&g.title)) ": "
            span class=(decision_class(&g.outcome)) { (outcome(&g.outcome)) }
        }
        p class="muted" {
            "Phase " (t(&g.phase)) " · poll: " (t(&poll(g)))
            @if let Some(at) = g.decided_at { " · decided " (time(at)) }
        }
        @if g.votes.is_empty() { p class="muted" { "No answers." } } @else {
            table {
                tr { th { "Time" } th { "Role" } th { "Vote" } th { "By" } th { "Reason" } th { "Evidence" } }
                @for v in &g.votes {
                    tr {
                        td { (time(v.at)) }
                        td { (t(&v.role)) }
                        td class=(decision_class(&v.vote)) { (v.vote) }
                        td { (t(&r.who(&v.actor))) @if let Some(lead) = &v.recorded_by_role { " (as " (t(lead)) ", on its behalf)" } }
                        td { (t(v.reason.as_deref().unwrap_or("—"))) }
                        td { (evidence_cell(v.evidence.as_ref())) }
                    }
                }
            }
        }
    }
}

fn holds(r: &Report) -> Markup {
    html! {
        h2 id="holds" { "Holds" }
        @if r.holds.is_empty() { p class="muted" { "None called." } } @else {
            table {
                tr { th { "From" } th { "Until" } th { "Length" } th { "Called by" } th { "Reason" } th { "Evidence" } }
                @for h in &r.holds {
                    tr {
                        td { (time(h.from)) }
                        td { @if let Some(u) = h.until { (time(u)) } @else { span class="hold" { "in force" } } }
                        td { (length(h.length_s)) }
                        td { (t(&r.who(&h.actor))) }
                        td { (t(&h.reason)) }
                        td { (evidence_cell(h.evidence.as_ref())) }
                    }
                }
            }
        }
    }
}

fn overrides(r: &Report) -> Markup {
    html! {
        h2 id="overrides" { "Overrides" }
        @if r.overrides.is_empty() { p class="muted" { "None given." } } @else {
            table {
                tr { th { "Time" } th { "From" } th { "To" } th { "By" } th { "Reason" } th { "Evidence" } }
                @for v in &r.overrides {
                    tr {
                        td { (time(v.at)) } td { (t(&v.from)) } td { (t(&v.to)) } td { (t(&r.who(&v.actor))) }
                        td class="over" { (t(&v.reason)) }
                        td { (evidence_cell(v.evidence.as_ref())) }
                    }
                }
            }
        }
    }
}

fn triggers(r: &Report) -> Markup {
    html! {
        h2 id="triggers" { "Rollback triggers fired" }
        @if r.triggers.is_empty() { p class="muted" { "None fired." } } @else {
            table {
                tr { th { "Trigger" } th { "Condition" } th { "Value" } th { "Held since" } th { "Fired" }
                     th { "Cleared" } th { "Countdown" } th { "Evidence" } }
                @for e in &r.triggers {
                    tr {
                        td { (t(&e.text)) }
                        td { code { (t(&e.condition)) } }
                        td { (format_value(e.value)) }
                        td { (time(e.since)) }
                        td { (time(e.fired_at)) " (" (t(&e.fired_by)) ")" }
                        td { @if let Some(c) = e.cleared_at { (time(c)) } @else { span class="nogo" { "still firing" } } }
                        td { @if let Some(c) = &e.countdown_cancelled {
                            "cancelled " (time(c.at)) " by " (t(&r.who(&c.actor)))
                            @if let Some(n) = &c.note { ": " (t(n)) }
                        } @else { "—" } }
                        td { (evidence_cell(e.evidence.as_ref())) }
                    }
                }
            }
        }
    }
}

fn rollback(r: &Report) -> Markup {
    html! {
        h2 id="rollback" { "Rollback" }
        @if let Some(rb) = &r.rollback {
            p {
                "Started " (time(rb.started_at)) " by " (t(&rb.started_by)) ": " b { (t(&rb.reason)) }
            }
            @let (took, verdict) = rollback_took(rb);
            p {
                (took)
                @match verdict {
                    Some(true) => { ": " span class="over" { "OVER BUDGET" } }
                    Some(false) => { ": " span class="go" { "within budget" } }
                    None => {}
                }
                "."
                @if let Some(w) = rb.window_closes { " The rollback window closes " (time(w)) "." }
            }
            p { "Evidence: " (evidence_cell(rb.evidence.as_ref())) }
            @if !rb.steps.is_empty() {
                table {
                    tr { th { "Step" } th { "Started" } th { "Finished" } th { "Took" } th { "Budget" } th {} }
                    @for s in &rb.steps {
                        tr {
                            td { (t(&s.title)) } td { (maybe_time(s.started_at)) } td { (maybe_time(s.finished_at)) }
                            td { (length(s.elapsed_s)) } td { (maybe_length(s.budget_s)) }
                            td { @if s.over_budget { span class="over" { "OVER BUDGET" } } }
                        }
                    }
                }
            }
        } @else { p class="muted" { "None started." } }
    }
}

fn tasks(r: &Report) -> Markup {
    html! {
        h2 id="tasks" { "Tasks done (" (r.tasks_done) "/" (r.tasks_total) ")" }
        @if r.tasks.is_empty() { p class="muted" { "None ticked." } } @else {
            table {
                tr { th { "When" } th { "Task" } th { "Phase" } th { "By" } th { "Note" } }
                @for k in &r.tasks {
                    tr { td { (time(k.at)) } td { (t(&k.text)) } td { (t(&k.phase)) } td { (t(&k.by)) }
                         td { (t(k.note.as_deref().unwrap_or("—"))) } }
                }
            }
        }
    }
}

fn commands(r: &Report) -> Markup {
    html! {
        @if !r.commands.is_empty() {
            h2 id="commands" { "Step commands run" }
            table {
                tr { th { "When" } th { "Task" } th { "Command" } th { "By" } th { "Outcome" } }
                @for c in &r.commands {
                    tr { td { (time(c.at)) } td { (t(&c.task)) } td { code { (t(&c.command)) } } td { (t(&r.who(&c.actor))) }
                         td class=(if c.success { "" } else { "over" }) { (t(&c.outcome)) } }
                }
            }
        }
    }
}

fn notes(r: &Report) -> Markup {
    html! {
        @if !r.notes.is_empty() {
            h2 id="notes" { "Notes" }
            ul { @for n in &r.notes { li { (time(n.at)) " " (t(&r.who(&n.actor))) ": " (t(&n.text)) } } }
        }
    }
}

fn journal(r: &Report) -> Markup {
    let j = &r.journal;
    html! {
        h2 id="journal" { "Journal" }
        ul {
            li { (j.events) " events; head seq " (j.head_seq) ", SHA-256 " code { (j.head_hash.as_deref().unwrap_or("none")) } }
            li { "Hash chain: " span class=(if j.consistent { "go" } else { "nogo" }) { (t(&j.chain)) } }
            @for p in &j.problems { li class="nogo" { "Problem: " (t(p)) } }
            @for d in &j.dangling { li { "Refers to something the plan no longer has: " (t(d)) } }
            @for w in &j.writers {
                li { "Written by " (t(&w.actor)) " as database role " code { (t(&w.db_role)) } ": " (w.events) " events" }
            }
            @for v in &r.plan_versions {
                li { "Plan version " code { (t(crate::state::short_hash(&v.plan_hash))) } " first opened " (time(v.at)) " by " (t(&r.who(&v.actor))) " (seq " (v.seq) ")" }
            }
        }
    }
}
