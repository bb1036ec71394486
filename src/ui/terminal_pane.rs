//! The terminal pane: the running command's output as a terminal shows it. The bytes from
//! the command's pty go through a VT100/xterm emulator (`vt100`), so colours, cursor
//! movement, progress bars and full-screen programs look as they would in a terminal; the
//! widget draws the emulator's screen with `tui-term`, inside a bordered block.
//!
//! All commands share one emulator. [`TerminalPane::start_command`] writes a header line
//! and resets the modes a previous command may have left on (alternate screen, scroll
//! region, cursor-key mode, bracketed paste…), so earlier commands' output stays in the
//! scrollback, where the operator can scroll back to it and search it.
//!
//! The pane can be scrolled back through [`SCROLLBACK`] rows, and searched like `?` in
//! `less`: case-insensitive, newest match first, then older ones. The current match is
//! highlighted with the theme's `search_match` role.
//!
//! Nothing here panics, whatever the bytes or sizes. `vt100` 0.16 has known panics on
//! screens one cell wide or high, and when a resize cuts a wide character in half and the
//! program then writes over it (doy/vt100-rust#28, #37); the pane keeps the screen at
//! least 2×2 and clears such characters before shrinking. Any other panic inside `vt100`
//! is caught (`terminal_guard::contain`, which keeps the UI's panic hook quiet), and the
//! pane starts over with an empty emulator and a line saying so.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};
use tui_term::widget::{Cursor, PseudoTerminal};
use unicode_width::UnicodeWidthChar;

use super::terminal_guard::contain;
use super::theme::Theme;

/// How many rows scrolled off the top of the screen the pane keeps.
pub const SCROLLBACK: usize = 10_000;

/// The emulated screen is at least this many rows and columns (`vt100` panics below).
const MIN_SIDE: u16 = 2;
/// …and at most this many, so a bogus size cannot allocate gigabytes.
const MAX_SIDE: u16 = 1024;

/// What the emulator shows after it failed on some output and was replaced.
const RESET_NOTICE: &[u8] =
    b"\x1b[1m[cairn: the terminal emulator failed on this output; earlier output was dropped]\x1b[0m\r\n";

/// Where a search match is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Match {
    /// The line, counting every line the pane holds: 0 is the oldest row kept in the
    /// scrollback, and the screen's rows follow the scrollback's. A line keeps its number
    /// while output scrolls, until the scrollback is full and starts dropping its oldest rows.
    pub line: usize,
    /// The first column of the match.
    pub col: u16,
    /// How many columns the match covers.
    pub width: u16,
}

#[derive(Clone, Debug)]
struct Search {
    /// As the operator typed it.
    query: String,
    /// Lowercased, as compared.
    needle: Vec<char>,
    current: Option<Match>,
    /// The current match's number, counting from the newest (1).
    number: usize,
    /// How many matches there were when the search started.
    total: usize,
    /// Output arrived after the matches were counted.
    stale: bool,
}

/// The terminal emulator behind the pane, its scrollback, and the search in it.
pub struct TerminalPane {
    parser: vt100::Parser,
    /// Rows in the scrollback of the screen in use (the alternate screen has none).
    history: usize,
    search: Option<Search>,
    /// How many times the emulator failed and was replaced.
    resets: usize,
    /// Output or a command header was written since the pane was made or cleared.
    has_output: bool,
    /// Output waiting for the next frame (`feed_later`), parsed by `catch_up`.
    backlog: Vec<u8>,
    /// Output dropped from the backlog since the last notice, because it came faster
    /// than a person can read it.
    skipped: u64,
}

/// A backlog longer than this at a frame is cut to its last `BACKLOG_KEEP` bytes: a
/// command writing faster than that per frame (about 8 MB/s, some 70,000 lines a second)
/// is a flood nobody reads line by line, and parsing every byte of it would cost more CPU
/// than the command itself. `BACKLOG_KEEP` is several screens of the largest pane. All of
/// it is in the spool and the journal; the pane says how much it left out.
const BACKLOG_LIMIT: usize = 128 * 1024;
const BACKLOG_KEEP: usize = 24 * 1024;

/// `12.3 MB`, `640 KB`, `512 bytes`.
fn human_bytes(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} KB", bytes / 1_000),
        _ => format!("{:.1} MB", bytes as f64 / 1_000_000.0),
    }
}

fn clamp_side(side: u16) -> u16 {
    side.clamp(MIN_SIDE, MAX_SIDE)
}

impl TerminalPane {
    /// An empty pane whose screen is `rows` × `cols` (clamped to 2..=1024 each).
    pub fn new(rows: u16, cols: u16) -> TerminalPane {
        TerminalPane {
            parser: vt100::Parser::new(clamp_side(rows), clamp_side(cols), SCROLLBACK),
            history: 0,
            search: None,
            resets: 0,
            has_output: false,
            backlog: Vec::new(),
            skipped: 0,
        }
    }

    /// Keeps output for the next `catch_up` (the next frame) instead of parsing it now.
    pub fn feed_later(&mut self, bytes: &[u8]) {
        self.backlog.extend_from_slice(bytes);
        // Bounded even if no frame comes for a while.
        if self.backlog.len() > 4 * BACKLOG_LIMIT {
            self.cut_backlog();
        }
    }

