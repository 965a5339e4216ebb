//! Customers and their one-time portal links.

use std::sync::LazyLock;

use chrono::{DateTime, Utc};

use super::{CiText, Conn, Row, SqlResult};
use crate::domain::email_address::EmailAddress;
use crate::domain::ids::CustomerId;
use crate::params;

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: CustomerId,
    pub email: String,
    pub name: String,
    pub locale: String,
    pub time_zone: String,
    pub phone: String,
    /// Whether a portal password is set.
    pub has_password: bool,
}

const SELECT: &str = "SELECT id, email, name, locale, time_zone, phone, password_hash IS NOT NULL AS has_password FROM customers";

fn from_row(r: &Row<'_>) -> SqlResult<Customer> {
    Ok(Customer {
        id: r.get("id")?,
        email: r.get("email")?,
        name: r.get("name")?,
        locale: r.get("locale")?,
        time_zone: r.get("time_zone")?,
        phone: r.get("phone")?,
        has_password: r.get("has_password")?,
    })
}

pub fn find_by_email(conn: &Conn, email: &EmailAddress) -> SqlResult<Option<Customer>> {
    conn.query_opt(
        &format!("{SELECT} WHERE email = ?"),
        params![CiText(email.as_str())],
        from_row,
    )
}

pub fn get(conn: &Conn, id: CustomerId) -> SqlResult<Customer> {
    conn.query_row(&format!("{SELECT} WHERE id = ?"), params![id], from_row)
}

/// Registers a customer; `None` when the address is registered already (on PostgreSQL, by
/// another node's transaction at the same moment: it is then found, not refused).
pub fn insert(
    conn: &Conn,
    email: &EmailAddress,
    name: &str,
    locale: &str,
    time_zone: &str,
    now: DateTime<Utc>,
) -> SqlResult<Option<Customer>> {
    let Some(id) = conn.insert_new(
        "INSERT INTO customers (email, name, locale, time_zone, created_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (email) DO NOTHING",
        params![email.as_str(), name, locale, time_zone, now],
    )?
    else {
        return Ok(None);
    };
    Ok(Some(Customer {
        id: CustomerId(id),
        email: email.to_string(),
        name: name.to_string(),
        locale: locale.to_string(),
        time_zone: time_zone.to_string(),
        phone: String::new(),
        has_password: false,
    }))
}

/// A customer to find by address, or to register with these details.
pub struct NewCustomer<'a> {
    pub email: &'a EmailAddress,
    /// Filled in for a customer found without a name.
    pub name: &'a str,
    pub locale: &'a str,
    pub time_zone: &'a str,
}

/// Finds the customer with this address (filling in their name if theirs is empty) or
/// registers them: the customer and whether they are new. One statement on PostgreSQL,
/// tried again after a race ([`again_after_a_race`]). `None` when neither try found nor
/// registered them.
pub fn find_or_insert(
    conn: &Conn,
    who: &NewCustomer<'_>,
    now: DateTime<Utc>,
) -> SqlResult<Option<(Customer, bool)>> {
    let NewCustomer {
        email,
        name,
        locale,
        time_zone,
    } = *who;
    if !conn.is_postgres() {
        if let Some(mut c) = find_by_email(conn, email)? {
            if c.name.is_empty() && !name.is_empty() {
                set_name_if_empty(conn, c.id, name)?;
                c.name = name.to_string();
            }
            return Ok(Some((c, false)));
        }
        return Ok(insert(conn, email, name, locale, time_zone, now)?.map(|c| (c, true)));
    }
    static FIND_OR_INSERT: LazyLock<String> =
        LazyLock::new(|| format!("WITH {} SELECT * FROM customer", finding([1, 2, 3, 4, 5])));
    again_after_a_race(|| {
        conn.query_opt(
            &FIND_OR_INSERT,
            params![CiText(email.as_str()), name, locale, time_zone, now],
            |r| Ok((from_row(r)?, r.get("is_new")?)),
        )
    })
}

