//! Putting operator-typed values in place of `<placeholder>` words in commands, quoted for
//! where each placeholder sits, so that the shell reads exactly the value as (part of) one
//! word: `x; rm -rf ~`, `$(reboot)` or a lone `'` must stay inert text.
//!
//! Where a placeholder sits comes from the runbook's own lexer (`runbook::shell::scan`), so
//! what is checked at parse time is what is substituted at run time. This module does no
//! I/O, runs nothing, and must never pass a value to the shell unquoted.

use std::fmt;

use crate::runbook::placeholders::placeholder_name;
use crate::runbook::shell::{heredoc_delimiters, scan};
use crate::runbook::Quote;

/// POSIX single-quoted word: `it's` -> `'it'\''s'`; empty -> `''`.
pub fn single_quoted(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

/// Why a value cannot be substituted safely.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QuoteError {
    /// No shell can carry a NUL byte in a command.
    Nul,
    NewlineInHeredoc,
    /// The value would make a line of a here-document equal to its end marker.
    HeredocDelimiter,
    /// The placeholder may sit in command code the lexer reports as quoted text: inside
    /// `` `...` ``, or inside `$( )` in a here-document body.
    Unquotable,
}

impl fmt::Display for QuoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            QuoteError::Nul => {
                "the value contains a NUL byte, which no shell command can hold; remove it"
            }
            QuoteError::NewlineInHeredoc => {
                "the value contains a newline, which would end the here-document early; \
                 enter it on one line"
            }
            QuoteError::HeredocDelimiter => {
                "the value would make a line equal to the here-document's end marker, ending \
                 it early; enter a different value"
            }
            QuoteError::Unquotable => {
                "the placeholder may sit inside `...` or inside $( ) in a here-document, where \
                 only letters, digits and - _ . , : / @ % + = are safe; enter such a value, or \
                 change the runbook to use $( ) outside here-documents"
            }
        })
    }
}

impl std::error::Error for QuoteError {}

/// The text to put in place of a placeholder occurring in `context`, such that the shell
/// reads exactly `value`.
pub fn quote_for(value: &str, context: Quote) -> Result<String, QuoteError> {
    if value.contains('\0') {
        return Err(QuoteError::Nul);
    }
    let heredoc = matches!(context, Quote::Heredoc | Quote::LiteralHeredoc);
    if heredoc && value.contains('\n') {
        // A body is read line by line: the value's next line could be the end marker.
        return Err(QuoteError::NewlineInHeredoc);
    }
    Ok(match context {
        Quote::None => single_quoted(value),
        // The quotes around are the runbook's: close them, add an escaped `'`, reopen.
        Quote::Single => value.replace('\'', r"'\''"),
        // Inside "...", a backslash escapes only these; before anything else it stays.
        Quote::Double => escape(value, &['\\', '"', '$', '`']),
        // An expanding body is like "..." except that `"` is literal there, `\"` too.
        Quote::Heredoc => escape(value, &['\\', '$', '`']),
        Quote::LiteralHeredoc => value.to_string(),
    })
}

