//! Notifications end to end: a real HTTP server on 127.0.0.1 (axum) records what three
//! notifiers — three viewers of one room, sharing one journal and its sidecar — post while
//! the test appends events to the journal: every postable event exactly once and notes
//! never; a flapping hold folded by the rate limit; a failing webhook retried and delivered
//! once with the error shown meanwhile and the secret URL nowhere on disk; the digest once
//! per interval.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use common::server::{Serving, serve};
use warroom::journal::event::{EventKind, Vote};
use warroom::journal::{Draft, Journal};
use warroom::notify::{self, NotifierHandle, NotifyConfig, NotifyStatus, Options};
use warroom::plan::Plan;

const PLAN: &str = r#"
title = "Checkout v3"
roles = ["SRE", "QA"]

[[phase]]
id = "p1"
title = "Phase 1"
  [[phase.task]]
  text = "Roll out"

[[phase]]
id = "p2"
title = "Phase 2"

[[phase]]
id = "rb"
title = "Roll back"
kind = "rollback"

[[gate]]
id = "g1"
title = "Go/No-Go 1"
phase = "p1"
voters = ["SRE", "QA"]

[[trigger]]
id = "errors"
text = "Error rate above 5%"
"#;

fn plan() -> Plan {
    warroom::plan::toml::parse(PLAN, Path::new("plan.toml"))
        .unwrap()
        .plan
}

/// One request the server received.
#[derive(Debug, Clone)]
struct Hit {
    at: Instant,
    text: String,
    ok: bool,
}

#[derive(Default)]
struct Shared {
    hits: Mutex<Vec<Hit>>,
    /// Requests still to be refused with 503.
    fail: AtomicUsize,
}

/// A webhook receiver on 127.0.0.1; stops when dropped.
struct Hook {
    serving: Serving,
    shared: Arc<Shared>,
}

impl Hook {
    fn start(fail_first: usize) -> Hook {
        let shared = Arc::new(Shared::default());
        shared.fail.store(fail_first, Ordering::SeqCst);
        let serving = serve(
            Router::new()
                .fallback(receive)
                .with_state(Arc::clone(&shared)),
        );
        Hook { serving, shared }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.serving.addr)
    }

    fn hits(&self) -> Vec<Hit> {
        self.shared.hits.lock().unwrap().clone()
    }

    /// Texts of the posts accepted (2xx), in the order received.
    fn posts(&self) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.ok).collect()
    }
}

async fn receive(
    State(shared): State<Arc<Shared>>,
    method: axum::http::Method,
    body: String,
) -> (StatusCode, &'static str) {
    assert_eq!(method, axum::http::Method::POST);
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    let text = json["text"].as_str().unwrap().to_string();
    let fail = shared
        .fail
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    shared.hits.lock().unwrap().push(Hit {
        at: Instant::now(),
        text,
        ok: !fail,
    });
    if fail {
        (StatusCode::SERVICE_UNAVAILABLE, "busy")
    } else {
        (StatusCode::OK, "ok")
    }
}

/// A room: a journal in a temporary directory.
struct Room {
    _dir: tempfile::TempDir,
    path: PathBuf,
    journal: Journal,
}

impl Room {
    fn new() -> Room {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("room.journal.jsonl");
        let journal = Journal::open(&path).unwrap();
        Room {
            _dir: dir,
            path,
            journal,
        }
    }

    fn append(&self, kind: EventKind) {
        self.journal
            .append(Draft::new(kind, Utc::now()), None)
            .unwrap();
    }

    fn sidecar(&self) -> String {
        std::fs::read_to_string(notify::sidecar_path(&self.path)).unwrap_or_default()
    }

    /// `n` notifiers (viewers) on this room; returns once the sidecar exists, so every event
    /// appended afterwards is one to post.
    fn viewers(&self, n: usize, config: &NotifyConfig, options: &Options) -> Vec<NotifierHandle> {
        let handles: Vec<NotifierHandle> = (0..n)
            .map(|_| {
                notify::spawn_with(config, plan(), Utc::now(), &self.path, options.clone()).unwrap()
            })
            .collect();
        wait_for("the sidecar", Duration::from_secs(5), || {
            self.sidecar().contains("\"delivered\"")
        });
        handles
    }
}

