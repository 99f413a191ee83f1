//! The one way in for a verified delivery: parsed once, stored by group commit within the
//! delivery deadline, else kept in the durable spool, else refused. What happened is the
//! answer (`Received`); `routes/hooks` only turns it into HTTP.
//!
//! The order of the fallbacks is the product's promise (design §5.4): an acknowledged event
//! is durable somewhere, and a `before-user-created` hook never blocks a signup for want of
//! a record.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::group_commit::GroupCommit;
use super::parsed_delivery::ParsedDelivery;
use super::spool::Spool;
use super::{Outcome, StoreFailure};
use crate::domain::Source;
use crate::metrics::{DeliveryLabels, DuplicateLabels, Metrics};
use crate::webhook::VerifiedDelivery;

/// The metric label (and log value) of a delivery refused for want of anywhere to keep it.
const REFUSED: &str = "unavailable";

/// What became of a verified delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// Committed to the event store; what it came to.
    Stored(Outcome),
    /// Not in the database within the deadline: durable in the spool, applied when it is
    /// drained. The outcome is what the delivery's parse alone says.
    Spooled(Outcome),
    /// Neither stored nor spooled, but it only asked to let a signup proceed
    /// (`before-user-created`): allowed without a record.
    AllowedUnrecorded,
    /// Neither stored nor spooled: the sender must retry.
    Refused,
}

impl Received {
    /// What the sender is answered from (for a duplicate, what the first delivery came to);
    /// `None` when the delivery was refused.
    pub fn answer(&self) -> Option<&Outcome> {
        match self {
            Self::Stored(outcome) | Self::Spooled(outcome) => Some(outcome.settled()),
            Self::AllowedUnrecorded => Some(&Outcome::Allowed),
            Self::Refused => None,
        }
    }

    /// The `outcome` label of the deliveries metric and of the log line.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Stored(outcome) | Self::Spooled(outcome) => outcome.label(),
            Self::AllowedUnrecorded => Outcome::Allowed.label(),
            Self::Refused => REFUSED,
        }
    }
}

/// How long, after a delivery found the database unreachable, the deliveries that follow go
/// straight to the spool. Without it each of them would wait most of the deadline for a
/// connection that is not coming (the pool retries a refused connection until it times
/// out), and Supabase, which waits for the answer of a hook, would wait with it. The first
/// delivery after the pause tries the database again.
pub const OUTAGE_PAUSE: Duration = Duration::from_secs(1);

/// When the database was last found unreachable, shared by every clone of the intake.
#[derive(Debug, Clone, Default)]
struct RecentOutage(Arc<Mutex<Option<Instant>>>);

impl RecentOutage {
    fn is_on(&self) -> bool {
        let seen = *self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        seen.is_some_and(|seen| seen.elapsed() < OUTAGE_PAUSE)
    }

    /// Starts the pause after a delivery that found the database unreachable; any other
    /// answer of the database ends it.
    fn saw(&self, failure: Option<&StoreFailure>) {
        let unreachable = failure.is_some_and(StoreFailure::is_unreachable);
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        *seen = unreachable.then(Instant::now);
    }
}

/// Takes verified deliveries in: group commit, the spool, and the deadline between them.
#[derive(Debug, Clone)]
pub struct Intake {
    group_commit: GroupCommit,
    spool: Spool,
    /// `DELIVERY_DEADLINE_MS`: how long a delivery may wait for its batch to commit.
    deadline: Duration,
    outage: RecentOutage,
    metrics: Arc<Metrics>,
}

impl Intake {
    pub fn new(
        group_commit: GroupCommit,
        spool: Spool,
        deadline: Duration,
        metrics: Arc<Metrics>,
    ) -> Self {
        Self {
            group_commit,
            spool,
            deadline,
            outage: RecentOutage::default(),
            metrics,
        }
    }

    /// Parses, then stores or spools one verified delivery; answers once it is durable (or
    /// known not to be). Counted in the metrics and logged, once.
    pub async fn receive(
        &self,
        source: Source,
        verified: &VerifiedDelivery,
        body: Bytes,
    ) -> Received {
        let delivery = ParsedDelivery::parse(source, verified, body.clone());
        let unstored = delivery.outcome_unstored();
        let failure = if self.outage.is_on() {
            StoreFailure::NotTriedDuringOutage
        } else {
            let committed = tokio::time::timeout(self.deadline, self.group_commit.submit(delivery));
            let stored = self.metrics.apply_timed(source.as_str(), committed).await;
            let failure = match stored {
                Ok(Ok(outcome)) => {
                    self.outage.saw(None);
                    let received = Received::Stored(outcome);
                    tracing::info!(source = source.as_str(), webhook_id = %verified.webhook_id, outcome = received.label(), "delivery stored");
                    self.count(source, &received);
                    return received;
                }
                Ok(Err(failure)) => failure,
                Err(_) => StoreFailure::DeadlinePassed(self.deadline),
            };
            self.outage.saw(Some(&failure));
            failure
        };
        let received = match self.spool.append(source, verified, &body).await {
            Ok(()) => {
                let received = Received::Spooled(unstored);
                tracing::warn!(source = source.as_str(), webhook_id = %verified.webhook_id, outcome = received.label(), error = %failure, "delivery spooled: the database did not take it in time");
                received
            }
            // Never block a signup for want of a record (design §2).
            Err(spool_error) if unstored == Outcome::Allowed => {
                tracing::error!(source = source.as_str(), error = %failure, %spool_error, "before-user-created not recorded; signup allowed");
                Received::AllowedUnrecorded
            }
            Err(spool_error) => {
                tracing::error!(source = source.as_str(), reason = REFUSED, error = %failure, %spool_error, "delivery rejected: neither stored nor spooled; asking the sender to retry");
                self.metrics.rejected(REFUSED);
                return Received::Refused;
            }
        };
        self.count(source, &received);
        received
    }

    fn count(&self, source: Source, received: &Received) {
        let source = source.as_str();
        let labels = DeliveryLabels {
            source,
            outcome: received.label(),
        };
        self.metrics.deliveries.get_or_create(&labels).inc();
        if let Received::Stored(Outcome::Duplicate(first)) = received {
            let labels = DuplicateLabels {
                source,
                first_outcome: first.label(),
            };
            self.metrics.duplicates.get_or_create(&labels).inc();
        }
    }
}
