//! A go/no-go poll answered from two terminals, end to end: the real binary in real
//! pseudo-terminals, two operators in different roles (`--role "Release Manager"`, the lead,
//! and `--role SRE`) answering one gate through the vote dialog (`g`; Tab/arrows between the
//! role, vote and note fields; ←/→ choose; Enter records; Esc cancels). The test asserts what
//! both screens show in the gates panel and what the journal holds: each `voted` event's
//! `role` (who answered) and `acting_role` (who recorded it), a NO-GO refused without a reason
//! and recorded with one, and a vote the lead records on another role's behalf.
//!
//! The test can only run as one operating-system user, so the plan's `[roles]` name that
//! user (the user part of `warroom::journal::actor()`) as a member of the roles it acts in.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::time::Duration;

use common::pty::Viewer;
use common::room::Room;

/// Starting a room (a debug build on a loaded 2-core machine).
const START: Duration = Duration::from_secs(20);
/// A key reaching the screen, or another room's event reaching this one.
const CHANGE: Duration = Duration::from_secs(10);

const GATE: &str = "Go for launch";
/// The start of the gates panel's votes row under the gate (wide layout), which tells it
/// apart from the feed's lines about the same votes.
const VOTES_ROW: &str = "GO needs all 2:";

const ENTER: &str = "\r";
const ESC: &str = "\x1b";
const UP: &str = "\x1b[A";
const RIGHT: &str = "\x1b[C";

/// The test's own user name (the part of `user@host` that `[roles]` lists).
fn me() -> String {
    warroom::journal::actor()
        .split('@')
        .next()
        .unwrap()
        .to_string()
}

/// A wall screen wide enough that the gates panel (38 % of the width) shows every role's vote
/// in full, "(user for Release Manager HH:MM)" included, whatever the user's name. At the
/// smallest wide layout (120×32) the votes row is cut after the first role.
fn wall_cols() -> u16 {
    u16::try_from(260 + 6 * me().len()).unwrap()
}

/// A room on a plan with one phase and one gate polling Release Manager and SRE under the
/// default rule (all), with `roles` as its `[roles]` table.
fn room(roles: &str) -> Room {
    Room::new(&format!(
        r#"
title = "Checkout v3"

[roles]
{roles}

[[phase]]
id = "deploy"
title = "Deploy checkout v3"
  [[phase.task]]
  text = "Roll out to 10%"

[[gate]]
id = "go-live"
title = "{GATE}"
phase = "deploy"
voters = ["Release Manager", "SRE"]
"#
    ))
}

/// Waits until the gates panel shows the gate's decision, e.g. `"✔ GO"`.
fn wait_decision(v: &Viewer, decision: &str) {
    v.wait_for_row(&[decision, GATE], CHANGE);
}

/// Waits until the gates panel's votes row (wide layout) shows every one of `parts`.
fn wait_votes(v: &Viewer, parts: &[&str]) {
    let mut all = vec![VOTES_ROW];
    all.extend_from_slice(parts);
    v.wait_for_row(&all, CHANGE);
}

/// Waits until the footer (the screen's last row) shows `text`.
fn wait_footer(v: &Viewer, text: &str) {
    v.wait_until(&format!("'{text}' in the footer"), CHANGE, |s| {
        s.lines().last().is_some_and(|l| l.contains(text))
    });
}

/// Presses `g` and waits for the vote dialog with `role` chosen.
fn open_dialog(v: &mut Viewer, role: &str) {
    v.send("g");
    v.wait_for("Go / No-Go ", CHANGE);
    v.wait_for(&format!("Role: ◂ {role} ▸"), CHANGE);
}

/// Waits until the dialog is closed.
fn wait_dialog_closed(v: &Viewer) {
    v.wait_gone("Role: ◂", CHANGE);
}

/// Waits until the journal holds `n` `voted` events.
fn wait_votes_journaled(room: &Room, n: usize) {
    common::pty::wait_until(
        &format!("{n} voted events"),
        CHANGE,
        || room.of_type("voted").len() >= n,
        || room.types(),
    );
}

/// Waits until the journal holds `n` `voted` events and `v`'s footer reports the last one as
/// recorded under its sequence number.
fn wait_recorded(v: &Viewer, room: &Room, n: usize) {
    wait_votes_journaled(room, n);
    let seq = room.of_type("voted")[n - 1]["seq"].as_u64().unwrap();
    wait_footer(v, &format!("vote recorded (journal #{seq})"));
}

/// Asserts a `voted` event's fields.
fn assert_vote(ev: &serde_json::Value, role: &str, acting_role: &str, vote: &str) {
    assert_eq!(ev["gate"], "go-live", "{ev}");
    assert_eq!(ev["role"], role, "{ev}");
    assert_eq!(ev["acting_role"], acting_role, "{ev}");
    assert_eq!(ev["vote"], vote, "{ev}");
    assert_eq!(ev["actor"], warroom::journal::actor().as_str(), "{ev}");
}

