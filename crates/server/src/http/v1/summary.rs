//! `GET /api/v1/summary`: the overview in one request.

use axum::response::Response;
use tis_core::wire::{Summary, headline};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::http::v1::answer::Public;
use crate::http::v1::openapi::NotModified;
use crate::read::model::Model;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(summary))
}

/// The overview in one request.
///
/// Everything the overview page shows: a headline, every service with its status, the
/// notices shown now and coming up, and the active incidents.
#[utoipa::path(
    get,
    path = "/summary",
    operation_id = "get_summary",
    tag = "summary",
    responses(
        (status = 200, description = "The overview", body = Summary),
        NotModified,
    )
)]
async fn summary(public: Public) -> Response {
    public.answer(SUMMARY, build)
}

/// Where the overview's answer lives, and its key among a snapshot's answers.
pub const SUMMARY: &str = "/api/v1/summary";

/// The overview's answer, from a snapshot's model.
pub fn build(model: &Model) -> Summary {
    Summary {
        demo: model.demo,
        generated_at: model.generated_at,
        headline: headline(&model.services).to_string(),
        services: model.services.clone(),
        notices: model.active_notices().cloned().collect(),
        upcoming: model.upcoming_notices().cloned().collect(),
        incidents: model
            .incidents
            .iter()
            .filter(|i| i.is_active())
            .map(crate::http::v1::public_incident)
            .collect(),
    }
}
