//! The typed API client: every fetch the app makes goes through here.

use std::fmt;

use serde::de::DeserializeOwned;
use tis_core::wire::ServiceList;

/// Why data could not be loaded, in words a reader can act on.
#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// The request did not reach the server (offline, or the server is down).
    Network,
    /// The server answered with an error.
    Server { status: u16, detail: String },
    /// The answer was not what this version of the app understands.
    Unreadable(String),
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::Network => write!(
                f,
                "We could not reach the status server. Check your connection and try again."
            ),
            ApiError::Server { detail, .. } => write!(f, "{detail}"),
            ApiError::Unreadable(_) => write!(
                f,
                "The status server sent something this page cannot read. Reload the page."
            ),
        }
    }
}

impl std::error::Error for ApiError {}

async fn get<T: DeserializeOwned>(path: &str) -> Result<T, ApiError> {
    let response = gloo_net::http::Request::get(path)
        .send()
        .await
        .map_err(|_| ApiError::Network)?;
    if !response.ok() {
        let status = response.status();
        let detail = response
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v.get("detail").and_then(|d| d.as_str()).map(str::to_owned))
            .unwrap_or_else(|| format!("The status server answered with error {status}."));
        return Err(ApiError::Server { status, detail });
    }
    response
        .json::<T>()
        .await
        .map_err(|e| ApiError::Unreadable(e.to_string()))
}

/// Every service with its live status.
pub async fn services() -> Result<ServiceList, ApiError> {
    get("/api/v1/services").await
}
