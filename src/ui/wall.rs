//! The wall band: on a large terminal (or with `--wall`) the room's state, the countdown to
//! the next milestone and the clocks of UTC and the plan's zones in large digits, each with a
//! line of small words under it. The big digits show hours and minutes; the countdown's
//! seconds are small, so an idle room repaints a few cells a second and the big ones once a
//! minute.
//!
//! ```text
//! ┌──────────────────────────────────────────────────────────────────────────────┐
//! │ █ █  █ ███ ███ ...      ███     ██ ███        ███ ███  ███ ███   ...          │
//! │ ...  (state)            (countdown) :45       (UTC clock)  (zone clocks)      │
//! │ hold 5 min: DNS         to go-live            UTC          WAT Africa/Lagos   │
//! └──────────────────────────────────────────────────────────────────────────────┘
//! ```

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Paragraph;

use super::bigtext::{self, BigText};
use super::{Ctx, fit, fit_clean};
use crate::state::RoomStatus;
use crate::text::sanitize;

/// Rows the band takes: borders, the big rows and the line of words.
pub(super) const HEIGHT: u16 = bigtext::ROWS + 3;

/// Columns kept between two pieces.
const GAP: u16 = 4;

/// Columns per pixel of (the state, the countdown), largest first.
const SCALES: [(u16, u16); 3] = [(2, 2), (1, 2), (1, 1)];

/// One thing shown large: its big text, small text right after its last row, the words
/// under it, and its style.
struct Piece {
    big: String,
    small: String,
    words: String,
    style: Style,
}

impl Piece {
    fn width(&self, scale: u16) -> u16 {
        let small = self.small.chars().count() as u16;
        bigtext::width(&self.big, scale) + if small > 0 { small + 1 } else { 0 }
    }
}

pub(super) fn draw(frame: &mut Frame, area: Rect, ctx: &Ctx) {
    let block = ctx.block("Room", None);
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if inner.height < bigtext::ROWS + 1 || inner.width < 10 {
        return;
    }
    let inner = Rect {
        x: inner.x + 1,
        width: inner.width.saturating_sub(2),
        ..inner
    };
    let state = state_piece(ctx);
    let countdown = countdown_piece(ctx);
    // The room's own words are all in the font; anything else would draw with holes.
    if !bigtext::supported(&state.big)
        || countdown
            .as_ref()
            .is_some_and(|c| !bigtext::supported(&c.big))
    {
        return;
    }
    // Largest scales that fit side by side with every clock, the countdown kept large the
    // longest; failing that, with as many clocks as fit.
    let clocks_all: u16 = clock_pieces(ctx).iter().map(|c| clock_width(c) + GAP).sum();
    let fits = |s: u16, c: u16, clocks: u16| {
        state.width(s) + GAP + countdown.as_ref().map_or(0, |p| p.width(c)) + clocks <= inner.width
    };
    let Some((s_scale, c_scale)) = SCALES
        .into_iter()
        .find(|&(s, c)| fits(s, c, clocks_all))
        .or_else(|| SCALES.into_iter().find(|&(s, c)| fits(s, c, 0)))
    else {
        // Too narrow for both: the countdown alone in large digits, the state in words under
        // it; narrower still, the header says it all in small ones.
        if let Some(c) = countdown
            && let Some(scale) = [2, 1].into_iter().find(|&k| c.width(k) <= inner.width)
        {
            let alone = Piece {
                words: format!("{} · {}", state.big, c.words),
                ..c
            };
            place(frame, &alone, scale, inner.x, inner.right(), inner);
        }
        return;
    };
    let x = inner.x;
    let right = inner.right();
    let state_w = state.width(s_scale);
    // Clocks at the right, UTC first, as many as fit after the state and the countdown.
    let count_w = countdown.as_ref().map_or(0, |p| p.width(c_scale));
    let mut clocks = Vec::new();
    let mut clocks_w = 0;
    for clock in clock_pieces(ctx) {
        let w = clock_width(&clock) + GAP;
        if x + state_w + GAP + count_w + clocks_w + w > right {
            break;
        }
        clocks_w += w;
        clocks.push((clock, w));
    }
    let mut clocks_x = right - clocks_w;
    // The countdown is centred in the room left between the state and the clocks; each
    // piece's words stop short of the next piece.
    let mut state_words_end = clocks_x;
    if let Some(c) = &countdown {
        let from = x + state_w + GAP;
        let cx = from + clocks_x.saturating_sub(from + count_w) / 2;
        place(frame, c, c_scale, cx, clocks_x.saturating_sub(1), inner);
        state_words_end = cx.saturating_sub(2);
    }
    place(
        frame,
        &state,
        s_scale,
        x,
        state_words_end.max(x + state_w),
        inner,
    );
    for (clock, w) in clocks {
        let at = clocks_x + GAP;
        place(frame, &clock, 1, at, (clocks_x + w).min(right), inner);
        clocks_x += w;
    }
}

/// Columns of a clock: its digits, or its words ("WAT Africa/Lagos") when wider.
fn clock_width(p: &Piece) -> u16 {
    p.width(1).max(p.words.chars().count().min(24) as u16)
}

