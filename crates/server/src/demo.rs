//! The built-in demo: a small estate of real HTTP endpoints on 127.0.0.1 that behave
//! like TIS services (actuator health, a Keycloak-like token endpoint, an API that
//! wants a token), probed for real, plus demo notices and incidents.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use serde::Deserialize;
use serde_json::json;

/// Demo incidents and notices, loaded through the same import path users use.
pub const DEMO_RECORDS: &str = include_str!("../demo/records.json");
pub const DEMO_RECORDS_NAME: &str = "built-in demo records (crates/server/demo/records.json)";
/// The variable the demo config names for the probes' client secret.
pub const DEMO_SECRET_ENV: &str = "TIS_DEMO_CLIENT_SECRET";

struct Estate {
    secret: String,
    base: String,
}

/// A running demo estate.
pub struct DemoEstate {
    pub base_url: String,
    pub secret: String,
}

/// Starts the estate on a free port of 127.0.0.1; it runs until the process ends.
pub async fn start() -> std::io::Result<DemoEstate> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let base_url = format!("http://{}", listener.local_addr()?);
    // Not a real secret: it only stops the demo token endpoint accepting anything at all.
    let secret = format!(
        "demo-{:x}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default()
    );
    let estate = Arc::new(Estate {
        secret: secret.clone(),
        base: base_url.clone(),
    });
    let app = Router::new()
        .route(
            "/auth/realms/tis/.well-known/openid-configuration",
            get(openid_configuration),
        )
        .route(
            "/auth/realms/tis/protocol/openid-connect/token",
            post(token),
        )
        .route("/{service}/actuator/health", get(health))
        .route("/{service}/api/ping", get(ping))
        .with_state(estate);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            tracing::error!(error = %e, "the demo estate stopped");
        }
    });
    Ok(DemoEstate { base_url, secret })
}

async fn openid_configuration(State(estate): State<Arc<Estate>>) -> Json<serde_json::Value> {
    let realm = format!("{}/auth/realms/tis", estate.base);
    Json(json!({
        "issuer": realm,
        "token_endpoint": format!("{realm}/protocol/openid-connect/token"),
        "grant_types_supported": ["client_credentials"],
    }))
}

#[derive(Deserialize)]
struct TokenRequest {
    grant_type: String,
    client_id: String,
    client_secret: String,
}

async fn token(State(estate): State<Arc<Estate>>, Form(req): Form<TokenRequest>) -> Response {
    if req.grant_type != "client_credentials" || req.client_secret != estate.secret {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "unauthorized_client"})),
        )
            .into_response();
    }
    Json(json!({
        "access_token": format!("demo.{}.{}", req.client_id, estate.secret),
        "token_type": "Bearer",
        "expires_in": 300,
    }))
    .into_response()
}

async fn health(Path(_service): Path<String>) -> Json<serde_json::Value> {
    Json(json!({"status": "UP", "components": {"db": {"status": "UP"}}}))
}

async fn ping(
    State(estate): State<Arc<Estate>>,
    Path(service): Path<String>,
    headers: HeaderMap,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match token {
        Some(t) if t == format!("demo.{service}.{}", estate.secret) => {
            Json(json!({"pong": true})).into_response()
        }
        _ => (StatusCode::UNAUTHORIZED, "sign in first").into_response(),
    }
}
