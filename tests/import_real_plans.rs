//! The Markdown importer against real plans (`../shared/plans`, when present) and the project's
//! own fixtures (`tests/fixtures/markdown`, always).
//!
//! Expected numbers for the shared plans were derived independently of the importer: task-list
//! items by a line count (`grep -E '^\s*([-*+]|[0-9]+[.)])\s+\[[ xX]\]'`) with the items inside
//! code fences and HTML comments removed by reading (this file re-counts them the same way, see
//! `checkbox_lines`), numbered steps by reading each section that has no task list. The comment
//! on each row says how its numbers come about.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use warroom::plan::Comparator::{self, Ge, Gt};
use warroom::plan::markdown;
use warroom::plan::{Loaded, PhaseKind, Plan, Schedule, Threshold};

const DAY: i64 = 86_400;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/markdown")
}

fn load(path: &Path) -> Loaded {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    markdown::parse(&String::from_utf8_lossy(&bytes), path)
        .unwrap_or_else(|e| panic!("{} should load: {e}", path.display()))
}

fn fixture(name: &str) -> Plan {
    load(&fixtures().join(name)).plan
}

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().expect("RFC 3339 instant")
}

fn at(start: &str, end: &str) -> Schedule {
    Schedule::At {
        start: utc(start),
        end: utc(end),
    }
}

#[allow(clippy::unnecessary_wraps)] // reads like the expected `Option` at call sites
fn threshold(
    measure: &str,
    op: Comparator,
    value: f64,
    unit: &str,
    for_s: Option<u64>,
) -> Option<Threshold> {
    Some(Threshold {
        measure: measure.to_string(),
        op,
        value,
        unit: unit.to_string(),
        for_s,
        samples: None,
    })
}

