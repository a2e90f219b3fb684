//! `/api/v1`: the project's own JSON API.

mod accounts;
mod alerts;
pub mod answer;
pub mod channel_subscriptions;
pub mod events;
mod glossary;
pub mod heartbeats;
pub mod incidents;
mod notices;
pub mod openapi;
pub mod openapi_rules;
pub mod probes;
pub mod services;
mod session;
pub mod subscribers;
pub mod subscriptions;
pub mod summary;

use axum::Json;
use axum::body::{Body, Bytes};
use axum::extract::rejection::JsonRejection;
use axum::extract::{
    DefaultBodyLimit, FromRequest, FromRequestParts, Path, Query, RawPathParams, Request,
};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tis_core::Incident;
use utoipa_axum::router::OpenApiRouter;

use crate::AppState;
use crate::http::error::AppError;
use crate::read::model::Model;
use crate::store::StoreError;

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
        .merge(heartbeats::router())
        .merge(alerts::router())
        .merge(subscriptions::router())
        .merge(subscribers::router())
        .merge(channel_subscriptions::router())
        .merge(crate::http::v1::events::router())
        .fallback(|| async { AppError::NotFound("such API address".into()) })
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
}

/// Like axum's `Path`, but a part of the address that does not parse (`/notices/abc`) is
/// answered with problem+json naming it, like every other refusal.
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(ApiPath(value)),
            Err(rejection) => {
                let raw = RawPathParams::from_request_parts(parts, state).await.ok();
                let params: Vec<(&str, &str)> = raw.iter().flat_map(|r| r.iter()).collect();
                Err(crate::http::error::path_problem(rejection, &params))
            }
        }
    }
}

/// Like axum's `Query`, but a query that does not fit is answered with problem+json
/// naming the field (see [`AppError`]'s `From<QueryRejection>`).
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let Query(value) = Query::<T>::from_request_parts(parts, state).await?;
        Ok(ApiQuery(value))
    }
}

/// Like axum's `Json`, but a field of fixed words sent another kind of value is answered
/// naming the words (see [`crate::http::error::body_problem`]). Taken after
/// [`crate::auth::WithRole`], so that the role is checked before the body is read.
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: serde::de::DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(request: Request, state: &S) -> Result<Self, AppError> {
        let (parts, body) = request.into_parts();
        // Read once and kept, to look into when it does not fit; within the body limit.
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| AppError::from(JsonRejection::from(e)))?;
        let again = Request::from_parts(parts, Body::from(bytes.clone()));
        match Json::<T>::from_request(again, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(crate::http::error::body_problem::<T>(rejection, &bytes)),
        }
    }
}

/// Answers about accounts, tokens and sessions name people and carry secrets: no cache,
/// in a browser or between, may keep them.
pub fn no_store() -> tower_http::set_header::SetResponseHeaderLayer<axum::http::HeaderValue> {
    tower_http::set_header::SetResponseHeaderLayer::overriding(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    )
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

/// Marks a public answer of an address that answers signed-in staff differently (with
/// `private, no-store`): a shared cache must not hand the public copy to a staff reader,
/// nor a staff copy to anyone, so the answer varies by the headers that sign a reader in.
pub fn varies_by_reader(mut response: Response) -> Response {
    response.headers_mut().insert(
        header::VARY,
        HeaderValue::from_static("Accept-Encoding, Authorization, Cookie"),
    );
    response
}

/// Whether the reader is signed-in staff (any staff role), who may see internal detail.
pub fn is_staff(actor: &Option<crate::auth::Actor>) -> bool {
    actor
        .as_ref()
        .is_some_and(|a| a.role.allows(tis_core::Role::Support))
}

/// Answers a write: waits for the store, rebuilds the snapshot so the writer's next read
/// shows the change, and sends what was stored with `status`.
pub async fn stored<T: serde::Serialize>(
    state: &AppState,
    status: StatusCode,
    write: impl Future<Output = Result<T, StoreError>>,
) -> Result<Response, AppError> {
    let record = write.await?;
    refresh(state).await;
    Ok((status, Json(record)).into_response())
}

/// The ids of the configured services, which notices and incidents may name.
/// Refuses query times outside the bounds every time in the API keeps to
/// ([`tis_core::validate::time_bounds`]), naming each one, before any handler works with
/// them: a week before the first moment chrono can hold does not exist.
pub fn check_query_times<'a>(
    times: impl IntoIterator<Item = (&'a str, Option<chrono::DateTime<chrono::Utc>>)>,
) -> Result<(), AppError> {
    let problems: Vec<_> = times
        .into_iter()
        .filter_map(|(field, at)| at.and_then(|at| tis_core::validate::check_time(field, at)))
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(AppError::BadQuery(problems))
    }
}

pub fn known_services(state: &AppState) -> Vec<&str> {
    state
        .config
        .services
        .iter()
        .map(|s| s.id.as_str())
        .collect()
}

/// Rebuilds the snapshot now, so the writer's next read shows their change, and tells
/// the background rebuild (and so live readers) that data changed.
pub async fn refresh(state: &AppState) {
    let ticket = state.snapshots.begin_load();
    match Model::load(state, chrono::Utc::now()).await {
        Ok(model) => {
            state.snapshots.replace_loaded(model, ticket);
        }
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
