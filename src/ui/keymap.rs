//! Which key does what. Every command has default keys (arrows and vim keys, `Enter` runs,
//! `?` lists them all); the settings file can bind others:
//!
//! ```toml
//! [keys]
//! run = ["enter", "r"]     # a list replaces the defaults of that command
//! quit = "ctrl-q"          # so does one key
//! ```
//!
//! Keys are written `x`, `X`, `?`, `ctrl-x`, `alt-x`, `enter`, `esc`, `tab`, `space`,
//! `backspace`, `up`, `down`, `left`, `right`, `home`, `end`, `pageup`, `pagedown`, `f1`…`f12`.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key can do in the UI (outside the terminal pane's focus).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Command {
    Up,
    Down,
    Run,
    Help,
    Search,
    SearchNext,
    Note,
    Skip,
    SkipStep,
    Edit,
    Copy,
    Tick,
    Focus,
    Unfocus,
    ScrollUp,
    ScrollDown,
    StepScrollUp,
    StepScrollDown,
    Timeline,
    PrevEvent,
    NextEvent,
    Diff,
    Quit,
}

/// Every command: its name in the settings file, what it does, its default keys.
pub const COMMANDS: &[(Command, &str, &str, &[&str])] = &[
    (
        Command::Up,
        "up",
        "previous step (to read it)",
        &["up", "k"],
    ),
    (
        Command::Down,
        "down",
        "next step (to read it)",
        &["down", "j"],
    ),
    (
        Command::Run,
        "run",
        "run the block / retry it / go on to the next step",
        &["enter"],
    ),
    (Command::Help, "help", "show every key", &["?"]),
    (Command::Search, "search", "search the output", &["/"]),
    (
        Command::SearchNext,
        "search_next",
        "next (older) match",
        &["ctrl-n"],
    ),
    (Command::Note, "note", "add a note to the journal", &["n"]),
    (
        Command::Skip,
        "skip",
        "skip the block, with a reason",
        &["s"],
    ),
    (
        Command::SkipStep,
        "skip_step",
        "skip the whole step, with a reason",
        &["S"],
    ),
    (
        Command::Edit,
        "edit",
        "edit the command in $EDITOR, then run it",
        &["e"],
    ),
    (Command::Copy, "copy", "copy the command (OSC 52)", &["y"]),
    (
        Command::Tick,
        "tick",
        "tick the next check",
        &["x", "space"],
    ),
    (
        Command::Focus,
        "focus",
        "type into the running program",
        &["i", "tab"],
    ),
    (
        Command::Unfocus,
        "unfocus",
        "back from the program to cairn",
        &["ctrl-]"],
    ),
    (
        Command::ScrollUp,
        "scroll_up",
        "scroll the output back",
        &["pageup"],
    ),
    (
        Command::ScrollDown,
        "scroll_down",
        "scroll the output forward",
        &["pagedown"],
    ),
    (
        Command::StepScrollUp,
        "step_scroll_up",
        "scroll the step's text back",
        &["ctrl-u"],
    ),
    (
        Command::StepScrollDown,
        "step_scroll_down",
        "scroll the step's text forward",
        &["ctrl-d"],
    ),
    (
        Command::Timeline,
        "timeline",
        "a review's timeline: every event, to stand at any one",
        &["t"],
    ),
    (
        Command::PrevEvent,
        "prev_event",
        "a review: back to the previous step, command, note, decision…",
        &["["],
    ),
    (
        Command::NextEvent,
        "next_event",
        "a review: on to the next one",
        &["]"],
    ),
    (
        Command::Diff,
        "diff",
        "a review: the runbook as run against the runbook now",
        &["d"],
    ),
    (
        Command::Quit,
        "quit",
        "quit (asks while a command runs)",
        &["q"],
    ),
];

/// A key as the terminal reports it, normalised so that `S` and `shift-s` are one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub modifiers: KeyModifiers,
}

impl Key {
    pub fn from_event(event: &KeyEvent) -> Key {
        let mut modifiers = event.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let code = match event.code {
            KeyCode::Char(c) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            KeyCode::BackTab => {
                modifiers |= KeyModifiers::SHIFT;
                KeyCode::Tab
            }
            code => code,
        };
        Key { code, modifiers }
    }

