//! The terminal UI (ratatui): what the operator sees and the keys they press. Only this
//! module draws; it reads the session core's state and never runs anything itself.

pub mod app;
pub mod base64;
pub mod bridge;
pub mod keymap;
pub mod popup;
pub mod prose;
pub mod pty_keys;
pub mod run;
pub mod screen;
pub mod status_bar;
pub mod step_tree;
pub mod step_view;
pub mod terminal_guard;
pub mod terminal_pane;
pub mod theme;
pub mod wrap;
