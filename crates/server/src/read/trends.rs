//! Trends: each service's daily uptime and latency series, worked out once a minute from
//! raw probe results, so that readers never wait on that arithmetic. Daily uptime is kept
//! for ever; raw results only for the configured retention period.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use chrono::{DateTime, Duration, NaiveDate, Utc};
use tis_core::uptime::{LATE_RESULTS, daily_uptime_agreed, uk_date_of, uk_day_bounds};
use tis_core::wire::LatencyPoint;
use tis_core::{DailyUptime, ProbeResult};

use crate::AppState;
use crate::store::StoreError;
use tokio_util::sync::CancellationToken;

/// How far back uptime can be asked for.
pub const MAX_DAYS: u32 = 365;
/// Latency charts cover this much time, in buckets of `BUCKET`.
pub const LATENCY_WINDOW: Duration = Duration::hours(24);
pub const BUCKET_MINUTES: u32 = 5;
const EVERY: std::time::Duration = std::time::Duration::from_secs(60);

/// The latest trends, swapped whole.
#[derive(Clone, Default)]
pub struct LatestTrends {
    current: Arc<RwLock<Arc<TrendData>>>,
}

#[derive(Debug, Default)]
pub struct TrendData {
    pub computed_at: Option<DateTime<Utc>>,
    /// Per service, the last `MAX_DAYS` UK days, oldest first (days without a row had no
    /// data at all).
    pub uptime: HashMap<String, Vec<DailyUptime>>,
    /// Per service, the last 24 hours in 5-minute buckets, oldest first.
    pub latency: HashMap<String, Vec<LatencyPoint>>,
}

impl TrendData {
    /// The stored days of `service`, oldest first; none before its first day is worked out.
    pub fn uptime_of(&self, service: &str) -> &[DailyUptime] {
        self.uptime.get(service).map(Vec::as_slice).unwrap_or(&[])
    }

    /// The last 24 hours of `service`'s latency, oldest first.
    pub fn latency_of(&self, service: &str) -> &[LatencyPoint] {
        self.latency.get(service).map(Vec::as_slice).unwrap_or(&[])
    }
}