    /// Reads `ctrl-x`, `enter`, `?`…; `None` when it names no key.
    pub fn parse(text: &str) -> Option<Key> {
        let mut modifiers = KeyModifiers::NONE;
        let mut rest = text;
        loop {
            let lower = rest.to_ascii_lowercase();
            if let Some(after) = lower
                .strip_prefix("ctrl-")
                .filter(|after| !after.is_empty())
            {
                modifiers |= KeyModifiers::CONTROL;
                rest = &rest[rest.len() - after.len()..];
            } else if let Some(after) = lower.strip_prefix("alt-").filter(|after| !after.is_empty())
            {
                modifiers |= KeyModifiers::ALT;
                rest = &rest[rest.len() - after.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if modifiers.contains(KeyModifiers::CONTROL) => {
                KeyCode::Char(c.to_ascii_lowercase())
            }
            (Some(c), None) => KeyCode::Char(c),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "return" => KeyCode::Enter,
                "esc" | "escape" => KeyCode::Esc,
                "tab" => KeyCode::Tab,
                "space" => KeyCode::Char(' '),
                "backspace" => KeyCode::Backspace,
                "up" => KeyCode::Up,
                "down" => KeyCode::Down,
                "left" => KeyCode::Left,
                "right" => KeyCode::Right,
                "home" => KeyCode::Home,
                "end" => KeyCode::End,
                "pageup" => KeyCode::PageUp,
                "pagedown" => KeyCode::PageDown,
                "delete" => KeyCode::Delete,
                "insert" => KeyCode::Insert,
                name => {
                    let number: u8 = name.strip_prefix('f')?.parse().ok()?;
                    if !(1..=12).contains(&number) {
                        return None;
                    }
                    KeyCode::F(number)
                }
            },
        };
        Some(Key { code, modifiers })
    }

    /// How the help screen writes it.
    pub fn name(&self) -> String {
        let base = match self.code {
            KeyCode::Enter => "Enter".to_string(),
            KeyCode::Esc => "Esc".to_string(),
            KeyCode::Tab => "Tab".to_string(),
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Backspace => "Backspace".to_string(),
            KeyCode::Up => "↑".to_string(),
            KeyCode::Down => "↓".to_string(),
            KeyCode::Left => "←".to_string(),
            KeyCode::Right => "→".to_string(),
            KeyCode::Home => "Home".to_string(),
            KeyCode::End => "End".to_string(),
            KeyCode::PageUp => "PgUp".to_string(),
            KeyCode::PageDown => "PgDn".to_string(),
            KeyCode::Delete => "Del".to_string(),
            KeyCode::Insert => "Ins".to_string(),
            KeyCode::F(number) => format!("F{number}"),
            KeyCode::Char(c) => c.to_string(),
            _ => "?".to_string(),
        };
        let mut name = String::new();
        if self.modifiers.contains(KeyModifiers::CONTROL) {
            name.push_str("Ctrl-");
        }
        if self.modifiers.contains(KeyModifiers::ALT) {
            name.push_str("Alt-");
        }
        name + &base
    }
}

/// The keys in force: the defaults with the settings file's bindings over them.
#[derive(Clone, Debug)]
pub struct Keymap {
    bindings: Vec<(Key, Command)>,
}

impl Default for Keymap {
    fn default() -> Keymap {
        let mut bindings = Vec::new();
        for (command, _, _, keys) in COMMANDS {
            for key in keys.iter().filter_map(|key| Key::parse(key)) {
                bindings.push((key, *command));
            }
        }
        Keymap { bindings }
    }
}

impl Keymap {
    /// The defaults with `overrides` (command name, keys, `file:line:col` of the setting)
    /// over them. A command or key cairn does not know is an error naming its place.
    pub fn with_overrides(overrides: &[(String, Vec<String>, String)]) -> Result<Keymap, String> {
        let mut keymap = Keymap::default();
        for (name, keys, at) in overrides {
            let Some((command, ..)) = COMMANDS.iter().find(|(_, known, ..)| known == name) else {
                let known: Vec<&str> = COMMANDS.iter().map(|(_, name, ..)| *name).collect();
                return Err(format!(
                    "{at}: no command `{name}` to bind a key to (known: {})",
                    known.join(", ")
                ));
            };
            let mut parsed = Vec::new();
            for text in keys {
                let key = Key::parse(text).ok_or_else(|| {
                    format!(
                        "{at}: `{text}` is not a key; write it like `x`, `ctrl-x`, `enter` or `f5`"
                    )
                })?;
                parsed.push(key);
            }
            keymap
                .bindings
                .retain(|(key, bound)| bound != command && !parsed.contains(key));
            keymap
                .bindings
                .extend(parsed.into_iter().map(|key| (key, *command)));
        }
        Ok(keymap)
    }

