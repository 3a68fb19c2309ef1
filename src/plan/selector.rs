//! Series selectors (`name{label="value", other!="x"}`), the vector-selector subset of
//! `PromQL` that a plan's wiring names for `/metrics` scrapes: parsed and checked when the plan
//! loads, so that a typo is reported with its file and line. Matching samples is the poll
//! layer's (`poll::exposition`), which also shares this module's byte cursor and quoted-string
//! reader for the text exposition format.

use std::fmt::{self, Write as _};
use std::str::FromStr;

/// A series selector: `name`, `name{}`, `name{a="b", c!="d"}`.
///
/// Only `=` and `!=` matchers (no regular expressions). Label values are double-quoted strings
/// with `\"`, `\\` and `\n` escapes. Whitespace (any ASCII whitespace) is allowed around every
/// token, and a trailing comma inside the braces is accepted. The syntax is the vector-selector
/// subset of `PromQL` (<https://prometheus.io/docs/prometheus/latest/querying/basics/>).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    /// Exact metric name a sample must have (`[a-zA-Z_:][a-zA-Z0-9_:]*`).
    pub name: String,
    /// Conditions on labels; all must hold.
    pub matchers: Vec<Matcher>,
}

/// One label condition of a [`Selector`]: `label="value"` or `label!="value"`.
///
/// As in Prometheus, a missing label has the value `""`, so `x=""` matches samples without `x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matcher {
    /// Label name (`[a-zA-Z_][a-zA-Z0-9_]*`).
    pub label: String,
    /// `true` for `=`, `false` for `!=`.
    pub equal: bool,
    /// Unescaped value to compare with.
    pub value: String,
}

/// Why a selector did not parse, and where: `offset` is the 0-based character offset into the
/// selector text; the message shows it as a 1-based column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{kind} at column {column}", column = .offset + 1)]
pub struct SelectorError {
    /// 0-based character offset of the problem.
    pub offset: usize,
    /// What is wrong.
    pub kind: SelectorErrorKind,
}

/// The kinds of [`SelectorError`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectorErrorKind {
    /// Nothing but whitespace.
    #[error("the selector is empty")]
    Empty,
    /// The selector does not start with a metric name.
    #[error("expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")]
    ExpectedMetricName,
    /// Inside `{}`, something other than a label name or `}`.
    #[error("expected a label name ([a-zA-Z_][a-zA-Z0-9_]*) or `}}`")]
    ExpectedLabelName,
    /// A label name not followed by `=` or `!=`.
    #[error("expected `=` or `!=` after the label name")]
    ExpectedOperator,
    /// `=~` or `!~`.
    #[error("regular-expression matchers (`=~`, `!~`) are not supported; use `=` or `!=`")]
    RegexNotSupported,
    /// An operator not followed by `"`.
    #[error("expected a double-quoted label value")]
    ExpectedQuote,
    /// A value without its closing `"` (the offset is the opening quote).
    #[error("unterminated label value (no closing `\"`)")]
    UnterminatedValue,
    /// A backslash escape other than `\"`, `\\`, `\n` (the offset is the backslash).
    #[error("unsupported escape `\\{0}` (only `\\\"`, `\\\\` and `\\n`)")]
    BadEscape(char),
    /// A matcher not followed by `,` or `}`.
    #[error("expected `,` or `}}` after the label value")]
    ExpectedCommaOrBrace,
    /// The input ended inside `{}` (the offset is the `{`).
    #[error("unclosed `{{`")]
    Unclosed,
    /// Something after the selector.
    #[error("unexpected text after the selector")]
    TrailingText,
}

