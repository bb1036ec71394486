//! Property tests for `cairn::runbook::parse`: it never panics, whatever the input; every
//! diagnostic it reports points inside the text; the result always serializes; and parsing is
//! deterministic.
//!
//! The default is 256 cases per property (`PROPTEST_CASES` overrides it), which keeps the
//! suite to a few seconds on a small machine.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cairn::runbook::{parse, Runbook};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|cases| cases.parse().ok())
        .unwrap_or(256);
    ProptestConfig {
        cases,
        ..ProptestConfig::default()
    }
}

/// Lines as `Source` counts them: one more than the number of `\n`.
fn line_count(text: &str) -> usize {
    text.bytes().filter(|&byte| byte == b'\n').count() + 1
}

/// Every diagnostic is placed on a real line (or just past the end) at a real column.
fn check_positions(text: &str, runbook: &Runbook) -> Result<(), TestCaseError> {
    let lines: Vec<&str> = text.split('\n').collect();
    let count = line_count(text);
    for diagnostic in &runbook.diagnostics {
        let at = format!(
            "{}:{}-{}:{} [{}] {}",
            diagnostic.line,
            diagnostic.col,
            diagnostic.end_line,
            diagnostic.end_col,
            diagnostic.code.as_str(),
            diagnostic.message
        );
        prop_assert!(
            (1..=count + 1).contains(&diagnostic.line),
            "line out of range (text has {count} lines): {at}"
        );
        prop_assert!(diagnostic.col >= 1, "column 0: {at}");
        prop_assert!(
            (1..=count + 1).contains(&diagnostic.end_line),
            "end line out of range (text has {count} lines): {at}"
        );
        prop_assert!(diagnostic.end_col >= 1, "end column 0: {at}");
        prop_assert!(
            (diagnostic.line, diagnostic.col) <= (diagnostic.end_line, diagnostic.end_col),
            "diagnostic ends before it starts: {at}"
        );
        if let Some(line) = lines.get(diagnostic.line - 1) {
            prop_assert!(
                diagnostic.col <= line.chars().count() + 1,
                "column past the end of its line {line:?}: {at}"
            );
        }
    }
    Ok(())
}

fn to_json(runbook: &Runbook) -> Result<String, TestCaseError> {
    serde_json::to_string(runbook)
        .map_err(|error| TestCaseError::fail(format!("serialization failed: {error}")))
}

/// Parses twice and checks everything: positions, serialization, determinism.
fn check_all(text: &str) -> Result<(), TestCaseError> {
    let first = parse("prop.md", text);
    check_positions(text, &first)?;
    let first_json = to_json(&first)?;
    let second_json = to_json(&parse("prop.md", text))?;
    prop_assert_eq!(
        first_json,
        second_json,
        "parsing the same text twice differed"
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Markdown-shaped inputs
// ---------------------------------------------------------------------------------------------

/// Short runs of words, punctuation and Markdown inline syntax.
fn inline() -> BoxedStrategy<String> {
    let piece = prop_oneof![
        4 => "[a-zA-Z0-9]{1,10}",
        1 => Just("**bold**".to_string()),
        1 => Just("_em_".to_string()),
        1 => Just("`code`".to_string()),
        1 => Just("[link](#step-two)".to_string()),
        1 => Just("[out](https://example.com/a_b)".to_string()),
        1 => Just("<https://example.com>".to_string()),
        1 => "<[a-z_-]{0,8}>",
        1 => Just("<!-- x -->".to_string()),
        1 => Just("$HOME".to_string()),
        1 => Just("{#custom-id}".to_string()),
        1 => Just("ünïcødé 日本 🙂".to_string()),
        1 => "[ \\t]{1,3}",
        1 => "[*_`<>\\[\\](){}#=\"'\\\\|!~$&;-]{1,4}",
    ];
    prop::collection::vec(piece, 0..6)
        .prop_map(|pieces| pieces.join(" "))
        .boxed()
}

fn heading() -> BoxedStrategy<String> {
    (1usize..=6, inline(), prop::bool::weighted(0.1))
        .prop_map(|(level, title, closing)| {
            let hashes = "#".repeat(level);
            if closing {
                format!("{hashes} {title} {hashes}")
            } else {
                format!("{hashes} {title}")
            }
        })
        .boxed()
}

/// The rest of an info string after the language word.
fn info_attrs() -> BoxedStrategy<String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => Just(" { name=lag timeout=30s }".to_string()),
        1 => Just(" {name=LAG confirm=\"Really?\" retry=3 retry_delay=2s}".to_string()),
        1 => Just(" { expect=0,1 expect_output=\"^ok$\" on_ok=step-two on_fail=end }".to_string()),
        1 => Just(" { interactive background danger rehearsal=skip host=db1 cwd=/tmp }".to_string()),
        1 => Just(" {\"name\":\"lag\",\"excludeFromRunAll\":true,\"promptEnv\":false}".to_string()),
        1 => Just(" {\"name\": {\"nested\": [1, 2, {\"x\": null}]}}".to_string()),
        1 => Just(" { timeout=forever retry=-1 expect=abc expect_output=\"(\" }".to_string()),
        1 => Just(" { name=\"unterminated }".to_string()),
        1 => Just(" {".to_string()),
        1 => Just(" }{".to_string()),
        1 => Just(" { tiemout=5s nmae=x }".to_string()),
        1 => "[ a-z={}\"',:\\[\\]0-9]{1,24}",
        1 => ("[a-z_]{1,8}", "[a-z0-9\"]{0,6}")
            .prop_map(|(key, value)| format!(" {{ {key}={value} }}")),
    ]
    .boxed()
}

