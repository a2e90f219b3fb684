//! What operators and orchestrators rely on: liveness, readiness and a prompt, clean stop.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use tower::ServiceExt;

use crate::helpers::Server;

#[tokio::test]
async fn a_running_server_is_live_and_ready() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("data")).await;
    let health = reqwest::get(format!("{}/healthz", server.url))
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
    assert_eq!(health.text().await.unwrap(), "ok");
    let ready = reqwest::get(format!("{}/readyz", server.url))
        .await
        .unwrap();
    assert_eq!(ready.status(), 200);
    assert_eq!(ready.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn sigterm_stops_the_server_promptly_and_cleanly_even_with_a_page_listening() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("data")).await;
    // An open live-events stream never ends by itself; it must not hold up the stop.
    let mut events = reqwest::get(format!("{}/api/v1/events", server.url))
        .await
        .unwrap();
    assert_eq!(events.status(), 200);
    let first = tokio::time::timeout(Duration::from_secs(5), events.chunk())
        .await
        .expect("the stream says hello at once")
        .unwrap();
    assert!(first.is_some());

    let (status, took) = server.terminate(Duration::from_secs(10));
    let status = status.expect("tis-status exited within 10 seconds of SIGTERM");
    assert!(status.success(), "exit status {status}");
    assert!(took < Duration::from_secs(5), "took {took:?} to stop");
    // The stream was ended by the server, not cut off half-way. Change events sent
    // before the stop may still be buffered; read them, then expect a clean end.
    let ended = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match events.chunk().await {
                Ok(Some(_)) => continue,
                other => break other,
            }
        }
    })
    .await
    .expect("the stream ends");
    assert!(matches!(ended, Ok(None)), "{ended:?}");
}

/// A state over a real store in `dir`, with the demo config (its probes are not run).
async fn state(dir: &std::path::Path) -> tis_status::AppState {
    let store = tis_status::store::SqliteStore::open(dir).await.unwrap();
    let config = tis_status::config::Config::demo("http://127.0.0.1:9").unwrap();
    tis_status::AppState::new(Arc::new(store), config, true)
        .await
        .unwrap()
}

async fn readyz(state: &tis_status::AppState) -> (StatusCode, serde_json::Value) {
    let response = tis_status::app(state.clone(), None)
        .oneshot(Request::get("/readyz").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 64 * 1024)
        .await
        .unwrap();
    let body = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
    (status, body)
}

#[tokio::test]
async fn readiness_fails_with_the_reason_when_the_live_status_is_stale() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    assert_eq!(readyz(&state).await.0, StatusCode::OK);

    let mut stale = tis_status::read::model::Model::empty();
    stale.generated_at = chrono::Utc::now() - chrono::Duration::seconds(45);
    state.snapshots.replace(stale);
    let (status, problem) = readyz(&state).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(problem["status"], 503);
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains("45 seconds ago"), "{problem}");
}

#[tokio::test]
async fn readiness_fails_once_the_server_starts_to_stop() {
    let dir = tempfile::tempdir().unwrap();
    let state = state(dir.path()).await;
    state.events.close();
    let (status, problem) = readyz(&state).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or_default()
            .contains("stopping"),
        "{problem}"
    );
}
