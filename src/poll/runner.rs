//! Running the probes: one tokio task per check and metric, so at most one probe of each is in
//! flight; a shared semaphore bounds how many run at once, so a few hung endpoints (each held
//! to its deadline) never starve the others. Each probe's outcome is judged against the
//! check's conditions and sent to the app loop as a [`Reading`].
//!
//! Dropping [`Pollers`] stops every task (a plan reload starts a fresh set).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

use super::board::{Sample, Target, Verdict};
use super::outcome::{ErrorKind, Outcome, ProbeError};
use super::{command, http, prometheus, scrape, tcp};
use crate::plan::condition::{self, Condition};
use crate::plan::{Check, Plan, Source};

/// Probes allowed in flight at once across the room.
pub const CONCURRENCY: usize = 64;

/// Checks whose probes start together (see `spawn`).
const BATCH: usize = 16;

/// Output a command check may print before it is cut off (bytes).
pub const COMMAND_OUTPUT_CAP: u64 = 64 * 1024;

/// One judged probe of one check or metric.
#[derive(Debug, Clone, PartialEq)]
pub struct Reading {
    /// Which check or metric.
    pub target: Target,
    /// The judged result.
    pub sample: Sample,
}

/// How the pollers run.
#[derive(Debug, Clone)]
pub struct Options {
    /// The plan file: commands run in its directory, relative CA files resolve against it,
    /// and commands run only when it is safe (see [`command::plan_is_safe`]).
    pub plan_file: PathBuf,
    /// Why no command from this plan may run whatever its file's rules say (a plan that came
    /// from a database room: [`crate::session::Session::commands_refusal`]); `None`: the
    /// file's rules decide.
    pub commands_refused: Option<String>,
    /// Probes in flight at once.
    pub concurrency: usize,
}

/// The running pollers; dropping this stops them all.
#[derive(Debug)]
pub struct Pollers {
    cancel: CancellationToken,
}

impl Drop for Pollers {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// Starts one task per check and metric of `plan` on the current tokio runtime; readings go
/// to `tx` until the returned [`Pollers`] is dropped or the receiver goes away.
pub fn start(plan: &Plan, opts: &Options, tx: &mpsc::Sender<Reading>) -> Pollers {
    spawn(plan, opts, tx, true)
}

impl Pollers {
    /// Probes every check and metric once (see [`snapshot`]).
    fn once(plan: &Plan, opts: &Options, tx: &mpsc::Sender<Reading>) -> Pollers {
        spawn(plan, opts, tx, false)
    }
}

fn spawn(plan: &Plan, opts: &Options, tx: &mpsc::Sender<Reading>, repeat: bool) -> Pollers {
    let cancel = CancellationToken::new();
    let limit = Arc::new(Semaphore::new(opts.concurrency.max(1)));
    let dir = opts
        .plan_file
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let commands = match &opts.commands_refused {
        Some(why) => Err(why.clone()),
        None => command::plan_is_safe(&opts.plan_file),
    };
    let mut clients = HashMap::new();
    let targets = plan
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| (Target::Check(i), c))
        .chain(
            plan.metrics
                .iter()
                .enumerate()
                .map(|(i, c)| (Target::Metric(i), c)),
        );
    let total = plan.checks.len() + plan.metrics.len();
    for (k, (target, check)) in targets.enumerate() {
        let prober = Prober::new(check, &dir, &commands, &mut clients);
        // First probes go in batches of BATCH spread over up to a second: not a connection
        // per check at one instant (memory, the first frame), and not a wake-up per check
        // either (CPU): each batch's timers fire together, round after round.
        let spread = check.effective_interval().min(Duration::from_secs(1));
        let batches = total.div_ceil(BATCH).max(1);
        let first = spread.mul_f64((k / BATCH) as f64 / batches as f64);
        let judge = Judge::new(check);
        let (tx, cancel, limit) = (tx.clone(), cancel.clone(), Arc::clone(&limit));
        let interval = check.effective_interval();
        let deadline = check.timeout;
        tokio::spawn(async move {
            let mut prober = prober;
            let mut ticker =
                tokio::time::interval_at(tokio::time::Instant::now() + first, interval);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    _ = ticker.tick() => {}
                }
                let permit = tokio::select! {
                    () = cancel.cancelled() => break,
                    p = Arc::clone(&limit).acquire_owned() => p,
                };
                let outcome = tokio::select! {
                    () = cancel.cancelled() => break,
                    o = prober.run(deadline) => o,
                };
                drop(permit);
                let sample = judge.judge(outcome, Utc::now());
                if tx.send(Reading { target, sample }).await.is_err() || !repeat {
                    break;
                }
            }
        });
    }
    Pollers { cancel }
}

/// A check ready to probe: its source with everything resolved once (client, headers from
/// the environment, selectors), or the reason it cannot run.
enum Prober {
    Http(reqwest::Client, http::Request),
    Tcp(String),
    Command(String, PathBuf),
    Prometheus(reqwest::Client, http::Request, String, String),
    Scrape(reqwest::Client, http::Request, Box<scrape::Scraper>),
    Refused(ProbeError),
}

impl Prober {
    fn new(
        check: &Check,
        dir: &Path,
        commands: &Result<(), String>,
        clients: &mut HashMap<Option<PathBuf>, Result<reqwest::Client, String>>,
    ) -> Prober {
        match Self::build(check, dir, commands, clients) {
            Ok(p) => p,
            Err(e) => Prober::Refused(e),
        }
    }

