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

/// `/` narrows the checklist with every key typed, in the real binary; Esc clears it; the
/// filter is this viewer's only: another viewer's screen keeps every task, and nothing is
/// journaled.
#[test]
fn the_filter_narrows_the_checklist_as_typed_and_esc_clears_it() {
    let (_dir, plan) = common::fixture::small_launch();
    let plan = plan.to_str().unwrap();

    let mut lead = Viewer::open(&["open", plan], 100, 30);
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(20));
    let mut other = Viewer::open(&["open", plan, "--follow"], 80, 24);
    other.wait_for("[ ] Run migrations", Duration::from_secs(20));

    lead.send("/migr");
    lead.wait_for("filter \"migr\": 1 of 2", Duration::from_secs(5));
    lead.wait_gone("Deploy the API", Duration::from_secs(5));
    assert!(lead.contents().contains("[ ] Run migrations"));
    // Backspace widens it again, as typed.
    lead.send("\x7f\x7f\x7f\x7fx");
    lead.wait_for("filter \"x\"", Duration::from_secs(5));
    // Esc clears the filter first: every task is back, and the room is still open.
    lead.send("\x1b");
    lead.wait_for("[ ] Deploy the API", Duration::from_secs(5));
    lead.wait_gone("filter \"", Duration::from_secs(5));
    assert!(
        lead.try_exit().is_none(),
        "Esc cleared the filter, it did not quit"
    );

    // Never journaled: the other viewer saw no event and still shows both tasks.
    assert!(other.contents().contains("Deploy the API"));
    assert!(
        other.contents().contains("Journal feed (#1)"),
        "{}",
        other.contents()
    );
    lead.quit();
    other.quit();
}
