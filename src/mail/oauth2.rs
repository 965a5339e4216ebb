//! OAuth2 access tokens for signing in to IMAP and SMTP: the token endpoint's client (the
//! client-credentials and refresh-token grants), and a cache that hands a token out until
//! it is nearly expired, fetching one token at a time per account. The SASL strings that
//! carry a token are in [`sasl`].

pub mod sasl;

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Deserialize;

/// How long the token endpoint may take to answer.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a fetch may take in all: the request, and reading and storing the refresh
/// token around it.
const FETCH_LIMIT: Duration = Duration::from_secs(30);
/// The lifetime assumed when the endpoint names none (RFC 6749 leaves `expires_in` optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The OAuth2 client that asks the token endpoint (one `[oauth2]` section; a mailbox may
/// have its own secret).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Client {
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

/// What the client shows the endpoint to get a token.
#[derive(Clone, PartialEq, Eq)]
pub enum Grant {
    /// App-only access (Microsoft 365): the client's id and secret are enough.
    ClientCredentials,
    /// A user's consent (Google Workspace), kept as this refresh token.
    RefreshToken(String),
}

/// An access token: sent to the mail server, never logged.
#[derive(Clone, PartialEq, Eq)]
pub struct AccessToken(String);

impl AccessToken {
    pub fn new(token: impl Into<String>) -> Self {
        Self(token.into())
    }

    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AccessToken(..)")
    }
}

/// A token handed out by [`Tokens::token`].
#[derive(Debug, Clone)]
pub struct Issued {
    pub token: AccessToken,
    /// From this instant on the token is not handed out again: a new one is fetched, and a
    /// session signed in with it may sign in anew.
    pub renew_at: Instant,
}

/// Where the grant to ask with comes from, and where a refresh token the endpoint rotates
/// is kept (the old one may stop working). Both are called while the account's token is
/// being fetched, so that no other fetch reads a refresh token that is being replaced.
pub trait GrantSource {
    fn grant(&self) -> impl Future<Output = Result<Grant, TokenError>> + Send;
    fn keep_rotated(&self, refresh_token: String) -> impl Future<Output = ()> + Send;
}

/// Why no token was had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// The endpoint refused the client or the grant (an OAuth error with a 4xx status):
    /// asking again will not help until someone fixes the client, its secret or the consent.
    #[error("the token endpoint refused {}: {}", refused_what(.error), with_description(.error, .description))]
    Refused {
        error: String,
        description: Option<String>,
    },
    /// The endpoint could not be reached or gave no usable answer: try again later.
    #[error("the token endpoint is unavailable: {0}")]
    Unavailable(String),
}

fn refused_what(error: &str) -> &'static str {
    match error {
        "invalid_client" | "unauthorized_client" => "the client",
        "invalid_grant" => "the grant (the refresh token or the consent)",
        "invalid_scope" => "the scope",
        _ => "the request",
    }
}

fn with_description(error: &str, description: &Option<String>) -> String {
    match description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => format!("{error} ({d})"),
        _ => error.to_string(),
    }
}

/// The form a token request posts (`application/x-www-form-urlencoded`, the client's
/// credentials in the body, which Microsoft and Google both take).
pub fn form(client: &Client, grant: &Grant) -> Vec<(&'static str, String)> {
    let mut form = match grant {
        Grant::ClientCredentials => vec![("grant_type", "client_credentials".to_string())],
        Grant::RefreshToken(token) => vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", token.clone()),
        ],
    };
    form.push(("client_id", client.client_id.clone()));
    if !client.client_secret.is_empty() {
        form.push(("client_secret", client.client_secret.clone()));
    }
    if !client.scope.is_empty() {
        form.push(("scope", client.scope.clone()));
    }
    form
}

/// A successful answer of the token endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub access_token: AccessToken,
    pub lifetime: Duration,
    pub refresh_token: Option<String>,
}