/// Checks that hold for every plan: phases partition the tasks, ids are unique and stable-looking,
/// gates name existing phases, and the plan survives a TOML round trip.
fn check_invariants(name: &str, plan: &Plan) {
    let total: usize = plan.phases.iter().map(|p| p.tasks.len()).sum();
    assert_eq!(
        total,
        plan.task_count(),
        "{name}: phases partition the tasks"
    );
    assert!(!plan.phases.is_empty(), "{name}: a plan always has a phase");
    let mut ids = std::collections::HashSet::new();
    for p in &plan.phases {
        assert!(ids.insert(p.id.clone()), "{name}: duplicate id {}", p.id);
        for t in &p.tasks {
            assert!(t.id.starts_with(&format!("{}/", p.id)), "{name}: {}", t.id);
            assert!(ids.insert(t.id.clone()), "{name}: duplicate id {}", t.id);
        }
    }
    for g in &plan.gates {
        assert!(ids.insert(g.id.clone()), "{name}: duplicate id {}", g.id);
        assert!(
            plan.phase_index(&g.phase).is_some(),
            "{name}: gate {} names phase {}",
            g.id,
            g.phase
        );
    }
    for t in &plan.triggers {
        assert!(ids.insert(t.id.clone()), "{name}: duplicate id {}", t.id);
    }
    for id in &ids {
        assert!(
            // A slug is at most 48 bytes, plus a `-N` suffix when its text repeats.
            id.split('/').all(|part| !part.is_empty()
                && part.len() <= 48 + 4
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')),
            "{name}: id {id:?} is not a slug"
        );
    }
    let text = toml::to_string(plan).unwrap_or_else(|e| panic!("{name}: to TOML: {e}"));
    let back: Plan = toml::from_str(&text).unwrap_or_else(|e| panic!("{name}: from TOML: {e}"));
    assert_eq!(&back, plan, "{name}: TOML round trip");
}

/// Lines that hold a GFM task-list item, counted line by line without a Markdown parser:
/// lines inside fenced code (three backticks or tildes) and `<!-- … -->` blocks are skipped.
fn checkbox_lines(src: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    let mut comment = false;
    for (i, line) in src.lines().enumerate() {
        let t = line.trim_start();
        if let Some(f) = fence {
            if t.starts_with(f) {
                fence = None;
            }
            continue;
        }
        if comment {
            comment = !line.contains("-->");
            continue;
        }
        if t.starts_with("```") || t.starts_with("~~~") {
            fence = Some(&t[..3]);
            continue;
        }
        if t.starts_with("<!--") {
            comment = !t.contains("-->");
            continue;
        }
        let rest = t.strip_prefix(['-', '*', '+']).or_else(|| {
            let digits = t.bytes().take_while(u8::is_ascii_digit).count();
            (digits > 0)
                .then(|| &t[digits..])
                .and_then(|r| r.strip_prefix(['.', ')']))
        });
        if let Some(rest) = rest
            && rest.starts_with(' ')
            && ["[ ]", "[x]", "[X]"]
                .iter()
                .any(|b| rest.trim_start().starts_with(b))
        {
            out.push(i + 1);
        }
    }
    out
}

/// Expected numbers for one shared plan.
struct Expect {
    file: &'static str,
    /// All tasks: task-list items plus numbered steps in sections without a task list.
    tasks: usize,
    /// Task-list items in the file (an independent line count).
    checkboxes: usize,
    /// Of those, items under a rollback-trigger heading: conditions to watch, not tasks.
    box_triggers: usize,
    phases: usize,
    /// Phases with a schedule (not `Schedule::None`).
    timed: usize,
    gates: usize,
    triggers: usize,
}

const SHARED: &[Expect] = &[
    // 56 task-list items (grep), no numbered lists. Phases: 1.1–1.4, 2.1, Phase 1–4, 2.3, 2.4,
    // 3.1, 3.2, 4.2, 4.3 (timed) + "7. Success Criteria" and "10. Sign-Off and Approval"
    // (untimed top-level sections that own tasks), and "8. Resource Requirements", a prose
    // section between those two stages. Gates: 3 checkpoints, "Final Go/No-Go
    // Review", "10.2 Final Approvals Required". Triggers: the 5 bullets under 4.1.
    Expect {
        file: "crm-platform-launch.md",
        tasks: 56,
        box_triggers: 0,
        checkboxes: 56,
        phases: 18,
        timed: 15,
        gates: 5,
        triggers: 5,
    },
    // 201 task-list items (grep) + 6 numbered items under "Known Issues" (2) and
    // "Post-Deployment Enhancements" (4); the numbered items of "Rollback Procedure" are not
    // tasks (that section has a task list). The 6 "When to Rollback" checkboxes are triggers,
    // not tasks, and the numbered lists under NOTES are notes, not steps: 201 − 6 = 195 tasks.
    // Phases: Phase 1–3, Pre-Deployment, Deployment Execution, Post-Deployment, Day 1, Week 1,
    // Month 1 (timed) + ROLLBACK PLAN, SUCCESS CRITERIA, SIGN-OFF (owns the two sign-off
    // gates).
    Expect {
        file: "salessync-go-live-checklist.md",
        tasks: 195,
        box_triggers: 6,
        checkboxes: 201,
        // + the rollback procedure's four timed steps (Decision 5 min … Communication 5 min).
        phases: 16,
        timed: 13,
        gates: 3,
        triggers: 6,
    },
    // 66 task-list items (grep; none in its many code blocks) + 14 numbered items under
    // "Contingency Planning" (5 + 4 + 5; the numbered lists in code blocks do not count).
    // Phases: Phase 1–7 (Phase 1–5 and 7 timed by the "Estimated Timeline" table, matched by
    // name; Phase 6 "Rollback Procedures" sits between them), Pre-Deployment (Dec 30), the
    // table's "Final Verification" row, Deployment Day (Dec 31, narrowed by its hour slots),
    // "Estimated Timeline" (prose between stages) and Contingency Planning (a rollback). + 2
    // tasks: Phase 6's sub-headings "6.1 Automated Rollback Script" and "6.2 Rollback Decision
    // Tree", the steps of that rollback stage.
    // Triggers: the decision tree's "Is it critical?" and the three "If …:" lead-ins.
    Expect {
        file: "swipesavvy-deployment-prep.md",
        tasks: 82,
        box_triggers: 0,
        checkboxes: 66,
        phases: 12,
        timed: 9,
        gates: 0,
        triggers: 4,
    },
    // The 6 numbered items of "Timeframe", and the stages `### 1.` … `### 7.` under "Activity
    // overview" (numbered steps), whose 16 plain bullets are their tasks. "Rollback plan" holds
    // only two sub-sections, the alternatives "prior to stage 5" and "after stage 5": two
    // rollback stages, with 3 steps (the "rollback plan is to point our CDN back…" sentence and
    // the two bullets) and 2 triggers ("Depending how far the migration has progressed",
    // "Depending on the amount of user activity"). Gate: stage 5's "ensure that these and
    // external tests pass before opening up the platform".
    Expect {
        file: "public/01a-govuk-2014-platform-migration-overview.md",
        tasks: 25,
        box_triggers: 0,
        checkboxes: 0,
        phases: 10,
        timed: 0,
        gates: 1,
        triggers: 2,
    },
    // Five T-minus sections whose plain bullets are their tasks (grep -c '^\* ' = 25, less
    // the three date-only bullets "T-1 Days", "T-0 Days", "T+1 Days").
    Expect {
        file: "public/01b-govuk-2014-migration-t-minus-activities.md",
        tasks: 22,
        box_triggers: 0,
        checkboxes: 0,
        phases: 5,
        timed: 5,
        gates: 0,
        triggers: 0,
    },
    // The 123 bullets that 23 numbered role labels (`1. Release Manager:` …, grep
    // '^[0-9]+\. ') introduce with a colon (grep -cE '^   [*-] ': the bullets at the steps'
    // indent); the labels are the bullets' owners, not tasks.
    // Phases B–G (T-minus/T-plus offsets); A has no time and no tasks. Gates: the items
    // "Receive sign off on final version of MailChimp email blast" and "Post QA approval".
    Expect {
        file: "public/02-mattermost-feature-release.md",
        tasks: 123,
        box_triggers: 0,
        checkboxes: 0,
        phases: 6,
        timed: 6,
        gates: 2,
        triggers: 0,
    },
    // Five weekday sections, timed around "Release day (Thursday)"; their plain bullets are
    // tasks (12, grep in those sections), and so are the 6 paragraphs that open with an
    // instruction in the sections without a list ("Open a PR…", "Mark it as rollup=never…",
    // "Run this command…", "Decide on a time…", "Let the Social Media coordinator…", "Send a
    // PR…"), and the one that opens with a time clause ("When the release process completes,
    // merge the blog post PR…"). + 2: the `console` command blocks that no instruction
    // introduces (`./scripts/start-release.py publish-rust-dev-stable`, `… publish-rust-prod-stable`:
    // the paragraph before each says "you'll need to start the pre-release" first).
    Expect {
        file: "public/03-rust-release-process.md",
        tasks: 21,
        box_triggers: 0,
        checkboxes: 0,
        phases: 5,
        timed: 5,
        gates: 0,
        triggers: 0,
    },
    // The Summary's seven dated milestones (`- **Monday 19th May 2025**: Week 1 — Release
    // cycle begins` …) are the stages, timed by their dates (the three freezes at their UTC
    // times). Tasks: the 36 rows of the Timeline table (What | Who | When), each under the
    // stage whose date it falls in, its Who the owner.
    Expect {
        file: "public/05-kubernetes-v1.34-release-schedule.md",
        tasks: 36,
        box_triggers: 0,
        checkboxes: 0,
        phases: 7,
        timed: 7,
        gates: 0,
        triggers: 0,
    },
    // 112 task-list items (grep) + 1 plain bullet in a timed section without a task list.
    // Phases 1–9 (Week N / "1-3 Weeks"). Gate: "Go / No-Go". Trigger: "release day can and
    // should be postponed if any of the conditions outlined in week 11 are not satisfied".
    Expect {
        file: "public/06-kubernetes-release-team-lead-progress-template.md",
        tasks: 113,
        box_triggers: 0,
        checkboxes: 112,
        phases: 9,
        timed: 9,
        gates: 1,
        triggers: 1,
    },
    // 21 task-list lines (grep) of which 10 are inside HTML comments. Gate: the first item,
    // "Ensure a green signal has been given by Release Signal" (a go-ahead before the steps).
    Expect {
        file: "public/07-kubernetes-cut-release-issue-template.md",
        tasks: 11,
        box_triggers: 0,
        checkboxes: 11,
        phases: 1,
        timed: 0,
        gates: 1,
        triggers: 0,
    },
    // The 17 `###` sections of "Upgrade Process" are its steps (their headings are
    // instructions: "Block deployments", "Start the upgrade", …), plus "Rollback": 18 phases.
    // Tasks: 34 plain bullets and instruction paragraphs of the steps (the two-level bullets of
    // "Check status on completion" are one step each; "access via the temp route" is the check
    // step's own), the 2 numbered options under "Rollback" and the 5 bullets written flush
    // under them (their steps: "Run the PTR workflow…", "Backup the PTR server", …). The plan
    // numbers nothing but its rollback options, so it is read in plain bullets: + 9 bullets of
    // "Prerequisites" and "Review apps" (stages then, and so is "Upgrade Process" with its
    // "Follow this process for each environment…": 21 phases). The feature list under "This
    // feature will" describes what Azure does: not tasks.
    // Gate: "Service team check the app works as expected", whose step says what to do if not
    // ok; that bullet, "if not ok, follow the rollback procedure", is the trigger.
    Expect {
        file: "public/11-dfe-postgres-major-version-upgrade.md",
        tasks: 50,
        box_triggers: 0,
        checkboxes: 0,
        phases: 21,
        timed: 0,
        gates: 1,
        triggers: 1,
    },
    // "Steps to Follow" and Scenario 2's numbered lists are indexes: their items link to the
    // plan's own sections, which are the stages (20 phases: the linked sections, the prose
    // sections between them, and the Option 2 sub-sections that own bullets). Tasks: the 33
    // plain bullets and instruction paragraphs of those sections. Gate: "Validate data",
    // "before deciding on a full restore". Triggers: the two scenario headings (loss of the
    // server, loss of data), "if the first option fails to work", "In the case of data loss or
    // corruption", the optional backup's "if users have entered data … since the
    // corruption", and the event the runbook answers ("should be used in case of an incident").
    Expect {
        file: "public/12-dfe-disaster-recovery-runbook.md",
        tasks: 33,
        box_triggers: 0,
        checkboxes: 0,
        phases: 20,
        timed: 0,
        gates: 1,
        triggers: 6,
    },
    // 4 task-list items under "Procedure", one in each of "Step 1" … "Step 4", and the 10
    // plain bullets of "Step 0.1" and "Step 0.2": the six `Step` headings are the stages, and
    // "Rollback Procedure (or lack thereof)" is a prose rollback stage whose two "If …" /
    // "In the case of …" sentences are triggers and whose three sentences that say what can be
    // done (drain from haproxy, reach out to Google support, recreate the cluster) its steps.
    // Gate: Step 1's "They must be done before any of the node pools are done".
    Expect {
        file: "public/x1-gitlab-gke-cluster-upgrade-runbook.md",
        tasks: 17,
        box_triggers: 0,
        checkboxes: 4,
        phases: 7,
        timed: 0,
        gates: 1,
        triggers: 2,
    },
    // The headings number the steps 0 … 7 (two of them one level too deep): eight stages.
    // 44 numbered lines (grep) less the label "Examples of tests:", whose 7 tests are tasks,
    // + 7 bullets introduced by "… include:" steps (grep -cE '^   - '). Gates: "Type yes if
    // satisfied with the plan" (the DNS change is applied only then), "merge to main after
    // approval by team", and the three "Check contents of the plan. Things to look out for
    // include:" before each apply. Trigger: the event the runbook answers, from its Context
    // ("should there be an outage in it's current region").
    Expect {
        file: "public/x3-moj-opg-lpa-failover-to-eu-west-2.md",
        tasks: 50,
        box_triggers: 0,
        checkboxes: 0,
        phases: 8,
        timed: 0,
        gates: 5,
        triggers: 1,
    },
    // A table of contents whose first entry is the title: the entries below it (Prerequisites,
    // 1. … 10., Cleanup) are stages; Prerequisites splits into its two sections with bullets.
    // Tasks: 24 plain bullets and instruction paragraphs of those stages. Gates, from prose:
    // the green signal (its sub-section a stage of its own), failing tests fixed "before
    // proceeding", "if it's closed … you can keep going", "wait for the generated PR to be
    // merged" and "DO NOT CONTINUE RELEASE" (the image promotion job's section, one gate for
    // its two mentions). Triggers: "if there is any error you should stop", "If the issue is
    // open you must stop", the two "If you encounter this error", "In case a blocking test
    // goes red", "If the job fails" and "rerun if it fails".
    Expect {
        file: "public/x4-kubernetes-release-cuts-handbook.md",
        tasks: 24,
        box_triggers: 0,
        checkboxes: 0,
        phases: 16,
        timed: 0,
        gates: 5,
        triggers: 7,
    },
    // 33 task-list items (grep). Phases: "At the beginning of the cycle", "~ 2 weeks", "~ 1
    // week", "~ 1 day before the release date" (timed), "Release Day" (T-0, timed; its four
    // sub-headings group its tasks), "Wrapping Release".
    Expect {
        file: "public/20-grafana-k6-release-issue-template.md",
        tasks: 33,
        box_triggers: 0,
        checkboxes: 33,
        phases: 6,
        timed: 4,
        gates: 0,
        triggers: 0,
    },
    // No task list: 28 numbered steps and the bullets they introduce with a colon. Phases:
    // the title's intro, core, contrib, artifacts (prose stages between), post-release,
    // bugfix releases. Gates: the two "Do not move forward until this PR is merged" items.
    Expect {
        file: "public/23-otel-collector-release-procedure.md",
        tasks: 28,
        box_triggers: 0,
        checkboxes: 0,
        phases: 6,
        timed: 0,
        gates: 2,
        triggers: 0,
    },
    // 20 task-list items outside the HTML comment that hides the rollback. Phases: Monday,
    // Tuesday, Rollout day (Wednesday) = T-0. Gate: "Approve the `Approval` stage".
    Expect {
        file: "public/24-dotnet-arcade-services-weekly-rollout-issue.md",
        tasks: 20,
        box_triggers: 0,
        checkboxes: 20,
        phases: 3,
        timed: 3,
        gates: 1,
        triggers: 0,
    },
    // 45 task-list items (grep). Two `#` sections under a front-matter title split into their
    // six `##` stages. Gate: "Review and approve the PR".
    Expect {
        file: "public/26-fedora-coreos-stable-release-checklist.md",
        tasks: 45,
        box_triggers: 0,
        checkboxes: 45,
        phases: 6,
        timed: 0,
        gates: 1,
        triggers: 0,
    },
    // No task list. Pre-deploy's six #### headings are its steps; Production's 13 numbered
    // steps; "Rolling Back" (a stage of its own, rollback) with its 4 numbered steps and its
    // two prose sub-headings "Scaling Out" and "Retrospective" as steps; Config
    // Recycle (4) and No-Migration Recycle (2); Staging is prose between stages. Triggers:
    // the four "Some criteria for rolling back:" questions and "If you notice any errors that
    // make you worry, roll back". Gate: "require a code reviewer to approve".
    Expect {
        file: "public/28-login-gov-idp-production-deploy.md",
        tasks: 31,
        box_triggers: 0,
        checkboxes: 0,
        phases: 6,
        timed: 0,
        gates: 1,
        triggers: 5,
    },
    // No task list: the bullets and numbered lines of the numbered `1.1)` … `8.5)` step
    // sections (bullets only where the Offset table times the section), less the remarks
    // ("Expected run time…", "Output will be…") and the "Impacts of …:" list. Each step section
    // is a stage; the HTML Offset table times 15 of them from T-0 and its two "must be
    // completed before proceeding" rows are the gates.
    Expect {
        file: "public/30-chef-hosted-chef-mysql-to-pgsql-migration-plan.md",
        tasks: 54,
        box_triggers: 0,
        checkboxes: 0,
        phases: 22,
        timed: 15,
        gates: 2,
        triggers: 0,
    },
    // 57 role-tagged task-list items (grep). Phases: the four "Before …" / "On the Day of
    // Public Release" sections (the last is T-0). Gates: QA's sign-off and the Security
    // Officer's clearance.
    Expect {
        file: "public/32-isc-bind9-release-checklist.md",
        tasks: 57,
        box_triggers: 0,
        checkboxes: 57,
        phases: 4,
        timed: 1,
        gates: 2,
        triggers: 0,
    },
    // 11 task-list items (grep) in four communication stages.
    Expect {
        file: "public/33-ooni-probe-mobile-release-checklist.md",
        tasks: 11,
        box_triggers: 0,
        checkboxes: 11,
        phases: 4,
        timed: 0,
        gates: 0,
        triggers: 0,
    },
];

fn shared_plans() -> Option<PathBuf> {
    let dir = std::env::var_os("WARROOM_SHARED_PLANS").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/plans"),
        PathBuf::from,
    );
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "skipped the shared-plan checks: {} does not exist (the project's own fixtures are still checked)",
            dir.display()
        );
        None
    }
}

