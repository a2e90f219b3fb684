//! The public pages' HTML: the status is in it, built once per snapshot, compressed and
//! cached with an ETag; and the JSON answers are kept compressed the same way.

use std::io::Read;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};

use crate::helpers::{TestApp, spawn_app};

/// An app page like Trunk's, with the slot the server writes the content into.
const INDEX: &str = "<!DOCTYPE html><html><head><title>TIS Status</title><link rel=\"stylesheet\" href=\"/main-0123456789abcdef.css\" integrity=\"sha384-x\"/><script>tisStatusLoad()</script></head><body>\n<!--tis-status:page-->\n</body></html>";
const CSS: &str = ".service { margin: 0; }";

async fn with_pages() -> (TestApp, tempfile::TempDir) {
    let mut app = spawn_app().await;
    let dir = tempfile::tempdir().expect("assets dir");
    std::fs::write(dir.path().join("index.html"), INDEX).expect("index");
    std::fs::write(
        dir.path().join("app-0123456789abcdef.js"),
        "export default 1;",
    )
    .expect("js");
    std::fs::write(dir.path().join("main-0123456789abcdef.css"), CSS).expect("css");
    app.router = tis_status::app(app.state.clone(), Some(dir.path().to_path_buf()));
    (app, dir)
}

async fn get_with(
    app: &TestApp,
    uri: &str,
    name: header::HeaderName,
    value: &str,
) -> crate::helpers::Answer {
    app.send(
        Request::get(uri)
            .header(name, value)
            .body(Body::empty())
            .expect("request"),
    )
    .await
}

fn brotli_text(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    brotli::Decompressor::new(bytes, 4096)
        .read_to_end(&mut out)
        .expect("brotli");
    String::from_utf8(out).expect("utf-8")
}

#[tokio::test]
async fn the_overview_html_says_every_services_status_in_words_with_working_links() {
    let (app, _dir) = with_pages().await;
    let page = app.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.header(header::CONTENT_TYPE),
        "text/html; charset=utf-8"
    );
    let html = page.text();
    let services = &app.state.snapshots.current().model.services;
    assert_eq!(services.len(), 10);
    for s in services {
        let row = format!("<li class=\"service\" data-service=\"{}\">", s.id);
        let at = html
            .find(&row)
            .unwrap_or_else(|| panic!("{} is in the page: {html}", s.id));
        let rest = &html[at..];
        let end = rest.find("</li>").expect("the row ends");
        let row = &rest[..end];
        assert!(
            row.contains(&format!("<a href=\"/services/{}\">", s.id)),
            "{row}"
        );
        assert!(
            row.contains(&format!(
                "<span class=\"status-label\">{}</span>",
                s.status.label()
            )),
            "{row}"
        );
    }
    assert!(html.contains("<h1 class=\"headline\">"), "the headline");
    assert!(
        html.contains("<title>Live status – TIS Status</title>"),
        "{html}"
    );
    for link in ["/incidents", "/notices", "/about"] {
        assert!(html.contains(&format!("<a href=\"{link}\"")), "{link}");
    }
    assert!(html.contains("Updated at "), "says when, not 'just now'");
    // The answers the app starts from are written beside it, as the API serves them.
    let summary = app.get("/api/v1/summary").await;
    assert!(
        html.contains(&format!(
            "id=\"seed:/api/v1/summary\" data-etag=\"{}\"",
            summary.header(header::ETAG).replace('"', "&quot;")
        )),
        "the summary seed carries the API's ETag"
    );
    assert!(
        !html.contains("<!--tis-status:page-->"),
        "the slot is filled"
    );
    // The loader script is left exactly as it was, so the CSP hash still allows it.
    assert!(html.contains("<script>tisStatusLoad()</script>"));
    // The stylesheet is in the page, so nothing waits for a second round trip, and the
    // policy allows exactly that style.
    assert!(html.contains(&format!("<style>{CSS}</style>")), "{html}");
    assert!(!html.contains("rel=\"stylesheet\""));
    let csp = page.header(header::CONTENT_SECURITY_POLICY);
    assert!(csp.contains("style-src 'self' 'sha256-"), "{csp}");
}

