//! Step ids as GitHub makes heading anchors, so that `[see](#promote-the-replica)` works on
//! GitHub and in cairn alike: lower-cased, punctuation and symbols dropped, spaces to `-`,
//! and `-1`, `-2`... appended to repeats (github-slugger's rules).

use std::collections::hash_map::Entry;

use rustc_hash::FxHashMap as HashMap;
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

/// The anchor for one heading text, before de-duplication.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            // The common case, without Unicode tables.
            match c {
                ' ' => out.push('-'),
                '-' | '_' => out.push(c),
                _ if c.is_ascii_alphanumeric() => out.push(c.to_ascii_lowercase()),
                _ => {}
            }
        } else if keeps(c) {
            out.extend(c.to_lowercase());
        }
    }
    out
}

/// What GitHub keeps of a heading besides ASCII: letters, marks (the virama of हिन्दी),
/// decimal digits and connector punctuation; other numbers (`²`, `½`) and symbols go.
fn keeps(c: char) -> bool {
    match c.general_category_group() {
        GeneralCategoryGroup::Letter | GeneralCategoryGroup::Mark => true,
        _ => matches!(
            c.general_category(),
            GeneralCategory::DecimalNumber | GeneralCategory::ConnectorPunctuation
        ),
    }
}

/// Hands out unique anchors in document order.
#[derive(Debug, Default)]
pub struct Slugger {
    occurrences: HashMap<String, usize>,
}

impl Slugger {
    /// Keeps `anchor` from being handed out (a heading with that text gets `anchor-1`).
    pub fn reserve(&mut self, anchor: &str) {
        self.occurrences.insert(anchor.to_string(), 0);
    }

    pub fn anchor(&mut self, text: &str) -> String {
        let base = match self.occurrences.entry(slug(text)) {
            Entry::Vacant(vacant) => {
                let anchor = vacant.key().clone();
                vacant.insert(0);
                return anchor;
            }
            Entry::Occupied(taken) => taken.key().clone(),
        };
        let mut candidate = base.clone();
        while self.occurrences.contains_key(&candidate) {
            let count = self.occurrences.entry(base.clone()).or_insert(0);
            *count += 1;
            candidate = format!("{base}-{count}");
        }
        self.occurrences.insert(candidate.clone(), 0);
        candidate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_anchors() {
        assert_eq!(slug("Promote the replica"), "promote-the-replica");
        assert_eq!(
            slug("Step 3: Check `pg_isready`!"),
            "step-3-check-pg_isready"
        );
        assert_eq!(slug("What's up?  Twice"), "whats-up--twice");
        assert_eq!(slug("Ünïcode Straße"), "ünïcode-straße");
        assert_eq!(slug("C++ & Rust 🚀"), "c--rust-");
        assert_eq!(slug("हिन्दी"), "हिन्दी");
        assert_eq!(slug("x² ½ a＿b"), "x--a＿b");
        assert_eq!(slug("  padded "), "--padded-");
    }

    #[test]
    fn repeats_get_numbers_like_github() {
        let mut slugger = Slugger::default();
        assert_eq!(slugger.anchor("Check"), "check");
        assert_eq!(slugger.anchor("Check"), "check-1");
        assert_eq!(slugger.anchor("Check 1"), "check-1-1");
        assert_eq!(slugger.anchor("Check"), "check-2");
    }
}
