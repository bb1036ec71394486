//! Text helpers the formats share: the first line of a command, the end of a long output
//! (what a format shows of it, and a note of what it cut), numbers and sizes for people.

pub use crate::journal::message::first_line;

/// The end of an output: what a format shows of a long one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tail<'a> {
    pub kept: &'a str,
    /// Lines (whole or in part) left out before `kept`.
    pub cut_lines: usize,
    pub cut_bytes: usize,
}

impl Tail<'_> {
    /// `1,234 earlier lines (45.6 KiB) not shown`, when anything was cut.
    pub fn note(&self) -> Option<String> {
        (self.cut_bytes > 0).then(|| {
            format!(
                "{} earlier line{} ({}) not shown",
                thousands(self.cut_lines),
                if self.cut_lines == 1 { "" } else { "s" },
                size(self.cut_bytes as u64)
            )
        })
    }
}

/// The last `max_lines` lines of `text`, and no more than `max_bytes` of them (a cut inside
/// a line moves on to the next line, unless that leaves nothing).
pub fn tail(text: &str, max_lines: usize, max_bytes: usize) -> Tail<'_> {
    let body = text.strip_suffix('\n').unwrap_or(text);
    let mut start = 0;
    if max_lines > 0 {
        if let Some((newline, _)) = body.rmatch_indices('\n').nth(max_lines - 1) {
            start = newline + 1;
        }
    }
    if text.len() - start > max_bytes {
        let mut cut = text.len() - max_bytes;
        while !text.is_char_boundary(cut) {
            cut += 1;
        }
        if let Some(newline) = text[cut..].find('\n') {
            if cut + newline + 1 < text.len() {
                cut += newline + 1;
            }
        }
        start = cut;
    }
    let cut = &text[..start];
    Tail {
        kept: &text[start..],
        cut_lines: cut.matches('\n').count() + usize::from(!cut.is_empty() && !cut.ends_with('\n')),
        cut_bytes: start,
    }
}

/// `1,234,567`.
pub fn thousands(number: usize) -> String {
    let digits = number.to_string();
    let mut out = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// `512 B`, `45.6 KiB`, `3.2 MiB`.
pub fn size(bytes: u64) -> String {
    match bytes {
        0..1024 => format!("{bytes} B"),
        1024..1_048_576 => format!("{:.1} KiB", bytes as f64 / 1024.0),
        _ => format!("{:.1} MiB", bytes as f64 / 1_048_576.0),
    }
}

/// Text safe anywhere in HTML or XML, attribute values included: markup characters as
/// entities, characters XML 1.0 cannot hold (most control characters) as U+FFFD.
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if xml_char(c) => out.push(c),
            _ => out.push('\u{fffd}'),
        }
    }
    out
}

/// A character XML 1.0 can hold.
pub fn xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{fffe}' && c != '\u{ffff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tail_keeps_the_last_lines_and_says_what_it_cut() {
        let text = "one\ntwo\nthree\nfour\n";
        let kept = tail(text, 2, 1000);
        assert_eq!(kept.kept, "three\nfour\n");
        assert_eq!((kept.cut_lines, kept.cut_bytes), (2, 8));
        assert_eq!(
            kept.note().as_deref(),
            Some("2 earlier lines (8 B) not shown")
        );
        assert_eq!(tail(text, 10, 1000).note(), None);
        assert_eq!(tail("no newline", 1, 1000).kept, "no newline");
    }

    #[test]
    fn a_tail_within_bytes_starts_at_a_line_and_never_splits_a_character() {
        let text = "aaaa\nbbbb\nécrit\n";
        let kept = tail(text, 100, 8);
        assert_eq!(kept.kept, "écrit\n");
        let one_long_line = "ééééé";
        let kept = tail(one_long_line, 100, 3);
        assert_eq!(kept.kept, "é");
        assert_eq!(kept.cut_lines, 1);
        assert_eq!(tail("", 5, 5).kept, "");
    }

    #[test]
    fn markup_is_escaped_and_what_xml_cannot_hold_replaced() {
        assert_eq!(
            escape_markup("<a href='x'>&\"</a>\u{1b}[0m\n"),
            "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;\u{fffd}[0m\n"
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(thousands(12), "12");
        assert_eq!(size(512), "512 B");
        assert_eq!(size(46_694), "45.6 KiB");
        assert_eq!(first_line("echo one\necho two", 60), "echo one…");
        assert_eq!(first_line("abcdef", 3), "abc…");
    }
}