fn info_string() -> BoxedStrategy<String> {
    let lang = prop_oneof![
        Just(""),
        Just("bash"),
        Just("sh"),
        Just("console"),
        Just("shell-session"),
        Just("python"),
        Just("text"),
        Just("output"),
        Just("json"),
        Just("yaml"),
    ];
    (lang, info_attrs())
        .prop_map(|(lang, attrs)| format!("{lang}{attrs}"))
        .boxed()
}

/// One line of a code block body.
fn code_line() -> BoxedStrategy<String> {
    prop_oneof![
        3 => "[a-z]{1,8}( -[a-z]{1,3})?( [a-z/.]{1,8})?",
        2 => "[a-z]{1,6} <[a-z][a-z_-]{0,10}>( --flag)?",
        2 => "\\$ [a-z]{1,8}( <[a-z_]{1,8}>)?( \\$[A-Z_]{1,6})?",
        1 => Just("$".to_string()),
        1 => Just("$ ".to_string()),
        1 => Just("# a comment".to_string()),
        1 => Just("export FOO=bar".to_string()),
        1 => Just("echo \"$FOO\" '${BAR}' \"<quoted>\"".to_string()),
        1 => Just("cat <<'EOF'\n<in-heredoc> $X\nEOF".to_string()),
        1 => Just("cat <<EOF\n<in-heredoc> $X\nEOF".to_string()),
        1 => Just("rm -rf /var/lib/<dir>".to_string()),
        1 => Just("kubectl delete pod <pod> && \\".to_string()),
        1 => Just("> continuation".to_string()),
        1 => Just("% brew services list".to_string()),
        1 => Just("~ ls -la".to_string()),
        1 => Just("deploy@web-1:~/app$ git pull".to_string()),
        1 => Just("[root@db1 ~]# systemctl status postgresql".to_string()),
        1 => Just("bash-4.2$ ls /etc".to_string()),
        1 => Just("$db1 systemctl status postgresql".to_string()),
        1 => Just("$ sudo -i\n# systemctl restart nginx\n# exit".to_string()),
        1 => Just("$ psql -c \"select 1\n  from t\"".to_string()),
        1 => Just("$ for h in a b; do\n>   ssh \"$h\" uptime\n> done".to_string()),
        1 => Just("postgres=# select 1;".to_string()),
        1 => Just(">>> print(1)".to_string()),
        1 => Just("kubectl logs <pod name> -n <namespace> | grep '<none>' <b>x</b>".to_string()),
        1 => Just("kubectl logs <pod name -n prod".to_string()),
        1 => Just("diff <(a) <(b); tr a b <<< \"$x\"; sort < in.txt".to_string()),
        1 => inline(),
    ]
    .boxed()
}

fn fenced_block() -> BoxedStrategy<String> {
    let fence_char = prop_oneof![Just('`'), Just('~')];
    (
        fence_char,
        3usize..7,
        info_string(),
        prop::collection::vec(code_line(), 0..6),
        0usize..4,
    )
        .prop_map(|(fence_char, len, info, body, close)| {
            let open = fence_char.to_string().repeat(len);
            let mut out = format!("{open}{info}\n");
            for line in body {
                out.push_str(&line);
                out.push('\n');
            }
            match close {
                // Closed properly, or with a longer fence.
                0 => out.push_str(&open),
                1 => out.push_str(&fence_char.to_string().repeat(len + 2)),
                // A shorter fence does not close: the block runs on.
                2 => out.push_str(&fence_char.to_string().repeat(len.saturating_sub(1))),
                // Never closed.
                _ => {}
            }
            out
        })
        .boxed()
}

