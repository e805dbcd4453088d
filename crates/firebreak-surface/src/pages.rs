//! Directory listings and out-of-the-box pages by signature (`data/web-signatures.yaml`):
//! nginx autoindex, Apache mod_autoindex, IIS directory browsing, lighttpd
//! mod_dirlisting and Python's http.server listings (`web.directory_listing`); the
//! nginx, Debian/Ubuntu Apache, RHEL test, IIS, Tomcat and lighttpd default pages
//! (`web.default_page`). Matching is on bytes already fetched: no I/O here.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::SurfaceError;
use crate::finding::Severity;
use crate::portal::{Answer, Marker, Place};
use crate::wire;

const SIGNATURES: &str = include_str!("../data/web-signatures.yaml");

/// The finding kind of a server-generated folder index.
pub const LISTING: &str = "web.directory_listing";
/// The finding kind of an out-of-the-box page.
pub const DEFAULT_PAGE: &str = "web.default_page";

/// Extra folders asked at most per web port.
const MAX_LISTING_PATHS: usize = 3;

/// One page signature.
#[derive(Debug, Clone, Deserialize)]
pub struct PageSig {
    /// What is reported as the signature that matched.
    pub name: String,
    /// `web.directory_listing` or `web.default_page`.
    pub kind: String,
    /// Severity of the finding.
    pub severity: Severity,
    /// Distinct markers needed.
    pub min_signals: usize,
    /// Markers.
    pub markers: Vec<Marker>,
}

#[derive(Debug, Clone, Deserialize)]
struct EntryRules {
    skip_href: Vec<String>,
    skip_text: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct File {
    listing_paths: Vec<String>,
    entries: EntryRules,
    signatures: Vec<PageSig>,
}

/// A listing or default page recognised in one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PageHit {
    /// Finding kind.
    pub kind: String,
    /// Severity.
    pub severity: Severity,
    /// The signature's name.
    pub signature: String,
    /// Markers that matched (names), sorted.
    pub signals: Vec<String>,
    /// Entries listed (listings only): a count, never the names.
    pub entries: Option<usize>,
}

/// The bundled signatures.
#[derive(Debug)]
pub struct PageSigs {
    file: File,
}

impl PageSigs {
    /// The bundled data.
    pub fn bundled() -> Result<PageSigs, SurfaceError> {
        Self::parse(SIGNATURES)
    }

    /// Parses signatures (YAML).
    pub fn parse(yaml: &str) -> Result<PageSigs, SurfaceError> {
        let bad = |m: String| SurfaceError::Data("web-signatures.yaml", m);
        let file: File = serde_yaml_ng::from_str(yaml).map_err(|e| bad(e.to_string()))?;
        if file.listing_paths.len() > MAX_LISTING_PATHS {
            return Err(bad(format!("listing_paths: at most {MAX_LISTING_PATHS}")));
        }
        for p in &file.listing_paths {
            if !p.starts_with('/') || !p.ends_with('/') || p.len() < 3 || p.contains(['?', '#']) {
                return Err(bad(format!("listing path {p:?}: a folder, /name/")));
            }
        }
        for s in &file.signatures {
            if s.min_signals == 0 || s.min_signals > s.markers.len() {
                return Err(bad(format!("{}: min_signals", s.name)));
            }
            if s.kind != LISTING && s.kind != DEFAULT_PAGE {
                return Err(bad(format!("{}: kind {}", s.name, s.kind)));
            }
            for m in &s.markers {
                if m.place == Place::Header && m.header.is_none() {
                    return Err(bad(format!(
                        "{}: marker {} names no header",
                        s.name, m.name
                    )));
                }
                if m.contains.is_empty() {
                    return Err(bad(format!("{}: marker {} is empty", s.name, m.name)));
                }
            }
        }
        Ok(PageSigs { file })
    }

    /// The folders asked besides `/` for listings.
    pub fn listing_paths(&self) -> impl Iterator<Item = &str> {
        self.file.listing_paths.iter().map(String::as_str)
    }

    /// The signatures.
    pub fn signatures(&self) -> &[PageSig] {
        &self.file.signatures
    }

