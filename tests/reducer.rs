//! Reducer rules, without a terminal or a journal file: fold events, decide commands.

#![allow(clippy::unwrap_used, clippy::type_complexity)] // table-driven tests

use chrono::{DateTime, Duration, TimeZone, Utc};
use warroom::journal::event::{EVENT_VERSION, Event, EventKind, Vote};
use warroom::plan::{Gate, Phase, PhaseKind, Plan, PollRule, Roles, Schedule, Task};
use warroom::state::{Command, Decision, RoomState, RoomStatus};

fn t(h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 13, h, m, 0)
        .single()
        .expect("valid time")
}

fn task(phase: &str, n: usize) -> Task {
    Task {
        id: format!("{phase}/t{n}"),
        text: format!("task {n} of {phase}"),
        done: false,
        depth: 0,
        owner: None,
        run: None,
        timeout: None,
        line: 0,
    }
}

fn phase(id: &str, kind: PhaseKind, schedule: Schedule, tasks: usize) -> Phase {
    Phase {
        id: id.into(),
        title: id.to_uppercase(),
        kind,
        schedule,
        line: 0,
        tasks: (0..tasks).map(|n| task(id, n)).collect(),
    }
}

/// Two forward phases (the first closed by a gate with two voters) and a rollback step.
fn plan() -> Plan {
    Plan {
        title: "Launch".into(),
        t0: Some(t(9, 0)),
        roles: Roles::from_names(["Tech Lead".to_string(), "Ops".to_string()]),
        phases: vec![
            phase(
                "p1",
                PhaseKind::Forward,
                Schedule::At {
                    start: t(9, 0),
                    end: t(10, 30),
                },
                2,
            ),
            phase(
                "p2",
                PhaseKind::Forward,
                Schedule::Length { length_s: 3600 },
                1,
            ),
            phase(
                "rb",
                PhaseKind::Rollback,
                Schedule::Length { length_s: 7200 },
                2,
            ),
        ],
        gates: vec![Gate {
            id: "gate-1".into(),
            title: "Go/No-Go Checkpoint 1".into(),
            phase: "p1".into(),
            voters: vec!["Tech Lead".into(), "Ops".into()],
            rule: PollRule::default(),
            hold_before: None,
            line: 0,
        }],
        ..Plan::default()
    }
}

/// A room that journals every decided command, as a session would.
struct Room {
    state: RoomState,
    seq: u64,
}

impl Room {
    fn new() -> Self {
        Room {
            state: RoomState::new(plan(), t(9, 0)),
            seq: 0,
        }
    }

    #[allow(clippy::needless_pass_by_value)] // call sites read better with owned commands
    fn act(&mut self, cmd: Command, role: Option<&str>, at: DateTime<Utc>) -> Result<(), String> {
        let (kind, role) = self.state.decide(&cmd, role).map_err(|r| r.0)?;
        self.seq += 1;
        self.state.apply(&Event {
            v: EVENT_VERSION,
            seq: self.seq,
            at,
            actor: "alice@host".into(),
            role,
            kind,
            prev: String::new(),
        });
        Ok(())
    }
}

fn advance() -> Command {
    Command::Advance {
        to: None,
        override_reason: None,
    }
}

fn tick(task: &str) -> Command {
    Command::Check {
        task: task.into(),
        note: None,
    }
}

fn vote(role: &str, v: Vote, note: Option<&str>) -> Command {
    Command::Vote {
        gate: "gate-1".into(),
        role: Some(role.into()),
        vote: v,
        note: note.map(str::to_string),
    }
}

