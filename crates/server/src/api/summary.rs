//! `GET /api/v1/summary`: the overview in one request.

use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use tis_core::wire::{Summary, headline};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/summary", get(summary))
}

async fn summary(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state
        .snapshots
        .current()
        .json("/api/v1/summary", |model| Summary {
            demo: model.demo,
            generated_at: model.generated_at,
            headline: headline(&model.services).to_string(),
            services: model.services.clone(),
            notices: model.active_notices().cloned().collect(),
            upcoming: model.upcoming_notices().cloned().collect(),
            incidents: model
                .incidents
                .iter()
                .filter(|i| i.is_active())
                .map(crate::api::public_incident)
                .collect(),
        })
        .respond(&headers)
}
