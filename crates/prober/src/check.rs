//! One run of one probe: the request, and what counts as a failure and of which kind.

use std::collections::BTreeMap;
use std::error::Error as _;
use std::net::IpAddr;
use std::sync::Arc;

use chrono::Utc;
use tis_core::{ErrorKind, ExpectStatus, ProbeKind, Redirects};

use crate::dns::Lookup;
use crate::tls;

/// The most of an answer that is read. Health answers are small; more than this is a
/// fault (or a target sending forever), and must not fill the prober's memory.
pub const MAX_BODY: usize = 1024 * 1024;
/// Redirects followed before a chain counts as a loop.
const MAX_REDIRECTS: usize = 10;

/// What one check found. `error` is `None` when the service answered as expected;
/// `degraded` is a warning on a working service (a certificate close to expiry).
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub error: Option<ErrorKind>,
    pub detail: String,
    pub degraded: bool,
}

impl Outcome {
    pub fn ok() -> Self {
        Outcome {
            error: None,
            detail: String::new(),
            degraded: false,
        }
    }
    pub fn failed(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Outcome {
            error: Some(kind),
            detail: detail.into(),
            degraded: false,
        }
    }
    pub fn degraded(detail: impl Into<String>) -> Self {
        Outcome {
            error: None,
            detail: detail.into(),
            degraded: true,
        }
    }
}

/// Looks up a secret by the name of the environment variable the config gives.
type SecretLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Runs checks. Holds its HTTP clients and trusted certificate authorities, built once.
pub struct Checker {
    lookup: Lookup,
    follow: reqwest::Client,
    no_follow: reqwest::Client,
    roots: Arc<rustls::RootCertStore>,
    secret: SecretLookup,
}

fn client(redirects: reqwest::redirect::Policy, lookup: &Lookup) -> reqwest::Client {
    reqwest::Client::builder()
        .dns_resolver(Arc::new(lookup.clone()))
        .user_agent(concat!("tis-status-prober/", env!("CARGO_PKG_VERSION")))
        .redirect(redirects)
        // Every check opens a new connection and looks the name up again, as a user's
        // browser or a restarted service would: a pooled connection would hide a refused
        // port or a changed hosts file (the fault of October 2026) until it closed.
        .pool_max_idle_per_host(0)
        .build()
        .unwrap_or_default()
}

impl Checker {
    /// A checker that reads OIDC client secrets from the environment.
    pub fn new() -> Self {
        Self::with_secrets(|name| std::env::var(name).ok())
    }

    /// A checker that looks secrets up with `secret` (the variable name in, its value out).
    pub fn with_secrets(secret: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        Self::with_lookup(secret, Lookup::system())
    }

