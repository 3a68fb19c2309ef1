//! HTTP health checks with reqwest (rustls): GET the URL, compare the status.

use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::{Health, Probe, effective_interval};
use crate::plan::Check;
use crate::text::sanitize;

/// Builds the one client every check shares (keep-alive connections are reused).
///
/// Errors: only if the TLS backend cannot initialise.
pub fn client() -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::limited(10))
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
}

/// Probes `check` once.
pub async fn probe(client: &reqwest::Client, index: usize, check: &Check) -> Probe {
    let started = Instant::now();
    let result = client.get(&check.url).timeout(check.timeout).send().await;
    let latency_ms = Some(started.elapsed().as_millis() as u64);
    let (health, latency_ms, error) = match result {
        Ok(resp) if resp.status().as_u16() == check.expect_status => (Health::Up, latency_ms, None),
        Ok(resp) => (
            Health::Down,
            latency_ms,
            Some(format!(
                "status {} (expected {})",
                resp.status().as_u16(),
                check.expect_status
            )),
        ),
        Err(e) => (Health::Down, None, Some(describe(&e))),
    };
    Probe {
        check: index,
        at: Utc::now(),
        health,
        latency_ms,
        error: error.map(|e| sanitize(&e)),
    }
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connect: refused or unreachable".into()
    } else {
        let mut s = e.to_string();
        let mut src = std::error::Error::source(e);
        while let Some(inner) = src {
            s = format!("{s}: {inner}");
            src = inner.source();
        }
        s
    }
}

/// Starts one task per check; each probes at its interval (first probe at once) and sends the
/// result on `tx` until `cancel` fires or the receiver is gone. At most one probe per check is
/// in flight, since each task awaits its probe before sleeping.
pub fn spawn_all(
    checks: &[Check],
    client: &reqwest::Client,
    tx: &mpsc::Sender<Probe>,
    cancel: &CancellationToken,
) {
    for (index, check) in checks.iter().enumerate() {
        let (check, client, tx, cancel) =
            (check.clone(), client.clone(), tx.clone(), cancel.clone());
        tokio::spawn(async move {
            let mut ticker = tokio::time::interval(effective_interval(&check));
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    _ = ticker.tick() => {}
                }
                let p = tokio::select! {
                    () = cancel.cancelled() => break,
                    p = probe(&client, index, &check) => p,
                };
                if tx.send(p).await.is_err() {
                    break;
                }
            }
        });
    }
}
