//! The small condition language of health checks and rollback triggers.
//!
//! **Check conditions** (a check's `conditions = [...]` and `degraded = [...]`) compare one thing
//! a probe observed with a literal, `OPERAND OP LITERAL`, in the spirit of
//! [Gatus's conditions](https://github.com/TwiN/gatus#conditions):
//!
//! ```text
//! status == 200                  response_time < 800ms          value <= 5%
//! exit == 0                      body contains "ok"             $.status == UP
//! $.checks[0].state != "DOWN"    $['queue depth'] < 1e3         $.ready == true
//! ```
//!
//! - OPERAND: `status` (HTTP status), `response_time` (ms, the whole probe), `value` (the
//!   number a command, a Prometheus query or a scrape produced), `exit` (a command's exit code),
//!   `body` (the response body as text), or a JSON path ([RFC 9535]) starting with `$`, evaluated
//!   on the body parsed as JSON. A path must select exactly one node. Member names other than
//!   letters, digits and `_` need brackets: `$['a-b']`, `$['a b']`.
//! - OP: `==` `!=` `<` `<=` `>` `>=`, and `contains` / `!contains` (substring of the body or of
//!   a JSON string; element of a JSON array).
//! - LITERAL: a number (`200`, `-1.5`, `1e3`) with an optional unit — `ms`, `s`, `m` only with
//!   `response_time` (converted to ms; no unit means ms), `%` only with `value` (the number is
//!   taken as is); a string in double or single quotes (a backslash escapes the next character:
//!   `\"`, `\\`); `true`, `false`, `null`; or a bare word, read as a string (`$.status == UP`).
//!   `<` `<=` `>` `>=` need a number; `status`, `response_time`, `value` and `exit` only compare
//!   with numbers.
//!
//! Whitespace around the parts is optional. [`Condition::parse`] rejects a malformed condition
//! with a [`ConditionError`] naming the 0-based character offset of the problem, so plans fail
//! at load rather than during the deployment.
//!
//! Judging ([`Condition::eval`]) gives `Ok(true)`/`Ok(false)`, or an [`Unmet`] when the
//! observation cannot answer the question (no body, body not JSON, the path matched nothing or
//! several nodes, no HTTP status on a TCP probe, …). Numbers compare as `f64`; `==` allows an
//! `f64::EPSILON` difference ([`Comparator::holds`]). **NaN satisfies no comparison**, not even
//! `!=`: a probe whose value is NaN (Prometheus's `0/0`) fails its conditions and raises no
//! degraded condition. [`eval_all`] and [`any_holds`] judge a check's lists with the body parsed
//! at most once ([`Reading`] shares one parse across both lists).
//!
//! **Trigger conditions** (`when = "..."` on a rollback trigger) are read by [`parse_when`]:
//!
//! ```text
//! METRIC OP NUMBER[UNIT] [of baseline] [for DURATION | for N samples]
//! error_rate > 5% for 2m      p95_latency > 200% of baseline      checkout down > 0 for 15m
//! ```
//!
//! Pure: no I/O, no clock.
//!
//! [RFC 9535]: https://www.rfc-editor.org/rfc/rfc9535.html

use std::cell::OnceCell;
use std::fmt;
use std::str::FromStr;

use serde_json::Value;
use serde_json_path::JsonPath;

use super::{Comparator, Threshold};

/// What one probe observed; conditions read it.
///
/// Fields a probe kind does not produce are `None` (a TCP probe has no `status` and no `body`;
/// an HTTP probe has no `exit`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Observation {
    /// How long the whole probe took, in milliseconds (`response_time`).
    pub latency_ms: f64,
    /// HTTP status code (`status`).
    pub status: Option<u16>,
    /// Response body as text (`body`, and JSON path operands after parsing it as JSON).
    pub body: Option<String>,
    /// The number the probe produced: a command's last number, a Prometheus answer, a scraped
    /// series (`value`), in the check's unit.
    pub value: Option<f64>,
    /// A command's exit code (`exit`).
    pub exit: Option<i32>,
}

/// A condition that could not be parsed: what is wrong, and where.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message} (at character {at})")]
pub struct ConditionError {
    /// 0-based offset, in characters (not bytes), of the problem in the condition's text.
    pub at: usize,
    /// What is wrong and, where possible, what to write instead.
    pub message: String,
}

/// Why an observation could not judge a condition (neither true nor false).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Unmet {
    /// True when the body is the problem: missing, not JSON, or not a number where
    /// `body < N` needs one. False for everything else (the JSON path matched nothing or several
    /// nodes, the node has the wrong type, the probe has no status/value/exit code).
    pub body_error: bool,
    /// One line for people, e.g. `$.status matched nothing in the body`.
    pub message: String,
}

/// Which part of an [`Observation`] a condition reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OperandKind {
    /// `status`: the HTTP status code.
    Status,
    /// `response_time`: the probe's latency in ms.
    ResponseTime,
    /// `value`: the number the probe produced.
    Value,
    /// `exit`: the command's exit code.
    Exit,
    /// `body`: the response body as text.
    Body,
    /// `$…`: a JSON path into the body parsed as JSON.
    JsonPath,
}

impl OperandKind {
    /// True when judging needs the response body (`body` or a JSON path).
    pub fn reads_body(self) -> bool {
        matches!(self, OperandKind::Body | OperandKind::JsonPath)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Status,
    ResponseTime,
    Value,
    Exit,
    Body,
    Json(JsonPath),
}

impl Operand {
    fn kind(&self) -> OperandKind {
        match self {
            Operand::Status => OperandKind::Status,
            Operand::ResponseTime => OperandKind::ResponseTime,
            Operand::Value => OperandKind::Value,
            Operand::Exit => OperandKind::Exit,
            Operand::Body => OperandKind::Body,
            Operand::Json(_) => OperandKind::JsonPath,
        }
    }

    fn numeric(&self) -> bool {
        matches!(
            self,
            Operand::Status | Operand::ResponseTime | Operand::Value | Operand::Exit
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    NotContains,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::NotContains => "!contains",
        }
    }

    fn ordering(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }

    fn comparator(self) -> Option<Comparator> {
        match self {
            Op::Eq => Some(Comparator::Eq),
            Op::Lt => Some(Comparator::Lt),
            Op::Le => Some(Comparator::Le),
            Op::Gt => Some(Comparator::Gt),
            Op::Ge => Some(Comparator::Ge),
            Op::Ne | Op::Contains | Op::NotContains => None,
        }
    }

    /// `x OP y` on numbers; NaN on either side satisfies nothing.
    fn numbers(self, x: f64, y: f64) -> bool {
        if x.is_nan() || y.is_nan() {
            return false;
        }
        match self {
            Op::Ne => !Comparator::Eq.holds(x, y),
            _ => self.comparator().is_some_and(|c| c.holds(x, y)),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    /// The number, converted (response times in ms), and its text without the unit.
    Number(f64, String),
    Str(String),
    Bool(bool),
    Null,
}

impl Literal {
    /// The literal as text, for string comparisons (`contains`, `body == …`).
    fn as_text(&self) -> &str {
        match self {
            Literal::Number(_, text) => text,
            Literal::Str(s) => s,
            Literal::Bool(true) => "true",
            Literal::Bool(false) => "false",
            Literal::Null => "null",
        }
    }
}

/// A parsed check condition, `OPERAND OP LITERAL` (see the module docs for the syntax).
///
/// Build one with [`Condition::parse`] (or `str::parse`); judge it with [`Condition::eval`],
/// or a whole list with [`eval_all`] / [`any_holds`]. Displays as its normalised text.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    operand: Operand,
    /// The operand as shown: its name, or the JSON path as written.
    operand_text: String,
    op: Op,
    literal: Literal,
    /// The literal as shown: strings quoted, numbers with their unit.
    literal_text: String,
    text: String,
}

impl Condition {
    /// Parses `OPERAND OP LITERAL`, e.g. `status == 200`, `response_time < 1.5s`,
    /// `$.checks[0].state == "UP"`, `$.status == UP`, `body !contains error`.
    ///
    /// JSON paths are parsed here ([RFC 9535], via `serde_json_path`), so a bad path fails the
    /// plan at load. Errors name the 0-based character offset: empty condition, unknown
    /// operand, invalid JSON path, unknown or missing operator, missing literal, unterminated
    /// string, a unit on the wrong operand (`ms`/`s`/`m` belong to `response_time`, `%` to
    /// `value`), a non-number literal where a number is needed (`<` with a string,
    /// `status == "ok"`), `contains` on a number operand, and anything after the literal.
    ///
    /// [RFC 9535]: https://www.rfc-editor.org/rfc/rfc9535.html
    pub fn parse(src: &str) -> Result<Condition, ConditionError> {
        let mut c = Cursor::new(src);
        c.skip_ws();
        if c.at_end() {
            return Err(c.err(
                0,
                "empty condition (write e.g. `status == 200` or `$.status == \"UP\"`)",
            ));
        }

        let (operand, operand_text) = parse_operand(&mut c)?;

        c.skip_ws();
        let op_at = c.pos;
        let op = parse_op(&mut c, &operand_text)?;
        if matches!(op, Op::Contains | Op::NotContains) && operand.numeric() {
            return Err(c.err(
                op_at,
                format!(
                    "`{}` applies to body or a JSONPath, not to {operand_text}",
                    op.symbol()
                ),
            ));
        }

        c.skip_ws();
        let lit_at = c.pos;
        if c.at_end() {
            return Err(c.err(lit_at, format!("missing value after `{}`", op.symbol())));
        }
        let lit = parse_literal(&mut c)?;

        let (literal, literal_text) = match lit.kind {
            LitKind::Number(n, unit_at, unit) => {
                let (value, unit_text) = apply_unit(&c, &operand, &operand_text, n, unit_at, unit)?;
                let text = lit.text.clone();
                (
                    Literal::Number(value, text.clone()),
                    format!("{text}{unit_text}"),
                )
            }
            LitKind::Str(s) => {
                let shown = quote(&s);
                (Literal::Str(s), shown)
            }
            LitKind::Bool(b) => (Literal::Bool(b), b.to_string()),
            LitKind::Null => (Literal::Null, "null".to_string()),
        };
        if !matches!(literal, Literal::Number(..)) {
            if op.ordering() {
                return Err(c.err(
                    lit_at,
                    format!(
                        "`{}` compares numbers, and `{}` is not a number",
                        op.symbol(),
                        lit.source
                    ),
                ));
            }
            if operand.numeric() {
                return Err(c.err(
                    lit_at,
                    format!(
                        "{operand_text} compares with a number, not `{}`",
                        lit.source
                    ),
                ));
            }
        }

        c.skip_ws();
        if !c.at_end() {
            let at = c.pos;
            let word = c.take_until(char::is_whitespace);
            let hint = if lit.bare {
                " (put a string that contains spaces in quotes: \"…\")"
            } else {
                ""
            };
            return Err(c.err(at, format!("unexpected `{word}` after the condition{hint}")));
        }

        let text = format!("{operand_text} {} {literal_text}", op.symbol());
        Ok(Condition {
            operand,
            operand_text,
            op,
            literal,
            literal_text,
            text,
        })
    }

