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

/// A config with one probed service and `/metrics` turned on.
fn with_metrics(target: &str) -> String {
    format!(
        "[metrics]\ntoken_env = \"METRICS_TOKEN\"\n\n{}",
        crate::helpers::one_service(target, None)
    )
}

/// The value of the sample of `name` whose labels include every one of `labels`.
fn sample(text: &str, name: &str, labels: &[&str]) -> Option<f64> {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.starts_with(&format!("{name}{{")) || l.starts_with(&format!("{name} ")))
        .find(|l| labels.iter().all(|label| l.contains(label)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

#[tokio::test]
async fn operators_scrape_status_probe_results_requests_and_open_streams_with_their_token() {
    let target = crate::helpers::healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let config = crate::helpers::write(dir.path(), "tis.toml", &with_metrics(&target));
    let server = Server::start_env(
        &config,
        &dir.path().join("data"),
        &[("METRICS_TOKEN", "scrape-me-please")],
    )
    .await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"][0]["status"] == "operational"
        })
        .await;
    let _stream = reqwest::get(format!("{}/api/v1/events", server.url))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let scrape = |token: Option<&'static str>| {
        let mut request = client.get(format!("{}/metrics", server.url));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send()
    };

    // Not for anyone who asks: the metrics name internal probes and locations.
    for wrong in [None, Some("scrape-me")] {
        let refused = scrape(wrong).await.unwrap();
        assert_eq!(refused.status(), 401, "token {wrong:?}");
        let problem: serde_json::Value = refused.json().await.unwrap();
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains("[metrics] token_env"),
            "{problem}"
        );
    }

    let answer = scrape(Some("scrape-me-please")).await.unwrap();
    assert_eq!(answer.status(), 200);
    assert!(
        answer.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"),
    );
    let text = answer.text().await.unwrap();
    let status = |word: &str| {
        sample(
            &text,
            "tis_status_service_status",
            &["service=\"bulk-upload\"", &format!("status=\"{word}\"")],
        )
    };
    assert_eq!(status("operational"), Some(1.0), "{text}");
    assert_eq!(status("major_outage"), Some(0.0), "{text}");
    let ok_results = sample(
        &text,
        "tis_status_probe_results_total",
        &["probe=\"bulk-upload/1\"", "result=\"ok\""],
    );
    assert!(ok_results.is_some_and(|n| n >= 1.0), "{text}");
    assert!(
        sample(
            &text,
            "tis_status_probe_duration_seconds_count",
            &["probe=\"bulk-upload/1\""]
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    // Requests are counted under their route; the services were asked for above.
    assert!(
        sample(
            &text,
            "tis_status_http_requests_total",
            &[
                "route=\"/api/v1/services\"",
                "status=\"200\"",
                "method=\"GET\""
            ],
        )
        .is_some_and(|n| n >= 1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "tis_status_live_streams", &[]),
        Some(1.0),
        "{text}"
    );
    // Nothing to send: the outbox is empty, and says so for each kind.
    for kind in ["alert", "subscriber"] {
        let label = format!("kind=\"{kind}\"");
        assert_eq!(
            sample(&text, "tis_status_outbox_waiting", &[&label]),
            Some(0.0),
            "{text}"
        );
    }
    assert!(
        sample(&text, "tis_status_snapshot_age_seconds", &[]).is_some_and(|age| age < 30.0),
        "{text}"
    );
}

#[test]
fn metrics_without_their_token_in_the_environment_are_a_config_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let config = crate::helpers::write(dir.path(), "tis.toml", &with_metrics("http://127.0.0.1:9"));
    let out = crate::helpers::tis_status(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let said =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        said.contains(
            "line 2: [metrics] token_env: the environment variable METRICS_TOKEN is not set"
        ),
        "{said}"
    );
}
