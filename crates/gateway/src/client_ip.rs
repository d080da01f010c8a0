//! The address of the client a request comes from, the key of per-client throttles.
//!
//! Without trusted proxies it is the TCP peer's address. Behind reverse proxies, each proxy
//! appends the address it received the request from to `X-Forwarded-For`; with `n` trusted
//! proxies in front of the gateway, the client is the `n`-th address from the right of that
//! header (addresses further left were written by the client itself and prove nothing). A
//! header too short or unreadable falls back to the leftmost trustworthy address there is:
//! never to a value the client chose.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRef, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::AppState;

/// The header reverse proxies append the address of their client to.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address (unspecified when the server does not know its peers, as in tests
/// that call the router directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientIp(pub(crate) IpAddr);

/// The client of a request from `peer` with `headers`, `trusted_proxies` proxies in front.
fn resolve(peer: Option<IpAddr>, headers: &HeaderMap, trusted_proxies: usize) -> IpAddr {
    let peer = peer.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if trusted_proxies == 0 {
        return peer;
    }
    // Every proxy appends one hop; the header may be split over several lines.
    let hops: Vec<&str> = headers
        .get_all(FORWARDED_FOR)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    // The nearest proxy is the peer; the `trusted_proxies - 1` others wrote the last hops.
    let mut client = peer;
    for hop in hops.iter().rev().take(trusted_proxies) {
        match hop.parse::<IpAddr>() {
            Ok(address) => client = address,
            Err(_) => break,
        }
    }
    client
}

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(address)| address.ip());
        Ok(Self(resolve(
            peer,
            &parts.headers,
            state.settings.trusted_proxies,
        )))
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(FORWARDED_FOR, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    const PEER: IpAddr = IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1));

    #[test]
    fn without_trusted_proxies_the_peer_is_the_client_whatever_the_header_says() {
        let forged = headers(&["203.0.113.9"]);
        assert_eq!(resolve(Some(PEER), &forged, 0), PEER);
    }

    #[test]
    fn one_trusted_proxy_takes_the_last_hop() {
        let forwarded = headers(&["198.51.100.7, 203.0.113.9"]);
        assert_eq!(
            resolve(Some(PEER), &forwarded, 1),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn two_trusted_proxies_take_the_second_hop_from_the_right_over_split_lines() {
        let forwarded = headers(&["6.6.6.6, 198.51.100.7", "203.0.113.9"]);
        assert_eq!(
            resolve(Some(PEER), &forwarded, 2),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn a_short_or_garbled_header_never_yields_a_client_chosen_value() {
        assert_eq!(resolve(Some(PEER), &HeaderMap::new(), 1), PEER);
        let garbled = headers(&["6.6.6.6, not-an-ip"]);
        assert_eq!(resolve(Some(PEER), &garbled, 2), PEER);
        let short = headers(&["203.0.113.9"]);
        assert_eq!(
            resolve(Some(PEER), &short, 3),
            "203.0.113.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn an_unknown_peer_is_unspecified() {
        assert_eq!(
            resolve(None, &HeaderMap::new(), 0),
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        );
    }
}
