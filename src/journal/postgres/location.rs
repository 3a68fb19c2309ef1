//! Where a database room lives: `postgres://user@host:port/db?room=NAME` (or `postgresql://`),
//! read into a connection configuration, a room name and the names shown to people.
//!
//! Secrets never travel in the URL as written: a literal password is refused (it would sit in
//! shell history, process lists and every message that names the journal). The password comes
//! from `${VAR}` in the URL (expanded here, shown unexpanded), `PGPASSWORD`, or the password
//! file (`PGPASSFILE`, else `~/.pgpass`, in libpq's format), in that order. Every name this
//! module gives out ([`Location::shown`], [`Location::id`]) is free of it.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::PermissionsExt as _;
use std::path::PathBuf;
use std::time::Duration;

use postgres::config::Host;
use postgres::{Client, NoTls};

use super::tls::{Roots, SslMode, Tls};

/// How long a connection attempt may take before it is an error (an unreachable server must
/// not freeze a verb).
pub(crate) const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// A parsed database room location.
#[derive(Clone)]
pub(crate) struct Location {
    /// Connection settings, password included when one was found.
    pub(crate) config: postgres::Config,
    /// The room: events of several rooms share one table, keyed by it.
    pub(crate) room: String,
    /// The URL as given (`${VAR}` unexpanded): safe to show, and enough to reach the room again.
    pub(crate) shown: String,
    /// `postgres://host:port/db?room=NAME` from the expanded settings, without user or
    /// password: the same room whoever reaches it.
    pub(crate) id: String,
    /// `sslmode` and `sslrootcert` ([`super::tls`]).
    pub(crate) tls: Tls,
}

impl std::fmt::Debug for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Not derived: the config holds the password.
        f.debug_struct("Location")
            .field("room", &self.room)
            .field("shown", &self.shown)
            .finish_non_exhaustive()
    }
}

/// Whether `s` names a database room rather than a file.
pub(crate) fn is_url(s: &str) -> bool {
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

impl Location {
    /// Reads a room URL. Errors name what is wrong and what to write instead.
    pub(crate) fn parse(url: &str) -> Result<Location, String> {
        let expanded = expand(url)?;
        let (base, query) = match expanded.split_once('?') {
            Some((b, q)) => (b.to_string(), q.to_string()),
            None => (expanded.clone(), String::new()),
        };
        let mut room = None;
        let mut rest = Vec::new();
        let mut tls = Tls::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("room", v)) => room = Some(v.to_string()),
                Some(("password", _)) => return Err(literal_password(url)),
                Some(("sslmode", v)) => {
                    tls.mode = SslMode::parse(&percent_decode(v))
                        .map_err(|e| format!("{}: {e}", redact(url)))?;
                }
                Some(("sslrootcert", v)) => {
                    let v = percent_decode(v);
                    tls.roots = Some(if v == "system" {
                        Roots::System
                    } else {
                        Roots::File(PathBuf::from(v))
                    });
                }
                Some((k @ ("sslcert" | "sslkey" | "sslpassword" | "sslcrl"), _)) => {
                    return Err(format!(
                        "{}: {k} is not supported (warroom connects without a client \
                         certificate): remove it and authenticate with a password \
                         (PGPASSWORD, ~/.pgpass) over sslmode=verify-full",
                        redact(url)
                    ));
                }
                _ => rest.push(pair),
            }
        }
        let room = room.filter(|r| !r.is_empty()).ok_or_else(|| {
            format!(
                "{url}: no room: add `?room=NAME` (letters, digits, `.`, `_`, `-`), e.g. \
                 postgres://user@host:5432/warroom?room=crm-launch"
            )
        })?;
        if !room
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
            || room.len() > 100
        {
            return Err(format!(
                "{url}: room `{room}` must be 1-100 letters, digits, `.`, `_` or `-`"
            ));
        }
        if userinfo_has_password(url) {
            return Err(literal_password(url));
        }
        let libpq = if rest.is_empty() {
            base
        } else {
            format!("{base}?{}", rest.join("&"))
        };
        let mut config: postgres::Config = libpq
            .parse()
            .map_err(|e| format!("{url}: not a PostgreSQL URL warroom can use: {e}"))?;
        defaults(&mut config);
        if config.get_password().is_none()
            && let Some(pw) = password_for(&config)
        {
            config.password(pw);
        }
        config.connect_timeout(CONNECT_TIMEOUT);
        config.application_name("warroom");
        let id = format!(
            "postgres://{}:{}/{}?room={room}",
            host_name(&config),
            config.get_ports().first().copied().unwrap_or(5432),
            config.get_dbname().unwrap_or_default()
        );
        // As libpq: a socket directory is local, and never uses TLS.
        let tcp = config.get_hosts().iter().any(|h| matches!(h, Host::Tcp(_)));
        if !tcp {
            tls.mode = SslMode::Disable;
        }
        config.ssl_mode(tls.mode.negotiate());
        Ok(Location {
            config,
            room,
            shown: url.to_string(),
            id,
            tls,
        })
    }

    /// Connects as the URL says, TLS included. Errors in words, without the password: a
    /// refused or failed TLS handshake says which `sslmode` asked for it and what to change.
    pub(crate) fn connect(&self) -> Result<Client, String> {
        let done = if self.tls.mode == SslMode::Disable {
            self.config.connect(NoTls)
        } else {
            let tls = tokio_postgres_rustls::MakeRustlsConnect::new(self.tls.client_config()?);
            self.config.connect(tls)
        };
        done.map_err(|e| {
            let words = super::words(&e);
            if !words.contains("TLS") {
                return format!("cannot connect: {words}");
            }
            let hint = if words.contains("server does not support TLS") {
                "the server does not offer TLS: turn `ssl` on in its postgresql.conf, or \
                 connect with sslmode=prefer or disable on a network you trust"
            } else if words.contains("not valid for name") || words.contains("NotValidForName") {
                "the certificate is not issued to the host in the URL: connect by a name it \
                 was issued to, or use sslmode=verify-ca"
            } else if words.contains("UnknownIssuer") || words.contains("invalid peer certificate")
            {
                "the server's certificate is not signed by a CA in sslrootcert: give that CA's \
                 certificate"
            } else {
                "check the server's TLS settings"
            };
            format!(
                "cannot connect (sslmode={}): {words}; {hint}",
                self.tls.effective_mode().word()
            )
        })
    }
}

