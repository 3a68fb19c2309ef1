//! Event feed: the journal's latest events, newest at the bottom, with absolute times (an
//! "N s ago" column would repaint every second). Journal problems are listed first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use unicode_width::UnicodeWidthStr;

use super::{Ctx, clip_clean, hm};
use crate::app::filter::feed_matches;
use crate::text::sanitize;

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let session = &ctx.screen.room;
    let t = ctx.theme;
    let filter = ctx.screen.view.filter.as_str();
    let title = if filter.is_empty() {
        format!("Journal feed (#{})", ctx.screen.state.head_seq)
    } else {
        format!(
            "Journal feed (#{}) · filter \"{}\"",
            ctx.screen.state.head_seq,
            sanitize(filter)
        )
    };
    let block = ctx.block(&title, None);
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
    // The newest lines that pass the filter, oldest of them first.
    let mut shown: Vec<_> = ctx
        .screen
        .state
        .feed
        .iter()
        .rev()
        .filter(|item| feed_matches(filter, item))
        .take(room)
        .collect();
    shown.reverse();
    if shown.is_empty() && !filter.is_empty() && room > 0 {
        lines.push(Line::styled(
            format!("no event matches \"{}\"", sanitize(filter)),
            t.dim,
        ));
    }
    for item in shown {
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
