//! Who a request comes from: the address of the person's own computer, read through the
//! proxies the operator trusts (`[server] trusted_proxies`), for per-client limits.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use ipnet::IpNet;
use serde::{Deserialize, Deserializer};

use crate::AppState;

/// The client's address, or `None` when the app is called without a socket (tests with
/// `oneshot`): then all such callers count as one client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip());
        Ok(ClientAddr(client_addr(
            peer,
            &parts.headers,
            &state.config.server.trusted_proxies,
        )))
    }
}

/// The client behind `peer`: when `peer` is a trusted proxy, the last address in
/// `X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the address
/// it was reached from, so the ones before could have been written by anyone); otherwise
/// `peer` itself, since any client can send the header.
pub fn client_addr(peer: Option<IpAddr>, headers: &HeaderMap, trusted: &[IpNet]) -> Option<IpAddr> {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let peer = peer?;
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|a| a.trim().parse::<IpAddr>().ok())
        .collect();
    Some(
        forwarded
            .iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// Reads `trusted_proxies`: addresses ("10.1.2.3") or ranges ("10.0.0.0/8").
pub fn networks<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<IpNet>, D::Error> {
    let written: Vec<String> = Vec::deserialize(d)?;
    written
        .iter()
        .map(|w| {
            w.parse::<IpNet>()
                .or_else(|_| w.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    serde::de::Error::custom(format!(
                        "trusted_proxies: \"{w}\" is not an address or a range: write it like \"10.0.0.1\" or \"10.0.0.0/8\""
                    ))
                })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        let h = headers("203.0.113.9");
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &trusted), ip("203.0.113.9"));
        assert_eq!(
            client_addr(ip("198.51.100.7"), &h, &trusted),
            ip("198.51.100.7"),
            "a client cannot name itself someone else"
        );
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &[]), ip("10.1.1.1"));
    }

    #[test]
    fn addresses_a_client_wrote_before_the_proxies_are_not_believed() {
        let trusted: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap()];
        // The client wrote "1.2.3.4"; the proxy appended the address it saw.
        let h = headers("1.2.3.4, 203.0.113.9, 10.2.2.2");
        assert_eq!(client_addr(ip("10.1.1.1"), &h, &trusted), ip("203.0.113.9"));
        // Without the header, the proxy itself.
        assert_eq!(
            client_addr(ip("10.1.1.1"), &HeaderMap::new(), &trusted),
            ip("10.1.1.1")
        );
        assert_eq!(client_addr(None, &h, &trusted), None);
    }
}
