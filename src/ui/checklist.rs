//! Checklist of the shown phase: progress of the phase and of the plan, and each task with
//! who ticked it and when.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph};

use super::{Ctx, fit, fit_clean, hm};
use crate::app::Panel;
use crate::plan::PhaseKind;
use crate::state::rollback::clock;
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let state = &ctx.screen.state;
    let t = ctx.theme;
    let Some(phase) = state.plan.phases.get(ctx.screen.view.phase) else {
        frame.render_widget(ctx.block("Checklist", Some(Panel::Checklist)), area);
        return;
    };
    let i = ctx.screen.view.phase;
    let (done, total) = state.phase_progress(i);
    let kind = if phase.kind == PhaseKind::Rollback {
        "Rollback step"
    } else {
        "Checklist"
    };
    let mut title = format!("{kind}: {} — {done}/{total}", sanitize(&phase.title));
    if state.current == Some(i) {
        title.push_str(" · in progress");
    }
    // During a rollback each step shows its time against its budget, and the procedure's.
    let rollback = state.rollback_clock(ctx.now);
    if let Some(rc) = &rollback
        && let Some((n, step)) = rc.steps.iter().enumerate().find(|(_, s)| s.phase == i)
    {
        let budget = step
            .budget_s
            .map(|b| format!(" of {}", clock(b)))
            .unwrap_or_default();
        let state_word = match (step.started, step.finished) {
            (None, _) => "waiting".to_string(),
            (Some(_), Some(_)) => format!("done in {}{budget}", clock(step.elapsed_s)),
            (Some(_), None) => format!("{}{budget}", clock(step.elapsed_s)),
        };
        let over = if step.overrun() {
            " · OVER BUDGET"
        } else {
            ""
        };
        let overall = rc.budget_s.map_or_else(
            || format!(" · total {}", clock(rc.elapsed_s)),
            |b| format!(" · total {} of {}", clock(rc.elapsed_s), clock(b)),
        );
        title = format!(
            "{kind} {}/{}: {} — {done}/{total} · {state_word}{over}{overall}",
            n + 1,
            rc.steps.len(),
            sanitize(&phase.title),
        );
    }
    let block = ctx.block(
        &fit(&title, area.width.saturating_sub(6) as usize),
        Some(Panel::Checklist),
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height == 0 {
        return;
    }
    let [gauge_area, list_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
    let ratio = if total == 0 {
        0.0
    } else {
        done as f64 / total as f64
    };
    let (all_done, all) = state.progress();
    frame.render_widget(
        LineGauge::default()
            .ratio(ratio)
            .label(format!(
                "phase {:>3}% · plan {all_done}/{all} ",
                (ratio * 100.0).round()
            ))
            .filled_style(t.good)
            .unfilled_style(t.dim),
        gauge_area,
    );
    if phase.tasks.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "No tasks in this phase. Tab to the timeline to pick another, or n to advance.",
            )
            .style(t.dim),
            list_area,
        );
        return;
    }
    let rows = list_area.height as usize;
    let sel = ctx.screen.view.task.min(phase.tasks.len() - 1);
    let first = sel
        .saturating_sub(rows.saturating_sub(1) / 2)
        .min(phase.tasks.len().saturating_sub(rows));
    let width = list_area.width as usize;
    let lines: Vec<Line> = phase
        .tasks
        .iter()
        .enumerate()
        .skip(first)
        .take(rows)
        .map(|(k, task)| {
            let tick = state.ticks.get(&task.id);
            let mark = if tick.is_some() { "[x]" } else { "[ ]" };
            // Ticked: who and when; open: whose step it is, as the plan says, in the good
            // colour when it is the viewer's role.
            let mine = task.owner.as_deref().is_some_and(|o| {
                ctx.screen
                    .room
                    .role
                    .is_some_and(|r| r.eq_ignore_ascii_case(o))
            });
            let who = tick.map_or_else(
                || {
                    task.owner
                        .as_deref()
                        .map_or_else(String::new, |o| format!("  {}", sanitize(o)))
                },
                |s| {
                    let user = s.actor.split('@').next().unwrap_or(&s.actor);
                    format!("  {} {}", sanitize(user), hm(s.at))
                },
            );
            let indent = "  ".repeat(task.depth.min(4));
            let pointer = if k == sel { "›" } else { " " };
            let text_w = width.saturating_sub(indent.len() + 6 + who.chars().count());
            let style = if tick.is_some() { t.dim } else { t.text };
            let mut line = Line::from(vec![
                Span::raw(pointer),
                Span::raw(indent),
                Span::styled(
                    format!("{mark} "),
                    if tick.is_some() { t.good } else { t.text },
                ),
                Span::styled(fit_clean(&task.text, text_w), style),
                Span::styled(
                    who,
                    if mine && tick.is_none() {
                        t.good
                    } else {
                        t.dim
                    },
                ),
            ]);
            if k == sel && ctx.screen.view.panel == Panel::Checklist {
                line = line.style(t.selected);
            }
            line
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list_area);
}