#[test]
fn a_poll_answered_from_two_terminals() {
    let me = me();
    let room = room(&format!(
        "\"Release Manager\" = [\"{me}\"]\nSRE = [\"{me}\"]"
    ));
    // The lead on the wall screen; the SRE on a terminal of the smallest wide size.
    let mut lead = room.open("lead", &["--role", "Release Manager"], wall_cols(), 40);
    let mut sre = room.open("sre", &["--role", "SRE"], 120, 32);
    for v in [&lead, &sre] {
        v.wait_for_row(&["? PENDING", GATE], START);
    }
    lead.wait_for_row(&["as Release Manager"], START);
    sre.wait_for_row(&["as SRE"], START);
    wait_votes(&lead, &["Release Manager ? not yet", "SRE ? not yet"]);

    // The lead answers GO for their own role: the dialog opens on it, GO chosen.
    open_dialog(&mut lead, "Release Manager");
    lead.send(ENTER);
    wait_dialog_closed(&lead);
    wait_recorded(&lead, &room, 1);
    wait_votes(&lead, &["Release Manager GO (", "SRE ? not yet"]);
    for v in [&lead, &sre] {
        // One of two: still pending under the rule "all".
        wait_decision(v, "? PENDING");
    }
    let votes = room.of_type("voted");
    assert_eq!(votes.len(), 1, "{}", room.types());
    assert_vote(&votes[0], "Release Manager", "Release Manager", "go");

    // The SRE answers GO from the other terminal: the dialog opens on their role.
    open_dialog(&mut sre, "SRE");
    sre.send(ENTER);
    wait_dialog_closed(&sre);
    wait_recorded(&sre, &room, 2);
    for v in [&lead, &sre] {
        wait_decision(v, "✔ GO");
    }
    wait_votes(&lead, &["Release Manager GO (", &format!("SRE GO ({me} ")]);
    let votes = room.of_type("voted");
    assert_eq!(votes.len(), 2, "{}", room.types());
    assert_vote(&votes[1], "SRE", "SRE", "go");
    assert!(votes.iter().all(|v| v.get("note").is_none()), "{votes:?}");

    // Esc leaves the dialog and writes nothing.
    open_dialog(&mut sre, "SRE");
    sre.send(ESC);
    wait_dialog_closed(&sre);
    wait_footer(&sre, "vote cancelled");

    // A NO-GO without a reason is refused: the dialog stays for the reason, nothing is
    // journaled, the gate stays GO on both screens.
    open_dialog(&mut sre, "SRE");
    // The vote field has the keys: → turns GO into NO-GO. (The choice is drawn only as a
    // highlight; the refusal shows it was NO-GO — a GO would have been recorded.)
    sre.send(RIGHT);
    sre.send(ENTER);
    wait_footer(&sre, "needs a reason");
    sre.wait_for("Role: ◂ SRE ▸", CHANGE);
    assert_eq!(room.of_type("voted").len(), 2, "refused: {}", room.types());
    for v in [&lead, &sre] {
        wait_decision(v, "✔ GO");
    }

    // The refusal put the keys on the note field: the reason is typed there, and the NO-GO
    // is recorded: one NO-GO decides under the rule "all".
    let reason = "canary errors at 4% (gate needs < 1%)";
    sre.wait_for("▸ Note:", CHANGE);
    sre.send(reason);
    sre.wait_for(&format!("Note: {reason}"), CHANGE);
    sre.send(ENTER);
    wait_dialog_closed(&sre);
    wait_recorded(&sre, &room, 3);
    for v in [&lead, &sre] {
        wait_decision(v, "✖ NO-GO");
    }
    wait_votes(
        &lead,
        &["Release Manager GO (", &format!("SRE NO-GO ({me} ")],
    );
    let votes = room.of_type("voted");
    assert_eq!(votes.len(), 3, "{}", room.types());
    assert_vote(&votes[2], "SRE", "SRE", "no_go");
    assert_eq!(votes[2]["note"], reason, "{}", votes[2]);

    lead.quit();
    sre.quit();
}

#[test]
fn the_lead_records_a_vote_on_another_roles_behalf() {
    let me = me();
    // The test's user leads (Release Manager, the first role) and is not an SRE.
    let room = room(&format!(
        "\"Release Manager\" = [\"{me}\"]\nSRE = [\"somebody-else@elsewhere\"]"
    ));
    let mut lead = room.open("lead", &["--role", "Release Manager"], wall_cols(), 40);
    let mut watcher = room.open("follower", &["--follow"], wall_cols(), 40);
    for v in [&lead, &watcher] {
        v.wait_for_row(&["? PENDING", GATE], START);
    }

    // The dialog opens on the lead's role; ↑ to the role field, → to SRE, Enter records GO.
    open_dialog(&mut lead, "Release Manager");
    lead.send(UP);
    lead.wait_for("▸ Role: ◂ Release Manager ▸", CHANGE);
    lead.send(RIGHT);
    lead.wait_for("▸ Role: ◂ SRE ▸", CHANGE);
    lead.send(ENTER);
    wait_dialog_closed(&lead);
    wait_recorded(&lead, &room, 1);
    let votes = room.of_type("voted");
    assert_eq!(votes.len(), 1, "{}", room.types());
    // The event names the role answered for; the acting role is the lead who recorded it.
    assert_vote(&votes[0], "SRE", "Release Manager", "go");

    for v in [&lead, &watcher] {
        wait_votes(
            v,
            &[
                "Release Manager ? not yet",
                &format!("SRE GO ({me} for Release Manager "),
            ],
        );
        v.wait_for_row(
            &["SRE GO at", "recorded by Release Manager on its behalf"],
            CHANGE,
        );
        // Release Manager has not answered: still pending.
        wait_decision(v, "? PENDING");
    }

    lead.quit();
    watcher.quit();
}
