//! The role a handler needs, checked by its extractor before the handler runs: a handler
//! that takes `WithRole<Editor>` cannot forget the check, and refuses a reader without the
//! role (403) before it reads the address's parts or the body.

use std::marker::PhantomData;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use tis_core::Role;

use crate::AppState;
use crate::auth::Actor;
use crate::http::error::AppError;

/// A role as a type, for [`WithRole`].
pub trait Needed {
    const ROLE: Role;
}

/// Support staff and above: notices, incident updates, reading revisions and alerts.
pub struct Support;
/// Editors and above: incidents, reports, the glossary.
pub struct Editor;
/// Admins: accounts, tokens, test alerts.
pub struct Admin;
/// Standalone probers pushing results (and admins).
pub struct Prober;

impl Needed for Support {
    const ROLE: Role = Role::Support;
}
impl Needed for Editor {
    const ROLE: Role = Role::Editor;
}
impl Needed for Admin {
    const ROLE: Role = Role::Admin;
}
impl Needed for Prober {
    const ROLE: Role = Role::Prober;
}

/// The signed-in actor, who has role `R`: 401 without valid credentials, 403 for a cookie
/// write without its CSRF token or for a reader without the role.
pub struct WithRole<R>(pub Actor, pub PhantomData<R>);

impl<R: Needed> FromRequestParts<AppState> for WithRole<R> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let actor = Actor::from_request_parts(parts, state).await?;
        actor.require(R::ROLE)?;
        Ok(WithRole(actor, PhantomData))
    }
}