    /// Drops all but the last `BACKLOG_KEEP` bytes of the backlog, from a line's start.
    fn cut_backlog(&mut self) {
        let cut = self.backlog.len().saturating_sub(BACKLOG_KEEP);
        let start = memchr::memchr(b'\n', &self.backlog[cut..]).map_or(cut, |at| cut + at + 1);
        self.skipped += start as u64;
        self.backlog.drain(..start);
    }

    /// Parses the output kept by `feed_later`; a flood is cut to its tail (see
    /// `BACKLOG_LIMIT`) with a line saying how much was left out.
    pub fn catch_up(&mut self) {
        if self.backlog.is_empty() {
            return;
        }
        if self.backlog.len() > BACKLOG_LIMIT {
            self.cut_backlog();
        }
        let backlog = std::mem::take(&mut self.backlog);
        if self.skipped > 0 {
            let notice = format!(
                "\x1b[0m\r\n\x1b[2m[… {} of output came faster than it can be read: not shown here; all of it is in the journal]\x1b[0m\r\n",
                human_bytes(self.skipped)
            );
            self.skipped = 0;
            self.feed(notice.as_bytes());
        }
        self.feed(&backlog);
        self.backlog = backlog;
        self.backlog.clear();
    }

    /// The emulated screen: its contents, and the modes the program set (cursor-key mode
    /// and bracketed paste, for [`super::pty_keys`]).
    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// The program asked for application cursor keys (DECCKM): arrows are sent as
    /// `ESC O x` ([`super::pty_keys::key_bytes`]).
    pub fn application_cursor(&self) -> bool {
        self.parser.screen().application_cursor()
    }

    /// The program asked for bracketed paste ([`super::pty_keys::paste_bytes`]).
    pub fn bracketed_paste(&self) -> bool {
        self.parser.screen().bracketed_paste()
    }

    /// Anything was written (output or a command's header) since the pane was made or
    /// cleared.
    pub fn has_output(&self) -> bool {
        self.has_output
    }

    /// The screen's size, `(rows, cols)`.
    pub fn size(&self) -> (u16, u16) {
        self.parser.screen().size()
    }

    /// Passes output from the command's pty to the emulator. A view scrolled back stays on
    /// the same lines while output arrives.
    pub fn feed(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        if !self.backlog.is_empty() {
            self.catch_up();
        }
        self.process(bytes);
        self.has_output = true;
        if let Some(search) = &mut self.search {
            search.stale = true;
        }
    }

    /// Resizes the screen to `rows` × `cols` (clamped to 2..=1024 each), as a terminal
    /// does when its window is resized; the command's pty should be given the same size.
    /// When the screen gets shorter, the rows above the cursor go to the scrollback (as in
    /// xterm), so the cursor's line stays in view.
    pub fn resize(&mut self, rows: u16, cols: u16) {
        self.catch_up();
        let (rows, cols) = (clamp_side(rows), clamp_side(cols));
        let (old_rows, old_cols) = self.size();
        if (rows, cols) == (old_rows, old_cols) {
            return;
        }
        let offset = self.scrolled();
        self.parser.screen_mut().set_scrollback(0);
        let mut fix = Vec::new();
        if cols < old_cols {
            // A wide character in the new last column would lose its right half, which
            // `vt100` 0.16 does not clean up and later panics on: erase it first. The
            // cursor is saved and restored around the erasing (which replaces the
            // program's own saved cursor; the case is rare).
            let screen = self.parser.screen();
            let cut: Vec<u16> = (0..old_rows)
                .filter(|row| {
                    screen
                        .cell(*row, cols - 1)
                        .is_some_and(vt100::Cell::is_wide)
                })
                .collect();
            if !cut.is_empty() {
                fix.extend_from_slice(b"\x1b7\x1b[?6l");
                for row in cut {
                    fix.extend_from_slice(format!("\x1b[{};{}H\x1b[X", row + 1, cols).as_bytes());
                }
                fix.extend_from_slice(b"\x1b8");
            }
        }
        if rows < old_rows && !self.parser.screen().alternate_screen() {
            let (cursor_row, _) = self.parser.screen().cursor_position();
            if cursor_row >= rows {
                let up = cursor_row - rows + 1;
                fix.extend_from_slice(format!("\x1b[{up}S\x1b[{up}A").as_bytes());
            }
        }
        if !fix.is_empty() {
            self.process(&fix);
        }
        let parser = &mut self.parser;
        let resized = contain(|| {
            parser.screen_mut().set_size(rows, cols);
        });
        if resized.is_err() {
            self.start_over(rows, cols);
        }
        self.parser.screen_mut().set_scrollback(offset);
        self.refresh_history();
    }

    /// Drops everything: an empty screen and scrollback, no search.
    pub fn clear(&mut self) {
        self.backlog.clear();
        self.skipped = 0;
        let (rows, cols) = self.size();
        self.parser = vt100::Parser::new(rows, cols, SCROLLBACK);
        self.history = 0;
        self.search = None;
        self.has_output = false;
    }

