//! Group commit: concurrent deliveries share one transaction and one commit (one WAL flush),
//! and each is answered only after its batch has committed.
//!
//! The intake `submit`s parsed deliveries to a queue. A few writer tasks each take the first
//! waiting delivery and everything queued behind it (up to `MAX_BATCH`) and commit them with
//! one statement (`parsed_delivery::commit`). There is no batch window: an idle service commits a
//! lone delivery at once; under load, deliveries gather while the previous batch commits.
//! Several writers keep the database busy while one of them waits for its flush.
//!
//! Every delivery has a deadline (`DELIVERY_DEADLINE_MS`): the intake stops waiting when it
//! passes, and the writers' sessions bound their lock waits and statements by it. A delivery
//! whose submitter stopped waiting is not written (it was not acknowledged; it was spooled, or
//! the sender retries).

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::PgPool;
use tokio::sync::{mpsc, oneshot, Mutex};

use super::parsed_delivery::{self, ParsedDelivery};
use super::{Outcome, StoreFailure};
use crate::domain::RetrySchedule;
use crate::metrics::Metrics;
use crate::shutdown::StopSignal;

/// The most deliveries one transaction takes: more than a busy service gathers while one
/// batch commits (each of 32 connections has one delivery in flight in the benchmark), and
/// few enough that one batch's statement stays in the low milliseconds.
const MAX_BATCH: usize = 256;

/// Writer tasks, each with its own connection: one executes while another waits for its
/// commit's flush (BENCHMARKS.md compares 1, 2 and 4).
pub const WRITERS: u32 = 2;

/// Deliveries waiting for a writer; a handler waits for room when it is full.
const QUEUE_CAPACITY: usize = 4 * MAX_BATCH;

type Answer = Result<Outcome, StoreFailure>;

struct Job {
    delivery: ParsedDelivery,
    answer: oneshot::Sender<Answer>,
}

/// The intake's side: submits a delivery and waits for its batch to commit.
#[derive(Debug, Clone)]
pub struct GroupCommit {
    queue: mpsc::Sender<Job>,
}

/// The writers' side, started by the composition root.
pub struct Writers {
    queue: Arc<Mutex<mpsc::Receiver<Job>>>,
    /// The writers' own connections (`store::pool::for_deliveries`).
    pool: PgPool,
    schedule: RetrySchedule,
    metrics: Arc<Metrics>,
}

impl GroupCommit {
    /// `pool`: connections for the writers only, their sessions bounded by the delivery
    /// deadline (`store::pool::for_deliveries`).
    pub fn new(pool: PgPool, schedule: RetrySchedule, metrics: Arc<Metrics>) -> (Self, Writers) {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let writers = Writers {
            queue: Arc::new(Mutex::new(receiver)),
            pool,
            schedule,
            metrics,
        };
        (Self { queue: sender }, writers)
    }

    /// Stores and applies `delivery` in the next batch; answers after that batch committed.
    /// Dropping the future (a deadline) withdraws the delivery if no writer took it yet.
    pub async fn submit(&self, delivery: ParsedDelivery) -> Result<Outcome, StoreFailure> {
        let (answer, answered) = oneshot::channel();
        let job = Job { delivery, answer };
        self.queue
            .send(job)
            .await
            .map_err(|_| StoreFailure::from(sqlx::Error::PoolClosed))?;
        // A writer dropped without answering: it stopped (shutdown).
        answered
            .await
            .unwrap_or_else(|_| Err(sqlx::Error::PoolClosed.into()))
    }
}

impl Writers {
    /// One writer: takes batches until shutdown, then commits what is still queued.
    pub async fn run(self: Arc<Self>, mut stop: StopSignal) {
        loop {
            let batch = tokio::select! {
                batch = self.next_batch() => batch,
                () = stop.stopped() => break,
            };
            let Some(batch) = batch else { return };
            self.write(batch).await;
        }
        while let Some(batch) = self.queued_batch().await {
            self.write(batch).await;
        }
    }

    /// Waits for a delivery, then takes everything queued behind it.
    async fn next_batch(&self) -> Option<Vec<Job>> {
        let mut queue = self.queue.lock().await;
        let first = queue.recv().await?;
        Some(take_queued(&mut queue, vec![first]))
    }

