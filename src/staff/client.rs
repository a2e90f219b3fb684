//! The staff pages' client for the write API: signing in and out, the CSRF token that
//! every write made with the session cookie must carry, reads that must never come from
//! a cache, and drafts kept in the browser until they are saved.

use std::cell::RefCell;

use serde::Serialize;
use serde::de::DeserializeOwned;
use tis_core::account::{SessionInfo, SignIn, SignInOptions, SignedOut};
use tis_core::wire::RevisionInfo;
use tis_core::wire::{Glossary, ReportDiff};
use tis_core::wire::{
    IncidentInput, IncidentPage, IncidentView, NoticeInput, ReportSave, ServiceList, UpdateInput,
};
use tis_core::{Incident, Notice, Revision};

pub use crate::http::ApiError;
use tis_core::problem::ProblemType;

use crate::http::{Answer, Request};

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

/// Sends a staff request: never from the browser's cache (staff see more than the public
/// copy of the same address), and, for a write, with the sign-in's CSRF token.
async fn send_once(
    method: &'static str,
    path: &str,
    body: Option<&str>,
) -> Result<Answer, ApiError> {
    let mut request = Request::new(method, path).no_store();
    if request.is_write()
        && let Some(token) = csrf()
    {
        request = request.header("X-CSRF-Token", token);
    }
    if let Some(body) = body {
        request = request.json(body.to_string());
    }
    crate::http::send(request).await
}

/// Whether a refusal is about the CSRF token rather than the role, by its problem type:
/// the token is fetched again and the write retried once (after a sign-in in another
/// tab, for example).
fn may_be_csrf(error: &ApiError) -> bool {
    matches!(
        error,
        ApiError::Forbidden {
            kind: Some(ProblemType::Csrf),
            ..
        }
    )
}

async fn send(method: &'static str, path: &str, body: Option<&str>) -> Result<Answer, ApiError> {
    match send_once(method, path, body).await {
        Err(e) if may_be_csrf(&e) && method != "GET" => {
            session().await?;
            send_once(method, path, body).await
        }
        other => other,
    }
}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    send("GET", path, None).await?.json()
}

async fn write<B: Serialize, T: DeserializeOwned>(
    method: &'static str,
    path: &str,
    body: &B,
) -> Result<T, ApiError> {
    let body = serde_json::to_string(body).map_err(|_| ApiError::Unreadable)?;
    send(method, path, Some(&body)).await?.json()
}

/// Who is signed in, with a fresh CSRF token; `SignedOut` if nobody.
pub async fn session() -> Result<SessionInfo, ApiError> {
    let info: SessionInfo = send_once("GET", "/api/v1/session", None).await?.json()?;
    remember(&info);
    Ok(info)
}

/// Signs in. A wrong name or password, or too many tries, is `SignInRefused` with the
/// server's words.
pub async fn sign_in(name: &str, password: &str) -> Result<SessionInfo, ApiError> {
    let body = SignIn {
        name: name.to_string(),
        password: password.to_string(),
    };
    let body = serde_json::to_string(&body).map_err(|_| ApiError::Unreadable)?;
    match send_once("POST", "/api/v1/session", Some(&body)).await {
        Ok(answer) => {
            let info: SessionInfo = answer.json()?;
            remember(&info);
            Ok(info)
        }
        Err(ApiError::Server {
            status: 429,
            detail,
        }) => Err(ApiError::SignInRefused(detail)),
        Err(ApiError::SignedOut) => Err(ApiError::SignInRefused(
            "That name and password do not match an active account. Check both and try again."
                .into(),
        )),
        Err(other) => Err(other),
    }
}

