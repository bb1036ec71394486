//! cairn: walk a Markdown runbook, recording every step.
pub mod ansi;
pub mod cli;
pub mod runbook;
