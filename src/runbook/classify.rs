//! What a code block is for: a command to run (and by which interpreter), the expected output
//! of the command before it, or a snippet to show. Decided from the language and, for shell
//! blocks, from the content: a `bash` block holding YAML is not a command.

use super::console::{extract, is_repl_prompt, PromptRules, Transcript};
use super::model::BlockKind;
use super::options::BlockOptions;

/// What a fence's language says about its block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    /// Run by the runbook's shell (front-matter `shell`, default bash).
    Shell,
    /// A transcript language, run by the runbook's shell too: `# ` is a root prompt there.
    Console,
    /// A shell that runs its own blocks.
    OwnShell,
    Python,
    /// Another interpreter, named by the language.
    Script,
    /// What the command before printed.
    Output,
    /// Anything else: a snippet to show.
    Other,
}

/// The languages cairn knows, matched ignoring ASCII case; a lookup reads this list once.
const LANGUAGES: &[(&str, Family)] = &[
    ("sh", Family::Shell),
    ("bash", Family::Shell),
    ("shell", Family::Shell),
    ("console", Family::Console),
    ("shell-session", Family::Console),
    ("sh-session", Family::Console),
    ("shellsession", Family::Console),
    ("terminal", Family::Console),
    ("zsh", Family::OwnShell),
    ("fish", Family::OwnShell),
    ("ksh", Family::OwnShell),
    ("dash", Family::OwnShell),
    ("python", Family::Python),
    ("python3", Family::Python),
    ("node", Family::Script),
    ("ruby", Family::Script),
    ("perl", Family::Script),
    ("output", Family::Output),
    ("text", Family::Output),
    ("log", Family::Output),
    ("txt", Family::Output),
    ("plaintext", Family::Output),
    ("stdout", Family::Output),
    ("stderr", Family::Output),
];

fn family(lang: &str) -> Family {
    LANGUAGES
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(lang))
        .map_or(Family::Other, |&(_, family)| family)
}

#[derive(Clone, Debug, Default)]
pub struct Classified {
    pub kind: Option<BlockKind>,
    pub interpreter: Option<String>,
    pub transcript: Option<Transcript>,
    /// For a shell-tagged block that is plainly something else: what it looks like.
    pub looks_like: Option<&'static str>,
}

/// Where the block sits: what came before it in its step.
#[derive(Clone, Copy, Debug)]
pub struct Neighbourhood<'a> {
    pub previous_is_command: bool,
    pub default_shell: &'a str,
}

/// The interpreter of a block in `lang`, of family `family`.
fn interpreter(family: Family, lang: &str, default_shell: &str) -> Option<String> {
    match family {
        Family::Shell | Family::Console => Some(default_shell.to_string()),
        Family::Python => Some("python3".to_string()),
        Family::OwnShell | Family::Script => Some(lang.to_ascii_lowercase()),
        Family::Output | Family::Other => None,
    }
}

pub fn classify(
    lang: Option<&str>,
    options: &BlockOptions,
    content: &str,
    around: Neighbourhood,
) -> Classified {
    let lang_family = lang.map(family);
    let console_lang = lang_family == Some(Family::Console);
    let rules = PromptRules {
        console_lang,
        host_tags: console_lang || lang.is_none(),
    };
    if options.ignore {
        return Classified {
            kind: Some(BlockKind::Snippet),
            ..Classified::default()
        };
    }
    let command = |interpreter: String, transcript: Option<Transcript>| Classified {
        kind: Some(BlockKind::Command),
        interpreter: Some(interpreter),
        transcript,
        looks_like: None,
    };
    if let Some(interpreter) = &options.interpreter {
        return command(interpreter.clone(), extract(content, rules));
    }
    let (Some(lang), Some(lang_family)) = (lang, lang_family) else {
        return match extract(content, rules) {
            Some(transcript) => command(around.default_shell.to_string(), Some(transcript)),
            None if around.previous_is_command => Classified {
                kind: Some(BlockKind::Output),
                ..Classified::default()
            },
            None => Classified {
                kind: Some(BlockKind::Snippet),
                ..Classified::default()
            },
        };
    };
    match lang_family {
        // Output belongs to the command before it; with none, it is just text to show.
        Family::Output => Classified {
            kind: Some(if around.previous_is_command {
                BlockKind::Output
            } else {
                BlockKind::Snippet
            }),
            ..Classified::default()
        },
        _ => match interpreter(lang_family, lang, around.default_shell) {
            Some(interpreter)
                if matches!(
                    lang_family,
                    Family::Shell | Family::Console | Family::OwnShell
                ) =>
            {
                if let Some(transcript) = extract(content, rules) {
                    return command(interpreter, Some(transcript));
                }
                match sniff(content) {
                    Some(looks_like) => {
                        let kind = if looks_like == "a log excerpt" && around.previous_is_command {
                            BlockKind::Output
                        } else {
                            BlockKind::Snippet
                        };
                        Classified {
                            kind: Some(kind),
                            looks_like: Some(looks_like),
                            ..Classified::default()
                        }
                    }
                    None => command(interpreter, None),
                }
            }
            Some(interpreter) => command(interpreter, None),
            None => Classified {
                kind: Some(BlockKind::Snippet),
                ..Classified::default()
            },
        },
    }
}

