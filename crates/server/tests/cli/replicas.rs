//! Two `tis-status serve` processes on one PostgreSQL database, as a team running TIS in
//! the cloud runs them behind a load balancer: what one is told, the other's readers hear
//! of at once; exactly one runs the probes, and when it dies the other takes over without
//! a gap, without checking twice, and without telling the team twice.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use serde_json::json;
use tis_status::store::{PgStore, Store};

use crate::alerts::{Receiver, Target, verify_with};
use crate::helpers::{
    OutputText, Server, closed_port, known_problem, planned_maintenance, sign_in, tis_status,
    tis_status_with_stdin, write,
};
use crate::http::EventStream;
use crate::postgres_server::TestPostgres;

/// The probe interval: the shortest a config may give.
const INTERVAL: Duration = Duration::from_secs(5);
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const METRICS_TOKEN: &str = "metrics-reader-token";

/// One probed service, its records at `url`, its alerts to a signed webhook.
fn config(dir: &Path, url: &str, target: &Target) -> PathBuf {
    write(
        dir,
        "tis.toml",
        &format!(
            r#"[server]
public_url = "https://status.example"

[store]
url = "{url}"

[metrics]
token_env = "TEST_METRICS_TOKEN"

[[channel]]
id = "ops-hook"
kind = "webhook"
url_env = "TEST_HOOK_URL"
secret_env = "TEST_HOOK_SECRET"

[[alert]]
channels = ["ops-hook"]

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Upload spreadsheets."
[[service.probe]]
kind = "http"
url = "{target}/bulk-upload"
interval = "{interval}s"
timeout = "1s"
fail_after = 1
recover_after = 1
"#,
            target = target.url,
            interval = INTERVAL.as_secs(),
        ),
    )
}

