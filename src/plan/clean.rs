//! Cleaning plan text for display: repairing emoji saved in the wrong encoding, removing control
//! characters, collapsing whitespace, and trimming decoration off titles.
//!
//! Plans are often saved through an editor or tool that read UTF-8 bytes as Windows-1252
//! (`🚀` becomes `ðŸš€`, `✅` becomes `âœ…`) or as Mac Roman (`🚀` becomes `üöÄ`,
//! `☐` becomes `‚òê`). Such runs are turned back into the characters they were, when the bytes
//! they stand for are valid UTF-8; anything that cannot be repaired is left as it is (it is
//! printable, so it cannot break the layout) and trimmed off the edges of titles.

use std::borrow::Cow;

/// Windows-1252 bytes 0x80–0x9F (Unicode's `bestfit1252.txt` / WHATWG encoding index);
/// `\0` marks the five bytes the code page leaves undefined. 0xA0–0xFF are Latin-1.
const CP1252_HIGH: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘',
    '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// Mac Roman bytes 0x80–0xFF (Apple's `ROMAN.TXT` mapping; 0xF0 is the Apple logo, U+F8FF).
const MAC_ROMAN_HIGH: &str = "ÄÅÇÉÑÖÜáàâäãåçéèêëíìîïñóòôöõúùûü†°¢£§•¶ß®©™´¨≠ÆØ∞±≤≥¥µ∂∑∏π∫ªºΩæø\
¿¡¬√ƒ≈∆«»…\u{a0}ÀÃÕŒœ–—“”‘’÷◊ÿŸ⁄€‹›ﬁﬂ‡·‚„‰ÂÊÁËÈÍÎÏÌÓÔ\u{f8ff}ÒÚÛÙıˆ˜¯˘˙˚¸˝˛ˇ";

/// The Windows-1252 byte for `c`, if `c` is one of its non-ASCII characters. C1 control
/// characters map to their own value, as decoders that keep undefined bytes produce them.
fn cp1252_byte(c: char) -> Option<u8> {
    let u = c as u32;
    if (0xA0..=0xFF).contains(&u) || (0x80..=0x9F).contains(&u) {
        return Some(u as u8);
    }
    CP1252_HIGH
        .iter()
        .position(|&h| h == c && h != '\0')
        .map(|i| 0x80 + i as u8)
}

/// The Mac Roman byte for `c`, if `c` is one of its non-ASCII characters.
fn mac_roman_byte(c: char) -> Option<u8> {
    MAC_ROMAN_HIGH
        .chars()
        .position(|h| h == c)
        .map(|i| 0x80 + i as u8)
}

/// Repairs runs of mojibake (UTF-8 read as Windows-1252, then as Mac Roman). Text without such
/// runs is returned unchanged and unallocated.
#[must_use]
pub fn repair_mojibake(s: &str) -> Cow<'_, str> {
    let once = repair_with(s, cp1252_byte);
    match repair_with(&once, mac_roman_byte) {
        Cow::Borrowed(_) => once,
        Cow::Owned(o) => Cow::Owned(o),
    }
}

/// Replaces each run of characters that all map to high bytes under `byte` by the UTF-8 text
/// those bytes spell, sequence by sequence; bytes that are not part of a valid multi-byte
/// sequence keep their original character.
fn repair_with(s: &str, byte: fn(char) -> Option<u8>) -> Cow<'_, str> {
    // Fast path: a repair needs at least two mappable characters next to each other.
    let mut prev = false;
    let mut candidate = false;
    for c in s.chars() {
        let m = !c.is_ascii() && byte(c).is_some();
        if m && prev {
            candidate = true;
            break;
        }
        prev = m;
    }
    if !candidate {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len());
    let mut run: Vec<(char, u8)> = Vec::new();
    for c in s.chars() {
        if let Some(b) = (!c.is_ascii()).then(|| byte(c)).flatten() {
            run.push((c, b));
        } else {
            flush_run(&run, &mut out);
            run.clear();
            out.push(c);
        }
    }
    flush_run(&run, &mut out);
    if out == s {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(out)
    }
}

fn flush_run(run: &[(char, u8)], out: &mut String) {
    let mut i = 0;
    while i < run.len() {
        let lead = run[i].1;
        let len = match lead {
            0xC2..=0xDF => 2,
            0xE0..=0xEF => 3,
            0xF0..=0xF4 => 4,
            _ => 0,
        };
        if len > 0 && i + len <= run.len() {
            let bytes: Vec<u8> = run[i..i + len].iter().map(|&(_, b)| b).collect();
            if let Ok(t) = std::str::from_utf8(&bytes) {
                out.push_str(t);
                i += len;
                continue;
            }
        }
        out.push(run[i].0);
        i += 1;
    }
}

