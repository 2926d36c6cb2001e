//! The client's address: the peer, or behind a trusted proxy the address it forwarded.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The address of the client: the peer, or, when the peer is a trusted proxy, the nearest
/// untrusted address in `X-Forwarded-For`.
pub fn client_ip(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("X-Forwarded-For")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|ip| !is_trusted(ip))
            .unwrap_or(peer),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_for_is_trusted_only_from_proxies() {
        let req = actix_web::test::TestRequest::default()
            .peer_addr("10.0.0.5:1234".parse().unwrap_or_else(|_| unreachable!()))
            .insert_header(("X-Forwarded-For", "203.0.113.9, 10.0.0.7"))
            .to_http_request();
        assert_eq!(
            client_ip(&req, &[]),
            Some([10, 0, 0, 5].into()),
            "no proxies trusted"
        );
        let proxies: Vec<IpNet> = vec!["10.0.0.0/8".parse().unwrap_or_else(|_| unreachable!())];
        assert_eq!(client_ip(&req, &proxies), Some([203, 0, 113, 9].into()));
        let direct = actix_web::test::TestRequest::default()
            .peer_addr("198.51.100.1:1".parse().unwrap_or_else(|_| unreachable!()))
            .insert_header(("X-Forwarded-For", "1.2.3.4"))
            .to_http_request();
        assert_eq!(
            client_ip(&direct, &proxies),
            Some([198, 51, 100, 1].into()),
            "spoofed header ignored"
        );
    }
}
