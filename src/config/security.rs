//! The settings of what faces the internet: where metrics are served, which proxy's
//! forwarded headers are believed, the console's cookies and sessions, and the throttle of
//! failed admin authentications.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use ipnet::IpNet;

use crate::throttle::ThrottleConfig;

/// Where `GET /metrics` is served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    /// The metrics listener (`GET /metrics` only); `None`: none (`METRICS_PORT=off`).
    pub listen: Option<SocketAddr>,
    /// `METRICS_ON_PUBLIC_PORT`: also answer `GET /metrics` on `PORT`.
    pub on_public_port: bool,
}

/// Everything else of the admin surface and the client's address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    pub client_addresses: ClientAddressConfig,
    /// `SECURE_COOKIES`.
    pub cookies: CookiePolicy,
    /// `ADMIN_SESSION_IDLE_TIMEOUT`: a console session unused this long is over.
    pub session_idle: Duration,
    /// Budgets of failed admin authentications (not a setting: `ThrottleConfig::default`).
    pub throttle: ThrottleConfig,
}

impl Default for SecurityConfig {
    /// The product's defaults: no proxy trusted, `Secure` cookies, 30 minutes idle.
    fn default() -> Self {
        Self {
            client_addresses: ClientAddressConfig::default(),
            cookies: CookiePolicy::Secure,
            session_idle: DEFAULT_SESSION_IDLE,
            throttle: ThrottleConfig::default(),
        }
    }
}

/// `ADMIN_SESSION_IDLE_TIMEOUT`'s default.
pub const DEFAULT_SESSION_IDLE: Duration = Duration::from_secs(30 * 60);

/// Whether the console's session cookie carries `Secure`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CookiePolicy {
    /// Sent back by browsers over HTTPS only: the default.
    Secure,
    /// Also over plain HTTP: local development only (`SECURE_COOKIES=false`, or the default
    /// on the embedded database).
    InsecureForDevelopment,
}

/// Whose word is taken for the client's address (audit lines, the throttle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientAddressConfig {
    /// `TRUSTED_PROXIES`: peers whose `header` is believed. Empty: the peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// `CLIENT_ADDRESS_HEADER`, lower case: `x-forwarded-for` (a list, read from the right)
    /// or a header holding one address, such as `fly-client-ip`.
    pub header: String,
}

impl Default for ClientAddressConfig {
    fn default() -> Self {
        Self {
            trusted_proxies: Vec::new(),
            header: "x-forwarded-for".to_owned(),
        }
    }
}

impl ClientAddressConfig {
    /// Whether `address` is one of the trusted proxies.
    pub fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.trusted_proxies
            .iter()
            .any(|net| net.contains(&address))
    }
}