fn literal_password(url: &str) -> String {
    format!(
        "{}: the URL holds a password: remove it and set PGPASSWORD, add it to ~/.pgpass, or \
         write `${{VAR}}` for it in the URL (a password in the URL would be shown wherever \
         the journal is named)",
        redact(url)
    )
}

/// The URL with any literal password cut out, for the error that refuses it.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (auth, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let auth = match auth.rsplit_once('@') {
        Some((user, host)) => format!("{}@{host}", user.split(':').next().unwrap_or_default()),
        None => auth.to_string(),
    };
    let tail = match tail.split_once('?') {
        Some((path, q)) => {
            let q: Vec<&str> = q
                .split('&')
                .filter(|p| !p.starts_with("password="))
                .collect();
            format!("{path}?{}", q.join("&"))
        }
        None => tail.to_string(),
    };
    format!("{scheme}://{auth}{tail}")
}

/// Whether the URL's `user:password@` part holds a password (checked on the URL before
/// `${VAR}` expansion: a password from a variable is the way to give one).
fn userinfo_has_password(original: &str) -> bool {
    let rest = original
        .split_once("://")
        .map_or(original, |(_, r)| r)
        .split(['/', '?'])
        .next()
        .unwrap_or_default();
    match rest.rsplit_once('@') {
        Some((user, _)) => match user.split_once(':') {
            Some((_, pw)) => !(pw.starts_with("${") && pw.ends_with('}')),
            None => false,
        },
        None => false,
    }
}

/// Expands `${VAR}` from the environment; an unset variable is an error that names it.
fn expand(url: &str) -> Result<String, String> {
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| format!("{url}: `${{` without a closing `}}`"))?;
        let name = &after[..end];
        let value = env::var(name).map_err(|_| {
            format!("the journal URL names ${{{name}}}, which is not set: export {name}=…")
        })?;
        // Percent-encoded so that a password holding `@`, `:` or `/` stays one field.
        out.push_str(&percent_encode(&value));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `%XX` decoded (a value of the URL's query, such as a certificate's path).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// Fills what libpq would take from the environment: user (`PGUSER`, else the OS user),
