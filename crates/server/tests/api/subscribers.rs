//! Subscribers for staff: counts per service for any staff role with no address in them,
//! and an admin's lookup and removal of one address (gone with its tokens and queued
//! messages, audited by hash only); other roles are refused.

use axum::http::StatusCode;
use chrono::Utc;
use serde_json::{Value, json};
use tis_core::Role;
use tis_status::store::Lane;
use tis_status::subscriptions::{NewSubscription, TokenPurpose};

use crate::helpers::{Auth, TestApp};

const CONFIG: &str = r#"[server]
public_url = "https://status.example.nhs.uk"

[smtp]
host = "127.0.0.1"
port = 9
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
send_rate = "600/min"

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

[[service]]
id = "esr"
name = "ESR integration"
group = "Integrations"
description = "Exchange data with ESR."
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

/// Subscribes `email` the way the form does, and confirms it as its link would when
/// `confirmed`; returns the subscriber's id.
async fn subscriber(
    app: &TestApp,
    email: &str,
    services: &[&str],
    kinds: (bool, bool),
    confirmed: bool,
) -> i64 {
    let store = app.state.store.as_ref();
    let now = Utc::now();
    store
        .subscribe(
            &NewSubscription {
                email: email.into(),
                services: services.iter().map(|s| s.to_string()).collect(),
                incidents: kinds.0,
                maintenance: kinds.1,
            },
            now,
        )
        .await
        .expect("subscribed");
    let id = store
        .find_subscriber(email)
        .await
        .expect("found")
        .expect("kept")
        .id;
    if confirmed {
        let hash = format!("hash-of-the-link-to-{email}");
        assert!(
            store
                .add_subscriber_token(id, TokenPurpose::Confirm, &hash, now)
                .await
                .unwrap()
        );
        assert!(
            store
                .confirm_subscription(&hash, now)
                .await
                .unwrap()
                .is_some()
        );
    }
    id
}

fn counts_of<'a>(body: &'a Value, service: &str) -> &'a Value {
    body["services"]
        .as_array()
        .expect("services")
        .iter()
        .find(|s| s["service"] == service)
        .unwrap_or_else(|| panic!("no {service} in {body}"))
}

#[tokio::test]
async fn staff_see_how_many_subscribe_to_each_service_and_no_address() {
    let app = offering_app().await;
    // Two of all of TIS (one for incidents only), two of Bulk upload (one of them also of
    // ESR), one of ESR for maintenance only, and one never confirmed.
    subscriber(&app, "amy@example.nhs.uk", &[], (true, true), true).await;
    subscriber(&app, "ben@example.nhs.uk", &[], (true, false), true).await;
    subscriber(
        &app,
        "cat@example.nhs.uk",
        &["bulk-upload"],
        (true, true),
        true,
    )
    .await;
    subscriber(
        &app,
        "dev@example.nhs.uk",
        &["bulk-upload", "esr"],
        (true, false),
        true,
    )
    .await;
    subscriber(&app, "eve@example.nhs.uk", &["esr"], (false, true), true).await;
    subscriber(&app, "fay@example.nhs.uk", &["esr"], (true, true), false).await;

    let support = app.token("support", Role::Support).await;
    let answer = app.call("GET", "/api/v1/subscribers", &support, None).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text());
    assert!(
        answer
            .header(axum::http::header::CACHE_CONTROL)
            .contains("no-store"),
        "never kept by a cache"
    );
    let text = answer.text();
    assert!(!text.contains('@'), "no address in the counts: {text}");
    let body = answer.json();
    assert_eq!(body["offered"], true);
    assert_eq!(body["confirmed"], 5);
    assert_eq!(body["unconfirmed"], 1);
    assert_eq!(body["send_rate"], "600/min");
    assert_eq!(
        body["all_of_tis"],
        json!({"subscribers": 2, "incidents": 2, "maintenance": 1})
    );
    let bulk = counts_of(&body, "bulk-upload");
    assert_eq!(bulk["name"], "Bulk upload");
    assert_eq!(
        bulk["chosen"],
        json!({"subscribers": 2, "incidents": 2, "maintenance": 1})
    );
    assert_eq!(
        bulk["reached"],
        json!({"subscribers": 4, "incidents": 4, "maintenance": 2})
    );
    let esr = counts_of(&body, "esr");
    assert_eq!(
        esr["chosen"],
        json!({"subscribers": 2, "incidents": 1, "maintenance": 1}),
        "Fay, never confirmed, is not counted"
    );
    // The confirmation emails not yet sent (nothing delivers in this test).
    assert_eq!(body["waiting_messages"], 6);
}

