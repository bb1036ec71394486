//! Redaction of secret values (passwords, tokens) from text and from byte streams, so that no
//! secret reaches disk or the screen.
//!
//! Command output arrives in arbitrary chunks, so a secret may be split across chunks: the
//! streaming `Redactor` holds back only a tail that could still become a secret, and gives the
//! same result as redacting the whole stream at once. This module does no I/O and must never
//! log, print or `Debug`-format a secret value itself.

use std::fmt;
use std::sync::Arc;

use aho_corasick::{AhoCorasick, MatchKind};

/// What every occurrence of a secret is replaced with.
pub const MASK: &str = "[redacted]";

/// Masking a one- or two-byte value everywhere (`a`, `1`, `no`) would shred every line of
/// output while protecting nothing: values that short are guesses, not secrets.
const MIN_SECRET_LEN: usize = 3;

/// The set of secret values to redact.
#[derive(Clone, Default)]
pub struct Secrets {
    values: Vec<String>,
    /// `None` while empty, or if the automaton could not be built (then everything is masked).
    matcher: Option<Arc<Matcher>>,
}

impl fmt::Debug for Secrets {
    // Deliberately not derived: a `{:?}` in a log line must not print the secrets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secrets {{ {} values }}", self.values.len())
    }
}

impl Secrets {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value; empty values are ignored, and so are values shorter than 3 bytes:
    /// masking `a` or `1` everywhere would destroy the output, and such values are not real
    /// secrets.
    pub fn add(&mut self, value: &str) {
        if value.len() < MIN_SECRET_LEN || self.values.iter().any(|known| known == value) {
            return;
        }
        self.values.push(value.to_string());
        // Secrets are few and added once per walk; rebuilding keeps every reader lock-free.
        self.matcher = Matcher::build(&self.values).map(Arc::new);
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// Redacts a whole string at once (for command lines, variable values, notes).
    pub fn redact_str(&self, text: &str) -> String {
        let redacted = self.redact_bytes(text.as_bytes());
        // Secrets are whole UTF-8 strings, so matches fall on character boundaries and the
        // result is valid UTF-8; the lossy path only guards against a bug, never panics.
        String::from_utf8(redacted)
            .unwrap_or_else(|error| String::from_utf8_lossy(error.as_bytes()).into_owned())
    }

    /// Redacts a whole byte buffer at once: what a `Redactor` gives for the same bytes.
    fn redact_bytes(&self, bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(bytes.len());
        let mut redactor = self.redactor();
        redactor.push(bytes, &mut out);
        redactor.finish(&mut out);
        out
    }

    pub fn redactor(&self) -> Redactor {
        Redactor {
            matcher: self.matcher.clone(),
            fail_closed: self.matcher.is_none() && !self.values.is_empty(),
            swallowed: false,
            pending: Vec::new(),
        }
    }
}

/// Redacts a byte stream chunk by chunk.
#[derive(Clone)]
pub struct Redactor {
    matcher: Option<Arc<Matcher>>,
    /// There are secrets but no automaton to find them: emit one mask instead of anything.
    fail_closed: bool,
    swallowed: bool,
    /// The held-back tail: a proper prefix of some secret, shorter than the longest secret.
    pending: Vec<u8>,
}

impl fmt::Debug for Redactor {
    // The held-back tail is the start of a secret: never show it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor {{ {} bytes held back }}", self.pending.len())
    }
}

impl Redactor {
    /// Appends the redacted bytes that are safe to emit now to `out`; holds back a tail that
    /// could be the start of a secret split across chunks.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        let Some(matcher) = &self.matcher else {
            if self.fail_closed {
                self.swallowed |= !chunk.is_empty();
            } else {
                out.extend_from_slice(chunk);
            }
            return;
        };
        if self.pending.is_empty() {
            // The common case: no copy of the chunk, only of the (short) tail held back.
            let held = matcher.redact(chunk, out, false);
            self.pending.extend_from_slice(&chunk[held..]);
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(chunk);
            let held = matcher.redact(&joined, out, false);
            joined.drain(..held);
            self.pending = joined;
        }
    }

    /// Emits whatever is held back (end of stream).
    pub fn finish(&mut self, out: &mut Vec<u8>) {
        if let Some(matcher) = &self.matcher {
            matcher.redact(&self.pending, out, true);
        } else if self.swallowed {
            out.extend_from_slice(MASK.as_bytes());
        }
        self.pending = Vec::new();
        self.swallowed = false;
    }
}

struct Matcher {
    /// Leftmost-longest, so that of two secrets where one is a prefix of the other, the
    /// longer is masked whole rather than leaving its tail in the clear.
    automaton: AhoCorasick,
    patterns: Vec<Vec<u8>>,
    /// KMP failure function of each pattern: finds the partial secret at a buffer's end in
    /// time linear in the secrets, whatever the output looks like.
    borders: Vec<Vec<usize>>,
    longest: usize,
}

