//! A certificate close to expiry, as readers and the team see it: the service still shows
//! as working, staff read "Certificate expires in 4 days", the team is alerted in those
//! words, and readers get a note only where the team chose so in config.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::helpers::{Server, create_token, write};

const LIMIT: Duration = Duration::from_secs(60);

/// A test authority's PEM file, and a localhost chain it signed that expires at midnight
/// UTC `days` from today.
fn chain_expiring_in(
    days: i64,
    dir: &std::path::Path,
) -> (
    std::path::PathBuf,
    Vec<rustls::pki_types::CertificateDer<'static>>,
    rustls::pki_types::PrivateKeyDer<'static>,
) {
    use chrono::Datelike;
    let day = |n: i64| {
        let d = chrono::Utc::now().date_naive() + chrono::Duration::days(n);
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    (params.not_before, params.not_after) = (day(-365), day(365));
    let ca = params.self_signed(&ca_key).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca.pem()).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
    (params.not_before, params.not_after) = (day(-30), day(days));
    let leaf = params.signed_by(&key, &ca, &ca_key).unwrap();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(
        key.serialize_der(),
    ));
    (ca_file, vec![leaf.der().clone()], key)
}

/// An HTTPS server on 127.0.0.1 presenting `chain`.
async fn tls_target(
    certs: Vec<rustls::pki_types::CertificateDer<'static>>,
    key: rustls::pki_types::PrivateKeyDer<'static>,
) -> u16 {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = [0u8; 1024];
                let _ = tls.read(&mut request).await;
                let _ = tls
                    .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}

/// Takes webhook alerts and keeps their JSON.
async fn receiver() -> (String, Arc<Mutex<Vec<Value>>>) {
    let got: Arc<Mutex<Vec<Value>>> = Arc::default();
    let kept = got.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let app = axum::Router::new().route(
        "/hook",
        post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                if let Ok(json) = serde_json::from_slice(&body) {
                    kept.lock().unwrap().push(json);
                }
                StatusCode::NO_CONTENT
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, got)
}

fn probe(id: &str, name: &str, port: u16, ca: &std::path::Path, public: bool) -> String {
    format!(
        r#"
[[service]]
id = "{id}"
name = "{name}"
group = "For admins"
description = "Something admins do."
[[service.probe]]
kind = "tls"
host = "localhost"
port = {port}
ca_file = "{ca}"
warn_days = 14
warn_publicly = {public}
interval = "5s"
timeout = "3s"
"#,
        ca = ca.display()
    )
}

#[tokio::test]
async fn a_certificate_close_to_expiry_warns_the_team_in_words_and_the_service_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let (ca, certs, key) = chain_expiring_in(5, dir.path());
    let port = tls_target(certs, key).await;
    let (hook, got) = receiver().await;
    let mut text = String::from(
        "[server]\npublic_url = \"https://status.example\"\n\n[[channel]]\nid = \"ops\"\nkind = \"webhook\"\nurl_env = \"TEST_HOOK_URL\"\nsecret_env = \"TEST_HOOK_SECRET\"\n\n[[alert]]\nchannels = [\"ops\"]\n",
    );
    text.push_str(&probe("admin-site", "TIS admin site", port, &ca, false));
    text.push_str(&probe("self-service", "Self-service", port, &ca, true));
    let config = write(dir.path(), "tis.toml", &text);
    let data = dir.path().join("data");
    let token = create_token(&data, "reader", "support");
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let server = Server::start_env(
        &config,
        &data,
        &[
            ("TEST_HOOK_URL", hook.as_str()),
            ("TEST_HOOK_SECRET", secret),
        ],
    )
    .await;

    // Readers: both work. A note only where the team chose to show one.
    let services = server
        .wait_for("/api/v1/services", |b| {
            b["services"]
                .as_array()
                .is_some_and(|s| s.iter().all(|s| s["status"] == "operational"))
        })
        .await;
    let shown = |id: &str| {
        services["services"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(shown("admin-site").get("reason"), None, "{services:#}");
    assert_eq!(
        shown("self-service")["reason"],
        "Its security certificate expires soon. The team has been told and will renew it.",
    );

    // The team: one alert per service, in words, and none saying it is slow.
    let started = Instant::now();
    let titles = loop {
        let titles: Vec<String> = got
            .lock()
            .unwrap()
            .iter()
            .map(|a| a["data"]["title"].as_str().unwrap_or("").to_string())
            .collect();
        if titles.len() >= 2 {
            break titles;
        }
        assert!(started.elapsed() < LIMIT, "alerts so far: {titles:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let mut sorted = titles.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "Self-service: Certificate expires in 4 days",
            "TIS admin site: Certificate expires in 4 days",
        ],
        "{titles:?}"
    );

    // Staff: the check's own words, with the date and the host to renew.
    let results: Value = reqwest::Client::new()
        .get(format!("{}/api/v1/services/admin-site/results", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let detail = results["results"][0]["detail"].as_str().unwrap_or_default();
    assert!(
        detail.starts_with("Certificate expires in 4 days, on ")
            && detail.ends_with("renew the certificate of localhost"),
        "{results:#}"
    );
    // The public do not see the check's words.
    let public = reqwest::get(format!("{}/api/v1/services/admin-site/results", server.url))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!public.contains("Certificate expires"), "{public}");
    drop(server);
    let kinds: Vec<String> = got
        .lock()
        .unwrap()
        .iter()
        .map(|a| a["type"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        kinds.iter().all(|k| k == "alert.certificate_expiring"),
        "{kinds:?}"
    );
}
