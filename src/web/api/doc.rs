//! The OpenAPI 3.1 document of this API, generated from the handlers' `#[utoipa::path]`s
//! and the types they take and answer with, and served at `GET /api/v1/openapi.json`.

use std::sync::LazyLock;

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{actions, admin, alerts, canned, quarantine, tickets};
use crate::config::Config;
use crate::service::Ctx;

const DESCRIPTION: &str = "The JSON API of the helpdesk: tickets, agent actions, phone intake, the queue, partners, canned replies, your own alerts and the quarantine. Every endpoint but this document needs `Authorization: Bearer <token>` (from `helpdesk agent token EMAIL`). Errors are `{\"error\": \"...\"}` with a 4xx status; an illegal life-cycle transition is 409 with the reason; an action with a stale `If-Match` (the ticket's `ETag`) is 412.";

#[derive(OpenApi)]
#[openapi(
    info(title = "helpdesk API", version = "1", description = DESCRIPTION),
    servers((url = "/api/v1")),
    security(("bearer" = [])),
    paths(
        tickets::list, tickets::create, tickets::show, tickets::queue,
        actions::assign, actions::comment, actions::request_info, actions::third_party,
        actions::resolve, actions::close, actions::priority, actions::merge,
        admin::partners, admin::partner_add, admin::partner_delete,
        admin::agents, admin::agent_add, admin::agent_disable,
        canned::list, canned::add, canned::change, canned::remove,
        alerts::show, alerts::change,
        admin::sla_settings, admin::sla_replace,
        openapi,
        quarantine::list, quarantine::raw, quarantine::replay, quarantine::discard,
    ),
    tags(
        (name = "tickets", description = "Tickets, phone intake and the agent actions"),
        (name = "queue", description = "The agents' queue with both SLA clocks"),
        (name = "admin", description = "Partners, agents and the SLA settings"),
        (name = "canned replies", description = "Texts for answers given often"),
        (name = "me", description = "The signed-in agent's own settings"),
        (name = "quarantine", description = "Messages that could not be processed"),
        (name = "meta", description = "This document"),
    ),
    components(schemas(super::models::ErrorBody, tickets::QueueView)),
    modifiers(&Bearer),
)]
struct ApiDoc;

/// The `bearer` scheme every operation but the document itself asks for.
struct Bearer;

impl Modify for Bearer {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let scheme =
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build());
        doc.components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", scheme);
    }
}

/// What no type says: the document itself is served without a token (an empty security
/// list). Each is a JSON pointer into the generated document and what to add there; a
/// test checks that every pointer still finds its place.
fn refinements() -> Vec<(&'static str, Value)> {
    vec![("/paths/~1openapi.json/get", json!({ "security": [] }))]
}

/// The generated document with the refinements; the pointers that found nothing.
fn build() -> (Value, Vec<&'static str>) {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).expect("the document serialises");
    let mut missed = Vec::new();
    for (pointer, add) in refinements() {
        match (doc.pointer_mut(pointer), add) {
            (Some(Value::Object(at)), Value::Object(add)) => at.extend(add),
            _ => missed.push(pointer),
        }
    }
    (doc, missed)
}

/// The document as served.
pub fn document() -> Value {
    build().0
}

static DOCUMENT: LazyLock<Value> = LazyLock::new(document);

/// The comment form's files, which this daemon's `[portal] max_attachments` caps.
const FILES: &str = "/components/schemas/CommentForm/properties/files";

/// The document as this daemon serves it: with the limits its configuration sets, so that
/// nothing the document allows is then refused for being over one.
pub fn served(config: &Config) -> Value {
    let mut doc = DOCUMENT.clone();
    if let Some(Value::Object(files)) = doc.pointer_mut(FILES) {
        files.insert("maxItems".into(), json!(config.portal.max_attachments));
    }
    doc
}

/// This document
#[utoipa::path(get, path = "/openapi.json", tag = "meta",
    responses((status = 200, description = "OpenAPI 3.1", content_type = "application/json", body = Object)))]