    /// Begins a new command's output: returns to the live screen, ends the search, resets
    /// what a previous command may have left on (alternate screen, scroll region, origin
    /// mode, colours, cursor-key and keypad modes, a hidden cursor, bracketed paste, mouse
    /// reporting), and writes `header` in bold on a line of its own. Earlier output stays
    /// above it and in the scrollback. Control characters in `header` are written as
    /// spaces, so it cannot move the cursor or change modes.
    pub fn start_command(&mut self, header: &str) {
        self.catch_up();
        self.search = None;
        self.scroll_to_bottom();
        let mut bytes = Vec::new();
        if self.parser.screen().alternate_screen() {
            // Leaves the alternate screen and puts the cursor back where it was.
            bytes.extend_from_slice(b"\x1b[?1049l");
        }
        bytes.extend_from_slice(b"\x1b[0m\x1b[?1l\x1b>\x1b[?25h\x1b[?2004l");
        bytes.extend_from_slice(b"\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l");
        self.process(&bytes);
        // Resetting origin mode and the scroll region moves the cursor home: put it back
        // (`cursor_position` is the screen's, which is what positioning means with origin
        // mode off).
        let (row, col) = self.parser.screen().cursor_position();
        let mut line =
            format!("\x1b[?6l\x1b[r\x1b[{};{}H", row + 1, col.saturating_add(1)).into_bytes();
        if col != 0 {
            line.extend_from_slice(b"\r\n");
        }
        let header: String = header
            .chars()
            .map(|character| {
                if character.is_control() {
                    ' '
                } else {
                    character
                }
            })
            .collect();
        let header = header.trim();
        line.extend_from_slice(format!("\x1b[1m── {header}\x1b[0m\r\n").as_bytes());
        self.process(&line);
        self.has_output = true;
    }

    /// Scrolls back (up) `lines` rows, as far as the scrollback goes.
    pub fn scroll_up(&mut self, lines: usize) {
        self.catch_up();
        let offset = self.scrolled().saturating_add(lines);
        self.parser.screen_mut().set_scrollback(offset);
    }

    /// Scrolls forward (down) `lines` rows, as far as the live screen.
    pub fn scroll_down(&mut self, lines: usize) {
        self.catch_up();
        let offset = self.scrolled().saturating_sub(lines);
        self.parser.screen_mut().set_scrollback(offset);
    }

    /// Returns to the live screen.
    pub fn scroll_to_bottom(&mut self) {
        self.catch_up();
        self.parser.screen_mut().set_scrollback(0);
    }

    /// How many rows the view is scrolled back from the live screen (0: live).
    pub fn scrolled(&self) -> usize {
        self.parser.screen().scrollback()
    }

    /// Searches for `query` (case-insensitive) from the bottom of the view upwards, through
    /// the scrollback: the newest match at or above the view's last row, and the rightmost
    /// in its row. Scrolls so the match is in view (unless it already is) and highlights it.
    /// `None` when nothing matches; the view stays where it is, and the search stays
    /// active, for the title to say so. An empty query ends the search.
    ///
    /// One pass over the scrollback, which also counts the matches. A match broken across
    /// two rows by line wrapping is not found.
    pub fn search(&mut self, query: &str) -> Option<Match> {
        self.catch_up();
        let needle: Vec<char> = query.chars().flat_map(char::to_lowercase).collect();
        if needle.is_empty() {
            self.search = None;
            return None;
        }
        let rows = usize::from(self.size().0);
        let top = self.history.saturating_sub(self.scrolled());
        let view_bottom = top + rows - 1;
        let mut total = 0;
        let mut found = None;
        let mut number = 0;
        self.scan_back(usize::MAX, |line, text| {
            for (col, width) in row_matches(text, &needle).into_iter().rev() {
                total += 1;
                if found.is_none() && line <= view_bottom {
                    found = Some(Match { line, col, width });
                    number = total;
                }
            }
            false
        });
        self.search = Some(Search {
            query: query.to_string(),
            needle,
            current: found,
            number,
            total,
            stale: false,
        });
        if let Some(found) = found {
            self.reveal(found);
        }
        found
    }

    /// The next older match of the current search, scrolled into view and highlighted.
    /// `None` when there is no search, or no older match (the current one stays).
    pub fn search_next(&mut self) -> Option<Match> {
        self.catch_up();
        let search = self.search.as_ref()?;
        let current = search.current?;
        let needle = search.needle.clone();
        let mut found = None;
        self.scan_back(current.line, |line, text| {
            let older = row_matches(text, &needle)
                .into_iter()
                .rev()
                .find(|(col, _)| line < current.line || *col < current.col);
            found = older.map(|(col, width)| Match { line, col, width });
            found.is_some()
        });
        let found = found?;
        if let Some(search) = &mut self.search {
            search.current = Some(found);
            search.number += 1;
        }
        self.reveal(found);
        Some(found)
    }

    /// Ends the search and its highlight; the view stays where it is.
    pub fn clear_search(&mut self) {
        self.search = None;
    }

    /// The current search match, if any.
    pub fn current_match(&self) -> Option<Match> {
        self.search.as_ref()?.current
    }

