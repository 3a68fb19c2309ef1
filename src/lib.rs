//! warroom: a full-screen terminal war room for software deployments.
//!
//! Layers, inside out (each depends only on those before it; DESIGN.md §3):
//! [`plan`] (model and loaders) and [`journal`] (events, the append-only log) → [`state`]
//! (the pure reducer) and [`report`] (the story told from the journal) → [`session`] (plan + journal + state kept in step) → [`poll`] (checks,
//! metrics, triggers), [`exec`] (operator-run step commands) and [`notify`] (webhook posts) →
//! [`app`] (the event loop) →
//! [`ui`] (widgets) → [`cli`] and [`demo`].

pub mod app;
pub mod cli;
pub mod demo;
pub mod exec;
pub mod journal;
pub mod logging;
pub mod notify;
pub mod plan;
pub mod poll;
pub mod report;
pub mod session;
pub mod state;
pub mod text;
pub mod ui;
