//! Headless views: `status` (text and JSON), `validate`, `verify`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{Value, json};

use super::Target;
use crate::journal::checkpoint::{Checkpoint, Consistency, Store};
use crate::journal::{Identity, Journal, JournalError, Verification};
use crate::plan::{self, PhaseKind};
use crate::session::{PlanOrigin, Session, journal_of, verify_command};
use crate::state::forecast::format_slip;
use crate::state::timeline::format_countdown;
use crate::state::{Eta, RoomState, Stamp};
use crate::text::sanitize;

fn ts(t: Option<DateTime<Utc>>) -> Value {
    t.map_or(Value::Null, |t| {
        Value::String(t.to_rfc3339_opts(SecondsFormat::Millis, true))
    })
}

fn stamp_json(s: Option<&Stamp>) -> (Value, Value) {
    s.map_or((Value::Null, Value::Null), |s| {
        (Value::String(s.actor.clone()), ts(Some(s.at)))
    })
}

/// Who is who in a database room, read from the database for `status`: the role this viewer
/// connects as and who wrote the room's events (actor beside database role). Empty for a
/// file journal.
#[derive(Debug, Clone, Default)]
pub struct Who {
    /// The database role this viewer connects as.
    pub db_role: Option<String>,
    /// Who wrote the room's events, in order of first appearance.
    pub writers: Vec<Identity>,
}

impl Who {
    /// Reads it from the session's journal.
    ///
    /// Errors: the database cannot be reached or read.
    pub fn of(session: &Session) -> Result<Who, JournalError> {
        Ok(Who {
            db_role: session.journal.db_role()?,
            writers: session.journal.identities()?,
        })
    }
}

