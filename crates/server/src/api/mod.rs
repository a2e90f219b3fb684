//! `/api/v1`: the project's own JSON API.

mod accounts;
mod glossary;
mod incidents;
mod notices;
mod probes;
mod services;
mod session;
mod summary;

use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tis_core::Incident;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::error::AppError;
use crate::model::Model;

/// The largest request body a write accepts.
pub const BODY_LIMIT: usize = 256 * 1024;

/// Every `/api/v1` route, each registered with its OpenAPI description (see `openapi`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .merge(services::router())
        .merge(session::router())
        .merge(accounts::router())
        .merge(summary::router())
        .merge(notices::router())
        .merge(incidents::router())
        .merge(glossary::router())
        .merge(probes::router())
        .merge(crate::events::router())
        .fallback(|| async { AppError::NotFound("such API address".into()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// An answer meant for one signed-in person: never stored by shared caches.
pub fn private(body: impl IntoResponse) -> Response {
    let mut response = body.into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    response
}

/// Rebuilds the snapshot now, so the writer's next read shows their change, and tells
/// the background rebuild (and so live readers) that data changed.
pub async fn refresh(state: &AppState) {
    match Model::load(state, chrono::Utc::now()).await {
        Ok(model) => state.snapshots.replace(model),
        Err(e) => tracing::error!(error = %e, "could not rebuild the snapshot after a write"),
    }
    state.changed();
}

/// An incident as the public sees it: the report is left out (its public parts travel
/// separately, and only once published).
pub fn public_incident(incident: &Incident) -> Incident {
    Incident {
        report: None,
        ..incident.clone()
    }
}
