//! The subscription form and links as plain HTML, for readers without JavaScript and for
//! the links in our emails: the form posts here and is answered with a page (a redirect
//! to "Check your email", or the form again with its problems); the links open pages
//! whose buttons post here. `POST /subscriptions/unsubscribe` is also the one-click
//! unsubscribe address of every email's `List-Unsubscribe` header (RFC 8058).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tis_core::FieldError;
use tis_core::wire::{NewsKind, SubscriptionRequest, SubscriptionView, is_token};
use tis_markup::subscribe::{self, Filled};
use tis_markup::{Node, h};

use crate::AppState;
use crate::auth::sha256_hex;
use crate::http::page::{Template, one_off, subscribe_services};
use crate::subscriptions::{self, Refused};

/// The app's page to write these pages into; a bare page when the app is not served.
#[derive(Clone)]
pub(crate) struct Pages(pub(crate) Option<Arc<Template>>);

pub fn router(template: Option<Arc<Template>>) -> Router<AppState> {
    Router::new()
        .route("/subscribe", post(form_post))
        .route("/subscribe/sent", get(sent))
        .route("/subscriptions/confirm", get(confirm_page).post(confirm))
        .route("/subscriptions/manage", get(manage))
        .route("/subscriptions/unsubscribe", post(unsubscribe))
        .layer(Extension(Pages(template)))
}

/// A page for this one request: never kept by a cache (it may hold a token).
pub(crate) fn page(
    template: &Pages,
    status: StatusCode,
    title: &str,
    nodes: Vec<Node>,
) -> Response {
    let html = match &template.0 {
        Some(template) => one_off(template, title, &nodes),
        None => format!(
            "<!DOCTYPE html><html lang=\"en-GB\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{} – TIS Status</title></head><body><main>{}</main></body></html>",
            html_escape::encode_text(title),
            tis_markup::to_html(&nodes)
        ),
    };
    let mut response = (status, html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    // A token in the address goes to no other site.
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}

fn message(title: &str, lines: &[&str]) -> Vec<Node> {
    let mut nodes: Vec<Node> = vec![h("h1").t(title.to_string()).into()];
    nodes.extend(lines.iter().map(|l| Node::from(h("p").t(l.to_string()))));
    nodes.push(
        h("p")
            .c(h("a").a("href", "/").t("Back to the live status of TIS"))
            .into(),
    );
    nodes
}

/// The form's fields, read as a browser sends them (`services` and `kinds` repeated).
fn read_form(body: &[u8]) -> (SubscriptionRequest, Filled, Vec<FieldError>) {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).unwrap_or_default();
    let mut filled = Filled {
        kinds: Some(Vec::new()),
        ..Filled::default()
    };
    let mut problems = Vec::new();
    for (name, value) in pairs {
        match name.as_str() {
            "email" => filled.email = value,
            "services" => filled.services.push(value),
            "kinds" => match NewsKind::parse(&value) {
                Some(kind) => filled.kinds.get_or_insert_with(Vec::new).push(kind),
                None => problems.push(FieldError::new(
                    "kinds",
                    "Choose incidents, planned maintenance or both.",
                )),
            },
            _ => {}
        }
    }
    let request = SubscriptionRequest {
        email: filled.email.clone(),
        services: filled.services.clone(),
        kinds: filled.kinds.clone().unwrap_or_default(),
    };
    (request, filled, problems)
}

