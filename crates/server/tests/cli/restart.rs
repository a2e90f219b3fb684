//! A server restarted after a slow spell shows what its checks see now, not the spell.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::routing::get;
use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::helpers::{Server, write};

/// A target whose answers take as many milliseconds as `delay` holds.
async fn target_with_delay(delay: Arc<AtomicU64>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/health",
        get(move || {
            let ms = delay.load(Ordering::Relaxed);
            async move {
                tokio::time::sleep(Duration::from_millis(ms)).await;
                "ok"
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

fn web(services: &Value) -> &Value {
    &services["services"][0]
}

#[tokio::test]
async fn a_restart_after_a_slow_spell_shows_a_quick_service_as_working_never_as_slow() {
    let delay = Arc::new(AtomicU64::new(900));
    let target = target_with_delay(delay.clone()).await;
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "tis.toml",
        &format!(
            r#"
[[service]]
id = "web"
name = "TIS admin site"
group = "For admins"
description = "Search and update trainee records."
[[service.probe]]
kind = "http"
url = "{target}/health"
interval = "5s"
timeout = "3s"
fail_after = 2
recover_after = 2
slow_ms = 400
"#
        ),
    );
    let data = dir.path().join("data");

    // A slow spell: the service is shown as slow.
    let server = Server::start(&config, &data).await;
    let slow = server
        .wait_for("/api/v1/services", |s| web(s)["status"] == "degraded")
        .await;
    let last_slow: DateTime<Utc> = web(&slow)["last_checked"]
        .as_str()
        .and_then(|t| t.parse().ok())
        .expect("a slow service was checked");
    drop(server);

    // Stopped for longer than three intervals, while the service became quick again.
    delay.store(0, Ordering::Relaxed);
    let stale_after = chrono::Duration::seconds(3 * 5 + 1);
    let wait = (last_slow + stale_after - Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(wait).await;

    // From the first answer after the restart until it is shown working, the service is
    // never shown as slow: the spell ended before the gap.
    let server = Server::start(&config, &data).await;
    let started = Instant::now();
    let mut seen = Vec::new();
    loop {
        let services: Value = reqwest::get(format!("{}/api/v1/services", server.url))
            .await
            .expect("the server answers")
            .json()
            .await
            .expect("JSON");
        let status = web(&services)["status"].as_str().unwrap_or("").to_string();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        if status == "operational" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "never shown working again; statuses shown: {seen:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        !seen.iter().any(|s| s == "degraded"),
        "a quick service was shown slow after the restart: {seen:?}"
    );
}
