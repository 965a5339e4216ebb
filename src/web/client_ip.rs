//! The client's address, as the sign-in throttles and `/metrics` see it: the peer's, or
//! behind a trusted reverse proxy, the one it names in `X-Forwarded-For`.

use std::net::{IpAddr, SocketAddr};

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::service::Ctx;

/// The client's address: the peer's, or when the peer is one of `trusted` proxies, the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(headers: &HeaderMap, peer: IpAddr, trusted: &[String]) -> IpAddr {
    let trusted: Vec<IpAddr> = trusted
        .iter()
        .filter_map(|t| t.trim().parse::<IpAddr>().ok())
        .map(|ip| ip.to_canonical())
        .collect();
    let mut client = peer.to_canonical();
    if !trusted.contains(&client) {
        return client;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    for hop in hops.into_iter().rev() {
        // A hop that is no address ends the walk: the last trusted proxy is the client.
        let Some(ip) = parse_hop(hop) else { break };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1` or `[2001:db8::1]:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    let ip = hop
        .parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))?;
    Some(ip.to_canonical())
}

/// The client's address as `client_ip` finds it from the request.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<Ctx> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, ctx: &Ctx) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        Ok(ClientIp(client_ip(
            &parts.headers,
            peer,
            &ctx.config.web.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn only_a_trusted_proxy_names_the_client() {
        let trusted = vec!["10.0.0.1".to_string(), "10.0.0.2".to_string()];
        let h = forwarded(&["203.0.113.9"]);
        assert_eq!(client_ip(&h, ip("10.0.0.1"), &trusted), ip("203.0.113.9"));
        assert_eq!(
            client_ip(&h, ip("198.51.100.7"), &trusted),
            ip("198.51.100.7"),
            "an untrusted peer's header is ignored"
        );
        assert_eq!(
            client_ip(&h, ip("10.0.0.1"), &[]),
            ip("10.0.0.1"),
            "no proxies trusted: the peer"
        );
        assert_eq!(
            client_ip(&HeaderMap::new(), ip("10.0.0.1"), &trusted),
            ip("10.0.0.1"),
            "no header: the proxy itself"
        );
    }

    #[test]
    fn the_nearest_untrusted_hop_is_the_client() {
        let trusted = vec!["10.0.0.1".to_string(), "10.0.0.2".to_string()];
        // The client wrote a false first entry; our proxies appended the real ones.
        let h = forwarded(&["1.1.1.1, 203.0.113.9", "10.0.0.2"]);
        assert_eq!(client_ip(&h, ip("10.0.0.1"), &trusted), ip("203.0.113.9"));
        let h = forwarded(&["203.0.113.9:5555, garbage"]);
        assert_eq!(
            client_ip(&h, ip("10.0.0.1"), &trusted),
            ip("10.0.0.1"),
            "a hop that is no address stops the walk"
        );
        let h = forwarded(&["[2001:db8::7]:443"]);
        assert_eq!(
            client_ip(&h, ip("::ffff:10.0.0.1"), &trusted),
            ip("2001:db8::7"),
            "v4-mapped peers and bracketed v6"
        );
    }
}