#[test]
fn every_shared_plan_loads_with_the_expected_counts() {
    let Some(dir) = shared_plans() else {
        return;
    };
    let mut seen = 0;
    for e in SHARED {
        let path = dir.join(e.file);
        let src = String::from_utf8_lossy(&std::fs::read(&path).expect("readable")).into_owned();
        let loaded = load(&path);
        let plan = &loaded.plan;
        check_invariants(e.file, plan);
        let boxes = checkbox_lines(&src);
        assert_eq!(
            boxes.len(),
            e.checkboxes,
            "{}: task-list lines (independent count)",
            e.file
        );
        let from_boxes = plan
            .tasks()
            .filter(|(_, t)| boxes.contains(&t.line))
            .count();
        assert_eq!(
            from_boxes,
            e.checkboxes - e.box_triggers,
            "{}: tasks from task-list items",
            e.file
        );
        assert_eq!(plan.task_count(), e.tasks, "{}: tasks", e.file);
        assert_eq!(plan.phases.len(), e.phases, "{}: phases", e.file);
        let timed = plan.phases.iter().filter(|p| !p.schedule.is_none()).count();
        assert_eq!(timed, e.timed, "{}: timed phases", e.file);
        assert_eq!(plan.gates.len(), e.gates, "{}: gates", e.file);
        assert_eq!(plan.triggers.len(), e.triggers, "{}: triggers", e.file);
        let no_tasks_warning = loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("no tasks"));
        assert_eq!(
            no_tasks_warning,
            e.tasks == 0,
            "{}: no-tasks warning",
            e.file
        );
        seen += 1;
    }
    let on_disk = ["", "public"]
        .iter()
        .flat_map(|d| std::fs::read_dir(dir.join(d)).expect("listable"))
        .filter(|f| {
            f.as_ref()
                .is_ok_and(|f| f.path().extension().is_some_and(|x| x == "md"))
        })
        .count();
    assert_eq!(seen, on_disk, "every shared plan has expectations");
}

