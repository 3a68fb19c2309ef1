//! The journal across hosts, measured (issue 11; DESIGN.md §8): the file backend and the
//! PostgreSQL backend through the same [`Journal`] interface, in real processes.
//!
//! - append latency p50/p99 and appends per second, from 1 writer and from 8 at once;
//! - event to another viewer: 10 follower processes, the time from the start of an append (the
//!   moment someone acts) to each follower having read the event, p50/p99;
//! - replay of a 100,000-event room (budget ≤ 1 s, ≤ 64 MiB) in a fresh process: time and
//!   peak resident memory;
//! - an idle follower for a minute: CPU of its journal machinery (woken by `NOTIFY` or inotify,
//!   the 5 s backstop read) and bytes through its sockets (`/proc/PID/io`, read + written), and
//!   the CPU of a real `warroom open --follow` room on it (`benches/terminal_output.py`).
//!
//! Run by hand, never in CI: `cargo bench --bench journal` (`-- --quick` for a shorter run,
//! `-- --replay-only` for the replay row alone, three times).
//! It starts its own PostgreSQL as the tests do (`initdb` in a temporary directory, a Unix
//! socket only, as `nobody` when run as root), with `fsync` on like a real server; the file
//! journal lives in a temporary directory on the same disk. Prints a Markdown table.
//!
//! The benchmark re-runs itself as its child processes (`WARROOM_BENCH_ROLE`).

#[path = "support/big_journal.rs"]
mod big_journal;
#[allow(dead_code)]
#[path = "../tests/common/postgres.rs"]
mod postgres;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use chrono::Utc;
use warroom::journal::event::EventKind;
use warroom::journal::{Draft, Journal, follow};

const ROLE: &str = "WARROOM_BENCH_ROLE";
const URL: &str = "WARROOM_BENCH_URL";
const COUNT: &str = "WARROOM_BENCH_COUNT";
/// The note that tells followers to stop.
const STOP: &str = "bench-stop";

fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        child(&role);
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        // `cargo test --benches` runs bench targets without `--bench`: nothing to check here.
        println!("benches/journal.rs: run with `cargo bench --bench journal`");
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let sizes = Sizes::new(quick);
    let pg = postgres::Pg::start_with(true);
    let dir = tempfile::tempdir().expect("temporary directory");
    let backends = [
        ("file", Backend::File(dir.path().to_path_buf())),
        ("PostgreSQL", Backend::Pg(&pg)),
    ];
    if args.iter().any(|a| a == "--replay-only") {
        // The replay row alone, three times over (it is the one with a budget).
        for _ in 0..3 {
            for (name, backend) in &backends {
                let (ms, kb) = replay(backend, dir.path(), sizes.replay_events);
                println!("{name}: replay {ms:.0} ms, {:.1} MiB", kb as f64 / 1024.0);
            }
        }
        return;
    }
    let mut rows: Vec<(&str, Vec<String>)> = Vec::new();
    let mut idle_rooms = Vec::new();
    for (name, backend) in &backends {
        eprintln!("== {name}");
        let mut col = Vec::new();
        let (lat, rate) = appends(backend, "one", 1, sizes.single);
        col.push(format!("{} / {}", ms(lat.p(50)), ms(lat.p(99))));
        col.push(format!("{rate:.0}"));
        let (lat, rate) = appends(backend, "eight", 8, sizes.each);
        col.push(format!("{} / {}", ms(lat.p(50)), ms(lat.p(99))));
        col.push(format!("{rate:.0}"));
        let seen = followers(backend, 10, sizes.follow_events);
        col.push(format!("{} / {}", ms(seen.p(50)), ms(seen.p(99))));
        let (replay_ms, rss_kb) = replay(backend, dir.path(), sizes.replay_events);
        col.push(format!(
            "{replay_ms:.0} ms, {:.1} MiB",
            rss_kb as f64 / 1024.0
        ));
        rows.push((name, col));
        idle_rooms.push(backend.url("idle"));
    }
    // Idle: both backends at once (idle processes hardly disturb each other).
    eprintln!("== idle followers, {} s", sizes.idle_s);
    let idle: Vec<Idle> = idle_rooms
        .iter()
        .map(|url| Idle::start(url, sizes.idle_s, dir.path()))
        .collect();
    let idle: Vec<(String, String)> = idle.into_iter().map(Idle::finish).collect();
    for ((_, col), (cpu, room)) in rows.iter_mut().zip(idle) {
        col.push(cpu);
        col.push(room);
    }
    println!();
    let labels = [
        "append p50 / p99, 1 writer",
        "appends/s, 1 writer",
        "append p50 / p99, 8 writers at once",
        "appends/s, 8 writers",
        "event → 10 other viewers p50 / p99",
        &format!(
            "replay {} events (new process), peak RSS",
            sizes.replay_events
        ),
        "idle follower (journal only): CPU, bytes/min on the wire",
        "idle `warroom open --follow` room: CPU, bytes/s to the terminal",
    ];
    println!("| what | {} | {} |", rows[0].0, rows[1].0);
    println!("| --- | ---: | ---: |");
    for (i, label) in labels.iter().enumerate() {
        println!("| {label} | {} | {} |", rows[0].1[i], rows[1].1[i]);
    }
}

