//! How sign-in resists guessing without letting a stranger lock staff out.
//!
//! Nothing here is a hard lockout. Failed sign-ins are counted three ways, in memory:
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
//! Each count is forgotten [`FAILURE_WINDOW`] after its last failure, and each map holds
//! at most [`MAX_KEYS`] entries, so memory stays bounded under a flood of made-up names.
//! The password checks themselves queue for two places; past [`MAX_WAITING`] waiting,
//! a sign-in is told to try again in a moment rather than wait without end.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, SemaphorePermit};

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
/// Entries kept in each count, at most.
pub const MAX_KEYS: usize = 10_000;
/// Password checks at once: each takes 19 MiB and a core for a moment, and readers of the
/// status page need the rest.
const CHECKS_AT_ONCE: usize = 2;
/// Sign-ins waiting for a password check, at most.
pub const MAX_WAITING: usize = 32;

/// Failures of one key.
#[derive(Debug, Clone, Copy)]
struct Record {
    count: u32,
    last: Instant,
}

/// Failures by key, bounded.
#[derive(Debug)]
struct Counts<K> {
    map: HashMap<K, Record>,
}

impl<K: Hash + Eq + Clone> Counts<K> {
    fn new() -> Self {
        Counts {
            map: HashMap::new(),
        }
    }

    /// The failures of `key` still counted at `now`.
    fn count(&self, key: &K, now: Instant) -> Option<Record> {
        self.map
            .get(key)
            .copied()
            .filter(|r| now.saturating_duration_since(r.last) < FAILURE_WINDOW)
    }

    fn add(&mut self, key: K, now: Instant) {
        if !self.map.contains_key(&key) && self.map.len() >= MAX_KEYS {
            self.map
                .retain(|_, r| now.saturating_duration_since(r.last) < FAILURE_WINDOW);
            if self.map.len() >= MAX_KEYS {
                // Still full of fresh failures: a flood. The entry least recently failed
                // goes, which frees the memory and costs the flood the least.
                if let Some(oldest) = self
                    .map
                    .iter()
                    .min_by_key(|(_, r)| r.last)
                    .map(|(k, _)| k.clone())
                {
                    self.map.remove(&oldest);
                }
            }
        }
        let count = self.count(&key, now).map_or(0, |r| r.count);
        self.map.insert(
            key,
            Record {
                count: count.saturating_add(1),
                last: now,
            },
        );
    }

    /// Takes back one failure (an attempt that turned out right).
    fn take_back(&mut self, key: &K) {
        if let Some(r) = self.map.get_mut(key) {
            r.count = r.count.saturating_sub(1);
            if r.count == 0 {
                self.map.remove(key);
            }
        }
    }

    fn len(&self) -> usize {
        self.map.len()
    }
}

/// How long a key with `record` must wait after its last failure, once past `free`.
fn backoff(record: Option<Record>, free: u32, now: Instant) -> Option<Duration> {
    let r = record?;
    let over = r.count.checked_sub(free)?;
    let wait = Duration::from_secs(1u64 << over.min(16)).min(MAX_WAIT);
    let left = wait.saturating_sub(now.saturating_duration_since(r.last));
    (!left.is_zero()).then_some(left)
}

#[derive(Debug)]
struct Failures {
    by_pair: Counts<(Option<IpAddr>, String)>,
    by_client: Counts<Option<IpAddr>>,
    by_name: Counts<String>,
}

/// What the limiter says about an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Check the password, after waiting this long (zero unless the name is under attack).
    Go { slowed: Duration },
    /// Refuse: this client must wait this many seconds first.
    Wait { secs: u64 },
}

/// Counts failed sign-ins (see the module's documentation) and queues password checks.
#[derive(Debug)]
pub struct SignInLimiter {
    failures: Mutex<Failures>,
    checks: Semaphore,
    waiting: AtomicUsize,
}

