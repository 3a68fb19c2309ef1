//! `command = "…"` checks: a shell command whose exit status passes or fails the check and
//! whose standard output's last number is the value.
//!
//! The command runs as `sh -c COMMAND` in the plan's directory, with standard input from
//! `/dev/null`, in a process group of its own so that everything it starts can be stopped
//! together:
//!
//! - at the deadline the whole group gets `SIGKILL` and the shell is reaped
//!   ([`ErrorKind::Timeout`]);
//! - when the shell exits, whatever it left running in its group is killed too (a check must
//!   not leave processes behind, and they would keep the output pipes open);
//! - when a probe is dropped before it finishes (the room stops, the check is cancelled), the
//!   group is killed as well and the shell is reaped by tokio.
//!
//! Output is read up to `max_output` bytes per stream. A command that writes more is killed
//! (group and all) and the probe fails with [`ErrorKind::Body`], like an HTTP body over
//! `max_body`: reading on and discarding would let a runaway command burn CPU until the
//! deadline, and stopping without killing would block it on a full pipe.
//!
//! Commands come from plan files, so they run only when [`plan_is_safe`] says the plan cannot
//! be changed by other users (DESIGN.md §9).

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::Command;

use crate::poll::http::{fmt_bytes, fmt_duration};
use crate::poll::outcome::{ErrorKind, Observation, Outcome, ProbeError};

/// Characters of the last output line kept in an error's detail.
const DETAIL_CHARS: usize = 120;

/// How long to wait for a killed shell to be reaped before leaving it to tokio.
const REAP_GRACE: Duration = Duration::from_secs(1);

/// `sh -c command` in `dir`: no stdin, stdout and stderr piped, in a process group of its own
/// (so the whole group can be killed), killed if dropped. Shared by check commands and the
/// step commands operators run (`exec`).
#[must_use]
pub fn shell(command: &str, dir: &Path) -> Command {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg(command)
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    cmd
}

/// Runs `sh -c command` in `dir` with a total `deadline`, reading at most `max_output` bytes
/// of standard output and of standard error each.
///
/// Exit 0 passes: the observation has `exit: Some(0)`, `body` (standard output, invalid
/// UTF-8 replaced), `value` (the last whitespace-separated token of standard output that is
/// a finite number, a trailing `%` allowed: `p95 123.5 ms` → 123.5, `7.5%` → 7.5) and
/// `latency_ms` (the run time).
///
/// Errors: [`ErrorKind::Command`] for a shell that cannot start, a non-zero exit
/// (`exit 3: <last line of standard error, else of standard output>`) or a death by signal
/// (`killed by SIGTERM`); [`ErrorKind::Timeout`] at the deadline; [`ErrorKind::Body`] when a
/// stream exceeds `max_output`. Details are sanitised.
pub async fn probe(command: &str, dir: &Path, deadline: Duration, max_output: u64) -> Outcome {
    let start = Instant::now();
    let mut child = shell(command, dir).spawn().map_err(|e| {
        ProbeError::new(
            ErrorKind::Command,
            format!("cannot start sh in {}: {e}", dir.display()),
        )
    })?;
    let Some(pid) = child.id() else {
        // Only possible once the child was reaped, which nothing has done yet.
        return Err(ProbeError::new(
            ErrorKind::Command,
            "shell vanished at start",
        ));
    };
    // The shell leads its own group (`process_group(0)`), so its pid is the group's id.
    let group = Group {
        pgid: Pid::from_raw(pid as i32),
        armed: AtomicBool::new(true),
    };
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();

    let run = async {
        let wait = async {
            let status = child.wait().await;
            group.kill();
            status
        };
        tokio::join!(
            wait,
            read_capped(stdout, max_output, &group),
            read_capped(stderr, max_output, &group)
        )
    };
    let finished = tokio::time::timeout(deadline, run).await;
    let latency_ms = start.elapsed().as_secs_f64() * 1000.0;
    let Ok((status, out, err)) = finished else {
        group.kill();
        let _ = tokio::time::timeout(REAP_GRACE, child.wait()).await;
        group.disarm();
        return Err(ProbeError::new(
            ErrorKind::Timeout,
            format!("deadline {} passed; command killed", fmt_duration(deadline)),
        ));
    };
    group.disarm();

    let status = status.map_err(|e| {
        ProbeError::new(
            ErrorKind::Command,
            format!("cannot wait for the command: {e}"),
        )
    })?;
    let (out, out_over) = out;
    let (err, err_over) = err;
    if out_over || err_over {
        let which = if out_over {
            "standard output"
        } else {
            "standard error"
        };
        return Err(ProbeError::new(
            ErrorKind::Body,
            format!("{which} over {}; command killed", fmt_bytes(max_output)),
        ));
    }
    let stdout = String::from_utf8_lossy(&out).into_owned();
    if status.success() {
        return Ok(Observation {
            latency_ms,
            exit: Some(0),
            value: last_number(&stdout),
            body: Some(stdout),
            ..Observation::default()
        });
    }
    let stderr = String::from_utf8_lossy(&err);
    Err(ProbeError::new(
        ErrorKind::Command,
        failure_detail(status, &stderr, &stdout),
    ))
}

