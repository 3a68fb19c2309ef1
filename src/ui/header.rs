//! Header: plan title, room status, countdown, clocks in UTC and the plan's zones, progress,
//! who is watching, and (compact) a one-line health strip.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, fit};
use crate::app::Screen;
use crate::poll::Health;
use crate::state::RoomStatus;
use crate::state::forecast::format_slip;
use crate::state::timeline::format_countdown;
use crate::text::sanitize;

/// Columns kept for the plan's title (and separators) on the wide header's first line.
const TITLE_ROOM: usize = 30;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let state = &ctx.screen.state;
    let t = ctx.theme;
    let status = state.status();
    let status_style = match status {
        RoomStatus::Planned => t.title,
        RoomStatus::InProgress | RoomStatus::Done => t.good,
        RoomStatus::Hold => t.warn,
        RoomStatus::Rollback => t.bad,
    }
    .add_modifier(ratatui::style::Modifier::REVERSED);

    let mut first = vec![
        Span::styled(format!(" {} ", status.label()), status_style),
        Span::raw(" "),
    ];
    if let Some(off) = ctx.screen.offline_line() {
        // Right after the state, before the countdown (whose label is fitted to what is left): what this screen shows may be behind.
        first.push(Span::styled(
            format!(" {off} "),
            t.bad.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
        first.push(Span::raw(" "));
    }
    let eta = eta_spans(ctx);
    let mut holds = Vec::new();
    if let Some(b) = state.builtin_hold(ctx.now) {
        let mins = (ctx.now - b.from).num_minutes();
        holds.push(Span::styled(
            format!(
                "BUILT-IN HOLD {mins} min: until {} is GO │ ",
                sanitize(&state.plan.gates[b.gate].title)
            ),
            t.warn.add_modifier(ratatui::style::Modifier::REVERSED),
        ));
    }
    if let Some(h) = state.hold() {
        let mins = (ctx.now - h.called.at).num_minutes();
        holds.push(Span::styled(
            format!(
                "hold {mins} min: {} │ ",
                sanitize(h.called.note.as_deref().unwrap_or(""))
            ),
            t.warn,
        ));
    }
    if !state.t0_known() {
        // Counting from the room's first event would read as if go-live already happened.
        let how = if ctx.screen.room.follower {
            "an operator sets it with T, or open with --start TIME"
        } else {
            "press T to set it, or open with --start TIME"
        };
        first.push(Span::styled("T-0 not set", t.warn));
        first.push(Span::styled(format!(": {how}"), t.text));
        first.push(Span::raw("  │ "));
    } else if let Some(c) = state.countdown(ctx.now) {
        let held = if state.hold().is_some() || state.builtin_hold(ctx.now).is_some() {
            " (held)"
        } else {
            ""
        };
        let clock = format_countdown(c.remaining_s);
        let mut label = sanitize(&c.label);
        if ctx.wide {
            // A long phase name gives way so the ETA, a hold and the plan's title stay on the
            // line.
            let taken: usize = first.iter().map(Span::width).sum::<usize>()
                + clock.chars().count()
                + held.chars().count()
                + eta.iter().map(Span::width).sum::<usize>()
                + holds.iter().map(Span::width).sum::<usize>()
                + TITLE_ROOM;
            label = fit(&label, (area.width as usize).saturating_sub(taken).max(16));
        }
        first.push(Span::styled(clock, t.title));
        first.push(Span::styled(format!(" {label}{held}"), t.text));
        first.push(Span::raw("  │ "));
    }
    // Wide: the ETA follows the countdown; compact: it has a line of its own (see `height`).
    let mut eta_line = None;
    if ctx.wide && !eta.is_empty() {
        first.extend(eta);
        first.push(Span::raw("  │ "));
    } else if !eta.is_empty() && area.height >= 3 {
        let mut spans = vec![Span::raw(" ")];
        spans.extend(eta);
        eta_line = Some(Line::from(spans));
    }
    first.extend(holds);
    let used: usize = first.iter().map(Span::width).sum();
    let title = sanitize(&state.plan.title);
    let room = (area.width as usize).saturating_sub(used + 1);
    // A title cut to a letter or two says nothing: the state and the times matter more.
    if room >= 8 {
        first.push(Span::styled(fit(&title, room), t.title));
    } else {
        drop_trailing_rule(&mut first);
    }

    let (done, total) = state.progress();
    let pct = (done * 100).checked_div(total).unwrap_or(0);
    let mut second = vec![Span::styled(
        format!(" UTC {}", ctx.now.format("%H:%M:%S")),
        t.title,
    )];
    for tz in &state.plan.zones {
        let local = ctx.now.with_timezone(tz);
        second.push(Span::styled(
            format!("  {} {}", local.format("%Z"), local.format("%H:%M")),
            t.text,
        ));
    }
    second.push(Span::raw(format!("  │ tasks {done}/{total} ({pct}%)")));
    let open_gates = (0..state.plan.gates.len())
        .filter(|&i| state.gate_decision(i) != crate::state::Decision::Go)
        .count();
    if !state.plan.gates.is_empty() {
        second.push(Span::raw(format!(
            "  gates {}/{} GO",
            state.plan.gates.len() - open_gates,
            state.plan.gates.len()
        )));
    }
    // The rollback window counts down once the deployment went live; minutes are enough
    // (seconds would redraw the header every second for a 24-hour window).
    if let Some(closes) = state.rollback_window_closes()
        && state.t0_known()
        && ctx.now >= state.t0
    {
        let left = (closes - ctx.now).num_minutes();
        let text = if left > 0 {
            format!("  │ rollback window {}h{:02} left", left / 60, left % 60)
        } else {
            "  │ rollback window CLOSED".to_string()
        };
        second.push(Span::styled(text, if left > 60 { t.text } else { t.warn }));
    }
    if let Some(r) = &state.rollback {
        let clock = state.rollback_clock(ctx.now).map(|c| {
            let budget = c
                .budget_s
                .map(|b| format!(" of {}", crate::state::rollback::clock(b)))
                .unwrap_or_default();
            let over = if c.overrun() { " OVER BUDGET" } else { "" };
            format!(
                " {}{budget}{over}",
                crate::state::rollback::clock(c.elapsed_s)
            )
        });
        second.push(Span::styled(
            format!(
                "  │ ROLLBACK since {} UTC{}: {}",
                super::hm(r.started.at),
                clock.unwrap_or_default(),
                sanitize(r.started.note.as_deref().unwrap_or(""))
            ),
            t.bad,
        ));
    }

    // A database room's plan travels with it, in versions: say which one this screen runs.
    let version = ctx.screen.room.plan_version.as_ref();
    let mut lines = vec![Line::from(first), Line::from(second)];
    lines.extend(eta_line);
    let who = who(ctx.screen);
    if ctx.wide {
        let mut third = vec![Span::styled(format!(" {who}"), t.dim)];
        third.push(Span::styled(
            format!(
                "  │ journal {} · {} events",
                sanitize(&ctx.screen.room.journal_path.display().to_string()),
                state.events
            ),
            t.dim,
        ));
        if let Some(v) = &version {
            third.push(Span::styled(format!(" · {v}"), t.dim));
        }
        if let Some(status) = &ctx.screen.notify {
            let style = if status.last_error.is_some() {
                t.bad
            } else {
                t.dim
            };
            third.push(Span::styled(
                format!("  │ {}", sanitize(&status.line())),
                style,
            ));
        }
        lines.push(Line::from(third));
    } else {
        // Compact has no identity line: a read-only viewer still says so.
        if ctx.screen.room.follower {
            lines[1].spans.insert(0, Span::styled(" FOLLOWER ", t.warn));
        }
        if let Some(v) = version {
            lines[1].spans.push(Span::styled(format!("  │ {v}"), t.dim));
        }
        let strip = health_strip(ctx);
        if !strip.is_empty() {
            lines[1].spans.push(Span::raw("  │"));
            lines[1].spans.extend(strip);
        }
    }
    // A field that does not fit whole is left out rather than cut mid-field ("23h" of
    // "23h59 left").
    lines[1] = Line::from(whole_fields(
        std::mem::take(&mut lines[1].spans),
        area.width as usize,
    ));
    frame.render_widget(Paragraph::new(lines), area);
}

/// Without the title after it, the line's last separator (`│`) would end it: drop it and the
/// spaces around it.
fn drop_trailing_rule(spans: &mut Vec<Span<'static>>) {
    while let Some(last) = spans.last_mut() {
        let kept = last
            .content
            .trim_end()
            .trim_end_matches('│')
            .trim_end()
            .to_string();
        if kept.is_empty() {
            spans.pop();
            continue;
        }
        if kept.len() != last.content.len() {
            last.content = kept.into();
        }
        break;
    }
}

/// The leading `spans` that fit whole in `width` columns; the first that does not is cut
/// with `…` when at least [`CUT_ROOM`] columns are left for it (a rollback's reason reads
/// fine cut), else left out (a date or a count cut short reads wrong).
fn whole_fields(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut used = 0;
    let mut out = Vec::new();
    for s in spans {
        let w = s.width();
        if used + w <= width {
            used += w;
            out.push(s);
            continue;
        }
        let room = width - used;
        if room >= CUT_ROOM {
            out.push(Span::styled(fit(&s.content, room), s.style));
        }
        break;
    }
    out
}

/// Columns a field must keep to be shown cut rather than left out.
const CUT_ROOM: usize = 24;

/// Rows the header needs: three when wide (the identity line), three when compact with an
/// ETA to show on terminals of 20 rows or more, else two.
pub(super) fn height(ctx: &Ctx, area: Rect) -> u16 {
    let state = &ctx.screen.state;
    if ctx.wide || (area.height >= 20 && state.t0_known() && state.eta(ctx.now).is_some()) {
        3
    } else {
        2
    }
}

/// "ETA done 11:42 UTC (+12 min)", the end of the deployment window, and a warning
/// in words when the ETA falls after the deployment or the rollback window.
fn eta_spans(ctx: &Ctx) -> Vec<Span<'static>> {
    let state = &ctx.screen.state;
    let t = ctx.theme;
    // Without T-0 the plan's relative times are guesses, and so would an ETA be.
    let Some(eta) = state.eta(ctx.now).filter(|_| state.t0_known()) else {
        return Vec::new();
    };
    let flagged = eta.past_deployment_window || eta.past_rollback_window;
    let style = if flagged {
        t.bad
    } else if eta.slip_s >= 60 {
        t.warn
    } else {
        t.text
    };
    let mut spans = vec![Span::styled(
        format!(
            "ETA {} {} UTC ({})",
            eta.milestone.label(),
            when(eta.shown_at(), ctx.now),
            format_slip(eta.slip_s)
        ),
        style,
    )];
    if eta.past_rollback_window {
        spans.push(Span::styled(" ⚠ past rollback window", t.bad));
    } else if eta.past_deployment_window {
        spans.push(Span::styled(" ⚠ past deployment window", t.bad));
    }
    if let Some((_, end)) = state.deployment_window() {
        spans.push(Span::styled(
            format!(" · window ends {} UTC", when(end, ctx.now)),
            t.text,
        ));
    }
    spans
}