    /// Judges the condition on one observation: `Ok(true)` when it holds, `Ok(false)` when it
    /// does not, or [`Unmet`] when the observation cannot tell — body missing or not JSON
    /// (`body_error`), path matching nothing or several nodes, node of the wrong type for `<`
    /// or `contains`, operand missing (no `status` on a TCP probe, no `value`, no `exit`).
    ///
    /// Parses the body for a JSON path operand on each call; to judge several conditions on one
    /// observation use [`eval_all`], [`any_holds`] or a [`Reading`].
    pub fn eval(&self, obs: &Observation) -> Result<bool, Unmet> {
        Reading::new(obs).eval(self)
    }

    /// For `value OP number` with OP one of `<` `<=` `>` `>=` `==`: the comparator and the
    /// number (as written, `%` included), drawn as a metric's threshold line. `None` otherwise.
    pub fn value_threshold(&self) -> Option<(Comparator, f64)> {
        match (&self.operand, &self.literal) {
            (Operand::Value, Literal::Number(n, _)) => self.op.comparator().map(|c| (c, *n)),
            _ => None,
        }
    }

    /// The condition's text, normalised: single spaces, operand names in lower case, strings
    /// in double quotes, numbers as written with their unit (`$.status == "UP"`,
    /// `response_time < 800ms`).
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Which part of an observation the condition reads (e.g. to reject `status == 200` on a
    /// TCP check at load).
    pub fn operand(&self) -> OperandKind {
        self.operand.kind()
    }

    fn judge(&self, r: &Reading<'_>) -> Result<bool, Unmet> {
        let lit = &self.literal;
        match &self.operand {
            Operand::Body => {
                let body = r.body()?;
                match self.op {
                    Op::Contains => Ok(body.contains(lit.as_text())),
                    Op::NotContains => Ok(!body.contains(lit.as_text())),
                    Op::Eq => Ok(body_eq(body, lit)),
                    Op::Ne => Ok(!body_eq(body, lit)),
                    Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        let x = body.trim().parse::<f64>().map_err(|_| Unmet {
                            body_error: true,
                            message: format!(
                                "body is {}, not a number (for {})",
                                snippet_str(body),
                                self.text
                            ),
                        })?;
                        Ok(self.op.numbers(x, number(lit)))
                    }
                }
            }
            Operand::Json(path) => {
                let node = self.node(path, r)?;
                match self.op {
                    Op::Eq => Ok(json_eq(node, lit)),
                    Op::Ne => Ok(!json_eq(node, lit)),
                    Op::Contains | Op::NotContains => {
                        let has = match node {
                            Value::String(s) => s.contains(lit.as_text()),
                            Value::Array(items) => items.iter().any(|v| json_eq(v, lit)),
                            _ => {
                                return Err(Unmet {
                                    body_error: false,
                                    message: format!(
                                        "{} is {}, not a string or an array (for {})",
                                        self.operand_text,
                                        snippet(node),
                                        self.text
                                    ),
                                });
                            }
                        };
                        Ok(has == (self.op == Op::Contains))
                    }
                    Op::Lt | Op::Le | Op::Gt | Op::Ge => {
                        let x = json_number(node).ok_or_else(|| Unmet {
                            body_error: false,
                            message: format!(
                                "{} is {}, not a number (for {})",
                                self.operand_text,
                                snippet(node),
                                self.text
                            ),
                        })?;
                        Ok(self.op.numbers(x, number(lit)))
                    }
                }
            }
            _ => Ok(self.op.numbers(self.number_of(r.obs)?, number(lit))),
        }
    }

    /// The observed number of a numeric operand, or why there is none.
    fn number_of(&self, obs: &Observation) -> Result<f64, Unmet> {
        let missing = |what: &str| Unmet {
            body_error: false,
            message: format!("no {what} to compare (for {})", self.text),
        };
        match self.operand {
            Operand::Status => obs
                .status
                .map(f64::from)
                .ok_or_else(|| missing("HTTP status")),
            Operand::ResponseTime => Ok(obs.latency_ms),
            Operand::Value => obs.value.ok_or_else(|| missing("value")),
            Operand::Exit => obs.exit.map(f64::from).ok_or_else(|| missing("exit code")),
            Operand::Body | Operand::Json(_) => Err(missing("number")),
        }
    }

    /// The one node the path selects, or why there is none.
    fn node<'r>(&self, path: &JsonPath, r: &'r Reading<'_>) -> Result<&'r Value, Unmet> {
        let json = r.json().map_err(|e| Unmet {
            body_error: true,
            message: format!("{e} (for {})", self.text),
        })?;
        let nodes = path.query(json);
        match nodes.len() {
            1 => Ok(nodes.all()[0]),
            0 => Err(Unmet {
                body_error: false,
                message: format!("{} matched nothing in the body", self.operand_text),
            }),
            n => Err(Unmet {
                body_error: false,
                message: format!(
                    "{} matched {n} values; the path must select one",
                    self.operand_text
                ),
            }),
        }
    }

    /// One line saying why the condition does not hold (after `judge` gave `Ok(false)`):
    /// `$.status is "DOWN", expected == "UP"`.
    fn describe_miss(&self, r: &Reading<'_>) -> String {
        let observed = match &self.operand {
            Operand::Body => match self.op {
                Op::Contains => return format!("body does not contain {}", self.literal_text),
                Op::NotContains => return format!("body contains {}", self.literal_text),
                _ => r.body().map(|b| snippet_str(b.trim())).unwrap_or_default(),
            },
            Operand::Json(path) => self.node(path, r).map(snippet).unwrap_or_default(),
            Operand::ResponseTime => format!("{}ms", fmt_num(r.obs.latency_ms)),
            _ => self.number_of(r.obs).map(fmt_num).unwrap_or_default(),
        };
        format!(
            "{} is {observed}, expected {} {}",
            self.operand_text,
            self.op.symbol(),
            self.literal_text
        )
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Condition {
    type Err = ConditionError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Condition::parse(s)
    }
}

/// The first condition of a list that failed on an observation (see [`eval_all`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct Failure {
    /// Index of the condition in the list.
    pub index: usize,
    /// The condition's normalised text ([`Condition::text`]).
    pub condition: String,
    /// Whether the body was the problem, the condition could not be judged for another
    /// reason, or it was judged and did not hold.
    pub kind: FailureKind,
    /// One line for a status line: `$.status is "DOWN", expected == "UP"`,
    /// `body is not JSON: expected value at line 1 column 1 (for $.status == "UP")`,
    /// `$.checks[0].state matched nothing in the body`.
    pub message: String,
}

/// Why a condition failed (see [`Failure`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureKind {
    /// The body is missing, not JSON, or not the number `body < N` needs ([`Unmet::body_error`]).
    Body,
    /// The condition could not be judged for another reason: the JSON path matched nothing or
    /// several nodes, the node has the wrong type, the probe has no status/value/exit code.
    Unjudged,
    /// The condition was judged and does not hold.
    NotMet,
}

impl Failure {
    /// True when the body was the problem ([`FailureKind::Body`]).
    pub fn is_body_error(&self) -> bool {
        self.kind == FailureKind::Body
    }
}

/// One observation being judged, with its body parsed as JSON at most once, lazily, however
/// many conditions read it. [`eval_all`] and [`any_holds`] each make one; make one yourself to
/// judge a check's `conditions` and its `degraded` list on a single parse.
#[derive(Debug)]
pub struct Reading<'a> {
    obs: &'a Observation,
    /// The body parsed as JSON, or why it could not be.
    json: OnceCell<Result<Value, String>>,
}

