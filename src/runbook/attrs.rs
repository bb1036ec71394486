//! Attribute lists, as written in a fence's info string (`{ name=lag timeout=30s }` or Runme's
//! `{"name":"lag"}`) and in step annotations (`<!-- cairn: next=end confirm -->`).
//!
//! This module only splits the text into keys and raw values, with the span of each; what a
//! key means and whether its value is valid is decided in `options`.

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde::Serialize;
use serde_json::Value;

use super::source::Span;

/// One `key=value` (or bare `key`, or JSON member).
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    pub key: String,
    pub value: Value,
    /// The whole `key=value` text.
    pub span: Span,
}

impl Attr {
    /// The value as text: strings as they are (borrowed), `true`/numbers as written.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.value {
            Value::String(text) => Cow::Borrowed(text),
            other => Cow::Owned(other.to_string()),
        }
    }

    /// `text`, taking the string rather than copying it.
    pub fn into_text(self) -> String {
        match self.value {
            Value::String(text) => text,
            other => other.to_string(),
        }
    }
}

/// Attributes in the order written. Later duplicates win on lookup, as in HTML.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attrs {
    pub items: Vec<Attr>,
}

impl Attrs {
    pub fn get(&self, key: &str) -> Option<&Attr> {
        self.items.iter().rev().find(|attr| attr.key == key)
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

impl Serialize for Attrs {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.items.len()))?;
        for attr in &self.items {
            map.serialize_entry(&attr.key, &attr.value)?;
        }
        map.end()
    }
}

/// Why an attribute list could not be read, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttrError {
    pub span: Span,
    pub message: String,
}

/// Parses `key=value key2="quoted \" value" flag` pairs from `text`, which starts at byte
/// `offset` of the runbook. Stops at the first unquoted `}` when `stop_at_brace` is set and
/// returns how many bytes were consumed.
pub fn parse_pairs(
    text: &str,
    offset: usize,
    stop_at_brace: bool,
) -> Result<(Attrs, usize), AttrError> {
    let bytes = text.as_bytes();
    let mut attrs = Attrs::default();
    let mut at = 0;
    loop {
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b',') {
            at += 1;
        }
        if at >= bytes.len() || (stop_at_brace && bytes[at] == b'}') {
            return Ok((attrs, at));
        }
        let key_start = at;
        while at < bytes.len() && is_key_byte(bytes[at]) {
            at += 1;
        }
        if at == key_start {
            let bad = text[at..].chars().next().unwrap_or(' ');
            return Err(AttrError {
                span: Span::new(offset + at, offset + at + bad.len_utf8()),
                message: format!("expected an attribute name, found `{bad}`"),
            });
        }
        let key = text[key_start..at].to_string();
        if at < bytes.len() && bytes[at] == b'=' {
            at += 1;
            let (value, end) = parse_value(text, at, offset, stop_at_brace)?;
            at = end;
            attrs.items.push(Attr {
                key,
                value: Value::String(value),
                span: Span::new(offset + key_start, offset + at),
            });
        } else if at >= bytes.len()
            || bytes[at].is_ascii_whitespace()
            || bytes[at] == b','
            || (stop_at_brace && bytes[at] == b'}')
        {
            attrs.items.push(Attr {
                key,
                value: Value::Bool(true),
                span: Span::new(offset + key_start, offset + at),
            });
        } else {
            let bad = text[at..].chars().next().unwrap_or(' ');
            return Err(AttrError {
                span: Span::new(offset + at, offset + at + bad.len_utf8()),
                message: format!("unexpected `{bad}` after attribute name `{key}`"),
            });
        }
    }
}

fn is_key_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
}

/// A quoted or bare value starting at `at`; returns the value and the offset after it.
fn parse_value(
    text: &str,
    mut at: usize,
    offset: usize,
    stop_at_brace: bool,
) -> Result<(String, usize), AttrError> {
    let bytes = text.as_bytes();
    match bytes.get(at) {
        Some(&quote @ (b'"' | b'\'')) => {
            let open = at;
            at += 1;
            let mut value = String::new();
            let mut chars = text[at..].char_indices();
            while let Some((index, c)) = chars.next() {
                if c as u32 == quote as u32 {
                    return Ok((value, at + index + 1));
                }
                // Only `\"` and `\\` are escapes (as docs/format.md says): any other
                // backslash is kept, so `expect_output="saved \d+ lines"` keeps its `\d`.
                if c == '\\' && quote == b'"' {
                    let next = text[at + index + 1..].chars().next();
                    if let Some(escaped @ ('"' | '\\')) = next {
                        chars.next();
                        value.push(escaped);
                        continue;
                    }
                }
                value.push(c);
            }
            Err(AttrError {
                span: Span::new(offset + open, offset + open + 1),
                message: format!(
                    "this {} quote is never closed",
                    if quote == b'"' { "double" } else { "single" }
                ),
            })
        }
        _ => {
            let start = at;
            while at < bytes.len()
                && !bytes[at].is_ascii_whitespace()
                && !(stop_at_brace && bytes[at] == b'}')
            {
                at += 1;
            }
            Ok((text[start..at].to_string(), at))
        }
    }
}