/// Runs a PostgreSQL statement that finds or registers a customer ([`finding`]) a second
/// time when the first wrote nothing (`None`): that try met another transaction
/// registering the address at the same moment and waited for it; the second finds them
/// (or registers them, when that transaction was undone).
pub(super) fn again_after_a_race<T>(
    try_once: impl Fn() -> SqlResult<Option<T>>,
) -> SqlResult<Option<T>> {
    match try_once()? {
        Some(done) => Ok(Some(done)),
        None => try_once(),
    }
}

/// [`find_or_insert`] on PostgreSQL, as common table expressions for a statement of its
/// own or one that goes on with the customer: `customer` holds them as [`from_row`] reads
/// them, with `is_new`, or nothing when another transaction registered the address at the
/// same moment. The address ([`CiText`]), name, locale, time zone and time are the
/// parameters numbered `p`.
pub(super) fn finding(p: [usize; 5]) -> String {
    let [email, name, locale, time_zone, now] = p;
    format!(
        "found AS (
             SELECT id, email, CASE WHEN name = '' THEN ?{name} ELSE name END AS name, locale, time_zone, phone,
                 password_hash IS NOT NULL AS has_password
             FROM customers WHERE email = ?{email}
         ), named AS (
             UPDATE customers SET name = ?{name} WHERE id = (SELECT id FROM found) AND name = '' AND ?{name} <> ''
         ), added AS (
             INSERT INTO customers (email, name, locale, time_zone, created_at)
             SELECT ?{email}, ?{name}, ?{locale}, ?{time_zone}, ?{now} WHERE NOT EXISTS (SELECT 1 FROM found)
             ON CONFLICT (email) DO NOTHING
             RETURNING id, email, name, locale, time_zone, phone, FALSE AS has_password
         ), customer AS (
             SELECT *, FALSE AS is_new FROM found UNION ALL SELECT *, TRUE FROM added
         )"
    )
}

/// The customer with this address and their password hash (None when no password is set).
pub fn credentials(conn: &Conn, email: &str) -> SqlResult<Option<(Customer, Option<String>)>> {
    conn.query_opt(
        "SELECT id, email, name, locale, time_zone, phone, password_hash IS NOT NULL AS has_password, password_hash
         FROM customers WHERE email = ?",
        params![CiText(email)],
        |r| Ok((from_row(r)?, r.get("password_hash")?)),
    )
}

pub fn set_password_hash(conn: &Conn, id: CustomerId, hash: &str) -> SqlResult<()> {
    conn.execute(
        "UPDATE customers SET password_hash = ? WHERE id = ?",
        params![hash, id],
    )?;
    Ok(())
}

/// The language and time zone the portal and the mail use for this customer.
pub fn set_preferences(
    conn: &Conn,
    id: CustomerId,
    locale: &str,
    time_zone: &str,
) -> SqlResult<()> {
    conn.execute(
        "UPDATE customers SET locale = ?, time_zone = ? WHERE id = ?",
        params![locale, time_zone, id],
    )?;
    Ok(())
}

