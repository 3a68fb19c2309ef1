//! A tiny tokenizer shared by the time ([`super::schedule`]) and threshold
//! ([`super::threshold`]) readers, which look for short patterns such as `09:00 AM`,
//! `Nov 4-8, 2025`, `T-7 Days` or `> 5% for 2m` inside free text.
//!
//! The crate has no regex engine on purpose (one dependency less, linear time on any input);
//! patterns are matched over these tokens instead.

use std::ops::Range;

/// What a token is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tok<'a> {
    /// A run of ASCII digits, optionally with one decimal part (`12`, `99.9`); never negative.
    Num(f64),
    /// A run of letters (any script), as written (compare with [`Token::is`]).
    Word(&'a str),
    /// Any other single non-space character (`:`, `-`, `%`, `>`, `(`…).
    Sym(char),
}

/// A token and where it is in the source text.
#[derive(Debug, Clone, PartialEq)]
pub struct Token<'a> {
    /// The token.
    pub tok: Tok<'a>,
    /// Byte range in the text it was read from.
    pub span: Range<usize>,
    /// For [`Tok::Num`]: the digits as written (`"00"` keeps its width), else empty.
    pub digits: &'a str,
}

impl Token<'_> {
    /// True when the token is the word `w` (ASCII case-insensitive).
    #[must_use]
    pub fn is(&self, w: &str) -> bool {
        matches!(self.tok, Tok::Word(s) if s.eq_ignore_ascii_case(w))
    }

    /// True when the token is the word and it is one of `words` (ASCII case-insensitive).
    #[must_use]
    pub fn is_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.is(w))
    }

    /// True when the token is the symbol `c`.
    #[must_use]
    pub fn sym(&self, c: char) -> bool {
        self.tok == Tok::Sym(c)
    }

    /// True for a dash or hyphen used as a range separator (`-`, `–`, `—`, `−`).
    #[must_use]
    pub fn is_dash(&self) -> bool {
        // Also the hyphens word processors put in `T‑72h` (U+2011, U+2010).
        matches!(
            self.tok,
            Tok::Sym('-' | '–' | '—' | '−' | '\u{2011}' | '\u{2010}')
        )
    }

    /// The number, when the token is one.
    #[must_use]
    pub fn num(&self) -> Option<f64> {
        match self.tok {
            Tok::Num(n) => Some(n),
            _ => None,
        }
    }

    /// The number when it is a whole number written without a decimal part.
    #[must_use]
    pub fn int(&self) -> Option<u32> {
        match self.tok {
            Tok::Num(_) if !self.digits.contains('.') && self.digits.len() <= 9 => {
                self.digits.parse().ok()
            }
            _ => None,
        }
    }

    /// The word, lower-cased, when the token is one.
    #[must_use]
    pub fn word(&self) -> Option<String> {
        match self.tok {
            Tok::Word(w) => Some(w.to_lowercase()),
            _ => None,
        }
    }
}

/// Splits `text` into numbers, words and single symbols; whitespace separates and is dropped.
#[must_use]
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut it = text.char_indices().peekable();
    while let Some((start, c)) = it.next() {
        if c.is_whitespace() {
            continue;
        }
        if c.is_ascii_digit() {
            let mut end = start + 1;
            let mut seen_dot = false;
            while let Some(&(i, d)) = it.peek() {
                if d.is_ascii_digit() {
                    end = i + 1;
                    it.next();
                } else if d == '.'
                    && !seen_dot
                    && text[i + 1..].starts_with(|x: char| x.is_ascii_digit())
                {
                    seen_dot = true;
                    end = i + 1;
                    it.next();
                } else {
                    break;
                }
            }
            let digits = &text[start..end];
            out.push(Token {
                tok: Tok::Num(digits.parse().unwrap_or(0.0)),
                span: start..end,
                digits,
            });
        } else if c.is_alphabetic() {
            let mut end = start + c.len_utf8();
            while let Some(&(i, d)) = it.peek() {
                if d.is_alphabetic() {
                    end = i + d.len_utf8();
                    it.next();
                } else {
                    break;
                }
            }
            out.push(Token {
                tok: Tok::Word(&text[start..end]),
                span: start..end,
                digits: "",
            });
        } else {
            out.push(Token {
                tok: Tok::Sym(c),
                span: start..start + c.len_utf8(),
                digits: "",
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_numbers_words_and_symbols() {
        let t = tokens("10:30AM ~Week 5 - 7 (99.9%) T-14 Días");
        let kinds: Vec<String> = t
            .iter()
            .map(|t| match t.tok {
                Tok::Num(n) => format!("N{n}"),
                Tok::Word(w) => format!("W{w}"),
                Tok::Sym(c) => format!("S{c}"),
            })
            .collect();
        assert_eq!(
            kinds,
            [
                "N10", "S:", "N30", "WAM", "S~", "WWeek", "N5", "S-", "N7", "S(", "N99.9", "S%",
                "S)", "WT", "S-", "N14", "WDías"
            ]
        );
        assert_eq!(t[2].digits, "30");
        assert_eq!(t[2].int(), Some(30));
        assert_eq!(t[10].int(), None);
    }

    #[test]
    fn a_dot_without_digits_is_a_symbol() {
        let t = tokens("1. x");
        assert_eq!(t[0].tok, Tok::Num(1.0));
        assert!(t[1].sym('.'));
    }

    #[test]
    fn huge_numbers_do_not_panic() {
        let nines = "9".repeat(400);
        let t = tokens(&nines);
        assert_eq!(t.len(), 1);
        assert_eq!(t[0].int(), None);
    }
}
