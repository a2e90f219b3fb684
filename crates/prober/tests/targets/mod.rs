//! Real servers on 127.0.0.1 for the probe tests: a small TIS estate over HTTP, raw TCP
//! targets that misbehave, and TLS targets with certificates made for each test.

#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::extract::Form;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

pub async fn serve(app: Router) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    url
}

/// A port on 127.0.0.1 with nothing listening on it.
pub fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[derive(serde::Deserialize)]
struct TokenForm {
    grant_type: String,
    client_id: String,
    client_secret: String,
}

/// A client-credentials token endpoint as OIDC (RFC 6749, 4.4) and Keycloak have it:
/// form fields in, a JSON token or a JSON error out.
async fn token(Form(f): Form<TokenForm>) -> axum::response::Response {
    if f.grant_type != "client_credentials" {
        return (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": "unsupported_grant_type"})),
        )
            .into_response();
    }
    if f.client_secret != "right" {
        return (
            StatusCode::UNAUTHORIZED,
            Json(json!({"error": "invalid_client", "error_description": "Invalid client secret"})),
        )
            .into_response();
    }
    Json(json!({
        "access_token": format!("token-for-{}", f.client_id),
        "token_type": "Bearer",
        "expires_in": 300,
    }))
    .into_response()
}

/// A small TIS: actuator health (up, down, a part down), a token endpoint, an API that
/// wants a token, and answers that are wrong in various ways.
pub async fn estate() -> String {
    serve(
        Router::new()
            .route(
                "/up/health",
                get(|| async {
                    Json(json!({"status": "UP", "components": {"db": {"status": "UP"}}}))
                }),
            )
            .route(
                "/down/health",
                get(|| async {
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        Json(json!({"status": "DOWN"})),
                    )
                }),
            )
            .route(
                "/db-down/health",
                get(|| async {
                    Json(json!({"status": "UP", "components": {"db": {"status": "DOWN"}}}))
                }),
            )
            .route(
                "/not-json",
                get(|| async { "<html>Welcome to nginx</html>" }),
            )
            .route("/created", get(|| async { StatusCode::CREATED }))
            .route(
                "/needs-header",
                any(|method: Method, headers: HeaderMap| async move {
                    let header = headers.get("x-probe").and_then(|v| v.to_str().ok());
                    if method == Method::POST && header == Some("tis-status") {
                        StatusCode::OK
                    } else {
                        StatusCode::BAD_REQUEST
                    }
                }),
            )
            .route("/loop", get(|| async { Redirect::temporary("/loop") }))
            .route(
                "/moved",
                get(|| async { Redirect::temporary("/up/health") }),
            )
            .route("/token", post(token))
            .route(
                "/broken/token",
                post(|| async { StatusCode::SERVICE_UNAVAILABLE }),
            )
            .route(
                "/api/ping",
                get(|headers: HeaderMap| async move {
                    match headers
                        .get(header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                    {
                        Some("Bearer token-for-bulk-upload") => StatusCode::OK,
                        _ => StatusCode::UNAUTHORIZED,
                    }
                }),
            ),
    )
    .await
}

/// How a raw TCP target misbehaves once a client connects.
#[derive(Debug, Clone, Copy)]
pub enum Behaviour {
    /// Reads the request, then resets the connection.
    Reset,
    /// Accepts and never answers.
    Hang,
    /// Sends a 200 and a body that never ends, a little at a time.
    EndlessBody,
    /// Sends a 200 with a 2 MB body.
    HugeBody,
}

/// A target on 127.0.0.1: its port and how many connections it has accepted.
pub async fn raw_target(behaviour: Behaviour) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            count.fetch_add(1, Ordering::SeqCst);
            tokio::spawn(async move {
                let mut request = [0u8; 4096];
                let _ = stream.read(&mut request).await;
                match behaviour {
                    Behaviour::Reset => {
                        // Linger 0 makes close send RST, as a crashing server does.
                        let _ = stream.set_zero_linger();
                        drop(stream);
                    }
                    Behaviour::Hang => {
                        tokio::time::sleep(Duration::from_secs(120)).await;
                    }
                    Behaviour::EndlessBody => {
                        let head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
                        if stream.write_all(head.as_bytes()).await.is_err() {
                            return;
                        }
                        while stream.write_all(b"1\r\n \r\n").await.is_ok() {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                        }
                    }
                    Behaviour::HugeBody => {
                        let size = 2 * 1024 * 1024;
                        let head = format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {size}\r\n\r\n"
                        );
                        let _ = stream.write_all(head.as_bytes()).await;
                        let _ = stream.write_all(&vec![b'x'; size]).await;
                    }
                }
            });
        }
    });
    (port, accepted)
}

pub type Chain = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

/// A certificate authority made for one test, and its certificate as a PEM file.
pub struct Certs {
    ca: rcgen::Certificate,
    ca_key: rcgen::KeyPair,
    pub ca_file: PathBuf,
    _dir: tempfile::TempDir,
}

/// Valid from `from` days from today to `to` days from today, each at midnight UTC.
fn valid_for(params: &mut rcgen::CertificateParams, from: i64, to: i64) {
    use chrono::Datelike;
    let day = |n: i64| {
        let d = chrono::Utc::now().date_naive() + chrono::Duration::days(n);
        rcgen::date_time_ymd(d.year(), d.month() as u8, d.day() as u8)
    };
    params.not_before = day(from);
    params.not_after = day(to);
}

impl Certs {
    pub fn new() -> Certs {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "TIS Status test authority");
        valid_for(&mut params, -365, 365);
        let ca = params.self_signed(&ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();
        Certs {
            ca,
            ca_key,
            ca_file,
            _dir: dir,
        }
    }

    /// A certificate for localhost signed by this authority, valid from `from` days from
    /// today to `to` days from today (midnight UTC).
    pub fn leaf_for_days(&self, from: i64, to: i64) -> Chain {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        valid_for(&mut params, from, to);
        let cert = params.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        (
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }

    /// A certificate for localhost that vouches for itself.
    pub fn self_signed() -> Chain {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
        valid_for(&mut params, -10, 300);
        let cert = params.self_signed(&key).unwrap();
        (
            vec![cert.der().clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
    }
}

/// An HTTPS server on 127.0.0.1 presenting `chain`; answers every request with "ok".
pub async fn tls_target(chain: Chain) -> u16 {
    let (certs, key) = chain;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                return;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let mut request = [0u8; 4096];
                let _ = tls.read(&mut request).await;
                let _ = tls
                    .write_all(
                        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok",
                    )
                    .await;
                let _ = tls.shutdown().await;
            });
        }
    });
    port
}
