//! Stable ids for phases, tasks, gates and triggers.
//!
//! An id is a slug of the thing's own title or text (for a task, prefixed by its phase's id), so
//! it survives edits elsewhere in the plan and a journal written against an earlier version of
//! the plan still finds it. Only a duplicate title gets a numeric suffix (`-2`, `-3`…), which
//! depends on plan order.

use std::collections::{HashMap, HashSet};

/// Longest slug, in bytes. Longer slugs are cut at a word boundary, so they stay readable in
/// `warroom check PLAN TASK` and in the journal.
pub const MAX_SLUG: usize = 48;

/// The slug of `text`: lower-case ASCII letters and digits, words joined by `-`, at most
/// [`MAX_SLUG`] bytes (cut at a word boundary; a single longer word is cut at the limit).
///
/// Latin letters lose their diacritics (`é` → `e`, `ß` → `ss`); every other character
/// separates words. Returns `"untitled"` when nothing is left (e.g. a title of only emoji).
#[must_use]
pub fn slug(text: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        let lower = c.to_lowercase().next().unwrap_or(c);
        if lower.is_ascii_alphanumeric() {
            cur.push(lower);
        } else if let Some(f) = fold(lower) {
            cur.push_str(f);
        } else if !cur.is_empty() {
            words.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        words.push(cur);
    }
    let mut out = String::new();
    for w in words {
        let need = if out.is_empty() { w.len() } else { w.len() + 1 };
        if out.len() + need > MAX_SLUG {
            if out.is_empty() {
                out = w[..MAX_SLUG].to_string();
            }
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(&w);
    }
    if out.is_empty() {
        "untitled".to_string()
    } else {
        out
    }
}

/// ASCII spelling of a lower-case Latin letter with a diacritic (Latin-1 Supplement and the
/// common Latin Extended-A letters), `None` for anything else.
fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à'..='å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è'..='ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì'..='ï' | 'ī' | 'į' | 'ı' => "i",
        'ł' | 'ľ' => "l",
        'ñ' | 'ń' | 'ň' => "n",
        'ò'..='ö' | 'ø' | 'ō' | 'ő' => "o",
        'œ' => "oe",
        'ř' => "r",
        'ß' => "ss",
        'ś' | 'š' | 'ş' => "s",
        'ť' | 'ţ' => "t",
        'þ' => "th",
        'ù'..='ü' | 'ū' | 'ů' | 'ű' => "u",
        'ý' | 'ÿ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

/// Hands out ids that are unique within one plan: the second `deploy` becomes `deploy-2`, the
/// third `deploy-3`. Phases, tasks, gates and triggers share one set, as in the TOML loader, so a
/// gate never shares an id with a phase.
#[derive(Debug, Default, Clone)]
pub struct IdSet {
    seen: HashSet<String>,
    /// Per base: the N to try next for `base-N` (every smaller N is taken), so that many
    /// items of one text (`Revert if errors occur` in each of 3,000 stages) stay linear.
    next: HashMap<String, usize>,
}

impl IdSet {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Returns `base`, or `base-N` with the smallest N ≥ 2 not yet handed out, and records it.
    pub fn claim(&mut self, base: &str) -> String {
        let mut id = base.to_string();
        let mut n = self.next.get(base).copied().unwrap_or(2);
        while self.seen.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        if id != base {
            self.next.insert(base.to_string(), n);
        }
        self.seen.insert(id.clone());
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claims_number_repeats_in_order() {
        let mut ids = IdSet::new();
        assert_eq!(ids.claim("a-2"), "a-2");
        let got: Vec<String> = (0..4).map(|_| ids.claim("a")).collect();
        assert_eq!(got, ["a", "a-3", "a-4", "a-5"]);
        assert_eq!(ids.claim("a-4"), "a-4-2");
    }

    #[test]
    fn slugs() {
        for (text, want) in [
            ("Go/No-Go Checkpoint 1", "go-no-go-checkpoint-1"),
            (
                "1.1 Infrastructure Preparation",
                "1-1-infrastructure-preparation",
            ),
            (
                "  **Step 1:** Stop current application (if upgrading) ",
                "step-1-stop-current-application-if-upgrading",
            ),
            ("Déploiement à Zürich", "deploiement-a-zurich"),
            ("🚀🚀", "untitled"),
            ("", "untitled"),
            ("Straße", "strasse"),
        ] {
            assert_eq!(slug(text), want, "{text:?}");
        }
    }

    #[test]
    fn long_slugs_are_cut_at_a_word_boundary() {
        let s = slug(
            "Release Team Lead has agreed to abide by the guidelines set forth in the Security Release Process",
        );
        assert_eq!(s, "release-team-lead-has-agreed-to-abide-by-the");
        assert!(s.len() <= MAX_SLUG);
        let one = slug(&"x".repeat(100));
        assert_eq!(one.len(), MAX_SLUG);
    }

    #[test]
    fn duplicates_get_a_suffix() {
        let mut ids = IdSet::new();
        assert_eq!(ids.claim("deploy"), "deploy");
        assert_eq!(ids.claim("deploy"), "deploy-2");
        assert_eq!(ids.claim("deploy"), "deploy-3");
        assert_eq!(ids.claim("other"), "other");
    }
}
