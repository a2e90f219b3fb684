//! Accounts and API tokens, for admins: `/api/v1/accounts` and `/api/v1/tokens`.

use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use tis_core::Role;
use tis_core::account::{
    Account, AccountInput, AccountList, ApiToken, NewToken, TokenInput, TokenList,
};

use crate::AppState;
use crate::auth::{self, Actor};
use crate::error::AppError;
use crate::store::Disabled;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list_accounts).post(add_account))
        .route("/accounts/{name}", delete(disable_account))
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{id}", delete(revoke_token))
}

async fn list_accounts(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<AccountList>, AppError> {
    actor.require(Role::Admin)?;
    Ok(Json(AccountList {
        accounts: state.store.accounts().await?,
    }))
}

/// `POST /api/v1/accounts` {name, role, password} → 201 with the account.
async fn add_account(
    State(state): State<AppState>,
    actor: Actor,
    body: Result<Json<AccountInput>, JsonRejection>,
) -> Result<(StatusCode, Json<Account>), AppError> {
    actor.require(Role::Admin)?;
    let Json(input) = body?;
    let account = auth::add_account(state.store.as_ref(), &input, actor.change()).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// `DELETE /api/v1/accounts/{name}`: disables it and ends its sessions. Accounts are not
/// deleted, so the audit log keeps meaning something.
async fn disable_account(
    State(state): State<AppState>,
    actor: Actor,
    Path(name): Path<String>,
) -> Result<Json<Account>, AppError> {
    actor.require(Role::Admin)?;
    match state.store.disable_account(&name, actor.change()).await? {
        Disabled::Done(account) => Ok(Json(account)),
        Disabled::LastAdmin => Err(AppError::Conflict(format!(
            "\"{name}\" is the last active admin, and without one nobody could manage \
             accounts. Add another admin first."
        ))),
    }
}

async fn list_tokens(
    State(state): State<AppState>,
    actor: Actor,
) -> Result<Json<TokenList>, AppError> {
    actor.require(Role::Admin)?;
    Ok(Json(TokenList {
        tokens: state.store.tokens().await?,
    }))
}

/// `POST /api/v1/tokens` {name, role} → 201 with the token, shown this once.
async fn create_token(
    State(state): State<AppState>,
    actor: Actor,
    body: Result<Json<TokenInput>, JsonRejection>,
) -> Result<Response, AppError> {
    actor.require(Role::Admin)?;
    let Json(input) = body?;
    let (token, info) = auth::create_token(state.store.as_ref(), &input, actor.change()).await?;
    let mut response = (StatusCode::CREATED, Json(NewToken { token, info })).into_response();
    // The only answer that holds the token: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// `DELETE /api/v1/tokens/{id}`: revokes it; it stops working at once.
async fn revoke_token(
    State(state): State<AppState>,
    actor: Actor,
    Path(id): Path<String>,
) -> Result<Json<ApiToken>, AppError> {
    actor.require(Role::Admin)?;
    // Read as text and parsed here, so a wrong id gets a problem+json answer.
    let id: i64 = id.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "\"{id}\" is not a token id: ids are whole numbers, as GET /api/v1/tokens lists them"
        ))
    })?;
    Ok(Json(state.store.revoke_token(id, actor.change()).await?))
}
