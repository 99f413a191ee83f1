//! Throttling of failed admin authentications (a wrong bearer token, a wrong token in the
//! console's sign-in form): a budget of failures per client address and one for all
//! addresses together. Past either, requests are refused (`429` with `Retry-After`) before
//! their token is looked at, so a throttled guesser learns nothing.
//!
//! Only failures spend a budget, and each refills steadily (one failure's worth every
//! `refill_every`), so a refusal lasts seconds, never a lock-out: the right token works again
//! as soon as `Retry-After` has passed. An address that presented the right token recently is
//! exempt from the overall budget, so guessing from many addresses cannot keep an operator
//! out; it still has its own.
//!
//! Written here rather than with a rate-limiting crate (`governor`): those count every
//! check, where this must look without spending (before the token is compared) and spend
//! only on a failure, and must bound the memory a stranger's many addresses can take.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many failures may come at once, and how fast the budget refills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub burst: u32,
    pub refill_every: Duration,
}

/// The budgets of failed admin authentications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ThrottleConfig {
    /// Per client address (IPv6: per /64, what one client is commonly given).
    pub per_address: Budget,
    /// All addresses together, but those trusted after a success.
    pub overall: Budget,
    /// How long an address that presented the right token skips the overall budget.
    pub trust_after_success: Duration,
}

impl Default for ThrottleConfig {
    /// 10 failures from one address, then one every 6 s (10 a minute); 100 from everyone,
    /// then one every 0.6 s (100 a minute). A typing operator never meets them.
    fn default() -> Self {
        Self {
            per_address: Budget {
                burst: 10,
                refill_every: Duration::from_secs(6),
            },
            overall: Budget {
                burst: 100,
                refill_every: Duration::from_millis(600),
            },
            trust_after_success: Duration::from_secs(3600),
        }
    }
}

/// Most addresses remembered at once; past it, an untracked address has only the overall
/// budget (which still bounds it).
const MAX_TRACKED: usize = 10_000;

/// Refused for now: try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttled {
    pub retry_after: Duration,
}

impl Throttled {
    /// Whole seconds, rounded up, at least one: the `Retry-After` header's value.
    pub fn retry_after_seconds(&self) -> u64 {
        self.retry_after.as_secs() + u64::from(self.retry_after.subsec_nanos() > 0)
    }
}

/// One instance's record of failed admin authentications.
#[derive(Debug)]
pub struct FailureThrottle {
    config: ThrottleConfig,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// When the overall budget is whole again (GCRA's "theoretical arrival time").
    overall: Option<Instant>,
    addresses: HashMap<IpAddr, Address>,
}

#[derive(Debug, Default, Clone, Copy)]
struct Address {
    /// When this address's budget is whole again.
    whole_at: Option<Instant>,
    /// Until when it skips the overall budget.
    trusted_until: Option<Instant>,
}

impl FailureThrottle {
    pub fn new(config: ThrottleConfig) -> Self {
        Self {
            config,
            state: Mutex::default(),
        }
    }

    /// Whether a credential from `address` may be checked now. Spends nothing.
    pub fn admit(&self, address: IpAddr, now: Instant) -> Result<(), Throttled> {
        let state = self
            .state
            .lock()
            .expect("the throttle's lock is never poisoned");
        let entry = state
            .addresses
            .get(&key(address))
            .copied()
            .unwrap_or_default();
        wait(entry.whole_at, self.config.per_address, now)?;
        if !entry.trusted_until.is_some_and(|until| until > now) {
            wait(state.overall, self.config.overall, now)?;
        }
        Ok(())
    }

    /// Spends one failure from `address`'s budget and from the overall one.
    pub fn failed(&self, address: IpAddr, now: Instant) {
        let mut state = self
            .state
            .lock()
            .expect("the throttle's lock is never poisoned");
        state.overall = Some(spend(state.overall, self.config.overall, now));
        if let Some(entry) = state.entry(key(address), now) {
            entry.whole_at = Some(spend(entry.whole_at, self.config.per_address, now));
        }
    }

    /// `address` presented the right token: it skips the overall budget for a while.
    pub fn succeeded(&self, address: IpAddr, now: Instant) {
        let mut state = self
            .state
            .lock()
            .expect("the throttle's lock is never poisoned");
        let until = now + self.config.trust_after_success;
        if let Some(entry) = state.entry(key(address), now) {
            entry.trusted_until = Some(until);
        }
    }
}

impl State {
    /// `key`'s entry, made room for if needed; `None` when every tracked address is busy.
    fn entry(&mut self, key: IpAddr, now: Instant) -> Option<&mut Address> {
        if !self.addresses.contains_key(&key) && self.addresses.len() >= MAX_TRACKED {
            let busy = |time: Option<Instant>| time.is_some_and(|time| time > now);
            self.addresses
                .retain(|_, entry| busy(entry.whole_at) || busy(entry.trusted_until));
            if self.addresses.len() >= MAX_TRACKED {
                return None;
            }
        }
        Some(self.addresses.entry(key).or_default())
    }
}

/// How long until a budget whole at `whole_at` allows one more failure, if it does not now.
fn wait(whole_at: Option<Instant>, budget: Budget, now: Instant) -> Result<(), Throttled> {
    let Some(whole_at) = whole_at else {
        return Ok(());
    };
    let allowance = budget.refill_every * budget.burst.saturating_sub(1);
    match whole_at.checked_duration_since(now + allowance) {
        Some(retry_after) if !retry_after.is_zero() => Err(Throttled { retry_after }),
        _ => Ok(()),
    }
}

/// The budget after one more failure at `now`.
fn spend(whole_at: Option<Instant>, budget: Budget, now: Instant) -> Instant {
    whole_at.map_or(now, |whole_at| whole_at.max(now)) + budget.refill_every
}

/// The address a budget belongs to: IPv4 as it is, IPv6 by its /64.
fn key(address: IpAddr) -> IpAddr {
    match address.to_canonical() {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

#[cfg(test)]
mod tests;
