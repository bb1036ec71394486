//! A fence's info string: `LANG {ATTRS}` plus whatever junk authors leave after it
//! (```` ```kubectl get pods ````, ```` ```bash title="x" ````). Never fails: unreadable
//! attributes become a diagnostic and the block still loads.

use super::attrs::{parse_braced, Attrs};
use super::diagnostic::{Code, Diagnostic};
use super::source::Span;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct InfoString {
    pub lang: Option<String>,
    pub attrs: Attrs,
}

/// Reads `info`, which starts at byte `offset` of the runbook.
pub fn parse_info(info: &str, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> InfoString {
    let trimmed = info.trim_start();
    let mut at = info.len() - trimmed.len();
    let mut result = InfoString::default();
    if !trimmed.starts_with('{') {
        let end = trimmed
            .find(|c: char| c.is_whitespace() || c == '{')
            .unwrap_or(trimmed.len());
        if end > 0 {
            result.lang = Some(trimmed[..end].to_string());
        }
        at += end;
    }
    let rest = &info[at..];
    let rest_trimmed = rest.trim_start();
    at += rest.len() - rest_trimmed.len();
    if rest_trimmed.starts_with('{') {
        match parse_braced(rest_trimmed, offset + at) {
            Ok((attrs, consumed)) => {
                result.attrs = attrs;
                at += consumed;
            }
            Err(error) => {
                diagnostics.push(
                    Diagnostic::error(Code::InvalidAttributes, error.span, error.message).with_help(
                        "write attributes as `{ key=value flag }` or as a JSON object `{\"key\": \"value\"}`",
                    ),
                );
                // The rest of the info string was the attributes: nothing is junk.
                at = info.len();
            }
        }
    }
    // Pandoc's `{.bash}`: a class names the language.
    if result.lang.is_none() {
        if let Some(index) = result
            .attrs
            .items
            .iter()
            .position(|attr| attr.key.starts_with('.') && attr.key.len() > 1)
        {
            let attr = result.attrs.items.remove(index);
            result.lang = Some(attr.key[1..].to_string());
        }
    }
    let junk = info[at..].trim();
    if !junk.is_empty() {
        let start = offset + at + (info[at..].len() - info[at..].trim_start().len());
        diagnostics.push(
            Diagnostic::warning(
                Code::JunkInfoString,
                Span::new(start, start + junk.len()),
                format!("`{junk}` after the language is ignored"),
            )
            .with_help(match &result.lang {
                Some(lang) => format!("put attributes in braces (```{lang} {{ key=value }}), and commands inside the block"),
                None => "put attributes in braces: ```bash { key=value }".to_string(),
            }),
        );
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(text: &str) -> (InfoString, Vec<Diagnostic>) {
        let mut diagnostics = Vec::new();
        (parse_info(text, 0, &mut diagnostics), diagnostics)
    }

    #[test]
    fn language_and_attributes() {
        let (parsed, diagnostics) = info("bash { name=lag timeout=30s }");
        assert!(diagnostics.is_empty());
        assert_eq!(parsed.lang.as_deref(), Some("bash"));
        assert_eq!(parsed.attrs.items.len(), 2);
        let (parsed, _) = info(r#"sh {"name":"x","interactive":"false"}"#);
        assert_eq!(parsed.attrs.items.len(), 2);
        let (parsed, _) = info("bash{name=x}");
        assert_eq!(parsed.lang.as_deref(), Some("bash"));
        assert_eq!(parsed.attrs.items.len(), 1);
        let (parsed, _) = info("{.bash}");
        assert_eq!(parsed.lang.as_deref(), Some("bash"));
    }

    #[test]
    fn junk_is_a_warning_with_its_span() {
        let (parsed, diagnostics) = info("kubectl get pods");
        assert_eq!(parsed.lang.as_deref(), Some("kubectl"));
        assert_eq!(diagnostics[0].code, Code::JunkInfoString);
        assert_eq!(diagnostics[0].span, Span::new(8, 16));
        let (_, diagnostics) = info("bash {name=x} trailing");
        assert_eq!(diagnostics[0].span, Span::new(14, 22));
    }

    #[test]
    fn bad_attributes_are_an_error_not_a_crash() {
        let (parsed, diagnostics) = info("bash { name=\"open }");
        assert_eq!(parsed.lang.as_deref(), Some("bash"));
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, Code::InvalidAttributes);
    }
}
