//! `cairn review` without a session: the journal's sessions, newest first, to pick one.
//! Typing filters the list: every word must match, a plain word anywhere (id, runbook,
//! title, operator, mode, outcome, start date), a `key:value` word in that field only
//! (`runbook:disk mode:drill outcome:failed operator:ana date:2026-11`).

use crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};

use super::theme::Theme;
use crate::journal::{clock, Summary};

/// Whether `session` matches every word of `query`.
pub fn matches(session: &Summary, query: &str) -> bool {
    let fields = [
        ("id", session.id.as_str()),
        ("runbook", session.runbook.as_str()),
        ("title", session.title.as_str()),
        ("operator", session.operator.as_str()),
        ("mode", session.mode.label()),
        ("outcome", session.outcome.as_str()),
        ("date", session.started.as_str()),
    ];
    query.split_whitespace().all(|word| {
        let word = word.to_lowercase();
        let found = |text: &str, wanted: &str| text.to_lowercase().contains(wanted);
        match word.split_once(':') {
            Some((key, wanted)) if fields.iter().any(|(name, _)| *name == key) => fields
                .iter()
                .filter(|(name, _)| *name == key)
                .any(|(_, text)| found(text, wanted)),
            _ => fields.iter().any(|(_, text)| found(text, &word)),
        }
    })
}

/// The list and what the operator typed.
pub struct SessionList {
    pub sessions: Vec<Summary>,
    pub query: String,
    /// The highlighted row among the matching sessions.
    pub selected: usize,
}

/// What a key did.
#[derive(Debug, PartialEq, Eq)]
pub enum Picked {
    Nothing,
    Open(String),
    Leave,
}

impl SessionList {
    pub fn new(sessions: Vec<Summary>) -> SessionList {
        SessionList {
            sessions,
            query: String::new(),
            selected: 0,
        }
    }

    pub fn shown(&self) -> Vec<&Summary> {
        self.sessions
            .iter()
            .filter(|session| matches(session, &self.query))
            .collect()
    }

    pub fn key(&mut self, key: &KeyEvent) -> Picked {
        if key.kind == KeyEventKind::Release {
            return Picked::Nothing;
        }
        let count = self.shown().len();
        match key.code {
            KeyCode::Esc => return Picked::Leave,
            KeyCode::Char('c') if key.modifiers.contains(KeyModifiers::CONTROL) => {
                return Picked::Leave
            }
            KeyCode::Enter => {
                return self
                    .shown()
                    .get(self.selected)
                    .map_or(Picked::Nothing, |session| Picked::Open(session.id.clone()))
            }
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(count.saturating_sub(1)),
            KeyCode::PageUp => self.selected = self.selected.saturating_sub(10),
            KeyCode::PageDown => self.selected = (self.selected + 10).min(count.saturating_sub(1)),
            KeyCode::Backspace => {
                self.query.pop();
                self.selected = 0;
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                self.query.push(c);
                self.selected = 0;
            }
            _ => {}
        }
        Picked::Nothing
    }

    pub fn view<'a>(&'a self, theme: &'a Theme) -> SessionListView<'a> {
        SessionListView { list: self, theme }
    }
}

pub struct SessionListView<'a> {
    list: &'a SessionList,
    theme: &'a Theme,
}

impl Widget for SessionListView<'_> {
    fn render(self, area: Rect, buffer: &mut Buffer) {
        let theme = self.theme;
        let shown = self.list.shown();
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.style("border_focused"))
            .title(Span::styled(
                format!(
                    " Sessions · {} of {} ",
                    shown.len(),
                    self.list.sessions.len()
                ),
                theme.style("title"),
            ));
        let inner = block.inner(area);
        block.render(area, buffer);
        let mut rows = vec![
            Line::from(vec![
                Span::styled("filter> ", theme.style("border_focused")),
                Span::styled(self.list.query.clone(), theme.style("code")),
                Span::styled("▏", theme.style("border_focused")),
            ]),
            Line::styled(
                format!(
                    "{:<8}  {:<16}  {:>10}  {:<7}  {:<10}  {:<8}  RUNBOOK",
                    "ID", "STARTED", "DURATION", "MODE", "OUTCOME", "OPERATOR"
                ),
                theme.style("muted"),
            ),
        ];
        let room = usize::from(inner.height).saturating_sub(3).max(1);
        let first = self.list.selected.saturating_sub(room.saturating_sub(1));
        for (index, session) in shown.iter().enumerate().skip(first).take(room) {
            let role = match session.outcome.as_str() {
                "completed" => "step_ok",
                "failed" => "step_failed",
                _ => "warning",
            };
            let selected = index == self.list.selected;
            let base = if selected {
                theme.style("selection")
            } else {
                theme.style("text")
            };
            rows.push(Line::from(vec![
                Span::styled(
                    format!(
                        "{:<8}  {:<16}  {:>10}  {:<7}  ",
                        session.id,
                        session
                            .started
                            .replace('T', " ")
                            .chars()
                            .take(16)
                            .collect::<String>(),
                        clock::duration(session.duration_ms),
                        session.mode.label()
                    ),
                    base,
                ),
                Span::styled(
                    format!("{:<10}", session.outcome),
                    base.patch(theme.style(role)),
                ),
                Span::styled(
                    format!("  {:<8}  {}", session.operator, session.runbook),
                    base,
                ),
            ]));
        }
        if shown.is_empty() {
            rows.push(Line::styled("no session matches", theme.style("muted")));
        }
        rows.push(Line::default());
        rows.push(Line::styled(
            "type to filter (runbook:, operator:, mode:, outcome:, date:) · ↑↓ · Enter opens · Esc leaves",
            theme.style("muted"),
        ));
        Paragraph::new(rows).render(inner, buffer);
    }
}

