//! Any text as a reply's body: split into new text, quoted history and signature, and the
//! documented promise held (some new text whenever the input has non-blank text).
#![no_main]

use helpdesk::domain::reply_text::split_reply;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parts = split_reply(&text);
    // A leading byte-order mark is not text.
    let body = text.strip_prefix('\u{feff}').unwrap_or(&text);
    if body.chars().any(|c| !c.is_whitespace()) {
        assert!(
            !parts.new_text.is_empty(),
            "no new text from {text:?}: {parts:?}"
        );
    }
});
