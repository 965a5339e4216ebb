//! How the file and the environment override the built-in defaults: merging TOML trees,
//! and the `HELPDESK_<SECTION>_<KEY>` variables.

use anyhow::{Context, bail};

const SECTIONS: [&str; 10] = [
    "helpdesk",
    "database",
    "imap",
    "smtp",
    "web",
    "portal",
    "sla",
    "mail_trust",
    "oauth2",
    "log",
];

pub(super) fn merge(base: &mut toml::Value, over: toml::Value) {
    match (base, over) {
        (toml::Value::Table(base), toml::Value::Table(over)) => {
            for (k, v) in over {
                match base.get_mut(&k) {
                    Some(existing) => merge(existing, v),
                    None => {
                        base.insert(k, v);
                    }
                }
            }
        }
        (base, over) => *base = over,
    }
}

/// `HELPDESK_IMAP_POLL_INTERVAL_SECS=30` sets `imap.poll_interval_secs`, and
/// `HELPDESK_SLA_RESOLVE_HOURS_URGENT=2` sets `sla.resolve_hours.urgent`; the value is read
/// with the type the key already has (number, bool or string). A variable that names a
/// section but no key of it is refused.
pub(super) fn apply_env(tree: &mut toml::Value, name: &str, value: &str) -> anyhow::Result<()> {
    let Some(rest) = name.strip_prefix("HELPDESK_") else {
        return Ok(());
    };
    let rest = rest.to_ascii_lowercase();
    let Some(section) = SECTIONS.iter().find(|s| rest.starts_with(&format!("{s}_"))) else {
        return Ok(());
    };
    let mut key = rest[section.len() + 1..].to_string();
    let Some(mut table) = tree.get_mut(*section).and_then(|t| t.as_table_mut()) else {
        return Ok(());
    };
    // Walk into sub-tables: resolve_hours_urgent -> resolve_hours.urgent.
    while !table.contains_key(&key) {
        let Some((sub, tail)) = key
            .match_indices('_')
            .map(|(i, _)| (key[..i].to_string(), key[i + 1..].to_string()))
            .find(|(sub, _)| table.get(sub).is_some_and(toml::Value::is_table))
        else {
            bail!("{name} names no setting");
        };
        table = table
            .get_mut(&sub)
            .and_then(|t| t.as_table_mut())
            .expect("checked to be a table");
        key = tail;
    }
    let key = key.as_str();
    let parsed = match table.get(key) {
        // A number written with a zero fraction in the file (`30.0`) is a whole one too.
        Some(toml::Value::Integer(_) | toml::Value::Float(_)) => toml::Value::Integer(
            value
                .trim()
                .parse()
                .with_context(|| format!("{name} must be a whole number"))?,
        ),
        Some(toml::Value::Boolean(_)) => toml::Value::Boolean(match value.trim() {
            "1" | "true" | "yes" | "on" => true,
            "0" | "false" | "no" | "off" => false,
            _ => bail!("{name} must be true or false"),
        }),
        Some(toml::Value::Table(_)) => bail!("{name} names a table; set its keys in the file"),
        // A list takes a comma-separated value: `a.example,b.example`.
        Some(toml::Value::Array(_)) => toml::Value::Array(
            value
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| toml::Value::String(v.into()))
                .collect(),
        ),
        _ => toml::Value::String(value.to_string()),
    };
    table.insert(key.to_string(), parsed);
    Ok(())
}
