//! Errors of the HTTP API, sent as `application/problem+json` (RFC 9457) with a message a
//! person can act on. Internal details are logged, never sent.

mod upstream;

pub use upstream::body_problem;
use upstream::{in_words, path_error, plain_type};

use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use tis_core::FieldError;
use tis_core::problem::ProblemType;

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found: {0}")]
    NotFound(String),
    /// The body is not what this endpoint takes (bad JSON, unknown field, wrong type).
    #[error("bad request: {0}")]
    BadRequest(String),
    /// Like `BadRequest`, where the one field at fault is known.
    #[error("unreadable: {}: {}", .0.field, .0.message)]
    Unreadable(FieldError),
    /// The query string reads, but a value is out of range; every problem is listed.
    #[error("bad query: {0:?}")]
    BadQuery(Vec<FieldError>),
    /// The body reads, but breaks the rules; every problem is listed.
    #[error("invalid: {0:?}")]
    Invalid(Vec<FieldError>),
    #[error("request body too large")]
    TooLarge,
    /// The address exists, but not for this method (e.g. DELETE on a read).
    #[error("method {0} not allowed")]
    MethodNotAllowed(String),
    #[error("sign in required")]
    Unauthorized,
    /// A heartbeat report without its heartbeat's own token, or with another.
    #[error("heartbeat token missing or wrong")]
    HeartbeatToken,
    /// A scrape of `/metrics` without the token of `[metrics] token_env`, or with another.
    #[error("metrics token missing or wrong")]
    MetricsToken,
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
    /// A report save based on a revision that is no longer the latest. Nothing was saved.
    #[error("stale revision: based on {base}, now at {current}")]
    StaleRevision {
        incident: i64,
        base: u32,
        current: u32,
    },
    #[error("too many attempts")]
    TooManyAttempts { retry_after_secs: u64 },
    /// A client sent more requests than its limit allows; `detail` says which and what to
    /// do instead.
    #[error("too many requests: {detail}")]
    TooFast {
        retry_after_secs: u64,
        detail: String,
    },
    /// The server is too busy for this now; `detail` says what to do.
    #[error("busy: {detail}")]
    Busy {
        retry_after_secs: u64,
        detail: String,
    },
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
            StoreError::Conflict {
                incident,
                base,
                current,
            } => AppError::StaleRevision {
                incident,
                base,
                current,
            },
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
            JsonRejection::JsonDataError(e) => match path_error(&e) {
                Some(error) => AppError::Unreadable(in_words(
                    error.path().to_string(),
                    &error.inner().to_string(),
                )),
                None => AppError::BadRequest(e.body_text()),
            },
            JsonRejection::JsonSyntaxError(e) => {
                let found = path_error(&e);
                let at = found
                    .map(|error| error.inner())
                    .or_else(|| {
                        std::error::Error::source(&e)
                            .and_then(std::error::Error::source)
                            .and_then(|inner| inner.downcast_ref::<serde_json::Error>())
                    })
                    .map(|error| format!(" near line {}, column {}", error.line(), error.column()))
                    .unwrap_or_default();
                // serde_json calls a value of the wrong kind for an enum (a number for
                // `severity`) a syntax error; either way the field is the place to look.
                if let Some(found) = found
                    && found.inner().classify() == serde_json::error::Category::Syntax
                    && !matches!(found.path().to_string().as_str(), "." | "")
                    && !found.path().to_string().contains('?')
                {
                    return AppError::Unreadable(FieldError::new(
                        found.path().to_string(),
                        format!(
                            "This must be a value this field takes, such as one of its words in \
                             quotes; what is here cannot be read ({}).",
                            at.trim()
                        ),
                    ));
                }
                if at == " near line 1, column 0" {
                    return AppError::BadRequest(
                        "The body is empty. Send the details as JSON.".into(),
                    );
                }
                AppError::BadRequest(format!(
                    "The body is not valid JSON{at}. Check for a missing comma, quote or \
                     bracket, or text after the end."
                ))
            }
            other => AppError::BadRequest(other.body_text()),
        }
    }
}

