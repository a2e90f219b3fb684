//! The two browser addresses of a Keycloak sign-in: `/auth/oidc/start` sends the browser
//! to Keycloak, and `/auth/oidc/callback` is where Keycloak sends it back. Both answer with
//! a redirect or a page in words (never JSON, never a 500): the person is in the middle of
//! signing in, not calling an API.
//!
//! What the callback needs from the start (`state`, `nonce`, the PKCE verifier) is kept
//! in the store, found by the hash of a random value in a short-lived HttpOnly cookie:
//! unlike memory it survives a restart and works across replicas, unlike a signed cookie
//! it needs no key shared between servers, and the cookie binds the sign-in to the
//! browser that began it, so nobody can finish it with a code of their own.

use axum::Router;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use serde::Deserialize;
use tis_markup::{Node, h};

use crate::AppState;
use crate::auth::oidc::{CALLBACK_PATH, OidcError, START_PATH, Vouched};
use crate::auth::{self, sha256_hex};
use crate::http::page::Template;
use crate::http::subscribe::{Pages, page};
use crate::store::{NewSession, OidcLogin, OidcSession};

/// The cookie that ties a sign-in under way to its browser.
const FLOW_COOKIE: &str = "tis_oidc";
/// Its name on an https site, where `__Host-` keeps it to this host.
const SECURE_FLOW_COOKIE: &str = "__Host-tis_oidc";
/// How long a person may take at Keycloak's sign-in page.
const FLOW_TTL: chrono::TimeDelta = chrono::TimeDelta::minutes(10);

pub fn router(template: Option<std::sync::Arc<Template>>) -> Router<AppState> {
    Router::new()
        .route(START_PATH, get(start))
        .route(CALLBACK_PATH, get(callback))
        .layer(Extension(Pages(template)))
}

#[derive(Deserialize)]
struct StartQuery {
    next: Option<String>,
}

/// Only somewhere under `/manage` on this site, so a link cannot send people elsewhere.
fn safe_next(next: Option<&str>) -> String {
    next.filter(|n| {
        (*n == "/manage" || n.starts_with("/manage/") || n.starts_with("/manage?"))
            && !n.contains("//")
            && !n.contains('\\')
    })
    .unwrap_or("/manage")
    .to_string()
}

