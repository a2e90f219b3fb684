//! Allowances counted in the store, so that every server sharing it sees the same counts:
//! a client with N replicas behind a load balancer still gets one allowance, not N.
//!
//! One type, [`RateLimit`], for every "a burst of B, then one every T" limit: pushes per
//! prober token and subscription requests per client address. Each is GCRA (the generic
//! cell rate algorithm, a token bucket kept as one time per key): the store takes an
//! allowance or says how long to wait in one statement, so two servers cannot both take
//! the last one. Failed sign-ins have rules of their own (see [`crate::auth::limiter`])
//! and are counted in the store too.

use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::store::{Result, Store};

/// A burst of `burst` requests at once, then one more every `every`, per key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// What is limited: the first part of every key, so limits never share a count.
    pub name: &'static str,
    pub burst: u32,
    pub every: Duration,
}

/// The allowance as the store's statement works with it: whole milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Allowance {
    /// How far a key's time moves on with each request taken.
    pub every_ms: i64,
    /// How far ahead of now a key's time may go: `burst` requests' worth.
    pub ahead_ms: i64,
}

/// Whole milliseconds of `d`, as the tables keep times.
pub fn millis(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl RateLimit {
    /// The store's key for `who` under this limit, such as `push/token prober-leeds`.
    pub fn key(&self, who: &str) -> String {
        format!("{}/{who}", self.name)
    }

    pub fn allowance(&self) -> Allowance {
        let every_ms = millis(self.every);
        Allowance {
            every_ms,
            ahead_ms: every_ms.saturating_mul(i64::from(self.burst)),
        }
    }

    /// Takes one of `who`'s allowance at `now`: `None` when taken, or the whole seconds
    /// to wait before one is free again (at least one, for `Retry-After`).
    pub async fn take(
        &self,
        store: &dyn Store,
        who: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<u64>> {
        let wait = store
            .take_allowance(&self.key(who), self.allowance(), now.timestamp_millis())
            .await?;
        Ok(wait.map(|ms| u64::try_from(ms).unwrap_or(0) / 1000 + 1))
    }
}
