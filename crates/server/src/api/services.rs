//! Services and their live status.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use tis_core::wire::ServiceList;

use crate::AppState;
use crate::error::AppError;
use crate::live::service_states;

pub fn router() -> Router<AppState> {
    Router::new().route("/services", get(list))
}

async fn list(State(state): State<AppState>) -> Result<Json<ServiceList>, AppError> {
    let now = Utc::now();
    Ok(Json(ServiceList {
        demo: state.demo,
        generated_at: now,
        services: service_states(&state, now).await?,
    }))
}
