//! Tests of `assets`.

use super::*;

fn accept(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_str(value).unwrap(),
    );
    headers
}

/// The body a GET of `path` answers with, as text.
fn page_at(assets: &Assets, path: &str) -> (StatusCode, String) {
    let response = assets.respond(&Method::GET, path, &HeaderMap::new());
    let status = response.status();
    let body = body_text(response);
    (status, body)
}

fn body_text(response: Response) -> String {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let bytes = runtime
        .block_on(axum::body::to_bytes(response.into_body(), usize::MAX))
        .expect("a body");
    String::from_utf8_lossy(&bytes).into_owned()
}

#[test]
fn staff_addresses_get_the_staff_app_and_every_other_route_the_public_one() {
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
            page_at(&assets, path),
            (StatusCode::OK, "<p>staff</p><script>init()</script>".into()),
            "{path}"
        );
    }
    for path in ["/", "/incidents/3", "/managers", "/sign-in-help"] {
        assert_eq!(
            page_at(&assets, path),
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

#[test]
fn without_a_staff_build_staff_addresses_get_the_public_app() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<p>public</p>").unwrap();
    let assets = Assets::load(Some(dir.path()));
    assert_eq!(page_at(&assets, "/manage").1, "<p>public</p>");
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

#[test]
fn accept_encoding_is_read_with_q_values() {
    assert_eq!(
        accepted_encodings(&accept("gzip, deflate, br, zstd")),
        Accepted {
            brotli: true,
            gzip: true
        }
    );
    assert_eq!(
        accepted_encodings(&accept("br;q=0, gzip;q=0.5")),
        Accepted {
            brotli: false,
            gzip: true
        }
    );
    assert_eq!(
        accepted_encodings(&accept("*")),
        Accepted {
            brotli: true,
            gzip: true
        }
    );
    assert_eq!(
        accepted_encodings(&accept("*;q=0, gzip")),
        Accepted {
            brotli: false,
            gzip: true
        }
    );
    assert_eq!(accepted_encodings(&HeaderMap::new()), Accepted::default());
}

#[test]
fn percent_escapes_are_decoded_and_bad_ones_kept() {
    assert_eq!(percent_decode("/a%20b.txt").as_deref(), Some("/a b.txt"));
    assert_eq!(percent_decode("/100%").as_deref(), Some("/100%"));
    assert_eq!(percent_decode("/%ff"), None);
}

#[test]
fn a_compressed_copy_is_served_only_when_accepted_and_smaller() {
    let asset = Asset::new("/app-0123456789abcdef.js", b"let a = 1;\n".repeat(200));
    asset.compress();
    assert_eq!(asset.choose(&accept("gzip, br")).0, Encoding::Brotli);
    assert_eq!(asset.choose(&accept("gzip")).0, Encoding::Gzip);
    assert_eq!(asset.choose(&HeaderMap::new()).0, Encoding::Identity);
    let tiny = Asset::new("/x.js", b"1".to_vec());
    tiny.compress();
    assert_eq!(tiny.choose(&accept("gzip, br")).0, Encoding::Identity);
    let png = Asset::new("/logo.png", vec![0; 4096]);
    png.compress();
    assert_eq!(png.choose(&accept("gzip, br")).0, Encoding::Identity);
}
