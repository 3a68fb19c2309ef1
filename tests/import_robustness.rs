//! The importer on damaged real plans: every excerpt in `tests/fixtures/reading` and
//! `tests/fixtures/markdown`, cut at many points, with lines dropped and with characters whose
//! lower case is longer than themselves, always loads — never a panic — into a plan whose
//! phases partition its tasks and whose gates name existing phases.

#![allow(clippy::unwrap_used)] // test helpers outside #[test] fns panic on purpose

use std::path::{Path, PathBuf};

use warroom::plan::markdown;

fn fixtures() -> Vec<(PathBuf, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut out = Vec::new();
    for dir in ["reading", "markdown"] {
        for e in std::fs::read_dir(root.join(dir)).unwrap() {
            let p = e.unwrap().path();
            if p.extension().is_some_and(|x| x == "md") {
                let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
                out.push((p, text));
            }
        }
    }
    assert!(out.len() >= 10, "fixtures found: {}", out.len());
    out
}

fn loads(path: &Path, text: &str, what: &str) {
    let result = std::panic::catch_unwind(|| markdown::parse(text, path));
    let Ok(result) = result else {
        panic!("{} {what}: the importer panicked", path.display());
    };
    // Only a plan with nothing in it is refused.
    let Ok(loaded) = result else {
        assert!(
            text.chars().all(|c| c.is_whitespace() || c.is_control()),
            "{} {what}: refused",
            path.display()
        );
        return;
    };
    let plan = loaded.plan;
    assert!(
        !plan.phases.is_empty(),
        "{} {what}: no phase",
        path.display()
    );
    let total: usize = plan.phases.iter().map(|p| p.tasks.len()).sum();
    assert_eq!(total, plan.task_count(), "{} {what}", path.display());
    for g in &plan.gates {
        assert!(
            plan.phase_index(&g.phase).is_some(),
            "{} {what}: gate {} names no phase",
            path.display(),
            g.id
        );
    }
    assert!(markdown::explain(text, path).is_ok() || text.trim().is_empty());
}

#[test]
fn cut_plans_always_load() {
    for (path, text) in fixtures() {
        let cuts: Vec<usize> = (0..text.len())
            .step_by(41)
            .filter(|&i| text.is_char_boundary(i))
            .collect();
        for i in cuts {
            loads(&path, &text[..i], &format!("cut at byte {i}"));
            loads(&path, &text[i..], &format!("from byte {i}"));
        }
    }
}

#[test]
fn plans_with_lines_dropped_or_odd_letters_always_load() {
    for (path, text) in fixtures() {
        let lines: Vec<&str> = text.lines().collect();
        for k in 0..lines.len() {
            let without: Vec<&str> = lines
                .iter()
                .enumerate()
                .filter(|&(j, _)| j != k)
                .map(|(_, l)| *l)
                .collect();
            loads(
                &path,
                &without.join("\n"),
                &format!("without line {}", k + 1),
            );
        }
        // `İ` lower-cases to two characters, `ẞ` upper-cases from one: byte offsets taken on
        // a lower-cased copy must never cut the original.
        let odd = text.replace('a', "İ").replace('e', "ẞ");
        loads(&path, &odd, "with İ and ẞ");
    }
}
