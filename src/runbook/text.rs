//! Small text helpers the parser's hot paths share, written to avoid allocating.

/// Whether `haystack` contains `needle`, ignoring ASCII case (no lower-cased copies).
pub fn contains_ignore_ascii_case(haystack: &str, needle: &str) -> bool {
    let needle = needle.as_bytes();
    needle.is_empty()
        || haystack
            .as_bytes()
            .windows(needle.len())
            .any(|window| window.eq_ignore_ascii_case(needle))
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
        assert!(is_one_of_ignore_ascii_case("Bash", &["sh", "bash"]));
        assert!(!is_one_of_ignore_ascii_case("bas", &["sh", "bash"]));
    }
}
