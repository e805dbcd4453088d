//! The web fingerprint of one port, plain or TLS: status, server, title, the DoS
//! knowledge for the Server header, the Citrix Gateway (signals + build), the portals
//! of `data/portals.yaml`, directory listings and default pages
//! (`data/web-signatures.yaml`), and the slowloris check.

use std::net::{Ipv6Addr, SocketAddr};
use std::time::Duration;

use serde_json::json;

use crate::finding::Severity;
use crate::net;
use crate::pages::{PageHit, LISTING};
use crate::portal::Answer;
use crate::probe::Target;
use crate::tls;
use crate::wire;

/// `GET path` with `Host: <asset>` (and SNI over TLS); the raw response.
pub(crate) async fn get(t: &Target<'_>, port: u16, use_tls: bool, path: &str) -> Option<Vec<u8>> {
    let sa = SocketAddr::new(t.addr, port);
    let raw = if use_tls {
        tls::https_get(t.guard, sa, t.asset, path)
            .await
            .ok()
            .flatten()
            .map(|s| s.response)?
    } else {
        let mut conn = net::connect(t.guard, sa).await.ok()??;
        conn.exchange(
            &wire::http_request(t.asset, path),
            256 * 1024,
            wire::http_complete,
        )
        .await
        .ok()?
    };
    (t.on_http)(t.addr, &raw);
    Some(raw)
}

/// The Gateway's `rdx_en.json.gz` gzip MTIME and the build it names.
async fn citrix_build(t: &Target<'_>, port: u16, use_tls: bool) -> Option<serde_json::Value> {
    let b = get(t, port, use_tls, wire::CITRIX_RDX_PATH).await?;
    if wire::parse_http(&b)?.status != 200 {
        return None;
    }
    let stamp = wire::gzip_mtime(wire::http_body(&b))?;
    let when = chrono::DateTime::from_timestamp(i64::from(stamp), 0)?;
    Some(json!({"unix": stamp, "utc": when.to_rfc3339(), "build": t.portals.citrix_build(stamp)}))
}

/// The URL of `path` on this port (the asset's name, the port unless the scheme's own).
fn url(t: &Target<'_>, port: u16, use_tls: bool, path: &str) -> String {
    let (scheme, default) = if use_tls {
        ("https", 443)
    } else {
        ("http", 80)
    };
    let host = if t.asset.parse::<Ipv6Addr>().is_ok() {
        format!("[{}]", t.asset)
    } else {
        t.asset.to_string()
    };
    if port == default {
        format!("{scheme}://{host}{path}")
    } else {
        format!("{scheme}://{host}:{port}{path}")
    }
}

fn report_page(t: &Target<'_>, port: u16, use_tls: bool, path: &str, raw: &[u8], hit: PageHit) {
    let url = url(t, port, use_tls, path);
    let server = wire::parse_http(raw).and_then(|i| i.server);
    let (title, reason) = if hit.kind == LISTING {
        (
            format!(
                "Directory listing at {url} ({}, {} entries)",
                hit.signature,
                hit.entries.unwrap_or(0)
            ),
            "the server lists the folder to anyone: backups, configuration and source files left there can be found and downloaded",
        )
    } else {
        (
            format!("Default page at {url} ({})", hit.signature),
            "an out-of-the-box page: the server was installed and never configured (a forgotten or unmaintained host)",
        )
    };
    (t.emit)(
        t.finding(&hit.kind, hit.severity, Some(port), title, reason)
            .evidence(json!({"url": url, "path": path, "server": server, "signature": hit.signature, "signals": hit.signals, "entries": hit.entries})),
    );
}

/// `web.directory_listing` / `web.default_page` in the answer `first` to `GET /`, then
/// listings in the folders of `data/web-signatures.yaml` (at most 3 more requests;
/// none when `/` itself is a listing: it shows the folders already).
async fn pages(t: &Target<'_>, port: u16, use_tls: bool, first: &[u8]) {
    let root = t.pages.detect("/", first);
    let root_listing = root.as_ref().is_some_and(|h| h.kind == LISTING);
    if let Some(hit) = root {
        report_page(t, port, use_tls, "/", first, hit);
    }
    if root_listing {
        return;
    }
    for path in t.pages.listing_paths() {
        if let Some(raw) = get(t, port, use_tls, path).await {
            if let Some(hit) = t.pages.detect(path, &raw) {
                report_page(t, port, use_tls, path, &raw, hit);
            }
        }
    }
}

/// Fingerprints the answer `first` to `GET /`; returns whether it was HTTP.
pub(crate) async fn fingerprint(
    t: &Target<'_>,
    port: u16,
    use_tls: bool,
    first: &[u8],
    slowloris: Option<Duration>,
) -> bool {
    let Some(info) = wire::parse_http(first) else {
        return false;
    };
    let sa = SocketAddr::new(t.addr, port);
    if let Some(s) = &info.server {
        t.dos(port, s);
    }
    let citrix = wire::citrix_signals(&info, wire::http_body(first));
    if citrix.len() >= 2 {
        let build = citrix_build(t, port, use_tls).await;
        let name = build
            .as_ref()
            .and_then(|b| b["build"].as_str())
            .map(|b| format!(" (build {b})"))
            .unwrap_or_default();
        (t.emit)(
            t.finding(
                "portal.citrix_gateway",
                Severity::Medium,
                Some(port),
                format!("Citrix Gateway / NetScaler portal on {sa}{name}"),
                "remote-access portal: a frequent initial-access and DoS target",
            )
            .evidence(json!({"signals": citrix, "rdx_en_gzip_mtime": build})),
        );
    }
    let mut answers: Vec<Answer> = Answer::parse("/", first).into_iter().collect();
    for path in t.portals.paths() {
        if let Some(a) = get(t, port, use_tls, path)
            .await
            .and_then(|b| Answer::parse(path, &b))
        {
            answers.push(a);
        }
    }
    for hit in t.portals.detect(&answers) {
        let v = hit
            .version
            .as_ref()
            .map(|v| format!(" (version {v})"))
            .unwrap_or_default();
        (t.emit)(
            t.finding(
                &hit.kind,
                hit.severity,
                Some(port),
                format!("{} on {sa}{v}", hit.product),
                hit.why.clone(),
            )
            .evidence(json!(hit)),
        );
    }
    pages(t, port, use_tls, first).await;
    (t.emit)(
        t.finding(
            "service.http",
            Severity::Info,
            Some(port),
            format!(
                "HTTP{} {} on {sa}",
                if use_tls { "S" } else { "" },
                info.status
            ),
            "fingerprint",
        )
        .evidence(json!({"status": info.status, "server": info.server, "title": info.title, "scheme": if use_tls { "https" } else { "http" }, "headers": info.headers.iter().take(40).collect::<Vec<_>>()})),
    );
    if let Some(hold) = slowloris {
        crate::slow::check(t, port, hold, use_tls).await;
    }
    true
}
