#![allow(clippy::unwrap_used)]
//! The HTTP poll layer against real servers on 127.0.0.1 started by each test: axum for
//! well-behaved services, raw `TcpListener`s for the misbehaving ones (silent, trickling,
//! endless). Each test asserts what a person would see: the error kind and its detail.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{any, get};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use warroom::plan::Check;
use warroom::poll::http::{self, Request};
use warroom::poll::outcome::{ErrorKind, Outcome};
use warroom::poll::{prometheus, scrape::Scraper};

const DEADLINE: Duration = Duration::from_secs(5);

/// Serves `app` on 127.0.0.1 (peer addresses available to handlers); returns its address.
async fn serve(app: Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    addr
}

/// Accepts connections on 127.0.0.1 and hands each to `handle`; returns the address.
async fn raw_server<F, Fut>(handle: F) -> SocketAddr
where
    F: Fn(TcpStream) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            tokio::spawn(handle(stream));
        }
    });
    addr
}

/// Reads a request head (up to the blank line) so the client is not reset mid-send.
async fn read_head(stream: &mut TcpStream) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).await.unwrap_or(0) == 0 {
            return;
        }
        buf.push(byte[0]);
    }
}

fn client() -> reqwest::Client {
    http::client(None).unwrap()
}

fn req_get(url: &str) -> Request {
    Request::get(url).unwrap()
}

/// One GET probe of `url` with the shared client, within `deadline`.
async fn probe_get(url: &str, deadline: Duration) -> Outcome {
    http::probe(&client(), &req_get(url), deadline).await
}

fn check(url: &str) -> Check {
    let toml = format!("name = \"api\"\nurl = \"{url}\"\n");
    toml::from_str(&toml).unwrap()
}

// ---- plain HTTP ----------------------------------------------------------------------

