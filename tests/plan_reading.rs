//! The lead's rules for reading plans (README "What warroom reads"), each pinned on an excerpt
//! of a real plan (`tests/fixtures/reading`, sources named in each file), so they hold without
//! `../shared` too. What is asserted is what a lead sees: the stages in order, their windows,
//! the tasks, gates, voters and triggers.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use warroom::plan::{PhaseKind, Plan, Schedule, markdown};

const DAY: i64 = 86_400;

fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/reading")
        .join(name)
}

fn plan(name: &str) -> Plan {
    let p = path(name);
    markdown::parse(&std::fs::read_to_string(&p).unwrap(), &p)
        .unwrap()
        .plan
}

/// The plan a Markdown text reads as, from a file of that name in a fresh directory.
fn inline(name: &str, md: &str) -> Plan {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, md).unwrap();
    markdown::parse(md, &file).unwrap().plan
}

fn titles(plan: &Plan) -> Vec<&str> {
    plan.phases.iter().map(|p| p.title.as_str()).collect()
}

fn tasks<'a>(plan: &'a Plan, phase: &str) -> Vec<&'a str> {
    plan.phases
        .iter()
        .find(|p| p.title == phase)
        .unwrap_or_else(|| panic!("no phase {phase:?} in {:?}", titles(plan)))
        .tasks
        .iter()
        .map(|t| t.text.as_str())
        .collect()
}

fn schedule(plan: &Plan, phase: &str) -> Schedule {
    plan.phases
        .iter()
        .find(|p| p.title == phase)
        .unwrap_or_else(|| panic!("no phase {phase:?}"))
        .schedule
}

