//! Each probe kind against real servers on 127.0.0.1, healthy and failing in each of the
//! ways real services fail: refused, reset, hanging, endless, wrong, redirecting in a
//! loop, with expired and self-signed certificates, and sign-in failures of every kind.

mod targets;

use std::collections::BTreeMap;

use tis_core::{ErrorKind, ExpectStatus, Probe, ProbeKind, Redirects, service::HumanDuration};
use tis_prober::{Checker, Scheduled, check_once};

use targets::{Certs, closed_port, estate, raw_target, tls_target};

/// The timeout every check here runs with: each failure must arrive within it.
const TIMEOUT_MS: u64 = 800;

fn http(url: String, pointer: Option<(&str, &str)>) -> ProbeKind {
    ProbeKind::Http {
        url,
        method: "GET".into(),
        headers: BTreeMap::new(),
        expect_status: ExpectStatus::Exactly(200),
        body_contains: None,
        json_pointer: pointer.map(|p| p.0.to_string()),
        expect_value: pointer.map(|p| p.1.to_string()),
        redirects: Redirects::Follow,
    }
}

fn oidc(base: &str, client: &str, secret_env: &str, then: Option<&str>) -> ProbeKind {
    ProbeKind::Oidc {
        token_url: format!("{base}/token"),
        client_id: client.into(),
        client_secret_env: secret_env.into(),
        scope: None,
        then_url: then.map(|p| format!("{base}{p}")),
        expect_public: false,
    }
}

fn tls(port: u16, ca_file: Option<&std::path::Path>) -> ProbeKind {
    ProbeKind::Tls {
        host: "localhost".into(),
        port,
        warn_days: 14,
        warn_publicly: false,
        ca_file: ca_file.map(|p| p.display().to_string()),
    }
}

async fn run(kind: ProbeKind) -> tis_core::ProbeResult {
    let checker = Checker::with_secrets(|name| match name {
        "GOOD_SECRET" => Some("right".into()),
        "BAD_SECRET" => Some("wrong".into()),
        _ => None,
    });
    let scheduled = Scheduled {
        id: "bulk-upload/1".into(),
        service: "bulk-upload".into(),
        probe: Probe {
            kind,
            interval: HumanDuration::from_secs(10),
            timeout: HumanDuration::from_millis(TIMEOUT_MS),
            fail_after: 2,
            recover_after: 2,
            slow_ms: None,
        },
    };
    let result = check_once(&checker, &scheduled).await;
    // Every check, failed or not, ends within its timeout (and a little to spare for a
    // loaded machine): a failure that waits longer is not caught in time.
    assert!(
        u64::from(result.latency_ms) < TIMEOUT_MS + 500,
        "took {} ms: {result:?}",
        result.latency_ms
    );
    result
}

fn failed_with(r: &tis_core::ProbeResult, kind: ErrorKind, words: &str) {
    assert!(!r.ok, "expected a failure: {r:?}");
    assert_eq!(r.error_kind, Some(kind), "{r:?}");
    assert!(
        r.detail.contains(words),
        "detail should say \"{words}\": {}",
        r.detail
    );
}

#[tokio::test]
async fn a_healthy_actuator_passes_and_nested_component_status_is_read() {
    let base = estate().await;
    let r = run(http(format!("{base}/up/health"), Some(("/status", "UP")))).await;
    assert!(r.ok, "{r:?}");
    assert_eq!(r.service, "bulk-upload");
    let r = run(http(
        format!("{base}/up/health"),
        Some(("/components/db/status", "UP")),
    ))
    .await;
    assert!(r.ok, "{r:?}");
    let r = run(http(
        format!("{base}/db-down/health"),
        Some(("/components/db/status", "UP")),
    ))
    .await;
    failed_with(&r, ErrorKind::Body, "found \"DOWN\"");
}

#[tokio::test]
async fn status_ranges_methods_headers_and_body_text_are_checked() {
    let base = estate().await;
    let mut kind = http(format!("{base}/created"), None);
    if let ProbeKind::Http { expect_status, .. } = &mut kind {
        *expect_status = ExpectStatus::Range(200, 299);
    }
    assert!(run(kind).await.ok, "201 is in 200-299");

    let mut kind = http(format!("{base}/needs-header"), None);
    let r = run(kind.clone()).await;
    failed_with(&r, ErrorKind::Status, "400");
    if let ProbeKind::Http {
        headers, method, ..
    } = &mut kind
    {
        headers.insert("X-Probe".into(), "tis-status".into());
        *method = "POST".into();
    }
    assert!(run(kind).await.ok, "the header and method were sent");

    let mut kind = http(format!("{base}/up/health"), None);
    if let ProbeKind::Http { body_contains, .. } = &mut kind {
        *body_contains = Some("\"components\"".into());
    }
    assert!(run(kind.clone()).await.ok);
    if let ProbeKind::Http { body_contains, .. } = &mut kind {
        *body_contains = Some("OUT_OF_SERVICE".into());
    }
    failed_with(&run(kind).await, ErrorKind::Body, "does not contain");
}