/// Signs out; the cookie is cleared even if the sign-in had already ended. After a
/// Keycloak sign-in, the address at Keycloak that ends its sign-in too.
pub async fn sign_out() -> Result<Option<String>, ApiError> {
    let result = send("DELETE", "/api/v1/session", None).await;
    forget();
    match result {
        // A 204 has no body: a password sign-in, with nothing to end elsewhere.
        Ok(answer) => Ok(answer.json::<SignedOut>().ok().map(|s| s.end_session_url)),
        Err(ApiError::SignedOut) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The ways this server offers to sign in.
pub async fn sign_in_options() -> Result<SignInOptions, ApiError> {
    get("/api/v1/session/options").await
}

pub async fn services() -> Result<ServiceList, ApiError> {
    get("/api/v1/services").await
}

pub async fn glossary() -> Result<Glossary, ApiError> {
    get("/api/v1/glossary").await
}

pub async fn save_glossary(glossary: &Glossary) -> Result<Glossary, ApiError> {
    write("PUT", "/api/v1/glossary", glossary).await
}

/// Every notice, drafts included.
pub async fn notices() -> Result<Vec<Notice>, ApiError> {
    get("/api/v1/notices?state=all").await
}

pub async fn create_notice(input: &NoticeInput) -> Result<Notice, ApiError> {
    write("POST", "/api/v1/notices", input).await
}

pub async fn update_notice(id: i64, input: &NoticeInput) -> Result<Notice, ApiError> {
    write("PUT", &format!("/api/v1/notices/{id}"), input).await
}

pub async fn end_notice(id: i64) -> Result<Notice, ApiError> {
    send("POST", &format!("/api/v1/notices/{id}/end"), None)
        .await?
        .json()
}

/// Incidents, newest first: `state` is `active`, `resolved` or `all`.
pub async fn incidents(state: &str) -> Result<IncidentPage, ApiError> {
    get(&format!("/api/v1/incidents?state={state}&per_page=100")).await
}

/// An incident with its whole report and the report's current revision number.
pub async fn incident(id: i64) -> Result<IncidentView, ApiError> {
    get(&format!("/api/v1/incidents/{id}")).await
}

pub async fn open_incident(input: &IncidentInput) -> Result<Incident, ApiError> {
    write("POST", "/api/v1/incidents", input).await
}

pub async fn update_incident(id: i64, input: &IncidentInput) -> Result<Incident, ApiError> {
    write("PUT", &format!("/api/v1/incidents/{id}"), input).await
}

pub async fn post_update(id: i64, input: &UpdateInput) -> Result<Incident, ApiError> {
    write("POST", &format!("/api/v1/incidents/{id}/updates"), input).await
}

/// Saves the report as a new revision; `Conflict` if someone saved after `base_revision`.
pub async fn save_report(id: i64, save: &ReportSave) -> Result<Revision, ApiError> {
    write("PUT", &format!("/api/v1/incidents/{id}/report"), save).await
}

pub async fn revisions(id: i64) -> Result<Vec<RevisionInfo>, ApiError> {
    get(&format!("/api/v1/incidents/{id}/report/revisions")).await
}

pub async fn diff(id: i64, from: u32, to: u32) -> Result<ReportDiff, ApiError> {
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

    use crate::storage;

    /// `tis-status:draft:NAME`.
    fn key(name: &str) -> String {
        format!("draft:{name}")
    }

    pub fn load<T: DeserializeOwned>(name: &str) -> Option<T> {
        // Drafts kept before the storage namespace was `tis-status:` are moved, not lost.
        let text = storage::get_moved_from(&key(name), &format!("tis-status-draft:{name}"))?;
        serde_json::from_str(&text).ok()
    }

    pub fn save<T: Serialize>(name: &str, value: &T) {
        if let Ok(text) = serde_json::to_string(value) {
            // A full or blocked storage only means the draft is not kept; the form still
            // holds it.
            storage::set(&key(name), &text);
        }
    }

    pub fn clear(name: &str) {
        storage::remove(&key(name));
    }

    /// Keeps `value` unless it is still `pristine`, what the form started from: a form
    /// nobody has changed is no unsaved work, and leaves nothing behind.
    pub fn keep<T: Serialize + PartialEq>(name: &str, value: &T, pristine: Option<&T>) {
        if pristine == Some(value) {
            clear(name);
        } else {
            save(name, value);
        }
    }

    /// Whether this browser holds any unsaved work.
    pub fn any() -> bool {
        storage::any(&key(""))
    }

    /// Forgets every draft, and any kept by older versions of the page: on signing out,
    /// so that the next person at a shared computer cannot read them.
    pub fn clear_all() {
        storage::remove_all(&key(""));
        storage::remove_all_raw("tis-status-draft:");
    }
}

/// The alert channels and the newest alerts sent (support role).
pub async fn alerts() -> Result<tis_core::alert::AlertsOverview, ApiError> {
    get("/api/v1/alerts").await
}

/// Queues a test alert to a channel (admin role).
pub async fn send_test_alert(channel: &str) -> Result<tis_core::alert::Delivery, ApiError> {
    let input = tis_core::alert::TestAlertInput {
        channel: channel.to_string(),
    };
    write("POST", "/api/v1/alerts/test", &input).await
}

/// A service with each of its probes, their latest results and a heartbeat's last
/// reports (support role).
pub async fn service_probes(id: &str) -> Result<tis_core::wire::StaffServiceDetail, ApiError> {
    get(&format!("/api/v1/services/{id}/probes")).await
}

/// How many people get emails about each service: counts only (support role).
pub async fn subscriber_counts() -> Result<tis_core::wire::SubscriberCounts, ApiError> {
    get("/api/v1/subscribers").await
}

/// Whether an address gets emails, and its choices (admin role). Sent in the body, so
/// that the address is in no URL.
pub async fn look_up_subscriber(email: &str) -> Result<tis_core::wire::SubscriberFound, ApiError> {
    let lookup = tis_core::wire::SubscriberLookup {
        email: email.to_string(),
    };
    write("POST", "/api/v1/subscribers/lookup", &lookup).await
}

/// Removes a subscriber and the emails waiting for it (admin role).
pub async fn remove_subscriber(id: i64) -> Result<tis_core::wire::SubscriberRemoved, ApiError> {
    send("DELETE", &format!("/api/v1/subscribers/{id}"), None)
        .await?
        .json()
}

/// Every webhook, Teams and Slack subscription (admin role).
pub async fn channel_subscriptions() -> Result<tis_core::wire::ChannelSubscriptionList, ApiError> {
    get("/api/v1/subscriptions/channels").await
}

/// Subscribes another team's system or channel (admin role); a webhook's secret is in
/// the answer only.
pub async fn add_channel_subscription(
    input: &tis_core::wire::ChannelSubscriptionInput,
) -> Result<tis_core::wire::NewChannelSubscription, ApiError> {
    write("POST", "/api/v1/subscriptions/channels", input).await
}

/// Queues a test message to a channel subscription (admin role).
pub async fn test_channel_subscription(
    id: i64,
) -> Result<tis_core::wire::ChannelSubscription, ApiError> {
    send(
        "POST",
        &format!("/api/v1/subscriptions/channels/{id}/test"),
        None,
    )
    .await?
    .json()
}

/// Removes a channel subscription (admin role).
pub async fn remove_channel_subscription(
    id: i64,
) -> Result<tis_core::wire::ChannelSubscription, ApiError> {
    send(
        "DELETE",
        &format!("/api/v1/subscriptions/channels/{id}"),
        None,
    )
    .await?
    .json()
}
