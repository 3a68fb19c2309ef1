//! Checklist of the shown phase: progress of the phase and of the plan, and each task with
//! who ticked it and when.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{LineGauge, Paragraph};

use unicode_width::UnicodeWidthStr;

use super::{Ctx, fit, fit_clean, hm, wrap};
use crate::app::Panel;
use crate::app::filter::visible_tasks;
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
    // The filter right after the counts: on a narrow title it must not be cut.
    let filter = &ctx.screen.view.filter;
    let filtered = if filter.is_empty() {
        String::new()
    } else {
        let n = visible_tasks(&phase.tasks, filter).len();
        format!(" · filter \"{}\": {n} of {total}", sanitize(filter))
    };
    let mut title = format!(
        "{kind}: {} — {done}/{total}{filtered}",
        sanitize(&phase.title)
    );
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
            "{kind} {}/{}: {} — {done}/{total}{filtered} · {state_word}{over}{overall}",
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
    let filter = ctx.screen.view.filter.as_str();
    let shown = visible_tasks(&phase.tasks, filter);
    if shown.is_empty() {
        frame.render_widget(
            Paragraph::new(fit(
                &format!(
                    "No task of this phase matches \"{}\" (Esc clears the filter).",
                    sanitize(filter)
                ),
                list_area.width as usize,
            ))
            .style(t.warn),
            list_area,
        );
        return;
    }
    let width = list_area.width as usize;
    let sel = shown
        .iter()
        .position(|&k| k == ctx.screen.view.task)
        .unwrap_or(0);
    // Who ticked it (or whose step it is) in one right-hand column, as wide as the widest.
    let whos: Vec<String> = shown.iter().map(|&k| who(ctx, &phase.tasks[k])).collect();
    let who_w = whos
        .iter()
        .map(|w| w.width())
        .max()
        .unwrap_or(0)
        .min(width / 3);
    let text_w = |task: &crate::plan::Task| {
        width.saturating_sub("  ".repeat(task.depth.min(4)).len() + 5 + who_w + 1)
    };
    // The selected task's whole text, wrapped (at most 3 lines): other rows are cut.
    let sel_task = &phase.tasks[shown[sel]];
    let sel_lines = wrap(&sanitize(&sel_task.text), text_w(sel_task).max(1), 3);
    let mut rows = list_area.height as usize;
    let extra = sel_lines.len().saturating_sub(1);
    let fits = shown.len() + extra <= rows;
    if !fits {
        // One row says how many are off screen.
        rows = rows.saturating_sub(1);
    }
    let task_rows = rows.saturating_sub(extra).max(1);
    let first = sel
        .saturating_sub(task_rows.saturating_sub(1) / 2)
        .min(shown.len().saturating_sub(task_rows));
    let mut lines: Vec<Line> = Vec::new();
    for (n, &k) in shown.iter().enumerate().skip(first).take(task_rows) {
        let task = &phase.tasks[k];
        let tick = state.ticks.get(&task.id);
        let mark = if tick.is_some() { "[x]" } else { "[ ]" };
        let mine = task.owner.as_deref().is_some_and(|o| {
            ctx.screen
                .room
                .role
                .is_some_and(|r| r.eq_ignore_ascii_case(o))
        });
        let indent = "  ".repeat(task.depth.min(4));
        let is_sel = n == sel;
        let pointer = if is_sel { "›" } else { " " };
        let tw = text_w(task);
        let style = if tick.is_some() { t.dim } else { t.text };
        let who_style = if mine && tick.is_none() {
            t.good
        } else {
            t.dim
        };
        let texts = if is_sel {
            sel_lines.clone()
        } else {
            vec![fit_clean(&task.text, tw)]
        };
        let row_style = if is_sel && ctx.screen.view.panel == Panel::Checklist {
            t.selected
        } else {
            ratatui::style::Style::new()
        };
        for (j, text) in texts.iter().enumerate() {
            let pad = tw.saturating_sub(text.width());
            let lead = if j == 0 {
                vec![
                    Span::raw(pointer),
                    Span::raw(indent.clone()),
                    Span::styled(
                        format!("{mark} "),
                        if tick.is_some() { t.good } else { t.text },
                    ),
                ]
            } else {
                vec![Span::raw(format!(" {indent}    "))]
            };
            let mut spans = lead;
            spans.push(Span::styled(format!("{text}{}", " ".repeat(pad)), style));
            if j == 0 {
                spans.push(Span::styled(
                    format!(" {:>who_w$}", fit(&whos[n], who_w)),
                    who_style,
                ));
            }
            lines.push(Line::from(spans).style(row_style));
            if lines.len() >= rows {
                break;
            }
        }
    }
    if !fits {
        let above = first;
        let below = shown.len().saturating_sub(first + task_rows);
        let mut more = Vec::new();
        if above > 0 {
            more.push(format!("↑ {above} above"));
        }
        if below > 0 {
            more.push(format!("↓ +{below} more"));
        }
        lines.push(Line::styled(format!("  {}", more.join(" · ")), t.dim));
    }
    frame.render_widget(Paragraph::new(lines), list_area);
}

/// Ticked: who and when; open: whose step it is, as the plan says.
fn who(ctx: &Ctx, task: &crate::plan::Task) -> String {
    ctx.screen.state.ticks.get(&task.id).map_or_else(
        || task.owner.as_deref().map_or_else(String::new, sanitize),
        |s| {
            let user = s.actor.split('@').next().unwrap_or(&s.actor);
            format!("{} {}", sanitize(user), hm(s.at))
        },
    )
}
