//! The health panel: checks (state in words and symbols, latency or why it failed, history
//! bar), metrics (value with unit, threshold, sparkline) and rollback triggers (watching,
//! pending, FIRED, or judged by people).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::spark::{history_bar, sparkline};
use super::{Ctx, fit, fit_clean, hm};
use crate::journal::evidence::format_value;
use crate::poll::trigger::describe;
use crate::poll::{Health, Signal};
use crate::text::sanitize;

/// Lines the panel would like: checks, metrics (with `spark_h` sparkline rows each), triggers,
/// their headings and borders.
pub(super) fn wanted_height(ctx: &Ctx, spark_h: u16) -> u16 {
    let plan = &ctx.screen.state.plan;
    let checks = plan.checks.len().max(1) as u16;
    let metrics = plan.metrics.len() as u16 * (1 + spark_h);
    let triggers = plan.triggers.len() as u16;
    let headings = u16::from(!plan.metrics.is_empty()) + u16::from(!plan.triggers.is_empty());
    checks + metrics + triggers + headings + 2 + u16::from(ctx.screen.reload_error.is_some())
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, spark_h: usize) {
    let app = ctx.screen;
    let plan = &app.state.plan;
    let t = ctx.theme;
    let count = |h: Health| app.board.checks.iter().filter(|s| s.health == h).count();
    let mut title = format!("Health {}/{} UP", count(Health::Up), plan.checks.len());
    for (h, word) in [(Health::Degraded, "DEGRADED"), (Health::Down, "DOWN")] {
        if count(h) > 0 {
            title = format!("{title} · {} {word}", count(h));
        }
    }
    let block = ctx.block(&title, None);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if let Some(e) = &app.reload_error {
        lines.push(Line::styled(fit_clean(e, width), t.bad));
    }

    // Names as wide as the longest, up to a third of the panel.
    let name_w = plan
        .checks
        .iter()
        .map(|c| c.name.chars().count())
        .chain(plan.metrics.iter().map(|m| m.name.chars().count()))
        .max()
        .unwrap_or(0)
        .clamp(8, (width / 3).max(8));
    // Rows past the panel's height are never seen: with 1,000 checks, formatting them all
    // was most of the drawing time.
    let rows = inner.height as usize;
    for (c, s) in plan.checks.iter().zip(&app.board.checks).take(rows) {
        let style = health_style(s.health, ctx);
        let detail = check_detail(s);
        // The reason a check fails matters more than a long history: it gets 26 columns.
        let detail_w = 26.min(width.saturating_sub(name_w + 12));
        let bar_w = width.saturating_sub(name_w + detail_w + 13);
        let mut spans = vec![
            Span::styled(format!("{:<10} ", s.health.label()), style),
            Span::raw(format!("{:<name_w$} ", fit_clean(&c.name, name_w))),
            Span::styled(
                format!("{:<detail_w$} ", fit_clean(&detail, detail_w)),
                if s.last().is_some_and(|l| l.error.is_some()) {
                    t.bad
                } else {
                    t.dim
                },
            ),
        ];
        if bar_w >= 4 {
            spans.extend(history_bar(s, bar_w, &t));
        }
        lines.push(Line::from(spans));
    }
    if plan.checks.is_empty() {
        lines.push(Line::styled(
            fit(
                "No health checks: add [[check]] to the plan or its TOML wiring (README \"Checks and metrics\").",
                width,
            ),
            t.dim,
        ));
    }

    if !plan.metrics.is_empty() {
        lines.push(Line::styled(fit("Metrics", width), t.title));
    }
    for (k, (m, s)) in plan.metrics.iter().zip(&app.board.metrics).enumerate() {
        let threshold = app.threshold_lines.get(k).copied().flatten();
        let value = match (s.value(), s.last()) {
            (Some(v), _) => format!("{}{}", format_value(v), m.unit),
            (None, Some(l)) if l.error.is_some() => l
                .error
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            (None, Some(_)) => "sampling…".into(),
            (None, None) => "waiting for the first sample".into(),
        };
        let limit = threshold
            .map(|(op, v)| format!("  limit {} {}{}", op.symbol(), format_value(v), m.unit))
            .map(|l| sanitize(&l))
            .unwrap_or_default();
        let style = health_style(s.health, ctx);
        let head = format!("{:<name_w$} ", fit_clean(&m.name, name_w));
        if spark_h == 0 {
            let spark_w = width.saturating_sub(name_w + 12);
            let mut spans = vec![
                Span::raw(head),
                Span::styled(format!("{:<10} ", fit_clean(&value, 10)), style),
            ];
            if let Some(row) = sparkline(s, threshold, spark_w, 1, &t).pop() {
                spans.extend(row);
            }
            lines.push(Line::from(spans));
        } else {
            lines.push(Line::from(vec![
                Span::raw(head),
                Span::styled(sanitize(&value), style),
                Span::styled(fit(&limit, width.saturating_sub(name_w + 12)), t.dim),
            ]));
            for row in sparkline(s, threshold, width.saturating_sub(2), spark_h, &t) {
                let mut spans = vec![Span::raw("  ")];
                spans.extend(row);
                lines.push(Line::from(spans));
            }
        }
    }

    if !plan.triggers.is_empty() {
        lines.push(Line::styled(fit("Rollback triggers", width), t.title));
    }
    let state = &app.state;
    for (i, trig) in plan.triggers.iter().enumerate() {
        let fired = state.triggers.get(i).and_then(|r| r.fired.as_ref());
        let watch = app.watches.get(i);
        let bound = app.bindings.get(i).copied().flatten();
        let (word, style) = if fired.is_some() {
            ("⚠ FIRED  ", t.bad)
        } else if bound.is_none() {
            ("· people ", t.dim)
        } else if watch.is_some_and(|w| w.pending_since.is_some()) {
            ("◔ pending", t.warn)
        } else {
            ("● ok     ", t.good)
        };
        let status = match (fired, bound, watch) {
            (Some(f), _, _) => format!(
                "{} · was {} · since {}",
                f.condition,
                format_value(f.value),
                hm(f.since)
            ),
            (None, None, _) => {
                if trig.threshold.is_some() {
                    "not wired to a metric: bind it in the TOML wiring".into()
                } else {
                    "judged by people".into()
                }
            }
            (None, Some(_), w) => {
                let now = w
                    .and_then(|w| w.last_value)
                    .map(|v| format!(" · now {}", format_value(v)))
                    .unwrap_or_default();
                let pending = w
                    .and_then(|w| w.pending_since)
                    .map(|p| format!(" · met since {}", p.format("%H:%M:%S")))
                    .unwrap_or_default();
                format!("{}{now}{pending}", describe(trig))
            }
        };
        // A wired trigger is shown by its condition (the banner quotes the plan's words); one
        // judged by people by the plan's words.
        let what = if bound.is_some() || fired.is_some() {
            status
        } else {
            format!("{} · {status}", trig.text)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{word} "), style),
            Span::styled(fit_clean(&what, width.saturating_sub(10)), t.text),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// The one line of detail after a check's name: latency or value when it passes, why it
/// failed otherwise.
fn check_detail(s: &Signal) -> String {
    let Some(last) = s.last() else {
        return "waiting…".into();
    };
    if let Some(e) = &last.error {
        // "status: status 503 (expected 200)" says "status" once.
        let kind = e.kind.label();
        return if e.detail.starts_with(kind) {
            e.detail.clone()
        } else {
            format!("{kind}: {}", e.detail)
        };
    }
    if let Some(why) = &last.degraded_by {
        return why.clone();
    }
    match (last.value, last.latency_ms) {
        (Some(v), _) => format_value(v),
        (None, Some(l)) => format!("{} ms", l.round()),
        (None, None) => String::new(),
    }
}

fn health_style(h: Health, ctx: &Ctx) -> ratatui::style::Style {
    match h {
        Health::Up => ctx.theme.good,
        Health::Degraded => ctx.theme.warn,
        Health::Down => ctx.theme.bad,
        Health::Unknown => ctx.theme.dim,
    }
}

/// One line for layouts without the health panel: why a plan edit was not loaded, else the
/// triggers' states and then each metric's value with its unit. Empty when there is nothing
/// to say.
pub(super) fn strip(ctx: &Ctx, width: usize) -> Option<Line<'static>> {
    let app = ctx.screen;
    let plan = &app.state.plan;
    let t = ctx.theme;
    if let Some(e) = &app.reload_error {
        return Some(Line::styled(fit_clean(e, width), t.bad));
    }
    let mut spans: Vec<Span<'static>> = Vec::new();
    // The triggers first: on a narrow line the metrics are cut, never the rollback's word.
    let fired = app.state.fired_triggers().count();
    let pending = app
        .watches
        .iter()
        .filter(|w| w.pending_since.is_some() && !w.firing)
        .count();
    // Only triggers wired to a metric or check are watched; the others are for people.
    let watched = app.bindings.iter().flatten().count();
    let people = plan.triggers.len().saturating_sub(watched);
    let (text, style) = match (fired, pending, watched) {
        (0, _, 0) => (String::new(), t.dim),
        (0, 0, w) => (format!(" triggers {w} ok"), t.good),
        (0, p, _) => (format!(" triggers ◔ {p} pending"), t.warn),
        (f, _, _) => (format!(" triggers ⚠ {f} FIRED"), t.bad),
    };
    if !text.is_empty() {
        spans.push(Span::styled(text, style));
    }
    if people > 0 {
        let sep = if spans.is_empty() { " triggers" } else { "," };
        spans.push(Span::styled(
            format!("{sep} {people} judged by people"),
            t.dim,
        ));
    }
    // A rule between the triggers and the metrics, only when a metric follows it.
    let rule = (!spans.is_empty()).then(|| Span::styled(" │", t.dim));
    let mut used: usize =
        spans.iter().map(Span::width).sum::<usize>() + rule.as_ref().map_or(0, Span::width);
    let mut metrics = Vec::new();
    // Each metric whole (name and value) or not at all: a name without its value says nothing.
    for (m, s) in plan.metrics.iter().zip(&app.board.metrics) {
        let value = s.value().map_or_else(
            || "…".to_string(),
            |v| sanitize(&format!("{}{}", format_value(v), m.unit)),
        );
        let name = Span::raw(format!(" {} ", fit_clean(&m.name, 14)));
        let value = Span::styled(value, health_style(s.health, ctx));
        used += name.width() + value.width();
        if used > width {
            break;
        }
        metrics.extend([name, value]);
    }
    if !metrics.is_empty() {
        spans.extend(rule);
        spans.extend(metrics);
    }
    (!spans.is_empty()).then(|| Line::from(spans))
}
