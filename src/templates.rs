//! One template engine (minijinja) for web pages and mail; templates are embedded at build time.

use std::collections::BTreeMap;

use minijinja::Environment;
use serde::Serialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
}

/// An embedded file under `templates/` as it is (stylesheets, scripts, word lists).
pub fn asset(name: &str) -> Option<&'static str> {
    embedded::TEMPLATES
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, source)| *source)
}

/// A rendered mail: subject line (without the ticket key), text and HTML bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedMail {
    pub subject: String,
    pub text: String,
    pub html: String,
}

pub struct Templates {
    env: Environment<'static>,
    texts: BTreeMap<String, BTreeMap<String, String>>,
    /// The same words as template values, made once (a page uses them on every render).
    text_values: BTreeMap<String, minijinja::Value>,
}

/// The words of the web pages, per language, from `templates/portal/texts.toml`.
pub type Texts = BTreeMap<String, String>;

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, source) in embedded::TEMPLATES {
            if name.ends_with(".html") || name.ends_with(".txt") {
                env.add_template(name, source)
                    .expect("embedded templates are valid");
            }
        }
        let texts: BTreeMap<String, Texts> =
            toml::from_str(asset("portal/texts.toml").unwrap_or_default())
                .expect("the portal texts are valid TOML");
        env.set_keep_trailing_newline(true);
        env.set_formatter(format_value);
        env.add_filter("lines", lines);
        let text_values = texts
            .iter()
            .map(|(lang, words)| (lang.clone(), minijinja::Value::from_serialize(words)))
            .collect();
        Self {
            env,
            texts,
            text_values,
        }
    }

    /// The page words of `lang` (Romanian unless `en`).
    pub fn texts(&self, lang: &str) -> &Texts {
        let lang = if lang == "en" { "en" } else { "ro" };
        self.texts
            .get(lang)
            .expect("texts.toml has a table per language")
    }

    /// Renders `email/<name>.<lang>.{txt,html}`; the subject is the `subject` block.
    pub fn mail(
        &self,
        name: &str,
        lang: &str,
        ctx: &impl Serialize,
    ) -> anyhow::Result<RenderedMail> {
        let ctx = minijinja::Value::from_serialize(ctx);
        let txt = self.env.get_template(&format!("email/{name}.{lang}.txt"))?;
        let html = self
            .env
            .get_template(&format!("email/{name}.{lang}.html"))?;
        let mut captured = txt.render_captured(&ctx)?;
        let subject = captured.with_state_mut(|state| state.render_block("subject"))?;
        Ok(RenderedMail {
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: captured.into_output().trim().to_string() + "\n",
            html: html.render(&ctx)?,
        })
    }

    /// Renders a web page template.
    pub fn page(&self, name: &str, ctx: &impl Serialize) -> anyhow::Result<String> {
        Ok(self
            .env
            .get_template(name)?
            .render(minijinja::Value::from_serialize(ctx))?)
    }

    /// Renders a web page template with the words of `lang` as `tx`.
    pub fn page_in(&self, name: &str, lang: &str, ctx: &impl Serialize) -> anyhow::Result<String> {
        let lang = if lang == "en" { "en" } else { "ro" };
        let tx = self.text_values.get(lang).cloned().unwrap_or_default();
        let ctx = minijinja::context! { tx => tx, ..minijinja::Value::from_serialize(ctx) };
        Ok(self.env.get_template(name)?.render(ctx)?)
    }
}

/// The default formatter, except that HTML escaping leaves `/` alone (the default writes
/// `&#x2f;`, which turns every link in a mail into noise): `& < > " '` are escaped, which
/// is what text and quoted attributes need.
fn format_value(
    out: &mut minijinja::Output,
    state: &minijinja::State,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    match (state.auto_escape(), value.as_str()) {
        (minijinja::AutoEscape::Html, Some(s)) if !value.is_safe() => out
            .write_str(&html_escape::encode_quoted_attribute(s))
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string())),
        _ => minijinja::escape_formatter(out, state, value),
    }
}

/// Text typed by a person, for HTML: escaped, with its line breaks as `<br>` (mail
/// clients such as Outlook ignore `white-space: pre-wrap`).
fn lines(text: &str) -> minijinja::Value {
    let escaped = html_escape::encode_quoted_attribute(text);
    minijinja::Value::from_safe_string(escaped.replace("\r\n", "\n").replace('\n', "<br>\n"))
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_escapes_markup_but_keeps_links_readable() {
        let t = Templates::new();
        let vars = serde_json::json!({
            "lang": "ro", "helpdesk_name": "Helpdesk", "key": "HD-1", "subject": "<script>x</script> & co",
            "customer_name": "", "view_url": "http://h.test/portal/requests/HD-1", "unsubscribe_url": "",
            "status_label": "În lucru", "message": "", "resolution": "", "agent_name": "", "old_key": "",
        });
        let m = t.mail("status_changed", "ro", &vars).unwrap();
        assert!(
            m.html
                .contains("href=\"http://h.test/portal/requests/HD-1\""),
            "{}",
            m.html
        );
        assert!(
            m.html.contains("&lt;script&gt;x&lt;/script&gt; &amp; co"),
            "{}",
            m.html
        );
        assert!(!m.html.contains("<script>"));
        assert!(
            m.text
                .contains("Vizualizați solicitarea: http://h.test/portal/requests/HD-1")
        );
        assert!(
            m.text.contains("<script>x</script> & co"),
            "plain text is not escaped"
        );
    }

    #[test]
    fn every_page_word_exists_in_both_languages() {
        let t = Templates::new();
        let (ro, en) = (t.texts("ro"), t.texts("en"));
        assert_eq!(
            ro.keys().collect::<Vec<_>>(),
            en.keys().collect::<Vec<_>>(),
            "ro and en list the same words"
        );
        let used = regex::Regex::new(r"\btx\.([a-z_]+)").unwrap();
        for (name, source) in embedded::TEMPLATES
            .iter()
            .filter(|(n, _)| n.ends_with(".html"))
        {
            for m in used.captures_iter(source) {
                assert!(
                    ro.contains_key(&m[1]),
                    "{name} uses tx.{} which texts.toml lacks",
                    &m[1]
                );
            }
        }
    }

    #[test]
    fn typed_text_keeps_its_lines_in_html() {
        let t = Templates::new();
        let vars = serde_json::json!({
            "lang": "en", "helpdesk_name": "Helpdesk", "key": "HD-1", "subject": "x", "customer_name": "Ion",
            "view_url": "http://h.test/r", "unsubscribe_url": "", "status_label": "", "agent_name": "Ana",
            "message": "Line one\n<b>two</b>", "resolution": "", "old_key": "",
        });
        let m = t.mail("agent_reply", "en", &vars).unwrap();
        assert!(
            m.html.contains("Line one<br>\n&lt;b&gt;two&lt;/b&gt;"),
            "{}",
            m.html
        );
        assert!(m.text.contains("Line one\n<b>two</b>"));
    }
}