    /// The listing or default page `raw` (a whole response to `GET path`) is, if any.
    /// Only a 200 answer counts; at `/` both kinds are looked for, elsewhere listings.
    pub fn detect(&self, path: &str, raw: &[u8]) -> Option<PageHit> {
        let answer = Answer::parse(path, &dechunked(raw))?;
        if answer.info.status != 200 {
            return None;
        }
        let mut best: Option<(&PageSig, Vec<String>)> = None;
        for sig in &self.file.signatures {
            if path != "/" && sig.kind != LISTING {
                continue;
            }
            let mut signals: Vec<String> = sig
                .markers
                .iter()
                .filter(|m| {
                    answer
                        .place(m.place, m.header.as_deref())
                        .iter()
                        .any(|v| v.contains(&m.contains))
                })
                .map(|m| m.name.clone())
                .collect();
            signals.sort();
            signals.dedup();
            if signals.len() >= sig.min_signals
                && best.as_ref().is_none_or(|(_, b)| signals.len() > b.len())
            {
                best = Some((sig, signals));
            }
        }
        let (sig, signals) = best?;
        let entries = (sig.kind == LISTING).then(|| {
            count_entries(
                &String::from_utf8_lossy(&answer.body),
                &self.file.entries.skip_href,
                &self.file.entries.skip_text,
            )
        });
        Some(PageHit {
            kind: sig.kind.clone(),
            severity: sig.severity,
            signature: sig.name.clone(),
            signals,
            entries,
        })
    }
}

/// The response with a chunked body decoded (as far as it arrived); other responses
/// as they are.
fn dechunked(raw: &[u8]) -> Cow<'_, [u8]> {
    let Some(info) = wire::parse_http(raw) else {
        return Cow::Borrowed(raw);
    };
    let chunked = info
        .headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.to_ascii_lowercase().contains("chunked"));
    if !chunked {
        return Cow::Borrowed(raw);
    }
    let body = wire::http_body(raw);
    let mut out = raw[..raw.len() - body.len()].to_vec();
    let mut rest = body;
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let line = String::from_utf8_lossy(&rest[..eol]);
        let size = line.split(';').next().unwrap_or("").trim();
        let Ok(n) = usize::from_str_radix(size, 16) else {
            break;
        };
        if n == 0 {
            break;
        }
        let data = &rest[eol + 2..];
        let take = n.min(data.len());
        out.extend_from_slice(&data[..take]);
        if take < n || data.len() < n + 2 {
            break;
        }
        rest = &data[n + 2..];
    }
    Cow::Owned(out)
}

