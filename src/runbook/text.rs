//! Small text helpers the parser's hot paths share, written to avoid allocating.

/// Whether `haystack` contains `needle`, ignoring ASCII case (no lower-cased copies).
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let (haystack, needle) = (haystack.as_bytes(), needle.as_bytes());
    let Some(&first) = needle.first() else {
        return true;
    };
    if haystack.len() < needle.len() {
        return false;
    }
    // Jump between occurrences of the first byte, in either case, and compare from there.
    let last_start = haystack.len() - needle.len();
    memchr::memchr2_iter(
        first.to_ascii_lowercase(),
        first.to_ascii_uppercase(),
        &haystack[..=last_start],
    )
    .any(|at| haystack[at..at + needle.len()].eq_ignore_ascii_case(needle))
}

/// `text` without its leading and trailing whitespace, in the same allocation.
pub fn trimmed(mut text: String) -> String {
    text.truncate(text.trim_end().len());
    let leading = text.len() - text.trim_start().len();
    text.drain(..leading);
    text
}

/// Whether `word` equals one of `words`, ignoring ASCII case.
pub fn is_one_of_ignore_ascii_case(word: &str, words: &[&str]) -> bool {
    words
        .iter()
        .any(|candidate| candidate.eq_ignore_ascii_case(word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ignore_ascii_case("DROP Table x", "drop table"));
        assert!(!contains_ignore_ascii_case("dro", "drop"));
        assert!(contains_ignore_ascii_case("x", ""));
        assert!(contains_ignore_ascii_case("a Rollback", "rollback"));
        assert!(!contains_ignore_ascii_case("roll", "rollback"));
        assert!(is_one_of_ignore_ascii_case("Bash", &["sh", "bash"]));
        assert!(!is_one_of_ignore_ascii_case("bas", &["sh", "bash"]));
    }

    #[test]
    fn trimming_in_place() {
        assert_eq!(trimmed(" \t a b \n".to_string()), "a b");
        assert_eq!(trimmed("ab".to_string()), "ab");
        assert_eq!(trimmed("  ".to_string()), "");
        assert_eq!(trimmed("\u{a0}é\u{3000}".to_string()), "é");
    }
}
