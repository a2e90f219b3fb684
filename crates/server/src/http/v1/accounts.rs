//! Accounts and API tokens, for admins: `/api/v1/accounts` and `/api/v1/tokens`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tis_core::account::{
    Account, AccountInput, AccountList, ApiToken, NewToken, TokenInput, TokenList,
};

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::auth;
use crate::auth::WithRole;
use crate::auth::role::Admin;
use crate::http::error::AppError;
use crate::http::error::Problem;
use crate::http::v1::openapi::{NotFound, StaffProblems, WriteProblems};
use crate::http::v1::{ApiJson, ApiPath};
use crate::store::Disabled;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_accounts, add_account))
        .routes(routes!(disable_account))
        .routes(routes!(list_tokens, create_token))
        .routes(routes!(revoke_token))
        .layer(super::no_store())
}

/// Every account, disabled ones included (admin role).
#[utoipa::path(
    get,
    path = "/accounts",
    operation_id = "list_accounts",
    tag = "accounts",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The accounts", body = AccountList),
        StaffProblems,
    )
)]
async fn list_accounts(
    State(state): State<AppState>,
    _: WithRole<Admin>,
) -> Result<Json<AccountList>, AppError> {
    Ok(Json(AccountList {
        accounts: state.store.accounts().await?,
    }))
}

/// Adds an account (admin role): a person who signs in with a name and password.
#[utoipa::path(
    post,
    path = "/accounts",
    operation_id = "add_account",
    tag = "accounts",
    request_body = AccountInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 201, description = "The account", body = Account),
        WriteProblems,
        (status = 409, description = "There is already an account with that name", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn add_account(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiJson(input): ApiJson<AccountInput>,
) -> Result<(StatusCode, Json<Account>), AppError> {
    let account = auth::add_account(state.store.as_ref(), &input, actor.change()).await?;
    Ok((StatusCode::CREATED, Json(account)))
}

/// Disables an account (admin role).
///
/// It can no longer sign in and its sessions end. Accounts are not deleted, so the audit
/// log keeps meaning something.
#[utoipa::path(
    delete,
    path = "/accounts/{name}",
    operation_id = "disable_account",
    tag = "accounts",
    params(("name" = String, Path, description = "The account name")),
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The account, now disabled", body = Account),
        WriteProblems,
        NotFound,
        (status = 409, description = "It is the last active admin", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn disable_account(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiPath(name): ApiPath<String>,
) -> Result<Json<Account>, AppError> {
    match state.store.disable_account(&name, actor.change()).await? {
        Disabled::Done(account) => Ok(Json(account)),
        Disabled::LastAdmin => Err(AppError::Conflict(format!(
            "\"{name}\" is the last active admin, and without one nobody could manage \
             accounts. Add another admin first."
        ))),
    }
}

/// Every API token, revoked ones included, without the tokens themselves (admin role).
#[utoipa::path(
    get,
    path = "/tokens",
    operation_id = "list_tokens",
    tag = "accounts",
    security(("session" = []), ("token" = [])),
    responses(
        (status = 200, description = "The tokens", body = TokenList),
        StaffProblems,
    )
)]
async fn list_tokens(
    State(state): State<AppState>,
    _: WithRole<Admin>,
) -> Result<Json<TokenList>, AppError> {
    Ok(Json(TokenList {
        tokens: state.store.tokens().await?,
    }))
}

/// Creates an API token (admin role).
///
/// The answer is the only time the token is shown; only its hash is kept.
#[utoipa::path(
    post,
    path = "/tokens",
    operation_id = "create_token",
    tag = "accounts",
    request_body = TokenInput,
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 201, description = "The token, shown this once", body = NewToken),
        WriteProblems,
        (status = 409, description = "There is already a token with that name", body = Problem, content_type = "application/problem+json"),
    )
)]
async fn create_token(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<Response, AppError> {
    let (token, info) = auth::create_token(
        state.store.as_ref(),
        &input,
        state.config.location(),
        actor.change(),
    )
    .await?;
    let mut response = (StatusCode::CREATED, Json(NewToken { token, info })).into_response();
    // The only answer that holds the token: no cache may keep it.
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Revokes an API token (admin role): it stops working at once.
#[utoipa::path(
    delete,
    path = "/tokens/{id}",
    operation_id = "revoke_token",
    tag = "accounts",
    params(("id" = i64, Path, description = "The token id, as GET /api/v1/tokens lists it")),
    security(("session" = [], "csrf" = []), ("token" = [])),
    responses(
        (status = 200, description = "The token, now revoked", body = ApiToken),
        WriteProblems,
        NotFound,
    )
)]
async fn revoke_token(
    State(state): State<AppState>,
    WithRole(actor, _): WithRole<Admin>,
    ApiPath(id): ApiPath<String>,
) -> Result<Json<ApiToken>, AppError> {
    // Read as text and parsed here, so a wrong id gets a problem+json answer.
    let id: i64 = id.parse().map_err(|_| {
        AppError::BadRequest(format!(
            "\"{id}\" is not a token id: ids are whole numbers, as GET /api/v1/tokens lists them"
        ))
    })?;
    Ok(Json(state.store.revoke_token(id, actor.change()).await?))
}
