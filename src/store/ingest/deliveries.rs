//! Group commit's statement: a batch of verified deliveries stored and applied by
//! `auth_mirror.ingest_deliveries`, one array per column.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;

use super::{bind_attempts, one_row_each, status, Attempt};
use crate::domain::MirrorEffect;
use crate::store::events::StoredOutcome;

/// One delivery of a batch: the event to store and what it asks.
#[derive(Debug)]
pub struct BatchedDelivery<'a> {
    pub source: &'a str,
    /// The stable idempotency key.
    pub event_key: &'a str,
    pub webhook_id: &'a str,
    pub signed_at: DateTime<Utc>,
    /// The raw body exactly as signed.
    pub payload: &'a [u8],
    pub attempt: Attempt<'a>,
}

/// What became of one delivery of the batch, in the batch's order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingested {
    pub event_id: i64,
    /// This delivery stored the event; `false`: the event key was stored before (a retry of
    /// an earlier delivery, or a copy a concurrent batch stored first) and `outcome` is what
    /// that stored event came to.
    pub stored: bool,
    pub outcome: StoredOutcome,
    /// Why applying failed (SQLSTATE and constraint name), or why the body did not parse.
    pub error: Option<String>,
}

/// Stores and applies `batch` in one statement, in the caller's transaction (or its own,
/// when the caller has none). One `Ingested` per delivery, in order.
pub async fn ingest(
    connection: &mut PgConnection,
    batch: &[BatchedDelivery<'_>],
) -> Result<Vec<Ingested>, sqlx::Error> {
    let attempts: Vec<Attempt> = batch.iter().map(|delivery| delivery.attempt).collect();
    let query = sqlx::query_as(
        "select o_event_id, o_stored, o_status, o_effect, o_kind, o_error \
         from auth_mirror.ingest_deliveries(\
           $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
           $19, $20)",
    )
    .bind(batch.iter().map(|d| d.source).collect::<Vec<_>>())
    .bind(batch.iter().map(|d| d.event_key).collect::<Vec<_>>())
    .bind(batch.iter().map(|d| d.webhook_id).collect::<Vec<_>>())
    .bind(batch.iter().map(|d| d.signed_at).collect::<Vec<_>>())
    .bind(batch.iter().map(|d| d.payload).collect::<Vec<_>>());
    let rows: Vec<IngestedRow> = bind_attempts(query, &attempts)
        .fetch_all(connection)
        .await?;
    one_row_each(rows, batch.len(), "ingest_deliveries")?
        .into_iter()
        .map(IngestedRow::into_ingested)
        .collect()
}

struct IngestedRow {
    o_event_id: i64,
    o_stored: bool,
    o_status: String,
    o_effect: Option<String>,
    o_kind: String,
    o_error: Option<String>,
}
from_row!(IngestedRow {
    o_event_id,
    o_stored,
    o_status,
    o_effect,
    o_kind,
    o_error
});

impl IngestedRow {
    fn into_ingested(self) -> Result<Ingested, sqlx::Error> {
        Ok(Ingested {
            event_id: self.o_event_id,
            stored: self.o_stored,
            outcome: StoredOutcome {
                status: status(&self.o_status)?,
                kind: self.o_kind,
                effect: self.o_effect.as_deref().and_then(MirrorEffect::from_sql),
            },
            error: self.o_error,
        })
    }
}
