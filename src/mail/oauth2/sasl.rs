//! The SASL mechanisms that carry an OAuth2 token to a mail server: OAUTHBEARER
//! (RFC 7628) where the server offers it, else XOAUTH2 (Google's and Microsoft's).

use super::AccessToken;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mechanism {
    OAuthBearer,
    XOAuth2,
}

impl Mechanism {
    /// The name after `AUTHENTICATE` (and in the server's `AUTH=` capabilities).
    pub fn name(self) -> &'static str {
        match self {
            Mechanism::OAuthBearer => "OAUTHBEARER",
            Mechanism::XOAuth2 => "XOAUTH2",
        }
    }

    /// The standard one if the server offers it, else XOAUTH2; `offers` is asked with a
    /// mechanism's name.
    pub fn choose(offers: impl Fn(&str) -> bool) -> Option<Mechanism> {
        [Mechanism::OAuthBearer, Mechanism::XOAuth2]
            .into_iter()
            .find(|m| offers(m.name()))
    }

    /// The client's first (and, when all goes well, only) message.
    pub fn initial_response(self, to: &Target<'_>, token: &AccessToken) -> String {
        match self {
            Mechanism::OAuthBearer => format!(
                "n,a={},\x01host={}\x01port={}\x01auth=Bearer {}\x01\x01",
                saslname(to.user),
                to.host,
                to.port,
                token.secret()
            ),
            Mechanism::XOAuth2 => {
                format!("user={}\x01auth=Bearer {}\x01\x01", to.user, token.secret())
            }
        }
    }

    /// The answer to the server's error challenge (a JSON status), after which the server
    /// ends the exchange with its refusal: empty for XOAUTH2, `%x01` for OAUTHBEARER.
    pub fn error_acknowledgement(self) -> &'static [u8] {
        match self {
            Mechanism::OAuthBearer => b"\x01",
            Mechanism::XOAuth2 => b"",
        }
    }
}

/// Whom the token signs in as, and where (OAUTHBEARER names the server).
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    pub user: &'a str,
    pub host: &'a str,
    pub port: u16,
}

/// RFC 5801's saslname: `,` and `=` escaped.
fn saslname(user: &str) -> String {
    user.replace('=', "=3D").replace(',', "=2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    const TO: Target<'static> = Target {
        user: "support@example.test",
        host: "imap.example.test",
        port: 993,
    };

    #[test]
    fn xoauth2_names_the_user_and_the_bearer_token() {
        let token = AccessToken::new("ya29.abc");
        assert_eq!(
            Mechanism::XOAuth2.initial_response(&TO, &token),
            "user=support@example.test\x01auth=Bearer ya29.abc\x01\x01"
        );
        assert_eq!(Mechanism::XOAuth2.error_acknowledgement(), b"");
    }

    #[test]
    fn oauthbearer_has_the_gs2_header_host_and_port() {
        let token = AccessToken::new("eyJ.x.y");
        assert_eq!(
            Mechanism::OAuthBearer.initial_response(&TO, &token),
            "n,a=support@example.test,\x01host=imap.example.test\x01port=993\x01auth=Bearer eyJ.x.y\x01\x01"
        );
        let odd = Target {
            user: "a,b=c@x.test",
            ..TO
        };
        assert!(
            Mechanism::OAuthBearer
                .initial_response(&odd, &token)
                .starts_with("n,a=a=2Cb=3Dc@x.test,\x01")
        );
        assert_eq!(Mechanism::OAuthBearer.error_acknowledgement(), b"\x01");
    }

    #[test]
    fn oauthbearer_is_preferred_where_offered() {
        assert_eq!(
            Mechanism::choose(|m| m == "XOAUTH2" || m == "OAUTHBEARER"),
            Some(Mechanism::OAuthBearer)
        );
        assert_eq!(
            Mechanism::choose(|m| m == "XOAUTH2"),
            Some(Mechanism::XOAuth2)
        );
        assert_eq!(Mechanism::choose(|m| m == "PLAIN"), None);
    }
}
