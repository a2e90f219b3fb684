//! Errors of the HTTP API, sent as `application/problem+json` (RFC 9457) with a message a
//! person can act on. Internal details are logged, never sent.

use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tis_core::FieldError;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found: {0}")]
    NotFound(String),
    /// The body is not what this endpoint takes (bad JSON, unknown field, wrong type).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// The body reads, but breaks the rules; every problem is listed.
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("request body too large")]
    TooLarge,
    #[error("sign in required")]
    Unauthorized,
    /// Sign-in with a name and password that match no active account. One message for
    /// an unknown name and a wrong password, so that names cannot be discovered.
    #[error("wrong name or password")]
    SignInFailed,
    /// A write made with the session cookie did not carry its CSRF token.
    #[error("CSRF token missing or wrong")]
    CsrfToken,
    #[error("role {needed} required")]
    Forbidden { needed: &'static str },
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    #[error(transparent)]
    Store(StoreError),
    /// Something on our side failed that is not the store (e.g. the OS random source).
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => AppError::NotFound(what),
            StoreError::Conflict { current } => AppError::Conflict(format!(
                "Someone else saved this report while you were editing it. It is now at \
                 revision {current}. Reload it, make your changes again, and save."
            )),
            other => AppError::Store(other),
        }
    }
}

impl From<JsonRejection> for AppError {
    fn from(rejection: JsonRejection) -> Self {
        match rejection {
            JsonRejection::MissingJsonContentType(_) => AppError::BadRequest(
                "Send the body as JSON with the header Content-Type: application/json.".into(),
            ),
            JsonRejection::BytesRejection(_) => AppError::TooLarge,
            other => AppError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        AppError::BadRequest(format!(
            "The address has a query this endpoint cannot read: {}",
            rejection.body_text()
        ))
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        AppError::BadRequest(rejection.body_text())
    }
}

/// An error answer (RFC 9457 problem details), sent as `application/problem+json`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    #[schema(example = "about:blank")]
    kind: String,
    /// A short, fixed summary of the kind of problem.
    #[schema(example = "Some details need fixing")]
    title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    status: u16,
    /// What went wrong and what to do about it, for a person to read.
    #[schema(example = "title: give the notice a title")]
    detail: String,
    /// For 422 answers: every field that needs fixing and how.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut errors = Vec::new();
        let mut retry_after = None;
        let (status, title, detail) = match self {
            AppError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                "Not found",
                format!("There is no {what}. Check the address."),
            ),
            AppError::BadRequest(detail) => (
                StatusCode::BAD_REQUEST,
                "The request could not be read",
                detail,
            ),
            AppError::Invalid(list) => {
                let detail = match list.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} things need fixing; see errors.", many.len()),
                };
                errors = list;
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "Some details need fixing",
                    detail,
                )
            }
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "The request is too large",
                format!(
                    "Requests may be at most {} KB. Shorten the text and try again.",
                    crate::api::BODY_LIMIT / 1024
                ),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                "Sign in required",
                "Sign in, or send a valid API token as Authorization: Bearer <token>.".into(),
            ),
            AppError::SignInFailed => (
                StatusCode::UNAUTHORIZED,
                "Sign-in failed",
                "That name and password do not match an active account. Check both and try \
                 again."
                    .into(),
            ),
            AppError::CsrfToken => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                "Writes made with the sign-in cookie must send the header X-CSRF-Token with the \
                 csrf_token given at sign-in (GET /api/v1/session gives it again)."
                    .into(),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error while answering a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "The request could not be completed. Try again in a minute.".to_string(),
                )
            }
            AppError::Forbidden { needed } => (
                StatusCode::FORBIDDEN,
                "Not allowed",
                format!("This needs the {needed} role. Ask an admin if you need it."),
            ),
            AppError::Conflict(detail) => (StatusCode::CONFLICT, "Conflict", detail),
            AppError::TooManyAttempts { retry_after_secs } => {
                retry_after = Some(retry_after_secs);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    "Too many attempts",
                    format!(
                        "Too many failed sign-in attempts. Wait {} minutes and try again.",
                        retry_after_secs.div_ceil(60)
                    ),
                )
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "store error while answering a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong on our side",
                    "The request could not be completed. Try again in a minute.".to_string(),
                )
            }
        };
        let body = Problem {
            kind: "about:blank".into(),
            title: title.into(),
            status: status.as_u16(),
            detail,
            errors,
        };
        let mut response = (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            serde_json::to_string(&body).unwrap_or_default(),
        )
            .into_response();
        if let Some(secs) = retry_after
            && let Ok(value) = HeaderValue::from_str(&secs.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
