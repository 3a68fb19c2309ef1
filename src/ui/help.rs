//! The footer and the `?` help, both generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, fit_clean};

pub(super) fn footer(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let line = if let Some((text, error)) = &ctx.screen.view.flash {
        let style = if *error { t.bad } else { t.good };
        Line::from(vec![
            Span::styled(if *error { " ✖ " } else { " ✔ " }, style),
            Span::styled(
                fit_clean(text, area.width.saturating_sub(4) as usize),
                style,
            ),
        ])
    } else {
        let mut spans = Vec::new();
        for b in ctx.screen.keys.bindings() {
            if let Some(word) = b.footer {
                spans.push(Span::styled(format!(" {} ", b.label), t.selected));
                spans.push(Span::styled(format!(" {word} "), t.text));
            }
        }
        Line::from(spans)
    };
    frame.render_widget(Paragraph::new(line), area);
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let bindings = ctx.screen.keys.bindings();
    let mut lines: Vec<Line> = bindings
        .iter()
        .map(|b| {
            Line::from(vec![
                Span::styled(format!("{:>7}  ", b.label), ctx.theme.title),
                Span::raw(b.help),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "In dialogs: Enter confirms, Esc cancels.",
        ctx.theme.dim,
    ));
    lines.push(Line::styled("Any key closes this help.", ctx.theme.dim));
    let h = (lines.len() as u16 + 2).min(area.height);
    let w = 60.min(area.width);
    let popup = super::popup(frame, area, w, h);
    frame.render_widget(Paragraph::new(lines).block(ctx.block("Keys", None)), popup);
}
