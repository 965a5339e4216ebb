//! The conversation of a ticket: messages and their attachments (content-addressed blobs).

use chrono::{DateTime, Utc};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

use super::tickets::Moved;
use super::{CiText, Conn, Row, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::message_kind::MessageKind;
use crate::domain::sender_auth::SenderAuth;
use crate::params;

pub struct NewMessage<'a> {
    pub kind: MessageKind,
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
    pub sender_auth: Option<SenderAuth>,
}

/// The columns a new message is written with, in the order of its values: its ticket,
/// [`NewMessage`]'s fields, and when.
pub(crate) const COLUMNS: &str =
    "ticket_id, kind, author, internal, subject, body, quoted, signature,
    full_text, html, message_id, raw_email_id, sender_auth, created_at";

/// A message as stored: its id, and its ticket as the message moved it.
pub struct Inserted {
    pub id: i64,
    pub ticket: Moved,
}

/// Stores a message of ticket `ticket_id` and moves the ticket: its version up once, its
/// last update forward to `now` (never back). One statement on PostgreSQL.
pub fn insert(
    conn: &Conn,
    ticket_id: TicketId,
    m: &NewMessage<'_>,
    now: DateTime<Utc>,
) -> SqlResult<Inserted> {
    static INSERT: LazyLock<String> = LazyLock::new(|| {
        format!(
            "INSERT INTO messages ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)"
        )
    });
    static INSERT_POSTGRES: LazyLock<String> = LazyLock::new(|| {
        format!(
            "WITH m AS ({} RETURNING id), moved AS (
                UPDATE tickets SET version = version + 1, updated_at = greatest(updated_at, ?14) WHERE id = ?1
                RETURNING version, updated_at
             )
             SELECT m.id, moved.version, moved.updated_at FROM m, moved",
            *INSERT
        )
    });
    let values = params![
        ticket_id,
        m.kind.as_str(),
        m.author,
        m.internal,
        m.subject,
        m.body,
        m.quoted,
        m.signature,
        m.full_text,
        m.html,
        m.message_id,
        m.raw_email_id,
        m.sender_auth.map(SenderAuth::as_str),
        now
    ];
    let moved = |r: &Row<'_>, at: usize| {
        Ok(Moved {
            version: r.get(at)?,
            updated_at: r.get(at + 1)?,
        })
    };
    if conn.is_postgres() {
        return conn.query_row(&INSERT_POSTGRES, values, |r| {
            Ok(Inserted {
                id: r.get(0)?,
                ticket: moved(r, 1)?,
            })
        });
    }
    let id = conn.insert(&INSERT, values)?;
    // Times are fixed-width RFC 3339 text on SQLite: the larger is the later.
    let ticket = conn.query_row(
        "UPDATE tickets SET version = version + 1, updated_at = max(updated_at, ?2) WHERE id = ?1
         RETURNING version, updated_at",
        params![ticket_id, now],
        |r| moved(r, 0),
    )?;
    Ok(Inserted { id, ticket })
}

pub struct NewAttachment<'a> {
    pub filename: &'a str,
    pub content_type: &'a str,
    pub content: &'a [u8],
    pub content_id: Option<&'a str>,
    pub inline: bool,
}