    /// What is queued now, without waiting.
    async fn queued_batch(&self) -> Option<Vec<Job>> {
        let mut queue = self.queue.lock().await;
        let first = queue.try_recv().ok()?;
        Some(take_queued(&mut queue, vec![first]))
    }

    /// Commits a batch and answers each of its deliveries.
    async fn write(&self, mut jobs: Vec<Job>) {
        // Past its deadline, a delivery's handler has answered without it.
        jobs.retain(|job| !job.answer.is_closed());
        if jobs.is_empty() {
            return;
        }
        self.metrics.batch_deliveries.observe(jobs.len() as f64);
        let batch = Batch::new(&jobs);
        let deliveries = batch.distinct(&jobs);
        let answers = match parsed_delivery::commit(&self.pool, &deliveries, &self.schedule).await {
            Ok(outcomes) => outcomes.into_iter().map(Ok).collect(),
            // The database refused something in the batch's data: one delivery may be at
            // fault, so each is committed on its own and only that one fails.
            Err(sqlx::Error::Database(error))
                if deliveries.len() > 1 && may_be_one_row(&*error) =>
            {
                tracing::warn!(
                    deliveries = deliveries.len(),
                    sqlstate = error.code().as_deref().unwrap_or("unknown"),
                    "a batch could not be committed; committing its deliveries one by one"
                );
                self.one_by_one(&deliveries).await
            }
            Err(error) => vec![Err(error.into()); deliveries.len()],
        };
        batch.answer(jobs, answers);
    }

    async fn one_by_one(&self, deliveries: &[&ParsedDelivery]) -> Vec<Answer> {
        let mut answers = Vec::with_capacity(deliveries.len());
        for delivery in deliveries {
            let answer = parsed_delivery::commit(&self.pool, &[delivery], &self.schedule)
                .await
                .map(|mut outcomes| outcomes.remove(0))
                .map_err(StoreFailure::from);
            answers.push(answer);
        }
        answers
    }
}

/// Errors one delivery's data can cause (a value the database refuses, a constraint checked
/// at commit, a deadlock with another writer), as opposed to a slow, locked or unreachable
/// database, where committing one by one would only multiply the wait.
fn may_be_one_row(error: &dyn sqlx::error::DatabaseError) -> bool {
    let code = error.code();
    let class = code
        .as_deref()
        .map_or("", |code| &code[..code.len().min(2)]);
    matches!(class, "22" | "23" | "40" | "P0")
}

fn take_queued(queue: &mut mpsc::Receiver<Job>, mut batch: Vec<Job>) -> Vec<Job> {
    while batch.len() < MAX_BATCH {
        match queue.try_recv() {
            Ok(job) => batch.push(job),
            Err(_) => break,
        }
    }
    batch
}

/// A batch with repeated event keys recognised: each key is committed once, by its first
/// delivery; the others are answered as duplicates of it.
struct Batch {
    /// For each job, the index of the distinct delivery it shares its event key with.
    distinct_index: Vec<usize>,
    /// The first job of each distinct event key.
    firsts: Vec<usize>,
}

impl Batch {
    fn new(jobs: &[Job]) -> Self {
        let mut seen: HashMap<&str, usize> = HashMap::with_capacity(jobs.len());
        let mut firsts = Vec::with_capacity(jobs.len());
        let distinct_index = jobs
            .iter()
            .enumerate()
            .map(|(index, job)| {
                *seen.entry(job.delivery.event_key()).or_insert_with(|| {
                    firsts.push(index);
                    firsts.len() - 1
                })
            })
            .collect();
        Self {
            distinct_index,
            firsts,
        }
    }

    fn distinct<'a>(&self, jobs: &'a [Job]) -> Vec<&'a ParsedDelivery> {
        self.firsts
            .iter()
            .map(|&index| &jobs[index].delivery)
            .collect()
    }

    /// Sends each job its answer: the first of a key gets the key's answer, a repeat gets
    /// it as a duplicate.
    fn answer(self, jobs: Vec<Job>, answers: Vec<Answer>) {
        for (index, job) in jobs.into_iter().enumerate() {
            let distinct = self.distinct_index[index];
            let answer = match &answers[distinct] {
                Ok(outcome) if self.firsts[distinct] != index => {
                    Ok(Outcome::Duplicate(Box::new(outcome.settled().clone())))
                }
                answer => answer.clone(),
            };
            // The handler may have gone (client disconnected): the event is stored anyway.
            let _ = job.answer.send(answer);
        }
    }
}