/// A token made with the CLI on the database the config names.
fn token(config: &Path, data: &Path, role: &str) -> String {
    let out = tis_status(&[
        "token",
        "create",
        "--name",
        &format!("{role}-script"),
        "--role",
        role,
        "--config",
        config.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "token create: {}", out.stderr_text());
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// The status `server` shows for the service, and whether it has data at all.
async fn status(server: &Server) -> String {
    let body: serde_json::Value = reqwest::get(format!("{}/api/v1/services", server.url))
        .await
        .expect("the replica answers")
        .json()
        .await
        .expect("JSON");
    body["services"][0]["status"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// What `/metrics` says of whether `server` runs the probes: 1 or 0.
async fn probes_running(server: &Server) -> String {
    let text = reqwest::Client::new()
        .get(format!("{}/metrics", server.url))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("the replica answers")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|l| l.strip_prefix("tis_status_probes_running "))
        .unwrap_or_else(|| panic!("no tis_status_probes_running in {text}"))
        .to_string()
}

/// When each probe result in the database was checked, oldest first.
async fn checked_at(store: &PgStore) -> Vec<DateTime<Utc>> {
    let since = Utc::now() - chrono::TimeDelta::hours(1);
    let results = store
        .probe_results_since(since)
        .await
        .expect("results read");
    results.into_iter().map(|r| r.at).collect()
}

/// Waits until `n` checks later than `since` are stored.
async fn checks_after(store: &PgStore, since: DateTime<Utc>, n: usize) {
    let started = Instant::now();
    while checked_at(store)
        .await
        .iter()
        .filter(|at| **at > since)
        .count()
        < n
    {
        assert!(
            started.elapsed() < INTERVAL * (n as u32 + 4),
            "fewer than {n} checks since {since}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Spacings between results that only two probers checking at once could give: one
/// prober keeps about an interval between checks, two interleave at under half of one.
fn doubled(checks: &[DateTime<Utc>]) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
    let half = chrono::TimeDelta::from_std(INTERVAL / 2).unwrap();
    checks
        .windows(2)
        .filter(|w| w[1] - w[0] < half)
        .map(|w| (w[0], w[1]))
        .collect()
}

#[tokio::test]
async fn two_replicas_share_news_at_once_and_one_takes_over_the_probes_when_the_other_dies() {
    let pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let target = Target::start().await;
    let receiver = Receiver::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &pg.url(), &target);
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    let env = [
        ("TEST_HOOK_URL", format!("{}/hook", receiver.url)),
        ("TEST_HOOK_SECRET", SECRET.to_string()),
        ("TEST_METRICS_TOKEN", METRICS_TOKEN.to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let support = token(&config, &data_a, "support");
    let store = PgStore::open(&pg.url(), None).await.expect("store opens");

    // The first replica takes the probes; the second starts once it has.
    let a = Server::start_env(&config, &data_a, &env).await;
    a.wait_for("/api/v1/services", |b| {
        b["services"][0]["status"] == "operational"
    })
    .await;
    let b = Server::start_env(&config, &data_b, &env).await;
    b.wait_for("/api/v1/services", |b| {
        b["services"][0]["status"] == "operational"
    })
    .await;

    // A notice support posts on one replica reaches readers of the other within a second.
    let mut events = EventStream::open(&format!("{}/api/v1/events", b.url)).await;
    events
        .read_until(Duration::from_secs(5), |s| s.contains("\n\n"))
        .await;
    let posted = reqwest::Client::new()
        .post(format!("{}/api/v1/notices", a.url))
        .bearer_auth(&support)
        .json(&known_problem())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
    let answered = Instant::now();
    let heard = events
        .read_until(Duration::from_secs(1), |s| {
            s.contains("event: change") && s.contains("notices") && s.contains("\n\n")
        })
        .await;
    assert!(
        heard.contains("notices"),
        "the other replica's readers heard nothing within a second of the notice: {heard:?}"
    );
    let took = answered.elapsed();
    let notices: serde_json::Value = reqwest::get(format!("{}/api/v1/notices", b.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        notices.to_string().contains("Bulk upload is slow"),
        "heard after {took:?}, and the other replica shows it: {notices:#}"
    );

    // Both run for a few checks, which only one of them makes (see below); operators
    // see which.
    checks_after(&store, Utc::now(), 3).await;
    assert_eq!(probes_running(&a).await, "1");
    assert_eq!(probes_running(&b).await, "0");

    // The service fails; the alert goes out, and the replica that runs the probes is
    // killed while the receiver has not yet answered it.
    receiver.hold_next();
    target.set_down("bulk-upload", true);
    receiver
        .wait("the alert, held unanswered", |got| !got.is_empty())
        .await;
    let killed_at = Utc::now();
    a.kill_hard();

    // The other replica takes over within two intervals, and never shows the service as
    // unknown meanwhile.
    let deadline = Instant::now() + INTERVAL * 2;
    let mut shown = Vec::new();
    let taken_over = loop {
        shown.push(status(&b).await);
        let after: Vec<_> = checked_at(&store)
            .await
            .into_iter()
            .filter(|at| *at > killed_at)
            .collect();
        if let Some(first) = after.first() {
            break *first;
        }
        assert!(
            Instant::now() < deadline,
            "no check {:?} after the probing replica died",
            INTERVAL * 2
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    // And keeps checking, as one prober.
    checks_after(&store, taken_over, 2).await;
    shown.push(status(&b).await);
    assert_eq!(probes_running(&b).await, "1");
    assert!(
        shown.iter().all(|s| s != "unknown" && !s.is_empty()),
        "the service showed as not known during the takeover: {shown:?}"
    );
    assert_eq!(shown.last().unwrap(), "major_outage");

    let checks = checked_at(&store).await;
    let (before, after): (Vec<_>, Vec<_>) = checks.iter().partition(|at| **at <= killed_at);
    assert!(before.len() >= 4 && after.len() >= 2, "{checks:?}");
    assert!(
        doubled(&before).is_empty(),
        "both replicas checked while both ran: {:?}",
        doubled(&before)
    );
    assert!(
        doubled(&after).is_empty(),
        "checked twice after the takeover: {:?}",
        doubled(&after)
    );
    let gap = (after[0] - *before.last().unwrap()).to_std().unwrap();
    assert!(
        gap <= INTERVAL * 2,
        "{gap:?} between the last check of the dead replica and the first of the other"
    );

    // The alert arrives once: whichever replica was sending it, the other sends it when
    // the first can no longer, with the same id, and nobody sends a second.
    let got = receiver
        .wait("the alert, taken", |got| got.iter().any(|r| r.accepted))
        .await;
    let waiting = || async {
        store
            .outbox_waiting()
            .await
            .expect("outbox read")
            .iter()
            .map(|(_, n)| *n)
            .sum::<i64>()
    };
    let started = Instant::now();
    while waiting().await > 0 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the outbox never emptied"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let all = receiver.all();
    let down: Vec<_> = all
        .iter()
        .filter(|r| r.title() == "Bulk upload is down")
        .collect();
    assert_eq!(
        down.iter().filter(|r| r.accepted).count(),
        1,
        "the team was told once: {:?}",
        all.iter()
            .map(|r| (r.title(), r.accepted))
            .collect::<Vec<_>>()
    );
    assert!(
        down.iter()
            .all(|r| r.header("webhook-id") == down[0].header("webhook-id")),
        "every try of it is the same message"
    );
    for r in got.iter().filter(|r| r.accepted) {
        verify_with(r, SECRET);
    }
    let changes = store
        .status_changes(
            Some("bulk-upload"),
            killed_at - chrono::TimeDelta::hours(1),
            Utc::now(),
        )
        .await
        .expect("status changes read");
    assert_eq!(
        changes
            .iter()
            .filter(|c| c.to == tis_core::Status::MajorOutage)
            .count(),
        1,
        "one change to down, not one per replica: {changes:?}"
    );
}

const PASSWORD: &str = "correct horse battery staple";

/// Two replicas' config: no services, the records at `url`, the client address read
/// from the load balancer's `X-Forwarded-For` (it is on 127.0.0.1 here), and email
/// subscriptions offered (mail to a port nobody answers: only the asking matters here).
fn staff_config(dir: &Path, url: &str) -> PathBuf {
    write(
        dir,
        "tis.toml",
        &format!(
            r#"[server]
public_url = "http://127.0.0.1"
trusted_proxies = ["127.0.0.1"]

[store]
url = "{url}"

[smtp]
host = "127.0.0.1"
port = {port}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
"#,
            port = closed_port(),
        ),
    )
}

/// A password account made with the CLI on the database the config names.
fn account(config: &Path, data: &Path, name: &str, role: &str) {
    let out = tis_status_with_stdin(
        &[
            "account",
            "add",
            name,
            "--role",
            role,
            "--config",
            config.to_str().unwrap(),
            "--data",
            data.to_str().unwrap(),
        ],
        &format!("{PASSWORD}\n"),
    );
    assert!(out.status.success(), "account add: {}", out.stderr_text());
}

/// Who `server` says is signed in with `cookie`: the status and the name, if any.
async fn who(server: &Server, cookie: &str) -> (u16, Option<String>) {
    let answer = reqwest::Client::new()
        .get(format!("{}/api/v1/session", server.url))
        .header("cookie", cookie)
        .send()
        .await
        .expect("the replica answers");
    let status = answer.status().as_u16();
    let body: serde_json::Value = answer.json().await.unwrap_or_default();
    (status, body["name"].as_str().map(str::to_string))
}

/// `POST /api/v1/session` to `server` from `client`, as the load balancer says.
async fn sign_in_from(server: &Server, client: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{}/api/v1/session", server.url))
        .header("x-forwarded-for", client)
        .json(&json!({"name": "sam", "password": password}))
        .send()
        .await
        .expect("the replica answers")
}

/// The seconds a refusal says to wait, checking it is the 429 problem a client expects.
async fn told_to_wait(answer: reqwest::Response, says: &str) -> u64 {
    assert_eq!(answer.status(), 429);
    assert_eq!(answer.headers()["content-type"], "application/problem+json");
    let wait: u64 = answer.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After is whole seconds");
    let problem: serde_json::Value = answer.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap_or_default();
    assert!(detail.contains(says), "{problem}");
    wait
}

#[tokio::test]
async fn a_person_signed_in_on_one_replica_is_signed_in_on_the_other_until_they_sign_out_on_either()
{
    let pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let dir = tempfile::tempdir().unwrap();
    let config = staff_config(dir.path(), &pg.url());
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    account(&config, &data_a, "sam", "support");
    let a = Server::start(&config, &data_a).await;
    let b = Server::start(&config, &data_b).await;

    // The load balancer sends the sign-in to one replica and what follows to the other.
    let signed_in = sign_in(&a.url, "sam", PASSWORD).await;
    assert_eq!(who(&b, &signed_in.cookie).await, (200, Some("sam".into())));
    let posted = reqwest::Client::new()
        .post(format!("{}/api/v1/notices", b.url))
        .header("cookie", &signed_in.cookie)
        .header("x-csrf-token", &signed_in.csrf_token)
        .json(&planned_maintenance())
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());

    // Signing out on the second ends the session on the first too.
    let signed_out = reqwest::Client::new()
        .delete(format!("{}/api/v1/session", b.url))
        .header("cookie", &signed_in.cookie)
        .header("x-csrf-token", &signed_in.csrf_token)
        .send()
        .await
        .unwrap();
    assert_eq!(signed_out.status(), 204);
    assert_eq!(who(&a, &signed_in.cookie).await, (401, None));
    assert_eq!(who(&b, &signed_in.cookie).await, (401, None));
    let refused = reqwest::Client::new()
        .post(format!("{}/api/v1/notices", a.url))
        .header("cookie", &signed_in.cookie)
        .header("x-csrf-token", &signed_in.csrf_token)
        .json(&planned_maintenance())
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 401, "a write with the ended session");
}

#[tokio::test]
async fn a_client_that_used_up_its_allowance_on_one_replica_is_told_to_wait_on_the_other() {
    let pg = TestPostgres::start().expect("a test PostgreSQL starts");
    let dir = tempfile::tempdir().unwrap();
    let config = staff_config(dir.path(), &pg.url());
    let (data_a, data_b) = (dir.path().join("a"), dir.path().join("b"));
    account(&config, &data_a, "sam", "support");
    let a = Server::start(&config, &data_a).await;
    let b = Server::start(&config, &data_b).await;

    // A guesser's wrong passwords on one replica make the other hold it back, even with
    // the right password; the person, from their own computer, still gets in there.
    let guesser = "203.0.113.9";
    for _ in 0..5 {
        let wrong = sign_in_from(&a, guesser, "guess").await;
        assert_eq!(wrong.status(), 401);
    }
    let held = sign_in_from(&b, guesser, PASSWORD).await;
    let wait = told_to_wait(held, "Wait").await;
    assert!(
        (1..=2).contains(&wait),
        "after five failures, a second or so: {wait}"
    );
    let own = sign_in_from(&b, "198.51.100.7", PASSWORD).await;
    assert_eq!(own.status(), 200, "{}", own.text().await.unwrap());

    // A client that asked for emails its whole burst on one replica is refused by the
    // other, for about a period.
    let subscribe = |server: &Server, n: u32| {
        reqwest::Client::new()
            .post(format!("{}/api/v1/subscriptions", server.url))
            .header("x-forwarded-for", guesser)
            .json(&json!({"email": format!("person{n}@example.nhs.uk"), "kinds": ["incidents"]}))
            .send()
    };
    for n in 0..10 {
        let asked = subscribe(&a, n).await.unwrap();
        assert_eq!(
            asked.status(),
            202,
            "request {n}: {}",
            asked.text().await.unwrap()
        );
    }
    let refused = subscribe(&b, 10).await.unwrap();
    let wait = told_to_wait(refused, "asked for emails more than 10 times").await;
    assert!((20..=31).contains(&wait), "a period, 30 seconds: {wait}");
    // Another client still may.
    let other = reqwest::Client::new()
        .post(format!("{}/api/v1/subscriptions", b.url))
        .header("x-forwarded-for", "198.51.100.7")
        .json(&json!({"email": "priya@example.nhs.uk", "kinds": ["incidents"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 202);
}