impl LatestTrends {
    pub fn current(&self) -> Arc<TrendData> {
        match self.current.read() {
            Ok(f) => f.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn replace(&self, trends: TrendData) {
        let mut slot = match self.current.write() {
            Ok(s) => s,
            Err(poisoned) => poisoned.into_inner(),
        };
        *slot = Arc::new(trends);
    }
}

/// Recomputes now, then once a minute, until `shutdown` is cancelled.
pub async fn keep_fresh(state: AppState, shutdown: CancellationToken) {
    let mut first = true;
    loop {
        match refresh(&state, Utc::now(), first).await {
            Ok(()) => {
                first = false;
                state.changed();
            }
            Err(e) => tracing::error!(error = %e, "could not work out uptime and latency"),
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            () = shutdown.cancelled() => return,
        }
    }
}

/// Works out the daily uptime of yesterday and today (and, on the first run, of any day
/// still held in raw results that has none stored yet), reloads the trends and prunes old
/// raw results.
pub async fn refresh(
    state: &AppState,
    now: DateTime<Utc>,
    backfill: bool,
) -> Result<(), StoreError> {
    let retention = i64::from(state.config.server.retention_days);
    let today = uk_date_of(now);
    let first_day = today - Duration::days(i64::from(MAX_DAYS) - 1);
    let mut trends = TrendData {
        computed_at: Some(now),
        ..TrendData::default()
    };
    for service in &state.config.services {
        let stored = state
            .store
            .daily_uptime(&service.id, first_day, today)
            .await?;
        let yesterday = today - Duration::days(1);
        let mut days: Vec<NaiveDate> = vec![today];
        if !settled(&stored, yesterday, now) {
            days.push(yesterday);
        }
        if backfill {
            // The oldest retained day may be partly pruned already, so it is left alone.
            let mut day = today - Duration::days(retention - 1);
            while day < today - Duration::days(1) {
                if !stored.iter().any(|d| d.date == day) {
                    days.push(day);
                }
                day += Duration::days(1);
            }
        }
        days.sort();
        let from = uk_day_bounds(days[0]).0;
        let results = state.store.service_results(&service.id, from, now).await?;
        let mut worked_out = Vec::new();
        for day in &days {
            worked_out.extend(daily_uptime_agreed(
                service,
                &results,
                *day..=*day,
                now,
                state.config.server.down_quorum,
            ));
        }
        state.store.save_daily_uptime(&worked_out).await?;

        let latency_from = now - LATENCY_WINDOW;
        let recent: Vec<&ProbeResult> = results.iter().filter(|r| r.at >= latency_from).collect();
        let recent = if from <= latency_from {
            recent.into_iter().cloned().collect()
        } else {
            state
                .store
                .service_results(&service.id, latency_from, now)
                .await?
        };
        trends.latency.insert(
            service.id.clone(),
            latency_series(&recent, latency_from, now),
        );
        trends.uptime.insert(
            service.id.clone(),
            state
                .store
                .daily_uptime(&service.id, first_day, today)
                .await?,
        );
    }
    let pruned = state
        .store
        .prune_probe_results(now - Duration::days(retention))
        .await?;
    if pruned > 0 {
        tracing::info!(
            pruned,
            "removed raw probe results past the retention period"
        );
    }
    state.trends.replace(trends);
    Ok(())
}

/// Buckets of `BUCKET_MINUTES` from `from` to `now`, each with the median and 95th
/// percentile latency of its successful checks.
pub fn latency_series(
    results: &[ProbeResult],
    from: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<LatencyPoint> {
    let bucket = Duration::minutes(i64::from(BUCKET_MINUTES));
    // Buckets start on whole multiples of the bucket length, so charts line up over time.
    let step = bucket.num_seconds();
    let start = DateTime::from_timestamp(from.timestamp() - from.timestamp().rem_euclid(step), 0)
        .unwrap_or(from);
    let count = ((now - start).num_seconds() / step + 1).max(0) as usize;
    let mut buckets: Vec<(u32, u32, Vec<u32>)> = vec![(0, 0, Vec::new()); count];
    for r in results.iter().filter(|r| r.was_checked()) {
        let index = (r.at - start).num_seconds().div_euclid(step);
        let Some(b) = usize::try_from(index).ok().and_then(|i| buckets.get_mut(i)) else {
            continue;
        };
        b.0 += 1;
        if r.ok {
            b.2.push(r.latency_ms);
        } else {
            b.1 += 1;
        }
    }
    buckets
        .into_iter()
        .enumerate()
        .map(|(i, (checks, failed, mut latencies))| {
            latencies.sort_unstable();
            LatencyPoint {
                at: start + bucket * i as i32,
                checks,
                failed,
                median_ms: percentile(&latencies, 50),
                p95_ms: percentile(&latencies, 95),
            }
        })
        .collect()
}

/// Whether `day`'s stored daily uptime is final: worked out after the day ended (it covers the
/// whole day) and past the time late results may still arrive. Working out a whole day
/// again every minute would cost a scan of all its results for nothing.
fn settled(stored: &[DailyUptime], day: NaiveDate, now: DateTime<Utc>) -> bool {
    let (start, end) = uk_day_bounds(day);
    let whole = u32::try_from((end - start).num_minutes()).unwrap_or(u32::MAX);
    now >= end + LATE_RESULTS && stored.iter().any(|d| d.date == day && d.minutes >= whole)
}

/// Nearest-rank percentile of sorted values.
fn percentile(sorted: &[u32], p: usize) -> Option<u32> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(at: &str, ok: bool, latency_ms: u32) -> ProbeResult {
        ProbeResult {
            probe: "a/1".into(),
            service: "a".into(),
            at: at.parse().unwrap(),
            ok,
            latency_ms,
            error_kind: None,
            detail: String::new(),
            degraded: false,
            location: None,
        }
    }

    fn day(date: &str, minutes: u32) -> DailyUptime {
        DailyUptime {
            service: "a".into(),
            date: date.parse().unwrap(),
            checks: 0,
            failed_checks: 0,
            minutes,
            minutes_down: 0,
            minutes_degraded: 0,
            minutes_no_data: 0,
            median_latency_ms: None,
            p95_latency_ms: None,
        }
    }

    #[test]
    fn a_day_is_worked_out_again_until_it_is_whole_and_late_results_have_had_their_hour() {
        let at = |t: &str| t.parse::<DateTime<Utc>>().unwrap();
        let yesterday: NaiveDate = "2026-11-23".parse().unwrap();
        let whole = [day("2026-11-23", 1440)];
        let partial = [day("2026-11-23", 900)];
        // Midnight UK time in November is midnight UTC.
        assert!(
            !settled(&whole, yesterday, at("2026-11-24T00:30:00Z")),
            "late results may come"
        );
        assert!(settled(&whole, yesterday, at("2026-11-24T01:00:00Z")));
        assert!(
            !settled(&partial, yesterday, at("2026-11-24T09:00:00Z")),
            "worked out mid-day"
        );
        assert!(
            !settled(&[], yesterday, at("2026-11-24T09:00:00Z")),
            "never worked out"
        );
    }

    #[test]
    fn latency_buckets_hold_their_checks_and_ignore_failed_ones_for_timing() {
        let from: DateTime<Utc> = "2026-11-24T10:00:00Z".parse().unwrap();
        let now: DateTime<Utc> = "2026-11-24T10:14:00Z".parse().unwrap();
        let results = [
            result("2026-11-24T10:01:00Z", true, 100),
            result("2026-11-24T10:02:00Z", true, 300),
            result("2026-11-24T10:03:00Z", false, 5000),
            result("2026-11-24T10:11:00Z", true, 50),
        ];
        let points = latency_series(&results, from, now);
        assert_eq!(points.len(), 3);
        assert_eq!(points[0].checks, 3);
        assert_eq!(points[0].failed, 1);
        assert_eq!(points[0].median_ms, Some(100));
        assert_eq!(points[0].p95_ms, Some(300));
        assert_eq!(points[1].checks, 0);
        assert_eq!(points[1].median_ms, None);
        assert_eq!(points[2].median_ms, Some(50));
        assert_eq!(
            points[2].at,
            "2026-11-24T10:10:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