/// The room state as one JSON object (the shape documented in README: title, state, tasks,
/// phases with `task_list`, gates with votes, triggers, rollback, journal — with its
/// `warnings` and, when history was rewritten since this user's checkpoint, `rewrite`).
#[must_use]
pub fn json(session: &Session, who: &Who, now: DateTime<Utc>) -> Value {
    let state = &session.state;
    let (done, total) = state.progress();
    let forecasts = state.forecasts(now);
    let phases: Vec<Value> = state
        .plan
        .phases
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let (d, t) = state.phase_progress(i);
            let tasks: Vec<Value> = p
                .tasks
                .iter()
                .map(|task| {
                    let (actor, at) = stamp_json(state.ticks.get(&task.id));
                    json!({"id": task.id, "text": task.text, "owner": task.owner, "done": state.is_done(&task.id), "actor": actor, "at": at})
                })
                .collect();
            json!({
                "id": p.id,
                "title": p.title,
                "kind": if p.kind == PhaseKind::Rollback { "rollback" } else { "forward" },
                "planned_start": ts(state.planned[i].map(|w| w.0)),
                "planned_end": ts(state.planned[i].map(|w| w.1)),
                "actual_start": ts(state.actual[i].start),
                "actual_end": ts(state.actual[i].end),
                "status": format!("{:?}", state.phase_status(i, now)).to_lowercase(),
                "forecast": forecasts[i].map(|f| json!({
                    "start": ts(Some(f.start)),
                    "end": ts(Some(f.end)),
                    "slip_s": f.slip_s,
                    "past_deployment_window": f.past_deployment_window,
                    "past_rollback_window": f.past_rollback_window,
                })),
                "tasks": {"total": t, "done": d},
                "task_list": tasks,
            })
        })
        .collect();
    let gates: Vec<Value> = state
        .plan
        .gates
        .iter()
        .enumerate()
        .map(|(i, g)| {
            let votes: Vec<Value> = state.votes[i]
                .iter()
                .map(|v| json!({"role": v.role, "vote": serde_json::to_value(v.vote).unwrap_or(Value::Null), "actor": v.stamp.actor, "at": ts(Some(v.stamp.at)), "note": v.stamp.note}))
                .collect();
            json!({"id": g.id, "title": g.title, "phase": g.phase, "voters": g.voters, "decision": state.gate_decision(i).key(), "votes": votes})
        })
        .collect();
    let triggers: Vec<Value> = state
        .plan
        .triggers
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let th = t.threshold.as_ref();
            let record = state.triggers.get(i);
            let fired = record.and_then(|r| r.fired.as_ref());
            json!({
                "id": t.id, "text": t.text,
                "measure": th.map(|x| x.measure.clone()),
                "op": th.map(|x| x.op.symbol()),
                "value": th.map(|x| x.value),
                "unit": th.map(|x| x.unit.clone()),
                "for_s": th.and_then(|x| x.for_s),
                "samples": th.and_then(|x| x.samples),
                "metric": t.metric,
                "condition": crate::poll::trigger::describe(t),
                "action": if t.action == crate::plan::TriggerAction::Rollback { "rollback" } else { "announce" },
                // Fired per the journal: the rooms' pollers journal each episode once.
                "fired": fired.is_some(),
                "episode": fired.map(|f| json!({
                    "at": ts(Some(f.stamp.at)), "actor": f.stamp.actor, "value": f.value,
                    "condition": f.condition, "since": ts(Some(f.since)),
                    "countdown_cancelled": f.cancelled.as_ref().map(|c| json!({"actor": c.actor, "at": ts(Some(c.at))})),
                })),
                "episodes": record.map_or(0, |r| r.episodes),
            })
        })
        .collect();
    let rollback = state.rollback.as_ref();
    json!({
        "title": state.plan.title,
        "state": state.status().key(),
        "t0": ts(Some(state.t0)),
        "t0_known": state.t0_known(),
        "t0_set": state.t0_set.as_ref().map(|(seq, by)| json!({"seq": seq, "actor": by.actor, "at": ts(Some(by.at))})),
        "now": ts(Some(now)),
        "current_phase": state.current.map(|c| state.plan.phases[c].id.clone()),
        "countdown": state.countdown(now).map(|c| json!({"label": c.label, "remaining_s": c.remaining_s})),
        "eta": state.eta(now).map(|e| json!({
            "milestone": e.milestone.label(),
            "at": ts(Some(e.at)),
            "planned": ts(Some(e.planned)),
            "slip_s": e.slip_s,
            "past_deployment_window": e.past_deployment_window,
            "past_rollback_window": e.past_rollback_window,
        })),
        "deployment_window": state.deployment_window().map(|(s, e)| json!({"start": ts(Some(s)), "end": ts(Some(e))})),
        "hold": state.hold().map(|h| json!({"since": ts(Some(h.called.at)), "actor": h.called.actor, "reason": h.called.note})),
        "builtin_holds": state.builtin_holds(now).iter().map(|b| json!({
            "gate": state.plan.gates[b.gate].id, "from": ts(Some(b.from)), "until": ts(b.until),
        })).collect::<Vec<_>>(),
        "tasks": {"total": total, "done": done},
        "phases": phases,
        "gates": gates,
        "triggers": triggers,
        "rollback": {
            "active": rollback.is_some(),
            "started_at": ts(rollback.map(|r| r.started.at)),
            "reason": rollback.and_then(|r| r.started.note.clone()),
            "window_closes": ts(state.rollback_window_closes()),
            "procedure": state.rollback_clock(now).map(|c| json!({
                "elapsed_s": c.elapsed_s,
                "budget_s": c.budget_s,
                "overrun": c.overrun(),
                "steps": c.steps.iter().map(|s| json!({
                    "phase": state.plan.phases[s.phase].id,
                    "budget_s": s.budget_s,
                    "started": ts(s.started),
                    "finished": ts(s.finished),
                    "elapsed_s": s.elapsed_s,
                    "overrun": s.overrun(),
                })).collect::<Vec<_>>(),
            })),
        },
        "rollback_countdown": state.rollback_countdown().map(|c| json!({
            "trigger": state.plan.triggers[c.trigger].id,
            "ends_at": ts(Some(c.ends_at)),
            "remaining_s": (c.ends_at - now).num_seconds().max(0),
        })),
        "baselines": state.baselines.iter().map(|(m, (v, at))| (m.clone(), json!({"value": v, "at": ts(Some(*at))}))).collect::<serde_json::Map<_, _>>(),
        "checks": state.plan.checks.iter().map(|c| json!({"id": c.id, "name": c.name, "kind": c.source().map_or("invalid", |s| s.kind())})).collect::<Vec<_>>(),
        "metrics": state.plan.metrics.iter().map(|c| json!({"id": c.id, "name": c.name, "unit": c.unit, "kind": c.source().map_or("invalid", |s| s.kind())})).collect::<Vec<_>>(),
        "evidence": state.evidence.iter().map(|e| json!({
            "seq": e.seq, "at": ts(Some(e.at)), "actor": e.actor, "decision": e.what,
            "summary": e.evidence.summary(),
            "snapshot": serde_json::to_value(&e.evidence).unwrap_or(Value::Null),
        })).collect::<Vec<_>>(),
        "overrides": state.overrides.iter().map(|(p, s)| json!({"phase": p, "actor": s.actor, "at": ts(Some(s.at)), "reason": s.note})).collect::<Vec<_>>(),
        // Which plan version this viewer runs, and whether it came from the database room.
        "plan": {
            "hash": session.plan_hash,
            "from_room": session.plan_origin != PlanOrigin::File,
        },
        "journal": {
            "path": session.journal_path.display().to_string(),
            "events": state.events,
            "head": session.head_hash(),
            "problems": session.problems.iter().map(|p| json!({"line": p.line, "message": p.message})).collect::<Vec<_>>(),
            "dangling": state.dangling.iter().map(|(seq, what)| json!({"seq": seq, "refers_to": what})).collect::<Vec<_>>(),
            // Where the journal lives (network filesystem, writable by others) and whether it
            // still extends this user's checkpoint.
            "warnings": session.journal_warnings,
            // A database room: the role this viewer connects as, and who wrote the events
            // (the OS user in `actor` beside the role the database recorded).
            "db_role": who.db_role,
            "writers": who.writers.iter().map(|w| json!({"actor": w.actor, "db_role": w.db_role, "events": w.events})).collect::<Vec<_>>(),
            "rewrite": session.rewrite.as_ref().map(|r| json!({
                "checkpoint": {"seq": r.checkpoint.seq, "hash": r.checkpoint.hash},
                "detail": r.detail,
            })),
        },
    })
}

