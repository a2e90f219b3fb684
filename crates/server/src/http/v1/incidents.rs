//! Incidents: history and updates for everyone, the full report and its revisions for
//! staff; opened and edited by editors, updated by support.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Datelike;
use serde::Deserialize;
use tis_core::keytimes::key_times;
use tis_core::time::to_uk;
use tis_core::validate::{validate_incident, validate_report};
use tis_core::wire::{
    IncidentInput, IncidentPage, IncidentSummary, IncidentView, PublicReport, ReportSave,
    RevisionInfo, UpdateInput,
};
use tis_core::{Incident, ReportStatus, Revision};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::WithRole;
use crate::auth::role::{Editor, Support};
use crate::http::error::{AppError, Problem};
use crate::http::v1::answer::{Public, Reader, one_of, whole_number};
use crate::http::v1::openapi::{BadQuery, NotFound, NotModified, StaffProblems, WriteProblems};
use crate::http::v1::{ApiJson, ApiPath, ApiQuery};
use crate::http::v1::{known_services, private, public_incident, stored};
use crate::read::model::Model;
use crate::store::{apply_update, incident_of};
use tis_core::wire::ReportDiff;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update))
        .routes(routes!(post_update))
        .routes(routes!(save_report))
        .routes(routes!(revisions))
        .routes(routes!(revision))
        .routes(routes!(diff))
}

const PER_PAGE_MAX: u32 = 100;
/// More pages than any incident history will fill, so a request for page 2147483648 is
/// refused as a mistake rather than answered with an empty page.
const PAGE_MAX: u32 = 10_000;
/// The years incidents can start in: the same bounds as every time the API takes.
const YEAR_MIN: i32 = 2000;
const YEAR_MAX: i32 = 2099;

/// Which incidents to list.
#[derive(Deserialize, Clone, Copy, PartialEq, Debug, ToSchema)]
#[serde(rename_all = "snake_case")]
enum Which {
    Active,
    Resolved,
    All,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// From 1 to 10000; 1 when left out.
    #[param(minimum = 1, maximum = 10000)]
    page: Option<u32>,
    /// Incidents per page: 1 to 100, 20 when left out.
    #[param(minimum = 1, maximum = 100)]
    per_page: Option<u32>,
    /// Only incidents that affected this service.
    service: Option<String>,
    /// Only incidents that started in this UK calendar year: 2000 to 2099.
    #[param(minimum = 2000, maximum = 2099)]
    year: Option<i32>,
    /// `all` when left out.
    #[param(inline)]
    state: Option<Which>,
}

/// Lists incidents, newest first.
///
/// A page at a time: active, resolved or all, for one service or one year.
#[utoipa::path(
    get,
    path = "/incidents",
    operation_id = "list_incidents",
    tag = "incidents",
    params(ListQuery),
    responses(
        (status = 200, description = "A page of incidents", body = IncidentPage),
        NotModified,
        BadQuery,
        NotFound,
    )
)]
async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ListQuery>,
    public: Public,
) -> Result<Response, AppError> {
    let page = whole_number("page", q.page.unwrap_or(1), 1..=PAGE_MAX)?;
    if let Some(year) = q.year
        && !(YEAR_MIN..=YEAR_MAX).contains(&year)
    {
        return Err(AppError::BadQuery(vec![tis_core::FieldError::new(
            "year",
            format!("year must be from {YEAR_MIN} to {YEAR_MAX}; you sent {year}."),
        )]));
    }
    let per_page = whole_number("per_page", q.per_page.unwrap_or(20), 1..=PER_PAGE_MAX)?;
    if let Some(service) = &q.service
        && !state.config.services.iter().any(|s| &s.id == service)
    {
        return Err(AppError::NotFound(format!("service called \"{service}\"")));
    }
    let which = q.state.unwrap_or(Which::All);
    let key = format!(
        "/api/v1/incidents?page={page}&per_page={per_page}&service={}&year={}&state={which:?}",
        q.service.as_deref().unwrap_or(""),
        q.year.map(|y| y.to_string()).unwrap_or_default(),
    );
    Ok(public.answer(&key, |model| {
        let matching: Vec<&Incident> = model
            .incidents
            .iter()
            .filter(|i| match which {
                Which::Active => i.is_active(),
                Which::Resolved => !i.is_active(),
                Which::All => true,
            })
            .filter(|i| {
                q.service
                    .as_ref()
                    .is_none_or(|s| i.affected.iter().any(|a| &a.service == s))
            })
            .filter(|i| q.year.is_none_or(|y| to_uk(i.started_at).year() == y))
            .collect();
        let start = ((page - 1) * per_page) as usize;
        let mut years: Vec<i32> = model
            .incidents
            .iter()
            .map(|i| to_uk(i.started_at).year())
            .collect();
        years.sort_unstable_by(|a, b| b.cmp(a));
        years.dedup();
        IncidentPage {
            years,
            total: matching.len() as u32,
            incidents: matching
                .into_iter()
                .skip(start)
                .take(per_page as usize)
                .map(IncidentSummary::from)
                .collect(),
            page,
            per_page,
        }
    }))
}

