//! The one HTTP client of both bundles (public pages and staff pages): every request the
//! browser app makes goes through [`send`], every failure is an [`ApiError`], and every
//! error answer is read by one problem-details (RFC 9457) reader, [`problem`].
//!
//! Written on the browser's own `fetch` rather than an HTTP crate: the public pages pay
//! for every kilobyte of Wasm on a slow hospital network, and the staff pages need
//! nothing a crate would add.

use std::fmt;

use leptos::prelude::*;
use serde::Deserialize;
use tis_core::FieldError;
use tis_core::problem::ProblemType;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Why a request did not work, in words a person can act on. `Display` gives the words
/// for something that could not be loaded; [`ApiError::after_write`] those for a save.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not reach the server, or it took too long.
    Network,
    /// The sign-in has ended (or never began): sign in again and retry (401).
    SignedOut,
    /// The server refused the name and password, or asked to wait; the words say which.
    SignInRefused(String),
    /// The account's role does not allow this, or a write lacked its CSRF token (403).
    /// `kind` is the problem's `type`, when it is one the server documents.
    Forbidden {
        detail: String,
        kind: Option<ProblemType>,
    },
    /// There is no such thing (a mistyped address, or it was removed).
    NotFound(String),
    /// Some details need fixing; each problem is named against its field.
    Invalid {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Someone else changed it first; for a report, the revision now stored.
    Conflict {
        detail: String,
        current_revision: Option<u32>,
    },
    /// Any other answer the server gave.
    Server { status: u16, detail: String },
    /// An answer this version of the app cannot read.
    Unreadable,
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => f.write_str("We cannot reach the status server right now."),
            ApiError::SignedOut => f.write_str("Your sign-in has ended. Sign in again."),
            ApiError::SignInRefused(detail)
            | ApiError::Forbidden { detail, .. }
            | ApiError::NotFound(detail)
            | ApiError::Conflict { detail, .. }
            | ApiError::Server { detail, .. } => f.write_str(detail),
            ApiError::Invalid { detail, errors } => {
                if errors.is_empty() {
                    f.write_str(detail)
                } else {
                    f.write_str("Some details need fixing. Each problem is shown by its field.")
                }
            }
            ApiError::Unreadable => f.write_str(
                "The status server sent something this page cannot read. Reload the page to get the latest version.",
            ),
        }
    }
}

impl ApiError {
    /// Whether asking again later may work.
    pub fn is_passing(&self) -> bool {
        matches!(
            self,
            ApiError::Network | ApiError::Server { status: 500.., .. }
        )
    }

    /// The words for a save that did not work: what happened to what was typed.
    pub fn after_write(&self) -> String {
        match self {
            ApiError::Network => "We could not reach the status server, so nothing was saved. \
                What you typed is kept in this browser: check your connection and try again."
                .into(),
            ApiError::SignedOut => "Your sign-in has ended, so nothing was saved. Sign in \
                again: what you typed is kept."
                .into(),
            ApiError::Unreadable => "The status server sent an answer this page cannot read. \
                Reload the page; what you typed is kept in this browser."
                .into(),
            other => other.to_string(),
        }
    }
}

/// The problem details the server sends with every error answer.
#[derive(Deserialize, Default)]
struct Problem {
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default)]
    detail: String,
    #[serde(default)]
    errors: Vec<FieldError>,
    #[serde(default)]
    current_revision: Option<u32>,
}

/// Reads an error answer: its status and problem details (RFC 9457), or, when the body
/// is not problem details (a proxy's error page), the status alone.
pub fn problem(status: u16, body: &str) -> ApiError {
    let p: Problem = serde_json::from_str(body).unwrap_or_default();
    let detail = if p.detail.is_empty() {
        match status {
            404 => "There is nothing at this address.".to_string(),
            _ => {
                format!("The status server had a problem (error {status}). Try again in a minute.")
            }
        }
    } else {
        p.detail
    };
    match status {
        401 => ApiError::SignedOut,
        403 => ApiError::Forbidden {
            detail,
            kind: ProblemType::parse(&p.kind),
        },
        404 => ApiError::NotFound(detail),
        400 | 413 | 422 => ApiError::Invalid {
            detail,
            errors: p.errors,
        },
        409 => ApiError::Conflict {
            detail,
            current_revision: p.current_revision,
        },
        _ => ApiError::Server { status, detail },
    }
}

/// One request: what to ask, and how.
pub struct Request<'a> {
    method: &'static str,
    path: &'a str,
    body: Option<String>,
    headers: Vec<(&'static str, String)>,
    /// Never answered from the browser's cache (staff answers differ from the public copy
    /// at the same address).
    no_store: bool,
    timeout_ms: Option<u32>,
}

impl<'a> Request<'a> {
    pub fn new(method: &'static str, path: &'a str) -> Self {
        Request {
            method,
            path,
            body: None,
            headers: vec![("Accept", "application/json".into())],
            no_store: false,
            timeout_ms: None,
        }
    }

