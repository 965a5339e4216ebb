//! SQLite's placeholders as PostgreSQL's, once per statement text.

use std::collections::HashMap;
use std::sync::Arc;

/// SQLite's placeholders (`?`, `?N`) as PostgreSQL's (`$N`); text in quotes and comments
/// is left as it is. A bare `?` takes the number after the largest one so far, as in SQLite.
pub fn postgres_text(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut largest = 0u32;
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == c {
                        break;
                    }
                }
            }
            '-' if chars.peek() == Some(&'-') => {
                out.push(c);
                for q in chars.by_ref() {
                    out.push(q);
                    if q == '\n' {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let n = digits.parse().unwrap_or(largest + 1);
                largest = largest.max(n);
                out.push('$');
                out.push_str(&n.to_string());
            }
            _ => out.push(c),
        }
    }
    out
}

/// Statements already turned into PostgreSQL's placeholders, by their SQLite text.
#[derive(Default)]
pub(crate) struct Texts(HashMap<String, Arc<str>>);

impl Texts {
    pub(crate) fn get(&mut self, sql: &str) -> Arc<str> {
        if let Some(text) = self.0.get(sql) {
            return text.clone();
        }
        let text: Arc<str> = postgres_text(sql).into();
        self.0.insert(sql.to_string(), text.clone());
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_become_numbered_outside_quotes_and_comments() {
        assert_eq!(
            postgres_text("SELECT '?', x FROM t WHERE a = ? AND b = ? -- why?\n AND c = ?"),
            "SELECT '?', x FROM t WHERE a = $1 AND b = $2 -- why?\n AND c = $3"
        );
        assert_eq!(
            postgres_text("UPDATE t SET a = ?2 WHERE id = ?1 AND b = ?2 AND c = ?"),
            "UPDATE t SET a = $2 WHERE id = $1 AND b = $2 AND c = $3"
        );
        assert_eq!(
            postgres_text("SELECT \"a?\" FROM t"),
            "SELECT \"a?\" FROM t"
        );
    }
}
