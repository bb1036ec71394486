//! Attribute lists, as written in a fence's info string (`{ name=lag timeout=30s }` or Runme's
//! `{"name":"lag"}`) and in step annotations (`<!-- cairn: next=end confirm -->`).
//!
//! This module only splits the text into keys and raw values, with the span of each; what a
//! key means and whether its value is valid is decided in `options`. The splitting borrows
//! from the text ([`AttrRef`]); only what a block keeps is copied into an owned [`Attr`].

use std::borrow::Cow;

use serde::ser::SerializeMap;
use serde::Serialize;
use serde_json::Value;

use super::options::BLOCK_KEYS;
use super::source::Span;

/// One `key=value` (or bare `key`, or JSON member).
#[derive(Clone, Debug, PartialEq)]
pub struct Attr {
    /// The key; one of the keys cairn knows is not copied (see `owned_key`).
    pub key: Cow<'static, str>,
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

    /// A view of this attribute, as `options` reads attributes.
    pub fn as_ref(&self) -> AttrRef<'_> {
        AttrRef {
            key: &self.key,
            value: match &self.value {
                Value::Bool(flag) => AttrValue::Bool(*flag),
                _ => AttrValue::Text(self.text()),
            },
            span: self.span,
        }
    }
}

/// An attribute's value, borrowed from the text it was read from where it can be.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrValue<'t> {
    /// A bare `key` (true), or a JSON boolean.
    Bool(bool),
    /// A string, or (from JSON) a number or other value as written.
    Text(Cow<'t, str>),
}

/// One attribute, borrowing its key and (unless an escape changed it) its value.
#[derive(Clone, Debug, PartialEq)]
pub struct AttrRef<'t> {
    pub key: &'t str,
    pub value: AttrValue<'t>,
    /// The whole `key=value` text.
    pub span: Span,
}

impl AttrRef<'_> {
    /// The value as text: `true`/`false` for booleans.
    pub fn text(&self) -> Cow<'_, str> {
        match &self.value {
            AttrValue::Bool(flag) => Cow::Borrowed(if *flag { "true" } else { "false" }),
            AttrValue::Text(text) => Cow::Borrowed(text),
        }
    }

    /// `text`, owned (without a copy when it already is).
    pub fn into_text(self) -> String {
        match self.value {
            AttrValue::Bool(flag) => flag.to_string(),
            AttrValue::Text(text) => text.into_owned(),
        }
    }

    /// The attribute as a block stores it.
    pub fn into_owned(self) -> Attr {
        Attr {
            key: owned_key(self.key),
            value: match self.value {
                AttrValue::Bool(flag) => Value::Bool(flag),
                AttrValue::Text(text) => Value::String(text.into_owned()),
            },
            span: self.span,
        }
    }
}

/// `key` as an `Attr` holds it: a block attribute's key that cairn knows (most keys written)
/// borrows its name from the list of such keys, saving a copy; any other key is copied.
fn owned_key(key: &str) -> Cow<'static, str> {
    match BLOCK_KEYS.iter().find(|&&known| known == key) {
        Some(&known) => Cow::Borrowed(known),
        None => Cow::Owned(key.to_string()),
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
) -> Result<(Vec<AttrRef<'_>>, usize), AttrError> {
    let mut pairs = Pairs::new(text, offset, stop_at_brace);
    let mut attrs = Vec::new();
    while let Some(attr) = pairs.next_pair()? {
        attrs.push(attr);
    }
    Ok((attrs, pairs.at))
}

/// The pairs of an attribute list, read one at a time.
struct Pairs<'t> {
    text: &'t str,
    offset: usize,
    stop_at_brace: bool,
    /// Where reading goes on: after the last pair, or where the list stopped.
    at: usize,
}

impl<'t> Pairs<'t> {
    fn new(text: &'t str, offset: usize, stop_at_brace: bool) -> Self {
        Pairs {
            text,
            offset,
            stop_at_brace,
            at: 0,
        }
    }

    /// The next pair; `None` at the end of the list (or at its `}`).
    fn next_pair(&mut self) -> Result<Option<AttrRef<'t>>, AttrError> {
        let (text, offset, stop_at_brace) = (self.text, self.offset, self.stop_at_brace);
        let bytes = text.as_bytes();
        let mut at = self.at;
        while at < bytes.len() && (bytes[at].is_ascii_whitespace() || bytes[at] == b',') {
            at += 1;
        }
        self.at = at;
        if at >= bytes.len() || (stop_at_brace && bytes[at] == b'}') {
            return Ok(None);
        }
        let key_start = at;
        while at < bytes.len() && is_key_byte(bytes[at]) {
            at += 1;
        }
        let bad = |at: usize, message: &dyn Fn(char) -> String| {
            let bad = text[at..].chars().next().unwrap_or(' ');
            Err(AttrError {
                span: Span::new(offset + at, offset + at + bad.len_utf8()),
                message: message(bad),
            })
        };
        if at == key_start {
            return bad(at, &|bad| {
                format!("expected an attribute name, found `{bad}`")
            });
        }
        let key = &text[key_start..at];
        let value = if at < bytes.len() && bytes[at] == b'=' {
            let (value, end) = parse_value(text, at + 1, offset, stop_at_brace)?;
            at = end;
            AttrValue::Text(value)
        } else if at >= bytes.len()
            || bytes[at].is_ascii_whitespace()
            || bytes[at] == b','
            || (stop_at_brace && bytes[at] == b'}')
        {
            AttrValue::Bool(true)
        } else {
            return bad(at, &|bad| {
                format!("unexpected `{bad}` after attribute name `{key}`")
            });
        };
        self.at = at;
        Ok(Some(AttrRef {
            key,
            value,
            span: Span::new(offset + key_start, offset + at),
        }))
    }
}

