//! A runbook's text with a line index, so that any byte offset can be turned into the
//! `line:col` a person sees. Every position cairn reports goes through here.
//!
//! Lines and columns are 1-based; a column counts characters (not bytes), as rustc and most
//! editors do. Offsets that fall inside a multi-byte character are clamped back to its start.

use std::ops::Range;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A half-open byte range into a runbook's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Span {
            start,
            end: end.max(start),
        }
    }

    pub fn at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn range(self) -> Range<usize> {
        self.start..self.end
    }
}

impl From<Range<usize>> for Span {
    fn from(range: Range<usize>) -> Self {
        Span::new(range.start, range.end)
    }
}

/// Where the pieces of an assembled text came from, so that an offset in the text (a code
/// block's content without its list indentation, a command without its prompt) maps back to
/// an offset in the original.
///
/// A piece that continues the one before it in the original adds nothing, so most texts are
/// a single piece, kept without allocating.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OffsetMap {
    /// (offset in the assembled text, offset in the original) of the first piece.
    first: Option<(usize, usize)>,
    /// The same for the pieces after it, in increasing order.
    rest: Vec<(usize, usize)>,
}

impl OffsetMap {
    /// A map whose text starts at `original_offset`.
    pub fn starting_at(original_offset: usize) -> Self {
        OffsetMap {
            first: Some((0, original_offset)),
            rest: Vec::new(),
        }
    }

    /// Records that the text from `text_offset` on came from `original_offset`.
    pub fn push(&mut self, text_offset: usize, original_offset: usize) {
        let Some(first) = self.first else {
            self.first = Some((text_offset, original_offset));
            return;
        };
        let (start, original) = self.rest.last().copied().unwrap_or(first);
        let continues = text_offset >= start
            && original_offset >= original
            && text_offset - start == original_offset - original;
        if !continues {
            self.rest.push((text_offset, original_offset));
        }
    }

    /// The original offset of `offset` in the assembled text (`None` before any piece).
    pub fn map(&self, offset: usize) -> Option<usize> {
        let later = self.rest.partition_point(|&(start, _)| start <= offset);
        let (start, original) = match later.checked_sub(1) {
            Some(index) => self.rest[index],
            None => self.first.filter(|&(start, _)| start <= offset)?,
        };
        Some(original + (offset - start))
    }
}

/// A 1-based line and character column.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

/// The text of one runbook and where each of its lines starts.
#[derive(Debug)]
pub struct Source {
    path: String,
    text: String,
    line_starts: Vec<usize>,
    /// For non-ASCII text: the number of characters before every `CHECKPOINT`-th byte, so
    /// that a column costs at most one checkpoint's worth of counting, even on a 1 MB line.
    /// Empty when the text is ASCII (a column is then a byte difference).
    char_checkpoints: Vec<usize>,
    /// The line found by the last lookup: the parser asks for positions mostly in document
    /// order, so the next answer is usually this line or one just after it.
    last_line: AtomicUsize,
}

impl Clone for Source {
    fn clone(&self) -> Self {
        Source {
            path: self.path.clone(),
            text: self.text.clone(),
            line_starts: self.line_starts.clone(),
            char_checkpoints: self.char_checkpoints.clone(),
            last_line: AtomicUsize::new(self.last_line.load(Ordering::Relaxed)),
        }
    }
}

/// Bytes between character-count checkpoints.
const CHECKPOINT: usize = 4096;

/// Characters in `bytes`: every byte that does not continue a UTF-8 sequence starts one.
fn count_chars(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| (byte & 0xC0) != 0x80).count()
}

