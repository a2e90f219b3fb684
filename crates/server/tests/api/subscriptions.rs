//! The subscription API's answers: the same answer for any address, every bad field
//! named in problem+json, links that do not work said so, and nothing offered without
//! `[subscriptions]`.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Answer, TestApp, spawn_app};

const CONFIG: &str = r#"[server]
public_url = "https://status.example.nhs.uk"

[smtp]
host = "127.0.0.1"
port = 9
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 9
interval = "30s"
timeout = "2s"
"#;

async fn offering_app() -> TestApp {
    crate::helpers::app_with_config(CONFIG).await
}

async fn post(app: &TestApp, path: &str, body: Value) -> Answer {
    app.send(
        Request::post(path)
            .header("content-type", "application/json")
            .body(Body::from(body.to_string()))
            .expect("request"),
    )
    .await
}

fn fields(answer: &Answer) -> Vec<String> {
    assert_eq!(
        answer.header(axum::http::header::CONTENT_TYPE),
        "application/problem+json"
    );
    answer.json()["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|e| e["field"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn every_address_gets_the_same_answer_and_every_bad_field_is_named() {
    let app = offering_app().await;
    let good = json!({"email": "sam.jones@example.nhs.uk", "services": ["bulk-upload"], "kinds": ["incidents"]});
    let first = post(&app, "/api/v1/subscriptions", good.clone()).await;
    assert_eq!(first.status, StatusCode::ACCEPTED);
    let again = post(&app, "/api/v1/subscriptions", good).await;
    assert_eq!(again.status, StatusCode::ACCEPTED);
    assert_eq!(first.body, again.body, "no way to tell a known address");
    assert!(
        first.json()["message"]
            .as_str()
            .unwrap()
            .starts_with("Check your email")
    );

    let bad = post(
        &app,
        "/api/v1/subscriptions",
        json!({"email": "not an address", "services": ["bulk-uplaod"], "kinds": []}),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&bad), ["kinds", "services[0]", "email"]);
    let twice = post(
        &app,
        "/api/v1/subscriptions",
        json!({"email": "a@example.nhs.uk", "kinds": ["incidents", "incidents"]}),
    )
    .await;
    assert_eq!(fields(&twice), ["kinds"]);
    let unknown = post(
        &app,
        "/api/v1/subscriptions",
        json!({"email": "a@example.nhs.uk", "kinds": ["outages"]}),
    )
    .await;
    assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
    assert!(
        unknown.json()["detail"].as_str().unwrap().contains("kinds"),
        "{}",
        unknown.json()
    );
}

#[tokio::test]
async fn a_link_that_does_not_work_says_so_and_one_click_needs_no_sign_in() {
    let app = offering_app().await;
    let cut = post(
        &app,
        "/api/v1/subscriptions/confirm",
        json!({"token": "abc"}),
    )
    .await;
    assert_eq!(cut.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(&cut), ["token"]);
    let unknown = "A".repeat(43);
    let gone = post(
        &app,
        "/api/v1/subscriptions/unsubscribe",
        json!({"token": unknown}),
    )
    .await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    let mine = app
        .get(&format!("/api/v1/subscriptions/mine?token={unknown}"))
        .await;
    assert_eq!(mine.status, StatusCode::NOT_FOUND);
    // The one-click address of the emails answers a mail client with a page, never an error.
    let clicked = app
        .send(
            Request::post(format!("/subscriptions/unsubscribe?token={unknown}"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("List-Unsubscribe=One-Click"))
                .expect("request"),
        )
        .await;
    assert_eq!(clicked.status, StatusCode::OK);
    assert!(String::from_utf8_lossy(&clicked.body).contains("You will get no more emails"));
}

#[tokio::test]
async fn without_subscriptions_in_the_config_nothing_is_offered() {
    let app = spawn_app().await;
    let answer = post(
        &app,
        "/api/v1/subscriptions",
        json!({"email": "sam.jones@example.nhs.uk", "kinds": ["incidents"]}),
    )
    .await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    assert_eq!(answer.json()["type"], "/problems/not-found");
}

#[tokio::test]
async fn one_computer_asking_again_and_again_is_told_to_wait() {
    let app = offering_app().await;
    // A client address of its own, so other tests' requests do not count.
    let from = std::net::SocketAddr::from(([10, 9, 8, 7], 50_000));
    let mut statuses = Vec::new();
    for n in 0..12 {
        let answer = app
            .send(
                Request::post("/api/v1/subscriptions")
                    .header("content-type", "application/json")
                    .extension(axum::extract::ConnectInfo(from))
                    .body(Body::from(
                        json!({"email": format!("person{n}@example.nhs.uk"), "kinds": ["incidents"]})
                            .to_string(),
                    ))
                    .expect("request"),
            )
            .await;
        statuses.push(answer.status.as_u16());
        if answer.status == StatusCode::TOO_MANY_REQUESTS {
            assert!(
                answer
                    .header(axum::http::header::RETRY_AFTER)
                    .parse::<u64>()
                    .is_ok()
            );
            assert_eq!(answer.json()["type"], "/problems/rate-limited");
        }
    }
    assert_eq!(statuses, [[202; 10].as_slice(), &[429, 429]].concat());
}
