//! Services and their live status.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use tis_core::wire::ServiceList;

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/services", get(list))
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state
        .snapshots
        .current()
        .json("/api/v1/services", |model| ServiceList {
            demo: model.demo,
            generated_at: model.generated_at,
            services: model.services.clone(),
        })
        .respond(&headers)
}