    /// The command `event` is bound to.
    pub fn command(&self, event: &KeyEvent) -> Option<Command> {
        let key = Key::from_event(event);
        self.bindings
            .iter()
            .find(|(bound, _)| *bound == key)
            .map(|(_, command)| *command)
    }

    /// The keys bound to `command`, as the help screen and the hints write them.
    pub fn keys(&self, command: Command) -> Vec<String> {
        self.bindings
            .iter()
            .filter(|(_, bound)| *bound == command)
            .map(|(key, _)| key.name())
            .collect()
    }

    /// The first key of `command`, for a hint line.
    pub fn key(&self, command: Command) -> String {
        self.keys(command).into_iter().next().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn press(code: KeyCode, modifiers: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, modifiers)
    }

    #[test]
    fn defaults_answer_arrows_vim_keys_and_enter() {
        let keymap = Keymap::default();
        let none = KeyModifiers::NONE;
        assert_eq!(keymap.command(&press(KeyCode::Up, none)), Some(Command::Up));
        assert_eq!(
            keymap.command(&press(KeyCode::Char('j'), none)),
            Some(Command::Down)
        );
        assert_eq!(
            keymap.command(&press(KeyCode::Enter, none)),
            Some(Command::Run)
        );
        assert_eq!(
            keymap.command(&press(KeyCode::Char('S'), KeyModifiers::SHIFT)),
            Some(Command::SkipStep)
        );
        assert_eq!(
            keymap.command(&press(KeyCode::Char(']'), KeyModifiers::CONTROL)),
            Some(Command::Unfocus)
        );
        assert_eq!(keymap.command(&press(KeyCode::Char('z'), none)), None);
    }

    #[test]
    fn a_binding_replaces_the_defaults_of_its_command_and_takes_its_key() {
        let keymap = Keymap::with_overrides(&[(
            "quit".into(),
            vec!["ctrl-q".into(), "j".into()],
            "c.toml:2:1".into(),
        )])
        .unwrap();
        assert_eq!(keymap.keys(Command::Quit), ["Ctrl-q", "j"]);
        assert_eq!(keymap.keys(Command::Down), ["↓"]);
        assert_eq!(
            keymap.command(&press(KeyCode::Char('q'), KeyModifiers::CONTROL)),
            Some(Command::Quit)
        );
        assert_eq!(
            keymap.command(&press(KeyCode::Char('q'), KeyModifiers::NONE)),
            None
        );
    }

    #[test]
    fn unknown_commands_and_keys_are_errors_at_their_place() {
        let error =
            Keymap::with_overrides(&[("fly".into(), vec!["f".into()], "c.toml:3:1".into())])
                .unwrap_err();
        assert!(error.starts_with("c.toml:3:1: no command `fly`"), "{error}");
        let error =
            Keymap::with_overrides(&[("run".into(), vec!["hyper-x".into()], "c.toml:4:1".into())])
                .unwrap_err();
        assert!(
            error.starts_with("c.toml:4:1: `hyper-x` is not a key"),
            "{error}"
        );
    }

    #[test]
    fn key_names_read_back() {
        for text in ["x", "X", "?", "ctrl-x", "alt-x", "enter", "f5", "space"] {
            let key = Key::parse(text).unwrap();
            assert_eq!(
                Key::parse(&key.name().replace("Ctrl-", "ctrl-").replace("Alt-", "alt-"))
                    .map(|k| k.code),
                Some(key.code),
                "{text}"
            );
        }
    }
}