#[test]
fn ticking_counts_per_phase_and_overall_and_refuses_unknown_ids() {
    let mut room = Room::new();
    room.act(
        Command::Check {
            task: "p1/t0".into(),
            note: None,
        },
        None,
        t(9, 5),
    )
    .unwrap();
    assert_eq!(room.state.phase_progress(0), (1, 2));
    assert_eq!(room.state.progress(), (1, 5));
    let again = room.act(
        Command::Check {
            task: "p1/t0".into(),
            note: None,
        },
        None,
        t(9, 6),
    );
    assert!(again.unwrap_err().contains("already done"));
    let unknown = room.act(
        Command::Check {
            task: "nope".into(),
            note: None,
        },
        None,
        t(9, 6),
    );
    assert!(unknown.unwrap_err().contains("unknown task id 'nope'"));
    room.act(
        Command::Uncheck {
            task: "p1/t0".into(),
            note: None,
        },
        None,
        t(9, 7),
    )
    .unwrap();
    assert_eq!(room.state.progress(), (0, 5));
}

#[test]
fn gate_decisions_follow_the_latest_vote_of_each_role() {
    // (votes in order, expected decision)
    let cases: &[(&[(&str, Vote)], Decision)] = &[
        (&[], Decision::Pending),
        (&[("Tech Lead", Vote::Go)], Decision::Pending),
        (&[("Tech Lead", Vote::Go), ("Ops", Vote::Go)], Decision::Go),
        (
            &[("Tech Lead", Vote::Go), ("Ops", Vote::NoGo)],
            Decision::NoGo,
        ),
        (
            &[("Tech Lead", Vote::Hold), ("Ops", Vote::Go)],
            Decision::Hold,
        ),
        (
            &[
                ("Ops", Vote::NoGo),
                ("Ops", Vote::Go),
                ("Tech Lead", Vote::Go),
            ],
            Decision::Go,
        ),
    ];
    for (votes, want) in cases {
        let mut room = Room::new();
        for (role, v) in *votes {
            room.act(vote(role, *v, Some("because")), None, t(9, 10))
                .unwrap();
        }
        assert_eq!(room.state.gate_decision(0), *want, "{votes:?}");
    }
}

#[test]
fn votes_need_a_voting_role_and_no_go_needs_a_reason() {
    let mut room = Room::new();
    let no_role = room.act(
        Command::Vote {
            gate: "gate-1".into(),
            role: None,
            vote: Vote::Go,
            note: None,
        },
        None,
        t(9, 1),
    );
    assert!(no_role.unwrap_err().contains("--role"));
    let outsider = room.act(vote("Janitor", Vote::Go, None), None, t(9, 1));
    assert!(outsider.unwrap_err().contains("does not vote"));
    let bare_no_go = room.act(vote("Ops", Vote::NoGo, None), None, t(9, 1));
    assert!(bare_no_go.unwrap_err().contains("needs a reason"));
    assert!(
        room.state.votes[0].is_empty(),
        "refused votes leave no trace"
    );
}

#[test]
fn advancing_past_a_gate_that_is_not_go_needs_an_override() {
    let mut room = Room::new();
    assert_eq!(room.state.status(), RoomStatus::Planned);
    room.act(advance(), None, t(9, 0)).unwrap();
    assert_eq!(room.state.current, Some(0));
    assert_eq!(room.state.status(), RoomStatus::InProgress);

    let refused = room.act(advance(), None, t(10, 0)).unwrap_err();
    assert!(
        refused.contains("Go/No-Go Checkpoint 1 is PENDING"),
        "{refused}"
    );
    assert_eq!(
        room.state.current,
        Some(0),
        "a refused advance changes nothing"
    );

    let forced = Command::Advance {
        to: None,
        override_reason: Some("CTO accepted the risk".into()),
    };
    room.act(forced, None, t(10, 1)).unwrap();
    assert_eq!(room.state.current, Some(1));
    assert_eq!(room.state.overrides.len(), 1);
    assert_eq!(
        room.state.overrides[0].1.note.as_deref(),
        Some("CTO accepted the risk")
    );
    assert_eq!(room.state.actual[0].end, Some(t(10, 1)));

    // The rollback step is not part of the forward sequence: the next advance finishes.
    room.act(tick("p2/t0"), None, t(10, 59)).unwrap();
    room.act(advance(), None, t(11, 0)).unwrap();
    assert_eq!(room.state.status(), RoomStatus::Done);
    assert!(
        room.act(advance(), None, t(11, 1))
            .unwrap_err()
            .contains("done")
    );
}

