//! HTTP(S) probes with reqwest (rustls): one request under one total deadline, redirects
//! followed by hand, the body read chunk by chunk up to a cap, and every failure sorted into an
//! [`ErrorKind`] with a short detail a person can act on.
//!
//! The pieces:
//! - [`client`]: a client to share (build one per distinct `ca_file` and clone it into every
//!   probe, so keep-alive connections are reused). TLS certificates are always verified.
//! - [`Request`]: what to send, resolved once from a [`Check`] when the room starts
//!   (`${VAR}` in header values read from the environment).
//! - [`fetch`]: send it and read the answer; [`probe`]: fetch and compare the status.
//!
//! Secrets: header values never appear in an error, a log line or `Debug` output; when a
//! redirect leaves the origin (scheme, host and port) of the URL that sent it, every header
//! from the plan is dropped for the rest of the chain, so credentials only go where the plan
//! said.

use std::fmt;
use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderName, HeaderValue, LOCATION};
use reqwest::{Method, Url};

use super::outcome::{ErrorKind, Observation, Outcome, ProbeError};
use crate::plan::{Check, Source};

/// Redirects followed at most; one more is a `status` error.
pub const MAX_REDIRECTS: usize = 10;

/// Methods a check may use.
const METHODS: [&str; 7] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

/// Builds a client: rustls, verifying certificates against the system's roots (reqwest's
/// `rustls` feature uses rustls-platform-verifier, which on Linux reads the system CA store)
/// plus the PEM certificates in `ca_file`, if given. Redirects are not followed by the client
/// ([`fetch`] follows them itself, so it can drop credentials and keep one deadline); no
/// proxy is read from the environment.
///
/// Reads `ca_file` synchronously: call it while the room starts, not from a probe.
///
/// Errors: the CA file cannot be read or holds no PEM certificate (the message names the
/// file), or the TLS backend cannot initialise.
pub fn client(ca_file: Option<&Path>) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .user_agent(concat!("warroom/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(Duration::from_secs(90))
        .tcp_nodelay(true);
    if let Some(path) = ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("ca_file {}: cannot read it: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("ca_file {}: not PEM certificates: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "ca_file {}: no certificate in it (expected -----BEGIN CERTIFICATE-----)",
                path.display()
            ));
        }
        builder = builder.tls_certs_merge(certs);
    }
    builder
        .build()
        .map_err(|e| format!("cannot start the HTTP client: {}", chain_text(&e)))
}

/// One HTTP request, resolved from a check. `Debug` shows header names, never values.
#[derive(Clone)]
pub struct Request {
    /// GET unless the check says otherwise.
    pub method: Method,
    /// Absolute http(s) URL.
    pub url: Url,
    /// The plan's headers, `${VAR}`s expanded (values marked sensitive).
    pub headers: HeaderMap,
    /// The status that passes.
    pub expect_status: u16,
    /// Body bytes read at most.
    pub max_body: u64,
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("url", &self.url.as_str())
            .field("headers", &self.headers.keys().collect::<Vec<_>>())
            .field("expect_status", &self.expect_status)
            .field("max_body", &self.max_body)
            .finish()
    }
}

impl Request {
    /// A GET of `url` with no headers, expecting 200, body capped at 1 MiB.
    ///
    /// Errors: as for [`Request::from_check`]'s URL.
    pub fn get(url: &str) -> Result<Request, String> {
        Ok(Request {
            method: Method::GET,
            url: parse_url("url", url)?,
            headers: HeaderMap::new(),
            expect_status: 200,
            max_body: crate::plan::DEFAULT_MAX_BODY,
        })
    }