/// What a shell-tagged block without prompts plainly is, when it is not shell.
fn sniff(content: &str) -> Option<&'static str> {
    // Decided by the first line where possible: most shell blocks are rejected here, without
    // reading the rest.
    let mut lines = content
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty());
    let first = lines.next()?;
    if is_repl_prompt(first) {
        return Some("a REPL transcript");
    }
    let first_trimmed = first.trim_start();
    if (first_trimmed.starts_with('{') || first_trimmed.starts_with('['))
        && serde_json::from_str::<serde_json::Value>(content).is_ok()
    {
        return Some("JSON");
    }
    // The lines without comments; the first of them is `first` unless that is a comment.
    let mut code_lines = lines.clone().filter(|line| !is_comment(line));
    let first_code = if is_comment(first) {
        code_lines.next()
    } else {
        Some(first)
    };
    if first_code.is_some_and(is_yaml_key)
        && code_lines
            .all(|line| is_yaml_key(line) || is_yaml_item(line) || line.starts_with([' ', '\t']))
    {
        return Some("YAML");
    }
    if is_log_line(first) && lines.clone().all(is_log_line) {
        return Some("a log excerpt");
    }
    if is_promql(first) && lines.count() <= 2 {
        return Some("a PromQL query");
    }
    None
}

fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// `key: value` or `key:` with a plain key.
fn is_yaml_key(line: &str) -> bool {
    let mut trimmed = line.trim_start();
    while let Some(rest) = trimmed.strip_prefix("- ") {
        trimmed = rest;
    }
    // The key runs to the first character that cannot be in one, which must be the colon
    // (the first colon: a colon cannot be in a key).
    let colon = trimmed
        .find(|c: char| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | '"' | '\'')))
        .unwrap_or(trimmed.len());
    colon > 0
        && trimmed[colon..].starts_with(':')
        && matches!(trimmed.as_bytes().get(colon + 1), None | Some(b' '))
}

fn is_yaml_item(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.starts_with("- ") || trimmed == "-"
}

/// Starts with a timestamp (`2024-05-01T10:00`, `[2024-05-01 ...`, `May  1 10:00:01`,
/// `10:00:01`) or a level (`ERROR`, `[warn]`, `level=error`).
fn is_log_line(line: &str) -> bool {
    let trimmed = line.trim_start().trim_start_matches('[');
    let bytes = trimmed.as_bytes();
    let digits = |range: std::ops::Range<usize>| {
        bytes
            .get(range)
            .is_some_and(|b| b.iter().all(u8::is_ascii_digit))
    };
    let iso_date = digits(0..4) && bytes.get(4) == Some(&b'-') && digits(5..7);
    let clock = digits(0..2) && bytes.get(2) == Some(&b':') && digits(3..5);
    const MONTHS: &[&str] = &[
        "Jan ", "Feb ", "Mar ", "Apr ", "May ", "Jun ", "Jul ", "Aug ", "Sep ", "Oct ", "Nov ",
        "Dec ",
    ];
    let syslog = MONTHS.iter().any(|month| trimmed.starts_with(month));
    let first_word_end = trimmed
        .bytes()
        .position(|byte| matches!(byte, b' ' | b']' | b':'))
        .unwrap_or(trimmed.len());
    let first_word = &trimmed[..first_word_end];
    let level = [
        "ERROR", "WARN", "WARNING", "INFO", "DEBUG", "TRACE", "FATAL", "CRITICAL", "PANIC",
    ]
    .iter()
    .any(|level| first_word.eq_ignore_ascii_case(level))
        || trimmed.starts_with("level=");
    iso_date || clock || syslog || level
}

