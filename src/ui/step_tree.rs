//! The step tree: every step of the runbook with where the walk stands on it (pending,
//! current, running, ok, failed, skipped), its time, and a mark on steps that ask for a
//! confirmation or run something destructive. Groups are tree nodes, indented by level.
//!
//! It draws from the runbook and the session state only; it changes nothing.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::runbook::{Runbook, Step};
use crate::session::{SessionState, StepState};

pub struct StepTree<'a> {
    pub runbook: &'a Runbook,
    pub state: &'a SessionState,
    /// The step the cursor is on (an index into the runbook's steps).
    pub selected: Option<usize>,
    pub theme: &'a Theme,
    pub focused: bool,
}

/// `1:05`, `12:00`, `1:02:03`.
fn clock(ms: u64) -> String {
    let seconds = ms / 1000;
    if seconds >= 3600 {
        format!(
            "{}:{:02}:{:02}",
            seconds / 3600,
            seconds / 60 % 60,
            seconds % 60
        )
    } else {
        format!("{}:{:02}", seconds / 60, seconds % 60)
    }
}

fn guarded(step: &Step) -> bool {
    step.options.confirm.is_some()
        || step.blocks.iter().any(|block| {
            block.destructive.is_some() || block.options.danger || block.options.confirm.is_some()
        })
}

impl StepTree<'_> {
    /// The glyph and role for a step.
    fn mark(&self, step: &Step) -> (&'static str, &'static str) {
        if step.is_group() {
            return ("▾", "heading");
        }
        let running = self
            .state
            .running
            .iter()
            .any(|command| command.step == step.id);
        match self.state.status(&step.id).map(|status| status.state) {
            _ if running => ("⟳", "step_running"),
            Some(StepState::Current) => ("▶", "step_current"),
            Some(StepState::Ok) => ("✓", "step_ok"),
            Some(StepState::Failed) => ("✗", "step_failed"),
            Some(StepState::Skipped) => ("–", "step_skipped"),
            None => ("○", "step_pending"),
        }
    }

    fn time(&self, step: &Step) -> Option<u64> {
        let status = self.state.status(&step.id)?;
        let mut ms = status.elapsed_ms;
        if self.state.current.as_deref() == Some(step.id.as_str()) {
            if let Some(visit) = self
                .state
                .path
                .iter()
                .rev()
                .find(|visit| visit.step == step.id)
            {
                ms += self.state.last_ms.saturating_sub(visit.entered_ms);
            }
        }
        Some(ms)
    }

    fn line(&self, index: usize, step: &Step, width: usize) -> Line<'static> {
        let top = self
            .runbook
            .steps
            .iter()
            .map(|step| step.level)
            .filter(|level| *level > 0)
            .min()
            .unwrap_or(1);
        let indent = "  ".repeat(usize::from(step.level.saturating_sub(top)));
        let (glyph, role) = self.mark(step);
        let time = self.time(step).map(clock).unwrap_or_default();
        let guard = if guarded(step) { " ⚠" } else { "" };
        let head = format!("{indent}{glyph} ");
        let room = width
            .saturating_sub(head.width() + guard.width() + time.width() + 1)
            .max(1);
        let mut title: String = String::new();
        for character in step.title.chars() {
            if title.width() + character.to_string().width() > room {
                title.pop();
                title.push('…');
                break;
            }
            title.push(character);
        }
        let gap = width.saturating_sub(head.width() + title.width() + guard.width() + time.width());
        let selected = self.selected == Some(index);
        let base = if selected {
            self.theme.style("selection")
        } else {
            self.theme.style("text")
        };
        Line::from(vec![
            Span::styled(head, base.patch(self.theme.style(role))),
            Span::styled(
                title,
                base.patch(if step.is_group() {
                    self.theme.style("heading")
                } else {
                    self.theme.style(role)
                }),
            ),
            Span::styled(guard.to_string(), base.patch(self.theme.style("danger"))),
            Span::styled(" ".repeat(gap), base),
            Span::styled(time, base.patch(self.theme.style("muted"))),
        ])
    }
}

impl Widget for StepTree<'_> {
    fn render(self, area: Rect, buffer: &mut Buffer) {
        let border = if self.focused {
            self.theme.style("border_focused")
        } else {
            self.theme.style("border")
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Span::styled(" Steps ", self.theme.style("title")));
        let inner = block.inner(area);
        let width = usize::from(inner.width);
        let height = usize::from(inner.height);
        // Keep the selected step in view.
        let first = self.selected.map_or(0, |selected| {
            selected.saturating_sub(height.saturating_sub(1))
        });
        let lines: Vec<Line<'static>> = self
            .runbook
            .steps
            .iter()
            .enumerate()
            .skip(first)
            .take(height)
            .map(|(index, step)| self.line(index, step, width))
            .collect();
        Paragraph::new(lines).block(block).render(area, buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runbook::parse;
    use crate::session::{CommandRef, Event, Outcome, Stamped};
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    const BOOK: &str = "# Fail over\n\n## Diagnosis\n\n### Check the primary\n\n```sh\npg_isready\n```\n\n### Check replication lag on the standby that would take over\n\n```sh\ntrue\n```\n\n## Mitigation\n\n### Promote the standby\n\n```sh\nkubectl delete pod db-0\n```\n\n### Back to monitoring\n\nWatch it.\n";

    fn events() -> Vec<Stamped> {
        let at = |step: &str| CommandRef {
            step: step.into(),
            block: 0,
            command: 0,
            attempt: 1,
        };
        let events = vec![
            Event::StepEntered {
                step: "check-the-primary".into(),
            },
            Event::StepFinished {
                step: "check-the-primary".into(),
                outcome: Outcome::Ok,
            },
            Event::StepEntered {
                step: "check-replication-lag-on-the-standby-that-would-take-over".into(),
            },
            Event::CommandStarted {
                at: at("check-replication-lag-on-the-standby-that-would-take-over"),
                text: "true".into(),
                cwd: "/".into(),
                host: None,
            },
        ];
        Stamped::numbered(events, 0, 65_000)
    }

    fn draw(theme: &Theme, width: u16) -> Terminal<TestBackend> {
        let runbook = parse("failover.md", BOOK);
        let state = SessionState::fold(&events());
        let mut terminal = Terminal::new(TestBackend::new(width, 8)).unwrap();
        terminal
            .draw(|frame| {
                frame.render_widget(
                    StepTree {
                        runbook: &runbook,
                        state: &state,
                        selected: Some(2),
                        theme,
                        focused: true,
                    },
                    frame.area(),
                );
            })
            .unwrap();
        terminal
    }

    #[test]
    fn the_tree_shows_where_the_walk_stands() {
        let theme = Theme::default_theme();
        let terminal = draw(&theme, 44);
        insta::assert_snapshot!(terminal.backend());
        // The running step wears its role; the destructive mark wears danger's.
        let buffer = terminal.backend().buffer();
        assert_eq!(buffer[(3, 3)].symbol(), "⟳");
        assert_eq!(buffer[(3, 3)].fg, theme.style("step_running").fg.unwrap());
        assert_eq!(buffer[(25, 5)].symbol(), "⚠");
        assert_eq!(buffer[(25, 5)].fg, theme.style("danger").fg.unwrap());
    }

    #[test]
    fn long_titles_are_cut_to_the_width() {
        let terminal = draw(&Theme::default_theme().without_color(), 30);
        insta::assert_snapshot!(terminal.backend());
    }
}