/// Polls `done` until it holds; false when `limit` passed first.
fn wait_until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}

fn wait_for(what: &str, limit: Duration, done: impl FnMut() -> bool) {
    assert!(wait_until(limit, done), "timed out waiting for {what}");
}

fn config(webhook: String) -> NotifyConfig {
    NotifyConfig {
        digest: Duration::ZERO,
        max_per_minute: 60,
        ..NotifyConfig::new(webhook)
    }
}

fn advance(from: Option<&str>, to: Option<&str>) -> EventKind {
    EventKind::Advanced {
        from: from.map(Into::into),
        to: to.map(Into::into),
        override_reason: None,
        evidence: None,
    }
}

fn vote(role: &str, vote: Vote) -> EventKind {
    EventKind::Voted {
        gate: "g1".into(),
        role: role.into(),
        vote,
        note: None,
        evidence: None,
    }
}

fn hold(reason: &str) -> EventKind {
    EventKind::HoldCalled {
        reason: reason.into(),
        evidence: None,
    }
}

fn release(note: &str) -> EventKind {
    EventKind::HoldReleased {
        note: Some(note.into()),
    }
}

fn note(text: &str) -> EventKind {
    EventKind::Note { text: text.into() }
}

fn status(h: &NotifierHandle) -> NotifyStatus {
    h.status().borrow().clone()
}

#[test]
fn three_viewers_post_every_event_exactly_once_and_notes_never() {
    let hook = Hook::start(0);
    let room = Room::new();
    // Journaled before any notifier ran: not posted.
    room.append(hold("before notifications were configured"));
    room.append(release("ok"));
    let viewers = room.viewers(3, &config(hook.url("/hook/T1")), &Options::default());

    room.append(note("note-1 hello"));
    room.append(advance(None, Some("p1")));
    room.append(vote("SRE", Vote::Go)); // the gate is still pending: no post
    room.append(EventKind::TaskChecked {
        task: plan().phases[0].tasks[0].id.clone(),
        note: None,
    });
    room.append(vote("QA", Vote::Go)); // decides the gate
    room.append(hold("dns"));
    room.append(note("note-2 hello"));
    room.append(release("fixed"));
    room.append(EventKind::TriggerFired {
        trigger: "errors".into(),
        value: 7.5,
        condition: "error_rate > 5%".into(),
        since: Utc::now(),
        evidence: None,
    });
    room.append(EventKind::TriggerCleared {
        trigger: "errors".into(),
        value: Some(1.0),
    });
    room.append(EventKind::RollbackStarted {
        reason: "errors".into(),
        evidence: None,
    });
    room.append(note("note-3 hello"));

    let expected = [
        "→ Phase 1 started (deployment started)",
        "✅ GO at Go/No-Go 1 (last vote: QA)",
        "⏸ HOLD called: dns",
        "▶ Hold released after",
        "🚨 Rollback trigger fired: Error rate above 5%",
        "✓ Trigger cleared: Error rate above 5%",
        "↶ ROLLBACK started: errors",
    ];
    assert!(
        wait_until(Duration::from_secs(10), || hook.posts().len()
            >= expected.len()),
        "{:#?}",
        hook.posts()
    );
    // Room for a duplicate to show up.
    std::thread::sleep(Duration::from_millis(700));
    let posts: Vec<String> = hook.posts().into_iter().map(|h| h.text).collect();
    assert_eq!(posts.len(), expected.len(), "{posts:#?}");
    assert_eq!(
        hook.hits().len(),
        expected.len(),
        "no failed attempts expected"
    );
    // In journal order, each exactly once, each naming the room.
    for (post, want) in posts.iter().zip(expected) {
        assert!(post.contains(want), "expected {want:?} in {post:?}");
        assert!(post.starts_with("*Checkout v3*: "), "{post}");
    }
    assert!(
        posts
            .iter()
            .all(|p| !p.contains("hello") && !p.contains("before"))
    );
    wait_for("every viewer's status", Duration::from_secs(5), || {
        viewers.iter().all(|v| {
            let s = status(v);
            s.posted == 7 && s.pending == 0 && s.last_error.is_none()
        })
    });
    assert_eq!(status(&viewers[0]).host, hook.serving.addr.to_string());
}

