//! The banner: when a rollback trigger has fired the whole room must know at a glance, from
//! across the room — which trigger, the value, the threshold, since when, and, for an
//! `action = "rollback"` trigger, the countdown to the automatic rollback and how to stop it.
//!
//! The journal's own alarms go here too, in words as well as colour, for as long as they hold:
//! a history rewritten since this user last saw it (red, until accepted), a broken hash chain
//! naming the first bad line (red, for as long as it is in the journal), and warnings about
//! where the journal lives (others could write it; a network filesystem).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::Line;
use ratatui::widgets::Paragraph;

use super::{Ctx, fit};
use crate::journal::evidence::format_value;
use crate::session::verify_command;
use crate::text::sanitize;

/// Journal warnings shown at most (each takes a line).
const MAX_JOURNAL_WARNINGS: usize = 2;

/// Lines the banner needs now (0: nothing to say).
pub(super) fn height(ctx: &Ctx) -> u16 {
    let session = &ctx.screen.room;
    let state = ctx.screen.state;
    let fired = state.fired_triggers().count().min(2) as u16;
    let countdown = u16::from(fired > 0 && state.rollback_countdown().is_some());
    let rewrite = u16::from(session.rewrite.is_some()) + u16::from(session.chain_break.is_some());
    let warnings = session.journal_warnings.len().min(MAX_JOURNAL_WARNINGS) as u16;
    countdown + rewrite + fired + warnings
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let state = &ctx.screen.state;
    let width = area.width as usize;
    let loud = ctx.theme.bad.add_modifier(Modifier::REVERSED);
    let mut lines = Vec::new();
    let session = &ctx.screen.room;
    if state.fired_triggers().next().is_some()
        && let Some(c) = state.rollback_countdown()
    {
        let left = (c.ends_at - ctx.now).num_seconds().max(0);
        let text = format!(
            " ROLLBACK IN {}:{:02} · c cancels the countdown · R rolls back now · {} ",
            left / 60,
            left % 60,
            if ctx.screen.room.follower {
                "(follower: an operator's room starts it)"
            } else {
                "this room starts it when the clock runs out"
            }
        );
        lines.push(Line::styled(fit(&text, width), loud));
    }
    if let Some(r) = &session.rewrite {
        let text = format!(
            " ⚠ HISTORY REWRITTEN: not consistent with your checkpoint (seq {}): {} · after \
             looking, accept it with: {} --accept-rewrite ",
            r.checkpoint.seq,
            sanitize(&r.detail),
            sanitize(&verify_command(session.plan_path, session.journal_path)),
        );
        lines.push(Line::styled(fit(&text, width), loud));
    }
    if let Some(p) = session.chain_break {
        let text = format!(
            " ⚠ CHAIN BROKEN at journal line {}: {} · {} · look: {} ",
            p.line,
            sanitize(&p.message),
            if session.accept_broken_chain {
                "writing anyway (--accept-broken-chain)"
            } else {
                "writes refused until a person looked and reopens with --accept-broken-chain"
            },
            sanitize(&verify_command(session.plan_path, session.journal_path)),
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
    for w in session.journal_warnings.iter().take(MAX_JOURNAL_WARNINGS) {
        let text = format!(" ⚠ JOURNAL: {} ", sanitize(w));
        lines.push(Line::styled(fit(&text, width), ctx.theme.warn));
    }
    frame.render_widget(Paragraph::new(lines), area);
}
