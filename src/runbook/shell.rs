//! A small, forgiving lexer for POSIX-shell command text: enough structure to tell which
//! `$VAR`s a command expands, which words start a command, what is quoted, commented or a
//! here-document, and where `<placeholders>` sit. It never fails: text that is not valid
//! shell still yields what could be read. It runs in one pass, linear in the input.

use std::ops::Range;

use super::model::Quote;
use super::placeholders::placeholder_end;

/// One `$NAME` / `${NAME...}` expansion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Expansion {
    /// Where the name is in the scanned text (see `name`).
    pub name: Range<usize>,
    /// Byte offset of the `$` in the scanned text.
    pub offset: usize,
    /// `${NAME:-default}` and friends: fine when unset.
    pub has_default: bool,
}

impl Expansion {
    /// The variable's name, in the text that was scanned.
    pub fn name<'t>(&self, text: &'t str) -> &'t str {
        &text[self.name.clone()]
    }
}

/// A word of the command line, as written (quotes included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Word {
    pub start: usize,
    pub end: usize,
    /// The first word of a simple command (after `;`, `|`, `&&`, `(`, `then`...).
    pub command_start: bool,
}

/// A `<placeholder>` found in the text, with the quoting around it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FoundPlaceholder {
    pub start: usize,
    pub end: usize,
    pub quote: Quote,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ShellScan {
    pub words: Vec<Word>,
    pub expansions: Vec<Expansion>,
    pub placeholders: Vec<FoundPlaceholder>,
    /// Byte ranges of comments (`# ...` to the end of the line).
    pub comments: Vec<(usize, usize)>,
    /// The lexer's context stack, kept only to reuse its allocation.
    stack: Vec<Context>,
}

