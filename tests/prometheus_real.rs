#![allow(clippy::unwrap_used)]
//! A real Prometheus server (Debian's `prometheus` package, 2.42; `scripts/setup` unpacks it
//! under `target/tools`) scraping the simulated services and a fixed exporter, while the room's
//! Prometheus client queries it.
//!
//! The binary is `$WARROOM_PROMETHEUS`, else `prometheus` on `PATH`, else
//! `target/tools/prometheus/usr/bin/prometheus`. Prometheus 2.42 applies its scrape targets
//! about 5 s after it starts (its scrape manager reloads on a 5 s tick), so the first sample
//! arrives ~6 s in; the whole test takes ~8 s.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::routing::get;
use warroom::demo::scenario::Scenario;
use warroom::demo::services::{self, Clock, QUERY_API};
use warroom::poll::http::{self, Request};
use warroom::poll::outcome::{ErrorKind, Outcome};
use warroom::poll::prometheus;

/// Longest wait for every target to be scraped once.
const READY_WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_queries_a_real_prometheus_scraping_the_simulated_services() {
    let binary = prometheus_binary();
    let fixed = start_fixed_exporter().await;
    let demo: Vec<u16> = services::start_all(Scenario::Healthy, Clock::new())
        .await
        .unwrap()
        .into_iter()
        .filter(|(name, _)| *name != QUERY_API)
        .map(|(_, port)| port)
        .collect();
    assert!(!demo.is_empty());

    let started = Instant::now();
    let mut prom = Prometheus::start(&binary, fixed, &demo);
    let base = prom.base.clone();
    let client = http::client(None).unwrap();
    let req = Request::get(&base).unwrap();
    let ask = |q: &'static str| prometheus::query(&client, &req, &base, q, Duration::from_secs(5));

    // Ready: every target scraped and up.
    let targets = 1 + demo.len();
    let mut last: Option<Outcome> = None;
    loop {
        if let Some(Ok(obs)) = &last
            && obs.value == Some(targets as f64)
        {
            break;
        }
        prom.assert_running();
        assert!(
            started.elapsed() < READY_WITHIN,
            "Prometheus did not scrape all {targets} targets within {READY_WITHIN:?}; \
             last answer to count(up == 1): {last:?}\n{}",
            prom.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        last = Some(ask("count(up == 1)").await);
    }
    let ready_after = started.elapsed();

    // A gauge, as exported.
    let obs = ask("demo_error_rate_percent").await.unwrap();
    assert_eq!(obs.value, Some(7.5), "{obs:?}");
    assert_eq!(obs.status, Some(200));
    assert!(obs.latency_ms > 0.0);

    // A scalar expression.
    let obs = ask("scalar(demo_error_rate_percent) * 2").await.unwrap();
    assert_eq!(obs.value, Some(15.0), "{obs:?}");

    // A rate over the simulated services' request counters: needs two scrapes in the window.
    let rate_deadline = Instant::now() + Duration::from_secs(10);
    let rate = loop {
        let got = ask(r#"sum(rate(http_requests_total{job="demo"}[5s]))"#).await;
        if let Ok(obs) = &got
            && obs.value.is_some_and(|v| v > 0.0)
        {
            break obs.value;
        }
        assert!(
            Instant::now() < rate_deadline,
            "rate never above 0: {got:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    assert!(rate.unwrap() > 0.0);

    // Two series where one number was wanted.
    let err = ask("demo_queue_depth").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Body, "{err}");
    assert!(err.detail.contains("2 series"), "{err}");

    // Bad PromQL: Prometheus' own message comes through.
    let err = ask("sum(rate(").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Body, "{err}");
    assert!(err.detail.contains("bad_data"), "{err}");
    assert!(err.detail.contains("parse error"), "{err}");

    // Nothing matches.
    let err = ask("warroom_no_such_metric").await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Body, "{err}");
    assert!(err.detail.contains("no series"), "{err}");

    // The same through the room's pollers, from a plan: a metric and a check against it.
    let dir = tempfile::tempdir().unwrap();
    let plan_file = dir.path().join("plan.toml");
    std::fs::write(
        &plan_file,
        format!(
            "[[phase]]\ntitle = \"Deploy\"\n\
             [[metric]]\nname = \"error_rate\"\nunit = \"%\"\nprometheus = \"{base}\"\nquery = \"demo_error_rate_percent\"\n\
             [[check]]\nname = \"demo up\"\nprometheus = \"{base}\"\nquery = 'count(up{{job=\"demo\"}} == 1)'\nconditions = [\"value == {}\"]\n",
            demo.len()
        ),
    )
    .unwrap();
    let plan = warroom::plan::load(&plan_file).unwrap().loaded.plan;
    let opts = warroom::poll::runner::Options {
        plan_file,
        commands_refused: None,
        concurrency: 4,
    };
    let evidence = warroom::poll::runner::snapshot(&plan, &opts).await;
    assert_eq!(evidence.metrics[0].value, Some(7.5), "{evidence:?}");
    assert_eq!(evidence.checks[0].health, "up", "{evidence:?}");

    eprintln!(
        "prometheus ready after {ready_after:?}, test done after {:?}",
        started.elapsed()
    );
}

/// `$WARROOM_PROMETHEUS`, else `prometheus` on `PATH`, else the one `scripts/setup` unpacks.
fn prometheus_binary() -> PathBuf {
    if let Some(p) = std::env::var_os("WARROOM_PROMETHEUS") {
        let p = PathBuf::from(p);
        assert!(
            p.is_file(),
            "WARROOM_PROMETHEUS={} is not a file: run scripts/setup (installs Debian's \
             prometheus binary) or fix the variable",
            p.display()
        );
        return p;
    }
    let on_path = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join("prometheus"))
            .find(|p| p.is_file())
    });
    let unpacked =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/prometheus/usr/bin/prometheus");
    match on_path {
        Some(p) => p,
        None if unpacked.is_file() => unpacked,
        None => panic!(
            "no prometheus binary (not on PATH, not at {}): run scripts/setup (installs \
             Debian's prometheus binary)",
            unpacked.display()
        ),
    }
}

