//! SQLite's values as the CSV fields of PostgreSQL's COPY.

use std::fmt::Write as _;

use anyhow::bail;
use rusqlite::types::ValueRef;

/// What PostgreSQL cannot hold in text: NUL, and bytes that are not UTF-8.
const REPLACEMENT: char = char::REPLACEMENT_CHARACTER;

/// Appends one value as a CSV field of COPY to `buf`: nothing for NULL, a quoted string
/// otherwise (so an empty text stays empty, not NULL); a flag as `t`/`f`, bytes as `\x`
/// and hex. A text with NUL or with bytes that are not UTF-8 (which PostgreSQL's text
/// cannot hold) is written with U+FFFD in their place; returns whether that happened.
pub fn field(buf: &mut Vec<u8>, value: ValueRef<'_>, pg_type: &str) -> anyhow::Result<bool> {
    let quoted = |buf: &mut Vec<u8>, bytes: &[u8]| {
        buf.push(b'"');
        for &b in bytes {
            if b == b'"' {
                buf.push(b'"');
            }
            buf.push(b);
        }
        buf.push(b'"');
    };
    match value {
        ValueRef::Null => {}
        ValueRef::Integer(i) if pg_type == "bool" => {
            buf.push(if i != 0 { b't' } else { b'f' });
        }
        ValueRef::Integer(i) => buf.extend_from_slice(i.to_string().as_bytes()),
        ValueRef::Real(f) => buf.extend_from_slice(f.to_string().as_bytes()),
        ValueRef::Text(t) => match std::str::from_utf8(t) {
            Ok(text) if !text.contains('\0') => quoted(buf, t),
            _ => {
                let text = String::from_utf8_lossy(t).replace('\0', &REPLACEMENT.to_string());
                quoted(buf, text.as_bytes());
                return Ok(true);
            }
        },
        ValueRef::Blob(b) if pg_type == "bytea" => {
            let mut hex = String::with_capacity(2 + 2 * b.len());
            hex.push_str("\\x");
            for byte in b {
                let _ = write!(hex, "{byte:02x}");
            }
            quoted(buf, hex.as_bytes());
        }
        ValueRef::Blob(_) => bail!("bytes where PostgreSQL expects {pg_type}"),
    }
    Ok(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv(value: ValueRef<'_>, pg_type: &str) -> (String, bool) {
        let mut buf = Vec::new();
        let replaced = field(&mut buf, value, pg_type).expect("a field");
        (String::from_utf8(buf).expect("text"), replaced)
    }

    #[test]
    fn values_become_csv_fields_copy_reads_back_exactly() {
        assert_eq!(csv(ValueRef::Null, "text").0, "");
        assert_eq!(csv(ValueRef::Text(b""), "text").0, "\"\"");
        assert_eq!(
            csv(ValueRef::Text("a \"b\",\nc\\.".as_bytes()), "text"),
            ("\"a \"\"b\"\",\nc\\.\"".to_string(), false)
        );
        assert_eq!(csv(ValueRef::Integer(1), "bool").0, "t");
        assert_eq!(csv(ValueRef::Integer(0), "bool").0, "f");
        assert_eq!(csv(ValueRef::Integer(-42), "int8").0, "-42");
        assert_eq!(
            csv(ValueRef::Blob(&[0, 255, 16]), "bytea").0,
            "\"\\x00ff10\""
        );
        let mut buf = Vec::new();
        assert!(field(&mut buf, ValueRef::Blob(&[1]), "text").is_err());
    }

    #[test]
    fn what_postgres_text_cannot_hold_becomes_a_replacement_character() {
        assert_eq!(
            csv(ValueRef::Text(b"a\0b"), "text"),
            ("\"a\u{fffd}b\"".to_string(), true)
        );
        assert_eq!(
            csv(ValueRef::Text(b"x\xffy"), "text"),
            ("\"x\u{fffd}y\"".to_string(), true)
        );
    }
}
