//! Team alerts as the team gets them: the real server probing real targets on
//! 127.0.0.1, and real receivers — an HTTP server standing in for Teams, Slack and a
//! signed webhook (checking each shape and verifying the Standard Webhooks signature),
//! and a real SMTP server process (aiosmtpd) receiving the email.

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path as UrlPath, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use serde_json::{Value, json};

use crate::helpers::{OutputText, Server, SmtpServer, create_token, tis_status, write};

/// Long enough for a probe interval or two and a retry, on a busy machine.
const LIMIT: Duration = Duration::from_secs(60);

/// The webhook channel's signing secret, as Standard Webhooks writes them.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

// ---- a target whose parts can be broken ----

/// Health endpoints at `/health/NAME`, each up until broken.
#[derive(Clone, Default)]
pub(crate) struct Target {
    down: Arc<Mutex<HashMap<String, bool>>>,
    pub(crate) url: String,
}

impl Target {
    pub(crate) async fn start() -> Target {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let mut target = Target {
            url: format!("http://{}", listener.local_addr().unwrap()),
            ..Target::default()
        };
        let down = target.down.clone();
        let app = axum::Router::new().route(
            "/health/{name}",
            get(move |UrlPath(name): UrlPath<String>| {
                let down = down.clone();
                async move {
                    if down.lock().unwrap().get(&name).copied().unwrap_or(false) {
                        (StatusCode::SERVICE_UNAVAILABLE, "DOWN")
                    } else {
                        (StatusCode::OK, "UP")
                    }
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        target.url.push_str("/health");
        target
    }

    pub(crate) fn set_down(&self, name: &str, down: bool) {
        self.down.lock().unwrap().insert(name.into(), down);
    }
}

// ---- a receiver standing in for Teams, Slack and webhooks ----

#[derive(Debug, Clone)]
pub(crate) struct Received {
    /// `teams`, `slack` or `hook`.
    pub(crate) path: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
    /// What the receiver answered.
    pub(crate) accepted: bool,
}

impl Received {
    pub(crate) fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("alerts are JSON")
    }

    /// The title, whichever channel's shape it came in.
    pub(crate) fn title(&self) -> String {
        let body = self.json();
        let title = match self.path.as_str() {
            "teams" => &body["attachments"][0]["content"]["body"][0]["text"],
            "slack" => &body["blocks"][0]["text"]["text"],
            _ => &body["data"]["title"],
        };
        title.as_str().unwrap_or_default().to_string()
    }

    pub(crate) fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }
}

#[derive(Default)]
struct ReceiverState {
    got: Mutex<Vec<Received>>,
    /// Requests still to refuse with 500.
    refuse: AtomicU32,
    /// Hold the next request without answering, until the connection goes.
    hold_next: AtomicBool,
}

#[derive(Clone)]
pub(crate) struct Receiver {
    state: Arc<ReceiverState>,
    pub(crate) url: String,
}

impl Receiver {
    pub(crate) async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(ReceiverState::default());
        let app = axum::Router::new()
            .route("/{path}", post(receive))
            .with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Receiver { state, url }
    }

    /// Holds the next request without answering, until its sender goes.
    pub(crate) fn hold_next(&self) {
        self.state.hold_next.store(true, Ordering::SeqCst);
    }

    pub(crate) fn all(&self) -> Vec<Received> {
        self.state.got.lock().unwrap().clone()
    }

    /// What each channel took (answered 2xx), in order.
    pub(crate) fn accepted(&self, path: &str) -> Vec<Received> {
        self.all()
            .into_iter()
            .filter(|r| r.path == path && r.accepted)
            .collect()
    }

    /// Waits until `done` holds for what arrived, failing after `limit`.
    pub(crate) async fn wait(
        &self,
        what: &str,
        done: impl Fn(&[Received]) -> bool,
    ) -> Vec<Received> {
        let started = Instant::now();
        loop {
            let got = self.all();
            if done(&got) {
                return got;
            }
            assert!(
                started.elapsed() < LIMIT,
                "gave up waiting for {what}; received: {:#?}",
                got.iter()
                    .map(|r| (r.path.clone(), r.title(), r.accepted))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

async fn receive(
    State(state): State<Arc<ReceiverState>>,
    UrlPath(path): UrlPath<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> StatusCode {
    if state.hold_next.swap(false, Ordering::SeqCst) {
        state.got.lock().unwrap().push(Received {
            path: path.clone(),
            headers: headers.clone(),
            body: body.to_vec(),
            accepted: false,
        });
        // Never answers: the sender is killed while it waits.
        std::future::pending::<()>().await;
    }
    let refuse = state
        .refuse
        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
        .is_ok();
    state.got.lock().unwrap().push(Received {
        path,
        headers,
        body: body.to_vec(),
        accepted: !refuse,
    });
    if refuse {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        // What Teams Workflows answer.
        StatusCode::ACCEPTED
    }
}

/// Checks a webhook's signature with the Standard Webhooks library, as a receiver would.
fn verify(r: &Received) {
    verify_with(r, SECRET);
}

/// Checks a webhook's signature made with `secret`, with the Standard Webhooks library
/// and (where installed) its Python reference.
pub(crate) fn verify_with(r: &Received, secret: &str) {
    standardwebhooks::Webhook::new(secret)
        .unwrap()
        .verify(&r.body, &r.headers)
        .unwrap_or_else(|e| panic!("the signature does not verify: {e}"));
    // And with the specification's Python reference library, where it is installed
    // (`cargo xtask test` installs it).
    if python_has("standardwebhooks") {
        let script = "import sys, json; from standardwebhooks.webhooks import Webhook\n\
                      h = json.loads(sys.argv[2]); Webhook(sys.argv[1]).verify(sys.stdin.buffer.read(), h)";
        let head: HashMap<&str, String> = ["webhook-id", "webhook-timestamp", "webhook-signature"]
            .into_iter()
            .map(|n| (n, r.header(n)))
            .collect();
        let mut child = Command::new("python3")
            .args(["-c", script, secret, &serde_json::to_string(&head).unwrap()])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(&r.body).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "the Python reference verifier refused it: {}",
            out.stderr_text()
        );
    }
}

pub(crate) fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

// ---- configs ----

/// A probed service: `(id, name, depends_on)`, its health at the target's `/health/ID`.
fn service(target: &Target, id: &str, name: &str, depends_on: &[&str]) -> String {
    format!(
        r#"
[[service]]
id = "{id}"
name = "{name}"
group = "TIS"
description = "Part of TIS."
depends_on = {depends_on:?}
[[service.probe]]
kind = "http"
url = "{url}/{id}"
interval = "5s"
timeout = "1s"
fail_after = 1
recover_after = 1
"#,
        url = target.url
    )
}

/// Teams, Slack and webhook channels at `receiver`, and the environment that holds their
/// URLs and secret.
fn http_channels(receiver: &Receiver) -> (String, Vec<(String, String)>) {
    let channels = r#"
[[channel]]
id = "tis-team"
kind = "teams"
url_env = "TEST_TEAMS_URL"

[[channel]]
id = "slack"
kind = "slack"
url_env = "TEST_SLACK_URL"

[[channel]]
id = "ops-hook"
kind = "webhook"
url_env = "TEST_HOOK_URL"
secret_env = "TEST_HOOK_SECRET"
"#;
    let env = vec![
        ("TEST_TEAMS_URL".into(), format!("{}/teams", receiver.url)),
        ("TEST_SLACK_URL".into(), format!("{}/slack", receiver.url)),
        ("TEST_HOOK_URL".into(), format!("{}/hook", receiver.url)),
        ("TEST_HOOK_SECRET".into(), SECRET.into()),
    ];
    (channels.into(), env)
}

fn env_refs(env: &[(String, String)]) -> Vec<(&str, &str)> {
    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
}

async fn get_json(url: &str, token: &str) -> Value {
    reqwest::Client::new()
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("JSON")
}

/// Polls the staff list of alerts until `done` holds.
async fn wait_deliveries(
    server: &Server,
    token: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let body = get_json(&format!("{}/api/v1/alerts", server.url), token).await;
        let deliveries = body["deliveries"].as_array().cloned().unwrap_or_default();
        if done(&deliveries) {
            return deliveries;
        }
        assert!(
            started.elapsed() < LIMIT,
            "gave up waiting on /api/v1/alerts; last: {body:#}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn titles(received: &[Received]) -> Vec<String> {
    received.iter().map(Received::title).collect()
}

// ---- the tests ----

#[test]
fn check_names_the_line_and_field_of_each_alert_mistake() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "tis.toml",
        r#"[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = 1

[[channel]]
id = "tis-team"
kind = "teams"
url_env = "TIS_TEST_UNSET_TEAMS_URL"

[[channel]]
id = "support-mailbox"
kind = "email"
to = ["not an address"]

[[alert]]
channels = ["tis-team", "tis-teem"]
services = ["bulk-upload", "sign-in"]
remind_every = "1s"
"#,
    );
    let out = tis_status(&["check", "--config", config.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let err = out.stderr_text();
    for line in [
        "tis.toml, line 14: channel \"tis-team\", field url_env: the environment variable TIS_TEST_UNSET_TEAMS_URL is not set",
        "tis.toml, line 19: channel \"support-mailbox\", field to: \"not an address\" is not an email address",
        "tis.toml, line 18: channel \"support-mailbox\", field kind: email channels send through the mail server in [smtp]",
        "tis.toml, line 22: alert 1, field channels: there is no [[channel]] with id \"tis-teem\"; use one of: tis-team, support-mailbox",
        "tis.toml, line 23: alert 1, field services: \"sign-in\" is no service id or group",
        "tis.toml, line 24: alert 1, field remind_every: 1s is too often",
    ] {
        assert!(err.contains(line), "missing {line:?} in:\n{err}");
    }
    assert!(err.contains("has 6 problems"), "{err}");
}

#[tokio::test]
async fn one_alert_per_root_cause_reaches_teams_slack_and_a_signed_webhook_then_recovery() {
    let target = Target::start().await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (channels, env) = http_channels(&receiver);
    let mut text = format!(
        "[server]\npublic_url = \"https://status.example\"\n{channels}\n[[alert]]\nchannels = [\"tis-team\", \"slack\", \"ops-hook\"]\n"
    );
    text.push_str(&service(&target, "sign-in", "Sign-in", &[]));
    for (id, name) in [
        ("bulk-upload", "Bulk upload"),
        ("form-r", "Form R"),
        ("esr", "ESR integration"),
    ] {
        text.push_str(&service(&target, id, name, &["sign-in"]));
    }
    text.push_str(&service(&target, "reference", "Reference data", &[]));
    let config = write(dir.path(), "tis.toml", &text);
    let token = create_token(&data, "alerts-reader", "support");
    let server = Server::start_env(&config, &data, &env_refs(&env)).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"]
                .as_array()
                .is_some_and(|s| s.iter().all(|s| s["status"] == "operational"))
        })
        .await;

    target.set_down("sign-in", true);
    target.set_down("reference", true);
    // Once every service's change is recorded, every alert it causes is in the outbox:
    // both are written in one transaction.
    server
        .wait_for("/api/v1/status-changes", |b| {
            b["changes"]
                .as_array()
                .is_some_and(|c| c.iter().filter(|c| c["to"] == "major_outage").count() == 5)
        })
        .await;
    let deliveries = wait_deliveries(&server, &token, |d| {
        !d.is_empty() && d.iter().all(|d| d["state"] == "delivered")
    })
    .await;
    assert_eq!(
        deliveries.len(),
        6,
        "two alerts (Sign-in with what needs it, and Reference data) to three channels: {deliveries:#?}"
    );
    for path in ["teams", "slack", "hook"] {
        let mut got = titles(&receiver.accepted(path));
        got.sort();
        assert_eq!(got, ["Reference data is down", "Sign-in is down"], "{path}");
    }

    // Teams: an Adaptive Card in the Workflows envelope.
    let teams = receiver.accepted("teams");
    let card = teams
        .iter()
        .find(|r| r.title() == "Sign-in is down")
        .unwrap()
        .json();
    assert_eq!(card["type"], "message");
    let attachment = &card["attachments"][0];
    assert_eq!(
        attachment["contentType"],
        "application/vnd.microsoft.card.adaptive"
    );
    assert_eq!(attachment["content"]["type"], "AdaptiveCard");
    assert_eq!(
        attachment["content"]["body"][1]["text"],
        "3 services are affected because of it: Bulk upload, Form R, ESR integration."
    );
    let facts = attachment["content"]["body"][2]["facts"].to_string();
    assert!(
        facts.contains("503"),
        "the check's error is told to staff: {facts}"
    );
    assert!(facts.contains("GMT") || facts.contains("BST"), "{facts}");
    assert_eq!(
        attachment["content"]["actions"][0]["url"],
        "https://status.example/services/sign-in"
    );
    assert_eq!(
        attachment["content"]["actions"][1]["url"],
        "https://status.example/manage/alerts"
    );
    // Slack: Block Kit with a text fallback.
    let slack = receiver.accepted("slack");
    let message = slack
        .iter()
        .find(|r| r.title() == "Sign-in is down")
        .unwrap()
        .json();
    assert!(
        message["text"]
            .as_str()
            .unwrap()
            .starts_with("Sign-in is down: 3 services are affected"),
        "{message:#}"
    );
    assert_eq!(message["blocks"][0]["type"], "header");
    // The webhook: signed, verifiable with the specification's libraries.
    let hooks = receiver.accepted("hook");
    for hook in &hooks {
        verify(hook);
        assert!(hook.header("webhook-id").starts_with("msg_"));
    }
    let event = hooks
        .iter()
        .find(|r| r.title() == "Sign-in is down")
        .unwrap()
        .json();
    assert_eq!(event["type"], "alert.down");
    assert_eq!(
        event["data"]["services"],
        json!(["sign-in", "bulk-upload", "form-r", "esr"])
    );

    // Fixed: one recovery for each, saying how long it lasted.
    target.set_down("sign-in", false);
    target.set_down("reference", false);
    let got = receiver
        .wait("two recoveries on each channel", |got| {
            got.iter()
                .filter(|r| r.title().ends_with("is working again"))
                .count()
                == 6
        })
        .await;
    let recovery = got
        .iter()
        .find(|r| r.path == "hook" && r.title() == "Sign-in is working again")
        .unwrap()
        .json();
    assert_eq!(recovery["type"], "alert.recovered");
    let summary = recovery["data"]["summary"].as_str().unwrap();
    assert!(summary.starts_with("It was down for "), "{summary}");
    assert!(
        summary.contains("3 services were affected because of it"),
        "{summary}"
    );

    // Staff only.
    let anonymous = reqwest::get(format!("{}/api/v1/alerts", server.url))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), 401);
}

#[tokio::test]
async fn email_goes_through_a_real_smtp_server_and_reminders_repeat_while_down() {
    assert!(
        python_has("aiosmtpd"),
        "this test needs the aiosmtpd SMTP server: pip install aiosmtpd (cargo xtask test installs it)"
    );
    let target = Target::start().await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = crate::helpers::closed_port();
    let smtp = SmtpServer::start(port, &maildir);
    let mut text = format!(
        r#"[smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[[channel]]
id = "support-mailbox"
kind = "email"
to = ["tis-support@example.nhs.uk"]

[[alert]]
channels = ["support-mailbox"]
services = ["TIS"]
remind_every = "10s"
"#
    );
    text.push_str(&service(&target, "bulk-upload", "Bulk upload", &[]));
    let config = write(dir.path(), "tis.toml", &text);
    let server = Server::start(&config, &dir.path().join("data")).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"][0]["status"] == "operational"
        })
        .await;
    target.set_down("bulk-upload", true);

