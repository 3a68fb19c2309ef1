//! Helpers shared by the end-to-end test files (`mod common;` in each): real pseudo-terminals
//! running the real binary, a local HTTP server whose answers the test controls, and the
//! journal read back as JSON.

// Each test file uses a different part of these helpers.
#![allow(dead_code)]

pub mod fixture;
pub mod journal;
pub mod postgres;
pub mod procs;
pub mod pty;
pub mod room;
pub mod server;
pub mod state;
