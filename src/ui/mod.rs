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

/// The UI's theme and keys from the settings file (and `NO_COLOR`).
pub fn setup(config: &crate::config::Config) -> Result<(theme::Theme, keymap::Keymap), String> {
    let theme = match &config.theme {
        Some(name) => theme::Theme::load(name)?,
        None => theme::Theme::default_theme(),
    };
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|value| !value.is_empty()) {
        theme.without_color()
    } else {
        theme
    };
    Ok((theme, keymap::Keymap::with_overrides(&config.keys)?))
}
pub mod session_list;
pub mod timeline;