/// Stores the content once per SHA-256 and links it to the message. One statement on
/// PostgreSQL.
pub fn attach(conn: &Conn, message_id: i64, a: &NewAttachment<'_>) -> SqlResult<i64> {
    const BLOB: &str =
        "INSERT INTO blobs (sha256, size, content) VALUES (?5, ?4, ?8) ON CONFLICT DO NOTHING";
    const ATTACHMENT: &str = "INSERT INTO attachments (message_id, filename, content_type, size, sha256, content_id, inline)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";
    static BOTH: LazyLock<String> =
        LazyLock::new(|| format!("WITH blob AS ({BLOB}) {ATTACHMENT} RETURNING id"));
    let sha = hex::encode(Sha256::digest(a.content));
    let size = a.content.len() as i64;
    let values = params![
        message_id,
        a.filename,
        a.content_type,
        size,
        sha,
        a.content_id,
        a.inline,
        a.content
    ];
    if conn.is_postgres() {
        return conn.query_row(&BOTH, values, |r| r.get(0));
    }
    conn.execute(BLOB, values)?;
    // Without the content, which only the blob takes.
    conn.insert(ATTACHMENT, &values[..7])
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: i64,
    pub filename: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub content_id: Option<String>,
    pub inline: bool,
    #[serde(skip)]
    message_id: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    pub id: i64,
    pub kind: MessageKind,
    pub author: String,
    pub internal: bool,
    pub subject: String,
    /// The new text, without the quoted history and the signature.
    pub body: String,
    pub quoted: String,
    pub signature: String,
    pub full_text: String,
    /// The HTML part as received (unsafe to show before sanitising).
    #[serde(skip)]
    pub html: Option<String>,
    pub message_id: Option<String>,
    /// For mail: what our receiving servers said of its sender (`pass`, `none`, `fail`).
    #[schema(required = true)]
    pub sender_auth: Option<SenderAuth>,
    pub created_at: String,
    pub attachments: Vec<AttachmentView>,
}

pub fn for_ticket(conn: &Conn, ticket_id: TicketId) -> SqlResult<Vec<MessageView>> {
    let mut atts: Vec<AttachmentView> = conn.query_map(
        "SELECT a.id, a.message_id, a.filename, a.content_type, a.size, a.sha256, a.content_id, a.inline
         FROM attachments a JOIN messages m ON m.id = a.message_id WHERE m.ticket_id = ? ORDER BY a.id",
        params![ticket_id],
        |r| {
            Ok(AttachmentView {
                id: r.get(0)?,
                message_id: r.get(1)?,
                filename: r.get(2)?,
                content_type: r.get(3)?,
                size: r.get(4)?,
                sha256: r.get(5)?,
                content_id: r.get(6)?,
                inline: r.get(7)?,
            })
        },
    )?;
    conn.query_map(
        "SELECT id, kind, author, internal, subject, body, quoted, signature, full_text, message_id, created_at, html, sender_auth
         FROM messages WHERE ticket_id = ? ORDER BY id",
        params![ticket_id],
        |r| {
        let id: i64 = r.get(0)?;
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut atts)
            .into_iter()
            .partition(|a| a.message_id == id);
        atts = rest;
        Ok(MessageView {
            id,
            kind: {
                let kind: String = r.get(1)?;
                super::known(MessageKind::parse(&kind), 1, kind)?
            },
            author: r.get(2)?,
            internal: r.get(3)?,
            subject: r.get(4)?,
            body: r.get(5)?,
            quoted: r.get(6)?,
            signature: r.get(7)?,
            full_text: r.get(8)?,
            message_id: r.get(9)?,
            created_at: r.get(10)?,
            html: r.get(11)?,
            sender_auth: r
                .get::<_, Option<String>>(12)?
                .as_deref()
                .and_then(SenderAuth::parse),
            attachments: mine,
        })
    },
    )
}