    pub fn get(path: &'a str) -> Self {
        Self::new("GET", path)
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }

    /// Sends `json` (already serialised) as the body.
    pub fn json(mut self, json: String) -> Self {
        self.headers
            .push(("Content-Type", "application/json".into()));
        self.body = Some(json);
        self
    }

    pub fn no_store(mut self) -> Self {
        self.no_store = true;
        self
    }

    /// Gives up (as [`ApiError::Network`]) after `ms` milliseconds.
    pub fn timeout(mut self, ms: u32) -> Self {
        self.timeout_ms = Some(ms);
        self
    }

    /// Whether this request changes something (and so, made with the cookie, needs the
    /// CSRF token).
    pub fn is_write(&self) -> bool {
        !matches!(self.method, "GET" | "HEAD")
    }
}

/// A successful answer (2xx, or a 304 to a request that sent `If-None-Match`).
pub struct Answer {
    pub status: u16,
    pub body: String,
    headers: web_sys::Headers,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).ok().flatten()
    }

    /// The body read as `T`.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, ApiError> {
        serde_json::from_str(&self.body).map_err(|_| ApiError::Unreadable)
    }
}

/// Sends `request`. An error answer is read by [`problem`].
pub async fn send(request: Request<'_>) -> Result<Answer, ApiError> {
    let init = web_sys::RequestInit::new();
    init.set_method(request.method);
    let headers = web_sys::Headers::new().map_err(|_| ApiError::Network)?;
    for (name, value) in &request.headers {
        let _ = headers.set(name, value);
    }
    init.set_headers(&headers);
    if let Some(body) = &request.body {
        init.set_body(&wasm_bindgen::JsValue::from_str(body));
    }
    if request.no_store {
        init.set_cache(web_sys::RequestCache::NoStore);
    }
    let abort = request
        .timeout_ms
        .and_then(|_| web_sys::AbortController::new().ok());
    if let Some(a) = &abort {
        init.set_signal(Some(&a.signal()));
    }
    let timer = abort.clone().zip(request.timeout_ms).map(|(a, ms)| {
        set_timeout_with_handle(
            move || a.abort(),
            std::time::Duration::from_millis(u64::from(ms)),
        )
    });
    let result = fetch(request.path, &init).await;
    if let Some(Ok(handle)) = timer {
        handle.clear();
    }
    result
}

async fn fetch(path: &str, init: &web_sys::RequestInit) -> Result<Answer, ApiError> {
    let request =
        web_sys::Request::new_with_str_and_init(path, init).map_err(|_| ApiError::Network)?;
    let response: web_sys::Response = JsFuture::from(window().fetch_with_request(&request))
        .await
        .map_err(|_| ApiError::Network)?
        .dyn_into()
        .map_err(|_| ApiError::Network)?;
    let status = response.status();
    let body = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|t| t.as_string())
            .ok_or(ApiError::Network)?,
        Err(_) => return Err(ApiError::Network),
    };
    if !response.ok() && status != 304 {
        return Err(problem(status, &body));
    }
    Ok(Answer {
        status,
        body,
        headers: response.headers(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_are_read_by_status_and_type_never_by_their_words() {
        let body = r#"{"type":"/problems/csrf","title":"Security check failed","status":403,"detail":"Send the header."}"#;
        assert_eq!(
            problem(403, body),
            ApiError::Forbidden {
                detail: "Send the header.".into(),
                kind: Some(ProblemType::Csrf)
            }
        );
        let role = r#"{"type":"/problems/forbidden","title":"Not allowed","status":403,"detail":"This needs the admin role."}"#;
        assert!(matches!(
            problem(403, role),
            ApiError::Forbidden {
                kind: Some(ProblemType::Forbidden),
                ..
            }
        ));
        let blank = r#"{"type":"about:blank","status":403,"detail":"Your role cannot."}"#;
        assert!(matches!(
            problem(403, blank),
            ApiError::Forbidden { kind: None, .. }
        ));
        let invalid = r#"{"type":"about:blank","status":422,"detail":"title: give it a title","errors":[{"field":"title","message":"Give it a title."}]}"#;
        let ApiError::Invalid { errors, .. } = problem(422, invalid) else {
            panic!("a 422 is a list of field problems");
        };
        assert_eq!(errors[0].field, "title");
        let conflict = r#"{"status":409,"detail":"Someone saved first.","current_revision":4}"#;
        assert_eq!(
            problem(409, conflict),
            ApiError::Conflict {
                detail: "Someone saved first.".into(),
                current_revision: Some(4)
            }
        );
    }

    #[test]
    fn an_error_page_that_is_not_problem_details_still_says_what_happened() {
        assert_eq!(
            problem(502, "<html>Bad gateway</html>").to_string(),
            "The status server had a problem (error 502). Try again in a minute."
        );
        assert_eq!(
            problem(404, "").to_string(),
            "There is nothing at this address."
        );
        assert_eq!(problem(401, ""), ApiError::SignedOut);
    }
}
