//! warroom: a full-screen terminal war room for software deployments.
//!
//! Layers, inside out (each depends only on those before it; DESIGN.md §3):
//! [`plan`] (model and loaders) and [`journal`] (events, the append-only log) → [`state`]
//! (the pure reducer) and [`report`] (the story told from the journal) → [`session`] (plan + journal + state kept in step) → [`poll`] (checks,
//! metrics, triggers), [`exec`] (operator-run step commands) and [`notify`] (webhook posts) →
//! [`app`] (the room as a state machine: `Msg` in, `Effect`s out) → [`ui`] (widgets, drawn
//! from a read-only view) → [`event_loop`] (terminal, channels, tasks, signals, the journal
//! worker) → [`cli`] and [`demo`].

pub mod app;
pub mod cli;
pub mod demo;
pub mod event_loop;
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
