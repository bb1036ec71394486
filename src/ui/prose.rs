//! A step's prose as styled terminal lines: headings, emphasis, inline code, links (with
//! their address), bullet and numbered lists, task-list checks, block quotes, rules, and
//! tables laid out in aligned columns. Code blocks are left out: the step view shows each
//! block in a box of its own, with its status.
//!
//! Lines are not wrapped here; the paragraph that shows them wraps to the pane.

use pulldown_cmark::{Event, HeadingLevel, Parser, Tag, TagEnd};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthStr;

use super::theme::Theme;
use crate::runbook::markdown_options;

/// What encloses the text being read.
struct Renderer<'t> {
    theme: &'t Theme,
    lines: Vec<Line<'static>>,
    current: Vec<Span<'static>>,
    styles: Vec<Style>,
    /// One entry per open list: the next number, or `None` for bullets.
    lists: Vec<Option<u64>>,
    quote_depth: usize,
    in_code_block: bool,
    /// The address of the link being read, shown after its text.
    link: Option<String>,
    /// Rows of the table being read, cell by cell.
    table: Option<Vec<Vec<String>>>,
    cell: Option<String>,
}

impl Renderer<'_> {
    fn style(&self) -> Style {
        self.styles
            .last()
            .copied()
            .unwrap_or_else(|| self.theme.style("text"))
    }

    fn push_style(&mut self, style: Style) {
        let next = self.style().patch(style);
        self.styles.push(next);
    }

    fn text(&mut self, text: &str) {
        if let Some(cell) = &mut self.cell {
            cell.push_str(text);
            return;
        }
        if self.current.is_empty() && self.quote_depth > 0 {
            self.current.push(Span::styled(
                "│ ".repeat(self.quote_depth),
                self.theme.style("muted"),
            ));
        }
        self.current
            .push(Span::styled(text.to_string(), self.style()));
    }

    fn end_line(&mut self) {
        let spans = std::mem::take(&mut self.current);
        self.lines.push(Line::from(spans));
    }

    /// Ends the line being built, if one is.
    fn finish_line(&mut self) {
        if !self.current.is_empty() {
            self.end_line();
        }
    }

    /// A blank line between blocks, never two in a row nor one at the top.
    fn gap(&mut self) {
        self.finish_line();
        if self.lines.last().is_some_and(|line| line.width() > 0) {
            self.lines.push(Line::default());
        }
    }

    fn table_lines(&mut self, rows: Vec<Vec<String>>) {
        let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
        let widths: Vec<usize> = (0..columns)
            .map(|column| {
                rows.iter()
                    .filter_map(|row| row.get(column))
                    .map(|cell| cell.width())
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        for (index, row) in rows.iter().enumerate() {
            let mut spans = Vec::new();
            for (column, width) in widths.iter().enumerate() {
                let cell = row.get(column).map_or("", String::as_str);
                if column > 0 {
                    spans.push(Span::styled(" │ ", self.theme.style("border")));
                }
                let pad = width.saturating_sub(cell.width());
                let style = if index == 0 {
                    self.theme.style("heading")
                } else {
                    self.theme.style("text")
                };
                spans.push(Span::styled(format!("{cell}{}", " ".repeat(pad)), style));
            }
            self.lines.push(Line::from(spans));
            if index == 0 {
                let rule: Vec<String> = widths.iter().map(|width| "─".repeat(*width)).collect();
                self.lines
                    .push(Line::styled(rule.join("─┼─"), self.theme.style("border")));
            }
        }
    }
}

/// The lines of `markdown`, styled by `theme`.
pub fn render(markdown: &str, theme: &Theme) -> Vec<Line<'static>> {
    let mut renderer = Renderer {
        theme,
        lines: Vec::new(),
        current: Vec::new(),
        styles: Vec::new(),
        lists: Vec::new(),
        quote_depth: 0,
        in_code_block: false,
        link: None,
        table: None,
        cell: None,
    };
    for event in Parser::new_ext(markdown, markdown_options()) {
        if renderer.in_code_block {
            if matches!(event, Event::End(TagEnd::CodeBlock)) {
                renderer.in_code_block = false;
            }
            continue;
        }
        match event {
            Event::Start(tag) => match tag {
                Tag::Heading { level, .. } => {
                    renderer.gap();
                    let style = theme.style("heading");
                    renderer.push_style(if level == HeadingLevel::H1 {
                        style.add_modifier(Modifier::UNDERLINED)
                    } else {
                        style
                    });
                }
                // Paragraphs in list items stay on the item's line.
                Tag::Paragraph if renderer.lists.is_empty() => renderer.gap(),
                Tag::Emphasis => {
                    renderer.push_style(Style::default().add_modifier(Modifier::ITALIC))
                }
                Tag::Strong => renderer.push_style(Style::default().add_modifier(Modifier::BOLD)),
                Tag::Strikethrough => {
                    renderer.push_style(Style::default().add_modifier(Modifier::CROSSED_OUT))
                }
                Tag::Link { dest_url, .. } => {
                    renderer.link = Some(dest_url.to_string());
                    renderer.push_style(theme.style("link"));
                }
                Tag::List(start) => {
                    if renderer.lists.is_empty() {
                        renderer.gap();
                    } else if !renderer.current.is_empty() {
                        renderer.end_line();
                    }
                    renderer.lists.push(start);
                }
                Tag::Item => {
                    renderer.finish_line();
                    let depth = renderer.lists.len().saturating_sub(1);
                    let marker = match renderer.lists.last_mut() {
                        Some(Some(number)) => {
                            let marker = format!("{number}. ");
                            *number += 1;
                            marker
                        }
                        _ => "• ".to_string(),
                    };
                    renderer.text(&format!("{}{marker}", "  ".repeat(depth)));
                }
                Tag::BlockQuote(_) => {
                    renderer.gap();
                    renderer.quote_depth += 1;
                }
                Tag::CodeBlock(_) => renderer.in_code_block = true,
                Tag::Table(_) => {
                    renderer.gap();
                    renderer.table = Some(Vec::new());
                }
                Tag::TableHead | Tag::TableRow => {
                    if let Some(table) = &mut renderer.table {
                        table.push(Vec::new());
                    }
                }
                Tag::TableCell => renderer.cell = Some(String::new()),
                _ => {}
            },
            Event::End(tag) => match tag {
                TagEnd::Heading(_) => {
                    renderer.styles.pop();
                    renderer.end_line();
                }
                TagEnd::Paragraph if renderer.lists.is_empty() => renderer.end_line(),
                TagEnd::Emphasis | TagEnd::Strong | TagEnd::Strikethrough => {
                    renderer.styles.pop();
                }
                TagEnd::Link => {
                    renderer.styles.pop();
                    if let Some(url) = renderer.link.take() {
                        // An anchor is a step of this runbook; an address is worth seeing.
                        if !url.starts_with('#') {
                            let shown = format!(" ({url})");
                            let muted = theme.style("muted");
                            if renderer.cell.is_none() {
                                renderer.current.push(Span::styled(shown, muted));
                            }
                        }
                    }
                }
                TagEnd::List(_) => {
                    renderer.lists.pop();
                    renderer.finish_line();
                }
                TagEnd::Item => renderer.finish_line(),
                TagEnd::BlockQuote(_) => {
                    renderer.finish_line();
                    renderer.quote_depth = renderer.quote_depth.saturating_sub(1);
                }
                TagEnd::TableCell => {
                    if let (Some(cell), Some(table)) = (renderer.cell.take(), &mut renderer.table) {
                        if let Some(row) = table.last_mut() {
                            row.push(cell.trim().to_string());
                        }
                    }
                }
                TagEnd::Table => {
                    if let Some(rows) = renderer.table.take() {
                        renderer.table_lines(rows);
                    }
                }
                _ => {}
            },
            Event::Text(text) => renderer.text(&text),
            Event::Code(code) => {
                if let Some(cell) = &mut renderer.cell {
                    cell.push_str(&code);
                } else {
                    let style = renderer.style().patch(theme.style("code"));
                    renderer.current.push(Span::styled(code.to_string(), style));
                }
            }
            Event::SoftBreak => renderer.text(" "),
            Event::HardBreak => renderer.end_line(),
            Event::Rule => {
                renderer.gap();
                renderer
                    .lines
                    .push(Line::styled("─".repeat(40), theme.style("border")));
            }
            Event::TaskListMarker(done) => {
                renderer.text(if done { "☑ " } else { "☐ " });
            }
            // HTML comments are cairn's annotations, not prose.
            Event::Html(_) | Event::InlineHtml(_) => {}
            _ => {}
        }
    }
    renderer.finish_line();
    while renderer.lines.last().is_some_and(|line| line.width() == 0) {
        renderer.lines.pop();
    }
    renderer.lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(lines: &[Line<'_>]) -> String {
        lines
            .iter()
            .map(|line| {
                line.spans
                    .iter()
                    .map(|span| span.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    const PROSE: &str = "Ask the **primary** directly, with `pg_isready`; see [the docs](https://example.com/pg) or [lag](#check-lag).\n\n<!-- cairn: confirm -->\n\n1. Drain traffic\n2. Check *replication*:\n   - on the standby\n   - [ ] lag under 10 s\n\n> Never promote both.\n\n```bash\npsql -c 'select 1'\n```\n\n| host | role |\n|---|---|\n| db-1 | primary |\n| db-2.internal | standby |\n";

    #[test]
    fn prose_reads_as_a_person_would_read_it() {
        let lines = render(PROSE, &Theme::default_theme());
        insta::assert_snapshot!(plain(&lines));
    }

    #[test]
    fn emphasis_and_code_wear_their_roles() {
        let theme = Theme::default_theme();
        let lines = render(PROSE, &theme);
        let spans = &lines[0].spans;
        let code = spans
            .iter()
            .find(|span| span.content == "pg_isready")
            .unwrap();
        assert_eq!(code.style.fg, theme.style("code").fg);
        let strong = spans.iter().find(|span| span.content == "primary").unwrap();
        assert!(strong.style.add_modifier.contains(Modifier::BOLD));
        let link = spans
            .iter()
            .find(|span| span.content == "the docs")
            .unwrap();
        assert_eq!(link.style.fg, theme.style("link").fg);
    }
}
