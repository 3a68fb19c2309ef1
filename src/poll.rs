//! Pollers: what the room watches — HTTP checks, TCP connects, commands, Prometheus queries and
//! `/metrics` scrapes — and how their answers become states and trigger episodes.
//!
//! Pure parts: [`outcome`] (what a probe yields), [`board`] (states with DOWN/UP thresholds and
//! history), [`trigger`] (trigger evaluation with `for` windows), [`exposition`] (the text
//! format parser). I/O parts: one module per source ([`http`], [`tcp`], [`command`],
//! [`prometheus`], [`scrape`]) and [`runner`], which schedules them on tokio with deadlines and
//! bounded concurrency and sends [`runner::Reading`]s to the app loop. Nothing here draws.

pub mod board;
pub mod command;
pub mod exposition;
pub mod http;
pub mod outcome;
pub mod prometheus;
pub mod promql;
pub mod runner;
pub mod scrape;
pub mod tcp;
pub mod trigger;

pub use board::{Board, Health, Sample, Signal, Target, Verdict};
pub use outcome::{ErrorKind, Observation, Outcome, ProbeError};