/// How much to do.
struct Sizes {
    single: u64,
    each: u64,
    follow_events: u64,
    replay_events: u64,
    idle_s: u64,
}

impl Sizes {
    fn new(quick: bool) -> Sizes {
        if quick {
            Sizes {
                single: 200,
                each: 100,
                follow_events: 50,
                replay_events: 100_000,
                idle_s: 15,
            }
        } else {
            Sizes {
                single: 2000,
                each: 500,
                follow_events: 200,
                replay_events: 100_000,
                idle_s: 60,
            }
        }
    }
}

/// Where rooms live.
enum Backend<'a> {
    /// File journals in this directory.
    File(PathBuf),
    /// Rooms in this server's `postgres` database.
    Pg(&'a postgres::Pg),
}

impl Backend<'_> {
    /// A fresh room's location.
    fn url(&self, room: &str) -> String {
        match self {
            Backend::File(dir) => dir.join(format!("{room}.jsonl")).display().to_string(),
            Backend::Pg(pg) => {
                let url = pg.url(postgres::SUPERUSER, room);
                Journal::open(Path::new(&url))
                    .and_then(|j| j.init_schema())
                    .expect("create the schema");
                url
            }
        }
    }
}

/// Microseconds, sorted.
struct Samples(Vec<u64>);

impl Samples {
    fn new(mut v: Vec<u64>) -> Samples {
        assert!(!v.is_empty(), "no samples");
        v.sort_unstable();
        Samples(v)
    }

    /// The `q`th percentile, in microseconds.
    fn p(&self, q: usize) -> u64 {
        let i = (self.0.len() * q).div_ceil(100).saturating_sub(1);
        self.0[i.min(self.0.len() - 1)]
    }
}

fn ms(us: u64) -> String {
    format!("{:.1} ms", us as f64 / 1000.0)
}

fn spawn(role: &str, url: &str, count: u64) -> Child {
    Command::new(std::env::current_exe().expect("own path"))
        .env(ROLE, role)
        .env(URL, url)
        .env(COUNT, count.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn a bench child")
}

/// The lines a child prints that start with `tag `, on a thread, as they come.
fn lines(child: &mut Child, tag: &'static str) -> mpsc::Receiver<String> {
    let out = child.stdout.take().expect("child stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            if let Some(rest) = line.strip_prefix(tag)
                && tx.send(rest.trim().to_string()).is_err()
            {
                return;
            }
        }
    });
    rx
}

/// `writers` processes append `each` notes at once (released together); every append's
/// latency, and appends per second over the whole run.
fn appends(backend: &Backend, room: &str, writers: usize, each: u64) -> (Samples, f64) {
    let url = backend.url(room);
    let mut children: Vec<Child> = (0..writers).map(|_| spawn("writer", &url, each)).collect();
    let ready: Vec<_> = children.iter_mut().map(|c| lines(c, "READY")).collect();
    // Each child prints READY once connected (first append done), so connecting is not timed.
    let mut rxs = Vec::new();
    for (c, r) in children.iter_mut().zip(&ready) {
        r.recv().expect("writer ready");
        rxs.push(c.stdin.take().expect("stdin"));
    }
    let start = Instant::now();
    for mut stdin in rxs {
        let _ = writeln!(stdin, "go");
    }
    let mut lat = Vec::new();
    for (mut c, r) in children.into_iter().zip(ready) {
        assert!(c.wait().expect("wait").success(), "a writer failed");
        lat.extend(r.iter().filter_map(|l| l.parse::<u64>().ok()));
    }
    let secs = start.elapsed().as_secs_f64();
    let n = lat.len() as f64;
    (Samples::new(lat), n / secs)
}