    let mails = smtp
        .wait(|m| m.iter().filter(|m| m.contains("is still down")).count() >= 2)
        .await;
    let first = mails
        .iter()
        .find(|m| m.contains("Subject: [TIS Status] Bulk upload is down"))
        .expect("the first alert came by email");
    assert!(
        first.contains("Subject: [TIS Status] Bulk upload is down"),
        "{first}"
    );
    assert!(first.contains("To: tis-support@example.nhs.uk"), "{first}");
    assert!(first.contains("multipart/alternative"), "{first}");
    assert!(first.contains("text/plain"), "{first}");
    assert!(first.contains("text/html"), "{first}");
    let reminders: Vec<&String> = mails
        .iter()
        .filter(|m| m.contains("is still down"))
        .collect();
    assert!(
        reminders[0].contains("Subject: [TIS Status] Bulk upload is still down"),
        "{}",
        reminders[0]
    );
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("Subject: [TIS Status] Bulk upload is down"))
            .count(),
        1,
        "told once, then reminded"
    );
    drop(server);
}

#[tokio::test]
async fn planned_maintenance_keeps_alerts_quiet_until_its_window_ends() {
    let target = Target::start().await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (channels, env) = http_channels(&receiver);
    let mut text = format!("{channels}\n[[alert]]\nchannels = [\"ops-hook\"]\n");
    text.push_str(&service(&target, "sign-in", "Sign-in", &[]));
    let config = write(dir.path(), "tis.toml", &text);
    let token = create_token(&data, "support-script", "support");
    let server = Server::start_env(&config, &data, &env_refs(&env)).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"][0]["status"] == "operational"
        })
        .await;

    let now = chrono::Utc::now();
    let ends = now + chrono::Duration::seconds(20);
    let posted = reqwest::Client::new()
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth(&token)
        .json(&json!({
            "title": "Keycloak upgrade",
            "body": "Sign-in is being upgraded.",
            "kind": "planned_maintenance",
            "severity": "medium",
            "services": ["sign-in"],
            "starts_at": now,
            "ends_at": ends,
            "audience": "everyone",
            "published": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
    target.set_down("sign-in", true);

    let got = receiver
        .wait("an alert after the window", |got| !got.is_empty())
        .await;
    let first = got[0].json();
    let sent_at =
        chrono::DateTime::from_timestamp(got[0].header("webhook-timestamp").parse().unwrap(), 0)
            .unwrap();
    assert!(
        sent_at >= ends - chrono::Duration::seconds(1),
        "nothing is sent during the planned maintenance, though Sign-in failed all through it; the first came at {sent_at}, before {ends}"
    );
    assert_eq!(first["data"]["title"], "Sign-in is down");
    let summary = first["data"]["summary"].as_str().unwrap();
    assert!(
        summary.starts_with("The planned maintenance \"Keycloak upgrade\" ended at ")
            && summary.contains("and Sign-in is still not working."),
        "{summary}"
    );
}

#[tokio::test]
async fn a_late_incident_update_is_chased_with_a_link_to_post_one() {
    let target = Target::start().await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (channels, env) = http_channels(&receiver);
    let mut text = format!(
        "[server]\npublic_url = \"https://status.example\"\n{channels}\n[[alert]]\nchannels = [\"tis-team\"]\nservices = [\"bulk-upload\"]\n"
    );
    text.push_str(&service(&target, "bulk-upload", "Bulk upload", &[]));
    let config = write(dir.path(), "tis.toml", &text);
    let token = create_token(&data, "editor-script", "editor");
    let server = Server::start_env(&config, &data, &env_refs(&env)).await;

    let now = chrono::Utc::now();
    let opened = reqwest::Client::new()
        .post(format!("{}/api/v1/incidents", server.url))
        .bearer_auth(&token)
        .json(&json!({
            "title": "Bulk upload is not working",
            "status": "investigating",
            "impact": "major",
            "affected": [{"service": "bulk-upload", "status": "major_outage"}],
            "started_at": now - chrono::Duration::minutes(5),
            "next_update_at": now + chrono::Duration::seconds(3),
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(opened.status(), 201, "{}", opened.text().await.unwrap());
    let incident: Value = opened.json().await.unwrap();
    let id = incident["id"].as_i64().unwrap();

    let got = receiver
        .wait("the update-due alert", |got| {
            got.iter().any(|r| r.title().starts_with("Update due"))
        })
        .await;
    let card = got
        .iter()
        .find(|r| r.title().starts_with("Update due"))
        .unwrap()
        .json();
    let content = &card["attachments"][0]["content"];
    let title = content["body"][0]["text"].as_str().unwrap();
    assert!(
        title.ends_with("on \"Bulk upload is not working\""),
        "{title}"
    );
    assert_eq!(
        content["actions"][0],
        json!({"type": "Action.OpenUrl", "title": "Post an update", "url": format!("https://status.example/manage/incidents/{id}")})
    );
}

#[tokio::test]
async fn a_receiver_that_fails_twice_gets_the_alert_once_with_the_same_id_on_each_try() {
    let receiver = Receiver::start().await;
    receiver.state.refuse.store(2, Ordering::SeqCst);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (channels, env) = http_channels(&receiver);
    let config = write(dir.path(), "tis.toml", &channels);
    let admin = create_token(&data, "admin-script", "admin");
    let server = Server::start_env(&config, &data, &env_refs(&env)).await;

    let sent = reqwest::Client::new()
        .post(format!("{}/api/v1/alerts/test", server.url))
        .bearer_auth(&admin)
        .json(&json!({"channel": "ops-hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    let queued: Value = sent.json().await.unwrap();

    let got = receiver
        .wait("an accepted try", |got| got.iter().any(|r| r.accepted))
        .await;
    assert_eq!(got.len(), 3, "refused twice, then taken");
    let ids: Vec<String> = got.iter().map(|r| r.header("webhook-id")).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert_eq!(ids[0], queued["message_id"]);
    for r in &got {
        verify(r);
    }
    let deliveries = wait_deliveries(&server, &admin, |d| {
        d.first().is_some_and(|d| d["state"] == "delivered")
    })
    .await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["attempts"], 3);
    let error = deliveries[0]["last_error"].as_str().unwrap_or_default();
    assert!(
        error.contains("500 Internal Server Error"),
        "the error in words: {error}"
    );
    assert_eq!(receiver.accepted("hook").len(), 1, "delivered once");

    // Unknown channels are refused naming the field and what is allowed.
    let refused = reqwest::Client::new()
        .post(format!("{}/api/v1/alerts/test", server.url))
        .bearer_auth(&admin)
        .json(&json!({"channel": "nowhere"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422);
    let problem: Value = refused.json().await.unwrap();
    assert!(
        problem.to_string().contains("tis-team, slack, ops-hook"),
        "{problem:#}"
    );
}

#[tokio::test]
async fn a_server_killed_mid_send_delivers_after_restart_once() {
    let receiver = Receiver::start().await;
    receiver.hold_next();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (channels, env) = http_channels(&receiver);
    let config = write(dir.path(), "tis.toml", &channels);
    let admin = create_token(&data, "admin-script", "admin");
    let server = Server::start_env(&config, &data, &env_refs(&env)).await;
    let sent = reqwest::Client::new()
        .post(format!("{}/api/v1/alerts/test", server.url))
        .bearer_auth(&admin)
        .json(&json!({"channel": "ops-hook"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202);
    receiver
        .wait("the first try, held", |got| got.len() == 1)
        .await;
    server.kill_hard();

    let server = Server::start_env(&config, &data, &env_refs(&env)).await;
    let got = receiver
        .wait("the try after the restart", |got| got.len() == 2)
        .await;
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    verify(&got[1]);
    let deliveries = wait_deliveries(&server, &admin, |d| {
        d.first().is_some_and(|d| d["state"] == "delivered")
    })
    .await;
    assert_eq!(deliveries.len(), 1);
    assert_eq!(deliveries[0]["attempts"], 2);
    assert_eq!(receiver.accepted("hook").len(), 1, "delivered once");
}

/// What `/api/v1/services` says of one service: its status and reason.
fn shown(body: &Value, id: &str) -> (String, String) {
    let s = body["services"]
        .as_array()
        .and_then(|all| all.iter().find(|s| s["id"] == id))
        .cloned()
        .unwrap_or_default();
    (
        s["status"].as_str().unwrap_or_default().to_string(),
        s["reason"].as_str().unwrap_or_default().to_string(),
    )
}

#[tokio::test]
async fn a_prober_cut_off_from_its_canaries_shows_not_known_and_alerts_about_itself_once() {
    let target = Target::start().await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let (channels, env) = http_channels(&receiver);
    // The canary: a port nothing listens on yet, so the prober is "cut off".
    let canary_port = crate::helpers::closed_port();
    let mut text = format!(
        "[server]\npublic_url = \"https://status.example\"\nlocation = \"london\"\n{channels}\n[[alert]]\nchannels = [\"tis-team\"]\n\n[[canary]]\nkind = \"tcp\"\nname = \"the gateway\"\nhost = \"127.0.0.1\"\nport = {canary_port}\ntimeout = \"1s\"\n"
    );
    text.push_str(&service(&target, "sign-in", "Sign-in", &[]));
    text.push_str(&service(
        &target,
        "bulk-upload",
        "Bulk upload",
        &["sign-in"],
    ));
    let config = write(dir.path(), "tis.toml", &text);
    let check = Command::new(env!("CARGO_BIN_EXE_tis-status"))
        .args(["check", "--config", config.to_str().unwrap()])
        .envs(env.iter().map(|(k, v)| (k, v)))
        .output()
        .unwrap();
    assert!(check.status.success(), "{}", check.stderr_text());
    let staff = create_token(&data, "alerts-reader", "support");
    target.set_down("sign-in", true);
    target.set_down("bulk-upload", true);
    let server = Server::start_env(&config, &data, &env_refs(&env)).await;

    // Before any check, both are not known anyway; the reason says why now.
    let body = server
        .wait_for("/api/v1/services", |b| {
            !shown(b, "sign-in").1.is_empty() && !shown(b, "bulk-upload").1.is_empty()
        })
        .await;
    assert_eq!(shown(&body, "bulk-upload"), shown(&body, "sign-in"));
    assert_eq!(
        shown(&body, "sign-in"),
        (
            "unknown".to_string(),
            "because our checks cannot reach TIS right now".to_string()
        ),
        "not known, with the reason in words, never down"
    );
    let got = receiver
        .wait("the alert about the prober", |got| !got.is_empty())
        .await;
    let title = &titles(&got)[0];
    assert!(
        title.starts_with(&format!(
            "The checks from london cannot reach TIS: the gateway (127.0.0.1:{canary_port}) (connect: "
        )),
        "{title}"
    );
    // Three more rounds of failed checks (fail_after is 1, so an outage would be told
    // at once, and "cannot see" after three intervals): still only that one alert.
    let results_url = format!("{}/api/v1/services/sign-in/results", server.url);
    let started = Instant::now();
    loop {
        let results = get_json(&results_url, &staff).await;
        let not_checked = results["results"]
            .as_array()
            .map(|all| {
                all.iter()
                    .filter(|r| r["error_kind"] == "not_checked")
                    .count()
            })
            .unwrap_or(0);
        assert!(
            results["results"].as_array().is_some_and(|all| all
                .iter()
                .all(|r| r["ok"] == true || r["error_kind"] == "not_checked")),
            "every failure could not check: {results:#}"
        );
        if not_checked >= 4 {
            break;
        }
        assert!(started.elapsed() < LIMIT, "too few results: {results:#}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let deliveries = wait_deliveries(&server, &staff, |d| !d.is_empty()).await;
    let kinds: Vec<&str> = deliveries
        .iter()
        .filter_map(|d| d["alert"]["kind"].as_str())
        .collect();
    assert_eq!(
        kinds,
        ["cut_off"],
        "one alert, about the prober: {deliveries:#?}"
    );
    assert_eq!(receiver.accepted("teams").len(), 1);
    // The public see "could not check" as its fixed word, never what the check said.
    let public: Value = reqwest::get(&results_url)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let first = &public["results"][0];
    assert_eq!(first["error_kind"], "not_checked", "{public:#}");
    assert!(first.get("detail").is_none(), "{public:#}");

    // The network comes back: the real failures count again, and the team hears that
    // the prober reaches TIS, then of the outage itself.
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", canary_port))
        .await
        .expect("the canary's port is still free");
    tokio::spawn(async move { while listener.accept().await.is_ok() {} });
    server
        .wait_for("/api/v1/services", |b| {
            shown(b, "sign-in").0 == "major_outage"
        })
        .await;
    let got = receiver
        .wait("word that the prober reaches TIS again", |got| {
            titles(got)
                .iter()
                .any(|t| t == "The checks from london reach TIS again")
        })
        .await;
    assert_eq!(
        titles(&got)
            .iter()
            .filter(|t| t.starts_with("The checks from london cannot reach TIS"))
            .count(),
        1,
        "{:?}",
        titles(&got)
    );
    receiver
        .wait("the real outage", |got| {
            titles(got).iter().any(|t| t == "Sign-in is down")
        })
        .await;
}
