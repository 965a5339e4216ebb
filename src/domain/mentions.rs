//! `@ana` in a note: which agents a text mentions. An agent answers to the part of their
//! address before the `@`, to their first name and to their whole name run together, in
//! any case and with or without diacritics.

use super::search_text::fold;

/// An agent as a mention can name them.
pub struct Mentionable<'a, Id> {
    pub id: Id,
    pub email: &'a str,
    pub name: &'a str,
}

/// The ids of the agents `text` mentions, each once, in the order of the list.
pub fn mentioned<Id: Copy + PartialEq>(text: &str, agents: &[Mentionable<'_, Id>]) -> Vec<Id> {
    let words: Vec<String> = text
        .split('@')
        .skip(1)
        .map(|after| {
            after
                .chars()
                .take_while(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'))
                .collect::<String>()
        })
        .map(|w| fold(w.trim_end_matches(['.', '-', '_'])))
        .filter(|w| !w.is_empty())
        .collect();
    let mut out = Vec::new();
    for a in agents {
        let local = fold(a.email.split('@').next().unwrap_or(""));
        let name = fold(a.name);
        let first = name.split_whitespace().next().unwrap_or("").to_string();
        let whole: String = name.split_whitespace().collect();
        let named = words.iter().any(|w| {
            *w == local || (!first.is_empty() && *w == first) || (!whole.is_empty() && *w == whole)
        });
        if named && !out.contains(&a.id) {
            out.push(a.id);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_name_agents_by_address_first_name_or_whole_name() {
        let agents = [
            Mentionable {
                id: 1,
                email: "ana.pop@example.test",
                name: "Ana Pop",
            },
            Mentionable {
                id: 2,
                email: "bogdan@example.test",
                name: "Bogdan Ștefănescu",
            },
            Mentionable {
                id: 3,
                email: "cristi@example.test",
                name: "Cristian",
            },
        ];
        assert_eq!(mentioned("@ana verifici?", &agents), [1]);
        assert_eq!(
            mentioned("cc @ANA.POP, @bogdanstefanescu.", &agents),
            [1, 2]
        );
        assert_eq!(mentioned("@Bogdan și @bogdan", &agents), [2]);
        assert!(
            mentioned("ana@example.test scrie", &agents).is_empty(),
            "an address is no mention"
        );
        assert!(mentioned("@ nimeni @xyz", &agents).is_empty());
    }
}
