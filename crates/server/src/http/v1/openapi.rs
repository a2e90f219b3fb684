//! The OpenAPI 3.1 document of `/api/v1`, generated from the handlers' annotations. Routes
//! are registered from those same annotations (utoipa-axum's `routes!`), so an endpoint
//! cannot be served without being described, nor described without being served.

use std::sync::Arc;

use axum::Extension;
use axum::http::{HeaderMap, Method};
use axum::response::Response;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{IntoResponses, Modify, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::config::Config;
use crate::http::error::Problem;
use crate::read::snapshot::Cached;

/// The security scheme of the session cookie set by `POST /api/v1/session`.
pub const SESSION: &str = "session";
/// The security scheme of the CSRF header that cookie writes must carry.
pub const CSRF: &str = "csrf";
/// The security scheme of API tokens.
pub const TOKEN: &str = "token";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "TIS Status API",
        description = "The status of TIS services, notices, incidents and incident reports. \
            Reads are public unless marked otherwise. Writes need either the session cookie \
            from `POST /api/v1/session` together with the `X-CSRF-Token` header it gives, \
            or an API token sent as `Authorization: Bearer <token>`. Every error is \
            `application/problem+json` (RFC 9457) and says what to fix. Times are UTC \
            (RFC 3339); pages show them in UK time.",
        license(name = "MIT", identifier = "MIT"),
    ),
    modifiers(&SecuritySchemes),
    components(schemas(Problem, tis_core::FieldError)),
    tags(
        (name = "services", description = "Live status, uptime, latency and probe results"),
        (name = "summary", description = "The overview page in one request"),
        (name = "notices", description = "Information, planned maintenance and known problems"),
        (name = "incidents", description = "Incidents, their updates, reports and revisions"),
        (name = "accounts", description = "Signing in, accounts and API tokens"),
        (name = "probes", description = "Results pushed by standalone probers"),
        (name = "heartbeats", description = "Batch jobs reporting in: start, success, fail"),
        (name = "alerts", description = "Team alerts: channels, what was sent, test alerts"),
        (name = "subscriptions", description = "Email about incidents and planned maintenance, for anyone who asks"),
        (name = "events", description = "Live notice of changes"),
        (name = "meta", description = "This document"),
    )
)]
struct ApiDoc;

/// Adds the ways to authenticate, which annotations can name but not define.
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            SESSION,
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                crate::auth::SESSION_COOKIE,
                "Set by POST /api/v1/session (HttpOnly, SameSite=Strict); named \
                 __Host-tis_session, and Secure, when the server's public URL is https. Writes \
                 made with it must also send the X-CSRF-Token header.",
            ))),
        );
        components.add_security_scheme(
            CSRF,
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-CSRF-Token",
                "The csrf_token from POST or GET /api/v1/session. Needed on every write made \
                 with the session cookie; not with an API token.",
            ))),
        );
        components.add_security_scheme(
            TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API token made by an admin (`tis-status token create` or POST \
                         /api/v1/tokens). Starts with `tis_`.",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            crate::http::v1::heartbeats::HEARTBEAT,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "A heartbeat's own token, made (and made again, which stops the old \
                         one) with `tis-status heartbeat token SERVICE/N`. Only as this \
                         header: never in the address, which ends up in logs.",
                    ))
                    .build(),
            ),
        );
    }
}

/// What every write may be refused with, besides the answers particular to it.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only described, never built: the handlers answer with `AppError`.
pub enum WriteProblems {
    /// The body is not JSON, has a field this endpoint does not take, or a value of the
    /// wrong type. The detail names the field.
    #[response(status = 400, content_type = "application/problem+json")]
    BadRequest(Problem),
    /// No credentials, or a token or session that has ended.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Signed in without the role this needs, or a write made with the session cookie
    /// without its `X-CSRF-Token` header.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
    /// The body is larger than 256 KB.
    #[response(status = 413, content_type = "application/problem+json")]
    TooLarge(Problem),
    /// The body reads, but breaks the rules: `errors` lists every field to fix and how.
    #[response(status = 422, content_type = "application/problem+json")]
    Invalid(Problem),
}

