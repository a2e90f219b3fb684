//! The staff pages' client for the write API: signing in and out, the CSRF token that
//! every write made with the session cookie must carry, reads that must never come from
//! a cache, and drafts kept in the browser until they are saved.

use std::cell::RefCell;
use std::fmt;

use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tis_core::FieldError;
use tis_core::account::{SessionInfo, SignIn};
use tis_core::manage::{Glossary, ReportDiff, RevisionInfo};
use tis_core::wire::{
    IncidentInput, IncidentPage, IncidentView, NoticeInput, ReportSave, ServiceList, UpdateInput,
};
use tis_core::{Incident, Notice, Revision};

/// Why a request of the staff pages did not work, in words a person can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ManageError {
    /// The request did not reach the server.
    Network,
    /// The sign-in has ended (or never began): sign in again and retry.
    SignedOut,
    /// The server refused the name and password, or asked to wait; `detail` says which.
    SignInRefused(String),
    /// The account's role does not allow this.
    Forbidden(String),
    /// Some details need fixing; each problem is named against its field.
    Invalid {
        detail: String,
        errors: Vec<FieldError>,
    },
    /// Someone else changed it first.
    Conflict(String),
    /// Any other answer the server gave.
    Server { status: u16, detail: String },
    /// An answer this version of the page cannot read.
    Unreadable,
}

impl fmt::Display for ManageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ManageError::Network => f.write_str(
                "We could not reach the status server, so nothing was saved. What you typed is \
                 kept in this browser: check your connection and try again.",
            ),
            ManageError::SignedOut => f.write_str(
                "Your sign-in has ended, so nothing was saved. Sign in again: what you typed \
                 is kept.",
            ),
            ManageError::SignInRefused(detail)
            | ManageError::Forbidden(detail)
            | ManageError::Conflict(detail) => f.write_str(detail),
            ManageError::Invalid { detail, errors } => {
                if errors.is_empty() {
                    f.write_str(detail)
                } else {
                    f.write_str("Some details need fixing. Each problem is shown by its field.")
                }
            }
            ManageError::Server { detail, .. } => f.write_str(detail),
            ManageError::Unreadable => f.write_str(
                "The status server sent an answer this page cannot read. Reload the page; what \
                 you typed is kept in this browser.",
            ),
        }
    }
}

/// The problem details (RFC 9457) the server sends with every error.
#[derive(Deserialize, Default)]
struct Problem {
    #[serde(default)]
    detail: String,
    #[serde(default)]
    errors: Vec<FieldError>,
}

thread_local! {
    /// The CSRF token of the current sign-in. The cookie itself is HttpOnly: only the
    /// server can read it, and only this page knows the token, so another site cannot
    /// write in the person's name.
    static CSRF: RefCell<Option<String>> = const { RefCell::new(None) };
}

fn remember(info: &SessionInfo) {
    CSRF.with(|c| c.replace(info.csrf_token.clone()));
}

fn forget() {
    CSRF.with(|c| c.replace(None));
}

fn csrf() -> Option<String> {
    CSRF.with(|c| c.borrow().clone())
}

fn request(method: Method, path: &str) -> RequestBuilder {
    let mut builder = RequestBuilder::new(path)
        .method(method.clone())
        // Staff see more than the public copy of the same address, which the browser may
        // have cached; these answers must always be fresh.
        .cache(web_sys::RequestCache::NoStore);
    if !matches!(method, Method::GET | Method::HEAD)
        && let Some(token) = csrf()
    {
        builder = builder.header("x-csrf-token", &token);
    }
    builder
}

async fn problem_of(response: gloo_net::http::Response) -> ManageError {
    let status = response.status();
    let problem: Problem = response.json().await.unwrap_or_default();
    let detail = if problem.detail.is_empty() {
        format!("The status server answered with error {status}. Try again in a minute.")
    } else {
        problem.detail
    };
    match status {
        401 => ManageError::SignedOut,
        403 => ManageError::Forbidden(detail),
        400 | 413 | 422 => ManageError::Invalid {
            detail,
            errors: problem.errors,
        },
        409 => ManageError::Conflict(detail),
        _ => ManageError::Server { status, detail },
    }
}

