//! The sockets an application serves on, bound before anything else starts so that a busy
//! port stops start-up at once, with the setting to change named.

use std::net::{SocketAddr, TcpListener};

use crate::config::MetricsConfig;

/// The public listener (`PORT`) and the metrics one (`METRICS_PORT`), if any.
#[derive(Debug)]
pub struct Listeners {
    pub public: TcpListener,
    pub metrics: Option<TcpListener>,
}

impl Listeners {
    /// Binds `public`, then the metrics listener of `metrics`.
    pub fn bind(public: SocketAddr, metrics: &MetricsConfig) -> Result<Self, ListenError> {
        let bind = |address: SocketAddr, settings: &'static str| {
            TcpListener::bind(address).map_err(|cause| ListenError {
                address,
                settings,
                cause,
            })
        };
        Ok(Self {
            public: bind(public, "HOST, PORT")?,
            metrics: metrics
                .listen
                .map(|address| bind(address, "HOST, METRICS_PORT"))
                .transpose()?,
        })
    }
}

/// A port that cannot be listened on, and the settings that chose it.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot listen on {address} ({settings}): {cause}; choose another port or stop what uses it"
)]
pub struct ListenError {
    pub address: SocketAddr,
    pub settings: &'static str,
    // Not a `#[source]`: the message already says it, and `{:#}` would say it twice.
    cause: std::io::Error,
}
