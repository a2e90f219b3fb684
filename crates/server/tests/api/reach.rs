//! Locations that cannot reach TIS: results that could not check make a service not
//! known, with the reason in words, only where no other location sees it; worked out by
//! the same live status the pages show, over a real SQLite file.

use chrono::{DateTime, Duration, Utc};
use tis_core::service::not_checked_detail;
use tis_core::{ErrorKind, ProbeResult, Status};
use tis_status::AppState;
use tis_status::config::Config;

const CONFIG: &str = r#"
[[service]]
id = "sign-in"
name = "Sign-in"
group = "Sign-in"
description = "Sign in to TIS."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1
interval = "10s"
timeout = "1s"
"#;

async fn app() -> (AppState, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = crate::helpers::test_store(dir.path()).await;
    let config = Config::parse("test.toml", CONFIG).expect("test config");
    let state = AppState::new(store, config, false).await.expect("state");
    (state, dir)
}

/// Four results 10 s apart, the last a second before `now`, from `location`: `'o'` up,
/// `'x'` down, `'n'` could not check.
fn results(location: &str, pattern: &str, now: DateTime<Utc>) -> Vec<ProbeResult> {
    let count = pattern.len() as i64;
    pattern
        .chars()
        .enumerate()
        .map(|(i, c)| ProbeResult {
            probe: "sign-in/1".into(),
            service: "sign-in".into(),
            at: now - Duration::seconds(1 + 10 * (count - 1 - i as i64)),
            ok: c == 'o',
            latency_ms: 40,
            error_kind: match c {
                'x' => Some(ErrorKind::Connect),
                'n' => Some(ErrorKind::NotChecked),
                _ => None,
            },
            detail: match c {
                'n' => not_checked_detail("gw:443 (connect: refused)", "connect: refused"),
                _ => String::new(),
            },
            degraded: false,
            location: Some(location.into()),
        })
        .collect()
}

async fn sign_in_now(state: &AppState, pushed: &[Vec<ProbeResult>]) -> (Status, Option<String>) {
    for r in pushed {
        state.store.add_probe_results(r).await.expect("stored");
    }
    let live = tis_status::read::live::service_states(state, Utc::now())
        .await
        .expect("live status");
    let s = &live.services[0];
    (s.status, s.reason.clone())
}

#[tokio::test]
async fn one_location_cut_off_does_not_hide_what_another_sees() {
    let now = Utc::now();
    let (state, _dir) = app().await;
    let got = sign_in_now(
        &state,
        &[
            results("london", "oonn", now),
            results("leeds", "oooo", now),
        ],
    )
    .await;
    assert_eq!(got, (Status::Operational, None), "leeds sees it working");
    let live = tis_status::read::live::service_states(&state, Utc::now())
        .await
        .unwrap();
    assert_eq!(live.reach.cut_off.len(), 1);
    assert_eq!(live.reach.cut_off[0].location, "london");
    assert_eq!(live.reach.cut_off[0].canaries, "gw:443 (connect: refused)");
    assert_eq!(live.reach.reaching, ["leeds"]);
}

#[tokio::test]
async fn a_location_cut_off_does_not_make_a_service_down_that_another_sees_down_only_with_it() {
    let now = Utc::now();
    let (state, _dir) = app().await;
    let got = sign_in_now(
        &state,
        &[
            results("london", "nnnn", now),
            results("leeds", "xxxx", now),
        ],
    )
    .await;
    assert_eq!(got.0, Status::MajorOutage, "leeds sees it down, on its own");
}

#[tokio::test]
async fn every_location_cut_off_makes_it_not_known_with_the_reason_in_words() {
    let now = Utc::now();
    let (state, _dir) = app().await;
    let got = sign_in_now(&state, &[results("london", "xxnn", now)]).await;
    assert_eq!(
        got,
        (
            Status::Unknown,
            Some("because our checks cannot reach TIS right now".into())
        ),
        "not known, not down, even after failures that were believed before"
    );
}