/// host (`PGHOST`, else Debian's socket directory), port (`PGPORT`).
fn defaults(config: &mut postgres::Config) {
    if config.get_user().is_none() {
        let user = env::var("PGUSER").ok().or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|u| u.name)
        });
        if let Some(u) = user {
            config.user(&u);
        }
    }
    if config.get_hosts().is_empty() {
        match env::var("PGHOST") {
            Ok(h) if h.starts_with('/') => {
                config.host_path(h);
            }
            Ok(h) if !h.is_empty() => {
                config.host(&h);
            }
            _ => {
                config.host_path("/var/run/postgresql");
            }
        }
    }
    if config.get_ports().is_empty()
        && let Some(p) = env::var("PGPORT").ok().and_then(|p| p.parse().ok())
    {
        config.port(p);
    }
}

/// The first host as text: a name, an address or a socket directory.
fn host_name(config: &postgres::Config) -> String {
    match config.get_hosts().first() {
        Some(Host::Tcp(h)) => h.clone(),
        Some(Host::Unix(p)) => p.display().to_string(),
        None => String::new(),
    }
}

/// `PGPASSWORD`, else the matching line of the password file.
fn password_for(config: &postgres::Config) -> Option<String> {
    if let Ok(pw) = env::var("PGPASSWORD") {
        return Some(pw);
    }
    let file = env::var_os("PGPASSFILE")
        .map(PathBuf::from)
        .or_else(|| env::var_os("HOME").map(|h| PathBuf::from(h).join(".pgpass")))?;
    // libpq ignores a password file others can read; so do we.
    let meta = fs::metadata(&file).ok()?;
    if meta.permissions().mode() & 0o077 != 0 {
        return None;
    }
    let text = fs::read_to_string(&file).ok()?;
    let host = host_name(config);
    let socket = matches!(config.get_hosts().first(), Some(Host::Unix(_)));
    let port = config
        .get_ports()
        .first()
        .copied()
        .unwrap_or(5432)
        .to_string();
    let db = config.get_dbname().unwrap_or_default();
    let user = config.get_user().unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .find_map(|l| {
            let f = pgpass_fields(l);
            if f.len() != 5 {
                return None;
            }
            let host_ok = f[0] == "*" || f[0] == host || (socket && f[0] == "localhost");
            let ok = host_ok
                && (f[1] == "*" || f[1] == port)
                && (f[2] == "*" || f[2] == db)
                && (f[3] == "*" || f[3] == user);
            ok.then(|| f[4].clone())
        })
}

/// The `:`-separated fields of a password file line, `\:` and `\\` unescaped.
fn pgpass_fields(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(n) = chars.next()
                    && let Some(last) = fields.last_mut()
                {
                    last.push(n);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => {
                if let Some(last) = fields.last_mut() {
                    last.push(c);
                }
            }
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_and_socket_directory_are_read() {
        let l = Location::parse("postgres://warroom@/wr?host=/tmp/pg&port=5999&room=crm-launch")
            .unwrap();
        assert_eq!(l.room, "crm-launch");
        assert_eq!(l.id, "postgres:///tmp/pg:5999/wr?room=crm-launch");
        assert_eq!(l.config.get_user(), Some("warroom"));
    }

    #[test]
    fn bad_urls_say_what_to_do() {
        let e = Location::parse("postgres://u@h/db").unwrap_err();
        assert!(e.contains("?room=NAME"), "{e}");
        let e = Location::parse("postgres://u:hunter2@h/db?room=r").unwrap_err();
        assert!(e.contains("PGPASSWORD") && !e.contains("hunter2"), "{e}");
        let e = Location::parse("postgres://u@h/db?room=r&password=hunter2").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        let e = Location::parse("postgres://u@h/db?room=a%20b").unwrap_err();
        assert!(e.contains("must be"), "{e}");
        let e = Location::parse("postgres://u@h/db?room=r&nonsense=1").unwrap_err();
        assert!(e.contains("not a PostgreSQL URL"), "{e}");
        let e = Location::parse("postgres://u:${WARROOM_TEST_UNSET_VAR}@h/db?room=r").unwrap_err();
        assert!(e.contains("WARROOM_TEST_UNSET_VAR"), "{e}");
    }

    #[test]
    fn pgpass_escapes() {
        assert_eq!(
            pgpass_fields(r"h:5432:db:u:pa\:ss\\w:rd"),
            ["h", "5432", "db", "u", r"pa:ss\w:rd"]
        );
    }
}
