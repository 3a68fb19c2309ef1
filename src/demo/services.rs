//! Simulated services for the demo and for tests: real HTTP servers (axum) on 127.0.0.1.
//!
//! Each service of the CRM launch ([`SERVICES`]) listens on its own port with
//! - `/health`: `{"status":"UP"|"DOWN","service":"…"}`, 200 or 503, after the scenario's delay;
//! - `/metrics`: the Prometheus text exposition format — counters
//!   `http_requests_total{service,code="200"|"500"}` that grow at the modelled request and error
//!   rates over real time (so `rate()` between two scrapes gives the modelled error rate), and
//!   gauges `http_request_duration_p95_ms{service}` and `queue_depth{service}`.
//!
//! One more listener, [`QUERY_API`], answers a small Prometheus-compatible
//! `/api/v1/query` (GET or POST form, `time=` accepted and ignored) with the real JSON shapes:
//! `error_rate_percent` (all services), `error_rate_percent{service="…"}`, `p95_latency_ms`
//! (max over services) and `p95_latency_ms{service="…"}`, `queue_depth{service="…"}`, and
//! `sum(rate(http_requests_total[1m]))` with optional `service`/`code` labels. Anything else is
//! a `bad_data` error, as Prometheus answers a query it cannot parse.
//!
//! What the numbers are comes from [`Scenario::behaviour`]; when comes from a shared [`Clock`]
//! that `phase_watch` moves on as the room advances.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;

pub use super::scenario::{Behaviour, SERVICES, Scenario, Timing};

/// Name of the query API in [`start_all`]'s answer (the wiring's `{query-api}` placeholder).
pub const QUERY_API: &str = "query-api";

/// The demo's sense of time, shared by every service: when the demo started, and when the room
/// entered phase 2 and started a rollback (set by `phase_watch`, or by tests).
#[derive(Debug)]
pub struct Clock {
    start: Instant,
    marks: Mutex<Marks>,
}

#[derive(Debug, Clone, Copy, Default)]
struct Marks {
    phase2: Option<Instant>,
    rollback: Option<Instant>,
}

impl Clock {
    /// A clock started now.
    #[must_use]
    pub fn new() -> Arc<Clock> {
        Clock::starting_at(Instant::now())
    }

    /// A clock whose demo started at `start`.
    #[must_use]
    pub fn starting_at(start: Instant) -> Arc<Clock> {
        Arc::new(Clock {
            start,
            marks: Mutex::new(Marks::default()),
        })
    }

    /// When the demo started.
    #[must_use]
    pub fn start(&self) -> Instant {
        self.start
    }

    /// Records when the room entered phase 2 (replaces an earlier mark).
    pub fn set_phase2_started(&self, at: Instant) {
        self.marks().phase2 = Some(at);
    }

    /// Records when a rollback started (replaces an earlier mark).
    pub fn set_rollback_started(&self, at: Instant) {
        self.marks().rollback = Some(at);
    }

    /// When the room entered phase 2, if it has.
    #[must_use]
    pub fn phase2_started(&self) -> Option<Instant> {
        self.marks().phase2
    }

    /// When a rollback started, if one has.
    #[must_use]
    pub fn rollback_started(&self) -> Option<Instant> {
        self.marks().rollback
    }

    /// Where the demo is at `now`.
    #[must_use]
    pub fn timing(&self, now: Instant) -> Timing {
        let marks = *self.marks();
        Timing {
            elapsed: now.saturating_duration_since(self.start),
            since_phase2: marks.phase2.map(|p| now.saturating_duration_since(p)),
            since_rollback: marks.rollback.map(|r| now.saturating_duration_since(r)),
        }
    }

    fn marks(&self) -> std::sync::MutexGuard<'_, Marks> {
        self.marks.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The simulation every listener shares: scenario, clock and the services' request counters.
struct Sim {
    scenario: Scenario,
    clock: Arc<Clock>,
    counters: Mutex<Vec<Counter>>,
}

/// Requests served by one service since it "started" (as floats; exposed rounded down).
#[derive(Debug, Clone, Copy)]
struct Counter {
    last: Instant,
    ok: f64,
    errors: f64,
}

/// The counters start as if the services had been serving for an hour at their healthy rates.
const WARM_UP: Duration = Duration::from_secs(3600);

impl Sim {
    fn new(scenario: Scenario, clock: Arc<Clock>) -> Sim {
        let now = Instant::now();
        let counters = SERVICES
            .iter()
            .map(|s| {
                let b = Scenario::Healthy.behaviour(s, Timing::default());
                let total = b.rps * WARM_UP.as_secs_f64();
                let errors = (total * b.error_rate_pct / 100.0).floor();
                Counter {
                    last: now,
                    ok: (total - errors).floor(),
                    errors,
                }
            })
            .collect();
        Sim {
            scenario,
            clock,
            counters: Mutex::new(counters),
        }
    }

