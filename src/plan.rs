//! The deployment plan: model and loaders.
//!
//! `load` reads a `.md` runbook (see [`markdown`]) or a `.toml` plan (see [`toml`]) into a
//! [`Plan`], with warnings for what it could not fully understand. Pure: no tokio, no terminal.

pub mod clean;
pub mod condition;
pub mod env;
pub mod ids;
pub mod lex;
pub mod load;
pub mod markdown;
pub mod model;
pub mod notify;
pub mod roles;
pub mod schedule;
pub mod selector;
pub mod signals;
pub mod threshold;
pub mod toml;
pub mod wiring;
pub mod zones;

use std::fmt;
use std::path::{Path, PathBuf};

pub use load::{LoadedFile, Runbook, load, load_bundle, load_bytes};
pub use model::*;

/// Something a loader noticed, tied to a place in the plan file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The plan file.
    pub file: PathBuf,
    /// 1-based line (0 when the problem concerns the whole file).
    pub line: usize,
    /// What is wrong and what to do about it.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.message)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.message)
        }
    }
}

/// A plan that could not be loaded. The diagnostic names file, line and what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanError(pub Diagnostic);

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for PlanError {}

impl PlanError {
    /// An error at `file:line` with `message`.
    pub fn at(file: &Path, line: usize, message: impl Into<String>) -> Self {
        PlanError(Diagnostic {
            file: file.to_path_buf(),
            line,
            message: message.into(),
        })
    }
}

/// A loaded plan and the warnings found while loading it.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The plan.
    pub plan: Plan,
    /// Things the loader kept as prose or guessed at; the plan still works.
    pub warnings: Vec<Diagnostic>,
}
