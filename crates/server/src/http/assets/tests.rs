//! Tests of `assets`.

use super::*;

/// The answer to a GET of `path` with `headers`.
async fn get(assets: &Assets, path: &str, headers: &[(header::HeaderName, &str)]) -> Response {
    let mut request = Request::get(path);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let request = request.body(Body::empty()).expect("a request");
    assets.respond(request).await
}

async fn text_of(response: Response) -> String {
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .expect("a body");
    String::from_utf8_lossy(&bytes).into_owned()
}

/// The status and body text a GET of `path` answers with.
async fn page_at(assets: &Assets, path: &str) -> (StatusCode, String) {
    let response = get(assets, path, &[]).await;
    (response.status(), text_of(response).await)
}

#[tokio::test]
async fn staff_addresses_get_the_staff_app_and_every_other_route_the_public_one() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>public</p>").unwrap();
    std::fs::create_dir(dir.path().join("manage")).unwrap();
    std::fs::write(
        dir.path().join("manage").join("index.html"),
        "<p>staff</p><script>init()</script>",
    )
    .unwrap();
    let assets = Assets::load(Some(dir.path()));
    for path in [
        "/sign-in",
        "/manage",
        "/manage/",
        "/manage/incidents/3/report",
    ] {
        assert_eq!(
            page_at(&assets, path).await,
            (StatusCode::OK, "<p>staff</p><script>init()</script>".into()),
            "{path}"
        );
    }
    for path in ["/", "/incidents/3", "/managers", "/sign-in-help"] {
        assert_eq!(
            page_at(&assets, path).await,
            (StatusCode::OK, "<p>public</p>".into()),
            "{path}"
        );
    }
    assert_eq!(
        assets.index_pages().len(),
        2,
        "both pages' scripts are allowed by the CSP"
    );
}

#[tokio::test]
async fn without_a_staff_build_staff_addresses_get_the_public_app() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>public</p>").unwrap();
    let assets = Assets::load(Some(dir.path()));
    assert_eq!(page_at(&assets, "/manage").await.1, "<p>public</p>");
}

#[tokio::test]
async fn missing_and_hidden_files_are_404_and_escaped_names_are_found() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>public</p>").unwrap();
    std::fs::write(dir.path().join("a b.txt"), "spaced").unwrap();
    std::fs::create_dir(dir.path().join(".stage")).unwrap();
    std::fs::write(dir.path().join(".stage").join("x.js"), "half-built").unwrap();
    let assets = Assets::load(Some(dir.path()));
    assert_eq!(
        page_at(&assets, "/a%20b.txt").await,
        (StatusCode::OK, "spaced".into())
    );
    assert_eq!(
        page_at(&assets, "/no-such.js").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page_at(&assets, "/.stage/x.js").await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        page_at(&assets, "/../Cargo.toml").await.0,
        StatusCode::NOT_FOUND
    );
}

#[test]
fn trunk_hashed_names_are_recognised() {
    assert!(is_hashed("main-96d16a5c70743e01.css"));
    assert!(is_hashed("tis-status-app-fca4227aadd078fd_bg.wasm"));
    assert!(is_hashed("tis-status-app-fca4227aadd078fd.js"));
    assert!(!is_hashed("index.html"));
    assert!(!is_hashed("robots.txt"));
    assert!(!is_hashed("my-favicon.svg"));
    assert!(
        is_hashed("main-96d16a5c70743e0.css"),
        "a hash with a leading zero left out"
    );
    assert!(!is_hashed("main-96d16a5c70.css"), "11 digits");
    assert!(!is_hashed("main-96d16a5c70743e0g.css"), "not hex");
}

#[tokio::test]
async fn a_compressed_copy_is_served_only_when_accepted_and_smaller() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>public</p>").unwrap();
    let js = "let a = 1;\n".repeat(200);
    std::fs::write(dir.path().join("app-0123456789abcdef.js"), &js).unwrap();
    std::fs::write(dir.path().join("x.js"), "1").unwrap();
    std::fs::write(dir.path().join("logo.png"), vec![0; 4096]).unwrap();
    let assets = Assets::load(Some(dir.path()));
    let accept = |value| [(header::ACCEPT_ENCODING, value)];
    let encoding = |response: &Response| {
        response
            .headers()
            .get(header::CONTENT_ENCODING)
            .map(|v| v.to_str().unwrap().to_string())
    };
    // The copies are made in the background: wait for the largest one, made last.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let response = get(&assets, "/app-0123456789abcdef.js", &accept("gzip, br")).await;
        if encoding(&response).as_deref() == Some("br") {
            let headers = response.headers();
            assert_eq!(headers[header::CACHE_CONTROL], IMMUTABLE);
            assert_eq!(headers[header::VARY], "Accept-Encoding");
            assert_eq!(
                headers[header::CONTENT_TYPE],
                "text/javascript; charset=utf-8"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never sent with brotli"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let gzip = get(&assets, "/app-0123456789abcdef.js", &accept("gzip")).await;
    assert_eq!(encoding(&gzip).as_deref(), Some("gzip"));
    let plain = get(&assets, "/app-0123456789abcdef.js", &[]).await;
    assert_eq!(encoding(&plain), None);
    assert_eq!(text_of(plain).await, js);
    let tiny = get(&assets, "/x.js", &accept("gzip, br")).await;
    assert_eq!(
        encoding(&tiny),
        None,
        "a copy larger than the file is not kept"
    );
    let png = get(&assets, "/logo.png", &accept("gzip, br")).await;
    assert_eq!(encoding(&png), None, "images are compressed already");
    assert_eq!(png.headers()[header::CACHE_CONTROL], REVALIDATE);
}
