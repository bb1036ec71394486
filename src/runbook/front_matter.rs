//! Front matter: YAML between `---` lines or TOML between `+++` lines at the very start of a
//! runbook. Reads the keys cairn knows (FORMAT.md §1, plus Runme's `shell`, `cwd` and
//! `skipPrompts`) and keeps every other key untouched in `extra`.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};

use super::diagnostic::{Code, Diagnostic};
use super::duration::parse_duration;
use super::key_index::KeyIndex;
use super::model::Param;
use super::options::is_identifier;
use super::source::{Source, Span};
use super::variables::is_secret_name;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FrontMatterFormat {
    Yaml,
    Toml,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FrontMatter {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<FrontMatterFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shell: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cwd: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", serialize_with = "env_map")]
    pub env: Vec<(String, String)>,
    #[serde(skip)]
    pub params: Vec<Param>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(
        rename = "review_every_secs",
        serialize_with = "review_seconds",
        skip_serializing_if = "Option::is_none"
    )]
    pub review_every: Option<Duration>,
    /// Runme's `skipPrompts`: never ask for variables.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skip_prompts: bool,
    /// Keys cairn does not read, kept as written.
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub extra: Map<String, Value>,
    /// The whole front matter, fences included.
    #[serde(skip)]
    pub span: Span,
}

/// `env` as a JSON object, in the order written.
fn env_map<S: serde::Serializer>(
    env: &[(String, String)],
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.collect_map(env.iter().map(|(name, value)| (name, value)))
}

fn review_seconds<S: serde::Serializer>(
    duration: &Option<Duration>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match duration {
        Some(duration) => serializer.serialize_u64(duration.as_secs()),
        None => serializer.serialize_none(),
    }
}

/// Splits off and reads the front matter. Returns it and the byte offset where the Markdown
/// body starts.
pub fn parse(source: &Source, diagnostics: &mut Vec<Diagnostic>) -> (FrontMatter, usize) {
    let text = source.text();
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let Some((format, fence)) = opening_fence(&text[bom..]) else {
        return (FrontMatter::default(), bom);
    };
    let content_start = match text[bom..].find('\n') {
        Some(newline) => bom + newline + 1,
        None => text.len(),
    };
    let Some((content_end, body_start)) = closing_fence(text, content_start, fence, format) else {
        // A lone `---` is also a thematic break: only complain when keys follow it.
        if !looks_like_keys(&text[content_start..]) {
            return (FrontMatter::default(), bom);
        }
        diagnostics.push(
            Diagnostic::warning(
                Code::UnclosedFrontMatter,
                Span::new(bom, bom + fence.len()),
                format!(
                    "front matter opened with `{fence}` is never closed, so it is read as Markdown"
                ),
            )
            .with_help(format!(
                "add a line holding only `{fence}` after the last key"
            )),
        );
        return (FrontMatter::default(), bom);
    };
    let mut front_matter = FrontMatter {
        format: Some(format),
        span: Span::new(bom, body_start),
        ..FrontMatter::default()
    };
    let content = &text[content_start..content_end];
    let value = match format {
        FrontMatterFormat::Yaml => parse_yaml(content, content_start, diagnostics),
        FrontMatterFormat::Toml => parse_toml(content, content_start, diagnostics),
    };
    match value {
        Some(Value::Object(map)) => {
            read_keys(&mut front_matter, map, source, content_start, diagnostics)
        }
        Some(Value::Null) | None => {}
        Some(_) => diagnostics.push(
            Diagnostic::error(
                Code::InvalidFrontMatter,
                Span::new(content_start, content_end),
                "front matter must be a set of `key: value` pairs",
            )
            .with_help("write keys such as `title: ...` and `params:`; see docs/format.md"),
        ),
    }
    (front_matter, body_start)
}

fn looks_like_keys(text: &str) -> bool {
    let Some(line) = text.lines().find(|line| !line.trim().is_empty()) else {
        return false;
    };
    let key_len = line
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(line.len());
    key_len > 0 && matches!(line[key_len..].trim_start().chars().next(), Some(':' | '='))
}

fn opening_fence(text: &str) -> Option<(FrontMatterFormat, &'static str)> {
    let first_line = text.lines().next()?.trim_end();
    match first_line {
        "---" => Some((FrontMatterFormat::Yaml, "---")),
        "+++" => Some((FrontMatterFormat::Toml, "+++")),
        _ => None,
    }
}