#[test]
fn a_flapping_hold_is_rate_limited_and_the_rest_summarised() {
    let hook = Hook::start(0);
    let room = Room::new();
    let window = Duration::from_secs(2);
    let options = Options {
        window,
        ..Options::default()
    };
    let config = NotifyConfig {
        max_per_minute: 3,
        ..config(hook.url("/hook/T1"))
    };
    let _viewers = room.viewers(3, &config, &options);
    let labels: Vec<String> = (0..20)
        .map(|i| {
            if i % 2 == 0 {
                format!("flap-{i:02}")
            } else {
                format!("okay-{i:02}")
            }
        })
        .collect();
    for (i, label) in labels.iter().enumerate() {
        room.append(if i % 2 == 0 {
            hold(label)
        } else {
            release(label)
        });
    }
    let covered = |posts: &[Hit]| {
        labels
            .iter()
            .all(|l| posts.iter().any(|p| p.text.contains(l.as_str())))
    };
    assert!(
        wait_until(Duration::from_secs(12), || covered(&hook.posts())),
        "not every event was posted: {:#?}",
        hook.posts()
    );
    std::thread::sleep(Duration::from_millis(500));
    let posts = hook.posts();
    // Every event exactly once, in one post or another.
    for l in &labels {
        let n: usize = posts
            .iter()
            .map(|p| p.text.matches(l.as_str()).count())
            .sum();
        assert_eq!(n, 1, "{l} posted {n} times: {posts:#?}");
    }
    // Never more than 3 posts in any 2 s window.
    assert!(posts.len() < 20, "nothing was folded: {posts:#?}");
    for four in posts.windows(4) {
        let span = four[3].at - four[0].at;
        assert!(span >= window, "4 posts within {span:?}: {posts:#?}");
    }
    assert!(
        posts.iter().any(|p| p.text.contains("more events")),
        "{posts:#?}"
    );
}

#[test]
fn a_failing_webhook_is_retried_shown_and_delivered_once_and_the_url_stays_secret() {
    let hook = Hook::start(2);
    let room = Room::new();
    let secret = "SECRET-TOKEN-123";
    let options = Options {
        retry_base: Duration::from_millis(300),
        vars: Some(HashMap::from([(
            "WARROOM_TEST_HOOK".to_string(),
            hook.url(&format!("/services/T1/{secret}")),
        )])),
        ..Options::default()
    };
    let viewers = room.viewers(3, &config("${WARROOM_TEST_HOOK}".into()), &options);
    room.append(hold("database failover"));

    let mut seen_error = None;
    wait_for("the post to get through", Duration::from_secs(10), || {
        for v in &viewers {
            let s = status(v);
            if let Some((_, e)) = &s.last_error {
                assert!(!e.contains(secret), "{e}");
                assert!(s.next_retry.is_some(), "{s:?}");
                seen_error.get_or_insert_with(|| e.clone());
            }
            assert!(!s.line().contains(secret));
        }
        assert!(!room.sidecar().contains(secret), "{}", room.sidecar());
        !hook.posts().is_empty()
    });
    let error = seen_error.expect("the failure was never shown");
    assert!(
        error.contains("HTTP 503") && error.contains("busy"),
        "{error}"
    );

    std::thread::sleep(Duration::from_millis(500));
    let hits = hook.hits();
    assert_eq!(
        hits.iter().map(|h| h.ok).collect::<Vec<_>>(),
        [false, false, true],
        "{hits:#?}"
    );
    // Backoff: 300 ms, then 600 ms.
    assert!(
        hits[1].at - hits[0].at >= Duration::from_millis(290),
        "{hits:#?}"
    );
    assert!(
        hits[2].at - hits[1].at >= Duration::from_millis(590),
        "{hits:#?}"
    );
    assert!(hits[2].text.contains("HOLD called: database failover"));
    wait_for("the error to clear", Duration::from_secs(5), || {
        viewers.iter().all(|v| {
            let s = status(v);
            s.posted == 1 && s.last_error.is_none() && s.next_retry.is_none()
        })
    });
    assert!(!room.sidecar().contains(secret));
    assert!(!room.sidecar().contains("/services/"));
}