impl<'a> Reading<'a> {
    /// Starts judging `obs` (parses nothing yet).
    pub fn new(obs: &'a Observation) -> Self {
        Reading {
            obs,
            json: OnceCell::new(),
        }
    }

    /// The observation being judged.
    pub fn observation(&self) -> &'a Observation {
        self.obs
    }

    /// [`Condition::eval`] with the shared parse of the body.
    pub fn eval(&self, cond: &Condition) -> Result<bool, Unmet> {
        cond.judge(self)
    }

    /// [`eval_all`] with the shared parse of the body.
    pub fn check(&self, conds: &[Condition]) -> Result<(), Failure> {
        for (index, cond) in conds.iter().enumerate() {
            let (kind, message) = match self.eval(cond) {
                Ok(true) => continue,
                Ok(false) => (FailureKind::NotMet, cond.describe_miss(self)),
                Err(unmet) if unmet.body_error => (FailureKind::Body, unmet.message),
                Err(unmet) => (FailureKind::Unjudged, unmet.message),
            };
            return Err(Failure {
                index,
                condition: cond.text.clone(),
                kind,
                message,
            });
        }
        Ok(())
    }

    /// The first condition of `conds` that holds ([`any_holds`] with the shared parse).
    pub fn first_holding<'c>(&self, conds: &'c [Condition]) -> Option<&'c Condition> {
        conds.iter().find(|c| matches!(self.eval(c), Ok(true)))
    }

    fn body(&self) -> Result<&'a str, Unmet> {
        self.obs.body.as_deref().ok_or_else(|| Unmet {
            body_error: true,
            message: "no response body".to_string(),
        })
    }

    fn json(&self) -> Result<&Value, String> {
        let parsed = self.json.get_or_init(|| match self.obs.body.as_deref() {
            None => Err("no response body".to_string()),
            Some(body) => {
                serde_json::from_str::<Value>(body).map_err(|e| format!("body is not JSON: {e}"))
            }
        });
        parsed.as_ref().map_err(Clone::clone)
    }
}

/// Judges a check's `conditions` on one observation: `Ok(())` when all hold, else the first
/// that does not, as a [`Failure`] (`$.status is "DOWN", expected == "UP"`) saying whether the
/// body was the problem ([`FailureKind::Body`]), the condition could not be judged
/// ([`FailureKind::Unjudged`]) or it did not hold ([`FailureKind::NotMet`]).
/// The body is parsed as JSON at most once.
pub fn eval_all(conds: &[Condition], obs: &Observation) -> Result<(), Failure> {
    Reading::new(obs).check(conds)
}

/// Judges a check's `degraded` conditions on one observation: the text of the first that
/// holds (`response_time > 300ms`), or `None`. A condition that cannot be judged does not
/// hold. The body is parsed as JSON at most once.
pub fn any_holds(conds: &[Condition], obs: &Observation) -> Option<String> {
    Reading::new(obs)
        .first_holding(conds)
        .map(|c| c.text.clone())
}

/// Parses a rollback trigger's `when`:
/// `METRIC OP NUMBER[UNIT] [of baseline] [for DURATION | for N samples]`.
///
/// - METRIC is everything before the operator, trimmed (`error_rate`, `checkout down`,
///   `p95-latency`); it is returned as written and becomes the threshold's `measure` in lower
///   case.
/// - OP is `>` `>=` `<` `<=` `==`.
/// - UNIT is `%`, `ms`, `s`, `m` or `h` (minutes and hours become seconds: unit `s`), or none;
///   `N% of baseline` gives unit `% of baseline`.
/// - `for DURATION` (`2m`, `90s`, `1h 30m`, `5 minutes`; read with the `humantime` crate) sets
///   `for_s` in whole seconds (rounded); `for N samples` (also `sample`,
///   `consecutive samples`) sets `samples`.
///
/// Examples: `error_rate > 5% for 2m` is (`error_rate`, `>`, 5, `%`, `for_s` 120);
/// `p95_latency > 200% of baseline` is (`p95_latency`, `>`, 200, `% of baseline`).
/// Errors name the 0-based character offset of the problem.
pub fn parse_when(src: &str) -> Result<(String, Threshold), ConditionError> {
    let mut c = Cursor::new(src);
    c.skip_ws();
    if c.at_end() {
        return Err(c.err(
            0,
            "empty trigger condition (write e.g. `error_rate > 5% for 2m`)",
        ));
    }
    let Some(op_at) = src.find(is_op_char) else {
        return Err(c.err(
            0,
            "no comparison (write METRIC OP NUMBER, e.g. `error_rate > 5%`, with OP one of >, >=, <, <=, ==)",
        ));
    };
    let metric = src[..op_at].trim();
    if metric.is_empty() {
        return Err(c.err(
            op_at,
            "missing metric name before the comparison (e.g. `error_rate > 5%`)",
        ));
    }
    c.pos = op_at;
    let run = c.take_until(|ch| !is_op_char(ch));
    let op = match run {
        ">" => Comparator::Gt,
        ">=" => Comparator::Ge,
        "<" => Comparator::Lt,
        "<=" => Comparator::Le,
        "==" => Comparator::Eq,
        "=" => return Err(c.err(op_at, "unknown operator `=` (use == to compare)")),
        "!=" => {
            return Err(c.err(
                op_at,
                "`!=` is not supported in trigger conditions (use >, >=, <, <= or ==)",
            ));
        }
        other => {
            return Err(c.err(
                op_at,
                format!("unknown operator `{other}` (expected >, >=, <, <= or ==)"),
            ));
        }
    };

    c.skip_ws();
    let num_at = c.pos;
    let Some(len) = number_len(c.rest()) else {
        if c.at_end() {
            return Err(c.err(num_at, format!("missing number after `{run}`")));
        }
        let word = c.take_until(char::is_whitespace);
        return Err(c.err(
            num_at,
            format!("expected a number after `{run}`, found `{word}`"),
        ));
    };
    let mut value = parse_number(&c, num_at, len)?;
    c.pos += len;

    // The unit: right after the number (`5%`, `2m`) or as the next word (`5 %`).
    let mut unit_at = c.pos;
    let mut unit_word = c.take_until(char::is_whitespace).to_string();
    if unit_word.is_empty() {
        let save = c.pos;
        c.skip_ws();
        unit_at = c.pos;
        let next = c.take_until(char::is_whitespace);
        if matches!(next, "%" | "ms" | "s" | "m" | "h") {
            unit_word = next.to_string();
        } else {
            c.pos = save;
        }
    }
    let mut unit = match unit_word.as_str() {
        "" => String::new(),
        "%" => "%".to_string(),
        "ms" => "ms".to_string(),
        "s" => "s".to_string(),
        "m" => {
            value *= 60.0;
            "s".to_string()
        }
        "h" => {
            value *= 3600.0;
            "s".to_string()
        }
        other => {
            return Err(c.err(
                unit_at,
                format!("unknown unit `{other}` (expected %, ms, s, m or h)"),
            ));
        }
    };

    c.skip_ws();
    let word_at = c.pos;
    let mut word = c.take_until(char::is_whitespace).to_ascii_lowercase();
    if word == "of" {
        c.skip_ws();
        let base_at = c.pos;
        let base = c.take_until(char::is_whitespace);
        if !base.eq_ignore_ascii_case("baseline") {
            return Err(c.err(base_at, "expected `baseline` after `of`"));
        }
        if unit != "%" {
            return Err(c.err(
                word_at,
                "`of baseline` needs a percentage (e.g. `p95_latency > 200% of baseline`)",
            ));
        }
        unit.push_str(" of baseline");
        c.skip_ws();
        word = c.take_until(char::is_whitespace).to_ascii_lowercase();
    }

    let mut for_s = None;
    let mut samples = None;
    if word == "for" {
        c.skip_ws();
        let rest_at = c.pos;
        let rest = c.rest().trim_end();
        if rest.is_empty() {
            return Err(c.err(
                rest_at,
                "missing duration after `for` (e.g. `for 2m` or `for 3 samples`)",
            ));
        }
        if let Some(n) = sample_count(rest) {
            if n == 0 {
                return Err(c.err(rest_at, "the sample count must be at least 1"));
            }
            samples = Some(n);
        } else {
            match humantime::parse_duration(rest) {
                Ok(d) => for_s = Some(d.as_secs_f64().round() as u64),
                Err(_) => {
                    return Err(c.err(
                        rest_at,
                        format!(
                            "`{rest}` is not a duration (e.g. 2m, 90s, 1h 30m, 5 minutes) or a sample count (e.g. 3 samples)"
                        ),
                    ));
                }
            }
        }
    } else if !word.is_empty() {
        let shown = &src[word_at..word_at + word.len()];
        return Err(c.err(
            word_at,
            format!("unexpected `{shown}` (expected `of baseline`, `for DURATION` or the end)"),
        ));
    }

    Ok((
        metric.to_string(),
        Threshold {
            measure: metric.to_lowercase(),
            op,
            value,
            unit,
            for_s,
            samples,
        },
    ))
}