#[tokio::test]
async fn up_with_json_body() {
    let app = Router::new().route(
        "/health",
        get(|| async { axum::Json(serde_json::json!({"status": "UP"})) }),
    );
    let addr = serve(app).await;
    let obs = probe_get(&format!("http://{addr}/health"), DEADLINE)
        .await
        .unwrap();
    assert_eq!(obs.status, Some(200));
    assert_eq!(obs.body.as_deref(), Some(r#"{"status":"UP"}"#));
    assert!(
        obs.latency_ms > 0.0 && obs.latency_ms < 5000.0,
        "{}",
        obs.latency_ms
    );
    assert_eq!(obs.value, None);
}

#[tokio::test]
async fn unexpected_status_is_a_status_error() {
    let app = Router::new().route("/health", get(|| async { StatusCode::SERVICE_UNAVAILABLE }));
    let addr = serve(app).await;
    let e = probe_get(&format!("http://{addr}/health"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Status);
    assert_eq!(e.detail, "status 503 (expected 200)");
    assert_eq!(e.to_string(), "status: status 503 (expected 200)");

    // The check's expect_status is honoured.
    let mut c = check(&format!("http://{addr}/health"));
    c.expect_status = Some(503);
    let req = Request::from_check(&c, |_| None).unwrap();
    let obs = http::probe(&client(), &req, DEADLINE).await.unwrap();
    assert_eq!(obs.status, Some(503));
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let e = probe_get(&format!("http://127.0.0.1:{port}/"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Connect, "{e}");
    assert_eq!(e.detail, format!("connection refused (127.0.0.1:{port})"));
}

#[tokio::test]
async fn unknown_host_is_a_dns_error() {
    let e = probe_get("http://no-such-host.invalid/health", DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Dns, "{e}");
    assert!(
        e.detail
            .starts_with("cannot resolve no-such-host.invalid: "),
        "{}",
        e.detail
    );
}

#[tokio::test]
async fn server_that_never_answers_times_out_at_the_deadline() {
    let addr = raw_server(|mut s| async move {
        read_head(&mut s).await;
        tokio::time::sleep(Duration::from_secs(3600)).await;
        drop(s);
    })
    .await;
    let started = Instant::now();
    let e = probe_get(&format!("http://{addr}/"), Duration::from_millis(500))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert_eq!(e.detail, "no answer within 500ms");
    assert!(
        took >= Duration::from_millis(500) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test]
async fn trickling_body_times_out_at_the_deadline_not_later() {
    let addr = raw_server(|mut s| async move {
        read_head(&mut s).await;
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n";
        if s.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        // One byte every 200 ms, forever (each one resets any per-read timer).
        while s.write_all(b"x").await.is_ok() {
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
    .await;
    let started = Instant::now();
    let e = probe_get(&format!("http://{addr}/"), Duration::from_secs(1))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert!(
        e.detail.starts_with("body not complete within 1s (") && e.detail.ends_with(" B read)"),
        "{}",
        e.detail
    );
    assert!(
        took >= Duration::from_secs(1) && took < Duration::from_secs(4),
        "{took:?}"
    );
}

#[tokio::test]
async fn trickling_headers_time_out_at_the_deadline() {
    let addr = raw_server(|mut s| async move {
        read_head(&mut s).await;
        let head =
            b"HTTP/1.1 200 OK\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
        for b in head {
            if s.write_all(&[*b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    let started = Instant::now();
    let e = probe_get(&format!("http://{addr}/"), Duration::from_secs(1))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert_eq!(e.kind, ErrorKind::Timeout);
    assert_eq!(e.detail, "no answer within 1s");
    // The whole head takes 5.7 s to trickle in: finishing well before proves the deadline.
    assert!(took < Duration::from_millis(4500), "{took:?}");
}

/// A server sending 50 MB (no Content-Length, so only counting stops the client); it reports
/// how many bytes it managed to write before the client hung up.
const FIFTY_MB: usize = 50 * 1024 * 1024;

async fn fifty_mb_server(content_length: bool) -> (SocketAddr, tokio::sync::mpsc::Receiver<usize>) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let addr = raw_server(move |mut s| {
        let tx = tx.clone();
        async move {
            read_head(&mut s).await;
            let head = if content_length {
                format!("HTTP/1.1 200 OK\r\nContent-Length: {FIFTY_MB}\r\n\r\n")
            } else {
                "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n".to_string()
            };
            s.write_all(head.as_bytes()).await.unwrap();
            let chunk = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            while sent < FIFTY_MB {
                if s.write_all(&chunk).await.is_err() {
                    break;
                }
                sent += chunk.len();
            }
            tx.send(sent).await.unwrap();
        }
    })
    .await;
    (addr, rx)
}

#[tokio::test]
async fn huge_body_stops_reading_at_the_cap() {
    for content_length in [false, true] {
        let (addr, mut sent) = fifty_mb_server(content_length).await;
        let started = Instant::now();
        let e = probe_get(&format!("http://{addr}/"), DEADLINE)
            .await
            .unwrap_err();
        assert_eq!(e.kind, ErrorKind::Body);
        assert_eq!(e.detail, "body over 1 MiB");
        assert!(started.elapsed() < Duration::from_secs(5));
        // The server saw the connection closed long before it could send 50 MB.
        let sent = tokio::time::timeout(Duration::from_secs(5), sent.recv())
            .await
            .expect("the server noticed the client hung up")
            .unwrap();
        assert!(sent < 20 * 1024 * 1024, "server sent {sent} bytes");
    }
}

/// A server that answers every request with `head` (status line and headers, without the
/// blank line) and then `body`, and says how many body bytes it got onto the wire.
async fn lying_server(
    head: String,
    body: Vec<u8>,
) -> (SocketAddr, tokio::sync::mpsc::Receiver<usize>) {
    let (tx, rx) = tokio::sync::mpsc::channel(4);
    let body = Arc::new(body);
    let addr = raw_server(move |mut s| {
        let (tx, head, body) = (tx.clone(), head.clone(), Arc::clone(&body));
        async move {
            read_head(&mut s).await;
            let mut sent = 0;
            if s.write_all(format!("{head}\r\n\r\n").as_bytes())
                .await
                .is_ok()
            {
                for chunk in body.chunks(64 * 1024) {
                    if s.write_all(chunk).await.is_err() {
                        break;
                    }
                    sent += chunk.len();
                }
            }
            let _ = tx.send(sent).await;
        }
    })
    .await;
    (addr, rx)
}

#[tokio::test]
async fn a_false_content_length_never_lets_more_than_the_cap_in() {
    // Claims 10 bytes and sends 50 MB: the 10 are the body, the rest is never taken.
    let (addr, _sent) = lying_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 10".into(),
        vec![b'x'; FIFTY_MB],
    )
    .await;
    let started = Instant::now();
    let obs = probe_get(&format!("http://{addr}/"), DEADLINE)
        .await
        .unwrap();
    assert_eq!(obs.body.as_deref(), Some("xxxxxxxxxx"));
    assert!(started.elapsed() < Duration::from_secs(5));

    // Claims 100 GB and sends 10 bytes: refused on the claim, before reading.
    let (addr, _sent) = lying_server(
        "HTTP/1.1 200 OK\r\nContent-Length: 107374182400".into(),
        b"0123456789".to_vec(),
    )
    .await;
    let e = probe_get(&format!("http://{addr}/"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.detail.as_str()),
        (ErrorKind::Body, "body over 1 MiB")
    );

    // No length at all, chunked framing, 50 MB: the cap stops it.
    let (addr, mut sent) = lying_server("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked".into(), {
        let mut body = Vec::new();
        let chunk = vec![b'y'; 65_536];
        for _ in 0..(FIFTY_MB / 65_536) {
            body.extend_from_slice(b"10000\r\n");
            body.extend_from_slice(&chunk);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(b"0\r\n\r\n");
        body
    })
    .await;
    let e = probe_get(&format!("http://{addr}/"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.detail.as_str()),
        (ErrorKind::Body, "body over 1 MiB")
    );
    let sent = tokio::time::timeout(Duration::from_secs(5), sent.recv())
        .await
        .expect("the server noticed the client hung up")
        .unwrap();
    assert!(sent < 20 * 1024 * 1024, "server sent {sent} bytes");
}

/// gzip (RFC 1952) of `data`: header, deflate, CRC-32 and length.
fn gzip(data: &[u8]) -> Vec<u8> {
    let mut crc: u32 = !0;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend(miniz_oxide::deflate::compress_to_vec(data, 9));
    out.extend_from_slice(&(!crc).to_le_bytes());
    out.extend_from_slice(&(data.len() as u32).to_le_bytes());
    out
}

#[tokio::test]
async fn a_gzip_bomb_is_counted_on_the_wire_and_never_inflated() {
    // 16 MiB of zeros in about 16 KiB, sent unasked (the client asks for no encoding).
    let bomb = gzip(&vec![0u8; 16 << 20]);
    assert!(bomb.len() < 64 * 1024, "{} bytes", bomb.len());
    let (addr, _sent) = lying_server(
        format!(
            "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {}",
            bomb.len()
        ),
        bomb.clone(),
    )
    .await;
    let started = Instant::now();
    let obs = probe_get(&format!("http://{addr}/"), DEADLINE)
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(5));
    // What was read is what came over the wire: under the cap, not 16 MiB inflated.
    let body = obs.body.unwrap_or_default();
    assert!(body.len() <= bomb.len() * 3, "{} bytes read", body.len());

    // A bigger bomb on the wire than the cap is stopped at the cap like any body.
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let noise: Vec<u8> = (0..(2u32 << 20))
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    let big = gzip(&noise);
    assert!(big.len() > 2 << 20, "{} bytes", big.len());
    let (addr, _sent) = lying_server(
        "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nConnection: close".into(),
        big,
    )
    .await;
    let e = probe_get(&format!("http://{addr}/"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.detail.as_str()),
        (ErrorKind::Body, "body over 1 MiB")
    );
}

#[tokio::test]
async fn body_cap_from_the_check_is_used() {
    let app = Router::new().route("/", get(|| async { "0123456789" }));
    let addr = serve(app).await;
    let mut c = check(&format!("http://{addr}/"));
    c.max_body = Some(9);
    let e = http::probe(
        &client(),
        &Request::from_check(&c, |_| None).unwrap(),
        DEADLINE,
    )
    .await
    .unwrap_err();
    assert_eq!(
        (e.kind, e.detail.as_str()),
        (ErrorKind::Body, "body over 9 B")
    );
    c.max_body = Some(10);
    let obs = http::probe(
        &client(),
        &Request::from_check(&c, |_| None).unwrap(),
        DEADLINE,
    )
    .await
    .unwrap();
    assert_eq!(obs.body.as_deref(), Some("0123456789"));
}

// ---- redirects -----------------------------------------------------------------------

#[tokio::test]
async fn redirect_loop_and_too_many_redirects_are_status_errors() {
    let app = Router::new()
        .route("/a", get(|| async { Redirect::temporary("/b") }))
        .route("/b", get(|| async { Redirect::to("a") }))
        .route(
            "/n/{n}",
            get(
                |axum::extract::Path(n): axum::extract::Path<u32>| async move {
                    Redirect::permanent(&format!("/n/{}", n + 1))
                },
            ),
        )
        .route("/ok/{n}", get(ok_after));
    let addr = serve(app).await;

    let e = probe_get(&format!("http://{addr}/a"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Status);
    assert_eq!(e.detail, "redirect loop: back to /a after 2 redirects");

    let e = probe_get(&format!("http://{addr}/n/0"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Status);
    assert_eq!(e.detail, "more than 10 redirects");

    // Exactly ten redirects are followed.
    let got = http::fetch(
        &client(),
        &req_get(&format!("http://{addr}/ok/10")),
        DEADLINE,
    )
    .await
    .unwrap();
    assert_eq!(got.status, 200);
    assert_eq!(got.final_url.path(), "/ok/0");
}

async fn ok_after(axum::extract::Path(n): axum::extract::Path<u32>) -> Response {
    if n == 0 {
        "done".into_response()
    } else {
        Redirect::to(&format!("/ok/{}", n - 1)).into_response()
    }
}

type Seen = Arc<Mutex<Vec<(String, Method, BTreeMap<String, String>)>>>;

async fn record(
    State(seen): State<Seen>,
    method: Method,
    uri: axum::http::Uri,
    headers: HeaderMap,
) -> Response {
    let hs = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("?").to_string()))
        .collect();
    seen.lock()
        .unwrap()
        .push((uri.path().to_string(), method, hs));
    match uri.path() {
        "/cross" => {
            let port = headers[header::HOST]
                .to_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .to_string();
            Redirect::temporary(&format!("http://localhost:{port}/landed")).into_response()
        }
        "/same" | "/post307" => Redirect::temporary("/landed").into_response(),
        "/post" => Redirect::to("/landed").into_response(),
        "/post302" => (StatusCode::FOUND, [(header::LOCATION, "/landed")]).into_response(),
        _ => "landed".into_response(),
    }
}

async fn recorder() -> (SocketAddr, Seen) {
    let seen: Seen = Arc::default();
    let app = Router::new()
        .route("/{*path}", any(record))
        .with_state(seen.clone());
    (serve(app).await, seen)
}

fn with_secret_headers(url: &str, method: Option<&str>) -> Request {
    let mut c = check(url);
    c.method = method.map(str::to_string);
    c.headers
        .insert("Authorization".into(), "Bearer ${TOKEN}".into());
    c.headers.insert("X-Tenant".into(), "acme".into());
    Request::from_check(&c, |k| (k == "TOKEN").then(|| "s3cr3t".to_string())).unwrap()
}

#[tokio::test]
async fn cross_origin_redirect_drops_plan_headers_same_origin_keeps_them() {
    let (addr, seen) = recorder().await;
    let port = addr.port();

    // Same origin: the credentials follow.
    let req = with_secret_headers(&format!("http://127.0.0.1:{port}/same"), None);
    http::probe(&client(), &req, DEADLINE).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 2);
        for (path, _, hs) in seen.iter() {
            assert_eq!(
                hs.get("authorization").map(String::as_str),
                Some("Bearer s3cr3t"),
                "{path}"
            );
            assert_eq!(
                hs.get("x-tenant").map(String::as_str),
                Some("acme"),
                "{path}"
            );
        }
    }
    seen.lock().unwrap().clear();

    // 127.0.0.1 → localhost: another origin, so neither plan header reaches it.
    let req = with_secret_headers(&format!("http://127.0.0.1:{port}/cross"), None);
    let got = http::fetch(&client(), &req, DEADLINE).await.unwrap();
    assert_eq!(
        got.final_url.as_str(),
        format!("http://localhost:{port}/landed")
    );
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].0, "/cross");
    assert_eq!(
        seen[0].2.get("authorization").map(String::as_str),
        Some("Bearer s3cr3t")
    );
    assert_eq!(seen[1].0, "/landed");
    assert_eq!(seen[1].2.get("authorization"), None);
    assert_eq!(seen[1].2.get("x-tenant"), None);
    assert_eq!(
        seen[1].2.get("host").map(String::as_str),
        Some(format!("localhost:{port}").as_str())
    );
}

#[tokio::test]
async fn redirects_switch_post_to_get_like_browsers() {
    let (addr, seen) = recorder().await;
    for (path, after) in [
        ("/post", Method::GET),
        ("/post302", Method::GET),
        ("/post307", Method::POST),
    ] {
        seen.lock().unwrap().clear();
        let req = with_secret_headers(&format!("http://{addr}{path}"), Some("post"));
        http::probe(&client(), &req, DEADLINE).await.unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].1, Method::POST, "{path}");
        assert_eq!(seen[1].1, after, "{path}");
    }
}

// ---- headers from the environment ------------------------------------------------------

#[tokio::test]
async fn header_variables_expand_and_a_missing_one_names_header_and_variable() {
    let (addr, seen) = recorder().await;
    let mut c = check(&format!("http://{addr}/x"));
    c.headers
        .insert("Authorization".into(), "Bearer ${TOKEN}".into());
    c.headers
        .insert("X-Api-Key".into(), "k-${API_KEY}-v1".into());
    let env = |k: &str| match k {
        "TOKEN" => Some("tok-123".to_string()),
        "API_KEY" => Some("key-456".to_string()),
        _ => None,
    };
    let req = Request::from_check(&c, env).unwrap();
    assert!(!format!("{req:?}").contains("tok-123"));
    http::probe(&client(), &req, DEADLINE).await.unwrap();
    {
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].2["authorization"], "Bearer tok-123");
        assert_eq!(seen[0].2["x-api-key"], "k-key-456-v1");
    }

    let only_token = |k: &str| (k == "TOKEN").then(|| "tok-123".to_string());
    let e = Request::from_check(&c, only_token).unwrap_err();
    assert_eq!(
        e,
        "header X-Api-Key needs environment variable API_KEY, which is not set"
    );
    assert!(!e.contains("tok-123") && !e.contains("k-"), "{e}");

    c.headers.insert("Bad Name".into(), "x".into());
    let e = Request::from_check(&c, env).unwrap_err();
    assert!(e.contains("\"Bad Name\""), "{e}");

    let mut c = check(&format!("http://{addr}/x"));
    c.headers.insert("X-Token".into(), "${TOKEN}".into());
    let e = Request::from_check(&c, |_| Some("line\nbreak-secret".into())).unwrap_err();
    assert!(
        e.starts_with("header X-Token: ") && !e.contains("secret"),
        "{e}"
    );
}

// ---- TLS --------------------------------------------------------------------------------

#[tokio::test]
async fn https_to_a_plain_http_server_is_a_tls_error() {
    let app = Router::new().route("/", get(|| async { "plain" }));
    let addr = serve(app).await;
    let e = probe_get(&format!("https://{addr}/"), DEADLINE)
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls, "{e}");
    assert!(
        e.detail.starts_with("not a TLS server (plain HTTP?): "),
        "{}",
        e.detail
    );
    assert!(e.detail.ends_with(&format!("({addr})")), "{}", e.detail);
}

/// An HTTPS server with a fresh self-signed certificate for `names`; returns its address and
/// the certificate's PEM.
async fn tls_server(names: &[&str]) -> (SocketAddr, String) {
    use tokio_rustls::rustls;
    let names: Vec<String> = names.iter().map(|n| (*n).to_string()).collect();
    let ck = rcgen::generate_simple_self_signed(names).unwrap();
    let pem = ck.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(ck.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![ck.cert.der().clone()], key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let (stream, _) = listener.accept().await.unwrap();
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut buf = vec![0u8; 4096];
                let mut head = Vec::new();
                while !head.ends_with(b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&buf[..n]),
                    }
                }
                let answer =
                    "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecure";
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (addr, pem)
}

#[tokio::test]
async fn self_signed_certificate_is_refused_unless_its_ca_file_is_given() {
    let (addr, pem) = tls_server(&["localhost", "127.0.0.1"]).await;
    let url = format!("https://localhost:{}/", addr.port());

    let e = probe_get(&url, DEADLINE).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls, "{e}");
    assert_eq!(
        e.detail,
        format!(
            "certificate not trusted: UnknownIssuer (localhost:{})",
            addr.port()
        )
    );

    let dir = std::env::temp_dir().join(format!(
        "warroom-poll-http-{}-{}",
        std::process::id(),
        addr.port()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, &pem).unwrap();
    let trusting = http::client(Some(&ca)).unwrap();
    let obs = http::probe(&trusting, &req_get(&url), DEADLINE)
        .await
        .unwrap();
    assert_eq!(obs.body.as_deref(), Some("secure"));

    // Trusted, but issued for another name.
    let (other, other_pem) = tls_server(&["other.example"]).await;
    let other_ca = dir.join("other.pem");
    std::fs::write(&other_ca, &other_pem).unwrap();
    let url = format!("https://localhost:{}/", other.port());
    let e = http::probe(
        &http::client(Some(&other_ca)).unwrap(),
        &req_get(&url),
        DEADLINE,
    )
    .await
    .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tls, "{e}");
    assert!(
        e.detail.starts_with("certificate not valid for name "),
        "{}",
        e.detail
    );
    assert!(e.detail.contains("other.example"), "{}", e.detail);

    // The file is named when it is missing or holds no certificate.
    let missing = dir.join("missing.pem");
    let e = http::client(Some(&missing)).unwrap_err();
    assert!(
        e.starts_with(&format!("ca_file {}: cannot read it", missing.display())),
        "{e}"
    );
    let empty = dir.join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let e = http::client(Some(&empty)).unwrap_err();
    assert!(
        e.starts_with(&format!("ca_file {}: ", empty.display())),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

// ---- keep-alive -------------------------------------------------------------------------

#[tokio::test]
async fn concurrent_probes_share_kept_alive_connections() {
    let peers: Arc<Mutex<HashSet<SocketAddr>>> = Arc::default();
    let app = Router::new()
        .route(
            "/health",
            get(
                |State(p): State<Arc<Mutex<HashSet<SocketAddr>>>>,
                 ConnectInfo(peer): ConnectInfo<SocketAddr>| async move {
                    p.lock().unwrap().insert(peer);
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    "ok"
                },
            ),
        )
        .with_state(peers.clone());
    let addr = serve(app).await;
    let client = client();
    let req = req_get(&format!("http://{addr}/health"));
    for _round in 0..3 {
        let probes = (0..20).map(|_| {
            let (client, req) = (client.clone(), req.clone());
            tokio::spawn(async move { http::probe(&client, &req, DEADLINE).await })
        });
        for p in probes.collect::<Vec<_>>() {
            p.await.unwrap().unwrap();
        }
    }
    // 60 probes, at most 20 at a time: connections were reused, not opened per probe.
    let n = peers.lock().unwrap().len();
    assert!((1..=20).contains(&n), "{n} connections for 60 probes");
}

// ---- Prometheus -------------------------------------------------------------------------

type Queries = Arc<Mutex<Vec<String>>>;

async fn prometheus_stub() -> (String, Queries) {
    async fn api(
        State(q): State<Queries>,
        Query(params): Query<BTreeMap<String, String>>,
    ) -> Response {
        let query = params.get("query").cloned().unwrap_or_default();
        q.lock().unwrap().push(query.clone());
        let ok = |result_type: &str, result: serde_json::Value| {
            axum::Json(serde_json::json!({
                "status": "success",
                "data": {"resultType": result_type, "result": result}
            }))
            .into_response()
        };
        let one =
            |v: &str| serde_json::json!({"metric": {"job": "api"}, "value": [1_700_000_000.5, v]});
        match query.as_str() {
            "scalar(1.5)" => ok("scalar", serde_json::json!([1_700_000_000.5, "1.5"])),
            "empty" => ok("vector", serde_json::json!([])),
            "two" => ok("vector", serde_json::json!([one("1"), one("2")])),
            "nan" => ok("vector", serde_json::json!([one("NaN")])),
            "inf" => ok("vector", serde_json::json!([one("+Inf")])),
            "garbage" => "<html>hello</html>".into_response(),
            "down" => (StatusCode::BAD_GATEWAY, "<html>bad gateway</html>").into_response(),
            "rate(" => (
                StatusCode::BAD_REQUEST,
                axum::Json(serde_json::json!({
                    "status": "error", "errorType": "bad_data",
                    "error": "invalid parameter \"query\": 1:6: parse error: unclosed left parenthesis"
                })),
            )
                .into_response(),
            _ => ok("vector", serde_json::json!([one("42")])),
        }
    }
    let q: Queries = Arc::default();
    let app = Router::new()
        .route("/prom/api/v1/query", get(api))
        .with_state(q.clone());
    let addr = serve(app).await;
    (format!("http://{addr}/prom"), q)
}

#[tokio::test]
async fn prometheus_answers_become_values_or_clear_errors() {
    let (base, queries) = prometheus_stub().await;
    let client = client();
    let req = req_get(&base);
    let run = |q: &'static str| {
        let (client, req, base) = (client.clone(), req.clone(), base.clone());
        async move { prometheus::query(&client, &req, &base, q, DEADLINE).await }
    };

    let one = r#"sum(rate(http_requests_total{code=~"5..", path="/a&b"}[5m]))"#;
    let obs = run(one).await.unwrap();
    assert_eq!(obs.value, Some(42.0));
    assert_eq!(obs.status, Some(200));
    assert_eq!(obs.body, None);
    assert_eq!(
        queries.lock().unwrap().last().unwrap(),
        one,
        "the query arrives intact"
    );

    assert_eq!(run("scalar(1.5)").await.unwrap().value, Some(1.5));
    assert_eq!(run("inf").await.unwrap().value, Some(f64::INFINITY));
    assert_eq!(run("nan").await.unwrap().value, None);

    let cases = [
        ("empty", ErrorKind::Body, "no series matched".to_string()),
        (
            "two",
            ErrorKind::Body,
            "2 series: aggregate with sum() or narrow the selector".to_string(),
        ),
        (
            "rate(",
            ErrorKind::Body,
            "prometheus bad_data: invalid parameter \"query\": 1:6: parse error: unclosed left parenthesis"
                .to_string(),
        ),
        ("down", ErrorKind::Status, "status 502 (expected 200)".to_string()),
    ];
    for (q, kind, detail) in cases {
        let e = run(q).await.unwrap_err();
        assert_eq!((e.kind, e.detail), (kind, detail), "{q}");
    }
    let e = run("garbage").await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Body);
    assert!(
        e.detail.starts_with("not a Prometheus answer: "),
        "{}",
        e.detail
    );
}