fn days(from: i64, to: i64) -> Schedule {
    Schedule::Offset {
        start_s: from * DAY,
        end_s: to * DAY,
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

/// Rule 1 and 2: times in words relative to the release; the stages are the sections where the
/// plan splits its work in time, and a release day's sub-headings only group its tasks.
#[test]
fn k6_stages_and_worded_offsets() {
    let p = plan("k6.md");
    assert_eq!(
        titles(&p),
        [
            "At the beginning of the cycle",
            "2 weeks before the release date",
            "1 day before the release date",
            "Release Day",
            "Wrapping Release"
        ]
    );
    assert_eq!(
        schedule(&p, "2 weeks before the release date"),
        days(-14, -7)
    );
    assert_eq!(schedule(&p, "1 day before the release date"), days(-1, 0));
    assert_eq!(schedule(&p, "Release Day"), days(0, 1));
    assert_eq!(
        tasks(&p, "Release Day"),
        [
            "Open and merge a PR from main in the k6-docs repository.",
            "Publish the release notes."
        ]
    );
    assert_eq!(
        schedule(&p, "At the beginning of the cycle"),
        Schedule::None
    );
}

/// Rule 1 and 3: weekdays placed around the release day that names its weekday; instruction
/// paragraphs are the steps of a stage without a list; prose that is not an instruction stays
/// text.
#[test]
fn rust_weekdays_around_the_release_day() {
    let p = plan("rust.md");
    assert_eq!(
        p.phases
            .iter()
            .map(|x| (x.title.as_str(), x.schedule))
            .collect::<Vec<_>>(),
        [
            ("Bump the stable version number", days(-6, -5)),
            ("Promote branches", days(-3, -2)),
            ("Release day", days(0, 1)),
            ("Beta stage0 update", days(1, 2)),
        ]
    );
    assert_eq!(
        tasks(&p, "Bump the stable version number"),
        ["Send a PR to the master branch to bump the version number in src/version"]
    );
    assert_eq!(
        tasks(&p, "Release day"),
        ["Run the release job and announce the release"]
    );
}

/// Rule 1, 2 and 4: a schedule table times the sections it names (by words, the number only
/// breaking ties), a row no section has becomes a stage in time order, the total row is not a
/// stage; hour slots narrow a day's stage; contingency is the rollback, its `If …:` lead-in
/// and the decision tree's question are triggers.
#[test]
fn swipesavvy_schedule_table_slots_and_contingency() {
    let p = plan("swipesavvy.md");
    let at = |a: &str, b: &str| Schedule::At {
        start: utc(a),
        end: utc(b),
    };
    assert_eq!(
        schedule(&p, "Phase 1: Environment & Infrastructure Setup"),
        at("2025-12-30T06:00:00Z", "2025-12-30T08:00:00Z")
    );
    assert_eq!(
        schedule(&p, "Phase 2: Database & Data Migration"),
        at("2025-12-30T08:00:00Z", "2025-12-30T09:30:00Z")
    );
    assert_eq!(
        schedule(&p, "Final Verification"),
        at("2025-12-30T16:00:00Z", "2025-12-30T17:00:00Z")
    );
    assert!(
        !titles(&p)
            .iter()
            .any(|t| t.contains("Preparation Complete"))
    );
    assert_eq!(
        schedule(&p, "Deployment Day"),
        at("2025-12-31T08:00:00Z", "2025-12-31T12:00:00Z")
    );
    let contingency = p
        .phases
        .iter()
        .find(|x| x.title == "Contingency Planning")
        .unwrap();
    assert_eq!(contingency.kind, PhaseKind::Rollback);
    assert_eq!(
        tasks(&p, "Contingency Planning"),
        ["Immediately execute rollback script", "Notify stakeholders"]
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        triggers,
        [
            "Is it critical? (API down, data corruption, security breach)",
            "If Deployment Fails"
        ]
    );
}

/// Rule 1, 3 and 5: an HTML table's Offset column times the stages it numbers, row to row from
/// T-0 (`4.1` times `4) Run Migration`); a hold point between rows gates the stage before it;
/// remarks and the impacts of a failure are not steps.
#[test]
fn chef_offset_table_and_hold_points() {
    let p = plan("chef.md");
    let min = |a: i64, b: i64| Schedule::Offset {
        start_s: a * 60,
        end_s: b * 60,
    };
    assert_eq!(schedule(&p, "1.1) Hosts and Access"), min(-30, 3));
    assert_eq!(schedule(&p, "4) Run Migration"), min(3, 9));
    assert_eq!(tasks(&p, "4) Run Migration"), ["Run the migration script."]);
    assert_eq!(
        tasks(&p, "6.1) User Validation"),
        ["Log in as a test user."]
    );
    assert_eq!(p.gates.len(), 1);
    assert_eq!(
        p.gates[0].title,
        "Steps 4 and 5 must be completed before proceeding"
    );
    assert_eq!(p.gates[0].phase, "4-run-migration");
}

/// Rule 5: a sign-off and a clearance in a checklist are gates decided by the role they name;
/// "the Day of Public Release" is T-0.
#[test]
fn bind_role_tagged_gates() {
    let p = plan("bind.md");
    assert_eq!(schedule(&p, "On the Day of Public Release"), days(0, 1));
    let gates: Vec<(&str, &str, Vec<&str>)> = p
        .gates
        .iter()
        .map(|g| {
            (
                g.phase.as_str(),
                &g.title[..20],
                g.voters.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        gates,
        [
            (
                "before-the-tagging-deadline",
                "(QA) Verify GitLab C",
                vec!["QA"]
            ),
            (
                "on-the-day-of-public-release",
                "(QA) Wait for cleara",
                vec!["QA"]
            ),
        ]
    );
    // The gates stay tasks: a lead ticks them off too.
    assert_eq!(tasks(&p, "On the Day of Public Release").len(), 2);
}

/// Rule 3, 4 and 5: prose sub-headings are a stage's steps; a rollback section inside a forward
/// stage is a rollback stage of its own, with its prose alternative and its numbered steps; its
/// criteria and an `If …, roll back` item are triggers; an approval requirement in prose is a
/// gate with its role.
#[test]
fn login_gov_heading_steps_rollback_and_approval() {
    let p = plan("logingov.md");
    assert_eq!(
        titles(&p),
        ["Pre-deploy", "Production", "Rolling Back", "Config Recycle"]
    );
    assert_eq!(
        tasks(&p, "Pre-deploy"),
        [
            "Check NewRelic: Bring up NewRelic to check that the rate of errors is typical",
            "Cut a release branch: Use scripts/create-deploy-pr to create a new deployment PR"
        ]
    );
    let rollback = &p.phases[2];
    assert_eq!(rollback.kind, PhaseKind::Rollback);
    assert_eq!(
        tasks(&p, "Rolling Back"),
        [
            "Scaling Out: To quickly remove new servers and leave old servers up",
            "Make a pull request to the stages/prod branch, to revert it back to the last deploy.",
            "Recycle the app to get the new code out there"
        ]
    );
    assert!(
        !tasks(&p, "Production")
            .iter()
            .any(|t| t.contains("roll back") || t.contains("revert"))
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| &t.text[..20]).collect();
    assert_eq!(
        triggers,
        [
            "If you notice any er",
            "Is the error visible",
            "Do you need more tha"
        ]
    );
    // "more than 15 minutes": the condition holding for 15 minutes.
    assert_eq!(
        p.triggers[2].threshold.as_ref().and_then(|t| t.for_s),
        Some(900)
    );
    assert_eq!(p.gates.len(), 1);
    assert_eq!(p.gates[0].voters, ["code reviewer"]);
}

/// Rule 3: in a timed stage without a checklist, plain bullets are the tasks; a bullet that is
/// only a date is not.
#[test]
fn govuk_plain_bullets_in_t_minus_stages() {
    let p = plan("govuk.md");
    assert_eq!(schedule(&p, "T-14 Days"), days(-14, -13));
    assert_eq!(
        tasks(&p, "T-14 Days"),
        [
            "Assess the state of the project - will we be ready?",
            "Communicate to GDS"
        ]
    );
    assert_eq!(
        tasks(&p, "T-7 Days"),
        [
            "Confirm that we have the necessary people in place",
            "Block out the release calendar for"
        ]
    );
}

/// Rule 2 and 5: a prose section between two stages is a stage; "do not move forward until"
/// is a gate of the stage it is written in; troubleshooting entries are not steps.
#[test]
fn otel_prose_stage_and_hold_point() {
    let p = plan("otel.md");
    assert_eq!(
        titles(&p),
        [
            "Releasing opentelemetry-collector (core release manager)",
            "Releasing opentelemetry-collector-contrib (contrib release manager)",
            "Post-release steps (all release managers)"
        ]
    );
    assert_eq!(p.gates.len(), 1);
    assert_eq!(
        p.gates[0].phase,
        "releasing-opentelemetry-collector-core-release"
    );
    assert!(p.tasks().all(|(_, t)| !t.text.contains("unknown revision")));
}

/// Two `#` sections under a front-matter title are sections, and their `##` children the
/// stages; an approval to give is a gate.
#[test]
fn fedora_front_matter_title_and_approval() {
    let p = plan("fedora.md");
    assert_eq!(p.title, "stable: new release on YYYY-MM-DD");
    assert_eq!(
        titles(&p),
        [
            "Promote testing changes to stable",
            "Build",
            "Run the release job",
            "Refresh metadata (stream and updates)"
        ]
    );
    assert_eq!(p.gates.len(), 1);
    assert_eq!(p.gates[0].phase, "refresh-metadata-stream-and-updates");
}

/// `--start` moves every time of a dated plan together: the table's dated stages and the
/// deployment day keep their distance to T-0.
#[test]
fn start_moves_dated_and_relative_times_together() {
    let dir = tempfile::tempdir().unwrap();
    let plan_path = dir.path().join("swipesavvy.md");
    std::fs::copy(path("swipesavvy.md"), &plan_path).unwrap();
    let out = common::state::assert_warroom()
        .args(["status", "--json", "--start", "2026-03-02T00:00:00Z"])
        .arg(&plan_path)
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let start = |title: &str| {
        v["phases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == title)
            .and_then(|p| p["planned_start"].as_str())
            .map(str::to_string)
    };
    // The plan's T-0 is 2025-12-31 00:00 (its Deployment Date); everything moves by the same
    // 61 days.
    assert_eq!(
        start("Phase 1: Environment & Infrastructure Setup").as_deref(),
        Some("2026-03-01T06:00:00.000Z")
    );
    assert_eq!(
        start("Deployment Day").as_deref(),
        Some("2026-03-02T08:00:00.000Z")
    );
}

/// `validate --explain` names, for each part of the reading, its plan line and its rule, and
/// says why a section that yielded nothing stayed text.
#[test]
fn validate_explains_the_reading_line_by_line() {
    let out = common::state::assert_warroom()
        .args(["validate", "--explain"])
        .arg(path("logingov.md"))
        .output()
        .unwrap();
    common::state::assert_ok(&out);
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "line 15: phase “Pre-deploy” — a stage whose steps are its sub-headings",
        "line 17: 2 tasks of “Pre-deploy” (lines 17–21) — sub-headings written as the stage's steps",
        "line 27: 2 tasks of “Production” (lines 27–28) — numbered steps",
        "line 31: phase “Rolling Back” — a section of tasks at the level where the plan splits its work; rollback:",
        "line 34: trigger “Is the error visible for users?” — an item under a rollback-trigger heading",
        "line 10: gate “All deploys to production require a code reviewer",
        "voters code reviewer",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
    let otel = common::state::assert_warroom()
        .args(["validate", "--explain"])
        .arg(path("otel.md"))
        .output()
        .unwrap();
    let otel = String::from_utf8(otel.stdout).unwrap();
    assert!(
        otel.contains("left as text: “Troubleshooting” — notes, criteria or troubleshooting"),
        "{otel}"
    );
}

/// Rule 2 and 3: a numbered index of links to the plan's own sections lists its stages; their
/// bullets and instruction paragraphs are the tasks; the index entries are not.
#[test]
fn dfe_index_of_steps_names_the_stages() {
    let p = plan("dfe.md");
    assert_eq!(
        titles(&p),
        [
            "Start the incident process",
            "Freeze the pipeline",
            "Post DR review"
        ]
    );
    assert_eq!(
        tasks(&p, "Start the incident process"),
        ["Follow the incident playbook and contact the relevant stakeholders"]
    );
    assert_eq!(
        tasks(&p, "Freeze the pipeline"),
        [
            "Alert developers that no one should merge to main.",
            "Set required PR approvers to 6"
        ]
    );
}

/// Rule 3: a role label above steps is their owner, not a task; an instruction that opens a
/// list of sub-steps stays a step.
#[test]
fn mattermost_role_labels_own_their_steps() {
    let p = plan("mattermost.md");
    let phase = &p.phases[0];
    let got: Vec<(&str, Option<&str>, usize)> = phase
        .tasks
        .iter()
        .map(|t| (t.text.as_str(), t.owner.as_deref(), t.depth))
        .collect();
    assert_eq!(
        got,
        [
            (
                "Post this checklist in Release Checklist channel",
                Some("Release Manager"),
                0
            ),
            ("Begin daily triage of tickets", Some("Release Manager"), 0),
            ("Update the QA testing schedule", Some("QA"), 0),
            ("Run the smoke tests", None, 0),
            ("Log in", None, 1),
            ("Post a message", None, 1),
        ]
    );
}

/// Rule 2: headings that number the plan's steps (`0.` … `4.`, even one level too deep) are
/// its stages; the prose ones keep their instruction paragraphs as tasks.
#[test]
fn moj_numbered_step_headings_are_stages() {
    let p = plan("moj.md");
    assert_eq!(
        titles(&p),
        [
            "0. Enable Maintenance mode",
            "1. Provision region level resources",
            "2. Provision environment level resources",
            "3. Restore Database",
            "4. Disable maintenance mode"
        ]
    );
    assert_eq!(
        tasks(&p, "0. Enable Maintenance mode"),
        ["Put the service into maintenance mode from the CI pipeline"]
    );
    assert_eq!(
        tasks(&p, "4. Disable maintenance mode"),
        ["Switch maintenance mode off and announce the failover"]
    );
}

/// Rule 1: a list of dated entries is the plan's timeline: each entry is a stage at its date
/// (a time written before the date included); a table row needs two shared words to time a
/// heading (`Docs Freeze` does not time `Tracking docs`).
#[test]
fn k8s_dated_list_is_the_timeline() {
    let p = plan("k8s-schedule.md");
    assert_eq!(
        titles(&p),
        [
            "Week 1 — Release cycle begins",
            "Week 4 — Production Readiness Freeze",
            "Week 5 — Enhancements Freeze",
            "Week 15 — Kubernetes v1.34.0 released"
        ]
    );
    let Schedule::At { start, .. } = schedule(&p, "Week 5 — Enhancements Freeze") else {
        panic!("not dated");
    };
    assert_eq!(start, utc("2025-06-20T21:00:00Z"));
}

/// Rule 2 and 4: `Step` headings are stages (their bullets tasks); a rollback section written
/// as prose is a rollback stage, and its sentences that open with a condition naming a
/// problem are triggers.
#[test]
fn gitlab_step_headings_and_a_prose_rollback() {
    let p = plan("gitlab.md");
    assert_eq!(
        titles(&p),
        [
            "Rollback Procedure (or lack thereof)",
            "Step 0.1",
            "Step 1: Upgrade masters"
        ]
    );
    assert_eq!(p.phases[0].kind, PhaseKind::Rollback);
    assert_eq!(
        tasks(&p, "Step 0.1"),
        [
            "Copy and paste the below procedure into a Change Request",
            "Fill out the necessary details of the Change Request"
        ]
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        triggers,
        [
            "If we do ever hit issues which would warrant a rollback",
            "In the case of entire catastrophic failure"
        ]
    );
}

/// Rule 2, 3 and 5: sibling headings that are instructions (`### Block deployments`, `### Start
/// the upgrade`) are the steps of the plan, each a stage; title-case noun headings that open with
/// a verb (`## Release Steps`, `## Open Questions`) are not. A check step that says to roll back
/// when it fails is a go/no-go; "a green signal" is a gate; an item that needs a second approval
/// is a gate two people decide, whom the plan does not name.
#[test]
fn dfe_instruction_headings_are_steps_and_checks_are_gates() {
    let p = plan("dfe-upgrade.md");
    assert_eq!(
        titles(&p),
        [
            "Block deployments",
            "Enable the maintenance page",
            "Start the upgrade",
            "Service team check the app works as expected",
            "Unblock deployments",
            "Release Steps",
        ]
    );
    assert_eq!(
        tasks(&p, "Block deployments"),
        ["set PR approvers to 6 (or any other method that stops merging to main)"]
    );
    let gates: Vec<(&str, Vec<&str>)> = p
        .gates
        .iter()
        .map(|g| {
            (
                g.phase.as_str(),
                g.voters.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    // The check is a step too: its own bullet is a task, its rollback condition a trigger.
    assert_eq!(
        tasks(&p, "Service team check the app works as expected"),
        ["access via the temp route"]
    );
    assert_eq!(p.triggers.len(), 1, "{:?}", p.triggers);
    assert_eq!(gates.len(), 3, "{:?}", p.gates);
    assert!(
        gates.contains(&("service-team-check-the-app-works-as-expected", vec![])),
        "{gates:?}"
    );
    assert!(
        gates.contains(&("release-steps", vec!["Approver 1", "Approver 2"])),
        "{gates:?}"
    );
    assert!(
        p.gates.iter().any(|g| g.title.contains("green signal")),
        "{:?}",
        p.gates
    );
}

/// Rules 4 and 5 in prose: a sentence that holds the work (`Before proceeding …`, `wait for
/// the PR to be merged`, `if it's closed … you can keep going`, `DO NOT CONTINUE`) is one gate
/// per section; a sentence that says what to do when something goes wrong (`if there is any
/// error you should stop`, `If the issue is open you must stop`) and a scenario heading are
/// triggers; a condition that is only a choice of step (`If you are releasing an alpha`) or a
/// concession (`even if`) is neither. A rollback heading that holds only sub-sections has them
/// as alternatives, each a rollback stage whose prose actions and bullets are its steps.
#[test]
fn decisions_and_rollbacks_written_as_prose() {
    let p = plan("prose-decisions.md");
    assert_eq!(
        titles(&p),
        [
            "1. Check the test grid",
            "2. Check the publishing bot",
            "3. Promote the images",
            "4. Recover the database",
            "Rollback before the switch",
            "Rollback after the switch",
        ]
    );
    let gates: Vec<(&str, &str)> = p
        .gates
        .iter()
        .map(|g| (g.phase.as_str(), g.title.as_str()))
        .collect();
    assert_eq!(
        gates,
        [
            (
                "1-check-the-test-grid",
                "Before proceeding the failing tests need to be fixed or marked as not blocking"
            ),
            (
                "2-check-the-publishing-bot",
                "Look at the bot's tracking issue: if it's closed, the bot is healthy and you can keep going"
            ),
            (
                "3-promote-the-images",
                "Wait for the promotion PR to be merged (after approval and LGTM)"
            ),
        ]
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        triggers,
        [
            "If there is any error you should stop the release and tell the release channel",
            "If the issue is open you must stop the release and tell the release channel",
            "Loss of the database server",
            "In the case of data loss or corruption, we restore from the nightly backup",
            "Depending how far the release has progressed",
            "Depending on the amount of user traffic, we may",
        ]
    );
    assert_eq!(
        tasks(&p, "Rollback before the switch"),
        [
            "Before the switch, the rollback plan is to point the CDN back to the old platform and re-enable the firewall"
        ]
    );
    assert_eq!(
        tasks(&p, "Rollback after the switch"),
        [
            "Roll back and reconcile the data by hand",
            "Carry on and fix the issues found"
        ]
    );
    let kinds: Vec<PhaseKind> = p.phases.iter().map(|ph| ph.kind).collect();
    assert_eq!(
        kinds.iter().filter(|&&k| k == PhaseKind::Rollback).count(),
        2
    );
}

/// Rules 1, 3 and 6 on a release-plan template: headings labelled `Step 1`, `Phase I`, `Stage
/// A` are the stages, and the `Planning` / `Results` sub-sections every stage repeats are its
/// parts, not stages; a `Date range: [1/19/2023 - 2/2/2023]` line among a stage's first lines
/// (or its planning part's) is its window, numeric dates month first; form fields (`Number of
/// users: [11]`, `Percentage of users: 5-10%`), blanks (`[FILL_IN]`), questions to answer and
/// results are not tasks; `- [] …` is an open box; a lead that states its condition first (`If
/// the feature needs to be rolled back, we will do the following:`) is a trigger and its items
/// are the rollback's steps.
#[test]
fn release_plan_template_stages_fields_and_dates() {
    let p = plan("staged-release-plan.md");
    assert_eq!(
        titles(&p),
        [
            "Step 1: Validation",
            "Rollback process",
            "Phase I: moderated testing",
            "Stage A: Canary 5-10% of users",
            "Stage B: 50% of users",
        ]
    );
    assert_eq!(
        tasks(&p, "Step 1: Validation"),
        [
            "Follow the QA best practices.",
            "Have a go/no go meeting with the team."
        ]
    );
    assert_eq!(
        tasks(&p, "Rollback process"),
        [
            "Turn the feature toggle off.",
            "Schedule a war room session."
        ]
    );
    assert!(tasks(&p, "Stage A: Canary 5-10% of users").is_empty());
    let rollback = p.phases.iter().find(|ph| ph.title == "Rollback process");
    assert_eq!(rollback.map(|ph| ph.kind), Some(PhaseKind::Rollback));
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        triggers,
        ["If the feature needs to be rolled back, we will do the following"]
    );
    assert_eq!(
        schedule(&p, "Phase I: moderated testing"),
        Schedule::At {
            start: utc("2023-01-19T00:00:00Z"),
            end: utc("2023-02-03T00:00:00Z"),
        }
    );
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
}

/// Rules 4 and 5: a vote heading is a gate whose voters are the count and role its text asks
/// for; `if successful, … promoted` holds the work; the success criteria for advancing a
/// rollout are triggers at the opposite comparison; a step that says `Revert immediately if
/// errors occur` keeps its step and adds a trigger; an answered question that mentions
/// proceeding decides nothing.
#[test]
fn votes_success_criteria_and_undo_conditions() {
    let p = plan("votes-and-criteria.md");
    let gates: Vec<(&str, Vec<&str>)> = p
        .gates
        .iter()
        .map(|g| {
            (
                g.title.as_str(),
                g.voters.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    assert_eq!(
        gates,
        [
            (
                "Run the benchmark of the pre-release for 3 days; if successful, the pre-release is promoted.",
                vec![]
            ),
            (
                // The heading, and the rule the vote must meet.
                "Vote on the release candidate: For the release to become official it needs at least three PMC members to vote…",
                vec!["PMC member 1", "PMC member 2", "PMC member 3"]
            ),
        ]
    );
    let triggers: Vec<(&str, Option<String>)> = p
        .triggers
        .iter()
        .map(|t| {
            (
                t.text.as_str(),
                t.threshold
                    .as_ref()
                    .map(|h| format!("{:?} {}", h.op, h.value)),
            )
        })
        .collect();
    assert_eq!(
        triggers,
        [
            (
                "If regressions or critical bugs are detected, they need to get fixed before a new candidate.",
                None
            ),
            (
                "Success criterion missed: Contact center calls < 2 calls",
                Some("Ge 2".to_string())
            ),
            (
                "Success criterion missed: Sentry error rate < 5%",
                Some("Ge 5".to_string())
            ),
            ("Revert immediately if errors occur", None),
        ]
    );
    assert_eq!(
        tasks(&p, "2. Roll out"),
        ["Recycle the environment and monitor for any errors. Revert immediately if errors occur."]
    );
}

/// A plan written only as sections of plain bullets (no checklist, numbered steps or times)
/// is read a second time with each section's instruction bullets as its tasks, and says so;
/// a list of links is still not work.
#[test]
fn a_bullets_only_runbook_reads_its_instructions_as_tasks() {
    let p = path("bullets-only-runbook.md");
    let loaded = markdown::parse(&std::fs::read_to_string(&p).unwrap(), &p).unwrap();
    // A section whose work is an instruction paragraph is a stage too.
    assert_eq!(
        titles(&loaded.plan),
        ["Pre checks", "Post checks", "Announce"]
    );
    assert_eq!(
        tasks(&loaded.plan, "Announce"),
        ["Send the upgrade summary to the on-call channel"]
    );
    assert_eq!(
        tasks(&loaded.plan, "Post checks"),
        [
            "Check Patroni and PostgreSQL logs",
            "Restore the traffic by starting chef."
        ]
    );
    assert!(
        loaded.warnings.iter().any(|w| w
            .message
            .contains("plain bullets and instruction paragraphs were read")),
        "{:?}",
        loaded.warnings
    );
}

/// Rule 3: the rows of a run-sheet table are tasks — of the stage the table is written in,
/// else of the stage whose date they fall in — with the Who column as their owner. A table of
/// times outside every stage that no stage's time takes in stays text.
#[test]
fn run_sheet_rows_are_tasks_with_owners() {
    let p = plan("run-sheet.md");
    assert_eq!(titles(&p), ["Preparation", "Cutover night"]);
    let night = p
        .phases
        .iter()
        .find(|x| x.title == "Cutover night")
        .unwrap();
    let rows: Vec<(&str, Option<&str>)> = night
        .tasks
        .iter()
        .map(|t| (t.text.as_str(), t.owner.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [
            ("Put the site in maintenance mode", Some("Ops")),
            ("Stop the billing workers", Some("Ops")),
            ("Migrate the database", Some("DBA")),
            ("Smoke test checkout", Some("QA")),
        ]
    );
    assert_eq!(
        tasks(&p, "Preparation"),
        ["Freeze deploys", "Notify customers"]
    );

    // The schedule's dated rows fall in the stages of the dated list above them.
    let k8s = plan("k8s-schedule.md");
    assert_eq!(
        tasks(&k8s, "Week 1 — Release cycle begins"),
        ["Start of Release Cycle", "Schedule finalized"]
    );
    assert_eq!(tasks(&k8s, "Week 5 — Enhancements Freeze"), ["Docs Freeze"]);
    assert_eq!(
        tasks(&k8s, "Week 15 — Kubernetes v1.34.0 released"),
        ["Release blog published"]
    );
}

/// Rule 1 and 3: a plan that is only a schedule table has its rows as its stages, at their dates.
#[test]
fn a_schedule_table_alone_is_the_timeline() {
    let p = inline(
        "release.md",
        "# Release\n\n## Timeline\n\n| What | Who | When |\n|---|---|---|\n\
         | Code freeze | Lead | Monday 2nd June 2025 |\n\
         | Build the release candidate | Eng | Tuesday 3rd June 2025 |\n\
         | Ship to production | Lead | Wednesday 4th June 2025 |\n",
    );
    assert_eq!(
        titles(&p),
        [
            "Code freeze",
            "Build the release candidate",
            "Ship to production"
        ]
    );
    let Schedule::At { start, .. } = schedule(&p, "Ship to production") else {
        panic!("not dated");
    };
    assert_eq!(start, utc("2025-06-04T00:00:00Z"));
}

/// Rule 3: a plan written only in plain bullets writes every stage that way — the untimed
/// siblings of a timed stage are stages too, their bullets tasks — and a bullet that only
/// labels its sub-bullets (`_Major releases only:_`) is not a task: its sub-bullets are.
#[test]
fn plain_bullet_plans_and_label_bullets() {
    let p = plan("bullets-release.md");
    assert_eq!(
        titles(&p),
        [
            "A week before the release",
            "Final release preparation",
            "Post-release"
        ]
    );
    assert_eq!(
        tasks(&p, "A week before the release"),
        [
            "Upgrade the Python dependencies.",
            "Upgrade the puppet dependencies.",
            "Create a burn-down list of issues to fix before the release."
        ]
    );
    assert_eq!(
        tasks(&p, "Post-release"),
        ["Update the version on the release branch."]
    );
}

/// Rules 1 and 6: a table of rollout percentages lists stages wherever it is written (once,
/// though a second table repeats them), `week of 08/29/2022` is that week, and a date field
/// whose value is its sub-item (`- **Desired date range:**` then `- 08/01/22 - 08/05/22`)
/// times its section.
#[test]
fn rollout_percentage_tables_are_stages() {
    let p = plan("rollout-table.md");
    assert_eq!(
        titles(&p),
        [
            "Phase I: UAT",
            "Launch to 25%",
            "Launch to 50%",
            "Launch to 100%",
            // Untimed: after the timed stages.
            "Phase II: Staged Rollout"
        ]
    );
    assert_eq!(
        schedule(&p, "Launch to 25%"),
        Schedule::At {
            start: utc("2022-08-29T00:00:00Z"),
            end: utc("2022-09-05T00:00:00Z")
        }
    );
    let Schedule::At { start, end } = schedule(&p, "Phase I: UAT") else {
        panic!("UAT not dated");
    };
    assert_eq!(
        (start, end),
        (utc("2022-08-01T00:00:00Z"), utc("2022-08-06T00:00:00Z"))
    );
}

/// Rule 1: under a heading that names the schedule (`## Timing`), bullets that each hold a
/// date are the stages, at their dates (`from Wednesday 4th until Tuesday 17th of February
/// 2026`), in a notice that has no other stages.
#[test]
fn dated_sentences_under_a_timing_heading_are_stages() {
    let p = inline(
        "notice.md",
        "# Cluster OS migration\n\n## Timing\n\n\
         * The open pilot phase starts from Wednesday 4th until Tuesday 17th of February 2026.\n\n\
         * The actual migration will take place on Wednesday 18 February 2026. On this day the\n  \
         cluster is unavailable.\n\n## Expected impact\n\nJobs stay pending.\n",
    );
    assert_eq!(p.phases.len(), 2, "{:?}", titles(&p));
    assert!(p.phases[0].title.contains("pilot"), "{:?}", titles(&p));
    assert_eq!(
        p.phases[0].schedule,
        Schedule::At {
            start: utc("2026-02-04T00:00:00Z"),
            end: utc("2026-02-18T00:00:00Z")
        }
    );
    assert!(p.phases[1].title.contains("actual migration"));
}

/// Rules 1 and 2: `At final release time` is T-0's day; `Before the final release` and `After
/// Release` are stages on either side of it, their plain bullets tasks, though they give no
/// window.
#[test]
fn stages_before_at_and_after_the_release() {
    let p = inline(
        "final.md",
        "# Final Release\n\n## Before the final release\n\n- Re-check the release notes\n\n\
         - Merge the pull request that marks broken packages\n\n## At final release time\n\n\
         1. Tag the release\n2. Publish the images\n\n## After Release\n\n1. Announce it\n",
    );
    assert_eq!(
        titles(&p),
        [
            "Before the final release",
            "At final release time",
            "After Release"
        ]
    );
    assert_eq!(tasks(&p, "Before the final release").len(), 2);
    assert_eq!(schedule(&p, "At final release time"), days(0, 1));
}

/// Rule 3: a timed stage whose sub-headings are instructions has them as its steps.
#[test]
fn instruction_sub_headings_of_a_timed_stage_are_its_steps() {
    let p = inline(
        "rails.md",
        "# Releasing\n\n## 10 Days before release\n\n### Update each CHANGELOG.\n\n\
         Many commits are made without the changelog being updated.\n\n\
         ### Check the dependencies for unreleased code\n\nThey block the release.\n\n\
         ## Day of release\n\n- [ ] Publish the gems\n",
    );
    let steps = tasks(&p, "10 Days before release");
    assert_eq!(steps.len(), 2, "{steps:?}");
    assert!(steps[0].starts_with("Update each CHANGELOG"), "{steps:?}");
    assert!(steps[1].starts_with("Check the dependencies"), "{steps:?}");
}

/// Rule 5: a go/no-go sub-heading of a stage that has its own tasks closes that stage (it
/// cannot be left until GO); it is not a stage of its own.
#[test]
fn a_go_no_go_sub_heading_closes_its_stage() {
    let p = inline(
        "cutover.md",
        "# Payments cutover\n\n## Deploy the new service\n\n- [ ] Deploy the API\n\
         - [ ] Run migrations\n\n### Go/No-Go\n\nRelease manager and QA lead decide.\n\n\
         ## Open traffic\n\n- [ ] Switch the load balancer\n",
    );
    assert_eq!(titles(&p), ["Deploy the new service", "Open traffic"]);
    assert_eq!(p.gates.len(), 1);
    assert_eq!(p.gates[0].phase, p.phases[0].id);
}

/// Rule 5: a question whether to go on, even written as a comment beside the commands that
/// answer it, is a go/no-go of its stage; a question about anything else is not.
#[test]
fn a_question_whether_to_go_on_is_a_gate() {
    let p = inline(
        "upgrade.md",
        "# Upgrade the cluster\n\n## 1. Check cluster status\n\n- [ ] Look at the nodes\n\n\
         ```bash\n# - how many user servers are running?\n# - is this an acceptable time to upgrade?\n\
         kubectl get pod -A\n```\n\n## 2. Upgrade the control plane\n\n- [ ] Run eksctl\n",
    );
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
    assert_eq!(p.gates[0].title, "is this an acceptable time to upgrade?");
    assert_eq!(p.gates[0].phase, p.phases[0].id);
    let q = inline(
        "upgrade.md",
        "# Upgrade\n\n## Check\n\n- [ ] Look at the nodes\n\n```bash\n# how many pods are ready?\n\
         kubectl get pod -A\n```\n",
    );
    assert!(q.gates.is_empty(), "{:?}", q.gates);
}

/// Rule 5: a step that holds the work to criteria it lists is a gate; writing criteria down
/// is a step.
#[test]
fn a_step_held_to_its_success_criteria_is_a_gate() {
    let p = inline(
        "rc.md",
        "# Release\n\n## Test the release candidate\n\n- [ ] Start the load tests\n\
         - [ ] Let the tests run for 24 hours, with the following success criteria:\n\
         \x20 - [ ] The ingest rate is not slower than the previous release.\n\n\
         ## Final release\n\n- [ ] Document the success criteria for the next release\n- [ ] Tag it\n",
    );
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
    assert!(
        p.gates[0].title.starts_with("Let the tests run"),
        "{}",
        p.gates[0].title
    );
    assert_eq!(p.gates[0].phase, p.phases[0].id);
}

/// Rule 3: in a listed stage written as prose, a block of shell commands that no instruction
/// introduces is a step; a settings file in a `bash` fence and a bare fence (output, an
/// example) are not.
#[test]
fn command_blocks_of_a_prose_stage_are_its_steps() {
    let p = inline(
        "release.md",
        "# Release\n\n## 1. Create a release candidate\n\nIt is time to create the candidate.\n\n\
         ```shell\ngit tag --sign v1.0.0-rc.1\ngit push upstream v1.0.0-rc.1\n```\n\n\
         After that, notify the testers:\n\n```bash\n./notify.sh rc.1\n```\n\n\
         The settings:\n\n```bash\n# API\nAPI_URL=https://api.example.com\n```\n\n\
         Expected output:\n\n```\nBehind By: 0 commits\n```\n\n\
         The script:\n\n```bash\n#!/bin/bash\nset -e\n```\n\n## 2. Publish\n\n\
         ```console\n$ make publish\n```\n\n## 3. Announce\n\n1. Post to the list\n",
    );
    assert_eq!(
        tasks(&p, "1. Create a release candidate"),
        [
            "git tag --sign v1.0.0-rc.1",
            "After that, notify the testers"
        ]
    );
    assert_eq!(tasks(&p, "2. Publish"), ["make publish"]);
}

/// Rule 2: a check-in some time after going live (`1-week results`) is a stage though it only
/// holds fields; a field's answer and a placeholder (`...`) are never tasks.
#[test]
fn follow_up_check_ins_are_stages_and_their_fields_are_not_tasks() {
    let p = inline(
        "release-plan.md",
        "# Release plan\n\n## Go Live\n\n- [ ] Turn on the flag\n\n\
         ### 1-week results (at 100%):\n- **Number of unique users:**\n     - ...\n\
         - **Types of errors logged:**\n     - ...\n\n### 1-month results\n- **Issues?**\n\n\
         ## Notes on the 30-day plan\n\nNothing here.\n",
    );
    assert_eq!(
        titles(&p),
        ["Go Live", "1-week results (at 100%)", "1-month results"]
    );
    assert!(tasks(&p, "1-week results (at 100%)").is_empty());
}

/// Rule 6: a check step that lists what to look for before the next step acts is a gate; the
/// event a runbook's purpose names is its trigger.
#[test]
fn check_lists_and_the_event_a_runbook_answers() {
    let p = inline(
        "failover.md",
        "# Fail over to eu-west-2\n\n## Context\n\nWe need to switch the service over to a \
         different region should there be an outage in its current region to improve \
         resilience. Releases happen in case of a security update.\n\n## Steps\n\n\
         1. Run a plan: `terraform plan`.\n2. Check contents of the plan. Things to look out \
         for include:\n   - no destruction of resources\n   - approx 80+ created resources\n\
         3. Run an apply.\n4. Look out for errors in the logs.\n",
    );
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
    assert!(p.gates[0].title.starts_with("Check contents of the plan"));
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(triggers, ["an outage in its current region"]);
}

/// Rule 3: a bullet list written flush under a numbered step (no indent, nothing between)
/// holds that step's sub-steps; after a lead paragraph it is a list of its own.
#[test]
fn bullets_flush_under_a_numbered_step_are_its_sub_steps() {
    let p = inline(
        "rollback.md",
        "# Upgrade\n\n## Upgrade\n\n1. Start the upgrade\n\n## Rollback\n\n\
         1. Use point in time restore\n- Run the PTR workflow\n- Restore the backup\n\n\
         2. Use the offline backup\n- Run the restore workflow\n\nNotes:\n\n- it is slow\n",
    );
    let rollback = p.phases.iter().find(|ph| ph.title == "Rollback").unwrap();
    let steps: Vec<(&str, usize)> = rollback
        .tasks
        .iter()
        .map(|t| (t.text.as_str(), t.depth))
        .collect();
    assert_eq!(
        steps,
        [
            ("Use point in time restore", 0),
            ("Run the PTR workflow", 1),
            ("Restore the backup", 1),
            ("Use the offline backup", 0),
            ("Run the restore workflow", 1),
        ]
    );
}

/// Rules 1, 2 and 5: steps written as paragraphs that open with a label (`Step 2 (day X) -
/// Soft freeze:`) are stages, timed from `day X`; the subject that `decides whether` votes.
#[test]
fn step_paragraphs_day_x_and_who_decides() {
    let p = inline(
        "rfc.md",
        "# Release procedure\n\n## General Procedure\n\nStep 1 - Proposal of release:\n   \
         A developer proposes it. The Project manager (or the Release manager) then collects \
         reactions and decides whether there is sufficient support.\n\n\
         Step 2 (day X) - Soft freeze:\n   * Announce the soft freeze\n\n\
         Step 3 (X+30 days) - Hard freeze & RC1:\n   RC1 is released.\n\n\
         Step 3 is optional, but it helps.\n",
    );
    assert_eq!(
        titles(&p),
        [
            "Step 1 - Proposal of release",
            "Step 2 - Soft freeze",
            "Step 3 - Hard freeze & RC1"
        ]
    );
    assert_eq!(schedule(&p, "Step 2 - Soft freeze"), days(0, 1));
    assert_eq!(schedule(&p, "Step 3 - Hard freeze & RC1"), days(30, 31));
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
    assert_eq!(p.gates[0].voters, ["Project manager"]);
    assert_eq!(p.gates[0].phase, p.phases[0].id);
}

/// Rules 5 and 6: halt rules and `Trigger failover if` lists are triggers (not the cases that
/// must not start it); gate-check headings, `Decision: … or …`, `Get final approvals` and a
/// stage's `Exit Criteria:` list are gates.
#[test]
fn halt_rules_decisions_and_exit_criteria() {
    let p = inline(
        "canary.md",
        "# Canary rollout\n\n## Stages\n\n### Stage 1: Internal\n- **Duration**: 24 hours\n\
         - **Exit Criteria**:\n  - Error rate < 0.1%\n  - All smoke tests pass\n\n\
         ### Stage 2: GA\n- [ ] Get final approvals\n- [ ] Enable GA\n- [ ] Decision: expand or hold\n\n\
         ### T+15 Gate Check\n- [ ] 5xx rate below 1%\n\n\
         ## Automatic Halt Rules\n\nSystem pauses rollout if ANY of:\n\n\
         - Error rate > 1% for 5 minutes\n- CPU usage > 80% sustained\n\n\
         ## Decision Criteria\n\n**Trigger failover if**:\n- Primary region database unreachable for > 2 minutes\n\n\
         **Do NOT trigger failover if**:\n- Scheduled maintenance window\n",
    );
    let gates: Vec<&str> = p.gates.iter().map(|g| g.title.as_str()).collect();
    assert!(
        gates.contains(&"Exit Criteria: Error rate < 0.1%; All smoke tests pass"),
        "{gates:?}"
    );
    assert!(gates.contains(&"Get final approvals"), "{gates:?}");
    assert!(gates.contains(&"Decision: expand or hold"), "{gates:?}");
    assert!(gates.iter().any(|g| g.contains("Gate Check")), "{gates:?}");
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    for t in [
        "Error rate > 1% for 5 minutes",
        "CPU usage > 80% sustained",
        "Primary region database unreachable for > 2 minutes",
    ] {
        assert!(triggers.contains(&t), "{t} not in {triggers:?}");
    }
    assert!(
        !triggers.iter().any(|t| t.contains("maintenance")),
        "{triggers:?}"
    );
}

/// Rule 1: a list whose entries each open with a day counted from the release (`[RELEASE DATE
/// minus 14 days] (Monday): Release prep meeting`) gives the stages.
#[test]
fn a_list_of_days_counted_from_the_release_is_the_stages() {
    let p = inline(
        "monthly.md",
        "Release 5 is deployed on **[RELEASE DATE]**.\n\n### Events\n\
         * **[RELEASE DATE minus 14 days]** (Monday): Release prep meeting\n\
         * **[RELEASE DATE minus 7 days]** (Monday): Begin testing\n\
         * **[RELEASE DATE]** (Monday): Deploy to production\n",
    );
    assert_eq!(
        titles(&p),
        [
            "Release prep meeting",
            "Begin testing",
            "Deploy to production"
        ]
    );
    assert_eq!(schedule(&p, "Release prep meeting"), days(-14, -13));
    assert_eq!(schedule(&p, "Deploy to production"), days(0, 1));
}

/// Rule 6: in a rollback section, a `Scenario:` line and the rows of a decision table whose
/// action is a rollback are triggers; rows that only fix or monitor are not.
#[test]
fn rollback_scenarios_and_decision_tables_are_triggers() {
    let p = inline(
        "dns.md",
        "# DNS cutover\n\n## Cutover\n\n- [ ] Update the A records\n\n## Rollback procedures\n\n\
         **Scenario**: Site completely down\n\n**Action**: Revert DNS\n\n\
         | Issue Severity | Action | Timeline |\n|---|---|---|\n\
         | Payment processing failed | Immediate rollback | 5 minutes |\n\
         | Minor functionality issues | Fix on live site | 30 minutes |\n",
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert!(triggers.contains(&"Site completely down"), "{triggers:?}");
    assert!(
        triggers.contains(&"Payment processing failed"),
        "{triggers:?}"
    );
    assert!(
        !triggers.iter().any(|t| t.contains("Minor")),
        "{triggers:?}"
    );
}

/// Rule 6: a problem a heading names under an emergency heading is a trigger; contacts are not.
#[test]
fn problems_under_an_emergency_heading_are_triggers() {
    let p = inline(
        "strategy.md",
        "# Release strategy\n\n## Deploy\n\n- [ ] Ship it\n\n## Emergency Procedures\n\n\
         ### Complete Service Outage\n\n1. Roll back the web app\n\n### Database Corruption\n\n\
         1. Restore from backup\n\n## Emergency Contacts\n\n### On-call issues\n\nPage the SRE.\n",
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        triggers,
        ["Complete Service Outage", "Database Corruption"],
        "{triggers:?}"
    );
}

/// Bad input: letters whose lower case is longer (`İ`) before a phrase the rules look for do
/// not shift or cut the text they take.
#[test]
fn non_ascii_letters_do_not_shift_the_text_rules_take() {
    let p = inline(
        "failover.md",
        "# F\n\n## Context\n\nİİİ We switch over should there be an outage in the region.\n\n\
         ## Steps\n\n1. Ask the İİ maintainer to approve the build\n",
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(triggers, ["an outage in the region"]);
    assert_eq!(p.gates[0].voters, ["İİ maintainer"]);
}

/// Rule 1: a week's cycle written by weekday with no release day among them runs from its
/// first weekday (T-0's day); each next weekday is the first such day after the one before.
/// A lone weekday names no cycle and stays unscheduled.
#[test]
fn a_week_written_by_weekday_runs_from_its_first_day() {
    let p = inline(
        "weekly.md",
        "# Release engineer playbook\n\n\
         1. Tuesday PM: Release to stage\n   * Tag the release\n   * Write the notes\n\
         2. Wednesday\n   * Ask QA to test stage\n\
         3. Monday\n   * Hold the readiness review\n\
         4. Tuesday\n   * Release the tag to production\n",
    );
    assert_eq!(
        titles(&p),
        [
            "1. Tuesday PM: Release to stage",
            "2. Wednesday",
            "3. Monday",
            "4. Tuesday"
        ]
    );
    assert_eq!(schedule(&p, "1. Tuesday PM: Release to stage"), days(0, 1));
    assert_eq!(schedule(&p, "2. Wednesday"), days(1, 2));
    assert_eq!(schedule(&p, "3. Monday"), days(6, 7));
    assert_eq!(schedule(&p, "4. Tuesday"), days(7, 8));

    let lone = inline(
        "lone.md",
        "# Deploy\n\n## Monday\n\n- [ ] Deploy the API\n\n## Verify\n\n- [ ] Check errors\n",
    );
    assert_eq!(schedule(&lone, "Monday"), Schedule::None);
}

#[test]
fn a_notice_is_timed_by_the_sentence_that_announces_it() {
    // A maintenance e-mail quoted in an issue: the date's year is the comment's.
    let p = inline(
        "notice.md",
        "# Database migration\n\nalice · comment · 2022-08-26\n\n\
         We announced the maintenance:\n\n\
         ```\nOn Monday, September 5th at 7am UTC the team will perform a database migration in a 30 minute maintenance window.\n\nDuring the window the API is read only.\n```\n",
    );
    assert_eq!(titles(&p), ["Database migration"]);
    assert_eq!(
        p.phases[0].schedule,
        Schedule::At {
            start: utc("2022-09-05T07:00:00Z"),
            end: utc("2022-09-05T07:30:00Z")
        }
    );
    let tasks: Vec<&str> = p.phases[0].tasks.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        tasks,
        [
            "On Monday, September 5th at 7am UTC the team will perform a database migration in a 30 minute maintenance window."
        ]
    );

    // The zone written out in the title; `This will begin…` names its work the sentence before.
    let p = inline(
        "downtime.md",
        "# Expect downtime 23 May, US Eastern Time\n\nbob · description · 2024-05-21\n\n\
         Servers are ready, and the main migration can now take place. This will begin at 10AM on 23 May and last until 2PM.\n",
    );
    assert_eq!(
        p.phases[0].schedule,
        Schedule::At {
            start: utc("2024-05-23T14:00:00Z"),
            end: utc("2024-05-23T18:00:00Z")
        }
    );
    assert!(
        p.phases[0].tasks[0]
            .text
            .starts_with("the main migration can now take place. This will begin"),
        "{:?}",
        p.phases[0].tasks
    );

    // What happened is not what is planned.
    let p = inline(
        "report.md",
        "# Upgrade\n\nThe upgrade went well and was finished at 15:00 UTC on 4 July 2023.\n",
    );
    assert_eq!(p.phases[0].schedule, Schedule::None);
}

#[test]
fn a_status_page_front_matter_dates_its_notice_and_a_contingency_sentence_is_its_rollback() {
    let p = inline(
        "status.md",
        "---\ntitle: Maintenance on ci\ndate: 2024-08-22T13:00:00-00:00\nseverity: notice\n---\n\n\
         Thursday August 22 2024, the controller will be restarted to upgrade a plugin.\n\n\
         If this operation corrupts the build logs again, we'll immediately restore the backup and restart the controller.\n",
    );
    assert_eq!(titles(&p), ["Maintenance on ci", "Rollback"]);
    assert!(
        matches!(p.phases[0].schedule, Schedule::At { start, .. } if start == utc("2024-08-22T13:00:00Z")),
        "{:?}",
        p.phases[0].schedule
    );
    assert_eq!(p.phases[1].kind, PhaseKind::Rollback);
    assert_eq!(
        p.phases[1].tasks[0].text,
        "we'll immediately restore the backup and restart the controller"
    );
    assert_eq!(
        p.triggers
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        ["If this operation corrupts the build logs again"]
    );

    // A front matter date that is no date is ignored, not guessed.
    let p = inline(
        "typo.md",
        "---\ntitle: Maintenance\ndate: 2023-07-94T13:00:00-00:00\n---\n\nThe servers will be upgraded.\n",
    );
    assert_eq!(p.t0, None);
}

#[test]
fn a_header_title_names_the_plan_and_name_first_dated_entries_are_stages() {
    // A PEP-style header, setext headings, and a schedule written `name: weekday, date`.
    let p = inline(
        "pep.md",
        "PEP: 999\nTitle: Widget 2.0 Release Schedule\nStatus: Active\n\n\
         Abstract\n========\n\nThe schedule of Widget 2.0.\n\n\
         Release schedule\n================\n\n\
         2.0.0 schedule\n--------------\n\n\
         - 2.0 development begins: Wednesday, 2024-05-08\n\
         - 2.0.0 beta 1: Wednesday, 2025-05-07\n  (No new features beyond this point.)\n\
         - 2.0.0 final: Tuesday, 2025-10-07\n\n\
         Bugfix releases\n---------------\n\n\
         - 2.0.1: Tuesday, 2025-12-02\n- 2.0.2: Friday, 2025-12-05\n- 2.0.3: Tuesday, 2026-02-03\n\n\
         2.0 lifespan\n------------\n\nBugfix updates every two months.\n",
    );
    assert_eq!(p.title, "Widget 2.0 Release Schedule");
    for (stage, day) in [
        ("2.0 development begins", "2024-05-08"),
        ("2.0.0 beta 1", "2025-05-07"),
        ("2.0.0 final", "2025-10-07"),
        ("2.0.1", "2025-12-02"),
        ("2.0.3", "2026-02-03"),
    ] {
        let start = utc(&format!("{day}T00:00:00Z"));
        assert!(
            matches!(schedule(&p, stage), Schedule::At { start: s, .. } if s == start),
            "{stage}: {:?} in {:?}",
            schedule(&p, stage),
            titles(&p)
        );
    }
    // Sharing only numbers with a row does not time a heading: `2.0 lifespan` is no release.
    assert!(
        !titles(&p).contains(&"2.0 lifespan") || schedule(&p, "2.0 lifespan") == Schedule::None,
        "{:?}",
        p.phases
    );
    assert!(!titles(&p).contains(&"Abstract"), "{:?}", titles(&p));
}

#[test]
fn sphinx_steps_and_hold_points_in_a_later_sentence_are_read() {
    // reStructuredText's auto-numbered `#.` steps, a section timed by the sentence that says
    // when its work starts, and a step that forbids releasing until a check is green.
    let p = inline(
        "howto.rst.md",
        "# How to release\n\n## Pre-release tasks\n\n\
         A few items come first. This stuff starts about a week before the release; most can wait.\n\n\
         #. Send out the pre-notification\n#. Proofread the release notes\n\n\
         ## Rolling the release\n\n\
         #. Check CI is green for the version. You probably shouldn't issue a release until it's green.\n\
         #. Tag the release\n",
    );
    let pre = p
        .phases
        .iter()
        .find(|ph| ph.title == "Pre-release tasks")
        .unwrap();
    assert_eq!(
        pre.tasks
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        [
            "Send out the pre-notification",
            "Proofread the release notes"
        ]
    );
    assert!(
        matches!(pre.schedule, Schedule::Offset { start_s, .. } if start_s == -7 * DAY),
        "{:?}",
        pre.schedule
    );
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
    assert!(
        p.gates[0].title.starts_with("Check CI is green"),
        "{:?}",
        p.gates
    );
}

#[test]
fn a_notice_takes_its_titles_window_and_items_that_announce_their_start_are_its_stages() {
    // The window in the title (`11h00-19h00`), the steps its sentences say will be done.
    let p = inline(
        "outage.md",
        "# Tool migration - SAT MAR 11 2017 11h00-19h00 UTC [Planned outage]\n\n\
         We need to move hosts. A task list will be posted before the migration. \
         Starting at 14h00 UTC, the tool will shut down behind a splash page. \
         No one will be able to log in.\n",
    );
    assert_eq!(
        p.phases[0].schedule,
        Schedule::At {
            start: utc("2017-03-11T11:00:00Z"),
            end: utc("2017-03-11T19:00:00Z")
        }
    );
    assert_eq!(
        p.phases[0]
            .tasks
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        [
            "A task list will be posted before the migration.",
            "Starting at 14h00 UTC, the tool will shut down behind a splash page."
        ]
    );

    // Two items that each announce their start, on the day their lead names.
    let p = inline(
        "two-parts.md",
        "---\ntitle: Maintenance on ci\n---\n\nMaintenance is planned the Tuesday 4th of July 2023:\n\n\
         - Initial operation starts at 13:00 UTC with a Kubernetes upgrade.\n  - Builds may queue.\n\
         - Second part of the operation starts at 14h30 UTC for a VM migration.\n",
    );
    let starts: Vec<_> = p
        .phases
        .iter()
        .map(|ph| match ph.schedule {
            Schedule::At { start, .. } => Some(start),
            _ => None,
        })
        .collect();
    assert_eq!(
        starts,
        [
            Some(utc("2023-07-04T13:00:00Z")),
            Some(utc("2023-07-04T14:30:00Z"))
        ],
        "{:?}",
        titles(&p)
    );
    assert_eq!(p.task_count(), 2);
}

#[test]
fn after_a_while_is_counted_from_the_release_and_all_ok_then_act_is_a_gate() {
    let p = inline(
        "mobile.md",
        "# Release\n\n### Do the release\n\n- [ ] Upload the build\n\n\
         ### After at least 2 days\n\n- [ ] Check the crash reports\n\
         - [ ] If all is OK, push to production and tell the store team\n\
         - [ ] If everything looks good, the release is complete\n",
    );
    assert_eq!(
        schedule(&p, "After at least 2 days"),
        Schedule::Offset {
            start_s: 2 * DAY,
            end_s: 3 * DAY
        }
    );
    assert_eq!(
        p.gates.iter().map(|g| g.title.as_str()).collect::<Vec<_>>(),
        ["If all is OK, push to production and tell the store team"]
    );
    assert_eq!(p.gates[0].phase, p.phases[1].id);
}

#[test]
fn steps_of_a_flat_list_that_open_with_when_they_happen_start_stages() {
    let p = inline(
        "security.md",
        "# Security release process\n\nThe steps include:\n\n\
         * Get agreement on the list of fixes\n\
         * One week in advance of the agreed date, send the pre-announcement\n\
         * Email the image maintainers\n\
         * On the day of the release coordinate with the releasers\n\
         * Publish the final announcement\n",
    );
    assert_eq!(
        titles(&p),
        [
            "Get agreement on the list of fixes",
            "One week in advance of the agreed date",
            "On the day of the release"
        ]
    );
    assert_eq!(
        schedule(&p, "One week in advance of the agreed date"),
        Schedule::Offset {
            start_s: -7 * DAY,
            end_s: 0
        }
    );
    let week = p
        .phases
        .iter()
        .find(|ph| ph.title.starts_with("One week"))
        .unwrap();
    assert_eq!(
        week.tasks
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>(),
        [
            "One week in advance of the agreed date, send the pre-announcement",
            "Email the image maintainers"
        ]
    );
}

#[test]
fn an_undated_notice_still_lists_its_steps_and_its_contingency_deadline_is_a_gate() {
    // No year: the window cannot be placed, but the steps and the rollback stand.
    let p = inline(
        "host-move.md",
        "The site will be down for maintenance between 19:00 and 21:00 UTC on Saturday the 27th of January.\n\
         We are aiming to move the site between hosts, and restore missing images.\n\
         What is the rollback plan?\n\
         If we're not happy with things by 20:30, we will bring the site up in its previous state, and schedule a longer window.\n",
    );
    let texts =
        |k: usize| -> Vec<&str> { p.phases[k].tasks.iter().map(|t| t.text.as_str()).collect() };
    assert!(
        texts(0)
            .iter()
            .any(|t| t.contains("move the site between hosts")),
        "{:?}",
        texts(0)
    );
    assert!(
        !texts(0).iter().any(|t| t.starts_with("If ")),
        "{:?}",
        texts(0)
    );
    assert_eq!(p.phases[1].kind, PhaseKind::Rollback);
    assert_eq!(
        texts(1),
        [
            "we will bring the site up in its previous state",
            "schedule a longer window"
        ]
    );
    assert_eq!(
        p.gates.iter().map(|g| g.title.as_str()).collect::<Vec<_>>(),
        ["If we're not happy with things by 20:30"]
    );

    // A notice whose only list says what will be done: its items are the steps.
    let p = inline(
        "cleanup.md",
        "today the homeserver is being shut down for a database cleanup.\n\n\
         the following will be done:\n\n\
         - rooms without users will be deleted\n- states will be compressed\n",
    );
    assert_eq!(p.task_count(), 2, "{:?}", p.phases);

    // Hugo's `+++` front matter: its title and date are the notice's.
    let p = inline(
        "hugo.md",
        "+++\ntitle = \"Scheduled Maintenance\"\ndate = 2019-05-27T15:00:00.000Z\n+++\n\
         We will perform a migration of our clusters on the 28th of May around 7:30pm UTC.\n",
    );
    assert_eq!(p.title, "Scheduled Maintenance");
    assert!(
        matches!(p.phases[0].schedule, Schedule::At { start, .. } if start == utc("2019-05-28T19:30:00Z")),
        "{:?}",
        p.phases[0].schedule
    );
}

#[test]
fn stages_written_newest_first_are_walked_in_time_order() {
    let p = inline(
        "schedule.md",
        "# Release schedule\n\n## Overview\n\n- [ ] Read the policy\n\n\
         ## 18.05 release (May 24, 2018)\n\n- [ ] Tag 18.05\n\n### Notes\n\nNothing yet.\n\n\
         ## 18.02 release (Feb 28, 2018)\n\n- [ ] Tag 18.02\n\n\
         ## Rollback\n\n- [ ] Revert the tag\n\n\
         ## 17.11 release (Nov 30, 2017)\n\n- [ ] Tag 17.11\n",
    );
    assert_eq!(
        titles(&p),
        [
            "Overview",
            "17.11 release",
            "18.02 release",
            "Rollback",
            "18.05 release"
        ]
    );
    // Each stage keeps its own tasks through the move.
    assert_eq!(p.phases[1].tasks[0].text, "Tag 17.11");
    assert_eq!(p.phases[3].tasks[0].text, "Revert the tag");
}

#[test]
fn a_completion_criterion_is_the_last_go_no_go() {
    let p = inline(
        "cutover.md",
        "# Cutover runbook\n\n## Cutover steps\n\n1. Stop the old server\n2. Switch DNS\n\n\
         ## Cutover completion\n\nCutover is considered successful after 30 minutes of stable operation with no errors.\n\n\
         ## Success criteria\n\nThe project is considered a success when users are happy.\n",
    );
    assert_eq!(titles(&p), ["Cutover steps", "Cutover completion"]);
    assert_eq!(p.gates.len(), 1, "{:?}", p.gates);
    assert_eq!(p.gates[0].phase, p.phases[1].id);
    assert!(p.gates[0].title.contains("30 minutes of stable operation"));
}

#[test]
fn offsets_inside_a_timed_stage_are_its_steps_and_minute_ranges_read_whole() {
    let p = inline(
        "cutover.md",
        "# Cutover\n\n## Timeline\n\n- T-7d: Plan and announce the freeze\n- T-1d: Back up everything\n- T-0: Cut over\n\n\
         ## Preparation (T-1)\n\n- [ ] Back up the database\n\n\
         ## Execution (T-0)\n\n### Phase 1: Freeze (T+0 to T+15min)\n\n\
         - [ ] **T+0:** Post the maintenance notice\n- [ ] **T+5:** Verify no new writes:\n  - [ ] Check the write counter\n\
         - [ ] **T+10:** Snapshot the database\n\n### Phase 2: Export (T+15min to T+45min)\n\n- [ ] Run the export\n",
    );
    assert_eq!(
        schedule(&p, "Phase 1: Freeze"),
        Schedule::Offset {
            start_s: 0,
            end_s: 15 * 60
        }
    );
    assert_eq!(
        schedule(&p, "Phase 2: Export"),
        Schedule::Offset {
            start_s: 15 * 60,
            end_s: 45 * 60
        }
    );
    // The T+5 step stays a step of Phase 1, not a stage five days on.
    assert!(
        !titles(&p)
            .iter()
            .any(|t| t.contains("Verify no new writes")),
        "{:?}",
        titles(&p)
    );
    let freeze = p
        .phases
        .iter()
        .find(|ph| ph.title == "Phase 1: Freeze")
        .unwrap();
    assert!(
        freeze
            .tasks
            .iter()
            .any(|t| t.text.contains("Verify no new writes"))
    );
    // The schedule's T-7d stage comes before the stage a day out.
    let at = |t: &str| titles(&p).iter().position(|x| x.contains(t)).unwrap();
    assert!(
        at("Plan and announce") < at("Preparation"),
        "{:?}",
        titles(&p)
    );
}

#[test]
fn a_run_of_show_written_as_bold_lines_is_the_timeline_and_puts_t0_at_its_clock() {
    let p = inline(
        "run-of-show.md",
        "# GA cutover\n\n**Cutover Window:** **Wed, Sept 17, 2025**\n\n## Timeline\n\n\
         **T\u{2011}24h (Tue 09/16 04:00):** Freeze confirmed.  \n\
         **T\u{2011}4h (Wed 09/17 00:00):** Pre-flight checklist.  \n\
         **T\u{2011}0 (04:00):** Go call; start canary.\n\n\
         **Canary ladder**\n\n1. 5% traffic\n2. 25% traffic\n",
    );
    assert_eq!(p.t0, Some(utc("2025-09-17T04:00:00Z")));
    let freeze = p
        .phases
        .iter()
        .find(|ph| ph.title.starts_with("Freeze confirmed"))
        .unwrap();
    assert_eq!(
        freeze.schedule.resolve(p.t0.unwrap(), None).map(|w| w.0),
        Some(utc("2025-09-16T04:00:00Z"))
    );
}

#[test]
fn in_a_dated_plan_without_times_the_stage_naming_the_event_is_that_day() {
    let p = inline(
        "dated.md",
        "# Cutover runbook\n\nDate: February 21, 2026\n\n## Pre-cutover\n\n- [ ] Freeze writes\n\n\
         ## Cutover window steps\n\n- [ ] Switch traffic\n\n## Exit criteria\n\n- [ ] Errors below 1%\n",
    );
    assert_eq!(p.t0, Some(utc("2026-02-21T00:00:00Z")));
    assert_eq!(schedule(&p, "Pre-cutover"), Schedule::None);
    assert_eq!(schedule(&p, "Cutover window steps"), days(0, 1));
    assert_eq!(schedule(&p, "Exit criteria"), Schedule::None);
}

#[test]
fn a_table_under_a_trigger_heading_lists_the_triggers() {
    let p = inline(
        "triggers.md",
        "# Cutover\n\n## Steps\n\n- [ ] Switch traffic\n\n### Rollback Triggers\n\n\
         | Trigger | Severity | Action |\n|---|---|---|\n\
         | 5xx error rate >1% for 5 min | S1 | Immediate rollback |\n\
         | Tenant data leak detected | S0 | Immediate rollback |\n",
    );
    let texts: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(
        texts,
        ["5xx error rate >1% for 5 min", "Tenant data leak detected"]
    );
    assert!(p.triggers[0].threshold.is_some(), "{:?}", p.triggers[0]);
}

#[test]
fn preconditions_and_verification_checklists_are_gates_and_conditional_rollback_steps_triggers() {
    let p = inline(
        "migration.md",
        "# Migration runbook\n\n## Preconditions\n\n- Backups verified and restorable\n- Staging available\n\n\
         ## Data migration\n\n1. Export the data\n2. Import the data\n\n\
         ## Verification Checklist\n\n- Health checks 200 across services\n- Error rate < 1%\n\n\
         ## Rollback Plan\n\n- Flip feature flags back to legacy\n- Restore backups if data corruption is detected\n",
    );
    let gates: Vec<&str> = p.gates.iter().map(|g| g.title.as_str()).collect();
    assert!(
        gates.iter().any(|g| g.contains("Preconditions")),
        "{gates:?}"
    );
    assert!(
        gates.iter().any(|g| g.contains("Verification Checklist")),
        "{gates:?}"
    );
    let triggers: Vec<&str> = p.triggers.iter().map(|t| t.text.as_str()).collect();
    assert_eq!(triggers, ["data corruption is detected"]);
    let rollback = p
        .phases
        .iter()
        .find(|ph| ph.kind == PhaseKind::Rollback)
        .unwrap();
    assert_eq!(rollback.tasks.len(), 2, "the conditional step stays a step");
}

#[test]
fn bullet_characters_pasted_from_a_page_make_a_dated_list() {
    let p = inline(
        "windows.md",
        "Maintenance Schedule\n\nBelow are the approved windows.\n\n\
           \u{2022} April 26, 2014\n    Maintenance will be done on Saturday, April 26, from 12:01am through 5:00am.\n\
           \u{2022} May 10, 2014\n    Maintenance will be done on Saturday, May 10, from 12:01am through 5:00am.\n\
           \u{2022} May 17, 2014\n    Maintenance will be done on Saturday, May 17, from 12:01am through 5:00am.\n",
    );
    assert_eq!(p.phases.len(), 3, "{:?}", titles(&p));
    assert!(
        matches!(p.phases[0].schedule, Schedule::At { start, .. } if start.date_naive().to_string() == "2014-04-26"),
        "{:?}",
        p.phases[0].schedule
    );
}
