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
    let parts: Vec<String> = terms
        .iter()
        .map(|(typed, term)| match term {
            Term::Prefix(p) => format!("{}*", quote(p)),
            Term::Words(words) if words.is_empty() => quote(typed),
            Term::Words(words) => format!(
                "({})",
                words
                    .iter()
                    .map(|w| quote(w))
                    .collect::<Vec<_>>()
                    .join(" OR ")
            ),
        })
        .collect();
    (!parts.is_empty()).then(|| parts.join(" AND "))
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
