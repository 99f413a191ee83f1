//! The deliveries the load generator sends, in Supabase's real shapes (the bodies of
//! `auth-mirror send`, `auth_mirror::client::samples`): `after-user-created` Auth Hooks for
//! new users, database UPDATE events carrying newer versions of recently created users, and
//! retries of recent deliveries (the same body under a new `webhook-id`, as Supabase retries).
//!
//! Each body is rendered once as a template with sentinel values; a delivery costs a few
//! string replacements, not a JSON serialisation.

use std::collections::VecDeque;

use auth_mirror::client::samples::{self, SampleKind};
use bytes::Bytes;
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use uuid::Uuid;

/// Where a delivery goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `POST /hooks/auth`
    Auth,
    /// `POST /hooks/db`
    Db,
}

/// What a delivery is, for the counts in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `after-user-created` for a user never seen before.
    Created,
    /// A database UPDATE with a newer version of a recent user.
    Updated,
    /// A delivery sent again under a new `webhook-id`: a duplicate event.
    Retry,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Created, Kind::Updated, Kind::Retry];

    pub fn index(self) -> usize {
        self as usize
    }

    pub fn name(self) -> &'static str {
        match self {
            Kind::Created => "created (after-user-created)",
            Kind::Updated => "updated (db UPDATE, newer version)",
            Kind::Retry => "retries (duplicates)",
        }
    }
}

/// One delivery: where, what, and the exact bytes (shared with its later retries).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub endpoint: Endpoint,
    pub kind: Kind,
    pub body: Bytes,
    /// The user a `Created` delivery creates.
    user: Option<(Uuid, DateTime<Utc>)>,
}

/// The shares of updates and retries; the rest are new users.
#[derive(Debug, Clone, Copy)]
pub struct Mix {
    pub updates: f64,
    pub retries: f64,
}

// Sentinels the templates are rendered with, replaced per delivery.
const USER: Uuid = Uuid::from_u128(0x5e5e5e5e_5e5e_4e5e_8e5e_5e5e5e5e5e5e);
const INVOCATION: &str = "invocation-sentinel";

fn sentinel_now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2001, 2, 3, 4, 5, 6).unwrap() + Duration::microseconds(789_012)
}

/// Makes deliveries; one per connection, so nothing is shared between connections.
pub struct Generator {
    mix: Mix,
    rng: StdRng,
    created: String,
    updated: String,
    /// Acknowledged users (id, creation time), newest last.
    users: VecDeque<(Uuid, DateTime<Utc>)>,
    /// Acknowledged deliveries, candidates for a retry.
    sent: VecDeque<Delivery>,
    /// Last version handed out, in microseconds: versions strictly increase.
    clock: i64,
}

const RECENT: usize = 512;

impl Generator {
    pub fn new(mix: Mix, seed: u64) -> Self {
        let now = sentinel_now();
        let render = |kind| String::from_utf8(samples::body(kind, USER, now)).expect("UTF-8");
        let created = render(SampleKind::AfterUserCreated);
        // The invocation uuid (the event key of an Auth Hook) becomes a placeholder.
        let invocation = created
            .split("\"uuid\":\"")
            .nth(1)
            .and_then(|rest| rest.get(..36))
            .expect("the sample has metadata.uuid")
            .to_owned();
        Self {
            mix,
            rng: StdRng::seed_from_u64(seed),
            created: created.replace(&invocation, INVOCATION),
            updated: render(SampleKind::DbUpdate),
            users: VecDeque::with_capacity(RECENT),
            sent: VecDeque::with_capacity(RECENT),
            clock: 0,
        }
    }

    /// The next delivery. Updates and retries need acknowledged deliveries to refer to;
    /// until there are some, new users are sent.
    pub fn next_delivery(&mut self) -> Delivery {
        let roll: f64 = self.rng.gen();
        if roll < self.mix.retries && !self.sent.is_empty() {
            let mut retry = self.sent[self.rng.gen_range(0..self.sent.len())].clone();
            retry.kind = Kind::Retry;
            retry.user = None;
            return retry;
        }
        if roll < self.mix.retries + self.mix.updates && !self.users.is_empty() {
            let (id, created) = self.users[self.rng.gen_range(0..self.users.len())];
            return self.update(id, created);
        }
        self.create()
    }

    /// Records an acknowledged delivery: its user and its body may now be referred to.
    pub fn acknowledged(&mut self, delivery: Delivery) {
        if let Some(user) = delivery.user {
            push_bounded(&mut self.users, user);
        }
        if delivery.kind != Kind::Retry {
            push_bounded(&mut self.sent, delivery);
        }
    }

    fn create(&mut self) -> Delivery {
        let id = uuid::Builder::from_random_bytes(self.rng.gen()).into_uuid();
        let now = self.version();
        let body = with_user(&self.created, id)
            .replace(
                INVOCATION,
                &uuid::Builder::from_random_bytes(self.rng.gen())
                    .into_uuid()
                    .to_string(),
            )
            .replace(&go_time(sentinel_now()), &go_time(now));
        Delivery {
            endpoint: Endpoint::Auth,
            kind: Kind::Created,
            body: Bytes::from(body),
            user: Some((id, now)),
        }
    }

    fn update(&mut self, id: Uuid, created: DateTime<Utc>) -> Delivery {
        let now = self.version();
        let before = sentinel_now() - Duration::minutes(1);
        let body = with_user(&self.updated, id)
            .replace(&pg_time(sentinel_now()), &pg_time(now))
            .replace(&pg_time(before), &pg_time(created));
        Delivery {
            endpoint: Endpoint::Db,
            kind: Kind::Updated,
            body: Bytes::from(body),
            user: None,
        }
    }

    /// Now, or one microsecond after the last version if the clock has not moved.
    fn version(&mut self) -> DateTime<Utc> {
        self.clock = Utc::now().timestamp_micros().max(self.clock + 1);
        DateTime::from_timestamp_micros(self.clock).expect("a valid time")
    }
}

fn with_user(template: &str, id: Uuid) -> String {
    let (sentinel, real) = (USER.to_string(), id.to_string());
    template.replace(&sentinel, &real).replace(
        &format!("+{}@", &sentinel[..8]),
        &format!("+{}@", &real[..8]),
    )
}

fn push_bounded<T>(recent: &mut VecDeque<T>, item: T) {
    if recent.len() == RECENT {
        recent.pop_front();
    }
    recent.push_back(item);
}

/// How the samples write times: Go's RFC 3339 with nanoseconds, PostgreSQL's `to_jsonb`.
fn go_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn pg_time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, false)
}
