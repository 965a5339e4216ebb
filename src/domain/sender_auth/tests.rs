//! Unit tests of reading `Authentication-Results` into one verdict, on headers shaped like real
//! servers'.

use super::*;

fn v(headers: &[&str], from: &str) -> SenderAuth {
    let headers: Vec<String> = headers.iter().map(|h| h.to_string()).collect();
    verdict(&headers, &[], &["mx.example.test".to_string()], from)
}

#[test]
fn dmarc_decides_when_present() {
    let h = "mx.example.test; dkim=pass header.d=client.ro; spf=pass smtp.mailfrom=client.ro; dmarc=pass header.from=client.ro";
    assert_eq!(v(&[h], "client.ro"), SenderAuth::Pass);
    let h = "mx.example.test; dkim=pass header.d=other.test; spf=pass smtp.mailfrom=other.test; dmarc=fail header.from=client.ro";
    assert_eq!(v(&[h], "client.ro"), SenderAuth::Fail);
    let h = "mx.example.test; dmarc=none header.from=client.ro";
    assert_eq!(v(&[h], "client.ro"), SenderAuth::None);
    let h = "mx.example.test; dmarc=temperror header.from=client.ro";
    assert_eq!(v(&[h], "client.ro"), SenderAuth::None);
}

#[test]
fn without_dmarc_an_aligned_dkim_passes_and_spf_alone_can_fail() {
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass header.d=client.ro"],
            "client.ro"
        ),
        SenderAuth::Pass
    );
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass header.d=client.ro"],
            "mail.client.ro"
        ),
        SenderAuth::Pass
    );
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass header.d=mail.client.ro"],
            "client.ro"
        ),
        SenderAuth::Pass
    );
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass header.d=sendgrid.net"],
            "client.ro"
        ),
        SenderAuth::None,
        "a signature of another domain"
    );
    assert_eq!(
        v(&["mx.example.test; dkim=pass header.d=ro"], "client.ro"),
        SenderAuth::None,
        "a top-level domain aligns with nothing"
    );
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass header.d=evilclient.ro"],
            "client.ro"
        ),
        SenderAuth::None
    );
    assert_eq!(
        v(
            &["mx.example.test; spf=fail smtp.mailfrom=client.ro"],
            "client.ro"
        ),
        SenderAuth::Fail
    );
    assert_eq!(
        v(
            &["mx.example.test; spf=fail smtp.mailfrom=x.test; dkim=pass header.d=x.test"],
            "client.ro"
        ),
        SenderAuth::None
    );
    assert_eq!(
        v(
            &["mx.example.test; spf=softfail smtp.mailfrom=client.ro"],
            "client.ro"
        ),
        SenderAuth::None
    );
    assert_eq!(v(&["mx.example.test; none"], "client.ro"), SenderAuth::None);
}

#[test]
fn only_the_topmost_header_of_a_trusted_server_counts() {
    let forged = "mx.example.test; dmarc=pass header.from=client.ro";
    let ours = "mx.example.test; dmarc=fail header.from=client.ro";
    assert_eq!(
        v(&[ours, forged], "client.ro"),
        SenderAuth::Fail,
        "the sender's own header below ours is text"
    );
    let evil = "evil.test; dmarc=pass header.from=client.ro";
    assert_eq!(
        v(&[evil], "client.ro"),
        SenderAuth::None,
        "another server's word counts for nothing"
    );
    assert_eq!(v(&[evil, ours], "client.ro"), SenderAuth::Fail);
    assert_eq!(
        verdict(&[forged.to_string()], &[], &[], "client.ro"),
        SenderAuth::None,
        "nothing is trusted without ids"
    );
    assert_eq!(
        v(
            &["MX.Example.Test; DMARC=PASS header.from=client.ro"],
            "client.ro"
        ),
        SenderAuth::Pass
    );
}

#[test]
fn real_world_shapes() {
    // Microsoft 365, with a version, comments and reasons.
    let m365 = "mx.example.test 1; spf=pass (sender IP is 40.107.1.2) smtp.mailfrom=client.ro; dkim=pass (signature was verified) \
                    header.d=client.ro;dmarc=pass action=none header.from=client.ro;compauth=pass reason=100";
    assert_eq!(v(&[m365], "client.ro"), SenderAuth::Pass);
    // Google Workspace, folded over lines, the authserv-id with a comment.
    let google = "mx.example.test (google.com);\r\n       dkim=pass header.i=@client.ro header.s=s1 header.b=\"AbC+/1\";\r\n       \
                      spf=pass (google.com: domain of ion@client.ro designates 1.2.3.4 as permitted sender) smtp.mailfrom=ion@client.ro;\r\n       \
                      dmarc=pass (p=REJECT sp=REJECT dis=NONE) header.from=client.ro";
    assert_eq!(v(&[google], "client.ro"), SenderAuth::Pass);
    // OpenDMARC and OpenDKIM as separate headers: the topmost trusted one is OpenDMARC's.
    let opendmarc = "mx.example.test; dmarc=fail (p=reject dis=none) header.from=client.ro";
    let opendkim = "mx.example.test; dkim=pass (2048-bit key) header.d=client.ro";
    assert_eq!(v(&[opendmarc, opendkim], "client.ro"), SenderAuth::Fail);
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass reason=\"a; b\" header.d=client.ro"],
            "client.ro"
        ),
        SenderAuth::Pass
    );
    assert_eq!(
        v(&["", "garbage without structure"], "client.ro"),
        SenderAuth::None
    );
    // Gmail names the signer by header.i only.
    assert_eq!(
        v(
            &["mx.example.test; dkim=pass header.i=@client.ro header.s=s1"],
            "client.ro"
        ),
        SenderAuth::Pass
    );
}

#[test]
fn exchange_online_is_read_from_the_arc_set_it_adds_on_top() {
    let ms = ["mx.microsoft.com".to_string()];
    // Its own Authentication-Results has no authserv-id: "spf=pass" is no server's name.
    let ar = "spf=pass (sender IP is 203.0.113.7) smtp.mailfrom=client.ro; dkim=pass (signature was verified) header.d=client.ro;dmarc=pass action=none header.from=client.ro".to_string();
    let aar = |i: u32, result: &str| {
        format!(
            "i={i}; mx.microsoft.com 1; spf={result} smtp.mailfrom=client.ro; dkim={result} header.d=client.ro; dmarc={result} action=none header.from=client.ro"
        )
    };
    let ar = std::slice::from_ref(&ar);
    assert_eq!(
        verdict(ar, &[aar(1, "pass")], &ms, "client.ro"),
        SenderAuth::Pass
    );
    assert_eq!(
        verdict(ar, &[aar(2, "fail"), aar(1, "pass")], &ms, "client.ro"),
        SenderAuth::Fail,
        "only the topmost set"
    );
    let careless = ["spf=pass".to_string()];
    assert_eq!(
        verdict(ar, &[], &careless, "client.ro"),
        SenderAuth::None,
        "a result is no server's name, even when listed"
    );
    let theirs = "i=1; evil.test; dmarc=pass header.from=client.ro".to_string();
    assert_eq!(
        verdict(ar, &[theirs, aar(1, "pass")], &ms, "client.ro"),
        SenderAuth::None,
        "a set below another server's is not reached"
    );
    // A trusted Authentication-Results wins over any ARC set.
    let mx = "mx.example.test; dmarc=fail header.from=client.ro".to_string();
    assert_eq!(
        verdict(
            &[mx],
            &[aar(1, "pass")],
            &["mx.example.test".into(), "mx.microsoft.com".into()],
            "client.ro"
        ),
        SenderAuth::Fail
    );
}
