//! Notices: read by everyone; posted, edited and ended by support staff.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use tis_core::validate::validate_notice;
use tis_core::wire::NoticeInput;
use tis_core::{Notice, Role};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::MaybeActor;
use crate::auth::WithRole;
use crate::auth::role::Support;
use crate::http::error::AppError;
use crate::http::v1::answer::{Public, Reader, one_of};
use crate::http::v1::openapi::{BadQuery, NotFound, NotModified, StaffProblems, WriteProblems};
use crate::http::v1::{ApiJson, ApiPath, ApiQuery};
use crate::http::v1::{known_services, private, stored};
use crate::store::Change;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list, create))
        .routes(routes!(one, update))
        .routes(routes!(end))
}

/// Which notices to list.
#[derive(Deserialize, Clone, Copy, PartialEq, ToSchema)]
#[serde(rename_all = "snake_case")]
enum When {
    /// Published and in their window now.
    Active,
    /// Published, starting later.
    Upcoming,
    /// Published and over.
    Past,
    /// Everything, drafts included: staff only.
    All,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    /// `active` when left out. `all` includes drafts and needs the support role.
    #[param(inline)]
    state: Option<When>,
}

/// Lists notices.
///
/// Published notices shown now (`active`), coming up (`upcoming`) or over (`past`).
/// Staff may ask for `all`, drafts included.
#[utoipa::path(
    get,
    path = "/notices",
    operation_id = "list_notices",
    tag = "notices",
    params(ListQuery),
    security((), ("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The notices", body = Vec<Notice>),
        NotModified,
        BadQuery,
        StaffProblems,
    )
)]
async fn list(
    ApiQuery(query): ApiQuery<ListQuery>,
    MaybeActor(actor): MaybeActor,
    public: Public,
) -> Result<Response, AppError> {
    let when = query.state.unwrap_or(When::Active);
    if when == When::All {
        let actor = actor.ok_or(AppError::Unauthorized)?;
        actor.require(Role::Support)?;
        return Ok(private(Json(public.snapshot.model.staff_notices.clone())));
    }
    let key = match when {
        When::Active => "/api/v1/notices?state=active",
        When::Upcoming => "/api/v1/notices?state=upcoming",
        _ => "/api/v1/notices?state=past",
    };
    Ok(public.answer(key, |model| {
        let now = model.generated_at;
        let notices: Vec<&Notice> = match when {
            When::Active => model.active_notices().collect(),
            When::Upcoming => model.upcoming_notices().collect(),
            _ => model
                .notices
                .iter()
                .filter(|n| n.published && n.ends_at.is_some_and(|end| end <= now))
                .collect(),
        };
        notices.into_iter().cloned().collect::<Vec<_>>()
    }))
}

/// One notice. Drafts are found only by staff.
#[utoipa::path(
    get,
    path = "/notices/{id}",
    operation_id = "get_notice",
    tag = "notices",
    params(("id" = i64, Path, description = "The notice id")),
    security((), ("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The notice", body = Notice),
        NotModified,
        NotFound,
        BadQuery,
    )
)]
async fn one(ApiPath(id): ApiPath<i64>, reader: Reader) -> Result<Response, AppError> {
    let staff = reader.is_staff();
    // Staff see who wrote it by login name; everyone else its public author.
    let notices = if staff {
        &reader.model().staff_notices
    } else {
        &reader.model().notices
    };
    let matches = |n: &Notice| n.id == id && (n.published || staff);
    let notice = one_of(notices, matches, || format!("notice {id}"))?;
    let key = format!("/api/v1/notices/{id}");
    Ok(reader.from_model(&key, |_, _| notice))
}

/// Checks a notice as it would be stored, listing every problem.
fn check(state: &AppState, input: &NoticeInput, change: &Change) -> Result<(), AppError> {
    let candidate = input.notice(0, change.actor, change.at, change.at);
    validate_notice(&candidate, &known_services(state)).map_err(AppError::Invalid)
}

/// Posts a notice (support role).
///
/// Published notices show on the page between `starts_at` and `ends_at`; planned
/// maintenance marks its services as in maintenance.
#[utoipa::path(
    post,
    path = "/notices",
    operation_id = "post_notice",
    tag = "notices",
    request_body = NoticeInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 201, description = "The notice as stored", body = Notice),
        WriteProblems,
    )
)]
async fn create(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Support>,
    ApiJson(input): ApiJson<NoticeInput>,
) -> Result<Response, AppError> {
    let change = actor.change();
    check(&state, &input, &change)?;
    let write = state.store.create_notice(&input, change);
    stored(&state, StatusCode::CREATED, write).await
}

/// Edits a notice (support role): the whole notice is sent again.
#[utoipa::path(
    put,
    path = "/notices/{id}",
    operation_id = "edit_notice",
    tag = "notices",
    params(("id" = i64, Path, description = "The notice id")),
    request_body = NoticeInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The notice as stored", body = Notice),
        WriteProblems,
        NotFound,
    )
)]
async fn update(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Support>,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<NoticeInput>,
) -> Result<Response, AppError> {
    let change = actor.change();
    check(&state, &input, &change)?;
    let write = state.store.update_notice(id, &input, change);
    stored(&state, StatusCode::OK, write).await
}

/// Ends a notice now (support role): it stops being shown, and stays in the record.
#[utoipa::path(
    post,
    path = "/notices/{id}/end",
    operation_id = "end_notice",
    tag = "notices",
    params(("id" = i64, Path, description = "The notice id")),
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The notice, ending now", body = Notice),
        WriteProblems,
        NotFound,
        (status = 409, description = "The notice has already ended", body = crate::http::error::Problem, content_type = "application/problem+json"),
    )
)]
async fn end(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Support>,
    ApiPath(id): ApiPath<i64>,
) -> Result<Response, AppError> {
    let change = actor.change();
    let now = change.at;
    let snapshot = state.snapshots.current();
    let notice = one_of(
        &snapshot.model.notices,
        |n| n.id == id,
        || format!("notice {id}"),
    )?
    .clone();
    if notice.ends_at.is_some_and(|end| end <= now) {
        return Err(AppError::Conflict(format!(
            "Notice {id} has already ended. Nothing was changed."
        )));
    }
    let input = NoticeInput {
        title: notice.title,
        body: notice.body,
        kind: notice.kind,
        severity: notice.severity,
        services: notice.services,
        // A notice that has not started yet ends as soon as it would start.
        starts_at: notice.starts_at.min(now),
        ends_at: Some(now),
        audience: notice.audience,
        published: notice.published,
    };
    let write = state.store.update_notice(id, &input, change);
    stored(&state, StatusCode::OK, write).await
}