impl ShellScan {
    /// The words of each simple command in turn: its first word and those that follow, up
    /// to the next command start.
    pub fn commands(&self) -> impl Iterator<Item = &[Word]> {
        let mut rest = self.words.as_slice();
        std::iter::from_fn(move || {
            // The words after the first (none when nothing is left): the first word is the
            // command's whether or not it is marked as starting one.
            let others = rest.get(1..)?;
            let length = 1 + others
                .iter()
                .position(|word| word.command_start)
                .unwrap_or(others.len());
            let (command, after) = rest.split_at(length);
            rest = after;
            Some(command)
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Context {
    /// Plain command text, or inside `$( )` / backticks.
    Code {
        close: Close,
        depth: u32,
    },
    Double,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Close {
    Eof,
    Paren,
    Arith,
    Backtick,
}

struct Heredoc {
    delimiter: String,
    strip_tabs: bool,
    literal: bool,
}

/// Keywords and wrappers after which the next word still starts a command (`then cmd`,
/// `sudo cmd`). Every word is checked, so the length picks the few candidates to compare.
fn keeps_command_start(word: &str) -> bool {
    match word.len() {
        1 => matches!(word, "!" | "{"),
        2 => matches!(word, "do" | "if"),
        3 => word == "env",
        4 => matches!(word, "then" | "else" | "elif" | "time" | "exec" | "sudo"),
        5 => matches!(word, "while" | "until" | "xargs" | "nohup" | "watch"),
        7 => matches!(word, "command" | "timeout"),
        _ => false,
    }
}

/// Bytes that mean something to the lexer in code, inside a word; any other byte (`#` too,
/// which opens a comment only between words) just continues the word.
const CODE_SPECIAL: [bool; 256] = byte_set(b" \t\r\n;&|()`'\"\\$<>");
/// The same inside double quotes.
const DOUBLE_SPECIAL: [bool; 256] = byte_set(b"\"\\$`<");

const fn byte_set(bytes: &[u8]) -> [bool; 256] {
    let mut set = [false; 256];
    let mut index = 0;
    while index < bytes.len() {
        set[bytes[index] as usize] = true;
        index += 1;
    }
    set
}

/// The bytes that can change a `QuoteState` outside quotes.
const UNQUOTED_SPECIAL: [bool; 256] = byte_set(b"\\'\"#");

/// The offset of the first byte at or after `from` that is in `special` (or the end).
fn skip_plain(bytes: &[u8], from: usize, special: &[bool; 256]) -> usize {
    bytes[from..]
        .iter()
        .position(|&byte| special[byte as usize])
        .map_or(bytes.len(), |length| from + length)
}

/// Scans `text`.
pub fn scan(text: &str) -> ShellScan {
    let mut out = ShellScan::default();
    scan_into(text, &mut out);
    out
}

/// Scans `text` into `out`, reusing its buffers: a caller that scans many commands in turn
/// allocates once, not once per command.
// `end_word!` sets `command_start` for the next word; some callers then override it.
#[allow(unused_assignments)]
pub fn scan_into(text: &str, out: &mut ShellScan) {
    let bytes = text.as_bytes();
    out.words.clear();
    out.expansions.clear();
    out.placeholders.clear();
    out.comments.clear();
    // Sized for typical commands (a word every few bytes), so that most never reallocate.
    out.words.reserve(text.len() / 6 + 2);
    let mut stack = std::mem::take(&mut out.stack);
    stack.clear();
    stack.push(Context::Code {
        close: Close::Eof,
        depth: 0,
    });
    let mut word_start: Option<usize> = None;
    let mut command_start = true;
    let mut pending_heredocs: Vec<Heredoc> = Vec::new();
    let mut i = 0;

    // Ends the current word; decides whether the next one starts a command.
    macro_rules! end_word {
        ($at:expr) => {
            if let Some(start) = word_start.take() {
                let word_text = &text[start..$at];
                out.words.push(Word {
                    start,
                    end: $at,
                    command_start,
                });
                // `A=1 cmd`, `sudo cmd`, `then cmd`: the next word still starts a command.
                command_start =
                    (command_start && is_assignment(word_text)) || keeps_command_start(word_text);
            }
        };
    }

    while i < bytes.len() {
        let Some(&context) = stack.last() else { break };
        let byte = bytes[i];
        match context {
            Context::Double => match byte {
                b'"' => {
                    stack.pop();
                    i += 1;
                }
                b'\\' => i += 2,
                b'$' => i = dollar(text, i, &mut stack, out),
                b'`' => {
                    stack.push(Context::Code {
                        close: Close::Backtick,
                        depth: 0,
                    });
                    command_start = true;
                    i += 1;
                }
                b'<' => i = angle(text, i, Quote::Double, out),
                _ => i = skip_plain(bytes, i + 1, &DOUBLE_SPECIAL),
            },
            Context::Code { close, depth } => {
                let in_word = word_start.is_some();
                match byte {
                    b' ' | b'\t' | b'\r' => {
                        end_word!(i);
                        i += 1;
                    }
                    b'\n' => {
                        end_word!(i);
                        command_start = true;
                        i += 1;
                        if !pending_heredocs.is_empty() {
                            i = heredoc_bodies(text, i, &mut pending_heredocs, out);
                        }
                    }
                    b'#' if !in_word => {
                        let end = text[i..].find('\n').map_or(text.len(), |n| i + n);
                        out.comments.push((i, end));
                        i = end;
                    }
                    b';' | b'&' | b'|' => {
                        end_word!(i);
                        command_start = true;
                        i += 1;
                    }
                    b'(' => {
                        end_word!(i);
                        if let Some(Context::Code { depth, .. }) = stack.last_mut() {
                            *depth += 1;
                        }
                        command_start = true;
                        i += 1;
                    }
                    b')' => {
                        end_word!(i);
                        if depth > 0 {
                            if let Some(Context::Code { depth, .. }) = stack.last_mut() {
                                *depth -= 1;
                            }
                        } else if matches!(close, Close::Paren | Close::Arith) {
                            stack.pop();
                            if close == Close::Arith && bytes.get(i + 1) == Some(&b')') {
                                i += 1;
                            }
                            // The substitution is part of the enclosing word.
                        }
                        i += 1;
                    }
                    b'`' if close == Close::Backtick => {
                        end_word!(i);
                        stack.pop();
                        i += 1;
                    }
                    b'`' => {
                        word_start.get_or_insert(i);
                        stack.push(Context::Code {
                            close: Close::Backtick,
                            depth: 0,
                        });
                        command_start = true;
                        i += 1;
                    }
                    b'\'' => {
                        word_start.get_or_insert(i);
                        let end = text[i + 1..]
                            .find('\'')
                            .map_or(text.len(), |n| i + 1 + n + 1);
                        angles_in(
                            text,
                            i + 1,
                            end.saturating_sub(1).max(i + 1),
                            Quote::Single,
                            out,
                        );
                        i = end;
                    }
                    b'"' => {
                        word_start.get_or_insert(i);
                        stack.push(Context::Double);
                        i += 1;
                    }
                    b'\\' => {
                        word_start.get_or_insert(i);
                        i += 2;
                    }
                    b'$' => {
                        word_start.get_or_insert(i);
                        let before = stack.len();
                        i = dollar(text, i, &mut stack, out);
                        if stack.len() > before {
                            // `$(`: the word so far ends here and a command starts inside.
                            end_word!(i);
                            command_start = true;
                        }
                    }
                    b'<' => {
                        if bytes.get(i + 1) == Some(&b'<') && bytes.get(i + 2) != Some(&b'<') {
                            end_word!(i);
                            i = heredoc_operator(text, i + 2, &mut pending_heredocs);
                        } else if let Some(end) = placeholder_end(text, i) {
                            word_start.get_or_insert(i);
                            out.placeholders.push(FoundPlaceholder {
                                start: i,
                                end,
                                quote: Quote::None,
                            });
                            i = end;
                        } else {
                            end_word!(i);
                            i += 1;
                        }
                    }
                    b'>' => {
                        end_word!(i);
                        i += 1;
                    }
                    _ => {
                        word_start.get_or_insert(i);
                        // The rest of a plain word at once: nothing in it changes the state.
                        i = skip_plain(bytes, i + 1, &CODE_SPECIAL);
                    }
                }
            }
        }
    }
    let end = text.len();
    end_word!(end);
    out.stack = stack;
}

/// `A=1`, `PATH+=x`: an assignment word.
fn is_assignment(word: &str) -> bool {
    match word.bytes().position(|byte| byte == b'=') {
        Some(eq) if eq > 0 => {
            let name = word[..eq].trim_end_matches('+');
            super::options::is_identifier(name)
        }
        _ => false,
    }
}

/// Reads what follows a `$` at `i`; returns the offset after it.
fn dollar(text: &str, i: usize, stack: &mut Vec<Context>, out: &mut ShellScan) -> usize {
    let bytes = text.as_bytes();
    match bytes.get(i + 1) {
        Some(b'(') if bytes.get(i + 2) == Some(&b'(') => {
            stack.push(Context::Code {
                close: Close::Arith,
                depth: 0,
            });
            i + 3
        }
        Some(b'(') => {
            stack.push(Context::Code {
                close: Close::Paren,
                depth: 0,
            });
            i + 2
        }
        Some(b'{') => {
            let inner_start = i + 2;
            let mut at = inner_start;
            if matches!(bytes.get(at), Some(b'#' | b'!')) {
                at += 1;
            }
            let name_end = identifier_end(bytes, at);
            let (close, operator_end) = brace_end(bytes, name_end);
            if name_end > at {
                let operator = text.get(name_end..operator_end).unwrap_or("");
                let has_default = operator.starts_with(":-")
                    || operator.starts_with(":=")
                    || operator.starts_with('-')
                    || operator.starts_with('=')
                    || operator.starts_with(":+")
                    || operator.starts_with('+');
                out.expansions.push(Expansion {
                    name: at..name_end,
                    offset: i,
                    has_default,
                });
            }
            close
        }
        Some(b'\'') => {
            // $'...' ANSI-C quoting: backslash escapes, no expansion.
            let mut at = i + 2;
            while at < bytes.len() && bytes[at] != b'\'' {
                at += if bytes[at] == b'\\' { 2 } else { 1 };
            }
            (at + 1).min(bytes.len())
        }
        Some(_) => {
            let name_end = identifier_end(bytes, i + 1);
            if name_end > i + 1 {
                out.expansions.push(Expansion {
                    name: i + 1..name_end,
                    offset: i,
                    has_default: false,
                });
                name_end
            } else {
                // `$1`, `$?`, `$@`, a lone `$`.
                (i + 2).min(bytes.len())
            }
        }
        None => i + 1,
    }
}

fn identifier_end(bytes: &[u8], start: usize) -> usize {
    let mut at = start;
    if at < bytes.len() && (bytes[at].is_ascii_alphabetic() || bytes[at] == b'_') {
        at += 1;
        while at < bytes.len() && (bytes[at].is_ascii_alphanumeric() || bytes[at] == b'_') {
            at += 1;
        }
    }
    at
}

/// Where a `${` ends, counting nested braces: the offset after its `}` and the offset of the
/// `}` itself. An unclosed one ends at the end of its line.
fn brace_end(bytes: &[u8], from: usize) -> (usize, usize) {
    let mut depth = 1;
    let mut at = from;
    while at < bytes.len() {
        match bytes[at] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return (at + 1, at);
                }
            }
            b'\n' => return (at, at),
            _ => {}
        }
        at += 1;
    }
    (bytes.len(), bytes.len())
}

fn angle(text: &str, i: usize, quote: Quote, out: &mut ShellScan) -> usize {
    match placeholder_end(text, i) {
        Some(end) => {
            out.placeholders.push(FoundPlaceholder {
                start: i,
                end,
                quote,
            });
            end
        }
        None => i + 1,
    }
}

/// Placeholders inside a region with no other structure (single quotes, literal heredocs).
fn angles_in(text: &str, start: usize, end: usize, quote: Quote, out: &mut ShellScan) {
    let mut at = start;
    while let Some(offset) = text.get(at..end).and_then(|region| region.find('<')) {
        at = angle(text, at + offset, quote, out);
    }
}

/// Reads the delimiter after `<<` (at `i`); returns the offset after it.
fn heredoc_operator(text: &str, mut i: usize, pending: &mut Vec<Heredoc>) -> usize {
    let bytes = text.as_bytes();
    let strip_tabs = bytes.get(i) == Some(&b'-');
    if strip_tabs {
        i += 1;
    }
    while matches!(bytes.get(i), Some(b' ' | b'\t')) {
        i += 1;
    }
    let start = i;
    let mut delimiter = String::new();
    let mut literal = false;
    while i < bytes.len()
        && !matches!(
            bytes[i],
            b' ' | b'\t' | b'\n' | b';' | b'|' | b'&' | b'>' | b'<' | b')'
        )
    {
        match bytes[i] {
            b'\'' | b'"' => {
                literal = true;
                let quote = bytes[i];
                let close = text[i + 1..]
                    .find(quote as char)
                    .map_or(text.len(), |n| i + 1 + n);
                delimiter.push_str(&text[i + 1..close]);
                i = (close + 1).min(text.len());
            }
            b'\\' => {
                literal = true;
                i += 1;
            }
            _ => {
                let next = text[i..].chars().next().map_or(1, char::len_utf8);
                delimiter.push_str(&text[i..i + next]);
                i += next;
            }
        }
    }
    if i > start && !delimiter.is_empty() {
        pending.push(Heredoc {
            delimiter,
            strip_tabs,
            literal,
        });
    }
    i
}

/// Skips the bodies of the pending here-documents that start at `i` (just after a newline);
/// expansions and placeholders in unquoted bodies are recorded.
fn heredoc_bodies(
    text: &str,
    mut i: usize,
    pending: &mut Vec<Heredoc>,
    out: &mut ShellScan,
) -> usize {
    for heredoc in pending.drain(..) {
        let body_start = i;
        let mut body_end = text.len();
        let mut after = text.len();
        let mut line_start = i;
        while line_start < text.len() {
            let line_end = text[line_start..]
                .find('\n')
                .map_or(text.len(), |n| line_start + n);
            let mut line = text[line_start..line_end].trim_end_matches('\r');
            if heredoc.strip_tabs {
                line = line.trim_start_matches('\t');
            }
            if line == heredoc.delimiter {
                body_end = line_start;
                after = (line_end + 1).min(text.len());
                break;
            }
            line_start = line_end + 1;
        }
        if heredoc.literal {
            angles_in(text, body_start, body_end, Quote::LiteralHeredoc, out);
        } else {
            let mut at = body_start;
            while at < body_end {
                match text.as_bytes()[at] {
                    b'\\' => at += 2,
                    b'$' => {
                        let mut scratch = Vec::new();
                        at = dollar(text, at, &mut scratch, out).max(at + 1);
                    }
                    b'<' => at = angle(text, at, Quote::Heredoc, out),
                    _ => at += 1,
                }
            }
        }
        i = after;
    }
    i
}

/// The here-documents a command line opens (`<<EOF`, `<<-'END'`), in order: each
/// delimiter and whether leading tabs are stripped from its body.
pub fn heredoc_delimiters(line: &str) -> Vec<(String, bool)> {
    let mut pending = Vec::new();
    let mut at = 0;
    while let Some(offset) = line[at..].find("<<") {
        let open = at + offset;
        if line[open + 2..].starts_with('<') {
            at = open + 3;
            continue;
        }
        at = heredoc_operator(line, open + 2, &mut pending).max(open + 2);
    }
    pending
        .into_iter()
        .map(|heredoc| (heredoc.delimiter, heredoc.strip_tabs))
        .collect()
}

/// Follows single and double quotes through a command fed a line at a time, so that asking
/// "is a quote still open?" after each line costs only that line.
#[derive(Clone, Copy, Debug, Default)]
pub struct QuoteState {
    open: Option<u8>,
    /// The last byte fed was an unquoted or double-quoted backslash.
    escaped: bool,
}

impl QuoteState {
    pub fn is_open(self) -> bool {
        self.open.is_some()
    }

    /// The last line fed ended in a backslash that escapes its line break (not one inside a
    /// comment, nor an escaped backslash): the command goes on in the next line.
    pub fn continues_line(self) -> bool {
        self.escaped
    }

    /// Reads `text`, which starts a line (a `#` there opens a comment).
    pub fn feed(&mut self, text: &str) {
        let bytes = text.as_bytes();
        let mut i = 0;
        if self.escaped {
            self.escaped = false;
            i = 1;
        }
        // Each step jumps to the next byte that can change the state; `i` then moves past it
        // (past the byte it escapes, for a backslash).
        while i < bytes.len() {
            match self.open {
                None => {
                    i = skip_plain(bytes, i, &UNQUOTED_SPECIAL);
                    if i == bytes.len() {
                        break;
                    }
                    match bytes[i] {
                        b'\\' => i += 1,
                        b'#' if i == 0 || bytes[i - 1].is_ascii_whitespace() => {
                            // A comment: the rest of the line, which escapes nothing in the
                            // next one (even when it ends in a backslash).
                            match memchr::memchr(b'\n', &bytes[i..]) {
                                Some(newline) => i += newline,
                                None => break,
                            }
                        }
                        b'#' => {}
                        quote => self.open = Some(quote), // `'` or `"`
                    }
                }
                Some(quote) => {
                    // Only double quotes know escapes.
                    let found = if quote == b'"' {
                        memchr::memchr2(quote, b'\\', &bytes[i..])
                    } else {
                        memchr::memchr(quote, &bytes[i..])
                    };
                    let Some(found) = found else {
                        i = bytes.len();
                        break;
                    };
                    i += found;
                    if bytes[i] == b'\\' {
                        i += 1;
                    } else {
                        self.open = None;
                    }
                }
            }
            i += 1;
        }
        // A backslash as the last byte escapes what comes first in the next line.
        self.escaped = i > bytes.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_starts_follow_operators_and_keywords() {
        let text = "A=1 sudo kubectl get pods | grep x && if true; then rm -f y; fi";
        let scanned = scan(text);
        let starts: Vec<&str> = scanned
            .words
            .iter()
            .filter(|word| word.command_start)
            .map(|word| &text[word.start..word.end])
            .collect();
        assert_eq!(
            starts,
            ["A=1", "sudo", "kubectl", "grep", "if", "true", "then", "rm", "fi"]
        );
    }

    #[test]
    fn placeholders_carry_their_quoting() {
        let text = "kubectl logs $(kubectl get pod -l app=<app> -o name) '<single>' \"<double>\"";
        let quotes: Vec<(&str, Quote)> = scan(text)
            .placeholders
            .iter()
            .map(|p| (&text[p.start..p.end], p.quote))
            .collect();
        assert_eq!(
            quotes,
            [
                ("<app>", Quote::None),
                ("<single>", Quote::Single),
                ("<double>", Quote::Double)
            ]
        );
    }

    #[test]
    fn unclosed_expansion_before_a_wide_character() {
        // Found by the fuzzer: the operator slice ended inside 'ߎ'.
        let text = "\"${TMki\u{7c6}\nx";
        let scanned = scan(text);
        assert_eq!(scanned.expansions[0].name(text), "TMki");
        assert!(scan("${A:-x}").expansions[0].has_default);
    }

    #[test]
    fn heredocs_are_found() {
        assert_eq!(
            heredoc_delimiters("cat <<EOF > x"),
            [("EOF".to_string(), false)]
        );
        assert_eq!(
            heredoc_delimiters("cat <<-'END'"),
            [("END".to_string(), true)]
        );
        assert!(heredoc_delimiters("grep x <<< \"$y\"").is_empty());
    }

    #[test]
    fn quote_state_carries_across_lines() {
        let mut quotes = QuoteState::default();
        quotes.feed("psql -c \"select 1");
        assert!(quotes.is_open());
        quotes.feed("  from t where x = 'a'");
        assert!(
            quotes.is_open(),
            "the single quotes sit inside the double ones"
        );
        quotes.feed("\"");
        assert!(!quotes.is_open());
    }

    #[test]
    fn a_comment_at_the_end_of_a_line_escapes_nothing_in_the_next() {
        let mut quotes = QuoteState::default();
        quotes.feed("echo one # first");
        quotes.feed("'two");
        assert!(quotes.is_open(), "the quote opens the second line");
        quotes.feed("three'");
        assert!(!quotes.is_open());
        // A backslash ending a comment is part of the comment, too.
        quotes.feed("ls # see \\");
        quotes.feed("'x");
        assert!(quotes.is_open());
    }

    fn ends_in_open_quote(text: &str) -> bool {
        let mut quotes = QuoteState::default();
        quotes.feed(text);
        quotes.is_open()
    }

    #[test]
    fn open_quotes() {
        assert!(ends_in_open_quote("echo \"abc"));
        assert!(!ends_in_open_quote("echo \"a'b\""));
        assert!(!ends_in_open_quote("echo it\\'s # don't"));
        assert!(ends_in_open_quote("psql -c 'select 1"));
    }
}