    /// The request a check sends: its `url` (with `method`), its `scrape` URL (GET, asking
    /// for the text format), or its Prometheus `query` URL (GET); with the check's headers,
    /// expected status and body cap. `env` looks up the variables named as `${VAR}` in header
    /// values (e.g. `|k| std::env::var(k).ok()`); a variable set to the empty string counts as
    /// unset.
    ///
    /// Errors (never quoting a header value): not an HTTP source, an unknown method, a URL that
    /// is not absolute http(s), a bad header name, a `${…}` that is unterminated or not a
    /// variable name, a variable not set (naming the header and the variable), or an expanded
    /// value that is not a valid header value.
    pub fn from_check(
        check: &Check,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Request, String> {
        let (method, url) = match check.source()? {
            Source::Http { url } => (
                parse_method(check.method.as_deref())?,
                parse_url("url", url)?,
            ),
            Source::Scrape { url, .. } => (Method::GET, parse_url("scrape", url)?),
            Source::Prometheus { base, query } => {
                (Method::GET, super::promql::query_url(base, query)?)
            }
            Source::Tcp { .. } | Source::Command { .. } => {
                return Err(format!("\"{}\" is not an HTTP check", check.name));
            }
        };
        let mut headers = HeaderMap::new();
        for (name, raw) in &check.headers {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("header name {name:?} is not a valid HTTP header name"))?;
            let expanded = expand_vars(name, raw, &env)?;
            let mut value = HeaderValue::from_str(&expanded).map_err(|_| {
                format!("header {name}: its value is not a valid header value (control characters or non-ASCII?)")
            })?;
            value.set_sensitive(true);
            headers.insert(header, value);
        }
        if matches!(check.source(), Ok(Source::Scrape { .. }))
            && !headers.contains_key(reqwest::header::ACCEPT)
        {
            headers.insert(
                reqwest::header::ACCEPT,
                HeaderValue::from_static("text/plain;version=0.0.4;q=1,*/*;q=0.1"),
            );
        }
        Ok(Request {
            method,
            url,
            headers,
            expect_status: check.expected_status(),
            max_body: check.body_cap(),
        })
    }
}

fn parse_method(method: Option<&str>) -> Result<Method, String> {
    let Some(m) = method else {
        return Ok(Method::GET);
    };
    let upper = m.trim().to_ascii_uppercase();
    if !METHODS.contains(&upper.as_str()) {
        return Err(format!("method {m:?} is not one of {}", METHODS.join(", ")));
    }
    Method::from_bytes(upper.as_bytes()).map_err(|_| format!("method {m:?} is not valid"))
}

fn parse_url(field: &str, raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw.trim()).map_err(|e| format!("{field} {raw:?}: {e}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "{field} {raw:?}: scheme {:?} is not http or https",
            url.scheme()
        ));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(format!("{field} {raw:?}: no host"));
    }
    Ok(url)
}

/// Replaces every `${VAR}` in `raw` (the value of header `name`) with `env(VAR)`.
fn expand_vars(
    name: &str,
    raw: &str,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<String, String> {
    crate::plan::env::expand(raw, env).map_err(|e| format!("header {name} {}", e.describe()))
}

/// A response read to the end.
#[derive(Debug, Clone, PartialEq)]
pub struct Fetched {
    /// The final status (after redirects).
    pub status: u16,
    /// The body, lossily decoded as UTF-8 (not yet sanitised: never draw it as is).
    pub body: String,
    /// From sending the first request to the last body byte, in milliseconds.
    pub latency_ms: f64,
    /// The URL that answered (after redirects).
    pub final_url: Url,
}

impl Fetched {
    /// What a probe that reads one number from this response saw: its status and latency and
    /// `value` (the body is not kept: the number is what conditions judge).
    #[must_use]
    pub fn observed_value(&self, value: Option<f64>) -> Observation {
        Observation {
            latency_ms: self.latency_ms,
            status: Some(self.status),
            body: None,
            value,
            exit: None,
        }
    }
}

/// Where a fetch was when its deadline passed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Waiting { redirects: usize },
    Body { read: u64 },
}

/// Sends `req` and reads the answer, following at most [`MAX_REDIRECTS`] redirects, all
/// within one total `deadline` (connect, TLS, headers, every redirect hop and the whole body:
/// a server trickling a byte a second still times out at the deadline).
///
/// Errors: `dns`, `connect`, `tls` and `timeout` as named; `status` for a redirect loop, too
/// many redirects or a bad `Location`; `body` for a body over `req.max_body` (reading stops
/// there and the connection is dropped) or cut off midway.
pub async fn fetch(
    client: &reqwest::Client,
    req: &Request,
    deadline: Duration,
) -> Result<Fetched, ProbeError> {
    let started = Instant::now();
    let mut phase = Phase::Waiting { redirects: 0 };
    let result =
        tokio::time::timeout(deadline, fetch_within(client, req, started, &mut phase)).await;
    match result {
        Ok(r) => r,
        Err(_elapsed) => Err(ProbeError::new(
            ErrorKind::Timeout,
            match phase {
                Phase::Waiting { redirects: 0 } => {
                    format!("no answer within {}", fmt_duration(deadline))
                }
                Phase::Waiting { redirects } => format!(
                    "no answer within {} (after {redirects} redirect{})",
                    fmt_duration(deadline),
                    if redirects == 1 { "" } else { "s" }
                ),
                Phase::Body { read } => format!(
                    "body not complete within {} ({} read)",
                    fmt_duration(deadline),
                    fmt_bytes(read)
                ),
            },
        )),
    }
}

