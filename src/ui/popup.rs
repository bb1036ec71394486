//! The boxes that open over the screen: a value the walk needs (with its default, its
//! choices, typed without echo when secret), a typed confirmation of a destructive step,
//! a decision, a line of text (a note, a reason to skip, a search), the list of keys, and
//! "quit while a command runs?".
//!
//! A popup edits its own state from the keys it gets and says when it is done; the app
//! then sends the answer where it belongs.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Widget};

use super::keymap::{Keymap, COMMANDS};
use super::theme::Theme;
use super::wrap::wrap;
use crate::engine::{Ask, Confirmation};

/// What a line of text is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Note,
    SkipBlock,
    SkipStep,
    Search,
}

#[derive(Clone, Debug)]
pub enum Popup {
    Value {
        ask: Ask,
        input: String,
        /// The highlighted choice, when the value has choices.
        choice: usize,
    },
    Confirm {
        confirmation: Confirmation,
        input: String,
    },
    Choose {
        step: String,
        prompt: Option<String>,
        labels: Vec<String>,
        choice: usize,
    },
    Text {
        purpose: Purpose,
        input: String,
    },
    Help,
    QuitWhileRunning,
    /// A review's events, one a line (item index, text); moving stands the review there.
    Timeline {
        entries: Vec<(usize, String)>,
        selected: usize,
    },
    /// Lines to read (a diff), scrolled with the arrows.
    Lines {
        title: String,
        lines: Vec<String>,
        scroll: usize,
    },
}

/// What a key did to a popup.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Still open.
    Open,
    /// Closed without an answer (Esc).
    Cancelled,
    /// Closed with this text (a value, a confirmation, a note…) or choice.
    Text(String),
    Choice(usize),
    /// `y` to "quit while a command runs?".
    Yes,
    /// The timeline's cursor moved to this item: stand there, the popup stays open.
    Scrub(usize),
}

/// Typing into a one-line field: characters, Backspace, Ctrl-U clears.
fn edit_line(input: &mut String, key: &KeyEvent) {
    match key.code {
        KeyCode::Backspace => {
            input.pop();
        }
        KeyCode::Char('u') if key.modifiers.contains(KeyModifiers::CONTROL) => input.clear(),
        KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => input.push(c),
        _ => {}
    }
}

fn move_choice(choice: &mut usize, count: usize, key: &KeyEvent) -> Option<usize> {
    match key.code {
        KeyCode::Up | KeyCode::Char('k') => *choice = choice.saturating_sub(1),
        KeyCode::Down | KeyCode::Char('j') => *choice = (*choice + 1).min(count.saturating_sub(1)),
        KeyCode::Char(c) => {
            let number = c.to_digit(10)? as usize;
            if (1..=count).contains(&number) {
                return Some(number - 1);
            }
        }
        _ => {}
    }
    None
}

/// The words a confirmation accepts: the step's id, or `yes`.
pub fn confirms(confirmation: &Confirmation, typed: &str) -> bool {
    let typed = typed.trim();
    typed == confirmation.step || typed.eq_ignore_ascii_case("yes")
}