fn find(model: &Model, id: i64) -> Result<&Incident, AppError> {
    one_of(
        &model.incidents,
        |i| i.id == id,
        || format!("incident {id}"),
    )
}

/// One incident with its updates and report.
///
/// Everyone sees the updates and, once published, the report's plain-language parts;
/// staff see the whole report in any state, and its revision number.
#[utoipa::path(
    get,
    path = "/incidents/{id}",
    operation_id = "get_incident",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident id")),
    security((), ("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The incident, its updates, and its report as far as the reader may see it", body = IncidentView),
        NotModified,
        NotFound,
        BadQuery,
    )
)]
async fn one(ApiPath(id): ApiPath<i64>, reader: Reader) -> Result<Response, AppError> {
    // Staff see each update's author by login name.
    let model = reader.model();
    let incidents = if reader.is_staff() {
        &model.staff_incidents
    } else {
        &model.incidents
    };
    let incident = one_of(incidents, |i| i.id == id, || format!("incident {id}"))?;
    let key = format!("/api/v1/incidents/{id}");
    Ok(reader.from_model(&key, |model, staff| {
        if !staff {
            return public_view(incident);
        }
        let report = incident.report.as_ref();
        IncidentView {
            report_revision: Some(model.report_revision(id)),
            public_report: report.map(PublicReport::from),
            key_times: report.map(|r| key_times(&r.timeline, Some(incident.started_at))),
            incident: incident.clone(),
        }
    }))
}

/// An incident as anyone may see it: its updates, and its report's plain-language parts
/// once published.
pub fn public_view(incident: &Incident) -> IncidentView {
    let published = incident
        .report
        .as_ref()
        .filter(|r| r.status == ReportStatus::Published);
    IncidentView {
        public_report: published.map(PublicReport::from),
        key_times: published.map(|r| key_times(&r.timeline, Some(incident.started_at))),
        report_revision: None,
        incident: public_incident(incident),
    }
}

/// Opens an incident (editor role).
#[utoipa::path(
    post,
    path = "/incidents",
    operation_id = "open_incident",
    tag = "incidents",
    request_body = IncidentInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 201, description = "The incident as stored", body = Incident),
        WriteProblems,
    )
)]
async fn create(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Editor>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> Result<Response, AppError> {
    let candidate = incident_of(0, &input, Vec::new(), None);
    validate_incident(&candidate, &known_services(&state)).map_err(AppError::Invalid)?;
    let write = state.store.create_incident(&input, actor.change());
    stored(&state, StatusCode::CREATED, write).await
}

/// Edits an incident's details (editor role). Its updates and report are kept.
#[utoipa::path(
    put,
    path = "/incidents/{id}",
    operation_id = "edit_incident",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident id")),
    request_body = IncidentInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The incident as stored", body = Incident),
        WriteProblems,
        NotFound,
    )
)]
async fn update(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Editor>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<IncidentInput>,
) -> Result<Response, AppError> {
    let snapshot = state.snapshots.current();
    let old = find(&snapshot.model, id)?;
    let candidate = incident_of(id, &input, old.updates.clone(), old.report.clone());
    validate_incident(&candidate, &known_services(&state)).map_err(AppError::Invalid)?;
    let write = state.store.update_incident(id, &input, actor.change());
    stored(&state, StatusCode::OK, write).await
}

/// Posts an incident update (support role).
///
/// Tells users what is happening. Moves the incident to the update's status; `resolved`
/// also sets the time it was resolved.
#[utoipa::path(
    post,
    path = "/incidents/{id}/updates",
    operation_id = "post_incident_update",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident id")),
    request_body = UpdateInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 201, description = "The incident with the new update", body = Incident),
        WriteProblems,
        NotFound,
    )
)]
async fn post_update(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Support>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<UpdateInput>,
) -> Result<Response, AppError> {
    let change = actor.change();
    let snapshot = state.snapshots.current();
    let mut candidate = find(&snapshot.model, id)?.clone();
    apply_update(&mut candidate, &input, &change);
    validate_incident(&candidate, &known_services(&state)).map_err(|errors| {
        // Problems with the new update are reported against the request's own fields.
        let last = format!("updates[{}].", candidate.updates.len() - 1);
        AppError::Invalid(
            errors
                .into_iter()
                .map(|mut e| {
                    if let Some(field) = e.field.strip_prefix(&last) {
                        e.field = field.to_string();
                    }
                    e
                })
                .collect(),
        )
    })?;
    let write = state.store.add_incident_update(id, &input, change);
    stored(&state, StatusCode::CREATED, write).await
}