#[test]
fn crm_launch_plan() {
    let Some(dir) = shared_plans() else {
        return;
    };
    let plan = load(&dir.join("crm-platform-launch.md")).plan;
    assert_eq!(plan.title, "CRM Platform Deployment Plan");
    assert_eq!(plan.t0, Some(utc("2025-12-13T09:00:00Z")));
    assert_eq!(plan.zones, [chrono_tz::Tz::Africa__Lagos]);
    assert_eq!(
        plan.rollback_window,
        Some(std::time::Duration::from_secs(24 * 3600))
    );

    // "Phase 1..4" take their date from "2. Deployment Phase (December 13, 2025)" and their zone
    // from "2.2 … (09:00 AM - 03:00 PM UTC)".
    let windows: Vec<(&str, Schedule)> = plan
        .phases
        .iter()
        .filter(|p| p.title.starts_with("Phase "))
        .map(|p| (p.title.as_str(), p.schedule))
        .collect();
    assert_eq!(
        windows,
        [
            (
                "Phase 1: Foundation Services",
                at("2025-12-13T09:00:00Z", "2025-12-13T10:30:00Z")
            ),
            (
                "Phase 2: Core Business Services",
                at("2025-12-13T10:30:00Z", "2025-12-13T12:00:00Z")
            ),
            (
                "Phase 3: Advanced Services",
                at("2025-12-13T12:00:00Z", "2025-12-13T14:00:00Z")
            ),
            (
                "Phase 4: Final Validation",
                at("2025-12-13T14:00:00Z", "2025-12-13T15:00:00Z")
            ),
        ]
    );
    let p11 = &plan.phases[0];
    assert_eq!(p11.title, "1.1 Infrastructure Preparation");
    assert_eq!(p11.id, "1-1-infrastructure-preparation");
    assert_eq!(
        p11.schedule,
        at("2025-12-01T00:00:00Z", "2025-12-04T00:00:00Z")
    );
    assert_eq!(
        p11.tasks[0].id,
        "1-1-infrastructure-preparation/cloud-infrastructure-setup"
    );
    assert_eq!(p11.tasks[0].text, "Cloud Infrastructure Setup");
    assert_eq!(p11.tasks[0].line, 17);

    let rollback: Vec<(&str, Schedule)> = plan
        .phases
        .iter()
        .filter(|p| p.kind == PhaseKind::Rollback)
        .map(|p| (p.title.as_str(), p.schedule))
        .collect();
    assert_eq!(
        rollback,
        [
            (
                "4.2 Rollback Execution",
                Schedule::Length { length_s: 2 * 3600 }
            ),
            (
                "4.3 Post-Rollback Analysis",
                Schedule::Length { length_s: DAY }
            ),
        ]
    );

    let gates: Vec<(&str, &str, &str)> = plan
        .gates
        .iter()
        .map(|g| (g.title.as_str(), g.id.as_str(), g.phase.as_str()))
        .collect();
    assert_eq!(
        gates,
        [
            (
                "Go/No-Go Checkpoint 1",
                "go-no-go-checkpoint-1",
                "phase-1-foundation-services"
            ),
            (
                "Go/No-Go Checkpoint 2",
                "go-no-go-checkpoint-2",
                "phase-2-core-business-services"
            ),
            (
                "Go/No-Go Checkpoint 3",
                "go-no-go-checkpoint-3",
                "phase-3-advanced-services"
            ),
            (
                "Final Go/No-Go Review",
                "final-go-no-go-review",
                "2-4-go-live-preparation"
            ),
            (
                "10.2 Final Approvals Required",
                "10-2-final-approvals-required",
                "10-sign-off-and-approval"
            ),
        ]
    );
    assert!(plan.gates[0].voters.is_empty());
    assert_eq!(plan.gates[3].voters, ["Executive team"]);
    assert_eq!(
        plan.gates[4].voters,
        [
            "Technical Lead",
            "Operations Manager",
            "Business Owner",
            "Security Officer",
            "Executive Sponsor"
        ]
    );
    assert_eq!(plan.roles.len(), 6);

    let triggers: Vec<(&str, Option<Threshold>)> = plan
        .triggers
        .iter()
        .map(|t| (t.text.as_str(), t.threshold.clone()))
        .collect();
    assert_eq!(
        triggers,
        [
            (
                "Critical system functionality failure (>50% error rate)",
                threshold("error rate", Gt, 50.0, "%", None)
            ),
            ("Data corruption or integrity issues", None),
            ("Security vulnerabilities discovered", None),
            (
                "Performance degradation (>200% baseline response times)",
                threshold("response time", Gt, 200.0, "% of baseline", None)
            ),
            ("Business-critical workflow failures", None),
        ]
    );
    assert_eq!(plan.triggers[0].line, 205);

    // Nothing is silently dropped: the risk table and the nested details stay as section text.
    let risks = plan
        .sections
        .iter()
        .find(|s| s.title == "5.1 Critical Risks and Mitigations")
        .expect("section");
    assert!(
        risks
            .text
            .iter()
            .any(|t| t.starts_with("Database migration failure | Medium | High"))
    );
    let infra = plan
        .sections
        .iter()
        .find(|s| s.title.starts_with("1.1 "))
        .expect("section");
    assert!(
        infra
            .text
            .contains(&"  - Provision production servers (AWS/GCP/Azure)".to_string())
    );
}