/// A `/metrics` endpoint with fixed values: a gauge of 7.5, a gauge with two series, and a
/// counter of its own scrapes. Returns its port.
async fn start_fixed_exporter() -> u16 {
    let scrapes = Arc::new(AtomicU64::new(0));
    let app = Router::new().route(
        "/metrics",
        get(move || {
            let n = scrapes.fetch_add(1, Ordering::Relaxed) + 1;
            async move {
                format!(
                    "# HELP demo_error_rate_percent Errors per request, in percent.\n\
                     # TYPE demo_error_rate_percent gauge\n\
                     demo_error_rate_percent 7.5\n\
                     # HELP demo_queue_depth Jobs waiting, per queue.\n\
                     # TYPE demo_queue_depth gauge\n\
                     demo_queue_depth{{queue=\"a\"}} 1\n\
                     demo_queue_depth{{queue=\"b\"}} 2\n\
                     # HELP warroom_test_scrapes_total Scrapes of this endpoint.\n\
                     # TYPE warroom_test_scrapes_total counter\n\
                     warroom_test_scrapes_total {n}\n"
                )
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await });
    port
}

/// A Prometheus process on 127.0.0.1 with its config, data and log in a temporary directory;
/// killed (and reaped) on drop.
struct Prometheus {
    child: Child,
    base: String,
    dir: tempfile::TempDir,
}

impl Prometheus {
    /// Starts Prometheus scraping `fixed` (job `fixed`) and `demo` (job `demo`) every second.
    /// Retries with another port if the one picked was taken in between.
    fn start(binary: &Path, fixed: u16, demo: &[u16]) -> Prometheus {
        let dir = tempfile::tempdir().unwrap();
        let targets = |ports: &[u16]| {
            ports
                .iter()
                .map(|p| format!("'127.0.0.1:{p}'"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut config = String::from(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             scrape_configs:\n",
        );
        for (job, ports) in [("fixed", &[fixed][..]), ("demo", demo)] {
            write!(
                config,
                "  - job_name: {job}\n    static_configs:\n      - targets: [{}]\n",
                targets(ports)
            )
            .unwrap();
        }
        let config_file = dir.path().join("prometheus.yml");
        std::fs::write(&config_file, config).unwrap();

        let log_file = dir.path().join("prometheus.log");
        for _ in 0..3 {
            let port = free_port();
            let log = std::fs::File::create(&log_file).unwrap();
            let mut child = Command::new(binary)
                .arg(format!("--config.file={}", config_file.display()))
                .arg(format!(
                    "--storage.tsdb.path={}",
                    dir.path().join("data").display()
                ))
                .arg(format!("--web.listen-address=127.0.0.1:{port}"))
                .arg("--log.level=warn")
                .stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {}: {e}", binary.display()));
            // A port taken in between makes Prometheus exit at once; give it a moment to.
            std::thread::sleep(Duration::from_millis(300));
            if child.try_wait().unwrap().is_none() {
                return Prometheus {
                    child,
                    base: format!("http://127.0.0.1:{port}"),
                    dir,
                };
            }
        }
        panic!(
            "Prometheus keeps exiting:\n{}",
            std::fs::read_to_string(&log_file).unwrap_or_default()
        );
    }

    /// Fails the test, with Prometheus' log, if the process has exited.
    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!("Prometheus exited ({status}):\n{}", self.log());
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("prometheus.log")).unwrap_or_default()
    }
}

impl Drop for Prometheus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A port that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
