//! Lines that each open with a bold label saying when (`**T‑72h (Sun 09/14 10:00):** Final
//! stage soak complete`, `**T‑24h (Tue 09/16 10:00):** Freeze confirmed`), written one under the other
//! without list markers. Markdown joins such lines into one paragraph; their writer meant one
//! entry each, as a list. Three or more in a row are rewritten in place as list items: the
//! opening `**` becomes `- ` and the closing `**` two spaces, so every byte stays where it was
//! (offsets and line numbers still point into the plan as written). Lines that open with a
//! bullet character (`•`, `◦`, `▪`, `‣`) are list items too. Fenced code is left alone.

use std::borrow::Cow;

use crate::plan::schedule;

/// The fewest label lines in a row read as a list.
const MIN_RUN: usize = 3;

/// The byte range of the closing `**` of a line that opens with a bold label, if it does.
fn label_end(line: &str) -> Option<usize> {
    let rest = line.strip_prefix("**")?;
    let close = rest.find("**")?;
    // A label that says when (`T‑72h (Sun 09/14 10:00):`), not a field (`**Status**:`) or a
    // bold sentence: short, timed, and something follows it.
    let label = &rest[..close];
    let timed = schedule::parse(label.trim_end_matches([':', ' ']))
        .is_some_and(|w| !matches!(w, schedule::When::Length { .. }));
    (timed && label.chars().count() <= 60 && !rest[close + 2..].trim().is_empty())
        .then_some(close + 2)
}

/// Bullet characters that text pasted from a web page or word processor keeps where Markdown
/// writes `-` (`  • April 26, 2014`); each is three bytes, as `-` and two spaces are.
const BULLETS: [char; 4] = ['\u{2022}', '\u{25E6}', '\u{25AA}', '\u{2023}'];

/// `src` with its runs of bold-label lines, and its lines opening with a bullet character, as
/// list items (see the module docs).
#[must_use]
pub fn as_items(src: &str) -> Cow<'_, str> {
    let src = bullets(src);
    match labelled_runs(&src) {
        Cow::Borrowed(_) => src,
        Cow::Owned(s) => Cow::Owned(s),
    }
}

/// `src` with each line that opens with a bullet character (after indentation) opening with
/// `-` instead, outside fenced code.
fn bullets(src: &str) -> Cow<'_, str> {
    if !src.contains(BULLETS) {
        return Cow::Borrowed(src);
    }
    let mut out = String::with_capacity(src.len());
    let mut fenced = false;
    let mut changed = false;
    for line in src.split_inclusive('\n') {
        let t = line.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
        }
        match t.strip_prefix(BULLETS) {
            Some(rest) if !fenced && rest.starts_with([' ', '\t']) => {
                out.push_str(&line[..line.len() - t.len()]);
                out.push_str("-  ");
                out.push_str(rest);
                changed = true;
            }
            _ => out.push_str(line),
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(src)
    }
}

/// `src` with its runs of bold-label lines as list items.
fn labelled_runs(src: &str) -> Cow<'_, str> {
    if !src.contains("\n**") {
        return Cow::Borrowed(src);
    }
    let lines: Vec<&str> = src.split_inclusive('\n').collect();
    let mut labelled = vec![false; lines.len()];
    let mut fenced = false;
    for (k, l) in lines.iter().enumerate() {
        let t = l.trim_start();
        if t.starts_with("```") || t.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        labelled[k] = !fenced && label_end(l).is_some();
    }
    let mut out = String::with_capacity(src.len());
    let mut changed = false;
    let mut k = 0;
    while k < lines.len() {
        let run = labelled[k..].iter().take_while(|&&x| x).count();
        if run >= MIN_RUN {
            for l in &lines[k..k + run] {
                let end = label_end(l).expect("a label line");
                out.push_str("- ");
                out.push_str(&l[2..end]);
                out.push_str("  ");
                out.push_str(&l[end + 2..]);
            }
            changed = true;
            k += run;
        } else {
            out.push_str(lines[k]);
            k += 1;
        }
    }
    if changed {
        Cow::Owned(out)
    } else {
        Cow::Borrowed(src)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_label_lines_become_items_in_place() {
        let src = "Intro.\n\n**T-72h (Sun 09/14 10:00):** Soak complete.  \n**T-24h (Tue 09/16 10:00):** Freeze.\n**T-0 (04:00):** Go call.\n\nAfter.\n";
        let md = as_items(src);
        assert_eq!(md.len(), src.len());
        assert!(md.contains("\n- T-72h (Sun 09/14 10:00):   Soak"), "{md}");
        assert!(md.contains("\n- T-0 (04:00):   Go call."), "{md}");
        assert!(md.ends_with("After.\n"));
    }

    #[test]
    fn bullet_characters_open_items_in_place() {
        let src =
            "Windows:\n\n  \u{2022} April 26, 2014\n    Maintenance from 12:01am through 5:00am.\n";
        let md = as_items(src);
        assert_eq!(md.len(), src.len());
        assert!(md.contains("\n  -   April 26, 2014\n"), "{md}");
        assert!(matches!(
            as_items("a \u{2022} in a sentence\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn fields_two_labels_or_bold_sentences_stay() {
        let src = "**Task**: Ship it\n**Status**: in progress\n**Timeline**: 1 day\n";
        assert!(matches!(as_items(src), Cow::Borrowed(_)));
        let src = "**T-1d:** Back up\n**T-0:** Cut over\n\nText.\n";
        assert!(matches!(as_items(src), Cow::Borrowed(_)));
        let src = "**Note** this\n**Warning** that\n**Tip** there\n";
        assert!(matches!(as_items(src), Cow::Borrowed(_)));
    }
}
