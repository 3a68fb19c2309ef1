//! Drawing: a pure function of a read-only [`Screen`] and a [`Theme`] decided once at start.
//! No I/O, no locks, no clock, no environment, no changes.
//!
//! ```text
//! wide (≥ 120×32)                          compact (80×24)
//! ┌ header: title · STATE · clocks · T- ┐  header (2 lines, health strip; ETA line)
//! ├ timeline ─────────────┬ gates ───────┤  timeline
//! ├ checklist ────────────┼ health ──────┤  checklist
//! │                       ├ feed ────────┤  gates │ feed
//! └ footer: keys · last outcome ────────┘  footer
//! ```

mod banner;
mod bigtext;
mod checklist;
mod dialogs;
mod feed;
mod gates;
mod header;
mod health;
mod help;
mod spark;
pub mod theme;
mod timeline;
mod wall;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders};

use crate::app::{Mode, Panel, Screen};
use theme::Theme;

/// Width and height from which the wide layout is used.
pub const WIDE: (u16, u16) = (120, 32);

/// Width and height from which the wall band (state, countdown and clocks in large digits)
/// is shown without `--wall`.
pub const WALL: (u16, u16) = (150, 40);

/// Draws the whole room as `screen` shows it, in `theme`.
pub fn render(frame: &mut Frame, screen: &Screen, theme: Theme) {
    let area = frame.area();
    if area.width < 20 || area.height < 6 {
        header::tiny(frame, area, screen);
        return;
    }
    let wide = area.width >= WIDE.0 && area.height >= WIDE.1;
    // Forced on with `--wall`, the band still needs rows for the panels under it.
    let wall =
        (screen.view.wall || (area.width >= WALL.0 && area.height >= WALL.1)) && area.height >= 20;
    let ctx = Ctx {
        screen,
        now: screen.now,
        theme,
        wide,
        wall,
    };
    if wide {
        draw_wide(frame, area, &ctx);
    } else {
        draw_compact(frame, area, &ctx);
    }
    match &screen.view.mode {
        Mode::Normal | Mode::Filter => {}
        Mode::Help(scroll) => help::draw(frame, area, &ctx, *scroll),
        mode => dialogs::draw(frame, area, &ctx, mode),
    }
}

/// What every widget draws from.
pub(crate) struct Ctx<'a> {
    pub screen: &'a Screen<'a>,
    pub now: DateTime<Utc>,
    pub theme: Theme,
    pub wide: bool,
    /// The wall band is drawn.
    pub wall: bool,
}

impl Ctx<'_> {
    /// A panel's frame: full borders when wide, a top rule when compact; highlighted when the
    /// panel has the keys.
    pub fn block(&self, title: &str, panel: Option<Panel>) -> Block<'static> {
        let focused = panel.is_some_and(|p| p == self.screen.view.panel);
        let borders = if self.wide {
            Borders::ALL
        } else {
            Borders::TOP
        };
        let title = if focused {
            format!("▸ {title} ")
        } else {
            format!(" {title} ")
        };
        Block::default()
            .borders(borders)
            .border_style(if focused {
                self.theme.focus
            } else {
                self.theme.dim
            })
            .title(title)
            .title_style(if focused {
                self.theme.focus_title
            } else {
                self.theme.title
            })
    }
}

