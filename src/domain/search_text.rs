//! Text as search compares it: lower case, and Latin letters without their diacritics, so
//! that `sedinta`, `ȘEDINȚĂ` and `şedinţă` all find `ședință` (people often type Romanian
//! without diacritics, and older mail writes ş ţ with a cedilla).

/// The folded form of `text`.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for lower in c.to_lowercase() {
            match base_letter(lower) {
                Some(base) => out.push_str(base),
                None => out.push(lower),
            }
        }
    }
    out
}

/// The words search looks for in what someone typed: folded, at most 16.
pub fn words(text: &str) -> Vec<String> {
    fold(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_owned)
        .collect()
}

/// How a typed word is looked for: as the whole words of the index that it begins
/// (`imprim` finds `imprimanta` and `imprimare`), or, when it begins too many of them to
/// list, as a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    Words(Vec<String>),
    Prefix(String),
}

/// The FTS5 query that requires every term; `None` when there is none. Everything is
/// quoted, so nothing typed is read as FTS5 syntax. A typed word that begins no word of
/// the index (an empty `Words`) is looked for as itself, and finds nothing.
pub fn fts_query(terms: &[(String, Term)]) -> Option<String> {
    let quote = |w: &str| format!("\"{}\"", w.replace('"', "\"\""));
    query_of(terms, quote, ("*", " OR ", " AND "))
}

/// Every term written with `quote`, a prefix followed by `syntax.0`, a term's words joined
/// by `syntax.1` and the terms by `syntax.2`.
fn query_of(
    terms: &[(String, Term)],
    quote: impl Fn(&str) -> String,
    (prefix, or, and): (&str, &str, &str),
) -> Option<String> {
    let parts: Vec<String> = terms
        .iter()
        .map(|(typed, term)| match term {
            Term::Prefix(p) => format!("{}{prefix}", quote(p)),
            Term::Words(words) if words.is_empty() => quote(typed),
            Term::Words(words) => format!(
                "({})",
                words.iter().map(|w| quote(w)).collect::<Vec<_>>().join(or)
            ),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(and))
}

/// The word that stands in the full-text indexes for a person who may read a text in the
/// portal (the ticket's requester or a CC): `r` and 16 hex digits of the address's FNV-1a
/// hash, in ASCII lower case as addresses are compared. A customer's search asks for it
/// beside the typed words, so the indexes return only that customer's hits; a rare
/// collision is harmless, since the hits are checked against the participants.
pub fn reader_token(address: &str) -> String {
    let hash = address.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b.to_ascii_lowercase())).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("r{hash:016x}")
}

/// `query` restricted to the index column `column` (the text, not its readers).
pub fn in_column(column: &str, query: &str) -> String {
    format!("{{{column}}} : ({query})")
}

/// The PostgreSQL text-search query (`tsquery`) that requires every term, as
/// [`fts_query`]: the whole words a typed word begins, or the typed word as a prefix;
/// `None` when there is none. Every lexeme is quoted, so nothing typed is read as syntax.
pub fn ts_query(terms: &[(String, Term)]) -> Option<String> {
    let quote = |w: &str| format!("'{}'", w.replace('\\', "\\\\").replace('\'', "''"));
    query_of(terms, quote, (":*", " | ", " & "))
}

/// Every typed word as a prefix: what each finds in the text, whatever the vocabulary.
pub fn prefixes(words: &[String]) -> Vec<(String, Term)> {
    words
        .iter()
        .map(|w| (w.clone(), Term::Prefix(w.clone())))
        .collect()
}

/// The letter under a lower-case Latin letter with diacritics.
fn base_letter(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_words_are_folded_and_never_syntax() {
        assert_eq!(words("Ședință  IMPRIM"), ["sedinta", "imprim"]);
        assert_eq!(
            words("a OR b NEAR(c) \"x"),
            ["a", "or", "b", "near", "c", "x"]
        );
        assert!(words(" -*\"() ").is_empty());
        assert_eq!(words(&"w ".repeat(40)).len(), 16);
    }

    #[test]
    fn fts_queries_require_every_term_quoted() {
        let terms = [
            (
                "imprim".to_string(),
                Term::Words(vec!["imprimanta".into(), "imprimare".into()]),
            ),
            ("a".to_string(), Term::Prefix("a".into())),
            ("zzz".to_string(), Term::Words(vec![])),
            ("q".to_string(), Term::Words(vec!["q\"x".into()])),
        ];
        assert_eq!(
            fts_query(&terms).as_deref(),
            Some("(\"imprimanta\" OR \"imprimare\") AND \"a\"* AND \"zzz\" AND (\"q\"\"x\")")
        );
        assert_eq!(fts_query(&[]), None);
    }

    #[test]
    fn a_reader_is_one_token_whatever_the_case_of_the_address() {
        let token = reader_token("Ana.Popescu@Example.RO");
        assert_eq!(token, reader_token("ana.popescu@example.ro"));
        assert_ne!(token, reader_token("ana.popescu@example.com"));
        assert_eq!(token.len(), 17);
        assert!(token.starts_with('r'));
        assert_eq!(words(&token), std::slice::from_ref(&token));
        // FNV-1a of the empty input is its offset basis.
        assert_eq!(reader_token(""), "rcbf29ce484222325");
    }

    #[test]
    fn postgres_queries_require_every_term_quoted() {
        let terms = [
            (
                "imprim".to_string(),
                Term::Words(vec!["imprimanta".into(), "imprimare".into()]),
            ),
            ("a".to_string(), Term::Prefix("a".into())),
            ("zzz".to_string(), Term::Words(vec![])),
        ];
        assert_eq!(
            ts_query(&terms).as_deref(),
            Some("('imprimanta' | 'imprimare') & 'a':* & 'zzz'")
        );
        assert_eq!(
            ts_query(&prefixes(&words("Ședință imprim"))).as_deref(),
            Some("'sedinta':* & 'imprim':*")
        );
        assert_eq!(
            ts_query(&prefixes(&["o'a\\".into()])).as_deref(),
            Some("'o''a\\\\':*")
        );
        assert_eq!(ts_query(&[]), None);
    }

    #[test]
    fn romanian_is_found_with_or_without_diacritics_in_any_case() {
        let stored = fold("Ședință în ianuarie: factură greșită");
        for typed in [
            "sedinta",
            "ȘEDINȚĂ",
            "şedinţă",
            "Factura Gresita",
            "IN IANUARIE",
        ] {
            assert!(stored.contains(&fold(typed)), "{typed}");
        }
    }

    #[test]
    fn other_scripts_only_lose_their_case() {
        assert_eq!(fold("Принтер"), "принтер");
        assert_eq!(fold("プリンター"), "プリンター");
        assert_eq!(fold("Straße Œuvre"), "strasse oeuvre");
    }
}