#[test]
fn a_go_gate_lets_the_phase_advance_without_override() {
    let mut room = Room::new();
    room.act(advance(), None, t(9, 0)).unwrap();
    room.act(tick("p1/t0"), None, t(9, 10)).unwrap();
    room.act(tick("p1/t1"), None, t(9, 11)).unwrap();
    room.act(vote("Tech Lead", Vote::Go, None), None, t(9, 50))
        .unwrap();
    room.act(vote("Ops", Vote::Go, None), None, t(9, 51))
        .unwrap();
    room.act(advance(), None, t(10, 0)).unwrap();
    assert_eq!(room.state.current, Some(1));
    assert!(room.state.overrides.is_empty());
}

#[test]
fn a_hold_stops_the_countdown_and_blocks_advancing() {
    let mut room = Room::new();
    let before = t(8, 0);
    let c0 = room.state.countdown(before).unwrap();
    assert_eq!(c0.remaining_s, 3600);
    room.act(
        Command::Hold {
            reason: "DNS not propagated".into(),
        },
        None,
        before,
    )
    .unwrap();
    assert_eq!(room.state.status(), RoomStatus::Hold);
    // Twenty minutes on hold: the countdown still says one hour.
    let during = before + Duration::minutes(20);
    assert_eq!(room.state.countdown(during).unwrap().remaining_s, 3600);
    assert!(
        room.act(advance(), None, during)
            .unwrap_err()
            .contains("release the hold")
    );
    assert!(
        room.act(
            Command::Hold {
                reason: "again".into()
            },
            None,
            during
        )
        .is_err()
    );
    room.act(Command::Release { note: None }, None, during)
        .unwrap();
    // After release it runs again, shifted by the 20 minutes held.
    let after = during + Duration::minutes(10);
    assert_eq!(room.state.countdown(after).unwrap().remaining_s, 3000);
    assert!(
        room.act(Command::Release { note: None }, None, after)
            .is_err()
    );
    assert!(
        room.act(
            Command::Hold {
                reason: "  ".into()
            },
            None,
            after
        )
        .unwrap_err()
        .contains("reason")
    );
}

#[test]
fn rollback_switches_the_room_and_focuses_the_rollback_procedure() {
    let mut room = Room::new();
    room.act(advance(), None, t(9, 0)).unwrap();
    assert_eq!(room.state.focus_phase(), 0);
    room.act(
        Command::Rollback {
            reason: "error rate 60%".into(),
        },
        None,
        t(9, 30),
    )
    .unwrap();
    assert_eq!(room.state.status(), RoomStatus::Rollback);
    assert_eq!(
        room.state.focus_phase(),
        2,
        "the rollback steps become the checklist"
    );
    assert!(
        room.act(
            Command::Rollback {
                reason: "again".into()
            },
            None,
            t(9, 31)
        )
        .is_err()
    );
    assert!(
        room.act(advance(), None, t(9, 32))
            .unwrap_err()
            .contains("rollback")
    );
    room.act(
        Command::Check {
            task: "rb/t0".into(),
            note: None,
        },
        None,
        t(9, 40),
    )
    .unwrap();
    assert_eq!(room.state.phase_progress(2), (1, 2));
}

#[test]
fn roles_outside_the_plan_are_refused() {
    let mut room = Room::new();
    let err = room
        .act(Command::Note { text: "hi".into() }, Some("Intern"), t(9, 0))
        .unwrap_err();
    assert!(err.contains("not in this plan"), "{err}");
    room.act(Command::Note { text: "hi".into() }, Some("ops"), t(9, 0))
        .unwrap();
}

#[test]
fn events_naming_vanished_ids_are_reported_not_dropped() {
    let mut room = Room::new();
    room.seq = 1;
    room.state.apply(&Event {
        v: EVENT_VERSION,
        seq: 1,
        at: t(9, 0),
        actor: "bob@host".into(),
        role: None,
        kind: EventKind::TaskChecked {
            task: "old/removed".into(),
            note: None,
        },
        prev: String::new(),
    });
    assert_eq!(
        room.state.dangling,
        vec![(1, "task old/removed".to_string())]
    );
    assert_eq!(room.state.events, 1);
    assert!(
        room.state
            .feed
            .back()
            .unwrap()
            .text
            .contains("not in this plan")
    );
}

