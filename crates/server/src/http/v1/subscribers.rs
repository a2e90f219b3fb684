//! Subscribers for staff: how many get emails about each service (any staff role, counts
//! only, never an address), and for admins, one address looked up and removed when its
//! owner asks by another way than the link in our emails.

use axum::Json;
use axum::extract::State;
use axum::response::Response;
use tis_core::wire::{
    ServiceSubscribers, SubscriberCounts, SubscriberFound, SubscriberLookup, SubscriberRemoved,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::WithRole;
use crate::auth::role::{Admin, Support};
use crate::http::error::AppError;
use crate::http::v1::openapi::{NotFound, StaffProblems, WriteProblems};
use crate::http::v1::{ApiJson, ApiPath, private};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(counts))
        .routes(routes!(lookup))
        .routes(routes!(remove))
}

/// How many people get emails, about what (support role).
///
/// Confirmed subscribers of all of TIS and of each service, by kind of news; those
/// waiting for confirmation; messages waiting to be sent. Counts only: no address.
#[utoipa::path(
    get,
    path = "/subscribers",
    operation_id = "count_subscribers",
    tag = "subscriptions",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The counts", body = SubscriberCounts),
        StaffProblems,
    )
)]
async fn counts(State(state): State<AppState>, _: WithRole<Support>) -> Result<Response, AppError> {
    let tally = state.store.subscriber_counts().await?;
    let chosen = |id: &str| {
        tally
            .by_service
            .iter()
            .find(|(service, _)| service == id)
            .map(|(_, counts)| *counts)
            .unwrap_or_default()
    };
    let services = state
        .config
        .services
        .iter()
        .map(|s| ServiceSubscribers {
            service: s.id.clone(),
            name: s.name.clone(),
            chosen: chosen(&s.id),
            reached: chosen(&s.id).plus(tally.all_of_tis),
        })
        .collect();
    Ok(private(Json(SubscriberCounts {
        offered: state.config.subscriptions.is_some(),
        confirmed: tally.confirmed,
        unconfirmed: tally.unconfirmed,
        waiting_messages: tally.waiting_messages,
        send_rate: state
            .config
            .subscriptions
            .as_ref()
            .map(|s| s.send_rate)
            .unwrap_or_default()
            .to_string(),
        all_of_tis: tally.all_of_tis,
        services,
    })))
}

/// Looks up one email address (admin role).
///
/// Says whether it gets emails (confirmed or waiting), since when, and what it chose.
/// A POST, so that the address is in no URL and so in no access log.
#[utoipa::path(
    post,
    path = "/subscribers/lookup",
    operation_id = "look_up_subscriber",
    tag = "subscriptions",
    request_body = SubscriberLookup,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The subscriber, or none", body = SubscriberFound),
        WriteProblems,
    )
)]
async fn lookup(
    State(state): State<AppState>,
    _: WithRole<Admin>,
    ApiJson(input): ApiJson<SubscriberLookup>,
) -> Result<Response, AppError> {
    let address = input.address().map_err(|e| AppError::Invalid(vec![e]))?;
    let subscriber = state.store.find_subscriber(&address).await?;
    Ok(private(Json(SubscriberFound { subscriber })))
}

/// Removes a subscriber (admin role).
///
/// Deletes the address with its choices and link tokens, and drops the messages
/// waiting for it, in one transaction; the audit log records it with the address only
/// as its SHA-256.
#[utoipa::path(
    delete,
    path = "/subscribers/{id}",
    operation_id = "remove_subscriber",
    tag = "subscriptions",
    params(("id" = i64, Path, description = "The subscriber's id, from a lookup")),
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "Removed", body = SubscriberRemoved),
        WriteProblems,
        NotFound,
    )
)]
async fn remove(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let messages_dropped = state
        .store
        .remove_subscriber(id, actor.change())
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "subscriber {id} (it may have been removed already)"
            ))
        })?;
    Ok(private(Json(SubscriberRemoved { messages_dropped })))
}