#[tokio::test]
async fn a_refused_connection_fails_as_connect() {
    let closed = closed_port();
    let r = run(http(format!("http://127.0.0.1:{closed}/health"), None)).await;
    failed_with(&r, ErrorKind::Connect, "refused");
    let r = run(ProbeKind::Tcp {
        host: "127.0.0.1".into(),
        port: closed,
    })
    .await;
    failed_with(&r, ErrorKind::Connect, "refused");
}

#[tokio::test]
async fn a_tcp_port_that_accepts_passes() {
    let (port, _) = raw_target(targets::Behaviour::Hang).await;
    assert!(
        run(ProbeKind::Tcp {
            host: "127.0.0.1".into(),
            port,
        })
        .await
        .ok
    );
}

#[tokio::test]
async fn a_name_that_does_not_resolve_fails_as_dns() {
    // `.invalid` never resolves (RFC 6761).
    let r = run(ProbeKind::Tcp {
        host: "tis-status-probe.invalid".into(),
        port: 443,
    })
    .await;
    failed_with(&r, ErrorKind::Dns, "tis-status-probe.invalid");
}

#[tokio::test]
async fn a_connection_reset_fails_as_reset() {
    let (port, _) = raw_target(targets::Behaviour::Reset).await;
    let r = run(http(format!("http://127.0.0.1:{port}/health"), None)).await;
    failed_with(&r, ErrorKind::Reset, "dropped the connection");
}

#[tokio::test]
async fn a_target_that_hangs_after_connecting_fails_as_timeout() {
    let (port, accepted) = raw_target(targets::Behaviour::Hang).await;
    let r = run(http(format!("http://127.0.0.1:{port}/health"), None)).await;
    failed_with(&r, ErrorKind::Timeout, "did not answer within 800ms");
    assert!(
        accepted.load(std::sync::atomic::Ordering::SeqCst) >= 1,
        "it did connect"
    );
}

#[tokio::test]
async fn a_body_that_never_ends_fails_as_timeout() {
    let (port, _) = raw_target(targets::Behaviour::EndlessBody).await;
    let r = run(http(format!("http://127.0.0.1:{port}/health"), None)).await;
    failed_with(&r, ErrorKind::Timeout, "did not answer within");
}

#[tokio::test]
async fn a_body_too_large_for_a_health_answer_fails_as_body() {
    let (port, _) = raw_target(targets::Behaviour::HugeBody).await;
    let r = run(http(format!("http://127.0.0.1:{port}/health"), None)).await;
    failed_with(&r, ErrorKind::Body, "longer than 1024 KB");
}

#[tokio::test]
async fn invalid_json_fails_as_body() {
    let base = estate().await;
    let r = run(http(format!("{base}/not-json"), Some(("/status", "UP")))).await;
    failed_with(&r, ErrorKind::Body, "not JSON");
    let r = run(http(format!("{base}/down/health"), None)).await;
    failed_with(&r, ErrorKind::Status, "503");
}

#[tokio::test]
async fn a_redirect_loop_fails_as_redirect_and_redirects_can_be_the_answer() {
    let base = estate().await;
    let r = run(http(format!("{base}/loop"), None)).await;
    failed_with(&r, ErrorKind::Redirect, "loop");

    let mut kind = http(format!("{base}/moved"), None);
    assert!(run(kind.clone()).await.ok, "followed to /up/health");
    if let ProbeKind::Http {
        redirects,
        expect_status,
        ..
    } = &mut kind
    {
        *redirects = Redirects::None;
        *expect_status = ExpectStatus::Exactly(200);
    }
    failed_with(&run(kind.clone()).await, ErrorKind::Status, "to /up/health");
    if let ProbeKind::Http { expect_status, .. } = &mut kind {
        *expect_status = ExpectStatus::Range(300, 399);
    }
    assert!(run(kind).await.ok, "the redirect itself is the answer");
}

#[tokio::test]
async fn a_valid_certificate_passes_and_one_close_to_expiry_is_degraded() {
    let certs = Certs::new();
    let port = tls_target(certs.leaf_for_days(-30, 90)).await;
    let r = run(tls(port, Some(&certs.ca_file))).await;
    assert!(r.ok && !r.degraded, "{r:?}");
    assert!(r.detail.contains("valid until"), "{}", r.detail);

    let port = tls_target(certs.leaf_for_days(-30, 5)).await;
    let r = run(tls(port, Some(&certs.ca_file))).await;
    assert!(r.ok, "still working: {r:?}");
    assert!(r.degraded, "but close to expiry: {r:?}");
    assert!(
        r.detail.starts_with("Certificate expires in 4 days"),
        "{}",
        r.detail
    );
}

#[tokio::test]
async fn an_expired_certificate_fails_as_tls() {
    let certs = Certs::new();
    let port = tls_target(certs.leaf_for_days(-60, -3)).await;
    let r = run(tls(port, Some(&certs.ca_file))).await;
    failed_with(&r, ErrorKind::Tls, "expired 3 days ago");
}

