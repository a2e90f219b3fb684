//! `/healthz` and `/readyz` for load balancers and orchestrators: is the process up, and
//! should it be sent readers now.

use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tis_core::problem::ProblemType;

use crate::AppState;
use crate::http::error::Problem;

/// Older than this, the live status shown would be stale: the rebuild loop has stopped or
/// keeps failing, and readers are better sent to another instance.
const SNAPSHOT_FRESH_FOR: Duration = Duration::from_secs(30);
/// A store that takes longer than this to answer a trivial query is not serving anyone.
const STORE_TIMEOUT: Duration = Duration::from_secs(2);

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up and answering HTTP. Nothing else is checked: a restart would not fix
/// a slow store.
async fn healthz() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "ok",
    )
        .into_response()
}

/// Ready for readers: not stopping, the store answers, and the snapshot is recent.
async fn readyz(State(state): State<AppState>) -> Response {
    if state.events.is_closed() {
        return unavailable("The server is stopping; send readers elsewhere.");
    }
    match tokio::time::timeout(STORE_TIMEOUT, state.store.ping()).await {
        Err(_) => {
            return unavailable(&format!(
                "The store did not answer within {} seconds.",
                STORE_TIMEOUT.as_secs()
            ));
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: the store cannot be reached");
            return unavailable("The store cannot be reached. The server log says why.");
        }
        Ok(Ok(())) => {}
    }
    let built = state.snapshots.current().model.generated_at;
    let age = chrono::Utc::now().signed_duration_since(built);
    if age.num_milliseconds() > SNAPSHOT_FRESH_FOR.as_millis() as i64 {
        return unavailable(&format!(
            "The live status was last worked out {} seconds ago (the limit is {}): \
             snapshots are not being rebuilt. The server log says why.",
            age.num_seconds(),
            SNAPSHOT_FRESH_FOR.as_secs()
        ));
    }
    (
        [
            (header::CONTENT_TYPE, "text/plain; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        "ready",
    )
        .into_response()
}

/// A 503 problem (RFC 9457) saying why the server cannot serve now.
pub fn unavailable(detail: &str) -> Response {
    let body = serde_json::to_string(&Problem::new(
        ProblemType::Unavailable,
        StatusCode::SERVICE_UNAVAILABLE,
        detail.to_string(),
    ))
    .unwrap_or_default();
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [
            (header::CONTENT_TYPE, "application/problem+json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}
