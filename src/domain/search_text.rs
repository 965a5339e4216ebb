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

/// A `LIKE` pattern that finds `text` anywhere in a folded column (`ESCAPE '\'`).
pub fn like_pattern(text: &str) -> String {
    let folded = fold(text.trim());
    format!(
        "%{}%",
        folded
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    )
}

/// The FTS5 query for what someone typed: every word, folded, as a prefix (`imprim`
/// finds `imprimanta`), all of them required; `None` when there is no word in it. The
/// words are quoted, so nothing typed is read as FTS5 syntax.
pub fn fts_query(text: &str) -> Option<String> {
    let folded = fold(text);
    let words: Vec<String> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .take(16)
        .map(|w| format!("\"{w}\"*"))
        .collect();
    (!words.is_empty()).then(|| words.join(" AND "))
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
    fn fts_queries_are_folded_prefixes_of_every_word_and_never_syntax() {
        assert_eq!(
            fts_query("Ședință  IMPRIM"),
            Some("\"sedinta\"* AND \"imprim\"*".into())
        );
        assert_eq!(
            fts_query("a OR b NEAR(c) \"x"),
            Some("\"a\"* AND \"or\"* AND \"b\"* AND \"near\"* AND \"c\"* AND \"x\"*".into())
        );
        assert_eq!(fts_query(" -*\"() "), None);
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

    #[test]
    fn like_patterns_escape_their_wildcards() {
        assert_eq!(like_pattern(" 100%_Ok\\ "), "%100\\%\\_ok\\\\%");
    }
}