#[tokio::test]
async fn an_admin_finds_an_address_and_removes_it_with_its_links_and_waiting_messages() {
    let app = offering_app().await;
    let id = subscriber(
        &app,
        "sam.jones@example.nhs.uk",
        &["esr"],
        (true, false),
        true,
    )
    .await;
    let other = subscriber(&app, "priya@example.nhs.uk", &[], (true, true), true).await;
    let admin = app.signed_in("ada", Role::Admin).await;

    // Typed as people type it: the case and spaces do not matter.
    let found = app
        .call(
            "POST",
            "/api/v1/subscribers/lookup",
            &admin,
            Some(json!({"email": "  Sam.Jones@Example.NHS.uk "})),
        )
        .await;
    assert_eq!(found.status, StatusCode::OK, "{}", found.text());
    let record = &found.json()["subscriber"];
    assert_eq!(record["id"], id);
    assert_eq!(record["services"], json!(["esr"]));
    assert_eq!(record["kinds"], json!(["incidents"]));
    assert!(record["confirmed_at"].is_string(), "{record}");
    assert!(record["created_at"].is_string(), "{record}");
    assert_eq!(record["waiting_messages"], 1, "its confirmation email");

    let nobody = app
        .call(
            "POST",
            "/api/v1/subscribers/lookup",
            &admin,
            Some(json!({"email": "nobody@example.nhs.uk"})),
        )
        .await;
    assert_eq!(nobody.status, StatusCode::OK);
    assert_eq!(nobody.json(), json!({"subscriber": null}));

    let removed = app
        .call("DELETE", &format!("/api/v1/subscribers/{id}"), &admin, None)
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.text());
    assert_eq!(removed.json(), json!({"messages_dropped": 1}));

    let store = app.state.store.as_ref();
    assert_eq!(
        store
            .find_subscriber("sam.jones@example.nhs.uk")
            .await
            .unwrap(),
        None,
        "the address is gone"
    );
    assert_eq!(
        store
            .subscription("hash-of-the-link-to-sam.jones@example.nhs.uk")
            .await
            .unwrap(),
        None,
        "the links in Sam's emails no longer work"
    );
    let waiting: Vec<String> = store
        .claim_outbox(
            Lane::Subscribers,
            Utc::now(),
            chrono::Duration::seconds(30),
            100,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.message.channel)
        .collect();
    assert_eq!(
        waiting,
        [format!("subscriber/{other}")],
        "only Priya's email still waits"
    );

    let audit = store.audit_log(100).await.unwrap();
    let line = audit
        .iter()
        .find(|e| e.action == "subscriber.remove")
        .expect("the removal is in the audit log");
    assert_eq!(line.actor, "ada");
    assert_eq!(line.target, format!("subscriber/{id}"), "{line:?}");
    // Not even a hash of the address: anyone with the export could confirm a guess.
    let hash = tis_status::auth::sha256_hex("sam.jones@example.nhs.uk");
    for entry in &audit {
        let all = format!("{} {} {}", entry.action, entry.target, entry.detail);
        assert!(!all.to_lowercase().contains("sam.jones"), "{entry:?}");
        assert!(!all.contains(&hash), "{entry:?}");
    }

    let again = app
        .call("DELETE", &format!("/api/v1/subscribers/{id}"), &admin, None)
        .await;
    again.problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn only_admins_may_look_up_or_remove_an_address_and_any_staff_may_count() {
    let app = offering_app().await;
    let id = subscriber(&app, "sam.jones@example.nhs.uk", &[], (true, true), true).await;
    let lookup = json!({"email": "sam.jones@example.nhs.uk"});
    for role in [Role::Support, Role::Editor] {
        let who = app.signed_in(role.as_str(), role).await;
        let counted = app.call("GET", "/api/v1/subscribers", &who, None).await;
        assert_eq!(counted.status, StatusCode::OK, "{role:?} may count");
        app.call(
            "POST",
            "/api/v1/subscribers/lookup",
            &who,
            Some(lookup.clone()),
        )
        .await
        .problem(StatusCode::FORBIDDEN);
        app.call("DELETE", &format!("/api/v1/subscribers/{id}"), &who, None)
            .await
            .problem(StatusCode::FORBIDDEN);
    }
    for (method, path) in [
        ("GET", "/api/v1/subscribers".to_string()),
        ("DELETE", format!("/api/v1/subscribers/{id}")),
    ] {
        app.call(method, &path, &Auth::Anonymous, None)
            .await
            .problem(StatusCode::UNAUTHORIZED);
    }
    assert!(
        app.state
            .store
            .find_subscriber("sam.jones@example.nhs.uk")
            .await
            .unwrap()
            .is_some(),
        "nothing refused changed anything"
    );
}

