//! The screen's layout: the status bar on top, the step tree on the left, the current
//! step over the terminal pane on the right, a line of key hints at the bottom, and a
//! popup over it all when one is open. 80x24 is the smallest screen it is made for; the
//! tree narrows and the pane shrinks first.

use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Widget};
use ratatui::Frame;

use super::app::{App, Focus};
use super::bridge::Waiting;
use super::keymap::Command;
use super::status_bar::StatusBar;
use super::step_tree::StepTree;
use super::step_view;
use super::terminal_pane::TerminalPaneView;

/// Where each part of the screen goes.
pub struct Areas {
    pub status: Rect,
    pub tree: Rect,
    pub step: Rect,
    pub pane: Rect,
    pub hints: Rect,
}

/// Lays out a screen of `area`. The pane gets a third of the right side while nothing has
/// run, and half once output has come (all but a few rows while typing into it).
pub fn areas(area: Rect, focus: Focus, has_output: bool, fullscreen: bool) -> Areas {
    let rows = Layout::default()
        .direction(Direction::Vertical)
        .constraints([
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .split(area);
    let tree_width = (area.width / 4).clamp(18, 36).min(area.width / 2);
    let columns = Layout::default()
        .direction(Direction::Horizontal)
        .constraints([Constraint::Length(tree_width), Constraint::Min(10)])
        .split(rows[1]);
    if fullscreen {
        let none = Rect::new(area.x, area.y, 0, 0);
        return Areas {
            status: rows[0],
            tree: none,
            step: none,
            pane: Rect {
                height: rows[1].height + rows[2].height,
                ..rows[1]
            },
            hints: none,
        };
    }
    let right = columns[1];
    let pane_height = match (focus, has_output) {
        (Focus::Program, _) => right.height.saturating_sub(6),
        (Focus::Steps, true) => right.height / 2,
        (Focus::Steps, false) => right.height / 3,
    }
    .max(3)
    .min(right.height);
    let split = Layout::default()
        .direction(Direction::Vertical)
        .constraints([Constraint::Min(0), Constraint::Length(pane_height)])
        .split(right);
    Areas {
        status: rows[0],
        tree: columns[0],
        step: split[0],
        pane: split[1],
        hints: rows[2],
    }
}

/// The size of the program's terminal inside the pane (rows, columns).
pub fn pane_inner(pane: Rect) -> (u16, u16) {
    (
        pane.height.saturating_sub(2).max(1),
        pane.width.saturating_sub(2).max(1),
    )
}

pub fn draw(frame: &mut Frame<'_>, app: &mut App<'_>) {
    // Once something has run (or a dry run said what would), the pane gets more room.
    let areas = areas(
        frame.area(),
        app.focus,
        app.pane.has_output(),
        app.fullscreen,
    );
    app.pane.catch_up();
    app.fit_pane(pane_inner(areas.pane));
    let buffer = frame.buffer_mut();
    // A review's clock is the session's own: up to its last event.
    let now = if app.review {
        app.state.last_ms
    } else {
        app.now_ms
    };
    let elapsed = app
        .state
        .started_ms
        .map_or(0, |started| now.saturating_sub(started));
    StatusBar {
        title: &app.runbook.title,
        session: &app.session_id,
        mode: app.mode,
        elapsed_ms: elapsed,
        journal: app.journal_state(),
        theme: &app.theme,
    }
    .render(areas.status, buffer);
    StepTree {
        runbook: app.runbook,
        state: &app.state,
        selected: Some(app.selected),
        theme: &app.theme,
        focused: app.focus == Focus::Steps,
    }
    .render(areas.tree, buffer);
    draw_step(app, areas.step, buffer);
    let title = app.foreground.as_ref().map_or_else(
        || "output".to_string(),
        |at| format!("{} · block {}", at.step, at.block + 1),
    );
    TerminalPaneView {
        pane: &app.pane,
        theme: &app.theme,
        title: &title,
        focused: app.focus == Focus::Program,
    }
    .render(areas.pane, buffer);
    hints(app).render(areas.hints, buffer);
    if let Some(popup) = &app.popup {
        popup.draw(frame.area(), frame.buffer_mut(), &app.theme, &app.keymap);
    }
}

fn draw_step(app: &mut App<'_>, area: Rect, buffer: &mut ratatui::buffer::Buffer) {
    let Some(step) = app.runbook.steps.get(app.selected) else {
        return;
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.style("border"))
        .title(Span::styled(
            format!(" {} ", step.title),
            app.theme.style("title"),
        ));
    let inner = block.inner(area);
    block.render(area, buffer);
    let waiting = app.waiting.as_ref().map(|(waiting, _)| waiting);
    let (rows, marked) = step_view::rows(
        app.runbook,
        step,
        &app.state,
        waiting,
        &app.theme,
        usize::from(inner.width),
    );
    // Keep the block the walk waits at in view, a little below the top.
    let height = usize::from(inner.height);
    if let Some(marked) = marked.filter(|_| !app.scroll_pinned) {
        if marked < app.scroll {
            app.scroll = marked.saturating_sub(1);
        } else if marked + 4 > app.scroll + height {
            app.scroll = (marked + 4)
                .saturating_sub(height)
                .min(marked.saturating_sub(1));
        }
    }
    // Never scrolled past the point where the last row reaches the bottom.
    app.scroll = app.scroll.min(rows.len().saturating_sub(height));
    let shown: Vec<Line<'static>> = rows.into_iter().skip(app.scroll).take(height).collect();
    Paragraph::new(shown).render(inner, buffer);
}

/// The hint line: what the keys do now, or the last message.
fn hints(app: &App<'_>) -> Paragraph<'static> {
    let key = |command| app.keymap.key(command);
    let text = if let Some(message) = &app.message {
        message.clone()
    } else if app.focus == Focus::Program {
        format!(
            "typing into the program · {} back to cairn",
            key(Command::Unfocus)
        )
    } else if app.review {
        format!(
            "{} {} step through · {} timeline · {} runbook diff · {} help · {} quit",
            key(Command::PrevEvent),
            key(Command::NextEvent),
            key(Command::Timeline),
            key(Command::Diff),
            key(Command::Help),
            key(Command::Quit)
        )
    } else if app.ended {
        format!("{} quit · {} help", key(Command::Quit), key(Command::Help))
    } else {
        match app.waiting.as_ref().map(|(waiting, _)| waiting) {
            Some(Waiting::Block { .. }) => format!(
                "{} run · {} edit · {} skip · {} note · {} copy · {} help · {} quit",
                key(Command::Run),
                key(Command::Edit),
                key(Command::Skip),
                key(Command::Note),
                key(Command::Copy),
                key(Command::Help),
                key(Command::Quit)
            ),
            Some(Waiting::Failed { .. }) => format!(
                "failed: {} retry · {} edit · {} skip · {} quit",
                key(Command::Run),
                key(Command::Edit),
                key(Command::Skip),
                key(Command::Quit)
            ),
            Some(Waiting::Leave { .. }) => format!(
                "{} next step · {} tick · {} note · {} help · {} quit",
                key(Command::Run),
                key(Command::Tick),
                key(Command::Note),
                key(Command::Help),
                key(Command::Quit)
            ),
            None if app.running() => format!(
                "running · {} type into it · Ctrl-C interrupts it · {} search · {} note",
                key(Command::Focus),
                key(Command::Search),
                key(Command::Note)
            ),
            None => format!("{} help · {} quit", key(Command::Help), key(Command::Quit)),
        }
    };
    Paragraph::new(Line::styled(text, app.theme.style("muted")))
}

#[cfg(test)]
#[path = "screen_tests.rs"]
mod tests;