fn draw_wide(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let plan = &ctx.screen.state.plan;
    let timeline_h = (plan.phases.len() as u16 + 3).clamp(5, area.height / 3);
    let [head, band, alert, top, middle, foot] = Layout::vertical([
        Constraint::Length(3),
        Constraint::Length(if ctx.wall { wall::HEIGHT } else { 0 }),
        Constraint::Length(banner::height(ctx)),
        Constraint::Length(timeline_h),
        Constraint::Min(8),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, head, ctx);
    if ctx.wall {
        wall::draw(frame, band, ctx);
    }
    banner::draw(frame, alert, ctx);
    let [tl, gates_area] =
        Layout::horizontal([Constraint::Percentage(62), Constraint::Percentage(38)]).areas(top);
    timeline::draw(frame, tl, ctx);
    gates::draw(frame, gates_area, ctx);
    let [list, side] =
        Layout::horizontal([Constraint::Percentage(55), Constraint::Percentage(45)]).areas(middle);
    checklist::draw(frame, list, ctx);
    // Sparklines two rows high when there is room, else inline; the feed keeps 6 rows.
    let room = side.height.saturating_sub(6);
    let spark_h = if health::wanted_height(ctx, 2) <= room {
        2
    } else {
        0
    };
    let health_h = health::wanted_height(ctx, spark_h).clamp(3, room.max(3));
    let [health_area, feed_area] =
        Layout::vertical([Constraint::Length(health_h), Constraint::Min(3)]).areas(side);
    health::draw(frame, health_area, ctx, spark_h as usize);
    feed::draw(frame, feed_area, ctx);
    help::footer(frame, foot, ctx);
}

fn draw_compact(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let plan = &ctx.screen.state.plan;
    let mut timeline_h = (plan.phases.len() as u16 + 1).clamp(3, (area.height / 4).max(3));
    if ctx.wall {
        // The band's rows come out of the timeline first, so it keeps its full height.
        timeline_h = timeline_h.min(area.height.saturating_sub(21).max(3));
    }
    let bottom_h = if area.height >= 20 { 5 } else { 0 };
    let strip = health::strip(ctx, area.width as usize);
    let [head, band, strip_area, alert, tl, list, bottom, foot] = Layout::vertical([
        Constraint::Length(header::height(ctx, area)),
        Constraint::Length(if ctx.wall { wall::HEIGHT } else { 0 }),
        Constraint::Length(u16::from(strip.is_some() && area.height >= 12)),
        Constraint::Length(banner::height(ctx).min(2)),
        Constraint::Length(timeline_h),
        Constraint::Min(3),
        Constraint::Length(bottom_h),
        Constraint::Length(1),
    ])
    .areas(area);
    header::draw(frame, head, ctx);
    if ctx.wall {
        wall::draw(frame, band, ctx);
    }
    if let Some(line) = strip {
        frame.render_widget(ratatui::widgets::Paragraph::new(line), strip_area);
    }
    banner::draw(frame, alert, ctx);
    timeline::draw(frame, tl, ctx);
    checklist::draw(frame, list, ctx);
    if bottom_h > 0 {
        // A rule between the two keeps a long gate title from reading on into the feed.
        let [g, rule, f] = Layout::horizontal([
            Constraint::Percentage(50),
            Constraint::Length(1),
            Constraint::Fill(1),
        ])
        .areas(bottom);
        gates::draw(frame, g, ctx);
        frame.render_widget(
            Block::default()
                .borders(Borders::LEFT)
                .border_style(ctx.theme.dim),
            rule,
        );
        feed::draw(frame, f, ctx);
    }
    help::footer(frame, foot, ctx);
}

/// Cuts `s` to at most `width` display columns, marking the cut with `…`.
#[must_use]
pub fn fit(s: &str, width: usize) -> String {
    fit_chars(s.chars(), width, true)
}

/// Outside text made safe ([`crate::text::sanitize`]) and cut to `width` columns like
/// [`fit`]; only as much of `s` is read as the columns need.
#[must_use]
pub fn fit_clean(s: &str, width: usize) -> String {
    fit_chars(crate::text::clean_chars(s), width, true)
}

/// Like [`fit_clean`] but cut without the `…`, for text whose cell clips it anyway.
#[must_use]
pub fn clip_clean(s: &str, width: usize) -> String {
    fit_chars(crate::text::clean_chars(s), width, false)
}

fn fit_chars(chars: impl Iterator<Item = char>, width: usize, mark: bool) -> String {
    use unicode_width::UnicodeWidthChar;
    let mut out = String::new();
    let mut used = 0;
    for c in chars {
        let w = c.width().unwrap_or(0);
        if used + w > width {
            if mark && width > 0 {
                while used + 1 > width {
                    let Some(last) = out.pop() else { break };
                    used -= last.width().unwrap_or(0);
                }
                out.push('…');
            }
            return out;
        }
        used += w;
        out.push(c);
    }
    out
}

/// `s` word-wrapped to `width` display columns in at most `max_lines` lines, the last one
/// marked `…` when text is left over; a word longer than a line is broken.
#[must_use]
pub fn wrap(s: &str, width: usize, max_lines: usize) -> Vec<String> {
    use unicode_width::UnicodeWidthStr;
    let width = width.max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in s.split_whitespace() {
        let sep = usize::from(!line.is_empty());
        if line.width() + sep + word.width() <= width {
            if sep == 1 {
                line.push(' ');
            }
            line.push_str(word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        // A word wider than a line is cut into line-wide pieces.
        let mut rest = word;
        while rest.width() > width {
            let piece = fit_chars(rest.chars(), width, false);
            if piece.is_empty() {
                // One character wider than the line: it stays whole.
                break;
            }
            rest = &rest[piece.len()..];
            lines.push(piece);
        }
        line.push_str(rest);
        if lines.len() > max_lines {
            break;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > max_lines {
        lines.truncate(max_lines.max(1));
        if let Some(last) = lines.last_mut() {
            let mut cut = fit_chars(last.chars(), width.saturating_sub(1), false);
            cut.push('…');
            *last = cut;
        }
    }
    if lines.is_empty() {
        lines.push(String::new());
    }
    lines
}

/// A `w`×`h` rectangle centred in `area` (clipped to it), cleared for a dialog to draw on.
pub(crate) fn popup(frame: &mut Frame, area: Rect, w: u16, h: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Length(h.min(area.height))])
        .flex(ratatui::layout::Flex::Center)
        .areas(area);
    let [popup] = Layout::horizontal([Constraint::Length(w.min(area.width))])
        .flex(ratatui::layout::Flex::Center)
        .areas(v);
    frame.render_widget(ratatui::widgets::Clear, popup);
    popup
}

/// `HH:MM` in UTC.
#[must_use]
pub fn hm(t: DateTime<Utc>) -> String {
    t.format("%H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wrap_breaks_at_words_and_marks_what_is_left_over() {
        assert_eq!(wrap("deploy the api now", 10, 3), ["deploy the", "api now"]);
        assert_eq!(wrap("a b c d e f", 3, 2), ["a b", "c …"]);
        assert_eq!(wrap("abcdefgh", 3, 5), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 5, 2), [""]);
        assert_eq!(wrap("数据库", 1, 3).len(), 1);
    }
}
