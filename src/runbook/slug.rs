//! Step ids as GitHub makes heading anchors, so that `[see](#promote-the-replica)` works on
//! GitHub and in cairn alike: lower-cased, punctuation and symbols dropped, spaces to `-`,
//! and `-1`, `-2`... appended to repeats (github-slugger's rules).

use std::hash::BuildHasher;

use rustc_hash::{FxBuildHasher, FxHashMap as HashMap};
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
///
/// The anchors taken are kept one after another in one string and found by their hash, so
/// that a runbook of thousands of headings keeps three allocations here, not one per anchor.
#[derive(Debug, Default)]
pub struct Slugger {
    /// Every anchor taken so far, end to end.
    names: String,
    taken: Vec<Taken>,
    /// The last anchor taken with each hash; it links to the earlier ones.
    by_hash: HashMap<u64, usize>,
}

/// One anchor taken.
#[derive(Debug)]
struct Taken {
    /// Where it sits in `names`.
    start: usize,
    end: usize,
    /// How many repeats of it as a base have been numbered (github-slugger's count).
    count: usize,
    /// The anchor taken before it with the same hash.
    same_hash: Option<usize>,
}

impl Slugger {
    /// Keeps `anchor` from being handed out (a heading with that text gets `anchor-1`).
    pub fn reserve(&mut self, anchor: &str) {
        let hash = hash(anchor);
        match self.find(hash, anchor) {
            Some(index) => self.taken[index].count = 0,
            None => self.take(hash, anchor),
        }
    }

    pub fn anchor(&mut self, text: &str) -> String {
        let base = slug(text);
        let base_hash = hash(&base);
        let Some(base_index) = self.find(base_hash, &base) else {
            self.take(base_hash, &base);
            return base;
        };
        loop {
            self.taken[base_index].count += 1;
            let candidate = format!("{base}-{}", self.taken[base_index].count);
            let candidate_hash = hash(&candidate);
            if self.find(candidate_hash, &candidate).is_none() {
                self.take(candidate_hash, &candidate);
                return candidate;
            }
        }
    }

    /// The index of `anchor` among those taken.
    fn find(&self, hash: u64, anchor: &str) -> Option<usize> {
        let mut next = self.by_hash.get(&hash).copied();
        while let Some(index) = next {
            let taken = &self.taken[index];
            if &self.names[taken.start..taken.end] == anchor {
                return Some(index);
            }
            next = taken.same_hash;
        }
        None
    }

    /// Takes `anchor`, which is not taken yet.
    fn take(&mut self, hash: u64, anchor: &str) {
        let start = self.names.len();
        self.names.push_str(anchor);
        let index = self.taken.len();
        let same_hash = self.by_hash.insert(hash, index);
        self.taken.push(Taken {
            start,
            end: self.names.len(),
            count: 0,
            same_hash,
        });
    }
}

fn hash(anchor: &str) -> u64 {
    FxBuildHasher.hash_one(anchor)
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
