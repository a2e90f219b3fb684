//! The glossary behind the plain-language hints: read by anyone (the editor checks text
//! as people type), changed by editors. Until an editor saves one, the built-in terms apply.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use tis_core::plain::default_glossary;
use tis_core::staff::validate_glossary;
use tis_core::wire::Glossary;

use crate::AppState;
use crate::auth::WithRole;
use crate::auth::role::Editor;
use crate::http::error::AppError;
use crate::http::v1::ApiJson;
use crate::http::v1::openapi::WriteProblems;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(read, save))
}

/// Small and changed rarely, but a change must reach every editor at once.
fn fresh(glossary: Glossary) -> Response {
    let mut response = Json(glossary).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// The terms the writing hints flag, each with plain words to use instead.
#[utoipa::path(
    get,
    path = "/glossary",
    operation_id = "get_glossary",
    tag = "glossary",
    responses((status = 200, description = "The glossary", body = Glossary))
)]
async fn read(State(state): State<AppState>) -> Result<Response, AppError> {
    let terms = state
        .store
        .glossary()
        .await?
        .unwrap_or_else(default_glossary);
    Ok(fresh(Glossary { terms }))
}

/// Replaces the whole list.
#[utoipa::path(
    put,
    path = "/glossary",
    operation_id = "save_glossary",
    tag = "glossary",
    request_body = Glossary,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The glossary as saved", body = Glossary),
        WriteProblems,
    )
)]
async fn save(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Editor>,
    ApiJson(glossary): ApiJson<Glossary>,
) -> Result<Response, AppError> {
    validate_glossary(&glossary).map_err(AppError::Invalid)?;
    let glossary = glossary.tidied();
    state
        .store
        .save_glossary(&glossary.terms, actor.change())
        .await?;
    Ok(fresh(glossary))
}
