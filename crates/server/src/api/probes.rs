//! `POST /api/v1/probe-results`: results pushed by standalone probers, with a token; and
//! `GET /api/v1/status-changes`: when services went into or out of trouble, for incident
//! timelines.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tis_core::status::{StatusChange, probe_id};
use tis_core::{FieldError, ProbeResult, Role};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;

/// Most results one push may carry.
pub const PUSH_MAX: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push))
        .routes(routes!(status_changes))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Push {
    results: Vec<ProbeResult>,
}

/// Pushes probe results (prober role).
///
/// For standalone probers, with a token that has the prober role; at most 1000 results
/// at a time. Status, uptime and latency take them into account at once.
#[utoipa::path(
    post,
    path = "/probe-results",
    operation_id = "push_probe_results",
    tag = "probes",
    request_body = Push,
    security(("token" = []), ("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "All results were stored", body = crate::openapi::Accepted),
        crate::openapi::WriteProblems,
    )
)]
async fn push(
    State(state): State<AppState>,
    actor: Actor,
    body: Result<Json<Push>, JsonRejection>,
) -> Result<Response, AppError> {
    actor.require(Role::Prober)?;
    let Json(mut push) = body?;
    let problems = check(&state, &push.results, Utc::now());
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    // A prober that does not say where it is is known by its token's name, so that two
    // probers' results are never taken for one location's.
    let token_name = actor.name.strip_prefix("token ").unwrap_or(&actor.name);
    for r in &mut push.results {
        if r.location.is_none() {
            r.location = Some(token_name.to_string());
        }
    }
    state.store.add_probe_results(&push.results).await?;
    state.changed();
    Ok(Json(serde_json::json!({ "accepted": push.results.len() })).into_response())
}

fn check(state: &AppState, results: &[ProbeResult], now: chrono::DateTime<Utc>) -> Vec<FieldError> {
    let mut problems = Vec::new();
    if results.is_empty() {
        problems.push(FieldError::new("results", "Send at least one result."));
    }
    if results.len() > PUSH_MAX {
        problems.push(FieldError::new(
            "results",
            format!(
                "Send at most {PUSH_MAX} results at a time; you sent {}.",
                results.len()
            ),
        ));
    }
    for (i, r) in results.iter().enumerate() {
        let field = |name: &str| format!("results[{i}].{name}");
        match state.config.services.iter().find(|s| s.id == r.service) {
            None => problems.push(FieldError::new(
                field("service"),
                format!(
                    "There is no service called \"{}\" in this server's config.",
                    r.service
                ),
            )),
            Some(service) => {
                let ids: Vec<String> = (0..service.probes.len())
                    .map(|n| probe_id(&service.id, n))
                    .collect();
                if !ids.contains(&r.probe) {
                    problems.push(FieldError::new(
                        field("probe"),
                        format!(
                            "\"{}\" is not a probe of {}. Use one of: {}.",
                            r.probe,
                            service.id,
                            ids.join(", ")
                        ),
                    ));
                }
            }
        }
        // Clocks drift a little; a result from further in the future is a broken clock.
        if r.at > now + Duration::minutes(5) {
            problems.push(FieldError::new(
                field("at"),
                "This time is in the future. Check the prober's clock.",
            ));
        }
        if let Some(location) = &r.location {
            if let Err(e) = crate::config::check_location(location) {
                problems.push(FieldError::new(field("location"), e));
            } else if location == state.config.location() {
                // Mixed into this server's own results, both streams would be misjudged.
                problems.push(FieldError::new(
                    field("location"),
                    format!(
                        "\"{location}\" is where this server's own probes run. Give the prober a location of its own with --location."
                    ),
                ));
            }
        }
        if r.degraded && !r.ok {
            problems.push(FieldError::new(
                field("degraded"),
                "Only a successful result can be degraded.",
            ));
        }
        if r.ok && r.error_kind.is_some() {
            problems.push(FieldError::new(
                field("error_kind"),
                "A successful result has no error_kind.",
            ));
        }
    }
    problems
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ChangesQuery {
    /// One service's changes only.
    service: Option<String>,
    /// From this time (RFC 3339), from 2000-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z; a week before `to` if absent.
    from: Option<DateTime<Utc>>,
    /// Up to this time (RFC 3339), from 2000-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z; now if absent.
    to: Option<DateTime<Utc>>,
}

/// The longest window one request may cover.
const CHANGES_MAX_DAYS: i64 = 400;

/// The status changes in a stretch of time, oldest first.
#[derive(Serialize, ToSchema)]
struct StatusChanges {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    changes: Vec<StatusChange>,
}

/// When services went down, recovered or changed how badly they failed, oldest first.
///
/// What the probes saw, to lay over an incident's timeline.
#[utoipa::path(
    get,
    path = "/status-changes",
    operation_id = "list_status_changes",
    tag = "probes",
    params(ChangesQuery),
    responses(
        (status = 200, description = "The changes, oldest first", body = StatusChanges),
        crate::openapi::BadQuery,
    )
)]
async fn status_changes(
    State(state): State<AppState>,
    query: Result<Query<ChangesQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let Query(query) = query?;
    crate::api::check_query_times([("from", query.from), ("to", query.to)])?;
    let to = query.to.unwrap_or_else(Utc::now);
    // A week before, but never before the first time the API takes, which the
    // answer's `from` must also keep to.
    let earliest = tis_core::validate::time_bounds().0;
    let from = query
        .from
        .unwrap_or_else(|| (to - Duration::days(7)).max(earliest));
    let mut problems = Vec::new();
    if let Some(id) = &query.service
        && !state.config.services.iter().any(|s| &s.id == id)
    {
        problems.push(FieldError::new(
            "service",
            format!("There is no service called \"{id}\" in this server's config."),
        ));
    }
    if from >= to {
        problems.push(FieldError::new("from", "Make from earlier than to."));
    } else if to - from > Duration::days(CHANGES_MAX_DAYS) {
        problems.push(FieldError::new(
            "from",
            format!("Ask for at most {CHANGES_MAX_DAYS} days at a time."),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::BadQuery(problems));
    }
    let changes = state
        .store
        .status_changes(query.service.as_deref(), from, to)
        .await?;
    Ok(Json(StatusChanges { from, to, changes }).into_response())
}
