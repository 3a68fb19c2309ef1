//! A private PostgreSQL server for one test: `initdb` into a temporary directory, `postgres`
//! listening only on a Unix socket in that directory (never a system service), stopped when
//! the [`Pg`] is dropped. As root, the server runs as `nobody` (PostgreSQL refuses root).
//!
//! Without PostgreSQL's binaries the tests fail, saying to run `scripts/setup`: a test that
//! passes because it could not run would hide that nothing was checked.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, Uid};

/// The superuser `initdb` creates.
pub const SUPERUSER: &str = "warroom";

/// A running private server.
pub struct Pg {
    dir: tempfile::TempDir,
    child: Child,
    /// Commits are flushed to disk (`fsync=on`, for benchmarks); tests run with it off.
    durable: bool,
    /// More `-c name=value` settings (TLS on TCP), kept for a restart.
    extra: Vec<String>,
    /// The TCP port number naming the socket (`.s.PGSQL.<port>`); nothing listens on TCP.
    pub port: u16,
}

/// A PostgreSQL binary: on PATH, else under `/usr/lib/postgresql/*/bin`.
fn binary(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join(name))
            .find(|f| f.is_file())
    });
    if let Some(f) = on_path {
        return f;
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path().join("bin").join(name))
        .filter(|f| f.is_file())
        .collect();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!(
            "PostgreSQL's `{name}` was not found on PATH or under /usr/lib/postgresql/*/bin: \
             run scripts/setup (it installs Debian's postgresql) and run the tests again"
        )
    })
}

/// `cmd` as the unprivileged user when we are root.
fn as_server_user(program: &Path) -> Command {
    if Uid::effective().is_root() {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups", "--"])
            .arg(program);
        c
    } else {
        Command::new(program)
    }
}