/// `<a href>` links of a listing, except those the rules skip (sort links, the parent
/// folder, anchors). Case-insensitive; `"` or `'` quoted.
fn count_entries(body: &str, skip_href: &[String], skip_text: &[String]) -> usize {
    let lower = body.to_ascii_lowercase();
    let mut n = 0;
    let mut at = 0;
    while let Some(i) = lower[at..].find("<a href=") {
        let start = at + i + "<a href=".len();
        at = start;
        let Some(q) = lower[start..]
            .chars()
            .next()
            .filter(|c| *c == '"' || *c == '\'')
        else {
            continue;
        };
        let Some(end) = lower[start + 1..].find(q) else {
            break;
        };
        let href = &lower[start + 1..start + 1 + end];
        let after = start + 1 + end;
        let text = lower[after..]
            .find('>')
            .and_then(|gt| {
                let t0 = after + gt + 1;
                lower[t0..].find("</a").map(|e| lower[t0..t0 + e].trim())
            })
            .unwrap_or("");
        at = after;
        let skipped = skip_href
            .iter()
            .any(|p| href.starts_with(&p.to_ascii_lowercase()))
            || skip_text.iter().any(|t| text == t.to_ascii_lowercase());
        if !skipped {
            n += 1;
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    // Captured from real servers (see data/web-signatures.yaml for which).
    const NGINX_INDEX: &[u8] = include_bytes!("../tests/fixtures/web/nginx-autoindex.http");
    const NGINX_INDEX_SUB: &[u8] =
        include_bytes!("../tests/fixtures/web/nginx-autoindex-docs.http");
    const APACHE_INDEX: &[u8] = include_bytes!("../tests/fixtures/web/apache-autoindex.http");
    const APACHE_INDEX_SUB: &[u8] =
        include_bytes!("../tests/fixtures/web/apache-autoindex-docs.http");
    const LIGHTTPD_INDEX: &[u8] = include_bytes!("../tests/fixtures/web/lighttpd-dirlisting.http");
    const PYTHON_INDEX: &[u8] = include_bytes!("../tests/fixtures/web/python-http-server.http");
    const NGINX_DEFAULT: &[u8] = include_bytes!("../tests/fixtures/web/nginx-debian-default.http");
    const APACHE_DEFAULT: &[u8] =
        include_bytes!("../tests/fixtures/web/apache-debian-default.http");
    // Bodies of the Debian packages' files (tomcat10's ROOT, lighttpd's placeholder),
    // and pages transcribed from what IIS, Ubuntu and RHEL serve.
    const TOMCAT_DEBIAN: &str = include_str!("../tests/fixtures/web/tomcat10-debian-root.html");
    const LIGHTTPD_DEFAULT: &str =
        include_str!("../tests/fixtures/web/lighttpd-debian-placeholder.html");
    const IIS_START: &str = include_str!("../tests/fixtures/web/iis-iisstart.html");
    const IIS_LISTING: &str = include_str!("../tests/fixtures/web/iis-listing.html");
    const RHEL_TEST: &str = include_str!("../tests/fixtures/web/rhel-httpd-noindex.html");

    fn ok(server: &str, body: &str) -> Vec<u8> {
        format!(
            "HTTP/1.1 200 OK\r\nServer: {server}\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    fn hit(path: &str, raw: &[u8]) -> PageHit {
        PageSigs::bundled()
            .unwrap()
            .detect(path, raw)
            .unwrap_or_else(|| panic!("no hit: {}", String::from_utf8_lossy(raw)))
    }

    #[test]
    fn bundled_signatures_load() {
        let s = PageSigs::bundled().unwrap();
        assert_eq!(
            s.listing_paths().collect::<Vec<_>>(),
            ["/uploads/", "/backup/"]
        );
        assert_eq!(
            s.signatures().iter().filter(|s| s.kind == LISTING).count(),
            5
        );
        assert_eq!(
            s.signatures()
                .iter()
                .filter(|s| s.kind == DEFAULT_PAGE)
                .count(),
            7
        );
    }

    #[test]
    fn listings_of_real_servers() {
        for (raw, path, sig, entries) in [
            (NGINX_INDEX, "/", "nginx autoindex", 4),
            (NGINX_INDEX_SUB, "/uploads/", "nginx autoindex", 1),
            (APACHE_INDEX, "/", "Apache mod_autoindex", 4),
            (APACHE_INDEX_SUB, "/backup/", "Apache mod_autoindex", 1),
            (LIGHTTPD_INDEX, "/", "lighttpd mod_dirlisting", 4),
            (PYTHON_INDEX, "/", "Python http.server", 4),
        ] {
            let h = hit(path, raw);
            assert_eq!(h.kind, LISTING, "{sig}");
            assert_eq!(h.severity, Severity::Medium, "{sig}");
            assert_eq!(h.signature, sig);
            assert!(h.signals.len() >= 2, "{h:?}");
            assert_eq!(h.entries, Some(entries), "{sig}");
        }
        // IIS at a folder (with the parent link) and at the root (without)
        let h = hit("/", &ok("Microsoft-IIS/10.0", IIS_LISTING));
        assert_eq!(h.signature, "IIS directory browsing");
        assert_eq!(h.entries, Some(3));
        let root = IIS_LISTING.replace("<A HREF=\"/\">[To Parent Directory]</A><br><br>", "");
        let h = hit("/", &ok("Microsoft-IIS/10.0", &root));
        assert_eq!(h.signature, "IIS directory browsing");
        assert_eq!(h.entries, Some(3));
    }

    #[test]
    fn default_pages_of_real_servers() {
        let ubuntu = String::from_utf8_lossy(wire::http_body(APACHE_DEFAULT))
            .replace("Apache2 Debian Default Page", "Apache2 Ubuntu Default Page")
            .replace("Debian Logo", "Ubuntu Logo");
        let upstream_tomcat = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<title>Apache Tomcat/10.1.24</title>\n</head>\n<body>\n<div id=\"congrats\" class=\"curved container\">\n<h2>If you're seeing this, you've successfully installed Tomcat. Congratulations!</h2>\n</div>\n</body>\n</html>\n";
        for (raw, sig) in [
            (NGINX_DEFAULT.to_vec(), "nginx welcome page"),
            (APACHE_DEFAULT.to_vec(), "Apache2 Debian Default Page"),
            (
                ok("Apache/2.4.52 (Ubuntu)", &ubuntu),
                "Apache2 Ubuntu Default Page",
            ),
            (ok("", TOMCAT_DEBIAN), "Apache Tomcat default page"),
            (ok("", upstream_tomcat), "Apache Tomcat default page"),
            (
                ok("lighttpd/1.4.69", LIGHTTPD_DEFAULT),
                "lighttpd placeholder page",
            ),
            (ok("Microsoft-IIS/10.0", IIS_START), "IIS start page"),
            (
                ok("Apache/2.4.37 (Red Hat Enterprise Linux)", RHEL_TEST),
                "Apache HTTP Server test page (RHEL, CentOS, Fedora)",
            ),
        ] {
            let h = hit("/", &raw);
            assert_eq!(h.kind, DEFAULT_PAGE, "{sig}");
            assert_eq!(h.severity, Severity::Low);
            assert_eq!(h.signature, sig);
            assert_eq!(h.entries, None);
        }
        // default pages count at / only
        let s = PageSigs::bundled().unwrap();
        assert_eq!(s.detect("/uploads/", NGINX_DEFAULT), None);
    }

    #[test]
    fn ordinary_pages_are_neither() {
        let s = PageSigs::bundled().unwrap();
        for body in [
            "<html><head><title>Lab shop</title></head><body>old shop</body></html>",
            // one marker is not enough: a page about listings, a blog post quoting nginx
            "<html><head><title>Index of /music</title></head><body><p>our archive</p></body></html>",
            "<html><head><title>Blog</title></head><body><h1>Welcome to nginx</h1> tuning</body></html>",
            "<html><head><title>Outlook</title></head><body><a href=\"/owa/\">x</a></body></html>",
        ] {
            assert_eq!(s.detect("/", &ok("nginx", body)), None, "{body}");
        }
        // the right page with another status is not reported
        let not_found = String::from_utf8_lossy(NGINX_INDEX).replacen("200 OK", "404 Not Found", 1);
        assert_eq!(s.detect("/", not_found.as_bytes()), None);
        assert_eq!(s.detect("/", b"SSH-2.0-OpenSSH_9.2\r\n"), None);
    }

    #[test]
    fn chunked_bodies_are_decoded() {
        // the chunk size sits where the marker would be read
        let raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7\r\n<title>\r\nC;x=1\r\nIndex of /a/\r\n14\r\n</title><h1>Index of\r\n2\r\n /\r\n0\r\n\r\n";
        let d = dechunked(raw);
        assert!(d.ends_with(b"\r\n\r\n<title>Index of /a/</title><h1>Index of /"));
        assert_eq!(hit("/", raw).signature, "nginx autoindex");
        // truncated: what arrived is kept
        let cut = &raw[..raw.len() - 14];
        assert!(dechunked(cut).ends_with(b"</title><h1>Index of"));
        // not chunked: unchanged
        assert!(matches!(dechunked(APACHE_INDEX), Cow::Borrowed(_)));
    }

    #[test]
    fn entries_are_counted_not_named() {
        let skip = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (h, t) = (skip(&["?", "#", "../"]), skip(&["parent directory", ".."]));
        assert_eq!(
            count_entries(
                "<A HREF='a'>a</A><a href=\"?C=N;O=D\">Name</a><a href=\"/\"> Parent Directory</a><a href=x>bare</a><a href=\"b/\">b/</a>",
                &h,
                &t
            ),
            2
        );
        assert_eq!(count_entries("<a href=\"unterminated", &h, &t), 0);
        let hit = hit("/", NGINX_INDEX);
        let json = serde_json::to_string(&hit).unwrap();
        assert!(!json.contains("notes.txt"), "{json}");
    }

    #[test]
    fn case_key_per_folder_listed() {
        let s = crate::store::Stabilizer::bundled().unwrap();
        let f = |path: &str| {
            crate::finding::Finding::new(LISTING, Severity::Medium, "listing.probe.test", "t", "r")
                .at("10.77.0.71".parse().unwrap(), Some(8080))
                .evidence(serde_json::json!({"path": path, "entries": 2, "server": "nginx/1.22.1"}))
        };
        let a = s.stable(&f("/uploads/"));
        assert_eq!(
            a.key,
            "web.directory_listing|listing.probe.test|10.77.0.71|8080|/uploads/"
        );
        assert_ne!(a.key, s.stable(&f("/backup/")).key);
        // the count is kept: a listing that grew is a change
        assert_eq!(a.details["evidence"]["entries"], 2);
    }

    #[test]
    fn bad_data_is_refused() {
        let sig = |kind: &str, min: usize, marker: &str| {
            format!("listing_paths: []\nentries: {{skip_href: [], skip_text: []}}\nsignatures:\n- {{name: x, kind: {kind}, severity: low, min_signals: {min}, markers: [{marker}]}}\n")
        };
        assert!(PageSigs::parse(&sig(
            "web.default_page",
            1,
            "{name: a, in: body, contains: b}"
        ))
        .is_ok());
        assert!(PageSigs::parse(&sig(
            "web.default_page",
            2,
            "{name: a, in: body, contains: b}"
        ))
        .is_err());
        assert!(PageSigs::parse(&sig("portal.x", 1, "{name: a, in: body, contains: b}")).is_err());
        assert!(PageSigs::parse(&sig(
            "web.default_page",
            1,
            "{name: a, in: header, contains: b}"
        ))
        .is_err());
        assert!(PageSigs::parse(&sig(
            "web.default_page",
            1,
            "{name: a, in: body, contains: ''}"
        ))
        .is_err());
        let paths = |p: &str| {
            format!(
                "listing_paths: {p}\nentries: {{skip_href: [], skip_text: []}}\nsignatures: []\n"
            )
        };
        assert!(PageSigs::parse(&paths("[/a/, /b/, /c/]")).is_ok());
        assert!(PageSigs::parse(&paths("[/a/, /b/, /c/, /d/]")).is_err());
        assert!(PageSigs::parse(&paths("[/a]")).is_err());
        assert!(PageSigs::parse(&paths("['/?x/']")).is_err());
    }
}