async fn fetch_within(
    client: &reqwest::Client,
    req: &Request,
    started: Instant,
    phase: &mut Phase,
) -> Result<Fetched, ProbeError> {
    let mut method = req.method.clone();
    let mut url = req.url.clone();
    let mut headers = req.headers.clone();
    let mut visited = vec![url.clone()];
    let mut redirects = 0;
    let mut resp = loop {
        *phase = Phase::Waiting { redirects };
        let resp = client
            .request(method.clone(), url.clone())
            .headers(headers.clone())
            .send()
            .await
            .map_err(|e| classify(&e, &url))?;
        let Some((next, code)) = redirect_target(&resp, &url)? else {
            break resp;
        };
        drop(resp);
        if redirects == MAX_REDIRECTS {
            return Err(ProbeError::new(
                ErrorKind::Status,
                format!("more than {MAX_REDIRECTS} redirects"),
            ));
        }
        if visited.contains(&next) {
            return Err(ProbeError::new(
                ErrorKind::Status,
                format!(
                    "redirect loop: back to {} after {} redirect{}",
                    next.path(),
                    redirects + 1,
                    if redirects == 0 { "" } else { "s" }
                ),
            ));
        }
        if next.origin() != url.origin() {
            // Credentials go only where the plan sent them.
            headers.clear();
        }
        method = method_after(&method, code);
        visited.push(next.clone());
        url = next;
        redirects += 1;
    };

    let status = resp.status().as_u16();
    let cap = req.max_body;
    if let Some(len) = resp.content_length()
        && len > cap
    {
        return Err(body_too_large(cap));
    }
    let mut body: Vec<u8> = Vec::new();
    *phase = Phase::Body { read: 0 };
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| classify_body(&e, body.len()))?
    {
        if body.len() as u64 + chunk.len() as u64 > cap {
            return Err(body_too_large(cap));
        }
        body.extend_from_slice(&chunk);
        *phase = Phase::Body {
            read: body.len() as u64,
        };
    }
    Ok(Fetched {
        status,
        body: String::from_utf8_lossy(&body).into_owned(),
        latency_ms: started.elapsed().as_secs_f64() * 1000.0,
        final_url: url,
    })
}

/// The next URL if `resp` is a redirect with a `Location` (resolved against `url`), with the
/// redirect's status.
fn redirect_target(resp: &reqwest::Response, url: &Url) -> Result<Option<(Url, u16)>, ProbeError> {
    let code = resp.status().as_u16();
    if !matches!(code, 301 | 302 | 303 | 307 | 308) {
        return Ok(None);
    }
    let Some(location) = resp.headers().get(LOCATION) else {
        return Ok(None);
    };
    let bad = |why: &str| ProbeError::new(ErrorKind::Status, format!("redirect ({code}) {why}"));
    let location = location
        .to_str()
        .map_err(|_| bad("with a Location that is not text"))?;
    let next = url
        .join(location.trim())
        .map_err(|e| bad(&format!("to an invalid location: {e}")))?;
    if !matches!(next.scheme(), "http" | "https") {
        return Err(bad(&format!("to a {} URL", next.scheme())));
    }
    Ok(Some((next, code)))
}

/// The method after a redirect with status `code`, as browsers do: 303 turns anything but
/// HEAD into GET; 301 and 302 turn POST into GET; 307 and 308 keep the method.
fn method_after(method: &Method, code: u16) -> Method {
    match code {
        303 if *method != Method::HEAD => Method::GET,
        301 | 302 if *method == Method::POST => Method::GET,
        _ => method.clone(),
    }
}

fn body_too_large(cap: u64) -> ProbeError {
    ProbeError::new(ErrorKind::Body, format!("body over {}", fmt_bytes(cap)))
}

/// Fetches `req` and checks its status.
///
/// Errors: those of [`fetch`], and `status` when the final status is not
/// `req.expect_status` (`status 503 (expected 200)`).
pub async fn probe(client: &reqwest::Client, req: &Request, deadline: Duration) -> Outcome {
    let got = fetch(client, req, deadline).await?;
    expect_status(&got, req.expect_status)?;
    Ok(Observation {
        latency_ms: got.latency_ms,
        status: Some(got.status),
        body: Some(got.body),
        ..Observation::default()
    })
}

