//! Processes of a process group, read from /proc: a command's whole group must be gone after
//! a timeout or cancel.

use std::path::Path;
use std::time::{Duration, Instant};

/// Waits (≤ 2 s) until no live (non-zombie) process is left in the process group whose id
/// the command wrote to `pgid_file` (zombies count as gone: PID 1 may not reap orphans).
pub async fn assert_group_gone(pgid_file: &Path) {
    let pgid: i32 = std::fs::read_to_string(pgid_file)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let live = live_members(pgid);
        if live.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "process group {pgid} still has live processes: {live:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// (pid, state, command) of every process in process group `group` that is not a zombie.
pub fn live_members(group: i32) -> Vec<(i32, String, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        // pid (comm) state ppid pgrp ...; comm may contain spaces and parentheses.
        let Some((head, rest)) = stat.rsplit_once(')') else {
            continue;
        };
        let comm = head.split_once('(').map_or("", |(_, c)| c).to_string();
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(pgrp)) = (fields.first(), fields.get(2)) else {
            continue;
        };
        if pgrp.parse::<i32>() == Ok(group) && *state != "Z" && *state != "X" {
            found.push((pid, (*state).to_string(), comm));
        }
    }
    found
}
