use actix_web::http::header::{HeaderName, HeaderValue};

use super::*;

fn config(trusted: &[&str], header: &str) -> ClientAddressConfig {
    ClientAddressConfig {
        trusted_proxies: trusted.iter().map(|net| net.parse().unwrap()).collect(),
        header: header.to_owned(),
    }
}

fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        map.append(
            HeaderName::from_static(name),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    map
}

fn ip(text: &str) -> IpAddr {
    text.parse().unwrap()
}

#[test]
fn without_trusted_proxies_the_peer_is_the_client_whatever_the_headers_say() {
    let spoofed = headers(&[
        ("x-forwarded-for", "203.0.113.9"),
        ("fly-client-ip", "203.0.113.9"),
        ("forwarded", "for=203.0.113.9"),
    ]);
    let peer = Some(ip("198.51.100.4"));

    assert_eq!(
        resolve(&config(&[], "x-forwarded-for"), peer, &spoofed),
        peer
    );
    let other_proxy = config(&["10.0.0.0/8"], "fly-client-ip");
    assert_eq!(resolve(&other_proxy, peer, &spoofed), peer);
}

#[test]
fn a_trusted_proxys_single_address_header_is_believed() {
    let fly = config(&["172.16.0.0/12"], "fly-client-ip");
    let from_proxy = Some(ip("172.19.0.1"));

    let forwarded = headers(&[("fly-client-ip", "203.0.113.9")]);
    assert_eq!(
        resolve(&fly, from_proxy, &forwarded),
        Some(ip("203.0.113.9"))
    );
    assert_eq!(resolve(&fly, from_proxy, &headers(&[])), from_proxy);
    let garbage = headers(&[("fly-client-ip", "not an address")]);
    assert_eq!(resolve(&fly, from_proxy, &garbage), from_proxy);
}

#[test]
fn x_forwarded_for_is_read_from_the_right_past_trusted_hops() {
    let nginx = config(&["127.0.0.1/32", "10.0.0.0/8"], "x-forwarded-for");
    let peer = Some(ip("127.0.0.1"));
    let read = |value: &str| resolve(&nginx, peer, &headers(&[("x-forwarded-for", value)]));

    // The client put a lie first; the proxy appended what it saw.
    assert_eq!(read("1.1.1.1, 203.0.113.9"), Some(ip("203.0.113.9")));
    assert_eq!(read("203.0.113.9, 10.0.0.5"), Some(ip("203.0.113.9")));
    assert_eq!(read("10.0.0.7, 10.0.0.5"), Some(ip("10.0.0.7")));
    assert_eq!(read("203.0.113.9, junk, 10.0.0.5"), Some(ip("10.0.0.5")));
    assert_eq!(read(" ::ffff:203.0.113.9 "), Some(ip("203.0.113.9")));
}

#[test]
fn repeated_x_forwarded_for_headers_read_as_one_list() {
    let nginx = config(&["127.0.0.1/32"], "x-forwarded-for");
    let two = headers(&[
        ("x-forwarded-for", "1.1.1.1"),
        ("x-forwarded-for", "203.0.113.9"),
    ]);

    assert_eq!(
        resolve(&nginx, Some(ip("127.0.0.1")), &two),
        Some(ip("203.0.113.9"))
    );
}
