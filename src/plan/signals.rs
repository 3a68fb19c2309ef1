//! What the room watches: health checks and metrics (`[[check]]`, `[[metric]]` in a TOML plan
//! or wiring file), and what a fired rollback trigger makes the room do.
//!
//! A check and a metric share one shape, [`Check`]: where the number or answer comes from
//! (exactly one source: `url`, `tcp`, `command`, `prometheus` + `query`, or `scrape` +
//! `series`), the conditions that make it fail or degrade, and its timing. Checks are drawn as
//! status lights with a history bar; metrics as sparklines, and triggers read them. Pure: the
//! pollers in `poll` do the I/O.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A health check or metric: one source polled every `interval`.
///
/// TOML examples (see README "Checks and metrics"):
/// `url = "https://api/health"`, `tcp = "db:5432"`, `command = "./queue-depth.sh"`,
/// `prometheus = "http://prom:9090"` with `query = "…"`, `scrape = "http://svc/metrics"` with
/// `series = 'http_requests_total{code="500"}'`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Check {
    /// Stable id (slug of the name).
    #[serde(default)]
    pub id: String,
    /// Name shown on screen and used by triggers (`error_rate > 5%`).
    pub name: String,

    /// HTTP(S) URL probed with `method` (default GET).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// `host:port` that must accept a TCP connection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tcp: Option<String>,
    /// Shell command run with `sh -c` in the plan's directory: exit code 0 passes; the last
    /// number on its standard output is the value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// Base URL of a Prometheus server; `query` is sent to its `/api/v1/query`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prometheus: Option<String>,
    /// `PromQL` instant query; the answer must be a scalar or a one-element vector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// URL of a `/metrics` endpoint in the Prometheus text exposition format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scrape: Option<String>,
    /// Series selector for `scrape`: `name` or `name{label="value", other!="x"}`; the values of
    /// all matching samples are summed. Counters become per-second rates between scrapes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub series: Option<String>,
    /// Optional second selector for `scrape`: the value is `series / per` (e.g. errors per
    /// request, both as rates for counters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// Multiplier applied to the value (e.g. 100 to turn a ratio into %).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<f64>,

    /// HTTP method for `url` (default GET).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// HTTP request headers. Values may name environment variables, `${TOKEN}`, which are
    /// read when the room starts and never written to the journal, the report or the log.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// The HTTP status that passes (default 200).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expect_status: Option<u16>,
    /// Extra PEM CA certificate(s) to trust besides the system roots (relative to the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<PathBuf>,
    /// Bytes of response body read at most (default 1 MiB); a longer body fails the probe
    /// with a `body` error and reading stops there.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_body: Option<u64>,

    /// Conditions that must all hold for the probe to pass, e.g. `$.status == "UP"`,
    /// `response_time < 800ms`, `value < 1000` (see README "Conditions").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<String>,
    /// Conditions any of which marks a passing probe DEGRADED, e.g. `response_time > 300ms`,
    /// `value > 2`. For a metric the first one on `value` is drawn as its threshold line.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub degraded: Vec<String>,
    /// Unit of the value (`%`, `ms`, `s`, `req/s`, …), shown and used to compare thresholds.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub unit: String,

    /// Time between probes (default 5 s; at least 100 ms).
    #[serde(with = "humantime_serde", default = "default_interval")]
    pub interval: Duration,
    /// Total deadline of one probe, connection to last body byte (default 10 s).
    #[serde(with = "humantime_serde", default = "default_timeout")]
    pub timeout: Duration,
    /// Consecutive failures that turn the check DOWN (default 3).
    #[serde(default = "default_down_after")]
    pub down_after: u32,
    /// Consecutive passes that bring a DOWN check back UP (default 2).
    #[serde(default = "default_up_after")]
    pub up_after: u32,
    /// 1-based line of the table's header in the TOML file (0 when not from a file).
    #[serde(default, skip_serializing_if = "super::model::is_zero")]
    pub line: usize,
}

fn default_interval() -> Duration {
    Duration::from_secs(5)
}
fn default_timeout() -> Duration {
    Duration::from_secs(10)
}
fn default_down_after() -> u32 {
    3
}
fn default_up_after() -> u32 {
    2
}