fn is_key_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.')
}

/// A quoted or bare value starting at `at`; returns the value and the offset after it. The
/// value borrows from `text` unless an escape makes it differ.
fn parse_value(
    text: &str,
    at: usize,
    offset: usize,
    stop_at_brace: bool,
) -> Result<(Cow<'_, str>, usize), AttrError> {
    let bytes = text.as_bytes();
    match bytes.get(at) {
        Some(&quote @ (b'"' | b'\'')) => {
            let open = at;
            let start = at + 1;
            // Only `\"` and `\\` are escapes, and only in double quotes (as docs/format.md
            // says): any other backslash is kept, so `expect_output="saved \d+ lines"` keeps
            // its `\d`. Until the first escape the value is the text itself.
            let mut value: Option<String> = None;
            let mut piece_start = start;
            let mut at = start;
            while let Some(found) = if quote == b'"' {
                memchr::memchr2(quote, b'\\', &bytes[at..])
            } else {
                memchr::memchr(quote, &bytes[at..])
            } {
                let index = at + found;
                if bytes[index] == quote {
                    let value = match value {
                        None => Cow::Borrowed(&text[start..index]),
                        Some(mut value) => {
                            value.push_str(&text[piece_start..index]);
                            Cow::Owned(value)
                        }
                    };
                    return Ok((value, index + 1));
                }
                // A backslash in double quotes.
                match bytes.get(index + 1) {
                    Some(b'"' | b'\\') => {
                        let value = value.get_or_insert_with(String::new);
                        value.push_str(&text[piece_start..index]);
                        piece_start = index + 1;
                        at = index + 2;
                    }
                    _ => at = index + 1,
                }
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
            let mut at = at;
            while at < bytes.len()
                && !bytes[at].is_ascii_whitespace()
                && !(stop_at_brace && bytes[at] == b'}')
            {
                at += 1;
            }
            Ok((Cow::Borrowed(&text[start..at]), at))
        }
    }
}

/// Parses a JSON object (Runme's attribute form) at the start of `text`; returns the
/// attributes and the bytes consumed.
pub fn parse_json(text: &str, offset: usize) -> Result<(Attrs, usize), AttrError> {
    if let Some((items, consumed)) = flat_json(text, offset) {
        return Ok((Attrs { items }, consumed));
    }
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    match stream.next() {
        Some(Ok(Value::Object(map))) => {
            let consumed = stream.byte_offset();
            let span = Span::new(offset, offset + consumed);
            let items = map
                .into_iter()
                .map(|(key, value)| Attr {
                    key: Cow::Owned(key),
                    value,
                    span,
                })
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

/// The common JSON attribute list read without building a `serde_json::Value`: a flat
/// object whose keys are distinct and whose values are `true`, `false` or strings without
/// escapes or control characters (`{"name":"x","excludeFromRunAll":false}`). `None` for
/// anything else, which `parse_json` then hands to serde_json; so what this accepts it must
/// read exactly as serde_json does.
fn flat_json(text: &str, offset: usize) -> Option<(Vec<Attr>, usize)> {
    let bytes = text.as_bytes();
    let skip_space = |mut at: usize| {
        while matches!(bytes.get(at), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            at += 1;
        }
        at
    };
    // A plain string starting at `at` (its opening quote): its text and the offset after it.
    let string = |at: usize| -> Option<(&str, usize)> {
        if bytes.get(at) != Some(&b'"') {
            return None;
        }
        let length = bytes[at + 1..]
            .iter()
            .position(|&byte| byte == b'"' || byte == b'\\' || byte < 0x20)?;
        let end = at + 1 + length;
        (bytes[end] == b'"').then(|| (&text[at + 1..end], end + 1))
    };
    if bytes.first() != Some(&b'{') {
        return None;
    }
    // Every member spans the whole object, whose end is not known yet.
    let mut items: Vec<Attr> = Vec::new();
    let mut at = skip_space(1);
    if bytes.get(at) != Some(&b'}') {
        loop {
            let (key, after_key) = string(at)?;
            if items.iter().any(|earlier| earlier.key == key) {
                return None;
            }
            at = skip_space(after_key);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_space(at + 1);
            let value = if let Some((value, after)) = string(at) {
                at = after;
                Value::String(value.to_string())
            } else if text[at..].starts_with("true") {
                at += 4;
                Value::Bool(true)
            } else if text[at..].starts_with("false") {
                at += 5;
                Value::Bool(false)
            } else {
                return None;
            };
            items.push(Attr {
                key: owned_key(key),
                value,
                span: Span::new(offset, offset),
            });
            at = skip_space(at);
            match bytes.get(at) {
                Some(b',') => at = skip_space(at + 1),
                Some(b'}') => break,
                _ => return None,
            }
        }
    }
    let consumed = at + 1;
    for item in &mut items {
        item.span = Span::new(offset, offset + consumed);
    }
    Some((items, consumed))
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
    let mut pairs = Pairs::new(&text[1..], offset + 1, true);
    let mut items = Vec::new();
    while let Some(attr) = pairs.next_pair()? {
        items.push(attr.into_owned());
    }
    let close = 1 + pairs.at;
    if text.as_bytes().get(close) == Some(&b'}') {
        Ok((Attrs { items }, close + 1))
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
            .into_iter()
            .map(|attr| {
                let attr = attr.into_owned();
                (attr.key.into_owned(), attr.value)
            })
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
        assert_eq!(attrs[0].span, Span::new(10, 13));
        assert_eq!(attrs[1].span, Span::new(15, 17));
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
