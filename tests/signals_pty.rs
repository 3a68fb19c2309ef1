//! Live signals end to end: the real binary in real pseudo-terminals polls a real local HTTP
//! server whose answers the test changes, and the test asserts what the screens show and what
//! the journal holds — a trigger fired once with three operator rooms open, the rollback
//! countdown running out (or cancelled), and plan edits reloading the pollers.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::fmt::Write as _;
use std::time::Duration;

use common::pty::{Viewer, has_row, wait_until};
use common::room::Room;
use common::server::Server;

/// Starting a room (a debug build on a loaded 2-core machine) and its first samples.
const START: Duration = Duration::from_secs(20);
/// A change of the served value reaching every screen.
const CHANGE: Duration = Duration::from_secs(10);

const SERIES: &str = "demo_error_rate";

/// One phase (and the rollback procedure), the error rate scraped from `server` every 200 ms,
/// and a trigger on it (`action` lines appended to the trigger).
fn trigger_plan(server: &Server, trigger_extra: &str) -> String {
    format!(
        r#"
title = "Checkout v3"

[[phase]]
id = "deploy"
title = "Deploy checkout v3"
  [[phase.task]]
  text = "Roll out to 10%"

[[phase]]
id = "rollback"
title = "Roll back"
kind = "rollback"
  [[phase.task]]
  text = "Route traffic back to v2"

[[metric]]
name = "error_rate"
unit = "%"
scrape = "{url}"
series = "{SERIES}"
interval = "200ms"

[[trigger]]
text = "Errors above 5%"
when = "error_rate > 5% for 2 samples"
{trigger_extra}
"#,
        url = server.url("/metrics"),
    )
}

/// Waits until the pollers have asked `server` for `path` `more` more times: every open room
/// has had time to see the current value and act on it.
fn wait_polls(server: &Server, path: &str, more: u64) {
    let target = server.hits(path) + more;
    wait_until(
        &format!("{more} more requests for {path}"),
        CHANGE,
        || server.hits(path) >= target,
        || format!("{} requests so far", server.hits(path)),
    );
}

fn first_line(screen: &str) -> &str {
    screen.lines().next().unwrap_or("")
}

#[test]
fn a_trigger_fires_once_with_three_viewers_open() {
    let server = Server::start();
    server.set_gauge(SERIES, 1.25);
    let room = Room::new(&trigger_plan(&server, ""));

    // Three operators on wall screens (the health panel shows the metric), and a follower on
    // a compact terminal (no health panel: the banner still reaches it).
    let mut screens: Vec<Viewer> = (1..=3)
        .map(|i| room.open(&format!("operator {i}"), &[], 120, 32))
        .collect();
    screens.push(room.open("follower", &["--follow"], 100, 30));
    for op in &screens[..3] {
        op.wait_for_row(&["error_rate", "1.25%"], START);
        // The trigger is watched and not met.
        op.wait_for_row(
            &["● ok", "error_rate > 5% for 2 samples", "now 1.25"],
            START,
        );
    }
    screens[3].wait_for("FOLLOWER", START);
    assert_eq!(room.count("trigger_fired"), 0, "{}", room.types());

    server.set_gauge(SERIES, 9.5);
    for s in &screens {
        s.wait_for("ROLLBACK TRIGGER MET", CHANGE);
    }
    for s in &screens[..3] {
        s.wait_for_row(
            &["ROLLBACK TRIGGER MET", "Errors above 5%", "value 9.50"],
            CHANGE,
        );
        s.wait_for_row(
            &["⚠ FIRED", "error_rate > 5% for 2 samples", "was 9.50"],
            CHANGE,
        );
    }
    // Every room has since seen the value again and tried to journal the episode itself.
    wait_polls(&server, "/metrics", 20);
    let fired = room.of_type("trigger_fired");
    assert_eq!(fired.len(), 1, "one event per episode; {}", room.types());
    assert_eq!(fired[0]["trigger"], "errors-above-5", "{}", fired[0]);
    assert_eq!(fired[0]["value"], 9.5, "{}", fired[0]);
    assert!(
        fired[0]["condition"]
            .as_str()
            .unwrap()
            .contains("error_rate > 5%"),
        "{}",
        fired[0]
    );
    assert_eq!(room.count("trigger_cleared"), 0, "{}", room.types());
    // No `action = "rollback"`: a banner, no countdown.
    for s in &screens {
        assert!(!s.contents().contains("ROLLBACK IN"), "{}", s.contents());
    }

    server.set_gauge(SERIES, 1.25);
    for s in &screens {
        s.wait_gone("ROLLBACK TRIGGER MET", CHANGE);
    }
    for s in &screens[..3] {
        s.wait_for_row(
            &["● ok", "error_rate > 5% for 2 samples", "now 1.25"],
            CHANGE,
        );
    }
    wait_polls(&server, "/metrics", 20);
    let cleared = room.of_type("trigger_cleared");
    assert_eq!(cleared.len(), 1, "one clear per episode; {}", room.types());
    assert_eq!(cleared[0]["trigger"], "errors-above-5", "{}", cleared[0]);
    assert_eq!(cleared[0]["value"], 1.25, "{}", cleared[0]);
    assert_eq!(room.count("trigger_fired"), 1, "{}", room.types());
    assert_eq!(room.count("rollback_started"), 0, "{}", room.types());

    for s in &mut screens {
        s.quit();
    }
}

