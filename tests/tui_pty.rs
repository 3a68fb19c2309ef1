//! End to end through real pseudo-terminals: two viewers of the same plan; a tick in one
//! appears on the other's screen.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::time::Duration;

use common::pty::Viewer;

#[test]
fn a_tick_in_one_viewer_appears_in_the_other() {
    let (_dir, plan) = common::fixture::small_launch();
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
    let out = common::state::warroom()
        .args(["hold", plan, "--reason", "waiting for DNS"])
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    lead.wait_for("HOLD", Duration::from_secs(5));
    follower.wait_for("HOLD", Duration::from_secs(5));

    lead.quit();
    follower.quit();
}