#[tokio::test]
async fn a_lookup_that_cannot_be_one_names_the_field() {
    let app = offering_app().await;
    let admin = app.token("admin", Role::Admin).await;
    for (email, says) in [
        ("", "Enter the email address"),
        ("sam.jones", "whole email address"),
    ] {
        let problem = app
            .call(
                "POST",
                "/api/v1/subscribers/lookup",
                &admin,
                Some(json!({ "email": email })),
            )
            .await
            .problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem.about("email").contains(says), "{problem:?}");
    }
    let problem = app
        .call(
            "POST",
            "/api/v1/subscribers/lookup",
            &admin,
            Some(json!({"email": "a@b.example", "name": "Sam"})),
        )
        .await
        .problem(StatusCode::BAD_REQUEST);
    assert!(problem.detail.contains("name"), "{problem:?}");
    app.call("DELETE", "/api/v1/subscribers/sam", &admin, None)
        .await
        .problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn other_teams_webhooks_are_neither_counted_nor_removed_as_email_subscribers() {
    let app = offering_app().await;
    subscriber(&app, "amy@example.nhs.uk", &[], (true, true), true).await;
    let admin = app.token("ada", Role::Admin).await;
    let added = app
        .call(
            "POST",
            "/api/v1/subscriptions/channels",
            &admin,
            Some(json!({
                "kind": "webhook",
                "name": "ESR team's system",
                "url": "http://127.0.0.1:9/hooks/tis-status",
                "services": ["esr"],
                "kinds": ["incidents", "maintenance"],
            })),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED, "{}", added.text());
    let hook = added.json()["subscription"]["id"].as_i64().expect("an id");

    let counts = app.call("GET", "/api/v1/subscribers", &admin, None).await;
    let body = counts.json();
    assert_eq!(body["confirmed"], 1, "Amy only: {body}");
    assert_eq!(body["unconfirmed"], 0);
    assert_eq!(counts_of(&body, "esr")["reached"]["subscribers"], 1);

    // Its id is not an email subscriber's: it is removed on its own page only.
    let refused = app
        .call(
            "DELETE",
            &format!("/api/v1/subscribers/{hook}"),
            &admin,
            None,
        )
        .await;
    refused.problem(StatusCode::NOT_FOUND);
    let list = app
        .call("GET", "/api/v1/subscriptions/channels", &admin, None)
        .await;
    assert!(list.text().contains("ESR team's system"), "{}", list.text());
}
