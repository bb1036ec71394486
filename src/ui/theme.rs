//! Themes: what each semantic role of the screen (a failed step, a destructive command,
//! the status bar…) looks like. Widgets ask for a role, never for a colour.
//!
//! A theme file (`themes/*.toml`, or any path) sets some roles and inherits the rest from
//! the built-in dark theme, so a one-line file is a valid theme. A file that is not valid
//! TOML, an unknown role or colour, is an error with `file:line:col`; nothing is silently
//! ignored. `NO_COLOR` keeps the emphasis (bold, underline) and drops every colour.
//!
//! ```toml
//! name = "my theme"
//! [roles]
//! step_failed = { fg = "light-red", bold = true }
//! danger = { fg = "#ff5f5f", bg = "black", underline = true }
//! ```

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

use crate::runbook::Source;

/// Every role a widget may ask for.
pub const ROLES: &[&str] = &[
    "text",
    "muted",
    "title",
    "heading",
    "link",
    "code",
    "border",
    "border_focused",
    "selection",
    "search_match",
    "step_pending",
    "step_current",
    "step_running",
    "step_ok",
    "step_failed",
    "step_skipped",
    "danger",
    "warning",
    "status_bar",
    "mode_live",
    "mode_drill",
    "mode_dry_run",
    "mode_review",
];

/// The built-in themes, by name: the default and those shipped in `themes/`.
pub const BUILT_IN: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
];

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<&'static str, Style>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    name: Option<String>,
    #[serde(default)]
    roles: BTreeMap<String, RoleFile>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleFile {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    dim: bool,
    #[serde(default)]
    reversed: bool,
}

/// `red`, `light-red`, `dark-gray`, `#rrggbb`, or a 256-colour index `0`..`255`.
fn color(text: &str) -> Option<Color> {
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() == 6 {
            let value = u32::from_str_radix(hex, 16).ok()?;
            return Some(Color::Rgb(
                (value >> 16) as u8,
                (value >> 8) as u8,
                value as u8,
            ));
        }
        return None;
    }
    if let Ok(index) = text.parse::<u8>() {
        return Some(Color::Indexed(index));
    }
    let name = text.to_ascii_lowercase().replace(['-', '_', ' '], "");
    Some(match name.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return None,
    })
}

impl Theme {
    /// The built-in default (dark).
    pub fn default_theme() -> Theme {
        let mut theme = Theme {
            name: "dark".into(),
            styles: ROLES.iter().map(|role| (*role, Style::default())).collect(),
        };
        if let Some((_, text)) = BUILT_IN.first() {
            // The shipped dark theme is tested to load; a failure here leaves plain styles.
            let _ = theme.apply("themes/dark.toml", text);
        }
        theme
    }

    /// A built-in theme by name, or a theme file by path, over the default.
    pub fn load(name_or_path: &str) -> Result<Theme, String> {
        let mut theme = Theme::default_theme();
        if let Some((_, text)) = BUILT_IN.iter().find(|(name, _)| *name == name_or_path) {
            theme.apply(&format!("themes/{name_or_path}.toml"), text)?;
            return Ok(theme);
        }
        let path = Path::new(name_or_path);
        let text = std::fs::read_to_string(path).map_err(|error| {
            let known: Vec<&str> = BUILT_IN.iter().map(|(name, _)| *name).collect();
            format!(
                "{name_or_path}: {error}; name a theme file, or one of {}",
                known.join(", ")
            )
        })?;
        theme.apply(&path.display().to_string(), &text)?;
        Ok(theme)
    }

