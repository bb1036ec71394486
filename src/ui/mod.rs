//! The terminal UI (ratatui): what the operator sees and the keys they press. Only this
//! module draws; it reads the session core's state and never runs anything itself.

pub mod prose;
pub mod status_bar;
pub mod step_tree;
pub mod theme;
