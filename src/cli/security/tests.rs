use clap::Parser as _;

use super::*;
use crate::cli::Cli;
use crate::config::security::DEFAULT_SESSION_IDLE;

fn args(args: &[&str]) -> SecurityArgs {
    let cli = Cli::try_parse_from(std::iter::once("auth-mirror").chain(args.iter().copied()))
        .expect("the arguments parse");
    cli.serve.security
}

fn refused(args: &[&str]) -> String {
    let parsed = Cli::try_parse_from(std::iter::once("auth-mirror").chain(args.iter().copied()));
    parsed.expect_err("refused").to_string()
}

const HOST: IpAddr = IpAddr::V4(std::net::Ipv4Addr::UNSPECIFIED);

#[test]
fn metrics_have_their_own_port_by_default_and_not_the_public_one() {
    let metrics = args(&[]).metrics(HOST, 8080).unwrap();

    assert_eq!(metrics.listen, Some(SocketAddr::new(HOST, 9091)));
    assert!(!metrics.on_public_port);
    let off = args(&["--metrics-port", "off", "--metrics-on-public-port"]);
    let off = off.metrics(HOST, 8080).unwrap();
    assert_eq!((off.listen, off.on_public_port), (None, true));
}

#[test]
fn a_metrics_port_equal_to_the_public_port_or_out_of_range_is_refused() {
    let same = args(&["--metrics-port", "8080"]).metrics(HOST, 8080);
    assert!(same
        .unwrap_err()
        .starts_with("METRICS_PORT must differ from PORT"));
    for bad in ["0", "70000", "nine"] {
        assert!(
            refused(&["--metrics-port", bad]).contains("METRICS_PORT"),
            "{bad}"
        );
    }
}

#[test]
fn trusted_proxies_take_addresses_and_ranges() {
    let config = args(&["--trusted-proxies", "172.16.0.0/12, 10.1.2.3,,fd00::/8"]).config(false);
    let trusted = &config.client_addresses;

    assert!(trusted.trusts("172.19.4.5".parse().unwrap()));
    assert!(trusted.trusts("10.1.2.3".parse().unwrap()));
    assert!(trusted.trusts("::ffff:10.1.2.3".parse().unwrap()));
    assert!(trusted.trusts("fd12::1".parse().unwrap()));
    assert!(!trusted.trusts("10.1.2.4".parse().unwrap()));
    assert!(!SecurityConfig::default()
        .client_addresses
        .trusts("127.0.0.1".parse().unwrap()));
    let bad = refused(&["--trusted-proxies", "10.0.0.0/8,proxy.internal"]);
    assert!(
        bad.contains("`proxy.internal` is not an IP address"),
        "{bad}"
    );
}

#[test]
fn cookies_are_secure_unless_on_the_development_database_or_turned_off() {
    let policy = |flags: &[&str], embedded: bool| args(flags).config(embedded).cookies;

    assert_eq!(policy(&[], false), CookiePolicy::Secure);
    assert_eq!(policy(&[], true), CookiePolicy::InsecureForDevelopment);
    let off = ["--secure-cookies", "false"];
    assert_eq!(policy(&off, false), CookiePolicy::InsecureForDevelopment);
    assert_eq!(
        policy(&["--secure-cookies", "true"], true),
        CookiePolicy::Secure
    );
}

#[test]
fn the_idle_timeout_defaults_to_30_minutes_within_1m_to_8h() {
    assert_eq!(args(&[]).config(false).session_idle, DEFAULT_SESSION_IDLE);
    let ten = args(&["--admin-session-idle-timeout", "10m"]).config(false);
    assert_eq!(ten.session_idle, Duration::from_secs(600));
    for bad in ["30s", "9h", "soon"] {
        let message = refused(&["--admin-session-idle-timeout", bad]);
        assert!(
            message.contains("ADMIN_SESSION_IDLE_TIMEOUT"),
            "{bad}: {message}"
        );
    }
}

#[test]
fn the_client_address_header_is_a_header_name_in_lower_case() {
    let fly = args(&["--client-address-header", "Fly-Client-IP"]).config(false);
    assert_eq!(fly.client_addresses.header, "fly-client-ip");
    assert!(refused(&["--client-address-header", "x y"]).contains("CLIENT_ADDRESS_HEADER"));
}