/// Draws `p` at column `x` of `inner`: the big text, the small text beside its last row, the
/// words under it (cut to end before column `words_end`).
fn place(frame: &mut Frame, p: &Piece, scale: u16, x: u16, words_end: u16, inner: Rect) {
    let right = inner.right();
    if x >= right {
        return;
    }
    let big_w = bigtext::width(&p.big, scale);
    let big = Rect::new(x, inner.y, big_w.min(right - x), bigtext::ROWS);
    frame.render_widget(
        BigText {
            text: &p.big,
            scale,
            style: p.style,
        },
        big,
    );
    let small_x = x + big_w + 1;
    if !p.small.is_empty() && small_x < right {
        let w = (p.small.chars().count() as u16).min(right - small_x);
        let at = Rect::new(small_x, inner.y + bigtext::ROWS - 1, w, 1);
        frame.render_widget(Paragraph::new(p.small.as_str()).style(p.style), at);
    }
    let words_w = words_end.min(right).saturating_sub(x);
    let at = Rect::new(x, inner.y + bigtext::ROWS, words_w, 1);
    frame.render_widget(Paragraph::new(fit(&p.words, words_w as usize)), at);
}

/// The room's state in large letters; under it what the state is about (the hold's or the
/// rollback's reason, else progress).
fn state_piece(ctx: &Ctx) -> Piece {
    let state = ctx.screen.state;
    let t = ctx.theme;
    let status = state.status();
    let style = match status {
        RoomStatus::Planned => t.title,
        RoomStatus::InProgress | RoomStatus::Done => t.good,
        RoomStatus::Hold => t.warn,
        RoomStatus::Rollback => t.bad,
    };
    let words = if let Some(h) = state.hold() {
        let mins = (ctx.now - h.called.at).num_minutes();
        format!(
            "hold {mins} min: {}",
            sanitize(h.called.note.as_deref().unwrap_or(""))
        )
    } else if let Some(r) = &state.rollback {
        format!(
            "since {} UTC: {}",
            super::hm(r.started.at),
            sanitize(r.started.note.as_deref().unwrap_or(""))
        )
    } else {
        let (done, total) = state.progress();
        format!("tasks {done}/{total}")
    };
    Piece {
        big: status.label().to_string(),
        small: String::new(),
        words,
        style: solid(style),
    }
}

/// The countdown to the next milestone, hours and minutes large and seconds small; "T-0 NOT
/// SET" with how to set it when nobody has; none once the room is done.
fn countdown_piece(ctx: &Ctx) -> Option<Piece> {
    let state = ctx.screen.state;
    let t = ctx.theme;
    if !state.t0_known() {
        let how = if ctx.screen.room.follower {
            "an operator sets it with T, or open with --start TIME"
        } else {
            "press T to set it, or open with --start TIME"
        };
        return Some(Piece {
            big: "T-0 NOT SET".into(),
            small: String::new(),
            words: how.into(),
            style: solid(t.warn),
        });
    }
    let c = state.countdown(ctx.now)?;
    let (big, small) = split_countdown(c.remaining_s);
    let held = state.hold().is_some() || state.builtin_hold(ctx.now).is_some();
    let words = format!(
        "to {}{}",
        fit_clean(&c.label, 60),
        if held { " (held)" } else { "" }
    );
    Some(Piece {
        big,
        small,
        words,
        style: solid(t.title),
    })
}

/// `T-01:23` (days as `T-2D 01:23`) for the big digits and `:45` for the small seconds.
#[must_use]
fn split_countdown(remaining_s: i64) -> (String, String) {
    let sign = if remaining_s > 0 { '-' } else { '+' };
    let s = remaining_s.unsigned_abs();
    let (d, h, m, sec) = (s / 86_400, s / 3600 % 24, s / 60 % 60, s % 60);
    let big = if d > 0 {
        format!("T{sign}{d}D {h:02}:{m:02}")
    } else {
        format!("T{sign}{h:02}:{m:02}")
    };
    (big, format!(":{sec:02}"))
}

/// UTC and each of the plan's zones, `HH:MM` large, the zone's names small.
fn clock_pieces(ctx: &Ctx) -> Vec<Piece> {
    let t = ctx.theme;
    let mut out = vec![Piece {
        big: ctx.now.format("%H:%M").to_string(),
        small: String::new(),
        words: "UTC".into(),
        style: solid(t.title),
    }];
    for tz in &ctx.screen.state.plan.zones {
        let local = ctx.now.with_timezone(tz);
        out.push(Piece {
            big: local.format("%H:%M").to_string(),
            small: String::new(),
            words: format!("{} {}", local.format("%Z"), tz.name()),
            style: solid(t.text),
        });
    }
    out
}

/// `style` without reverse video: a reversed block would draw in the background colour and
/// vanish.
fn solid(style: Style) -> Style {
    style.remove_modifier(Modifier::REVERSED)
}

#[cfg(test)]
mod tests {
    use super::split_countdown;

    #[test]
    fn countdowns_split_into_big_hours_minutes_and_small_seconds() {
        assert_eq!(split_countdown(3725), ("T-01:02".into(), ":05".into()));
        assert_eq!(split_countdown(-59), ("T+00:00".into(), ":59".into()));
        assert_eq!(split_countdown(0), ("T+00:00".into(), ":00".into()));
        assert_eq!(
            split_countdown(2 * 86_400 + 3600),
            ("T-2D 01:00".into(), ":00".into())
        );
    }
}