#[test]
fn windows_resolve_against_t0_and_chain_lengths() {
    let room = Room::new();
    assert_eq!(room.state.planned[0], Some((t(9, 0), t(10, 30))));
    assert_eq!(
        room.state.planned[1],
        Some((t(10, 30), t(11, 30))),
        "length-only follows the previous phase"
    );
    assert_eq!(
        room.state.planned[2],
        Some((t(9, 0), t(11, 0))),
        "rollback steps chain from T-0"
    );
    let rel = Schedule::Offset {
        start_s: -7 * 86_400,
        end_s: -6 * 86_400,
    };
    assert_eq!(
        rel.resolve(t(9, 0), None),
        Some((t(9, 0) - Duration::days(7), t(9, 0) - Duration::days(6)))
    );
}

/// A room whose one gate polls three roles under `rule`.
fn three_voter_room(rule: PollRule) -> Room {
    let mut plan = plan();
    plan.gates[0].voters = vec!["Tech Lead".into(), "Ops".into(), "QA".into()];
    plan.gates[0].rule = rule;
    Room {
        state: RoomState::new(plan, t(9, 0)),
        seq: 0,
    }
}

fn decide_with(rule: PollRule, votes: &[(&str, Vote)]) -> Decision {
    let mut room = three_voter_room(rule);
    for (i, (role, v)) in votes.iter().enumerate() {
        let note = (*v == Vote::NoGo).then_some("red");
        room.act(vote(role, *v, note), None, t(9, i as u32))
            .unwrap();
    }
    room.state.gate_decision(0)
}

#[test]
fn poll_rules_all_majority_and_at_least_n() {
    use Decision::{Go, Hold, NoGo, Pending};
    use Vote::{Go as G, Hold as H, NoGo as N};
    let all = PollRule::default();
    let majority: PollRule = serde_json::from_str("\"majority\"").unwrap();
    let two: PollRule = serde_json::from_str("2").unwrap();
    let cases: &[(PollRule, &[(&str, Vote)], Decision)] = &[
        // Every voter must say GO; one NO-GO settles it.
        (all, &[("Tech Lead", G), ("Ops", G)], Pending),
        (all, &[("Tech Lead", G), ("Ops", G), ("QA", G)], Go),
        (all, &[("Tech Lead", G), ("Ops", N)], NoGo),
        (all, &[("Tech Lead", G), ("Ops", H)], Hold),
        // A majority of three is two.
        (majority, &[("Tech Lead", G), ("Ops", G)], Go),
        (majority, &[("Tech Lead", G), ("Ops", N)], Pending),
        (majority, &[("Tech Lead", N), ("Ops", N)], NoGo),
        (majority, &[("Tech Lead", G), ("Ops", H)], Hold),
        // At least two: a third vote changes nothing once two said GO.
        (two, &[("Tech Lead", G), ("QA", G), ("Ops", N)], Go),
        (two, &[("Tech Lead", N), ("QA", N)], NoGo),
        // Only the latest answer of each role counts.
        (
            two,
            &[("Tech Lead", G), ("Tech Lead", N), ("QA", G)],
            Pending,
        ),
    ];
    for (rule, votes, want) in cases {
        assert_eq!(decide_with(*rule, votes), *want, "{rule:?} {votes:?}");
    }
    assert_eq!(majority.describe(3), "majority of 3");
    assert_eq!(two.describe(3), "2 of 3");
    assert_eq!(PollRule::AtLeast(9).needed(3), 3, "capped at the voters");
}

