//! Who is asking. Passwords are kept as argon2id hashes; session ids and API tokens only as
//! SHA-256 hashes, so a copy of the database lets no one in. [`Actor`] is who is asking;
//! handlers take it as [`WithRole`], which checks the role they need, and [`MaybeActor`]
//! is for public reads that show more to staff.

pub mod limiter;
pub mod oidc;
pub mod role;
pub use limiter::SignInLimiter;
pub use role::WithRole;

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::{FromRequestParts, OptionalFromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use sha2::{Digest, Sha256};
use tis_core::Role;
use tis_core::account::{Account, ApiToken};

use crate::AppState;
use crate::http::error::AppError;
use crate::store::{Change, NewAccount, NewToken, SessionRecord, Store};

/// The cookie that carries the session id.
pub const SESSION_COOKIE: &str = "tis_session";
/// The header a cookie-authenticated write must carry, holding the session's CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Every API token starts with this, so a leaked one is easy to recognise in logs and by
/// secret scanners.
pub const TOKEN_PREFIX: &str = "tis_";
/// How long a sign-in lasts: a working day, so nobody signs in twice a shift, and a
/// forgotten browser is not signed in the next morning.
pub const SESSION_TTL: chrono::TimeDelta = chrono::TimeDelta::hours(12);

/// A secret could not be made or hashed; never caused by the request.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("the system's random number source failed: {0}")]
    Random(getrandom::Error),
    #[error("password hashing failed: {0}")]
    Hash(argon2::password_hash::Error),
    #[error("the provider's tokens could not be sealed")]
    Seal,
}

impl From<SecretError> for AppError {
    fn from(e: SecretError) -> Self {
        AppError::Internal(e.to_string())
    }
}

/// 32 random bytes from the operating system, URL-safe base64 (43 characters).
pub fn random_id() -> Result<String, SecretError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(SecretError::Random)?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// A new API token: `tis_` and 32 random bytes.
pub fn new_token() -> Result<String, SecretError> {
    Ok(format!("{TOKEN_PREFIX}{}", random_id()?))
}

/// SHA-256 in hex: how session ids and tokens are stored. A fast hash is enough, as they
/// are 256 random bits, not guessable like passwords.
pub fn sha256_hex(secret: &str) -> String {
    let digest = Sha256::digest(secret.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// An argon2id hash of `password` with a random salt, in PHC string form. Slow on purpose
/// (tens of milliseconds): run it off the async threads.
pub fn hash_password(password: &str) -> Result<String, SecretError> {
    let mut salt = [0u8; 16];
    getrandom::getrandom(&mut salt).map_err(SecretError::Random)?;
    let salt = SaltString::encode_b64(&salt).map_err(SecretError::Hash)?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| hash.to_string())
        .map_err(SecretError::Hash)
}

/// Whether `password` matches the PHC string `hash`. A hash that cannot be read matches
/// nothing.
pub fn verify_password(password: &str, hash: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(e) => {
            tracing::warn!(error = %e, "a stored password hash cannot be read");
            false
        }
    }
}

/// A hash to check passwords against when the name is unknown, so that a wrong name takes
/// as long to refuse as a wrong password and names cannot be found by timing.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no account has this password").unwrap_or_default())
}

/// Checks a sign-in off the async threads: the account if `password` is its password.
pub async fn check_sign_in(
    store: &dyn Store,
    name: &str,
    password: &str,
) -> Result<Option<Account>, AppError> {
    let found = store.account_for_sign_in(name).await?;
    let hash = found.as_ref().map(|(_, hash)| hash.clone());
    let password = password.to_string();
    let matches = tokio::task::spawn_blocking(move || {
        let hash: &str = match &hash {
            Some(hash) => hash,
            None => dummy_hash(),
        };
        verify_password(&password, hash)
    })
    .await
    .map_err(|e| AppError::Internal(format!("password check stopped: {e}")))?;
    Ok(found.filter(|_| matches).map(|(account, _)| account))
}