/// Finds the closing fence line at or after `from`: returns where the content ends and
/// where the body starts (after the fence line).
fn closing_fence(
    text: &str,
    from: usize,
    fence: &str,
    format: FrontMatterFormat,
) -> Option<(usize, usize)> {
    let mut line_start = from;
    while line_start < text.len() {
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |newline| line_start + newline + 1);
        let line = text[line_start..line_end].trim_end();
        if line == fence || (format == FrontMatterFormat::Yaml && line == "...") {
            return Some((line_start, line_end));
        }
        line_start = line_end;
    }
    None
}

fn parse_yaml(content: &str, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<Value> {
    if content.trim().is_empty() {
        return None;
    }
    match serde_norway::from_str::<Value>(content) {
        Ok(value) => Some(value),
        Err(error) => {
            let at = error.location().map_or(0, |location| location.index());
            let at = floor_boundary(content, at.min(content.len()));
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidFrontMatter,
                    Span::new(offset + at, offset + at + 1),
                    format!(
                        "front matter is not valid YAML: {}",
                        strip_location(&error.to_string())
                    ),
                )
                .with_help("fix the YAML, or quote a value that holds `: ` or `#`"),
            );
            None
        }
    }
}

fn parse_toml(content: &str, offset: usize, diagnostics: &mut Vec<Diagnostic>) -> Option<Value> {
    match toml::from_str::<Value>(content) {
        Ok(value) => Some(value),
        Err(error) => {
            let span = error.span().unwrap_or(0..1);
            let start = floor_boundary(content, span.start.min(content.len()));
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidFrontMatter,
                    Span::new(offset + start, offset + span.end.max(start + 1)),
                    format!("front matter is not valid TOML: {}", error.message()),
                )
                .with_help("fix the TOML; strings need quotes (`title = \"...\"`)"),
            );
            None
        }
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

/// serde_norway appends " at line L column C"; we print our own position.
fn strip_location(message: &str) -> String {
    match message.find(" at line ") {
        Some(index) => message[..index].to_string(),
        None => message.to_string(),
    }
}

fn read_keys(
    front_matter: &mut FrontMatter,
    map: Map<String, Value>,
    source: &Source,
    content_start: usize,
    diagnostics: &mut Vec<Diagnostic>,
) {
    let span = front_matter.span;
    let index = KeyIndex::new(
        source.slice(Span::new(content_start, span.end)),
        content_start,
        front_matter.format.unwrap_or(FrontMatterFormat::Yaml),
    );
    let key_span = |key: &str| {
        index
            .key(key)
            .unwrap_or(Span::new(content_start, content_start))
    };
    for (key, value) in map {
        match key.as_str() {
            "title" => front_matter.title = scalar(&value),
            "summary" | "description" if front_matter.summary.is_none() => {
                front_matter.summary = scalar(&value)
            }
            "shell" => front_matter.shell = scalar(&value),
            "cwd" => front_matter.cwd = scalar(&value),
            "owner" => front_matter.owner = scalar(&value),
            "skipPrompts" => front_matter.skip_prompts = value.as_bool().unwrap_or(false),
            "env" => match value {
                Value::Object(env) => {
                    front_matter.env = env
                        .into_iter()
                        .map(|(name, value)| (name, scalar(&value).unwrap_or_default()))
                        .collect()
                }
                _ => diagnostics.push(not_a_map(key_span("env"), "env", "env:\n  NAME: value")),
            },
            "review_every" => {
                let text = scalar(&value).unwrap_or_default();
                match parse_duration(&text) {
                    Ok(duration) => front_matter.review_every = Some(duration),
                    Err(reason) => diagnostics.push(Diagnostic::error(
                        Code::InvalidFrontMatter,
                        key_span("review_every"),
                        format!("`review_every`: {reason}"),
                    )),
                }
            }
            "params" => front_matter.params = read_params(value, source, span, &index, diagnostics),
            _ => {
                front_matter.extra.insert(key, value);
            }
        }
    }
}

fn not_a_map(span: Span, key: &str, example: &str) -> Diagnostic {
    Diagnostic::error(
        Code::InvalidFrontMatter,
        span,
        format!("`{key}` must be a map of names"),
    )
    .with_help(format!("write it as\n{example}"))
}