/// Parses a JSON object (Runme's attribute form) at the start of `text`; returns the
/// attributes and the bytes consumed.
pub fn parse_json(text: &str, offset: usize) -> Result<(Attrs, usize), AttrError> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    match stream.next() {
        Some(Ok(Value::Object(map))) => {
            let consumed = stream.byte_offset();
            let span = Span::new(offset, offset + consumed);
            let items = map
                .into_iter()
                .map(|(key, value)| Attr { key, value, span })
                .collect();
            Ok((Attrs { items }, consumed))
        }
        Some(Ok(_)) => Err(AttrError {
            span: Span::new(offset, offset + 1),
            message: "attributes must be a JSON object".to_string(),
        }),
        Some(Err(error)) => {
            // The info string is a single line, so serde's column is the byte offset + 1.
            let at = error.column().saturating_sub(1).min(text.len());
            Err(AttrError {
                span: Span::new(offset + at, offset + at + 1),
                message: format!("attributes are not valid JSON: {}", json_reason(&error)),
            })
        }
        None => Err(AttrError {
            span: Span::new(offset, offset + 1),
            message: "expected a JSON object".to_string(),
        }),
    }
}

/// serde_json's message without its own "at line 1 column 9" suffix (we print our own).
fn json_reason(error: &serde_json::Error) -> String {
    let text = error.to_string();
    match text.rfind(" at line ") {
        Some(index) => text[..index].to_string(),
        None => text,
    }
}

/// Parses `{...}` at the start of `text` in whichever syntax it uses; returns the attributes
/// and the bytes consumed, including the closing brace.
pub fn parse_braced(text: &str, offset: usize) -> Result<(Attrs, usize), AttrError> {
    let inner = text.get(1..).unwrap_or("").trim_start();
    if inner.starts_with('"') || inner.starts_with('}') && looks_like_empty_json(text) {
        return parse_json(text, offset);
    }
    let (attrs, consumed) = parse_pairs(&text[1..], offset + 1, true)?;
    let close = 1 + consumed;
    if text.as_bytes().get(close) == Some(&b'}') {
        Ok((attrs, close + 1))
    } else {
        Err(AttrError {
            span: Span::new(offset, offset + 1),
            message: "this `{` is never closed".to_string(),
        })
    }
}

fn looks_like_empty_json(text: &str) -> bool {
    text.trim_start_matches('{').trim_start().starts_with('}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, Value)> {
        let (attrs, _) = parse_pairs(text, 0, false).unwrap_or_default();
        attrs
            .items
            .into_iter()
            .map(|attr| (attr.key, attr.value))
            .collect()
    }

    #[test]
    fn key_value_pairs_with_quotes_and_flags() {
        assert_eq!(
            pairs(r#"name=lag timeout=30s confirm="Promote \"now\"?" danger"#),
            vec![
                ("name".into(), Value::from("lag")),
                ("timeout".into(), Value::from("30s")),
                ("confirm".into(), Value::from("Promote \"now\"?")),
                ("danger".into(), Value::Bool(true)),
            ]
        );
        assert_eq!(
            pairs("expect=0,1 cmd='a b'"),
            vec![
                ("expect".into(), Value::from("0,1")),
                ("cmd".into(), Value::from("a b")),
            ]
        );
    }

    #[test]
    fn only_quote_and_backslash_are_escaped_in_double_quotes() {
        assert_eq!(
            pairs(r#"expect_output="saved \d+ lines\s*$" path="C:\\x" say="a \"b\"""#),
            vec![
                ("expect_output".into(), Value::from(r"saved \d+ lines\s*$")),
                ("path".into(), Value::from(r"C:\x")),
                ("say".into(), Value::from(r#"a "b""#)),
            ]
        );
    }

    #[test]
    fn spans_cover_each_pair() {
        let (attrs, _) = parse_pairs("a=1  bb", 10, false).unwrap_or_default();
        assert_eq!(attrs.items[0].span, Span::new(10, 13));
        assert_eq!(attrs.items[1].span, Span::new(15, 17));
    }

    #[test]
    fn unterminated_quote_is_an_error_at_the_quote() {
        let error = parse_pairs(r#"a="open"#, 0, false).err();
        assert_eq!(error.map(|e| e.span), Some(Span::new(2, 3)));
    }

    #[test]
    fn braced_forms() {
        let (attrs, used) =
            parse_braced(r#"{"name":"x","interactive":"false"} junk"#, 0).unwrap_or_default();
        assert_eq!(used, 34);
        assert_eq!(
            attrs.get("interactive").map(Attr::text),
            Some("false".into())
        );
        let (attrs, used) = parse_braced("{ name=x retry=3 } tail", 0).unwrap_or_default();
        assert_eq!(used, 18);
        assert_eq!(attrs.get("retry").map(Attr::text), Some("3".into()));
        assert!(parse_braced("{ name=x", 0).is_err());
        assert!(parse_braced(r#"{"name": }"#, 0).is_err());
        let (attrs, used) = parse_braced("{}", 0).unwrap_or_default();
        assert!(attrs.is_empty());
        assert_eq!(used, 2);
    }
}