/// 10 follower processes on a room; one writer appends `events` notes 20 ms apart; the time
/// from each append's start to each follower's read.
fn followers(backend: &Backend, n: usize, events: u64) -> Samples {
    let url = backend.url("follow");
    let mut children: Vec<Child> = (0..n).map(|_| spawn("follower", &url, 0)).collect();
    let seen: Vec<_> = children.iter_mut().map(|c| lines(c, "SEEN")).collect();
    // Followers print SEEN 0 once they have caught up and listen.
    for r in &seen {
        r.recv().expect("follower ready");
    }
    let j = Journal::open(Path::new(&url)).expect("open");
    for _ in 0..events {
        let sent = unix_us();
        j.append(note(format!("t={sent}")), None).expect("append");
        std::thread::sleep(Duration::from_millis(20));
    }
    j.append(note(STOP.into()), None).expect("append");
    let mut lat = Vec::new();
    for (mut c, r) in children.into_iter().zip(seen) {
        assert!(c.wait().expect("wait").success(), "a follower failed");
        let got: Vec<u64> = r.iter().filter_map(|l| l.parse().ok()).collect();
        assert_eq!(got.len() as u64, events, "a follower missed events");
        lat.extend(got);
    }
    Samples::new(lat)
}

/// A room of `events` events (written as a file, imported into the database for that
/// backend), replayed by 5 fresh processes: median time (ms) and the largest peak RSS (KiB).
fn replay(backend: &Backend, dir: &Path, events: u64) -> (f64, u64) {
    let tag = rand_tag();
    let file = dir.join(format!("big-{tag}.jsonl"));
    big_journal(&file, events);
    let url = match backend {
        Backend::File(_) => file.display().to_string(),
        Backend::Pg(_) => {
            let url = backend.url(&format!("big-{tag}"));
            let moved = Journal::open(Path::new(&url))
                .and_then(|j| j.import(&file))
                .expect("import the big room");
            assert_eq!(moved.events, events);
            url
        }
    };
    let mut times = Vec::new();
    let mut rss = 0;
    for _ in 0..5 {
        let mut c = spawn("replay", &url, events);
        let r = lines(&mut c, "REPLAY");
        assert!(c.wait().expect("wait").success(), "replay failed");
        let line = r.recv().expect("replay figures");
        let (t, kb) = line.split_once(' ').expect("two figures");
        times.push(t.parse::<f64>().expect("ms"));
        rss = rss.max(kb.parse::<u64>().expect("kB"));
    }
    times.sort_by(f64::total_cmp);
    (times[times.len() / 2], rss)
}

/// An idle follower process and an idle room on one journal, measured over the same window.
struct Idle {
    follower: Child,
    seen: mpsc::Receiver<String>,
    room: Child,
}

impl Idle {
    /// `state`: the room's `XDG_STATE_HOME` (its checkpoints and log), not the user's.
    fn start(url: &str, secs: u64, state: &Path) -> Idle {
        let j = Journal::open(Path::new(url)).expect("open");
        j.append(note("idle room".into()), None).expect("append");
        let mut follower = spawn("idle", url, secs);
        let seen = lines(&mut follower, "IDLE");
        let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli/launch.md");
        let room = Command::new("python3")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/terminal_output.py"))
            .args(["--fine-cpu", "--warmup", "3", "--duration"])
            .arg(secs.to_string())
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_warroom"))
            .arg("open")
            .arg(&plan)
            .args(["--follow", "--journal", url])
            .env("XDG_STATE_HOME", state)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("run benches/terminal_output.py");
        Idle {
            follower,
            seen,
            room,
        }
    }

    /// (journal follower's figures, room's figures), in words.
    fn finish(mut self) -> (String, String) {
        assert!(self.follower.wait().expect("wait").success());
        let line = self.seen.recv().expect("idle figures");
        let (cpu, bytes) = line.split_once(' ').expect("two figures");
        let out = self.room.wait_with_output().expect("terminal_output.py");
        let room: serde_json::Value = String::from_utf8_lossy(&out.stdout)
            .lines()
            .last()
            .and_then(|l| serde_json::from_str(l).ok())
            .unwrap_or_default();
        let cpu_room = room["cpu_pct_fine"].as_f64().or(room["cpu_pct"].as_f64());
        (
            format!("{cpu} %, {bytes} B/min"),
            format!(
                "{} %, {} B/s",
                cpu_room.map_or("?".into(), |c| format!("{c:.3}")),
                room["bytes_per_s"]
                    .as_f64()
                    .map_or("?".into(), |b| format!("{b:.0}"))
            ),
        )
    }
}

// ---- the children ----

