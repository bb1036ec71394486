//! "Did you mean ...?": the closest known word to a misspelt one.

/// The candidate within edit distance 2 of `word` (and less than half its length), if any.
pub fn closest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let length = word.chars().count();
    candidates
        .iter()
        // More than two characters longer or shorter is more than two edits away.
        .filter(|candidate| {
            candidate.len().abs_diff(word.len()) <= 2 * 4
                && candidate.chars().count().abs_diff(length) <= 2
        })
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|&(distance, _)| distance <= 2 && distance * 2 < word.chars().count().max(1))
        .min_by_key(|&(distance, _)| distance)
        .map(|(_, candidate)| candidate)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    let mut current = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_near_misses_only() {
        let known = ["timeout", "retry", "name"];
        assert_eq!(closest("timout", &known), Some("timeout"));
        assert_eq!(closest("retyr", &known), Some("retry"));
        assert_eq!(closest("xyz", &known), None);
        assert_eq!(closest("nm", &known), None);
    }
}