impl Matcher {
    fn build(values: &[String]) -> Option<Matcher> {
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(values)
            .ok()?;
        let patterns: Vec<Vec<u8>> = values.iter().map(|v| v.as_bytes().to_vec()).collect();
        let borders = patterns.iter().map(|p| borders(p)).collect();
        let longest = patterns.iter().map(Vec::len).max().unwrap_or(0);
        Some(Matcher {
            automaton,
            patterns,
            borders,
            longest,
        })
    }

    /// Redacts `buf` into `out` and returns where the held-back tail starts (`buf.len()` at
    /// the end of the stream). A match is final once no secret could extend it, and a byte
    /// is final once no secret could start at or before it and end past the buffer.
    fn redact(&self, buf: &[u8], out: &mut Vec<u8>, end_of_stream: bool) -> usize {
        let hold_from = |from: usize| {
            if end_of_stream {
                buf.len()
            } else {
                self.partial_start(buf, from)
            }
        };
        let mut at = 0;
        let mut hold = hold_from(0);
        for found in self.automaton.find_iter(buf) {
            if found.start() >= hold {
                break;
            }
            out.extend_from_slice(&buf[at..found.start()]);
            out.extend_from_slice(MASK.as_bytes());
            at = found.end();
            if at > hold {
                hold = hold_from(at);
            }
        }
        out.extend_from_slice(&buf[at..hold]);
        hold
    }

    /// The start of the longest suffix of `buf[from..]` that is a proper prefix of a secret.
    fn partial_start(&self, buf: &[u8], from: usize) -> usize {
        let window_start = from.max(buf.len().saturating_sub(self.longest.saturating_sub(1)));
        let window = &buf[window_start.min(buf.len())..];
        let mut longest = 0;
        for (pattern, border) in self.patterns.iter().zip(&self.borders) {
            let mut state = 0;
            for &byte in window {
                while state > 0 && pattern[state] != byte {
                    state = border[state - 1];
                }
                if pattern[state] == byte {
                    state += 1;
                }
                if state == pattern.len() {
                    state = border[state - 1];
                }
            }
            longest = longest.max(state);
        }
        buf.len() - longest
    }
}

