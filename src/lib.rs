//! cairn: walk a Markdown runbook, recording every step.
pub mod cli;
pub mod runbook;