impl From<QueryRejection> for AppError {
    fn from(rejection: QueryRejection) -> Self {
        // The rejection is one of several kinds, each wrapping the deserializer's error.
        let found = std::error::Error::source(&rejection)
            .and_then(std::error::Error::source)
            .and_then(|inner| {
                inner.downcast_ref::<serde_path_to_error::Error<serde_urlencoded::de::Error>>()
            });
        if let Some(error) = found {
            return AppError::Unreadable(in_words(
                error.path().to_string(),
                &error.inner().to_string(),
            ));
        }
        AppError::BadRequest(format!(
            "The address has a query this endpoint cannot read: {}",
            rejection.body_text()
        ))
    }
}

impl From<PathRejection> for AppError {
    fn from(rejection: PathRejection) -> Self {
        path_problem(rejection, &[])
    }
}

/// A part of the address that does not parse, named by its parameter (`params` are the
/// address's parameters, to find the name when the router did not give it).
pub fn path_problem(rejection: PathRejection, params: &[(&str, &str)]) -> AppError {
    if let PathRejection::FailedToDeserializePathParams(e) = &rejection {
        let (key, value, expected) = match e.kind() {
            PathErrorKind::ParseErrorAtKey {
                key,
                value,
                expected_type,
            } => (Some(key.as_str()), value, expected_type),
            PathErrorKind::ParseError {
                value,
                expected_type,
            }
            | PathErrorKind::ParseErrorAtIndex {
                value,
                expected_type,
                ..
            } => (
                params.iter().find(|(_, v)| v == value).map(|(k, _)| *k),
                value,
                expected_type,
            ),
            _ => return AppError::BadRequest(rejection.body_text()),
        };
        let expected = plain_type(expected);
        return AppError::Unreadable(match key {
            Some(key) => FieldError::new(
                key,
                format!("The {key} in this address is \"{value}\", but it must be {expected}."),
            ),
            None => FieldError::new(
                "address",
                format!("This address has \"{value}\" where {expected} must be."),
            ),
        });
    }
    AppError::BadRequest(rejection.body_text())
}

/// An error answer (RFC 9457 problem details), sent as `application/problem+json`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// What kind of problem this is, as a URI reference relative to this server: match
    /// on this, not on the English of `title` or `detail`.
    #[serde(rename = "type")]
    #[schema(example = "/problems/validation")]
    kind: ProblemType,
    /// A short, fixed summary of the kind of problem: the same for every answer of one
    /// `type`.
    #[schema(example = "Some details need fixing")]
    title: String,
    /// The HTTP status code.
    #[schema(example = 422)]
    status: u16,
    /// What went wrong and what to do about it, for a person to read.
    #[schema(example = "title: give the notice a title")]
    detail: String,
    /// Every field that needs fixing and how: all of them for 422 answers, the one at
    /// fault for a 400 when it is known.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<FieldError>,
    /// For a 409 answer to a report save: the revision now stored, which the save was not
    /// based on. Read it at `/api/v1/incidents/{id}/report/revisions/{current_revision}`,
    /// compare, and save again with it as `base_revision`.
    #[serde(skip_serializing_if = "Option::is_none")]
    current_revision: Option<u32>,
    /// The id of the request this answers, also sent as the `X-Request-Id` header: quote
    /// it to support, who can find every log line written while answering it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "0b6f4a4e-3b7e-4c1e-9d8a-51c2f0e7a9d3")]
    request_id: Option<String>,
}