#[test]
fn leaving_a_phase_with_open_tasks_needs_an_override() {
    let mut room = Room::new();
    room.act(advance(), None, t(9, 0)).unwrap();
    room.act(vote("Tech Lead", Vote::Go, None), None, t(9, 1))
        .unwrap();
    room.act(vote("Ops", Vote::Go, None), None, t(9, 2))
        .unwrap();
    room.act(tick("p1/t0"), None, t(9, 3)).unwrap();
    let refused = room.act(advance(), None, t(9, 4)).unwrap_err();
    assert!(refused.contains("1 of 2 tasks of P1 not done"), "{refused}");
    assert!(refused.contains("--override"), "{refused}");
    assert_eq!(room.state.current, Some(0));

    let blank = Command::Advance {
        to: None,
        override_reason: Some("   ".into()),
    };
    assert!(
        room.act(blank, None, t(9, 5)).is_err(),
        "a blank reason is no reason"
    );

    let forced = Command::Advance {
        to: None,
        override_reason: Some("backup verified by hand".into()),
    };
    room.act(forced, None, t(9, 6)).unwrap();
    assert_eq!(room.state.current, Some(1));
    assert_eq!(
        room.state.overrides[0].1.note.as_deref(),
        Some("backup verified by hand")
    );
    assert!(room.state.feed.back().unwrap().text.contains("OVERRIDE"));
}

#[test]
fn rollback_steps_run_against_their_budgets() {
    let mut p = plan();
    p.phases.retain(|ph| ph.kind == PhaseKind::Forward);
    p.phases.push(phase(
        "decide",
        PhaseKind::Rollback,
        Schedule::Length { length_s: 300 },
        1,
    ));
    p.phases.push(phase(
        "execute",
        PhaseKind::Rollback,
        Schedule::Length { length_s: 900 },
        2,
    ));
    p.rollback_window = Some(std::time::Duration::from_secs(24 * 3600));
    let mut room = Room {
        state: RoomState::new(p, t(9, 0)),
        seq: 0,
    };
    assert!(room.state.rollback_clock(t(9, 0)).is_none());
    assert_eq!(
        room.state.rollback_window_closes(),
        Some(t(9, 0) + Duration::hours(24))
    );
    room.act(
        Command::Rollback {
            reason: "errors".into(),
        },
        None,
        t(10, 0),
    )
    .unwrap();

    // Four minutes in: the decision step is open, within its five.
    let c = room.state.rollback_clock(t(10, 4)).unwrap();
    assert_eq!(c.current, Some(0));
    assert_eq!(c.steps[0].elapsed_s, 240);
    assert!(!c.steps[0].overrun());
    assert_eq!(c.steps[1].started, None, "the next step waits for this one");
    assert_eq!(c.budget_s, Some(1200));

    // Decided at 10:06 (one minute over); execution starts then.
    room.act(tick("decide/t0"), None, t(10, 6)).unwrap();
    let c = room.state.rollback_clock(t(10, 20)).unwrap();
    assert_eq!(c.steps[0].finished, Some(t(10, 6)));
    assert_eq!(c.steps[0].elapsed_s, 360);
    assert!(c.steps[0].overrun());
    assert_eq!(c.steps[1].started, Some(t(10, 6)));
    assert_eq!(c.steps[1].elapsed_s, 14 * 60);
    assert!(!c.overrun(), "20 minutes of 20");

    // Done at 10:25: 25 minutes of a 20-minute budget, and the clock stops there.
    room.act(tick("execute/t0"), None, t(10, 22)).unwrap();
    room.act(tick("execute/t1"), None, t(10, 25)).unwrap();
    let c = room.state.rollback_clock(t(12, 0)).unwrap();
    assert_eq!(c.current, None);
    assert_eq!(c.elapsed_s, 25 * 60);
    assert!(c.overrun());
    assert!(c.steps[1].overrun());
    assert_eq!(warroom::state::rollback::clock(c.elapsed_s), "25:00");
}

