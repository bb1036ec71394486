//! cairn: walk a Markdown runbook, recording every step.
pub mod ansi;
pub mod cli;
pub mod config;
pub mod engine;
pub mod exec;
pub mod export;
pub mod journal;
pub mod runbook;
pub mod session;
pub mod ui;
