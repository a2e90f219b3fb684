//! Team alerts for staff: what was sent, to which channel and how delivery went
//! (`GET /api/v1/alerts`), and a test alert an admin sends to try a channel.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use tis_core::alert::{AlertsOverview, Delivery, TestAlertInput};
use tis_core::validate::FieldError;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::alerts::outbox;
use crate::auth::WithRole;
use crate::auth::role::{Admin, Support};
use crate::http::error::AppError;
use crate::http::v1::openapi::{StaffProblems, WriteProblems};
use crate::http::v1::{ApiJson, private};
use crate::store::OutboxMessage;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(overview))
        .routes(routes!(send_test))
}

/// How many deliveries the overview lists.
const LISTED: u32 = 200;

/// The alert channels and the newest alerts sent, with how delivery went (support role).
///
/// Each delivery is one alert to one channel: its state, how many tries it took, and the
/// last delivery error in words. Newest first, at most 200.
#[utoipa::path(
    get,
    path = "/alerts",
    operation_id = "list_alerts",
    tag = "alerts",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "Channels and deliveries", body = AlertsOverview),
        StaffProblems,
    )
)]
async fn overview(
    State(state): State<AppState>,
    _: WithRole<Support>,
) -> Result<Response, AppError> {
    let now = chrono::Utc::now();
    let deliveries = state
        .store
        .outbox(LISTED)
        .await?
        .iter()
        .filter(|e| e.message.kind == outbox::KIND)
        .filter_map(|e| outbox::delivery(e, now))
        .collect();
    Ok(private(Json(AlertsOverview {
        channels: state.config.channels.iter().map(|c| c.info()).collect(),
        deliveries,
    })))
}

/// Sends a test alert to a channel (admin role).
///
/// The alert goes through the outbox like any other, so the answer is the delivery as
/// queued; `GET /api/v1/alerts` shows whether it arrived.
#[utoipa::path(
    post,
    path = "/alerts/test",
    operation_id = "send_test_alert",
    tag = "alerts",
    request_body = TestAlertInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 202, description = "Queued for delivery", body = Delivery),
        WriteProblems,
    )
)]
async fn send_test(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiJson(input): ApiJson<TestAlertInput>,
) -> Result<Response, AppError> {
    if !state.config.channels.iter().any(|c| c.id == input.channel) {
        let known: Vec<&str> = state
            .config
            .channels
            .iter()
            .map(|c| c.id.as_str())
            .collect();
        return Err(AppError::Invalid(vec![FieldError {
            field: "channel".into(),
            message: if known.is_empty() {
                "there are no alert channels: add a [[channel]] to the config".into()
            } else {
                format!(
                    "there is no channel \"{}\"; use one of: {}",
                    input.channel,
                    known.join(", ")
                )
            },
        }]));
    }
    let change = actor.change();
    let base = state.snapshots.current().model.page.url.clone();
    let alert = outbox::test_alert(&actor.name, &base, change.at);
    let message = OutboxMessage {
        message_id: outbox::new_message_id(),
        kind: outbox::KIND.into(),
        channel: input.channel.clone(),
        payload: serde_json::to_string(&alert).unwrap_or_default(),
    };
    state
        .store
        .enqueue_messages(std::slice::from_ref(&message), change)
        .await?;
    state.outbox.notify_one();
    let queued = state
        .store
        .outbox(LISTED)
        .await?
        .into_iter()
        .find(|e| e.message.message_id == message.message_id)
        .and_then(|e| outbox::delivery(&e, chrono::Utc::now()))
        .ok_or_else(|| AppError::NotFound("the queued test alert".into()))?;
    Ok((StatusCode::ACCEPTED, private(Json(queued))).into_response())
}
