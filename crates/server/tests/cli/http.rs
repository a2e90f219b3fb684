//! What browsers and caches see over HTTP: security headers, conditional requests,
//! precompressed app files with the right caching, and the live-events stream.

use std::io::Read;
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};
use sha2::{Digest, Sha256};

use crate::helpers::{self, FAKE_INDEX, FAKE_LOADER, Server, write};

const JS: &str = "/app-0123456789abcdef.js";
const WASM: &str = "/app-0123456789abcdef_bg.wasm";

async fn demo_with_app(dir: &std::path::Path) -> Server {
    let dist = helpers::fake_app(dir);
    Server::start_with(&["--assets", dist.to_str().unwrap()], &dir.join("data")).await
}

async fn get(url: &str, headers: &[(&str, &str)]) -> reqwest::Response {
    let mut request = reqwest::Client::new().get(url);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    request.send().await.expect("the server answers")
}

fn text(headers: &HeaderMap, name: impl header::AsHeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with_app(dir.path()).await;
    let loader_hash = format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(FAKE_LOADER))
    );
    assert!(FAKE_INDEX.contains(FAKE_LOADER));

    for (path, status) in [
        ("/api/v1/services", StatusCode::OK),
        ("/", StatusCode::OK),
        (JS, StatusCode::OK),
        ("/incidents/3", StatusCode::OK),
        ("/api/v1/no-such-thing", StatusCode::NOT_FOUND),
        ("/api/no-such-version/services", StatusCode::NOT_FOUND),
        ("/no-such-file.js", StatusCode::NOT_FOUND),
        ("/healthz", StatusCode::OK),
    ] {
        let response = get(&format!("{}{path}", server.url), &[]).await;
        assert_eq!(response.status(), status, "{path}");
        let h = response.headers();
        let csp = text(h, header::CONTENT_SECURITY_POLICY);
        assert!(
            csp.contains(&format!(
                "script-src 'self' 'wasm-unsafe-eval' {loader_hash}"
            )),
            "{path}: the CSP must allow wasm and exactly the inline loader: {csp}"
        );
        for directive in [
            "default-src 'self'",
            "style-src 'self'",
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'self'",
        ] {
            assert!(csp.contains(directive), "{path}: {directive} in {csp}");
        }
        assert!(!csp.contains("unsafe-inline"), "{path}: {csp}");
        assert_eq!(text(h, header::X_CONTENT_TYPE_OPTIONS), "nosniff", "{path}");
        assert_eq!(
            text(h, header::REFERRER_POLICY),
            "strict-origin-when-cross-origin",
            "{path}"
        );
        assert_eq!(text(h, header::X_FRAME_OPTIONS), "DENY", "{path}");
        assert_eq!(
            text(h, "cross-origin-opener-policy"),
            "same-origin",
            "{path}"
        );
        assert!(
            text(h, "permissions-policy").contains("camera=()"),
            "{path}"
        );
    }

    // A mistyped API address is a JSON problem, never the app's page.
    let response = get(&format!("{}/api/no-such-version/services", server.url), &[]).await;
    assert_eq!(
        text(response.headers(), header::CONTENT_TYPE),
        "application/problem+json"
    );
    let body = response.text().await.unwrap();
    assert!(!body.contains("<html"), "{body}");
}

#[tokio::test]
async fn an_unchanged_services_answer_costs_a_304() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start_demo(&dir.path().join("data")).await;
    let url = format!("{}/api/v1/services", server.url);
    // The snapshot is rebuilt every few seconds; if that happens between the two requests
    // the tag has moved on, so the pair is tried again.
    for _ in 0..5 {
        let first = get(&url, &[]).await;
        assert_eq!(first.status(), StatusCode::OK);
        let etag = text(first.headers(), header::ETAG).to_string();
        assert!(
            etag.starts_with('"') && etag.len() > 2,
            "strong ETag: {etag:?}"
        );
        assert!(text(first.headers(), header::CACHE_CONTROL).contains("public"));
        let again = get(&url, &[("if-none-match", &etag)]).await;
        if again.status() == StatusCode::OK && text(again.headers(), header::ETAG) != etag {
            continue;
        }
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(text(again.headers(), header::ETAG), etag);
        assert!(again.bytes().await.unwrap().is_empty());

        let other = get(&url, &[("if-none-match", "\"not-this-one\"")]).await;
        assert_eq!(other.status(), StatusCode::OK);
        return;
    }
    panic!("the services ETag changed on every request");
}

