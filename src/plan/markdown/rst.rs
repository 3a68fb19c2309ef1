//! reStructuredText forms that Sphinx-built runbooks and release docs write, rewritten in place
//! as the Markdown that means the same, before the Markdown parser reads the plan:
//!
//! - auto-numbered list items (`#. Tag the release`) → numbered items (`1. Tag the release`);
//! - section titles adorned with a line of one punctuation character under them (and maybe
//!   over them) → ATX headings, their level by the order in which each adornment style first
//!   appears, as reStructuredText assigns them (`Release Schedule` between two `=====` lines,
//!   then `18.05 Stable Charm Release` over `#####` → `#` then `##`). Titles underlined with
//!   `=` or `-` alone are Markdown's own setext headings and stay as they are.
//!
//! - grid tables (`+---------+------+` borders around `| Freeze | Tue, May 15, 2018 |` rows)
//!   → pipe tables: the first border blank, the second the delimiter row (`|---------|------|`),
//!   later borders rows of empty cells.
//!
//! Every rewrite keeps each line's bytes in place (same total length, same line breaks), so
//! offsets and line numbers still point into the plan as written. Fenced code is left alone.
//! Source of the rules: the reStructuredText specification, "Sections" and "Enumerated Lists".

use std::borrow::Cow;

/// Characters reStructuredText allows as section adornment.
const ADORNMENT: &str = "=-`:'\"~^_*+#<>.";

/// `src` with its reStructuredText titles and auto-numbered items as Markdown (see the module
/// docs); borrowed unchanged when it has none.
#[must_use]
pub fn as_markdown(src: &str) -> Cow<'_, str> {
    let lines: Vec<&str> = src.split_inclusive('\n').collect();
    let mut out: Vec<Cow<'_, str>> = lines.iter().map(|l| Cow::Borrowed(*l)).collect();
    let mut changed = false;
    let mut fenced = false;
    let mut styles: Vec<(char, bool)> = Vec::new();
    let mut k = 0;
    while k < lines.len() {
        let t = lines[k].trim_start();
        if t.starts_with("```") || t.starts_with("~~~") && adornment(lines[k]).is_none() {
            fenced = !fenced;
        }
        if fenced {
            k += 1;
            continue;
        }
        if is_grid_border(lines[k]) && lines.get(k + 1).is_some_and(|l| l.starts_with('|')) {
            let mut j = k;
            let mut borders = 0;
            while j < lines.len() && (is_grid_border(lines[j]) || lines[j].starts_with('|')) {
                if is_grid_border(lines[j]) {
                    let eol = &lines[j][lines[j].trim_end_matches(['\n', '\r']).len()..];
                    let body = lines[j].trim_end_matches(['\n', '\r']);
                    out[j] = Cow::Owned(match borders {
                        0 => format!("{}{eol}", " ".repeat(body.len())),
                        1 => format!("{}{eol}", body.replace('+', "|").replace('=', "-")),
                        _ => format!(
                            "{}{eol}",
                            body.chars()
                                .map(|c| if c == '+' { '|' } else { ' ' })
                                .collect::<String>()
                        ),
                    });
                    borders += 1;
                }
                j += 1;
            }
            changed = true;
            k = j;
            continue;
        }
        if let Some(rest) = t.strip_prefix("#. ") {
            let indent = &lines[k][..lines[k].len() - t.len()];
            out[k] = Cow::Owned(format!("{indent}1. {rest}"));
            changed = true;
        }
        if let Some((c, over, len)) = title_at(&lines, k) {
            if !over && (c == '=' || c == '-') {
                k += 2;
                continue;
            }
            let level = match styles.iter().position(|&st| st == (c, over)) {
                Some(p) => p + 1,
                None => {
                    styles.push((c, over));
                    styles.len()
                }
            };
            let title = lines[k].trim_end_matches(['\n', '\r']).trim();
            let marks = "#".repeat(level.min(6));
            // The title line grows by the marks and a space; its underline shrinks by as
            // much, so the next line starts where it did.
            let under = lines[k + 1];
            let pad = under.trim_end_matches(['\n', '\r']).len()
                + lines[k].trim_end_matches(['\n', '\r']).len();
            let heading = format!("{marks} {title}");
            if let Some(spaces) = pad.checked_sub(heading.len()) {
                let eol = |l: &str| l[l.trim_end_matches(['\n', '\r']).len()..].to_string();
                out[k] = Cow::Owned(format!("{heading}{}", eol(lines[k])));
                out[k + 1] = Cow::Owned(format!("{}{}", " ".repeat(spaces), eol(under)));
                if over {
                    let o = lines[k - 1];
                    out[k - 1] = Cow::Owned(format!("{}{}", " ".repeat(len), eol(o)));
                }
                changed = true;
                k += 2;
                continue;
            }
        }
        k += 1;
    }
    if changed {
        Cow::Owned(out.concat())
    } else {
        Cow::Borrowed(src)
    }
}

