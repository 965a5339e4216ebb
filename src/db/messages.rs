//! The conversation of a ticket: messages and their attachments (content-addressed blobs).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::Row;

use super::{Conn, ts};

pub struct NewMessage<'a> {
    pub ticket_id: i64,
    /// customer, partner, agent, note, system
    pub kind: &'a str,
    pub author: &'a str,
    pub internal: bool,
    pub subject: &'a str,
    pub body: &'a str,
    pub quoted: &'a str,
    pub signature: &'a str,
    pub full_text: &'a str,
    pub html: Option<&'a str>,
    pub message_id: Option<&'a str>,
    pub raw_email_id: Option<i64>,
}

pub async fn insert(conn: &mut Conn, m: &NewMessage<'_>, now: DateTime<Utc>) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO messages (ticket_id, kind, author, internal, subject, body, quoted, signature,
             full_text, html, message_id, raw_email_id, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(m.ticket_id)
    .bind(m.kind)
    .bind(m.author)
    .bind(m.internal)
    .bind(m.subject)
    .bind(m.body)
    .bind(m.quoted)
    .bind(m.signature)
    .bind(m.full_text)
    .bind(m.html)
    .bind(m.message_id)
    .bind(m.raw_email_id)
    .bind(ts(now))
    .fetch_one(conn)
    .await
}

pub struct NewAttachment<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
    pub content_id: Option<&'a str>,
    pub inline: bool,
}

/// Stores the content once per SHA-256 and links it to the message.
pub async fn attach(conn: &mut Conn, message_id: i64, a: &NewAttachment<'_>) -> sqlx::Result<i64> {
    let sha = hex::encode(Sha256::digest(a.content));
    sqlx::query("INSERT INTO blobs (sha256, size, content) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(&sha)
        .bind(a.content.len() as i64)
        .bind(a.content)
        .execute(&mut *conn)
        .await?;
    sqlx::query_scalar(
        "INSERT INTO attachments (message_id, filename, content_type, size, sha256, content_id, inline)
         VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(message_id)
    .bind(a.filename)
    .bind(a.content_type)
    .bind(a.content.len() as i64)
    .bind(&sha)
    .bind(a.content_id)
    .bind(a.inline)
    .fetch_one(conn)
    .await
}

#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub content_id: Option<String>,
    pub inline: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub id: i64,
    pub kind: String,
    pub author: String,
    pub internal: bool,
    pub subject: String,
    pub body: String,
    pub quoted: String,
    pub signature: String,
    pub full_text: String,
    pub message_id: Option<String>,
    pub created_at: String,
    pub attachments: Vec<AttachmentView>,
}

pub async fn for_ticket(conn: &mut Conn, ticket_id: i64) -> sqlx::Result<Vec<MessageView>> {
    let rows = sqlx::query(
        "SELECT id, kind, author, internal, subject, body, quoted, signature, full_text, message_id, created_at
         FROM messages WHERE ticket_id = ? ORDER BY id",
    )
    .bind(ticket_id)
    .fetch_all(&mut *conn)
    .await?;
    let atts = sqlx::query(
        "SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.sha256, a.content_id, a.inline
         FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = ? ORDER BY a.id",
    )
    .bind(ticket_id)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let id: i64 = r.get("id");
            MessageView {
                id,
                kind: r.get("kind"),
                author: r.get("author"),
                internal: r.get("internal"),
                subject: r.get("subject"),
                body: r.get("body"),
                quoted: r.get("quoted"),
                signature: r.get("signature"),
                full_text: r.get("full_text"),
                message_id: r.get("message_id"),
                created_at: r.get("created_at"),
                attachments: atts
                    .iter()
                    .filter(|a| a.get::<i64, _>("message_id") == id)
                    .map(|a| AttachmentView {
                        id: a.get("id"),
                        filename: a.get("filename"),
                        content_type: a.get("content_type"),
                        size: a.get("size"),
                        sha256: a.get("sha256"),
                        content_id: a.get("content_id"),
                        inline: a.get("inline"),
                    })
                    .collect(),
            }
        })
        .collect())
}

/// The Message-IDs of the thread as one participant saw it (their mail to us and ours
/// to them), oldest first: the `References` of our next mail to them.
pub async fn thread_ids(conn: &mut Conn, ticket_id: i64, address: &str) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT mid FROM (
            SELECT message_id AS mid, created_at, 0 AS src, id FROM messages
                WHERE ticket_id = ?1 AND message_id IS NOT NULL AND author = ?2
            UNION ALL
            SELECT message_id, created_at, 1, id FROM outbox WHERE ticket_id = ?1 AND recipient = ?2
         ) ORDER BY created_at, src, id",
    )
    .bind(ticket_id)
    .bind(address)
    .fetch_all(conn)
    .await
}