impl Selector {
    /// Parses `name`, `name{}` or `name{a="b", c!="d"}` (see [`Selector`]).
    ///
    /// Errors: a [`SelectorError`] saying what is wrong and at which character.
    pub fn parse(s: &str) -> Result<Selector, SelectorError> {
        let mut cur = Cursor::new(s);
        let fail = |cur: &Cursor<'_>, pos: usize, kind| SelectorError {
            offset: cur.char_offset(pos),
            kind,
        };
        skip_any_ws(&mut cur);
        if cur.at_end() {
            return Err(fail(&cur, cur.pos, SelectorErrorKind::Empty));
        }
        let name = take_ident(&mut cur, is_name_start, is_name_char);
        if name.is_empty() {
            return Err(fail(&cur, cur.pos, SelectorErrorKind::ExpectedMetricName));
        }
        let mut selector = Selector {
            name: name.to_owned(),
            matchers: Vec::new(),
        };
        skip_any_ws(&mut cur);
        if cur.peek() == Some(b'{') {
            let open = cur.pos;
            cur.pos += 1;
            loop {
                skip_any_ws(&mut cur);
                if cur.eat(b'}') {
                    break;
                }
                if cur.at_end() {
                    return Err(fail(&cur, open, SelectorErrorKind::Unclosed));
                }
                let label = take_ident(&mut cur, is_label_start, is_label_char);
                if label.is_empty() {
                    return Err(fail(&cur, cur.pos, SelectorErrorKind::ExpectedLabelName));
                }
                skip_any_ws(&mut cur);
                let equal = if cur.starts_with("=~") || cur.starts_with("!~") {
                    return Err(fail(&cur, cur.pos, SelectorErrorKind::RegexNotSupported));
                } else if cur.starts_with("!=") {
                    cur.pos += 2;
                    false
                } else if cur.eat(b'=') {
                    true
                } else {
                    return Err(fail(&cur, cur.pos, SelectorErrorKind::ExpectedOperator));
                };
                skip_any_ws(&mut cur);
                if cur.peek() != Some(b'"') {
                    return Err(fail(&cur, cur.pos, SelectorErrorKind::ExpectedQuote));
                }
                let value = quoted(&mut cur, true).map_err(|e| match e {
                    QuoteError::Unterminated { open } => {
                        fail(&cur, open, SelectorErrorKind::UnterminatedValue)
                    }
                    QuoteError::BadEscape { at, ch } => {
                        fail(&cur, at, SelectorErrorKind::BadEscape(ch))
                    }
                })?;
                selector.matchers.push(Matcher {
                    label: label.to_owned(),
                    equal,
                    value,
                });
                skip_any_ws(&mut cur);
                if cur.eat(b',') {
                    continue;
                }
                if cur.eat(b'}') {
                    break;
                }
                if cur.at_end() {
                    return Err(fail(&cur, open, SelectorErrorKind::Unclosed));
                }
                return Err(fail(&cur, cur.pos, SelectorErrorKind::ExpectedCommaOrBrace));
            }
            skip_any_ws(&mut cur);
        }
        if !cur.at_end() {
            return Err(fail(&cur, cur.pos, SelectorErrorKind::TrailingText));
        }
        Ok(selector)
    }
}

/// Skips any ASCII whitespace (selectors may come from multi-line config strings).
fn skip_any_ws(cur: &mut Cursor<'_>) {
    cur.take_while(|b| b.is_ascii_whitespace());
}

impl FromStr for Selector {
    type Err = SelectorError;

    /// Same as [`Selector::parse`].
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

/// Canonical form: `name` when there are no matchers, else `name{a="b", c!="d"}` with values
/// escaped. [`Selector::parse`] reads it back to an equal selector.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if self.matchers.is_empty() {
            return Ok(());
        }
        f.write_char('{')?;
        for (i, m) in self.matchers.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&m.label)?;
            f.write_str(if m.equal { "=\"" } else { "!=\"" })?;
            write_escaped(f, &m.value)?;
            f.write_char('"')?;
        }
        f.write_char('}')
    }
}

