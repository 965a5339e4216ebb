//! Customer pages reached from mail links: the opt-out (signed, no login), and the
//! request and invitation links (the full portal builds on these routes).

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde::{Deserialize, Serialize};

use super::error::WebError;
use crate::db;
use crate::service::customer_actions::{self, OptOut};
use crate::service::{Ctx, ServiceError, links};

pub fn routes() -> Router<Ctx> {
    Router::new()
        .route("/unsubscribe/{token}", get(unsubscribe_page).post(unsubscribe))
        .route("/requests/{key}", get(request))
        .route("/invite/{token}", get(invite))
}

#[derive(Deserialize, Default)]
pub struct LangQuery {
    lang: Option<String>,
}

impl LangQuery {
    fn lang(&self, ctx: &Ctx) -> &'static str {
        self.lang_or(&ctx.config.helpdesk.default_locale)
    }

    /// `?lang=` if given, else `fallback`; Romanian unless it is English.
    fn lang_or(&self, fallback: &str) -> &'static str {
        match self.lang.as_deref().unwrap_or(fallback) {
            "en" => "en",
            _ => "ro",
        }
    }
}

#[derive(Serialize)]
struct UnsubscribeText {
    title: String,
    question: String,
    button: &'static str,
    done: String,
    still: &'static str,
}

fn unsubscribe_text(lang: &str, key: &str) -> UnsubscribeText {
    if lang == "en" {
        UnsubscribeText {
            title: format!("Notifications for request {key}"),
            question: format!("Stop the status-change emails for request {key}?"),
            button: "I don't want notifications",
            done: format!("Done: you will no longer receive status-change emails for request {key}."),
            still: "You will still receive the agent's requests for information and the resolution of your request.",
        }
    } else {
        UnsubscribeText {
            title: format!("Notificări pentru solicitarea {key}"),
            question: format!("Doriți să nu mai primiți e-mailuri la schimbarea stadiului solicitării {key}?"),
            button: "Nu doresc să primesc notificări",
            done: format!("Gata: nu veți mai primi e-mailuri la schimbarea stadiului solicitării {key}."),
            still: "Veți primi în continuare cererile de informații ale agentului și rezolvarea solicitării.",
        }
    }
}

fn render(ctx: &Ctx, name: &str, vars: serde_json::Value) -> Response {
    match ctx.templates.page(name, &vars) {
        Ok(html) => Html(html).into_response(),
        Err(e) => WebError::Internal(e).page(),
    }
}

async fn unsubscribe_page(State(ctx): State<Ctx>, Path(token): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let target = customer_actions::unsubscribe_target(&ctx, &token).await;
    opt_out_page(&ctx, &q, target, false)
}

/// RFC 8058 one-click (`List-Unsubscribe=One-Click`) and the confirm page's button.
async fn unsubscribe(State(ctx): State<Ctx>, Path(token): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let done = customer_actions::unsubscribe(&ctx, &token).await;
    opt_out_page(&ctx, &q, done, true)
}

/// The confirm page (`done: false`) or the confirmation, in the requester's language
/// unless `?lang=` says otherwise.
fn opt_out_page(ctx: &Ctx, q: &LangQuery, target: Result<OptOut, ServiceError>, done: bool) -> Response {
    match target {
        Ok(t) => {
            let lang = q.lang_or(&t.locale);
            let vars = serde_json::json!({
                "lang": lang, "helpdesk_name": ctx.config.helpdesk.name, "t": unsubscribe_text(lang, &t.key), "done": done,
            });
            render(ctx, "portal/unsubscribe.html", vars)
        }
        Err(e) => WebError::from(e).page(),
    }
}

fn notice(ctx: &Ctx, lang: &str, heading: String, paragraphs: Vec<String>) -> Response {
    render(
        ctx,
        "portal/notice.html",
        serde_json::json!({ "lang": lang, "helpdesk_name": ctx.config.helpdesk.name, "heading": heading, "paragraphs": paragraphs }),
    )
}

/// "Vizualizați solicitarea": names the request; its conversation is shown after Conectare.
async fn request(State(ctx): State<Ctx>, Path(key): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang(&ctx);
    let Some(id) = ctx.parse_key(&key) else { return WebError::NotFound("request".into()).page() };
    let key = ctx.key(id).to_string();
    let (heading, text) = if lang == "en" {
        (format!("Request {key}"), "Sign in to the portal to see this request. Until then, reply to our email to add information to it.")
    } else {
        (format!("Solicitarea {key}"), "Conectați-vă în portal pentru a vedea solicitarea. Până atunci, răspundeți la e-mailul nostru pentru a o completa.")
    };
    notice(&ctx, lang, heading, vec![text.to_string()])
}

/// "Vizitează Portalul": says whose invitation it is and whether it is still valid.
async fn invite(State(ctx): State<Ctx>, Path(token): Path<String>, Query(q): Query<LangQuery>) -> Response {
    let lang = q.lang(&ctx);
    let hash = links::hash_token(&token);
    let found = ctx
        .db
        .read(move |c| {
            // Only invitation tokens open this page (a password-reset token is not one).
            let found = db::customers::find_portal_token(c, &hash)?.filter(|t| t.purpose == "invite");
            let Some(t) = found else { return Ok::<_, anyhow::Error>(None) };
            let customer = db::customers::get(c, t.customer_id)?;
            let valid = !t.used && db::parse_ts(&t.expires_at)? > Utc::now();
            Ok(Some((customer.email, valid)))
        })
        .await;
    let (heading, paragraphs) = match (found, lang) {
        (Err(e), _) => return WebError::Internal(e).page(),
        (Ok(None), _) => return WebError::NotFound("invitation".into()).page(),
        (Ok(Some((email, true))), "en") => ("Sign in".to_string(), vec![format!("Your username is {email}."),
            "Your password needs at least 8 letters or digits, at least 2 of them digits.".to_string()]),
        (Ok(Some((email, true))), _) => ("Conectare".to_string(), vec![format!("Numele de utilizator este {email}."),
            "Parola trebuie să conțină minim 8 caractere alfanumerice, din care minim 2 să fie cifre.".to_string()]),
        (Ok(Some(_)), "en") => ("Link expired".to_string(), vec!["This invitation link was already used or has expired.".to_string()]),
        (Ok(Some(_)), _) => ("Link expirat".to_string(), vec!["Acest link de invitație a fost deja folosit sau a expirat.".to_string()]),
    };
    notice(&ctx, lang, heading, paragraphs)
}