#[derive(Deserialize)]
struct Body {
    access_token: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Reads the endpoint's answer: a token, or why there is none.
pub fn parse_answer(status: u16, body: &str) -> Result<Answer, TokenError> {
    let parsed: Option<Body> = serde_json::from_str(body).ok();
    let refused = (400..500).contains(&status) && !matches!(status, 408 | 429);
    match parsed {
        Some(Body {
            error: Some(error),
            error_description,
            ..
        }) if refused || (200..300).contains(&status) => Err(TokenError::Refused {
            error,
            // Microsoft's descriptions go on with a trace id and a timestamp on more lines.
            description: error_description
                .map(|d| d.lines().next().unwrap_or_default().to_string()),
        }),
        Some(Body {
            access_token: Some(token),
            expires_in,
            refresh_token,
            ..
        }) if (200..300).contains(&status) && !token.is_empty() => Ok(Answer {
            access_token: AccessToken(token),
            lifetime: expires_in
                .as_ref()
                .and_then(seconds)
                .map(Duration::from_secs)
                .unwrap_or(DEFAULT_LIFETIME),
            refresh_token: refresh_token.filter(|t| !t.is_empty()),
        }),
        _ if refused => Err(TokenError::Refused {
            error: format!("HTTP {status}"),
            description: Some(snippet(body)).filter(|s| !s.is_empty()),
        }),
        _ if (200..300).contains(&status) => Err(TokenError::Unavailable(
            "the answer holds no access_token".into(),
        )),
        _ => Err(TokenError::Unavailable(format!(
            "HTTP {status} {}",
            snippet(body)
        ))),
    }
}

/// `expires_in` as a number, or as the string some endpoints send.
fn seconds(v: &serde_json::Value) -> Option<u64> {
    match v {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn snippet(body: &str) -> String {
    body.trim().chars().take(200).collect()
}

/// How long before its expiry a token is replaced: a minute, but a quarter of the
/// lifetime for short-lived tokens (so a 20 s token is used for 15 s, not never).
pub fn refresh_margin(lifetime: Duration) -> Duration {
    (lifetime / 4).min(Duration::from_secs(60))
}

/// The tokens in use, one per account (an OAuth2 client, and for the refresh-token grant
/// the user it acts for). Fetching is one request at a time per account, so IMAP and SMTP
/// signing in together share one token (and one rotation of the refresh token).
#[derive(Default)]
pub struct Tokens {
    http: OnceLock<reqwest::Client>,
    slots: Mutex<HashMap<Account, Arc<tokio::sync::Mutex<Option<Issued>>>>>,
    /// The fetches running (see [`Tokens::run_to_end`]).
    in_flight: tokio_util::task::TaskTracker,
}

/// Whose token: the client, and the user for a refresh-token grant (`None`: app-only).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Account {
    pub client: Client,
    pub user: Option<String>,
}

impl Tokens {
    /// The account's token: the one in hand while it is fresh, else a new one.
    pub async fn token(
        &self,
        account: &Account,
        source: impl GrantSource + Send + Sync + 'static,
    ) -> Result<Issued, TokenError> {
        let mut held = self.slot(account).lock_owned().await;
        if let Some(issued) = held.as_ref().filter(|i| Instant::now() < i.renew_at) {
            return Ok(issued.clone());
        }
        let (http, client) = (self.http()?.clone(), account.client.clone());
        // The account stays locked until the fetch is through, wherever its caller is.
        self.run_to_end(async move {
            let issued = request(&http, &client, &source).await?;
            *held = Some(issued.clone());
            Ok(issued)
        })
        .await
    }

    /// Forgets `refused`, the account's token a server refused: the next call fetches a
    /// new one (unless another caller already did).
    pub async fn invalidate(&self, account: &Account, refused: &AccessToken) {
        let slot = self.slot(account);
        let mut held = slot.lock().await;
        if held.as_ref().is_some_and(|i| &i.token == refused) {
            *held = None;
        }
    }

    /// Asks the endpoint for a new token, whatever is cached (and caches nothing); a
    /// rotated refresh token is handed to `source` to keep.
    pub async fn fetch(
        &self,
        client: &Client,
        source: impl GrantSource + Send + Sync + 'static,
    ) -> Result<Issued, TokenError> {
        let (http, client) = (self.http()?.clone(), client.clone());
        self.run_to_end(async move { request(&http, &client, &source).await })
            .await
    }

    /// Runs a fetch on a task of its own, to its end even when its caller stops waiting (a
    /// timeout, the daemon stopping): by then the endpoint may have rotated the refresh
    /// token, and the new one must be kept, or the next sign-in presents a refused one.
    async fn run_to_end(
        &self,
        fetch: impl Future<Output = Result<Issued, TokenError>> + Send + 'static,
    ) -> Result<Issued, TokenError> {
        let bounded = async move {
            tokio::time::timeout(FETCH_LIMIT, fetch)
                .await
                .unwrap_or_else(|_| Err(TokenError::Unavailable("no answer in time".into())))
        };
        self.in_flight
            .spawn(bounded)
            .await
            .map_err(|e| TokenError::Unavailable(format!("fetching the token: {e}")))?
    }

    /// Waits for the fetches in flight to end, up to the time one may take; a stopping
    /// daemon calls it once nothing else asks for tokens. Whether they all ended.
    pub async fn finish_fetches(&self) -> bool {
        self.in_flight.close();
        tokio::time::timeout(FETCH_LIMIT, self.in_flight.wait())
            .await
            .is_ok()
    }

    fn slot(&self, account: &Account) -> Arc<tokio::sync::Mutex<Option<Issued>>> {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(account.clone()).or_default().clone()
    }

    fn http(&self) -> Result<&reqwest::Client, TokenError> {
        if let Some(http) = self.http.get() {
            return Ok(http);
        }
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("helpdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| TokenError::Unavailable(format!("HTTP client: {e}")))?;
        Ok(self.http.get_or_init(|| http))
    }
}

/// One request to the endpoint for `client` with the grant `source` gives; a rotated
/// refresh token is handed to `source` to keep.
async fn request(
    http: &reqwest::Client,
    client: &Client,
    source: &impl GrantSource,
) -> Result<Issued, TokenError> {
    let grant = source.grant().await?;
    let sent = Instant::now();
    let response = http
        .post(&client.token_url)
        .header(reqwest::header::ACCEPT, "application/json")
        .form(&form(client, &grant))
        .send()
        .await
        .map_err(|e| TokenError::Unavailable(format!("{}: {e}", client.token_url)))?;
    let status = response.status().as_u16();
    let body = response
        .text()
        .await
        .map_err(|e| TokenError::Unavailable(format!("reading the answer: {e}")))?;
    let answer = parse_answer(status, &body)?;
    if let (Some(rotated), Grant::RefreshToken(old)) = (answer.refresh_token, &grant)
        && &rotated != old
    {
        source.keep_rotated(rotated).await;
    }
    let usable = answer.lifetime - refresh_margin(answer.lifetime);
    Ok(Issued {
        token: answer.access_token,
        renew_at: sent + usable,
    })
}

#[cfg(test)]
mod tests;
