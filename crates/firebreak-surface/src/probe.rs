//! What every service probe gets: the guard, the knowledge, where to send findings, and
//! the target it is about. Probe modules (`tls`, `amp`, `slow`, `smb`, `banner`,
//! `portal`, `pages`) take a [`Target`] so they stay out of the pipeline's internals.

use std::net::IpAddr;

use serde_json::json;

use crate::finding::{Finding, Severity};
use crate::kb::DosKb;
use crate::pages::PageSigs;
use crate::portal::Portals;
use crate::scope::Guard;

/// One host being probed.
pub(crate) struct Target<'a> {
    pub(crate) guard: &'a Guard,
    pub(crate) kb: &'a DosKb,
    pub(crate) portals: &'a Portals,
    /// Directory-listing and default-page signatures.
    pub(crate) pages: &'a PageSigs,
    pub(crate) emit: &'a (dyn Fn(Finding) + Send + Sync),
    /// Hook for every HTTP answer read (names and provider signals for discovery).
    pub(crate) on_http: &'a (dyn Fn(IpAddr, &[u8]) + Send + Sync),
    pub(crate) addr: IpAddr,
    /// The name the host is reported under (also the SNI and Host header).
    pub(crate) asset: &'a str,
}

impl Target<'_> {
    /// A finding about this host (and `port`).
    pub(crate) fn finding(
        &self,
        kind: &str,
        severity: Severity,
        port: Option<u16>,
        title: impl Into<String>,
        reason: impl Into<String>,
    ) -> Finding {
        Finding::new(kind, severity, self.asset, title, reason).at(self.addr, port)
    }

    /// `dos.known_cve` findings for a banner (the text that named the version).
    pub(crate) fn dos(&self, port: u16, banner: &str) {
        for m in self.kb.matches(banner) {
            (self.emit)(
                self.finding(
                    "dos.known_cve",
                    m.entry.severity,
                    Some(port),
                    format!(
                        "{} {} on port {port}: {} ({})",
                        m.entry.product, m.version, m.entry.cve, m.entry.summary
                    ),
                    "the banner claims a version in the affected range (a backported fix would not show in it)",
                )
                .evidence(json!({"banner": banner, "cve": m.entry.cve, "version": m.version, "source": m.entry.source})),
            );
        }
    }
}
