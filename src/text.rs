//! Making outside text safe to draw (DESIGN.md §9): plan text, notes, HTTP bodies and errors
//! may carry escape sequences that would otherwise drive the viewer's terminal.

/// Removes control characters (C0, DEL, C1 — so also every ESC-introduced sequence's
/// introducer), bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069) and
/// zero-width characters; tabs and newlines become spaces. What remains of an escape sequence
/// is inert printable text. The journal keeps the raw text; only what is drawn is cleaned.
#[must_use]
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::sanitize;

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
        ];
        for (raw, want) in cases {
            let got = sanitize(raw);
            assert_eq!(got, want, "{raw:?}");
            assert!(!got.chars().any(char::is_control));
        }
    }
}