    /// A checker that looks secrets up with `secret` and names up with `lookup`.
    pub fn with_lookup(
        secret: impl Fn(&str) -> Option<String> + Send + Sync + 'static,
        lookup: Lookup,
    ) -> Self {
        let roots = rustls::RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        };
        Checker {
            follow: client(reqwest::redirect::Policy::limited(MAX_REDIRECTS), &lookup),
            no_follow: client(reqwest::redirect::Policy::none(), &lookup),
            lookup,
            roots: Arc::new(roots),
            secret: Box::new(secret),
        }
    }

    pub async fn check(&self, kind: &ProbeKind) -> Outcome {
        match kind {
            // `schedule` leaves heartbeats out; one handed here anyway is not something
            // a prober can see, and says so rather than passing.
            ProbeKind::Heartbeat { .. } => Outcome::failed(
                ErrorKind::Other,
                "a heartbeat is judged by the server from the job's own reports, not checked by a prober",
            ),
            ProbeKind::Http {
                url,
                method,
                headers,
                expect_status,
                body_contains,
                json_pointer,
                expect_value,
                redirects,
            } => {
                let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
                    return Outcome::failed(ErrorKind::Other, format!("bad method {method}"));
                };
                let client = match redirects {
                    Redirects::Follow => &self.follow,
                    Redirects::None => &self.no_follow,
                };
                let request = with_headers(client.request(method, url), headers);
                http_check(
                    request,
                    *expect_status,
                    body_contains.as_deref(),
                    json_pointer.as_deref().zip(expect_value.as_deref()),
                    "the service",
                )
                .await
            }
            ProbeKind::Tcp { host, port } => match connect(&self.lookup, host, *port).await {
                Ok(_) => Outcome::ok(),
                Err(failed) => failed,
            },
            ProbeKind::Tls {
                host,
                port,
                warn_days,
                ca_file,
                ..
            } => {
                let roots = match ca_file {
                    None => self.roots.clone(),
                    Some(file) => match tls::roots_with(&self.roots, file) {
                        Ok(roots) => Arc::new(roots),
                        Err(e) => return Outcome::failed(ErrorKind::Other, e),
                    },
                };
                tls::check(&self.lookup, host, *port, *warn_days, roots, Utc::now()).await
            }
            ProbeKind::Oidc {
                token_url,
                client_id,
                client_secret_env,
                scope,
                then_url,
                expect_public,
            } => {
                let Some(secret) = (self.secret)(client_secret_env) else {
                    return Outcome::failed(
                        ErrorKind::Auth,
                        format!(
                            "the environment variable {client_secret_env} is not set, so there is no client secret to sign in with"
                        ),
                    );
                };
                let sign_in = SignIn {
                    token_url,
                    client_id,
                    secret: &secret,
                    scope: scope.as_deref(),
                    expect_public: *expect_public,
                };
                self.oidc(&sign_in, then_url.as_deref()).await
            }
        }
    }

    /// Signs in the way a service does (client credentials), then calls the service.
    async fn oidc(&self, sign_in: &SignIn<'_>, then_url: Option<&str>) -> Outcome {
        if sign_in.expect_public
            && let Err(failed) = public_only(&self.lookup, sign_in.token_url).await
        {
            return failed;
        }
        let mut form = vec![
            ("grant_type", "client_credentials"),
            ("client_id", sign_in.client_id),
            ("client_secret", sign_in.secret),
        ];
        if let Some(scope) = sign_in.scope {
            form.push(("scope", scope));
        }
        // A token endpoint that redirects is misconfigured; the redirect shows as its status.
        let response = self
            .no_follow
            .post(sign_in.token_url)
            .form(&form)
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return transport_failure(&e, "the token endpoint"),
        };
        let status = response.status();
        let body = match read_body(response, "the token endpoint").await {
            Ok(b) => b,
            Err(failed) => return failed,
        };
        let json: Option<serde_json::Value> = serde_json::from_slice(&body).ok();
        if matches!(status.as_u16(), 400 | 401 | 403) {
            let code = json
                .as_ref()
                .and_then(|j| j.get("error"))
                .and_then(|e| e.as_str())
                .map(|e| format!(": {e}"))
                .unwrap_or_default();
            return Outcome::failed(
                ErrorKind::Auth,
                format!(
                    "the token endpoint refused the credentials of client {} ({status}{code})",
                    sign_in.client_id
                ),
            );
        }
        if !status.is_success() {
            return Outcome::failed(
                ErrorKind::Status,
                format!("the token endpoint answered {status}"),
            );
        }
        let Some(json) = json else {
            return Outcome::failed(ErrorKind::Body, "the token endpoint's answer is not JSON");
        };
        let Some(token) = json.get("access_token").and_then(|t| t.as_str()) else {
            return Outcome::failed(
                ErrorKind::Body,
                "the token endpoint answered without an access_token",
            );
        };
        let Some(url) = then_url else {
            return Outcome::ok();
        };
        let request = self.follow.get(url).bearer_auth(token);
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => return transport_failure(&e, "the service"),
        };
        let status = response.status();
        if matches!(status.as_u16(), 401 | 403) {
            return Outcome::failed(
                ErrorKind::TokenRejected,
                format!("the service refused the token from the token endpoint ({status})"),
            );
        }
        if !status.is_success() {
            return Outcome::failed(
                ErrorKind::Status,
                format!("signed in, but the service answered {status}"),
            );
        }
        match read_body(response, "the service").await {
            Ok(_) => Outcome::ok(),
            Err(failed) => failed,
        }
    }
}

