//! Fuzzes the Markdown importer on arbitrary text.
//!
//! Properties: it never panics; a plan it accepts has unique ids and every task in exactly
//! one phase; the plan survives a TOML round trip (`import` then `open`) unchanged.

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use warroom::plan::{markdown, toml};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(loaded) = markdown::parse(&text, Path::new("fuzz.md")) else {
        return;
    };
    let plan = loaded.plan;
    let mut ids = std::collections::HashSet::new();
    for p in &plan.phases {
        assert!(ids.insert(p.id.clone()), "duplicate id {}", p.id);
        for t in &p.tasks {
            assert!(ids.insert(t.id.clone()), "duplicate id {}", t.id);
        }
    }
    let written = toml::to_toml(&plan).expect("a loaded plan writes as TOML");
    let back = toml::parse(&written, Path::new("fuzz.toml")).expect("the TOML reads back");
    assert_eq!(back.plan, plan, "TOML round trip\n{written}");
});
