//! Any text as mail HTML: sanitised for the pages and turned into the text a person reads.
#![no_main]

use std::collections::HashMap;

use helpdesk::mail::html_text;
use helpdesk::web::html;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let inline = HashMap::from([(
        "logo@example.test".to_string(),
        "/attachments/1".to_string(),
    )]);
    let _ = html::sanitize(&text, inline);
    let _ = html_text::to_text(&text);
});
