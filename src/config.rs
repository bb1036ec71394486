//! cairn's settings file: `$CAIRN_CONFIG`, else `$XDG_CONFIG_HOME/cairn/config.toml`, else
//! `~/.config/cairn/config.toml`. Every key is optional and overrides a built-in default;
//! a file that cannot be read as TOML is an error with its line and column, and a key
//! cairn does not know is a warning with its line, never silently ignored.
//!
//! ```toml
//! [journal]
//! dir = "~/incidents/journal"    # where sessions are recorded
//! remote = "team"                 # a remote of the journal, by name or URL
//!
//! [ui]
//! theme = "light"                 # dark (default), light, high-contrast, or a file
//!
//! [keys]                          # see `?` in the UI for every command
//! run = ["enter", "r"]
//! ```

use std::path::{Path, PathBuf};

use crate::runbook::Source;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    pub journal_dir: Option<PathBuf>,
    pub journal_remote: Option<String>,
    /// `[ui] theme`: a built-in theme's name or a theme file.
    pub theme: Option<String>,
    /// `[keys]`: command name, keys, and where the binding is written (`file:line:col`).
    pub keys: Vec<(String, Vec<String>, String)>,
    /// Things worth saying about the file (unknown keys), with their positions.
    pub warnings: Vec<String>,
}

/// Where the settings file is looked for.
pub fn path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CAIRN_CONFIG").filter(|path| !path.is_empty()) {
        return Some(PathBuf::from(path));
    }
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .filter(|dir| !dir.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".config")))?;
    Some(base.join("cairn").join("config.toml"))
}

/// `~/x` is `$HOME/x`, as in a shell.
fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), std::env::var_os("HOME")) {
        (Some(rest), Some(home)) => PathBuf::from(home).join(rest),
        _ => PathBuf::from(text),
    }
}

/// Reads the settings file; no file means the defaults.
pub fn load() -> Result<Config, String> {
    match path() {
        Some(path) => match std::fs::read_to_string(&path) {
            Ok(text) => parse(&path, &text),
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
            Err(error) => Err(format!("{}: {error}", path.display())),
        },
        None => Ok(Config::default()),
    }
}

/// Reads settings from `text`, the contents of `path`.
pub fn parse(path: &Path, text: &str) -> Result<Config, String> {
    let source = Source::new(path.display().to_string(), text.to_string());
    let at = |offset: usize| {
        let position = source.position(offset);
        format!("{}:{}:{}", path.display(), position.line, position.col)
    };
    let table: toml::Table = toml::from_str(text).map_err(|error| {
        let place = error
            .span()
            .map_or_else(|| path.display().to_string(), |span| at(span.start));
        format!(
            "{place}: {}; fix the file or move it aside",
            error.message()
        )
    })?;
    let mut config = Config::default();
    // Positions of keys, for warnings: the first place the name stands as a whole word
    // (a key at the start of a line, or a `[section]` name).
    let key_at = |key: &str| {
        let bytes = text.as_bytes();
        text.match_indices(key)
            .find(|(offset, _)| {
                let before = offset.checked_sub(1).map(|at| bytes[at]);
                let after = bytes.get(offset + key.len()).copied();
                matches!(before, None | Some(b'\n' | b'[' | b' ' | b'\t'))
                    && matches!(after, None | Some(b' ' | b'=' | b']' | b'.' | b'\t'))
            })
            .map_or_else(|| path.display().to_string(), |(offset, _)| at(offset))
    };
    for (section, value) in &table {
        match (section.as_str(), value) {
            ("journal", toml::Value::Table(journal)) => {
                for (key, value) in journal {
                    match (key.as_str(), value) {
                        ("dir", toml::Value::String(dir)) => {
                            config.journal_dir = Some(expand_home(dir));
                        }
                        ("remote", toml::Value::String(remote)) => {
                            config.journal_remote = Some(remote.clone());
                        }
                        ("dir" | "remote", _) => {
                            return Err(format!("{}: journal.{key} must be a string", key_at(key)))
                        }
                        _ => config.warnings.push(format!(
                            "{}: unknown key journal.{key} (known: dir, remote)",
                            key_at(key)
                        )),
                    }
                }
            }
            ("ui", toml::Value::Table(ui)) => {
                for (key, value) in ui {
                    match (key.as_str(), value) {
                        ("theme", toml::Value::String(theme)) => {
                            config.theme = Some(theme.clone());
                        }
                        ("theme", _) => {
                            return Err(format!("{}: ui.theme must be a string", key_at(key)))
                        }
                        _ => config.warnings.push(format!(
                            "{}: unknown key ui.{key} (known: theme)",
                            key_at(key)
                        )),
                    }
                }
            }
            ("keys", toml::Value::Table(keys)) => {
                for (command, value) in keys {
                    let bound = match value {
                        toml::Value::String(key) => vec![key.clone()],
                        toml::Value::Array(keys) => keys
                            .iter()
                            .map(|key| key.as_str().map(str::to_string))
                            .collect::<Option<Vec<String>>>()
                            .ok_or_else(|| {
                                format!(
                                    "{}: keys.{command} must list keys as strings",
                                    key_at(command)
                                )
                            })?,
                        _ => {
                            return Err(format!(
                                "{}: keys.{command} must be a key (\"ctrl-x\") or a list of keys",
                                key_at(command)
                            ))
                        }
                    };
                    config.keys.push((command.clone(), bound, key_at(command)));
                }
            }
            _ => config.warnings.push(format!(
                "{}: unknown setting `{section}` (known: [journal], [ui], [keys])",
                key_at(section)
            )),
        }
    }
    Ok(config)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_settings_are_read_and_unknown_keys_are_said() {
        let config = parse(
            Path::new("c.toml"),
            "[journal]\ndir = \"/srv/journal\"\nremote = \"team\"\ncolour = 1\n",
        )
        .unwrap();
        assert_eq!(config.journal_dir, Some(PathBuf::from("/srv/journal")));
        assert_eq!(config.journal_remote.as_deref(), Some("team"));
        assert_eq!(
            config.warnings,
            ["c.toml:4:1: unknown key journal.colour (known: dir, remote)"]
        );
    }

    #[test]
    fn ui_theme_and_key_bindings_are_read_with_their_places() {
        let config = parse(
            Path::new("c.toml"),
            "[ui]\ntheme = \"light\"\n[keys]\nrun = [\"enter\", \"r\"]\nquit = \"ctrl-q\"\n",
        )
        .unwrap();
        assert_eq!(config.theme.as_deref(), Some("light"));
        assert_eq!(
            config.keys,
            [
                (
                    "run".to_string(),
                    vec!["enter".to_string(), "r".to_string()],
                    "c.toml:4:1".to_string()
                ),
                (
                    "quit".to_string(),
                    vec!["ctrl-q".to_string()],
                    "c.toml:5:1".to_string()
                ),
            ]
        );
        let error = parse(Path::new("c.toml"), "[keys]\nrun = 3\n").unwrap_err();
        assert!(error.starts_with("c.toml:2:1: keys.run must be"), "{error}");
    }

    #[test]
    fn a_bad_file_is_an_error_at_its_line() {
        let error = parse(Path::new("c.toml"), "[journal]\ndir = \n").unwrap_err();
        assert!(error.starts_with("c.toml:2:"), "{error}");
        let error = parse(Path::new("c.toml"), "[journal]\ndir = 3\n").unwrap_err();
        assert_eq!(error, "c.toml:2:1: journal.dir must be a string");
    }
}