    fn behaviour(&self, service: &str, now: Instant) -> Behaviour {
        self.scenario.behaviour(service, self.clock.timing(now))
    }

    /// The counters of service `i` at `now`: (2xx, 5xx) requests served.
    fn counts(&self, i: usize, now: Instant) -> (u64, u64) {
        let mut counters = self.counters.lock().unwrap_or_else(PoisonError::into_inner);
        let c = &mut counters[i];
        // Integrate the modelled rates over the time since the last read, in steps of at most
        // one second (at most 600 steps), each at the behaviour of its midpoint.
        let gap = now.saturating_duration_since(c.last);
        let step = (gap / 600).max(Duration::from_secs(1));
        while c.last < now {
            let dt = step.min(now - c.last);
            let b = self.behaviour(SERVICES[i], c.last + dt / 2);
            let n = b.rps * dt.as_secs_f64();
            let errors = n * b.error_rate_pct / 100.0;
            c.errors += errors;
            c.ok += n - errors;
            c.last += dt;
        }
        (c.ok.floor() as u64, c.errors.floor() as u64)
    }
}

struct Service {
    index: usize,
    sim: Arc<Sim>,
}

impl Service {
    fn name(&self) -> &'static str {
        SERVICES[self.index]
    }
}

/// Starts every service on its own 127.0.0.1 port, then the query API; returns (name, port)
/// pairs, the query API last under the name [`QUERY_API`]. `clock` says where the demo is in
/// time (keep a clone to mark phase 2). The servers run on the current tokio runtime until it
/// shuts down.
///
/// Errors: a port cannot be bound.
pub async fn start_all(
    scenario: Scenario,
    clock: Arc<Clock>,
) -> std::io::Result<Vec<(&'static str, u16)>> {
    let sim = Arc::new(Sim::new(scenario, clock));
    let mut ports = Vec::new();
    for (index, name) in SERVICES.iter().enumerate() {
        let svc = Arc::new(Service {
            index,
            sim: Arc::clone(&sim),
        });
        let app = Router::new()
            .route("/health", get(health))
            .route("/metrics", get(metrics))
            .with_state(svc);
        ports.push((*name, serve(app).await?));
    }
    let app = Router::new()
        .route("/api/v1/query", get(query).post(query))
        .route(
            "/-/healthy",
            get(|| async { "Prometheus Server is Healthy.\n" }),
        )
        .with_state(sim);
    ports.push((QUERY_API, serve(app).await?));
    Ok(ports)
}

async fn serve(app: Router) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(port)
}

async fn health(State(svc): State<Arc<Service>>) -> Response {
    let b = svc.sim.behaviour(svc.name(), Instant::now());
    tokio::time::sleep(b.health_delay).await;
    let (code, status) = if b.up() {
        (StatusCode::OK, "UP")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "DOWN")
    };
    (
        code,
        axum::Json(json!({ "status": status, "service": svc.name() })),
    )
        .into_response()
}

async fn metrics(State(svc): State<Arc<Service>>) -> Response {
    let now = Instant::now();
    let (ok, errors) = svc.sim.counts(svc.index, now);
    let b = svc.sim.behaviour(svc.name(), now);
    let body = exposition(svc.name(), ok, errors, &b);
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
        .into_response()
}

/// One service's `/metrics` body.
fn exposition(name: &str, ok: u64, errors: u64, b: &Behaviour) -> String {
    format!(
        "# HELP http_requests_total Requests served, by status code.\n\
         # TYPE http_requests_total counter\n\
         http_requests_total{{service=\"{name}\",code=\"200\"}} {ok}\n\
         http_requests_total{{service=\"{name}\",code=\"500\"}} {errors}\n\
         # HELP http_request_duration_p95_ms 95th percentile request latency, in milliseconds.\n\
         # TYPE http_request_duration_p95_ms gauge\n\
         http_request_duration_p95_ms{{service=\"{name}\"}} {p95:.1}\n\
         # HELP queue_depth Jobs waiting in the work queue.\n\
         # TYPE queue_depth gauge\n\
         queue_depth{{service=\"{name}\"}} {queue}\n",
        p95 = b.p95_ms,
        queue = b.queue_depth,
    )
}

