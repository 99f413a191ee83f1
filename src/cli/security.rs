//! `serve`'s settings of what faces the internet (`config::security`), each also an
//! environment variable: the metrics port, trusted proxies, cookies, console sessions.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use clap::Args;
use ipnet::IpNet;

use crate::config::{ClientAddressConfig, CookiePolicy, MetricsConfig, SecurityConfig};
use crate::throttle::ThrottleConfig;

/// `serve`'s security settings, each also an environment variable.
#[derive(Debug, Clone, Args)]
pub struct SecurityArgs {
    /// Port of the metrics listener (only `GET /metrics`, on HOST), or `off`. Keep it out of
    /// what the internet reaches (on Fly: `[metrics]`, not `[http_service]`).
    #[arg(long, env = "METRICS_PORT", default_value = "9091", value_parser = metrics_port)]
    pub metrics_port: MetricsPort,

    /// Also answer `GET /metrics` on PORT (the public port).
    #[arg(long, env = "METRICS_ON_PUBLIC_PORT")]
    pub metrics_on_public_port: bool,

    /// Proxies whose CLIENT_ADDRESS_HEADER is believed: addresses or CIDR ranges,
    /// comma-separated. Unset: the connection's peer is the client.
    #[arg(long, env = "TRUSTED_PROXIES", value_parser = trusted_proxies)]
    pub trusted_proxies: Option<TrustedProxies>,

    /// The header a trusted proxy puts the client's address in: `x-forwarded-for`, or one
    /// holding a single address (`fly-client-ip` on Fly).
    #[arg(long, env = "CLIENT_ADDRESS_HEADER", default_value = "x-forwarded-for", value_parser = header_name)]
    pub client_address_header: String,

    /// `Secure` session cookies. Default: true, but false on the embedded development
    /// database (no DATABASE_URL), where the console is plain HTTP on loopback.
    #[arg(long, env = "SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,

    /// A console session unused this long is over (e.g. `30m`; from 1m to 8h).
    #[arg(long, env = "ADMIN_SESSION_IDLE_TIMEOUT", default_value = "30m", value_parser = session_idle)]
    pub admin_session_idle_timeout: Duration,
}

/// `METRICS_PORT`: a port, or `None` for `off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MetricsPort(pub Option<u16>);

/// `TRUSTED_PROXIES`, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl SecurityArgs {
    /// Where metrics are served, with the public listener on `host:port`.
    pub fn metrics(&self, host: IpAddr, port: u16) -> Result<MetricsConfig, String> {
        if self.metrics_port.0 == Some(port) {
            return Err(format!(
                "METRICS_PORT must differ from PORT ({port}); to serve /metrics on PORT as \
                 well, set METRICS_ON_PUBLIC_PORT=true"
            ));
        }
        Ok(MetricsConfig {
            listen: self.metrics_port.0.map(|port| SocketAddr::new(host, port)),
            on_public_port: self.metrics_on_public_port,
        })
    }

    /// The security settings; `embedded_database` is the development mode of `cargo run`.
    pub fn config(&self, embedded_database: bool) -> SecurityConfig {
        let secure = self.secure_cookies.unwrap_or(!embedded_database);
        SecurityConfig {
            client_addresses: ClientAddressConfig {
                trusted_proxies: self.trusted_proxies.clone().map_or_else(Vec::new, |t| t.0),
                header: self.client_address_header.clone(),
            },
            cookies: if secure {
                CookiePolicy::Secure
            } else {
                CookiePolicy::InsecureForDevelopment
            },
            session_idle: self.admin_session_idle_timeout,
            throttle: ThrottleConfig::default(),
        }
    }
}

fn metrics_port(value: &str) -> Result<MetricsPort, String> {
    match value.trim() {
        "off" => Ok(MetricsPort(None)),
        port => match port.parse::<u16>() {
            Ok(port) if port > 0 => Ok(MetricsPort(Some(port))),
            _ => Err("METRICS_PORT must be a port from 1 to 65535, or `off`".into()),
        },
    }
}

fn trusted_proxies(value: &str) -> Result<TrustedProxies, String> {
    let entries = value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty());
    entries
        .map(|entry| {
            entry
                .parse::<IpNet>()
                .or_else(|_| entry.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| {
                    format!("TRUSTED_PROXIES: `{entry}` is not an IP address or a CIDR range")
                })
        })
        .collect::<Result<_, _>>()
        .map(TrustedProxies)
}

fn header_name(value: &str) -> Result<String, String> {
    let name = value.trim().to_ascii_lowercase();
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        return Err("CLIENT_ADDRESS_HEADER must be an HTTP header name".into());
    }
    Ok(name)
}

fn session_idle(value: &str) -> Result<Duration, String> {
    let range = Duration::from_secs(60)..=Duration::from_secs(8 * 3600);
    match humantime::parse_duration(value) {
        Ok(idle) if range.contains(&idle) => Ok(idle),
        _ => Err("ADMIN_SESSION_IDLE_TIMEOUT must be a duration from 1m to 8h".into()),
    }
}

#[cfg(test)]
mod tests;