/// The command's process group; killed on drop unless disarmed (probe finished normally).
struct Group {
    pgid: Pid,
    armed: AtomicBool,
}

impl Group {
    /// `SIGKILL` to every process of the group. A group already gone (`ESRCH`) is fine.
    fn kill(&self) {
        let _ = killpg(self.pgid, Signal::SIGKILL);
    }

    /// The group was killed and the shell reaped: nothing left for drop to do.
    fn disarm(&self) {
        self.armed.store(false, Ordering::Relaxed);
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if self.armed.load(Ordering::Relaxed) {
            self.kill();
        }
    }
}

/// Reads `r` to its end or to `max` bytes; over `max`, kills the group and returns the
/// first `max` bytes with `true`. A read error ends the stream (what was read is kept).
async fn read_capped<R: AsyncRead + Unpin>(
    r: Option<R>,
    max: u64,
    group: &Group,
) -> (Vec<u8>, bool) {
    let Some(r) = r else {
        return (Vec::new(), false);
    };
    let mut buf = Vec::new();
    let _ = r.take(max.saturating_add(1)).read_to_end(&mut buf).await;
    if buf.len() as u64 > max {
        group.kill();
        buf.truncate(usize::try_from(max).unwrap_or(usize::MAX));
        return (buf, true);
    }
    (buf, false)
}

/// `exit 3: <last line>` or `killed by SIGTERM: <last line>`; the line is the last non-blank
/// one of standard error, else of standard output, sanitised and cut to [`DETAIL_CHARS`].
fn failure_detail(status: ExitStatus, stderr: &str, stdout: &str) -> String {
    let head = match (status.code(), status.signal()) {
        (Some(code), _) => format!("exit {code}"),
        (None, Some(sig)) => match Signal::try_from(sig) {
            Ok(s) => format!("killed by {}", s.as_str()),
            Err(_) => format!("killed by signal {sig}"),
        },
        (None, None) => "ended abnormally".to_string(),
    };
    match last_line(stderr).or_else(|| last_line(stdout)) {
        Some(line) => format!("{head}: {line}"),
        None => head,
    }
}

/// The last line with something visible in it, sanitised, at most [`DETAIL_CHARS`] chars.
fn last_line(text: &str) -> Option<String> {
    let line = text
        .lines()
        .map(|l| crate::text::sanitize(l).trim().to_string())
        .rfind(|l| !l.is_empty())?;
    if line.chars().count() <= DETAIL_CHARS {
        return Some(line);
    }
    let mut cut: String = line.chars().take(DETAIL_CHARS - 1).collect();
    cut.push('…');
    Some(cut)
}

/// The last whitespace-separated token that is a finite number (a trailing `%` allowed).
fn last_number(text: &str) -> Option<f64> {
    text.split_whitespace()
        .rev()
        .filter_map(|t| t.strip_suffix('%').unwrap_or(t).parse::<f64>().ok())
        .find(|v| v.is_finite())
}