struct SignIn<'a> {
    token_url: &'a str,
    client_id: &'a str,
    secret: &'a str,
    scope: Option<&'a str>,
    expect_public: bool,
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

fn with_headers(
    mut request: reqwest::RequestBuilder,
    headers: &BTreeMap<String, String>,
) -> reqwest::RequestBuilder {
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    request
}

/// Resolves `host` and connects to the first address that answers.
pub(crate) async fn connect(
    lookup: &Lookup,
    host: &str,
    port: u16,
) -> Result<tokio::net::TcpStream, Outcome> {
    let addrs = lookup.addrs(host, port).await.map_err(|e| {
        Outcome::failed(
            ErrorKind::Dns,
            format!("the name {host} could not be looked up: {e}"),
        )
    })?;
    let mut last = None;
    for addr in &addrs {
        match tokio::net::TcpStream::connect(addr).await {
            Ok(stream) => return Ok(stream),
            Err(e) => last = Some((addr, e)),
        }
    }
    Err(match last {
        Some((addr, e)) => Outcome::failed(
            ErrorKind::Connect,
            format!("could not connect to {host} ({addr}): {e}"),
        ),
        None => Outcome::failed(ErrorKind::Dns, format!("the name {host} has no addresses")),
    })
}

/// Fails unless every address the URL's host resolves to is a public one.
async fn public_only(lookup: &Lookup, url: &str) -> Result<(), Outcome> {
    let parsed = reqwest::Url::parse(url)
        .map_err(|e| Outcome::failed(ErrorKind::Other, format!("{url} is not a URL: {e}")))?;
    let host = parsed.host_str().unwrap_or_default();
    let port = parsed.port_or_known_default().unwrap_or(443);
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = lookup
        .addrs(bare, port)
        .await
        .map_err(|e| {
            Outcome::failed(
                ErrorKind::Dns,
                format!("the token endpoint's name {host} could not be looked up: {e}"),
            )
        })?
        .into_iter()
        .map(|a| a.ip())
        .collect();
    for ip in addrs {
        if let Some(what) = not_public(ip) {
            return Err(Outcome::failed(
                ErrorKind::Address,
                format!(
                    "the token endpoint's name {host} resolves to {ip}, {what}, where a public address was expected: check the hosts file and DNS on this machine"
                ),
            ));
        }
    }
    Ok(())
}

/// What kind of non-public address `ip` is, if it is one.
pub fn not_public(ip: IpAddr) -> Option<&'static str> {
    let ip = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    };
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            if v4.is_loopback() {
                Some("a loopback address (this machine itself)")
            } else if v4.is_private() || (a == 100 && (64..128).contains(&b)) {
                Some("a private network address")
            } else if v4.is_link_local() {
                Some("a link-local address")
            } else if v4.is_unspecified() || v4.is_broadcast() {
                Some("an address that is no machine")
            } else {
                None
            }
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("a loopback address (this machine itself)")
            } else if first & 0xfe00 == 0xfc00 {
                Some("a private network address")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if v6.is_unspecified() {
                Some("an address that is no machine")
            } else {
                None
            }
        }
    }
}

async fn http_check(
    request: reqwest::RequestBuilder,
    expect_status: ExpectStatus,
    body_contains: Option<&str>,
    pointer: Option<(&str, &str)>,
    what: &str,
) -> Outcome {
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return transport_failure(&e, what),
    };
    let status = response.status();
    if !expect_status.matches(status.as_u16()) {
        let to = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .map(|l| format!(" (to {l})"))
            .unwrap_or_default();
        return Outcome::failed(
            ErrorKind::Status,
            format!("expected HTTP {expect_status}, got {status}{to}"),
        );
    }
    // Read whole even when only the status matters: an answer that never finishes is a
    // fault users would meet too.
    let body = match read_body(response, what).await {
        Ok(b) => b,
        Err(failed) => return failed,
    };
    if let Some(needle) = body_contains
        && !String::from_utf8_lossy(&body).contains(needle)
    {
        return Outcome::failed(
            ErrorKind::Body,
            format!("the answer does not contain \"{needle}\""),
        );
    }
    if let Some((pointer, expected)) = pointer {
        let json: serde_json::Value = match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(e) => {
                return Outcome::failed(ErrorKind::Body, format!("the answer is not JSON: {e}"));
            }
        };
        let found = json.pointer(pointer);
        let matches = match found {
            Some(serde_json::Value::String(s)) => s == expected,
            // Numbers and booleans compare by their JSON text, so `true` matches "true".
            Some(other) => serde_json::to_string(other).is_ok_and(|text| text == expected),
            None => false,
        };
        if !matches {
            let found = found.map_or("nothing".to_string(), |v| v.to_string());
            return Outcome::failed(
                ErrorKind::Body,
                format!("expected {expected} at {pointer}, found {found}"),
            );
        }
    }
    Outcome::ok()
}

