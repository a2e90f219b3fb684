//! When each probe runs: soon after start, then on its own interval at a random phase
//! with a little jitter, so that many probes with the same interval spread out instead of
//! firing together; and how late runs start compared with that timetable.

use std::time::Duration;

use tokio::time::Instant;

/// First runs fall within this long of the start, so status is known soon after.
const FIRST_RUN_WITHIN: Duration = Duration::from_secs(2);
/// Jitter is at most this share of the interval...
const JITTER_SHARE: u32 = 20;
/// ...and never more than this.
const JITTER_MAX: Duration = Duration::from_secs(1);

/// The timetable of one probe.
#[derive(Debug, Clone)]
pub struct Timetable {
    interval: Duration,
    /// Where in each interval this probe's runs fall.
    anchor: Instant,
    first: Option<Instant>,
    /// Runs so far after the first.
    n: u32,
    jitter: Duration,
}

/// The next run, and how many runs were skipped because they were already a whole
/// interval overdue (the machine was suspended, or starved).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub at: Instant,
    pub skipped: u64,
}

fn random_below(limit: Duration) -> Duration {
    let nanos = u64::try_from(limit.as_nanos()).unwrap_or(u64::MAX);
    if nanos == 0 {
        return Duration::ZERO;
    }
    Duration::from_nanos(fastrand::u64(..nanos))
}

impl Timetable {
    pub fn new(interval: Duration, start: Instant) -> Timetable {
        let interval = interval.max(Duration::from_millis(1));
        Timetable {
            interval,
            anchor: start + random_below(interval),
            first: Some(start + random_below(FIRST_RUN_WITHIN.min(interval))),
            n: 0,
            jitter: (interval / JITTER_SHARE).min(JITTER_MAX),
        }
    }

    /// When the next run is due, given that it is `now`.
    pub fn next(&mut self, now: Instant) -> Due {
        if let Some(first) = self.first.take() {
            return Due {
                at: first,
                skipped: 0,
            };
        }
        let mut skipped = 0;
        loop {
            self.n = self.n.saturating_add(1);
            let at = self.anchor + self.interval * self.n + random_below(self.jitter);
            // A run more than one interval overdue is skipped: running a backlog at once
            // would only load the target and tell nothing new.
            if at + self.interval >= now || self.n == u32::MAX {
                return Due { at, skipped };
            }
            skipped += 1;
        }
    }
}

/// How late checks started, as a histogram: to the millisecond up to a second, then to
/// the tenth of a second up to a minute.
#[derive(Debug, Clone)]
pub struct Lateness {
    buckets: Vec<u64>,
    count: u64,
    max_ms: u64,
}

const FINE: u64 = 1000;
const COARSE_STEP: u64 = 100;
const COARSE_END: u64 = 60_000;

impl Default for Lateness {
    fn default() -> Self {
        Lateness {
            buckets: vec![0; (FINE + (COARSE_END - FINE) / COARSE_STEP + 1) as usize],
            count: 0,
            max_ms: 0,
        }
    }
}

impl Lateness {
    pub fn record(&mut self, late: Duration) {
        let ms = u64::try_from(late.as_millis()).unwrap_or(u64::MAX);
        let index = if ms < FINE {
            ms
        } else {
            FINE + (ms.min(COARSE_END) - FINE) / COARSE_STEP
        };
        if let Some(b) = usize::try_from(index)
            .ok()
            .and_then(|i| self.buckets.get_mut(i))
        {
            *b += 1;
        }
        self.count += 1;
        self.max_ms = self.max_ms.max(ms);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> u64 {
        self.max_ms
    }

    /// The nearest-rank percentile in milliseconds (to the bucket's lower edge), 0 when
    /// nothing was recorded.
    pub fn percentile(&self, p: u64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = (p * self.count).div_ceil(100).max(1);
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let i = i as u64;
                let ms = if i < FINE {
                    i
                } else {
                    FINE + (i - FINE) * COARSE_STEP
                };
                return ms.min(self.max_ms);
            }
        }
        self.max_ms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_keep_to_the_interval_without_drifting() {
        let start = Instant::now();
        let interval = Duration::from_secs(30);
        let mut t = Timetable::new(interval, start);
        let first = t.next(start).at;
        assert!(first < start + FIRST_RUN_WITHIN);
        let mut previous = first;
        let phase = t.anchor;
        for n in 1..=200u32 {
            let due = t.next(previous);
            assert_eq!(due.skipped, 0);
            let on_grid = phase + interval * n;
            assert!(
                due.at >= on_grid && due.at <= on_grid + JITTER_MAX,
                "run {n} drifted"
            );
            previous = due.at;
        }
    }

    #[test]
    fn probes_with_one_interval_spread_over_it() {
        let start = Instant::now();
        let interval = Duration::from_secs(30);
        let mut tens = [0u32; 3];
        for _ in 0..300 {
            let mut t = Timetable::new(interval, start);
            t.next(start);
            let second = t.next(start).at - start - interval;
            tens[(second.as_secs() / 10).min(2) as usize] += 1;
        }
        // Each third of the interval gets some: they do not all fire together.
        assert!(tens.iter().all(|n| *n > 50), "{tens:?}");
    }

    #[test]
    fn a_run_overdue_by_a_whole_interval_is_skipped() {
        let start = Instant::now();
        let interval = Duration::from_secs(10);
        let mut t = Timetable::new(interval, start);
        t.next(start);
        let due = t.next(start + Duration::from_secs(65));
        assert!(due.skipped >= 4, "{due:?}");
        assert!(due.at + interval >= start + Duration::from_secs(65));
    }

    #[test]
    fn lateness_percentiles_come_from_the_histogram() {
        let mut l = Lateness::default();
        for ms in 1..=100u64 {
            l.record(Duration::from_millis(ms));
        }
        l.record(Duration::from_millis(2_345));
        assert_eq!(l.count(), 101);
        assert_eq!(l.percentile(50), 51);
        assert_eq!(l.percentile(95), 96);
        assert_eq!(l.percentile(100), 2_300);
        assert_eq!(l.max(), 2_345);
        assert_eq!(Lateness::default().percentile(95), 0);
    }
}
