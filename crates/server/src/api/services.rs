//! Services: live status, what each is for and how it is checked, uptime and latency.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use tis_core::uptime::{uk_date_of, uk_day_bounds};
use tis_core::wire::{
    LatencySeries, ServiceDetail, ServiceList, ServiceTrend, StatusHistory, Trends, UptimeHistory,
    probe_in_words, status_spans,
};
use tis_core::{DailyUptime, Service};

use crate::AppState;
use crate::aggregates::{BUCKET_MINUTES, MAX_DAYS};
use crate::error::AppError;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/services", get(list))
        .route("/services/{id}", get(detail))
        .route("/services/{id}/uptime", get(uptime))
        .route("/services/{id}/latency", get(latency))
        .route("/services/{id}/results", get(results))
        .route("/services/{id}/history", get(history))
        .route("/trends", get(trends))
}

/// Days in the overview's uptime strips.
const TREND_DAYS: u32 = 90;

/// The overview's strips and latency lines for every service in one small answer, so a
/// first visit on a slow network does not make twenty requests.
async fn trends(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state
        .snapshots
        .current()
        .json("/api/v1/trends", |model| Trends {
            generated_at: model.generated_at,
            services: model
                .services
                .iter()
                .map(|s| {
                    let stored = model
                        .figures
                        .uptime
                        .get(&s.id)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    let days = every_day(&s.id, stored, TREND_DAYS, model.generated_at);
                    let latency = model
                        .figures
                        .latency
                        .get(&s.id)
                        .map(Vec::as_slice)
                        .unwrap_or(&[]);
                    ServiceTrend::new(&s.id, &days, latency)
                })
                .collect(),
        })
        .respond(&headers)
}

async fn list(State(state): State<AppState>, headers: HeaderMap) -> Response {
    state
        .snapshots
        .current()
        .json("/api/v1/services", |model| ServiceList {
            demo: model.demo,
            generated_at: model.generated_at,
            services: model.services.clone(),
        })
        .respond(&headers)
}

/// The configured service, or a 404 that says so.
fn service<'a>(state: &'a AppState, id: &str) -> Result<&'a Service, AppError> {
    state
        .config
        .services
        .iter()
        .find(|s| s.id == id)
        .ok_or_else(|| AppError::NotFound(format!("service called \"{id}\"")))
}

async fn detail(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let config = service(&state, &id)?.clone();
    let key = format!("/api/v1/services/{id}");
    Ok(state
        .snapshots
        .current()
        .json(&key, |model| {
            let live = model.services.iter().find(|s| s.id == config.id).cloned();
            live.map(|service| ServiceDetail {
                depends_on_names: config
                    .depends_on
                    .iter()
                    .map(|d| model.service_name(d).to_string())
                    .collect(),
                probes: config
                    .probes
                    .iter()
                    .map(|p| probe_in_words(&config.name, p))
                    .collect(),
                service,
            })
        })
        .respond(&headers))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UptimeQuery {
    days: Option<u32>,
}

async fn uptime(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<UptimeQuery>, QueryRejection>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    service(&state, &id)?;
    let Query(query) = query?;
    let days = query.days.unwrap_or(90);
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(AppError::BadRequest(format!(
            "days must be a whole number from 1 to {MAX_DAYS}; you sent {days}."
        )));
    }
    let key = format!("/api/v1/services/{id}/uptime?days={days}");
    Ok(state
        .snapshots
        .current()
        .json(&key, |model| {
            let stored = model
                .figures
                .uptime
                .get(&id)
                .map(Vec::as_slice)
                .unwrap_or(&[]);
            UptimeHistory::new(&id, every_day(&id, stored, days, model.generated_at))
        })
        .respond(&headers))
}

