//! Who vouches for a mail's sender: the `Authentication-Results` (RFC 8601) that our own
//! receiving servers stamped, read into one verdict. Any other such header is the sender's
//! own text and counts for nothing.

use serde::Serialize;

/// What our receiving servers said of the From address.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum SenderAuth {
    /// DMARC passed, or (without a DMARC result) a DKIM signature of the From domain.
    Pass,
    /// No verdict of a trusted server, or one that proves nothing either way.
    None,
    /// DMARC failed, or (without a DMARC result) SPF failed and no DKIM signature passed.
    Fail,
}

impl SenderAuth {
    pub fn as_str(self) -> &'static str {
        match self {
            SenderAuth::Pass => "pass",
            SenderAuth::None => "none",
            SenderAuth::Fail => "fail",
        }
    }

    pub fn parse(s: &str) -> Option<SenderAuth> {
        [SenderAuth::Pass, SenderAuth::None, SenderAuth::Fail]
            .into_iter()
            .find(|a| a.as_str() == s)
    }
}

/// The verdict on a mail whose From domain is `from_domain`, from its
/// `Authentication-Results` header values in the order they stand (the newest, added by
/// the last server, first). Only the topmost header stamped by one of `trusted` counts: a
/// receiving server adds its own on top of whatever the sender wrote below.
///
/// Without such a header, the topmost `ARC-Authentication-Results` (`arc`, in order) is
/// read, and only that one, when a trusted server stamped it: Exchange Online writes its
/// `Authentication-Results` without an authserv-id, and states the same results under its
/// id (`mx.microsoft.com`) in the ARC set it adds on top on receipt.
pub fn verdict(
    headers: &[String],
    arc: &[String],
    trusted: &[String],
    from_domain: &str,
) -> SenderAuth {
    let is_trusted = |s: &Stamp| {
        !s.authserv_id.is_empty()
            && trusted
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&s.authserv_id))
    };
    let ours = headers.iter().map(|h| Stamp::read(h)).find(is_trusted);
    let ours = ours.or_else(|| {
        arc.first()
            .map(|h| Stamp::read(without_instance(h)))
            .filter(is_trusted)
    });
    let Some(stamp) = ours else {
        return SenderAuth::None;
    };
    let result = |method: &'static str| stamp.results.iter().filter(move |r| r.method == method);
    if let Some(dmarc) = result("dmarc").next() {
        return match dmarc.result.as_str() {
            "pass" => SenderAuth::Pass,
            "fail" => SenderAuth::Fail,
            _ => SenderAuth::None,
        };
    }
    let dkim_pass = result("dkim")
        .filter(|r| r.result == "pass")
        .collect::<Vec<_>>();
    if dkim_pass
        .iter()
        .any(|r| r.signer().is_some_and(|d| aligned(d, from_domain)))
    {
        return SenderAuth::Pass;
    }
    if dkim_pass.is_empty() && result("spf").any(|r| r.result == "fail") {
        return SenderAuth::Fail;
    }
    SenderAuth::None
}

/// An ARC-Authentication-Results value without its `i=<n>;` instance tag.
fn without_instance(h: &str) -> &str {
    match h.trim_start().split_once(';') {
        Some((tag, rest)) if tag.trim().to_ascii_lowercase().starts_with("i=") => rest,
        _ => h,
    }
}

/// Relaxed alignment (RFC 7489 §3.1): the signing domain and the From domain are one, or
/// one is a subdomain of the other.
fn aligned(signer: &str, from_domain: &str) -> bool {
    let (a, b) = (
        signer.trim_end_matches('.').to_ascii_lowercase(),
        from_domain.to_ascii_lowercase(),
    );
    let under = |child: &str, parent: &str| {
        child.len() > parent.len()
            && child.ends_with(parent)
            && child[..child.len() - parent.len()].ends_with('.')
    };
    !a.is_empty() && (a == b || under(&a, &b) || (under(&b, &a) && a.contains('.')))
}

/// One `Authentication-Results` header: who stamped it, and each method's result.
struct Stamp {
    authserv_id: String,
    results: Vec<MethodResult>,
}

struct MethodResult {
    method: String,
    result: String,
    /// `ptype.property=value` pairs, e.g. `header.d=example.com`.
    properties: Vec<(String, String)>,
}

impl MethodResult {
    /// The signing domain: `header.d`, or the domain of `header.i` (Gmail names only that).
    fn signer(&self) -> Option<&str> {
        self.property("header.d").or_else(|| {
            self.property("header.i")
                .map(|i| i.rsplit('@').next().unwrap_or(i))
        })
    }

    fn property(&self, name: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Stamp {
    /// Reads `authserv-id [version]; method[/version]=result [reason] [ptype.prop=value …]; …`
    /// leniently: comments dropped, quotes removed, names lower-cased, anything unreadable
    /// left out.
    fn read(header: &str) -> Stamp {
        let text = without_comments(header);
        let mut statements = split_outside_quotes(&text, ';').into_iter();
        // A header without an id (Exchange Online's starts with `spf=…`) names no server.
        let authserv_id = statements
            .next()
            .and_then(|s| s.split_whitespace().next().map(unquote))
            .filter(|id| !id.contains('='))
            .unwrap_or_default();
        let results = statements
            .filter_map(|s| {
                let mut words = split_outside_quotes(&s, ' ')
                    .into_iter()
                    .filter(|w| !w.is_empty());
                let (method, result) = words
                    .next()?
                    .split_once('=')
                    .map(|(m, r)| (m.to_string(), r.to_string()))?;
                let method = method
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                let properties = words
                    .filter_map(|w| {
                        w.split_once('=')
                            .map(|(k, v)| (k.trim().to_ascii_lowercase(), unquote(v.trim())))
                    })
                    .filter(|(k, _)| k.contains('.'))
                    .collect();
                Some(MethodResult {
                    method,
                    result: unquote(&result).to_ascii_lowercase(),
                    properties,
                })
            })
            .collect();
        Stamp {
            authserv_id,
            results,
        }
    }
}

/// The text without RFC 5322 comments (`(…)`, nested), outside quoted strings.
fn without_comments(s: &str) -> String {
    let (mut out, mut depth, mut quoted, mut escaped) =
        (String::with_capacity(s.len()), 0usize, false, false);
    for c in s.chars() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '"' if depth == 0 => quoted = !quoted,
            '(' if !quoted => depth += 1,
            ')' if !quoted && depth > 0 => {
                depth -= 1;
                out.push(' ');
                continue;
            }
            _ => {}
        }
        if depth == 0 && !(escaped && c == '\\') {
            out.push(if c.is_whitespace() { ' ' } else { c });
        }
    }
    out
}

fn split_outside_quotes(s: &str, sep: char) -> Vec<String> {
    let (mut parts, mut current, mut quoted) = (Vec::new(), String::new(), false);
    for c in s.chars() {
        match c {
            '"' => quoted = !quoted,
            c if c == sep && !quoted => {
                parts.push(std::mem::take(&mut current).trim().to_string());
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push(current.trim().to_string());
    parts
}

fn unquote(s: &str) -> String {
    s.trim().trim_matches('"').to_string()
}

#[cfg(test)]
mod tests;
