//! `<placeholder>` words in commands (`kubectl logs <pod name> -n <namespace>`): what counts
//! as one, and what merely looks like one (HTML tags, autolinks, redirections, `<none>`).

use super::text::is_one_of_ignore_ascii_case;

/// Names that tools print in angle brackets and commands grep for; never placeholders.
const LITERALS: &[&str] = &["none", "nil", "unknown", "pending", "invalid"];

/// HTML elements that have no closing tag.
const VOID_TAGS: &[&str] = &["br", "hr", "wbr", "img", "input", "meta", "link"];

/// No name in `LITERALS` or `VOID_TAGS` is longer.
const LONGEST_LITERAL: usize = 7;

/// The longest placeholder, brackets included, is 64 characters: a name of up to 62.
const MAX_NAME: usize = 62;

fn is_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'/' | b':' | b' ')
}

/// When a placeholder starts at `text[at]` (a `<`), the offset just after its `>`.
pub fn placeholder_end(text: &str, at: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let first = *bytes.get(at + 1)?;
    if !(first.is_ascii_alphabetic() || first == b'_') {
        return None;
    }
    let limit = bytes.len().min(at + 1 + MAX_NAME);
    let mut end = at + 1;
    // Which of the checks below can apply: most names have no space or colon.
    let (mut spaces, mut colons) = (false, false);
    while end < limit && is_name_byte(bytes[end]) {
        spaces |= bytes[end] == b' ';
        colons |= bytes[end] == b':';
        end += 1;
    }
    if bytes.get(end) != Some(&b'>') {
        return None;
    }
    let name = &text[at + 1..end];
    if spaces && (name.ends_with(' ') || name.contains("  "))
        || colons && name.contains("://")
        || name.len() <= LONGEST_LITERAL
            && (LITERALS.contains(&name) || is_one_of_ignore_ascii_case(name, VOID_TAGS))
    {
        return None;
    }
    Some(end + 1)
}

/// `<pod name -n prod`: a `<` that opens what reads as a placeholder but is never closed on
/// its line. Returns the byte range of the opening within `line`. Only the line's last `<`
/// can be one: what follows it must be a name running to the end of the line, and a `<`
/// ends a name.
pub fn unclosed_placeholder(line: &str) -> Option<(usize, usize)> {
    let bytes = line.as_bytes();
    let open = memchr::memrchr(b'<', bytes)?;
    if open > 0 && bytes[open - 1] == b'<' {
        return None;
    }
    let name = &bytes[open + 1..];
    if !name.first()?.is_ascii_alphabetic() || !name.iter().all(|&byte| is_name_byte(byte)) {
        return None;
    }
    let run = line[open + 1..].trim_end();
    let first_word = run.split(' ').next().unwrap_or("");
    let upper = first_word.len() > 1
        && first_word
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_' || b == b'-' || b.is_ascii_digit());
    (run.contains(' ') || upper).then_some((open, open + 1 + first_word.len()))
}

/// The name inside a placeholder's brackets.
pub fn placeholder_name(text: &str) -> &str {
    text.trim_start_matches('<').trim_end_matches('>').trim()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<&str> {
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(offset) = text[at..].find('<') {
            let open = at + offset;
            match placeholder_end(text, open) {
                Some(end) => {
                    found.push(placeholder_name(&text[open..end]));
                    at = end;
                }
                None => at = open + 1,
            }
        }
        found
    }

    #[test]
    fn recognises_placeholders() {
        assert_eq!(
            names("kubectl logs <pod name> -n <namespace>"),
            ["pod name", "namespace"]
        );
        assert_eq!(names("ssh <user>@<host>"), ["user", "host"]);
        assert_eq!(
            names("gcloud config set project <PROJECT_ID>"),
            ["PROJECT_ID"]
        );
    }

    #[test]
    fn longest_literal_is_the_longest() {
        let longest = LITERALS
            .iter()
            .chain(VOID_TAGS)
            .map(|name| name.len())
            .max();
        assert_eq!(longest, Some(LONGEST_LITERAL));
    }

    #[test]
    fn names_are_at_most_62_characters() {
        let longest = format!("<{}>", "a".repeat(62));
        assert_eq!(placeholder_end(&longest, 0), Some(64));
        assert_eq!(placeholder_end(&format!("<{}>", "a".repeat(63)), 0), None);
    }

    #[test]
    fn ignores_lookalikes() {
        assert!(names("sort < in.txt > out.txt").is_empty());
        assert!(names("diff <(a) <(b)").is_empty());
        assert!(names("cat <<EOF").is_empty());
        assert!(names("docker images | grep '<none>'").is_empty());
        assert!(names("curl <https://example.com/x>").is_empty());
        assert!(names("echo line<br>").is_empty());
        assert!(names("cmd <1>").is_empty());
        assert!(names("echo <a >").is_empty());
    }

    #[test]
    fn finds_unclosed_openings() {
        assert_eq!(
            unclosed_placeholder("kubectl logs <pod name"),
            Some((13, 17))
        );
        assert_eq!(
            unclosed_placeholder("kubectl logs <POD_NAME"),
            Some((13, 22))
        );
        assert_eq!(unclosed_placeholder("mysql db <dump.sql"), None);
        assert_eq!(unclosed_placeholder("cat <<EOF"), None);
        assert_eq!(unclosed_placeholder("echo <ok> done"), None);
        assert_eq!(unclosed_placeholder("a <b> <c d"), Some((6, 8)));
        assert_eq!(unclosed_placeholder("a <b c <d>"), None);
    }
}
