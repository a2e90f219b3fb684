//! The `tls` probe: opens a secure connection, checks the certificate the way a browser
//! would, and reads when it expires.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tis_core::ErrorKind;

use crate::check::{Outcome, connect};
use crate::dns::Lookup;

/// Trusted authorities: the usual public ones and those in the PEM file `ca_file`.
pub fn roots_with(
    public: &rustls::RootCertStore,
    ca_file: &str,
) -> Result<rustls::RootCertStore, String> {
    use rustls::pki_types::pem::PemObject;
    let mut roots = public.clone();
    let certs = CertificateDer::pem_file_iter(ca_file)
        .map_err(|e| format!("the ca_file {ca_file} cannot be read: {e}"))?;
    let mut added = 0;
    for cert in certs {
        let cert = cert.map_err(|e| format!("the ca_file {ca_file} is not PEM: {e}"))?;
        roots
            .add(cert)
            .map_err(|e| format!("the ca_file {ca_file} holds a bad certificate: {e}"))?;
        added += 1;
    }
    if added == 0 {
        return Err(format!("the ca_file {ca_file} holds no certificates"));
    }
    Ok(roots)
}

/// Checks the certificate of `host:port`: down when it is not valid, degraded within
/// `warn_days` of its expiry.
pub async fn check(
    lookup: &Lookup,
    host: &str,
    port: u16,
    warn_days: u32,
    roots: Arc<rustls::RootCertStore>,
    now: DateTime<Utc>,
) -> Outcome {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier = match WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
        .build()
    {
        Ok(v) => v,
        Err(e) => return Outcome::failed(ErrorKind::Other, format!("no trusted authorities: {e}")),
    };
    let recorder = Arc::new(Recorder {
        inner: verifier,
        seen: Mutex::new(None),
    });
    let config = match rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
    {
        Ok(builder) => builder
            .dangerous()
            .with_custom_certificate_verifier(recorder.clone())
            .with_no_client_auth(),
        Err(e) => return Outcome::failed(ErrorKind::Other, e.to_string()),
    };
    let Ok(name) = ServerName::try_from(host.to_string()) else {
        return Outcome::failed(ErrorKind::Other, format!("{host} is not a host name"));
    };
    let stream = match connect(lookup, host, port).await {
        Ok(s) => s,
        Err(failed) => return failed,
    };
    let handshake = tokio_rustls::TlsConnector::from(Arc::new(config))
        .connect(name, stream)
        .await;
    let seen = recorder.seen.lock().map(|mut s| s.take()).unwrap_or(None);
    match (seen, handshake) {
        (Some((_, Err(e))), _) => Outcome::failed(
            ErrorKind::Tls,
            format!("the certificate of {host} is not valid: {}", describe(&e)),
        ),
        (_, Err(e)) => {
            let reason = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
                .map_or_else(|| e.to_string(), describe);
            let kind = if e.get_ref().is_some_and(|i| i.is::<rustls::Error>()) {
                ErrorKind::Tls
            } else {
                ErrorKind::Reset
            };
            Outcome::failed(
                kind,
                format!("the secure connection to {host} failed: {reason}"),
            )
        }
        (None, Ok(_)) => Outcome::failed(ErrorKind::Tls, format!("{host} sent no certificate")),
        (Some((der, Ok(()))), Ok(_)) => match not_after(&der) {
            None => Outcome::failed(
                ErrorKind::Tls,
                format!("the certificate of {host} has no expiry date that can be read"),
            ),
            Some(expires) => judge_expiry(host, expires, warn_days, now),
        },
    }
}

fn judge_expiry(host: &str, expires: DateTime<Utc>, warn_days: u32, now: DateTime<Utc>) -> Outcome {
    let left = expires - now;
    let on = tis_core::time::uk_date(expires);
    if left < chrono::Duration::days(i64::from(warn_days)) {
        let days = left.num_days();
        let when = match days {
            0 => "today".to_string(),
            1 => "tomorrow".to_string(),
            n => format!("in {n} days"),
        };
        Outcome::degraded(format!(
            "Certificate expires {when}, on {on}: renew the certificate of {host}"
        ))
    } else {
        Outcome {
            detail: format!("the certificate of {host} is valid until {on}"),
            ..Outcome::ok()
        }
    }
}