/// Adds an account, checking its name, role and password first; for the command line
/// and the accounts API alike. The error says what to fix.
pub async fn add_account(
    store: &dyn Store,
    input: &tis_core::account::AccountInput,
    change: Change<'_>,
) -> Result<Account, AppError> {
    input.validate().map_err(AppError::Invalid)?;
    let password = input.password.clone();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::Internal(format!("password hashing stopped: {e}")))??;
    store
        .create_account(
            NewAccount {
                name: &input.name,
                display_name: input.display_name.as_deref(),
                role: input.role,
                password_hash: &hash,
            },
            change,
        )
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "There is already an account named \"{}\" (it may be disabled). Choose \
                 another name.",
                input.name
            ))
        })
}

/// Creates an API token; for the command line and the tokens API alike. Returns the
/// token, which is not kept, and what is kept about it. `own_location` is where this
/// server's own probes run, which no prober token may claim.
pub async fn create_token(
    store: &dyn Store,
    input: &tis_core::account::TokenInput,
    own_location: &str,
    change: Change<'_>,
) -> Result<(String, ApiToken), AppError> {
    let mut problems = Vec::new();
    if let Err(e) = tis_core::account::check_name("name", &input.name) {
        problems.push(e);
    }
    let location = match (input.role, &input.location) {
        (tis_core::Role::Prober, location) => {
            let location = location.as_deref().unwrap_or(&input.name);
            if let Err(e) = crate::config::check_location(location) {
                problems.push(tis_core::FieldError::new("location", e));
            } else if location == own_location {
                problems.push(tis_core::FieldError::new(
                    "location",
                    format!(
                        "\"{location}\" is where this server's own probes run. Give the \
                         prober a location of its own."
                    ),
                ));
            }
            Some(location)
        }
        (_, Some(_)) => {
            problems.push(tis_core::FieldError::new(
                "location",
                "Only prober tokens have a location. Leave it out for this role.",
            ));
            None
        }
        (_, None) => None,
    };
    if let Some(days) = input.expires_in_days
        && !(1..=tis_core::account::TOKEN_MAX_DAYS).contains(&days)
    {
        problems.push(tis_core::FieldError::new(
            "expires_in_days",
            format!(
                "Give a number of days from 1 to {}, or leave it out for a token that works \
                 until it is revoked.",
                tis_core::account::TOKEN_MAX_DAYS
            ),
        ));
    }
    if !problems.is_empty() {
        return Err(AppError::Invalid(problems));
    }
    let token = new_token()?;
    let info = store
        .create_token(
            NewToken {
                name: &input.name,
                role: input.role,
                location,
                token_hash: &sha256_hex(&token),
                expires_at: input
                    .expires_in_days
                    .map(|days| change.at + chrono::Duration::days(i64::from(days))),
            },
            change,
        )
        .await?
        .ok_or_else(|| {
            AppError::Conflict(format!(
                "There is already a token named \"{}\" (it may be revoked). Choose another \
                 name.",
                input.name
            ))
        })?;
    Ok((token, info))
}

/// Whether a secret someone sent is the one configured, compared as
/// [`constant_time_eq`] does. An empty secret matches nothing.
pub fn same_secret(sent: &str, expected: &str) -> bool {
    !expected.is_empty() && constant_time_eq(sent.as_bytes(), expected.as_bytes())
}

/// Compares in time that does not depend on where the inputs differ, so a CSRF token
/// cannot be guessed byte by byte.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The cookie that carries the session id on an https site: the `__Host-` prefix makes
/// browsers keep it only if it is `Secure`, for this host alone and for every path, so a
/// sibling site or a page served in clear cannot plant a session of its own.
pub const SECURE_SESSION_COOKIE: &str = "__Host-tis_session";

/// The name of the session cookie: [`SECURE_SESSION_COOKIE`] when `secure`.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

/// The session id from the request's cookies, if any. On an https site only the
/// `__Host-` cookie counts.
pub fn session_id(headers: &HeaderMap, secure: bool) -> Option<&str> {
    cookie(headers, session_cookie_name(secure))
}