impl Source {
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        let text = text.into();
        let mut line_starts = Vec::with_capacity(text.len() / 40 + 1);
        line_starts.push(0);
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|index| index + 1));
        let char_checkpoints = if text.is_ascii() {
            Vec::new()
        } else {
            let mut total = 0;
            let mut checkpoints = Vec::with_capacity(text.len() / CHECKPOINT + 1);
            for chunk in text.as_bytes().chunks(CHECKPOINT) {
                checkpoints.push(total);
                total += count_chars(chunk);
            }
            checkpoints
        };
        Source {
            path: path.into(),
            text,
            line_starts,
            char_checkpoints,
            last_line: AtomicUsize::new(1),
        }
    }

    pub fn path(&self) -> &str {
        &self.path
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text under `span`, or "" when the span does not lie on character boundaries.
    pub fn slice(&self, span: Span) -> &str {
        self.text.get(span.range()).unwrap_or("")
    }

    /// The 1-based line that holds `offset`: the number of lines that start at or before it.
    pub fn line_of(&self, offset: usize) -> usize {
        let starts = &self.line_starts;
        let len = starts.len();
        let last = self.last_line.load(Ordering::Relaxed).clamp(1, len) - 1;
        // Gallop from the last line found to a range of starts that holds the answer: the
        // parser asks mostly in document order, so a lookup costs the log of the distance
        // moved, not of the whole text.
        let (below, above) = if starts[last] <= offset {
            // Every start before `below` is at or before `offset`.
            let (mut below, mut step) = (last + 1, 1);
            while below + step <= len && starts[below + step - 1] <= offset {
                below += step;
                step *= 2;
            }
            (below, (below + step - 1).min(len))
        } else {
            // Every start from `above` on is after `offset`.
            let (mut above, mut step) = (last, 1);
            while above >= step && starts[above - step] > offset {
                above -= step;
                step *= 2;
            }
            ((above + 1).saturating_sub(step), above)
        };
        let line = below + starts[below..above].partition_point(|&start| start <= offset);
        self.last_line.store(line, Ordering::Relaxed);
        line
    }

    pub fn position(&self, offset: usize) -> Position {
        let offset = self.floor_char_boundary(offset.min(self.text.len()));
        let line = self.line_of(offset);
        let start = self.line_starts[line - 1];
        let mut col = self.chars_before(offset) - self.chars_before(start) + 1;
        // A byte order mark is invisible: it takes no column.
        if start == 0 && offset > 0 && self.text.starts_with('\u{feff}') {
            col -= 1;
        }
        Position { line, col }
    }

    /// The number of characters in the text before byte `offset`.
    fn chars_before(&self, offset: usize) -> usize {
        if self.char_checkpoints.is_empty() {
            return offset;
        }
        let index = offset / CHECKPOINT;
        let base = self.char_checkpoints.get(index).copied().unwrap_or(0);
        base + count_chars(&self.text.as_bytes()[index * CHECKPOINT..offset])
    }

    /// The byte offset where 1-based `line` starts (the end of the text past the last line).
    pub fn line_start(&self, line: usize) -> usize {
        self.line_starts
            .get(line.saturating_sub(1))
            .copied()
            .unwrap_or(self.text.len())
    }

    /// The text of 1-based `line`, without its line ending.
    pub fn line_text(&self, line: usize) -> &str {
        let start = self.line_start(line);
        let end = self
            .line_starts
            .get(line)
            .copied()
            .unwrap_or(self.text.len());
        let text = &self.text[start..end];
        text.strip_suffix('\n')
            .map(|t| t.strip_suffix('\r').unwrap_or(t))
            .unwrap_or(text)
    }

    fn floor_char_boundary(&self, mut offset: usize) -> usize {
        while offset > 0 && !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        offset
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let source = Source::new("x.md", "ab\nçd\n\nx");
        assert_eq!(source.position(0), Position { line: 1, col: 1 });
        assert_eq!(source.position(3), Position { line: 2, col: 1 });
        // 'ç' is two bytes; 'd' is the second character of line 2.
        assert_eq!(source.position(5), Position { line: 2, col: 2 });
        assert_eq!(source.position(7), Position { line: 3, col: 1 });
        assert_eq!(source.position(8), Position { line: 4, col: 1 });
        assert_eq!(source.position(999), Position { line: 4, col: 2 });
    }

    #[test]
    fn lines_are_found_in_any_order() {
        let text: String = (0..200).map(|n| "x".repeat(n % 7) + "\n").collect();
        let source = Source::new("x.md", text.as_str());
        let expected = |offset: usize| 1 + text[..offset.min(text.len())].matches('\n').count();
        let forward = 0..=text.len() + 2;
        let backward = (0..=text.len()).rev();
        let jumps = (0..=text.len()).map(|n| n * 7919 % (text.len() + 1));
        for offset in forward.chain(backward).chain(jumps) {
            assert_eq!(source.line_of(offset), expected(offset), "offset {offset}");
        }
    }

    #[test]
    fn columns_on_long_non_ascii_lines_use_checkpoints() {
        let line = "é".repeat(10_000) + "x";
        let source = Source::new("x.md", format!("a\n{line}"));
        let x = 2 + 20_000;
        assert_eq!(
            source.position(x),
            Position {
                line: 2,
                col: 10_001
            }
        );
        assert_eq!(
            source.position(2 + 2 * 4321),
            Position { line: 2, col: 4322 }
        );
    }

    #[test]
    fn a_byte_order_mark_takes_no_column() {
        let source = Source::new("x.md", "\u{feff}ab\nc");
        assert_eq!(source.position(3), Position { line: 1, col: 1 });
        assert_eq!(source.position(4), Position { line: 1, col: 2 });
        assert_eq!(source.position(6), Position { line: 2, col: 1 });
    }

    #[test]
    fn offsets_inside_a_character_clamp_to_its_start() {
        let source = Source::new("x.md", "ç");
        assert_eq!(source.position(1), Position { line: 1, col: 1 });
    }

    #[test]
    fn offset_maps_follow_their_pieces() {
        let mut map = OffsetMap::default();
        assert_eq!(map.map(3), None);
        map.push(0, 10);
        map.push(5, 40);
        assert_eq!(map.map(0), Some(10));
        assert_eq!(map.map(4), Some(14));
        assert_eq!(map.map(5), Some(40));
        assert_eq!(map.map(9), Some(44));
        // A piece that continues the one before maps as it did.
        map.push(8, 43);
        map.push(12, 60);
        assert_eq!(map.map(10), Some(45));
        assert_eq!(map.map(12), Some(60));
        assert_eq!(map.map(4), Some(14));
    }

    #[test]
    fn line_text_drops_line_endings() {
        let source = Source::new("x.md", "one\r\ntwo\nthree");
        assert_eq!(source.line_text(1), "one");
        assert_eq!(source.line_text(2), "two");
        assert_eq!(source.line_text(3), "three");
        assert_eq!(source.line_text(4), "");
    }
}