pub async fn openapi(State(ctx): State<Ctx>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        served(&ctx.config).to_string(),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refinement_finds_its_field() {
        assert_eq!(build().1, Vec::<&str>::new());
    }

    /// A comment's form: text fields that are never null, files optional and no more than
    /// the configuration takes, and no fields but its own.
    #[test]
    fn the_comment_form_allows_only_what_a_comment_takes() {
        let mut config = Config::default();
        config.portal.max_attachments = 3;
        let doc = served(&config);
        let form = &doc["components"]["schemas"]["CommentForm"];
        assert_eq!(doc.pointer(FILES).unwrap()["maxItems"], 3);
        assert_eq!(form["properties"]["internal"]["type"], "boolean");
        assert_eq!(form["required"], json!(["body"]));
        assert_eq!(form["additionalProperties"], false);
    }

    #[test]
    fn the_types_say_their_values_formats_and_required_fields_themselves() {
        let doc = document();
        let schemas = &doc["components"]["schemas"];
        let text = |v: &Value| v.to_string();
        for (schema, values) in [
            ("Clock", vec!["running", "paused", "stopped"]),
            (
                "MessageKind",
                vec!["customer", "partner", "agent", "note", "system"],
            ),
            ("AgentRole", vec!["agent", "admin"]),
        ] {
            for value in values {
                assert!(
                    text(&schemas[schema]).contains(&format!("\"{value}\"")),
                    "{schema}: {value}"
                );
            }
        }
        let required = &schemas["MessageView"]["required"];
        for field in [
            "id",
            "kind",
            "author",
            "internal",
            "body",
            "sender_auth",
            "created_at",
        ] {
            assert!(
                required.as_array().unwrap().iter().any(|r| r == field),
                "{field}"
            );
        }
        for (schema, field) in [
            ("TokenInfo", "created_at"),
            ("TokenInfo", "expires_at"),
            ("TokenInfo", "last_used_at"),
            ("Listed", "disabled_at"),
        ] {
            assert!(
                text(&schemas[schema]["properties"][field]).contains("date-time"),
                "{schema}.{field}: {}",
                schemas[schema]["properties"][field]
            );
        }
    }

    #[test]
    fn the_openapi_document_describes_every_route() {
        let doc = document();
        assert_eq!(doc["openapi"], "3.1.0");
        assert_eq!(doc["servers"][0]["url"], "/api/v1");
        assert_eq!(
            doc["components"]["securitySchemes"]["bearer"]["scheme"],
            "bearer"
        );
        let methods = regex::Regex::new(r"\b(get|post|put|delete|patch)\(").unwrap();
        let source = include_str!("mod.rs");
        let mut n = 0;
        for route in source.split(".route(").skip(1) {
            let at = route.split('"').nth(1).unwrap();
            let path = &doc["paths"][at];
            assert!(path.is_object(), "{at} is not in the document");
            for m in methods.captures_iter(route) {
                assert!(
                    path[&m[1]].is_object(),
                    "{} {at} is not in the document",
                    &m[1]
                );
                n += 1;
            }
        }
        assert!(n >= 25, "found only {n} operations");
        let documented: usize = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .map(|p| p.as_object().unwrap().len())
            .sum();
        assert_eq!(
            documented, n,
            "the document has operations the router does not"
        );
    }

    #[test]
    fn every_reference_names_a_schema_and_every_operation_its_own_id() {
        let doc = document();
        let text = doc.to_string();
        let refs = regex::Regex::new(r##""\$ref":"#/components/schemas/([^"]+)""##).unwrap();
        for r in refs.captures_iter(&text) {
            assert!(
                doc["components"]["schemas"][&r[1]].is_object(),
                "{} is referred to but not in the document",
                &r[1]
            );
        }
        let mut ids: Vec<&str> = doc["paths"]
            .as_object()
            .unwrap()
            .values()
            .flat_map(|p| p.as_object().unwrap().values())
            .map(|op| op["operationId"].as_str().unwrap())
            .collect();
        let n = ids.len();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), n, "two operations share an operationId");
    }

    /// `PUT /sla` is parsed as `config::SlaConfig`; its schema must name the same keys.
    #[test]
    fn the_sla_settings_schema_names_the_keys_of_the_sla_config() {
        let doc = document();
        let config = serde_json::to_value(crate::config::SlaConfig::default()).unwrap();
        for (schema, at) in [
            ("SlaSettings", &config),
            ("ResolveHoursSettings", &config["resolve_hours"]),
            ("CalendarSettings", &config["calendar"]),
        ] {
            let mut keys: Vec<&String> = at.as_object().unwrap().keys().collect();
            let props = doc["components"]["schemas"][schema]["properties"]
                .as_object()
                .unwrap();
            let mut named: Vec<&String> = props.keys().collect();
            keys.sort();
            named.sort();
            assert_eq!(keys, named, "{schema}");
        }
    }
}