fn annotation() -> BoxedStrategy<String> {
    let body = prop_oneof![
        Just("choose".to_string()),
        Just("next=end".to_string()),
        Just("next=step-two".to_string()),
        Just("next=#nowhere".to_string()),
        Just("next=".to_string()),
        Just("id=custom confirm".to_string()),
        Just("confirm=\"Sure?\" timeout=10m".to_string()),
        Just("phase=mitigate".to_string()),
        Just("phase=bogus".to_string()),
        Just("timeout=soon".to_string()),
        Just("chose".to_string()),
        Just("choose next=end".to_string()),
        Just("choose=\"Which way?\"".to_string()),
        Just("choose=\"unterminated".to_string()),
        "[a-z =\"-]{0,20}",
    ];
    (body, 0usize..6)
        .prop_map(|(body, shape)| match shape {
            0 => format!("<!--cairn:{body}-->"),
            1 => format!("<!-- cairn: {body}"),
            2 => format!("<!-- cairn: {body}\n-->"),
            3 => format!("<!-- {body} -->"),
            _ => format!("<!-- cairn: {body} -->"),
        })
        .boxed()
}

/// A decision: the annotation, a question, and a list of links to other steps.
fn decision() -> BoxedStrategy<String> {
    let target = prop_oneof![
        Just("#step-two"),
        Just("#end"),
        Just("#missing"),
        Just("https://example.com"),
        Just(""),
    ];
    (inline(), prop::collection::vec((inline(), target), 0..4))
        .prop_map(|(question, choices)| {
            let mut out = if question.is_empty() {
                "<!-- cairn: choose -->\n".to_string()
            } else {
                format!("<!-- cairn: choose=\"{question}\" -->\n")
            };
            for (index, (label, target)) in choices.into_iter().enumerate() {
                match index % 3 {
                    0 => out.push_str(&format!("- [{label}]({target})\n")),
                    1 => out.push_str(&format!("- {label}: [go]({target})\n")),
                    _ => out.push_str(&format!(
                        "{}. [{label}]({target}) or [{label}](#end)\n",
                        index + 1
                    )),
                }
            }
            out
        })
        .boxed()
}

fn task_item() -> BoxedStrategy<String> {
    let marker = prop_oneof![
        Just("- [ ]"),
        Just("- [x]"),
        Just("* [X]"),
        Just("1. [ ]"),
        Just("- []")
    ];
    (marker, inline())
        .prop_map(|(marker, text)| format!("{marker} {text}"))
        .boxed()
}

fn indented_code() -> BoxedStrategy<String> {
    prop::collection::vec(code_line(), 1..4)
        .prop_map(|lines| {
            lines
                .iter()
                .map(|line| format!("    {line}"))
                .collect::<Vec<_>>()
                .join("\n")
        })
        .boxed()
}

fn leaf_block() -> BoxedStrategy<String> {
    prop_oneof![
        3 => heading(),
        3 => inline(),
        3 => fenced_block(),
        2 => code_line().prop_map(|line| format!("$ {line}")),
        2 => annotation(),
        1 => decision(),
        2 => task_item(),
        1 => indented_code(),
        1 => Just(String::new()),
        1 => Just("---".to_string()),
        1 => Just("***".to_string()),
        1 => Just("| a | b |\n|---|---|\n| `x` | <y> |".to_string()),
        1 => Just("<details>\n<summary>more</summary>\n\n```bash\nls\n```\n</details>".to_string()),
        1 => Just("[step-two]: #step-two".to_string()),
    ]
    .boxed()
}

/// Prefixes every line of `text` with `prefix`, and the first line with `first`.
fn prefix_lines(text: &str, first: &str, prefix: &str) -> String {
    let mut out = String::new();
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
            out.push_str(prefix);
        } else {
            out.push_str(first);
        }
        out.push_str(line);
    }
    out
}

/// Blocks, mostly at the top level, sometimes nested inside block quotes and list items.
fn block() -> BoxedStrategy<String> {
    prop_oneof![3 => leaf_block(), 1 => nested_block()].boxed()
}

fn nested_block() -> BoxedStrategy<String> {
    leaf_block()
        .prop_recursive(3, 32, 4, |inner| {
            let children =
                prop::collection::vec(inner, 1..4).prop_map(|blocks| blocks.join("\n\n"));
            prop_oneof![
                // Block quote, with or without the space, sometimes lazily continued.
                (
                    children.clone(),
                    prop_oneof![Just("> "), Just(">")],
                    any::<bool>()
                )
                    .prop_map(|(text, marker, lazy)| {
                        let rest = if lazy { "" } else { marker };
                        prefix_lines(&text, marker, rest)
                    }),
                // List item with nested content (fences included), indented to the marker.
                (
                    children.clone(),
                    prop_oneof![Just("- "), Just("* "), Just("1. "), Just("10) ")]
                )
                    .prop_map(|(text, marker)| {
                        prefix_lines(&text, marker, &" ".repeat(marker.len()))
                    }),
                // List item with under- or over-indented continuation.
                (children, 0usize..6)
                    .prop_map(|(text, indent)| { prefix_lines(&text, "- ", &" ".repeat(indent)) }),
            ]
        })
        .boxed()
}

