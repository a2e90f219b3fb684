//! `[server]`: where the server listens, keeps its data and runs its probes.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    #[serde(default = "default_data_dir")]
    pub data_dir: PathBuf,
    #[serde(default)]
    pub public_url: Option<String>,
    /// Days of raw probe results to keep; daily uptime is kept for ever.
    #[serde(default = "default_retention_days")]
    pub retention_days: u32,
    /// Where this server's own probes run from, e.g. "london"; put on each result.
    #[serde(default)]
    pub location: Option<String>,
    /// How many locations (this server and standalone probers) must agree that a probe
    /// is failing before it counts as down. 1: any one is enough.
    #[serde(default = "default_down_quorum")]
    pub down_quorum: u32,
    /// Most checks this server runs at the same time.
    #[serde(default = "default_max_concurrent_probes")]
    pub max_concurrent_probes: usize,
    /// Most live-update streams (`/api/v1/events`) open at once; past it a page is told
    /// to come back later and checks for changes every 15 seconds instead. Unset: half
    /// the open-file limit (see `events::stream_cap`).
    #[serde(default)]
    pub max_event_streams: Option<usize>,
    /// Proxies in front of this server whose `X-Forwarded-For` is believed, as addresses
    /// or ranges ("10.0.0.0/8"), so that sign-in limits count each person's own
    /// computer rather than the proxy. Empty: the address the connection came from.
    #[serde(default, deserialize_with = "crate::http::client::networks")]
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl ServerConfig {
    /// Whether readers reach this server over https (its `public_url` says so): then
    /// cookies are `Secure` with the `__Host-` prefix, and browsers are told to use https
    /// only (HSTS).
    pub fn is_https(&self) -> bool {
        self.public_url
            .as_deref()
            .is_some_and(|url| url.trim_start().to_ascii_lowercase().starts_with("https:"))
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: default_listen(),
            data_dir: default_data_dir(),
            public_url: None,
            retention_days: default_retention_days(),
            location: None,
            down_quorum: default_down_quorum(),
            max_concurrent_probes: default_max_concurrent_probes(),
            max_event_streams: None,
            trusted_proxies: Vec::new(),
        }
    }
}

fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}

fn default_retention_days() -> u32 {
    30
}

fn default_data_dir() -> PathBuf {
    PathBuf::from("data")
}

fn default_down_quorum() -> u32 {
    1
}

fn default_max_concurrent_probes() -> usize {
    64
}

/// The longest location name: it is shown on pages and kept with every result.
pub const LOCATION_MAX: usize = 40;

/// Checks a location name given in config, on the command line or by a prober.
pub fn check_location(location: &str) -> Result<(), String> {
    if location.trim().is_empty() {
        return Err("a location needs a name, like \"london\"".into());
    }
    if location.chars().count() > LOCATION_MAX {
        return Err(format!(
            "\"{location}\" is too long for a location: use at most {LOCATION_MAX} characters"
        ));
    }
    if location.chars().any(char::is_control) {
        return Err("a location name cannot have control characters".into());
    }
    Ok(())
}