/// What a read for staff may be refused with.
#[derive(IntoResponses)]
#[allow(dead_code)] // Only described, never built: the handlers answer with `AppError`.
pub enum StaffProblems {
    /// No credentials, or a token or session that has ended.
    #[response(status = 401, content_type = "application/problem+json")]
    Unauthorized(Problem),
    /// Signed in without the role this needs.
    #[response(status = 403, content_type = "application/problem+json")]
    Forbidden(Problem),
}

/// Nothing has that id or name.
#[derive(IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(#[allow(dead_code)] Problem);

/// A part of the address does not read as what it must be (an id that is not a whole
/// number, a time that is not a time), or the query string has a parameter this endpoint
/// does not take or a value out of range. `errors` names the part.
#[derive(IntoResponses)]
#[response(status = 400, content_type = "application/problem+json")]
pub struct BadQuery(#[allow(dead_code)] Problem);

/// A cached answer that has not changed since the ETag sent in `If-None-Match`.
#[derive(IntoResponses)]
#[response(status = 304)]
pub struct NotModified;

/// The answer to a push of probe results.
#[derive(ToSchema)]
#[allow(dead_code)] // Only described: the handler answers with the same shape as JSON.
pub struct Accepted {
    /// How many results were stored.
    accepted: usize,
}

/// This OpenAPI document.
///
/// Built once at start-up from the code that serves each endpoint.
#[utoipa::path(
    get,
    path = "/openapi.json",
    operation_id = "openapi_document",
    tag = "meta",
    responses(
        (status = 200, description = "This OpenAPI 3.1 document", body = Object),
        NotModified,
    )
)]
async fn document(Extension(doc): Extension<Arc<Cached>>, headers: HeaderMap) -> Response {
    doc.respond(&headers)
}

/// `/api/v1` with its document: the routes, and the document served at
/// `/api/v1/openapi.json`, both from the same annotations.
pub fn api_router(config: &Config) -> axum::Router<AppState> {
    let (router, doc) = parts();
    let (json, missing) = refined(&doc, config);
    for place in missing {
        tracing::error!(place, "an API rule has no place in the OpenAPI document");
    }
    let bytes = serde_json::to_vec(&json).unwrap_or_else(|e| {
        tracing::error!(error = %e, "the OpenAPI document did not serialize");
        b"{}".to_vec()
    });
    let cached = Arc::new(Cached::new(bytes, "application/json"));
    router
        .method_not_allowed_fallback(|method: Method| async move {
            crate::http::error::AppError::MethodNotAllowed(method.to_string())
        })
        .layer(Extension(cached))
}

/// The routes and the document the annotations make.
fn parts() -> (axum::Router<AppState>, utoipa::openapi::OpenApi) {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest(
            "/api/v1",
            crate::http::v1::router().routes(routes!(document)),
        )
        .split_for_parts()
}

/// The annotations' document with the rules of [`crate::http::v1::openapi_rules`] written in for
/// this server's config, as JSON, and the places those rules did not find.
fn refined(doc: &utoipa::openapi::OpenApi, config: &Config) -> (serde_json::Value, Vec<String>) {
    let mut json = serde_json::to_value(doc).unwrap_or_default();
    let missing = crate::http::v1::openapi_rules::refine(&mut json, config);
    (json, missing)
}

/// The document as served for `config`, and the places its rules did not find (for tests).
pub fn document_for(config: &Config) -> (serde_json::Value, Vec<String>) {
    refined(&parts().1, config)
}

#[cfg(test)]
mod tests {
    /// The drift guard: `routes!` registers a handler from its annotation, but
    /// `OpenApiRouter::route` (axum's plain `route`) would add one the document does not
    /// know. Any such call in the API modules fails this test.
    #[test]
    fn every_api_route_is_registered_from_its_annotation() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/http/v1");
        let files: Vec<_> = std::fs::read_dir(&dir)
            .expect("src/http/v1")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .collect();
        assert!(
            files.iter().any(|f| f.ends_with("events.rs")) && files.len() > 5,
            "the API modules are found: {files:?}"
        );
        for file in files {
            let text = std::fs::read_to_string(&file).expect("source reads");
            // Spelt in pieces so that this file does not match itself.
            for method in ["route", "route_service", "nest_service"] {
                let call = format!(".{method}(");
                assert!(
                    !text.contains(&format!("{call}\"")),
                    "{} registers a route with {call}...), which the OpenAPI document \
                     cannot see; use .routes(routes!(handler)) with #[utoipa::path]",
                    file.display()
                );
            }
        }
    }
}