impl Popup {
    /// Applies `key`.
    pub fn key(&mut self, key: &KeyEvent) -> Outcome {
        if key.code == KeyCode::Esc {
            return Outcome::Cancelled;
        }
        match self {
            Popup::Value { ask, input, choice } => {
                if !ask.choices.is_empty() {
                    if let Some(picked) = move_choice(choice, ask.choices.len(), key) {
                        return Outcome::Text(ask.choices[picked].clone());
                    }
                    if key.code == KeyCode::Enter {
                        return ask
                            .choices
                            .get(*choice)
                            .map_or(Outcome::Open, |value| Outcome::Text(value.clone()));
                    }
                    return Outcome::Open;
                }
                if key.code == KeyCode::Enter {
                    let value = match (&ask.default, input.is_empty()) {
                        (Some(default), true) => default.clone(),
                        _ => input.clone(),
                    };
                    return Outcome::Text(value);
                }
                edit_line(input, key);
                Outcome::Open
            }
            Popup::Confirm {
                confirmation,
                input,
            } => {
                if key.code == KeyCode::Enter {
                    return if confirms(confirmation, input) {
                        Outcome::Text(input.trim().to_string())
                    } else {
                        Outcome::Open
                    };
                }
                edit_line(input, key);
                Outcome::Open
            }
            Popup::Choose { labels, choice, .. } => {
                if let Some(picked) = move_choice(choice, labels.len(), key) {
                    return Outcome::Choice(picked);
                }
                if key.code == KeyCode::Enter && *choice < labels.len() {
                    return Outcome::Choice(*choice);
                }
                Outcome::Open
            }
            Popup::Text { input, .. } => {
                if key.code == KeyCode::Enter {
                    return if input.trim().is_empty() {
                        Outcome::Open
                    } else {
                        Outcome::Text(input.trim().to_string())
                    };
                }
                edit_line(input, key);
                Outcome::Open
            }
            Popup::Help => match key.code {
                KeyCode::Char('?') | KeyCode::Char('q') | KeyCode::Enter => Outcome::Cancelled,
                _ => Outcome::Open,
            },
            Popup::Timeline { entries, selected } => {
                let before = *selected;
                match key.code {
                    KeyCode::Up | KeyCode::Char('k') => *selected = selected.saturating_sub(1),
                    KeyCode::Down | KeyCode::Char('j') => {
                        *selected = (*selected + 1).min(entries.len().saturating_sub(1));
                    }
                    KeyCode::PageUp => *selected = selected.saturating_sub(10),
                    KeyCode::PageDown => {
                        *selected = (*selected + 10).min(entries.len().saturating_sub(1));
                    }
                    KeyCode::Enter | KeyCode::Char('t') | KeyCode::Char('q') => {
                        return entries
                            .get(*selected)
                            .map_or(Outcome::Cancelled, |(index, _)| Outcome::Choice(*index));
                    }
                    _ => {}
                }
                match entries.get(*selected) {
                    Some((index, _)) if *selected != before => Outcome::Scrub(*index),
                    _ => Outcome::Open,
                }
            }
            Popup::Lines { lines, scroll, .. } => match key.code {
                KeyCode::Up | KeyCode::Char('k') => {
                    *scroll = scroll.saturating_sub(1);
                    Outcome::Open
                }
                KeyCode::Down | KeyCode::Char('j') => {
                    *scroll = (*scroll + 1).min(lines.len().saturating_sub(1));
                    Outcome::Open
                }
                KeyCode::PageUp => {
                    *scroll = scroll.saturating_sub(10);
                    Outcome::Open
                }
                KeyCode::PageDown => {
                    *scroll = (*scroll + 10).min(lines.len().saturating_sub(1));
                    Outcome::Open
                }
                KeyCode::Enter | KeyCode::Char('q') | KeyCode::Char('d') => Outcome::Cancelled,
                _ => Outcome::Open,
            },
            Popup::QuitWhileRunning => match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => Outcome::Yes,
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Enter => Outcome::Cancelled,
                _ => Outcome::Open,
            },
        }
    }

    /// The popup's title and rows (a text field shows its cursor as `▏`).
    fn content(&self, theme: &Theme, keymap: &Keymap) -> (String, Vec<Line<'static>>) {
        let text = theme.style("text");
        let muted = theme.style("muted");
        let field = |input: &str, secret: bool| {
            let shown = if secret {
                "•".repeat(input.chars().count())
            } else {
                input.to_string()
            };
            Line::from(vec![
                Span::styled("> ", theme.style("border_focused")),
                Span::styled(shown, theme.style("code")),
                Span::styled("▏", theme.style("border_focused")),
            ])
        };
        let list = |labels: &[String], chosen: usize| -> Vec<Line<'static>> {
            labels
                .iter()
                .enumerate()
                .map(|(index, label)| {
                    let style = if index == chosen {
                        theme.style("selection")
                    } else {
                        text
                    };
                    let mark = if index == chosen { "▶" } else { " " };
                    Line::styled(format!("{mark} {}. {label}", index + 1), style)
                })
                .collect()
        };
        match self {
            Popup::Value { ask, input, choice } => {
                let mut rows = vec![Line::styled(
                    ask.prompt
                        .clone()
                        .unwrap_or_else(|| format!("A value for {}", ask.name)),
                    text,
                )];
                rows.push(Line::styled(format!("used at {}", ask.used_at), muted));
                rows.push(Line::default());
                if ask.choices.is_empty() {
                    rows.push(field(input, ask.secret));
                    if let Some(default) = &ask.default {
                        rows.push(Line::styled(
                            format!("Enter alone takes the default: {default}"),
                            muted,
                        ));
                    }
                    if ask.secret {
                        rows.push(Line::styled(
                            "secret: not shown, and redacted from the journal",
                            muted,
                        ));
                    }
                } else {
                    rows.extend(list(&ask.choices, *choice));
                }
                rows.push(Line::styled("Enter gives it · Esc stops the walk", muted));
                (format!(" {} ", ask.name), rows)
            }
            Popup::Confirm {
                confirmation,
                input,
            } => {
                let rows = vec![
                    Line::styled(confirmation.reason.clone(), theme.style("danger")),
                    Line::styled(confirmation.at.clone(), muted),
                    Line::default(),
                    Line::styled(
                        format!(
                            "Type the step's id ({}) or yes to go ahead:",
                            confirmation.step
                        ),
                        text,
                    ),
                    field(input, false),
                    Line::styled("Esc refuses and stops the walk", muted),
                ];
                (" Confirm ".to_string(), rows)
            }
            Popup::Choose {
                prompt,
                labels,
                choice,
                ..
            } => {
                let mut rows = vec![Line::styled(
                    prompt.clone().unwrap_or_else(|| "Which way?".into()),
                    text,
                )];
                rows.push(Line::default());
                rows.extend(list(labels, *choice));
                rows.push(Line::default());
                rows.push(Line::styled("↑↓ or a number, Enter takes it", muted));
                (" Decide ".to_string(), rows)
            }
            Popup::Text { purpose, input } => {
                let (title, prompt) = match purpose {
                    Purpose::Note => (" Note ", "A note for the journal:"),
                    Purpose::SkipBlock => (" Skip block ", "Why is the block skipped?"),
                    Purpose::SkipStep => (" Skip step ", "Why is the step skipped?"),
                    Purpose::Search => (" Search ", "Search the output for:"),
                };
                let rows = vec![
                    Line::styled(prompt, text),
                    field(input, false),
                    Line::styled("Enter · Esc cancels", muted),
                ];
                (title.to_string(), rows)
            }
            Popup::Help => {
                let mut rows = Vec::new();
                for (command, _, what, _) in COMMANDS {
                    let keys = keymap.keys(*command).join(" ");
                    rows.push(Line::from(vec![
                        Span::styled(format!("{keys:>12}  "), theme.style("code")),
                        Span::styled(what.to_string(), text),
                    ]));
                }
                rows.push(Line::default());
                rows.push(Line::styled(
                    "Keys are set in the [keys] table of the settings file.",
                    muted,
                ));
                (" Keys ".to_string(), rows)
            }
            Popup::Timeline { entries, selected } => {
                // A window of the list around the selected line.
                let window = 16usize;
                let first = selected.saturating_sub(window / 2);
                let mut rows: Vec<Line<'static>> = entries
                    .iter()
                    .enumerate()
                    .skip(first)
                    .take(window)
                    .map(|(number, (_, text))| {
                        if number == *selected {
                            Line::styled(format!("▶ {text}"), theme.style("selection"))
                        } else {
                            Line::styled(format!("  {text}"), theme.style("text"))
                        }
                    })
                    .collect();
                rows.push(Line::default());
                rows.push(Line::styled(
                    format!(
                        "event {} of {} · ↑↓ stand at another · Enter closes",
                        selected + 1,
                        entries.len()
                    ),
                    muted,
                ));
                (" Timeline ".to_string(), rows)
            }
            Popup::Lines {
                title,
                lines,
                scroll,
            } => {
                let mut rows: Vec<Line<'static>> = lines
                    .iter()
                    .skip(*scroll)
                    .take(18)
                    .map(|line| {
                        let role = match line.chars().next() {
                            Some('+') if !line.starts_with("+++") => "step_ok",
                            Some('-') if !line.starts_with("---") => "step_failed",
                            Some('@') => "heading",
                            _ => "text",
                        };
                        Line::styled(line.clone(), theme.style(role))
                    })
                    .collect();
                rows.push(Line::default());
                rows.push(Line::styled("↑↓ PgUp PgDn scroll · Enter closes", muted));
                (title.clone(), rows)
            }
            Popup::QuitWhileRunning => {
                let rows = vec![
                    Line::styled("A command is still running.", theme.style("warning")),
                    Line::styled(
                        "Quit ends it (TERM, then KILL) and stops the walk; the journal keeps everything, and cairn resume carries on.",
                        text,
                    ),
                    Line::default(),
                    Line::styled("y quits · n or Esc stays", muted),
                ];
                (" Quit? ".to_string(), rows)
            }
        }
    }

    /// Draws the popup in the middle of `area`.
    pub fn draw(&self, area: Rect, buffer: &mut Buffer, theme: &Theme, keymap: &Keymap) {
        let (title, rows) = self.content(theme, keymap);
        let width = area.width.saturating_sub(4).clamp(1, 72);
        let inner_width = usize::from(width.saturating_sub(2)).max(1);
        let rows: Vec<Line<'static>> = rows
            .iter()
            .flat_map(|row| wrap(row, inner_width, ""))
            .collect();
        let height = u16::try_from(rows.len() + 2)
            .unwrap_or(u16::MAX)
            .min(area.height);
        let popup = Rect {
            x: area.x + (area.width.saturating_sub(width)) / 2,
            y: area.y + (area.height.saturating_sub(height)) / 2,
            width: width.min(area.width),
            height,
        };
        Clear.render(popup, buffer);
        Paragraph::new(rows)
            .style(theme.style("text"))
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .border_style(theme.style("border_focused"))
                    .title(Span::styled(title, theme.style("title"))),
            )
            .render(popup, buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    fn typed(popup: &mut Popup, text: &str) {
        for c in text.chars() {
            popup.key(&key(KeyCode::Char(c)));
        }
    }

    fn ask(default: Option<&str>, choices: &[&str]) -> Ask {
        Ask {
            name: "DB_HOST".into(),
            prompt: None,
            default: default.map(str::to_string),
            choices: choices.iter().map(|c| c.to_string()).collect(),
            secret: false,
            used_at: "r.md:3:1".into(),
        }
    }

    #[test]
    fn a_value_takes_what_is_typed_or_its_default() {
        let mut popup = Popup::Value {
            ask: ask(Some("db-1"), &[]),
            input: String::new(),
            choice: 0,
        };
        assert_eq!(
            popup.key(&key(KeyCode::Enter)),
            Outcome::Text("db-1".into())
        );
        typed(&mut popup, "db-22");
        popup.key(&key(KeyCode::Backspace));
        assert_eq!(
            popup.key(&key(KeyCode::Enter)),
            Outcome::Text("db-2".into())
        );
    }

    #[test]
    fn a_value_with_choices_is_picked_from_them() {
        let mut popup = Popup::Value {
            ask: ask(None, &["eu", "us"]),
            input: String::new(),
            choice: 0,
        };
        popup.key(&key(KeyCode::Down));
        assert_eq!(popup.key(&key(KeyCode::Enter)), Outcome::Text("us".into()));
        assert_eq!(
            popup.key(&key(KeyCode::Char('1'))),
            Outcome::Text("eu".into())
        );
    }

    #[test]
    fn a_confirmation_needs_the_step_id_or_yes() {
        let mut popup = Popup::Confirm {
            confirmation: Confirmation {
                step: "drop-table".into(),
                block: Some(0),
                reason: "destructive: DROP TABLE".into(),
                at: "r.md:9:1".into(),
            },
            input: String::new(),
        };
        typed(&mut popup, "y");
        assert_eq!(popup.key(&key(KeyCode::Enter)), Outcome::Open);
        typed(&mut popup, "es");
        assert_eq!(popup.key(&key(KeyCode::Enter)), Outcome::Text("yes".into()));
        assert_eq!(popup.key(&key(KeyCode::Esc)), Outcome::Cancelled);
    }

    #[test]
    fn an_empty_note_is_not_taken() {
        let mut popup = Popup::Text {
            purpose: Purpose::Note,
            input: String::new(),
        };
        assert_eq!(popup.key(&key(KeyCode::Enter)), Outcome::Open);
        typed(&mut popup, " paged the DBA ");
        assert_eq!(
            popup.key(&key(KeyCode::Enter)),
            Outcome::Text("paged the DBA".into())
        );
    }
}
