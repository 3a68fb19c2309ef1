//! Dialogs: vote, hold reason, rollback confirmation, advance override.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::Ctx;
use crate::app::{Mode, VoteField};
use crate::journal::event::Vote;
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, mode: &Mode) {
    let t = ctx.theme;
    let (title, lines): (String, Vec<Line>) = match mode {
        Mode::Vote(d) => {
            let gate = &ctx.screen.state.plan.gates[d.gate];
            let mark = |f: VoteField| if d.field == f { "▸ " } else { "  " };
            let votes: Vec<Span> = [Vote::Go, Vote::NoGo, Vote::Hold]
                .iter()
                .flat_map(|v| {
                    let style = if *v == d.vote { t.selected } else { t.text };
                    [
                        Span::styled(format!(" {} ", v.label()), style),
                        Span::raw(" "),
                    ]
                })
                .collect();
            let mut vote_line = vec![Span::raw(format!("{}Vote: ", mark(VoteField::Vote)))];
            vote_line.extend(votes);
            (
                "Go / No-Go".into(),
                vec![
                    Line::styled(sanitize(&gate.title), t.title),
                    Line::raw(""),
                    Line::raw(format!(
                        "{}Role: ◂ {} ▸",
                        mark(VoteField::Role),
                        sanitize(d.roles.get(d.role).map_or("", String::as_str))
                    )),
                    Line::from(vote_line),
                    Line::raw(format!(
                        "{}Note: {}▏",
                        mark(VoteField::Note),
                        sanitize(&d.note.text)
                    )),
                    Line::raw(""),
                    Line::styled(
                        "Tab/↑↓ field · ←→ choose · g/n/h vote · Enter record · Esc cancel",
                        t.dim,
                    ),
                    Line::styled("A NO-GO needs a note saying why.", t.dim),
                ],
            )
        }
        Mode::Hold(f) => (
            "Call a HOLD".into(),
            vec![
                Line::raw("The countdown stops until the hold is released (h again)."),
                Line::raw(""),
                Line::raw(format!("Reason: {}▏", sanitize(&f.text))),
                Line::raw(""),
                Line::styled("Enter call the hold · Esc cancel", t.dim),
            ],
        ),
        Mode::SetT0 { field, error } => {
            let mut lines = vec![
                Line::raw("Go-live (T-0): the plan's relative times count from it,"),
                Line::raw("for every viewer and the report (it is journaled)."),
                Line::raw(""),
                Line::raw(format!("Date and time, UTC: {}▏", sanitize(&field.text))),
                Line::styled("e.g. 2025-12-13 09:00 · 09:00 (today) · now", t.dim),
            ];
            if let Some(e) = error {
                lines.push(Line::styled(sanitize(e), t.bad));
            }
            lines.push(Line::raw(""));
            lines.push(Line::styled("Enter set T-0 · Esc cancel", t.dim));
            ("Set T-0".into(), lines)
        }
        Mode::Rollback(f) => (
            "START ROLLBACK?".into(),
            vec![
                Line::styled("This switches the room to ROLLBACK for everyone.", t.bad),
                Line::raw("The rollback procedure becomes the active checklist."),
                Line::raw(""),
                Line::raw(format!("Reason (required): {}▏", sanitize(&f.text))),
                Line::raw(""),
                Line::styled("Enter start the rollback · Esc cancel", t.dim),
            ],
        ),
        Mode::RunConfirm { command, .. } => (
            "Run this step's command?".into(),
            vec![
                Line::styled(format!("$ {}", sanitize(command)), t.title),
                Line::raw(""),
                Line::raw("It runs here, as you, in the plan's directory, with a deadline."),
                Line::raw("Non-interactive commands only: it cannot read this terminal."),
                Line::raw("The outcome and its last lines are journaled; success ticks the task."),
                Line::raw(""),
                Line::styled("Enter/y run · Esc/n cancel", t.dim),
            ],
        ),
        Mode::Output => {
            output(frame, area, ctx);
            return;
        }
        Mode::Override { blocking, reason } => (
            "Advance anyway? (override)".into(),
            vec![
                Line::styled(sanitize(blocking), t.warn),
                Line::raw(""),
                Line::raw("The override and its reason are journaled and shown to everyone."),
                Line::raw(format!("Reason (required): {}▏", sanitize(&reason.text))),
                Line::raw(""),
                Line::styled("Enter advance with override · Esc cancel", t.dim),
            ],
        ),
        Mode::AcceptRewrite { .. } => {
            let s = &ctx.screen.room;
            let detail = s.rewrite.as_ref().map_or("", |r| r.detail.as_str());
            (
                "HISTORY REWRITTEN: accept it before writing?".into(),
                vec![
                    Line::styled(
                        "The journal is not consistent with what you last saw of it:",
                        t.bad,
                    ),
                    Line::raw(sanitize(detail)),
                    Line::raw(""),
                    Line::raw("Writing now chains your event onto the journal as it is."),
                    Line::raw(format!(
                        "Look first: {}",
                        sanitize(&crate::session::verify_command(s.plan_path, s.journal_path))
                    )),
                    Line::raw(""),
                    Line::styled(
                        "y accept the journal as it is now, then act · Esc/n write nothing",
                        t.dim,
                    ),
                ],
            )
        }
        Mode::Normal | Mode::Help(_) | Mode::Filter => return,
    };
    let w = 72.min(area.width);
    let h = (lines.len() as u16 + 4).min(area.height);
    let popup = super::popup(frame, area, w, h);
    let block = ratatui::widgets::Block::bordered()
        .title(format!(" {title} "))
        .title_style(t.title)
        .border_style(t.focus);
    frame.render_widget(
        Paragraph::new(lines)
            .wrap(Wrap { trim: false })
            .block(block),
        popup,
    );
}

/// The running (or finished) command's output, sanitised, in a large pane.
fn output(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let Some(r) = &ctx.screen.running else { return };
    let w = area.width.saturating_sub(4).max(20).min(area.width);
    let h = area.height.saturating_sub(4).max(6).min(area.height);
    let popup = super::popup(frame, area, w, h);
    let state = r.finished.as_deref().map_or_else(
        || "running · Esc cancels".to_string(),
        |f| format!("{f} · Esc closes"),
    );
    let title = format!(" $ {} — {state} ", sanitize(&r.command));
    let block = ratatui::widgets::Block::bordered()
        .title(super::fit(&title, w.saturating_sub(2) as usize))
        .title_style(if r.finished.is_some() {
            t.title
        } else {
            t.warn
        })
        .border_style(t.focus);
    let inner = block.inner(popup);
    let width = inner.width as usize;
    let lines: Vec<Line> = r
        .pane
        .visible(inner.height as usize)
        .map(|(stream, text)| {
            let style = match stream {
                crate::exec::Stream::Stdout => t.text,
                crate::exec::Stream::Stderr => t.warn,
            };
            Line::styled(super::fit_clean(text, width), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines).block(block), popup);
}