#[test]
fn a_built_in_hold_stops_the_countdown_until_its_gate_is_go() {
    let mut p = plan();
    p.gates[0].hold_before = Some(std::time::Duration::from_secs(15 * 60));
    // T-0 at 09:00; the hold begins at 08:45.
    let mut room = Room {
        state: RoomState::new(p, t(9, 0)),
        seq: 0,
    };
    assert!(room.state.builtin_hold(t(8, 40)).is_none());
    assert_eq!(room.state.held(t(8, 40)), Duration::zero());
    let remaining = |room: &Room, now| room.state.countdown(now).unwrap().remaining_s;
    assert_eq!(remaining(&room, t(8, 40)), 20 * 60);

    // At 08:50 the clock has stood still for five minutes: still 15 minutes to go.
    let b = room.state.builtin_hold(t(8, 50)).unwrap();
    assert_eq!((b.gate, b.from, b.until), (0, t(8, 45), None));
    assert_eq!(remaining(&room, t(8, 50)), 15 * 60);

    // GO from both voters at 08:52 releases it; the countdown runs again from 15 minutes.
    room.act(vote("Tech Lead", Vote::Go, None), None, t(8, 51))
        .unwrap();
    assert!(
        room.state.builtin_hold(t(8, 51)).is_some(),
        "one GO of two is not GO"
    );
    room.act(vote("Ops", Vote::Go, None), None, t(8, 52))
        .unwrap();
    assert!(room.state.builtin_hold(t(8, 53)).is_none());
    assert_eq!(room.state.held(t(8, 55)), Duration::minutes(7));
    assert_eq!(remaining(&room, t(8, 55)), 12 * 60);
}

/// The forecast of phase `i` as (start, end) `HH:MM`, for assertions that read like the plan.
fn fc(room: &Room, i: usize, now: DateTime<Utc>) -> Option<(String, String)> {
    room.state.forecasts(now)[i].map(|f| {
        (
            f.start.format("%H:%M").to_string(),
            f.end.format("%H:%M").to_string(),
        )
    })
}

fn hm(s: &str) -> (String, String) {
    let (a, b) = s.split_once('-').unwrap();
    (a.to_string(), b.to_string())
}

fn override_to(phase: &str) -> Command {
    Command::Advance {
        to: Some(phase.into()),
        override_reason: Some("rehearsal".into()),
    }
}

#[test]
fn a_late_start_moves_every_phase_after_it_and_the_eta() {
    use warroom::state::Milestone;
    let mut room = Room::new();
    // Before T-0, all on plan: go-live at 09:00, the rollback step gets no forecast.
    let eta = room.state.eta(t(8, 30)).unwrap();
    assert_eq!(
        (eta.milestone, eta.at, eta.slip_s),
        (Milestone::GoLive, t(9, 0), 0)
    );
    assert_eq!(fc(&room, 0, t(8, 30)), Some(hm("09:00-10:30")));
    assert_eq!(fc(&room, 2, t(8, 30)), None);
    // Not started at 09:05: go-live is five minutes late already.
    let eta = room.state.eta(t(9, 5)).unwrap();
    assert_eq!((eta.milestone, eta.at), (Milestone::GoLive, t(9, 5)));
    assert_eq!(eta.slip_s, 5 * 60);
    // Started twelve minutes late: both phases slip twelve minutes, the plan ends at 11:42.
    room.act(advance(), None, t(9, 12)).unwrap();
    assert_eq!(fc(&room, 0, t(9, 30)), Some(hm("09:12-10:42")));
    assert_eq!(fc(&room, 1, t(9, 30)), Some(hm("10:42-11:42")));
    let eta = room.state.eta(t(9, 30)).unwrap();
    assert_eq!(
        (eta.milestone, eta.at, eta.planned),
        (Milestone::Done, t(11, 42), t(11, 30))
    );
    assert_eq!(warroom::state::forecast::format_slip(eta.slip_s), "+12 min");
}