#[test]
fn salessync_plan() {
    let Some(dir) = shared_plans() else {
        return;
    };
    let plan = load(&dir.join("salessync-go-live-checklist.md")).plan;
    // The title was saved through Mac Roman (`üöÄ`); the rocket is trimmed off.
    assert_eq!(plan.title, "PRODUCTION DEPLOYMENT CHECKLIST");
    assert_eq!(plan.t0, Some(utc("2025-11-22T02:00:00Z")));
    let parsed: Vec<(&str, Option<Threshold>)> = plan
        .triggers
        .iter()
        .filter(|t| t.threshold.is_some())
        .map(|t| (t.text.as_str(), t.threshold.clone()))
        .collect();
    assert_eq!(
        parsed,
        [
            (
                "Performance degradation > 50%",
                threshold("performance degradation", Gt, 50.0, "%", None)
            ),
            (
                "Error rate > 5%",
                threshold("error rate", Gt, 5.0, "%", None)
            ),
            (
                "System unavailable > 15 minutes",
                threshold("unavailable", Gt, 0.0, "", Some(900))
            ),
        ]
    );
    let schedule = |title: &str| {
        plan.phases
            .iter()
            .find(|p| p.title == title)
            .unwrap_or_else(|| panic!("phase {title}"))
            .schedule
    };
    assert_eq!(
        schedule("Phase 1: Infrastructure Setup"),
        at("2025-11-04T00:00:00Z", "2025-11-09T00:00:00Z")
    );
    assert_eq!(
        schedule("Phase 3: Pre-Production"),
        at("2025-11-18T00:00:00Z", "2025-11-22T00:00:00Z")
    );
    assert_eq!(
        schedule("Pre-Deployment"),
        at("2025-11-22T00:00:00Z", "2025-11-22T02:00:00Z")
    );
    assert_eq!(
        schedule("Deployment Execution"),
        at("2025-11-22T02:00:00Z", "2025-11-22T04:00:00Z")
    );
    assert_eq!(schedule("Day 1"), Schedule::Length { length_s: DAY });
    let rollback = plan
        .phases
        .iter()
        .find(|p| p.title == "ROLLBACK PLAN")
        .expect("phase");
    assert_eq!(rollback.kind, PhaseKind::Rollback);
    // The "When to Rollback" checkboxes are triggers, not tasks; each timed step of the
    // procedure is a rollback phase of its own, with its budget and its tasks, in order.
    assert_eq!(rollback.tasks.len(), 0);
    let steps: Vec<(&str, Schedule, usize)> = plan
        .phases
        .iter()
        .skip_while(|p| p.title != "ROLLBACK PLAN")
        .skip(1)
        .take_while(|p| p.kind == PhaseKind::Rollback)
        .map(|p| (p.title.as_str(), p.schedule, p.tasks.len()))
        .collect();
    let len = |m: i64| Schedule::Length { length_s: m * 60 };
    assert_eq!(
        steps,
        [
            ("Decision", len(5), 3),
            ("Execution", len(15), 5),
            ("Validation", len(10), 4),
            ("Communication", len(5), 4)
        ]
    );
    // The rollback's Decision step asks for stakeholder approval: a gate of the rollback plan.
    assert_eq!(plan.gates[0].title, "Get stakeholder approval");
    assert_eq!(plan.gates[0].phase, "rollback-plan");
    assert_eq!(plan.gates[0].voters, ["stakeholder"]);
    assert_eq!(plan.gates[1].title, "Pre-Deployment Sign-off");
    assert_eq!(
        plan.gates[1].voters,
        [
            "Technical Lead",
            "QA Manager",
            "DevOps Lead",
            "Product Manager",
            "CTO"
        ]
    );
    assert_eq!(
        plan.gates[2].voters,
        ["Technical Lead", "Support Manager", "General Manager"]
    );
    // Garbled check boxes (`‚òê`) are trimmed off headings.
    assert!(
        plan.sections
            .iter()
            .any(|s| s.title == "Cloud Infrastructure")
    );
}

