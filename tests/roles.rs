//! Roles and who fills them, through the real binary running as the test's own user: an
//! action outside your roles is refused with one line (exit 1) and writes nothing; the lead
//! records a vote on another role's behalf, and the journal and status say so.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use predicates::prelude::*;
use serde_json::Value;

/// The test's own user name (the part of `user@host` the plan lists).
fn me() -> String {
    warroom::journal::actor()
        .split('@')
        .next()
        .unwrap()
        .to_string()
}

fn plan(dir: &Path, roles: &str) -> PathBuf {
    let file = dir.join("launch.toml");
    std::fs::write(
        &file,
        format!(
            "title = \"Roles\"\n{roles}\n\
             [[phase]]\nid = \"deploy\"\ntitle = \"Deploy\"\n  [[phase.task]]\n  id = \"deploy/ship\"\n  text = \"Ship\"\n\
             [[gate]]\nid = \"go\"\ntitle = \"Go for launch\"\nphase = \"deploy\"\nvoters = [\"Release Manager\", \"SRE\", \"QA\"]\nrule = \"majority\"\n"
        ),
    )
    .unwrap();
    file
}

fn warroom(plan: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    common::state::assert_warroom()
        .args(args)
        .arg(plan)
        .assert()
}

fn note(plan: &Path, flags: &[&str]) -> assert_cmd::assert::Assert {
    common::state::assert_warroom()
        .arg("note")
        .arg(plan)
        .arg("hello")
        .args(flags)
        .assert()
}

fn status(plan: &Path) -> Value {
    let out = common::state::assert_warroom()
        .args(["status", "--json"])
        .arg(plan)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap()
}

fn journal_types(plan: &Path) -> Vec<String> {
    std::fs::read_to_string(plan.with_file_name("launch.journal.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[test]
fn a_member_acts_in_their_roles_and_is_refused_outside_them() {
    let dir = tempfile::tempdir().unwrap();
    let me = me();
    let plan = plan(
        dir.path(),
        &format!(
            "[roles]\n\"Release Manager\" = [\"somebody-else\"]\nSRE = [\"another-one\"]\nQA = [\"{me}\"]\n"
        ),
    );
    common::state::assert_warroom()
        .args(["check"])
        .arg(&plan)
        .arg("deploy/ship")
        .assert()
        .success();
    let before = journal_types(&plan).len();
    common::state::assert_warroom()
        .args(["decide"])
        .arg(&plan)
        .args(["go", "go", "--role", "SRE"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("does not fill SRE")
                .and(predicate::str::contains("Release Manager")),
        );
    common::state::assert_warroom()
        .args(["hold"])
        .arg(&plan)
        .args(["--reason", "x", "--role", "SRE"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains(
            "is not a member of SRE; your roles: QA",
        ));
    assert_eq!(journal_types(&plan).len(), before, "refusals write nothing");

    // Their own role's answer is recorded; anyone with a role may call a hold.
    common::state::assert_warroom()
        .args(["decide"])
        .arg(&plan)
        .args(["go", "go"])
        .assert()
        .success();
    warroom(&plan, &["hold", "--reason", "DNS"]).success();
    let s = status(&plan);
    assert_eq!(s["gates"][0]["votes"][0]["role"], "QA");
    assert_eq!(s["state"], "hold");
}

#[test]
fn the_lead_records_an_answer_on_a_roles_behalf_shown_as_such() {
    let dir = tempfile::tempdir().unwrap();
    let me = me();
    let plan = plan(
        dir.path(),
        &format!(
            "lead = \"Release Manager\"\n[roles]\nSRE = [\"another-one\"]\n\"Release Manager\" = [\"{me}\"]\nQA = [\"third\"]\n"
        ),
    );
    common::state::assert_warroom()
        .args(["decide"])
        .arg(&plan)
        .args([
            "go",
            "go",
            "--role",
            "SRE",
            "--note",
            "bob said GO on the bridge",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "SRE GO at Go for launch (recorded by Release Manager on its behalf)",
        ));
    common::state::assert_warroom()
        .args(["decide"])
        .arg(&plan)
        .args(["go", "go", "--role", "Release Manager"])
        .assert()
        .success();
    let line = std::fs::read_to_string(plan.with_file_name("launch.journal.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|v| v["type"] == "voted")
        .unwrap();
    assert_eq!(line["role"], "SRE");
    assert_eq!(line["acting_role"], "Release Manager");
    // Two of three under a majority rule: GO.
    assert_eq!(status(&plan)["gates"][0]["decision"], "go");
}

#[test]
fn an_operator_without_a_role_is_refused_and_told_why() {
    let dir = tempfile::tempdir().unwrap();
    let plan = plan(
        dir.path(),
        "[roles]\n\"Release Manager\" = [\"somebody-else\"]\nSRE = []\nQA = [\"third\"]\n",
    );
    // SRE has no members: open to everyone, so acting as SRE works…
    note(&plan, &["--role", "SRE"]).success();
    // …but without a role the operator has none of their own.
    note(&plan, &[])
        .code(1)
        .stderr(predicate::str::contains("has no role in this plan"));
}