#[tokio::test]
async fn prometheus_request_from_a_check() {
    let (base, queries) = prometheus_stub().await;
    let c: Check = toml::from_str(&format!(
        "name = \"errors\"\nprometheus = \"{base}\"\nquery = 'up{{job=\"api\"}}'\n"
    ))
    .unwrap();
    let req = Request::from_check(&c, |_| None).unwrap();
    assert_eq!(req.url.path(), "/prom/api/v1/query");
    let obs = prometheus::query(&client(), &req, &base, "up{job=\"api\"}", DEADLINE)
        .await
        .unwrap();
    assert_eq!(obs.value, Some(42.0));
    assert_eq!(queries.lock().unwrap().last().unwrap(), "up{job=\"api\"}");
}

// ---- /metrics scrapes -------------------------------------------------------------------

type Page = Arc<Mutex<String>>;

async fn metrics_server() -> (String, Page) {
    let page: Page = Arc::default();
    let app = Router::new()
        .route(
            "/metrics",
            get(|State(p): State<Page>| async move { p.lock().unwrap().clone() }),
        )
        .with_state(page.clone());
    let addr = serve(app).await;
    (format!("http://{addr}/metrics"), page)
}

fn counter_page(errors: u64, requests: u64, depth: f64) -> String {
    format!(
        "# HELP http_requests_total Requests.\n\
         # TYPE http_requests_total counter\n\
         http_requests_total{{code=\"500\",path=\"/a,b\"}} {errors}\n\
         http_requests_total{{code=\"200\",path=\"/a,b\"}} {}\n\
         # TYPE queue_depth gauge\n\
         queue_depth{{queue=\"x=1,y=2\"}} {depth}\n",
        requests - errors
    )
}

