//! Each probe kind against real servers on 127.0.0.1, healthy and failing.

use std::time::Duration;

use axum::extract::Form;
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;
use tis_core::{ErrorKind, Probe, ProbeKind, service::HumanDuration};
use tis_prober::{Checker, Scheduled, check_once};

async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A small TIS: actuator health (up or down), a token endpoint, an API that wants a token.
async fn estate() -> String {
    #[derive(serde::Deserialize)]
    struct TokenForm {
        client_id: String,
        client_secret: String,
    }
    serve(
        Router::new()
            .route(
                "/up/health",
                get(|| async {
                    Json(json!({"status": "UP", "components": {"db": {"status": "UP"}}}))
                }),
            )
            .route(
                "/down/health",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        Json(json!({"status": "DOWN"})),
                    )
                }),
            )
            .route(
                "/db-down/health",
                get(|| async {
                    Json(json!({"status": "UP", "components": {"db": {"status": "DOWN"}}}))
                }),
            )
            .route(
                "/not-json",
                get(|| async { "<html>Welcome to nginx</html>" }),
            )
            .route(
                "/hang",
                get(|| async {
                    tokio::time::sleep(Duration::from_secs(30)).await;
                    "too late"
                }),
            )
            .route(
                "/token",
                post(|Form(f): Form<TokenForm>| async move {
                    if f.client_secret == "right" {
                        Json(json!({"access_token": format!("token-for-{}", f.client_id)}))
                            .into_response()
                    } else {
                        (
                            StatusCode::UNAUTHORIZED,
                            Json(json!({"error": "unauthorized_client"})),
                        )
                            .into_response()
                    }
                }),
            )
            .route(
                "/api/ping",
                get(|headers: HeaderMap| async move {
                    match headers.get("authorization").and_then(|v| v.to_str().ok()) {
                        Some("Bearer token-for-bulk-upload") => StatusCode::OK,
                        _ => StatusCode::UNAUTHORIZED,
                    }
                }),
            ),
    )
    .await
}

fn http(url: String, pointer: Option<(&str, &str)>) -> ProbeKind {
    ProbeKind::Http {
        url,
        method: "GET".into(),
        expect_status: 200,
        body_contains: None,
        json_pointer: pointer.map(|p| p.0.to_string()),
        expect_value: pointer.map(|p| p.1.to_string()),
    }
}

fn oidc(base: &str, secret_env: &str, then: Option<&str>) -> ProbeKind {
    ProbeKind::Oidc {
        token_url: format!("{base}/token"),
        client_id: "bulk-upload".into(),
        client_secret_env: secret_env.into(),
        then_url: then.map(|p| format!("{base}{p}")),
    }
}

async fn run(kind: ProbeKind) -> tis_core::ProbeResult {
    let checker = Checker::with_secrets(|name| match name {
        "GOOD_SECRET" => Some("right".into()),
        "BAD_SECRET" => Some("wrong".into()),
        _ => None,
    });
    let scheduled = Scheduled {
        id: "bulk-upload/1".into(),
        service: "bulk-upload".into(),
        probe: Probe {
            kind,
            interval: HumanDuration::from_secs(10),
            timeout: HumanDuration::from_millis(800),
            fail_after: 2,
            recover_after: 2,
            slow_ms: None,
        },
    };
    check_once(&checker, &scheduled).await
}

#[tokio::test]
async fn a_healthy_actuator_passes_and_nested_component_status_is_read() {
    let base = estate().await;
    let r = run(http(format!("{base}/up/health"), Some(("/status", "UP")))).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.service, "bulk-upload");
    let r = run(http(
        format!("{base}/db-down/health"),
        Some(("/components/db/status", "UP")),
    ))
    .await;
    assert!(!r.ok);
    assert_eq!(r.error_kind, Some(ErrorKind::Body));
    assert!(r.detail.contains("DOWN"), "{}", r.detail);
}

#[tokio::test]
async fn failures_are_told_apart_by_kind() {
    let base = estate().await;
    let r = run(http(format!("{base}/down/health"), None)).await;
    assert_eq!(r.error_kind, Some(ErrorKind::Status), "{r:?}");
    assert!(r.detail.contains("503"), "{}", r.detail);

    let r = run(http(format!("{base}/not-json"), Some(("/status", "UP")))).await;
    assert_eq!(r.error_kind, Some(ErrorKind::Body), "{r:?}");

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run(http(format!("http://127.0.0.1:{closed}/health"), None)).await;
    assert_eq!(r.error_kind, Some(ErrorKind::Connect), "{r:?}");

    let r = run(ProbeKind::Tcp {
        host: "127.0.0.1".into(),
        port: closed,
    })
    .await;
    assert_eq!(r.error_kind, Some(ErrorKind::Connect), "{r:?}");
}

#[tokio::test]
async fn a_hanging_target_fails_with_a_timeout_within_the_probe_timeout() {
    let base = estate().await;
    let r = run(http(format!("{base}/hang"), None)).await;
    assert_eq!(r.error_kind, Some(ErrorKind::Timeout), "{r:?}");
    assert!(r.latency_ms < 2_000, "took {} ms", r.latency_ms);
}

#[tokio::test]
async fn signing_in_then_calling_the_service_passes_with_the_right_secret() {
    let base = estate().await;
    let r = run(oidc(&base, "GOOD_SECRET", Some("/api/ping"))).await;
    assert!(r.ok, "{r:?}");
}

#[tokio::test]
async fn sign_in_failures_say_what_failed() {
    let base = estate().await;
    let refused = run(oidc(&base, "BAD_SECRET", Some("/api/ping"))).await;
    assert_eq!(refused.error_kind, Some(ErrorKind::Auth), "{refused:?}");
    assert!(
        refused.detail.contains("refused the credentials"),
        "{}",
        refused.detail
    );

    let missing = run(oidc(&base, "NOT_SET", None)).await;
    assert_eq!(missing.error_kind, Some(ErrorKind::Auth));
    assert!(missing.detail.contains("NOT_SET"), "{}", missing.detail);

    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let unreachable = run(oidc(
        &format!("http://127.0.0.1:{closed}"),
        "GOOD_SECRET",
        None,
    ))
    .await;
    assert_eq!(
        unreachable.error_kind,
        Some(ErrorKind::Connect),
        "{unreachable:?}"
    );
    assert!(
        unreachable.detail.contains("token endpoint"),
        "{}",
        unreachable.detail
    );
}
