//! A verified delivery on its way into the event store: parsed once, stored and applied in a
//! batch (`commit`), and told what became of it.

use bytes::Bytes;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

use super::plan::attempt;
use super::{first_outcome, outcome_without_write, Outcome};
use crate::domain::RetrySchedule;
use crate::domain::{Action, ParseFailure, ParsedEvent, Source};
use crate::store::ingest::{self, BatchedDelivery, Ingested};
use crate::webhook::VerifiedDelivery;

/// A verified delivery and what its body parsed into.
#[derive(Debug)]
pub struct ParsedDelivery {
    source: Source,
    webhook_id: String,
    signed_at: DateTime<Utc>,
    /// The raw body exactly as signed.
    body: Bytes,
    parsed: Result<ParsedEvent, ParseFailure>,
}

impl ParsedDelivery {
    pub fn parse(source: Source, verified: &VerifiedDelivery, body: Bytes) -> Self {
        Self {
            source,
            webhook_id: verified.webhook_id.clone(),
            signed_at: DateTime::from_timestamp(verified.timestamp, 0)
                .unwrap_or(DateTime::UNIX_EPOCH),
            parsed: ParsedEvent::parse(source, &body),
            body,
        }
    }

    pub fn source(&self) -> Source {
        self.source
    }

    pub fn webhook_id(&self) -> &str {
        &self.webhook_id
    }

    /// The stable idempotency key: the same event delivered twice has the same key.
    pub fn event_key(&self) -> &str {
        match &self.parsed {
            Ok(event) => event.key.as_str(),
            Err(failure) => failure.key.as_str(),
        }
    }

    /// What answers a delivery kept outside the database (spooled) instead of stored: what
    /// its parse alone says (the database applies it when the spool is drained).
    pub fn outcome_unstored(&self) -> Outcome {
        match &self.parsed {
            Ok(event) => match &event.action {
                Action::Mirror(_) => Outcome::Spooled,
                action => outcome_without_write(action),
            },
            Err(_) => Outcome::Unparsed,
        }
    }

    /// The row this delivery adds to a batch. `schedule` gives a failed apply's first retry.
    fn batched(&self, schedule: &RetrySchedule) -> BatchedDelivery<'_> {
        BatchedDelivery {
            source: self.source.as_str(),
            event_key: self.event_key(),
            webhook_id: &self.webhook_id,
            signed_at: self.signed_at,
            payload: &self.body,
            attempt: attempt(&self.parsed, schedule.after_failure(1).retry_in()),
        }
    }

    /// What this delivery came to, from its row of the batch's answer.
    fn outcome(&self, ingested: &Ingested) -> Outcome {
        let mut outcome = first_outcome(&ingested.outcome, &self.parsed);
        if !ingested.stored {
            return Outcome::Duplicate(Box::new(outcome));
        }
        if let Outcome::Failed { reason } = &mut outcome {
            tracing::warn!(
                event_id = ingested.event_id,
                reason = ingested.error.as_deref().unwrap_or("unknown"),
                via = "delivery",
                "applying the event failed"
            );
            reason.clone_from(&ingested.error);
        }
        outcome
    }
}

/// Stores and applies `deliveries` in one transaction; answers in the same order, only
/// once the transaction has committed. Repeated event keys must have been removed.
pub async fn commit(
    pool: &PgPool,
    deliveries: &[&ParsedDelivery],
    schedule: &RetrySchedule,
) -> Result<Vec<Outcome>, sqlx::Error> {
    let batch: Vec<BatchedDelivery> = deliveries
        .iter()
        .map(|delivery| delivery.batched(schedule))
        .collect();
    let mut transaction = pool.begin().await?;
    let ingested = ingest::ingest(&mut transaction, &batch).await?;
    transaction.commit().await?;
    Ok(deliveries
        .iter()
        .zip(&ingested)
        .map(|(delivery, ingested)| delivery.outcome(ingested))
        .collect())
}