    /// The search for the title: `search: foo (3/17)`, `(3/…)` once output arrived after
    /// the count, `(no match)`.
    fn search_label(&self) -> Option<String> {
        let search = self.search.as_ref()?;
        let query: String = search
            .query
            .chars()
            .map(|character| {
                if character.is_control() {
                    '?'
                } else {
                    character
                }
            })
            .collect();
        let count = match (search.current, search.stale) {
            (None, _) => "no match".to_string(),
            (Some(_), false) => format!("{}/{}", search.number, search.total),
            (Some(_), true) => format!("{}/…", search.number),
        };
        Some(format!("search: {query} ({count})"))
    }

    /// Where the current match is in the view, `(row, col, width)`, if it is in view and
    /// its text still matches (output may have replaced it since).
    fn visible_match(&self) -> Option<(u16, u16, u16)> {
        let search = self.search.as_ref()?;
        let found = search.current?;
        let screen = self.parser.screen();
        let (rows, cols) = screen.size();
        let top = self.history.checked_sub(screen.scrollback())?;
        let row = found.line.checked_sub(top)?;
        let row = u16::try_from(row).ok().filter(|row| *row < rows)?;
        let text = screen.rows(0, cols).nth(usize::from(row))?;
        row_matches(&text, &search.needle)
            .contains(&(found.col, found.width))
            .then_some((row, found.col, found.width))
    }

    /// Scrolls so `found` is in view, centred, unless it is in view already.
    fn reveal(&mut self, found: Match) {
        let rows = usize::from(self.size().0);
        let top = self.history.saturating_sub(self.scrolled());
        if (top..top + rows).contains(&found.line) {
            return;
        }
        let new_top = found.line.saturating_sub(rows / 2);
        self.parser
            .screen_mut()
            .set_scrollback(self.history.saturating_sub(new_top));
    }

    /// Calls `visit` with each line's number and text, from line `start` (or the last
    /// line) back to the oldest, until it returns `true`. Reads a screenful of rows at a
    /// time through the scrollback offset, which it puts back after.
    fn scan_back(&mut self, start: usize, mut visit: impl FnMut(usize, &str) -> bool) {
        let (rows, cols) = self.size();
        let rows = usize::from(rows);
        let saved = self.scrolled();
        let mut end = start.min(self.history + rows - 1) + 1;
        'pages: while end > 0 {
            let top = end.saturating_sub(rows).min(self.history);
            self.parser.screen_mut().set_scrollback(self.history - top);
            let texts: Vec<String> = self.parser.screen().rows(0, cols).collect();
            for line in (top..end).rev() {
                if let Some(text) = texts.get(line - top) {
                    if visit(line, text) {
                        break 'pages;
                    }
                }
            }
            end = top;
        }
        self.parser.screen_mut().set_scrollback(saved);
    }

    /// Feeds the emulator, replacing it if it panics.
    fn process(&mut self, bytes: &[u8]) {
        let size = self.size();
        let parser = &mut self.parser;
        if contain(|| parser.process(bytes)).is_err() {
            self.start_over(size.0, size.1);
        }
        self.refresh_history();
    }

    /// A fresh emulator after the old one panicked (its state cannot be trusted), with a
    /// line saying what happened.
    fn start_over(&mut self, rows: u16, cols: u16) {
        self.resets += 1;
        self.parser = vt100::Parser::new(clamp_side(rows), clamp_side(cols), SCROLLBACK);
        self.search = None;
        let parser = &mut self.parser;
        // A fresh emulator writing plain text: if even this fails, the pane stays empty.
        let _ = contain(|| parser.process(RESET_NOTICE));
        self.refresh_history();
    }

    /// Reads the scrollback's length (`vt100` clamps the offset to it), keeping the view.
    fn refresh_history(&mut self) {
        let screen = self.parser.screen_mut();
        let offset = screen.scrollback();
        screen.set_scrollback(usize::MAX);
        self.history = screen.scrollback();
        screen.set_scrollback(offset);
    }
}

/// Where `needle` (lowercased) occurs in a row's text, as `(col, width)` from left to
/// right, overlapping matches included. Columns follow the terminal's: a wide character
/// covers two, a combining character none.
fn row_matches(text: &str, needle: &[char]) -> Vec<(u16, u16)> {
    struct Folded {
        character: char,
        col: u16,
        end: u16,
    }
    if needle.is_empty() {
        return Vec::new();
    }
    let mut folded = Vec::with_capacity(text.len());
    let (mut col, mut last_col, mut last_end) = (0u16, 0u16, 1u16);
    for character in text.chars() {
        let width = u16::try_from(character.width().unwrap_or(0)).unwrap_or(0);
        let (at, end) = if width == 0 {
            (last_col, last_end)
        } else {
            (col, col.saturating_add(width))
        };
        for lower in character.to_lowercase() {
            folded.push(Folded {
                character: lower,
                col: at,
                end,
            });
        }
        if width > 0 {
            (last_col, last_end) = (col, col.saturating_add(width));
            col = col.saturating_add(width);
        }
    }
    folded
        .windows(needle.len())
        .filter(|window| {
            window
                .iter()
                .zip(needle)
                .all(|(cell, wanted)| cell.character == *wanted)
        })
        .filter_map(|window| {
            let (first, last) = (window.first()?, window.last()?);
            Some((first.col, last.end.saturating_sub(first.col)))
        })
        .collect()
}

