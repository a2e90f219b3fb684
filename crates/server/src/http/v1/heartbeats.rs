//! `/api/v1/heartbeats/{service}/{n}` (and `/start`, `/fail`): batch jobs report in with
//! their heartbeat's own token; and `GET /api/v1/services/{id}/probes`, each probe of a
//! service as staff see it, with a heartbeat's last reports.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::{Deserialize, Serialize};
use tis_core::service::{PING_MESSAGE_MAX, clean_message};
use tis_core::status::probe_id;
use tis_core::wire::{StaffProbe, StaffServiceDetail, probe_in_words};
use tis_core::{FieldError, HeartbeatPing, PingKind};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::WithRole;
use crate::auth::role::Support;
use crate::auth::sha256_hex;
use crate::heartbeat::{Heartbeat, judge};
use crate::http::error::{AppError, Problem};
use crate::http::v1::openapi::{BadQuery, NotFound, StaffProblems};
use crate::http::v1::{ApiPath, ApiQuery, private, refresh};
use crate::store::NewPing;

/// The security scheme of heartbeat tokens.
pub const HEARTBEAT: &str = "heartbeat";

/// Results shown per probe on the staff service page.
const RESULTS_SHOWN: usize = 10;
/// Reports shown per heartbeat on the staff service page.
const PINGS_SHOWN: usize = 20;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(success_post, success_get))
        .routes(routes!(start_post, start_get))
        .routes(routes!(fail_post, fail_get))
        .routes(routes!(probes))
}

/// The heartbeat an address names: `{service}/{n}`.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
struct HeartbeatPath {
    /// The service id, e.g. `esr`.
    service: String,
    /// Which of the service's probes, counting from 1 (`esr/2` is the second).
    #[param(minimum = 1)]
    n: u32,
}

/// What a job may say when it fails.
#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct FailQuery {
    /// What went wrong, in plain text, at most 500 characters (line breaks and other
    /// control characters become spaces). Shown to staff only. A request body, when
    /// there is one, is used instead.
    #[param(max_length = 500)]
    message: Option<String>,
}

/// No query parameters.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NoQuery {}

/// A report that was recorded.
#[derive(Serialize, ToSchema)]
struct Recorded {
    /// The heartbeat's probe id, e.g. `esr/2`.
    probe: String,
    ping: HeartbeatPing,
}

/// What a report may be refused with.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)] // Only described, never built: the handlers answer with `AppError`.
enum PingProblems {
    /// `n` is not a whole number, the query has a parameter this address does not take,
    /// or the message is too long or not text. The detail names the field.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No token, or not this heartbeat's token. Nothing was recorded.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// There is no such service, or that probe of it is not a heartbeat.
    #[response(status = 404, content_type = "application/problem+json")]
    NotFound(Problem),
    /// The body is larger than 256 KB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
}

/// The heartbeat `path` names, or 404.
fn heartbeat(state: &AppState, path: &HeartbeatPath) -> Result<Heartbeat, AppError> {
    let not_found = || {
        AppError::NotFound(format!(
            "heartbeat called \"{}/{}\" (heartbeats are probes with kind = \"heartbeat\" in the config)",
            path.service, path.n
        ))
    };
    let service = state
        .config
        .services
        .iter()
        .find(|s| s.id == path.service)
        .ok_or_else(not_found)?;
    let index = usize::try_from(path.n).ok().and_then(|n| n.checked_sub(1));
    index
        .and_then(|i| Heartbeat::of(service, i))
        .ok_or_else(not_found)
}

/// The bearer token of the request, if it sends one. Tokens in the address are not
/// taken: addresses end up in logs.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .split_once(' ')
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty() && t.len() <= 128)
}

/// The message as kept, or the refusal naming `field` (`body`: 422; the query: 400) when
/// it is too long.
fn kept_message(field: &str, message: &str) -> Result<String, AppError> {
    clean_message(message).ok_or_else(|| {
        let problem = FieldError::new(
            field,
            format!(
                "The message is {} characters long. Send at most {PING_MESSAGE_MAX}.",
                message.chars().count()
            ),
        );
        if field == "body" {
            AppError::Invalid(vec![problem])
        } else {
            AppError::BadQuery(vec![problem])
        }
    })
}