/// Whether commands from `plan_file` may run: the file and its directory (symlinks resolved)
/// must not be writable by group or others and must be owned by the current user or root
/// ([`crate::journal::trust`] with `Sharing::Private`, on the opened files).
///
/// Errors: a message naming the offending path and the fix, e.g.
/// `/srv/plans/launch.toml is writable by group or others, so commands from it will not run:
/// chmod go-w /srv/plans/launch.toml`.
pub fn plan_is_safe(plan_file: &Path) -> Result<(), String> {
    use crate::journal::trust::{self, Hazard, Me, Sharing};
    let file = std::fs::canonicalize(plan_file)
        .map_err(|e| format!("cannot resolve {}: {e}", plan_file.display()))?;
    let dir = file
        .parent()
        .ok_or_else(|| format!("{} has no directory", file.display()))?;
    let me = Me::current();
    for path in [file.as_path(), dir] {
        // Judged on the open descriptor (fstat), the same rules as journals but with no
        // trusted group (`Sharing::Private`).
        let meta = std::fs::File::open(path)
            .and_then(|f| f.metadata())
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        match trust::judge(&meta, &me, Sharing::Private) {
            None => {}
            Some(Hazard::WorldWritable { mode } | Hazard::GroupWritable { mode, .. }) => {
                return Err(format!(
                    "{p} is writable by group or others ({mode:o}), so commands from this plan \
                     will not run: chmod go-w {p}",
                    p = path.display(),
                ));
            }
            Some(Hazard::Owner { uid, .. }) => {
                return Err(format!(
                    "{p} is owned by uid {uid}, not by you (uid {me}) or root, so commands from \
                     this plan will not run: chown {me} {p}, or run warroom as its owner",
                    p = path.display(),
                    me = me.uid,
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    #[test]
    fn the_value_is_the_last_number_on_stdout() {
        let cases = [
            ("42\n", Some(42.0)),
            ("p95 latency 123.5 ms\n", Some(123.5)),
            ("error rate 7.5%\n", Some(7.5)),
            ("1 2 3", Some(3.0)),
            ("-0.25e2 done", Some(-25.0)),
            ("queue: 12\nok\n", Some(12.0)),
            ("nan inf", None),
            ("no numbers here", None),
            ("", None),
        ];
        for (out, want) in cases {
            assert_eq!(last_number(out), want, "{out:?}");
        }
    }

    #[test]
    fn the_detail_line_is_the_last_visible_one_and_short() {
        assert_eq!(last_line("a\nb\n\n  \n"), Some("b".to_string()));
        assert_eq!(last_line("\n \n"), None);
        assert_eq!(
            last_line("\u{1b}[31mred\u{1b}[0m"),
            Some("[31mred[0m".to_string())
        );
        let long = "x".repeat(500);
        let cut = last_line(&long).unwrap();
        assert_eq!(cut.chars().count(), DETAIL_CHARS);
        assert!(cut.ends_with('…'));
    }

    #[test]
    fn failure_detail_prefers_stderr() {
        let exit3 = ExitStatus::from_raw(3 << 8);
        assert_eq!(failure_detail(exit3, "bad\n", "out\n"), "exit 3: bad");
        assert_eq!(failure_detail(exit3, "", "out\n"), "exit 3: out");
        assert_eq!(failure_detail(exit3, "", ""), "exit 3");
        let term = ExitStatus::from_raw(15);
        assert_eq!(failure_detail(term, "", ""), "killed by SIGTERM");
    }

    #[test]
    fn plans_others_can_write_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("plans");
        std::fs::create_dir(&dir).unwrap();
        let plan = dir.join("launch.toml");
        std::fs::write(&plan, "").unwrap();
        let chmod = |p: &Path, mode| {
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        };

        chmod(&dir, 0o755);
        chmod(&plan, 0o644);
        assert_eq!(plan_is_safe(&plan), Ok(()));

        chmod(&plan, 0o666);
        let err = plan_is_safe(&plan).unwrap_err();
        assert!(
            err.contains(&format!(
                "chmod go-w {}",
                plan.canonicalize().unwrap().display()
            )),
            "{err}"
        );

        chmod(&plan, 0o644);
        chmod(&dir, 0o777);
        let err = plan_is_safe(&plan).unwrap_err();
        assert!(
            err.contains(&format!(
                "chmod go-w {}",
                dir.canonicalize().unwrap().display()
            )),
            "{err}"
        );

        chmod(&dir, 0o775);
        assert!(plan_is_safe(&plan).is_err(), "group-writable directory");
        chmod(&dir, 0o755);

        // A symlink is judged by what it points to.
        let link = tmp.path().join("link.toml");
        std::os::unix::fs::symlink(&plan, &link).unwrap();
        assert_eq!(plan_is_safe(&link), Ok(()));
        chmod(&plan, 0o620);
        assert!(plan_is_safe(&link).unwrap_err().contains("launch.toml"));

        chmod(&plan, 0o644);

        assert!(
            plan_is_safe(&dir.join("missing.toml"))
                .unwrap_err()
                .contains("cannot resolve")
        );

        // Owned by someone else (only root can arrange that here).
        if nix::unistd::geteuid().is_root() {
            std::os::unix::fs::chown(&plan, Some(12345), None).unwrap();
            let err = plan_is_safe(&plan).unwrap_err();
            assert!(err.contains("owned by uid 12345"), "{err}");
        }
    }
}