/// Default body cap: 1 MiB.
pub const DEFAULT_MAX_BODY: u64 = 1024 * 1024;

/// Where a check's answer comes from (borrowed from the [`Check`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Source<'a> {
    /// An HTTP request.
    Http {
        /// The URL.
        url: &'a str,
    },
    /// A TCP connect to `host:port`.
    Tcp {
        /// `host:port`.
        addr: &'a str,
    },
    /// A shell command.
    Command {
        /// The command line, run with `sh -c`.
        command: &'a str,
    },
    /// A Prometheus instant query.
    Prometheus {
        /// The server's base URL.
        base: &'a str,
        /// The `PromQL` expression.
        query: &'a str,
    },
    /// A `/metrics` scrape.
    Scrape {
        /// The endpoint.
        url: &'a str,
        /// Selector of the numerator series.
        series: &'a str,
        /// Selector of the denominator series, if any.
        per: Option<&'a str>,
    },
}

impl Source<'_> {
    /// Short kind name shown on screen: `http`, `tcp`, `cmd`, `prom`, `scrape`.
    #[must_use]
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Http { .. } => "http",
            Source::Tcp { .. } => "tcp",
            Source::Command { .. } => "cmd",
            Source::Prometheus { .. } => "prom",
            Source::Scrape { .. } => "scrape",
        }
    }
}

impl Check {
    /// The check's source.
    ///
    /// Errors: no source, or more than one, or a source missing its partner field (`query`
    /// for `prometheus`, `series` for `scrape`); the message says what to write.
    pub fn source(&self) -> Result<Source<'_>, String> {
        let mut found = Vec::new();
        if let Some(url) = &self.url {
            found.push(Source::Http { url });
        }
        if let Some(addr) = &self.tcp {
            found.push(Source::Tcp { addr });
        }
        if let Some(command) = &self.command {
            found.push(Source::Command { command });
        }
        if let Some(base) = &self.prometheus {
            let query = self.query.as_deref().ok_or_else(|| {
                "`prometheus` needs `query`, the PromQL expression to send".to_string()
            })?;
            found.push(Source::Prometheus { base, query });
        } else if self.query.is_some() {
            return Err("`query` needs `prometheus`, the server's base URL".into());
        }
        if let Some(url) = &self.scrape {
            let series = self.series.as_deref().ok_or_else(|| {
                "`scrape` needs `series`, e.g. series = 'http_requests_total{code=\"500\"}'"
                    .to_string()
            })?;
            found.push(Source::Scrape {
                url,
                series,
                per: self.per.as_deref(),
            });
        } else if self.series.is_some() || self.per.is_some() {
            return Err("`series` and `per` need `scrape`, the /metrics URL".into());
        }
        match found.len() {
            1 => Ok(found[0]),
            0 => Err(format!(
                "\"{}\" has no source: give one of url, tcp, command, prometheus + query, scrape + series",
                self.name
            )),
            _ => Err(format!(
                "\"{}\" has {} sources ({}): give exactly one",
                self.name,
                found.len(),
                found
                    .iter()
                    .map(Source::kind)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// The body cap in bytes.
    #[must_use]
    pub fn body_cap(&self) -> u64 {
        self.max_body.unwrap_or(DEFAULT_MAX_BODY)
    }

    /// The status that passes (default 200).
    #[must_use]
    pub fn expected_status(&self) -> u16 {
        self.expect_status.unwrap_or(200)
    }

    /// The interval a check actually runs at: at least 100 ms, so a typo cannot spin.
    #[must_use]
    pub fn effective_interval(&self) -> Duration {
        self.interval.max(Duration::from_millis(100))
    }
}

/// What a fired trigger makes the room do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerAction {
    /// Show the banner and journal the episode; people decide.
    #[default]
    Announce,
    /// Also count down (default 60 s) to starting the rollback; any operator may cancel.
    Rollback,
}

impl TriggerAction {
    /// Whether this is the default (for serde's `skip_serializing_if`).
    #[allow(clippy::trivially_copy_pass_by_ref)]
    #[must_use]
    pub fn is_announce(&self) -> bool {
        *self == TriggerAction::Announce
    }
}

/// Default rollback countdown after a trigger with `action = "rollback"` fires: 60 s.
pub const DEFAULT_COUNTDOWN: Duration = Duration::from_secs(60);
