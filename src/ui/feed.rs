//! Event feed: the journal's latest events, newest at the bottom, with absolute times (an
//! "N s ago" column would repaint every second). Journal problems are listed first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::UnicodeWidthStr;

use super::{Ctx, clip_clean, hm};
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let session = &ctx.screen.room;
    let t = ctx.theme;
    let block = ctx.block(
        &format!("Journal feed (#{})", ctx.screen.state.head_seq),
        None,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines: Vec<Line> = Vec::new();
    for p in session.problems {
        lines.push(Line::styled(
            format!("! journal line {}: {}", p.line, sanitize(&p.message)),
            t.bad,
        ));
    }
    for (seq, what) in &ctx.screen.state.dangling {
        lines.push(Line::styled(
            format!("! event #{seq} names {}, not in this plan", sanitize(what)),
            t.warn,
        ));
    }
    let rows = inner.height as usize;
    lines.truncate(rows / 2);
    let room = rows - lines.len();
    let skip = ctx.screen.state.feed.len().saturating_sub(room);
    for item in ctx.screen.state.feed.iter().skip(skip) {
        let user = item.actor.split('@').next().unwrap_or(&item.actor);
        let who = format!("{} ", clip_clean(user, 32));
        let rest = (inner.width as usize).saturating_sub(6 + who.width());
        lines.push(Line::from(vec![
            Span::styled(format!("{} ", hm(item.at)), t.dim),
            Span::styled(who, t.title),
            // A note may be a megabyte on one line: only what fits is cleaned and drawn.
            Span::raw(clip_clean(&item.text, rest)),
        ]));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}