/// Saves the incident report (editor role).
///
/// Every save is a new revision. Refused with 409 if someone saved since the revision
/// the editor started from (`base_revision`), so no one's work is overwritten.
/// Publishing is saving with status `published`.
#[utoipa::path(
    put,
    path = "/incidents/{id}/report",
    operation_id = "save_report",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident id")),
    request_body = ReportSave,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The new revision", body = Revision),
        WriteProblems,
        NotFound,
        (status = 409, description = "Someone saved the report after `base_revision`. Nothing was saved. `current_revision` is the revision now stored: read it, combine it with the text sent, and save again based on it.", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn save_report(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Editor>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(save): ApiJson<ReportSave>,
) -> Result<Response, AppError> {
    find(&state.snapshots.current().model, id)?;
    validate_report(&save.report).map_err(|errors| {
        AppError::Invalid(errors.into_iter().map(|e| e.under("report")).collect())
    })?;
    let write = state.store.save_report(id, &save, actor.change());
    stored(&state, StatusCode::OK, write).await
}

/// Every saved revision of the report, newest first (staff).
#[utoipa::path(
    get,
    path = "/incidents/{id}/report/revisions",
    operation_id = "list_revisions",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident id")),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The revisions", body = Vec<RevisionInfo>),
        StaffProblems,
        NotFound,
        BadQuery,
    )
)]
async fn revisions(
    State(state): State<AppState>,
    _: WithRole<Support>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let snapshot = state.snapshots.current();
    find(&snapshot.model, id)?;
    let current = snapshot.model.report_revision(id);
    let list: Vec<RevisionInfo> = snapshot
        .model
        .revisions
        .iter()
        .filter(|r| r.incident == id)
        .rev()
        .map(|r| RevisionInfo {
            number: r.number,
            author: r.author.clone(),
            at: r.at,
            status: r.report.status,
            current: r.number == current,
        })
        .collect();
    Ok(private(Json(list)))
}

fn revision_of(model: &Model, id: i64, number: u32) -> Result<Revision, AppError> {
    find(model, id)?;
    let matches = |r: &Revision| r.incident == id && r.number == number;
    one_of(&model.revisions, matches, || {
        format!("revision {number} of incident {id}'s report")
    })
    .cloned()
}

/// One revision of the report, whole (staff).
#[utoipa::path(
    get,
    path = "/incidents/{id}/report/revisions/{number}",
    operation_id = "get_revision",
    tag = "incidents",
    params(
        ("id" = i64, Path, description = "The incident id"),
        ("number" = u32, Path, description = "The revision number, from 1"),
    ),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The revision", body = Revision),
        StaffProblems,
        NotFound,
        BadQuery,
    )
)]
async fn revision(
    State(state): State<AppState>,
    _: WithRole<Support>,
    ApiPath((id, number)): ApiPath<(i64, u32)>,
) -> Result<Response, AppError> {
    let revision = revision_of(&state.snapshots.current().model, id, number)?;
    Ok(private(Json(revision)))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct DiffQuery {
    /// A revision number.
    from: u32,
    /// A revision number; the current revision when absent.
    to: Option<u32>,
}

/// What changed between two revisions of the report, section by section (staff).
#[utoipa::path(
    get,
    path = "/incidents/{id}/report/diff",
    operation_id = "diff_revisions",
    tag = "incidents",
    params(("id" = i64, Path, description = "The incident id"), DiffQuery),
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The sections that differ, with their lines", body = ReportDiff),
        BadQuery,
        StaffProblems,
        NotFound,
    )
)]
async fn diff(
    State(state): State<AppState>,
    _: WithRole<Support>,
    ApiPath(id): ApiPath<i64>,
    ApiQuery(q): ApiQuery<DiffQuery>,
) -> Result<Response, AppError> {
    let snapshot = state.snapshots.current();
    let model = &snapshot.model;
    let to = q.to.unwrap_or_else(|| model.report_revision(id));
    let before = revision_of(model, id, q.from)?;
    let after = revision_of(model, id, to)?;
    Ok(private(Json(crate::read::diff::report_diff(
        &before, &after,
    ))))
}
