//! Subscriber mail at `[subscriptions] send_rate`, against a real SMTP server (aiosmtpd)
//! on 127.0.0.1: a burst of news takes at least as long as the rate allows, and a team
//! alert goes out at once while subscriber mail is still waiting its turn.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::helpers::{Server, SmtpServer, closed_port, create_token, healthy_target, write};
use crate::subscriptions::{PUBLIC, confirm, open_incident, subject, subscribe_by_form, to};

fn config(target: &str, smtp_port: u16, send_rate: &str) -> String {
    format!(
        r#"[server]
public_url = "{PUBLIC}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
send_rate = "{send_rate}"

[[channel]]
id = "tis-team"
kind = "email"
to = ["tis-team@example.nhs.uk"]

[[service]]
id = "bulk-upload"
name = "Bulk upload"
group = "For admins"
description = "Used by admins."
[[service.probe]]
kind = "http"
url = "{target}/actuator/health"
interval = "30s"
timeout = "2s"
"#
    )
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn reader(n: usize) -> String {
    format!("reader{n}@example.nhs.uk")
}

#[tokio::test]
async fn news_to_many_subscribers_goes_out_no_faster_than_the_send_rate() {
    const READERS: usize = 5;
    const PER_SECOND: f64 = 4.0;
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let smtp = SmtpServer::start(port, &dir.path().join("mail"));
    let config = write(dir.path(), "tis.toml", &config(&target, port, "4/s"));
    let data = dir.path().join("data");
    let editor = create_token(&data, "editor", "editor");
    let server = Server::start(&config, &data).await;
    let client = client();

    for n in 0..READERS {
        let form = format!("email={}&services=bulk-upload&kinds=incidents", reader(n));
        subscribe_by_form(&client, &server, &form.replace('@', "%40")).await;
    }
    let mails = smtp.wait(|m| m.len() >= READERS).await;
    for mail in &mails {
        confirm(&client, &server, mail).await;
    }

    let published = Instant::now();
    open_incident(
        &server,
        &editor,
        "Bulk upload is not working",
        "bulk-upload",
        "Uploads fail for everyone. We are looking into it.",
    )
    .await;
    let news = |mails: &[String]| {
        mails
            .iter()
            .filter(|m| subject(m) == "TIS problem: Bulk upload is not working")
            .count()
    };
    let mails = smtp.wait(|m| news(m) >= READERS).await;
    let took = published.elapsed();
    // The first may go at once; each after it waits its turn of 1/rate.
    let least = Duration::from_secs_f64((READERS - 1) as f64 / PER_SECOND);
    assert!(
        took >= least,
        "{READERS} emails at 4 a second took {took:?}, less than {least:?}"
    );
    let mut told: Vec<&str> = mails
        .iter()
        .filter(|m| subject(m).starts_with("TIS problem"))
        .map(|m| to(m))
        .collect();
    told.sort_unstable();
    let expected: Vec<String> = (0..READERS).map(reader).collect();
    assert_eq!(told, expected, "each reader told once");
}

#[tokio::test]
async fn a_team_alert_is_not_held_up_behind_subscriber_mail() {
    const READERS: usize = 4;
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let smtp = SmtpServer::start(port, &dir.path().join("mail"));
    // One subscriber email a minute: the queue below takes minutes to drain.
    let config = write(dir.path(), "tis.toml", &config(&target, port, "1/min"));
    let data = dir.path().join("data");
    let admin = create_token(&data, "admin", "admin");
    let server = Server::start(&config, &data).await;
    let client = client();

    for n in 0..READERS {
        let form = format!("email={}&kinds=incidents", reader(n));
        subscribe_by_form(&client, &server, &form.replace('@', "%40")).await;
    }
    // The first confirmation goes at once; the rest wait their turn.
    smtp.wait(|m| !m.is_empty()).await;

    let sent = reqwest::Client::new()
        .post(format!("{}/api/v1/alerts/test", server.url))
        .bearer_auth(&admin)
        .json(&json!({"channel": "tis-team"}))
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 202, "{}", sent.text().await.unwrap());
    let mails = smtp
        .wait(|m| m.iter().any(|m| to(m) == "tis-team@example.nhs.uk"))
        .await;
    let confirmations = mails
        .iter()
        .filter(|m| subject(m) == "Confirm that you want emails about TIS")
        .count();
    assert!(
        confirmations < READERS,
        "the alert arrived while subscriber mail was still waiting ({confirmations} of {READERS} confirmations sent)"
    );
}