/// Launch day: several people open the room at the same moment. Each operator's room journals
/// the plan it loaded; the ones that lose the race must catch up, not exit.
#[test]
fn three_rooms_opened_at_once_all_stay_open() {
    let server = Server::start();
    server.set_gauge(SERIES, 1.25);
    // The race is between one room's replay and its append: a fresh journal each time.
    for attempt in 0..5 {
        let room = Room::new(&trigger_plan(&server, ""));
        let mut screens: Vec<Viewer> = (1..=3)
            .map(|i| room.open(&format!("attempt {attempt}, operator {i}"), &[], 120, 32))
            .collect();
        for op in &screens {
            op.wait_for_row(&["error_rate", "1.25%"], START);
        }
        for op in &mut screens {
            op.quit();
        }
        assert_eq!(
            room.count("plan_loaded"),
            1,
            "one plan, one plan_loaded; {}",
            room.types()
        );
    }
}

#[test]
fn a_rollback_countdown_runs_out_and_starts_the_rollback() {
    let server = Server::start();
    server.set_gauge(SERIES, 1.25);
    let room = Room::new(&trigger_plan(
        &server,
        "action = \"rollback\"\ncountdown = \"3s\"",
    ));
    // Two operators: both count down, one rollback is journaled.
    let mut screens = vec![
        room.open("operator 1", &[], 120, 32),
        room.open("operator 2", &[], 100, 30),
    ];
    screens[0].wait_for_row(&["error_rate", "1.25%"], START);
    screens[1].wait_for("Roll out to 10%", START);
    wait_polls(&server, "/metrics", 10);

    server.set_gauge(SERIES, 9.5);
    for s in &screens {
        s.wait_for("ROLLBACK IN 0:0", CHANGE);
        s.wait_for("ROLLBACK TRIGGER MET", CHANGE);
    }
    assert_eq!(room.count("rollback_started"), 0, "{}", room.types());
    // The countdown runs out 3 s after the trigger fired; every room then shows the rollback.
    for s in &screens {
        s.wait_for("ROLLBACK since", CHANGE);
        s.wait_until("the ROLLBACK state in the header", CHANGE, |screen| {
            first_line(screen).starts_with(" ROLLBACK ")
        });
        s.wait_gone("ROLLBACK IN", CHANGE);
    }
    let started = room.of_type("rollback_started");
    assert_eq!(started.len(), 1, "{}", room.types());
    let reason = started[0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("automatic"), "{reason}");
    assert!(reason.contains("Errors above 5%"), "{reason}");
    assert!(reason.contains("value 9.50"), "{reason}");
    // It started after the countdown, not before.
    let fired = room.of_type("trigger_fired");
    assert_eq!(fired.len(), 1, "{}", room.types());
    let at = |e: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(e["at"].as_str().unwrap()).unwrap()
    };
    let waited = at(&started[0]) - at(&fired[0]);
    assert!(
        waited >= chrono::Duration::milliseconds(2900) && waited < chrono::Duration::seconds(8),
        "rollback {waited} after the trigger fired"
    );
    // Another second of ticking writes nothing more.
    wait_polls(&server, "/metrics", 10);
    assert_eq!(room.count("rollback_started"), 1, "{}", room.types());

    for s in &mut screens {
        s.quit();
    }
}

