//! How sign-in resists guessing without letting a stranger lock staff out.
//!
//! Nothing here is a hard lockout. Failed sign-ins are counted three ways, in the store,
//! so that every server sharing it sees the same counts (a guesser cannot spread attempts
//! over replicas):
//! - per client and name: after [`PAIR_FREE`] failures that client must wait before
//!   trying that name again, twice as long after each further failure (1 s, 2 s, 4 s …,
//!   at most [`MAX_WAIT`]). Only that client is held back, so the person whose name it is
//!   still signs in from their own computer;
//! - per client, whatever the name: after [`CLIENT_FREE`] failures the same backoff, so
//!   one client cannot try many names;
//! - per name, from every client: after [`NAME_FREE`] failures each attempt on that name is
//!   slowed a little (at most [`MAX_SLOWING`]) but never refused, so guessing from many
//!   addresses at once is slow, and the person still gets in.
//!
//! "Client" is the address the request came from, read through `[server] trusted_proxies`
//! (see [`crate::http::client`]); without it, everyone behind one proxy is one client.
//! Each count is forgotten [`FAILURE_WINDOW`] after its last failure, when its row is
//! deleted, so the table stays bounded under a flood of made-up names. The rules are
//! plain functions of the counts ([`verdict`]); the store runs them inside the
//! transaction that counts. The password checks themselves queue for two places on each
//! server (they are about this machine's CPU); past [`MAX_WAITING`] waiting, a sign-in
//! is told to try again in a moment rather than wait without end.

use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::{Semaphore, SemaphorePermit};

use crate::store::{Result, Store};

/// Failures a client may make for one name before it has to wait.
pub const PAIR_FREE: u32 = 5;
/// Failures a client may make, whatever the names, before it has to wait.
pub const CLIENT_FREE: u32 = 30;
/// Failures on one name, from anywhere, before attempts on it are slowed.
pub const NAME_FREE: u32 = 10;
/// The longest a client is made to wait before trying again.
pub const MAX_WAIT: Duration = Duration::from_secs(5 * 60);
/// The most an attempt on a name under attack is slowed.
pub const MAX_SLOWING: Duration = Duration::from_secs(2);
/// How long a count is kept after its last failure.
pub const FAILURE_WINDOW: Duration = Duration::from_secs(15 * 60);
/// Password checks at once: each takes 19 MiB and a core for a moment, and readers of the
/// status page need the rest.
const CHECKS_AT_ONCE: usize = 2;
/// Sign-ins waiting for a password check, at most.
pub const MAX_WAITING: usize = 32;

/// Failures of one key still counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Failures {
    pub count: u32,
    pub last: DateTime<Utc>,
}

/// The failures counted for an attempt's three keys.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SignInCounts {
    pub pair: Option<Failures>,
    pub client: Option<Failures>,
    pub name: Option<Failures>,
}

/// The store's keys of an attempt by `client` on `name`, namespaced so that a name can
/// never be taken for an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInKeys {
    pub pair: String,
    pub client: String,
    pub name: String,
}

/// Whether an attempt is counted, given the counts before it and the time.
pub type CountsIt = fn(&SignInCounts, DateTime<Utc>) -> bool;

impl SignInKeys {
    pub fn new(client: Option<IpAddr>, name: &str) -> SignInKeys {
        // The name as a hash: what people type there is sometimes their password, and
        // the table goes into backups and copies. A hash is also of bounded length, so
        // long made-up names cannot fill the table.
        let name = super::sha256_hex(name);
        let client = client.map_or_else(|| "-".to_string(), |c| c.to_string());
        SignInKeys {
            pair: format!("pair/{client}/{name}"),
            client: format!("client/{client}"),
            name: format!("name/{name}"),
        }
    }

    /// The three keys, in the order of [`SignInKeys::counts`]'s fields.
    pub fn all(&self) -> [&str; 3] {
        [&self.pair, &self.client, &self.name]
    }

    /// The counts of the rows the store read: `(key, count, last failure in ms)`.
    pub fn counts(&self, rows: &[(String, i64, i64)]) -> SignInCounts {
        let of = |key: &str| {
            rows.iter()
                .find(|(k, _, _)| k == key)
                .map(|(_, count, last)| Failures {
                    count: u32::try_from(*count).unwrap_or(u32::MAX),
                    last: DateTime::from_timestamp_millis(*last).unwrap_or_default(),
                })
        };
        SignInCounts {
            pair: of(&self.pair),
            client: of(&self.client),
            name: of(&self.name),
        }
    }
}

/// How long a key with `record` must wait after its last failure, once past `free`.
fn backoff(record: Option<Failures>, free: u32, now: DateTime<Utc>) -> Option<Duration> {
    let r = record?;
    let over = r.count.checked_sub(free)?;
    let wait = Duration::from_secs(1u64 << over.min(16)).min(MAX_WAIT);
    let since = (now - r.last).to_std().unwrap_or_default();
    let left = wait.saturating_sub(since);
    (!left.is_zero()).then_some(left)
}

