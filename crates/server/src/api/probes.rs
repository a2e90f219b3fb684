//! `POST /api/v1/probe-results`: results pushed by standalone probers, with a token.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use tis_core::status::probe_id;
use tis_core::{FieldError, ProbeResult, Role};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::Actor;
use crate::error::AppError;

/// Most results one push may carry.
pub const PUSH_MAX: usize = 1000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(push))
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
    let Json(push) = body?;
    let problems = check(&state, &push.results, Utc::now());
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
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
        if r.ok && r.error_kind.is_some() {
            problems.push(FieldError::new(
                field("error_kind"),
                "A successful result has no error_kind.",
            ));
        }
    }
    problems
}