/// Keeps a report and the judgement it makes, in one transaction; 401 and nothing kept
/// without the heartbeat's own token.
async fn report(
    state: &AppState,
    path: HeartbeatPath,
    headers: &HeaderMap,
    kind: PingKind,
    message: Option<&str>,
    field: &str,
) -> Result<Response, AppError> {
    let heartbeat = heartbeat(state, &path)?;
    let message = match message {
        None => String::new(),
        Some(m) => kept_message(field, m)?,
    };
    let token_hash = sha256_hex(bearer(headers).ok_or(AppError::HeartbeatToken)?);
    let location = state.config.location().to_string();
    let judged = heartbeat.clone();
    let (ping, result) = state
        .store
        .add_heartbeat_ping(
            NewPing {
                probe: &heartbeat.id,
                token_hash: &token_hash,
                kind,
                message: &message,
                at: Utc::now(),
            },
            Box::new(move |record| {
                let now = Utc::now();
                judge(&judged, record, now).result(&judged, now, &location)
            }),
        )
        .await?
        .ok_or(AppError::HeartbeatToken)?;
    state.metrics.observe_results(std::slice::from_ref(&result));
    refresh(state).await;
    Ok(Json(Recorded {
        probe: heartbeat.id,
        ping,
    })
    .into_response())
}

/// The job finished well.
///
/// Send the heartbeat's own token as `Authorization: Bearer <token>` (never in the
/// address, which ends up in logs). The heartbeat is working again at once.
#[utoipa::path(
    post,
    path = "/heartbeats/{service}/{n}",
    operation_id = "heartbeat_success",
    tag = "heartbeats",
    params(HeartbeatPath),
    security(("heartbeat" = [])),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        PingProblems,
    )
)]
async fn success_post(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HeartbeatPath>,
    ApiQuery(_): ApiQuery<NoQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    report(&state, path, &headers, PingKind::Success, None, "").await
}

/// The job finished well (GET, for `curl` in a crontab).
///
/// The same as the POST.
#[utoipa::path(
    get,
    path = "/heartbeats/{service}/{n}",
    operation_id = "heartbeat_success_get",
    tag = "heartbeats",
    params(HeartbeatPath),
    security(("heartbeat" = [])),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        PingProblems,
    )
)]
async fn success_get(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HeartbeatPath>,
    ApiQuery(_): ApiQuery<NoQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    report(&state, path, &headers, PingKind::Success, None, "").await
}

/// A run of the job began.
///
/// From then on the run must finish (success or fail) within the heartbeat's `grace`,
/// and the time it took is recorded.
#[utoipa::path(
    post,
    path = "/heartbeats/{service}/{n}/start",
    operation_id = "heartbeat_start",
    tag = "heartbeats",
    params(HeartbeatPath),
    security(("heartbeat" = [])),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        PingProblems,
    )
)]
async fn start_post(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HeartbeatPath>,
    ApiQuery(_): ApiQuery<NoQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    report(&state, path, &headers, PingKind::Start, None, "").await
}

/// A run of the job began (GET, for `curl` in a crontab).
///
/// The same as the POST.
#[utoipa::path(
    get,
    path = "/heartbeats/{service}/{n}/start",
    operation_id = "heartbeat_start_get",
    tag = "heartbeats",
    params(HeartbeatPath),
    security(("heartbeat" = [])),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        PingProblems,
    )
)]
async fn start_get(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HeartbeatPath>,
    ApiQuery(_): ApiQuery<NoQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    report(&state, path, &headers, PingKind::Start, None, "").await
}