#[test]
fn relative_public_plans() {
    let Some(dir) = shared_plans() else {
        return;
    };
    let govuk = load(&dir.join("public/01b-govuk-2014-migration-t-minus-activities.md")).plan;
    let offsets: Vec<(&str, Schedule)> = govuk
        .phases
        .iter()
        .map(|p| (p.title.as_str(), p.schedule))
        .collect();
    let off = |d: i64| Schedule::Offset {
        start_s: d * DAY,
        end_s: (d + 1) * DAY,
    };
    assert_eq!(
        offsets,
        [
            ("T-14 Days", off(-14)),
            ("T-7 Days", off(-7)),
            ("T-3 Days", off(-3)),
            ("T-1 Days", off(-1)),
            ("T-0 Days", off(0))
        ]
    );

    // Working days are counted against T-0's weekday when the room resolves them.
    let mm = load(&dir.join("public/02-mattermost-feature-release.md")).plan;
    let offsets: Vec<Schedule> = mm.phases.iter().map(|p| p.schedule).collect();
    let wd = |d: i64| Schedule::WorkingDays {
        start_days: d,
        end_days: d + 1,
    };
    assert_eq!(offsets, [wd(-30), wd(-9), wd(-5), wd(-2), wd(0), off(30)]);
    assert_eq!(mm.phases[0].title, "B. Judgment Day & Release Branch Cut");
    // `1. Release Manager:` is not a task: it names the owner of the bullets under it.
    assert_eq!(
        mm.phases[0].tasks[0].text,
        "Post this checklist in Release Checklist channel"
    );
    assert_eq!(mm.phases[0].tasks[0].depth, 0);
    assert_eq!(
        mm.phases[0].tasks[0].owner.as_deref(),
        Some("Release Manager")
    );
    assert_eq!(mm.zones, [chrono_tz::Tz::America__Los_Angeles]);

    let k8s = load(&dir.join("public/06-kubernetes-release-team-lead-progress-template.md")).plan;
    assert_eq!(
        k8s.title, "[1.XX] Release Team Lead Cycle Progress",
        "front-matter title"
    );
    assert_eq!(
        k8s.phases[0].schedule,
        Schedule::Offset {
            start_s: -7 * DAY,
            end_s: 0
        }
    );
    assert_eq!(k8s.gates[0].title, "Go / No-Go");
    assert_eq!(k8s.gates[0].phase, "8-release-day");

    // Weekdays around "Release day (Thursday)": Friday the week before is T-6 d, Monday
    // T-3 d, Tuesday T-2 d, release day T-0, the Friday after T+1 d.
    let rust = load(&dir.join("public/03-rust-release-process.md"));
    let days: Vec<(&str, Schedule)> = rust
        .plan
        .phases
        .iter()
        .map(|p| (p.title.as_str(), p.schedule))
        .collect();
    let day = |d: i64| Schedule::Offset {
        start_s: d * DAY,
        end_s: (d + 1) * DAY,
    };
    assert_eq!(
        days,
        [
            ("Bump the stable version number", day(-6)),
            ("Promote branches", day(-3)),
            ("Default branch bootstrap update and Crater", day(-2)),
            ("Release day", day(0)),
            ("Beta stage0 update", day(1)),
        ]
    );
}