/// `Err(status …)` unless `got.status` is `expected`.
pub fn expect_status(got: &Fetched, expected: u16) -> Result<(), ProbeError> {
    if got.status == expected {
        Ok(())
    } else {
        Err(ProbeError::new(
            ErrorKind::Status,
            format!("status {} (expected {expected})", got.status),
        ))
    }
}

/// `host:port` of `url`, for error details.
fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or("?");
    match url.port_or_known_default() {
        Some(port) if host.contains(':') => format!("[{host}]:{port}"),
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

/// Sorts a failed request into an error kind with a short detail.
fn classify(e: &reqwest::Error, url: &Url) -> ProbeError {
    let at = authority(url);
    let texts = source_texts(e);
    let all = texts.join(": ");
    let lower = all.to_ascii_lowercase();
    let innermost = texts.last().map_or("", String::as_str);

    if let Some(kind) = io_kind(e) {
        use std::io::ErrorKind as Io;
        let (k, what) = match kind {
            Io::ConnectionRefused => (ErrorKind::Connect, "connection refused"),
            Io::ConnectionReset => (ErrorKind::Connect, "connection reset"),
            Io::ConnectionAborted => (ErrorKind::Connect, "connection aborted"),
            Io::HostUnreachable => (ErrorKind::Connect, "host unreachable"),
            Io::NetworkUnreachable => (ErrorKind::Connect, "network unreachable"),
            Io::AddrNotAvailable => (ErrorKind::Connect, "address not available"),
            Io::TimedOut => (ErrorKind::Timeout, "connection timed out"),
            _ => (ErrorKind::Connect, ""),
        };
        if !what.is_empty() && !lower.contains("dns error") && !is_tls_text(&lower) {
            return ProbeError::new(k, format!("{what} ({at})"));
        }
    }
    if lower.contains("dns error") || lower.contains("failed to lookup address") {
        let why = innermost
            .strip_prefix("failed to lookup address information: ")
            .unwrap_or(innermost);
        let host = url.host_str().unwrap_or("?");
        return ProbeError::new(ErrorKind::Dns, format!("cannot resolve {host}: {why}"));
    }
    if is_tls_text(&lower) {
        return ProbeError::new(ErrorKind::Tls, tls_detail(&texts, &at));
    }
    if e.is_timeout() {
        return ProbeError::new(ErrorKind::Timeout, format!("timed out ({at})"));
    }
    if lower.contains("connection closed before message completed")
        || lower.contains("incomplete message")
    {
        return ProbeError::new(
            ErrorKind::Connect,
            format!("{at} closed the connection without answering"),
        );
    }
    if lower.contains("invalid http") || lower.contains("parse") {
        return ProbeError::new(
            ErrorKind::Connect,
            format!("{at} did not answer HTTP: {innermost}"),
        );
    }
    ProbeError::new(ErrorKind::Connect, format!("{innermost} ({at})"))
}

/// Sorts an error while reading the body.
fn classify_body(e: &reqwest::Error, read: usize) -> ProbeError {
    let texts = source_texts(e);
    let innermost = texts.last().map_or("", String::as_str);
    ProbeError::new(
        ErrorKind::Body,
        format!("body cut off after {}: {innermost}", fmt_bytes(read as u64)),
    )
}

fn is_tls_text(lower: &str) -> bool {
    [
        "certificate",
        "tls",
        "handshake",
        "received corrupt message",
        "peer is incompatible",
        "peer misbehaved",
        "received fatal alert",
        "alert",
    ]
    .iter()
    .any(|w| lower.contains(w))
}

fn tls_detail(texts: &[String], at: &str) -> String {
    for t in texts.iter().rev() {
        if let Some(rest) = t.strip_prefix("invalid peer certificate: ") {
            return if rest.starts_with("certificate ") {
                // e.g. `certificate not valid for name …`, `certificate expired: …`
                format!("{rest} ({at})")
            } else if rest.starts_with("UnknownIssuer") || rest.starts_with("BadSignature") {
                format!("certificate not trusted: {rest} ({at})")
            } else {
                format!("certificate rejected: {rest} ({at})")
            };
        }
        if t.contains("received corrupt message") {
            return format!("not a TLS server (plain HTTP?): {t} ({at})");
        }
    }
    let innermost = texts.last().map_or("", String::as_str);
    format!("handshake failed: {innermost} ({at})")
}

/// The kind of the innermost `std::io::Error` in `e`'s source chain.
fn io_kind(e: &reqwest::Error) -> Option<std::io::ErrorKind> {
    let mut found = None;
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            found = Some(io.kind());
        }
        src = s.source();
    }
    found
}

