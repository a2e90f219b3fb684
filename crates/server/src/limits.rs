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

/// What every store must do with allowances and sign-in counts, checked against each
/// (`store::sqlite::limits`, `store::postgres::limits`) with two servers on one store.
#[cfg(test)]
pub(crate) mod checks {
    use std::net::IpAddr;

    use futures_util::future::join_all;

    use super::*;
    use crate::auth::limiter::{PAIR_FREE, SignInLimiter, Verdict};

    const LIMIT: RateLimit = RateLimit {
        name: "test",
        burst: 5,
        every: Duration::from_secs(10),
    };

    /// Requests sent to `a` and `b` at once take the burst once between them, and those
    /// refused are told how long to wait; a period later there is one more, on either.
    pub async fn two_servers_share_one_allowance(a: &dyn Store, b: &dyn Store) {
        let now = Utc::now();
        let takes = (0..2 * LIMIT.burst).map(|n| {
            let store = if n % 2 == 0 { a } else { b };
            LIMIT.take(store, "10.0.0.1", now)
        });
        let answers: Vec<Option<u64>> = join_all(takes)
            .await
            .into_iter()
            .map(|r| r.expect("the store answers"))
            .collect();
        let taken = answers.iter().filter(|w| w.is_none()).count();
        assert_eq!(
            taken, LIMIT.burst as usize,
            "one burst between them: {answers:?}"
        );
        assert!(
            answers.iter().flatten().all(|secs| *secs == 11),
            "each refused is told to wait the period (and a second, as Retry-After rounds up): {answers:?}"
        );
        // Another client has its own allowance.
        assert_eq!(LIMIT.take(a, "10.0.0.2", now).await.unwrap(), None);
        let later = now + chrono::TimeDelta::seconds(10);
        assert_eq!(LIMIT.take(b, "10.0.0.1", later).await.unwrap(), None);
        assert_eq!(LIMIT.take(a, "10.0.0.1", later).await.unwrap(), Some(11));
        // Left alone, the allowance fills again.
        let much_later = now + chrono::TimeDelta::minutes(5);
        for _ in 0..LIMIT.burst {
            assert_eq!(LIMIT.take(a, "10.0.0.1", much_later).await.unwrap(), None);
        }
    }

    /// Failed sign-ins sent to `a` and `b` at once are counted together: exactly the
    /// free ones go, then either server tells the client to wait, until it signs in.
    pub async fn two_servers_count_the_same_sign_in_failures(a: &dyn Store, b: &dyn Store) {
        let limiter = SignInLimiter::default();
        let client = Some(IpAddr::from([10, 0, 0, 1]));
        let now = Utc::now();
        let attempts = (0..2 * PAIR_FREE).map(|n| {
            let store = if n % 2 == 0 { a } else { b };
            limiter.attempt(store, client, "jo", now)
        });
        let verdicts: Vec<Verdict> = join_all(attempts)
            .await
            .into_iter()
            .map(|r| r.expect("the store answers"))
            .collect();
        let went = verdicts
            .iter()
            .filter(|v| matches!(v, Verdict::Go { .. }))
            .count();
        assert_eq!(went, PAIR_FREE as usize, "{verdicts:?}");
        for store in [a, b] {
            assert_eq!(
                limiter.attempt(store, client, "jo", now).await.unwrap(),
                Verdict::Wait { secs: 1 }
            );
        }
        limiter.succeeded(b, client, "jo").await.unwrap();
        assert!(matches!(
            limiter.attempt(a, client, "jo", now).await.unwrap(),
            Verdict::Go { .. }
        ));
    }

    /// Rows whose allowance is full again say nothing and go: `rows` counts the table's.
    pub async fn keys_whose_allowance_is_full_again_are_deleted(
        a: &dyn Store,
        rows: impl AsyncFn() -> i64,
    ) {
        let limit = RateLimit {
            name: "test",
            burst: 2,
            every: Duration::from_secs(1),
        };
        let now = Utc::now();
        for n in 0..50 {
            limit.take(a, &format!("10.0.0.{n}"), now).await.unwrap();
        }
        assert_eq!(rows().await, 50);
        let later = now + chrono::TimeDelta::seconds(2);
        limit.take(a, "10.0.0.1", later).await.unwrap();
        assert_eq!(rows().await, 1, "only the key just taken from is left");
    }
}
