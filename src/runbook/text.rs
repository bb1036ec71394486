//! Small text helpers the parser's hot paths share, written to avoid allocating.

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
    fn one_of_ignoring_ascii_case() {
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
