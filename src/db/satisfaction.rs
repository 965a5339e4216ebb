//! Customers' ratings of resolutions, and the report of them.

use chrono::{DateTime, Utc};

use super::{Conn, SqlResult};
use crate::domain::ids::TicketId;
use crate::domain::satisfaction::Rating;
use crate::params;

#[derive(Debug, Clone)]
pub struct Rated {
    pub rating: Rating,
    pub comment: String,
    pub rated_at: String,
}

/// Records (or replaces) the rating of a ticket, crediting its assignee of the moment.
pub fn record(
    conn: &Conn,
    id: TicketId,
    rating: Rating,
    comment: &str,
    now: DateTime<Utc>,
) -> SqlResult<()> {
    conn.execute(
        "INSERT INTO satisfaction (ticket_id, rating, comment, agent_id, rated_at)
         SELECT id, ?2, ?3, assignee_id, ?4 FROM tickets WHERE id = ?1
         ON CONFLICT (ticket_id) DO UPDATE SET rating = excluded.rating, comment = excluded.comment,
             agent_id = excluded.agent_id, rated_at = excluded.rated_at",
        params![id, rating.as_str(), comment, now],
    )?;
    Ok(())
}

pub fn of(conn: &Conn, id: TicketId) -> SqlResult<Option<Rated>> {
    conn.query_opt(
        "SELECT rating, comment, rated_at FROM satisfaction WHERE ticket_id = ?",
        params![id],
        |r| {
            let rating: String = r.get(0)?;
            Ok(Rated {
                rating: super::known(Rating::parse(&rating), 0, rating)?,
                comment: r.get(1)?,
                rated_at: r.get(2)?,
            })
        },
    )
}

/// One line of the report: an agent's ratings in one ISO week.
#[derive(Debug, Clone, serde::Serialize)]
pub struct WeekOfAgent {
    /// `2026-W49`.
    pub week: String,
    /// The agent's name; empty for tickets nobody was assigned.
    pub agent: String,
    pub good: i64,
    pub bad: i64,
}

/// Ratings since `from`, per ISO week (newest first) and agent, weeks counted in UTC.
pub fn report(conn: &Conn, from: DateTime<Utc>) -> SqlResult<Vec<WeekOfAgent>> {
    // SQLite has no ISO week: the week's Thursday names its year, and the Thursday's day
    // of the year its number. PostgreSQL has it (IYYY, IW), read in UTC as SQLite does;
    // its sum() would be NUMERIC, hence the casts.
    let sql = conn.pick(
        "WITH r AS (
             SELECT s.rating, coalesce(a.name, '') AS agent,
                    date(s.rated_at, '-3 days', 'weekday 4') AS thursday
             FROM satisfaction s LEFT JOIN agents a ON a.id = s.agent_id WHERE s.rated_at >= ?)
         SELECT strftime('%Y', thursday) || '-W' || printf('%02d', (strftime('%j', thursday) - 1) / 7 + 1) AS week,
                agent, sum(rating = 'good'), sum(rating = 'bad')
         FROM r GROUP BY week, agent ORDER BY week DESC, agent",
        "SELECT to_char(s.rated_at AT TIME ZONE 'UTC', 'IYYY-\"W\"IW') AS week,
                coalesce(a.name, '') AS agent,
                CAST(sum(CASE WHEN s.rating = 'good' THEN 1 ELSE 0 END) AS BIGINT),
                CAST(sum(CASE WHEN s.rating = 'bad' THEN 1 ELSE 0 END) AS BIGINT)
         FROM satisfaction s LEFT JOIN agents a ON a.id = s.agent_id WHERE s.rated_at >= ?
         GROUP BY 1, 2 ORDER BY 1 DESC, 2",
    );
    conn.query_map(sql, params![from], |r| {
        Ok(WeekOfAgent {
            week: r.get(0)?,
            agent: r.get(1)?,
            good: r.get(2)?,
            bad: r.get(3)?,
        })
    })
}