/// What the limiter says about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password, after waiting this long (zero unless the name is under attack).
    Go { slowed: Duration },
    /// Refuse: this client must wait this many seconds first.
    Wait { secs: u64 },
}

/// The rules: what an attempt at `now` is told, given the failures counted before it.
pub fn verdict(counts: &SignInCounts, now: DateTime<Utc>) -> Verdict {
    let wait = [
        backoff(counts.pair, PAIR_FREE, now),
        backoff(counts.client, CLIENT_FREE, now),
    ]
    .into_iter()
    .flatten()
    .max();
    if let Some(wait) = wait {
        return Verdict::Wait {
            secs: wait.as_secs_f64().ceil().max(1.0) as u64,
        };
    }
    let slowed = match counts.name {
        Some(r) if r.count >= NAME_FREE => {
            (Duration::from_millis(250) * (r.count - NAME_FREE + 1)).min(MAX_SLOWING)
        }
        _ => Duration::ZERO,
    };
    Verdict::Go { slowed }
}

/// Counts failed sign-ins in the store (see the module's documentation) and queues this
/// server's password checks.
#[derive(Debug)]
pub struct SignInLimiter {
    checks: Semaphore,
    waiting: AtomicUsize,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            checks: Semaphore::new(CHECKS_AT_ONCE),
            waiting: AtomicUsize::new(0),
        }
    }
}

/// A place in the password-check queue; the check runs while it is held.
pub struct CheckPermit<'a> {
    _permit: SemaphorePermit<'a>,
}

/// The queue for password checks is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueFull;

impl SignInLimiter {
    /// Says whether `client` may try `name` now, and counts the attempt as failed until
    /// [`SignInLimiter::succeeded`] says otherwise: checking and counting in one
    /// transaction, so attempts sent all at once, to any of the servers, cannot slip past
    /// before the first of them fails. A refused attempt is not counted, so waiting is
    /// never made longer by trying.
    pub async fn attempt(
        &self,
        store: &dyn Store,
        client: Option<IpAddr>,
        name: &str,
        now: DateTime<Utc>,
    ) -> Result<Verdict> {
        let keys = SignInKeys::new(client, name);
        let before = store
            .count_sign_in(&keys, now, FAILURE_WINDOW, |counts, now| {
                matches!(verdict(counts, now), Verdict::Go { .. })
            })
            .await?;
        Ok(verdict(&before, now))
    }

    /// The password was right: this client's typos for this name are forgotten, and the
    /// attempt is taken back from the other counts. Failures by others stay counted.
    pub async fn succeeded(
        &self,
        store: &dyn Store,
        client: Option<IpAddr>,
        name: &str,
    ) -> Result<()> {
        store
            .sign_in_succeeded(&SignInKeys::new(client, name))
            .await
    }

    /// Waits for a place to check a password, unless [`MAX_WAITING`] sign-ins already
    /// wait.
    pub async fn queue(&self) -> std::result::Result<CheckPermit<'_>, QueueFull> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(QueueFull);
        }
        let permit = self.checks.acquire().await;
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        permit
            .map(|p| CheckPermit { _permit: p })
            .map_err(|_| QueueFull)
    }
}