fn escape(value: &str, special: &[char]) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    for c in value.chars() {
        if special.contains(&c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Means nothing to a shell, wherever it sits: no quoting, expansion, glob or separator.
fn is_inert(c: char) -> bool {
    c.is_alphanumeric() || "-_.,:/@%+=".contains(c)
}

/// One placeholder occurrence within a command's text (byte range of `<name>` including
/// brackets).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Occurrence {
    pub start: usize,
    pub end: usize,
    pub name: String,
    pub quote: Quote,
}

/// Finds the placeholders in a command text with the parser's lexer, keeping only names in
/// `known` (those the parser accepted for this command; this drops HTML tags).
pub fn occurrences(text: &str, known: &[&str]) -> Vec<Occurrence> {
    let mut found: Vec<Occurrence> = scan(text)
        .placeholders
        .into_iter()
        .filter_map(|found| {
            let name = placeholder_name(text.get(found.start..found.end)?);
            known.contains(&name).then(|| Occurrence {
                start: found.start,
                end: found.end,
                name: name.to_string(),
                quote: found.quote,
            })
        })
        .collect();
    // Here-document bodies are lexed after their command line; substitution goes in order.
    found.sort_by_key(|occurrence| occurrence.start);
    found
}

/// Replaces each occurrence with `quote_for(value)`, looking values up with `value_of(name)`;
/// an occurrence whose value is None is left as written. Errors name the placeholder.
pub fn substitute(
    text: &str,
    occurrences: &[Occurrence],
    value_of: impl Fn(&str) -> Option<String>,
) -> Result<String, (String, QuoteError)> {
    let mut sorted: Vec<&Occurrence> = occurrences.iter().collect();
    sorted.sort_by_key(|occurrence| occurrence.start);
    let mut out = String::with_capacity(text.len());
    // Where heredoc-body values landed in `out`, to check their lines once all are in.
    let mut in_bodies: Vec<(usize, &str)> = Vec::new();
    let mut at = 0;
    for occurrence in sorted {
        // A range that overlaps the previous one or is not in `text` is left as written.
        let (Some(before), Some(_)) = (
            text.get(at..occurrence.start),
            text.get(occurrence.start..occurrence.end),
        ) else {
            continue;
        };
        let Some(value) = value_of(&occurrence.name) else {
            continue;
        };
        let refused = |error| (occurrence.name.clone(), error);
        // The lexer reports a placeholder in `...` as plain or quoted text, and one in $( )
        // within a here-document as body text, yet there a `` ` `` (or `;`) ends the quoting
        // early. Until it tells these apart, only values inert as code get through there.
        let in_code =
            text.contains('`') || (occurrence.quote == Quote::Heredoc && text.contains("$("));
        if in_code && !value.chars().all(is_inert) {
            return Err(refused(QuoteError::Unquotable));
        }
        let quoted = quote_for(&value, occurrence.quote).map_err(refused)?;
        out.push_str(before);
        if matches!(occurrence.quote, Quote::Heredoc | Quote::LiteralHeredoc) {
            in_bodies.push((out.len(), &occurrence.name));
        }
        out.push_str(&quoted);
        at = occurrence.end;
    }
    out.push_str(text.get(at..).unwrap_or(""));
    if !in_bodies.is_empty() {
        // `cat <<EOF` / `<v>` / `rm -rf x` / `EOF` with the value `EOF` would end the body
        // early and run its next line as a command. Any `<<` word in the text counts: a
        // spurious marker can only refuse a value, never let one through.
        let delimiters: Vec<(String, bool)> = text.lines().flat_map(heredoc_delimiters).collect();
        for (offset, name) in in_bodies {
            let start = out[..offset].rfind('\n').map_or(0, |n| n + 1);
            let end = out[offset..].find('\n').map_or(out.len(), |n| offset + n);
            let line = out[start..end].trim_end_matches('\r');
            let ends_body = delimiters.iter().any(|(delimiter, strip_tabs)| {
                line == delimiter || (*strip_tabs && line.trim_start_matches('\t') == delimiter)
            });
            if ends_body {
                return Err((name.to_string(), QuoteError::HeredocDelimiter));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    /// Values that would run `touch $DIR/pwned` if they ever reached the shell as syntax.
    const INJECTIONS: &[&str] = &[
        "x; touch $DIR/pwned",
        "$(touch $DIR/pwned)",
        "`touch $DIR/pwned`",
        "'; touch $DIR/pwned; '",
        "\"; touch $DIR/pwned; \"",
        "'$(touch $DIR/pwned)'",
        "\"$(touch $DIR/pwned)\"",
        "\\$(touch $DIR/pwned)",
        "\\`touch $DIR/pwned\\`",
        "a\nb; touch $DIR/pwned",
        "> $DIR/pwned",
    ];

    /// Values that would come out changed if quoted wrongly; the last five are inert.
    #[rustfmt::skip]
    const ODD: &[&str] = &[
        "\\", "\\'", "\\\"", "$HOME", "$((6*7))", "*", "~", "!!", "%s -n", "it's", "<<EOF",
        "#comment", "  two  spaces ", "ünïcödé ✓ 日本", "", "EOF", "-n", "ünïcödé",
        "web-1.prod:8080/x@y%z+w=v,u",
    ];

    fn hostile() -> impl Iterator<Item = &'static str> {
        INJECTIONS.iter().chain(ODD).copied()
    }

    fn fill(text: &str, value: &str) -> Result<String, (String, QuoteError)> {
        substitute(text, &occurrences(text, &["v"]), |_| {
            Some(value.to_string())
        })
    }

    /// Substitutes each hostile value for `<v>` in `template`, runs the result with bash
    /// and with sh (dash), and checks that it printed `expected` with the value in place of
    /// its `<v>`, and ran nothing else; `accepted` values must have been substituted.
    fn prove_safe(template: &str, expected: &str, accepted: usize) {
        assert!(!occurrences(template, &["v"]).is_empty(), "{template}");
        let mut substituted = 0;
        for value in hostile() {
            let Ok(script) = fill(template, value) else {
                continue;
            };
            substituted += 1;
            for shell in ["bash", "sh"] {
                let dir = tempfile::tempdir().unwrap();
                // Something for `*` to expand to, were it ever unquoted.
                std::fs::write(dir.path().join("file"), "").unwrap();
                let output = Command::new(shell)
                    .args(["-c", &script])
                    .current_dir(dir.path())
                    .env("DIR", dir.path())
                    .env("HOME", "/home-of-someone")
                    .output()
                    .unwrap();
                let printed = String::from_utf8(output.stdout).unwrap();
                let context = format!("{shell} -c {script:?}");
                assert_eq!(printed, expected.replace("<v>", value), "{context}");
                assert!(output.status.success(), "{context}");
                assert!(!dir.path().join("pwned").exists(), "{context}");
            }
        }
        assert_eq!(substituted, accepted, "{template}");
    }

    #[test]
    fn unquoted_values_stay_one_word() {
        let all = hostile().count();
        prove_safe("printf '[%s]\\n' <v>", "[<v>]\n", all);
        prove_safe("printf '[%s]\\n' a<v>b <v>", "[a<v>b]\n[<v>]\n", all);
        prove_safe(
            "x=$(printf '%s.' <v>); printf '%s\\n' \"$x\"",
            "<v>.\n",
            all,
        );
    }

    #[test]
    fn single_quoted_values_stay_literal() {
        prove_safe("printf '%s\\n' '<v>'", "<v>\n", hostile().count());
        prove_safe("printf '%s\\n' 'a <v> b'", "a <v> b\n", hostile().count());
    }

    #[test]
    fn double_quoted_values_stay_literal() {
        let all = hostile().count();
        prove_safe("printf '%s\\n' \"<v>\"", "<v>\n", all);
        prove_safe(
            "printf '%s\\n' \"$DIR<v> <v>\" >/dev/null; echo ok",
            "ok\n",
            all,
        );
        prove_safe("printf '%s\\n' \"$(printf '%s.' \"<v>\")\"", "<v>.\n", all);
    }

    #[test]
    fn heredoc_values_stay_literal() {
        // Refused: the value with a newline, and `EOF` when alone on its line.
        let (all, alone) = (hostile().count() - 1, hostile().count() - 2);
        prove_safe("cat <<EOF\n<v>\nEOF", "<v>\n", alone);
        let mixed = "cat <<EOF\n\"<v>\" '<v>' ${DIR:+set}\nEOF";
        prove_safe(mixed, "\"<v>\" '<v>' set\n", all);
        prove_safe("cat <<-EOF\n\tat <v>\n\tEOF", "at <v>\n", all);
        prove_safe("cat <<'EOF'\n<v>\nEOF", "<v>\n", alone);
        prove_safe("cat <<\"EOF\"\n$x '<v>'\nEOF", "$x '<v>'\n", all);
    }

    #[test]
    fn values_in_code_the_lexer_calls_quoted_must_be_inert() {
        let inert = hostile().filter(|v| v.chars().all(is_inert)).count();
        assert_eq!(inert, 5);
        for template in [
            "x=`printf '%s.' <v>`; printf '%s\\n' \"$x\"",
            "printf '%s\\n' \"`printf '%s.' '<v>'`\"",
            "printf '%s\\n' \"`printf '%s.' \"<v>\"`\"",
            "cat <<EOF\n$(printf '%s.' <v>)\nEOF",
            "cat <<EOF\n`printf '%s.' <v>`\nEOF",
            "cat <<EOF\n$(printf '%s.' '<v>')\nEOF",
        ] {
            prove_safe(template, "<v>.\n", inert);
        }
    }

    #[test]
    fn quote_for_each_context() {
        assert_eq!(single_quoted("it's"), r"'it'\''s'");
        assert_eq!(single_quoted(""), "''");
        let value = r#"a'b"c$d`e\f"#;
        let quoted = |context| quote_for(value, context).unwrap();
        assert_eq!(quoted(Quote::None), r#"'a'\''b"c$d`e\f'"#);
        assert_eq!(quoted(Quote::Single), r#"a'\''b"c$d`e\f"#);
        assert_eq!(quoted(Quote::Double), r#"a'b\"c\$d\`e\\f"#);
        assert_eq!(quoted(Quote::Heredoc), r#"a'b"c\$d\`e\\f"#);
        assert_eq!(quoted(Quote::LiteralHeredoc), value);
        let contexts = [
            Quote::Single,
            Quote::Double,
            Quote::Heredoc,
            Quote::LiteralHeredoc,
        ];
        for context in [Quote::None].into_iter().chain(contexts) {
            assert_eq!(quote_for("a\0b", context), Err(QuoteError::Nul));
            let heredoc = matches!(context, Quote::Heredoc | Quote::LiteralHeredoc);
            let newline = quote_for("a\nb", context).err();
            assert_eq!(newline, heredoc.then_some(QuoteError::NewlineInHeredoc));
        }
        let message = QuoteError::NewlineInHeredoc.to_string();
        assert!(message.contains("one line"), "{message}");
    }

    #[test]
    fn a_value_that_would_end_a_heredoc_is_refused() {
        for (text, value) in [
            ("cat <<EOF\n<v>\ntouch pwned\nEOF", "EOF"),
            ("cat <<'EOF'\n<v>\nEOF", "EOF"),
            ("cat <<-END\n\t<v>\nEND", "END"),
            ("cat <<EOF\nE<v>\nEOF", "OF"),
        ] {
            let refused = Err(("v".to_string(), QuoteError::HeredocDelimiter));
            assert_eq!(fill(text, value), refused, "{text}");
        }
        let fine = fill("cat <<EOF\nat <v>\nEOF", "EOF");
        assert_eq!(fine.unwrap(), "cat <<EOF\nat EOF\nEOF");
    }

    #[test]
    fn occurrences_of_a_realistic_command() {
        let text = "kubectl logs <pod name> -n <namespace> --since=10m";
        let found = occurrences(text, &["pod name", "namespace"]);
        let at = |start, end, name: &str| Occurrence {
            start,
            end,
            name: name.to_string(),
            quote: Quote::None,
        };
        assert_eq!(found, [at(13, 23, "pod name"), at(27, 38, "namespace")]);
        let substituted = substitute(text, &found, |name| {
            (name == "pod name").then(|| "web-1; reboot".to_string())
        });
        assert_eq!(
            substituted.unwrap(),
            "kubectl logs 'web-1; reboot' -n <namespace> --since=10m"
        );
    }

    #[test]
    fn occurrences_carry_their_quoting_and_skip_unknown_names() {
        let text = "echo '<a>' \"<b> <c>\" $(grep <c> f) <<EOF\n<a> <i>\nEOF\n\
                    cat <<'X'\n<c>\nX";
        let found: Vec<(&str, Quote)> = occurrences(text, &["a", "c"])
            .iter()
            .map(|o| (&text[o.start..o.end], o.quote))
            .collect();
        let expected = [
            ("<a>", Quote::Single),
            ("<c>", Quote::Double),
            ("<c>", Quote::None),
            ("<a>", Quote::Heredoc),
            ("<c>", Quote::LiteralHeredoc),
        ];
        assert_eq!(found, expected);
        assert!(occurrences("echo '<b>bold</b>'", &["v"]).is_empty());
    }

    #[test]
    fn errors_name_the_placeholder_and_bad_ranges_are_left_alone() {
        let text = "echo <a> <note>";
        let found = occurrences(text, &["a", "note"]);
        let refused = substitute(text, &found, |_| Some("\0".to_string()));
        assert_eq!(refused, Err(("a".to_string(), QuoteError::Nul)));
        let text = "ü <v>";
        let bogus = Occurrence {
            start: 3,
            end: 99,
            name: "v".to_string(),
            quote: Quote::None,
        };
        let mut found = occurrences(text, &["v"]);
        found.extend([bogus.clone(), Occurrence { start: 1, ..bogus }]);
        let substituted = substitute(text, &found, |_| Some("x".into()));
        assert_eq!(substituted.unwrap(), "ü 'x'");
    }
}
