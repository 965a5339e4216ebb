//! `Password`: the portal password rule (at least 8 letters or digits, at least 2 digits).

#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// Why a password was refused; each variant is shown to the person choosing it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeakPassword {
    #[error("the password needs at least 8 letters or digits")]
    TooShort,
    #[error("the password needs at least 2 digits")]
    TooFewDigits,
    #[error("the password is too long (at most 256 characters)")]
    TooLong,
}

impl Password {
    pub const MIN_ALPHANUMERIC: usize = 8;
    pub const MIN_DIGITS: usize = 2;

    /// Other characters (spaces, punctuation) are allowed but do not count.
    pub fn parse(s: &str) -> Result<Self, WeakPassword> {
        if s.chars().count() > 256 {
            return Err(WeakPassword::TooLong);
        }
        if s.chars().filter(|c| c.is_alphanumeric()).count() < Self::MIN_ALPHANUMERIC {
            return Err(WeakPassword::TooShort);
        }
        if s.chars().filter(|c| c.is_ascii_digit()).count() < Self::MIN_DIGITS {
            return Err(WeakPassword::TooFewDigits);
        }
        Ok(Self(s.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule() {
        assert!(Password::parse("parola12").is_ok());
        assert!(Password::parse("abcdef12").is_ok());
        assert!(
            Password::parse("ăîșțâbc12").is_ok(),
            "Romanian letters count as letters"
        );
        assert!(
            Password::parse("pa ss wo 12").is_ok(),
            "spaces allowed, not counted"
        );
        assert_eq!(Password::parse("abc12"), Err(WeakPassword::TooShort));
        assert_eq!(Password::parse("!!!!!!12ab"), Err(WeakPassword::TooShort));
        assert_eq!(
            Password::parse("parolaparola1"),
            Err(WeakPassword::TooFewDigits)
        );
        assert_eq!(
            Password::parse("parolaparola"),
            Err(WeakPassword::TooFewDigits)
        );
        assert_eq!(
            Password::parse(&"a1".repeat(200)),
            Err(WeakPassword::TooLong)
        );
    }

    #[test]
    fn debug_hides_the_secret() {
        assert_eq!(
            format!("{:?}", Password::parse("parola12").unwrap()),
            "Password(***)"
        );
    }
}