#[test]
fn time_on_hold_is_added_to_the_phase_in_progress_and_what_follows() {
    let mut room = Room::new();
    room.act(advance(), None, t(9, 0)).unwrap();
    room.act(
        Command::Hold {
            reason: "DNS".into(),
        },
        None,
        t(9, 30),
    )
    .unwrap();
    // Ten minutes into the hold, still in force: ten minutes late so far.
    assert_eq!(fc(&room, 0, t(9, 40)), Some(hm("09:00-10:40")));
    room.act(Command::Release { note: None }, None, t(9, 50))
        .unwrap();
    // Released after twenty minutes: the slip stays twenty minutes.
    for now in [t(9, 50), t(10, 10)] {
        assert_eq!(fc(&room, 0, now), Some(hm("09:00-10:50")));
        assert_eq!(fc(&room, 1, now), Some(hm("10:50-11:50")));
    }
    // A hold called before the phase started is already in its late start: not counted twice.
    let mut early = Room::new();
    early
        .act(
            Command::Hold {
                reason: "late approvals".into(),
            },
            None,
            t(8, 50),
        )
        .unwrap();
    early
        .act(Command::Release { note: None }, None, t(9, 10))
        .unwrap();
    early.act(advance(), None, t(9, 10)).unwrap();
    assert_eq!(fc(&early, 0, t(9, 20)), Some(hm("09:10-10:40")));
}

#[test]
fn an_overrun_pushes_the_next_phase_and_grows_with_the_clock() {
    let mut room = Room::new();
    room.act(advance(), None, t(9, 0)).unwrap();
    // Planned to end at 10:30; at 10:45 it still runs: it ends no earlier than now.
    assert_eq!(fc(&room, 0, t(10, 45)), Some(hm("09:00-10:45")));
    assert_eq!(fc(&room, 1, t(10, 45)), Some(hm("10:45-11:45")));
    assert_eq!(fc(&room, 1, t(11, 0)), Some(hm("11:00-12:00")));
    // Once it is left, the next phase is in progress from its actual start.
    room.act(override_to("p2"), None, t(11, 5)).unwrap();
    assert_eq!(
        fc(&room, 0, t(11, 10)),
        None,
        "finished: actual, not forecast"
    );
    assert_eq!(fc(&room, 1, t(11, 10)), Some(hm("11:05-12:05")));
}

#[test]
fn a_forecast_is_never_earlier_than_the_plan() {
    let mut room = Room::new();
    // Started half an hour early and finished early: the next phase still starts as planned.
    room.act(advance(), None, t(8, 30)).unwrap();
    let f = room.state.forecasts(t(8, 40))[0].unwrap();
    assert_eq!(f.slip_s, -30 * 60, "the phase in progress may run ahead");
    assert_eq!(fc(&room, 1, t(8, 40)), Some(hm("10:30-11:30")));
    // Moving on early is the team's call, not the forecast's: p2 then runs from its start.
    room.act(override_to("p2"), None, t(9, 45)).unwrap();
    assert_eq!(fc(&room, 1, t(9, 50)), Some(hm("09:45-10:45")));
    // On time, the phase after the one in progress stays exactly on plan.
    let mut fresh = Room::new();
    fresh.act(advance(), None, t(9, 0)).unwrap();
    assert_eq!(fc(&fresh, 1, t(9, 10)), Some(hm("10:30-11:30")));
    let eta = fresh.state.eta(t(9, 10)).unwrap();
    assert_eq!(eta.slip_s, 0);
    assert_eq!(warroom::state::forecast::format_slip(eta.slip_s), "on plan");
}

#[test]
fn forecasts_past_the_deployment_or_rollback_window_are_flagged() {
    let mut p = plan();
    // The rollback window closes at 11:00, half an hour before the plan's last phase ends.
    p.rollback_window = Some(std::time::Duration::from_secs(2 * 3600));
    let mut room = Room {
        state: RoomState::new(p, t(9, 0)),
        seq: 0,
    };
    assert_eq!(room.state.deployment_window(), Some((t(9, 0), t(11, 30))));
    // Seconds after T-0 and not started yet: on plan, not a warning, and the minute shown is
    // the planned one.
    let seconds_late = t(9, 0) + Duration::seconds(30);
    let last = room.state.forecasts(seconds_late)[1].unwrap();
    assert!(!last.past_deployment_window);
    assert_eq!(room.state.eta(seconds_late).unwrap().shown_at(), t(9, 0));
    room.act(advance(), None, t(9, 0)).unwrap();
    let on_time = room.state.forecasts(t(9, 10));
    let p1 = on_time[0].unwrap();
    let p2 = on_time[1].unwrap();
    assert!(!p1.past_deployment_window && !p1.past_rollback_window);
    assert!(!p2.past_deployment_window && p2.past_rollback_window);
    // Twenty minutes late: the plan now ends after its window too.
    let late = room.state.forecasts(t(10, 50))[1].unwrap();
    assert!(late.past_deployment_window);
    let eta = room.state.eta(t(10, 50)).unwrap();
    assert!(eta.past_deployment_window && eta.past_rollback_window);
}

