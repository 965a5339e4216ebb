//! Customers and their one-time portal links.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Conn, ts};
use crate::domain::email_address::EmailAddress;

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: i64,
    pub email: String,
    pub name: String,
    pub locale: String,
}

fn from_row(r: &sqlx::sqlite::SqliteRow) -> Customer {
    Customer { id: r.get("id"), email: r.get("email"), name: r.get("name"), locale: r.get("locale") }
}

pub async fn find_by_email(conn: &mut Conn, email: &EmailAddress) -> sqlx::Result<Option<Customer>> {
    let row = sqlx::query("SELECT id, email, name, locale FROM customers WHERE email = ?")
        .bind(email.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(row.as_ref().map(from_row))
}

pub async fn get(conn: &mut Conn, id: i64) -> sqlx::Result<Customer> {
    let row = sqlx::query("SELECT id, email, name, locale FROM customers WHERE id = ?")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(from_row(&row))
}

pub async fn insert(
    conn: &mut Conn,
    email: &EmailAddress,
    name: &str,
    locale: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Customer> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO customers (email, name, locale, created_at) VALUES (?, ?, ?, ?) RETURNING id",
    )
    .bind(email.as_str())
    .bind(name)
    .bind(locale)
    .bind(ts(now))
    .fetch_one(conn)
    .await?;
    Ok(Customer { id, email: email.to_string(), name: name.to_string(), locale: locale.to_string() })
}

/// Fills in a display name learnt later (e.g. from a mail header) when none is known.
pub async fn set_name_if_empty(conn: &mut Conn, id: i64, name: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE customers SET name = ? WHERE id = ? AND name = ''")
        .bind(name)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_portal_token(
    conn: &mut Conn,
    customer_id: i64,
    purpose: &str,
    token_hash: &str,
    expires_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO portal_tokens (customer_id, purpose, token_hash, expires_at, created_at)
         VALUES (?, ?, ?, ?, ?)",
    )
    .bind(customer_id)
    .bind(purpose)
    .bind(token_hash)
    .bind(ts(expires_at))
    .bind(ts(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// A portal link as stored: whose it is, and whether it can still be used.
#[derive(Debug, Clone)]
pub struct PortalToken {
    pub customer_id: i64,
    pub purpose: String,
    pub expires_at: String,
    pub used: bool,
}

pub async fn find_portal_token(conn: &mut Conn, token_hash: &str) -> sqlx::Result<Option<PortalToken>> {
    let row = sqlx::query(
        "SELECT customer_id, purpose, expires_at, used_at IS NOT NULL AS used
         FROM portal_tokens WHERE token_hash = ?",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|r| PortalToken {
        customer_id: r.get("customer_id"),
        purpose: r.get("purpose"),
        expires_at: r.get("expires_at"),
        used: r.get("used"),
    }))
}
