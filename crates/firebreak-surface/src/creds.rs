//! Leaked credentials for the scope: leak lists (`email:password`, `user:hash`,
//! combolists with a URL, pwdump) read with the one line parser of
//! `firebreak_analytics::leakline`, kept only when they are about the scope (an email
//! under a scoped domain, a URL whose host is under a scoped domain or in a scoped
//! range), and matched after the scan to the discovered names and remote-access
//! portals.
//!
//! No secret is kept: each line's secret is masked while reading (a password by its
//! first and last characters and length, a hash by its type) and dropped. Nothing here
//! opens a socket, and no login is ever attempted with what a list holds.

use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;
use std::net::IpAddr;

use firebreak_analytics::leakline::{self, HashTypes};
pub use firebreak_analytics::LeakError;
use serde::Serialize;
use serde_json::json;

use crate::error::SurfaceError;
use crate::finding::{Finding, Severity};
use crate::scope::Scope;

/// Longest line read; longer lines are skipped and reported.
const MAX_LINE: usize = 64 * 1024;

/// One listing of an account that concerns the scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Leak {
    /// The list it came from.
    pub source: String,
    /// Its line (1-based).
    pub line: u64,
    /// The account as listed.
    pub account: String,
    /// The URL the credentials were captured for (combolists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The URL's host, lower-cased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<String>,
    /// The account's email domain, lower-cased.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email_domain: Option<String>,
    /// The secret as it may be shown (`P*******1 (9 chars)`, `hash (bcrypt)`).
    pub secret: String,
}

/// What reading the lists gave.
#[derive(Debug, Default)]
pub struct LeakIndex {
    /// Listings about the scope.
    pub leaks: Vec<Leak>,
    /// Usable lines read.
    pub lines: u64,
    /// Usable lines about something else (other domains, accounts without a domain or URL).
    pub not_in_scope: u64,
    /// Lines skipped, with file, line and reason (never the line's text).
    pub skipped: Vec<LeakError>,
}

impl LeakIndex {
    /// Reads one list from `r`, keeping what concerns `scope`. A line that cannot be
    /// used is skipped and recorded; only a read error stops the list.
    pub fn read(
        &mut self,
        scope: &Scope,
        types: &HashTypes,
        source: &str,
        mut r: impl BufRead,
    ) -> Result<(), SurfaceError> {
        let mut buf = Vec::new();
        let mut line = 0u64;
        loop {
            buf.clear();
            let (eof, too_long) = read_line(&mut r, &mut buf)?;
            if eof && buf.is_empty() {
                return Ok(());
            }
            line += 1;
            let skip = |reason| LeakError {
                origin: source.to_string(),
                line,
                reason,
            };
            if too_long {
                self.skipped.push(skip("line longer than 64 KiB"));
                continue;
            }
            // lists mix encodings: a Latin-1 password must not cost the account
            let text = String::from_utf8_lossy(&buf);
            let text = text.as_ref();
            if text.trim().is_empty() || text.trim_start().starts_with('#') {
                continue;
            }
            match leakline::parse_line(text) {
                Err(reason) => self.skipped.push(skip(reason)),
                Ok(l) => {
                    self.lines += 1;
                    let leak = Leak {
                        source: source.to_string(),
                        line,
                        account: l.account.to_string(),
                        url: l.url.map(str::to_string),
                        host: l.url.and_then(leakline::url_host),
                        email_domain: l
                            .account
                            .rsplit_once('@')
                            .map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase())
                            .filter(|d| !d.is_empty()),
                        secret: leakline::mask(types, l.secret),
                    };
                    if concerns(scope, &leak) {
                        self.leaks.push(leak);
                    } else {
                        self.not_in_scope += 1;
                    }
                }
            }
            if eof {
                return Ok(());
            }
        }
    }
}

/// One line into `buf` (without the line end), at most [`MAX_LINE`] bytes kept:
/// (end of input reached, line was longer).
fn read_line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> Result<(bool, bool), SurfaceError> {
    let mut too_long = false;
    loop {
        let chunk = r.fill_buf()?;
        if chunk.is_empty() {
            return Ok((true, too_long));
        }
        let (part, used, done) = match chunk.iter().position(|&b| b == b'\n') {
            Some(i) => (&chunk[..i], i + 1, true),
            None => (chunk, chunk.len(), false),
        };
        if buf.len() + part.len() > MAX_LINE {
            too_long = true;
        } else {
            buf.extend_from_slice(part);
        }
        r.consume(used);
        if done {
            if buf.last() == Some(&b'\r') {
                buf.pop();
            }
            return Ok((false, too_long));
        }
    }
}