/// `HH:MM`, with the date in front when it is not today's.
fn when(at: chrono::DateTime<chrono::Utc>, now: chrono::DateTime<chrono::Utc>) -> String {
    if at.date_naive() == now.date_naive() {
        super::hm(at)
    } else {
        at.format("%b %d %H:%M").to_string()
    }
}

fn who(screen: &Screen) -> String {
    let mode = if screen.room.follower {
        "FOLLOWER (read-only)"
    } else {
        "operator"
    };
    let role = screen
        .room
        .role
        .map(|r| format!(" as {}", sanitize(r)))
        .unwrap_or_default();
    format!("{mode}: {}{role}", sanitize(screen.room.actor))
}

fn health_strip(ctx: &Ctx) -> Vec<Span<'static>> {
    let plan = &ctx.screen.state.plan;
    plan.checks
        .iter()
        .zip(&ctx.screen.board.checks)
        .map(|(c, s)| {
            let (sym, style): (&str, Style) = match s.health {
                Health::Up => ("●", ctx.theme.good),
                Health::Degraded => ("◐", ctx.theme.warn),
                Health::Down => ("✖", ctx.theme.bad),
                Health::Unknown => ("?", ctx.theme.dim),
            };
            Span::styled(format!(" {sym}{}", fit(&sanitize(&c.name), 12)), style)
        })
        .collect()
}

/// For terminals too small for any panel: just the state and the countdown.
pub(super) fn tiny(frame: &mut Frame, area: Rect, screen: &Screen) {
    let state = screen.state;
    let now = screen.now;
    let mut text = state.status().label().to_string();
    if !state.t0_known() {
        text.push_str(" T-0 not set");
    } else if let Some(c) = state.countdown(now) {
        text.push(' ');
        text.push_str(&format_countdown(c.remaining_s));
    }
    frame.render_widget(Paragraph::new(fit(&text, area.width as usize)), area);
}