/// A byte cursor over one line (or one selector). `pos` only ever stops on ASCII bytes or the
/// end, so it is always a character boundary.
pub(crate) struct Cursor<'a> {
    pub(crate) text: &'a str,
    pub(crate) pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(text: &'a str) -> Self {
        Self { text, pos: 0 }
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(crate) fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    pub(crate) fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.pos += 1;
        }
        hit
    }

    pub(crate) fn starts_with(&self, s: &str) -> bool {
        self.rest().starts_with(s)
    }

    /// Skips spaces and tabs; true when it skipped any.
    pub(crate) fn skip_ws(&mut self) -> bool {
        !self.take_while(is_ws).is_empty()
    }

    /// Advances over bytes satisfying `keep` and returns them. `keep` must reject every byte of
    /// at least the ASCII delimiters it stops on, which keeps `pos` on a character boundary.
    pub(crate) fn take_while(&mut self, keep: impl Fn(u8) -> bool) -> &'a str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        self.slice(start, self.pos)
    }

    pub(crate) fn slice(&self, from: usize, to: usize) -> &'a str {
        self.text.get(from..to).unwrap_or_default()
    }

    pub(crate) fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or_default()
    }

    /// Characters before byte offset `pos` (a 0-based character offset).
    pub(crate) fn char_offset(&self, pos: usize) -> usize {
        self.text.get(..pos).map_or(pos, |p| p.chars().count())
    }
}

pub(crate) fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

pub(crate) fn is_name_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_' || b == b':'
}

pub(crate) fn is_name_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b':'
}

pub(crate) fn is_label_start(b: u8) -> bool {
    b.is_ascii_alphabetic() || b == b'_'
}

pub(crate) fn is_label_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// An identifier whose first byte satisfies `first` and the rest `rest`; empty when none.
pub(crate) fn take_ident<'a>(
    cur: &mut Cursor<'a>,
    first: fn(u8) -> bool,
    rest: fn(u8) -> bool,
) -> &'a str {
    if cur.peek().is_some_and(first) {
        cur.take_while(rest)
    } else {
        ""
    }
}

/// Why a quoted string did not parse; positions are byte offsets into the cursor's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum QuoteError {
    /// No closing quote; `open` is the opening quote.
    Unterminated { open: usize },
    /// `\` followed by `ch`, which strict mode refuses; `at` is the backslash.
    BadEscape { at: usize, ch: char },
}

/// Reads a double-quoted string with `\"`, `\\`, `\n` escapes; `cur` is at the opening quote and
/// ends after the closing one. Unknown escapes are kept as written unless `strict`.
pub(crate) fn quoted(cur: &mut Cursor<'_>, strict: bool) -> Result<String, QuoteError> {
    let open = cur.pos;
    cur.pos += 1;
    let mut out = String::new();
    // Every position compared here holds an ASCII byte or follows one, so all slices fall on
    // character boundaries.
    let mut segment = cur.pos;
    loop {
        match cur.peek() {
            None => return Err(QuoteError::Unterminated { open }),
            Some(b'"') => {
                out.push_str(cur.slice(segment, cur.pos));
                cur.pos += 1;
                return Ok(out);
            }
            Some(b'\\') => {
                out.push_str(cur.slice(segment, cur.pos));
                let backslash = cur.pos;
                cur.pos += 1;
                match cur.peek() {
                    None => return Err(QuoteError::Unterminated { open }),
                    Some(b'\\') => out.push('\\'),
                    Some(b'"') => out.push('"'),
                    Some(b'n') => out.push('\n'),
                    Some(_) if strict => {
                        let ch = cur.rest().chars().next().unwrap_or('\\');
                        return Err(QuoteError::BadEscape { at: backslash, ch });
                    }
                    // Keep the backslash; the character after it is copied with the next segment.
                    Some(_) => {
                        out.push('\\');
                        segment = cur.pos;
                        continue;
                    }
                }
                cur.pos += 1;
                segment = cur.pos;
            }
            Some(_) => cur.pos += 1,
        }
    }
}

/// Writes `value` with `\`, `"` and newline escaped, as label values are written.
pub(crate) fn write_escaped(f: &mut impl fmt::Write, value: &str) -> fmt::Result {
    for c in value.chars() {
        match c {
            '\\' => f.write_str("\\\\")?,
            '"' => f.write_str("\\\"")?,
            '\n' => f.write_str("\\n")?,
            _ => f.write_char(c)?,
        }
    }
    Ok(())
}