/// `border[i]`: the length of the longest proper prefix of `pattern[..=i]` that is also its
/// suffix.
fn borders(pattern: &[u8]) -> Vec<usize> {
    let mut border = vec![0; pattern.len()];
    let mut state = 0;
    for i in 1..pattern.len() {
        while state > 0 && pattern[i] != pattern[state] {
            state = border[state - 1];
        }
        if pattern[i] == pattern[state] {
            state += 1;
        }
        border[i] = state;
    }
    border
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn secrets(values: &[&str]) -> Secrets {
        let mut secrets = Secrets::new();
        values.iter().for_each(|value| secrets.add(value));
        secrets
    }

    fn stream(secrets: &Secrets, chunks: &[&[u8]]) -> Vec<u8> {
        let mut redactor = secrets.redactor();
        let mut out = Vec::new();
        for chunk in chunks {
            redactor.push(chunk, &mut out);
        }
        redactor.finish(&mut out);
        out
    }

    /// Leftmost-longest by brute force: the oracle the automaton is checked against.
    fn naive(values: &[String], text: &[u8]) -> Vec<u8> {
        let (mut out, mut at) = (Vec::new(), 0);
        while at < text.len() {
            let starts = |v: &&String| text[at..].starts_with(v.as_bytes());
            match values.iter().filter(starts).map(String::len).max() {
                Some(len) => (out.extend_from_slice(MASK.as_bytes()), at += len),
                None => (out.push(text[at]), at += 1),
            };
        }
        out
    }

    #[test]
    fn every_occurrence_of_every_secret_is_masked() {
        let secrets = secrets(&["hunter2", "s3cr3t", "pässwörd", "", "a", "12"]);
        assert_eq!(
            secrets.redact_str("pw=hunter2 a 12 hunter2hunter2, s3cr3t; ü pässwörd ü"),
            "pw=[redacted] a 12 [redacted][redacted], [redacted]; ü [redacted] ü"
        );
        assert_eq!(secrets.redact_str("nothing here"), "nothing here");
        assert!(self::secrets(&["", "a", "12"]).is_empty());
        assert!(!secrets.is_empty());
    }

    #[test]
    fn the_longer_of_two_prefix_secrets_wins() {
        let secrets = secrets(&["abc", "abcdef"]);
        let masked = secrets.redact_str("abcdefg abcd");
        assert_eq!(masked, "[redacted]g [redacted]d");
        let bytes: Vec<[u8; 1]> = b"xabcdefy".iter().map(|&b| [b]).collect();
        let chunks: Vec<&[u8]> = bytes.iter().map(|b| &b[..]).collect();
        assert_eq!(stream(&secrets, &chunks), b"x[redacted]y");
        // The short secret matched, but the stream ended before the long one could.
        assert_eq!(stream(&secrets, &[b"ab", b"cde"]), b"[redacted]de");
    }

    #[test]
    fn overlapping_secrets_leave_no_secret_whole() {
        let secrets = secrets(&["abcd", "cdef"]);
        assert_eq!(secrets.redact_str("abcdef"), "[redacted]ef");
        assert_eq!(secrets.redact_str("xcdefabcd"), "x[redacted][redacted]");
    }

    #[test]
    fn a_secret_split_anywhere_is_masked() {
        let secrets = secrets(&["correct-horse", "pw1"]);
        let text = b"login correct-horse ok";
        for cut in 0..=text.len() {
            let (first, second) = text.split_at(cut);
            let streamed = stream(&secrets, &[first, second]);
            assert_eq!(streamed, b"login [redacted] ok", "cut at {cut}");
        }
        assert_eq!(stream(&secrets, &[b"p", b"w", b"1"]), b"[redacted]");
        let around = stream(&secrets, &[b"<", b"p", b"w", b"1", b">"]);
        assert_eq!(around, b"<[redacted]>");
    }

    #[test]
    fn only_a_possible_start_of_a_secret_is_held_back() {
        let mut redactor = secrets(&["hunter2"]).redactor();
        let mut out = Vec::new();
        redactor.push(b"hello ", &mut out);
        assert_eq!(out, b"hello ");
        redactor.push(b"world h", &mut out);
        assert_eq!(out, b"hello world ");
        redactor.push(b"unt", &mut out);
        assert_eq!(out, b"hello world ");
        redactor.push(b"ed", &mut out);
        assert_eq!(out, b"hello world hunted");
        redactor.push(b" hunter", &mut out);
        assert_eq!(redactor.pending, b"hunter");
        redactor.finish(&mut out);
        assert_eq!(out, b"hello world hunted hunter");
        assert!(redactor.pending.is_empty());
    }

    #[test]
    fn binary_bytes_pass_through() {
        let mut redactor = Secrets::new().redactor();
        let mut out = Vec::new();
        redactor.push(b"abc\xff", &mut out);
        assert_eq!(out, b"abc\xff", "nothing held back without secrets");
        let text: &[u8] = b"\x00\xff\xfe tok\xc3en \x1b[31mtoken\x1b[0m\x80";
        let chunks = [&text[..8], &text[8..20], &text[20..]];
        let streamed = stream(&secrets(&["token"]), &chunks);
        assert_eq!(
            streamed,
            b"\x00\xff\xfe tok\xc3en \x1b[31m[redacted]\x1b[0m\x80"
        );
    }

    #[test]
    fn debug_output_shows_no_secret() {
        let secrets = secrets(&["hunter2"]);
        let mut redactor = secrets.redactor();
        redactor.push(b"hunt", &mut Vec::new());
        let shown = format!("{secrets:?} {redactor:?}");
        assert!(!shown.contains("hunt"), "{shown}");
    }

    proptest! {
        #[test]
        fn streaming_equals_whole_buffer_redaction(
            values in prop::collection::vec("[xyz01]{3,7}", 1..5),
            pieces in prop::collection::vec((0usize..8, prop::collection::vec(
                prop_oneof![Just(b'x'), Just(b'y'), Just(b'0'), any::<u8>()], 0..6)), 0..12),
            cuts in prop::collection::vec(0usize..200, 0..8),
        ) {
            let secrets = {
                let mut secrets = Secrets::new();
                values.iter().for_each(|v| secrets.add(v));
                secrets
            };
            let mut text = Vec::new();
            for (pick, filler) in &pieces {
                text.extend_from_slice(filler);
                text.extend_from_slice(values.get(*pick).map_or(&b""[..], |v| v.as_bytes()));
            }
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(text.len())).collect();
            cuts.sort_unstable();
            let longest = values.iter().map(String::len).max().unwrap_or(0);
            let (mut redactor, mut streamed, mut from) = (secrets.redactor(), Vec::new(), 0);
            for cut in cuts.into_iter().chain([text.len()]) {
                redactor.push(&text[from..cut], &mut streamed);
                prop_assert!(redactor.pending.len() < longest);
                from = cut;
            }
            redactor.finish(&mut streamed);
            let whole = secrets.redact_bytes(&text);
            prop_assert_eq!(&streamed, &whole);
            prop_assert_eq!(&whole, &naive(&values, &text));
            for value in &values {
                // MASK shares no byte with the secrets' alphabet, so none can form across it.
                let found = streamed.windows(value.len()).any(|w| w == value.as_bytes());
                prop_assert!(!found);
            }
        }
    }
}
