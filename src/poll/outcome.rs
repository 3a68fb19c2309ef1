//! What one probe of any source produces: an [`Observation`] (which conditions then judge), or
//! a [`ProbeError`] of a distinct [`ErrorKind`], so the room can say *why* a check failed.

pub use crate::plan::condition::Observation;

/// Why a probe failed. Shown on screen as the lower-case word of [`ErrorKind::label`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The host name did not resolve.
    Dns,
    /// No TCP connection (refused, unreachable, reset before an answer).
    Connect,
    /// The TLS handshake failed (certificate not trusted, wrong name, not TLS).
    Tls,
    /// The probe's total deadline passed (connect, headers and body together).
    Timeout,
    /// An HTTP status other than the expected one, or a redirect loop / too many redirects.
    Status,
    /// The body was too large, not UTF-8/JSON where JSON was needed, or not a valid answer
    /// (a Prometheus error, a scrape without the series).
    Body,
    /// The probe answered but a condition was not met.
    Condition,
    /// A command could not start, or exited non-zero.
    Command,
    /// The probe was not run: a command from a plan file other users can write, or a header
    /// naming an environment variable that is not set.
    Refused,
}

impl ErrorKind {
    /// The word shown on screen and in `status --json`.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Dns => "dns",
            ErrorKind::Connect => "connect",
            ErrorKind::Tls => "tls",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Status => "status",
            ErrorKind::Body => "body",
            ErrorKind::Condition => "condition",
            ErrorKind::Command => "command",
            ErrorKind::Refused => "refused",
        }
    }
}

/// A failed probe: its kind and a short detail for the status line (already free of control
/// characters and of header values, so it may be drawn, logged and journaled).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}: {detail}", kind.label())]
pub struct ProbeError {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// What happened, e.g. `status 503 (expected 200)`, `deadline 10s passed`.
    pub detail: String,
}

impl ProbeError {
    /// An error of `kind`; `detail` is sanitised here.
    pub fn new(kind: ErrorKind, detail: impl AsRef<str>) -> Self {
        ProbeError {
            kind,
            detail: crate::text::sanitize(detail.as_ref()),
        }
    }
}

/// The result of one probe before conditions are applied.
pub type Outcome = Result<Observation, ProbeError>;
