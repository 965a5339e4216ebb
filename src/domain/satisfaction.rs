//! What a customer said of a resolution: good or bad, and why.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    Good,
    Bad,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Good => "good",
            Rating::Bad => "bad",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        [Rating::Good, Rating::Bad]
            .into_iter()
            .find(|r| r.as_str() == s.trim())
    }
}

/// The longest comment kept with a rating, in characters.
pub const MAX_COMMENT: usize = 2000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_read_as_they_are_written() {
        assert_eq!(Rating::parse("good"), Some(Rating::Good));
        assert_eq!(Rating::parse(" bad "), Some(Rating::Bad));
        assert_eq!(Rating::parse("meh"), None);
    }
}