/// `GET /auth/oidc/start`: off to Keycloak.
async fn start(
    State(state): State<AppState>,
    Extension(pages): Extension<Pages>,
    Query(query): Query<StartQuery>,
) -> Response {
    let Some(provider) = state.oidc.clone() else {
        return not_set_up(&pages);
    };
    let begun = match provider.begin().await {
        Ok(begun) => begun,
        Err(e) => {
            tracing::warn!(error = %e, "a Keycloak sign-in could not start");
            return did_not_work(&pages, &e);
        }
    };
    let secure = auth::secure_cookies(&state);
    let browser = match auth::random_id() {
        Ok(id) => id,
        Err(e) => return sorry(&pages, &e.to_string()),
    };
    let login = OidcLogin {
        browser_hash: sha256_hex(&browser),
        state: begun.state,
        nonce: begun.nonce,
        pkce_verifier: begun.pkce_verifier,
        next: safe_next(query.next.as_deref()),
        expires_at: Utc::now() + FLOW_TTL,
    };
    if let Err(e) = state.store.save_oidc_login(&login).await {
        return sorry(&pages, &e.to_string());
    }
    let mut response = (StatusCode::SEE_OTHER, [(header::LOCATION, begun.url)]).into_response();
    set_cookie(&mut response, &flow_cookie(&browser, secure));
    no_store(response)
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// `GET /auth/oidc/callback`: back from Keycloak.
async fn callback(
    State(state): State<AppState>,
    Extension(pages): Extension<Pages>,
    headers: HeaderMap,
    Query(query): Query<CallbackQuery>,
) -> Response {
    let secure = auth::secure_cookies(&state);
    let mut response = finish(&state, &pages, &headers, query, secure).await;
    // Used or not, the sign-in under way is over.
    set_cookie(&mut response, &clear_flow_cookie(secure));
    no_store(response)
}

async fn finish(
    state: &AppState,
    pages: &Pages,
    headers: &HeaderMap,
    query: CallbackQuery,
    secure: bool,
) -> Response {
    let Some(provider) = state.oidc.clone() else {
        return not_set_up(pages);
    };
    let now = Utc::now();
    let login = match flow_id(headers, secure) {
        Some(browser) => match state.store.take_oidc_login(&sha256_hex(browser), now).await {
            Ok(found) => found,
            Err(e) => return sorry(pages, &e.to_string()),
        },
        None => None,
    };
    let Some(login) = login else {
        return start_again(
            pages,
            "This sign-in has run out of time, or was started in another browser.",
        );
    };
    if let Some(error) = &query.error {
        let said = query
            .error_description
            .as_deref()
            .map(|d| d.chars().take(200).collect::<String>())
            .unwrap_or_else(|| provider_error_words(error).to_string());
        tracing::info!(error = %error, "Keycloak refused a sign-in");
        return did_not_work(pages, &OidcError::Refused(said));
    }
    let (Some(code), Some(sent_state)) = (&query.code, &query.state) else {
        return start_again(pages, "Keycloak sent this browser back without a sign-in.");
    };
    if !auth::constant_time_eq(sent_state.as_bytes(), login.state.as_bytes()) {
        return start_again(
            pages,
            "This sign-in does not match the one this browser started.",
        );
    }
    let vouched = match provider
        .finish(code, &login.pkce_verifier, &login.nonce)
        .await
    {
        Ok(v) => v,
        Err(e) => {
            tracing::warn!(error = %e, "a Keycloak sign-in was refused");
            return did_not_work(pages, &e);
        }
    };
    let Some(role) = vouched.role else {
        tracing::info!(name = %vouched.name, "a Keycloak sign-in has none of the mapped roles");
        let sign_out = provider.sign_out_url(&vouched.tokens).await;
        return no_access(pages, state, &vouched, sign_out.as_deref());
    };
    match start_session(state, &vouched, role, secure, now).await {
        Ok(cookie) => {
            tracing::info!(name = %vouched.name, role = %role, "signed in through Keycloak");
            let mut response =
                (StatusCode::SEE_OTHER, [(header::LOCATION, login.next)]).into_response();
            set_cookie(&mut response, &cookie);
            response
        }
        Err(e) => sorry(pages, &e),
    }
}

/// Keeps the session and gives the cookie that carries it.
async fn start_session(
    state: &AppState,
    vouched: &Vouched,
    role: tis_core::Role,
    secure: bool,
    now: chrono::DateTime<Utc>,
) -> Result<String, String> {
    let provider = state.oidc.as_ref().ok_or("not set up")?;
    let id = auth::random_id().map_err(|e| e.to_string())?;
    let csrf_token = auth::random_id().map_err(|e| e.to_string())?;
    let sealed = auth::oidc::seal(&vouched.tokens, &id).map_err(|e| e.to_string())?;
    let detail = format!("through Keycloak, as {role}");
    state
        .store
        .create_session(&NewSession {
            id_hash: &sha256_hex(&id),
            account: &vouched.name,
            oidc: Some(OidcSession {
                role,
                sealed: &sealed,
                recheck_at: now + provider.config.recheck_after.as_chrono(),
            }),
            csrf_token: &csrf_token,
            created_at: now,
            expires_at: now + auth::SESSION_TTL,
            audit: Some(("sign_in.keycloak", &detail)),
            messages: &[],
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(auth::session_cookie(&id, secure))
}

fn flow_cookie(value: &str, secure: bool) -> String {
    // Lax, not Strict: the browser comes back from Keycloak's site, and a Strict cookie
    // would not be sent with that navigation.
    format!(
        "{}={value}; HttpOnly; SameSite=Lax; Path=/; Max-Age={}{}",
        flow_cookie_name(secure),
        FLOW_TTL.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

fn clear_flow_cookie(secure: bool) -> String {
    format!(
        "{}=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0{}",
        flow_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

fn flow_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_FLOW_COOKIE
    } else {
        FLOW_COOKIE
    }
}

fn flow_id(headers: &HeaderMap, secure: bool) -> Option<&str> {
    crate::auth::cookie(headers, flow_cookie_name(secure))
}

fn set_cookie(response: &mut Response, cookie: &str) {
    if let Ok(value) = HeaderValue::from_str(cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
}

fn no_store(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// What the OAuth error codes Keycloak may send mean, for a person.
fn provider_error_words(error: &str) -> &'static str {
    match error {
        "access_denied" => "the sign-in was cancelled or not allowed",
        "login_required" | "interaction_required" => "you need to sign in at Keycloak first",
        "temporarily_unavailable" => "Keycloak is too busy just now",
        "server_error" => "something went wrong inside Keycloak",
        _ => "it did not say why",
    }
}

fn links(sign_out: Option<&str>) -> Node {
    let mut p = h("p").c(h("a").a("href", "/sign-in").t("Back to sign in"));
    if let Some(url) = sign_out {
        p = p.t(" · ").c(h("a")
            .a("href", url.to_string())
            .t("Sign in as someone else"));
    }
    p.t(" · ")
        .c(h("a").a("href", "/").t("See the live status of TIS"))
        .into()
}

/// Signed in at Keycloak, but with none of the roles that open the staff pages.
fn no_access(
    pages: &Pages,
    state: &AppState,
    vouched: &Vouched,
    sign_out: Option<&str>,
) -> Response {
    let mut roles = h("ul");
    if let Some(provider) = &state.oidc {
        // Least first, as each line says what the role adds to the one before.
        let mut mapped: Vec<_> = provider.config.roles.iter().collect();
        mapped.sort_by_key(|(_, ours)| match ours {
            tis_core::Role::Support => 0,
            tis_core::Role::Editor => 1,
            _ => 2,
        });
        for (theirs, ours) in mapped {
            roles = roles.c(h("li").c(h("code").t(theirs.clone())).t(format!(
                ": {}",
                match ours {
                    tis_core::Role::Support => "post notices and incident updates",
                    tis_core::Role::Editor => "also open incidents and write reports",
                    _ => "also manage accounts, tokens and alerts",
                }
            )));
        }
    }
    let nodes = vec![
        h("h1").t("You cannot use the staff pages yet").into(),
        h("p")
            .t("You signed in to Keycloak as ")
            .c(h("strong").t(vouched.name.clone()))
            .t(", but your TIS account does not have access to the status page's staff pages. You have not been signed in here.")
            .into(),
        h("p")
            .t("Ask the TIS team's Keycloak administrators to give your account one of these roles:")
            .into(),
        roles.into(),
        h("p").t("Anyone can see whether TIS is working without signing in.").into(),
        links(sign_out),
    ];
    page(
        pages,
        StatusCode::FORBIDDEN,
        "You cannot use the staff pages yet",
        nodes,
    )
}

/// Keycloak could not be reached, refused, or sent back something untrustworthy.
fn did_not_work(pages: &Pages, e: &OidcError) -> Response {
    let status = match e {
        OidcError::Unreachable(_) => StatusCode::SERVICE_UNAVAILABLE,
        OidcError::Refused(_) => StatusCode::UNAUTHORIZED,
        OidcError::Untrusted(_) => StatusCode::BAD_REQUEST,
    };
    let nodes = vec![
        h("h1").t("Signing in with your TIS account did not work").into(),
        h("p").t(format!("{e}.")).into(),
        h("p")
            .t("You have not been signed in. Try again in a few minutes. If Keycloak is not working, sign in with your emergency account instead: it is on the sign-in page, below the TIS account button.")
            .into(),
        links(None),
    ];
    page(
        pages,
        status,
        "Signing in with your TIS account did not work",
        nodes,
    )
}

fn start_again(pages: &Pages, why: &str) -> Response {
    let nodes = vec![
        h("h1").t("Start signing in again").into(),
        h("p")
            .t(format!("{why} You have not been signed in."))
            .into(),
        h("p")
            .c(h("a").a("href", "/sign-in").t("Go to the sign-in page"))
            .t(" and choose “Sign in with your TIS account” again.")
            .into(),
    ];
    page(
        pages,
        StatusCode::BAD_REQUEST,
        "Start signing in again",
        nodes,
    )
}

fn not_set_up(pages: &Pages) -> Response {
    let nodes = vec![
        h("h1")
            .t("Sign-in with TIS accounts is not set up here")
            .into(),
        h("p")
            .t("This status page signs staff in with its own accounts.")
            .into(),
        links(None),
    ];
    page(
        pages,
        StatusCode::NOT_FOUND,
        "Sign-in with TIS accounts is not set up here",
        nodes,
    )
}

fn sorry(pages: &Pages, error: &str) -> Response {
    tracing::error!(error = %error, "a Keycloak sign-in could not be kept");
    let nodes = vec![
        h("h1").t("Sorry, something went wrong on our side").into(),
        h("p")
            .t("You have not been signed in. Try again in a few minutes.")
            .into(),
        links(None),
    ];
    page(
        pages,
        StatusCode::SERVICE_UNAVAILABLE,
        "Sorry, something went wrong on our side",
        nodes,
    )
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn only_staff_pages_of_this_site_are_landed_on() {
        assert_eq!(safe_next(Some("/manage/notices")), "/manage/notices");
        assert_eq!(safe_next(Some("https://evil.example/")), "/manage");
        assert_eq!(safe_next(Some("/manage//evil.example")), "/manage");
        assert_eq!(safe_next(Some("/managed")), "/manage");
        assert_eq!(safe_next(None), "/manage");
    }
}