/// A sign-in name as the log may show it: its first letter and a short hash, enough to
/// tell attempts on one name apart, without writing down a name, or a password typed in
/// the name field by mistake.
pub fn name_in_log(name: &str) -> String {
    let first: String = name.chars().take(1).collect();
    let hash = super::sha256_hex(name);
    format!("{first}…{}", &hash[..8])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::SqliteStore;

    fn ip(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, n]))
    }

    fn waits(v: Verdict) -> Option<u64> {
        match v {
            Verdict::Wait { secs } => Some(secs),
            Verdict::Go { .. } => None,
        }
    }

    /// A limiter counting in a real SQLite store of its own (kept in the guard).
    async fn limiter() -> (tempfile::TempDir, SqliteStore, SignInLimiter) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        (dir, store, SignInLimiter::default())
    }

    /// Now, to the millisecond the store keeps.
    fn now() -> DateTime<Utc> {
        DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap()
    }

    fn secs(n: u64) -> chrono::TimeDelta {
        chrono::TimeDelta::from_std(Duration::from_secs(n)).unwrap()
    }

    #[tokio::test]
    async fn a_client_that_keeps_failing_on_a_name_waits_longer_each_time_and_only_it() {
        let (_dir, s, l) = limiter().await;
        let try_at =
            async |client, name: &str, t| waits(l.attempt(&s, client, name, t).await.unwrap());
        let t = now();
        for _ in 0..PAIR_FREE {
            assert_eq!(try_at(ip(1), "jo", t).await, None);
        }
        assert_eq!(try_at(ip(1), "jo", t).await, Some(1));
        assert_eq!(
            try_at(ip(1), "jo", t).await,
            Some(1),
            "a refused attempt does not make the wait longer"
        );
        let t = t + secs(1);
        assert_eq!(try_at(ip(1), "jo", t).await, None, "after the wait, a try");
        assert_eq!(try_at(ip(1), "jo", t).await, Some(2), "then twice as long");
        // Another client, or another name, is not held back.
        assert_eq!(try_at(ip(2), "jo", t).await, None);
        assert_eq!(try_at(ip(1), "ann", t).await, None);
        // Signing in forgets this client's typos for the name.
        l.succeeded(&s, ip(1), "jo").await.unwrap();
        assert_eq!(try_at(ip(1), "jo", t).await, None);
    }

    #[tokio::test]
    async fn the_longest_wait_is_bounded_and_counts_are_forgotten_after_the_window() {
        let (_dir, s, l) = limiter().await;
        let mut t = now();
        for _ in 0..40 {
            if let Verdict::Wait { secs: n } = l.attempt(&s, ip(1), "jo", t).await.unwrap() {
                assert!(Duration::from_secs(n) <= MAX_WAIT);
                t += secs(n);
            }
        }
        let later = t + secs(FAILURE_WINDOW.as_secs());
        assert_eq!(
            waits(l.attempt(&s, ip(1), "jo", later).await.unwrap()),
            None
        );
    }

    #[tokio::test]
    async fn one_client_trying_many_names_is_held_back() {
        let (_dir, s, l) = limiter().await;
        let t = now();
        for n in 0..CLIENT_FREE {
            let v = l.attempt(&s, ip(1), &format!("name{n}"), t).await.unwrap();
            assert_eq!(waits(v), None);
        }
        assert!(waits(l.attempt(&s, ip(1), "someone-else", t).await.unwrap()).is_some());
        assert_eq!(
            waits(l.attempt(&s, ip(2), "someone-else", t).await.unwrap()),
            None
        );
    }

    #[tokio::test]
    async fn a_name_guessed_from_many_clients_is_slowed_but_never_refused() {
        let (_dir, s, l) = limiter().await;
        let t = now();
        for n in 0..200u32 {
            let client = Some(IpAddr::from([10, 1, (n / 250) as u8, (n % 250) as u8]));
            assert_eq!(
                waits(l.attempt(&s, client, "priya", t).await.unwrap()),
                None
            );
        }
        match l.attempt(&s, ip(9), "priya", t).await.unwrap() {
            Verdict::Go { slowed } => assert_eq!(slowed, MAX_SLOWING),
            other => panic!("the owner must be let through: {other:?}"),
        }
    }

    #[tokio::test]
    async fn the_table_stays_bounded_under_a_flood_of_made_up_names() {
        let (_dir, s, l) = limiter().await;
        let rows = async || -> i64 {
            sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_failures")
                .fetch_one(s.pool())
                .await
                .unwrap()
        };
        let t = now();
        for n in 0..300u32 {
            let client = Some(IpAddr::from(n.to_be_bytes()));
            l.attempt(&s, client, &format!("x{n}"), t).await.unwrap();
        }
        assert_eq!(rows().await, 900, "three counts an attempt while they last");
        // A window on, the flood's counts are gone, and the next attempt is counted alone.
        let later = t + secs(FAILURE_WINDOW.as_secs());
        l.attempt(&s, ip(1), "jo", later).await.unwrap();
        assert_eq!(rows().await, 3);
    }

    #[tokio::test]
    async fn a_full_check_queue_says_so_at_once() {
        let l = std::sync::Arc::new(SignInLimiter::default());
        let held: Vec<_> = futures_held(&l).await;
        assert_eq!(held.len(), CHECKS_AT_ONCE);
        // Fill the waiting places with checks that wait for a permit.
        let mut waiting = Vec::new();
        for _ in 0..MAX_WAITING {
            let l = l.clone();
            waiting.push(tokio::spawn(async move { l.queue().await.is_ok() }));
        }
        while l.waiting.load(Ordering::SeqCst) < MAX_WAITING {
            tokio::task::yield_now().await;
        }
        assert!(l.queue().await.is_err(), "one more is told to try again");
        drop(held);
        for w in waiting {
            assert!(w.await.unwrap(), "those that waited get their turn");
        }
    }

    async fn futures_held(l: &SignInLimiter) -> Vec<CheckPermit<'_>> {
        let mut held = Vec::new();
        for _ in 0..CHECKS_AT_ONCE {
            held.push(l.queue().await.expect("a free place"));
        }
        held
    }

    #[test]
    fn names_are_logged_as_a_letter_and_a_short_hash() {
        let shown = name_in_log("priya.k");
        assert!(
            shown.starts_with("p…") && !shown.contains("riya"),
            "{shown}"
        );
        assert_eq!(
            shown,
            name_in_log("priya.k"),
            "the same name, the same mark"
        );
    }
}
