//! `format=flowed` text (RFC 3676) joined back into the lines that were typed.

/// `format=flowed` text (RFC 3676, Thunderbird and Apple Mail) as the writer typed it: a
/// line ending in a space goes on in the next line of the same quote depth (without that
/// space when `delsp=yes`); space-stuffing is undone; the signature separator stays.
pub fn unflow(text: &str, delsp: bool) -> String {
    let mut lines: Vec<String> = Vec::new();
    // The quote depth of the line before, when that line goes on.
    let mut open: Option<usize> = None;
    for line in text.lines() {
        let depth = line.bytes().take_while(|b| *b == b'>').count();
        let content = &line[depth..];
        let content = content.strip_prefix(' ').unwrap_or(content);
        let soft = content.ends_with(' ') && content != "-- ";
        let piece = if soft && delsp {
            &content[..content.len() - 1]
        } else {
            content
        };
        match lines.last_mut() {
            Some(last) if open == Some(depth) => last.push_str(piece),
            _ => lines.push(format!(
                "{}{}{piece}",
                ">".repeat(depth),
                if depth > 0 && !piece.is_empty() {
                    " "
                } else {
                    ""
                }
            )),
        }
        open = soft.then_some(depth);
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flowed_text_is_read_as_typed() {
        let flowed = "Bună ziua, imprimanta din birou nu mai \r\ntipărește de azi.\r\n\r\n> Ați încercat să o \r\n> reporniți?\r\n>> Nu \r\n>> merge.\r\n \r\n From here on\r\n-- \r\nIon\r\n";
        assert_eq!(
            unflow(flowed, false),
            "Bună ziua, imprimanta din birou nu mai tipărește de azi.\n\n> Ați încercat să o reporniți?\n>> Nu merge.\n\nFrom here on\n-- \nIon\n"
        );
        assert_eq!(
            unflow("Imprimanta nu mer\r\nge.\r\n", true),
            "Imprimanta nu mer\nge.\n"
        );
        assert_eq!(
            unflow("Imprimanta nu mer \r\nge.\r\n", true),
            "Imprimanta nu merge.\n"
        );
        // A last line with no break after it, and stray spaces at the very end.
        assert_eq!(unflow("a \nb", false), "a b");
        assert_eq!(unflow("a ", false), "a ");
        assert_eq!(unflow("> x\n>\n> y\n", false), "> x\n>\n> y\n");
    }

    proptest::proptest! {
        /// Any text: no panic, no visible character lost or added, and text with no soft
        /// break (and nothing stuffed) stays as it is.
        #[test]
        fn any_text_is_read_without_loss(text in "(\\PC|[ >\r\n]){0,200}", delsp in proptest::bool::ANY) {
            let out = unflow(&text, delsp);
            proptest::prop_assert!(out.chars().filter(|c| !c.is_whitespace() && *c != '>').count()
                == text.chars().filter(|c| !c.is_whitespace() && *c != '>').count());
            let fixed: String = text.lines().map(|l| l.trim_end().trim_start_matches([' ', '>'])).collect::<Vec<_>>().join("\n");
            proptest::prop_assert_eq!(unflow(&fixed, delsp), fixed);
        }
    }
}