#[test]
fn fixture_relative_schedule() {
    let plan = fixture("relative.md");
    check_invariants("relative.md", &plan);
    assert_eq!(plan.t0, None);
    let phases: Vec<(&str, &str, Schedule, usize)> = plan
        .phases
        .iter()
        .map(|p| (p.id.as_str(), p.title.as_str(), p.schedule, p.tasks.len()))
        .collect();
    let off = |s: i64, e: i64| Schedule::Offset {
        start_s: s,
        end_s: e,
    };
    assert_eq!(
        phases,
        [
            ("t-7-days", "T-7 Days", off(-7 * DAY, -6 * DAY), 2),
            (
                "code-freeze",
                "Code freeze",
                Schedule::WorkingDays {
                    start_days: -5,
                    end_days: -4
                },
                1
            ),
            ("d-day", "D-Day", off(0, DAY), 2),
            ("t-1-days", "T+1 Days", off(DAY, 2 * DAY), 1),
            // Week 1 starts at T-0.
            ("follow-up", "Follow-up", off(7 * DAY, 14 * DAY), 0),
        ]
    );
    assert!(plan.phases[0].tasks[1].done);
    assert!(!plan.phases[0].tasks[0].done);
}

#[test]
fn fixture_clock_windows_inherit_date_and_zone() {
    let loaded = load(&fixtures().join("timed.md"));
    let plan = &loaded.plan;
    check_invariants("timed.md", plan);
    // 22:00 WAT is 21:00 UTC.
    assert_eq!(plan.t0, Some(utc("2026-03-14T21:00:00Z")));
    assert_eq!(
        plan.zones,
        [chrono_tz::Tz::Africa__Lagos, chrono_tz::Tz::Europe__London]
    );
    assert_eq!(
        plan.rollback_window,
        Some(std::time::Duration::from_secs(7200))
    );
    let phases: Vec<(&str, Schedule)> = plan
        .phases
        .iter()
        .map(|p| (p.title.as_str(), p.schedule))
        .collect();
    assert_eq!(
        phases,
        [
            // Whole days in the plan's zone (WAT, UTC+1); the year comes from the go-live date.
            (
                "Preparation",
                at("2026-03-09T23:00:00Z", "2026-03-13T23:00:00Z")
            ),
            // No zone written: the plan's zone.
            ("Freeze", at("2026-03-14T20:00:00Z", "2026-03-14T21:00:00Z")),
            // Crosses midnight.
            ("Switch", at("2026-03-14T22:00:00Z", "2026-03-15T01:30:00Z")),
            ("Hypercare", Schedule::Length { length_s: DAY }),
        ]
    );
    // The timed bullet stays as text of its section.
    let switch = plan
        .sections
        .iter()
        .find(|s| s.title.starts_with("Switch"))
        .expect("section");
    assert_eq!(switch.text, ["- 22:30-23:00: status call"]);
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
}

#[test]
fn fixture_nested_tasks_and_numbered_steps() {
    let plan = fixture("nested.md");
    check_invariants("nested.md", &plan);
    let tasks: Vec<(&str, &str, usize, bool)> = plan
        .tasks()
        .map(|(p, t)| {
            (
                plan.phases[p].title.as_str(),
                t.text.as_str(),
                t.depth,
                t.done,
            )
        })
        .collect();
    assert_eq!(
        tasks,
        [
            ("Prepare", "Top-level star item", 0, false),
            ("Prepare", "Nested plus item, done", 1, true),
            ("Prepare", "Third level", 2, false),
            ("Prepare", "Hidden under a plain bullet", 0, false),
            ("Prepare", "A numbered task-list item", 0, false),
            ("Steps", "Take a backup", 0, false),
            ("Steps", "Run the migration", 0, false),
            ("Steps", "Check the schema version", 1, false),
            ("Steps", "Check the row counts", 1, false),
            ("Steps", "Verify", 0, false),
            ("Steps", "API health", 1, false),
            ("Steps", "Web health", 1, false),
            ("Mixed", "The only checkbox here", 0, false),
        ]
    );
    let steps = plan
        .sections
        .iter()
        .find(|s| s.title == "Steps")
        .expect("section");
    assert_eq!(
        steps.text,
        [
            "    - deeper detail stays prose",
            "- Quoted numbered list is prose",
            "- Plain bullet",
            "  - Numbered under a plain bullet is prose"
        ]
    );
}

#[test]
fn fixture_code_fences_and_html_comments_are_not_structure() {
    let loaded = load(&fixtures().join("code_and_comments.md"));
    let plan = &loaded.plan;
    check_invariants("code_and_comments.md", plan);
    let titles: Vec<&str> = plan.sections.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(
        titles,
        ["Deploy With Scripts", "Deploy (10:00 - 11:00 UTC)"]
    );
    let tasks: Vec<&str> = plan.tasks().map(|(_, t)| t.text.as_str()).collect();
    assert_eq!(tasks, ["Run the deploy script", "Check the logs"]);
    // The code stays readable in the section.
    assert!(
        plan.sections[1]
            .text
            .iter()
            .any(|t| t.contains("# Not a heading"))
    );
    // No date anywhere: the window is relative to T-0 (`--start`), with a warning.
    assert_eq!(
        plan.phases[0].schedule,
        Schedule::Offset {
            start_s: 0,
            end_s: 3600
        }
    );
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.line == 3 && w.message.contains("--start")),
        "{:?}",
        loaded.warnings
    );
}

#[test]
fn fixture_gates_and_voters() {
    let plan = fixture("gates.md");
    check_invariants("gates.md", &plan);
    let gates: Vec<(&str, &str, &str, Vec<String>)> = plan
        .gates
        .iter()
        .map(|g| {
            (
                g.id.as_str(),
                g.title.as_str(),
                g.phase.as_str(),
                g.voters.clone(),
            )
        })
        .collect();
    assert_eq!(
        gates,
        [
            (
                "go-no-go",
                "go / no go",
                "build",
                vec!["QA Lead".to_string(), "Release Manager".into()]
            ),
            // The heading's phase took the plain slug first; ids are unique across the plan.
            (
                "go-live-decision-2",
                "Go-Live Decision",
                "go-live-decision",
                vec!["Incident Commander".to_string(), "SRE".into()]
            ),
            (
                "go-no-go-with-the-business-before-traffic-moves",
                "Go-No-Go with the business before traffic moves",
                "ship",
                vec![]
            ),
        ]
    );
    assert_eq!(
        plan.roles.names().collect::<Vec<_>>(),
        ["QA Lead", "Release Manager", "Incident Commander", "SRE"]
    );
    // The task-list gate is still a task.
    assert_eq!(plan.phases[0].tasks[1].text, "go / no go: build is green");
}

