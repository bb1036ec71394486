//! Feeds arbitrary UTF-8 to `cairn::runbook::parse`, which must never panic, and serializes
//! the result, which must never fail.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let runbook = cairn::runbook::parse("fuzz.md", text);
    let json = serde_json::to_string(&runbook);
    assert!(json.is_ok(), "serialization failed: {json:?}");
});
