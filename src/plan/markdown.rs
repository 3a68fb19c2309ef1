//! The Markdown runbook importer: a deployment plan as teams write it → a
//! [`Plan`](crate::plan::Plan).
//!
//! Real plans are written for people, so the importer reads them the way their deployment
//! lead does (the rules are stated for users in the README's "What warroom reads", and in
//! `DESIGN.md` §5). The passes:
//!
//! - `scan`: pulldown-cmark events → headings, list items, tables (Markdown and HTML),
//!   paragraphs and code, with lines; code fences and HTML comments are never structure;
//! - `meta`: bold `Key: value` header lines give T-0, the rollback window and zones;
//! - `rows`: schedule tables and hour-slot lists as rows naming stages;
//! - `timing`: each heading's window ([`crate::plan::schedule`]), weekdays placed around the
//!   release day, schedule rows matched to the headings they name;
//! - `stages`: which sections are stages (containers, prose between stages, listed and
//!   numbered steps, heading steps);
//! - `rules`: the wording rules (gates, triggers, rollback, reference sections, instructions,
//!   owners);
//! - `build`: tasks, gates, triggers and phases, with ids, and the reasons
//!   `validate --explain` prints (`explain`).
//!
//! Everything not read as structure stays as text in its [`Section`](crate::plan::Section):
//! the importer never fails on prose. Text is cleaned for display ([`crate::plan::clean`]):
//! emoji saved through the wrong encoding (`ðŸš€`, `üöÄ`) are repaired, control characters
//! removed, and decoration trimmed off titles.

mod announce;
mod build;
mod explain;
mod item_stages;
mod label_lines;
mod lead_times;
mod meta;
mod para_stages;
mod prose;
mod rows;
mod rst;
mod rules;
mod scan;
mod sections;
mod stages;
mod timing;

use std::path::Path;

pub use explain::Reason;

use super::{Diagnostic, Loaded, PlanError};

/// Parses a Markdown runbook. `file` is used only in diagnostics (and, for a plan without any
/// heading or front-matter title, as its title).
///
/// Never panics, whatever the input. Errors: only an empty plan (nothing but whitespace or
/// control characters). Everything else loads; what the importer had to guess or leave out
/// (no tasks, a time it could not read, a clock time without a date) is reported in
/// [`Loaded::warnings`] with its line.
pub fn parse(src: &str, file: &Path) -> Result<Loaded, PlanError> {
    let built = read(src, file)?;
    Ok(Loaded {
        plan: built.plan,
        warnings: built.warnings,
    })
}

/// Why each phase, group of tasks, gate and trigger of a Markdown runbook was read as it was,
/// and why each section that yielded nothing stayed text, in plan order
/// (`warroom validate --explain`). Errors as [`parse`].
pub fn explain(src: &str, file: &Path) -> Result<Vec<Reason>, PlanError> {
    Ok(read(src, file)?.reasons)
}

fn read(src: &str, file: &Path) -> Result<build::Built, PlanError> {
    if src.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err(PlanError::at(
            file,
            0,
            "the plan is empty: write at least a title heading (`# Launch plan`) and a phase with tasks (`## Deploy` then `- [ ] …`)",
        ));
    }
    let doc = item_stages::promote(para_stages::promote(scan::scan(src)));
    let mut meta = meta::read(src, &doc.opaque, doc.prose());
    meta.date_from_front_matter(doc.front_matter.as_deref());
    Ok(build::build(&doc, meta, file))
}

/// Warnings collected while importing one file.
struct Warnings<'a> {
    file: &'a Path,
    list: Vec<Diagnostic>,
}

impl<'a> Warnings<'a> {
    fn new(file: &'a Path) -> Self {
        Warnings {
            file,
            list: Vec::new(),
        }
    }

    /// Records `message` at `line` (0: the whole file).
    fn add(&mut self, line: usize, message: impl Into<String>) {
        self.list.push(Diagnostic {
            file: self.file.to_path_buf(),
            line,
            message: message.into(),
        });
    }
}

/// Text normalized for wording rules: lower case, every run of characters that are not
/// letters or digits turned into one space, with a space at both ends (so `" go no go "` matches
/// `Go/No-Go` as whole words).
fn norm(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norm_makes_whole_words() {
        assert_eq!(norm("Go/No-Go  Checkpoint"), " go no go checkpoint ");
        assert_eq!(norm(""), " ");
    }
}
