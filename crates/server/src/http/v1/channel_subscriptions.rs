//! Webhook, Teams and Slack subscriptions that admins make for other teams: list, add
//! (the webhook's signing secret is answered this once), send a test message, remove.
//! The URL is a secret: no answer carries more of it than its scheme and host.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tis_core::FieldError;
use tis_core::wire::{
    ChannelSubscription, ChannelSubscriptionInput, ChannelSubscriptionList, NewChannelSubscription,
    SubscriptionChannel,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::WithRole;
use crate::auth::role::Admin;
use crate::http::error::{AppError, Problem};
use crate::http::v1::openapi::{NotFound, StaffProblems, WriteProblems};
use crate::http::v1::{ApiJson, ApiPath, private};
use crate::subscriptions::hooks::{NewHook, check_url, new_secret};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, add))
        .routes(routes!(remove))
        .routes(routes!(send_test))
}

/// Every webhook, Teams and Slack subscription (admin role).
///
/// Each with how delivery to it last went. URLs are shown as their scheme and host only.
#[utoipa::path(
    get,
    path = "/subscriptions/channels",
    operation_id = "list_channel_subscriptions",
    tag = "subscriptions",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The channel subscriptions, oldest first", body = ChannelSubscriptionList),
        StaffProblems,
    )
)]
async fn list(State(state): State<AppState>, _: WithRole<Admin>) -> Result<Response, AppError> {
    let subscriptions = state.store.channel_subscriptions().await?;
    Ok(private(Json(ChannelSubscriptionList { subscriptions })))
}

/// Subscribes another team's system or channel (admin role).
///
/// A webhook gets Statuspage's webhook shapes, signed as Standard Webhooks says; Teams
/// and Slack get a card. The URL must be `https://` (or `http://` to 127.0.0.1 or
/// localhost, for tests). A webhook's signing secret is in this answer only.
#[utoipa::path(
    post,
    path = "/subscriptions/channels",
    operation_id = "add_channel_subscription",
    tag = "subscriptions",
    request_body = ChannelSubscriptionInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 201, description = "Made; a webhook's secret is shown this once", body = NewChannelSubscription),
        WriteProblems,
        (status = 409, description = "A subscription of that kind already sends to that URL", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiJson(input): ApiJson<ChannelSubscriptionInput>,
) -> Result<Response, AppError> {
    let known: Vec<&str> = state
        .config
        .services
        .iter()
        .map(|s| s.id.as_str())
        .collect();
    let mut problems = input.problems(&known);
    let url = if problems.iter().any(|p| p.field == "url") {
        None
    } else {
        match check_url(&input.url) {
            Ok(url) => Some(url),
            Err(message) => {
                problems.push(FieldError::new("url", message));
                None
            }
        }
    };
    let Some(url) = url.filter(|_| problems.is_empty()) else {
        return Err(AppError::Invalid(problems));
    };
    let secret = match input.kind {
        SubscriptionChannel::Webhook => Some(new_secret().ok_or_else(|| {
            AppError::Internal("the OS gave no random bytes for a signing secret".into())
        })?),
        SubscriptionChannel::Teams | SubscriptionChannel::Slack => None,
    };
    let mut services = input.services.clone();
    services.sort();
    services.dedup();
    let hook = NewHook {
        kind: input.kind,
        name: input.name.trim().to_string(),
        url: url.to_string(),
        services,
        kinds: input.kinds.clone(),
        status_changes: input.status_changes,
        secret: secret.clone(),
    };
    let made = state
        .store
        .add_channel_subscription(&hook, actor.change())
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "There is already a {} subscription to that URL. Remove it first, or use it as it is.",
                input.kind.as_str()
            ))
        })?;
    let mut response = (
        StatusCode::CREATED,
        Json(NewChannelSubscription {
            subscription: made,
            secret,
        }),
    )
        .into_response();
    // The only answer that holds the secret: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// A subscription id from the address, as a problem+json when it is not one.
fn subscription_id(id: &str) -> Result<i64, AppError> {
    id.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "\"{id}\" is not a subscription id: ids are whole numbers, as GET /api/v1/subscriptions/channels lists them"
        ))
    })
}

fn no_such(id: i64) -> AppError {
    AppError::NotFound(format!("channel subscription {id}"))
}

/// Removes a channel subscription (admin role): nothing more is sent to it.
// The parameter is `subscription_id`, not `id`, so that the document says whose id it
// is: tools that chain calls by name (schemathesis's link inference) took a bare `id`
// under `/channels/` for the alert channels' ids in `GET /api/v1/alerts`, which are words.
#[utoipa::path(
    delete,
    path = "/subscriptions/channels/{subscription_id}",
    operation_id = "remove_channel_subscription",
    tag = "subscriptions",
    params(("subscription_id" = i64, Path, description = "The subscription id, as GET /api/v1/subscriptions/channels lists it")),
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "Removed; this is what it was", body = ChannelSubscription),
        WriteProblems,
        NotFound,
    )
)]
async fn remove(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let id = subscription_id(&id)?;
    let removed = state
        .store
        .remove_channel_subscription(id, actor.change())
        .await?
        .ok_or_else(|| no_such(id))?;
    Ok(private(Json(removed)))
}

/// Sends a test message to a channel subscription (admin role).
///
/// It goes through the outbox like any other message; the subscription's
/// `last_delivered_at` or `last_error` then says how it went. One that arrives resumes
/// a paused subscription.
#[utoipa::path(
    post,
    path = "/subscriptions/channels/{subscription_id}/test",
    operation_id = "test_channel_subscription",
    tag = "subscriptions",
    params(("subscription_id" = i64, Path, description = "The subscription id, as GET /api/v1/subscriptions/channels lists it")),
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 202, description = "Queued for delivery", body = ChannelSubscription),
        WriteProblems,
        NotFound,
    )
)]
async fn send_test(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let id = subscription_id(&id)?;
    let queued = state
        .store
        .test_channel_subscription(id, actor.change())
        .await?
        .ok_or_else(|| no_such(id))?;
    state.outbox.notify_one();
    Ok((StatusCode::ACCEPTED, private(Json(queued))).into_response())
}
