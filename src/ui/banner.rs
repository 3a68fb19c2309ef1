//! The banner: when a rollback trigger has fired the whole room must know at a glance, from
//! across the room — which trigger, the value, the threshold, since when, and, for an
//! `action = "rollback"` trigger, the countdown to the automatic rollback and how to stop it.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Ctx, fit};
use crate::journal::evidence::format_value;
use crate::text::sanitize;

/// Lines the banner needs now (0: nothing fired).
pub(super) fn height(ctx: &Ctx) -> u16 {
    let state = &ctx.app.session.state;
    let fired = state.fired_triggers().count() as u16;
    if fired == 0 {
        return 0;
    }
    fired.min(2) + u16::from(state.rollback_countdown().is_some())
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let state = &ctx.app.session.state;
    let width = area.width as usize;
    let loud = ctx.theme.bad.add_modifier(Modifier::REVERSED);
    let mut lines = Vec::new();
    if let Some(c) = state.rollback_countdown() {
        let left = (c.ends_at - ctx.now).num_seconds().max(0);
        let text = format!(
            " ROLLBACK IN {}:{:02} · c cancels the countdown · R rolls back now · {} ",
            left / 60,
            left % 60,
            if ctx.app.session.follower {
                "(follower: an operator's room starts it)"
            } else {
                "this room starts it when the clock runs out"
            }
        );
        lines.push(Line::styled(fit(&text, width), loud));
    }
    for (i, f) in state.fired_triggers().take(2) {
        let t = &state.plan.triggers[i];
        let text = format!(
            " ⚠ ROLLBACK TRIGGER MET: {} · {} · value {} · since {} UTC{} · journaled by {} ",
            sanitize(&t.text),
            sanitize(&f.condition),
            format_value(f.value),
            f.since.format("%H:%M:%S"),
            if f.cancelled.is_some() {
                " · countdown cancelled"
            } else {
                ""
            },
            sanitize(&f.stamp.actor),
        );
        lines.push(Line::styled(fit(&text, width), loud));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