/// Parameters of `/api/v1/query`.
#[derive(Debug, Deserialize)]
struct QueryParams {
    query: Option<String>,
    /// Evaluation time: accepted and ignored (the demo only knows "now").
    #[allow(dead_code)]
    time: Option<String>,
    /// Accepted and ignored.
    #[allow(dead_code)]
    timeout: Option<String>,
}

async fn query(
    State(sim): State<Arc<Sim>>,
    params: Result<Form<QueryParams>, FormRejection>,
) -> Response {
    let query = match params {
        Ok(Form(p)) => p.query.unwrap_or_default(),
        Err(e) => return bad_data(&format!("cannot read the parameters: {e}")),
    };
    if query.trim().is_empty() {
        return bad_data("invalid parameter \"query\": no expression given");
    }
    let now = Instant::now();
    match evaluate(&sim, &query, now) {
        Ok(samples) => {
            let ts = unix_now();
            let result: Vec<Value> = samples
                .into_iter()
                .map(|(metric, v)| json!({ "metric": metric, "value": [ts, format_value(v)] }))
                .collect();
            axum::Json(json!({
                "status": "success",
                "data": { "resultType": "vector", "result": result }
            }))
            .into_response()
        }
        Err(msg) => bad_data(&msg),
    }
}

fn bad_data(msg: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "status": "error", "errorType": "bad_data", "error": msg })),
    )
        .into_response()
}

fn unix_now() -> f64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    // Prometheus gives the evaluation time with millisecond precision.
    (d.as_millis() as f64) / 1000.0
}

/// A sample value as Prometheus writes it: shortest form, `NaN`, `+Inf`.
fn format_value(v: f64) -> String {
    if v.is_nan() {
        "NaN".into()
    } else if v.is_infinite() {
        if v > 0.0 { "+Inf" } else { "-Inf" }.into()
    } else {
        // Round to 4 decimals so noise does not print 17 digits.
        let r = (v * 10_000.0).round() / 10_000.0;
        format!("{r}")
    }
}

/// The expressions the query API understands.
const SUPPORTED: &str = "error_rate_percent, p95_latency_ms, queue_depth (each optionally with {service=\"…\"}), sum(rate(http_requests_total[1m])) (optionally with service/code labels)";

/// A sample: its labels (a JSON object) and value.
type Sample = (Value, f64);

/// Evaluates one of the supported expressions at `now`.
///
/// Errors: the expression is not one of [`SUPPORTED`] (the message says which are).
fn evaluate(sim: &Sim, query: &str, now: Instant) -> Result<Vec<Sample>, String> {
    let expr: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    let unsupported = || {
        format!(
            "unsupported expression {:?}: the warroom demo answers only {SUPPORTED}",
            query.trim()
        )
    };
    let timing = sim.clock.timing(now);
    // sum(rate(http_requests_total{…}[W]))
    if let Some(inner) = expr
        .strip_prefix("sum(rate(")
        .and_then(|r| r.strip_suffix("))"))
    {
        let (selector, window) = inner
            .strip_suffix(']')
            .and_then(|r| r.rsplit_once('['))
            .ok_or_else(unsupported)?;
        if humantime_window(window).is_none() {
            return Err(format!(
                "invalid range {window:?} in {:?}: give a duration such as 1m",
                query.trim()
            ));
        }
        let (name, labels) = parse_selector(selector).ok_or_else(unsupported)?;
        if name != "http_requests_total" {
            return Err(unsupported());
        }
        let code = labels
            .iter()
            .find(|(k, _)| k == "code")
            .map(|(_, v)| v.as_str());
        if labels.iter().any(|(k, _)| k != "service" && k != "code")
            || !matches!(code, None | Some("200" | "500"))
        {
            // No series has such a label or code: an empty answer, as Prometheus gives.
            return Ok(Vec::new());
        }
        let mut total = None;
        for s in SERVICES {
            if !label_matches(&labels, "service", s) {
                continue;
            }
            let b = sim.scenario.behaviour(s, timing);
            let errors = b.rps * b.error_rate_pct / 100.0;
            *total.get_or_insert(0.0) += match code {
                Some("500") => errors,
                Some(_) => b.rps - errors,
                None => b.rps,
            };
        }
        return Ok(total.map(|t| (json!({}), t)).into_iter().collect());
    }
    let (name, labels) = parse_selector(&expr).ok_or_else(unsupported)?;
    if !matches!(
        name.as_str(),
        "error_rate_percent" | "p95_latency_ms" | "queue_depth"
    ) {
        return Err(unsupported());
    }
    if labels.iter().any(|(k, _)| k != "service") {
        // No series has such a label: an empty answer, as Prometheus gives.
        return Ok(Vec::new());
    }
    if let Some((_, service)) = labels.first() {
        let Some(service) = SERVICES.iter().find(|s| *s == service) else {
            return Ok(Vec::new());
        };
        let b = sim.scenario.behaviour(service, timing);
        let v = match name.as_str() {
            "error_rate_percent" => b.error_rate_pct,
            "p95_latency_ms" => b.p95_ms,
            _ => b.queue_depth,
        };
        return Ok(vec![(json!({ "__name__": name, "service": service }), v)]);
    }
    let v = match name.as_str() {
        "error_rate_percent" => sim.scenario.aggregate_error_rate(timing),
        "p95_latency_ms" => sim.scenario.max_p95(timing),
        _ => {
            // Per-service series: one sample each, as Prometheus would answer.
            return Ok(SERVICES
                .iter()
                .map(|s| {
                    let b = sim.scenario.behaviour(s, timing);
                    (json!({ "__name__": name, "service": s }), b.queue_depth)
                })
                .collect());
        }
    };
    Ok(vec![(json!({ "__name__": name }), v)])
}