impl Problem {
    /// A problem of `kind`, titled with its kind's words.
    pub fn new(kind: ProblemType, status: StatusCode, detail: String) -> Problem {
        Problem {
            kind,
            title: kind.label().to_string(),
            status: status.as_u16(),
            detail,
            errors: Vec::new(),
            current_revision: None,
            request_id: crate::http::trace::current_request_id(),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut errors = Vec::new();
        let mut retry_after = None;
        let mut current_revision = None;
        let (status, kind, detail) = match self {
            AppError::NotFound(what) => (
                StatusCode::NOT_FOUND,
                ProblemType::NotFound,
                format!("There is no {what}. Check the address."),
            ),
            AppError::BadRequest(detail) => {
                (StatusCode::BAD_REQUEST, ProblemType::Unreadable, detail)
            }
            AppError::Unreadable(error) => {
                let detail = format!("{}: {}", error.field, error.message);
                errors.push(error);
                (StatusCode::BAD_REQUEST, ProblemType::Unreadable, detail)
            }
            AppError::BadQuery(list) => {
                let detail = match list.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} things need fixing; see errors.", many.len()),
                };
                errors = list;
                (StatusCode::BAD_REQUEST, ProblemType::BadQuery, detail)
            }
            AppError::Invalid(list) => {
                let detail = match list.as_slice() {
                    [one] => format!("{}: {}", one.field, one.message),
                    many => format!("{} things need fixing; see errors.", many.len()),
                };
                errors = list;
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    ProblemType::Validation,
                    detail,
                )
            }
            AppError::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                ProblemType::TooLarge,
                format!(
                    "Requests may be at most {} KB. Shorten the text and try again.",
                    crate::http::v1::BODY_LIMIT / 1024
                ),
            ),
            AppError::MethodNotAllowed(method) => (
                StatusCode::METHOD_NOT_ALLOWED,
                ProblemType::MethodNotAllowed,
                format!(
                    "This address does not take {method} requests. /api/v1/openapi.json lists \
                     what each address takes."
                ),
            ),
            AppError::Unauthorized => (
                StatusCode::UNAUTHORIZED,
                ProblemType::SignInRequired,
                "Sign in, or send a valid API token as Authorization: Bearer <token>.".into(),
            ),
            AppError::HeartbeatToken => (
                StatusCode::UNAUTHORIZED,
                ProblemType::SignInRequired,
                "Send this heartbeat's own token as Authorization: Bearer <token>. It is made \
                 (and made again, which stops the old one) with `tis-status heartbeat token \
                 SERVICE/N`. Nothing was recorded."
                    .into(),
            ),
            AppError::MetricsToken => (
                StatusCode::UNAUTHORIZED,
                ProblemType::SignInRequired,
                "Send the metrics token, the value of the environment variable that \
                 [metrics] token_env names, as Authorization: Bearer <token>."
                    .into(),
            ),
            AppError::SignInFailed => (
                StatusCode::UNAUTHORIZED,
                ProblemType::SignInFailed,
                "That name and password do not match an active account. Check both and try \
                 again."
                    .into(),
            ),
            AppError::CsrfToken => (
                StatusCode::FORBIDDEN,
                ProblemType::Csrf,
                "Writes made with the sign-in cookie must send the header X-CSRF-Token with the \
                 csrf_token given at sign-in (GET /api/v1/session gives it again)."
                    .into(),
            ),
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error while answering a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ProblemType::Internal,
                    "The request could not be completed. Try again in a minute.".to_string(),
                )
            }
            AppError::Forbidden { needed } => (
                StatusCode::FORBIDDEN,
                ProblemType::Forbidden,
                format!("This needs the {needed} role. Ask an admin if you need it."),
            ),
            AppError::Conflict(detail) => (StatusCode::CONFLICT, ProblemType::Conflict, detail),
            AppError::StaleRevision {
                incident,
                base,
                current,
            } => {
                current_revision = Some(current);
                (
                    StatusCode::CONFLICT,
                    ProblemType::StaleRevision,
                    format!(
                        "Your changes were not saved, so that they do not overwrite \
                         revision {current}, which someone saved after revision {base} that \
                         you started from. Nothing you wrote is lost: keep it, read revision \
                         {current} at /api/v1/incidents/{incident}/report/revisions/{current}, \
                         combine the two, and save again with base_revision {current}."
                    ),
                )
            }
            AppError::TooManyAttempts { retry_after_secs } => {
                retry_after = Some(retry_after_secs);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    ProblemType::TooManyAttempts,
                    if retry_after_secs < 60 {
                        format!(
                            "Too many failed sign-in attempts from here. Wait {retry_after_secs} \
                             seconds and try again."
                        )
                    } else {
                        format!(
                            "Too many failed sign-in attempts from here. Wait {} minutes and \
                             try again.",
                            retry_after_secs.div_ceil(60)
                        )
                    },
                )
            }
            AppError::TooFast {
                retry_after_secs,
                detail,
            } => {
                retry_after = Some(retry_after_secs);
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    ProblemType::RateLimited,
                    detail,
                )
            }
            AppError::Busy {
                retry_after_secs,
                detail,
            } => {
                retry_after = Some(retry_after_secs);
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    ProblemType::Unavailable,
                    detail,
                )
            }
            AppError::Store(e) => {
                tracing::error!(error = %e, "store error while answering a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    ProblemType::Internal,
                    "The request could not be completed. Try again in a minute.".to_string(),
                )
            }
        };
        let body = Problem {
            errors,
            current_revision,
            ..Problem::new(kind, status, detail)
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
