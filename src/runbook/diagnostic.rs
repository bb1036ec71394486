//! Problems found in a runbook, each with a position, a severity, a stable code and a hint
//! about what to do next, and their rendering as `file:line:col` plus the source line and a
//! caret, in the manner of rustc and just.
//!
//! The codes are a contract: scripts and editors match on them, so a code is never renamed.

use serde::Serialize;
use unicode_width::UnicodeWidthChar;

use crate::ansi::{Painter, BLUE_BOLD, BOLD, CYAN_BOLD, RED_BOLD, YELLOW_BOLD};

use super::source::{Source, Span};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The runbook cannot be run live until it is fixed.
    Error,
    /// Probably a mistake; the runbook still runs.
    Warning,
    /// Worth knowing, not a problem (a retry loop in the graph).
    Note,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        }
    }
}

/// The stable identity of each kind of problem.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    InvalidFrontMatter,
    UnclosedFrontMatter,
    InvalidAttributes,
    InvalidAttributeValue,
    UnknownAttribute,
    JunkInfoString,
    UnclosedFence,
    NotACommand,
    MalformedPlaceholder,
    DestructiveWithoutConfirm,
    DuplicateId,
    DuplicateBlockName,
    UnknownTarget,
    InvalidDecision,
    MisplacedAnnotation,
    UnreachableStep,
    Cycle,
    EmptyRunbook,
}

impl Code {
    pub fn as_str(self) -> &'static str {
        match self {
            Code::InvalidFrontMatter => "invalid-front-matter",
            Code::UnclosedFrontMatter => "unclosed-front-matter",
            Code::InvalidAttributes => "invalid-attributes",
            Code::InvalidAttributeValue => "invalid-attribute-value",
            Code::UnknownAttribute => "unknown-attribute",
            Code::JunkInfoString => "junk-info-string",
            Code::UnclosedFence => "unclosed-fence",
            Code::NotACommand => "not-a-command",
            Code::MalformedPlaceholder => "malformed-placeholder",
            Code::DestructiveWithoutConfirm => "destructive-without-confirm",
            Code::DuplicateId => "duplicate-id",
            Code::DuplicateBlockName => "duplicate-block-name",
            Code::UnknownTarget => "unknown-target",
            Code::InvalidDecision => "invalid-decision",
            Code::MisplacedAnnotation => "misplaced-annotation",
            Code::UnreachableStep => "unreachable-step",
            Code::Cycle => "cycle",
            Code::EmptyRunbook => "empty-runbook",
        }
    }
}

impl Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

/// One problem, already placed: `line` and `col` are filled in from the span when the
/// diagnostic is attached to a runbook, so consumers never need the source to locate it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: Code,
    pub line: usize,
    pub col: usize,
    pub end_line: usize,
    pub end_col: usize,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    #[serde(skip)]
    pub span: Span,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code,
            line: 0,
            col: 0,
            end_line: 0,
            end_col: 0,
            message: message.into(),
            help: None,
            span,
        }
    }

    pub fn error(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, code, span, message)
    }

    pub fn warning(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, code, span, message)
    }

    pub fn note(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Note, code, span, message)
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Fills in line and column from the span.
    pub(crate) fn locate(&mut self, source: &Source) {
        let start = source.position(self.span.start);
        let end = source.position(self.span.end);
        self.line = start.line;
        self.col = start.col;
        self.end_line = end.line;
        self.end_col = end.col;
    }

    /// Renders the diagnostic for a person: header, location, the source line and a caret
    /// under the offending text, then the hint.
    pub fn render(&self, source: &Source, color: bool) -> String {
        let paint = Painter::new(color);
        let (severity_style, caret_style) = match self.severity {
            Severity::Error => (RED_BOLD, RED_BOLD),
            Severity::Warning => (YELLOW_BOLD, YELLOW_BOLD),
            Severity::Note => (CYAN_BOLD, CYAN_BOLD),
        };
        let line_text = source.line_text(self.line);
        let gutter = self.line.to_string().len();
        let pad = " ".repeat(gutter);
        let (lead, width) = caret_extent(
            line_text,
            self.col,
            self.end_line == self.line,
            self.end_col,
        );
        let mut out = String::new();
        out.push_str(&paint.paint(
            severity_style,
            &format!("{}[{}]", self.severity.as_str(), self.code.as_str()),
        ));
        out.push_str(&paint.paint(BOLD, &format!(": {}", self.message)));
        out.push('\n');
        out.push_str(&format!(
            "{pad}{} {}:{}:{}\n",
            paint.paint(BLUE_BOLD, "-->"),
            source.path(),
            self.line,
            self.col
        ));
        out.push_str(&format!("{pad} {}\n", paint.paint(BLUE_BOLD, "|")));
        out.push_str(&format!(
            "{} {} {}\n",
            paint.paint(BLUE_BOLD, &self.line.to_string()),
            paint.paint(BLUE_BOLD, "|"),
            display_line(line_text)
        ));
        out.push_str(&format!(
            "{pad} {} {}{}\n",
            paint.paint(BLUE_BOLD, "|"),
            " ".repeat(lead),
            paint.paint(caret_style, &"^".repeat(width))
        ));
        if let Some(help) = &self.help {
            out.push_str(&format!(
                "{pad} {} help: {help}\n",
                paint.paint(BLUE_BOLD, "=")
            ));
        }
        out
    }
}

/// Tabs shown as four spaces, so that the caret lines up in any terminal.
fn display_line(line: &str) -> String {
    line.replace('\t', "    ")
}

fn char_display_width(c: char) -> usize {
    if c == '\t' {
        4
    } else {
        c.width().unwrap_or(0)
    }
}

/// The display columns before the caret and the caret's width (at least one).
fn caret_extent(line: &str, col: usize, same_line: bool, end_col: usize) -> (usize, usize) {
    let lead = line
        .chars()
        .take(col.saturating_sub(1))
        .map(char_display_width)
        .sum();
    let width: usize = if same_line && end_col > col {
        line.chars()
            .skip(col - 1)
            .take(end_col - col)
            .map(char_display_width)
            .sum()
    } else {
        line.chars()
            .skip(col.saturating_sub(1))
            .map(char_display_width)
            .sum()
    };
    (lead, width.max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_location_source_line_and_caret() {
        let source = Source::new("rb.md", "# T\n\n```bash\necho\n");
        let mut diagnostic = Diagnostic::warning(
            Code::UnclosedFence,
            Span::new(5, 12),
            "this code block is never closed",
        )
        .with_help("add a closing ``` line");
        diagnostic.locate(&source);
        assert_eq!((diagnostic.line, diagnostic.col), (3, 1));
        assert_eq!(
            diagnostic.render(&source, false),
            "warning[unclosed-fence]: this code block is never closed\n \
             --> rb.md:3:1\n  \
             |\n\
             3 | ```bash\n  \
             | ^^^^^^^\n  \
             = help: add a closing ``` line\n"
        );
    }

    #[test]
    fn caret_accounts_for_wide_characters_and_tabs() {
        assert_eq!(caret_extent("\tab", 2, true, 3), (4, 1));
        assert_eq!(caret_extent("日本x", 3, true, 4), (4, 1));
        assert_eq!(caret_extent("", 1, true, 1), (0, 1));
    }
}