/// A stored file as it is downloaded.
#[derive(Debug, Clone)]
pub struct Download {
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// The files of one message (not its inline images), as a mail carries them.
pub fn files(conn: &Conn, message_id: i64) -> SqlResult<Vec<Download>> {
    conn.query_map(
        "SELECT a.filename, a.content_type, b.content FROM attachments a JOIN blobs b ON b.sha256 = a.sha256
         WHERE a.message_id = ? AND a.inline = FALSE ORDER BY a.id",
        params![message_id],
        |r| {
            Ok(Download {
                filename: r.get(0)?,
                content_type: r.get(1)?,
                content: r.get(2)?,
            })
        },
    )
}

/// An attachment of a message of this ticket; with `public_only`, internal notes' files
/// are not found.
pub fn download(
    conn: &Conn,
    ticket_id: TicketId,
    attachment_id: i64,
    public_only: bool,
) -> SqlResult<Option<Download>> {
    conn.query_opt(
        "SELECT a.filename, a.content_type, b.content FROM attachments a
         JOIN messages m ON m.id = a.message_id JOIN blobs b ON b.sha256 = a.sha256
         WHERE a.id = ? AND m.ticket_id = ? AND (? = FALSE OR (m.internal = FALSE AND m.kind IN ('customer', 'agent')))",
        params![attachment_id, ticket_id, public_only],
        |r| {
            Ok(Download {
                filename: r.get(0)?,
                content_type: r.get(1)?,
                content: r.get(2)?,
            })
        },
    )
}

/// What a mail about a ticket needs to know before it is queued.
#[derive(Debug, Clone)]
pub struct MailContext {
    /// The Message-IDs of the thread as the recipient saw it (their mail to us and ours to
    /// them), oldest first: the `References` of our next mail to them.
    pub references: Vec<String>,
    /// The address of the mailbox the ticket came in through.
    pub mailbox: String,
    /// How many automatic mails went (or are going) to the recipient since the time asked
    /// (0 when none was).
    pub automatic_sent: i64,
}

/// [`MailContext`] of a mail about `ticket_id` to `address`, in one statement: the first
/// row holds the mailbox (and the count), the others the thread. The automatic mail is
/// counted only when asked (`since`), for mail that loop protection holds back: a count
/// for every mail would read, for each of a sweep's alerts to one team address, all those
/// queued before it. The author is matched as written, the recipient without regard to
/// case (as each column compares).
pub fn mail_context(
    conn: &Conn,
    ticket_id: TicketId,
    address: &str,
    since: Option<DateTime<Utc>>,
) -> SqlResult<MailContext> {
    const THREAD: &str = "
         UNION ALL
         SELECT 1, message_id, 0, created_at, 0, id FROM messages
            WHERE ticket_id = ?1 AND message_id IS NOT NULL AND author = ?2
         UNION ALL
         SELECT 1, message_id, 0, created_at, 1, id FROM outbox WHERE ticket_id = ?1 AND recipient = ?2
         ORDER BY part, created_at, src, id";
    static COUNTED: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT 0 AS part, mailbox AS text, (
                SELECT count(*) FROM outbox WHERE recipient = ?2 AND automatic = TRUE AND created_at >= ?3
            ) AS n, NULL AS created_at, 0 AS src, 0 AS id
            FROM tickets WHERE id = ?1{THREAD}"
        )
    });
    static UNCOUNTED: LazyLock<String> = LazyLock::new(|| {
        format!(
            "SELECT 0 AS part, mailbox AS text, 0 AS n, NULL AS created_at, 0 AS src, 0 AS id
            FROM tickets WHERE id = ?1{THREAD}"
        )
    });
    let read = |r: &super::Row<'_>| Ok((r.get(0)?, r.get(1)?, r.get(2)?));
    let address = CiText(address);
    let rows: Vec<(i64, Option<String>, i64)> = match since {
        Some(since) => conn.query_map(&COUNTED, params![ticket_id, address, since], read)?,
        None => conn.query_map(&UNCOUNTED, params![ticket_id, address], read)?,
    };
    let mut rows = rows.into_iter();
    let Some((0, mailbox, automatic_sent)) = rows.next() else {
        return Err(super::SqlError::NoRow);
    };
    let mut references: Vec<String> = rows.filter_map(|(_, id, _)| id).collect();
    references.extend(super::outbox::thread_held(conn, ticket_id, address.0));
    Ok(MailContext {
        references,
        mailbox: mailbox.unwrap_or_default(),
        automatic_sent: match since {
            Some(_) => automatic_sent + super::outbox::automatic_held(conn, address.0),
            None => automatic_sent,
        },
    })
}
