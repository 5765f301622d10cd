//! The client's address: the TCP peer's, or, when the peer is one of `--trusted-proxies`, the
//! address that proxy (and any trusted proxy before it) says it forwarded for.
//!
//! `X-Forwarded-For` lists addresses left to right as proxies appended them, so only the
//! entries appended by trusted proxies can be believed: read from the right, the first entry
//! that is not a trusted proxy is the client. Anything left of it could have been written by
//! the client itself.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use super::error::ApiError;
use crate::appliance::Appliance;

/// The address a request came from, after trusted proxies.
pub struct ClientAddress(pub IpAddr);

/// The client behind `peer` given the request's `X-Forwarded-For` headers.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |address: &IpAddr| trusted.iter().any(|net| net.contains(address));
    if !is_trusted(&peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|entry| entry.trim().parse::<IpAddr>().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|address| !is_trusted(address))
        .or(forwarded.first())
        .copied()
        .unwrap_or(peer)
}

impl FromRequestParts<Arc<Appliance>> for ClientAddress {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &Arc<Appliance>,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|info| info.0.ip())
            .ok_or_else(|| ApiError::internal(&"the server runs without connection info"))?;
        Ok(Self(client_address(
            peer,
            &parts.headers,
            app.trusted_proxies(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn forwarded(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", value.parse().unwrap());
        headers
    }

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let proxies = [crate::config::parse_network("10.0.0.0/8").unwrap()];
        let headers = forwarded("6.6.6.6, 203.0.113.9, 10.0.0.2");
        // An untrusted peer's header is ignored.
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &proxies),
            ip("198.51.100.1")
        );
        // From the proxy, the rightmost untrusted entry; the client's own `6.6.6.6` is not
        // believed.
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &proxies),
            ip("203.0.113.9")
        );
        // No proxies configured: the peer.
        assert_eq!(
            client_address(ip("10.0.0.1"), &headers, &[]),
            ip("10.0.0.1")
        );
        // A proxy that forwarded nothing usable: the proxy itself.
        assert_eq!(
            client_address(ip("10.0.0.1"), &forwarded("garbage"), &proxies),
            ip("10.0.0.1")
        );
    }
}