fn front_matter() -> BoxedStrategy<String> {
    prop_oneof![
        4 => Just(String::new()),
        1 => Just(
            concat!(
                "---\ntitle: Failover\nparams:\n",
                "  - name: region\n    default: eu-west-1\n",
                "  - name: token\n    secret: true\n---\n",
            )
            .to_string()
        ),
        1 => Just("---\nparams: [a, b, {name: c, choices: [x, y]}]\nenv:\n  FOO: bar\n---\n".to_string()),
        1 => Just("+++\ntitle = \"Failover\"\n[[params]]\nname = \"region\"\n+++\n".to_string()),
        1 => Just("---\ntitle: [unclosed\n---\n".to_string()),
        1 => Just("---\ntitle: never closed\n".to_string()),
        1 => Just("+++\ntitle = \n+++\n".to_string()),
        1 => Just("---\n---\n".to_string()),
        1 => Just(
            concat!(
                "---\ntitle: T\nparams:\n",
                "  DB_HOST: { prompt: \"Host\", default: \"db-1\" }\n",
                "  TOKEN: { secret: true }\n",
                "  REGION: { choices: [eu, us] }\n",
                "  NAMESPACE: prod\n",
                "  bad-name: 1\n",
                "review_every: 90d\nskipPrompts: true\n...\n",
            )
            .to_string()
        ),
        1 => Just(
            "+++\ntitle = \"T\"\n[params.DB_HOST]\nprompt = \"Host\"\n[env]\nX = \"1\"\n+++\n"
                .to_string()
        ),
        1 => "---\n[a-z:\\[\\]{} \\n-]{0,40}\n---\n",
        1 => "\\+\\+\\+\n[a-z=\"\\[\\] \\n]{0,40}\n\\+\\+\\+\n",
    ]
    .boxed()
}

fn markdown() -> BoxedStrategy<String> {
    let separator = prop_oneof![Just("\n"), Just("\n\n"), Just("\n\n\n")];
    (
        front_matter(),
        prop::collection::vec((block(), separator), 0..16),
        0usize..4,
    )
        .prop_map(|(front, blocks, ending)| {
            let mut out = front;
            for (block, separator) in blocks {
                out.push_str(&block);
                out.push_str(separator);
            }
            match ending {
                // CRLF line endings throughout.
                0 => out.replace('\n', "\r\n"),
                // No final newline.
                1 => out.trim_end_matches('\n').to_string(),
                // A byte-order mark.
                2 => format!("\u{feff}{out}"),
                _ => out,
            }
        })
        .boxed()
}

/// Characters that matter to Markdown and to cairn, mixed with a few others.
fn markdown_soup() -> BoxedStrategy<String> {
    "[#`~>$<!\\-\\[\\]{}()=*_ \\t\\r\\nx1\"'|\\\\:+.é日\u{0}]{0,300}".boxed()
}

proptest! {
    #![proptest_config(config())]

    /// Arbitrary strings never panic, every diagnostic points inside the text, and the
    /// result always serializes.
    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        let runbook = parse("prop.md", &text);
        check_positions(&text, &runbook)?;
        to_json(&runbook)?;
    }

    /// Strings made of Markdown's special characters: the same checks, with far more
    /// structure reached than fully random text.
    #[test]
    fn markdown_soup_never_panics(text in markdown_soup()) {
        check_all(&text)?;
    }

    /// Markdown-shaped runbooks never panic, serialize, and parse deterministically.
    #[test]
    fn markdown_shaped_inputs_are_parsed_deterministically(text in markdown()) {
        check_all(&text)?;
    }

    /// Prefixes and suffixes of Markdown-shaped runbooks (cut at any character), which
    /// leaves fences, comments, front matter and attribute lists open.
    #[test]
    fn truncated_markdown_never_panics(text in markdown(), cut in any::<prop::sample::Index>()) {
        let boundaries: Vec<usize> = text
            .char_indices()
            .map(|(index, _)| index)
            .chain(std::iter::once(text.len()))
            .collect();
        let at = boundaries[cut.index(boundaries.len())];
        check_all(&text[..at])?;
        check_all(&text[at..])?;
    }
}
