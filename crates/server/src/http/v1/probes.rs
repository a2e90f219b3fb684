//! `POST /api/v1/probe-results`: results pushed by standalone probers, with a token; and
//! `GET /api/v1/status-changes`: when services went into or out of trouble, for incident
//! timelines.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tis_core::service::DETAIL_MAX_CHARS;
use tis_core::status::{StatusChange, probe_id};
use tis_core::time::uk_date_time;
use tis_core::uptime::earliest_countable;
use tis_core::{FieldError, ProbeResult};
use utoipa::{IntoParams, ToSchema};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::WithRole;
use crate::auth::role::Prober;
use crate::http::error::AppError;
use crate::http::v1::ApiQuery;
use crate::http::v1::answer::Reader;
use crate::limits::RateLimit;

/// Most results one push may carry.
pub const PUSH_MAX: usize = 1000;

/// Pushes one token may make: a burst of this many, then one every half second. A
/// prober sends at most about one push a second, so only a broken or hostile one meets
/// the limit; it bounds what one token can make us store. Counted in the store by the
/// token's name, so every replica counts the same pushes.
const PUSH_BURST: u32 = 60;
const PUSH_LIMIT: RateLimit = RateLimit {
    name: "push",
    burst: PUSH_BURST,
    every: std::time::Duration::from_millis(500),
};

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
/// at a time, each from today (UK time), or from yesterday during the first hour after
/// midnight, and never from the future. A prober token speaks for its one location:
/// results without a location are taken as from there, and results naming another are
/// refused. Each token may push 60 times at once, then twice a second. Status, uptime
/// and latency take the results into account at once.
#[utoipa::path(
    post,
    path = "/probe-results",
    operation_id = "push_probe_results",
    tag = "probes",
    request_body = Push,
    security(("token" = []), ("session" = [], "csrf" = [])),
    responses(
        (status = 200, description = "All results were stored", body = crate::http::v1::openapi::Accepted),
        crate::http::v1::openapi::WriteProblems,
        (status = 429, description = "This token pushed too often; wait for the seconds in Retry-After", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
async fn push(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Prober>,
    body: Result<Json<Push>, JsonRejection>,
) -> Result<Response, AppError> {
    let wait = PUSH_LIMIT
        .take(state.store.as_ref(), &actor.name, Utc::now())
        .await?;
    if let Some(retry_after_secs) = wait {
        return Err(AppError::TooFast {
            retry_after_secs,
            detail: format!(
                "This token pushed results more than {PUSH_BURST} times in a short while. \
                 Wait {retry_after_secs} seconds, then send them again in fewer, larger \
                 batches (up to {PUSH_MAX} results each)."
            ),
        });
    }
    let Json(mut push) = body?;
    // A prober token speaks for its own location; anyone else (an admin) pushing without
    // one is known by their name, so that two sources are never taken for one location.
    let location = actor.location.clone().unwrap_or_else(|| {
        actor
            .name
            .strip_prefix("token ")
            .unwrap_or(&actor.name)
            .to_string()
    });
    let problems = check(&state, &push.results, actor.location.as_deref(), Utc::now());
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    for r in &mut push.results {
        if r.location.is_none() {
            r.location = Some(location.clone());
        }
    }
    state.store.add_probe_results(&push.results).await?;
    state.metrics.observe_results(&push.results);
    state.changed();
    Ok(Json(serde_json::json!({ "accepted": push.results.len() })).into_response())
}

/// What is wrong with a push, per field. `bound_to` is the pushing token's location.
fn check(
    state: &AppState,
    results: &[ProbeResult],
    bound_to: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> Vec<FieldError> {
    let earliest = earliest_countable(now);
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
        } else if r.at < earliest {
            problems.push(FieldError::new(
                field("at"),
                format!(
                    "This result is from {}, too long ago to count: uptime up to {} is final. \
                     Send only results from {} on.",
                    uk_date_time(r.at),
                    uk_date_time(earliest),
                    uk_date_time(earliest)
                ),
            ));
        }
        let detail_chars = r.detail.chars().count();
        if detail_chars > DETAIL_MAX_CHARS {
            problems.push(FieldError::new(
                field("detail"),
                format!(
                    "Keep detail to at most {DETAIL_MAX_CHARS} characters; this one has \
                     {detail_chars}."
                ),
            ));
        }
        if let Some(location) = &r.location {
            if let Some(own) = bound_to
                && location != own
            {
                problems.push(FieldError::new(
                    field("location"),
                    format!(
                        "This token pushes results from \"{own}\" only, not \"{location}\". \
                         Leave location out, or use a token made for \"{location}\" with \
                         `tis-status token create --role prober --location {location}`."
                    ),
                ));
            } else if let Err(e) = crate::config::check_location(location) {
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
/// What the probes saw, to lay over an incident's timeline. Everyone sees what users
/// were shown and when; signed-in staff also see what the failing check said
/// (`detail`), which names internal hosts and remote errors.
#[utoipa::path(
    get,
    path = "/status-changes",
    operation_id = "list_status_changes",
    tag = "probes",
    params(ChangesQuery),
    security((), ("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The changes, oldest first", body = StatusChanges),
        crate::http::v1::openapi::NotModified,
        crate::http::v1::openapi::BadQuery,
    )
)]
async fn status_changes(
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<ChangesQuery>,
    reader: Reader,
) -> Result<Response, AppError> {
    crate::http::v1::check_query_times([("from", query.from), ("to", query.to)])?;
    let staff = reader.is_staff();
    // The public answer ends at the snapshot's time when no end is given, so that every
    // reader of one snapshot asks for the same stretch and it is loaded once (staff get
    // theirs up to this moment).
    let now = if staff {
        Utc::now()
    } else {
        reader.model().generated_at
    };
    let to = query.to.unwrap_or(now);
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
    let service = query.service.as_deref();
    let key = format!(
        "/api/v1/status-changes?service={}&from={}&to={}",
        service.unwrap_or(""),
        from.to_rfc3339(),
        to.to_rfc3339()
    );
    reader
        .loaded(&key, |staff| async move {
            let changes = state.store.status_changes(service, from, to).await?;
            Ok(StatusChanges {
                from,
                to,
                changes: if staff {
                    changes
                } else {
                    changes.iter().map(StatusChange::for_public).collect()
                },
            })
        })
        .await
}
