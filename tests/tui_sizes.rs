//! The room at the sizes it meets — a laptop terminal (80×24), a split (100×30), a wall screen
//! (160×48) and a big one (240×67) — on the demo's plan and on two shared plans, through
//! ratatui's `TestBackend`. Times are fixed by passing `now`; the user, host and temporary
//! paths are filtered. Besides the snapshots, each screen is checked for what must hold at
//! every size: the footer's `? help` and `q quit`, the wall band from 150×40, the trigger
//! summary on small screens.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

mod common;

use std::path::{Path, PathBuf};

use chrono::{DateTime, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::App;
use warroom::session::OpenOptions;
use warroom::state::Command;

const SIZES: [(u16, u16); 4] = [(80, 24), (100, 30), (160, 48), (240, 67)];

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 12, 13, 9, 0, 0)
        .single()
        .unwrap()
}

/// The demo's runbook and wiring in `dir`, its services' ports replaced by one that nothing
/// answers (nothing is polled here).
fn demo_plan(dir: &Path) -> PathBuf {
    std::fs::write(dir.join("crm-launch.md"), warroom::demo::RUNBOOK).unwrap();
    let mut wiring = warroom::demo::WIRING.to_string();
    while let Some(a) = wiring.find('{') {
        let Some(b) = wiring[a..].find('}') else {
            break;
        };
        wiring.replace_range(a..=a + b, "9");
    }
    let plan = dir.join("crm-launch.toml");
    std::fs::write(&plan, wiring).unwrap();
    plan
}

/// A shared plan copied into `dir`, or `None` when `../shared/plans` is not beside the repo.
fn shared_plan(dir: &Path, name: &str) -> Option<PathBuf> {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/plans")
        .join(name);
    if !from.exists() {
        eprintln!("{} is not here: its screens were skipped", from.display());
        return None;
    }
    let plan = dir.join(name);
    std::fs::copy(&from, &plan).unwrap();
    Some(plan)
}

/// A room on `plan` with T-0 at 09:00, the first phase started at 09:02 and its first task
/// ticked at 09:10.
fn room(plan: &Path) -> App {
    let opts = OpenOptions {
        start: Some(t0()),
        ..OpenOptions::default()
    };
    let mut s = common::state::open(plan, &opts, t0() - chrono::Duration::minutes(10)).unwrap();
    s.act(
        &Command::Advance {
            to: None,
            override_reason: None,
        },
        t0() + chrono::Duration::minutes(2),
    )
    .unwrap();
    let focus = s.state.focus_phase();
    if let Some(task) = s.state.plan.phases[focus].tasks.first() {
        let id = task.id.clone();
        if !s.state.is_done(&id) {
            s.act(
                &Command::Check {
                    task: id,
                    note: None,
                },
                t0() + chrono::Duration::minutes(10),
            )
            .unwrap();
        }
    }
    App::new(s)
}

fn draw(app: &App, w: u16, h: u16, now: DateTime<Utc>) -> String {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal
        .draw(|f| warroom::ui::render(f, &app.screen(now), warroom::ui::theme::Theme::mono()))
        .unwrap();
    format!("{}", terminal.backend())
}

fn check(name: &str, text: &str, dir: &Path) {
    let dir = dir.display().to_string();
    let actor = warroom::journal::actor();
    let user = format!(r"\b{}\b", actor.split('@').next().unwrap());
    insta::with_settings!({filters => vec![
        (dir.as_str(), "[TMP]"),
        (user.as_str(), "user"),
        (r"[A-Za-z0-9_.-]+@[A-Za-z0-9_.-]+", "user@host"),
    ]}, {
        insta::assert_snapshot!(name, text);
    });
}

/// Every size of `app`, checked and snapshotted as `<label>_<w>x<h>`.
fn every_size(label: &str, app: &App, dir: &Path) {
    let now = t0() + chrono::Duration::minutes(25);
    for (w, h) in SIZES {
        let text = draw(app, w, h, now);
        let lines: Vec<&str> = text.lines().collect();
        let footer = lines.last().unwrap();
        assert!(
            footer.contains("?  help") && footer.contains("q  quit"),
            "{label} {w}×{h}: the footer lost its keys\n{text}"
        );
        let wall = w >= 150 && h >= 40;
        assert_eq!(
            text.contains("┌ Room ─"),
            wall,
            "{label} {w}×{h}: the wall band shows from 150×40 only\n{text}"
        );
        if wall {
            // The countdown in large digits: hours and minutes big, seconds small.
            assert!(text.contains("██"), "{label} {w}×{h}\n{text}");
            assert!(text.contains(" :00"), "{label} {w}×{h}\n{text}");
        }
        if w < 120 && !app.session.state.plan.triggers.is_empty() {
            assert!(
                lines.iter().any(|l| l.contains(" triggers ")),
                "{label} {w}×{h}: no trigger summary\n{text}"
            );
        }
        check(&format!("{label}_{w}x{h}"), &text, dir);
    }
}