/// `N samples`, `N sample`, `N consecutive samples` → N (`None` when `text` is not that shape).
fn sample_count(text: &str) -> Option<u32> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(str::to_ascii_lowercase)
        .collect();
    let [_, tail @ ..] = words.as_slice() else {
        return None;
    };
    let is_sample = |w: &str| w == "sample" || w == "samples";
    let shape = match tail {
        [w] => is_sample(w),
        [c, w] => c == "consecutive" && is_sample(w),
        _ => false,
    };
    if !shape {
        return None;
    }
    words[0].parse::<u32>().ok()
}

// ---------------------------------------------------------------------------------------------
// Lexing

/// A position in the source text being parsed (a byte index on a char boundary).
struct Cursor<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn new(src: &'a str) -> Self {
        Cursor { src, pos: 0 }
    }

    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn at_end(&self) -> bool {
        self.pos >= self.src.len()
    }

    fn skip_ws(&mut self) {
        let rest = self.rest();
        self.pos += rest.len() - rest.trim_start().len();
    }

    /// Advances past the characters before the first one matching `stop` (or to the end) and
    /// returns them.
    fn take_until(&mut self, stop: impl Fn(char) -> bool) -> &'a str {
        let rest = self.rest();
        let len = rest.find(stop).unwrap_or(rest.len());
        self.pos += len;
        &rest[..len]
    }

    /// An error at byte `at`, reported as a character offset.
    fn err(&self, at: usize, message: impl Into<String>) -> ConditionError {
        let mut at = at.min(self.src.len());
        while !self.src.is_char_boundary(at) {
            at -= 1;
        }
        ConditionError {
            at: self.src[..at].chars().count(),
            message: message.into(),
        }
    }
}

fn is_op_char(ch: char) -> bool {
    matches!(ch, '=' | '!' | '<' | '>')
}

fn parse_operand(c: &mut Cursor<'_>) -> Result<(Operand, String), ConditionError> {
    let start = c.pos;
    if c.peek() == Some('$') {
        let len = scan_path(c.rest()).map_err(|(at, ch)| {
            let what = if ch == '[' || ch == '(' {
                "bracket"
            } else {
                "quote"
            };
            c.err(
                start + at,
                format!("unclosed {what} `{ch}` in the JSONPath"),
            )
        })?;
        let path_text = &c.rest()[..len];
        c.pos += len;
        let path = JsonPath::parse(path_text).map_err(|e| {
            c.err(
                start + e.position(),
                format!(
                    "invalid JSONPath `{path_text}`: {} (RFC 9535; names with other \
                     characters than letters, digits and _ go in brackets: $['a-b'])",
                    e.message()
                ),
            )
        })?;
        return Ok((Operand::Json(path), path_text.to_string()));
    }
    let word = c.take_until(|ch| ch.is_whitespace() || is_op_char(ch));
    if word.is_empty() {
        return Err(c.err(
            start,
            "missing operand (expected status, response_time, value, exit, body or a JSONPath such as $.status)",
        ));
    }
    let operand = match word.to_ascii_lowercase().as_str() {
        "status" => Operand::Status,
        "response_time" => Operand::ResponseTime,
        "value" => Operand::Value,
        "exit" => Operand::Exit,
        "body" => Operand::Body,
        _ => {
            let lower = word.to_ascii_lowercase();
            let hint = if word.starts_with('[') {
                " — Gatus's [STATUS] is `status` here, and [BODY].x is `$.x`".to_string()
            } else if let Some(rest) = lower.strip_prefix("body") {
                format!(" — to read JSON from the body write `${rest}`")
            } else {
                String::new()
            };
            return Err(c.err(
                start,
                format!(
                    "unknown operand `{word}` (expected status, response_time, value, exit, body or a JSONPath such as $.status){hint}"
                ),
            ));
        }
    };
    let name = match operand {
        Operand::Status => "status",
        Operand::ResponseTime => "response_time",
        Operand::Value => "value",
        Operand::Exit => "exit",
        Operand::Body | Operand::Json(_) => "body",
    };
    Ok((operand, name.to_string()))
}

/// The JSON path at the start of `s`: its length in bytes, up to the first whitespace or
/// operator character outside brackets, parentheses and quotes; `Err` with the byte position
/// and the character of a bracket or quote left open.
fn scan_path(s: &str) -> Result<usize, (usize, char)> {
    let mut open: Vec<(usize, char)> = Vec::new();
    let mut quote: Option<(usize, char)> = None;
    let mut escaped = false;
    for (i, ch) in s.char_indices() {
        if let Some((_, q)) = quote {
            if escaped {
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == q {
                quote = None;
            }
            continue;
        }
        match ch {
            '\'' | '"' => quote = Some((i, ch)),
            '[' | '(' => open.push((i, ch)),
            ']' | ')' => {
                open.pop();
            }
            _ if open.is_empty() && (ch.is_whitespace() || is_op_char(ch)) => return Ok(i),
            _ => {}
        }
    }
    match quote.or_else(|| open.last().copied()) {
        Some(unclosed) => Err(unclosed),
        None => Ok(s.len()),
    }
}

fn parse_op(c: &mut Cursor<'_>, operand_text: &str) -> Result<Op, ConditionError> {
    let start = c.pos;
    if c.at_end() {
        return Err(c.err(
            start,
            format!(
                "missing operator after `{operand_text}` (expected ==, !=, <, <=, >, >=, contains or !contains)"
            ),
        ));
    }
    let rest = c.rest();
    for (word, op) in [("!contains", Op::NotContains), ("contains", Op::Contains)] {
        let matches_word = rest
            .get(..word.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(word));
        let ends = rest[word.len().min(rest.len())..]
            .chars()
            .next()
            .is_none_or(|ch| ch.is_whitespace() || ch == '"' || ch == '\'');
        if matches_word && ends {
            c.pos += word.len();
            return Ok(op);
        }
    }
    let run = c.take_until(|ch| !is_op_char(ch));
    let op = match run {
        "==" => Op::Eq,
        "!=" => Op::Ne,
        "<" => Op::Lt,
        "<=" => Op::Le,
        ">" => Op::Gt,
        ">=" => Op::Ge,
        "=" => return Err(c.err(start, "unknown operator `=` (use == to compare)")),
        _ => {
            let shown = if run.is_empty() {
                c.take_until(char::is_whitespace)
            } else {
                run
            };
            return Err(c.err(
                start,
                format!(
                    "unknown operator `{shown}` (expected ==, !=, <, <=, >, >=, contains or !contains)"
                ),
            ));
        }
    };
    Ok(op)
}

/// A literal as lexed, before checking it against the operand and operator.
struct Lexed {
    kind: LitKind,
    /// The literal's source text (for error messages).
    source: String,
    /// The number's text without its unit (numbers only).
    text: String,
    /// Whether it was an unquoted word.
    bare: bool,
}

enum LitKind {
    /// The number, and its unit with the unit's byte position (`""` for none).
    Number(f64, usize, &'static str),
    Str(String),
    Bool(bool),
    Null,
}

fn parse_literal(c: &mut Cursor<'_>) -> Result<Lexed, ConditionError> {
    let start = c.pos;
    if let Some(q @ ('"' | '\'')) = c.peek() {
        let mut out = String::new();
        let mut escaped = false;
        for (i, ch) in c.rest().char_indices().skip(1) {
            if escaped {
                out.push(ch);
                escaped = false;
            } else if ch == '\\' {
                escaped = true;
            } else if ch == q {
                c.pos += i + ch.len_utf8();
                return Ok(Lexed {
                    kind: LitKind::Str(out),
                    source: c.src[start..c.pos].to_string(),
                    text: String::new(),
                    bare: false,
                });
            } else {
                out.push(ch);
            }
        }
        return Err(c.err(start, format!("unterminated string (missing closing {q})")));
    }

    let token = c.take_until(char::is_whitespace);
    let bare = |kind| Lexed {
        kind,
        source: token.to_string(),
        text: String::new(),
        bare: true,
    };
    match token {
        "true" => return Ok(bare(LitKind::Bool(true))),
        "false" => return Ok(bare(LitKind::Bool(false))),
        "null" => return Ok(bare(LitKind::Null)),
        _ => {}
    }
    let Some(len) = number_len(token).filter(|&len| {
        // A number, optionally followed directly by a unit; anything else is a bare word.
        matches!(&token[len..], "" | "ms" | "s" | "m" | "%")
    }) else {
        return Ok(bare(LitKind::Str(token.to_string())));
    };
    let value = parse_number(c, start, len)?;
    let mut unit_at = start + len;
    let mut unit = unit_name(&token[len..]);
    if unit.is_empty() {
        // `800 ms`: a unit as the next word.
        let save = c.pos;
        c.skip_ws();
        let next_at = c.pos;
        let next = unit_name(c.take_until(char::is_whitespace));
        if next.is_empty() {
            c.pos = save;
        } else {
            unit = next;
            unit_at = next_at;
        }
    }
    Ok(Lexed {
        kind: LitKind::Number(value, unit_at, unit),
        source: token.to_string(),
        text: token[..len].to_string(),
        bare: false,
    })
}

fn unit_name(s: &str) -> &'static str {
    match s {
        "ms" => "ms",
        "s" => "s",
        "m" => "m",
        "%" => "%",
        _ => "",
    }
}

/// Checks a literal's unit against the operand and converts: `(value, unit as shown)`.
fn apply_unit(
    c: &Cursor<'_>,
    operand: &Operand,
    operand_text: &str,
    n: f64,
    unit_at: usize,
    unit: &'static str,
) -> Result<(f64, &'static str), ConditionError> {
    let factor = match unit {
        "" if *operand == Operand::ResponseTime => return Ok((n, "ms")),
        "" => return Ok((n, "")),
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        _ => {
            // "%"
            if *operand != Operand::Value {
                return Err(c.err(
                    unit_at,
                    format!("`%` only applies to value, not to {operand_text}"),
                ));
            }
            return Ok((n, "%"));
        }
    };
    if *operand != Operand::ResponseTime {
        return Err(c.err(
            unit_at,
            format!("time unit `{unit}` only applies to response_time, not to {operand_text}"),
        ));
    }
    Ok((n * factor, unit))
}

/// Length in bytes of the number at the start of `s`: `[+-]digits[.digits][e[+-]digits]`
/// (digits on at least one side of the point); `None` when `s` does not start with one.
fn number_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let digits = |mut i: usize| {
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        i
    };
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let int_end = digits(i);
    let mut mantissa = int_end > i;
    i = int_end;
    if b.get(i) == Some(&b'.') {
        let frac_end = digits(i + 1);
        if frac_end > i + 1 || mantissa {
            mantissa = true;
            i = frac_end;
        }
    }
    if !mantissa {
        return None;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let j = i + 1 + usize::from(matches!(b.get(i + 1), Some(b'+' | b'-')));
        let exp_end = digits(j);
        if exp_end > j {
            i = exp_end;
        }
    }
    Some(i)
}