#[test]
fn c_cancels_the_rollback_countdown() {
    let server = Server::start();
    server.set_gauge(SERIES, 1.25);
    let room = Room::new(&trigger_plan(
        &server,
        "action = \"rollback\"\ncountdown = \"4s\"",
    ));
    let mut op = room.open("operator", &[], 120, 32);
    op.wait_for_row(&["error_rate", "1.25%"], START);

    server.set_gauge(SERIES, 9.5);
    op.wait_for("ROLLBACK IN 0:0", CHANGE);
    op.send("c");
    op.wait_for("countdown cancelled", CHANGE);
    op.wait_gone("ROLLBACK IN", CHANGE);
    let cancelled = room.of_type("countdown_cancelled");
    assert_eq!(cancelled.len(), 1, "{}", room.types());
    assert_eq!(
        cancelled[0]["trigger"], "errors-above-5",
        "{}",
        cancelled[0]
    );

    // Well past the end of the countdown: still no rollback, the banner stays (the trigger is
    // still met) and says the countdown was cancelled.
    let fired = room.of_type("trigger_fired");
    assert_eq!(fired.len(), 1, "{}", room.types());
    let fired_at = chrono::DateTime::parse_from_rfc3339(fired[0]["at"].as_str().unwrap()).unwrap();
    let deadline = fired_at + chrono::Duration::seconds(6);
    wait_until(
        "the end of the countdown plus 2 s",
        Duration::from_secs(15),
        || chrono::Utc::now() > deadline,
        String::new,
    );
    wait_polls(&server, "/metrics", 5);
    assert_eq!(room.count("rollback_started"), 0, "{}", room.types());
    let screen = op.contents();
    assert!(!screen.contains("ROLLBACK since"), "{screen}");
    assert!(!screen.contains("ROLLBACK IN"), "{screen}");
    assert!(screen.contains("ROLLBACK TRIGGER MET"), "{screen}");
    assert!(
        screen.contains("rollback countdown cancelled for Errors"),
        "{screen}"
    );

    // A second `c` has nothing to cancel, and says so.
    op.send("c");
    op.wait_for("no rollback countdown is running", CHANGE);
    assert_eq!(room.count("countdown_cancelled"), 1, "{}", room.types());
    op.quit();
}

/// A plan with one `[[check]]` per name, each polling `server` at `/health/NAME` with
/// `conditions`.
fn checks_plan(server: &Server, names: &[&str], conditions: &str) -> String {
    let mut plan = String::from(
        r#"
title = "Reload drill"

[[phase]]
id = "deploy"
title = "Deploy"
  [[phase.task]]
  text = "Roll out"
"#,
    );
    for name in names {
        let _ = write!(
            plan,
            r#"
[[check]]
name = "{name}"
url = "{url}"
conditions = {conditions}
interval = "200ms"
"#,
            url = server.url(&format!("/health/{name}")),
        );
    }
    plan
}

const GOOD: &str = r#"["status == 200", "$.status == UP"]"#;

