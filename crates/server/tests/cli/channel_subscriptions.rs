//! Webhook, Teams and Slack subscriptions that admins make for other teams, end to end:
//! the real server probing a real target on 127.0.0.1, and real receivers. A webhook for
//! one service gets Statuspage's shapes, signed (verified with the Standard Webhooks
//! libraries), for that service's incidents and status changes and nothing for another;
//! Teams and Slack channels get cards with the public words only.

use serde_json::{Value, json};

use crate::alerts::{Received, Receiver, Target, verify_with};
use crate::helpers::{Server, create_token, write};

const PUBLIC: &str = "https://status.example.nhs.uk";

fn config(target: &Target) -> String {
    let mut text = format!("[server]\npublic_url = \"{PUBLIC}\"\n");
    for (id, name) in [("bulk-upload", "Bulk upload"), ("esr", "ESR integration")] {
        text.push_str(&format!(
            r#"
[[service]]
id = "{id}"
name = "{name}"
group = "For admins"
description = "Used by admins."
[[service.probe]]
kind = "http"
url = "{url}/{id}"
interval = "5s"
timeout = "1s"
fail_after = 1
recover_after = 1
"#,
            url = target.url
        ));
    }
    text
}

async fn start() -> (tempfile::TempDir, Target, Receiver, Server, String) {
    let target = Target::start().await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let config = write(dir.path(), "tis.toml", &config(&target));
    let admin = create_token(&data, "admin-script", "admin");
    let server = Server::start(&config, &data).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"]
                .as_array()
                .is_some_and(|s| s.iter().all(|s| s["status"] == "operational"))
        })
        .await;
    (dir, target, receiver, server, admin)
}

