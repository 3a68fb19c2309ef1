//! Every shared plan opens in the room and can be worked through: tick, vote, hold, advance
//! (with an override where a gate is not GO), rollback — and `status --json` agrees. Also the
//! `warroom import` TOML of each plan reads back to the same model.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::App;
use warroom::journal::event::Vote;
use warroom::report::Format;
use warroom::session::OpenOptions;
use warroom::state::{Command, RoomStatus};

fn shared_plans() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/plans");
    let mut plans = Vec::new();
    for dir in [root.clone(), root.join("public")] {
        if let Ok(entries) = std::fs::read_dir(&dir) {
            plans.extend(
                entries
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "md")),
            );
        }
    }
    plans.sort();
    plans
}

fn plans_or_skip() -> Vec<PathBuf> {
    let plans = shared_plans();
    if plans.is_empty() {
        eprintln!("../shared/plans is not here: the shared-plan room checks were skipped");
    }
    plans
}

#[test]
fn every_shared_plan_round_trips_through_the_toml_importer() {
    for path in plans_or_skip() {
        let md = warroom::plan::load(&path).unwrap().loaded.plan;
        let text = warroom::plan::toml::to_toml(&md).unwrap();
        let back = warroom::plan::toml::parse(&text, Path::new("imported.toml"))
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .plan;
        assert_eq!(back, md, "{}", path.display());
    }
}

#[test]
fn every_shared_plan_can_be_worked_through_and_drawn() {
    let plans = plans_or_skip();
    let now = Utc
        .with_ymd_and_hms(2025, 12, 13, 9, 30, 0)
        .single()
        .unwrap();
    for path in plans {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let dir = tempfile::tempdir().unwrap();
        let plan = dir.path().join(&name);
        std::fs::copy(&path, &plan).unwrap();
        let opts = OpenOptions {
            start: Some(now),
            ..OpenOptions::default()
        };
        let mut s =
            common::state::open(&plan, &opts, now).unwrap_or_else(|e| panic!("{name}: {e}"));
        let total = s.state.plan.task_count();

        s.act(
            &Command::Advance {
                to: None,
                override_reason: None,
            },
            now,
        )
        .unwrap_or_else(|e| panic!("{name}: first advance: {e}"));
        // A plan whose only phase is its rollback procedure has nothing to advance through.
        let forward = s.state.forward_phases().count();
        let want = if forward == 0 {
            RoomStatus::Done
        } else {
            RoomStatus::InProgress
        };
        assert_eq!(s.state.status(), want, "{name}");
        let first = s.state.plan.tasks().next().map(|(_, t)| t.id.clone());
        if let Some(id) = first {
            let was_done = s.state.is_done(&id);
            let cmd = if was_done {
                Command::Uncheck {
                    task: id.clone(),
                    note: None,
                }
            } else {
                Command::Check {
                    task: id.clone(),
                    note: None,
                }
            };
            s.act(&cmd, now).unwrap();
            assert_ne!(s.state.is_done(&id), was_done, "{name}");
        }
        for g in 0..s.state.plan.gates.len() {
            let gate = s.state.plan.gates[g].clone();
            let role = gate.voters.first().cloned();
            let cmd = Command::Vote {
                gate: gate.id.clone(),
                role,
                vote: Vote::Go,
                note: None,
            };
            s.act(&cmd, now)
                .unwrap_or_else(|e| panic!("{name}: vote at {}: {e}", gate.id));
        }
        s.act(
            &Command::Hold {
                reason: "rehearsal".into(),
            },
            now,
        )
        .unwrap();
        s.act(&Command::Release { note: None }, now).unwrap();
        if forward > 0 {
            s.act(
                &Command::Advance {
                    to: None,
                    override_reason: Some("rehearsal".into()),
                },
                now,
            )
            .unwrap_or_else(|e| panic!("{name}: advance: {e}"));
        }

        let app = App::new(s);
        for (w, h) in [(80, 24), (160, 48)] {
            let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
            terminal
                .draw(|f| {
                    warroom::ui::render(f, &app.screen(now), warroom::ui::theme::Theme::from_env());
                })
                .unwrap();
            let text = format!("{}", terminal.backend());
            assert!(
                text.contains("IN PROGRESS") || text.contains("DONE"),
                "{name} {w}x{h}:\n{text}"
            );
        }
        let mut s = app.session;
        s.act(
            &Command::Rollback {
                reason: "rehearsal".into(),
            },
            now,
        )
        .unwrap();
        assert_eq!(s.state.status(), RoomStatus::Rollback, "{name}");

        // A second process's view (status) agrees with this one.
        let other = common::state::open(
            &plan,
            &OpenOptions {
                follower: true,
                ..opts
            },
            now,
        )
        .unwrap();
        assert_eq!(other.state.progress(), s.state.progress(), "{name}");
        assert_eq!(other.state.progress().1, total, "{name}");
        assert_eq!(other.state.events, s.state.events, "{name}");
        assert_eq!(other.head_hash(), s.head_hash(), "{name}");
        assert!(other.problems.is_empty(), "{name}: {:?}", other.problems);

        // The report tells the same story: every phase, every vote, the rollback, the head.
        let report = other.report(now).unwrap();
        assert_eq!(report.phases.len(), s.state.plan.phases.len(), "{name}");
        let votes: usize = report.gates.iter().map(|g| g.votes.len()).sum();
        assert_eq!(votes, s.state.plan.gates.len(), "{name}");
        assert_eq!(
            report.holds.iter().filter(|h| h.kind == "called").count(),
            1,
            "{name}"
        );
        assert!(report.rollback.is_some(), "{name}");
        assert!(
            report.journal.consistent,
            "{name}: {}",
            report.journal.chain
        );
        assert_eq!(report.journal.head_hash, s.head_hash(), "{name}");
        let md = Format::Md.render(&report);
        for phase in &report.phases {
            // As the Markdown report writes text: `\`, `|`, `[` and `]` escaped, a backtick as
            // `'`, `<` as an entity (`Run a database backup [production]`).
            let title = warroom::text::sanitize(&phase.title)
                .replace('\\', "\\\\")
                .replace('|', "\\|")
                .replace('[', "\\[")
                .replace(']', "\\]")
                .replace('`', "'")
                .replace('<', "&lt;");
            assert!(
                md.contains(&title),
                "{name}: {title} not in the Markdown report"
            );
        }
        let html = Format::Html.render(&report);
        assert!(html.contains("<svg") && html.ends_with("</html>"), "{name}");
        let json: serde_json::Value = serde_json::from_str(&Format::Json.render(&report)).unwrap();
        assert_eq!(json["tasks_total"], total, "{name}");
    }
}
