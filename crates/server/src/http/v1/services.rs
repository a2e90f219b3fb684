//! Services: live status, what each is for and how it is checked, uptime and latency.

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use tis_core::uptime::{uk_date_of, uk_day_bounds};
use tis_core::wire::{
    LatencySeries, ServiceDetail, ServiceList, ServiceTrend, StatusHistory, Trends, UptimeHistory,
    probe_in_words, spans_from_changes, status_spans,
};
use tis_core::{DailyUptime, ProbeResult, Service};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::http::error::AppError;
use crate::http::v1::answer::{Public, Reader, one_of, whole_number};
use crate::http::v1::openapi::{BadQuery, NotFound, NotModified};
use crate::http::v1::{ApiPath, ApiQuery};
use crate::read::model::Model;
use crate::read::trends::{BUCKET_MINUTES, MAX_DAYS};

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(detail))
        .routes(routes!(uptime))
        .routes(routes!(latency))
        .routes(routes!(results))
        .routes(routes!(history))
        .routes(routes!(trends))
}

/// Every service's 90-day uptime strip and 24-hour latency line, in one answer.
///
/// One small answer, so a first visit on a slow network does not make twenty requests.
#[utoipa::path(
    get,
    path = "/trends",
    operation_id = "get_trends",
    tag = "services",
    responses(
        (status = 200, description = "Every service's uptime strip and latency line", body = Trends),
        NotModified,
    )
)]
async fn trends(public: Public) -> Response {
    public.answer(TRENDS, build_trends)
}

/// Where the overview's uptime strips and latency lines live.
pub const TRENDS: &str = "/api/v1/trends";

/// Days in the overview's uptime strips.
const TREND_DAYS: u32 = 90;

/// Every service's uptime strip and latency line, from a snapshot's model.
pub fn build_trends(model: &Model) -> Trends {
    Trends {
        generated_at: model.generated_at,
        services: model
            .services
            .iter()
            .map(|s| {
                let stored = model.trends.uptime_of(&s.id);
                let days = every_day(&s.id, stored, TREND_DAYS, model.generated_at);
                let latency = model.trends.latency_of(&s.id);
                ServiceTrend::new(&s.id, &days, latency)
            })
            .collect(),
    }
}

/// Every service in page order, with its live status and, when affected by another, why.
#[utoipa::path(
    get,
    path = "/services",
    operation_id = "list_services",
    tag = "services",
    responses(
        (status = 200, description = "The services and their status", body = ServiceList),
        NotModified,
    )
)]
async fn list(public: Public) -> Response {
    public.answer(SERVICES, service_list)
}

/// Where the list of services lives.
pub const SERVICES: &str = "/api/v1/services";

/// Every service in page order with its live status, from a snapshot's model.
pub fn service_list(model: &Model) -> ServiceList {
    ServiceList {
        demo: model.demo,
        generated_at: model.generated_at,
        services: model.services.clone(),
    }
}

/// The configured service the address names (its id, and how it is configured), or a 404
/// that says there is none, before anything else about the request is looked at.
struct Configured(String, Service);

impl FromRequestParts<AppState> for Configured {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let ApiPath(id) = ApiPath::<String>::from_request_parts(parts, state).await?;
        let services = &state.config.services;
        let service = one_of(
            services,
            |s| s.id == id,
            || format!("service called \"{id}\""),
        )?;
        Ok(Configured(id, service.clone()))
    }
}

