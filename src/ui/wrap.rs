//! Wrapping styled lines to a width at spaces, keeping each piece's style, so that a view
//! knows exactly which screen row each of its lines lands on (ratatui's own wrapping
//! happens while drawing, too late to scroll a block into view).

use ratatui::text::{Line, Span};
use unicode_width::UnicodeWidthChar;

/// `line` cut into rows of at most `width` columns; words longer than a row are cut.
/// Continuation rows start with `indent` (in the style of the line's first piece).
pub fn wrap(line: &Line<'static>, width: usize, indent: &str) -> Vec<Line<'static>> {
    let width = width.max(1);
    if line.width() <= width {
        return vec![line.clone()];
    }
    let indent_style = line
        .spans
        .first()
        .map(|span| span.style)
        .unwrap_or_default();
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut row_width = 0;
    // Cut points: after each space, so words stay whole where they fit.
    let pieces = line.spans.iter().flat_map(|span| {
        span.content
            .split_inclusive(' ')
            .map(move |word| (word.to_string(), span.style))
    });
    for (word, style) in pieces {
        let word_width: usize = word.chars().filter_map(UnicodeWidthChar::width).sum();
        let trimmed_width = word_width - usize::from(word.ends_with(' '));
        if row_width + trimmed_width > width && row_width > indent.len() {
            rows.push(Line::from(std::mem::take(&mut row)));
            row.push(Span::styled(indent.to_string(), indent_style));
            row_width = indent.len();
        }
        if row_width + trimmed_width <= width {
            row.push(Span::styled(word, style));
            row_width += word_width;
            continue;
        }
        // A word wider than a whole row: cut it by characters.
        let mut piece = String::new();
        for character in word.chars() {
            let w = character.width().unwrap_or(0);
            if row_width + w > width && row_width > 0 {
                row.push(Span::styled(std::mem::take(&mut piece), style));
                rows.push(Line::from(std::mem::take(&mut row)));
                row.push(Span::styled(indent.to_string(), indent_style));
                row_width = indent.len();
            }
            piece.push(character);
            row_width += w;
        }
        row.push(Span::styled(piece, style));
    }
    if !row.is_empty() {
        rows.push(Line::from(row));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Style;

    fn texts(rows: &[Line<'static>]) -> Vec<String> {
        rows.iter().map(|row| row.to_string()).collect()
    }

    #[test]
    fn words_move_to_the_next_row_whole() {
        let line = Line::from("the quick brown fox jumps");
        assert_eq!(
            texts(&wrap(&line, 10, "")),
            ["the quick ", "brown fox ", "jumps"]
        );
    }

    #[test]
    fn styles_survive_and_continuations_are_indented() {
        let line = Line::from(vec![
            Span::raw("- "),
            Span::styled(
                "bold words here",
                Style::new().add_modifier(ratatui::style::Modifier::BOLD),
            ),
        ]);
        let rows = wrap(&line, 8, "  ");
        assert_eq!(texts(&rows), ["- bold ", "  words ", "  here"]);
        assert!(rows[1]
            .spans
            .iter()
            .any(|span| span.style == Style::new().add_modifier(ratatui::style::Modifier::BOLD)));
    }

    #[test]
    fn a_long_word_is_cut_and_nothing_is_lost() {
        let line = Line::from("aaaaaaaaaaaaaaaaaaaaaaa b");
        let rows = wrap(&line, 5, "");
        assert!(
            rows.iter().all(|row| row.width() <= 5),
            "{:?}",
            texts(&rows)
        );
        assert_eq!(
            texts(&rows).concat().replace(' ', ""),
            "aaaaaaaaaaaaaaaaaaaaaaab"
        );
        assert!(wrap(&Line::from("wide 漢字漢字漢字"), 1, "").len() >= 6);
    }
}