/// Customers whose address, name or phone contains `term` (phone digits match without
/// spaces or dashes), for phone intake.
pub fn search(conn: &Conn, term: &str, limit: i64) -> SqlResult<Vec<Customer>> {
    let like = format!(
        "%{}%",
        term.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let digits: String = term.chars().filter(char::is_ascii_digit).collect();
    let phone = (digits.len() >= 4).then(|| format!("%{digits}%"));
    // SQLite's LIKE ignores case; PostgreSQL's does not, its ILIKE does.
    let sqlite = format!(
        "{SELECT} WHERE email LIKE ?1 ESCAPE '\\' OR name LIKE ?1 ESCAPE '\\'
            OR (?2 IS NOT NULL AND replace(replace(replace(phone, ' ', ''), '-', ''), '.', '') LIKE ?2)
         ORDER BY name, email LIMIT ?3"
    );
    let postgres = format!(
        "{SELECT} WHERE email ILIKE ?1 ESCAPE '\\' OR name ILIKE ?1 ESCAPE '\\'
            OR (?2 IS NOT NULL AND replace(replace(replace(phone, ' ', ''), '-', ''), '.', '') LIKE ?2)
         ORDER BY name, email LIMIT ?3"
    );
    conn.query_map(
        conn.pick(&sqlite, &postgres),
        params![like, phone, limit],
        from_row,
    )
}

/// Fills in a phone number learnt at intake when none is known.
pub fn set_phone_if_empty(conn: &Conn, id: CustomerId, phone: &str) -> SqlResult<()> {
    conn.execute(
        "UPDATE customers SET phone = ? WHERE id = ? AND phone = ''",
        params![phone, id],
    )?;
    Ok(())
}

/// Fills in a display name learnt later (e.g. from a mail header) when none is known.
pub fn set_name_if_empty(conn: &Conn, id: CustomerId, name: &str) -> SqlResult<()> {
    conn.execute(
        "UPDATE customers SET name = ? WHERE id = ? AND name = ''",
        params![name, id],
    )?;
    Ok(())
}

/// A portal link's row: whose it is, what it is for, the SHA-256 of its token (the token
/// itself is only in the mail) and when it runs out. On PostgreSQL it is stored in the
/// statement that queues the mail carrying the link (`db::outbox::insert_all`).
pub struct NewPortalToken<'a> {
    pub customer_id: CustomerId,
    pub purpose: &'a str,
    pub token_hash: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub fn insert_portal_token(
    conn: &Conn,
    t: &NewPortalToken<'_>,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO portal_tokens (customer_id, purpose, token_hash, expires_at, created_at) VALUES (?, ?, ?, ?, ?)",
        params![t.customer_id, t.purpose, t.token_hash, t.expires_at, now],
    )?;
    Ok(())
}

/// A portal link as stored: whose it is, and whether it can still be used.
#[derive(Debug, Clone)]
pub struct PortalToken {
    pub id: i64,
    pub customer_id: CustomerId,
    pub purpose: String,
    pub expires_at: String,
    pub used: bool,
}

pub fn find_portal_token(conn: &Conn, token_hash: &str) -> SqlResult<Option<PortalToken>> {
    conn.query_opt(
        "SELECT id, customer_id, purpose, expires_at, used_at IS NOT NULL FROM portal_tokens WHERE token_hash = ?",
        params![token_hash],
        |r| {
            Ok(PortalToken {
                id: r.get(0)?,
                customer_id: r.get(1)?,
                purpose: r.get(2)?,
                expires_at: r.get(3)?,
                used: r.get(4)?,
            })
        },
    )
}

/// Marks a link used, and with it every other unused link of the same customer: once a
/// password is set, older invitations and reset links stop working.
pub fn use_portal_tokens(
    conn: &Conn,
    customer_id: CustomerId,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "UPDATE portal_tokens SET used_at = ? WHERE customer_id = ? AND used_at IS NULL",
        params![now, customer_id],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_registered_already_is_not_registered_again_in_any_case() {
        let conn = Conn::sqlite_in_memory().expect("an in-memory database");
        crate::db::migrations::run(conn.sqlite().expect("SQLite")).expect("the schema");
        let now = Utc::now();
        let ana = EmailAddress::parse("ana@client.ro").expect("an address");
        let first = insert(&conn, &ana, "Ana", "ro", "Europe/Bucharest", now).expect("insert");
        let first = first.expect("registered the first time");
        let again = EmailAddress::parse("ANA@client.ro").expect("an address");
        assert!(
            insert(&conn, &again, "Ana", "ro", "Europe/Bucharest", now)
                .expect("no error")
                .is_none()
        );
        let found = find_by_email(&conn, &again).expect("find").expect("found");
        assert_eq!(found.id, first.id);
    }
}
