//! One template engine (minijinja) for web pages and mail; templates are embedded at build time.

use minijinja::Environment;
use serde::Serialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/templates.rs"));
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
}

impl Templates {
    pub fn new() -> Self {
        let mut env = Environment::new();
        for (name, source) in embedded::TEMPLATES {
            env.add_template(name, source).expect("embedded templates are valid");
        }
        env.set_keep_trailing_newline(true);
        Self { env }
    }

    /// Renders `email/<name>.<lang>.{txt,html}`; the subject is the `subject` block.
    pub fn mail(&self, name: &str, lang: &str, ctx: &impl Serialize) -> anyhow::Result<RenderedMail> {
        let ctx = minijinja::Value::from_serialize(ctx);
        let txt = self.env.get_template(&format!("email/{name}.{lang}.txt"))?;
        let html = self.env.get_template(&format!("email/{name}.{lang}.html"))?;
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
        Ok(self.env.get_template(name)?.render(minijinja::Value::from_serialize(ctx))?)
    }
}

impl Default for Templates {
    fn default() -> Self {
        Self::new()
    }
}
