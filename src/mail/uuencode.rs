//! uuencode: how files travelled in mail before MIME, and how some old clients, scanners
//! and business systems still send them, either as a part with
//! `Content-Transfer-Encoding: x-uuencode` or pasted into a plain text body between
//! `begin 644 name` and `end`.
//!
//! A block is taken only when every line of it reads as uuencode; anything else is left
//! as the text it is.

/// A file found in a text body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub content: Vec<u8>,
}

/// The bytes of a uuencoded part (`begin` line, data lines, `end`), and the name its
/// `begin` line gives; `None` when it is not uuencode.
pub fn decode_part(body: &[u8]) -> Option<Found> {
    let text = String::from_utf8_lossy(body);
    let mut lines = text.lines().skip_while(|l| l.trim().is_empty());
    let name = begin_name(lines.next()?)?;
    let (content, _) = data(&mut lines)?;
    Some(Found {
        name: name.to_string(),
        content,
    })
}

/// The text without its uuencoded blocks, and the files they held, in order. The text
/// comes back unchanged (and no file) when it holds no whole block.
pub fn extract(text: &str) -> (String, Vec<Found>) {
    if !text.contains("begin ") {
        return (text.to_string(), vec![]);
    }
    let lines: Vec<&str> = text.lines().collect();
    let (mut kept, mut files) = (Vec::with_capacity(lines.len()), Vec::new());
    let mut i = 0;
    while i < lines.len() {
        let block = begin_name(lines[i]).and_then(|name| {
            let mut rest = lines[i + 1..].iter().copied();
            data(&mut rest).map(|(content, used)| {
                (
                    Found {
                        name: name.to_string(),
                        content,
                    },
                    used,
                )
            })
        });
        match block {
            Some((file, used)) => {
                files.push(file);
                i += 1 + used;
            }
            None => {
                kept.push(lines[i]);
                i += 1;
            }
        }
    }
    if files.is_empty() {
        return (text.to_string(), vec![]);
    }
    let mut out = kept.join("\n");
    // Two blank lines where the block was are one paragraph break.
    while out.contains("\n\n\n") {
        out = out.replace("\n\n\n", "\n\n");
    }
    (out.trim().to_string(), files)
}

/// The file name of a `begin <mode> <name>` line.
fn begin_name(line: &str) -> Option<&str> {
    let rest = line.trim_end().strip_prefix("begin ")?;
    let (mode, name) = rest.split_once(' ')?;
    let octal = (3..=4).contains(&mode.len()) && mode.bytes().all(|b| (b'0'..=b'7').contains(&b));
    let name = name.trim();
    (octal && !name.is_empty()).then_some(name)
}

/// The data lines up to and including `end`: the bytes, and how many lines were read.
/// `None` when a line is not uuencode or `end` never comes.
fn data<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Option<(Vec<u8>, usize)> {
    let mut out = Vec::new();
    let mut used = 0;
    let mut ended = false;
    for line in lines {
        used += 1;
        let line = line.trim_end_matches(['\r', '\n']);
        if line.trim_end() == "end" {
            return (ended || !out.is_empty()).then_some((out, used));
        }
        if ended {
            // Only `end` may follow the zero-length line.
            if line.trim().is_empty() {
                continue;
            }
            return None;
        }
        let bytes = line.as_bytes();
        let count = usize::from(value(*bytes.first()?)?);
        if count == 0 {
            ended = true;
            continue;
        }
        // Four characters carry three bytes (some encoders drop trailing spaces, which
        // stand for zero bits; some add a check character).
        let chars = &bytes[1..];
        if chars.len() > count.div_ceil(3) * 4 + 2 {
            return None;
        }
        let mut group = [0u8; 4];
        let mut line_out = Vec::with_capacity(count + 2);
        for quad in 0..count.div_ceil(3) {
            for (k, slot) in group.iter_mut().enumerate() {
                *slot = match chars.get(quad * 4 + k) {
                    Some(c) => value(*c)?,
                    None => 0,
                };
            }
            line_out.push(group[0] << 2 | group[1] >> 4);
            line_out.push(group[1] << 4 | group[2] >> 2);
            line_out.push(group[2] << 6 | group[3]);
        }
        line_out.truncate(count);
        out.extend(line_out);
    }
    None
}

/// The six bits a uuencode character stands for (a backtick is zero, like a space).
fn value(c: u8) -> Option<u8> {
    (b' '..=b'`').contains(&c).then(|| (c - b' ') & 63)
}

#[cfg(test)]
mod tests {
    use super::*;

    // "hello world\n", as uuencode writes it.
    const HELLO: &str = "begin 644 hello.txt\n,:&5L;&\\@=V]R;&0*\n`\nend";

    #[test]
    fn a_pasted_block_becomes_a_file_and_leaves_the_text() {
        let text = format!("Vă trimit fișierul:\n\n{HELLO}\n\nMulțumesc,\nIon");
        let (text, files) = extract(&text);
        assert_eq!(text, "Vă trimit fișierul:\n\nMulțumesc,\nIon");
        assert_eq!(
            files,
            [Found {
                name: "hello.txt".into(),
                content: b"hello world\n".to_vec()
            }]
        );
    }

    #[test]
    fn text_that_only_looks_like_it_stays_text() {
        for text in [
            "Let us begin 644 rows later\nend",
            "begin 644 notes.txt\nthis is not uuencode at all\nend",
            "begin 644 cut.txt\n,:&5L;&\\@=V]R;&0*\n",
            "begin here\nend",
        ] {
            assert_eq!(extract(text), (text.to_string(), vec![]), "{text}");
        }
    }

    #[test]
    fn a_uuencoded_part_is_decoded() {
        let part = format!("\r\n{}\r\n", HELLO.replace('\n', "\r\n"));
        assert_eq!(
            decode_part(part.as_bytes()),
            Some(Found {
                name: "hello.txt".into(),
                content: b"hello world\n".to_vec()
            })
        );
        assert_eq!(decode_part(b"not uuencode"), None);
    }

    #[test]
    fn encoders_that_drop_trailing_spaces_or_the_zero_line_are_read() {
        // Three zero bytes encode as spaces; an encoder that trims them leaves "#".
        assert_eq!(extract("begin 600 z.bin\n#\nend").1[0].content, [0, 0, 0]);
        assert_eq!(
            extract("begin 600 z.bin\n#````\n`\nend").1[0].content,
            [0, 0, 0]
        );
    }
}