#[test]
fn the_demo_plan_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    let app = room(&demo_plan(dir.path()));
    every_size("demo", &app, dir.path());
}

#[test]
fn the_crm_platform_plan_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(plan) = shared_plan(dir.path(), "crm-platform-launch.md") {
        every_size("crm_platform", &room(&plan), dir.path());
    }
}

#[test]
fn the_salessync_plan_at_every_size() {
    let dir = tempfile::tempdir().unwrap();
    if let Some(plan) = shared_plan(dir.path(), "salessync-go-live-checklist.md") {
        every_size("salessync", &room(&plan), dir.path());
    }
}

/// `--wall` shows the band at any size that leaves room for panels under it; a filter
/// narrows the checklist at every size and says so in its title.
#[test]
fn wall_forced_and_a_filter_at_80x24() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = room(&demo_plan(dir.path()));
    app.view.wall = true;
    app.view.filter = "backup".into();
    let now = t0() + chrono::Duration::minutes(25);
    let text = draw(&app, 80, 24, now);
    assert!(
        text.contains("┌ Room ─") || text.contains(" Room ─"),
        "{text}"
    );
    assert!(text.contains("filter \"backup\""), "{text}");
    assert!(text.contains("Backup systems verification"), "{text}");
    assert!(!text.contains("Final Health Checks"), "{text}");
    check("demo_wall_filter_80x24", &text, dir.path());
}

/// The rows of the wall band (between its borders) in a drawn screen.
fn band(text: &str) -> Vec<String> {
    text.lines()
        .skip_while(|l| !l.contains("┌ Room ─"))
        .skip(1)
        .take_while(|l| !l.contains('└'))
        // TestBackend quotes each row.
        .map(|l| l.trim_matches('"').to_string())
        .collect()
}

/// A hold is the band's state in large letters, with its reason and the held countdown in
/// words under it.
#[test]
fn the_wall_band_says_hold_and_why() {
    let dir = tempfile::tempdir().unwrap();
    let mut app = room(&demo_plan(dir.path()));
    app.session
        .act(
            &Command::Hold {
                reason: "waiting for DNS".into(),
            },
            t0() + chrono::Duration::minutes(20),
        )
        .unwrap();
    let text = draw(&app, 160, 48, t0() + chrono::Duration::minutes(25));
    let rows = band(&text);
    assert_eq!(rows.len(), 6, "{text}");
    // "HOLD" at two columns a pixel: H's first row is "██  ██".
    assert!(rows[0].starts_with("│ ██  ██  "), "{text}");
    assert!(rows[5].contains("hold 5 min: waiting for DNS"), "{text}");
    assert!(rows[5].contains("(held)"), "{text}");
    // The header's first line has no room left for the title: no separator ends it.
    let first = text.lines().next().unwrap().trim_matches('"').trim_end();
    assert!(first.ends_with("waiting for DNS"), "{first}");
}

/// A plan whose T-0 nobody set says so on the wall, with how to set it, instead of a
/// countdown from a guessed go-live.
#[test]
fn the_wall_band_says_t0_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let plan = dir.path().join("relative.md");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/markdown/relative.md"),
        &plan,
    )
    .unwrap();
    let app = App::new(common::state::open(&plan, &OpenOptions::default(), t0()).unwrap());
    let text = draw(&app, 160, 48, t0());
    let rows = band(&text);
    assert!(
        rows.last()
            .is_some_and(|r| r.contains("press T to set it, or open with --start TIME")),
        "{text}"
    );
    assert!(
        !rows.iter().any(|r| r.contains(":00 ")),
        "no countdown seconds\n{text}"
    );
    check("t0_not_set_wall_160x48", &text, dir.path());
}