fn parse_number(c: &Cursor<'_>, at: usize, len: usize) -> Result<f64, ConditionError> {
    let text = &c.src[at..at + len];
    match text.parse::<f64>() {
        Ok(n) if n.is_finite() => Ok(n),
        _ => Err(c.err(at, format!("`{text}` is not a usable number"))),
    }
}

// ---------------------------------------------------------------------------------------------
// Comparing

fn number(lit: &Literal) -> f64 {
    match lit {
        Literal::Number(n, _) => *n,
        _ => f64::NAN,
    }
}

/// `body == LITERAL`: numbers compare as numbers when the body is one; otherwise the trimmed
/// body must equal the literal's text.
fn body_eq(body: &str, lit: &Literal) -> bool {
    let body = body.trim();
    if let Literal::Number(n, _) = lit
        && let Ok(x) = body.parse::<f64>()
    {
        return Op::Eq.numbers(x, *n);
    }
    body == lit.as_text()
}

/// A JSON node as a number: a JSON number, or a string holding one (`"42"`).
fn json_number(node: &Value) -> Option<f64> {
    match node {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// `node == LITERAL` on JSON: numbers as numbers (a numeric string counts), strings exactly,
/// a string literal also matches a number or boolean written the same way (`"200"` matches
/// 200), booleans match `true`/`false` or the strings `"true"`/`"false"`, `null` only null.
fn json_eq(node: &Value, lit: &Literal) -> bool {
    match lit {
        Literal::Number(n, _) => json_number(node).is_some_and(|x| Op::Eq.numbers(x, *n)),
        Literal::Str(s) => match node {
            Value::String(v) => v == s,
            Value::Number(_) => match (json_number(node), s.parse::<f64>()) {
                (Some(x), Ok(y)) => Op::Eq.numbers(x, y),
                _ => false,
            },
            Value::Bool(b) => s == if *b { "true" } else { "false" },
            Value::Null | Value::Array(_) | Value::Object(_) => false,
        },
        Literal::Bool(b) => match node {
            Value::Bool(v) => v == b,
            Value::String(v) => v == if *b { "true" } else { "false" },
            _ => false,
        },
        Literal::Null => node.is_null(),
    }
}

// ---------------------------------------------------------------------------------------------
// Showing

/// Longest shown observed value, in characters.
const SNIPPET_CHARS: usize = 40;

/// A JSON node as compact JSON, cut to [`SNIPPET_CHARS`].
fn snippet(node: &Value) -> String {
    cut(&node.to_string())
}

/// A text as a quoted string with control characters escaped (`\n`), cut to
/// [`SNIPPET_CHARS`].
fn snippet_str(s: &str) -> String {
    let mut one_line = String::with_capacity(s.len() + 2);
    for ch in quote(s).chars() {
        if ch.is_control() {
            one_line.extend(ch.escape_default());
        } else {
            one_line.push(ch);
        }
    }
    cut(&one_line)
}

fn cut(s: &str) -> String {
    if s.chars().count() <= SNIPPET_CHARS {
        return s.to_string();
    }
    let mut out: String = s.chars().take(SNIPPET_CHARS - 1).collect();
    out.push('…');
    out
}

/// `s` in double quotes with `"` and `\` escaped.
fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for ch in s.chars() {
        if matches!(ch, '"' | '\\') {
            out.push('\\');
        }
        out.push(ch);
    }
    out.push('"');
    out
}

/// A number for people: integers without a point, others with up to 3 decimals.
fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "0" || s == "-0" {
        format!("{x:e}")
    } else {
        s.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cond(s: &str) -> Condition {
        Condition::parse(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn err(s: &str) -> ConditionError {
        match Condition::parse(s) {
            Ok(c) => panic!("{s:?} parsed as {c:?}"),
            Err(e) => e,
        }
    }

    fn http(status: u16, latency_ms: f64, body: &str) -> Observation {
        Observation {
            latency_ms,
            status: Some(status),
            body: Some(body.to_string()),
            ..Observation::default()
        }
    }

    fn json_obs(body: &str) -> Observation {
        http(200, 10.0, body)
    }

    fn value(v: f64) -> Observation {
        Observation {
            value: Some(v),
            ..Observation::default()
        }
    }

    fn holds(c: &str, obs: &Observation) -> bool {
        cond(c)
            .eval(obs)
            .unwrap_or_else(|u| panic!("{c:?} unmet: {}", u.message))
    }

    fn unmet(c: &str, obs: &Observation) -> Unmet {
        match cond(c).eval(obs) {
            Ok(b) => panic!("{c:?} judged {b}"),
            Err(u) => u,
        }
    }

    // --- parsing: operands, operators, literals, normalised text ---

    #[test]
    fn parses_every_operand_and_normalises_text() {
        let cases = [
            ("status == 200", "status == 200", OperandKind::Status),
            ("  STATUS==200  ", "status == 200", OperandKind::Status),
            (
                "response_time<800ms",
                "response_time < 800ms",
                OperandKind::ResponseTime,
            ),
            (
                "response_time < 800",
                "response_time < 800ms",
                OperandKind::ResponseTime,
            ),
            ("value <= 5%", "value <= 5%", OperandKind::Value),
            ("exit == 0", "exit == 0", OperandKind::Exit),
            (
                "body contains ok",
                "body contains \"ok\"",
                OperandKind::Body,
            ),
            (
                "$.status == UP",
                "$.status == \"UP\"",
                OperandKind::JsonPath,
            ),
            (
                "$.status=='UP'",
                "$.status == \"UP\"",
                OperandKind::JsonPath,
            ),
            (
                "$.checks[0].state != \"DOWN\"",
                "$.checks[0].state != \"DOWN\"",
                OperandKind::JsonPath,
            ),
            ("$['a b'] == 1", "$['a b'] == 1", OperandKind::JsonPath),
            (
                "$[?@.x == 1].y == 2",
                "$[?@.x == 1].y == 2",
                OperandKind::JsonPath,
            ),
        ];
        for (src, text, kind) in cases {
            let c = cond(src);
            assert_eq!(c.text(), text, "{src}");
            assert_eq!(c.to_string(), text, "{src}");
            assert_eq!(c.operand(), kind, "{src}");
        }
        assert!(OperandKind::JsonPath.reads_body());
        assert!(OperandKind::Body.reads_body());
        assert!(!OperandKind::Status.reads_body());
    }

    #[test]
    fn parses_every_operator() {
        for (op, sym) in [
            ("==", "=="),
            ("!=", "!="),
            ("<", "<"),
            ("<=", "<="),
            (">", ">"),
            (">=", ">="),
        ] {
            assert_eq!(
                cond(&format!("value {op} 1")).text(),
                format!("value {sym} 1")
            );
            assert_eq!(
                cond(&format!("value{op}1")).text(),
                format!("value {sym} 1")
            );
        }
        assert_eq!(cond("body contains x").text(), "body contains \"x\"");
        assert_eq!(cond("body !contains x").text(), "body !contains \"x\"");
        assert_eq!(cond("body CONTAINS \"x\"").text(), "body contains \"x\"");
        assert_eq!(cond("$.a contains\"x\"").text(), "$.a contains \"x\"");
        assert_eq!(cond("$.a!contains 'x'").text(), "$.a !contains \"x\"");
    }

    #[test]
    fn parses_literal_forms() {
        let c = cond("value == -1.5");
        assert_eq!(c.literal, Literal::Number(-1.5, "-1.5".into()));
        assert_eq!(
            cond("value < 1e3").value_threshold(),
            Some((Comparator::Lt, 1000.0))
        );
        assert_eq!(
            cond("value < +.5").value_threshold(),
            Some((Comparator::Lt, 0.5))
        );
        assert_eq!(cond("$.a == true").literal, Literal::Bool(true));
        assert_eq!(cond("$.a == false").literal, Literal::Bool(false));
        assert_eq!(cond("$.a == null").literal, Literal::Null);
        assert_eq!(cond("$.a == \"true\"").literal, Literal::Str("true".into()));
        assert_eq!(
            cond(r#"$.a == "say \"hi\" \\ o/""#).literal,
            Literal::Str(r#"say "hi" \ o/"#.into())
        );
        assert_eq!(cond(r"$.a == 'it\'s'").literal, Literal::Str("it's".into()));
        assert_eq!(cond("$.a == 'a \"b\"'").text(), r#"$.a == "a \"b\"""#);
        assert_eq!(cond("$.a == \"\"").literal, Literal::Str(String::new()));
        // Bare words, including number-like ones that are not numbers with a unit.
        assert_eq!(cond("$.v == 1.2.3").literal, Literal::Str("1.2.3".into()));
        assert_eq!(cond("$.v == 5kb").literal, Literal::Str("5kb".into()));
        assert_eq!(cond("$.v == NaN").literal, Literal::Str("NaN".into()));
        assert_eq!(cond("$.v == UP").text(), "$.v == \"UP\"");
        assert_eq!(cond("$.v == 'UP' ").text(), "$.v == \"UP\"");
    }

    #[test]
    fn converts_time_units_to_ms() {
        let ms = |s: &str| match cond(s).literal {
            Literal::Number(n, _) => n,
            other => panic!("{other:?}"),
        };
        assert!((ms("response_time < 800ms") - 800.0).abs() < 1e-9);
        assert!((ms("response_time < 800") - 800.0).abs() < 1e-9);
        assert!((ms("response_time < 1.5s") - 1500.0).abs() < 1e-9);
        assert!((ms("response_time < 2m") - 120_000.0).abs() < 1e-9);
        assert!((ms("response_time < 2 s") - 2000.0).abs() < 1e-9);
        assert_eq!(cond("response_time < 2 s").text(), "response_time < 2s");
        assert_eq!(cond("response_time<1.5s").text(), "response_time < 1.5s");
        // % is taken as is.
        assert!((ms("value > 5%") - 5.0).abs() < 1e-9);
        assert!((ms("value > 5 %") - 5.0).abs() < 1e-9);
    }

    #[test]
    fn value_threshold_only_for_value_and_numeric_comparators() {
        assert_eq!(
            cond("value > 2").value_threshold(),
            Some((Comparator::Gt, 2.0))
        );
        assert_eq!(
            cond("value >= 2").value_threshold(),
            Some((Comparator::Ge, 2.0))
        );
        assert_eq!(
            cond("value <= 5%").value_threshold(),
            Some((Comparator::Le, 5.0))
        );
        assert_eq!(
            cond("value == 0").value_threshold(),
            Some((Comparator::Eq, 0.0))
        );
        assert_eq!(cond("value != 0").value_threshold(), None);
        assert_eq!(cond("status < 500").value_threshold(), None);
        assert_eq!(cond("response_time > 300ms").value_threshold(), None);
        assert_eq!(cond("$.value > 3").value_threshold(), None);
    }

    #[test]
    fn from_str_and_clone_eq() {
        let c: Condition = "$.a == 1".parse().unwrap();
        assert_eq!(c.clone(), c);
        assert!("".parse::<Condition>().is_err());
    }

    // --- parsing: rejections with offsets ---

    #[test]
    fn rejects_with_offsets() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty condition"),
            ("   ", 0, "empty condition"),
            ("latency < 5", 0, "unknown operand `latency`"),
            ("  foo == 1", 2, "unknown operand `foo`"),
            ("[STATUS] == 200", 0, "Gatus's [STATUS] is `status`"),
            ("body.status == UP", 0, "write `$.status`"),
            ("== 200", 0, "missing operand"),
            ("$.a[ == 1", 3, "unclosed bracket `[` in the JSONPath"),
            ("$.a[0 == 1", 3, "unclosed bracket `[`"),
            ("$['a b == 1", 2, "unclosed quote `'` in the JSONPath"),
            ("$.a.] == 1", 4, "invalid JSONPath `$.a.]`"),
            ("$.a-b == 1", 3, "invalid JSONPath `$.a-b`"),
            ("$x == 1", 1, "invalid JSONPath"),
            ("status", 6, "missing operator after `status`"),
            ("status   ", 9, "missing operator"),
            (
                "status = 200",
                7,
                "unknown operator `=` (use == to compare)",
            ),
            ("status => 200", 7, "unknown operator `=>`"),
            ("status === 200", 7, "unknown operator `===`"),
            ("status equals 200", 7, "unknown operator `equals`"),
            ("status ~ 200", 7, "unknown operator `~`"),
            ("status ==", 9, "missing value after `==`"),
            ("status == ", 10, "missing value after `==`"),
            (
                "status contains 2",
                7,
                "`contains` applies to body or a JSONPath, not to status",
            ),
            ("value !contains 2", 6, "`!contains` applies to body"),
            (
                "status == 200ms",
                13,
                "time unit `ms` only applies to response_time, not to status",
            ),
            (
                "value < 5s",
                9,
                "time unit `s` only applies to response_time",
            ),
            ("status == 200 m", 14, "time unit `m`"),
            (
                "response_time < 5%",
                17,
                "`%` only applies to value, not to response_time",
            ),
            ("$.a > 5%", 7, "`%` only applies to value"),
            (
                "$.status < \"UP\"",
                11,
                "`<` compares numbers, and `\"UP\"` is not a number",
            ),
            ("$.status >= UP", 12, "`>=` compares numbers"),
            ("body > true", 7, "`>` compares numbers, and `true`"),
            ("$.a <= null", 7, "`<=` compares numbers"),
            (
                "status == \"200\"",
                10,
                "status compares with a number, not `\"200\"`",
            ),
            ("exit == ok", 8, "exit compares with a number, not `ok`"),
            ("value == true", 9, "value compares with a number"),
            ("response_time < 5sec", 16, "compares numbers, and `5sec`"),
            ("$.a == \"UP", 7, "unterminated string (missing closing \")"),
            ("$.a == 'UP", 7, "unterminated string (missing closing ')"),
            (
                "status == 200 200",
                14,
                "unexpected `200` after the condition",
            ),
            (
                "$.msg == all good",
                13,
                "unexpected `good` after the condition (put a string",
            ),
            ("$.a == \"x\"y", 10, "unexpected `y`"),
            ("value == 1e999", 9, "`1e999` is not a usable number"),
        ];
        for &(src, at, msg) in cases {
            let e = err(src);
            assert_eq!(e.at, at, "{src:?}: {e}");
            assert!(e.message.contains(msg), "{src:?}: {e}");
        }
    }

    #[test]
    fn error_offsets_count_characters_not_bytes() {
        let e = err("$['é'] == 'ü");
        assert_eq!(e.at, 10, "{e}");
        let e = err("$.é- == 1");
        assert_eq!(e.at, 3, "{e}");
    }

    #[test]
    fn error_display_names_the_offset() {
        assert_eq!(
            err("foo == 1").to_string(),
            "unknown operand `foo` (expected status, response_time, value, exit, body or a \
             JSONPath such as $.status) (at character 0)"
        );
    }

    // --- judging ---

    #[test]
    fn judges_status_response_time_value_exit() {
        let obs = http(503, 1234.5, "");
        assert!(holds("status == 503", &obs));
        assert!(!holds("status == 200", &obs));
        assert!(holds("status != 200", &obs));
        assert!(holds("status >= 500", &obs));
        assert!(!holds("status < 500", &obs));
        assert!(holds("response_time > 1s", &obs));
        assert!(holds("response_time <= 1234.5", &obs));
        assert!(!holds("response_time < 800ms", &obs));
        assert!(holds("response_time < 0.1m", &obs));
        assert!(holds("value > 2", &value(2.5)));
        assert!(!holds("value > 2", &value(2.0)));
        assert!(holds("value >= 2", &value(2.0)));
        assert!(holds("value <= 5%", &value(4.9)));
        assert!(holds("value == 0.3", &value(0.1 + 0.2)));
        let cmd = Observation {
            exit: Some(0),
            ..Observation::default()
        };
        assert!(holds("exit == 0", &cmd));
        assert!(!holds("exit != 0", &cmd));
        assert!(holds(
            "exit < 0",
            &Observation {
                exit: Some(-1),
                ..Observation::default()
            }
        ));
    }

    #[test]
    fn missing_operands_are_unmet_not_body_errors() {
        let tcp = Observation {
            latency_ms: 3.0,
            ..Observation::default()
        };
        let u = unmet("status == 200", &tcp);
        assert!(!u.body_error);
        assert_eq!(u.message, "no HTTP status to compare (for status == 200)");
        assert!(!unmet("value < 3", &tcp).body_error);
        assert!(unmet("exit == 0", &tcp).message.contains("no exit code"));
        // response_time is always there.
        assert!(holds("response_time < 5", &tcp));
        // No body at all is a body error, for `body` and for JSONPaths.
        let u = unmet("body contains ok", &tcp);
        assert!(u.body_error);
        assert_eq!(u.message, "no response body");
        let u = unmet("$.status == UP", &tcp);
        assert!(u.body_error);
        assert_eq!(u.message, "no response body (for $.status == \"UP\")");
    }

    #[test]
    fn nan_value_passes_no_comparison() {
        let nan = value(f64::NAN);
        for c in [
            "value < 5",
            "value <= 5",
            "value > 5",
            "value >= 5",
            "value == 5",
            "value != 5",
        ] {
            assert!(!holds(c, &nan), "{c}");
        }
        let f = eval_all(&[cond("value < 5")], &nan).unwrap_err();
        assert_eq!(f.message, "value is NaN, expected < 5");
        assert_eq!(f.kind, FailureKind::NotMet);
        assert_eq!(
            any_holds(&[cond("value > 5"), cond("value != 0")], &nan),
            None
        );
        // Infinity compares normally.
        assert!(holds("value > 5", &value(f64::INFINITY)));
    }

    #[test]
    fn body_text_comparisons() {
        let obs = http(200, 5.0, "all systems OK\n");
        assert!(holds("body contains OK", &obs));
        assert!(holds("body contains \"systems OK\"", &obs));
        assert!(!holds("body contains ok", &obs), "case-sensitive");
        assert!(holds("body !contains error", &obs));
        assert!(!holds("body !contains OK", &obs));
        assert!(holds("body == \"all systems OK\"", &obs), "trimmed");
        assert!(holds("body != OK", &obs));
        let n = http(200, 5.0, " 42\n");
        assert!(holds("body == 42", &n));
        assert!(holds("body == 42.0", &n));
        assert!(holds("body > 40", &n));
        assert!(holds("body contains 4", &n));
        let u = unmet("body < 3", &obs);
        assert!(u.body_error);
        assert_eq!(
            u.message,
            "body is \"all systems OK\\n\", not a number (for body < 3)"
        );
    }

    #[test]
    fn jsonpath_on_nested_objects_and_arrays() {
        let obs = json_obs(
            r#"{"status":"UP","version":"1.2.3","ready":true,"latency":12.5,"code":"200",
               "checks":[{"name":"db","state":"UP"},{"name":"cache","state":"DOWN"}],
               "a b":{"c":1},"a-b":2,"nothing":null,"tags":["blue","canary"],"ids":[1,2,3]}"#,
        );
        assert!(holds("$.status == UP", &obs));
        assert!(holds("$.status == \"UP\"", &obs));
        assert!(!holds("$.status == up", &obs), "case-sensitive");
        assert!(holds("$.status != DOWN", &obs));
        assert!(holds("$.version == 1.2.3", &obs));
        assert!(holds("$.ready == true", &obs));
        assert!(holds("$.ready != false", &obs));
        assert!(holds("$.ready == \"true\"", &obs));
        assert!(holds("$.latency < 20", &obs));
        assert!(holds("$.latency == 12.5", &obs));
        assert!(
            holds("$.latency == \"12.5\"", &obs),
            "string literal matches a number"
        );
        assert!(
            holds("$.code == 200", &obs),
            "numeric string matches a number"
        );
        assert!(holds("$.code >= 200", &obs));
        assert!(holds("$.checks[0].state == UP", &obs));
        assert!(holds("$.checks[1].state == DOWN", &obs));
        assert!(holds("$.checks[-1].name == cache", &obs));
        assert!(holds("$.checks[?@.name == 'cache'].state == DOWN", &obs));
        assert!(holds("$['a b'].c == 1", &obs));
        assert!(holds("$['a-b'] == 2", &obs));
        assert!(holds("$.nothing == null", &obs));
        assert!(!holds("$.status == null", &obs));
        assert!(
            !holds("$.checks == UP", &obs),
            "arrays never equal a scalar"
        );
        assert!(holds("$.status contains U", &obs));
        assert!(holds("$.tags contains canary", &obs));
        assert!(holds("$.tags !contains green", &obs));
        assert!(holds("$.ids contains 2", &obs));
        assert!(!holds("$.ids contains 4", &obs));
        assert!(holds("$.checks[?@.state == 'DOWN'].name == cache", &obs));
    }

    #[test]
    fn jsonpath_that_cannot_be_judged() {
        let obs = json_obs(r#"{"status":"UP","checks":[{"state":"UP"},{"state":"DOWN"}],"n":3}"#);
        let u = unmet("$.missing == UP", &obs);
        assert!(!u.body_error);
        assert_eq!(u.message, "$.missing matched nothing in the body");
        let u = unmet("$.checks[5].state == UP", &obs);
        assert_eq!(u.message, "$.checks[5].state matched nothing in the body");
        let u = unmet("$.checks[*].state == UP", &obs);
        assert!(!u.body_error);
        assert_eq!(
            u.message,
            "$.checks[*].state matched 2 values; the path must select one"
        );
        let u = unmet("$.status < 3", &obs);
        assert!(!u.body_error);
        assert_eq!(
            u.message,
            "$.status is \"UP\", not a number (for $.status < 3)"
        );
        let u = unmet("$.n contains 3", &obs);
        assert_eq!(
            u.message,
            "$.n is 3, not a string or an array (for $.n contains 3)"
        );
    }

    #[test]
    fn non_json_body_is_a_body_error() {
        let obs = http(200, 5.0, "<html>OK</html>");
        let u = unmet("$.status == UP", &obs);
        assert!(u.body_error);
        assert!(u.message.starts_with("body is not JSON: "), "{}", u.message);
        assert!(
            u.message.ends_with("(for $.status == \"UP\")"),
            "{}",
            u.message
        );
        // `body` itself still works on a non-JSON body.
        assert!(holds("body contains OK", &obs));
    }

    // --- lists ---

    #[test]
    fn eval_all_reports_the_first_failure() {
        let conds: Vec<Condition> = ["status == 200", "$.status == UP", "response_time < 800ms"]
            .iter()
            .map(|s| cond(s))
            .collect();
        assert_eq!(
            eval_all(&conds, &http(200, 100.0, r#"{"status":"UP"}"#)),
            Ok(())
        );
        assert_eq!(eval_all(&[], &Observation::default()), Ok(()));

        let f = eval_all(&conds, &http(200, 100.0, r#"{"status":"DOWN"}"#)).unwrap_err();
        assert_eq!(f.index, 1);
        assert_eq!(f.condition, "$.status == \"UP\"");
        assert_eq!(f.kind, FailureKind::NotMet);
        assert_eq!(f.message, "$.status is \"DOWN\", expected == \"UP\"");
        assert_eq!(f.to_string(), f.message);
        assert!(!f.is_body_error());

        let f = eval_all(&conds, &http(503, 100.0, "{}")).unwrap_err();
        assert_eq!(f.index, 0);
        assert_eq!(f.message, "status is 503, expected == 200");

        let f = eval_all(&conds, &http(200, 1234.5, r#"{"status":"UP"}"#)).unwrap_err();
        assert_eq!(f.message, "response_time is 1234.5ms, expected < 800ms");

        let f = eval_all(&conds, &http(200, 100.0, "oops")).unwrap_err();
        assert_eq!(f.kind, FailureKind::Body);
        assert!(f.is_body_error());
        assert!(f.message.starts_with("body is not JSON"), "{}", f.message);

        let f = eval_all(&conds, &http(200, 100.0, "{}")).unwrap_err();
        assert_eq!(f.kind, FailureKind::Unjudged);
        assert_eq!(f.message, "$.status matched nothing in the body");
    }

    #[test]
    fn failure_messages_stay_short() {
        let long = format!(r#"{{"msg":"{}"}}"#, "x".repeat(200));
        let f = eval_all(&[cond("$.msg == ok")], &json_obs(&long)).unwrap_err();
        assert_eq!(
            f.message,
            format!("$.msg is \"{}…, expected == \"ok\"", "x".repeat(38))
        );
        let obs = http(200, 1.0, &"y".repeat(5000));
        let f = eval_all(&[cond("body contains ok")], &obs).unwrap_err();
        assert_eq!(f.message, "body does not contain \"ok\"");
        let f = eval_all(&[cond("body !contains y")], &obs).unwrap_err();
        assert_eq!(f.message, "body contains \"y\"");
        let f = eval_all(&[cond("body == ok")], &http(200, 1.0, "nope\n")).unwrap_err();
        assert_eq!(f.message, "body is \"nope\", expected == \"ok\"");
        let f = eval_all(&[cond("$.a == 1")], &json_obs(r#"{"a":{"b":[1,2]}}"#)).unwrap_err();
        assert_eq!(f.message, "$.a is {\"b\":[1,2]}, expected == 1");
        let f = eval_all(&[cond("value < 5%")], &value(7.25)).unwrap_err();
        assert_eq!(f.message, "value is 7.25, expected < 5%");
    }

    #[test]
    fn any_holds_names_the_first_degraded_condition() {
        let degraded = [cond("response_time > 300ms"), cond("$.queue > 100")];
        assert_eq!(any_holds(&degraded, &json_obs(r#"{"queue":5}"#)), None);
        assert_eq!(
            any_holds(&degraded, &http(200, 450.0, r#"{"queue":500}"#)),
            Some("response_time > 300ms".to_string())
        );
        assert_eq!(
            any_holds(&degraded, &json_obs(r#"{"queue":500}"#)),
            Some("$.queue > 100".to_string())
        );
        // Conditions that cannot be judged do not hold.
        assert_eq!(any_holds(&degraded, &json_obs("not json")), None);
        assert_eq!(any_holds(&[], &json_obs("{}")), None);
    }

    #[test]
    fn reading_parses_the_body_once_for_both_lists() {
        let obs = json_obs(r#"{"status":"UP","queue":500}"#);
        let reading = Reading::new(&obs);
        assert!(
            reading.json.get().is_none(),
            "nothing parsed before a JSONPath is read"
        );
        assert_eq!(reading.check(&[cond("status == 200")]), Ok(()));
        assert!(
            reading.json.get().is_none(),
            "status does not parse the body"
        );
        assert_eq!(reading.check(&[cond("$.status == UP")]), Ok(()));
        let parsed: *const Value = match reading.json.get() {
            Some(Ok(v)) => v,
            other => panic!("{other:?}"),
        };
        let degraded = [cond("$.queue > 100")];
        assert_eq!(reading.first_holding(&degraded), Some(&degraded[0]));
        let again: *const Value = match reading.json.get() {
            Some(Ok(v)) => v,
            other => panic!("{other:?}"),
        };
        assert_eq!(parsed, again, "the same parse is reused");
        assert_eq!(reading.eval(&cond("$.queue == 500")), Ok(true));
        assert_eq!(reading.observation(), &obs);
    }

    #[test]
    fn documented_examples_parse() {
        // README "Conditions" and the module docs.
        for src in [
            "status == 200",
            "response_time < 800ms",
            "$.status == UP",
            "$.checks[0].state != 'DOWN'",
            "$['queue depth'] < 1e3",
            "body !contains \"maintenance\"",
            "exit == 0",
            "response_time > 300ms",
            "value > 5%",
            "value <= 5%",
            "body contains \"ok\"",
            "$.ready == true",
        ] {
            cond(src);
        }
        for src in [
            "error_rate > 5% for 2m",
            "p95_latency > 200% of baseline",
            "checkout down > 0 for 15m",
            "queue_depth >= 1000 for 3 samples",
            "latency_p99 > 1.5s",
        ] {
            when(src);
        }
        assert_eq!(
            err("$.status < \"UP\"").to_string(),
            "`<` compares numbers, and `\"UP\"` is not a number (at character 11)"
        );
        assert_eq!(
            parse_when("error_rate >").map_err(|e| e.to_string()),
            Err("missing number after `>` (at character 12)".to_string())
        );
    }

    // --- trigger conditions ---

    fn when(s: &str) -> (String, Threshold) {
        parse_when(s).unwrap_or_else(|e| panic!("{s:?}: {e}"))
    }

    fn th(
        measure: &str,
        op: Comparator,
        value: f64,
        unit: &str,
        for_s: Option<u64>,
        samples: Option<u32>,
    ) -> Threshold {
        Threshold {
            measure: measure.to_string(),
            op,
            value,
            unit: unit.to_string(),
            for_s,
            samples,
        }
    }

    #[test]
    fn parse_when_examples() {
        use Comparator::{Eq, Ge, Gt, Le, Lt};
        let cases = [
            (
                "error_rate > 5% for 2m",
                "error_rate",
                th("error_rate", Gt, 5.0, "%", Some(120), None),
            ),
            (
                "p95_latency > 200% of baseline",
                "p95_latency",
                th("p95_latency", Gt, 200.0, "% of baseline", None, None),
            ),
            (
                "checkout down > 0 for 15m",
                "checkout down",
                th("checkout down", Gt, 0.0, "", Some(900), None),
            ),
            (
                "Error Rate >= 5 %",
                "Error Rate",
                th("error rate", Ge, 5.0, "%", None, None),
            ),
            (
                "p95-latency.api < 200ms",
                "p95-latency.api",
                th("p95-latency.api", Lt, 200.0, "ms", None, None),
            ),
            (
                "latency <= 1.5s",
                "latency",
                th("latency", Le, 1.5, "s", None, None),
            ),
            (
                "latency > 2m",
                "latency",
                th("latency", Gt, 120.0, "s", None, None),
            ),
            (
                "latency > 2 m",
                "latency",
                th("latency", Gt, 120.0, "s", None, None),
            ),
            (
                "outage > 1h",
                "outage",
                th("outage", Gt, 3600.0, "s", None, None),
            ),
            ("queue==0", "queue", th("queue", Eq, 0.0, "", None, None)),
            ("x > -1e3", "x", th("x", Gt, -1000.0, "", None, None)),
            ("x > 5 for 90s", "x", th("x", Gt, 5.0, "", Some(90), None)),
            (
                "x > 5 for 1h 30m",
                "x",
                th("x", Gt, 5.0, "", Some(5400), None),
            ),
            (
                "x > 5 for 5 minutes",
                "x",
                th("x", Gt, 5.0, "", Some(300), None),
            ),
            ("x > 5 FOR 1500ms", "x", th("x", Gt, 5.0, "", Some(2), None)),
            (
                "x > 5 for 3 samples",
                "x",
                th("x", Gt, 5.0, "", None, Some(3)),
            ),
            (
                "x > 5 for 1 sample",
                "x",
                th("x", Gt, 5.0, "", None, Some(1)),
            ),
            (
                "x > 5 for 4 consecutive samples",
                "x",
                th("x", Gt, 5.0, "", None, Some(4)),
            ),
            (
                "p99 > 150% of baseline for 3 samples",
                "p99",
                th("p99", Gt, 150.0, "% of baseline", None, Some(3)),
            ),
            (
                "  api errors  >  5%  Of  Baseline  for  10m  ",
                "api errors",
                th("api errors", Gt, 5.0, "% of baseline", Some(600), None),
            ),
        ];
        for (src, metric, threshold) in cases {
            let (m, t) = when(src);
            assert_eq!(m, metric, "{src}");
            assert_eq!(t, threshold, "{src}");
        }
    }

    #[test]
    fn parse_when_rejections() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "empty trigger condition"),
            ("error_rate", 0, "no comparison"),
            ("error_rate >", 12, "missing number after `>`"),
            ("error_rate >   ", 15, "missing number after `>`"),
            ("> 5", 0, "missing metric name"),
            ("   > 5", 3, "missing metric name"),
            ("x > 5 for", 9, "missing duration after `for`"),
            ("x > 5 for   ", 12, "missing duration after `for`"),
            ("x > 5 for banana", 10, "`banana` is not a duration"),
            ("x > 5 for 3", 10, "`3` is not a duration"),
            ("x > 5 for 0 samples", 10, "at least 1"),
            ("x > high", 4, "expected a number after `>`, found `high`"),
            ("x = 5", 2, "unknown operator `=` (use == to compare)"),
            ("x != 5", 2, "`!=` is not supported"),
            ("x => 5", 2, "unknown operator `=>`"),
            ("x > 5kb", 5, "unknown unit `kb`"),
            ("x > 5 of baseline", 6, "`of baseline` needs a percentage"),
            ("x > 5% of", 9, "expected `baseline` after `of`"),
            ("x > 5% of average", 10, "expected `baseline` after `of`"),
            ("x > 5 during 2m", 6, "unexpected `during`"),
            ("x > 5 m later", 8, "unexpected `later`"),
            ("x > 1e999", 4, "not a usable number"),
        ];
        for &(src, at, msg) in cases {
            match parse_when(src) {
                Ok(t) => panic!("{src:?} parsed as {t:?}"),
                Err(e) => {
                    assert_eq!(e.at, at, "{src:?}: {e}");
                    assert!(e.message.contains(msg), "{src:?}: {e}");
                }
            }
        }
    }

    #[test]
    fn number_lexing() {
        assert_eq!(number_len("200"), Some(3));
        assert_eq!(number_len("-1.5ms"), Some(4));
        assert_eq!(number_len("1e3s"), Some(3));
        assert_eq!(number_len("1e"), Some(1));
        assert_eq!(number_len("5."), Some(2));
        assert_eq!(number_len(".5"), Some(2));
        assert_eq!(number_len("."), None);
        assert_eq!(number_len("-"), None);
        assert_eq!(number_len("UP"), None);
    }

    #[test]
    fn numbers_for_people() {
        assert_eq!(fmt_num(503.0), "503");
        assert_eq!(fmt_num(1234.5), "1234.5");
        assert_eq!(fmt_num(0.123_456), "0.123");
        assert_eq!(fmt_num(1e-7), "1e-7");
        assert_eq!(fmt_num(f64::NAN), "NaN");
        assert_eq!(fmt_num(f64::NEG_INFINITY), "-inf");
    }
}
