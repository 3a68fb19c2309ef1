//! The `[notify]` table of a plan or wiring file: where the room posts its notifications.
//!
//! ```toml
//! [notify]
//! webhook = "${SLACK_WEBHOOK}"     # a URL, or ${VAR}: read from the environment at start
//! digest = "1h"                    # status digest while the deployment runs; "0s": none
//! max_per_minute = 6               # posts per rolling minute, across every open viewer
//! events = ["phase", "gate", "hold", "trigger", "rollback"]   # what posts (default: all)
//! ```
//!
//! The webhook is a secret (a Slack incoming-webhook URL is its own credential): write
//! `${VAR}` and keep the URL in the environment. Only its host is ever shown; it is never
//! written to the journal, the notifier's sidecar file, the log or the screen. Delivery is
//! in `crate::notify`.

use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use url::Url;

/// The default interval of the status digest.
pub const DEFAULT_DIGEST: Duration = Duration::from_secs(3600);
/// The default cap on posts per rolling minute.
pub const DEFAULT_MAX_PER_MINUTE: u32 = 6;

/// What the room posts to a webhook (`[notify]`).
///
/// `Debug` shows the webhook's host only, never the URL (it is a credential).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// Where to post: an `http(s)` URL taking a Slack-compatible JSON body (`{"text": …}`),
    /// or `${VAR}` (or a URL containing `${VAR}`s) read from the environment when the room
    /// starts. Prefer `${VAR}`: the URL is a credential.
    pub webhook: String,
    /// How often a status digest is posted while the deployment is in progress, on hold or
    /// rolling back (humantime: `"1h"`, `"30m"`); `"0s"` turns the digest off. Default 1 h.
    #[serde(default = "default_digest", with = "humantime_serde")]
    pub digest: Duration,
    /// At most this many posts per rolling minute, across every viewer of the room; events
    /// beyond it are folded into one summary post when the minute allows. Default 6.
    #[serde(default = "default_max_per_minute")]
    pub max_per_minute: u32,
    /// Which events post (default: all of them): `phase` (a phase started or the deployment
    /// finished), `gate` (a gate decided GO or NO-GO), `hold` (called, released), `trigger`
    /// (a rollback trigger fired or cleared, a rollback countdown cancelled), `rollback`
    /// (a rollback started).
    #[serde(default = "NotifyTopic::all")]
    pub events: Vec<NotifyTopic>,
}

/// A kind of event that can post (`events = […]` in `[notify]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotifyTopic {
    /// A phase started, or the deployment finished.
    Phase,
    /// A gate's decision became GO or NO-GO.
    Gate,
    /// A hold was called or released.
    Hold,
    /// A rollback trigger fired or cleared; a rollback countdown was cancelled.
    Trigger,
    /// A rollback started.
    Rollback,
}

impl NotifyTopic {
    /// Every topic, in the order the docs list them.
    #[must_use]
    pub fn all() -> Vec<NotifyTopic> {
        vec![
            NotifyTopic::Phase,
            NotifyTopic::Gate,
            NotifyTopic::Hold,
            NotifyTopic::Trigger,
            NotifyTopic::Rollback,
        ]
    }

    /// The word used in `events = […]`.
    #[must_use]
    pub fn key(self) -> &'static str {
        match self {
            NotifyTopic::Phase => "phase",
            NotifyTopic::Gate => "gate",
            NotifyTopic::Hold => "hold",
            NotifyTopic::Trigger => "trigger",
            NotifyTopic::Rollback => "rollback",
        }
    }
}

fn default_digest() -> Duration {
    DEFAULT_DIGEST
}

fn default_max_per_minute() -> u32 {
    DEFAULT_MAX_PER_MINUTE
}

impl NotifyConfig {
    /// A configuration posting to `webhook` with every default.
    #[must_use]
    pub fn new(webhook: impl Into<String>) -> NotifyConfig {
        NotifyConfig {
            webhook: webhook.into(),
            digest: DEFAULT_DIGEST,
            max_per_minute: DEFAULT_MAX_PER_MINUTE,
            events: NotifyTopic::all(),
        }
    }

    /// Whether events of `topic` post.
    #[must_use]
    pub fn posts(&self, topic: NotifyTopic) -> bool {
        self.events.contains(&topic)
    }