/// The `Display` of each of `e`'s sources (of `e` itself, without its URL, when it has none),
/// duplicates and empty ones left out. The URL is left out so a path like `/tls` cannot
/// mislead [`classify`].
fn source_texts(e: &reqwest::Error) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    if src.is_none() {
        return vec![e.to_string()];
    }
    while let Some(s) = src {
        let t = s.to_string();
        if !t.is_empty() && out.last() != Some(&t) {
            out.push(t);
        }
        src = s.source();
    }
    out
}

/// `e` and its sources joined with `: `.
fn chain_text(e: &reqwest::Error) -> String {
    source_texts(e).join(": ")
}

/// `10s`, `1.5s`, `250ms`.
#[must_use]
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        let s = format!("{:.1}", d.as_secs_f64());
        format!("{}s", s.trim_end_matches(".0"))
    }
}

/// `512 B`, `1 KiB`, `1.5 MiB`, `50 MiB`.
#[must_use]
pub fn fmt_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["KiB", "MiB", "GiB", "TiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    let s = format!("{v:.1}");
    format!("{} {}", s.trim_end_matches(".0"), UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_durations_read_well() {
        assert_eq!(fmt_bytes(0), "0 B");
        assert_eq!(fmt_bytes(1023), "1023 B");
        assert_eq!(fmt_bytes(1024), "1 KiB");
        assert_eq!(fmt_bytes(1536), "1.5 KiB");
        assert_eq!(fmt_bytes(1024 * 1024), "1 MiB");
        assert_eq!(fmt_bytes(50 * 1024 * 1024), "50 MiB");
        assert_eq!(fmt_duration(Duration::from_secs(10)), "10s");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250ms");
    }

    #[test]
    fn redirects_change_the_method_like_browsers() {
        assert_eq!(method_after(&Method::POST, 303), Method::GET);
        assert_eq!(method_after(&Method::HEAD, 303), Method::HEAD);
        assert_eq!(method_after(&Method::POST, 302), Method::GET);
        assert_eq!(method_after(&Method::POST, 301), Method::GET);
        assert_eq!(method_after(&Method::PUT, 302), Method::PUT);
        assert_eq!(method_after(&Method::POST, 307), Method::POST);
        assert_eq!(method_after(&Method::POST, 308), Method::POST);
    }

    #[test]
    fn variables_expand_and_missing_ones_name_header_and_variable() {
        let env = |k: &str| match k {
            "TOKEN" => Some("s3cr3t".to_string()),
            "EMPTY" => Some(String::new()),
            _ => None,
        };
        assert_eq!(
            expand_vars("Authorization", "Bearer ${TOKEN}", &env).unwrap(),
            "Bearer s3cr3t"
        );
        assert_eq!(
            expand_vars("X", "a$b ${TOKEN}${TOKEN}", &env).unwrap(),
            "a$b s3cr3ts3cr3t"
        );
        let e = expand_vars("Authorization", "Bearer ${NOPE}", &env).unwrap_err();
        assert_eq!(
            e,
            "header Authorization needs environment variable NOPE, which is not set"
        );
        assert!(
            expand_vars("X", "${EMPTY}", &env)
                .unwrap_err()
                .contains("EMPTY")
        );
        assert!(
            expand_vars("X", "${TOKEN", &env)
                .unwrap_err()
                .contains("closing")
        );
        assert!(
            expand_vars("X", "${1X}", &env)
                .unwrap_err()
                .contains("environment variable")
        );
    }

    #[test]
    fn methods_and_urls_are_checked() {
        assert_eq!(parse_method(None).unwrap(), Method::GET);
        assert_eq!(parse_method(Some("post")).unwrap(), Method::POST);
        assert!(
            parse_method(Some("GTE"))
                .unwrap_err()
                .contains("not one of GET")
        );
        assert!(
            parse_url("url", "ftp://x/")
                .unwrap_err()
                .contains("not http or https")
        );
        assert!(parse_url("url", "/health").is_err());
        assert!(parse_url("url", "http://127.0.0.1:8080/health").is_ok());
    }

    #[test]
    fn debug_never_shows_header_values() {
        let mut req = Request::get("http://127.0.0.1/").unwrap();
        let mut v = HeaderValue::from_static("Bearer s3cr3t");
        v.set_sensitive(true);
        req.headers.insert(reqwest::header::AUTHORIZATION, v);
        let shown = format!("{req:?}");
        assert!(shown.contains("authorization"), "{shown}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
    }
}
