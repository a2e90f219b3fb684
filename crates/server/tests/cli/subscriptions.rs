//! Email subscriptions end to end, against a real SMTP server (aiosmtpd) on 127.0.0.1:
//! subscribe with the plain HTML form, confirm from the link in the email, get news of
//! the chosen service only, unsubscribe in one click from the `List-Unsubscribe` header.

use serde_json::{Value, json};

use crate::helpers::{
    Server, SmtpServer, closed_port, create_token, healthy_target, tis_status, write,
};

pub(crate) const PUBLIC: &str = "https://status.example.nhs.uk";

fn config(target: &str, smtp_port: u16) -> String {
    let mut text = format!(
        r#"[server]
public_url = "{PUBLIC}"

[smtp]
host = "127.0.0.1"
port = {smtp_port}
tls = "none"
from = "TIS Status <tis-status@example.nhs.uk>"

[subscriptions]
maintenance_reminder_before = "30m"
"#
    );
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
url = "{target}/actuator/health"
interval = "30s"
timeout = "2s"
"#
        ));
    }
    text
}

/// A message's text with quoted-printable soft line breaks and `=3D` undone, so that
/// links read as they do in a mail client.
pub(crate) fn readable(mail: &str) -> String {
    mail.replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=")
}

/// The first link in `mail` that starts with `prefix`, up to the end of its token.
pub(crate) fn link(mail: &str, prefix: &str) -> String {
    let text = readable(mail);
    let at = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no link {prefix} in {text}"));
    let rest = &text[at..];
    let token_at = rest.find("token=").expect("the link has a token") + "token=".len();
    rest[..token_at + 43].to_string()
}

pub(crate) fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    mail.lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .map(str::trim)
}

pub(crate) fn to(mail: &str) -> &str {
    header(mail, "To").unwrap_or_default()
}

pub(crate) fn subject(mail: &str) -> &str {
    header(mail, "Subject").unwrap_or_default()
}