#[test]
fn editing_a_check_reloads_the_pollers_and_a_bad_edit_keeps_the_last_good_plan() {
    let server = Server::start();
    let room = Room::new(&checks_plan(&server, &["alpha"], GOOD));
    let mut op = room.open("operator", &[], 120, 32);
    op.wait_for_row(&["● UP", "alpha"], START);
    op.wait_for("Health 1/1 UP", CHANGE);

    // Renamed, and a second check: the pollers restart on the new plan.
    room.edit(&checks_plan(&server, &["beta", "gamma"], GOOD));
    op.wait_for_row(&["● UP", "beta"], CHANGE);
    op.wait_for_row(&["● UP", "gamma"], CHANGE);
    op.wait_for("Health 2/2 UP", CHANGE);
    op.wait_gone("alpha", CHANGE);
    // The old poller stopped: alpha is asked no more while beta goes on.
    wait_polls(&server, "/health/beta", 3);
    let alpha = server.hits("/health/alpha");
    wait_polls(&server, "/health/beta", 5);
    assert_eq!(
        server.hits("/health/alpha"),
        alpha,
        "alpha's poller still runs"
    );

    // An edit that does not load: the room says so and stays on the last good plan.
    room.edit(&checks_plan(&server, &["delta"], r#"["$.status === UP"]"#));
    op.wait_for("plan edit not loaded", CHANGE);
    let screen = op.contents();
    assert!(has_row(&screen, &["● UP", "beta"]), "{screen}");
    assert!(has_row(&screen, &["● UP", "gamma"]), "{screen}");
    assert!(!has_row(&screen, &["UNKNOWN", "delta"]), "{screen}");
    wait_polls(&server, "/health/beta", 5);
    assert_eq!(
        server.hits("/health/delta"),
        0,
        "the bad plan is not polled"
    );
    op.wait_for_row(&["● UP", "beta"], CHANGE);

    // Fixed: the message goes and the fixed plan runs.
    room.edit(&checks_plan(&server, &["delta"], GOOD));
    op.wait_gone("plan edit not loaded", CHANGE);
    op.wait_for_row(&["● UP", "delta"], CHANGE);
    op.wait_gone("beta", CHANGE);
    op.quit();
}

/// Everyone in the room has it open when the plan is edited: every room must end up on the
/// new plan with the new pollers, and the journal records the new plan once.
#[test]
fn an_edit_reloads_every_open_room() {
    let server = Server::start();
    let room = Room::new(&checks_plan(&server, &["alpha"], GOOD));
    let mut screens = Vec::new();
    for i in 1..=3 {
        let op = room.open(&format!("operator {i}"), &[], 120, 32);
        op.wait_for_row(&["● UP", "alpha"], START);
        screens.push(op);
    }
    assert_eq!(room.count("plan_loaded"), 1, "{}", room.types());

    room.edit(&checks_plan(&server, &["beta", "gamma"], GOOD));
    for op in &screens {
        op.wait_for_row(&["● UP", "beta"], CHANGE);
        op.wait_for_row(&["● UP", "gamma"], CHANGE);
        op.wait_for("Health 2/2 UP", CHANGE);
        op.wait_gone("alpha", CHANGE);
        op.wait_gone("plan reload:", CHANGE);
    }
    wait_polls(&server, "/health/beta", 3 * 3);
    let alpha = server.hits("/health/alpha");
    wait_polls(&server, "/health/beta", 3 * 5);
    assert_eq!(
        server.hits("/health/alpha"),
        alpha,
        "a room still polls alpha"
    );
    assert_eq!(
        room.count("plan_loaded"),
        2,
        "the edited plan is journaled once; {}",
        room.types()
    );
    for op in &mut screens {
        op.quit();
    }
}

/// Two metrics on one `/metrics` page, in `order`, polled every 100 ms, and a trigger that
/// fires on the first sample of `error_rate` above 5%.
fn two_metrics_plan(server: &Server, order: [&str; 2]) -> String {
    let mut plan = String::from(
        r#"
title = "Reorder drill"

[[phase]]
id = "deploy"
title = "Deploy"
  [[phase.task]]
  text = "Roll out"
"#,
    );
    for name in order {
        let (unit, series) = if name == "latency" {
            ("ms", "demo_latency_ms")
        } else {
            ("%", SERIES)
        };
        let _ = write!(
            plan,
            r#"
[[metric]]
name = "{name}"
unit = "{unit}"
scrape = "{url}"
series = "{series}"
interval = "100ms"
"#,
            url = server.url("/metrics"),
        );
    }
    plan.push_str(
        r#"
[[trigger]]
text = "Errors above 5%"
when = "error_rate > 5%"
"#,
    );
    plan
}

/// Which of the two metrics the health panel lists first.
fn first_metric(screen: &str) -> Option<&'static str> {
    let row = |name: &str| {
        screen
            .lines()
            .position(|l| l.contains(&format!("│{name} ")))
    };
    match (row("latency"), row("error_rate")) {
        (Some(l), Some(e)) if l < e => Some("latency"),
        (Some(_), Some(_)) => Some("error_rate"),
        _ => None,
    }
}

/// Reordering the metrics in the plan restarts the pollers; a reading the old pollers took
/// (latency: 300 ms) must not land on the metric that now has its index (`error_rate`) and
/// fire the error-rate trigger.
#[test]
fn reordering_metrics_never_feeds_one_metrics_reading_to_another() {
    let server = Server::start();
    server.set_gauge("demo_latency_ms", 300.0);
    server.set_gauge(SERIES, 1.25);
    let room = Room::new(&two_metrics_plan(&server, ["latency", "error_rate"]));
    let mut op = room.open("operator", &[], 120, 32);
    op.wait_for_row(&["latency", "300ms"], START);
    op.wait_for_row(&["error_rate", "1.25%"], START);

    let mut order = ["latency", "error_rate"];
    for _ in 0..6 {
        order.reverse();
        room.edit(&two_metrics_plan(&server, order));
        op.wait_until(&format!("{} listed first", order[0]), CHANGE, |s| {
            first_metric(s) == Some(order[0])
        });
        wait_polls(&server, "/metrics", 6);
        let screen = op.contents();
        assert!(
            !screen.contains("ROLLBACK TRIGGER MET"),
            "a latency reading fed the error-rate trigger; {}\n{screen}",
            room.types()
        );
        // The new pollers' readings reach the screen within a frame of the server seeing
        // them, not at the same instant: wait for the rows rather than read them at once.
        op.wait_for_row(&["latency", "300ms"], CHANGE);
        op.wait_for_row(&["error_rate", "1.25%"], CHANGE);
    }
    assert_eq!(room.count("trigger_fired"), 0, "{}", room.types());
    op.quit();
}
