//! Fenced code blocks as written: the fence's character and length, its info string and
//! where that starts, and whether the block was ever closed. pulldown-cmark tells where a
//! block is; these read the fence lines themselves, which it does not expose.

use super::block::RawBlock;
use super::diagnostic::{Code, Diagnostic};
use super::model::Fence;
use super::source::Span;

/// The fence style and where the info string is (if any) of a fenced block at `span`.
pub(super) fn fence_and_info(text: &str, span: Span) -> (Fence, Option<Span>) {
    let first_line_end = memchr::memchr(b'\n', &text.as_bytes()[span.start.min(text.len())..])
        .map_or(text.len(), |n| span.start + n);
    let line = &text[span.start..first_line_end];
    let fence_start = line.find(['`', '~']).unwrap_or(0);
    let fence_char = line[fence_start..].chars().next().unwrap_or('`');
    let run = line[fence_start..]
        .find(|c: char| c != fence_char)
        .unwrap_or(line.len() - fence_start);
    let info_start = span.start + fence_start + run;
    let info = text[info_start..first_line_end].trim_end_matches('\r');
    let fence = if fence_char == '~' {
        Fence::Tilde
    } else {
        Fence::Backtick
    };
    let info = (!info.trim().is_empty()).then(|| Span::new(info_start, info_start + info.len()));
    (fence, info)
}

/// Warns when a fenced block has no closing fence (it then runs to the end of its container).
pub(super) fn check_closed(text: &str, raw: &RawBlock, diagnostics: &mut Vec<Diagnostic>) {
    let block_text = text.get(raw.span.range()).unwrap_or("");
    if block_text.is_empty() {
        return;
    }
    let first_line_end = memchr::memchr(b'\n', block_text.as_bytes()).unwrap_or(block_text.len());
    let first = &block_text[..first_line_end];
    let first = first.strip_suffix('\r').unwrap_or(first);
    // The block's last line, found from the end rather than by reading every line.
    let without_last_newline = block_text.strip_suffix('\n').unwrap_or(block_text);
    let last_line = memchr::memrchr(b'\n', without_last_newline.as_bytes())
        .map(|newline| &without_last_newline[newline + 1..]);
    let opening = first
        .trim_start_matches([' ', '\t', '>'])
        .trim_start_matches(|c: char| {
            c.is_ascii_digit()
                || c == '.'
                || c == ')'
                || c == '-'
                || c == '*'
                || c == '+'
                || c == ' '
        });
    let fence_char = if raw.fence == Fence::Tilde { '~' } else { '`' };
    let opening_run = opening
        .find(|c: char| c != fence_char)
        .unwrap_or(opening.len())
        .max(3);
    let closed = last_line.is_some_and(|last| {
        let last = last.trim_start_matches([' ', '\t', '>']).trim_end();
        let run = last.find(|c: char| c != fence_char).unwrap_or(last.len());
        run >= opening_run && last[run..].trim().is_empty()
    });
    if !closed {
        let to_eof = text[raw.span.end..].trim().is_empty();
        diagnostics.push(
            Diagnostic::warning(
                Code::UnclosedFence,
                Span::new(
                    raw.span.start,
                    raw.span.start + first_line_end.min(first.trim_end().len()),
                ),
                format!(
                    "this code block is never closed, so it runs to the end of {}",
                    if to_eof {
                        "the file"
                    } else {
                        "its list item or quote"
                    }
                ),
            )
            .with_help(format!(
                "add a closing fence line ({}) where the block should end",
                fence_char.to_string().repeat(opening_run)
            )),
        );
    }
}
