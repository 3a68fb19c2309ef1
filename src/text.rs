//! Making outside text safe to draw (DESIGN.md §9): plan text, notes, HTTP bodies and errors
//! may carry escape sequences that would otherwise drive the viewer's terminal.

use unicode_width::UnicodeWidthChar;

/// Zero-width characters (combining marks, variation selectors) kept after one base
/// character. Real scripts stack a handful; "Zalgo" text stacks thousands, and every one of
/// them would be written to the terminal for a single cell on every repaint of it.
pub const MAX_MARKS: usize = 8;

/// Removes control characters (C0, DEL, C1 — so also every ESC-introduced sequence's
/// introducer), bidirectional controls (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069),
/// zero-width and other invisible format characters (U+00AD, U+180E, U+200B–U+200D,
/// U+2060–U+206F, U+FEFF, U+FFF9–U+FFFB, tags U+E0000–U+E007F); tabs, newlines and the Unicode
/// line and paragraph separators become spaces; more than [`MAX_MARKS`] zero-width marks in a
/// row are cut to that many. What remains of an escape sequence is inert printable text. The
/// journal keeps the raw text; only what is drawn is cleaned.
#[must_use]
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    out.extend(clean_chars(s));
    out
}

/// [`sanitize`] as an iterator, for callers that draw only a prefix: a 1 MB note in a
/// 60-column cell is cleaned as far as the cell goes, not to its end on every frame.
pub fn clean_chars(s: &str) -> impl Iterator<Item = char> + '_ {
    let mut marks = 0;
    s.chars().filter_map(move |c| match c {
        '\t' | '\n' | '\r' | '\u{2028}' | '\u{2029}' => {
            marks = 0;
            Some(' ')
        }
        c if c.is_control() => None,
        '\u{00AD}'
        | '\u{061C}'
        | '\u{180E}'
        | '\u{200B}'..='\u{200F}'
        | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}'
        | '\u{FEFF}'
        | '\u{FFF9}'..='\u{FFFB}'
        | '\u{E0000}'..='\u{E007F}' => None,
        c if c.width() == Some(0) => {
            marks += 1;
            (marks <= MAX_MARKS).then_some(c)
        }
        c => {
            marks = 0;
            Some(c)
        }
    })
}

#[cfg(test)]
mod tests {
    use super::{MAX_MARKS, sanitize};

    #[test]
    fn escape_sequences_and_bidi_are_neutralised() {
        let cases = [
            ("\u{1b}[2Jboom", "[2Jboom"),
            ("\u{1b}]0;title\u{7}x", "]0;titlex"),
            ("\u{9b}31mred", "31mred"),
            ("a\u{8}b\u{0}c\u{7f}d", "abcd"),
            ("safe\u{202E}txt.exe", "safetxt.exe"),
            ("zero\u{200B}width", "zerowidth"),
            ("line\r\nnext", "line  next"),
            ("arabic\u{61C}mark", "arabicmark"),
            ("tag\u{E0041}\u{E007F}s", "tags"),
            ("para\u{2029}graph", "para graph"),
        ];
        for (raw, want) in cases {
            let got = sanitize(raw);
            assert_eq!(got, want, "{raw:?}");
            assert!(!got.chars().any(char::is_control));
        }
    }

    #[test]
    fn stacked_combining_marks_are_capped_per_character() {
        let zalgo = format!("a{}b\u{301}", "\u{301}".repeat(100_000));
        let got = sanitize(&zalgo);
        assert_eq!(got, format!("a{}b\u{301}", "\u{301}".repeat(MAX_MARKS)));
        // Real text keeps its marks: e + combining acute, Vietnamese double marks.
        assert_eq!(sanitize("e\u{301} ệ\u{302}"), "e\u{301} ệ\u{302}");
    }
}