/// `ETA done Dec 13 11:22 UTC (+22 min) · deployment window ends Dec 13 11:00 UTC ⚠ …`.
fn eta_line(e: &Eta, window: Option<(DateTime<Utc>, DateTime<Utc>)>) -> String {
    let window = window
        .map(|(_, end)| {
            format!(
                " · deployment window ends {} UTC",
                end.format("%b %d %H:%M")
            )
        })
        .unwrap_or_default();
    format!(
        "ETA {} {} UTC ({}){window}{}",
        e.milestone.label(),
        e.shown_at().format("%b %d %H:%M"),
        format_slip(e.slip_s),
        window_flag(e.past_deployment_window, e.past_rollback_window)
    )
}

/// ` ⚠ past the rollback window` (the graver), ` ⚠ past the deployment window`, or nothing.
fn window_flag(deployment: bool, rollback: bool) -> &'static str {
    if rollback {
        " ⚠ past the rollback window"
    } else if deployment {
        " ⚠ past the deployment window"
    } else {
        ""
    }
}

/// The room state as text for a terminal or a log.
#[must_use]
pub fn text(session: &Session, who: &Who, now: DateTime<Utc>) -> String {
    let state: &RoomState = &session.state;
    let mut out = String::new();
    let (done, total) = state.progress();
    let _ = writeln!(
        out,
        "{} — {}",
        sanitize(&state.plan.title),
        state.status().label()
    );
    if !state.t0_known() {
        let _ = writeln!(
            out,
            "T-0 not set: press T in the room to set it, or pass --start TIME"
        );
    } else if let Some(c) = state.countdown(now) {
        let _ = writeln!(out, "{} {}", format_countdown(c.remaining_s), c.label);
    }
    if let Some(e) = state.eta(now).filter(|_| state.t0_known()) {
        let _ = writeln!(out, "{}", eta_line(&e, state.deployment_window()));
    }
    let _ = writeln!(out, "tasks {done}/{total}");
    let forecasts = state.forecasts(now);
    for (i, p) in state.plan.phases.iter().enumerate() {
        let (d, t) = state.phase_progress(i);
        let mark = if state.current == Some(i) {
            "▶"
        } else {
            state.phase_status(i, now).label()
        };
        let forecast = forecasts[i]
            .filter(crate::state::Forecast::off_plan)
            .map(|f| {
                format!(
                    "  forecast {}–{} UTC ({}){}",
                    f.start.format("%b %d %H:%M"),
                    f.end.format("%H:%M"),
                    format_slip(f.slip_s),
                    window_flag(f.past_deployment_window, f.past_rollback_window)
                )
            })
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{mark} {:<48} {d:>3}/{t:<3} {}{forecast}",
            sanitize(&p.title),
            p.id
        );
    }
    for (i, g) in state.plan.gates.iter().enumerate() {
        let _ = writeln!(
            out,
            "gate {:<8} {} ({})",
            state.gate_decision(i).label(),
            sanitize(&g.title),
            g.id
        );
    }
    let _ = writeln!(
        out,
        "journal {} ({} events)",
        session.journal_path.display(),
        state.events
    );
    if session.journal.keeps_plans() {
        // A database room's plan comes in versions: which one this is.
        let _ = writeln!(out, "{}", session.plan_version());
    }
    if let Some(role) = &who.db_role {
        let _ = writeln!(
            out,
            "you: {} as database role {}",
            sanitize(&session.actor),
            sanitize(role)
        );
    }
    for w in &who.writers {
        let _ = writeln!(
            out,
            "written by {} as database role {}: {} events",
            sanitize(&w.actor),
            sanitize(&w.db_role),
            w.events
        );
    }
    // The journal's alarms belong in the status itself, not only on standard error: a script
    // that keeps the output keeps them.
    for alarm in session
        .rewrite_message()
        .iter()
        .chain(&session.chain_message())
    {
        let _ = writeln!(out, "! {}", sanitize(alarm));
    }
    for p in &session.problems {
        let _ = writeln!(
            out,
            "! journal {}:{}: {}",
            session.journal_path.display(),
            p.line,
            sanitize(&p.message)
        );
    }
    for w in &session.journal_warnings {
        let _ = writeln!(out, "! journal: {}", sanitize(w));
    }
    out
}

