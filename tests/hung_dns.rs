//! A resolver that never answers: a decision's probe of a check on a host name ends at the
//! check's deadline, and the verb ends right after it — not when the stuck lookup gives up
//! (30 s per attempt here). The verb runs in a mount namespace of its own (`unshare -m`, as
//! root) whose /etc/resolv.conf names a local UDP socket that reads queries and never replies.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::net::UdpSocket;
use std::time::{Duration, Instant};

/// A UDP socket on port 53 of some 127.x address that swallows every query.
fn black_hole() -> String {
    for last in 2..=250u8 {
        let addr = format!("127.0.0.{last}");
        if let Ok(sock) = UdpSocket::bind((addr.as_str(), 53)) {
            std::thread::spawn(move || {
                let mut buf = [0u8; 2048];
                while sock.recv_from(&mut buf).is_ok() {}
            });
            return addr;
        }
    }
    panic!("no 127.0.0.x:53 free for the silent resolver");
}

#[test]
fn a_hung_resolver_holds_a_decision_no_longer_than_the_checks_deadline() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "this test needs root (unshare -m and mount --bind, as in CI)"
    );
    let dir = tempfile::tempdir().unwrap();
    let resolv = dir.path().join("resolv.conf");
    std::fs::write(
        &resolv,
        format!(
            "nameserver {}\noptions timeout:30 attempts:2\n",
            black_hole()
        ),
    )
    .unwrap();
    let plan = dir.path().join("dns.toml");
    std::fs::write(
        &plan,
        "title = \"DNS\"\n[[phase]]\nid = \"deploy\"\ntitle = \"Deploy\"\n  [[phase.task]]\n  \
         text = \"Ship\"\n[[gate]]\nid = \"go\"\ntitle = \"Go\"\nphase = \"deploy\"\n[[check]]\n\
         name = \"api\"\nurl = \"http://hung.example.com/health\"\ntimeout = \"1s\"\n",
    )
    .unwrap();
    let (k, v) = common::state::env();
    let started = Instant::now();
    let out = std::process::Command::new("unshare")
        .args([
            "-m",
            "sh",
            "-c",
            "mount --bind \"$0\" /etc/resolv.conf && exec \"$@\"",
        ])
        .arg(&resolv)
        .arg(env!("CARGO_BIN_EXE_warroom"))
        .args(["decide"])
        .arg(&plan)
        .args(["go", "go"])
        .env(k, v)
        .output()
        .unwrap();
    let took = started.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}{stderr}");
    // The probe's deadline is 1 s; the stuck lookup would hold the verb for 60 s.
    assert!(
        took < Duration::from_secs(8),
        "took {took:?}: {stdout}{stderr}"
    );
    assert!(stdout.contains("GO at Go"), "{stdout}");
    assert!(
        stdout.contains("api down"),
        "judged by its deadline: {stdout}"
    );
}
