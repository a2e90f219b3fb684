//! Name lookups for checks, done asynchronously by hickory's resolver rather than by the
//! system's blocking `getaddrinfo` on a thread of its own: a lookup that hangs (a DNS
//! server that never answers) is given up at its deadline and holds nothing afterwards,
//! so it cannot starve other probes, and the probe says "dns" rather than "timeout".
//! Every check looks the name up again (no cache), as a restarted service would.

use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{NameServerConfigGroup, ResolverConfig};
use hickory_resolver::name_server::TokioConnectionProvider;
use tokio::time::Instant;

tokio::task_local! {
    /// When the lookups of the check being run must have answered by. Set around a whole
    /// check by [`within`], so lookups made deep inside the HTTP client keep to it too.
    static DEADLINE: Instant;
}

/// Runs `check` with its lookups bounded to end by `deadline`.
pub async fn within<F: Future>(deadline: Instant, check: F) -> F::Output {
    DEADLINE.scope(deadline, check).await
}

/// Looks names up for checks.
#[derive(Clone)]
pub struct Lookup {
    resolver: Arc<TokioResolver>,
}

impl Lookup {
    /// Lookups as this machine makes them: its hosts file, then the name servers of
    /// `/etc/resolv.conf` (or public defaults if it cannot be read).
    pub fn system() -> Lookup {
        let builder = TokioResolver::builder_tokio().unwrap_or_else(|e| {
            tracing::warn!(error = %e, "cannot read the system's DNS settings; using defaults");
            TokioResolver::builder_with_config(
                ResolverConfig::default(),
                TokioConnectionProvider::default(),
            )
        });
        Lookup::from_builder(builder)
    }

    /// Lookups through the given name servers only (plain DNS over UDP and TCP), e.g. a
    /// resolver of the network the services live in.
    pub fn servers(servers: &[SocketAddr]) -> Lookup {
        let mut group = NameServerConfigGroup::new();
        for server in servers {
            group.merge(NameServerConfigGroup::from_ips_clear(
                &[server.ip()],
                server.port(),
                true,
            ));
        }
        Lookup::from_builder(TokioResolver::builder_with_config(
            ResolverConfig::from_parts(None, vec![], group),
            TokioConnectionProvider::default(),
        ))
    }

    fn from_builder(
        mut builder: hickory_resolver::ResolverBuilder<TokioConnectionProvider>,
    ) -> Lookup {
        let options = builder.options_mut();
        // A fresh answer every check: a cached one would hide a name that stopped resolving.
        options.positive_max_ttl = Some(Duration::ZERO);
        options.negative_max_ttl = Some(Duration::ZERO);
        Lookup {
            resolver: Arc::new(builder.build()),
        }
    }

    /// The addresses of `host` (a name or an address), each with `port`, or what went
    /// wrong in words.
    pub async fn addrs(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, String> {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = bare.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, port)]);
        }
        let lookup = self.resolver.lookup_ip(bare);
        let found = match DEADLINE.try_with(|d| *d) {
            Ok(deadline) => match tokio::time::timeout_at(deadline, lookup).await {
                Ok(found) => found,
                Err(_) => return Err("no DNS server answered in time".to_string()),
            },
            Err(_) => lookup.await,
        };
        match found {
            Ok(ips) => Ok(ips.iter().map(|ip| SocketAddr::new(ip, port)).collect()),
            Err(e) if e.is_no_records_found() => Err("DNS says there is no such name".to_string()),
            Err(e) => Err(e.to_string()),
        }
    }
}

impl Default for Lookup {
    fn default() -> Self {
        Lookup::system()
    }
}

/// The HTTP client's lookups go through the same resolver and deadline.
impl reqwest::dns::Resolve for Lookup {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let lookup = self.clone();
        let name = name.as_str().to_string();
        let deadline = DEADLINE.try_with(|d| *d).ok();
        Box::pin(async move {
            let found = match deadline {
                Some(d) => DEADLINE.scope(d, lookup.addrs(&name, 0)).await,
                None => lookup.addrs(&name, 0).await,
            };
            match found {
                Ok(addrs) => Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs),
                Err(e) => Err(format!("dns error: {e}").into()),
            }
        })
    }
}