#[tokio::test]
async fn a_self_signed_certificate_fails_as_tls_for_tls_and_https_probes() {
    let port = tls_target(Certs::self_signed()).await;
    let r = run(tls(port, None)).await;
    failed_with(&r, ErrorKind::Tls, "self-signed");
    let r = run(http(format!("https://localhost:{port}/health"), None)).await;
    failed_with(&r, ErrorKind::Tls, "self-signed");
}

#[tokio::test]
async fn a_tls_port_that_is_not_tls_fails() {
    let base = estate().await;
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    let r = run(tls(port, None)).await;
    assert!(!r.ok);
    assert!(
        matches!(r.error_kind, Some(ErrorKind::Tls | ErrorKind::Reset)),
        "{r:?}"
    );
}

#[tokio::test]
async fn signing_in_then_calling_the_service_passes_with_the_right_secret() {
    let base = estate().await;
    let r = run(oidc(&base, "bulk-upload", "GOOD_SECRET", Some("/api/ping"))).await;
    assert!(r.ok, "{r:?}");
    let r = run(oidc(&base, "bulk-upload", "GOOD_SECRET", None)).await;
    assert!(r.ok, "{r:?}");
}

#[tokio::test]
async fn refused_credentials_fail_as_auth() {
    let base = estate().await;
    let r = run(oidc(&base, "bulk-upload", "BAD_SECRET", Some("/api/ping"))).await;
    failed_with(
        &r,
        ErrorKind::Auth,
        "refused the credentials of client bulk-upload",
    );
    assert!(r.detail.contains("invalid_client"), "{}", r.detail);

    let r = run(oidc(&base, "bulk-upload", "NOT_SET", None)).await;
    failed_with(&r, ErrorKind::Auth, "NOT_SET");
}

#[tokio::test]
async fn a_token_the_service_rejects_fails_as_token_rejected() {
    let base = estate().await;
    // A real token, but for another client: the API turns it away.
    let r = run(oidc(&base, "admin-site", "GOOD_SECRET", Some("/api/ping"))).await;
    failed_with(&r, ErrorKind::TokenRejected, "refused the token");
}

#[tokio::test]
async fn an_unreachable_token_endpoint_fails_as_connect() {
    let closed = closed_port();
    let r = run(oidc(
        &format!("http://127.0.0.1:{closed}"),
        "bulk-upload",
        "GOOD_SECRET",
        None,
    ))
    .await;
    failed_with(&r, ErrorKind::Connect, "the token endpoint");

    let base = estate().await;
    let r = run(oidc(
        &format!("{base}/broken"),
        "bulk-upload",
        "GOOD_SECRET",
        None,
    ))
    .await;
    failed_with(&r, ErrorKind::Status, "the token endpoint answered 503");
}

#[tokio::test]
async fn a_token_endpoint_on_a_loopback_address_fails_when_a_public_one_is_expected() {
    let base = estate().await;
    // The endpoint works: only where its name leads is wrong.
    let by_name = base.replace("127.0.0.1", "localhost");
    let mut kind = oidc(&by_name, "bulk-upload", "GOOD_SECRET", Some("/api/ping"));
    assert!(run(kind.clone()).await.ok);
    if let ProbeKind::Oidc { expect_public, .. } = &mut kind {
        *expect_public = true;
    }
    let r = run(kind).await;
    failed_with(&r, ErrorKind::Address, "a loopback address");
    assert!(r.detail.contains("hosts file"), "{}", r.detail);
}

#[test]
fn private_and_loopback_addresses_are_told_from_public_ones() {
    use std::net::IpAddr;
    let kind = |s: &str| tis_prober::not_public(s.parse::<IpAddr>().unwrap());
    assert!(kind("127.0.0.1").unwrap().contains("loopback"));
    assert!(kind("::1").unwrap().contains("loopback"));
    assert!(kind("::ffff:127.0.0.1").unwrap().contains("loopback"));
    assert!(kind("10.1.2.3").unwrap().contains("private"));
    assert!(kind("172.16.0.9").unwrap().contains("private"));
    assert!(kind("192.168.1.1").unwrap().contains("private"));
    assert!(kind("100.64.0.1").unwrap().contains("private"));
    assert!(kind("fd00::1").unwrap().contains("private"));
    assert!(kind("169.254.1.1").unwrap().contains("link-local"));
    assert_eq!(kind("8.8.8.8"), None);
    assert_eq!(kind("2a00:1450::1"), None);
}

#[test]
fn the_expiry_date_is_read_from_a_certificate() {
    let certs = Certs::new();
    let (chain, _) = certs.leaf_for_days(-1, 30);
    let expires = tis_prober::not_after(&chain[0]).expect("an expiry date");
    let expected = chrono::Utc::now().date_naive() + chrono::Duration::days(30);
    assert_eq!(expires.date_naive(), expected);
}
