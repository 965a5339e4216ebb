//! Mail HTML made safe to show: no scripts, handlers, forms or styles; no remote images
//! (they track the reader); `cid:` images point at the stored attachment.

use std::collections::HashMap;
use std::sync::Arc;

/// Sanitises `html`; `inline` maps a Content-ID to the URL of its stored attachment.
pub fn sanitize(html: &str, inline: HashMap<String, String>) -> String {
    let inline = Arc::new(inline);
    ammonia::Builder::default()
        .url_schemes(["http", "https", "mailto", "cid"].into_iter().collect())
        .link_rel(Some("noopener noreferrer nofollow"))
        .attribute_filter(
            move |element, attribute, value| match (element, attribute) {
                ("img", "src") => {
                    let cid = value.strip_prefix("cid:")?;
                    inline
                        .get(cid.trim_matches(['<', '>']))
                        .map(|url| url.clone().into())
                }
                _ => Some(value.into()),
            },
        )
        .clean(html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_handlers_and_javascript_links_are_removed() {
        let dirty = r#"<p>HOSTILE</p><script>alert(1)</script><img src="x" onerror="alert(1)">
            <a href="javascript:alert(1)">x</a><svg onload="alert(1)"></svg><iframe src="http://e.test"></iframe>
            <form action="http://e.test"><input name=p></form><p style="background:url(http://e.test)">s</p>"#;
        let clean = sanitize(dirty, HashMap::new());
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onload",
            "<svg",
            "<iframe",
            "<form",
            "<input",
            "style=",
        ] {
            assert!(!clean.contains(bad), "{bad} survived: {clean}");
        }
        assert!(clean.contains("<p>HOSTILE</p>"));
    }

    #[test]
    fn remote_images_go_and_inline_images_point_at_the_attachment() {
        let mut inline = HashMap::new();
        inline.insert(
            "logo@x".to_string(),
            "/portal/requests/HD-1/attachments/7".to_string(),
        );
        let clean = sanitize(
            r#"<img src="https://tracker.test/p.gif"><img src="cid:logo@x" alt="logo">"#,
            inline,
        );
        assert!(!clean.contains("tracker.test"), "{clean}");
        assert!(
            clean.contains(r#"src="/portal/requests/HD-1/attachments/7""#),
            "{clean}"
        );
        let link = sanitize(r#"<a href="https://ok.test">ok</a>"#, HashMap::new());
        assert!(
            link.contains(r#"rel="noopener noreferrer nofollow""#),
            "{link}"
        );
    }
}
