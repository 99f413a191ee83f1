//! The client's address, as the audit lines and the throttle see it: the connection's peer,
//! unless the peer is a trusted proxy (`TRUSTED_PROXIES`), whose `CLIENT_ADDRESS_HEADER` is
//! then believed. A forwarded header from anyone else is ignored: a direct client cannot
//! write another address into the log as its own.

use std::net::IpAddr;

use actix_web::http::header::HeaderMap;
use actix_web::HttpRequest;

use crate::config::ClientAddressConfig;

/// The header a trusted proxy appends every hop to; any other header holds one address.
const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address of `request` (`None` only without a peer, which TCP always has).
pub fn client_address(request: &HttpRequest) -> Option<IpAddr> {
    let config = request.app_data::<actix_web::web::Data<ClientAddressConfig>>();
    let peer = request.peer_addr().map(|peer| peer.ip().to_canonical());
    match config {
        Some(config) => resolve(config, peer, request.headers()),
        None => peer,
    }
}

/// The client behind `peer`: `peer` itself unless it is trusted and its header names one.
pub fn resolve(
    config: &ClientAddressConfig,
    peer: Option<IpAddr>,
    headers: &HeaderMap,
) -> Option<IpAddr> {
    let peer = peer?;
    if !config.trusts(peer) {
        return Some(peer);
    }
    let values = headers
        .get_all(config.header.as_str())
        .filter_map(|value| value.to_str().ok());
    let forwarded = if config.header == FORWARDED_FOR {
        // Each proxy appends the address it was reached from: read from the right, past our
        // own proxies, to the first address a trusted proxy did not vouch for by being it.
        let hops: Vec<&str> = values.flat_map(|value| value.split(',')).collect();
        let mut client = None;
        for hop in hops.iter().rev() {
            match parse(hop) {
                Some(address) if config.trusts(address) => client = Some(address),
                Some(address) => return Some(address),
                // Garbage: nothing to its left can be trusted; the last good hop stands.
                None => break,
            }
        }
        client
    } else {
        // One address, set by the proxy itself (`Fly-Client-IP`); the last if repeated.
        values.last().and_then(parse)
    };
    Some(forwarded.unwrap_or(peer))
}

fn parse(text: &str) -> Option<IpAddr> {
    text.trim()
        .parse::<IpAddr>()
        .ok()
        .map(|address| address.to_canonical())
}

#[cfg(test)]
mod tests;