/// `params` as a map (`NAME: {prompt, default, secret, choices}` or `NAME: default`) or as a
/// list of objects with a `name`.
fn read_params(
    value: Value,
    source: &Source,
    span: Span,
    index: &KeyIndex,
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Param> {
    let entries: Vec<(String, Value)> = match value {
        Value::Object(map) => map.into_iter().collect(),
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| {
                let name = item.get("name").and_then(scalar)?;
                Some((name, item))
            })
            .collect(),
        Value::Null => Vec::new(),
        _ => {
            let at = index.key("params").unwrap_or(span);
            diagnostics.push(not_a_map(
                at,
                "params",
                "params:\n  DB_HOST: { prompt: \"Primary host\", default: \"db-1\" }",
            ));
            return Vec::new();
        }
    };
    let mut params = Vec::with_capacity(entries.len());
    for (name, spec) in entries {
        let at = index
            .param(&name)
            .unwrap_or(Span::new(span.start, span.start));
        if !is_identifier(&name) {
            diagnostics.push(
                Diagnostic::error(
                    Code::InvalidFrontMatter,
                    at,
                    format!("param `{name}` is not a valid variable name"),
                )
                .with_help("use letters, digits and `_`, as in DB_HOST"),
            );
            continue;
        }
        let mut param = Param {
            secret: is_secret_name(&name),
            name,
            prompt: None,
            default: None,
            choices: Vec::new(),
            line: source.position(at.start).line,
        };
        match spec {
            Value::Object(fields) => {
                param.prompt = fields
                    .get("prompt")
                    .or(fields.get("description"))
                    .and_then(scalar);
                param.default = fields.get("default").and_then(scalar);
                param.secret |= fields
                    .get("secret")
                    .and_then(Value::as_bool)
                    .unwrap_or(false);
                param.choices = fields
                    .get("choices")
                    .and_then(Value::as_array)
                    .map(|choices| choices.iter().filter_map(scalar).collect())
                    .unwrap_or_default();
            }
            Value::Null => {}
            other => param.default = scalar(&other),
        }
        params.push(param);
    }
    params
}

/// A scalar as text: strings as they are, numbers and booleans as written.
fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> (FrontMatter, usize, Vec<Diagnostic>) {
        let source = Source::new("x.md", text);
        let mut diagnostics = Vec::new();
        let (front_matter, body) = parse(&source, &mut diagnostics);
        for diagnostic in &mut diagnostics {
            diagnostic.locate(&source);
        }
        (front_matter, body, diagnostics)
    }

    #[test]
    fn yaml_with_params_and_unknown_keys() {
        let text = "---\ntitle: Fail over\nparams:\n  DB_HOST: { prompt: \"Primary host\", default: \"db-1\" }\n  API_TOKEN: { secret: true }\n  REGION: { choices: [eu, us] }\nteam: db\n---\n# Body\n";
        let (front_matter, body, diagnostics) = parse_text(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(front_matter.title.as_deref(), Some("Fail over"));
        assert_eq!(&text[body..], "# Body\n");
        let names: Vec<_> = front_matter
            .params
            .iter()
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(names, ["DB_HOST", "API_TOKEN", "REGION"]);
        assert_eq!(front_matter.params[0].line, 4);
        assert_eq!(front_matter.params[0].default.as_deref(), Some("db-1"));
        assert!(front_matter.params[1].secret);
        assert_eq!(front_matter.params[2].choices, ["eu", "us"]);
        assert!(front_matter.extra.contains_key("team"));
    }

    #[test]
    fn toml_front_matter() {
        let text =
            "+++\ntitle = \"T\"\nreview_every = \"30d\"\n[params.HOST]\ndefault = \"h\"\n+++\nbody";
        let (front_matter, _, diagnostics) = parse_text(text);
        assert!(diagnostics.is_empty(), "{diagnostics:?}");
        assert_eq!(front_matter.format, Some(FrontMatterFormat::Toml));
        assert_eq!(
            front_matter.review_every,
            Some(Duration::from_secs(30 * 86_400))
        );
        assert_eq!(front_matter.params[0].name, "HOST");
        assert_eq!(front_matter.params[0].line, 4);
    }

    #[test]
    fn yaml_errors_point_into_the_file() {
        let (_, _, diagnostics) = parse_text("---\ntitle: ok\nbad: [unclosed\n---\n");
        assert_eq!(diagnostics.len(), 1);
        assert_eq!(diagnostics[0].code, Code::InvalidFrontMatter);
        assert!(diagnostics[0].line >= 3, "{:?}", diagnostics[0]);
    }

    #[test]
    fn unclosed_front_matter_is_markdown() {
        let (front_matter, body, diagnostics) = parse_text("---\ntitle: x\n\n# Heading\n");
        assert_eq!(front_matter.format, None);
        assert_eq!(body, 0);
        assert_eq!(diagnostics[0].code, Code::UnclosedFrontMatter);
        assert_eq!((diagnostics[0].line, diagnostics[0].col), (1, 1));
    }
}