/// `rate(http_requests_total{job="api"}[5m])`, `up{job="x"} == 0`, `sum by (pod) (...)`.
fn is_promql(line: &str) -> bool {
    let trimmed = line.trim();
    let name_end = trimmed
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(trimmed.len());
    if name_end == 0 {
        return false;
    }
    let rest = &trimmed[name_end..];
    let is_function_definition = rest.starts_with("()");
    let selector = rest.starts_with('{') && rest.contains('=');
    let call = rest.starts_with('(')
        && !is_function_definition
        && (trimmed.contains('[') || trimmed.contains('{'));
    let aggregation = matches!(
        &trimmed[..name_end],
        "sum" | "avg" | "max" | "min" | "count" | "topk"
    ) && (rest.starts_with(" by (") || rest.starts_with(" without ("));
    selector || call || aggregation
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(
        lang: Option<&str>,
        content: &str,
        previous_is_command: bool,
    ) -> (Option<BlockKind>, Option<&'static str>) {
        let classified = classify(
            lang,
            &BlockOptions::default(),
            content,
            Neighbourhood {
                previous_is_command,
                default_shell: "bash",
            },
        );
        (classified.kind, classified.looks_like)
    }

    #[test]
    fn kinds_by_language() {
        assert_eq!(kind(Some("bash"), "ls", false).0, Some(BlockKind::Command));
        assert_eq!(
            kind(Some("python"), "print(1)", false).0,
            Some(BlockKind::Command)
        );
        assert_eq!(
            kind(Some("yaml"), "a: 1", false).0,
            Some(BlockKind::Snippet)
        );
        assert_eq!(kind(Some("output"), "x", true).0, Some(BlockKind::Output));
        assert_eq!(kind(Some("text"), "x", false).0, Some(BlockKind::Snippet));
        assert_eq!(kind(None, "$ ls", false).0, Some(BlockKind::Command));
        assert_eq!(kind(None, "total 0", true).0, Some(BlockKind::Output));
        assert_eq!(kind(None, "total 0", false).0, Some(BlockKind::Snippet));
    }

    #[test]
    fn shell_tagged_blocks_that_are_not_shell() {
        assert_eq!(
            kind(
                Some("bash"),
                "apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n",
                false
            ),
            (Some(BlockKind::Snippet), Some("YAML"))
        );
        assert_eq!(
            kind(Some("sh"), "{\"a\": [1, 2]}", false),
            (Some(BlockKind::Snippet), Some("JSON"))
        );
        assert_eq!(
            kind(
                Some("bash"),
                "rate(http_requests_total{job=\"api\"}[5m])",
                false
            ),
            (Some(BlockKind::Snippet), Some("a PromQL query"))
        );
        assert_eq!(
            kind(
                Some("bash"),
                "2024-05-01T10:00:00Z ERROR boom\n2024-05-01T10:00:01Z INFO ok",
                true
            ),
            (Some(BlockKind::Output), Some("a log excerpt"))
        );
        assert_eq!(
            kind(Some("console"), "postgres=# select 1;\n ?column?\n", false),
            (Some(BlockKind::Snippet), Some("a REPL transcript"))
        );
        assert_eq!(
            kind(Some("bash"), "for x in a b; do\n  echo $x\ndone", false),
            (Some(BlockKind::Command), None)
        );
        assert_eq!(
            kind(Some("bash"), "f() { echo hi; }\nf", false),
            (Some(BlockKind::Command), None)
        );
    }
}
