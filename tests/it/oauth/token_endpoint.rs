//! A token endpoint on loopback for the OAuth2 tests: it mints short-lived HS256 JWTs that
//! the OAuth2 mail stack's Dovecot validates with the same key, for the client-credentials
//! grant (as `app_user`) and the refresh-token grant (as the refresh token's user, rotating
//! it on request, after which the old one is refused), counts the calls, and can be told to
//! refuse the client (revoked) or to sign with a key Dovecot does not know.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Json, Router};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use helpdesk::config::{OAuth2Config, OAuthGrant};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The HS256 key the OAuth2 mail stack validates tokens with.
pub const KEY: &[u8] = b"helpdesk-test-oauth2-key-32bytes";
pub const CLIENT_ID: &str = "helpdesk-app";
pub const CLIENT_SECRET: &str = "s3cret-app";

/// `KEY` as the mail stack takes it (MAIL_OAUTH2_KEY).
pub fn key_base64() -> String {
    STANDARD.encode(KEY)
}

/// One request the endpoint answered.
#[derive(Debug, Clone)]
pub struct Call {
    pub grant: String,
    pub refresh_token: Option<String>,
    pub granted: bool,
}

struct Inner {
    app_user: String,
    lifetime_secs: AtomicU64,
    revoked: AtomicBool,
    wrong_key: AtomicBool,
    rotate: AtomicBool,
    /// How long each answer is held back once the call is recorded, in milliseconds.
    answer_delay_ms: AtomicU64,
    /// Refresh tokens still good, and whose they are.
    refresh_tokens: Mutex<HashMap<String, String>>,
    issued: AtomicUsize,
    calls: Mutex<Vec<Call>>,
}

pub struct TokenEndpoint {
    pub url: String,
    inner: Arc<Inner>,
}

impl TokenEndpoint {
    /// Listens on a free loopback port; tokens live `lifetime_secs`.
    pub async fn start(app_user: &str, lifetime_secs: u64) -> TokenEndpoint {
        let inner = Arc::new(Inner {
            app_user: app_user.to_string(),
            lifetime_secs: AtomicU64::new(lifetime_secs),
            revoked: AtomicBool::new(false),
            wrong_key: AtomicBool::new(false),
            rotate: AtomicBool::new(false),
            answer_delay_ms: AtomicU64::new(0),
            refresh_tokens: Mutex::new(HashMap::new()),
            issued: AtomicUsize::new(0),
            calls: Mutex::new(Vec::new()),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let app = Router::new()
            .route("/token", post(token))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        TokenEndpoint { url, inner }
    }

    /// `[oauth2]` for this endpoint with `grant` (and `refresh_token` for that grant).
    pub fn client(&self, grant: OAuthGrant, refresh_token: &str) -> OAuth2Config {
        OAuth2Config {
            token_url: self.url.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: CLIENT_SECRET.into(),
            scope: "https://outlook.office365.com/.default".into(),
            grant,
            refresh_token: refresh_token.into(),
        }
    }

    /// A refresh token that stands for `user`'s consent.
    pub fn consent(&self, refresh_token: &str, user: &str) {
        self.inner
            .refresh_tokens
            .lock()
            .unwrap()
            .insert(refresh_token.into(), user.into());
    }

    pub fn set_revoked(&self, revoked: bool) {
        self.inner.revoked.store(revoked, Ordering::SeqCst);
    }

    pub fn set_wrong_key(&self, wrong: bool) {
        self.inner.wrong_key.store(wrong, Ordering::SeqCst);
    }

    /// Each refresh-token grant hands out a new refresh token; the one used stops working.
    pub fn set_rotate(&self, rotate: bool) {
        self.inner.rotate.store(rotate, Ordering::SeqCst);
    }

    /// Holds each answer back for `delay` once the call is recorded (and a refresh token
    /// rotated).
    pub fn set_answer_delay(&self, delay: std::time::Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap();
        self.inner.answer_delay_ms.store(ms, Ordering::SeqCst);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.calls.lock().unwrap().clone()
    }

    /// The refresh tokens still good.
    pub fn good_refresh_tokens(&self) -> Vec<String> {
        self.inner
            .refresh_tokens
            .lock()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    }
}

async fn token(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> (StatusCode, Json<Value>) {
    let field = |k: &str| form.get(k).cloned().unwrap_or_default();
    let (mut id, mut secret) = (field("client_id"), field("client_secret"));
    if let Some(basic) = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
    {
        let decoded = String::from_utf8(STANDARD.decode(basic).unwrap_or_default()).unwrap();
        let (i, s) = decoded.split_once(':').unwrap_or_default();
        (id, secret) = (i.to_string(), s.to_string());
    }
    let grant = field("grant_type");
    let presented = form.get("refresh_token").cloned();
    let answer = if inner.revoked.load(Ordering::SeqCst)
        || id != CLIENT_ID
        || secret != CLIENT_SECRET
    {
        Err((
            StatusCode::UNAUTHORIZED,
            json!({"error": "invalid_client", "error_description": "AADSTS7000215: the client is revoked."}),
        ))
    } else if grant == "client_credentials" {
        Ok((inner.app_user.clone(), None))
    } else if grant == "refresh_token" {
        let mut tokens = inner.refresh_tokens.lock().unwrap();
        match presented.as_ref().and_then(|t| tokens.get(t).cloned()) {
            Some(user) if inner.rotate.load(Ordering::SeqCst) => {
                let n = inner.issued.fetch_add(1, Ordering::SeqCst) + 1;
                let next = format!("rt-rotated-{n}");
                tokens.remove(presented.as_deref().unwrap_or_default());
                tokens.insert(next.clone(), user.clone());
                Ok((user, Some(next)))
            }
            Some(user) => Ok((user, None)),
            None => Err((
                StatusCode::BAD_REQUEST,
                json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
            )),
        }
    } else {
        Err((
            StatusCode::BAD_REQUEST,
            json!({"error": "unsupported_grant_type"}),
        ))
    };
    inner.calls.lock().unwrap().push(Call {
        grant,
        refresh_token: presented,
        granted: answer.is_ok(),
    });
    let delay = inner.answer_delay_ms.load(Ordering::SeqCst);
    tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    match answer {
        Ok((user, rotated)) => {
            let lifetime = inner.lifetime_secs.load(Ordering::SeqCst);
            let key: &[u8] = if inner.wrong_key.load(Ordering::SeqCst) {
                b"a-key-the-mail-servers-never-saw"
            } else {
                KEY
            };
            let mut body = json!({
                "access_token": jwt(key, &user, lifetime),
                "token_type": "Bearer",
                "expires_in": lifetime,
            });
            if let Some(rotated) = rotated {
                body["refresh_token"] = json!(rotated);
            }
            (StatusCode::OK, Json(body))
        }
        Err((status, body)) => (status, Json(body)),
    }
}

/// An HS256 JWT naming `user` in its `email` claim, valid for `lifetime` seconds.
fn jwt(key: &[u8], user: &str, lifetime: u64) -> String {
    let now = chrono::Utc::now().timestamp();
    let part = |v: Value| URL_SAFE_NO_PAD.encode(v.to_string());
    let head = part(json!({"alg": "HS256", "typ": "JWT"}));
    let claims = part(json!({
        "email": user, "sub": user, "iat": now, "nbf": now - 5, "exp": now + lifetime as i64,
    }));
    let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
    mac.update(format!("{head}.{claims}").as_bytes());
    let signature = URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes());
    format!("{head}.{claims}.{signature}")
}