/// `warroom validate`: what the plan holds, warnings, errors with `file:line` (exit 1).
#[must_use]
pub fn validate(path: &Path, explain: bool) -> ExitCode {
    let (loaded, files) = match plan::load(path) {
        Ok(l) => (l.loaded, l.files),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(1);
        }
    };
    let p = &loaded.plan;
    let timed = p.phases.iter().filter(|x| !x.schedule.is_none()).count();
    sayln!("{}: {}", path.display(), sanitize(&p.title));
    sayln!(
        "  {} phases ({timed} with a time window), {} tasks, {} gates, {} rollback triggers ({} with a threshold), {} checks, {} metrics",
        p.phases.len(),
        p.task_count(),
        p.gates.len(),
        p.triggers.len(),
        p.triggers.iter().filter(|t| t.threshold.is_some()).count(),
        p.checks.len(),
        p.metrics.len()
    );
    for (what, list) in [("check", &p.checks), ("metric", &p.metrics)] {
        for c in list {
            let kind = c.source().map_or("invalid", |s| s.kind());
            let unit = if c.unit.is_empty() {
                String::new()
            } else {
                format!(" in {}", sanitize(&c.unit))
            };
            sayln!(
                "  {what} {} ({kind}{unit}, every {})",
                sanitize(&c.name),
                humantime::format_duration(c.interval)
            );
        }
    }
    for t in &p.triggers {
        let watched = match (&t.metric, &t.threshold) {
            (Some(m), Some(_)) => format!("watches {}", sanitize(m)),
            (None, Some(_)) => "not wired to a metric".into(),
            _ => "judged by people".into(),
        };
        let action = if t.action == crate::plan::TriggerAction::Rollback {
            " · rollback countdown"
        } else {
            ""
        };
        sayln!(
            "  trigger {}: {} · {watched}{action}",
            t.id,
            sanitize(&crate::poll::trigger::describe(t))
        );
    }
    if let Some(t0) = p.t0 {
        sayln!("  T-0 {}", t0.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    if !p.zones.is_empty() {
        sayln!(
            "  zones {}",
            p.zones
                .iter()
                .map(|z| z.name())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if explain {
        explain_reading(&files);
    }
    // Warnings quote the plan: cleaned, as everything from the plan is before a terminal.
    for w in &loaded.warnings {
        sayln!("warning: {}", sanitize(&w.to_string()));
    }
    ExitCode::SUCCESS
}

/// `validate --explain`: the importer's reasons for the Markdown runbook among `files` (the
/// plan itself, or the runbook a wiring file names), one line each: `  line N: what — why`.
/// A TOML plan is read as written, which is said instead.
fn explain_reading(files: &[std::path::PathBuf]) {
    let Some(runbook) = files
        .iter()
        .find(|f| f.extension().is_some_and(|x| x == "md" || x == "markdown"))
    else {
        sayln!("how it was read: a TOML plan is read as written; no reading rules apply");
        return;
    };
    let src = match std::fs::read(runbook) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(e) => {
            eprintln!("warroom: {}: cannot read: {e}", runbook.display());
            return;
        }
    };
    match plan::markdown::explain(&src, runbook) {
        Ok(reasons) => {
            sayln!("how {} was read:", runbook.display());
            for r in reasons {
                sayln!(
                    "  line {}: {} — {}",
                    r.line,
                    sanitize(&r.what),
                    sanitize(&r.why)
                );
            }
        }
        Err(e) => eprintln!("warroom: {e}"),
    }
}

/// `warroom verify`: walks the journal's hash chain, then compares the journal with the
/// user's checkpoint — the last event they saw of it — and moves the checkpoint up to the
/// journal's last event when it is consistent. With `accept_rewrite`, a journal that is not
/// consistent with the checkpoint is accepted as it is now (the checkpoint moves to its last
/// event; an empty journal forgets it).
///
/// Prints `consistent with checkpoint (seq N)`, or `not consistent with checkpoint: …` on
/// standard error. Exit 0; 1 when the chain is broken, the journal is not consistent with the
/// checkpoint (and was not accepted) or the journal cannot be opened; 3 on an I/O error.
#[must_use]
pub fn verify(target: &Target, accept_rewrite: bool) -> ExitCode {
    let path = match journal_of(&target.plan, target.journal.as_deref()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("warroom: {e}");
            return ExitCode::from(1);
        }
    };
    let journal = match Journal::open(&path) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("warroom: {e}");
            return ExitCode::from(1);
        }
    };
    let command = verify_command(&target.plan, &path);
    match verify_journal(&path, &journal, &command, accept_rewrite) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("warroom: {e}");
            ExitCode::from(3)
        }
    }
}

