//! Email subscriptions in the API: ask for emails, confirm with the token from the
//! confirmation email, see the choices and unsubscribe with the token from any email.
//! Public, with no sign-in: the tokens are the proof of owning the address.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tis_core::wire::{
    CHECK_YOUR_EMAIL, SubscriptionAccepted, SubscriptionRequest, SubscriptionToken,
    SubscriptionView, is_token,
};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::sha256_hex;
use crate::http::error::{AppError, Problem};
use crate::http::v1::openapi::{BadQuery, NotFound};
use crate::http::v1::{ApiJson, ApiQuery, private};
use crate::subscriptions::{self, Refused};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(subscribe))
        .routes(routes!(confirm))
        .routes(routes!(mine))
        .routes(routes!(unsubscribe))
}

impl From<Refused> for AppError {
    fn from(refused: Refused) -> AppError {
        match refused {
            Refused::NotOffered => AppError::NotFound("email subscription on this server".into()),
            Refused::TooFast(retry_after_secs) => AppError::TooFast {
                retry_after_secs,
                detail: format!(
                    "This computer asked for emails more than {} times in a short while. Wait {retry_after_secs} seconds and try again.",
                    subscriptions::CLIENT_BURST
                ),
            },
            Refused::Invalid(problems) => AppError::Invalid(problems),
            Refused::Store(e) => AppError::Store(e),
        }
    }
}

/// Asks for emails about incidents and planned maintenance (public).
///
/// Sends a confirmation email with a link; nothing else is sent until it is followed,
/// and an address never confirmed is forgotten after 48 hours. The answer is the same
/// whether or not the address already gets emails. An address is sent at most 3
/// confirmation emails a day, and each client may ask 10 times at once, then once every
/// 30 seconds.
#[utoipa::path(
    post,
    path = "/subscriptions",
    operation_id = "subscribe",
    tag = "subscriptions",
    request_body = SubscriptionRequest,
    responses(
        (status = 202, description = "Taken: check your email", body = SubscriptionAccepted),
        (status = 400, description = "The body is not JSON of this shape", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 256 KB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field breaks the rules (an address that is not one, an unknown service): `errors` lists each", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "This client asked too often; wait for the seconds in Retry-After", body = Problem, content_type = "application/problem+json"),
        NotFound,
    )
)]
async fn subscribe(
    State(state): State<AppState>,
    crate::http::client::ClientAddr(client): crate::http::client::ClientAddr,
    ApiJson(request): ApiJson<SubscriptionRequest>,
) -> Result<Response, AppError> {
    subscriptions::take(
        &state,
        client.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
        &request,
    )
    .await?;
    let answer = SubscriptionAccepted {
        message: CHECK_YOUR_EMAIL.into(),
    };
    Ok(private((StatusCode::ACCEPTED, Json(answer))))
}

fn token_hash(token: &str) -> Result<String, AppError> {
    if !is_token(token) {
        return Err(AppError::Invalid(vec![tis_core::FieldError::new(
            "token",
            "A token is the 43 letters, digits, - and _ after token= in the link we sent. Copy the whole link.",
        )]));
    }
    Ok(sha256_hex(token))
}

fn expired() -> AppError {
    AppError::NotFound(
        "subscription with this link: it was ended, or never confirmed within 48 hours".into(),
    )
}

/// Confirms an address (public).
///
/// With the token from the confirmation email.
#[utoipa::path(
    post,
    path = "/subscriptions/confirm",
    operation_id = "confirm_subscription",
    tag = "subscriptions",
    request_body = SubscriptionToken,
    responses(
        (status = 200, description = "Confirmed: emails start now", body = SubscriptionView),
        (status = 400, description = "The body is not JSON of this shape", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 256 KB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The token is not one of ours in form", body = Problem, content_type = "application/problem+json"),
        NotFound,
    )
)]
async fn confirm(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SubscriptionToken>,
) -> Result<Response, AppError> {
    let hash = token_hash(&body.token)?;
    let view = state
        .store
        .confirm_subscription(&hash, chrono::Utc::now())
        .await?
        .ok_or_else(expired)?;
    Ok(private(Json(view)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct TokenQuery {
    /// The token from a link in one of our emails.
    #[param(min_length = 43, max_length = 43, pattern = "^[A-Za-z0-9_-]{43}$")]
    token: String,
}

/// What a subscription gets (public).
///
/// Found with the token from any of its emails.
#[utoipa::path(
    get,
    path = "/subscriptions/mine",
    operation_id = "get_subscription",
    tag = "subscriptions",
    params(TokenQuery),
    responses(
        (status = 200, description = "The subscription's choices", body = SubscriptionView),
        BadQuery,
        (status = 422, description = "The token is not one of ours in form", body = Problem, content_type = "application/problem+json"),
        NotFound,
    )
)]
async fn mine(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<TokenQuery>,
) -> Result<Response, AppError> {
    let hash = token_hash(&q.token)?;
    let view = state.store.subscription(&hash).await?.ok_or_else(expired)?;
    Ok(private(Json(view)))
}

/// Stops every email and deletes the address (public).
///
/// With the token from any of its emails.
#[utoipa::path(
    post,
    path = "/subscriptions/unsubscribe",
    operation_id = "unsubscribe",
    tag = "subscriptions",
    request_body = SubscriptionToken,
    responses(
        (status = 204, description = "Deleted: nothing more is sent"),
        (status = 400, description = "The body is not JSON of this shape", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 256 KB", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The token is not one of ours in form", body = Problem, content_type = "application/problem+json"),
        NotFound,
    )
)]
async fn unsubscribe(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SubscriptionToken>,
) -> Result<Response, AppError> {
    let hash = token_hash(&body.token)?;
    if !state.store.unsubscribe(&hash).await? {
        return Err(expired());
    }
    Ok(StatusCode::NO_CONTENT.into_response())
}
