//! Who has a ticket open in the console, where every node sharing PostgreSQL sees it (on
//! SQLite the one daemon keeps it in memory and never calls this).

use chrono::{DateTime, Utc};

use super::{Conn, SqlResult};
use crate::params;

/// One statement: forgets the pages quiet since `quiet_since` (other than this one; rows
/// another beat is forgetting are left to it, so that beats never wait on each other),
/// notes `agent` on `ticket` at `now` (from now on again if their page had gone quiet),
/// and reads the others still there, first come first.
const BEAT: &str = "WITH gone AS (
        DELETE FROM presence WHERE (ticket_id, agent_id) IN (
            SELECT ticket_id, agent_id FROM presence
            WHERE seen_at <= ?5 AND NOT (ticket_id = ?1 AND agent_id = ?2)
            FOR UPDATE SKIP LOCKED)
    ), here AS (
        INSERT INTO presence (ticket_id, agent_id, name, typing, since, seen_at)
        VALUES (?1, ?2, ?3, ?4, ?6, ?6)
        ON CONFLICT (ticket_id, agent_id) DO UPDATE SET
            name = excluded.name, typing = excluded.typing, seen_at = excluded.seen_at,
            since = CASE WHEN presence.seen_at <= ?5 THEN excluded.since ELSE presence.since END
    )
    SELECT name, typing FROM presence
    WHERE ticket_id = ?1 AND agent_id <> ?2 AND seen_at > ?5
    ORDER BY since, agent_id";

/// `agent` (named `name`) is on `ticket`, writing or not, at `now`; returns the name of
/// every other agent whose page there beat after `quiet_since`, and whether they write.
pub fn beat(
    conn: &Conn,
    ticket: i64,
    agent: i64,
    name: &str,
    typing: bool,
    quiet_since: DateTime<Utc>,
    now: DateTime<Utc>,
) -> SqlResult<Vec<(String, bool)>> {
    conn.query_map(
        BEAT,
        params![ticket, agent, name, typing, quiet_since, now],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
}