/// A certificate problem in plain words.
pub fn describe(e: &rustls::Error) -> String {
    match e {
        rustls::Error::InvalidCertificate(cert) => match cert {
            CertificateError::Expired => "it has expired".into(),
            CertificateError::ExpiredContext { time, not_after } => {
                let days = time.as_secs().saturating_sub(not_after.as_secs()) / 86_400;
                let on = DateTime::from_timestamp(not_after.as_secs() as i64, 0)
                    .map(tis_core::time::uk_date)
                    .unwrap_or_default();
                match days {
                    0 => format!("it expired today, on {on}"),
                    1 => format!("it expired yesterday, on {on}"),
                    n => format!("it expired {n} days ago, on {on}"),
                }
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "it is not valid yet (check the clocks)".into()
            }
            CertificateError::UnknownIssuer => {
                "it is not signed by a trusted authority (it may be self-signed)".into()
            }
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                "it is for a different name".into()
            }
            CertificateError::Revoked => "it has been revoked".into(),
            CertificateError::BadSignature => "its signature is wrong".into(),
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    }
}

/// A certificate problem in plain words, from rustls's text for it.
pub fn describe_text(text: &str) -> String {
    let plain = [
        (
            "UnknownIssuer",
            "it is not signed by a trusted authority (it may be self-signed)",
        ),
        ("Expired", "it has expired"),
        ("NotValidYet", "it is not valid yet (check the clocks)"),
        ("NotValidForName", "it is for a different name"),
        ("Revoked", "it has been revoked"),
        ("BadSignature", "its signature is wrong"),
    ];
    plain
        .iter()
        .find(|(name, _)| text.contains(name))
        .map_or_else(|| text.to_string(), |(_, words)| (*words).to_string())
}

/// Wraps the standard verifier, remembering the certificate and what was wrong with it.
/// The handshake is let through either way (nothing is sent over it), so that the probe
/// can say what was wrong rather than only that something was.
#[derive(Debug)]
struct Recorder {
    inner: Arc<WebPkiServerVerifier>,
    #[allow(clippy::type_complexity)]
    seen: Mutex<Option<(Vec<u8>, Result<(), rustls::Error>)>>,
}

impl ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verdict = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
            .map(|_| ());
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Some((end_entity.to_vec(), verdict));
        }
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// One DER element: its tag, and its contents and whatever follows it.
fn element(der: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = der.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The `notAfter` time of an X.509 certificate (RFC 5280, 4.1.2.5). Only this one field
/// is needed, and the certificate has already been parsed and checked by rustls, so a
/// few lines of DER reading stand in for a whole X.509 library.
pub fn not_after(der: &[u8]) -> Option<DateTime<Utc>> {
    const SEQUENCE: u8 = 0x30;
    let (SEQUENCE, certificate, _) = element(der)? else {
        return None;
    };
    let (SEQUENCE, tbs, _) = element(certificate)? else {
        return None;
    };
    let mut rest = tbs;
    let (tag, _, after) = element(rest)?;
    // The version is optional and explicitly tagged [0].
    if tag == 0xa0 {
        rest = after;
    }
    // serialNumber, signature, issuer: skipped.
    for _ in 0..3 {
        rest = element(rest)?.2;
    }
    let (SEQUENCE, validity, _) = element(rest)? else {
        return None;
    };
    let (_, _, after_not_before) = element(validity)?;
    let (tag, time, _) = element(after_not_before)?;
    let text = std::str::from_utf8(time).ok()?;
    let text = text.strip_suffix('Z')?;
    let (year, rest) = match tag {
        // UTCTime: two-digit years, 50 to 99 meaning the 1900s.
        0x17 => {
            let yy: i32 = text.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, text.get(2..)?)
        }
        // GeneralizedTime.
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    let part = |i: usize| -> Option<u32> { rest.get(i..i + 2)?.parse().ok() };
    let date = NaiveDate::from_ymd_opt(year, part(0)?, part(2)?)?;
    let time = date.and_hms_opt(part(4)?, part(6)?, part(8)?)?;
    Utc.from_local_datetime(&time).single()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expiry_within_warn_days_is_degraded_and_says_when() {
        let now: DateTime<Utc> = "2026-11-24T10:00:00Z".parse().unwrap();
        let soon: DateTime<Utc> = "2026-11-29T10:00:00Z".parse().unwrap();
        let outcome = judge_expiry("tis.example", soon, 14, now);
        assert!(outcome.degraded && outcome.error.is_none());
        assert!(
            outcome
                .detail
                .starts_with("Certificate expires in 5 days, on Sunday 29 November 2026"),
            "{}",
            outcome.detail
        );
        let later: DateTime<Utc> = "2027-03-01T10:00:00Z".parse().unwrap();
        let outcome = judge_expiry("tis.example", later, 14, now);
        assert!(!outcome.degraded && outcome.error.is_none());
    }

    #[test]
    fn a_truncated_certificate_has_no_expiry() {
        assert_eq!(not_after(&[0x30, 0x82, 0x01]), None);
        assert_eq!(not_after(&[]), None);
    }
}