/// True for characters that must never reach a terminal from plan text: C0/C1 controls
/// (escape sequences start with one), bidirectional overrides, and the byte-order mark.
fn is_unprintable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}' | '\u{200B}')
}

/// Display text on one line: mojibake repaired, whitespace (including newlines) collapsed to
/// single spaces, control characters removed, trimmed.
#[must_use]
pub fn text(s: &str) -> String {
    let repaired = repair_mojibake(s);
    let mut out = String::with_capacity(repaired.len());
    let mut space = false;
    for c in repaired.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
        } else if !is_unprintable(c) {
            if space {
                out.push(' ');
                space = false;
            }
            out.push(c);
        }
    }
    out
}

/// Display text that keeps its lines (code blocks): mojibake repaired, tabs expanded to spaces,
/// other control characters removed, trailing blank lines trimmed.
#[must_use]
pub fn block(s: &str) -> String {
    let repaired = repair_mojibake(s);
    let mut out = String::with_capacity(repaired.len());
    for c in repaired.chars() {
        match c {
            '\n' => out.push('\n'),
            '\t' => out.push_str("    "),
            c if is_unprintable(c) => {}
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// A heading or plan title: [`text`], then tokens at either end that carry no words are
/// dropped (emoji, check boxes, `-`, leftover mojibake such as `â³`), and a trailing `:` is
/// trimmed. If that would leave nothing, the [`text`] form is kept.
#[must_use]
pub fn title(s: &str) -> String {
    let t = text(s);
    let words: Vec<&str> = t.split(' ').collect();
    let first = words.iter().position(|w| !is_decoration(w));
    let last = words.iter().rposition(|w| !is_decoration(w));
    let (Some(first), Some(last)) = (first, last) else {
        return t;
    };
    let kept = words[first..=last].join(" ");
    let kept = kept.trim_end_matches([':', '：']).trim_end();
    if kept.is_empty() { t } else { kept.to_string() }
}

/// A token with no letter or digit, or one made only of Latin-1 / code-page characters that
/// includes a non-letter (what is left of an emoji whose bytes were partly lost).
fn is_decoration(word: &str) -> bool {
    if !word.chars().any(char::is_alphanumeric) {
        return true;
    }
    let all_high = word.chars().all(|c| {
        let u = c as u32;
        (0x80..=0x2FF).contains(&u) || cp1252_byte(c).is_some() || mac_roman_byte(c).is_some()
    });
    all_high && word.chars().any(|c| !c.is_alphabetic())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_windows_1252_and_mac_roman_mojibake() {
        for (garbled, want) in [
            ("ðŸš€ Phase 5", "🚀 Phase 5"),
            ("âœ… IN PROGRESS", "✅ IN PROGRESS"),
            ("\u{f8ff}üöÄ PRODUCTION", "🚀 PRODUCTION"),
            ("Cloud Infrastructure ‚òê", "Cloud Infrastructure ☐"),
            ("‚úÖ COMPLETE", "✅ COMPLETE"),
            ("cafÃ©", "café"),
        ] {
            assert_eq!(repair_mojibake(garbled), want, "{garbled:?}");
        }
    }

    #[test]
    fn leaves_real_accents_alone() {
        for s in [
            "Zürich für Ärger",
            "naïve café — déjà vu",
            "日本語のリリース",
            "plain ascii",
        ] {
            assert!(matches!(repair_mojibake(s), Cow::Borrowed(_)), "{s:?}");
        }
    }

    #[test]
    fn text_removes_controls_and_collapses_space() {
        assert_eq!(text("  a\u{1b}[31m\tb \n c\u{7}  "), "a[31m b c");
        assert_eq!(text("x\u{202E}y"), "xy");
    }

    #[test]
    fn titles_lose_decoration() {
        for (raw, want) in [
            (
                "\u{f8ff}üöÄ PRODUCTION DEPLOYMENT CHECKLIST",
                "PRODUCTION DEPLOYMENT CHECKLIST",
            ),
            (
                "ðŸš€ Phase 5 Task 7: Deployment Preparation",
                "Phase 5 Task 7: Deployment Preparation",
            ),
            ("Cloud Infrastructure ‚òê", "Cloud Infrastructure"),
            ("âœ… Pre-Deployment", "Pre-Deployment"),
            ("â³ Pending", "Pending"),
            ("Scheduled to happen:", "Scheduled to happen"),
            (
                "Phase 1: Foundation Services -",
                "Phase 1: Foundation Services",
            ),
            ("🚀", "🚀"),
            ("Ärger über Zölle", "Ärger über Zölle"),
        ] {
            assert_eq!(title(raw), want, "{raw:?}");
        }
    }

    #[test]
    fn block_keeps_lines() {
        assert_eq!(block("a\tb\r\nc\u{1b}\n\n"), "a    b\nc");
    }
}
