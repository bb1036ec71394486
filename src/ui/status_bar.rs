//! The status bar: which runbook, which session, in what mode (LIVE, DRILL, DRY-RUN,
//! REVIEW, each in its own colour so a drill is never mistaken for the real thing), how long
//! the incident has run, and whether the journal has the record (saved, pushed).

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;

/// What the bar shows about the journal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum JournalState {
    /// `--no-journal`.
    Off,
    Saved,
    SavedAndPushed,
    /// Saved here, the push failing (it is retried).
    PushFailing,
    /// The journal could not record: the walk stops.
    Failing,
}

impl JournalState {
    fn words(&self) -> (&'static str, &'static str) {
        match self {
            JournalState::Off => ("journal: off", "warning"),
            JournalState::Saved => ("journal: saved", "muted"),
            JournalState::SavedAndPushed => ("journal: saved, pushed", "muted"),
            JournalState::PushFailing => ("journal: saved, push failing", "warning"),
            JournalState::Failing => ("journal: FAILING", "danger"),
        }
    }
}

pub struct StatusBar<'a> {
    pub title: &'a str,
    pub session: &'a str,
    /// `LIVE`, `DRILL`, `DRY-RUN` or `REVIEW`.
    pub mode: &'a str,
    pub elapsed_ms: u64,
    pub journal: JournalState,
    pub theme: &'a Theme,
}

fn clock(ms: u64) -> String {
    let seconds = ms / 1000;
    format!(
        "{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

impl Widget for StatusBar<'_> {
    fn render(self, area: Rect, buffer: &mut Buffer) {
        let bar = self.theme.style("status_bar");
        let mode_role = match self.mode {
            "DRILL" => "mode_drill",
            "DRY-RUN" => "mode_dry_run",
            "REVIEW" => "mode_review",
            _ => "mode_live",
        };
        let (journal, journal_role) = self.journal.words();
        let right = vec![
            Span::styled(format!(" {} ", self.mode), self.theme.style(mode_role)),
            Span::styled(format!("  {}", clock(self.elapsed_ms)), bar),
            Span::styled(format!("  session {}", self.session), bar),
            Span::styled(
                format!("  {journal} "),
                bar.patch(self.theme.style(journal_role)),
            ),
        ];
        let right_width: usize = right.iter().map(|span| span.content.width()).sum();
        let room = usize::from(area.width).saturating_sub(right_width + 1);
        let mut title = format!(" cairn · {}", self.title);
        if title.width() > room {
            while title.width() + 1 > room && title.pop().is_some() {}
            title.push('…');
        }
        let gap = usize::from(area.width).saturating_sub(title.width() + right_width);
        let mut spans = vec![
            Span::styled(title, bar.patch(self.theme.style("title"))),
            Span::styled(" ".repeat(gap), bar),
        ];
        spans.extend(right);
        Line::from(spans).render(area, buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::backend::TestBackend;
    use ratatui::Terminal;

    fn draw(width: u16, mode: &str, journal: JournalState) -> Terminal<TestBackend> {
        let theme = Theme::default_theme();
        let mut terminal = Terminal::new(TestBackend::new(width, 1)).unwrap();
        terminal
            .draw(|frame| {
                frame.render_widget(
                    StatusBar {
                        title: "Fail over the orders database",
                        session: "7f3a21c0",
                        mode,
                        elapsed_ms: 761_000,
                        journal,
                        theme: &theme,
                    },
                    frame.area(),
                );
            })
            .unwrap();
        terminal
    }

    #[test]
    fn the_bar_says_what_where_how_long_and_whether_it_is_recorded() {
        insta::assert_snapshot!(draw(100, "LIVE", JournalState::SavedAndPushed).backend());
    }

    #[test]
    fn a_narrow_bar_cuts_the_title_not_the_mode() {
        let terminal = draw(80, "DRILL", JournalState::PushFailing);
        insta::assert_snapshot!(terminal.backend());
        let theme = Theme::default_theme();
        let cell = terminal
            .backend()
            .buffer()
            .content()
            .iter()
            .find(|cell| cell.symbol() == "D")
            .unwrap()
            .clone();
        assert_eq!(cell.bg, theme.style("mode_drill").bg.unwrap());
    }
}