fn child(role: &str) {
    let url = std::env::var(URL).expect("WARROOM_BENCH_URL");
    let count: u64 = std::env::var(COUNT)
        .expect("WARROOM_BENCH_COUNT")
        .parse()
        .expect("a count");
    let j = Journal::open(Path::new(&url)).expect("open");
    let mut out = std::io::stdout().lock();
    match role {
        "writer" => {
            // Connect (and make the file) outside the timed part.
            j.append(note("writer ready".into()), None).expect("append");
            let _ = writeln!(out, "READY");
            let _ = out.flush();
            let mut go = String::new();
            let _ = std::io::stdin().read_line(&mut go);
            let mut lat = Vec::with_capacity(count as usize);
            for i in 0..count {
                let t = Instant::now();
                j.append(note(format!("append {i}")), None).expect("append");
                lat.push(t.elapsed().as_micros() as u64);
            }
            for l in lat {
                let _ = writeln!(out, "READY {l}");
            }
        }
        "follower" => follow_room(&j, &url, &mut out),
        "replay" => {
            let t = Instant::now();
            let r = j.replay().expect("replay");
            let ms = t.elapsed().as_secs_f64() * 1000.0;
            assert_eq!(r.events.len() as u64, count);
            assert!(r.problems.is_empty());
            let _ = writeln!(out, "REPLAY {ms:.1} {}", status_kb("VmHWM:"));
        }
        "idle" => idle(&j, &url, count, &mut out),
        other => panic!("unknown bench role {other}"),
    }
}

/// Follows until the stop note; prints `SEEN <µs>` for every timed note, once read.
fn follow_room(j: &Journal, url: &str, out: &mut impl std::io::Write) {
    let (tx, rx) = mpsc::channel();
    let _w = follow::watch(Path::new(url), move || {
        let _ = tx.send(());
    })
    .expect("watch");
    let mut cursor = j.replay().expect("replay").cursor;
    let _ = rx.recv_timeout(Duration::from_secs(5)); // the first wake, once listening
    let _ = writeln!(out, "SEEN 0");
    let _ = out.flush();
    loop {
        let _ = rx.recv_timeout(Duration::from_millis(100));
        while rx.try_recv().is_ok() {}
        for ev in j.read_new(&mut cursor).expect("read") {
            let now = unix_us();
            if let EventKind::Note { text } = &ev.kind {
                if text == STOP {
                    return;
                }
                if let Some(sent) = text.strip_prefix("t=").and_then(|t| t.parse::<u64>().ok()) {
                    let _ = writeln!(out, "SEEN {}", now.saturating_sub(sent));
                }
            }
        }
    }
}

/// Follows an idle room for `secs`: prints `IDLE <CPU %> <bytes per minute>` — CPU of this
/// process, bytes read and written through its descriptors (its sockets: nothing else is read
/// or written meanwhile).
fn idle(j: &Journal, url: &str, secs: u64, out: &mut impl std::io::Write) {
    let (tx, rx) = mpsc::channel();
    let _w = follow::watch(Path::new(url), move || {
        let _ = tx.send(());
    })
    .expect("watch");
    let mut cursor = j.replay().expect("replay").cursor;
    std::thread::sleep(Duration::from_secs(2));
    while rx.try_recv().is_ok() {}
    let (cpu0, io0) = (cpu_ns(), io_bytes());
    let start = Instant::now();
    let until = start + Duration::from_secs(secs);
    while Instant::now() < until {
        if rx.recv_timeout(Duration::from_millis(200)).is_ok() {
            let _ = j.read_new(&mut cursor).expect("read");
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = cpu_ns().saturating_sub(cpu0) as f64 / 1e9 / wall * 100.0;
    let bytes = (io_bytes() - io0) as f64 / wall * 60.0;
    let _ = writeln!(out, "IDLE {cpu:.3} {bytes:.0}");
}

fn note(text: String) -> Draft {
    Draft {
        actor: "bench@host".into(),
        role: None,
        at: Utc::now(),
        kind: EventKind::Note { text },
    }
}

fn unix_us() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

fn rand_tag() -> u128 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos())
}

/// A field of `/proc/self/status` in kB.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Time on a CPU of this process's threads, in nanoseconds (`/proc/self/task/*/schedstat`:
/// nanosecond precision, where utime and stime count 10 ms ticks).
fn cpu_ns() -> u64 {
    std::fs::read_dir("/proc/self/task")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("schedstat")).ok())
        .filter_map(|s| s.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

/// rchar + wchar of this process: bytes through read and write calls, sockets included.
fn io_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/io")
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            l.strip_prefix("rchar: ")
                .or_else(|| l.strip_prefix("wchar: "))
        })
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .sum()
}

/// A chained journal of `n` events: notes and ticks of 30 tasks by a deploy script.
fn big_journal(path: &Path, n: u64) {
    let tasks: Vec<String> = (0..30).map(|i| format!("phase-1/task-{i}")).collect();
    big_journal::write(path, n, &tasks, Utc::now());
}