impl Default for SignInLimiter {
    fn default() -> Self {
        SignInLimiter {
            failures: Mutex::new(Failures {
                by_pair: Counts::new(),
                by_client: Counts::new(),
                by_name: Counts::new(),
            }),
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

fn key(name: &str) -> String {
    // Bounded, so that long made-up names cannot fill memory.
    name.chars().take(80).collect()
}

impl SignInLimiter {
    /// Says whether `client` may try `name` now, and counts the attempt as failed until
    /// [`SignInLimiter::succeeded`] says otherwise: checking and counting in one step,
    /// so attempts sent all at once cannot slip past before the first of them fails.
    /// A refused attempt is not counted, so waiting is never made longer by trying.
    pub fn attempt(&self, client: Option<IpAddr>, name: &str, now: Instant) -> Verdict {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let name = key(name);
        let pair = (client, name.clone());
        let wait = [
            backoff(f.by_pair.count(&pair, now), PAIR_FREE, now),
            backoff(f.by_client.count(&client, now), CLIENT_FREE, now),
        ]
        .into_iter()
        .flatten()
        .max();
        if let Some(wait) = wait {
            return Verdict::Wait {
                secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            };
        }
        let slowed = match f.by_name.count(&name, now) {
            Some(r) if r.count >= NAME_FREE => {
                (Duration::from_millis(250) * (r.count - NAME_FREE + 1)).min(MAX_SLOWING)
            }
            _ => Duration::ZERO,
        };
        f.by_pair.add(pair, now);
        f.by_client.add(client, now);
        f.by_name.add(name, now);
        Verdict::Go { slowed }
    }

    /// The password was right: this client's typos for this name are forgotten, and the
    /// attempt is taken back from the other counts. Failures by others stay counted.
    pub fn succeeded(&self, client: Option<IpAddr>, name: &str) {
        let mut f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        let name = key(name);
        f.by_pair.map.remove(&(client, name.clone()));
        f.by_client.take_back(&client);
        f.by_name.take_back(&name);
    }

    /// Waits for a place to check a password, unless [`MAX_WAITING`] sign-ins already
    /// wait.
    pub async fn queue(&self) -> Result<CheckPermit<'_>, QueueFull> {
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

    /// Entries held in each count: by client and name, by client, by name.
    pub fn sizes(&self) -> (usize, usize, usize) {
        let f = self.failures.lock().unwrap_or_else(|p| p.into_inner());
        (f.by_pair.len(), f.by_client.len(), f.by_name.len())
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

    fn ip(n: u8) -> Option<IpAddr> {
        Some(IpAddr::from([10, 0, 0, n]))
    }

    fn waits(v: Verdict) -> Option<u64> {
        match v {
            Verdict::Wait { secs } => Some(secs),
            Verdict::Go { .. } => None,
        }
    }

    #[test]
    fn a_client_that_keeps_failing_on_a_name_waits_longer_each_time_and_only_it() {
        let l = SignInLimiter::default();
        let t = Instant::now();
        for _ in 0..PAIR_FREE {
            assert_eq!(waits(l.attempt(ip(1), "jo", t)), None);
        }
        assert_eq!(waits(l.attempt(ip(1), "jo", t)), Some(1));
        assert_eq!(
            waits(l.attempt(ip(1), "jo", t)),
            Some(1),
            "a refused attempt does not make the wait longer"
        );
        let t = t + Duration::from_secs(1);
        assert_eq!(
            waits(l.attempt(ip(1), "jo", t)),
            None,
            "after the wait, a try"
        );
        assert_eq!(
            waits(l.attempt(ip(1), "jo", t)),
            Some(2),
            "then twice as long"
        );
        // Another client, or another name, is not held back.
        assert_eq!(waits(l.attempt(ip(2), "jo", t)), None);
        assert_eq!(waits(l.attempt(ip(1), "ann", t)), None);
        // Signing in forgets this client's typos for the name.
        l.succeeded(ip(1), "jo");
        assert_eq!(waits(l.attempt(ip(1), "jo", t)), None);
    }

    #[test]
    fn the_longest_wait_is_bounded_and_counts_are_forgotten_after_the_window() {
        let l = SignInLimiter::default();
        let mut t = Instant::now();
        for _ in 0..40 {
            if let Verdict::Wait { secs } = l.attempt(ip(1), "jo", t) {
                assert!(Duration::from_secs(secs) <= MAX_WAIT);
                t += Duration::from_secs(secs);
            }
        }
        let later = t + FAILURE_WINDOW;
        assert_eq!(waits(l.attempt(ip(1), "jo", later)), None);
    }

    #[test]
    fn one_client_trying_many_names_is_held_back() {
        let l = SignInLimiter::default();
        let t = Instant::now();
        for n in 0..CLIENT_FREE {
            assert_eq!(waits(l.attempt(ip(1), &format!("name{n}"), t)), None);
        }
        assert!(waits(l.attempt(ip(1), "someone-else", t)).is_some());
        assert_eq!(waits(l.attempt(ip(2), "someone-else", t)), None);
    }

    #[test]
    fn a_name_guessed_from_many_clients_is_slowed_but_never_refused() {
        let l = SignInLimiter::default();
        let t = Instant::now();
        for n in 0..200u32 {
            let client = Some(IpAddr::from([10, 1, (n / 250) as u8, (n % 250) as u8]));
            assert_eq!(waits(l.attempt(client, "priya", t)), None);
        }
        match l.attempt(ip(9), "priya", t) {
            Verdict::Go { slowed } => assert_eq!(slowed, MAX_SLOWING),
            other => panic!("the owner must be let through: {other:?}"),
        }
    }

    #[test]
    fn memory_stays_bounded_under_a_flood_of_made_up_names() {
        let l = SignInLimiter::default();
        let t = Instant::now();
        for n in 0..(MAX_KEYS as u32 + 500) {
            let client = Some(IpAddr::from(n.to_be_bytes()));
            let _ = l.attempt(client, &format!("x{n}"), t);
        }
        let (pairs, clients, names) = l.sizes();
        assert!(pairs <= MAX_KEYS && clients <= MAX_KEYS && names <= MAX_KEYS);
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
