//! `tcp = "host:port"` checks: the address must resolve and accept a TCP connection.
//!
//! Resolution and connection share one deadline. The connection is closed as soon as it is
//! made; nothing is sent. The latency is the whole probe (resolution included), in ms.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::poll::http::fmt_duration;
use crate::poll::outcome::{ErrorKind, Observation, Outcome, ProbeError};

/// Resolves `addr` (`host:port`, `[v6]:port` or `ip:port`) and connects to it, all within
/// `deadline`. Every resolved address is tried in turn until one accepts.
///
/// Errors: [`ErrorKind::Dns`] (the name does not resolve), [`ErrorKind::Connect`] (refused,
/// unreachable; names the address), [`ErrorKind::Timeout`] (the deadline passed, naming the
/// step it passed in).
pub async fn probe(addr: &str, deadline: Duration) -> Outcome {
    let start = Instant::now();
    let Ok(resolved) = timeout(deadline, tokio::net::lookup_host(addr)).await else {
        return Err(ProbeError::new(
            ErrorKind::Timeout,
            format!(
                "deadline {} passed resolving {addr}",
                fmt_duration(deadline)
            ),
        ));
    };
    let addrs: Vec<SocketAddr> = resolved
        .map_err(|e| ProbeError::new(ErrorKind::Dns, format!("cannot resolve {addr}: {e}")))?
        .collect();
    if addrs.is_empty() {
        return Err(ProbeError::new(
            ErrorKind::Dns,
            format!("{addr} resolves to no address"),
        ));
    }
    let remaining = deadline.saturating_sub(start.elapsed());
    match timeout(remaining, connect_any(&addrs)).await {
        Ok(Ok(())) => Ok(Observation {
            latency_ms: start.elapsed().as_secs_f64() * 1000.0,
            ..Observation::default()
        }),
        Ok(Err(e)) => Err(e),
        Err(_) => Err(ProbeError::new(
            ErrorKind::Timeout,
            format!(
                "deadline {} passed connecting to {addr}",
                fmt_duration(deadline)
            ),
        )),
    }
}

/// Connects to each address in turn; the first that accepts wins (and is closed at once).
async fn connect_any(addrs: &[SocketAddr]) -> Result<(), ProbeError> {
    let mut last = None;
    for a in addrs {
        match TcpStream::connect(a).await {
            Ok(_stream) => return Ok(()),
            Err(e) => last = Some(format!("{a}: {e}")),
        }
    }
    Err(ProbeError::new(
        ErrorKind::Connect,
        last.unwrap_or_else(|| "no address to connect to".to_string()),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_address_without_port_is_a_dns_error() {
        let err = probe("localhost", Duration::from_secs(2))
            .await
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Dns, "{err}");
        assert!(err.detail.contains("localhost"), "{err}");
    }
}
