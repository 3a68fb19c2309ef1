//! Fuzzes the TOML plan loader (with its signal validation) on arbitrary text.
//!
//! Properties: it never panics; errors carry a line within the text (or 0).

#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use warroom::plan::{toml, wiring};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count() + 1;
    match toml::parse(&text, Path::new("fuzz.toml")) {
        Err(e) => assert!(e.0.line <= lines, "{e}"),
        Ok(parsed) => {
            let mut plan = parsed.plan;
            if let Err(e) = wiring::resolve(&mut plan, Path::new("fuzz.toml")) {
                assert!(e.0.line <= lines, "{e}");
            }
        }
    }
});