/// Whether a refusal is about the CSRF token rather than the role: the token is fetched
/// again and the write retried once (after a sign-in in another tab, for example).
fn is_csrf_refusal(error: &ManageError) -> bool {
    matches!(error, ManageError::Forbidden(detail) if detail.contains("X-CSRF-Token"))
}

async fn send_once(
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<gloo_net::http::Response, ManageError> {
    let builder = request(method, path);
    let sent = match body {
        Some(body) => {
            builder
                .json(body)
                .map_err(|_| ManageError::Unreadable)?
                .send()
                .await
        }
        None => builder.send().await,
    };
    let response = sent.map_err(|_| ManageError::Network)?;
    if response.ok() {
        Ok(response)
    } else {
        Err(problem_of(response).await)
    }
}

async fn send(
    method: Method,
    path: &str,
    body: Option<&serde_json::Value>,
) -> Result<gloo_net::http::Response, ManageError> {
    match send_once(method.clone(), path, body).await {
        Err(e) if is_csrf_refusal(&e) => {
            session().await?;
            send_once(method, path, body).await
        }
        other => other,
    }
}

async fn read<T: DeserializeOwned>(response: gloo_net::http::Response) -> Result<T, ManageError> {
    response
        .json::<T>()
        .await
        .map_err(|_| ManageError::Unreadable)
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ManageError> {
    read(send(Method::GET, path, None).await?).await
}

async fn write<B: Serialize, T: DeserializeOwned>(
    method: Method,
    path: &str,
    body: &B,
) -> Result<T, ManageError> {
    let body = serde_json::to_value(body).map_err(|_| ManageError::Unreadable)?;
    read(send(method, path, Some(&body)).await?).await
}

/// Who is signed in, with a fresh CSRF token; `SignedOut` if nobody.
pub async fn session() -> Result<SessionInfo, ManageError> {
    let response = send_once(Method::GET, "/api/v1/session", None).await?;
    let info: SessionInfo = read(response).await?;
    remember(&info);
    Ok(info)
}

/// Signs in. A wrong name or password, or too many tries, is `SignInRefused` with the
/// server's words.
pub async fn sign_in(name: &str, password: &str) -> Result<SessionInfo, ManageError> {
    let body = SignIn {
        name: name.to_string(),
        password: password.to_string(),
    };
    let body = serde_json::to_value(&body).map_err(|_| ManageError::Unreadable)?;
    match send_once(Method::POST, "/api/v1/session", Some(&body)).await {
        Ok(response) => {
            let info: SessionInfo = read(response).await?;
            remember(&info);
            Ok(info)
        }
        Err(ManageError::Server {
            status: 429,
            detail,
        }) => Err(ManageError::SignInRefused(detail)),
        Err(ManageError::SignedOut) => Err(ManageError::SignInRefused(
            "That name and password do not match an active account. Check both and try again."
                .into(),
        )),
        Err(other) => Err(other),
    }
}

/// Signs out; the cookie is cleared even if the sign-in had already ended.
pub async fn sign_out() -> Result<(), ManageError> {
    let result = send(Method::DELETE, "/api/v1/session", None).await;
    forget();
    match result {
        Ok(_) | Err(ManageError::SignedOut) => Ok(()),
        Err(e) => Err(e),
    }
}

pub async fn services() -> Result<ServiceList, ManageError> {
    get("/api/v1/services").await
}

pub async fn glossary() -> Result<Glossary, ManageError> {
    get("/api/v1/glossary").await
}

pub async fn save_glossary(glossary: &Glossary) -> Result<Glossary, ManageError> {
    write(Method::PUT, "/api/v1/glossary", glossary).await
}

/// Every notice, drafts included.
pub async fn notices() -> Result<Vec<Notice>, ManageError> {
    get("/api/v1/notices?state=all").await
}

pub async fn create_notice(input: &NoticeInput) -> Result<Notice, ManageError> {
    write(Method::POST, "/api/v1/notices", input).await
}

pub async fn update_notice(id: i64, input: &NoticeInput) -> Result<Notice, ManageError> {
    write(Method::PUT, &format!("/api/v1/notices/{id}"), input).await
}

pub async fn end_notice(id: i64) -> Result<Notice, ManageError> {
    read(send(Method::POST, &format!("/api/v1/notices/{id}/end"), None).await?).await
}

/// Incidents, newest first: `state` is `active`, `resolved` or `all`.
pub async fn incidents(state: &str) -> Result<IncidentPage, ManageError> {
    get(&format!("/api/v1/incidents?state={state}&per_page=100")).await
}

/// An incident with its whole report and the report's current revision number.
pub async fn incident(id: i64) -> Result<IncidentView, ManageError> {
    get(&format!("/api/v1/incidents/{id}")).await
}

pub async fn open_incident(input: &IncidentInput) -> Result<Incident, ManageError> {
    write(Method::POST, "/api/v1/incidents", input).await
}

pub async fn update_incident(id: i64, input: &IncidentInput) -> Result<Incident, ManageError> {
    write(Method::PUT, &format!("/api/v1/incidents/{id}"), input).await
}

pub async fn post_update(id: i64, input: &UpdateInput) -> Result<Incident, ManageError> {
    write(
        Method::POST,
        &format!("/api/v1/incidents/{id}/updates"),
        input,
    )
    .await
}

/// Saves the report as a new revision; `Conflict` if someone saved after `base_revision`.
pub async fn save_report(id: i64, save: &ReportSave) -> Result<Revision, ManageError> {
    write(Method::PUT, &format!("/api/v1/incidents/{id}/report"), save).await
}

pub async fn revisions(id: i64) -> Result<Vec<RevisionInfo>, ManageError> {
    get(&format!("/api/v1/incidents/{id}/report/revisions")).await
}

pub async fn diff(id: i64, from: u32, to: u32) -> Result<ReportDiff, ManageError> {
    get(&format!(
        "/api/v1/incidents/{id}/report/diff?from={from}&to={to}"
    ))
    .await
}

/// Unsaved work, kept in the browser's local storage until the server has it, so that a
/// closed tab, a network failure or an ended sign-in loses nothing.
pub mod drafts {
    use serde::Serialize;
    use serde::de::DeserializeOwned;

    fn storage() -> Option<web_sys::Storage> {
        web_sys::window()?.local_storage().ok().flatten()
    }

    fn key(name: &str) -> String {
        format!("tis-status-draft:{name}")
    }

    pub fn load<T: DeserializeOwned>(name: &str) -> Option<T> {
        let text = storage()?.get_item(&key(name)).ok().flatten()?;
        serde_json::from_str(&text).ok()
    }

    pub fn save<T: Serialize>(name: &str, value: &T) {
        if let (Some(s), Ok(text)) = (storage(), serde_json::to_string(value)) {
            // A full or blocked storage only means the draft is not kept; the form still
            // holds it.
            let _ = s.set_item(&key(name), &text);
        }
    }

    pub fn clear(name: &str) {
        if let Some(s) = storage() {
            let _ = s.remove_item(&key(name));
        }
    }
}

/// The alert channels and the newest alerts sent (support role).
pub async fn alerts() -> Result<tis_core::alert::AlertsOverview, ManageError> {
    get("/api/v1/alerts").await
}

/// Queues a test alert to a channel (admin role).
pub async fn send_test_alert(channel: &str) -> Result<tis_core::alert::Delivery, ManageError> {
    let input = tis_core::alert::TestAlertInput {
        channel: channel.to_string(),
    };
    write(Method::POST, "/api/v1/alerts/test", &input).await
}
