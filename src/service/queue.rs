//! The agents' queue with both SLA clocks of every row (console and API).

use chrono::{DateTime, Utc};

use super::{Ctx, ServiceError};
use crate::db;
pub use crate::db::queue::{QueueFilter, QueueRow};
use crate::domain::sla::ClockView;

/// One row of the queue and its clocks.
#[derive(Debug, Clone)]
pub struct QueueItem {
    pub row: QueueRow,
    pub assignment: ClockView,
    pub resolution: ClockView,
}

/// A page of the queue and how many tickets match in all.
pub async fn page(
    ctx: &Ctx,
    filter: QueueFilter,
    now: DateTime<Utc>,
) -> Result<(Vec<QueueItem>, i64), ServiceError> {
    if filter.text.is_some() {
        super::search_index::catch_up(ctx).await?;
    }
    let (rows, total, histories) = ctx
        .db
        .read(move |c| {
            let (rows, total) = db::queue::queue(c, &filter)?;
            let ids: Vec<_> = rows.iter().map(|r| r.id).collect();
            Ok::<_, anyhow::Error>((rows, total, db::queue::histories(c, &ids)?))
        })
        .await?;
    let sla = ctx.sla();
    let items = rows
        .into_iter()
        .map(|row| {
            let history = histories.get(&row.id).map(Vec::as_slice).unwrap_or(&[]);
            let assigned_at = row
                .assigned_at
                .as_deref()
                .and_then(|a| db::parse_ts(a).ok());
            let [assignment, resolution] = sla.clocks(now, history, assigned_at, row.priority);
            QueueItem {
                row,
                assignment,
                resolution,
            }
        })
        .collect();
    Ok((items, total))
}
