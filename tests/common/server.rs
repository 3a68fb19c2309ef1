//! A real HTTP server on 127.0.0.1 whose answers the test controls: `/metrics` serves gauges
//! in the Prometheus text format, any other path answers `{"status":"UP"}`; every
//! request is counted by path, so a test can tell which pollers are running.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::IntoResponse;

#[derive(Default)]
struct Shared {
    gauges: Mutex<BTreeMap<String, f64>>,
    hits: Mutex<HashMap<String, u64>>,
}

/// An axum app served on a free 127.0.0.1 port by a runtime of its own; it stops when
/// dropped.
pub struct Serving {
    /// Where it listens.
    pub addr: SocketAddr,
    _rt: tokio::runtime::Runtime,
}

/// Serves `app` on a free port of 127.0.0.1 until the returned [`Serving`] is dropped.
pub fn serve(app: Router) -> Serving {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(async move { axum::serve(listener, app).await });
    Serving { addr, _rt: rt }
}

/// The server; it stops when dropped.
pub struct Server {
    /// Where it listens.
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    _serving: Serving,
}

impl Server {
    /// Starts on a free port; `/metrics` serves no series until [`Server::set_gauge`].
    pub fn start() -> Server {
        let shared = Arc::new(Shared::default());
        let serving = serve(
            Router::new()
                .fallback(answer)
                .with_state(Arc::clone(&shared)),
        );
        Server {
            addr: serving.addr,
            shared,
            _serving: serving,
        }
    }

    /// `http://127.0.0.1:PORT` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sets the gauge `series` that `/metrics` serves from now on.
    pub fn set_gauge(&self, series: &str, v: f64) {
        self.shared
            .gauges
            .lock()
            .unwrap()
            .insert(series.to_string(), v);
    }

    /// Requests served on `path` so far.
    pub fn hits(&self, path: &str) -> u64 {
        self.shared
            .hits
            .lock()
            .unwrap()
            .get(path)
            .copied()
            .unwrap_or(0)
    }
}

async fn answer(State(shared): State<Arc<Shared>>, uri: Uri) -> impl IntoResponse {
    *shared
        .hits
        .lock()
        .unwrap()
        .entry(uri.path().to_string())
        .or_default() += 1;
    if uri.path() == "/metrics" {
        let mut body = String::new();
        for (name, v) in shared.gauges.lock().unwrap().iter() {
            let _ = write!(
                body,
                "# HELP {name} Set by the test.\n# TYPE {name} gauge\n{name} {v}\n"
            );
        }
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            body,
        )
    } else {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            r#"{"status":"UP"}"#.to_string(),
        )
    }
}
