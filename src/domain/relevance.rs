//! How well a full-text hit matches, the same on both engines: BM25 without the weight of
//! each word's rarity. Every hit holds every word (they are ANDed), and learning a word's
//! rarity means reading all of its hits once per query, which at a million tickets was
//! most of a common word's search. What is left ranks a hit by how often it holds the
//! query's phrases against how long it is, next to the average. SQLite's FTS5 hands the
//! counts to `relevance()` (`db::fts5`); PostgreSQL's ranked search reads them off the
//! stored words (`db::search`).

use super::search_text::Term;

/// BM25's usual constants: how fast repeating a word stops counting, and how much a long
/// text is held against its matches.
const K1: f64 = 1.2;
const B: f64 = 0.75;

/// The score of one hit from how often each phrase occurs in it, its length and the
/// index's average length, all in words; lower is better (as FTS5's `bm25()`).
pub fn score(occurrences: &[u32], length: f64, average: f64) -> f64 {
    let norm = K1 * (1.0 - B + B * length / average.max(1.0));
    -occurrences
        .iter()
        .map(|&n| f64::from(n) * (K1 + 1.0) / (f64::from(n) + norm))
        .sum::<f64>()
}

/// One phrase of a query, as FTS5 counts it: a whole word, or every word a prefix begins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phrase {
    Word(String),
    Prefix(String),
}

/// The phrases of a query's terms, in the query's order: each word a typed word stands for
/// (the typed word itself when it begins none), or its prefix.
pub fn phrases(terms: &[(String, Term)]) -> Vec<Phrase> {
    terms
        .iter()
        .flat_map(|(typed, term)| match term {
            Term::Prefix(p) => vec![Phrase::Prefix(p.clone())],
            Term::Words(words) if words.is_empty() => vec![Phrase::Word(typed.clone())],
            Term::Words(words) => words.iter().cloned().map(Phrase::Word).collect(),
        })
        .collect()
}

/// How often each phrase occurs in a text whose words occur `counts` times each (the
/// words that occur in no phrase may be left out).
pub fn occurrences<'w>(
    phrases: &[Phrase],
    counts: impl Iterator<Item = (&'w str, u32)> + Clone,
) -> Vec<u32> {
    phrases
        .iter()
        .map(|phrase| {
            counts
                .clone()
                .filter(|(word, _)| match phrase {
                    Phrase::Word(w) => word == w,
                    Phrase::Prefix(p) => word.starts_with(p.as_str()),
                })
                .map(|(_, n)| n)
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_score_is_bm25s_without_rarity() {
        // One occurrence in a text of average length: (1 * 2.2) / (1 + 1.2).
        assert!((score(&[1], 10.0, 10.0) + 1.0).abs() < 1e-9);
        // Repeating a word counts, less and less.
        assert!(score(&[2], 10.0, 10.0) < score(&[1], 10.0, 10.0));
        assert!(score(&[2], 10.0, 10.0) > 2.0 * score(&[1], 10.0, 10.0));
        // A longer text holds the same match against it.
        assert!(score(&[1], 40.0, 10.0) > score(&[1], 10.0, 10.0));
        // Two words matched count more than one.
        assert!(score(&[1, 1], 10.0, 10.0) < score(&[1, 0], 10.0, 10.0));
    }

    #[test]
    fn each_word_and_each_prefix_is_a_phrase_counted_on_its_own() {
        let terms = [
            (
                "imprim".to_string(),
                Term::Words(vec!["imprimanta".into(), "imprimare".into()]),
            ),
            ("xyz".to_string(), Term::Words(vec![])),
            ("pr".to_string(), Term::Prefix("pr".into())),
        ];
        let phrases = phrases(&terms);
        assert_eq!(
            phrases,
            [
                Phrase::Word("imprimanta".into()),
                Phrase::Word("imprimare".into()),
                Phrase::Word("xyz".into()),
                Phrase::Prefix("pr".into()),
            ]
        );
        let counts = [("imprimanta", 3), ("pret", 2), ("problema", 1), ("ieri", 4)];
        assert_eq!(
            occurrences(&phrases, counts.iter().copied()),
            [3, 0, 0, 3],
            "a prefix counts every word it begins"
        );
    }
}