/// The value of the cookie called `wanted`, if the request carries it and it is not empty.
pub fn cookie<'h>(headers: &'h HeaderMap, wanted: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == wanted)
        .map(|(_, value)| value.trim_matches('"'))
        .filter(|value| !value.is_empty())
}

/// The `Set-Cookie` value that starts a session; `Secure` (and `__Host-`) when the page
/// is served over https, where browsers then never send it in clear.
pub fn session_cookie(id: &str, secure: bool) -> String {
    format!(
        "{}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}{}",
        session_cookie_name(secure),
        SESSION_TTL.num_seconds(),
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that makes the browser forget the session.
pub fn clear_session_cookie(secure: bool) -> String {
    format!(
        "{}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0{}",
        session_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )
}

/// Whether cookies should be marked `Secure`: when the configured public address is https.
pub fn secure_cookies(state: &AppState) -> bool {
    state.config.server.is_https()
}

/// Who made a request: an account signed in with the session cookie, or an API token.
#[derive(Debug, Clone, PartialEq)]
pub struct Actor {
    /// The account name, or `token NAME` for an API token, as the audit log records it.
    pub name: String,
    pub role: Role,
    /// A prober token's one location, which every result it pushes is from.
    pub location: Option<String>,
}

impl Actor {
    /// Refuses with 403 unless this actor's role allows what `needed` allows.
    pub fn require(&self, needed: Role) -> Result<(), AppError> {
        if self.role.allows(needed) {
            Ok(())
        } else {
            Err(AppError::Forbidden {
                needed: needed.as_str(),
            })
        }
    }

    /// This actor making a change now, for the store.
    pub fn change(&self) -> Change<'_> {
        Change::now(&self.name)
    }
}

/// The actor and, when signed in with the cookie, the session and its id hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub actor: Actor,
    pub session: Option<(String, SessionRecord)>,
}

/// Methods that change nothing; anything else made with the cookie needs the CSRF token.
fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Finds who made the request. `Ok(None)` when it carries no credentials at all.
async fn authenticate(parts: &Parts, state: &AppState) -> Result<Option<Credentials>, AppError> {
    let now = Utc::now();
    // A bearer token wins over a cookie; a bad one is refused rather than ignored, so a
    // script with a revoked token learns so instead of quietly acting as someone else.
    if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            // Junk is refused without a database look-up.
            .filter(|t| t.starts_with(TOKEN_PREFIX) && t.len() <= 128)
            .ok_or(AppError::Unauthorized)?;
        let token = state
            .store
            .use_token(&sha256_hex(token), now)
            .await?
            .ok_or(AppError::Unauthorized)?;
        return Ok(Some(Credentials {
            actor: Actor {
                name: format!("token {}", token.name),
                role: token.role,
                location: token.location,
            },
            session: None,
        }));
    }
    let Some(id) = session_id(&parts.headers, secure_cookies(state)) else {
        return Ok(None);
    };
    let id_hash = sha256_hex(id);
    let mut session = state
        .store
        .session(&id_hash, now)
        .await?
        .ok_or(AppError::Unauthorized)?;
    if let Some(oidc) = &session.oidc
        && oidc.recheck_at <= now
    {
        session.role = recheck(state, id, &id_hash, &session, now).await?;
    }
    // The cookie is sent by the browser on its own; the header only by our page, which
    // alone can read the token. SameSite=Strict already stops most cross-site writes; this
    // stops the rest (older browsers, sibling sites).
    if !is_safe(&parts.method) {
        let sent = parts
            .headers
            .get(CSRF_HEADER)
            .map(|v| v.as_bytes())
            .unwrap_or_default();
        if !constant_time_eq(sent, session.csrf_token.as_bytes()) {
            return Err(AppError::CsrfToken);
        }
    }
    Ok(Some(Credentials {
        actor: Actor {
            name: session.account.clone(),
            role: session.role,
            location: None,
        },
        session: Some((id_hash, session)),
    }))
}

