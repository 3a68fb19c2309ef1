//! The footer and the `?` help, both generated from the key map.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Ctx, fit_clean};
use crate::app::Mode;
use crate::app::action::Action;

/// The footer: the filter being typed, else the last outcome, else the keys — with `? help`
/// and `q quit` always at the right end, whatever the width.
pub(super) fn footer(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let t = ctx.theme;
    let keys = ctx.screen.keys.bindings();
    let key = |b: &crate::app::keymap::Binding, word: &str| {
        vec![
            Span::styled(format!(" {} ", b.label), t.selected),
            Span::styled(format!(" {word} "), t.text),
        ]
    };
    let always: Vec<Span> = [Action::Help, Action::Quit]
        .iter()
        .filter_map(|a| keys.iter().find(|b| b.action == *a))
        .flat_map(|b| key(b, b.footer.unwrap_or("")))
        .collect();
    let always_w: usize = always.iter().map(Span::width).sum();
    let room = (area.width as usize).saturating_sub(always_w);
    let mut left: Vec<Span> = Vec::new();
    if ctx.screen.view.mode == Mode::Filter {
        let hint = " Enter keeps · Esc clears · ↑↓ move";
        let text_w = room.saturating_sub(hint.chars().count() + 4);
        left.push(Span::styled(" / ", t.selected));
        left.push(Span::styled(
            format!(" {}▏", tail(&ctx.screen.view.filter, text_w)),
            t.title,
        ));
        left.push(Span::styled(hint, t.dim));
    } else if let Some((text, error)) = &ctx.screen.view.flash {
        let style = if *error { t.bad } else { t.good };
        left.push(Span::styled(if *error { " ✖ " } else { " ✔ " }, style));
        left.push(Span::styled(fit_clean(text, room.saturating_sub(4)), style));
    } else {
        let mut used = 0;
        for b in keys {
            if matches!(b.action, Action::Help | Action::Quit) {
                continue;
            }
            if let Some(word) = b.footer {
                let spans = key(b, word);
                let w: usize = spans.iter().map(Span::width).sum();
                // Whole hints only: a key without its word says nothing.
                if used + w > room {
                    break;
                }
                used += w;
                left.extend(spans);
            }
        }
    }
    let left_w: usize = left.iter().map(Span::width).sum();
    left.push(Span::raw(" ".repeat(room.saturating_sub(left_w))));
    left.extend(always);
    frame.render_widget(Paragraph::new(Line::from(left)), area);
}

/// The last `width` columns of `s` (made safe), so the end being typed stays in view.
fn tail(s: &str, width: usize) -> String {
    let clean = crate::text::sanitize(s);
    let n = clean.chars().count();
    if n <= width {
        clean
    } else {
        let mut out: String = clean.chars().skip(n + 1 - width.max(1)).collect();
        out.insert(0, '…');
        out
    }
}

/// The `?` help over the room, scrolled down `scroll` lines when it is taller than the
/// terminal (j/k scroll it).
pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx, scroll: u16) {
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
    lines.push(Line::styled(
        "j/k scroll this help; q quits; any other key closes it.",
        ctx.theme.dim,
    ));
    let total = lines.len() as u16;
    let h = (total + 2).min(area.height);
    let w = 76.min(area.width);
    let shown = h.saturating_sub(2);
    let scroll = scroll.min(total.saturating_sub(shown));
    let title = if shown < total {
        format!(
            "Keys {}–{} of {total} (j/k scroll)",
            scroll + 1,
            (scroll + shown).min(total)
        )
    } else {
        "Keys".to_string()
    };
    let popup = super::popup(frame, area, w, h);
    frame.render_widget(
        Paragraph::new(lines)
            .scroll((scroll, 0))
            // Framed on every side even in the compact layout: it floats over the panels.
            .block(
                ctx.block(&title, None)
                    .borders(ratatui::widgets::Borders::ALL),
            ),
        popup,
    );
}