/// Exactly `days` UK days ending today, oldest first; a day nobody rolled up had no data.
fn every_day(
    service: &str,
    stored: &[DailyUptime],
    days: u32,
    now: DateTime<Utc>,
) -> Vec<DailyUptime> {
    let today = uk_date_of(now);
    (0..days)
        .rev()
        .map(|back| today - Duration::days(i64::from(back)))
        .map(|date| {
            stored
                .iter()
                .find(|d| d.date == date)
                .cloned()
                .unwrap_or_else(|| {
                    let (start, end) = uk_day_bounds(date);
                    let minutes = ((end.min(now) - start).num_minutes()).max(0) as u32;
                    DailyUptime {
                        service: service.to_string(),
                        date,
                        checks: 0,
                        failed_checks: 0,
                        minutes,
                        minutes_down: 0,
                        minutes_degraded: 0,
                        minutes_no_data: minutes,
                        median_latency_ms: None,
                        p95_latency_ms: None,
                    }
                })
        })
        .collect()
}

async fn latency(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    service(&state, &id)?;
    let key = format!("/api/v1/services/{id}/latency");
    Ok(state
        .snapshots
        .current()
        .json(&key, |model| LatencySeries {
            service: id.clone(),
            bucket_minutes: BUCKET_MINUTES,
            points: model.figures.latency.get(&id).cloned().unwrap_or_default(),
        })
        .respond(&headers))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ResultsQuery {
    /// Only results that started before this time (RFC 3339), for the next page.
    before: Option<DateTime<Utc>>,
    limit: Option<u32>,
}

const RESULTS_MAX: u32 = 500;

/// Raw probe results, newest first, a page at a time. Unlike the other reads this one
/// goes to the store: it is for staff looking into a failure, not for the crowd.
async fn results(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<ResultsQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    service(&state, &id)?;
    let Query(query) = query?;
    let limit = query.limit.unwrap_or(100);
    if !(1..=RESULTS_MAX).contains(&limit) {
        return Err(AppError::BadRequest(format!(
            "limit must be a whole number from 1 to {RESULTS_MAX}; you sent {limit}."
        )));
    }
    let page = state
        .store
        .service_results_page(&id, query.before, limit)
        .await?;
    let next_before = (page.len() == limit as usize)
        .then(|| page.last().map(|r| r.at))
        .flatten();
    Ok(axum::Json(serde_json::json!({
        "service": id,
        "results": page,
        "next_before": next_before,
    }))
    .into_response())
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    from: DateTime<Utc>,
    to: DateTime<Utc>,
}

/// The longest stretch one history request may cover.
const HISTORY_MAX_DAYS: i64 = 14;

/// A service's own status over a stretch of time, from its probes' raw results: the probe
/// history drawn under an incident's timeline.
async fn history(
    State(state): State<AppState>,
    Path(id): Path<String>,
    query: Result<Query<HistoryQuery>, QueryRejection>,
) -> Result<Response, AppError> {
    let config = service(&state, &id)?.clone();
    let Query(q) = query?;
    if q.to <= q.from {
        return Err(AppError::BadRequest(
            "to must be later than from.".to_string(),
        ));
    }
    if q.to - q.from > Duration::days(HISTORY_MAX_DAYS) {
        return Err(AppError::BadRequest(format!(
            "Ask for at most {HISTORY_MAX_DAYS} days at a time."
        )));
    }
    // Results from a little earlier set the health the stretch starts with.
    let lead = config
        .probes
        .iter()
        .map(|p| tis_core::ProbeRules::from(p).stale_after())
        .max()
        .unwrap_or_default();
    // Nothing is known about the future: the stretch ends now at the latest.
    let to = q.to.min(Utc::now());
    let from = q.from.min(to);
    let results = state.store.service_results(&id, from - lead, to).await?;
    let inside = results.iter().filter(|r| r.at >= from);
    Ok(axum::Json(StatusHistory {
        spans: status_spans(&config, &results, from, to),
        checks: inside.clone().count() as u32,
        failed_checks: inside.filter(|r| !r.ok).count() as u32,
        kept_days: state.config.server.retention_days,
        service: id,
        from,
        to,
    })
    .into_response())
}