/// The work of [`verify`]; `Ok(false)`: something failed (already said).
/// `command` is the `warroom verify …` line that names this journal.
fn verify_journal(
    path: &Path,
    journal: &Journal,
    command: &str,
    accept: bool,
) -> Result<bool, JournalError> {
    let safety = journal.safety()?;
    for w in safety.refusal.iter().chain(&safety.warnings) {
        eprintln!("warning: {w}");
    }
    let mut ok = true;
    match journal.verify()? {
        Verification::Ok {
            events,
            head,
            torn_tail,
        } => {
            sayln!(
                "{}: chain consistent, {events} events, head {}",
                path.display(),
                head.as_deref().unwrap_or("(empty)")
            );
            if torn_tail {
                sayln!("note: the last line is an interrupted write; the next append removes it");
            }
        }
        Verification::Broken(p) => {
            eprintln!("{}:{}: chain broken: {}", path.display(), p.line, p.message);
            ok = false;
        }
    }
    let store = match Store::for_user() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("warning: checkpoints off: {e}");
            return Ok(ok);
        }
    };
    let id = journal.id();
    let stored = store.load(&id).unwrap_or_else(|e| {
        eprintln!("warning: {e}");
        None
    });
    let (replay, consistency) = match &stored {
        Some(cp) => journal.replay_against(cp)?,
        None => (journal.replay()?, Consistency::Consistent),
    };
    let head = replay.cursor.checkpoint();
    let p = path.display();
    let consistent = match (&stored, consistency) {
        (None, _) => {
            match &head {
                Some(h) => sayln!(
                    "{p}: no checkpoint of yours yet; recorded {} in {}",
                    h.describe(),
                    store.dir().display()
                ),
                None => sayln!("{p}: no checkpoint of yours yet (the journal is empty)"),
            }
            true
        }
        (Some(cp), Consistency::Consistent) => {
            sayln!("{p}: consistent with checkpoint (seq {})", cp.seq);
            true
        }
        (Some(cp), Consistency::Inconsistent(why)) if accept => {
            sayln!(
                "{p}: accepted the journal as it is now: it was not consistent with checkpoint \
                 {} ({why}); your checkpoint is now {}",
                cp.describe(),
                head.as_ref().map_or_else(
                    || "gone (the journal is empty)".into(),
                    Checkpoint::describe
                )
            );
            true
        }
        (Some(cp), Consistency::Inconsistent(why)) => {
            eprintln!(
                "{p}: not consistent with checkpoint {}: {why}. Your checkpoint stays; after \
                 looking at the journal, `{command} --accept-rewrite` accepts it as it is now",
                cp.describe(),
            );
            false
        }
    };
    if consistent {
        let saved = match &head {
            Some(h) if stored.as_ref() != Some(h) => store.save(&id, h),
            Some(_) => Ok(()),
            None => store.remove(&id),
        };
        if let Err(e) = saved {
            eprintln!("warning: {e}");
        }
    }
    Ok(ok && consistent)
}