/// Shows the list on the operator's terminal until they open a session (its id) or leave.
pub fn pick(sessions: Vec<Summary>, theme: &Theme) -> std::io::Result<Option<String>> {
    let guard = super::terminal_guard::TerminalGuard::enter()?;
    let mut terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))?;
    let mut list = SessionList::new(sessions);
    let picked = loop {
        terminal.draw(|frame| frame.render_widget(list.view(theme), frame.area()))?;
        if let TermEvent::Key(key) = crossterm::event::read()? {
            match list.key(&key) {
                Picked::Nothing => {}
                Picked::Open(id) => break Some(id),
                Picked::Leave => break None,
            }
        }
    };
    drop(guard);
    Ok(picked)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::Mode;
    use ratatui::backend::TestBackend;

    fn session(id: &str, runbook: &str, operator: &str, mode: Mode, outcome: &str) -> Summary {
        Summary {
            id: id.into(),
            branch: String::new(),
            tip: None,
            runbook: runbook.into(),
            title: runbook.trim_end_matches(".md").into(),
            operator: operator.into(),
            host: "h".into(),
            mode,
            started: "2026-11-28T10:00:00Z".into(),
            started_ms: 0,
            duration_ms: 95_000,
            outcome: outcome.into(),
            events: 9,
            failed_step: None,
        }
    }

    fn sessions() -> Vec<Summary> {
        vec![
            session(
                "a1b2c3d4",
                "runbooks/disk-full.md",
                "ana",
                Mode::Drill,
                "completed",
            ),
            session(
                "e5f6a7b8",
                "runbooks/disk-full.md",
                "bo",
                Mode::Live,
                "failed",
            ),
            session(
                "c9d0e1f2",
                "runbooks/primary-down.md",
                "ana",
                Mode::Live,
                "completed",
            ),
        ]
    }

    #[test]
    fn words_filter_by_any_field_or_by_the_field_they_name() {
        let all = sessions();
        let ids = |query: &str| -> Vec<&str> {
            all.iter()
                .filter(|session| matches(session, query))
                .map(|session| session.id.as_str())
                .collect()
        };
        assert_eq!(ids("disk"), ["a1b2c3d4", "e5f6a7b8"]);
        assert_eq!(ids("disk failed"), ["e5f6a7b8"]);
        assert_eq!(ids("mode:drill"), ["a1b2c3d4"]);
        assert_eq!(
            ids("operator:ana outcome:completed"),
            ["a1b2c3d4", "c9d0e1f2"]
        );
        assert_eq!(ids("date:2026-11-28 runbook:primary"), ["c9d0e1f2"]);
        assert!(ids("runbook:cert").is_empty());
    }

    #[test]
    fn typing_narrows_the_list_and_enter_opens_the_highlighted_session() {
        let mut list = SessionList::new(sessions());
        for c in "ana".chars() {
            list.key(&KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
        list.key(&KeyEvent::new(KeyCode::Down, KeyModifiers::NONE));
        let theme = Theme::default_theme();
        for (width, height) in [(80, 24), (160, 48)] {
            let mut terminal = ratatui::Terminal::new(TestBackend::new(width, height)).unwrap();
            terminal
                .draw(|frame| frame.render_widget(list.view(&theme), frame.area()))
                .unwrap();
            insta::assert_snapshot!(format!("session_list_{width}x{height}"), terminal.backend());
        }
        assert_eq!(
            list.key(&KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
            Picked::Open("c9d0e1f2".into())
        );
        assert_eq!(
            list.key(&KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)),
            Picked::Leave
        );
    }
}