#[test]
fn the_digest_posts_once_per_interval_across_viewers_while_the_deployment_runs() {
    let hook = Hook::start(0);
    let room = Room::new();
    let interval = Duration::from_millis(500);
    let config = NotifyConfig {
        digest: interval,
        ..config(hook.url("/hook/T1"))
    };
    let _viewers = room.viewers(3, &config, &Options::default());
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        hook.posts().is_empty(),
        "no digest before the deployment starts"
    );

    room.append(advance(None, Some("p1")));
    std::thread::sleep(Duration::from_millis(1800));
    room.append(advance(Some("p1"), None));
    let digests = |hook: &Hook| -> Vec<Hit> {
        hook.posts()
            .into_iter()
            .filter(|h| h.text.contains("status digest"))
            .collect()
    };
    let during = digests(&hook);
    // Due at 0.5, 1.0 and 1.5 s (each counted from the last one posted): one each, not one
    // per viewer.
    assert!(
        (2..=3).contains(&during.len()),
        "{} digests in 1.8 s: {during:#?}",
        during.len()
    );
    for pair in during.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(
            gap + Duration::from_millis(20) >= interval,
            "{gap:?}: {during:#?}"
        );
    }
    assert!(during[0].text.contains("*IN PROGRESS*") && during[0].text.contains("Phase: Phase 1"));
    // The deployment is done: no more digests.
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(digests(&hook).len(), during.len());
    assert!(
        hook.posts()
            .iter()
            .any(|p| p.text.contains("Deployment finished"))
    );
}

#[test]
fn a_viewer_opened_later_posts_what_was_journaled_while_no_room_was_open() {
    let hook = Hook::start(0);
    let room = Room::new();
    let config = config(hook.url("/hook/T1"));
    drop(room.viewers(1, &config, &Options::default()));
    // A deploy script acts while no room is open.
    room.append(hold("migration slow"));
    std::thread::sleep(Duration::from_millis(300));
    assert!(hook.posts().is_empty());
    let _later = room.viewers(1, &config, &Options::default());
    wait_for("the post", Duration::from_secs(5), || {
        hook.posts().len() == 1
    });
    assert!(hook.posts()[0].text.contains("HOLD called: migration slow"));
}

#[test]
fn the_plans_notify_table_configures_what_posts() {
    let src = format!(
        "{PLAN}\n[notify]\nwebhook = \"${{HOOK}}\"\ndigest = \"30m\"\nmax_per_minute = 4\nevents = [\"hold\", \"rollback\"]\n"
    );
    let plan = warroom::plan::toml::parse(&src, Path::new("plan.toml"))
        .unwrap()
        .plan;
    let config = plan.notify.clone().unwrap();
    assert_eq!(config.webhook, "${HOOK}");
    assert_eq!(config.digest, Duration::from_secs(1800));
    assert_eq!(config.max_per_minute, 4);

    let hook = Hook::start(0);
    let room = Room::new();
    let options = Options {
        vars: Some(HashMap::from([("HOOK".to_string(), hook.url("/x"))])),
        ..Options::default()
    };
    let _viewer = room.viewers(1, &config, &options);
    room.append(advance(None, Some("p1"))); // phase: not in `events`
    room.append(hold("vendor outage"));
    assert!(
        wait_until(Duration::from_secs(5), || !hook.posts().is_empty()),
        "nothing posted"
    );
    std::thread::sleep(Duration::from_millis(300));
    let posts = hook.posts();
    assert_eq!(posts.len(), 1, "{posts:#?}");
    assert!(posts[0].text.contains("HOLD called: vendor outage"));
}