#[test]
fn fixture_rollback_triggers() {
    let plan = fixture("triggers.md");
    check_invariants("triggers.md", &plan);
    // 14:00 CET is 13:00 UTC.
    assert_eq!(plan.t0, Some(utc("2026-01-20T13:00:00Z")));
    assert_eq!(plan.zones, [chrono_tz::Tz::Europe__Paris]);
    let triggers: Vec<(&str, Option<Threshold>)> = plan
        .triggers
        .iter()
        .map(|t| (t.id.as_str(), t.threshold.clone()))
        .collect();
    assert_eq!(
        triggers,
        [
            (
                "error-rate-5-for-2m",
                threshold("error rate", Gt, 5.0, "%", Some(120))
            ),
            (
                "p95-latency-500ms",
                threshold("p95 latency", Gt, 500.0, "ms", None)
            ),
            (
                "checkout-unavailable-10-minutes",
                threshold("unavailable", Gt, 0.0, "", Some(600))
            ),
            ("customer-complaints-spike", None),
            (
                "queue-depth-1000",
                threshold("queue depth", Ge, 1000.0, "", None)
            ),
        ]
    );
    let rollback = &plan.phases[1];
    assert_eq!(rollback.title, "Rollback Procedure");
    assert_eq!(rollback.kind, PhaseKind::Rollback);
    assert_eq!(rollback.schedule, Schedule::Length { length_s: 900 });
    assert_eq!(rollback.tasks.len(), 2);
    assert_eq!(plan.phases.len(), 2);
}

#[test]
fn fixture_mojibake_is_repaired_or_trimmed() {
    let plan = fixture("mojibake.md");
    check_invariants("mojibake.md", &plan);
    assert_eq!(plan.title, "Go-Live Runbook");
    assert_eq!(plan.phases[0].title, "Deploy");
    let tasks: Vec<&str> = plan.tasks().map(|(_, t)| t.text.as_str()).collect();
    // Control characters (ESC, BEL) are gone; the rest is printable.
    assert_eq!(
        tasks,
        ["Ship the build [31m now", "✅ Verify", "â³ Pending item"]
    );
}

#[test]
fn empty_plan_is_an_error_naming_the_file() {
    let path = fixtures().join("empty.md");
    let src = std::fs::read_to_string(&path).expect("fixture");
    let err = markdown::parse(&src, &path).expect_err("empty plan");
    let msg = err.to_string();
    assert!(msg.contains("empty.md") && msg.contains("empty"), "{msg}");
    assert_eq!(err.0.line, 0);
    assert!(markdown::parse("", Path::new("x.md")).is_err());
}

#[test]
fn plan_without_tasks_loads_with_a_warning() {
    let loaded = load(&fixtures().join("no_tasks.md"));
    check_invariants("no_tasks.md", &loaded.plan);
    assert_eq!(loaded.plan.task_count(), 0);
    assert_eq!(loaded.plan.phases.len(), 1);
    assert_eq!(loaded.plan.phases[0].title, "Notes From The Launch Meeting");
    assert!(
        loaded
            .warnings
            .iter()
            .any(|w| w.message.contains("no tasks")),
        "{:?}",
        loaded.warnings
    );
    assert_eq!(
        loaded.plan.sections[0].text,
        [
            "We agreed to launch next quarter. Nothing to tick yet.",
            "- Marketing wants a blog post"
        ]
    );
}

#[test]
fn hostile_input_never_panics() {
    // Deterministic pseudo-random documents built from Markdown-significant fragments.
    let pieces = [
        "# ",
        "## ",
        "\n",
        "- [ ] ",
        "1. ",
        "  ",
        "**",
        "(",
        ")",
        "09:00",
        " AM",
        "-",
        "Dec 30",
        "T-",
        "7 Days",
        "<!--",
        "-->",
        "```",
        "|",
        "ðŸš€",
        "üöÄ",
        "‚òê",
        "\u{1b}",
        "\u{0}",
        "go/no-go",
        "Rollback Triggers",
        "> 5%",
        "for 2m",
        "Week 99999999999",
        "\u{202E}",
        "[x]",
        "\t",
        "é",
        "**Launch Date:** ",
        "February 30, 2025",
        "UTC+14",
        "24:00",
        "---\n",
    ];
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    for _ in 0..400 {
        let mut doc = String::new();
        for _ in 0..60 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            doc.push_str(pieces[(seed % pieces.len() as u64) as usize]);
        }
        if let Ok(loaded) = markdown::parse(&doc, Path::new("fuzz.md")) {
            let total: usize = loaded.plan.phases.iter().map(|p| p.tasks.len()).sum();
            assert_eq!(total, loaded.plan.task_count());
        }
    }
    let huge = format!(
        "# {}\n- [ ] {}\n",
        "x".repeat(200_000),
        "(09:00 - ".repeat(20_000)
    );
    let loaded = markdown::parse(&huge, Path::new("huge.md")).expect("loads");
    assert_eq!(loaded.plan.task_count(), 1);
    let deep = format!(
        "# Deep\n{}\n",
        (0..500)
            .map(|i| format!("{}- [ ] level {i}", "  ".repeat(i)))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(markdown::parse(&deep, Path::new("deep.md")).is_ok());
}

/// Found by fuzzing the importer: an empty first heading (`#`) gave the plan an empty title,
/// which a TOML round trip then replaced by the file name. The file names it from the start.
#[test]
fn an_empty_first_heading_leaves_the_title_to_the_file_name() {
    let loaded =
        warroom::plan::markdown::parse("#\n- [ ] ship\n", Path::new("launch-day.md")).unwrap();
    assert_eq!(loaded.plan.title, "launch-day");
    let written = warroom::plan::toml::to_toml(&loaded.plan).unwrap();
    let back = warroom::plan::toml::parse(&written, Path::new("launch-day.toml")).unwrap();
    assert_eq!(back.plan, loaded.plan);
}