    fn build(
        check: &Check,
        dir: &Path,
        commands: &Result<(), String>,
        clients: &mut HashMap<Option<PathBuf>, Result<reqwest::Client, String>>,
    ) -> Result<Prober, ProbeError> {
        let refused = |m: String| ProbeError::new(ErrorKind::Refused, m);
        let source = check.source().map_err(refused)?;
        let mut client = || -> Result<reqwest::Client, ProbeError> {
            let ca = check.ca_file.as_ref().map(|f| dir.join(f));
            clients
                .entry(ca.clone())
                .or_insert_with(|| http::client(ca.as_deref()))
                .clone()
                .map_err(refused)
        };
        let env = |name: &str| std::env::var(name).ok();
        Ok(match source {
            Source::Http { .. } => {
                let req = http::Request::from_check(check, env).map_err(refused)?;
                Prober::Http(client()?, req)
            }
            Source::Tcp { addr } => Prober::Tcp(addr.to_string()),
            Source::Command { command } => {
                commands.clone().map_err(refused)?;
                Prober::Command(command.to_string(), dir.to_path_buf())
            }
            Source::Prometheus { base, query } => {
                let req = http::Request::from_check(check, env).map_err(refused)?;
                Prober::Prometheus(client()?, req, base.to_string(), query.to_string())
            }
            Source::Scrape { series, per, .. } => {
                let req = http::Request::from_check(check, env).map_err(refused)?;
                let scraper = scrape::Scraper::new(series, per, check.scale).map_err(refused)?;
                Prober::Scrape(client()?, req, Box::new(scraper))
            }
        })
    }

    async fn run(&mut self, deadline: Duration) -> Outcome {
        match self {
            Prober::Http(client, req) => http::probe(client, req, deadline).await,
            Prober::Tcp(addr) => tcp::probe(addr, deadline).await,
            Prober::Command(cmd, dir) => {
                command::probe(cmd, dir, deadline, COMMAND_OUTPUT_CAP).await
            }
            Prober::Prometheus(client, req, base, query) => {
                prometheus::query(client, req, base, query, deadline).await
            }
            Prober::Scrape(client, req, scraper) => scraper.probe(client, req, deadline).await,
            Prober::Refused(e) => Err(e.clone()),
        }
    }
}

/// A check's conditions, parsed once.
#[derive(Debug, Clone)]
pub struct Judge {
    conditions: Vec<Condition>,
    degraded: Vec<Condition>,
    /// Applied to command and Prometheus values (a scrape applies its own).
    scale: Option<f64>,
}

impl Judge {
    /// Parses `check`'s conditions (already validated when the plan loaded; any that fail to
    /// parse here are skipped rather than stopping the room).
    #[must_use]
    pub fn new(check: &Check) -> Judge {
        let parse = |list: &[String]| {
            list.iter()
                .filter_map(|c| Condition::parse(c).ok())
                .collect::<Vec<_>>()
        };
        Judge {
            conditions: parse(&check.conditions),
            degraded: parse(&check.degraded),
            scale: matches!(
                check.source(),
                Ok(Source::Command { .. } | Source::Prometheus { .. })
            )
            .then_some(check.scale)
            .flatten(),
        }
    }

    /// Turns an outcome into a sample: failures as they are; answers checked against the
    /// conditions (a failed one is a `condition` error, a body that cannot be read for them a
    /// `body` error); passes checked against the degraded conditions.
    #[must_use]
    pub fn judge(&self, outcome: Outcome, at: DateTime<Utc>) -> Sample {
        match outcome {
            Err(e) => Sample {
                at,
                verdict: Verdict::Fail,
                latency_ms: None,
                value: None,
                error: Some(e),
                degraded_by: None,
            },
            Ok(mut obs) => {
                if let (Some(v), Some(s)) = (obs.value, self.scale) {
                    obs.value = Some(v * s);
                }
                let base = Sample {
                    at,
                    verdict: Verdict::Pass,
                    latency_ms: Some(obs.latency_ms),
                    value: obs.value,
                    error: None,
                    degraded_by: None,
                };
                if let Err(f) = condition::eval_all(&self.conditions, &obs) {
                    let kind = if f.is_body_error() {
                        ErrorKind::Body
                    } else {
                        ErrorKind::Condition
                    };
                    return Sample {
                        verdict: Verdict::Fail,
                        error: Some(ProbeError::new(kind, f.message)),
                        ..base
                    };
                }
                match condition::any_holds(&self.degraded, &obs) {
                    Some(why) => Sample {
                        verdict: Verdict::Degraded,
                        degraded_by: Some(why),
                        ..base
                    },
                    None => base,
                }
            }
        }
    }
}

/// Probes every check and metric of `plan` once, all at once, and returns the evidence a
/// decision made from the command line carries. Each probe keeps its own deadline; a single
/// failure counts as DOWN here (there is no history to wait for), and a counter scraped once
/// has no rate yet, so its value is missing.
pub async fn snapshot(plan: &Plan, opts: &Options) -> crate::journal::evidence::Evidence {
    let (tx, mut rx) = mpsc::channel(plan.checks.len() + plan.metrics.len() + 1);
    let once = Pollers::once(plan, opts, &tx);
    drop(tx);
    let mut board = super::Board::new(plan);
    let single = |c: &Check| Check {
        down_after: 1,
        up_after: 1,
        ..c.clone()
    };
    while let Some(r) = rx.recv().await {
        let spec = match r.target {
            Target::Check(i) => plan.checks.get(i),
            Target::Metric(i) => plan.metrics.get(i),
        };
        if let Some(spec) = spec {
            board.record(r.target, &single(spec), r.sample);
        }
    }
    drop(once);
    board.evidence(plan, Utc::now())
}
