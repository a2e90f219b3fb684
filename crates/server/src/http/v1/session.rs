//! Signing in and out: `/api/v1/session`. A sign-in sets an HttpOnly, SameSite=Strict
//! cookie and answers with the CSRF token that writes made with the cookie must carry.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::Utc;
use tis_core::account::{SessionInfo, SignIn, SignInOptions, SignedOut};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth::limiter::{QueueFull, Verdict, name_in_log};
use crate::auth::{self, Credentials, SignInLimiter};
use crate::http::client::ClientAddr;
use crate::http::error::{AppError, Problem};
use crate::http::v1::ApiJson;
use crate::store::{NewSession, OutboxMessage};

pub fn router() -> OpenApiRouter<AppState> {
    // Failures are counted in the store; the password-check queue is this server's own.
    let limiter = Arc::new(SignInLimiter::default());
    OpenApiRouter::new()
        .routes(routes!(who, sign_in, sign_out))
        .routes(routes!(options))
        .layer(Extension(limiter))
        .layer(super::no_store())
}

/// Signs in with a name and password.
///
/// Sets the session cookie and gives the CSRF token that writes made with the cookie
/// must send as `X-CSRF-Token`.
#[utoipa::path(
    post,
    path = "/session",
    operation_id = "sign_in",
    tag = "accounts",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in; the session cookie is set", body = SessionInfo,
            headers(("set-cookie" = String, description = "tis_session=...; HttpOnly; SameSite=Strict"))),
        (status = 400, description = "The body is not a name and password", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "The name and password do not match an active account", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than 256 KB", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many failed attempts from this client; Retry-After says how many seconds to wait", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
        (status = 503, description = "Too many sign-ins waiting for a password check; try again in a moment", body = Problem, content_type = "application/problem+json",
            headers(("retry-after" = u64, description = "Seconds to wait"))),
    )
)]
async fn sign_in(
    State(state): State<AppState>,
    Extension(limiter): Extension<Arc<SignInLimiter>>,
    ClientAddr(client): ClientAddr,
    body: Result<ApiJson<SignIn>, AppError>,
) -> Result<Response, AppError> {
    let ApiJson(input) = body?;
    // Names are lower case; people type them as they like.
    let name = input.name.trim().to_lowercase();
    let account = {
        let store = state.store.as_ref();
        match limiter.attempt(store, client, &name, Utc::now()).await? {
            Verdict::Wait { secs } => {
                tracing::info!(name = %name_in_log(&name), client = ?client, wait_secs = secs, "sign-in held back");
                return Err(AppError::TooManyAttempts {
                    retry_after_secs: secs,
                });
            }
            Verdict::Go { slowed } if !slowed.is_zero() => tokio::time::sleep(slowed).await,
            Verdict::Go { .. } => {}
        }
        let _permit = limiter.queue().await.map_err(|QueueFull| AppError::Busy {
            retry_after_secs: 1,
            detail: "Many people are signing in at once. Try again in a moment.".into(),
        })?;
        let account = auth::check_sign_in(state.store.as_ref(), &name, &input.password).await?;
        if account.is_some() {
            limiter.succeeded(store, client, &name).await?;
        }
        account
    };
    let Some(account) = account else {
        tracing::info!(name = %name_in_log(&name), client = ?client, "sign-in refused");
        return Err(AppError::SignInFailed);
    };

    let id = auth::random_id()?;
    let csrf_token = auth::random_id()?;
    let now = Utc::now();
    // With Keycloak set up, a password sign-in is a break-glass one: the team hears of
    // it, in the same transaction as the session, so neither is kept without the other.
    // Without Keycloak, passwords are the normal way in and only the audit log has it.
    let emergency = state.oidc.is_some();
    let messages = if emergency {
        emergency_messages(&state, &account.name, now)
    } else {
        Vec::new()
    };
    let detail = if emergency {
        format!(
            "emergency account, while Keycloak sign-in is set up; {} channel(s) told",
            messages.len()
        )
    } else {
        "password".to_string()
    };
    state
        .store
        .create_session(&NewSession {
            id_hash: &auth::sha256_hex(&id),
            account: &account.name,
            oidc: None,
            csrf_token: &csrf_token,
            created_at: now,
            expires_at: now + auth::SESSION_TTL,
            audit: Some(("sign_in.password", &detail)),
            messages: &messages,
        })
        .await?;
    if emergency {
        tracing::warn!(name = %account.name, channels = messages.len(), "emergency account used");
        state.outbox.notify_one();
    }
    tracing::info!(name = %account.name, role = %account.role, "signed in");
    let cookie = auth::session_cookie(&id, auth::secure_cookies(&state));
    Ok(with_cookie(
        Json(SessionInfo {
            name: account.name,
            role: account.role,
            csrf_token: Some(csrf_token),
        })
        .into_response(),
        &cookie,
    ))
}

