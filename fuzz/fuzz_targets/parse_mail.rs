//! Raw bytes as an inbound mail: parse, then classify, judge the sender's authentication
//! and split the text as `receive()` does.
#![no_main]

use std::sync::{LazyLock, Once};

use helpdesk::domain::email_address::EmailAddress;
use helpdesk::domain::{inbound, reply_text, sender_auth};
use helpdesk::mail::parse;
use libfuzzer_sys::fuzz_target;

static TRUSTED: LazyLock<Vec<String>> = LazyLock::new(|| vec!["mx.example.test".into()]);

static OURS: LazyLock<Vec<EmailAddress>> = LazyLock::new(|| {
    ["support@example.test", "facturare@example.test"]
        .map(|a| EmailAddress::parse(a).expect("a valid address"))
        .to_vec()
});

static CONTAIN_PARSER_PANICS: Once = Once::new();

/// `parse()` turns a panic inside mail-parser into `ParserFailed` (the mail is quarantined),
/// but libFuzzer's panic hook aborts on any panic. Let mail-parser's panics unwind to that
/// guard as they do in the daemon (docs/fuzzing.md lists the ones found); a panic anywhere
/// else still aborts and is a finding.
fn contain_parser_panics() {
    let abort = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let in_parser = info
            .location()
            .is_some_and(|l| l.file().contains("/mail-parser-"));
        if !in_parser {
            abort(info);
        }
    }));
}

fuzz_target!(|raw: &[u8]| {
    CONTAIN_PARSER_PANICS.call_once(contain_parser_panics);
    let _ = parse::message_id(raw);
    let Ok(mail) = parse::parse(raw) else { return };
    let _ = inbound::classify(&mail.signals, &OURS);
    let _ = sender_auth::verdict(
        &mail.authentication_results,
        &mail.arc_authentication_results,
        &TRUSTED,
        mail.from.address.domain(),
    );
    let _ = reply_text::split_reply(&mail.text);
    let _ = mail.sender();
});
