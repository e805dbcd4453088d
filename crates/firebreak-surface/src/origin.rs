//! Origin exposure: is a protected site also served directly by an address around the
//! protection? As the public tools do it: request each candidate origin with the site's
//! Host header and compare with what the protected edge serves.
//!
//! Same site = same status, same title, and body similarity ≥ [`BYPASS_THRESHOLD`]
//! (1 − Levenshtein distance / longer length, over the first 2 KiB of each body;
//! CloudFlair uses > 0.9 on the whole page). Each address is asked over HTTPS on 443
//! (SNI and Host header = the site's name) first, then over plain HTTP on 80.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use crate::net;
use crate::scope::Guard;
use crate::tls;
use crate::wire;

/// Similarity at or above which a direct answer counts as the protected site.
pub const BYPASS_THRESHOLD: f64 = 0.9;

const COMPARE_BYTES: usize = 2048;

/// One HTTP answer, reduced to what is compared (and kept as evidence).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Page {
    /// Status code.
    pub status: u16,
    /// Title.
    pub title: Option<String>,
    /// Body bytes received.
    pub body_len: usize,
    /// `https` (port 443, SNI and Host = the site) or `http` (port 80, Host).
    pub scheme: &'static str,
    /// The port that answered.
    pub port: u16,
    /// The start of the body (compared; not serialised).
    #[serde(skip)]
    pub head: Vec<u8>,
}

/// Normalised Levenshtein similarity of the first 2 KiB of two bodies (1.0 = equal).
pub fn similarity(a: &[u8], b: &[u8]) -> f64 {
    let a = &a[..a.len().min(COMPARE_BYTES)];
    let b = &b[..b.len().min(COMPARE_BYTES)];
    let longest = a.len().max(b.len());
    if longest == 0 {
        return 1.0;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.iter().enumerate() {
        cur[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let sub = prev[j] + usize::from(ca != cb);
            cur[j + 1] = sub.min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    1.0 - prev[b.len()] as f64 / longest as f64
}

/// Whether `direct` serves the same site as `edge`, and the body similarity.
pub fn same_site(edge: &Page, direct: &Page) -> (bool, f64) {
    let s = similarity(&edge.head, &direct.head);
    (
        edge.status == direct.status && edge.title == direct.title && s >= BYPASS_THRESHOLD,
        (s * 1000.0).round() / 1000.0,
    )
}

/// GET / for the site `host` from `addr` (guarded): over HTTPS on 443 with SNI and
/// Host = `host` first, then plain HTTP on 80 with the Host header; `None` if neither
/// answers HTTP.
pub(crate) async fn fetch(guard: &Guard, addr: IpAddr, host: &str) -> Option<Page> {
    let sa = SocketAddr::new(addr, 443);
    if let Ok(Some(s)) = tls::https_get(guard, sa, host, "/").await {
        if let Some(p) = page(&s.response, "https", 443) {
            return Some(p);
        }
    }
    let mut conn = net::connect(guard, SocketAddr::new(addr, 80))
        .await
        .ok()??;
    let b = conn
        .exchange(
            &wire::http_request(host, "/"),
            256 * 1024,
            wire::http_complete,
        )
        .await
        .ok()?;
    page(&b, "http", 80)
}

fn page(b: &[u8], scheme: &'static str, port: u16) -> Option<Page> {
    let info = wire::parse_http(b)?;
    let body = wire::http_body(b);
    Some(Page {
        status: info.status,
        title: info.title,
        body_len: body.len(),
        scheme,
        port,
        head: body.iter().take(COMPARE_BYTES).copied().collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(status: u16, title: &str, body: &str) -> Page {
        Page {
            status,
            title: Some(title.into()),
            body_len: body.len(),
            scheme: "http",
            port: 80,
            head: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn similarity_and_verdict() {
        assert_eq!(similarity(b"kitten", b"sitting"), 1.0 - 3.0 / 7.0);
        assert_eq!(similarity(b"", b""), 1.0);
        let edge = page(
            200,
            "Shop",
            "<html><title>Shop</title><p>catalogue of 120 items</p></html>",
        );
        let same = page(
            200,
            "Shop",
            "<html><title>Shop</title><p>catalogue of 121 items</p></html>",
        );
        assert!(same_site(&edge, &same).0);
        let other = page(
            200,
            "Shop",
            "<html><title>Shop</title><p>maintenance</p></html>",
        );
        assert!(!same_site(&edge, &other).0);
        assert!(
            !same_site(
                &edge,
                &page(
                    403,
                    "Shop",
                    "<html><title>Shop</title><p>catalogue of 120 items</p></html>"
                )
            )
            .0
        );
    }
}
