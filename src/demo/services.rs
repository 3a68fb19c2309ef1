//! Simulated services for the demo and for tests: real HTTP servers (axum) on 127.0.0.1 with
//! `/health` (JSON) and `/metrics` (Prometheus text exposition format).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use tokio::net::TcpListener;

/// The four services of the CRM launch, by the names the bundled wiring uses.
pub const SERVICES: [&str; 4] = [
    "authentication",
    "talent-engine",
    "job-applications",
    "rostering",
];

/// How the simulated services behave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    /// Every service answers 200 quickly.
    Healthy,
}

impl Scenario {
    /// Scenario names accepted by `--scenario`.
    pub const NAMES: [&str; 1] = ["healthy"];

    /// Parses a scenario name.
    #[must_use]
    pub fn parse(s: &str) -> Option<Scenario> {
        match s {
            "healthy" => Some(Scenario::Healthy),
            _ => None,
        }
    }
}

struct Service {
    name: &'static str,
    requests: AtomicU64,
}

/// Starts every service on its own 127.0.0.1 port; returns (name, port) pairs. The servers
/// run on the current tokio runtime until it shuts down.
///
/// Errors: a port cannot be bound.
pub async fn start_all(scenario: Scenario) -> std::io::Result<Vec<(&'static str, u16)>> {
    let mut ports = Vec::new();
    for name in SERVICES {
        ports.push((name, start(name, scenario).await?));
    }
    Ok(ports)
}

/// Starts one service; returns its port.
///
/// Errors: the port cannot be bound.
pub async fn start(name: &'static str, _scenario: Scenario) -> std::io::Result<u16> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let port = listener.local_addr()?.port();
    let svc = Arc::new(Service {
        name,
        requests: AtomicU64::new(0),
    });
    let app = Router::new()
        .route("/health", get(health))
        .route("/metrics", get(metrics))
        .with_state(svc);
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(port)
}

async fn health(
    State(svc): State<Arc<Service>>,
) -> (StatusCode, [(&'static str, &'static str); 1], String) {
    svc.requests.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        format!("{{\"status\":\"UP\",\"service\":\"{}\"}}", svc.name),
    )
}

async fn metrics(State(svc): State<Arc<Service>>) -> String {
    let n = svc.requests.fetch_add(1, Ordering::Relaxed) + 1;
    format!(
        "# HELP http_requests_total Requests served.\n# TYPE http_requests_total counter\nhttp_requests_total{{service=\"{name}\"}} {n}\n# HELP http_errors_total Requests that failed.\n# TYPE http_errors_total counter\nhttp_errors_total{{service=\"{name}\"}} 0\n",
        name = svc.name
    )
}
