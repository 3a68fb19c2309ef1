//! End to end through real pseudo-terminals: two viewers of the same plan; a tick in one
//! appears on the other's screen.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

struct Viewer {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Viewer {
    fn open(args: &[&str], cols: u16, rows: u16) -> Viewer {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_warroom"));
        cmd.args(args);
        cmd.env("TERM", "xterm-256color");
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(
            rows.try_into().unwrap(),
            cols.try_into().unwrap(),
            0,
        )));
        let sink = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _master = pty.master; // keep the pty open while reading
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().process(&buf[..n]);
            }
        });
        Viewer {
            screen,
            writer,
            child,
        }
    }

    fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    fn wait_for(&self, what: &str, timeout: Duration) {
        let start = Instant::now();
        while start.elapsed() < timeout {
            if self.contents().contains(what) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("'{what}' never appeared; screen:\n{}", self.contents());
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }
}

impl Drop for Viewer {
    fn drop(&mut self) {
        let _ = self.child.kill();
    }
}

#[test]
fn a_tick_in_one_viewer_appears_in_the_other() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("launch.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/launch.md"),
        &plan,
    )
    .unwrap();
    let plan = plan.to_str().unwrap();

    let mut lead = Viewer::open(&["open", plan], 120, 40);
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    let mut follower = Viewer::open(&["open", plan, "--follow"], 80, 24);
    follower.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    assert!(
        follower.contents().contains("FOLLOWER"),
        "a read-only viewer says so"
    );

    // Space ticks the focused task at once: the room opens on the first phase's checklist.
    lead.send(" ");
    lead.wait_for("[x] Deploy the API", Duration::from_secs(5));
    follower.wait_for("[x] Deploy the API", Duration::from_secs(5));

    // A follower's keys never write: it says why instead.
    follower.send(" ");
    follower.wait_for("follower (--follow)", Duration::from_secs(5));

    // The CLI is a third writer; both screens follow it.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_warroom"))
        .args(["hold", plan, "--reason", "waiting for DNS"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    lead.wait_for("HOLD", Duration::from_secs(5));
    follower.wait_for("HOLD", Duration::from_secs(5));

    lead.send("q");
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if lead.child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("q did not leave the room");
}