async fn subscribe(server: &Server, admin: &str, body: Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/subscriptions/channels", server.url))
        .bearer_auth(admin)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn open_incident(server: &Server, token: &str, title: &str, service: &str) -> i64 {
    let opened: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/incidents", server.url))
        .bearer_auth(token)
        .json(&json!({
            "title": title, "status": "investigating", "impact": "major",
            "affected": [{"service": service, "status": "major_outage"}],
            "started_at": chrono::Utc::now() - chrono::Duration::minutes(5),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    opened["id"].as_i64().unwrap_or_else(|| panic!("{opened}"))
}

async fn post_update(server: &Server, token: &str, id: i64, status: &str, words: &str) {
    let posted = reqwest::Client::new()
        .post(format!("{}/api/v1/incidents/{id}/updates", server.url))
        .bearer_auth(token)
        .json(&json!({"status": status, "body": words}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
}

/// What a webhook body is about: the incident's name, or the component and its change.
fn about(r: &Received) -> String {
    let body = r.json();
    if let Some(name) = body["incident"]["name"].as_str() {
        format!("incident {name}: {}", body["incident"]["status"])
    } else {
        format!(
            "component {}: {} -> {}",
            body["component"]["id"],
            body["component_update"]["old_status"],
            body["component_update"]["new_status"]
        )
    }
}

#[tokio::test]
async fn a_webhook_for_one_service_gets_its_incidents_and_status_changes_signed_in_statuspage_shapes()
 {
    let (_dir, target, receiver, server, admin) = start().await;

    // Only https, or http to this machine.
    let refused = subscribe(
        &server,
        &admin,
        json!({"kind": "webhook", "name": "ESR team's system", "url": "http://esr.example/hooks",
               "kinds": ["incidents"]}),
    )
    .await;
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["errors"][0]["field"], "url", "{problem:#}");

    let made = subscribe(
        &server,
        &admin,
        json!({"kind": "webhook", "name": "ESR team's system", "url": format!("{}/hook", receiver.url),
               "services": ["bulk-upload"], "kinds": ["incidents"], "status_changes": true}),
    )
    .await;
    assert_eq!(made.status(), 201);
    assert_eq!(made.headers()["cache-control"], "no-store");
    let made: Value = made.json().await.unwrap();
    let secret = made["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"), "{made:#}");
    // Never shown again, and the URL's secret part never at all.
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/subscriptions/channels", server.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = listed.to_string();
    assert!(!text.contains(&secret) && !text.contains("/hook"), "{text}");
    assert_eq!(
        listed["subscriptions"][0]["url"],
        format!("{}/…", receiver.url)
    );

    // An incident for Bulk upload, told three times; one for ESR, never.
    let bulk = open_incident(&server, &admin, "Bulk upload is not working", "bulk-upload").await;
    let esr = open_incident(&server, &admin, "ESR files are late", "esr").await;
    post_update(&server, &admin, esr, "investigating", "ESR files are late.").await;
    post_update(
        &server,
        &admin,
        bulk,
        "investigating",
        "Uploads fail for everyone.",
    )
    .await;
    post_update(
        &server,
        &admin,
        bulk,
        "identified",
        "We know why and are fixing it.",
    )
    .await;
    post_update(&server, &admin, bulk, "resolved", "Uploads work again.").await;
    let got = receiver
        .wait("three incident messages", |got| {
            got.iter()
                .filter(|r| r.json()["incident"].is_object())
                .count()
                >= 3
        })
        .await;
    // Sent at once, they may arrive in any order (as Statuspage's may): each says when.
    let mut incidents: Vec<Value> = got
        .iter()
        .filter(|r| r.json()["incident"].is_object())
        .map(Received::json)
        .collect();
    incidents.sort_by_key(|b| b["incident"]["updated_at"].as_str().unwrap().to_string());
    let states: Vec<&str> = incidents
        .iter()
        .map(|b| b["incident"]["status"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["investigating", "identified", "resolved"]);
    for r in &got {
        verify_with(r, &secret);
        assert!(r.header("webhook-id").starts_with("msg_"));
    }
    let last = &incidents[2];
    assert_eq!(
        last["meta"]["documentation"],
        "https://support.atlassian.com/statuspage/docs/enable-webhook-notifications/"
    );
    assert_eq!(
        last["meta"]["unsubscribe"],
        format!("{PUBLIC}/manage/subscriptions")
    );
    assert!(last["page"]["id"].is_string());
    assert!(last["page"]["status_indicator"].is_string());
    assert!(last["page"]["status_description"].is_string());
    let incident = &last["incident"];
    assert_eq!(incident["id"], format!("inc-{bulk}"));
    assert_eq!(incident["name"], "Bulk upload is not working");
    assert_eq!(incident["shortlink"], format!("{PUBLIC}/incidents/{bulk}"));
    assert!(incident["resolved_at"].is_string());
    let updates: Vec<&str> = incident["incident_updates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["body"].as_str().unwrap())
        .collect();
    assert_eq!(
        updates,
        [
            "Uploads work again.",
            "We know why and are fixing it.",
            "Uploads fail for everyone."
        ],
        "newest first, as Statuspage lists them"
    );
    assert_eq!(incident["components"][0]["id"], "bulk-upload");
    assert_eq!(
        incidents[0]["incident"]["incident_updates"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "each message tells the incident as it was at its update"
    );

    // A probed service goes down and comes back: two component updates, public only.
    target.set_down("bulk-upload", true);
    target.set_down("esr", true);
    receiver
        .wait("Bulk upload going down", |got| {
            got.iter()
                .any(|r| r.json()["component_update"]["new_status"] == "major_outage")
        })
        .await;
    target.set_down("bulk-upload", false);
    target.set_down("esr", false);
    let got = receiver
        .wait("Bulk upload coming back", |got| {
            got.iter().any(|r| {
                r.json()["component_update"]["old_status"] == "major_outage"
                    && r.json()["component_update"]["new_status"] == "operational"
            })
        })
        .await;
    // ESR went down and came back too, and an update of its incident was posted first:
    // none of it was told, since the subscription is for Bulk upload only.
    let mut told: Vec<String> = got.iter().map(about).collect();
    told.sort();
    assert_eq!(
        told,
        [
            "component \"bulk-upload\": \"major_outage\" -> \"operational\"",
            "component \"bulk-upload\": \"operational\" -> \"major_outage\"",
            "incident Bulk upload is not working: \"identified\"",
            "incident Bulk upload is not working: \"investigating\"",
            "incident Bulk upload is not working: \"resolved\"",
        ]
    );
    let down = got
        .iter()
        .find(|r| r.json()["component_update"]["new_status"] == "major_outage")
        .unwrap();
    verify_with(down, &secret);
    let body = down.json();
    assert_eq!(body["component_update"]["component_id"], "bulk-upload");
    assert_eq!(body["component_update"]["id"], down.header("webhook-id"));
    assert!(body["component_update"]["created_at"].is_string());
    assert_eq!(body["component"]["name"], "Bulk upload");
    assert_eq!(body["component"]["status"], "major_outage");
    let text = String::from_utf8_lossy(&down.body);
    assert!(
        !text.contains("503") && !text.contains(&target.url) && !text.contains("DOWN"),
        "what the check said is for staff only: {text}"
    );
}

#[tokio::test]
async fn teams_and_slack_channels_get_public_words_a_test_message_and_nothing_once_removed() {
    let (_dir, target, receiver, server, admin) = start().await;
    let mut ids = Vec::new();
    for kind in ["teams", "slack"] {
        let made = subscribe(
            &server,
            &admin,
            json!({"kind": kind, "name": "ESR team channel", "url": format!("{}/{kind}", receiver.url),
                   "kinds": ["incidents"], "status_changes": true}),
        )
        .await;
        assert_eq!(made.status(), 201);
        let made: Value = made.json().await.unwrap();
        assert!(made["secret"].is_null(), "only webhooks are signed");
        ids.push(made["subscription"]["id"].as_i64().unwrap());
    }
    // The same URL again is refused.
    let again = subscribe(
        &server,
        &admin,
        json!({"kind": "teams", "name": "Again", "url": format!("{}/teams", receiver.url),
               "kinds": ["incidents"]}),
    )
    .await;
    assert_eq!(again.status(), 409);

    target.set_down("bulk-upload", true);
    receiver
        .wait("Bulk upload is down, on both", |got| {
            ["teams", "slack"].iter().all(|p| {
                got.iter()
                    .any(|r| r.path == *p && r.title() == "Bulk upload is down")
            })
        })
        .await;
    for path in ["teams", "slack"] {
        for r in receiver.accepted(path) {
            let text = String::from_utf8_lossy(&r.body).to_string();
            assert!(
                !text.contains("503") && !text.contains(&target.url) && !text.contains("DOWN"),
                "{path} got what the check said: {text}"
            );
        }
    }
    let teams = receiver
        .accepted("teams")
        .into_iter()
        .find(|r| r.title() == "Bulk upload is down")
        .unwrap()
        .json();
    let card = &teams["attachments"][0]["content"];
    assert_eq!(card["type"], "AdaptiveCard");
    assert_eq!(
        card["actions"][0]["url"],
        format!("{PUBLIC}/services/bulk-upload")
    );
    let slack = receiver
        .accepted("slack")
        .into_iter()
        .find(|r| r.title() == "Bulk upload is down")
        .unwrap()
        .json();
    assert!(
        slack["text"]
            .as_str()
            .unwrap()
            .starts_with("Bulk upload is down:"),
        "{slack:#}"
    );

    // An incident's first update is news; its author is not.
    let id = open_incident(&server, &admin, "Bulk upload is not working", "bulk-upload").await;
    post_update(
        &server,
        &admin,
        id,
        "investigating",
        "Uploads fail for everyone.",
    )
    .await;
    receiver
        .wait("the incident on both", |got| {
            ["teams", "slack"].iter().all(|p| {
                got.iter()
                    .any(|r| r.path == *p && r.title() == "TIS problem: Bulk upload is not working")
            })
        })
        .await;
    for r in receiver.all() {
        let text = String::from_utf8_lossy(&r.body).to_string();
        assert!(!text.contains("admin-script"), "{text}");
    }

    // A test message, then Teams removed: Slack alone hears of the next update.
    let tested = reqwest::Client::new()
        .post(format!(
            "{}/api/v1/subscriptions/channels/{}/test",
            server.url, ids[0]
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(tested.status(), 202);
    receiver
        .wait("the test message on Teams", |got| {
            got.iter()
                .any(|r| r.path == "teams" && r.title() == "Test message from TIS Status")
        })
        .await;
    let removed = reqwest::Client::new()
        .delete(format!(
            "{}/api/v1/subscriptions/channels/{}",
            server.url, ids[0]
        ))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), 200);
    post_update(&server, &admin, id, "resolved", "Uploads work again.").await;
    receiver
        .wait("the fix on Slack", |got| {
            got.iter()
                .any(|r| r.path == "slack" && r.title() == "Fixed: Bulk upload is not working")
        })
        .await;
    assert!(
        !receiver
            .all()
            .iter()
            .any(|r| r.path == "teams" && r.title() == "Fixed: Bulk upload is not working"),
        "Teams was removed before the fix"
    );
    let listed: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/subscriptions/channels", server.url))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kinds: Vec<&str> = listed["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["slack"]);
    assert!(listed["subscriptions"][0]["last_delivered_at"].is_string());

    // Without an admin's credentials, nothing.
    let support = reqwest::Client::new()
        .get(format!("{}/api/v1/subscriptions/channels", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(support.status(), 401);
}