/// The job failed.
///
/// The message, as plain text in the body or as `?message=`, is shown to staff only;
/// the public read that the job reported a failure, and when. The service is down
/// until the job next succeeds.
#[utoipa::path(
    post,
    path = "/heartbeats/{service}/{n}/fail",
    operation_id = "heartbeat_fail",
    tag = "heartbeats",
    params(HeartbeatPath, FailQuery),
    request_body(
        content = String,
        content_type = "text/plain",
        description = "What went wrong, at most 500 characters; may be empty",
    ),
    security(("heartbeat" = [])),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        PingProblems,
        (status = 422, description = "The body is more than 500 characters long", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn fail_post(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HeartbeatPath>,
    ApiQuery(query): ApiQuery<FailQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let body = String::from_utf8(body.to_vec()).map_err(|_| {
        AppError::Unreadable(FieldError::new(
            "body",
            "The message is not text (UTF-8). Send plain text.",
        ))
    })?;
    // The query is held to its rules even when the body is what is kept, so that a
    // request the document forbids is never taken.
    if let Some(m) = &query.message {
        kept_message("message", m)?;
    }
    let (message, field) = if body.is_empty() {
        (query.message, "message")
    } else {
        (Some(body), "body")
    };
    report(
        &state,
        path,
        &headers,
        PingKind::Fail,
        message.as_deref(),
        field,
    )
    .await
}

/// The job failed (GET, for `curl` in a crontab).
///
/// The same as the POST, with the message only as `?message=`.
#[utoipa::path(
    get,
    path = "/heartbeats/{service}/{n}/fail",
    operation_id = "heartbeat_fail_get",
    tag = "heartbeats",
    params(HeartbeatPath, FailQuery),
    security(("heartbeat" = [])),
    responses(
        (status = 200, description = "Recorded", body = Recorded),
        PingProblems,
    )
)]
async fn fail_get(
    State(state): State<AppState>,
    ApiPath(path): ApiPath<HeartbeatPath>,
    ApiQuery(query): ApiQuery<FailQuery>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    report(
        &state,
        path,
        &headers,
        PingKind::Fail,
        query.message.as_deref(),
        "message",
    )
    .await
}

/// Each probe of a service as staff see it (support role).
///
/// What each probe checks, its latest results with what each check said, and for a
/// heartbeat the job's last reports: when, what, how long the run took, and its
/// message.
#[utoipa::path(
    get,
    path = "/services/{id}/probes",
    operation_id = "get_service_probes",
    tag = "services",
    params(("id" = String, Path, description = "The service id, e.g. `esr`")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The service and its probes", body = StaffServiceDetail),
        StaffProblems,
        NotFound,
        BadQuery,
    )
)]
async fn probes(
    State(state): State<AppState>,
    _: WithRole<Support>,
    ApiPath(id): ApiPath<String>,
) -> Result<Response, AppError> {
    let service = state
        .config
        .services
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::NotFound(format!("service called \"{id}\"")))?;
    let shown = state
        .snapshots
        .current()
        .model
        .services
        .iter()
        .find(|s| s.id == id)
        .cloned()
        .ok_or_else(|| AppError::NotFound(format!("service called \"{id}\"")))?;
    let recent = state
        .store
        .service_results_page(
            &id,
            None,
            (RESULTS_SHOWN * service.probes.len().max(1) * 4) as u32,
        )
        .await?;
    let mut probes = Vec::new();
    for (i, probe) in service.probes.iter().enumerate() {
        let pid = probe_id(&service.id, i);
        let results = recent
            .iter()
            .filter(|r| r.probe == pid)
            .take(RESULTS_SHOWN)
            .cloned()
            .collect();
        let (pings, has_token) = if probe.kind.is_heartbeat() {
            let record = state.store.heartbeat(&pid).await?;
            let mut pings = record.pings;
            pings.truncate(PINGS_SHOWN);
            (pings, Some(record.token_since.is_some()))
        } else {
            (Vec::new(), None)
        };
        probes.push(StaffProbe {
            id: pid,
            info: probe_in_words(&service.name, probe),
            results,
            pings,
            has_token,
        });
    }
    Ok(private(Json(StaffServiceDetail {
        service: shown,
        probes,
    })))
}