/// Who is signed in.
///
/// And the CSRF token again: the page cannot read the cookie, so after a reload it
/// asks here.
#[utoipa::path(
    get,
    path = "/session",
    operation_id = "get_session",
    tag = "accounts",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "Who is signed in", body = SessionInfo),
        (status = 401, description = "Nobody is signed in", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn who(credentials: Credentials) -> Json<SessionInfo> {
    Json(SessionInfo {
        name: credentials.actor.name,
        role: credentials.actor.role,
        csrf_token: credentials.session.map(|(_, s)| s.csrf_token),
    })
}

/// Signs out.
///
/// The cookie is cleared even if the session had already ended, so the browser is left
/// signed out either way.
#[utoipa::path(
    delete,
    path = "/session",
    operation_id = "sign_out",
    tag = "accounts",
    security((), ("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "Signed out of a Keycloak sign-in; the cookie is cleared. Send the browser to `end_session_url` so that Keycloak ends its sign-in too", body = SignedOut),
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 403, description = "A live session without its X-CSRF-Token header", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn sign_out(
    State(state): State<AppState>,
    headers: axum::http::HeaderMap,
    credentials: Result<Credentials, AppError>,
) -> Result<Response, AppError> {
    let mut provider_sign_out = None;
    match credentials {
        Ok(Credentials {
            session: Some((id_hash, session)),
            actor,
        }) => {
            state.store.delete_session(&id_hash).await?;
            tracing::info!(name = %actor.name, "signed out");
            // A Keycloak sign-in ends there too: the browser is sent to Keycloak with
            // the ID token as a hint, and comes back to the sign-in page.
            let id = auth::session_id(&headers, auth::secure_cookies(&state));
            let tokens = session
                .oidc
                .as_ref()
                .zip(id)
                .and_then(|(o, id)| auth::oidc::unseal(&o.sealed, id));
            if let (Some(provider), Some(tokens)) = (&state.oidc, tokens) {
                provider_sign_out = provider.sign_out_url(&tokens).await;
            }
        }
        // A bearer token has no session to end; nor has an expired cookie.
        Ok(Credentials { session: None, .. }) | Err(AppError::Unauthorized) => {}
        // A live session without its CSRF token: another site must not sign people out.
        Err(other) => return Err(other),
    }
    let cookie = auth::clear_session_cookie(auth::secure_cookies(&state));
    let answer = match provider_sign_out {
        Some(end_session_url) => Json(SignedOut { end_session_url }).into_response(),
        None => StatusCode::NO_CONTENT.into_response(),
    };
    Ok(with_cookie(answer, &cookie))
}

/// The team alert of an emergency sign-in, one message per channel that hears of them.
fn emergency_messages(
    state: &AppState,
    name: &str,
    at: chrono::DateTime<Utc>,
) -> Vec<OutboxMessage> {
    let alert =
        crate::alerts::outbox::emergency_sign_in_alert(name, &state.config.public_url(), at);
    let payload = serde_json::to_string(&alert).unwrap_or_default();
    crate::alerts::outbox::emergency_channels(&state.config.alerts)
        .into_iter()
        .map(|channel| OutboxMessage {
            message_id: crate::alerts::outbox::new_message_id(),
            kind: crate::alerts::outbox::KIND.into(),
            channel,
            payload: payload.clone(),
        })
        .collect()
}

/// The ways to sign in.
///
/// Whether staff can sign in through Keycloak ("Sign in with your TIS account") and
/// whether a password sign-in is an emergency one that the team is told of.
#[utoipa::path(
    get,
    path = "/session/options",
    operation_id = "sign_in_options",
    tag = "accounts",
    responses(
        (status = 200, description = "The ways to sign in", body = SignInOptions),
    )
)]
async fn options(State(state): State<AppState>) -> Json<SignInOptions> {
    Json(SignInOptions {
        tis_account: state
            .oidc
            .as_ref()
            .map(|_| auth::oidc::START_PATH.to_string()),
        password_is_emergency: state.oidc.is_some(),
    })
}

fn with_cookie(mut response: Response, cookie: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    // Answers that set or show session secrets must never be kept by a cache.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use axum::body::Body;
    use axum::http::Request;
    use tower::ServiceExt;

    use crate::config::Config;
    use crate::store::SqliteStore;

    /// A state whose config is `text`, with an account "jo" (editor).
    async fn state_with(text: &str) -> (tempfile::TempDir, crate::AppState) {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(dir.path()).await.unwrap();
        let config = Config::parse("test.toml", text).unwrap();
        let state = crate::AppState::new(std::sync::Arc::new(store), config, false)
            .await
            .unwrap();
        crate::auth::add_account(
            state.store.as_ref(),
            &tis_core::account::AccountInput {
                name: "jo".into(),
                display_name: None,
                role: tis_core::Role::Editor,
                password: "a long enough password".into(),
            },
            crate::store::Change::now("test"),
        )
        .await
        .unwrap();
        (dir, state)
    }

    fn sign_in_request(password: &str) -> Request<Body> {
        Request::post("/api/v1/session")
            .header("content-type", "application/json")
            .body(Body::from(
                serde_json::json!({"name": "jo", "password": password}).to_string(),
            ))
            .unwrap()
    }

    const WITH_KEYCLOAK: &str = r#"
[server]
public_url = "http://127.0.0.1:8080"

[[channel]]
id = "tis-team"
kind = "log"

[[channel]]
id = "esr-team"
kind = "log"

[[alert]]
channels = ["tis-team"]

[[alert]]
channels = ["esr-team"]
services = []

[auth.oidc]
issuer = "http://127.0.0.1:9/realms/lin"
client_id = "tis-status"
client_secret_env = "OIDC_CLIENT_SECRET"
roles_claim = "roles"
[auth.oidc.roles]
"tis-status-editor" = "editor"
"#;

    /// With Keycloak set up (and not even reachable), a password sign-in still works, is
    /// in the audit log and tells the team, once per channel; the password goes nowhere.
    #[tokio::test]
    async fn an_emergency_sign_in_is_audited_and_alerted_with_its_session() {
        let (_dir, state) = state_with(WITH_KEYCLOAK).await;
        let app = crate::app(state.clone(), None);
        let ok = app
            .clone()
            .oneshot(sign_in_request("a long enough password"))
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);

        let audit = state.store.audit_log(10).await.unwrap();
        let line = audit
            .iter()
            .find(|e| e.action == "sign_in.password")
            .expect("the sign-in is in the audit log");
        assert_eq!(line.actor, "jo");
        assert!(line.detail.contains("emergency account"), "{}", line.detail);

        let outbox = state.store.outbox(10).await.unwrap();
        let mut channels: Vec<&str> = outbox.iter().map(|m| m.message.channel.as_str()).collect();
        channels.sort();
        assert_eq!(channels, ["esr-team", "tis-team"]);
        for entry in &outbox {
            let alert: tis_core::alert::Alert =
                serde_json::from_str(&entry.message.payload).unwrap();
            assert_eq!(alert.kind, tis_core::alert::AlertKind::EmergencySignIn);
            assert_eq!(alert.title, "jo signed in with an emergency account");
            assert!(alert.facts.iter().any(|f| f.label == "Signed in"));
            assert!(!entry.message.payload.contains("a long enough password"));
        }

        // A wrong password is neither a sign-in nor an alert.
        let wrong = app
            .oneshot(sign_in_request("not the password"))
            .await
            .unwrap();
        assert_eq!(wrong.status(), 401);
        assert_eq!(state.store.outbox(10).await.unwrap().len(), 2);
    }

    /// Without Keycloak, passwords are the normal way in: audited, never alerted.
    #[tokio::test]
    async fn without_keycloak_a_password_sign_in_is_audited_but_not_alerted() {
        let (_dir, state) = state_with(
            "[[channel]]\nid = \"tis-team\"\nkind = \"log\"\n[[alert]]\nchannels = [\"tis-team\"]\n",
        )
        .await;
        let app = crate::app(state.clone(), None);
        let ok = app
            .oneshot(sign_in_request("a long enough password"))
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let audit = state.store.audit_log(10).await.unwrap();
        assert!(
            audit
                .iter()
                .any(|e| e.action == "sign_in.password" && e.detail == "password")
        );
        assert!(state.store.outbox(10).await.unwrap().is_empty());
    }

    /// Without a socket there is no client address; sign-in must still work and count.
    #[tokio::test]
    async fn sign_in_works_without_a_client_address() {
        let (_dir, state) = state_with("").await;
        let app = crate::app(state, None);
        let post = |password: &str| {
            Request::post("/api/v1/session")
                .header("content-type", "application/json")
                .body(Body::from(
                    serde_json::json!({"name": "Jo", "password": password}).to_string(),
                ))
                .unwrap()
        };
        let ok = app
            .clone()
            .oneshot(post("a long enough password"))
            .await
            .unwrap();
        assert_eq!(ok.status(), 200);
        let cookie = ok.headers()["set-cookie"].to_str().unwrap();
        assert!(cookie.starts_with("tis_session="), "{cookie}");
        assert!(!cookie.contains("Secure"), "no https public_url: {cookie}");
        assert_eq!(ok.headers()["cache-control"], "no-store");

        let wrong = app.clone().oneshot(post("not the password")).await.unwrap();
        assert_eq!(wrong.status(), 401);
        assert_eq!(wrong.headers()["content-type"], "application/problem+json");
    }
}
