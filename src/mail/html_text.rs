//! The text a person reads in an HTML mail: paragraphs, line breaks, list items and table
//! rows on lines of their own, table cells apart, entities decoded; scripts, styles,
//! the head and comments (Outlook's conditional blocks too) left out.

use mail_parser::decoders::html::add_html_token;

/// Elements whose content is not text a person reads.
const HIDDEN: [&str; 6] = ["script", "style", "head", "title", "template", "xml"];

/// Elements that begin and end a line of their own.
const BLOCKS: [&str; 28] = [
    "p",
    "div",
    "tr",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "table",
    "thead",
    "tbody",
    "tfoot",
    "blockquote",
    "pre",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "section",
    "article",
    "header",
    "footer",
    "address",
    "center",
];

/// The readable text of `html`.
pub fn to_text(html: &str) -> String {
    let mut out = Text::default();
    let mut rest = html;
    let mut hidden_until: Option<String> = None;
    let mut pre = 0usize;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            rest = after.find("-->").map(|i| &after[i + 3..]).unwrap_or("");
            continue;
        }
        if rest.starts_with('<') {
            let (tag, after) = match tag(rest) {
                Read::Tag(tag, after) => (tag, after),
                // A lone `<` is text.
                Read::NotATag => {
                    if hidden_until.is_none() {
                        out.word("<", pre > 0);
                    }
                    rest = &rest[1..];
                    continue;
                }
                // No `>` anywhere after it: the rest is text (and is read once, not once
                // per `<` in it).
                Read::Unterminated => {
                    if hidden_until.is_none() {
                        out.text(rest, pre > 0);
                    }
                    break;
                }
            };
            rest = after;
            if let Some(until) = &hidden_until {
                // A head left open ends where the body begins, as browsers read it.
                let body_begins = until == "head" && tag.name == "body" && !tag.closing;
                if (tag.closing && tag.name == *until) || body_begins {
                    hidden_until = None;
                }
                continue;
            }
            let name = tag.name.as_str();
            if HIDDEN.contains(&name) && !tag.closing && !tag.self_closing {
                hidden_until = Some(tag.name.clone());
            } else if name == "br" {
                out.line_break();
            } else if BLOCKS.contains(&name) {
                out.end_line();
                if name == "pre" {
                    pre = if tag.closing {
                        pre.saturating_sub(1)
                    } else {
                        pre + 1
                    };
                }
            } else if (name == "td" || name == "th") && tag.closing {
                out.gap();
            }
            continue;
        }
        let end = rest.find('<').unwrap_or(rest.len());
        if hidden_until.is_none() {
            out.text(&rest[..end], pre > 0);
        }
        rest = &rest[end..];
    }
    out.finish()
}

struct Tag {
    name: String,
    closing: bool,
    self_closing: bool,
}

enum Read<'a> {
    Tag(Tag, &'a str),
    NotATag,
    Unterminated,
}

/// The tag at the start of `s` and what follows it.
fn tag(s: &str) -> Read<'_> {
    let body = &s[1..];
    let (closing, body) = match body.strip_prefix('/') {
        Some(b) => (true, b),
        None => (false, body),
    };
    let name_len = body
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == ':' || c == '-'))
        .unwrap_or(body.len());
    if name_len == 0 && !body.starts_with('!') && !body.starts_with('?') {
        return Read::NotATag;
    }
    // The end of the tag, past quoted attribute values.
    let mut quote: Option<char> = None;
    let mut end = None;
    for (i, c) in body.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '>') => {
                end = Some(i);
                break;
            }
            _ => {}
        }
    }
    let Some(end) = end else {
        return Read::Unterminated;
    };
    // Outlook's `<o:p>` and other prefixed tags keep their prefix, so they are inline.
    let name = body[..name_len].to_ascii_lowercase();
    let self_closing = body[..end].ends_with('/');
    Read::Tag(
        Tag {
            name,
            closing,
            self_closing,
        },
        body.get(end + 1..).unwrap_or(""),
    )
}

/// The text being written: whitespace collapsed, lines ended once.
#[derive(Default)]
struct Text {
    out: String,
    pending_space: bool,
}

impl Text {
    fn text(&mut self, raw: &str, pre: bool) {
        if pre {
            self.flush_space();
            decode_into(&mut self.out, raw);
            return;
        }
        for (i, piece) in raw.split([' ', '\t', '\r', '\n', '\u{c}']).enumerate() {
            if i > 0 {
                self.pending_space = true;
            }
            if !piece.is_empty() {
                self.word(piece, false);
            }
        }
    }