/// A grid table's border line: `+` at both ends, `-` or `=` between them and `+` at the
/// column breaks (`+---------+------+`, `+=====+=====+`).
fn is_grid_border(l: &str) -> bool {
    let t = l.trim_end_matches(['\n', '\r']);
    t.len() >= 3
        && t.starts_with('+')
        && t.ends_with('+')
        && t.contains(['-', '='])
        && t.chars().all(|c| matches!(c, '+' | '-' | '='))
}

/// The adornment character of line `l` and its length (without the line break), when it is a
/// line of one adornment character, three or more.
fn adornment(l: &str) -> Option<(char, usize)> {
    let t = l.trim_end_matches(['\n', '\r']);
    let c = t.chars().next()?;
    (ADORNMENT.contains(c) && t.len() >= 3 && t.chars().all(|x| x == c)).then_some((c, t.len()))
}

/// A section title at line `k`: a line of text with an adornment line under it at least as
/// long as the text (and, when overlined, the same line above it). Returns the character,
/// whether it is overlined, and the overline's length.
fn title_at(lines: &[&str], k: usize) -> Option<(char, bool, usize)> {
    let text = lines[k].trim_end_matches(['\n', '\r']);
    if text.trim().is_empty() || text.starts_with([' ', '\t']) || adornment(text).is_some() {
        return None;
    }
    let (c, len) = adornment(lines.get(k + 1)?)?;
    if len < text.trim_end().chars().count() {
        return None;
    }
    let over = k
        .checked_sub(1)
        .and_then(|p| adornment(lines[p]))
        .filter(|&(oc, olen)| oc == c && olen == len);
    Some((c, over.is_some(), over.map_or(0, |(_, l)| l)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adorned_titles_become_headings_in_the_order_their_styles_appear() {
        let src = "================\nRelease Schedule\n================\n\nIntro.\n\n18.05 Stable\n############\n\nText.\n\nNotes\n~~~~~\n\nMore.\n";
        let md = as_markdown(src);
        assert_eq!(md.len(), src.len());
        let heads: Vec<&str> = md.lines().filter(|l| l.starts_with('#')).collect();
        assert_eq!(
            heads,
            ["# Release Schedule", "## 18.05 Stable", "### Notes"]
        );
        // Every line but the blanked underlines starts where it did.
        let starts = |s: &str| -> Vec<usize> {
            let mut at = 0;
            s.split_inclusive('\n')
                .map(|l| {
                    let here = at;
                    at += l.len();
                    here
                })
                .collect()
        };
        let (a, b) = (starts(&md), starts(src));
        assert_eq!(a.len(), b.len());
        for (i, (x, y)) in a.iter().zip(&b).enumerate() {
            if ![2, 7, 12].contains(&i) {
                assert_eq!(x, y, "line {i}");
            }
        }
    }

    #[test]
    fn grid_tables_become_pipe_tables() {
        let src = "+---------+-------------------+\n| Freeze  | Tue, May 15, 2018 |\n+---------+-------------------+\n| Release | Thu, May 24, 2018 |\n+---------+-------------------+\n";
        let md = as_markdown(src);
        assert_eq!(md.len(), src.len());
        let lines: Vec<&str> = md.lines().collect();
        assert_eq!(lines[2], "|---------|-------------------|");
        assert!(lines[0].trim().is_empty());
        assert_eq!(lines[4].trim_matches([' ', '|']), "");
    }

    #[test]
    fn markdown_setext_lists_and_fences_are_left_alone() {
        for src in [
            "Title\n=====\n\nText\n-----\n",
            "```\nTitle\n~~~~~\n```\n",
            "- item\n\n***\n",
        ] {
            assert!(matches!(as_markdown(src), Cow::Borrowed(_)), "{src}");
        }
        assert_eq!(as_markdown("#. Tag it\n"), "1. Tag it\n");
    }
}