#[tokio::test]
async fn scraped_counter_becomes_a_rate_and_gauge_is_read() {
    let (url, page) = metrics_server().await;
    let client = client();
    let req = req_get(&url);
    let mut errors = Scraper::new(r#"http_requests_total{code="500"}"#, None, None).unwrap();
    let mut depth = Scraper::new(r#"queue_depth{queue="x=1,y=2"}"#, None, None).unwrap();

    *page.lock().unwrap() = counter_page(100, 1000, 7.0);
    let first = errors
        .probe_at(&client, &req, DEADLINE, 5_000)
        .await
        .unwrap();
    assert_eq!(first.value, None, "a rate needs two scrapes");
    assert_eq!(first.status, Some(200));
    let gauge = depth
        .probe_at(&client, &req, DEADLINE, 5_000)
        .await
        .unwrap();
    assert_eq!(gauge.value, Some(7.0));

    *page.lock().unwrap() = counter_page(160, 1100, 3.5);
    let second = errors
        .probe_at(&client, &req, DEADLINE, 6_000)
        .await
        .unwrap();
    assert_eq!(second.value, Some(60.0));
    let gauge = depth
        .probe_at(&client, &req, DEADLINE, 6_000)
        .await
        .unwrap();
    assert_eq!(gauge.value, Some(3.5));
}

#[tokio::test]
async fn scraped_rate_on_the_real_clock() {
    let (url, page) = metrics_server().await;
    let client = client();
    let req = req_get(&url);
    let mut errors = Scraper::new(r#"http_requests_total{code="500"}"#, None, None).unwrap();
    *page.lock().unwrap() = counter_page(100, 1000, 0.0);
    assert_eq!(
        errors.probe(&client, &req, DEADLINE).await.unwrap().value,
        None
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    *page.lock().unwrap() = counter_page(160, 1000, 0.0);
    let v = errors
        .probe(&client, &req, DEADLINE)
        .await
        .unwrap()
        .value
        .unwrap();
    assert!((45.0..=60.5).contains(&v), "{v}/s");
}

#[tokio::test]
async fn scraped_ratio_with_scale_and_missing_series() {
    let (url, page) = metrics_server().await;
    let client = client();
    let req = req_get(&url);
    let mut ratio = Scraper::new(
        r#"http_requests_total{code="500", path="/a,b"}"#,
        Some(r#"http_requests_total{path="/a,b"}"#),
        Some(100.0),
    )
    .unwrap();
    *page.lock().unwrap() = counter_page(10, 1000, 0.0);
    assert_eq!(
        ratio
            .probe_at(&client, &req, DEADLINE, 0)
            .await
            .unwrap()
            .value,
        None
    );
    *page.lock().unwrap() = counter_page(15, 1100, 0.0);
    let v = ratio
        .probe_at(&client, &req, DEADLINE, 10_000)
        .await
        .unwrap()
        .value
        .unwrap();
    assert!((v - 5.0).abs() < 1e-9, "{v}%");
    // No requests at all in the interval: no ratio.
    let v = ratio
        .probe_at(&client, &req, DEADLINE, 20_000)
        .await
        .unwrap()
        .value;
    assert_eq!(v, None);

    let mut absent = Scraper::new(r#"http_requests_total{code="503"}"#, None, None).unwrap();
    let e = absent.probe(&client, &req, DEADLINE).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Body);
    assert_eq!(
        e.detail,
        r#"no sample matches http_requests_total{code="503"}"#
    );
}

#[tokio::test]
async fn scrape_of_a_failing_endpoint_is_a_status_error() {
    let app = Router::new().route("/metrics", get(|| async { StatusCode::NOT_FOUND }));
    let addr = serve(app).await;
    let mut s = Scraper::new("up", None, None).unwrap();
    let e = s
        .probe(
            &client(),
            &req_get(&format!("http://{addr}/metrics")),
            DEADLINE,
        )
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind, e.detail.as_str()),
        (ErrorKind::Status, "status 404 (expected 200)")
    );
}