    fn word(&mut self, word: &str, pre: bool) {
        if !pre {
            self.flush_space();
        }
        decode_into(&mut self.out, word);
    }

    fn flush_space(&mut self) {
        if self.pending_space && !self.out.is_empty() && !self.out.ends_with(['\n', ' ', '\t']) {
            self.out.push(' ');
        }
        self.pending_space = false;
    }

    fn line_break(&mut self) {
        self.trim_line_end();
        self.out.push('\n');
        self.pending_space = false;
    }

    fn end_line(&mut self) {
        self.trim_line_end();
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
        self.pending_space = false;
    }

    fn gap(&mut self) {
        if !self.out.is_empty() && !self.out.ends_with(['\n', '\t']) {
            self.trim_line_end();
            self.out.push('\t');
        }
        self.pending_space = false;
    }

    /// Drops the spaces that end the line; a no-break space stays, so that a paragraph of
    /// nothing but `&nbsp;` (how Outlook writes an empty line) still makes its line.
    fn trim_line_end(&mut self) {
        while self.out.ends_with(' ') {
            self.out.pop();
        }
    }

    fn finish(self) -> String {
        let mut lines: Vec<&str> = Vec::new();
        let mut blanks = 0;
        for line in self
            .out
            .lines()
            .map(|l| l.trim_end_matches([' ', '\t', '\u{a0}']))
        {
            let blank = line.trim_matches([' ', '\u{a0}']).is_empty();
            blanks = if blank { blanks + 1 } else { 0 };
            if blanks <= 1 {
                lines.push(if blank { "" } else { line });
            }
        }
        lines.join("\n").trim_matches('\n').replace('\u{a0}', " ")
    }
}

/// Appends `raw` with its character references (`&amp;`, `&#259;`, `&#x219;`) decoded.
fn decode_into(out: &mut String, raw: &str) {
    let mut rest = raw;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        let end = rest[1..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '#'))
            .map(|i| i + 1);
        match end {
            Some(e) if rest[e..].starts_with(';') && e > 1 => {
                add_html_token(out, &rest.as_bytes()[..=e], false);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::to_text;

    #[test]
    fn outlook_html_reads_as_its_lines() {
        let html = r#"<html xmlns:o="urn:schemas-microsoft-com:office:office"><head><style><!--
p.MsoNormal {margin:0cm;}
--></style><!--[if gte mso 9]><xml><o:shapedefaults v:ext="edit" /></xml><![endif]--></head>
<body lang="RO"><div class="WordSection1"><p class="MsoNormal">Bun&#259; ziua,<o:p></o:p></p><p class="MsoNormal"><o:p>&nbsp;</o:p></p>
<p class="MsoNormal">Serverul de fi&#537;iere nu mai r&#259;spunde.<o:p></o:p></p>
<table><tr><td>Server</td><td>FS01</td></tr><tr><td>IP</td><td>10.0.0.5</td></tr></table>
<p class="MsoNormal">Mul&#539;umesc,<br>Ion &amp; echipa</p>
<p><b>From:</b> Helpdesk &lt;support@example.test&gt;<br><b>Sent:</b> Monday</p></div><script>alert(1)</script></body></html>"#;
        assert_eq!(
            to_text(html),
            "Bună ziua,\n\nServerul de fișiere nu mai răspunde.\nServer\tFS01\nIP\t10.0.0.5\nMulțumesc,\nIon & echipa\nFrom: Helpdesk <support@example.test>\nSent: Monday"
        );
    }

    #[test]
    fn whitespace_collapses_but_pre_keeps_its_own() {
        assert_eq!(to_text("<div>  a \n b  </div><div>c</div>"), "a b\nc");
        assert_eq!(
            to_text("<p>x</p><pre>  two\n  lines</pre>"),
            "x\n  two\n  lines"
        );
        assert_eq!(
            to_text("1 < 2 &amp;&amp; 3 > 2 &unknown; AT&T"),
            "1 < 2 && 3 > 2 &unknown; AT&T"
        );
        assert_eq!(to_text("<ul><li>unu</li><li>doi</li></ul>"), "unu\ndoi");
        assert_eq!(to_text(""), "");
        assert_eq!(to_text("<p>a<br><br><br><br>b</p>"), "a\n\nb");
        assert_eq!(to_text("<p>a</p>b <c d=\"e"), "a\nb <c d=\"e");
        assert_eq!(
            to_text("<html><head><title>t</title><body>Textul</body></html>"),
            "Textul"
        );
        // Read in linear time: 200,000 unterminated tags are one run of text.
        let hostile = "<a".repeat(200_000);
        assert_eq!(to_text(&hostile).len(), hostile.len());
    }
}
