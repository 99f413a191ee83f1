//! Replaying a quarantined record: once the cause of its refusal is fixed, it is stored
//! through group commit like any delivery and only then deleted from the quarantine.

use bytes::Bytes;

use super::{Spool, SpoolError};
use crate::processing::group_commit::GroupCommit;
use crate::processing::parsed_delivery::ParsedDelivery;
use crate::processing::{Outcome, StoreFailure};

/// Why a quarantined record was not replayed.
#[derive(Debug, thiserror::Error)]
pub enum QuarantineReplayError {
    #[error("no quarantined record has this name")]
    NotFound,
    #[error("the record could not be stored: {0}")]
    NotStored(#[from] StoreFailure),
    #[error(transparent)]
    Spool(#[from] SpoolError),
}

/// Stores the quarantined record `name` through group commit (once the cause of its refusal
/// is fixed), then deletes it from the quarantine. Refused again, it stays.
pub async fn replay_quarantined(
    spool: &Spool,
    group_commit: &GroupCommit,
    name: &str,
) -> Result<Outcome, QuarantineReplayError> {
    let spooled = spool
        .quarantined_record(name)
        .await?
        .ok_or(QuarantineReplayError::NotFound)?;
    let body = Bytes::from(spooled.body);
    let delivery = ParsedDelivery::parse(spooled.source, &spooled.delivery, body);
    let outcome = group_commit.submit(delivery).await?;
    spool.release(name).await?;
    tracing::info!(
        record = name,
        "spool: quarantined record stored and released"
    );
    Ok(outcome)
}
