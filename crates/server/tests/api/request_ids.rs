//! Request ids and the app's files as a reader's browser and support see them: every
//! answer names its request, an error answer names the same id, the log lines of a
//! request carry it (and no secrets), and the app's files go out compressed when asked,
//! with the same caching rules either way.

use std::io::Read;
use std::sync::{Arc, Mutex};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::{TestApp, spawn_app};

fn looks_like_a_uuid(id: &str) -> bool {
    id.len() == 36
        && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-')
        && id.matches('-').count() == 4
}

async fn get_with(app: &TestApp, uri: &str, headers: &[(&str, &str)]) -> crate::helpers::Answer {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

#[tokio::test]
async fn every_answer_names_its_request_and_an_error_names_the_same_id() {
    let app = spawn_app().await;
    let ok = app.get("/api/v1/services").await;
    assert_eq!(ok.status, StatusCode::OK);
    let first = ok.header("x-request-id".parse().unwrap()).to_string();
    assert!(looks_like_a_uuid(&first), "{first:?}");

    let missing = app.get("/api/v1/incidents/987654").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(
        missing.header(header::CONTENT_TYPE),
        "application/problem+json"
    );
    let id = missing.header("x-request-id".parse().unwrap()).to_string();
    assert!(looks_like_a_uuid(&id), "{id:?}");
    assert_ne!(id, first, "each request has an id of its own");
    assert_eq!(
        missing.json()["request_id"],
        id.as_str(),
        "{}",
        missing.json()
    );

    // An error made by an extractor, before any handler runs, names it too.
    let unreadable = app.get("/api/v1/incidents/not-a-number").await;
    assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        unreadable.json()["request_id"],
        unreadable.header("x-request-id".parse().unwrap())
    );
}

#[tokio::test]
async fn a_plain_request_id_from_a_proxy_is_kept_and_anything_else_replaced() {
    let app = spawn_app().await;
    let kept = get_with(
        &app,
        "/api/v1/incidents/987654",
        &[("x-request-id", "lb-7f3a.22")],
    )
    .await;
    assert_eq!(kept.header("x-request-id".parse().unwrap()), "lb-7f3a.22");
    assert_eq!(kept.json()["request_id"], "lb-7f3a.22");

    let long = "a".repeat(65);
    for bad in [
        "two words",
        "<script>alert(1)</script>",
        long.as_str(),
        "id\"quoted",
    ] {
        let answer = get_with(&app, "/api/v1/incidents/987654", &[("x-request-id", bad)]).await;
        let id = answer.header("x-request-id".parse().unwrap());
        assert!(looks_like_a_uuid(id), "{bad:?} was answered with id {id:?}");
        assert_eq!(answer.json()["request_id"], id);
    }
}

/// Log output collected in memory.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn every_log_line_of_a_request_names_it_and_no_secret_is_logged() {
    let app = spawn_app().await;
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let answer = {
        // A current-thread runtime: the whole request runs on this thread, under this
        // subscriber.
        let _guard = tracing::subscriber::set_default(subscriber);
        // Other tests' threads may have registered a log call site while no subscriber
        // wanted it, caching "never" over the rebuild that `set_default` made: this one's
        // lines would then go nowhere. Asking again now makes them come here.
        tracing::callsite::rebuild_interest_cache();
        app.send(
            Request::post("/api/v1/notices")
                .header("x-request-id", "support-42")
                .header(header::AUTHORIZATION, "Bearer tis_secret_token_value")
                .header(header::COOKIE, "tis_session=secret_cookie_value")
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(r#"{"title":"secret-title-value"}"#))
                .expect("request"),
        )
        .await
    };
    assert!(answer.status.is_client_error(), "{}", answer.status);
    let logs = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = logs.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("started processing request")),
        "the request is traced: {logs}"
    );
    for line in &lines {
        assert!(
            line.contains("id=support-42"),
            "a line without the id: {line}"
        );
    }
    for secret in [
        "tis_secret_token_value",
        "secret_cookie_value",
        "secret-title-value",
    ] {
        assert!(!logs.contains(secret), "{secret} was logged: {logs}");
    }
}

const INDEX: &str = "<!DOCTYPE html><html><head><title>TIS Status</title></head><body>\n<!--tis-status:page-->\n</body></html>";

#[tokio::test]
async fn app_files_are_sent_brotli_when_asked_and_as_they_are_when_not_with_the_same_caching() {
    let mut app = spawn_app().await;
    let dir = tempfile::tempdir().expect("assets dir");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("index");
    let script = "export function render(status) { return `<p>${status}</p>`; }\n".repeat(300);
    let name = "app-0123456789abcdef.js";
    std::fs::write(dir.path().join(name), &script).expect("js");
    std::fs::write(dir.path().join("robots.txt"), "User-agent: *\nAllow: /\n").expect("txt");
    app.router = tis_status::app(app.state.clone(), Some(dir.path().to_path_buf()));
    let path = format!("/{name}");

    // The compressed copies are made in the background just after start.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let brotli = loop {
        let answer = get_with(&app, &path, &[("accept-encoding", "gzip, deflate, br")]).await;
        assert_eq!(answer.status, StatusCode::OK);
        if answer.header(header::CONTENT_ENCODING) == "br" {
            break answer;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never sent with brotli"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let mut unpacked = String::new();
    brotli::Decompressor::new(&brotli.body[..], 4096)
        .read_to_string(&mut unpacked)
        .expect("brotli");
    assert!(unpacked == script, "the brotli bytes are the file's");
    assert!(
        brotli.body.len() < script.len() / 5,
        "{} bytes",
        brotli.body.len()
    );

    let plain = get_with(&app, &path, &[]).await;
    assert_eq!(plain.header(header::CONTENT_ENCODING), "");
    assert!(
        plain.body == script.as_bytes(),
        "identity is the file itself"
    );

    for answer in [&brotli, &plain] {
        assert_eq!(
            answer.header(header::CACHE_CONTROL),
            "public, max-age=31536000, immutable"
        );
        assert_eq!(answer.header(header::VARY), "Accept-Encoding");
        assert_eq!(
            answer.header(header::CONTENT_TYPE),
            "text/javascript; charset=utf-8"
        );
        assert!(
            answer
                .header(header::CONTENT_SECURITY_POLICY)
                .contains("default-src 'self'"),
            "files keep the security headers"
        );
        assert!(looks_like_a_uuid(
            answer.header("x-request-id".parse().unwrap())
        ));
    }

    // Unhashed files are revalidated, and revalidating costs a 304.
    let robots = get_with(&app, "/robots.txt", &[]).await;
    assert_eq!(robots.header(header::CACHE_CONTROL), "no-cache");
    let modified = robots.header(header::LAST_MODIFIED).to_string();
    assert!(!modified.is_empty(), "a validator to revalidate with");
    let again = get_with(&app, "/robots.txt", &[("if-modified-since", &modified)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert_eq!(again.header(header::CACHE_CONTROL), "no-cache");
    assert!(again.body.is_empty());
}
