//! Large text for the wall screen: a 5-row pixel font drawn with full blocks, so the state and
//! the countdown read from across a room. Our own small font rather than a crate: the few
//! glyphs the room says (digits, `T-:+`, the state words) are all it needs, and it builds
//! offline.
//!
//! ```text
//! ███ ███     ██ ███      scale 1: each pixel one column,
//!  █    █  █   █   █      one column between glyphs
//!  █  ███     ██ ███
//!  █  █    █   █   █
//!  █  ███     ██ ███
//! ```

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::Widget;

/// Rows of every glyph.
pub const ROWS: u16 = 5;

/// The pixels of `c` (upper-cased), one string per row, `#` lit; `None` for a character the
/// font does not have.
fn glyph(c: char) -> Option<[&'static str; 5]> {
    Some(match c.to_ascii_uppercase() {
        '0' => ["###", "#.#", "#.#", "#.#", "###"],
        '1' => [".#.", "##.", ".#.", ".#.", "###"],
        '2' => ["###", "..#", "###", "#..", "###"],
        '3' => ["###", "..#", "###", "..#", "###"],
        '4' => ["#.#", "#.#", "###", "..#", "..#"],
        '5' => ["###", "#..", "###", "..#", "###"],
        '6' => ["###", "#..", "###", "#.#", "###"],
        '7' => ["###", "..#", "..#", "..#", "..#"],
        '8' => ["###", "#.#", "###", "#.#", "###"],
        '9' => ["###", "#.#", "###", "..#", "###"],
        ':' => [".", "#", ".", "#", "."],
        '.' => [".", ".", ".", ".", "#"],
        '-' => ["...", "...", "###", "...", "..."],
        '+' => ["...", ".#.", "###", ".#.", "..."],
        '/' => ["..#", "..#", ".#.", "#..", "#.."],
        ' ' => ["..", "..", "..", "..", ".."],
        'A' => [".#.", "#.#", "###", "#.#", "#.#"],
        'B' => ["##.", "#.#", "##.", "#.#", "##."],
        'C' => [".##", "#..", "#..", "#..", ".##"],
        'D' => ["##.", "#.#", "#.#", "#.#", "##."],
        'E' => ["###", "#..", "##.", "#..", "###"],
        'F' => ["###", "#..", "##.", "#..", "#.."],
        'G' => [".##", "#..", "#.#", "#.#", ".##"],
        'H' => ["#.#", "#.#", "###", "#.#", "#.#"],
        'I' => ["###", ".#.", ".#.", ".#.", "###"],
        'J' => ["..#", "..#", "..#", "#.#", ".#."],
        'K' => ["#.#", "#.#", "##.", "#.#", "#.#"],
        'L' => ["#..", "#..", "#..", "#..", "###"],
        'M' => ["#...#", "##.##", "#.#.#", "#...#", "#...#"],
        'N' => ["#..#", "##.#", "#.##", "#..#", "#..#"],
        'O' => [".#.", "#.#", "#.#", "#.#", ".#."],
        'P' => ["##.", "#.#", "##.", "#..", "#.."],
        'Q' => [".#.", "#.#", "#.#", "##.", ".##"],
        'R' => ["##.", "#.#", "##.", "#.#", "#.#"],
        'S' => [".##", "#..", ".#.", "..#", "##."],
        'T' => ["###", ".#.", ".#.", ".#.", ".#."],
        'U' => ["#.#", "#.#", "#.#", "#.#", "###"],
        'V' => ["#.#", "#.#", "#.#", "#.#", ".#."],
        'W' => ["#...#", "#...#", "#.#.#", "##.##", "#...#"],
        'X' => ["#.#", "#.#", ".#.", "#.#", "#.#"],
        'Y' => ["#.#", "#.#", ".#.", ".#.", ".#."],
        'Z' => ["###", "..#", ".#.", "#..", "###"],
        _ => return None,
    })
}

/// Whether the font has every character of `text`.
#[must_use]
pub fn supported(text: &str) -> bool {
    text.chars().all(|c| glyph(c).is_some())
}

/// Columns `text` takes at `scale` columns per pixel (one pixel of space between glyphs);
/// characters the font lacks take none.
#[must_use]
pub fn width(text: &str, scale: u16) -> u16 {
    let pixels: usize = text
        .chars()
        .filter_map(glyph)
        .map(|g| g[0].len() + 1)
        .sum::<usize>()
        .saturating_sub(1);
    (pixels as u16).saturating_mul(scale)
}

/// `text` in large letters, `scale` columns per pixel, from the area's top left; what does not
/// fit is clipped, characters the font lacks are skipped.
pub struct BigText<'a> {
    /// What to write.
    pub text: &'a str,
    /// Columns per pixel (1 or 2; 0 draws nothing).
    pub scale: u16,
    /// The style of lit pixels.
    pub style: Style,
}

impl Widget for BigText<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let mut x = area.x;
        let right = area.right();
        for g in self.text.chars().filter_map(glyph) {
            for (dy, row) in g.iter().enumerate().take(area.height as usize) {
                for (dx, px) in row.bytes().enumerate() {
                    if px != b'#' {
                        continue;
                    }
                    for s in 0..self.scale {
                        let cx = x + dx as u16 * self.scale + s;
                        if cx < right {
                            buf[(cx, area.y + dy as u16)]
                                .set_symbol("█")
                                .set_style(self.style);
                        }
                    }
                }
            }
            x = x.saturating_add((g[0].len() as u16 + 1) * self.scale);
            if x >= right {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(text: &str, scale: u16, w: u16) -> Vec<String> {
        let area = Rect::new(0, 0, w, ROWS);
        let mut buf = Buffer::empty(area);
        BigText {
            text,
            scale,
            style: Style::new(),
        }
        .render(area, &mut buf);
        (0..ROWS)
            .map(|y| (0..w).map(|x| buf[(x, y)].symbol().to_string()).collect())
            .collect()
    }

    #[test]
    fn digits_draw_as_their_pixels() {
        let rows = draw("10", 1, 7);
        assert_eq!(rows[0], " █  ███");
        assert_eq!(rows[1], "██  █ █");
        assert_eq!(rows[4], "███ ███");
    }

    #[test]
    fn width_counts_pixels_and_gaps_at_scale() {
        assert_eq!(width("10", 1), 7);
        assert_eq!(width("10", 2), 14);
        assert_eq!(width("1:0", 1), 9);
        assert_eq!(width("", 2), 0);
        assert_eq!(draw("10", 2, 14)[4], "██████  ██████");
    }

    #[test]
    fn the_state_words_and_countdowns_are_in_the_font() {
        for s in [
            "PLANNED",
            "IN PROGRESS",
            "HOLD",
            "ROLLBACK",
            "DONE",
            "T-0 NOT SET",
            "T-12:34",
            "T+1D 02:03",
        ] {
            assert!(supported(s), "{s}");
        }
        assert!(!supported("é"));
    }

    #[test]
    fn unknown_characters_and_small_areas_do_not_panic() {
        let rows = draw("é1€", 2, 3);
        assert_eq!(rows[0], "  █");
        let area = Rect::new(0, 0, 2, 2);
        let mut buf = Buffer::empty(area);
        BigText {
            text: "88",
            scale: 2,
            style: Style::new(),
        }
        .render(area, &mut buf);
    }
}
