//! `[metrics]`: `/metrics` for Prometheus. Off without the table, since the metrics name
//! internal probes and prober locations; with it, a scraper sends the token held in the
//! environment variable `token_env`.

use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricsConfig {
    /// The environment variable holding the token that Prometheus sends as
    /// `Authorization: Bearer`.
    pub token_env: String,
    /// The token itself, read from `token_env` at start-up (empty for commands that
    /// do not serve).
    #[serde(skip)]
    pub token: Option<String>,
}