fn host_in_scope(scope: &Scope, host: &str) -> bool {
    match host.parse::<IpAddr>() {
        Ok(ip) => scope.contains_ip(ip),
        Err(_) => scope.domain_of(host).is_some(),
    }
}

fn concerns(scope: &Scope, l: &Leak) -> bool {
    l.email_domain
        .as_deref()
        .is_some_and(|d| scope.domain_of(d).is_some())
        || l.host.as_deref().is_some_and(|h| host_in_scope(scope, h))
}

/// What the scan found that leaks are matched against.
#[derive(Debug, Default)]
pub struct Surface {
    /// Names that resolved.
    pub names: BTreeSet<String>,
    /// Remote-access portals: asset name or address → the portal finding's kind.
    pub portals: BTreeMap<String, String>,
    /// Addresses of the resolved names (a portal is found by any name of its address).
    pub addresses: BTreeMap<String, Vec<IpAddr>>,
}

impl Surface {
    /// The portal kind at `host` (by name, or by any of its addresses).
    fn portal(&self, host: &str) -> Option<&String> {
        self.portals.get(host).or_else(|| {
            self.addresses
                .get(host)
                .into_iter()
                .flatten()
                .find_map(|a| self.portals.get(&a.to_string()))
        })
    }
}

/// The `creds.leaked` findings: one per account and place (the URL's host, else the
/// email's domain), every listing of it as evidence. High; critical when the URL is a
/// discovered remote-access portal.
pub fn findings(leaks: &[Leak], surface: &Surface) -> Vec<Finding> {
    let mut by: BTreeMap<(String, String), Vec<&Leak>> = BTreeMap::new();
    for l in leaks {
        let place = l
            .host
            .clone()
            .or_else(|| l.email_domain.clone())
            .unwrap_or_default();
        by.entry((l.account.to_lowercase(), place))
            .or_default()
            .push(l);
    }
    let mut out = Vec::new();
    for ((account, place), list) in by {
        let first = list[0];
        let portal = first.host.as_deref().and_then(|h| surface.portal(h));
        let discovered = first
            .host
            .as_deref()
            .is_some_and(|h| surface.names.contains(h) || surface.portals.contains_key(h));
        let secrets: BTreeSet<&str> = list.iter().map(|l| l.secret.as_str()).collect();
        let sources: Vec<serde_json::Value> = list
            .iter()
            .map(|l| json!({"file": l.source, "line": l.line}))
            .collect();
        let urls: BTreeSet<&str> = list.iter().filter_map(|l| l.url.as_deref()).collect();
        let (severity, reason) = match (portal, discovered, first.host.is_some()) {
            (Some(kind), _, _) => (
                Severity::Critical,
                format!("the list holds a login for a discovered remote-access portal ({kind}): reset the password and check the portal's logons"),
            ),
            (None, true, _) => (
                Severity::High,
                "the list holds a login captured for a discovered host of the scope: reset the password".to_string(),
            ),
            (None, false, true) => (
                Severity::High,
                "the list holds a login captured for a URL of the scope (the host was not discovered): reset the password".to_string(),
            ),
            (None, false, false) => (
                Severity::High,
                "an account of the scope's domain with a secret is in a leak list: reset the password, check for reuse".to_string(),
            ),
        };
        let title = match portal {
            Some(_) => format!("leaked credentials for {account} on the portal {place}"),
            None => format!("leaked credentials for {account} ({place})"),
        };
        out.push(
            Finding::new("creds.leaked", severity, &place, title, reason).evidence(json!({
                "account": first.account,
                "urls": urls,
                "secrets": secrets,
                "portal": portal,
                "listings": sources,
            })),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &[u8] = b"# combo\n\
        jdoe@lab.test:Password1\n\
        JDoe@lab.test;Winter2026!\n\
        other@else.example:x12345678\n\
        https://gateway.lab.test/logon/LogonPoint/tmindex.html:asmith:Gatew4y!pw\n\
        https://www.lab.test|bob@lab.test|$2b$12$abcdefghijklmnopqrstuuPp7aB0S1X5JmH9C0ySxJ6s3gGmC3yi\n\
        https://10.77.0.50/vpn:carol:c4rolpass\n\
        admin:31d6cfe0d16ae931b73c59d7e0c089c0\n\
        nocolon\n\
        \xff\n\
        latin@lab.test:M\xfcller2026\n\
        sub@deep.lab.test:pw\n\
        https://unknown.lab.test/x:dave:davepass1\n\
        https://vpn.lab.test/:eve:evepassword\n";

    fn index() -> LeakIndex {
        let scope = Scope::parse("lab.test\n10.77.0.0/24\n").unwrap();
        let types = HashTypes::bundled().unwrap();
        let mut ix = LeakIndex::default();
        let mut bytes = LIST.to_vec();
        // an over-long line
        bytes.extend_from_slice(&vec![b'a'; MAX_LINE + 10]);
        bytes.extend_from_slice(b"\nlast@lab.test:lastpassword");
        ix.read(&scope, &types, "combo.txt", &bytes[..]).unwrap();
        ix
    }

    #[test]
    fn reads_keeps_the_scope_and_reports_bad_lines() {
        let ix = index();
        let skipped: Vec<(u64, &str)> = ix.skipped.iter().map(|e| (e.line, e.reason)).collect();
        assert_eq!(
            skipped,
            [
                (9, "no ':', ';' or '|' between account and secret"),
                (10, "no ':', ';' or '|' between account and secret"),
                (15, "line longer than 64 KiB")
            ]
        );
        assert_eq!(ix.lines, 12);
        let latin = ix
            .leaks
            .iter()
            .find(|l| l.account == "latin@lab.test")
            .unwrap();
        assert_eq!(latin.secret, "M********6 (10 chars)");
        // other@else.example and admin (no domain, no URL) are not about the scope
        assert_eq!(ix.not_in_scope, 2);
        let last = ix.leaks.last().unwrap();
        assert_eq!((last.line, last.account.as_str()), (16, "last@lab.test"));
        let shown = format!("{ix:?}");
        for secret in [
            "Password1",
            "Winter2026!",
            "Gatew4y!pw",
            "c4rolpass",
            "$2b$12$abc",
            "lastpassword",
        ] {
            assert!(!shown.contains(secret), "{secret} in {shown}");
        }
        assert!(shown.contains("P*******1 (9 chars)"));
        assert!(shown.contains("hash (bcrypt)"));
    }

    #[test]
    fn matched_to_names_and_portals() {
        let ix = index();
        let mut s = Surface::default();
        s.names.insert("gateway.lab.test".into());
        s.names.insert("www.lab.test".into());
        s.names.insert("vpn.lab.test".into());
        s.addresses
            .insert("vpn.lab.test".into(), vec!["10.77.0.50".parse().unwrap()]);
        s.portals
            .insert("gateway.lab.test".into(), "portal.citrix_gateway".into());
        s.portals
            .insert("10.77.0.50".into(), "portal.citrix_gateway".into());
        let f = findings(&ix.leaks, &s);
        let by = |account: &str| {
            f.iter()
                .find(|f| {
                    f.evidence["account"]
                        .as_str()
                        .unwrap()
                        .eq_ignore_ascii_case(account)
                })
                .unwrap_or_else(|| panic!("{account}: {f:?}"))
        };
        // two listings of one account (case differs) make one finding
        let j = by("jdoe@lab.test");
        assert_eq!(j.severity, Severity::High);
        assert_eq!(j.asset, "lab.test");
        assert_eq!(j.evidence["listings"].as_array().unwrap().len(), 2);
        assert_eq!(
            j.evidence["secrets"],
            json!(["P*******1 (9 chars)", "W*********! (11 chars)"])
        );
        let a = by("asmith");
        assert_eq!(
            (a.severity, a.asset.as_str()),
            (Severity::Critical, "gateway.lab.test")
        );
        assert!(a.reason.contains("portal.citrix_gateway"));
        let c = by("carol");
        assert_eq!(
            (c.severity, c.asset.as_str()),
            (Severity::Critical, "10.77.0.50")
        );
        let b = by("bob@lab.test");
        assert_eq!(
            (b.severity, b.asset.as_str()),
            (Severity::High, "www.lab.test")
        );
        assert!(b.reason.contains("discovered host"));
        let e = by("eve");
        assert_eq!(
            (e.severity, e.asset.as_str()),
            (Severity::Critical, "vpn.lab.test"),
            "another name of the portal's address"
        );
        let d = by("dave");
        assert!(d.reason.contains("not discovered"));
        assert_eq!(by("sub@deep.lab.test").asset, "deep.lab.test");
        let text = serde_json::to_string(&f).unwrap();
        assert!(!text.contains("Gatew4y!pw") && !text.contains("Password1"));
    }
}