#[test]
fn no_forecast_during_a_rollback_or_once_done() {
    let mut room = Room::new();
    room.act(advance(), None, t(9, 0)).unwrap();
    room.act(
        Command::Rollback {
            reason: "errors".into(),
        },
        None,
        t(9, 20),
    )
    .unwrap();
    assert!(room.state.forecasts(t(9, 30)).iter().all(Option::is_none));
    assert_eq!(room.state.eta(t(9, 30)), None);
}

/// A relative plan (T-1 day, D-Day) with no date of its own, as opened without `--start`:
/// T-0 is only the stand-in `stand_in` until someone sets it.
fn relative_room(stand_in: DateTime<Utc>) -> Room {
    let mut p = plan();
    p.t0 = None;
    p.phases[0].schedule = Schedule::Offset {
        start_s: -86_400,
        end_s: 0,
    };
    p.phases[1].schedule = Schedule::Offset {
        start_s: 0,
        end_s: 3600,
    };
    Room {
        state: RoomState::new(p, stand_in),
        seq: 0,
    }
}

#[test]
fn setting_t0_from_the_room_moves_a_relative_plan_for_everyone() {
    let mut room = relative_room(t(8, 0));
    assert!(!room.state.t0_known(), "a stand-in is not a T-0");
    room.act(Command::SetT0 { t0: t(14, 0) }, None, t(8, 5))
        .unwrap();
    assert!(room.state.t0_known());
    assert_eq!(room.state.t0, t(14, 0));
    // D-Day now starts at the T-0 set, the day before ends there.
    assert_eq!(room.state.planned[1], Some((t(14, 0), t(15, 0))));
    assert_eq!(room.state.planned[0].map(|w| w.1), Some(t(14, 0)));
    let (seq, by) = room.state.t0_set.clone().unwrap();
    assert_eq!((seq, by.actor.as_str(), by.at), (1, "alice@host", t(8, 5)));
    assert_eq!(
        room.state.feed.back().unwrap().text,
        "T-0 set to 2025-12-13 14:00 UTC"
    );
    assert_eq!(room.state.countdown(t(8, 5)).unwrap().label, "go-live");
    // A second setting (a typo mended) wins, as it does for every viewer replaying it.
    room.act(Command::SetT0 { t0: t(15, 0) }, None, t(8, 6))
        .unwrap();
    assert_eq!(room.state.planned[1], Some((t(15, 0), t(16, 0))));
}

#[test]
fn t0_from_the_plan_or_start_cannot_be_set_from_the_room() {
    let mut room = Room::new();
    assert!(room.state.t0_known());
    let refused = room
        .act(Command::SetT0 { t0: t(14, 0) }, None, t(8, 5))
        .unwrap_err();
    assert!(refused.contains("--start"), "{refused}");
    // An event journaled by a room that had no T-0 does not move this plan's own T-0.
    room.state.apply(&Event {
        v: EVENT_VERSION,
        seq: 9,
        at: t(8, 6),
        actor: "bob@host".into(),
        role: None,
        kind: EventKind::T0Set { t0: t(14, 0) },
        prev: String::new(),
    });
    assert_eq!(room.state.t0, t(9, 0));
    assert!(room.state.t0_set.is_none());
    assert!(
        room.state
            .feed
            .back()
            .unwrap()
            .text
            .contains("not used here")
    );
}