/// Runs `postgres` on the data in `dir`, on a socket there only; its log appends to
/// `server.log`. `durable`: fsync on (the default of a real server), else off.
/// `extra`: more `-c` settings; with none, nothing listens on TCP.
fn spawn_server(postgres: &Path, dir: &Path, port: u16, durable: bool, extra: &[String]) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .expect("server log");
    let mut cmd = as_server_user(postgres);
    cmd.arg("-D")
        .arg(dir.join("data"))
        .arg("-k")
        .arg(dir)
        .args(["-p", &port.to_string()])
        .args(["-c", "listen_addresses="]);
    for setting in extra {
        cmd.args(["-c", setting]);
    }
    cmd.args(["-c", if durable { "fsync=on" } else { "fsync=off" }])
        .args(["-c", "max_connections=60"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .expect("start postgres")
}

impl Pg {
    /// Starts a fresh server and waits until it accepts connections.
    pub fn start() -> Pg {
        Pg::start_with(false)
    }

    /// [`Pg::start`]; `durable`: commits flushed to disk as on a real server (fsync on).
    pub fn start_with(durable: bool) -> Pg {
        Pg::start_full(durable, None)
    }

    /// A server that also listens on TCP at 127.0.0.1 with TLS on, presenting `cert_pem` (its
    /// chain) signed for `key_pem`; plain connections are accepted too, and every connection is
    /// logged (`log_connections`: the log says whether it used TLS).
    pub fn start_tls(cert_pem: &str, key_pem: &str) -> Pg {
        Pg::start_full(false, Some((cert_pem, key_pem)))
    }

    fn start_full(durable: bool, tls: Option<(&str, &str)>) -> Pg {
        let initdb = binary("initdb");
        let postgres = binary("postgres");
        let dir = tempfile::tempdir().expect("temporary directory");
        if Uid::effective().is_root() {
            nix::unistd::chown(
                dir.path(),
                Some(nix::unistd::Uid::from_raw(65534)),
                Some(nix::unistd::Gid::from_raw(65534)),
            )
            .expect("give the temporary directory to nobody");
        }
        let data = dir.path().join("data");
        let out = as_server_user(&initdb)
            .arg("-D")
            .arg(&data)
            .args(["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8"])
            .args(["--locale=C"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .output()
            .expect("run initdb");
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let mut extra = Vec::new();
        if let Some((cert, key)) = tls {
            let (cert_file, key_file) = (data.join("server.crt"), data.join("server.key"));
            std::fs::write(&cert_file, cert).expect("write the server's certificate");
            std::fs::write(&key_file, key).expect("write the server's key");
            std::fs::set_permissions(
                &key_file,
                std::os::unix::fs::PermissionsExt::from_mode(0o600),
            )
            .expect("chmod the key");
            if Uid::effective().is_root() {
                for f in [&cert_file, &key_file] {
                    nix::unistd::chown(
                        f,
                        Some(nix::unistd::Uid::from_raw(65534)),
                        Some(nix::unistd::Gid::from_raw(65534)),
                    )
                    .expect("give the key to nobody");
                }
            }
            extra = vec![
                "listen_addresses=127.0.0.1".to_string(),
                "ssl=on".to_string(),
                format!("ssl_cert_file={}", cert_file.display()),
                format!("ssl_key_file={}", key_file.display()),
                "log_connections=on".to_string(),
            ];
        }
        let child = spawn_server(&postgres, dir.path(), port, durable, &extra);
        let pg = Pg {
            dir,
            child,
            durable,
            extra,
            port,
        };
        pg.wait_ready();
        pg
    }

    /// Stops the server (fast shutdown: sessions are ended), keeping its data.
    pub fn stop(&mut self) {
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGINT);
        let _ = self.child.wait();
    }

    /// Starts the stopped server again on the same data, socket and port.
    pub fn restart(&mut self) {
        self.child = spawn_server(
            &binary("postgres"),
            self.dir.path(),
            self.port,
            self.durable,
            &self.extra,
        );
        self.wait_ready();
    }

    fn wait_ready(&self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if self.try_client(SUPERUSER).is_ok() {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "postgres did not accept connections within 30 s: {}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops (`SIGSTOP`) or resumes (`SIGCONT`) the server and every process it forked: a
    /// server that does not answer at all, as behind a network that drops packets — its
    /// sockets stay open, so only a deadline on the answer notices.
    pub fn freeze(&self, frozen: bool) {
        let signal = if frozen {
            Signal::SIGSTOP
        } else {
            Signal::SIGCONT
        };
        let main = self.child.id();
        let children = std::fs::read_to_string(format!("/proc/{main}/task/{main}/children"))
            .unwrap_or_default();
        let mut pids: Vec<i32> = vec![main as i32];
        pids.extend(
            children
                .split_whitespace()
                .filter_map(|p| p.parse::<i32>().ok()),
        );
        for pid in pids {
            let _ = kill(Pid::from_raw(pid), signal);
        }
    }

    /// The directory holding the socket.
    pub fn socket_dir(&self) -> &Path {
        self.dir.path()
    }

    /// The server's log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("server.log")).unwrap_or_default()
    }

    /// The URL of `room` in database `postgres`, as `user`.
    pub fn url(&self, user: &str, room: &str) -> String {
        format!(
            "postgres://{user}@/postgres?host={}&port={}&room={room}",
            self.socket_dir().display(),
            self.port
        )
    }

    fn try_client(&self, user: &str) -> Result<postgres::Client, postgres::Error> {
        postgres::Config::new()
            .host_path(self.socket_dir())
            .port(self.port)
            .user(user)
            .dbname("postgres")
            .connect(postgres::NoTls)
    }

    /// A direct connection as `user`, for setting up and for looking behind warroom's back.
    pub fn client(&self, user: &str) -> postgres::Client {
        self.try_client(user).expect("connect to the test server")
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // SIGINT: fast shutdown (ends sessions, no waiting for clients).
        let pid = Pid::from_raw(self.child.id() as i32);
        let _ = kill(pid, Signal::SIGINT);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
