//! Schemas of request values whose rules the Rust types do not carry: an email address, and
//! the SLA settings a `PUT /sla` takes (the `[sla]` section of helpdesk.toml, parsed as
//! `config::SlaConfig`; a test keeps the two to the same keys).

use std::borrow::Cow;

use serde::Deserialize;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{PartialSchema, ToSchema};

/// Addresses the API takes: the checks' own generator keeps to this shape, which every
/// address parser accepts.
const EMAIL_PATTERN: &str = r"^[A-Za-z0-9_%+-]{1,20}(\.[A-Za-z0-9_%+-]{1,20}){0,2}@[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,20}[A-Za-z0-9])?){1,3}$";

/// An email address (compared without case).
pub struct EmailAddress;

impl PartialSchema for EmailAddress {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::Custom("email".into())))
            .max_length(Some(254))
            .pattern(Some(EMAIL_PATTERN))
            .description(Some("An email address (compared without case)."))
            .into()
    }
}

impl ToSchema for EmailAddress {
    fn name() -> Cow<'static, str> {
        "EmailAddress".into()
    }
}

/// The `[sla]` section of helpdesk.toml as JSON; a key left out keeps its default.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct SlaSettings {
    #[schema(minimum = 1, maximum = 100000)]
    #[serde(default)]
    assign_minutes: i64,
    #[serde(default)]
    resolve_hours: ResolveHoursSettings,
    #[schema(minimum = 1, maximum = 100)]
    #[serde(default)]
    warn_percent: i64,
    #[schema(schema_with = team_address)]
    #[serde(default)]
    team_address: String,
    #[schema(minimum = 0, maximum = 3650)]
    #[serde(default)]
    auto_close_days: i64,
    #[schema(minimum = 1, maximum = 86400)]
    #[serde(default)]
    sweep_interval_secs: i64,
    #[serde(default)]
    calendar: CalendarSettings,
}

/// The resolution goal per priority, in working hours.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ResolveHoursSettings {
    #[schema(minimum = 1, maximum = 10000)]
    #[serde(default)]
    urgent: i64,
    #[schema(minimum = 1, maximum = 10000)]
    #[serde(default)]
    high: i64,
    #[schema(minimum = 1, maximum = 10000)]
    #[serde(default)]
    normal: i64,
    #[schema(minimum = 1, maximum = 10000)]
    #[serde(default)]
    low: i64,
}

/// The business calendar the SLA clocks count in.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct CalendarSettings {
    #[serde(default)]
    mode: CalendarMode,
    #[schema(schema_with = time_zone)]
    #[serde(default)]
    time_zone: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?$"
    )]
    #[serde(default)]
    mon: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^(0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?)?$"
    )]
    #[serde(default)]
    tue: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^(0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?)?$"
    )]
    #[serde(default)]
    wed: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^(0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?)?$"
    )]
    #[serde(default)]
    thu: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^(0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?)?$"
    )]
    #[serde(default)]
    fri: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^(0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?)?$"
    )]
    #[serde(default)]
    sat: String,
    /// Working windows of the day, "09:00-18:00", or several apart by commas ("09:00-13:00, 14:00-18:00"), at most 6, in order and not overlapping; empty for a day off.
    #[schema(
        pattern = r"^(0[0-9]:[0-5][0-9]-1[0-9]:[0-5][0-9](, 2[0-2]:[0-5][0-9]-23:[0-5][0-9])?)?$"
    )]
    #[serde(default)]
    sun: String,
    #[serde(default)]
    holidays: Holidays,
    #[schema(schema_with = extra_holidays)]
    #[serde(default)]
    extra_holidays: Vec<String>,
}

/// `business` counts the working windows; `24x7` counts every hour.
#[derive(Deserialize, ToSchema, Default)]
#[allow(dead_code)]
pub enum CalendarMode {
    #[default]
    #[serde(rename = "business")]
    Business,
    #[serde(rename = "24x7")]
    Always,
}

/// The built-in public holidays.
#[derive(Deserialize, ToSchema, Default)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Holidays {
    #[default]
    Romania,
    None,
}

fn team_address() -> impl Into<RefOr<Schema>> {
    AnyOfBuilder::new()
        .item(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
            "EmailAddress",
        )))
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .description(Some(
            "Where warnings and breaches of unassigned tickets go; empty for nowhere.",
        ))
}

fn time_zone() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some([
            "Europe/Bucharest",
            "UTC",
            "Europe/London",
            "Europe/Berlin",
            "America/New_York",
        ]))
        .description(Some("An IANA time zone (any; these are examples)."))
}

fn extra_holidays() -> impl Into<RefOr<Schema>> {
    ArrayBuilder::new()
        .items(ObjectBuilder::new().schema_type(Type::String).pattern(Some(
            r"^20[2-9][0-9]-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$",
        )))
        .max_items(Some(50))
        .description(Some("More days off, YYYY-MM-DD."))
}
