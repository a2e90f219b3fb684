//! `/api/v1`: the project's own JSON API.

mod services;

use axum::Router;

use crate::AppState;
use crate::error::AppError;

/// The largest request body a write accepts.
pub const BODY_LIMIT: usize = 256 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(services::router())
        .fallback(|| async { AppError::NotFound("such API address".into()) })
}