/// One service: its status, what it is for, what it depends on and how it is checked.
#[utoipa::path(
    get,
    path = "/services/{id}",
    operation_id = "get_service",
    tag = "services",
    params(("id" = String, Path, description = "The service id, e.g. `bulk-upload`")),
    responses(
        (status = 200, description = "The service", body = ServiceDetail),
        NotModified,
        NotFound,
        BadQuery,
    )
)]
async fn detail(Configured(id, config): Configured, public: Public) -> Result<Response, AppError> {
    let key = format!("/api/v1/services/{id}");
    Ok(public.answer(&key, |model| {
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
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct UptimeQuery {
    /// How many UK calendar days, ending today: 1 to 365, 90 when left out.
    #[param(minimum = 1, maximum = 365)]
    days: Option<u32>,
}

/// Uptime of a service per UK calendar day.
///
/// Oldest first: checks, failures, minutes down, degraded and without data, and
/// latency. Days nobody measured count as no data, never as up.
#[utoipa::path(
    get,
    path = "/services/{id}/uptime",
    operation_id = "get_uptime",
    tag = "services",
    params(("id" = String, Path, description = "The service id"), UptimeQuery),
    responses(
        (status = 200, description = "One entry per day", body = UptimeHistory),
        NotModified,
        BadQuery,
        NotFound,
    )
)]
async fn uptime(
    Configured(id, _): Configured,
    ApiQuery(query): ApiQuery<UptimeQuery>,
    public: Public,
) -> Result<Response, AppError> {
    let days = whole_number("days", query.days.unwrap_or(90), 1..=MAX_DAYS)?;
    let key = format!("/api/v1/services/{id}/uptime?days={days}");
    Ok(public.answer(&key, |model| {
        let stored = model.trends.uptime_of(&id);
        UptimeHistory::new(&id, every_day(&id, stored, days, model.generated_at))
    }))
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

/// Latency of a service over the last 24 hours.
///
/// Median and 95th percentile latency of successful checks, in 5-minute buckets,
/// oldest first.
#[utoipa::path(
    get,
    path = "/services/{id}/latency",
    operation_id = "get_latency",
    tag = "services",
    params(("id" = String, Path, description = "The service id")),
    responses(
        (status = 200, description = "The latency series", body = LatencySeries),
        NotModified,
        NotFound,
        BadQuery,
    )
)]
async fn latency(Configured(id, _): Configured, public: Public) -> Result<Response, AppError> {
    let key = format!("/api/v1/services/{id}/latency");
    Ok(public.answer(&key, |model| LatencySeries {
        service: id.clone(),
        bucket_minutes: BUCKET_MINUTES,
        points: model.trends.latency_of(&id).to_vec(),
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ResultsQuery {
    /// Only results from before this time (RFC 3339): the `next_before` of the last page;
    /// from 2000-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z.
    before: Option<DateTime<Utc>>,
    /// Results per page: 1 to 500, 100 when left out.
    #[param(minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

const RESULTS_MAX: u32 = 500;

/// A page of raw probe results.
#[derive(Serialize, ToSchema)]
struct ResultsPage {
    service: String,
    /// Newest first.
    results: Vec<ProbeResult>,
    /// Pass as `before` for the next page; absent on the last page.
    next_before: Option<DateTime<Utc>>,
}

/// Raw probe results of a service, newest first.
///
/// A page at a time. Raw results are kept for the configured retention (30 days by
/// default); daily uptime is kept for ever. Everyone sees each check's status, time and
/// latency; signed-in staff also see what the check said (`detail`) and where it ran
/// from (`location`), which name internal hosts and remote errors.
#[utoipa::path(
    get,
    path = "/services/{id}/results",
    operation_id = "list_probe_results",
    tag = "services",
    params(("id" = String, Path, description = "The service id"), ResultsQuery),
    security((), ("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "A page of results", body = ResultsPage),
        NotModified,
        BadQuery,
        NotFound,
    )
)]
async fn results(
    State(state): State<AppState>,
    Configured(id, _): Configured,
    ApiQuery(query): ApiQuery<ResultsQuery>,
    reader: Reader,
) -> Result<Response, AppError> {
    crate::http::v1::check_query_times([("before", query.before)])?;
    let limit = whole_number("limit", query.limit.unwrap_or(100), 1..=RESULTS_MAX)?;
    let before = query.before.map(|b| b.to_rfc3339());
    let key = format!(
        "/api/v1/services/{id}/results?before={}&limit={limit}",
        before.as_deref().unwrap_or("")
    );
    reader
        .loaded(&key, |staff| async move {
            let page = state
                .store
                .service_results_page(&id, query.before, limit)
                .await?;
            let next_before = (page.len() == limit as usize)
                .then(|| page.last().map(|r| r.at))
                .flatten();
            Ok(ResultsPage {
                service: id.clone(),
                results: if staff {
                    page
                } else {
                    page.iter().map(ProbeResult::for_public).collect()
                },
                next_before,
            })
        })
        .await
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct HistoryQuery {
    /// Start of the stretch (RFC 3339), from 2000-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z.
    from: DateTime<Utc>,
    /// End of the stretch (RFC 3339), from 2000-01-01T00:00:00Z up to, not including, 2100-01-01T00:00:00Z; at most 14 days after `from`.
    to: DateTime<Utc>,
}

/// How far back the status a stretch starts in is looked for among recorded changes.
const CHANGES_LOOKBACK_DAYS: i64 = 400;

/// The longest stretch one history request may cover.
const HISTORY_MAX_DAYS: i64 = 14;

/// A service's own status over a stretch of time, from its probes' raw results.
///
/// This is the probe history drawn under an incident's timeline.
#[utoipa::path(
    get,
    path = "/services/{id}/history",
    operation_id = "get_status_history",
    tag = "services",
    params(("id" = String, Path, description = "The service id"), HistoryQuery),
    responses(
        (status = 200, description = "The service's own status over the stretch", body = StatusHistory),
        BadQuery,
        NotFound,
    )
)]
async fn history(
    State(state): State<AppState>,
    Configured(id, config): Configured,
    ApiQuery(q): ApiQuery<HistoryQuery>,
    public: Public,
) -> Result<Response, AppError> {
    crate::http::v1::check_query_times([("from", Some(q.from)), ("to", Some(q.to))])?;
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
    // Nothing is known beyond the snapshot: the stretch ends at its time at the latest,
    // rounded down to the whole minute, so every reader of an active incident asks for
    // the same stretch for a minute, and it is loaded from the raw results once a minute
    // (see `Snapshots::load_lasting`), not per reader. A minute is less than a pixel of
    // the bar drawn from it.
    let now = public.snapshot.model.generated_at;
    let to = if q.to >= now {
        DateTime::from_timestamp(now.timestamp() - now.timestamp().rem_euclid(60), 0).unwrap_or(now)
    } else {
        q.to
    };
    let from = q.from.min(to);
    let key = format!(
        "/api/v1/services/{id}/history?from={}&to={}",
        from.to_rfc3339(),
        to.to_rfc3339()
    );
    let kept_days = state.config.server.retention_days;
    // Results pushed late by a standalone prober may still fill in the last minute; the
    // key moves on with the next minute, so they are drawn from then on.
    let cached = state
        .snapshots
        .load_lasting(&key, || async {
            let results = state.store.service_results(&id, from - lead, to).await?;
            // Results that could not check are no checks of the service (see
            // `ProbeResult::was_checked`); their time shows as no data.
            let inside = results.iter().filter(|r| r.at >= from && r.was_checked());
            let checks = inside.clone().count() as u32;
            // The checks of an old stretch are gone (they are kept `retention_days`); the
            // changes they caused are kept for ever, and still say when the service was in
            // trouble.
            let recorded = if checks == 0 {
                let changes = state
                    .store
                    .status_changes(Some(&id), from - Duration::days(CHANGES_LOOKBACK_DAYS), to)
                    .await?;
                spans_from_changes(&changes, from, to)
            } else {
                Vec::new()
            };
            let from_changes = !recorded.is_empty();
            Ok(StatusHistory {
                spans: if from_changes {
                    recorded
                } else {
                    status_spans(&config, &results, from, to)
                },
                checks,
                failed_checks: inside.filter(|r| !r.ok).count() as u32,
                kept_days,
                from_changes,
                service: id.clone(),
                from,
                to,
            })
        })
        .await?;
    Ok(public.send(&cached))
}
