//! One run of one probe: the request, and what counts as a failure and of which kind.

use std::time::Duration;

use tis_core::{ErrorKind, ProbeKind};

/// What one check found. `error` is `None` when the service answered as expected.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub error: Option<ErrorKind>,
    pub detail: String,
}

impl Outcome {
    pub fn ok() -> Self {
        Outcome {
            error: None,
            detail: String::new(),
        }
    }
    pub fn failed(kind: ErrorKind, detail: impl Into<String>) -> Self {
        Outcome {
            error: Some(kind),
            detail: detail.into(),
        }
    }
}

/// Looks up a secret by the name of the environment variable the config gives.
type SecretLookup = Box<dyn Fn(&str) -> Option<String> + Send + Sync>;

/// Runs checks. Holds one HTTP client so connections are reused between runs.
pub struct Checker {
    http: reqwest::Client,
    secret: SecretLookup,
}

impl Checker {
    /// A checker that reads OIDC client secrets from the environment.
    pub fn new() -> Self {
        Self::with_secrets(|name| std::env::var(name).ok())
    }

    /// A checker that looks secrets up with `secret` (the variable name in, its value out).
    pub fn with_secrets(secret: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        let http = reqwest::Client::builder()
            .user_agent(concat!("tis-status-prober/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::limited(5))
            .connect_timeout(Duration::from_secs(10))
            .build()
            .unwrap_or_default();
        Checker {
            http,
            secret: Box::new(secret),
        }
    }

    pub async fn check(&self, kind: &ProbeKind) -> Outcome {
        match kind {
            ProbeKind::Http {
                url,
                method,
                expect_status,
                body_contains,
                json_pointer,
                expect_value,
            } => {
                let Ok(method) = reqwest::Method::from_bytes(method.as_bytes()) else {
                    return Outcome::failed(ErrorKind::Other, format!("bad method {method}"));
                };
                let request = self.http.request(method, url);
                http_check(
                    request,
                    *expect_status,
                    body_contains.as_deref(),
                    json_pointer.as_deref().zip(expect_value.as_deref()),
                )
                .await
            }
            ProbeKind::Tcp { host, port } => {
                match tokio::net::TcpStream::connect((host.as_str(), *port)).await {
                    Ok(_) => Outcome::ok(),
                    Err(e) => Outcome::failed(ErrorKind::Connect, e.to_string()),
                }
            }
            ProbeKind::Tls { host, .. } => Outcome::failed(
                ErrorKind::Other,
                format!("certificate checks of {host} are not available in this version"),
            ),
            ProbeKind::Oidc {
                token_url,
                client_id,
                client_secret_env,
                then_url,
            } => {
                let Some(secret) = (self.secret)(client_secret_env) else {
                    return Outcome::failed(
                        ErrorKind::Auth,
                        format!("the environment variable {client_secret_env} is not set"),
                    );
                };
                self.oidc(token_url, client_id, &secret, then_url.as_deref())
                    .await
            }
        }
    }

    /// Signs in the way a service does (client credentials), then calls the service.
    async fn oidc(
        &self,
        token_url: &str,
        client_id: &str,
        secret: &str,
        then_url: Option<&str>,
    ) -> Outcome {
        let response = self
            .http
            .post(token_url)
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", client_id),
                ("client_secret", secret),
            ])
            .send()
            .await;
        let response = match response {
            Ok(r) => r,
            Err(e) => return transport_failure(&e, "the token endpoint"),
        };
        let status = response.status();
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::BAD_REQUEST
        {
            return Outcome::failed(
                ErrorKind::Auth,
                format!("the token endpoint refused the credentials ({status})"),
            );
        }
        if !status.is_success() {
            return Outcome::failed(
                ErrorKind::Status,
                format!("the token endpoint answered {status}"),
            );
        }
        let token = match response.json::<serde_json::Value>().await {
            Ok(body) => body
                .get("access_token")
                .and_then(|t| t.as_str())
                .map(str::to_owned),
            Err(e) => {
                return Outcome::failed(
                    ErrorKind::Body,
                    format!("the token endpoint sent something that is not JSON: {e}"),
                );
            }
        };
        let Some(token) = token else {
            return Outcome::failed(
                ErrorKind::Auth,
                "the token endpoint answered without an access_token",
            );
        };
        match then_url {
            None => Outcome::ok(),
            Some(url) => {
                let outcome =
                    http_check(self.http.get(url).bearer_auth(token), 200, None, None).await;
                match outcome.error {
                    Some(ErrorKind::Status)
                        if outcome.detail.contains("401") || outcome.detail.contains("403") =>
                    {
                        Outcome::failed(
                            ErrorKind::Auth,
                            format!("the service rejected the token: {}", outcome.detail),
                        )
                    }
                    _ => outcome,
                }
            }
        }
    }
}

impl Default for Checker {
    fn default() -> Self {
        Self::new()
    }
}

async fn http_check(
    request: reqwest::RequestBuilder,
    expect_status: u16,
    body_contains: Option<&str>,
    pointer: Option<(&str, &str)>,
) -> Outcome {
    let response = match request.send().await {
        Ok(r) => r,
        Err(e) => return transport_failure(&e, "the service"),
    };
    let status = response.status();
    if status.as_u16() != expect_status {
        return Outcome::failed(
            ErrorKind::Status,
            format!("expected HTTP {expect_status}, got {status}"),
        );
    }
    if body_contains.is_none() && pointer.is_none() {
        return Outcome::ok();
    }
    let body = match response.text().await {
        Ok(b) => b,
        Err(e) => return transport_failure(&e, "the service"),
    };
    if let Some(needle) = body_contains
        && !body.contains(needle)
    {
        return Outcome::failed(
            ErrorKind::Body,
            format!("the answer does not contain \"{needle}\""),
        );
    }
    if let Some((pointer, expected)) = pointer {
        let json: serde_json::Value = match serde_json::from_str(&body) {
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

fn transport_failure(e: &reqwest::Error, what: &str) -> Outcome {
    let kind = if e.is_timeout() {
        ErrorKind::Timeout
    } else if e.is_connect() {
        // reqwest reports DNS failures as connect errors; tell them apart by the source.
        let text = format!("{e:?}");
        if text.contains("dns error") || text.contains("failed to lookup") {
            ErrorKind::Dns
        } else {
            ErrorKind::Connect
        }
    } else if e.is_redirect() {
        ErrorKind::Status
    } else {
        ErrorKind::Other
    };
    Outcome::failed(kind, format!("could not reach {what}: {e}"))
}