/// `POST /subscribe`: the form sent without the app.
async fn form_post(
    State(state): State<AppState>,
    Extension(template): Extension<Pages>,
    crate::http::client::ClientAddr(client): crate::http::client::ClientAddr,
    body: Bytes,
) -> Response {
    let (request, filled, mut problems) = read_form(&body);
    let outcome = if problems.is_empty() {
        subscriptions::take(
            &state,
            client.unwrap_or(std::net::IpAddr::from([0, 0, 0, 0])),
            &request,
        )
        .await
    } else {
        Err(Refused::Invalid(Vec::new()))
    };
    let title = "Get emails about TIS problems";
    match outcome {
        Ok(()) => (
            StatusCode::SEE_OTHER,
            [(
                header::LOCATION,
                HeaderValue::from_static("/subscribe/sent"),
            )],
        )
            .into_response(),
        Err(Refused::Invalid(more)) => {
            problems.extend(more);
            let services = subscribe_services(&state.snapshots.current().model);
            let nodes = subscribe::form(&services, &filled, &problems);
            page(
                &template,
                StatusCode::UNPROCESSABLE_ENTITY,
                &format!("Error: {title}"),
                nodes,
            )
        }
        Err(Refused::TooFast(wait)) => page(
            &template,
            StatusCode::TOO_MANY_REQUESTS,
            title,
            message(
                "Please wait",
                &[&format!(
                    "This computer has asked for emails many times in a short while. Wait {wait} seconds, then try again."
                )],
            ),
        ),
        Err(Refused::NotOffered) => page(
            &template,
            StatusCode::NOT_FOUND,
            title,
            message(
                "This status page does not send emails",
                &[
                    "You can follow TIS problems on this page, or with its feed of incidents and notices.",
                ],
            ),
        ),
        Err(Refused::Store(e)) => {
            tracing::error!(error = %e, "a subscription could not be stored");
            page(
                &template,
                StatusCode::INTERNAL_SERVER_ERROR,
                title,
                message(
                    "Sorry, something went wrong on our side",
                    &["Your request was not taken. Try again in a few minutes."],
                ),
            )
        }
    }
}

async fn sent(Extension(template): Extension<Pages>) -> Response {
    page(
        &template,
        StatusCode::OK,
        "Check your email",
        subscribe::sent(),
    )
}

#[derive(Deserialize)]
struct TokenQuery {
    token: Option<String>,
}

fn broken_link(template: &Pages) -> Response {
    page(
        template,
        StatusCode::NOT_FOUND,
        "This link does not work",
        message(
            "This link does not work",
            &[
                "The link may be cut short: copy the whole link from the email into the address bar.",
                "A link to confirm works for 48 hours. After that, or once you have stopped your emails, ask for emails again.",
            ],
        ),
    )
}

/// The token of `query` or of a form body, when it is one of ours in form.
fn token_of(query: &TokenQuery, body: &[u8]) -> Option<String> {
    let from_body = || {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(body)
            .unwrap_or_default()
            .into_iter()
            .find(|(k, _)| k == "token")
            .map(|(_, v)| v)
    };
    query
        .token
        .clone()
        .or_else(from_body)
        .filter(|t| is_token(t))
}

/// `GET /subscriptions/confirm`: a button rather than confirming at once, since mail
/// scanners open links in emails without anyone asking for anything.
async fn confirm_page(
    Extension(template): Extension<Pages>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let Some(token) = token_of(&q, &[]) else {
        return broken_link(&template);
    };
    let nodes = vec![
        h("h1").t("Confirm that you want emails").into(),
        h("p").t("Press the button to start getting emails from TIS Status at the address this link was sent to.").into(),
        h("form")
            .a("method", "post")
            .a("action", "/subscriptions/confirm")
            .c(h("input").a("type", "hidden").a("name", "token").a("value", token))
            .c(h("button").a("type", "submit").class("button").t("Confirm"))
            .into(),
    ];
    page(
        &template,
        StatusCode::OK,
        "Confirm that you want emails",
        nodes,
    )
}

/// `POST /subscriptions/confirm`: the button above.
async fn confirm(
    State(state): State<AppState>,
    Extension(template): Extension<Pages>,
    Query(q): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let Some(token) = token_of(&q, &body) else {
        return broken_link(&template);
    };
    match state
        .store
        .confirm_subscription(&sha256_hex(&token), chrono::Utc::now())
        .await
    {
        Ok(Some(view)) => {
            let mut nodes: Vec<Node> = vec![
                h("h1").t("You will now get emails").into(),
                h("p").t("Thank you: your address is confirmed.").into(),
            ];
            nodes.extend(choices(&state, &view));
            nodes.push(manage_link(&token));
            page(&template, StatusCode::OK, "You will now get emails", nodes)
        }
        Ok(None) => broken_link(&template),
        Err(e) => store_failed(&template, e),
    }
}

