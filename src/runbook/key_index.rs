//! Where the keys of a front matter are written, found in one pass over its lines, so that
//! messages about a key (or about one param) point at its line. serde's values carry no
//! positions; this reads the layout of YAML (`key:` and `params:` children, map or list form)
//! and TOML (`key =`, `[params]`, `[params.NAME]`) well enough to place them.

use rustc_hash::FxHashMap as HashMap;

use super::front_matter::FrontMatterFormat;
use super::source::Span;

#[derive(Debug, Default)]
pub struct KeyIndex {
    top: HashMap<String, Span>,
    params: HashMap<String, Span>,
}

impl KeyIndex {
    /// Indexes `text`, the front matter's content, which starts at byte `offset`.
    pub fn new(text: &str, offset: usize, format: FrontMatterFormat) -> Self {
        let mut index = KeyIndex::default();
        let mut in_params = false;
        let mut child_indent: Option<usize> = None;
        // TOML: the table the following keys belong to (`None` before any header).
        let mut table: Option<String> = None;
        let mut at = offset;
        for line in text.split_inclusive('\n') {
            let line_start = at;
            at += line.len();
            let content = line.trim_end();
            let trimmed = content.trim_start();
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let indent = content.len() - trimmed.len();
            match format {
                FrontMatterFormat::Yaml => {
                    if indent == 0 {
                        if let Some((key, span)) = key_before(trimmed, ':', line_start) {
                            in_params = key == "params";
                            child_indent = None;
                            index.top.entry(key.to_string()).or_insert(span);
                        }
                    } else if in_params {
                        let (item, skipped) = strip_list_item(trimmed);
                        let level = *child_indent.get_or_insert(indent);
                        if indent == level || skipped > 0 {
                            let start = line_start + indent + skipped;
                            if let Some((key, span)) = key_before(item, ':', start) {
                                index.params.entry(key.to_string()).or_insert(span);
                            }
                        }
                    }
                }
                FrontMatterFormat::Toml => {
                    if let Some(header) = trimmed.strip_prefix('[') {
                        let inner = header.split(']').next().unwrap_or("");
                        let name = inner.trim();
                        if let Some(param) = name.strip_prefix("params.") {
                            let start = line_start
                                + indent
                                + 1
                                + (inner.len() - inner.trim_start().len())
                                + "params.".len();
                            index
                                .params
                                .entry(param.to_string())
                                .or_insert(Span::new(start, start + param.len()));
                        }
                        table = Some(name.to_string());
                    } else if let Some((key, span)) = key_before(trimmed, '=', line_start + indent)
                    {
                        match table.as_deref() {
                            None => {
                                index.top.entry(key.to_string()).or_insert(span);
                            }
                            Some("params") => {
                                index.params.entry(key.to_string()).or_insert(span);
                            }
                            Some(_) => {}
                        }
                    }
                }
            }
        }
        index
    }

    /// Where top-level `key` is written.
    pub fn key(&self, key: &str) -> Option<Span> {
        self.top.get(key).copied()
    }

    /// Where param `name` is written.
    pub fn param(&self, name: &str) -> Option<Span> {
        self.params.get(name).copied()
    }
}

/// `- name: X` and `- X:` list items: the text after the dash (and after `name:`), and how
/// many bytes were skipped.
fn strip_list_item(trimmed: &str) -> (&str, usize) {
    let Some(rest) = trimmed.strip_prefix("- ") else {
        return (trimmed, 0);
    };
    let rest_trimmed = rest.trim_start();
    let mut skipped = trimmed.len() - rest_trimmed.len();
    if let Some(name) = rest_trimmed.strip_prefix("name:") {
        let name_trimmed = name.trim_start();
        skipped += rest_trimmed.len() - name_trimmed.len();
        // `- name: X`: the value is the param's name; present it as a key.
        return (name_trimmed, skipped);
    }
    (rest_trimmed, skipped)
}

/// The key before `separator` (quotes removed) and its span; for `- name: X`, X itself.
fn key_before(text: &str, separator: char, start: usize) -> Option<(&str, Span)> {
    let end = text.find(separator).unwrap_or(text.len());
    let raw = text[..end].trim_end();
    let key = raw.trim_matches(['"', '\'']);
    if key.is_empty() || key.contains(' ') && !raw.starts_with(['"', '\'']) {
        return None;
    }
    let quote = usize::from(raw.starts_with(['"', '\'']));
    Some((key, Span::new(start + quote, start + quote + key.len())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_params_are_found_below_params_only() {
        let text =
            "env:\n  REGION: eu\nparams:\n  REGION: {default: eu}\n  \"QUOTED\": x\nowner: me\n";
        let index = KeyIndex::new(text, 100, FrontMatterFormat::Yaml);
        assert_eq!(index.param("REGION"), Some(Span::new(100 + 28, 100 + 34)));
        assert_eq!(index.param("QUOTED").map(|s| s.start), Some(100 + 53));
        assert_eq!(index.key("owner").map(|s| s.start), Some(100 + 64));
        assert_eq!(index.key("env").map(|s| s.start), Some(100));
    }

    #[test]
    fn yaml_list_form() {
        let text = "params:\n  - name: HOST\n    default: h\n  - name: PORT\n";
        let index = KeyIndex::new(text, 0, FrontMatterFormat::Yaml);
        assert_eq!(index.param("HOST"), Some(Span::new(18, 22)));
        assert_eq!(index.param("PORT"), Some(Span::new(48, 52)));
        assert_eq!(index.param("default"), None);
    }

    #[test]
    fn toml_tables() {
        let text = "title = \"t\"\n[env]\nREGION = \"eu\"\n[params.REGION]\ndefault = \"eu\"\n[params]\nPORT = \"1\"\n";
        let index = KeyIndex::new(text, 0, FrontMatterFormat::Toml);
        assert_eq!(index.key("title"), Some(Span::new(0, 5)));
        assert_eq!(index.key("REGION"), None);
        assert_eq!(index.param("REGION"), Some(Span::new(40, 46)));
        assert_eq!(index.param("PORT").map(|s| s.start), Some(72));
        assert_eq!(index.param("default"), None);
    }
}
