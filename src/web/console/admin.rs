//! What admins manage in the console: partners, agents and the SLA settings.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::json;

use crate::domain::agent_role::AgentRole;
use crate::domain::email_address::EmailAddress;
use crate::domain::password::Password;
use crate::service::{Ctx, ServiceError, accounts, admin, queries, sla_settings};
use crate::web::error::WebError;
use crate::web::extract::{Admin, CarriesCsrf, Csrf, CurrentAgent};
use crate::web::page_error::PageError;
use crate::web::pages::{CsrfForm, local_time, render, say, url_encode};
use crate::web::visitor::Visitor;

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct FindQuery {
    pub(super) find: String,
    pub(super) done: String,
}

pub async fn partners_page(
    State(ctx): State<Ctx>,
    _: CurrentAgent,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let partners = queries::admin::partners(&ctx).await?;
    let flash = (!q.done.is_empty()).then(|| say(ctx.templates.texts(v.lang), "c_done", &[]));
    Ok(render(
        &ctx,
        &v,
        StatusCode::OK,
        "console/partners.html",
        json!({ "partners": partners, "flash": flash }),
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct PartnerForm {
    csrf: String,
    name: String,
    email: String,
}

pub async fn partner_add(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Csrf(f): Csrf<PartnerForm>,
) -> Result<Response, PageError> {
    let email = EmailAddress::parse(f.email.trim())
        .map_err(|_| WebError::BadRequest(format!("{:?} is not an email address", f.email)))?;
    admin::save_partner(&ctx, &by, &f.name, &email, ctx.now()).await?;
    Ok(v.finish(Redirect::to("/console/partners?done=1").into_response()))
}

pub async fn partner_delete(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Path(id): Path<i64>,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    admin::delete_partner(&ctx, &by, id).await?;
    Ok(v.finish(Redirect::to("/console/partners?done=1").into_response()))
}

pub async fn agents_page(
    State(ctx): State<Ctx>,
    _: Admin,
    v: Visitor,
    Query(q): Query<FindQuery>,
) -> Result<Response, PageError> {
    let flash = (!q.done.is_empty()).then(|| say(ctx.templates.texts(v.lang), "c_done", &[]));
    agents_list(&ctx, &v, StatusCode::OK, flash, None).await
}

async fn agents_list(
    ctx: &Ctx,
    v: &Visitor,
    status: StatusCode,
    flash: Option<String>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let agents = queries::admin::roster(ctx).await?;
    let sla = ctx.sla();
    let tz = sla.config.calendar.time_zone.clone();
    let when = |t: &Option<String>| t.as_deref().map(|t| local_time(t, &tz, v.lang));
    let agents: Vec<_> = agents
        .iter()
        .map(|a| {
            let last_used = a.tokens.iter().filter_map(|t| t.last_used_at.clone()).max();
            json!({
                "email": a.email, "name": a.name, "role": a.role, "disabled": when(&a.disabled_at),
                "disable_path": format!("/console/agents/{}/disable", url_encode(&a.email)),
                "tokens": a.tokens.len(), "last_used": when(&last_used),
                "expires": when(&a.tokens.iter().filter_map(|t| t.expires_at.clone()).max()),
            })
        })
        .collect();
    let c = &sla.config.calendar;
    let days = [&c.mon, &c.tue, &c.wed, &c.thu, &c.fri, &c.sat, &c.sun];
    let weekdays: Vec<_> = crate::domain::business_hours::WEEKDAYS
        .iter()
        .zip(days)
        .map(|((key, _), window)| json!({ "key": key, "window": window }))
        .collect();
    let vars = json!({
        "agents": agents, "flash": flash, "error": error, "sla": sla.config, "weekdays": weekdays,
        "extra_holidays": c.extra_holidays.join(", "),
    });
    Ok(render(ctx, v, status, "console/agents.html", vars))
}

/// The agents' page again, with what was refused and why.
async fn refused(ctx: &Ctx, v: &Visitor, why: String) -> Result<Response, PageError> {
    agents_list(ctx, v, StatusCode::UNPROCESSABLE_ENTITY, None, Some(why)).await
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct AgentForm {
    csrf: String,
    email: String,
    name: String,
    password: String,
    role: String,
}

pub async fn agent_add(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Csrf(f): Csrf<AgentForm>,
) -> Result<Response, PageError> {
    let Ok(email) = EmailAddress::parse(f.email.trim()) else {
        return refused(&ctx, &v, format!("{:?} is not an email address", f.email)).await;
    };
    if f.name.trim().is_empty() {
        return refused(&ctx, &v, "the name must not be empty".into()).await;
    }
    let password = match Password::parse(&f.password) {
        Ok(p) => p,
        Err(e) => return refused(&ctx, &v, e.to_string()).await,
    };
    let role = if f.role == "admin" {
        AgentRole::Admin
    } else {
        AgentRole::Agent
    };
    // An admin changing their own password stays signed in here; their other sessions end.
    let keep = accounts::Keep {
        session: v.agent_session.clone(),
        token: None,
    };
    let agent = accounts::NewAgent {
        email,
        name: f.name.trim().to_string(),
        password,
        role,
    };
    accounts::save_agent(&ctx, agent, keep, Some(&by), ctx.now()).await?;
    Ok(v.finish(Redirect::to("/console/agents?done=1").into_response()))
}

/// Disables an agent (admins): their sessions and API tokens end at once.
pub async fn agent_disable(
    State(ctx): State<Ctx>,
    Admin(by): Admin,
    v: Visitor,
    Path(email): Path<String>,
    _: Csrf<CsrfForm>,
) -> Result<Response, PageError> {
    match accounts::disable_agent(&ctx, &email, Some(&by), ctx.now()).await {
        Ok(_) => Ok(v.finish(Redirect::to("/console/agents?done=1").into_response())),
        Err(ServiceError::Invalid(m)) => refused(&ctx, &v, m).await,
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SlaForm {
    csrf: String,
    assign_minutes: String,
    urgent: String,
    high: String,
    normal: String,
    low: String,
    warn_percent: String,
    auto_close_days: String,
    team_address: String,
    mode: String,
    time_zone: String,
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
    holidays: String,
    extra_holidays: String,
}

impl SlaForm {
    /// The settings in force with this form's values over them; the error names the field.
    fn apply(self, mut c: crate::config::SlaConfig) -> Result<crate::config::SlaConfig, String> {
        let number = |name: &str, text: &str| {
            text.trim()
                .parse::<i64>()
                .map_err(|_| format!("{name}: {text:?} is not a whole number"))
        };
        c.assign_minutes = number("assign_minutes", &self.assign_minutes)?;
        c.resolve_hours.urgent = number("urgent", &self.urgent)?;
        c.resolve_hours.high = number("high", &self.high)?;
        c.resolve_hours.normal = number("normal", &self.normal)?;
        c.resolve_hours.low = number("low", &self.low)?;
        c.warn_percent = number("warn_percent", &self.warn_percent)?;
        c.auto_close_days = number("auto_close_days", &self.auto_close_days)?;
        c.team_address = self.team_address.trim().to_string();
        let cal = &mut c.calendar;
        cal.mode = self.mode;
        cal.time_zone = self.time_zone.trim().to_string();
        (
            cal.mon, cal.tue, cal.wed, cal.thu, cal.fri, cal.sat, cal.sun,
        ) = (
            self.mon, self.tue, self.wed, self.thu, self.fri, self.sat, self.sun,
        );
        cal.holidays = self.holidays;
        cal.extra_holidays = self
            .extra_holidays
            .split([',', ' ', '\n'])
            .map(str::trim)
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        Ok(c)
    }
}

impl CarriesCsrf for SlaForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl CarriesCsrf for PartnerForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

impl CarriesCsrf for AgentForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Admins change the SLA goals and the calendar; every open ticket's clock follows.
pub async fn sla_save(
    State(ctx): State<Ctx>,
    _: Admin,
    v: Visitor,
    Csrf(f): Csrf<SlaForm>,
) -> Result<Response, PageError> {
    let config = match f.apply(ctx.sla().config.clone()) {
        Ok(c) => c,
        Err(m) => return refused(&ctx, &v, m).await,
    };
    match sla_settings::save(&ctx, config, ctx.now()).await {
        Ok(()) => Ok(v.finish(Redirect::to("/console/agents?done=1#sla").into_response())),
        Err(ServiceError::Invalid(m)) => refused(&ctx, &v, m).await,
        Err(e) => Err(e.into()),
    }
}