fn store_failed(template: &Pages, e: crate::store::StoreError) -> Response {
    tracing::error!(error = %e, "a subscription could not be read");
    page(
        template,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        message(
            "Sorry, something went wrong on our side",
            &["Try the link again in a few minutes."],
        ),
    )
}

fn manage_link(token: &str) -> Node {
    h("p")
        .c(h("a")
            .a("href", format!("/subscriptions/manage?token={token}"))
            .t("See or stop your emails"))
        .into()
}

/// What a subscription gets, in words.
fn choices(state: &AppState, view: &SubscriptionView) -> Vec<Node> {
    let services = if view.services.is_empty() {
        "All of TIS".to_string()
    } else {
        view.services
            .iter()
            .map(|id| {
                state
                    .config
                    .services
                    .iter()
                    .find(|s| &s.id == id)
                    .map_or_else(|| id.clone(), |s| s.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    vec![
        h("h2").t("What you get emails about").into(),
        h("ul")
            .cs(view.kinds.iter().map(|k| h("li").t(k.label())))
            .into(),
        h("p").t(format!("Services: {services}.")).into(),
    ]
}

/// `GET /subscriptions/manage`: the link in every email.
async fn manage(
    State(state): State<AppState>,
    Extension(template): Extension<Pages>,
    Query(q): Query<TokenQuery>,
) -> Response {
    let Some(token) = token_of(&q, &[]) else {
        return broken_link(&template);
    };
    match state.store.subscription(&sha256_hex(&token)).await {
        Ok(Some(view)) => {
            let mut nodes: Vec<Node> = vec![h("h1").t("Your emails from TIS Status").into()];
            if view.confirmed_at.is_none() {
                nodes.push(h("p").t("This address is waiting to be confirmed: follow the link in the first email we sent.").into());
            }
            nodes.extend(choices(&state, &view));
            nodes.push(h("p").t("To change what you get, stop your emails, then ask for them again with new choices.").into());
            nodes.push(
                h("form")
                    .a("method", "post")
                    .a(
                        "action",
                        format!("/subscriptions/unsubscribe?token={token}"),
                    )
                    .c(h("input")
                        .a("type", "hidden")
                        .a("name", "List-Unsubscribe")
                        .a("value", "One-Click"))
                    .c(h("button")
                        .a("type", "submit")
                        .class("button")
                        .t("Stop all emails and delete my address"))
                    .into(),
            );
            page(
                &template,
                StatusCode::OK,
                "Your emails from TIS Status",
                nodes,
            )
        }
        Ok(None) => broken_link(&template),
        Err(e) => store_failed(&template, e),
    }
}

/// `POST /subscriptions/unsubscribe`: one click, from a mail client (RFC 8058, body
/// `List-Unsubscribe=One-Click`) or from the manage page. Deletes the address.
async fn unsubscribe(
    State(state): State<AppState>,
    Extension(template): Extension<Pages>,
    Query(q): Query<TokenQuery>,
    body: Bytes,
) -> Response {
    let Some(token) = token_of(&q, &body) else {
        return broken_link(&template);
    };
    match state.store.unsubscribe(&sha256_hex(&token)).await {
        // Pressed twice, or from an older email: the address is gone either way.
        Ok(_) => page(
            &template,
            StatusCode::OK,
            "You will get no more emails",
            message(
                "You will get no more emails",
                &[
                    "We have deleted your address and your choices. You can ask for emails again at any time.",
                ],
            ),
        ),
        Err(e) => store_failed(&template, e),
    }
}