#[tokio::test]
async fn the_page_is_cached_with_an_etag_compressed_and_the_same_for_every_reader() {
    let (app, _dir) = with_pages().await;
    let first = get_with(&app, "/", header::ACCEPT_ENCODING, "gzip, br").await;
    assert_eq!(first.header(header::CONTENT_ENCODING), "br");
    assert_eq!(first.header(header::VARY), "Accept-Encoding");
    assert!(first.header(header::CACHE_CONTROL).contains("max-age=5"));
    let plain = app.get("/").await;
    assert_eq!(
        brotli_text(&first.body),
        plain.text(),
        "the same page in either encoding"
    );
    let etag = first.header(header::ETAG).to_string();
    let again = get_with(&app, "/", header::IF_NONE_MATCH, &etag).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
}

#[tokio::test]
async fn an_incident_page_has_a_plain_summary_and_unknown_ones_are_said_to_be_missing() {
    let (app, _dir) = with_pages().await;
    let model = app.state.snapshots.current().model.clone();
    let incident = model.incidents.first().expect("the demo has incidents");
    let html = app.get(&format!("/incidents/{}", incident.id)).await.text();
    let title = html_escape::encode_text(&incident.title).into_owned();
    assert!(html.contains(&format!("<h1>{title}</h1>")), "{html}");
    assert!(html.contains(incident.status.label()), "its stage in words");
    assert!(html.contains("<a href=\"/incidents\">All incidents</a>"));
    let missing = app.get("/incidents/999999").await.text();
    assert!(missing.contains("There is no such incident."), "{missing}");
    let service = app.get("/services/bulk-upload").await.text();
    assert!(service.contains("<h1>Bulk upload</h1>"), "{service}");
}

#[tokio::test]
async fn json_answers_are_kept_compressed_and_an_etag_from_any_encoding_gets_a_304() {
    let app = spawn_app().await;
    let plain = app.get("/api/v1/summary").await;
    let br = get_with(&app, "/api/v1/summary", header::ACCEPT_ENCODING, "br").await;
    assert_eq!(br.header(header::CONTENT_ENCODING), "br");
    assert_eq!(br.header(header::VARY), "Accept-Encoding");
    assert_eq!(brotli_text(&br.body), plain.text());
    assert!(br.body.len() < plain.body.len() / 2, "much smaller");
    let gz = get_with(&app, "/api/v1/summary", header::ACCEPT_ENCODING, "gzip").await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip");
    let mut text = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut text)
        .expect("gzip");
    assert_eq!(text, plain.text());
    for tag in [plain.header(header::ETAG), br.header(header::ETAG)] {
        let again = app
            .send(
                Request::get("/api/v1/summary")
                    .header(header::IF_NONE_MATCH, tag)
                    .header(header::ACCEPT_ENCODING, "br")
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(again.status, StatusCode::NOT_MODIFIED, "{tag}");
    }
}

#[tokio::test]
async fn the_service_worker_lists_the_public_files_and_is_never_cached_stale() {
    let (app, _dir) = with_pages().await;
    let sw = app.get("/sw.js").await;
    assert_eq!(sw.status, StatusCode::OK);
    assert_eq!(sw.header(header::CACHE_CONTROL), "no-cache");
    let js = sw.text();
    assert!(js.contains("\"/app-0123456789abcdef.js\""), "{js}");
    assert!(js.contains("\"/index.html\""), "{js}");
    // The bare page the worker falls back on holds no status of its own.
    let shell = app.get("/index.html").await.text();
    assert!(!shell.contains("status-label"), "{shell}");
}

#[tokio::test]
async fn past_the_cap_of_live_streams_a_page_is_told_when_to_come_back() {
    use tower::ServiceExt;
    let app = spawn_app().await;
    let mut config = (*app.state.config).clone();
    config.server.max_event_streams = Some(1);
    let mut state = app.state.clone();
    state.config = std::sync::Arc::new(config);
    let router = tis_status::app(state.clone(), None);
    let open = || {
        router
            .clone()
            .oneshot(Request::get("/api/v1/events").body(Body::empty()).unwrap())
    };
    let first = open().await.unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert_eq!(state.events.open_streams(), 1);
    let refused = open().await.unwrap();
    assert_eq!(refused.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(refused.headers()[header::RETRY_AFTER], "30");
    assert_eq!(
        refused.headers()[header::CONTENT_TYPE],
        "application/problem+json"
    );
    // The first reader leaves: its place is free again.
    drop(first);
    assert_eq!(state.events.open_streams(), 0);
    assert_eq!(open().await.unwrap().status(), StatusCode::OK);
}
