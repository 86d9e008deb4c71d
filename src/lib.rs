//! numarun: an agentless, idempotent orchestration runner.
//!
//! parse (`yaml`, `model`) → plan (`plan`) → execute (`engine`, `modules`
//! through a `target`) → events (`events`) → reporters (`report`).

pub mod cli;
pub mod connection;
pub mod diag;
pub mod engine;
pub mod events;
pub mod exit;
pub mod libvirt;
pub mod model;
pub mod modules;
pub mod numa;
pub mod redact;
pub mod report;
pub mod schedule;
pub mod template;
pub mod text_file;
pub mod vars;
pub mod yaml;