    /// The webhook URL with every `${VAR}` replaced by `env(VAR)`.
    ///
    /// Errors (they name the variable, never its value): a `${` without `}`, a variable that
    /// is not set or empty, a result that is not an absolute `http(s)` URL with a host.
    pub fn webhook_url(&self, env: impl Fn(&str) -> Option<String>) -> Result<Url, String> {
        let raw = expand(&self.webhook, &env)?;
        let from_env = self.webhook.contains("${");
        // A URL read from the environment is never echoed, not even when it is malformed.
        let shown = |detail: String| {
            if from_env {
                format!(
                    "notify: the webhook read from {} is not a URL: {detail}",
                    self.webhook.trim()
                )
            } else {
                format!("notify: webhook is not a URL: {detail}")
            }
        };
        let url = Url::parse(raw.trim()).map_err(|e| shown(e.to_string()))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(shown(format!(
                "scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(shown("it has no host".into()));
        }
        Ok(url)
    }

    /// Checks what can be checked before launch day: the table's values, and that the
    /// webhook resolves with the environment `env`. Returns warnings (the room still opens;
    /// it runs without notifications while the webhook does not resolve).
    #[must_use]
    pub fn warnings(&self, env: impl Fn(&str) -> Option<String>) -> Vec<String> {
        let mut out = Vec::new();
        if let Err(e) = self.webhook_url(env) {
            out.push(format!("{e}; the room will not post notifications"));
        }
        if self.max_per_minute == 0 {
            out.push("notify: max_per_minute = 0 means nothing is ever posted; give e.g. 6".into());
        }
        if self.events.is_empty() && self.digest.is_zero() {
            out.push("notify: events = [] and digest = \"0s\": nothing will be posted".into());
        }
        out
    }
}

impl fmt::Debug for NotifyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let webhook = if self.webhook.contains("${") {
            self.webhook.clone()
        } else {
            Url::parse(self.webhook.trim()).map_or_else(
                |_| "(not a URL)".to_string(),
                |u| format!("{}://{}/…", u.scheme(), u.host_str().unwrap_or_default()),
            )
        };
        f.debug_struct("NotifyConfig")
            .field("webhook", &webhook)
            .field("digest", &self.digest)
            .field("max_per_minute", &self.max_per_minute)
            .field("events", &self.events)
            .finish()
    }
}

/// Replaces every `${VAR}` in `raw` with `env(VAR)`. Errors name the variable only.
fn expand(raw: &str, env: &impl Fn(&str) -> Option<String>) -> Result<String, String> {
    super::env::expand(raw, env).map_err(|e| format!("notify: webhook {}", e.describe()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Wrap {
        notify: NotifyConfig,
    }

    fn parse(src: &str) -> Result<NotifyConfig, toml::de::Error> {
        toml::from_str::<Wrap>(src).map(|w| w.notify)
    }

    #[test]
    fn defaults_and_every_field() {
        let c = parse("[notify]\nwebhook = \"${HOOK}\"\n").unwrap();
        assert_eq!(c, NotifyConfig::new("${HOOK}"));
        assert_eq!(c.digest, Duration::from_secs(3600));
        assert_eq!(c.max_per_minute, 6);
        assert_eq!(c.events.len(), 5);

        let c = parse(
            "[notify]\nwebhook = \"https://h.example/x\"\ndigest = \"0s\"\nmax_per_minute = 2\nevents = [\"gate\", \"rollback\"]\n",
        )
        .unwrap();
        assert!(c.digest.is_zero());
        assert_eq!(c.max_per_minute, 2);
        assert!(c.posts(NotifyTopic::Gate) && !c.posts(NotifyTopic::Hold));
    }

    #[test]
    fn unknown_fields_and_topics_are_refused() {
        let e = parse("[notify]\nwebhook = \"x\"\nchannel = \"#ops\"\n").unwrap_err();
        assert!(e.to_string().contains("channel"), "{e}");
        let e = parse("[notify]\nwebhook = \"x\"\nevents = [\"tick\"]\n").unwrap_err();
        assert!(e.to_string().contains("tick"), "{e}");
    }

    #[test]
    fn webhook_from_the_environment_never_echoes_the_value() {
        let env =
            |v: &str| (v == "HOOK").then(|| "https://hooks.example.com/T1/SECRET".to_string());
        let c = NotifyConfig::new("${HOOK}");
        let url = c.webhook_url(env).unwrap();
        assert_eq!(url.host_str(), Some("hooks.example.com"));

        let e = NotifyConfig::new("${NOPE}").webhook_url(env).unwrap_err();
        assert!(e.contains("NOPE") && e.contains("not set"), "{e}");

        let bad = |_: &str| Some("ftp://SECRET".to_string());
        let e = c.webhook_url(bad).unwrap_err();
        assert!(!e.contains("SECRET"), "{e}");
        let bad = |_: &str| Some("not a url SECRET".to_string());
        let e = c.webhook_url(bad).unwrap_err();
        assert!(!e.contains("SECRET"), "{e}");

        assert!(NotifyConfig::new("${HOOK").webhook_url(env).is_err());
        assert!(NotifyConfig::new("${1X}").webhook_url(env).is_err());
    }

    #[test]
    fn debug_shows_the_host_only() {
        let c = NotifyConfig::new("https://hooks.example.com/services/T1/SECRET");
        let d = format!("{c:?}");
        assert!(
            d.contains("hooks.example.com") && !d.contains("SECRET"),
            "{d}"
        );
    }

    #[test]
    fn warnings_say_what_will_not_post() {
        let c = NotifyConfig {
            max_per_minute: 0,
            ..NotifyConfig::new("${UNSET_HOOK_FOR_TEST}")
        };
        let w = c.warnings(|_| None);
        assert_eq!(w.len(), 2, "{w:?}");
    }
}
