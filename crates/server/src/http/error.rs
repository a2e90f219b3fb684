//! Errors of the HTTP API, sent as `application/problem+json` (RFC 9457) with a message a
//! person can act on. Internal details are logged, never sent.

use axum::extract::path::ErrorKind as PathErrorKind;
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
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

/// A JSON body that does not fit `T`, said as the field to fix and how. serde_json calls a
/// value of the wrong kind for a field of fixed words (`"severity": 3`) a syntax error and
/// does not say the words; they are found by asking `T` about the body with a word it
/// cannot know in that place, so the answer can list them.
pub fn body_problem<T: DeserializeOwned>(rejection: JsonRejection, body: &[u8]) -> AppError {
    if let JsonRejection::JsonSyntaxError(e) = &rejection
        && let Some(found) = path_error(e)
        && found.inner().classify() == serde_json::error::Category::Syntax
        && let Some((words, sent)) = words_at::<T>(body, found.path())
    {
        return AppError::Unreadable(FieldError::new(
            found.path().to_string(),
            format!("This must be one of: {words} (in quotes), not {sent}."),
        ));
    }
    AppError::from(rejection)
}

/// The words the field at `path` of `T` takes, and what `body` has there instead.
fn words_at<T: DeserializeOwned>(
    body: &[u8],
    path: &serde_path_to_error::Path,
) -> Option<(String, String)> {
    use serde_path_to_error::Segment;
    let mut value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let slot = path
        .iter()
        .try_fold(&mut value, |v, segment| match segment {
            Segment::Map { key } => v.get_mut(key.as_str()),
            Segment::Seq { index } => v.get_mut(*index),
            Segment::Enum { .. } | Segment::Unknown => None,
        })?;
    let sent = match slot {
        serde_json::Value::Null => "null".to_string(),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => format!("the number {n}"),
        serde_json::Value::String(s) => format!("the text \"{s}\""),
        serde_json::Value::Array(_) => "a list".to_string(),
        serde_json::Value::Object(_) => "an object".to_string(),
    };
    // No field here takes the empty word, so serde names the ones it does take.
    *slot = serde_json::Value::String(String::new());
    let error = serde_path_to_error::deserialize::<_, T>(value).err()?;
    let text = error.inner().to_string();
    if error.path().to_string() != path.to_string() || !text.starts_with("unknown variant ") {
        return None;
    }
    Some((backticked_choices(&text), sent)).filter(|(words, _)| !words.is_empty())
}

/// The choices serde lists after the first two quoted words of `text`, e.g. the fields of
/// "unknown field `x`, expected one of `a`, `b`" are `a, b`.
fn backticked_choices(text: &str) -> String {
    text.split('`')
        .skip(3)
        .step_by(2)
        .collect::<Vec<_>>()
        .join(", ")
}

/// The deserializer's error with the path to the field at fault, which axum keeps inside
/// its rejection.
fn path_error<'a>(
    rejection: &'a (dyn std::error::Error + 'static),
) -> Option<&'a serde_path_to_error::Error<serde_json::Error>> {
    rejection
        .source()
        .and_then(std::error::Error::source)
        .and_then(|inner| inner.downcast_ref())
}

/// A body or query that does not fit the endpoint's type, said as the field to fix and
/// how. `path` is where the deserializer was, `text` what it said.
fn in_words(path: String, text: &str) -> FieldError {
    let under = |name: &str| {
        if path == "." || path.is_empty() {
            name.to_string()
        } else {
            format!("{path}.{name}")
        }
    };
    // serde_json appends where in the text the problem is; the field says it better.
    let text = text.rfind(" at line ").map_or(text, |at| &text[..at]);
    let quoted = |s: &str| s.split('`').nth(1).unwrap_or_default().to_string();
    let choices = backticked_choices;
    if let Some(rest) = text.strip_prefix("missing field ") {
        return FieldError::new(under(&quoted(rest)), "This is required. Add it.");
    }
    if text.starts_with("unknown field ") {
        let name = quoted(text);
        // The path already ends at the unknown field when the deserializer got that far.
        let field = if path.ends_with(&name) {
            path.clone()
        } else {
            under(&name)
        };
        let allowed = choices(text);
        let message = if allowed.is_empty() {
            format!("There is no field called \"{name}\" here. Remove it.")
        } else {
            format!("There is no field called \"{name}\" here. The fields are: {allowed}.")
        };
        return FieldError::new(field, message);
    }
    if text.starts_with("unknown variant ") {
        return FieldError::new(
            path,
            format!(
                "\"{}\" is not allowed here. Use one of: {}.",
                quoted(text),
                choices(text)
            ),
        );
    }
    if let Some(rest) = text
        .strip_prefix("invalid type: ")
        .or_else(|| text.strip_prefix("invalid value: "))
        && let Some((found, expected)) = rest.split_once(", expected ")
    {
        return FieldError::new(
            path,
            format!(
                "This must be {}, not {}.",
                plain_type(expected),
                plain_found(found)
            ),
        );
    }
    if text.starts_with("data did not match any variant of untagged enum") {
        let message = if text.ends_with("TimelineWhen") {
            "Give either at, or from and to: each a date and time with its offset, like \
             2026-11-24T10:47:00Z."
        } else {
            "This does not have a shape this field takes. See /api/v1/openapi.json."
        };
        return FieldError::new(path, message);
    }
    // Numbers in a query string that are not numbers.
    if text == "invalid digit found in string" || text == "cannot parse integer from empty string" {
        return FieldError::new(path, "This must be a whole number.");
    }
    if text == "number too large to fit in target type" {
        return FieldError::new(path, "This number is too large.");
    }
    // chrono's words for a time it cannot read.
    if [
        "input contains invalid characters",
        "premature end of input",
        "trailing input",
        "input is out of range",
        "input is not enough for unique date and time",
        "no possible date and time matching input",
    ]
    .contains(&text)
    {
        return FieldError::new(
            path,
            "This must be a date and time with its offset, like 2026-11-24T10:47:00Z.",
        );
    }
    FieldError::new(path, format!("{text}."))
}

/// The deserializer's name for what it found, as people say it.
fn plain_found(found: &str) -> String {
    let inner = found.split('`').nth(1);
    match found.split(' ').next().unwrap_or_default() {
        "map" => "an object".into(),
        "sequence" => "a list".into(),
        "unit" | "null" => "null".into(),
        "integer" | "floating" => format!("the number {}", inner.unwrap_or_default()),
        "boolean" => inner.unwrap_or("true or false").to_string(),
        "string" => format!("the text {}", found.trim_start_matches("string ")),
        _ => found.to_string(),
    }
}

/// The deserializer's name for a type, as people say it.
fn plain_type(expected: &str) -> String {
    match expected {
        "u8" | "u16" | "u32" | "u64" | "usize" => "a whole number, 0 or more".into(),
        "i8" | "i16" | "i32" | "i64" | "isize" => "a whole number".into(),
        "f32" | "f64" => "a number".into(),
        "a boolean" => "true or false".into(),
        "a sequence" => "a list, in [ ]".into(),
        "a map" => "an object, in { }".into(),
        "a string" => "text, in quotes".into(),
        s if s.starts_with("struct ") => "an object, in { }".into(),
        s if s.contains("RFC 3339") || s.contains("date and time") => {
            "a date and time with its offset, like 2026-11-24T10:47:00Z".into()
        }
        s => s.to_string(),
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
                    format!(
                        "Too many failed sign-in attempts. Wait {} minutes and try again.",
                        retry_after_secs.div_ceil(60)
                    ),
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