    /// Sets the roles `text` (a theme file at `path`) names.
    fn apply(&mut self, path: &str, text: &str) -> Result<(), String> {
        let source = Source::new(path, text);
        let at = |offset: usize| {
            let position = source.position(offset);
            format!("{path}:{}:{}", position.line, position.col)
        };
        let file: File = toml::from_str(text).map_err(|error| {
            let place = error
                .span()
                .map_or_else(|| path.to_string(), |span| at(span.start));
            format!("{place}: {}", error.message())
        })?;
        // Where a role is written, for errors about it.
        let role_at = |role: &str| {
            text.find(&format!("\n{role}"))
                .map_or_else(|| path.to_string(), |offset| at(offset + 1))
        };
        if let Some(name) = file.name {
            self.name = name;
        }
        for (role, spec) in file.roles {
            let Some(role_name) = ROLES.iter().find(|known| **known == role) else {
                let close = crate::runbook::suggest::closest(&role, ROLES);
                let hint =
                    close.map_or(String::new(), |close| format!("; did you mean `{close}`?"));
                return Err(format!("{}: unknown role `{role}`{hint}", role_at(&role)));
            };
            let mut style = Style::default();
            for (which, value) in [("fg", &spec.fg), ("bg", &spec.bg)] {
                let Some(value) = value else { continue };
                let Some(parsed) = color(value) else {
                    return Err(format!(
                        "{}: `{value}` is not a colour for {role}.{which}; use a name (red, light-blue), #rrggbb or 0-255",
                        role_at(&role)
                    ));
                };
                style = if which == "fg" {
                    style.fg(parsed)
                } else {
                    style.bg(parsed)
                };
            }
            for (on, modifier) in [
                (spec.bold, Modifier::BOLD),
                (spec.italic, Modifier::ITALIC),
                (spec.underline, Modifier::UNDERLINED),
                (spec.dim, Modifier::DIM),
                (spec.reversed, Modifier::REVERSED),
            ] {
                if on {
                    style = style.add_modifier(modifier);
                }
            }
            self.styles.insert(role_name, style);
        }
        Ok(())
    }

    /// The same theme without colours (for `NO_COLOR`): emphasis stays.
    pub fn without_color(&self) -> Theme {
        let styles = self
            .styles
            .iter()
            .map(|(role, style)| {
                let mut plain = Style::default().add_modifier(style.add_modifier);
                plain.sub_modifier = style.sub_modifier;
                (*role, plain)
            })
            .collect();
        Theme {
            name: self.name.clone(),
            styles,
        }
    }

    /// The style of `role` (plain for a role the theme does not know, which is a bug in a
    /// widget, not in the user's file).
    pub fn style(&self, role: &str) -> Style {
        self.styles.get(role).copied().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_themes_load_and_set_every_role() {
        for (name, text) in BUILT_IN {
            let mut theme = Theme {
                name: String::new(),
                styles: BTreeMap::new(),
            };
            theme.apply(name, text).unwrap();
            for role in ROLES {
                assert!(theme.styles.contains_key(role), "{name} lacks {role}");
            }
        }
    }

    #[test]
    fn a_file_overrides_only_what_it_names() {
        let mut theme = Theme::default_theme();
        let before = theme.style("step_ok");
        theme
            .apply(
                "mine.toml",
                "[roles]\nstep_failed = { fg = \"#ff0000\", bold = true }\n",
            )
            .unwrap();
        assert_eq!(
            theme.style("step_failed"),
            Style::default()
                .fg(Color::Rgb(255, 0, 0))
                .add_modifier(Modifier::BOLD)
        );
        assert_eq!(theme.style("step_ok"), before);
    }

    #[test]
    fn mistakes_are_errors_at_their_line() {
        let mut theme = Theme::default_theme();
        assert_eq!(
            theme.apply("t.toml", "[roles]\nstep_faild = { fg = \"red\" }\n"),
            Err("t.toml:2:1: unknown role `step_faild`; did you mean `step_failed`?".into())
        );
        assert_eq!(
            theme.apply("t.toml", "[roles]\ndanger = { fg = \"reddish\" }\n"),
            Err("t.toml:2:1: `reddish` is not a colour for danger.fg; use a name (red, light-blue), #rrggbb or 0-255".into())
        );
        let error = theme
            .apply(
                "t.toml",
                "[roles]\ndanger = { fg = \"red\", blink = true }\n",
            )
            .unwrap_err();
        assert!(error.starts_with("t.toml:2:"), "{error}");
    }

    #[test]
    fn no_color_keeps_emphasis_only() {
        let theme = Theme::load("high-contrast").unwrap().without_color();
        let style = theme.style("step_failed");
        assert_eq!(style.fg, None);
        assert!(style.add_modifier.contains(Modifier::BOLD));
    }
}