/// Subscribes as the plain HTML form does, with JavaScript off.
pub(crate) async fn subscribe_by_form(client: &reqwest::Client, server: &Server, form: &str) {
    let answer = client
        .post(format!("{}/subscribe", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 303, "{}", answer.text().await.unwrap());
    assert_eq!(answer.headers()["location"], "/subscribe/sent");
}

/// Follows the confirmation link in `mail` as a reader does: opens it, presses Confirm.
pub(crate) async fn confirm(client: &reqwest::Client, server: &Server, mail: &str) {
    let url = link(mail, &format!("{PUBLIC}/subscriptions/confirm?token="));
    let local = url.replace(PUBLIC, &server.url);
    let page = client.get(&local).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("<button type=\"submit\" class=\"button\">Confirm</button>"),
        "{page}"
    );
    let token = &url[url.len() - 43..];
    let done = client
        .post(format!("{}/subscriptions/confirm", server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("token={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);
    assert!(
        done.text()
            .await
            .unwrap()
            .contains("You will now get emails")
    );
}

pub(crate) async fn open_incident(
    server: &Server,
    token: &str,
    title: &str,
    service: &str,
    words: &str,
) -> i64 {
    let http = reqwest::Client::new();
    let now = chrono::Utc::now();
    let opened: Value = http
        .post(format!("{}/api/v1/incidents", server.url))
        .bearer_auth(token)
        .json(&json!({
            "title": title, "status": "investigating", "impact": "major",
            "affected": [{"service": service, "status": "major_outage"}],
            "started_at": now - chrono::Duration::minutes(5),
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = opened["id"].as_i64().unwrap_or_else(|| panic!("{opened}"));
    post_update(server, token, id, "investigating", words).await;
    id
}

pub(crate) async fn post_update(server: &Server, token: &str, id: i64, status: &str, words: &str) {
    let posted = reqwest::Client::new()
        .post(format!("{}/api/v1/incidents/{id}/updates", server.url))
        .bearer_auth(token)
        .json(&json!({"status": status, "body": words}))
        .send()
        .await
        .unwrap();
    assert_eq!(posted.status(), 201, "{}", posted.text().await.unwrap());
}

#[tokio::test]
async fn a_reader_gets_news_of_the_service_they_chose_until_they_unsubscribe_in_one_click() {
    let target = healthy_target().await;
    let dir = tempfile::tempdir().unwrap();
    let port = closed_port();
    let smtp = SmtpServer::start(port, &dir.path().join("mail"));
    let config = write(dir.path(), "tis.toml", &config(&target, port));
    let data = dir.path().join("data");
    let editor = create_token(&data, "editor", "editor");
    let server = Server::start(&config, &data).await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // Sam wants incidents about Bulk upload only; Priya everything about all of TIS.
    subscribe_by_form(
        &client,
        &server,
        "email=Sam.Jones%40example.nhs.uk&services=bulk-upload&kinds=incidents",
    )
    .await;
    let sent = client
        .get(format!("{}/subscribe/sent", server.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(sent.contains("Check your email"), "{sent}");
    let mails = smtp.wait(|m| !m.is_empty()).await;
    let first = &mails[0];
    assert_eq!(to(first), "sam.jones@example.nhs.uk");
    assert_eq!(subject(first), "Confirm that you want emails about TIS");
    assert!(first.contains("multipart/alternative"), "{first}");

    // Before Sam confirms, news goes to nobody: the ESR incident (not Sam's service
    // anyway) and a Bulk upload one both come before the confirmation.
    let early = open_incident(
        &server,
        &editor,
        "Bulk upload is slow",
        "bulk-upload",
        "Uploads take minutes.",
    )
    .await;
    post_update(
        &server,
        &editor,
        early,
        "resolved",
        "Uploads are quick again.",
    )
    .await;

    confirm(&client, &server, first).await;
    subscribe_by_form(
        &client,
        &server,
        "email=priya%40example.nhs.uk&kinds=incidents&kinds=maintenance",
    )
    .await;
    let mails = smtp
        .wait(|m| m.iter().any(|m| to(m) == "priya@example.nhs.uk"))
        .await;
    let priya = mails
        .iter()
        .find(|m| to(m) == "priya@example.nhs.uk")
        .unwrap();
    confirm(&client, &server, priya).await;

    open_incident(
        &server,
        &editor,
        "ESR files are not sent",
        "esr",
        "ESR files are waiting to be sent.",
    )
    .await;
    let bulk = open_incident(
        &server,
        &editor,
        "Bulk upload is not working",
        "bulk-upload",
        "Uploads fail for everyone. We are looking into it.",
    )
    .await;
    let mails = smtp
        .wait(|m| {
            m.iter().any(|m| {
                to(m) == "sam.jones@example.nhs.uk"
                    && subject(m).contains("Bulk upload is not working")
            }) && m.iter().any(|m| {
                to(m) == "priya@example.nhs.uk" && subject(m).contains("Bulk upload is not working")
            })
        })
        .await;
    let sams: Vec<&String> = mails
        .iter()
        .filter(|m| to(m) == "sam.jones@example.nhs.uk")
        .collect();
    let subjects: Vec<&str> = sams.iter().map(|m| subject(m)).collect();
    assert_eq!(
        subjects,
        [
            "Confirm that you want emails about TIS",
            "TIS problem: Bulk upload is not working"
        ],
        "Sam hears of Bulk upload only, and only once confirmed"
    );
    assert!(
        mails.iter().any(|m| to(m) == "priya@example.nhs.uk"
            && subject(m) == "TIS problem: ESR files are not sent"),
        "all of TIS means ESR too"
    );
    let news = sams[1];
    let text = readable(news);
    assert!(
        text.contains("Uploads fail for everyone. We are looking into it."),
        "{text}"
    );
    assert!(text.contains("Affects: Bulk upload"), "{text}");
    assert!(text.contains("Status: Investigating"), "{text}");
    assert!(
        text.contains(" GMT on ") || text.contains(" BST on "),
        "UK times: {text}"
    );
    assert!(
        text.contains(&format!("{PUBLIC}/incidents/{bulk}")),
        "{text}"
    );
    assert!(
        text.contains("<h1>TIS problem: Bulk upload is not working</h1>"),
        "{text}"
    );
    assert!(
        text.contains(&format!("{PUBLIC}/subscriptions/manage?token=")),
        "a manage link: {text}"
    );
    assert!(
        !text.contains("editor"),
        "no author in a subscriber's email: {text}"
    );
    assert_eq!(
        header(news, "List-Unsubscribe-Post"),
        Some("List-Unsubscribe=One-Click")
    );

    // One click, as a mail client does it (RFC 8058): a POST to the header's address.
    let unsubscribe = header(news, "List-Unsubscribe")
        .and_then(|h| h.strip_prefix('<'))
        .and_then(|h| h.strip_suffix('>'))
        .expect("a List-Unsubscribe address");
    assert!(unsubscribe.starts_with(&format!("{PUBLIC}/subscriptions/unsubscribe?token=")));
    let clicked = client
        .post(unsubscribe.replace(PUBLIC, &server.url))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .unwrap();
    assert_eq!(clicked.status(), 200);
    let manage =
        link(news, &format!("{PUBLIC}/subscriptions/manage?token=")).replace(PUBLIC, &server.url);
    let gone = client.get(&manage).send().await.unwrap();
    assert_eq!(
        gone.status(),
        404,
        "the address and its choices are deleted"
    );

    // Resolved: Priya hears it; then planned maintenance, which Priya hears after, so
    // anything queued for Sam with the resolution would have been sent by then.
    post_update(&server, &editor, bulk, "resolved", "Uploads work again.").await;
    let start = chrono::Utc::now() + chrono::Duration::days(2);
    let notice = reqwest::Client::new()
        .post(format!("{}/api/v1/notices", server.url))
        .bearer_auth(&editor)
        .json(&json!({
            "title": "Bulk upload will be off for an upgrade", "body": "We are upgrading the servers.",
            "kind": "planned_maintenance", "severity": "medium", "services": ["bulk-upload"],
            "starts_at": start, "ends_at": start + chrono::Duration::hours(2),
            "audience": "everyone", "published": true,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(notice.status(), 201, "{}", notice.text().await.unwrap());
    let mails = smtp
        .wait(|m| {
            m.iter().any(|m| {
                to(m) == "priya@example.nhs.uk" && subject(m).starts_with("Planned maintenance:")
            })
        })
        .await;
    let priyas: Vec<&str> = mails
        .iter()
        .filter(|m| to(m) == "priya@example.nhs.uk")
        .map(|m| subject(m))
        .collect();
    assert!(
        priyas.contains(&"Fixed: Bulk upload is not working"),
        "{priyas:?}"
    );
    let after: Vec<&str> = mails
        .iter()
        .filter(|m| to(m) == "sam.jones@example.nhs.uk")
        .map(|m| subject(m))
        .collect();
    assert_eq!(
        after.len(),
        2,
        "nothing more for Sam after unsubscribing: {after:?}"
    );
    drop(server);

    let export = tis_status(&["export", "--data", data.to_str().unwrap()]);
    assert!(export.status.success());
    let export = String::from_utf8_lossy(&export.stdout);
    assert!(
        export.contains("Bulk upload is not working"),
        "the export has the records"
    );
    assert!(
        !export.contains("priya@example.nhs.uk"),
        "but no subscriber's address"
    );
}
