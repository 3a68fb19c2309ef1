//! Criterion benchmarks against DESIGN.md §8: importing every shared plan (and generated 1 MB
//! and 5 MB runbooks, which must cost in proportion to their size), replaying a
//! 100,000-event journal (budget ≤ 200 ms), rendering one 160×48 frame of a 300-task plan
//! (budget ≤ 1 ms typical), and the report of that journal on that plan (no budget in
//! DESIGN.md; `r` in the room waits for it).

#[path = "support/big_journal.rs"]
mod big_journal;

use std::fmt::Write as _;
use std::hint::black_box;
use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use warroom::app::App;
use warroom::journal::Journal;
use warroom::plan::markdown;
use warroom::report::Format;
use warroom::session::{OpenOptions, Session};

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

fn import(c: &mut Criterion) {
    let plans = shared_plans();
    if plans.is_empty() {
        eprintln!("../shared/plans not found: import benchmark skipped");
        return;
    }
    let texts: Vec<(PathBuf, String)> = plans
        .into_iter()
        .map(|p| {
            let t = String::from_utf8_lossy(&std::fs::read(&p).expect("read plan")).into_owned();
            (p, t)
        })
        .collect();
    c.bench_function("import all shared plans", |b| {
        b.iter(|| {
            for (p, t) in &texts {
                black_box(markdown::parse(t, p).expect("plan parses"));
            }
        });
    });
}

/// Writes a valid 100,000-event journal directly (appending with fsync would take minutes).
/// A generated Markdown runbook of about `bytes`: timed phases of 20 tasks with prose, a
/// link and a sign-off table each — the shapes the importer reads, over and over.
fn generated_runbook(bytes: usize) -> String {
    let mut out = String::from("# Generated launch\n\n**Launch Date:** December 13, 2025\n\n");
    let mut i = 0;
    while out.len() < bytes {
        let _ = write!(
            out,
            "## Phase {i} (09:00 AM - 10:00 AM UTC)\n\nProse about phase {i}, with **bold** text \
             and a [link](http://x/{i}).\n\n"
        );
        for j in 0..20 {
            let _ = writeln!(
                out,
                "- [ ] Task {i}.{j}: deploy service-{j} and check the dashboard"
            );
        }
        out.push_str("\n| Role | Name |\n| --- | --- |\n| Lead | Ada |\n\n");
        i += 1;
    }
    out
}

/// The importer must stay linear in the plan's size (issue 10): 1 MB and 5 MB generated
/// runbooks; the 5 MB one should take about five times as long, not 25.
fn import_big(c: &mut Criterion) {
    let mut g = c.benchmark_group("import generated");
    g.sample_size(10);
    for mb in [1, 5] {
        let text = generated_runbook(mb << 20);
        let path = PathBuf::from(format!("generated-{mb}mb.md"));
        g.bench_function(format!("{mb} MB runbook"), |b| {
            b.iter(|| black_box(markdown::parse(&text, &path).expect("plan parses")));
        });
        // Tens of thousands of headings: the stage rules look at siblings and children, which
        // must not cost the square of the heading count.
        let text = generated_steps(mb << 20);
        g.bench_function(format!("{mb} MB of numbered step headings"), |b| {
            b.iter(|| black_box(markdown::parse(&text, &path).expect("plan parses")));
        });
    }
    g.finish();
}

/// A generated runbook of about `bytes` made of numbered step headings (`## 12. Step 12`),
/// each with one task: a heading every 40 bytes or so.
fn generated_steps(bytes: usize) -> String {
    let mut out = String::from("# Generated steps\n\n");
    let mut i = 0;
    while out.len() < bytes {
        let _ = write!(out, "## {i}. Step {i}\n\n- [ ] do step {i}\n\n");
        i += 1;
    }
    out
}

fn big_journal(path: &Path, n: u64, tasks: &[String]) {
    let t0 = Utc
        .with_ymd_and_hms(2025, 12, 13, 9, 0, 0)
        .single()
        .expect("time");
    big_journal::write(path, n, tasks, t0);
}

fn replay(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("big.journal.jsonl");
    let tasks: Vec<String> = (0..300).map(|t| format!("phase/task-{t}")).collect();
    big_journal(&path, 100_000, &tasks);
    let journal = Journal::open(&path).expect("open");
    let mut g = c.benchmark_group("journal");
    g.sample_size(10);
    g.bench_function("replay 100k events", |b| {
        b.iter(|| {
            let r = journal.replay().expect("replay");
            assert_eq!(r.events.len(), 100_000);
            assert!(r.problems.is_empty());
        });
    });
    g.finish();
}

/// A 300-task plan: 10 phases of 30 tasks, each with a gate.
fn big_plan(dir: &Path) -> PathBuf {
    let mut toml = String::from(
        "title = \"Big launch\"\nt0 = \"2025-12-13T09:00:00Z\"\nzones = [\"Africa/Lagos\"]\n",
    );
    for p in 0..10 {
        let _ = write!(
            toml,
            "[[phase]]\ntitle = \"Phase {p}\"\nschedule = {{ kind = \"offset\", start_s = {}, end_s = {} }}\n",
            p * 1800,
            (p + 1) * 1800
        );
        for t in 0..30 {
            let _ = write!(
                toml,
                "[[phase.task]]\ntext = \"Task {t} of phase {p}: deploy, verify and record the result\"\n"
            );
        }
        let _ = write!(
            toml,
            "[[gate]]\ntitle = \"Go/No-Go {p}\"\nphase = \"phase-{p}\"\n"
        );
    }
    let plan = dir.join("big.toml");
    std::fs::write(&plan, toml).expect("write plan");
    plan
}

fn render(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = big_plan(dir.path());
    let session =
        Session::open_with(&plan, &OpenOptions::default(), None, Utc::now()).expect("open");
    assert_eq!(session.state.plan.task_count(), 300);
    let app = App::new(session);
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).expect("terminal");
    let now = Utc::now();
    let theme = warroom::ui::theme::Theme::from_env();
    c.bench_function("render 160x48, 300 tasks", |b| {
        b.iter(|| {
            terminal
                .draw(|f| warroom::ui::render(f, &app.screen(now), theme))
                .expect("draw");
        });
    });
}

fn report(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let plan = big_plan(dir.path());
    let opts = OpenOptions {
        journal: Some(dir.path().join("big.journal.jsonl")),
        ..OpenOptions::default()
    };
    let tasks: Vec<String> = {
        let s = Session::open_with(&plan, &opts, None, Utc::now()).expect("open");
        s.state.plan.tasks().map(|(_, t)| t.id.clone()).collect()
    };
    big_journal(opts.journal.as_deref().expect("path"), 100_000, &tasks);
    let session = Session::open_with(&plan, &opts, None, Utc::now()).expect("open");
    let now = Utc::now();
    let mut g = c.benchmark_group("report");
    g.sample_size(10);
    g.bench_function("report of 100k events, 300 tasks: md + html", |b| {
        b.iter(|| {
            let r = session.report(now).expect("report");
            black_box(Format::Md.render(&r).len() + Format::Html.render(&r).len())
        });
    });
    g.finish();
}

criterion_group!(benches, import, import_big, replay, render, report);
criterion_main!(benches);
