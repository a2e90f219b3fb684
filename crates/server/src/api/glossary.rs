//! The glossary behind the plain-language hints: read by anyone (the editor checks text
//! as people type), changed by editors. Until an editor saves one, the built-in terms apply.

use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::Utc;
use tis_core::Role;
use tis_core::manage::{Glossary, validate_glossary};
use tis_core::plain::default_glossary;

use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;
use crate::store::Change;

pub fn router() -> Router<AppState> {
    Router::new().route("/glossary", get(read).put(save))
}

/// Small and changed rarely, but a change must reach every editor at once.
fn fresh(glossary: Glossary) -> Response {
    let mut response = Json(glossary).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `GET /api/v1/glossary`.
async fn read(State(state): State<AppState>) -> Result<Response, AppError> {
    let terms = state
        .store
        .glossary()
        .await?
        .unwrap_or_else(default_glossary);
    Ok(fresh(Glossary { terms }))
}

/// `PUT /api/v1/glossary`: replaces the whole list.
async fn save(
    State(state): State<AppState>,
    actor: Actor,
    body: Result<Json<Glossary>, JsonRejection>,
) -> Result<Response, AppError> {
    actor.require(Role::Editor)?;
    let Json(glossary) = body?;
    validate_glossary(&glossary).map_err(AppError::Invalid)?;
    let glossary = glossary.tidied();
    state
        .store
        .save_glossary(
            &glossary.terms,
            Change {
                actor: &actor.name,
                at: Utc::now(),
            },
        )
        .await?;
    Ok(fresh(glossary))
}