/// The answer's body, up to [`MAX_BODY`].
async fn read_body(mut response: reqwest::Response, what: &str) -> Result<Vec<u8>, Outcome> {
    let mut body = Vec::new();
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(Outcome::failed(
                        ErrorKind::Body,
                        format!(
                            "the answer from {what} is longer than {} KB; a health answer should be short",
                            MAX_BODY / 1024
                        ),
                    ));
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => return Ok(body),
            Err(e) => return Err(transport_failure(&e, what)),
        }
    }
}

/// Sorts a failed request into an error kind by what lies under it.
fn transport_failure(e: &reqwest::Error, what: &str) -> Outcome {
    let mut chain: Vec<&(dyn std::error::Error + 'static)> = Vec::new();
    let mut next = e.source();
    while let Some(source) = next {
        chain.push(source);
        next = source.source();
    }
    let innermost = chain
        .last()
        .map(|s| s.to_string())
        .unwrap_or_else(|| e.to_string());
    let text = format!("{e:?}");
    let io_kind = chain
        .iter()
        .find_map(|s| s.downcast_ref::<std::io::Error>())
        .map(std::io::Error::kind);
    // io::Error's own `source` skips the error it wraps, so look inside each one too.
    let tls_error = chain.iter().find_map(|s| {
        s.downcast_ref::<rustls::Error>().or_else(|| {
            s.downcast_ref::<std::io::Error>()
                .and_then(|io| io.get_ref())
                .and_then(|inner| inner.downcast_ref::<rustls::Error>())
        })
    });
    use std::io::ErrorKind as Io;
    let (kind, said) = if e.is_timeout() {
        (ErrorKind::Timeout, "did not answer in time".to_string())
    } else if let Some(tls_error) = tls_error {
        (
            ErrorKind::Tls,
            format!(
                "could not be reached securely: {}",
                tls::describe(tls_error)
            ),
        )
    } else if innermost.contains("invalid peer certificate") {
        // hyper-rustls hands the certificate error over as text only.
        (
            ErrorKind::Tls,
            format!(
                "could not be reached securely: {}",
                tls::describe_text(&innermost)
            ),
        )
    } else if e.is_redirect() {
        (
            ErrorKind::Redirect,
            format!("redirected in a loop or more than {MAX_REDIRECTS} times"),
        )
    } else if text.contains("dns error") || text.contains("failed to lookup address") {
        (
            ErrorKind::Dns,
            format!("could not be found: its name did not resolve ({innermost})"),
        )
    } else if io_kind == Some(Io::ConnectionRefused) {
        (
            ErrorKind::Connect,
            format!("refused the connection ({innermost})"),
        )
    } else if matches!(
        io_kind,
        Some(Io::ConnectionReset | Io::ConnectionAborted | Io::BrokenPipe | Io::UnexpectedEof)
    ) || text.contains("IncompleteMessage")
        || text.contains("connection closed before message completed")
    {
        (
            ErrorKind::Reset,
            format!("dropped the connection before a whole answer came ({innermost})"),
        )
    } else if e.is_connect() {
        (
            ErrorKind::Connect,
            format!("could not be reached ({innermost})"),
        )
    } else if e.is_body() || e.is_decode() {
        (
            ErrorKind::Reset,
            format!("broke off its answer part-way ({innermost})"),
        )
    } else {
        (
            ErrorKind::Other,
            format!("could not be checked: {innermost}"),
        )
    };
    Outcome::failed(kind, format!("{what} {said}"))
}
