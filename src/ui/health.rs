//! Health panel: every check with its state in words and symbols, latency and last error.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, fit};
use crate::poll::Health;
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let plan = &ctx.app.session.state.plan;
    let t = ctx.theme;
    let up = (0..plan.checks.len())
        .filter(|&i| ctx.app.health.health(i) == Health::Up)
        .count();
    let title = if plan.triggers.is_empty() {
        format!("Health {up}/{} UP", plan.checks.len())
    } else {
        format!(
            "Health {up}/{} UP · rollback triggers {}",
            plan.checks.len(),
            plan.triggers.len()
        )
    };
    let block = ctx.block(&title, None);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = plan
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let probe = ctx.app.health.latest[i].as_ref();
            let h = ctx.app.health.health(i);
            let style = match h {
                Health::Up => t.good,
                Health::Down => t.bad,
                Health::Unknown => t.dim,
            };
            let detail = match probe {
                Some(p) if p.health == Health::Up => {
                    p.latency_ms.map(|l| format!("{l} ms")).unwrap_or_default()
                }
                Some(p) => p.error.clone().unwrap_or_default(),
                None => "waiting for the first answer".into(),
            };
            let name_w = 20.min(width / 2);
            Line::from(vec![
                Span::styled(format!("{:<9} ", h.label()), style),
                Span::raw(format!("{:<name_w$} ", fit(&sanitize(&c.name), name_w))),
                Span::styled(
                    fit(&sanitize(&detail), width.saturating_sub(name_w + 11)),
                    t.dim,
                ),
            ])
        })
        .collect();
    if plan.checks.is_empty() {
        lines.push(Line::styled(
            fit(
                "No health checks: add [[check]] to a TOML plan (config/example-launch.toml).",
                width,
            ),
            t.dim,
        ));
    }
    // Triggers are parsed and shown; evaluating them against live metrics is not built yet,
    // and the screen says so rather than showing a reassuring "OK".
    for trig in &plan.triggers {
        let cond = trig.threshold.as_ref().map_or_else(
            || "judged by people".to_string(),
            |th| {
                let dur = th.for_s.map(|s| format!(" for {s}s")).unwrap_or_default();
                let unit = if th.unit.is_empty() {
                    String::new()
                } else {
                    format!(" {}", th.unit)
                };
                format!("{} {} {}{unit}{dur}", th.measure, th.op.symbol(), th.value)
            },
        );
        let half = width / 2;
        lines.push(Line::from(vec![
            Span::styled("⚑ ", t.warn),
            Span::raw(format!(
                "{:<w$}",
                fit(&sanitize(&trig.text), half.saturating_sub(2)),
                w = half.saturating_sub(2)
            )),
            Span::styled(
                fit(
                    &format!(" {} · not watched yet", sanitize(&cond)),
                    width - half,
                ),
                t.dim,
            ),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
