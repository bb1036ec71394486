//! Inputs the fuzzer (fuzz/) once crashed the parser with, kept under tests/fixtures/fuzz/:
//! each must parse without a panic and serialize to JSON.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

#[test]
fn every_saved_fuzz_input_parses() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fuzz");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        // The fuzz target feeds text; lossy decoding keeps what a byte-level crash needs.
        let text = String::from_utf8_lossy(&bytes);
        let runbook = cairn::runbook::parse(&path.to_string_lossy(), &text);
        serde_json::to_string(&runbook).unwrap();
        count += 1;
    }
    assert!(count > 0, "no inputs in {}", dir.display());
}