/// `name` or `name{k="v",…}` (whitespace already removed) → name and label pairs.
fn parse_selector(s: &str) -> Option<(String, Vec<(String, String)>)> {
    let (name, rest) = match s.find('{') {
        Some(i) => (&s[..i], Some(&s[i..])),
        None => (s, None),
    };
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':')
        || name.starts_with(|c: char| c.is_ascii_digit())
    {
        return None;
    }
    let mut labels = Vec::new();
    if let Some(rest) = rest {
        let body = rest.strip_prefix('{')?.strip_suffix('}')?;
        for pair in body.split(',').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=')?;
            if k.is_empty() || k.ends_with('!') || v.starts_with('~') {
                return None;
            }
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))?;
            labels.push((k.to_string(), v.to_string()));
        }
    }
    Some((name.to_string(), labels))
}

fn label_matches(labels: &[(String, String)], key: &str, value: &str) -> bool {
    labels.iter().all(|(k, v)| k != key || v == value)
}

/// A `PromQL` range such as `1m`, `30s`, `5m`.
fn humantime_window(w: &str) -> Option<Duration> {
    let (n, unit) = w.split_at(w.find(|c: char| !c.is_ascii_digit())?);
    let n: u64 = n.parse().ok()?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        _ => return None,
    };
    (secs > 0).then(|| Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(scenario: Scenario) -> (Sim, Instant) {
        let start = Instant::now();
        (Sim::new(scenario, Clock::starting_at(start)), start)
    }

    fn one(sim: &Sim, q: &str, now: Instant) -> (Value, f64) {
        let mut v = evaluate(sim, q, now).unwrap_or_else(|e| panic!("{q}: {e}"));
        assert_eq!(v.len(), 1, "{q}: {v:?}");
        v.remove(0)
    }

    #[test]
    fn selectors_parse() {
        assert_eq!(parse_selector("up"), Some(("up".into(), vec![])));
        assert_eq!(
            parse_selector("x{service=\"a\",code='500'}"),
            Some((
                "x".into(),
                vec![
                    ("service".into(), "a".into()),
                    ("code".into(), "500".into())
                ]
            ))
        );
        for bad in [
            "",
            "x{",
            "x{a}",
            "x{a!=\"b\"}",
            "x{a=~\"b\"}",
            "1x",
            "rate(x[1m])",
        ] {
            assert_eq!(parse_selector(bad), None, "{bad}");
        }
        assert_eq!(humantime_window("1m"), Some(Duration::from_secs(60)));
        assert_eq!(humantime_window("1x"), None);
    }

    #[test]
    fn queries_answer_the_model() {
        let (sim, start) = sim(Scenario::BadDeploy);
        let now = start + Duration::from_secs(200);
        sim.clock
            .set_phase2_started(start + Duration::from_secs(80));
        let t = sim.clock.timing(now);
        let sc = Scenario::BadDeploy;
        let (m, v) = one(&sim, "error_rate_percent", now);
        assert_eq!(m, json!({"__name__": "error_rate_percent"}));
        assert!((v - sc.aggregate_error_rate(t)).abs() < 1e-9);
        let (m, v) = one(
            &sim,
            " error_rate_percent { service = \"talent-engine\" } ",
            now,
        );
        assert_eq!(m["service"], "talent-engine");
        assert!((v - sc.behaviour("talent-engine", t).error_rate_pct).abs() < 1e-9);
        let (_, v) = one(&sim, "p95_latency_ms", now);
        assert!((v - sc.max_p95(t)).abs() < 1e-9);
        let (m, v) = one(&sim, "sum(rate(http_requests_total[1m]))", now);
        assert_eq!(m, json!({}));
        assert!((v - sc.total_rps(t)).abs() < 1e-6);
        let (_, errs) = one(
            &sim,
            "sum(rate(http_requests_total{code=\"500\"}[5m]))",
            now,
        );
        assert!((errs / v * 100.0 - sc.aggregate_error_rate(t)).abs() < 1e-6);
        assert_eq!(evaluate(&sim, "queue_depth", now).map(|v| v.len()), Ok(4));
        // Selectors that match nothing: an empty vector.
        assert_eq!(
            evaluate(&sim, "error_rate_percent{service=\"x\"}", now),
            Ok(vec![])
        );
        assert_eq!(
            evaluate(&sim, "p95_latency_ms{env=\"prod\"}", now),
            Ok(vec![])
        );
        for q in [
            "sum(rate(http_requests_total{service=\"x\"}[1m]))",
            "sum(rate(http_requests_total{code=\"404\"}[1m]))",
        ] {
            assert_eq!(evaluate(&sim, q, now), Ok(vec![]), "{q}");
        }
        let ok = "sum(rate(http_requests_total{service=\"rostering\", code=\"200\"}[1m]))";
        let (_, ok_rate) = one(&sim, ok, now);
        let rostering = sc.behaviour("rostering", t);
        let expected = rostering.rps * (1.0 - rostering.error_rate_pct / 100.0);
        assert!((ok_rate - expected).abs() < 1e-6);
        // Anything else: bad_data.
        for q in [
            "foo",
            "rate(x[1m])",
            "error_rate_percent > 5",
            "sum(rate(http_requests_total[1x]))",
        ] {
            assert!(evaluate(&sim, q, now).is_err(), "{q}");
        }
    }

    #[test]
    fn counters_follow_the_modelled_rates() {
        let (sim, start) = sim(Scenario::BadDeploy);
        sim.clock.set_phase2_started(start);
        let i = 1; // talent-engine
        let (ok0, err0) = sim.counts(i, start + Duration::from_secs(200));
        let (ok1, err1) = sim.counts(i, start + Duration::from_secs(260));
        let (ok, err) = ((ok1 - ok0) as f64, (err1 - err0) as f64);
        let b = Scenario::BadDeploy.behaviour(
            "talent-engine",
            sim.clock.timing(start + Duration::from_secs(230)),
        );
        let rate = (ok + err) / 60.0;
        assert!((rate - b.rps).abs() / b.rps < 0.05, "{rate} vs {}", b.rps);
        let pct = err / (ok + err) * 100.0;
        assert!(
            (pct - b.error_rate_pct).abs() < 3.0,
            "{pct} vs {}",
            b.error_rate_pct
        );
        assert!(pct > 20.0);
    }

    #[test]
    fn values_print_as_prometheus_does() {
        assert_eq!(format_value(12.0), "12");
        assert_eq!(format_value(0.123_456_7), "0.1235");
        assert_eq!(format_value(f64::NAN), "NaN");
        assert_eq!(format_value(f64::INFINITY), "+Inf");
    }

    #[test]
    fn exposition_is_well_formed() {
        let b = Scenario::Healthy.behaviour("rostering", Timing::default());
        let text = exposition("rostering", 10, 2, &b);
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (series, value) = line.rsplit_once(' ').expect("series value");
            assert!(series.contains("service=\"rostering\""), "{line}");
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
        assert!(text.contains("http_requests_total{service=\"rostering\",code=\"500\"} 2\n"));
    }
}
