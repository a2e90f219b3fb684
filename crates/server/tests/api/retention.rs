//! Raw probe results are kept for `retention_days`; daily uptime is kept for ever. Run on
//! a real SQLite file by the same once-a-minute work the server does.

use chrono::{DateTime, Duration, Utc};
use tis_core::ProbeResult;
use tis_core::uptime::uk_date_of;
use tis_status::AppState;
use tis_status::config::Config;

fn result(at: DateTime<Utc>, ok: bool) -> ProbeResult {
    ProbeResult {
        probe: "bulk-upload/1".into(),
        service: "bulk-upload".into(),
        at,
        ok,
        latency_ms: if ok { 90 } else { 5000 },
        error_kind: (!ok).then_some(tis_core::ErrorKind::Timeout),
        detail: String::new(),
        degraded: false,
        location: None,
    }
}

async fn app_keeping(days: Option<u32>) -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::helpers::test_store(dir.path()).await;
    let mut config = Config::demo("http://127.0.0.1:9").expect("demo config");
    if let Some(days) = days {
        config.server.retention_days = days;
    }
    let state = AppState::new(store, config, false).await.expect("state");
    (state, dir)
}

/// What the server would have done once a minute for the past `days` days: results come
/// in, and each day is rolled up while its results are still there.
/// (The store keeps times to the millisecond, hence a second's slack in the checks.)
async fn run_for(state: &AppState, days: i64, now: DateTime<Utc>) {
    for back in (0..=days).rev() {
        let then = now - Duration::days(back);
        let results: Vec<ProbeResult> = (0..4)
            .map(|n| result(then - Duration::hours(n * 3), n != 3))
            .collect();
        state
            .store
            .add_probe_results(&results)
            .await
            .expect("results stored");
        tis_status::read::trends::refresh(state, then, false)
            .await
            .expect("rolled up");
    }
}

#[tokio::test]
async fn old_raw_results_go_after_the_retention_period_and_daily_uptime_stays() {
    let (state, _dir) = app_keeping(None).await;
    assert_eq!(state.config.server.retention_days, 30, "the default");
    let now = Utc::now();
    run_for(&state, 45, now).await;

    let kept = state
        .store
        .probe_results_since(DateTime::UNIX_EPOCH)
        .await
        .expect("results");
    let oldest = kept
        .iter()
        .map(|r| r.at)
        .min()
        .expect("some results are kept");
    assert!(
        oldest > now - Duration::days(30) - Duration::seconds(1),
        "a result from {oldest} outlived the 30 days"
    );
    assert!(
        kept.iter().any(|r| r.at < now - Duration::days(29)),
        "results from within the 30 days are kept"
    );

    // Every day of the 45 still has its uptime, including those whose results are gone.
    let today = uk_date_of(now);
    let days = state
        .store
        .daily_uptime("bulk-upload", today - Duration::days(45), today)
        .await
        .expect("daily uptime");
    let old_day = uk_date_of(now - Duration::days(40));
    let rolled = days
        .iter()
        .find(|d| d.date == old_day)
        .unwrap_or_else(|| panic!("no uptime for {old_day}: {days:?}"));
    assert!(rolled.checks >= 3, "{rolled:?}");
    assert!(rolled.failed_checks >= 1, "{rolled:?}");
    assert!(days.len() >= 44, "{} days of uptime kept", days.len());

    // And readers see those days' uptime, not "no data".
    let trends = state.trends.current();
    let shown = trends
        .uptime
        .get("bulk-upload")
        .expect("uptime in the trends");
    assert!(
        shown.iter().any(|d| d.date == old_day && d.checks >= 3),
        "the page shows uptime for {old_day}"
    );
}

#[tokio::test]
async fn a_shorter_retention_period_in_the_config_is_honoured() {
    let (state, _dir) = app_keeping(Some(7)).await;
    let now = Utc::now();
    run_for(&state, 12, now).await;
    let kept = state
        .store
        .probe_results_since(DateTime::UNIX_EPOCH)
        .await
        .expect("results");
    assert!(
        kept.iter()
            .all(|r| r.at > now - Duration::days(7) - Duration::seconds(1))
    );
    assert!(kept.iter().any(|r| r.at < now - Duration::days(6)));
    let day = uk_date_of(now - Duration::days(10));
    let days = state
        .store
        .daily_uptime("bulk-upload", day, day)
        .await
        .expect("daily uptime");
    assert_eq!(days.len(), 1, "uptime for {day} is kept");
    assert!(days[0].checks >= 3);
}