/// How long one request may hold a due check of a Keycloak session: others meanwhile go
/// on with the role it had, rather than all asking Keycloak at once.
const RECHECK_CLAIM: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Checks a Keycloak session's roles with Keycloak, as its age requires: the role it holds
/// now, or `Unauthorized` once Keycloak no longer gives one (or cannot say: then the
/// person signs in again, or with their emergency account while Keycloak is down).
async fn recheck(
    state: &AppState,
    id: &str,
    id_hash: &str,
    session: &SessionRecord,
    now: chrono::DateTime<Utc>,
) -> Result<Role, AppError> {
    if !state
        .store
        .claim_recheck(id_hash, now, now + RECHECK_CLAIM)
        .await?
    {
        return Ok(session.role);
    }
    let sealed = session.oidc.as_ref().map(|o| o.sealed.as_str());
    let outcome = match (&state.oidc, sealed.and_then(|s| oidc::unseal(s, id))) {
        (None, _) => Err("Keycloak sign-in is no longer set up".to_string()),
        (Some(_), None) => Err("its Keycloak tokens could not be read".to_string()),
        (Some(provider), Some(tokens)) => match provider.refresh(&tokens, &session.account).await {
            Ok(vouched) => match vouched.role {
                Some(role) => Ok((role, vouched.tokens, provider.config.recheck_after)),
                None => Err("Keycloak no longer gives this person a role here".to_string()),
            },
            Err(e) => Err(e.to_string()),
        },
    };
    let change = Change {
        actor: &session.account,
        at: now,
    };
    match outcome {
        Ok((role, tokens, after)) => {
            let sealed = oidc::seal(&tokens, id)?;
            state
                .store
                .recheck_session(
                    id_hash,
                    crate::store::Recheck::Keep {
                        role,
                        sealed: &sealed,
                        recheck_at: now + after.as_chrono(),
                    },
                    change,
                )
                .await?;
            if role != session.role {
                tracing::info!(name = %session.account, was = %session.role, now = %role, "role changed in Keycloak");
            }
            Ok(role)
        }
        Err(why) => {
            tracing::info!(name = %session.account, why = %why, "Keycloak sign-in ended at its check");
            state
                .store
                .recheck_session(id_hash, crate::store::Recheck::End { why: &why }, change)
                .await?;
            Err(AppError::Unauthorized)
        }
    }
}

impl FromRequestParts<AppState> for Credentials {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(found) = parts.extensions.get::<Credentials>() {
            return Ok(found.clone());
        }
        let found = authenticate(parts, state)
            .await?
            .ok_or(AppError::Unauthorized)?;
        parts.extensions.insert(found.clone());
        Ok(found)
    }
}

impl FromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    /// 401 without valid credentials; 403 for a cookie write without its CSRF token.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Credentials::from_request_parts(parts, state)
            .await
            .map(|c| c.actor)
    }
}

impl OptionalFromRequestParts<AppState> for Actor {
    type Rejection = AppError;

    /// Like [`MaybeActor`]: `None` for anonymous or stale credentials.
    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        MaybeActor::from_request_parts(parts, state)
            .await
            .map(|m| m.0)
    }
}

/// For public reads that show more to staff: the actor if the request carries valid
/// credentials, else `None`. An expired cookie or revoked token reads as anonymous rather
/// than failing, so a public page never breaks because of an old sign-in. A cookie write
/// without its CSRF token is still refused.
#[derive(Debug, Clone, PartialEq)]
pub struct MaybeActor(pub Option<Actor>);

impl FromRequestParts<AppState> for MaybeActor {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        match Credentials::from_request_parts(parts, state).await {
            Ok(found) => Ok(MaybeActor(Some(found.actor))),
            Err(AppError::Unauthorized) => Ok(MaybeActor(None)),
            Err(other) => Err(other),
        }
    }
}

#[cfg(test)]
mod tests;
