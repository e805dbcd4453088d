//! Typed errors.

use std::net::IpAddr;

/// A scope file that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ScopeError {
    /// Lines that are neither a domain, an address nor a CIDR: (line number, text).
    #[error("scope file: {} unusable line(s), first at line {}: {:?}", .0.len(), .0[0].0, .0[0].1)]
    BadLines(Vec<(usize, String)>),
    /// No domain and no range.
    #[error("scope file names no domain and no address range")]
    Empty,
}

/// Why a probe or stage did not run or failed.
#[derive(Debug, thiserror::Error)]
pub enum SurfaceError {
    /// The address is outside the scoped ranges: nothing was sent.
    #[error("{0} is outside the scope: not probed")]
    OutOfScope(IpAddr),
    /// DNS traffic to an address that is not a configured resolver.
    #[error("{0} is not a configured resolver")]
    NotAResolver(IpAddr),
    /// The probe's hard deadline passed.
    #[error("deadline passed")]
    Timeout,
    /// A socket error.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// A DNS message that could not be built or read.
    #[error("dns: {0}")]
    Dns(String),
    /// The peer answered something this probe does not understand.
    #[error("unexpected reply: {0}")]
    Protocol(String),
    /// A data file of the crate is broken (a bug caught by tests).
    #[error("data file {0}: {1}")]
    Data(&'static str, String),
    /// A TLS handshake or certificate that could not be completed or read.
    #[error("tls: {0}")]
    Tls(String),
    /// A reply that is not the protocol the probe spoke.
    #[error("unexpected reply: {0}")]
    Wire(#[from] crate::wire::WireError),
    /// The pipeline was shut down.
    #[error("pipeline closed")]
    Closed,
}
