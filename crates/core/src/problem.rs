//! The kinds of problem an API answer reports (RFC 9457 `type`): a URI per kind, so that a
//! client matches on the kind, never on the English of `title` or `detail`.

use serde::{Deserialize, Serialize};

/// What kind of problem an answer reports. On the wire: a URI reference relative to the
/// server, e.g. `/problems/stale-revision`; `title` is this kind's reader words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum ProblemType {
    /// No such thing at this address.
    #[serde(rename = "/problems/not-found")]
    NotFound,
    /// The body could not be read (not JSON, wrong types, unknown fields).
    #[serde(rename = "/problems/unreadable")]
    Unreadable,
    /// The address's query asks for something out of range.
    #[serde(rename = "/problems/bad-query")]
    BadQuery,
    /// Some fields need fixing; `errors` names each.
    #[serde(rename = "/problems/validation")]
    Validation,
    #[serde(rename = "/problems/too-large")]
    TooLarge,
    #[serde(rename = "/problems/method-not-allowed")]
    MethodNotAllowed,
    /// No session and no token, or a token that is not valid.
    #[serde(rename = "/problems/sign-in-required")]
    SignInRequired,
    /// The name and password do not match an active account.
    #[serde(rename = "/problems/sign-in-failed")]
    SignInFailed,
    /// A write made with the sign-in cookie without the right `X-CSRF-Token`.
    #[serde(rename = "/problems/csrf")]
    Csrf,
    /// Signed in, but the role does not allow this.
    #[serde(rename = "/problems/forbidden")]
    Forbidden,
    /// It clashes with what is stored (a taken name, the last admin).
    #[serde(rename = "/problems/conflict")]
    Conflict,
    /// A report save based on a revision that is no longer the latest;
    /// `current_revision` says which is.
    #[serde(rename = "/problems/stale-revision")]
    StaleRevision,
    /// Too many failed sign-ins; `Retry-After` says when to try again.
    #[serde(rename = "/problems/too-many-attempts")]
    TooManyAttempts,
    /// Too many requests from this client or token; `Retry-After` says when to go on.
    #[serde(rename = "/problems/rate-limited")]
    RateLimited,
    /// The server cannot serve this now (stopping, store unreachable, too many live
    /// connections); `Retry-After` may say when to try again.
    #[serde(rename = "/problems/unavailable")]
    Unavailable,
    /// Something failed on our side; the server log says what.
    #[serde(rename = "/problems/internal")]
    Internal,
}