/// The pane drawn: a bordered block titled with `title`, how far the view is scrolled
/// back, and the search; inside, the emulated screen.
pub struct TerminalPaneView<'a> {
    pub pane: &'a TerminalPane,
    pub theme: &'a Theme,
    /// What the output is, e.g. `output` or the command.
    pub title: &'a str,
    /// The operator's keys go to the command: the border is highlighted and the cursor
    /// shown (unless scrolled back).
    pub focused: bool,
}

impl TerminalPaneView<'_> {
    /// The part of `area` the screen is drawn in; size the pane (and the pty) to it.
    pub fn content_area(area: Rect) -> Rect {
        Block::default().borders(Borders::ALL).inner(area)
    }
}

impl Widget for TerminalPaneView<'_> {
    fn render(self, area: Rect, buffer: &mut Buffer) {
        // Drawing outside the buffer would panic in tui-term.
        let area = area.intersection(buffer.area);
        let theme = self.theme;
        let border = if self.focused {
            theme.style("border_focused")
        } else {
            theme.style("border")
        };
        let scrolled = self.pane.scrolled();
        let mut title = vec![Span::styled(
            format!(" {} ", self.title),
            theme.style("title"),
        )];
        if scrolled > 0 {
            let lines = if scrolled == 1 { "line" } else { "lines" };
            title.push(Span::styled(
                format!(" ↑ {scrolled} {lines} "),
                theme.style("warning"),
            ));
        }
        if let Some(label) = self.pane.search_label() {
            title.push(Span::styled(
                format!(" {label} "),
                theme.style("search_match"),
            ));
        }
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(border)
            .title(Line::from(title));
        let inner = block.inner(area);
        let cursor = Cursor::default().visibility(self.focused && scrolled == 0);
        PseudoTerminal::new(self.pane.screen())
            .block(block)
            .cursor(cursor)
            .render(area, buffer);

        let Some((row, col, width)) = self.pane.visible_match() else {
            return;
        };
        let mut style = theme.style("search_match");
        if style.fg.is_none() && style.bg.is_none() && style.add_modifier.is_empty() {
            // A theme without colours (NO_COLOR) still shows the match.
            style = style.add_modifier(Modifier::REVERSED);
        }
        let style = Style::reset().patch(style);
        let y = inner.y.saturating_add(row);
        if y >= inner.bottom() {
            return;
        }
        for offset in 0..width {
            let x = inner.x.saturating_add(col).saturating_add(offset);
            if x >= inner.right() {
                break;
            }
            if let Some(cell) = buffer.cell_mut((x, y)) {
                cell.set_style(style);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use ratatui::backend::TestBackend;
    use ratatui::style::Color;
    use ratatui::Terminal;

    /// `count` numbered lines, `line 0`…, each ended by CR LF.
    fn numbered(count: usize) -> Vec<u8> {
        (0..count)
            .map(|index| format!("line {index}\r\n"))
            .collect::<String>()
            .into_bytes()
    }

    fn visible(pane: &TerminalPane) -> String {
        pane.screen().contents()
    }

    #[test]
    fn output_kept_for_the_next_frame_comes_in_order() {
        let mut pane = TerminalPane::new(5, 40);
        pane.feed_later(b"first\r\n");
        pane.feed_later(b"second\r\n");
        assert_eq!(visible(&pane), "", "nothing is parsed before the frame");
        pane.start_command("next");
        assert!(
            visible(&pane).starts_with("first\nsecond\n"),
            "{}",
            visible(&pane)
        );
    }

    #[test]
    fn a_flood_is_cut_to_its_tail_with_a_notice() {
        let mut pane = TerminalPane::new(5, 40);
        let flood = numbered(200_000);
        for chunk in flood.chunks(4096) {
            pane.feed_later(chunk);
        }
        pane.catch_up();
        assert!(
            visible(&pane).trim_end().ends_with("line 199999"),
            "{}",
            visible(&pane)
        );
        assert!(
            pane.search("of output came").is_some(),
            "the pane says output was left out"
        );
        // Far fewer rows were parsed than were written.
        assert!(pane.history < 20_000, "{}", pane.history);
    }

    #[test]
    fn output_goes_through_the_emulator() {
        let mut pane = TerminalPane::new(24, 80);
        pane.feed(b"\x1b[31mred\x1b[0m plain\r\nloading 10%\rloading 100%");
        assert_eq!(visible(&pane), "red plain\nloading 100%");
        let red = pane.screen().cell(0, 0).unwrap();
        assert_eq!(red.fgcolor(), vt100::Color::Idx(1));
        assert_eq!(
            pane.screen().cell(0, 4).unwrap().fgcolor(),
            vt100::Color::Default
        );
    }

    #[test]
    fn scrolling_stays_within_the_scrollback() {
        let mut pane = TerminalPane::new(24, 80);
        pane.feed(&numbered(100));
        // 100 lines and the empty line the cursor is on: 77 above the 24 rows.
        pane.scroll_up(1000);
        assert_eq!(pane.scrolled(), 77);
        assert!(visible(&pane).starts_with("line 0\n"));
        pane.scroll_down(7);
        assert_eq!(pane.scrolled(), 70);
        assert!(visible(&pane).starts_with("line 7\n"));
        // Output arriving while scrolled back leaves the view where it is.
        pane.feed(b"more\r\n");
        assert!(visible(&pane).starts_with("line 7\n"));
        assert_eq!(pane.scrolled(), 71);
        pane.scroll_down(1000);
        assert_eq!(pane.scrolled(), 0);
        pane.scroll_up(5);
        pane.scroll_to_bottom();
        assert_eq!(pane.scrolled(), 0);
        assert!(visible(&pane).ends_with("line 99\nmore"));
    }

    #[test]
    fn the_scrollback_is_bounded() {
        let mut pane = TerminalPane::new(4, 20);
        pane.feed(&numbered(SCROLLBACK + 500));
        pane.scroll_up(usize::MAX);
        assert_eq!(pane.scrolled(), SCROLLBACK);
        assert!(visible(&pane).starts_with("line 497\n"));
    }

    #[test]
    fn search_finds_the_newest_match_then_older_ones() {
        let mut pane = TerminalPane::new(5, 40);
        pane.feed(
            b"error: one\r\nfine\r\nan ERROR and an Error\r\nfine\r\nfine\r\nfine\r\nfine\r\n",
        );
        // Lines: 0 "error: one", 2 "an ERROR and an Error", 3..6 "fine", 7 empty (cursor).
        assert_eq!(
            pane.search("error"),
            Some(Match {
                line: 2,
                col: 16,
                width: 5
            })
        );
        // Line 2 was above the view: the view moved to show it.
        assert!(pane.scrolled() > 0);
        assert!(visible(&pane).contains("an ERROR and an Error"));
        assert_eq!(pane.search_label().unwrap(), "search: error (1/3)");
        assert_eq!(
            pane.search_next(),
            Some(Match {
                line: 2,
                col: 3,
                width: 5
            })
        );
        assert_eq!(
            pane.search_next(),
            Some(Match {
                line: 0,
                col: 0,
                width: 5
            })
        );
        assert_eq!(pane.search_label().unwrap(), "search: error (3/3)");
        // Nothing older: the last match stays.
        assert_eq!(pane.search_next(), None);
        assert_eq!(
            pane.current_match(),
            Some(Match {
                line: 0,
                col: 0,
                width: 5
            })
        );
        pane.clear_search();
        assert_eq!(pane.current_match(), None);
        assert_eq!(pane.search_next(), None);
    }

    #[test]
    fn search_starts_from_the_view_not_the_bottom() {
        let mut pane = TerminalPane::new(4, 40);
        pane.feed(&numbered(50));
        pane.scroll_up(30);
        // The view shows lines 17..=20; line 45 is newer and below it.
        let found = pane.search("line 4").unwrap();
        assert_eq!(found.line, 4);
        assert_eq!(pane.search_label().unwrap(), "search: line 4 (11/11)");
    }

    #[test]
    fn search_reaches_far_back_in_the_scrollback() {
        let mut pane = TerminalPane::new(24, 80);
        pane.feed(b"ok\r\nchecksum MISMATCH in block 7\r\n");
        pane.feed(&numbered(9_000));
        let found = pane.search("mismatch").unwrap();
        assert_eq!(
            found,
            Match {
                line: 1,
                col: 9,
                width: 8
            }
        );
        assert!(visible(&pane).contains("checksum MISMATCH in block 7"));
        assert_eq!(pane.visible_match(), Some((1, 9, 8)));
        // The live screen is 24 rows; the view is near the top of the scrollback.
        assert_eq!(pane.scrolled(), 9_002 + 1 - 24);
    }

    #[test]
    fn a_search_without_a_match_leaves_the_view() {
        let mut pane = TerminalPane::new(4, 40);
        pane.feed(&numbered(50));
        pane.scroll_up(10);
        assert_eq!(pane.search("no such thing"), None);
        assert_eq!(pane.scrolled(), 10);
        assert_eq!(
            pane.search_label().unwrap(),
            "search: no such thing (no match)"
        );
        assert_eq!(pane.search_next(), None);
        assert_eq!(pane.search(""), None);
        assert_eq!(pane.search_label(), None);
    }

    #[test]
    fn matches_are_placed_by_terminal_columns() {
        let mut pane = TerminalPane::new(4, 40);
        pane.feed("日本 Straße e\u{301}t\u{e9}".as_bytes());
        assert_eq!(pane.search("STRASSE"), None, "no full case folding");
        assert_eq!(
            pane.search("straße"),
            Some(Match {
                line: 0,
                col: 5,
                width: 6
            })
        );
        assert_eq!(
            pane.search("本"),
            Some(Match {
                line: 0,
                col: 2,
                width: 2
            })
        );
        assert_eq!(
            pane.search("t\u{e9}"),
            Some(Match {
                line: 0,
                col: 13,
                width: 2
            })
        );
    }

    #[test]
    fn output_after_a_search_marks_the_count_as_old_and_a_replaced_match_is_not_shown() {
        let mut pane = TerminalPane::new(4, 40);
        pane.feed(b"needle\r\n");
        pane.search("needle").unwrap();
        assert_eq!(pane.visible_match(), Some((0, 0, 6)));
        pane.feed(b"\x1b[H\x1b[2Jsomething else");
        assert_eq!(pane.search_label().unwrap(), "search: needle (1/…)");
        assert_eq!(pane.visible_match(), None);
    }

    #[test]
    fn a_new_command_keeps_earlier_output_and_resets_modes() {
        let mut pane = TerminalPane::new(6, 40);
        pane.start_command("$ first");
        pane.feed(b"\x1b[?1h\x1b[?2004h\x1b[?25l\x1b[2;4r\x1b[32mpartial");
        assert!(pane.screen().application_cursor());
        pane.scroll_up(3);
        pane.search("partial");
        pane.start_command("$ second\x1b[2J\n");
        let screen = pane.screen();
        assert!(!screen.application_cursor());
        assert!(!screen.bracketed_paste());
        assert!(!screen.hide_cursor());
        assert_eq!(pane.scrolled(), 0);
        assert_eq!(pane.current_match(), None);
        // The scroll region (rows 2-4) made the command write on row 2.
        assert_eq!(visible(&pane), "── $ first\npartial\n── $ second [2J");
        assert_eq!(pane.screen().cursor_position(), (3, 0));
        // The header is bold, and the colour the command left on is gone.
        assert!(pane.screen().cell(2, 0).unwrap().bold());
        pane.feed(b"x");
        assert_eq!(
            pane.screen().cell(3, 0).unwrap().fgcolor(),
            vt100::Color::Default
        );
        // The whole screen scrolls again, into the scrollback.
        pane.feed(&numbered(10));
        pane.scroll_up(usize::MAX);
        assert!(visible(&pane).starts_with("── $ first\npartial\n"));
    }

    #[test]
    fn a_new_command_leaves_the_alternate_screen() {
        let mut pane = TerminalPane::new(4, 40);
        pane.feed(b"before\r\n\x1b[?1049h\x1b[Hfull screen app");
        pane.start_command("$ next");
        assert!(!pane.screen().alternate_screen());
        assert_eq!(visible(&pane), "before\n── $ next");
        pane.clear();
        assert_eq!(visible(&pane), "");
        assert_eq!(pane.size(), (4, 40));
    }

    #[test]
    fn shrinking_keeps_the_cursor_line_in_view() {
        let mut pane = TerminalPane::new(10, 40);
        pane.feed(&numbered(8));
        pane.feed(b"$ prompt");
        pane.resize(4, 40);
        assert_eq!(visible(&pane), "line 5\nline 6\nline 7\n$ prompt");
        pane.scroll_up(100);
        assert!(visible(&pane).starts_with("line 0\n"));
    }

    #[test]
    fn odd_sizes_and_wide_characters_do_not_break_the_emulator() {
        let mut pane = TerminalPane::new(0, 0);
        assert_eq!(pane.size(), (2, 2));
        pane.feed("日本語🙂\r\n".repeat(20).as_bytes());
        pane.resize(1, 1);
        pane.feed("日本語🙂".as_bytes());
        pane.resize(u16::MAX, u16::MAX);
        assert_eq!(pane.size(), (MAX_SIDE, MAX_SIDE));
        pane.resize(24, 80);
        // A wide character cut in half by a resize, then written over and erased
        // (doy/vt100-rust#28, #37).
        pane.feed(b"\x1b[H\x1b[2J");
        pane.feed("abc日".as_bytes());
        pane.resize(24, 4);
        pane.feed(b"\x1b[1;4H\x1b[K");
        pane.feed(b"\x1b[1;4Hx");
        pane.resize(24, 2);
        pane.feed(b"\x1b[1;1H\x1b[K");
        assert_eq!(pane.resets, 0, "vt100 panicked: {}", visible(&pane));
        pane.search("日");
        pane.search_next();
    }

    #[test]
    fn huge_output_is_fine() {
        let mut pane = TerminalPane::new(24, 80);
        let chunk: Vec<u8> = (0..1_000_000u32)
            .map(|index| match index % 97 {
                0 => b'\n',
                1 => 0x1b,
                2 => b'[',
                n => b'0' + (n % 60) as u8,
            })
            .collect();
        for _ in 0..5 {
            pane.feed(&chunk);
        }
        pane.scroll_up(usize::MAX);
        assert!(pane.scrolled() <= SCROLLBACK);
        assert_eq!(pane.resets, 0);
    }

    proptest! {
        #[test]
        fn no_bytes_or_sizes_panic(
            chunks in proptest::collection::vec(
                (proptest::collection::vec(any::<u8>(), 0..200), 0u16..6, 0u16..8),
                1..8,
            ),
            prefix in "[\\x1b\\[0-9;?a-zA-Z日🙂\\r\\n ]{0,60}",
        ) {
            let mut pane = TerminalPane::new(3, 5);
            pane.feed(prefix.as_bytes());
            for (bytes, rows, cols) in chunks {
                pane.feed(&bytes);
                pane.feed(prefix.as_bytes());
                pane.resize(rows, cols);
                pane.scroll_up(2);
                let _ = pane.search("a");
                let _ = pane.search_next();
                let mut buffer = Buffer::empty(Rect::new(0, 0, cols, rows));
                TerminalPaneView {
                    pane: &pane,
                    theme: &Theme::default_theme(),
                    title: "output",
                    focused: true,
                }
                .render(buffer.area, &mut buffer);
            }
            prop_assert_eq!(pane.resets, 0);
        }
    }

    fn draw(pane: &mut TerminalPane, theme: &Theme, focused: bool) -> Terminal<TestBackend> {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        let inner = TerminalPaneView::content_area(Rect::new(0, 0, 80, 24));
        pane.resize(inner.height, inner.width);
        terminal
            .draw(|frame| {
                frame.render_widget(
                    TerminalPaneView {
                        pane,
                        theme,
                        title: "output",
                        focused,
                    },
                    frame.area(),
                );
            })
            .unwrap();
        terminal
    }

    #[test]
    fn colours_from_the_command_are_kept() {
        let theme = Theme::default_theme();
        let mut pane = TerminalPane::new(22, 78);
        pane.start_command("$ ./check-replicas");
        pane.feed(b"db-1  \x1b[32mok\x1b[0m\r\ndb-2  \x1b[31mred\x1b[0m lag 41s\r\n");
        pane.feed(b"\x1b[1;33mwarning:\x1b[0m 1 of 2 replicas behind\r\n");
        let terminal = draw(&mut pane, &theme, false);
        insta::assert_snapshot!(terminal.backend());
        let buffer = terminal.backend().buffer();
        assert_eq!(buffer[(7, 3)].symbol(), "r");
        assert_eq!(buffer[(7, 3)].fg, Color::Indexed(1));
        assert_eq!(buffer[(7, 2)].fg, Color::Indexed(2));
        assert!(buffer[(1, 4)].modifier.contains(Modifier::BOLD));
        assert_eq!(buffer[(0, 0)].fg, theme.style("border").fg.unwrap());
        // Unfocused: no cursor on the empty line after the output.
        assert_eq!(buffer[(1, 5)].symbol(), " ");
    }

    #[test]
    fn a_search_match_far_back_is_shown_highlighted() {
        let theme = Theme::default_theme();
        let mut pane = TerminalPane::new(22, 78);
        pane.start_command("$ journalctl -u orders-db");
        pane.feed(&numbered(40));
        pane.feed(b"orders-db: replication slot \"standby_1\" is INACTIVE\r\n");
        pane.feed(&numbered(200));
        pane.resize(22, 78);
        assert_eq!(pane.search("inactive").map(|found| found.line), Some(41));
        let terminal = draw(&mut pane, &theme, true);
        insta::assert_snapshot!(terminal.backend());
        let buffer = terminal.backend().buffer();
        let highlight = theme.style("search_match");
        let row = (0..24)
            .find(|row| buffer[(1, *row)].symbol() == "o" && buffer[(2, *row)].symbol() == "r")
            .unwrap();
        for x in 44..52 {
            assert_eq!(buffer[(x, row)].bg, highlight.bg.unwrap(), "column {x}");
        }
        assert_ne!(buffer[(43, row)].bg, highlight.bg.unwrap());
        assert_ne!(buffer[(52, row)].bg, highlight.bg.unwrap());
        // Focused but scrolled back: no cursor.
        assert!(!buffer.content().iter().any(|cell| cell.symbol() == "█"));
    }

    #[test]
    fn a_focused_pane_has_the_focus_border_and_the_cursor() {
        let theme = Theme::default_theme();
        let mut pane = TerminalPane::new(22, 78);
        pane.start_command("$ sudo systemctl restart orders-db");
        pane.feed(b"[sudo] password for oncall: ");
        let terminal = draw(&mut pane, &theme, true);
        insta::assert_snapshot!(terminal.backend());
        let buffer = terminal.backend().buffer();
        assert_eq!(buffer[(0, 0)].fg, theme.style("border_focused").fg.unwrap());
        assert_eq!(buffer[(29, 2)].symbol(), "█");
    }

    #[test]
    fn without_colours_the_match_is_reversed() {
        let theme = Theme::default_theme().without_color();
        let mut pane = TerminalPane::new(22, 78);
        pane.feed(b"find me\r\n");
        pane.search("me").unwrap();
        let terminal = draw(&mut pane, &theme, false);
        let buffer = terminal.backend().buffer();
        assert!(buffer[(6, 1)].modifier.contains(Modifier::REVERSED));
        assert!(!buffer[(4, 1)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn tiny_areas_draw_without_panicking() {
        let theme = Theme::default_theme();
        let mut pane = TerminalPane::new(2, 2);
        pane.feed(b"hello world\r\nsecond");
        pane.search("o").unwrap();
        for (width, height) in [(0, 0), (1, 1), (2, 2), (3, 3), (1, 10), (10, 1)] {
            let mut buffer = Buffer::empty(Rect::new(0, 0, width, height));
            TerminalPaneView {
                pane: &pane,
                theme: &theme,
                title: "a long title that does not fit",
                focused: true,
            }
            .render(buffer.area, &mut buffer);
        }
        // An area larger than the buffer it is drawn into.
        let mut buffer = Buffer::empty(Rect::new(0, 0, 4, 4));
        TerminalPaneView {
            pane: &pane,
            theme: &theme,
            title: "output",
            focused: false,
        }
        .render(Rect::new(2, 2, 50, 50), &mut buffer);
    }
}