#[tokio::test]
async fn app_files_are_sent_precompressed_by_accept_encoding() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with_app(dir.path()).await;
    let dist = dir.path().join("dist");

    for path in [JS, WASM, "/index.html"] {
        let url = format!("{}{path}", server.url);
        let original = std::fs::read(dist.join(path.trim_start_matches('/'))).unwrap();
        // Compression runs in the background after start-up: plain bytes until it is done.
        let started = Instant::now();
        let brotli = loop {
            let r = get(&url, &[("accept-encoding", "gzip, deflate, br")]).await;
            assert_eq!(r.status(), StatusCode::OK);
            assert_eq!(text(r.headers(), header::VARY), "Accept-Encoding", "{path}");
            if text(r.headers(), header::CONTENT_ENCODING) == "br" {
                break r;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "{path} was never sent with brotli"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let compressed = brotli.bytes().await.unwrap();
        assert!(compressed.len() < original.len(), "{path}");
        let mut unpacked = Vec::new();
        brotli::Decompressor::new(&compressed[..], 4096)
            .read_to_end(&mut unpacked)
            .unwrap();
        assert!(
            unpacked == original,
            "{path}: brotli bytes differ from the file"
        );

        let gzip = get(&url, &[("accept-encoding", "gzip")]).await;
        assert_eq!(
            text(gzip.headers(), header::CONTENT_ENCODING),
            "gzip",
            "{path}"
        );
        let compressed = gzip.bytes().await.unwrap();
        let mut unpacked = Vec::new();
        flate2::read::GzDecoder::new(&compressed[..])
            .read_to_end(&mut unpacked)
            .unwrap();
        assert!(
            unpacked == original,
            "{path}: gzip bytes differ from the file"
        );

        let plain = get(&url, &[("accept-encoding", "identity")]).await;
        assert!(
            plain.headers().get(header::CONTENT_ENCODING).is_none(),
            "{path}"
        );
        let modified = text(plain.headers(), header::LAST_MODIFIED).to_string();
        assert!(plain.bytes().await.unwrap() == original, "{path}");

        let revalidated = get(
            &url,
            &[("accept-encoding", "br"), ("if-modified-since", &modified)],
        )
        .await;
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{path}");
    }

    let wasm = get(&format!("{}{WASM}", server.url), &[]).await;
    assert_eq!(
        text(wasm.headers(), header::CONTENT_TYPE),
        "application/wasm"
    );
}

#[tokio::test]
async fn hashed_files_are_cached_for_a_year_and_the_page_is_revalidated() {
    let dir = tempfile::tempdir().unwrap();
    let server = demo_with_app(dir.path()).await;
    for path in [JS, WASM] {
        let r = get(&format!("{}{path}", server.url), &[]).await;
        assert_eq!(
            text(r.headers(), header::CACHE_CONTROL),
            "public, max-age=31536000, immutable",
            "{path}"
        );
    }
    for path in [
        "/",
        "/index.html",
        "/incidents/3",
        "/services/bulk-upload",
        "/robots.txt",
    ] {
        let r = get(&format!("{}{path}", server.url), &[]).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        assert_eq!(
            text(r.headers(), header::CACHE_CONTROL),
            "no-cache",
            "{path}"
        );
        if path != "/robots.txt" {
            assert!(
                text(r.headers(), header::CONTENT_TYPE).starts_with("text/html"),
                "{path}"
            );
            assert_eq!(r.text().await.unwrap(), FAKE_INDEX, "{path}");
        }
    }
}

/// Reads a server-sent event stream as text, a chunk at a time.
pub(crate) struct EventStream {
    response: reqwest::Response,
    seen: String,
}

impl EventStream {
    pub(crate) async fn open(url: &str) -> EventStream {
        let response = get(url, &[("accept", "text/event-stream")]).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert!(text(response.headers(), header::CONTENT_TYPE).starts_with("text/event-stream"));
        EventStream {
            response,
            seen: String::new(),
        }
    }

    /// Reads until `done` holds for everything read since the last call, or `limit`
    /// passes; returns what was read (and forgets it).
    pub(crate) async fn read_until(
        &mut self,
        limit: Duration,
        done: impl Fn(&str) -> bool,
    ) -> String {
        let deadline = tokio::time::Instant::now() + limit;
        while !done(&self.seen) {
            match tokio::time::timeout_at(deadline, self.response.chunk()).await {
                Ok(Ok(Some(chunk))) => self.seen.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Ok(None)) => panic!("the stream ended; read so far: {:?}", self.seen),
                Ok(Err(e)) => panic!("the stream failed: {e}"),
                Err(_) => break,
            }
        }
        std::mem::take(&mut self.seen)
    }
}

#[tokio::test]
async fn an_open_page_hears_when_a_status_changes_and_gets_keep_alives() {
    let dir = tempfile::tempdir().unwrap();
    // Something listening: the TCP probe succeeds until it is closed.
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = target.local_addr().unwrap().port();
    let config = write(
        dir.path(),
        "tis.toml",
        &format!(
            r#"
[[service]]
id = "sign-in"
name = "Sign-in"
group = "Sign-in"
description = "Sign in to TIS."
[[service.probe]]
kind = "tcp"
host = "127.0.0.1"
port = {port}
interval = "5s"
timeout = "1s"
fail_after = 1
"#
        ),
    );
    let server = Server::start(&config, &dir.path().join("data")).await;
    server
        .wait_for("/api/v1/services", |b| {
            b["services"][0]["status"] == "operational"
        })
        .await;

    let mut events = EventStream::open(&format!("{}/api/v1/events", server.url)).await;
    let hello = events
        .read_until(Duration::from_secs(5), |s| s.contains("\n\n"))
        .await;
    assert!(hello.contains("retry:"), "{hello:?}");

    // Probes keep succeeding and snapshots keep being rebuilt, but nothing a reader sees
    // changes, so nothing is sent.
    let quiet = events
        .read_until(Duration::from_secs(7), |s| s.contains("event:"))
        .await;
    assert!(
        !quiet.contains("event:"),
        "an event without a visible change: {quiet:?}"
    );

    drop(target);
    let change = events
        .read_until(Duration::from_secs(30), |s| {
            s.contains("event: change") && s.contains("\n\n")
        })
        .await;
    let data = change
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap_or_else(|| panic!("no data in {change:?}"));
    let data: serde_json::Value = serde_json::from_str(data).unwrap();
    assert!(data["generation"].as_u64().is_some_and(|g| g > 1), "{data}");
    assert_eq!(data["parts"], serde_json::json!(["services"]), "{data}");
    let id = change
        .lines()
        .find_map(|l| l.strip_prefix("id: "))
        .unwrap_or_else(|| panic!("no id in {change:?}"));
    assert_eq!(id, data["generation"].to_string());
    let services = reqwest::get(format!("{}/api/v1/services", server.url))
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(services["services"][0]["status"], "major_outage");

    // Nothing changes any more: a keep-alive comment arrives within 15 seconds.
    let idle = events
        .read_until(Duration::from_secs(20), |s| {
            s.contains(":keep-alive") || s.contains(": keep-alive")
        })
        .await;
    assert!(idle.contains("keep-alive"), "no keep-alive in {idle:?}");
}
