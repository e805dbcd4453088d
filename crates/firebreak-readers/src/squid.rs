//! Squid's native `access.log` format:
//!
//! ```text
//! 1732482843.123    245 10.0.0.5 TCP_MISS/200 5123 GET http://example.com/x - HIER_DIRECT/93.184.216.34 text/html
//! time (epoch s.ms, UTC)  elapsed ms  client  result/status  bytes  method  URL  user  hierarchy/peer  type
//! ```
//!
//! Every non-blank line is a record (blank lines are not). Values are separated by
//! runs of spaces; anything after the content type (custom `logformat` additions) is
//! kept in `extra`.
//!
//! Original fields use Sigma `proxy` names where they exist: `time-taken`, `c-ip`,
//! `src_ip`, `squid_result_code`, `sc-status`, `sc-bytes`, `cs-method`, `c-uri`,
//! `c-uri-stem`, `c-uri-query`, `c-uri-extension`, `cs-host`, `r-dns`, `user`,
//! `hierarchy`, `peer`, `dst_ip` (when the peer is an address), `content_type`.

use crate::textcommon::{
    all_digits, dash_owned, decimal_secs_to_micros, each_line, epoch_secs, host_without_port,
    request_message, split_query, uri_extension, LineOutcome,
};
use crate::{EventSink, ReadContext, ReadError};
use firebreak_event::{desc, Event, Fields, Location, SourceKind};
use std::io::BufRead;
use std::net::IpAddr;

/// The ten native fields of one line plus anything after them.
struct SquidLine<'a> {
    time: &'a str,
    elapsed: &'a str,
    client: &'a str,
    result: &'a str,
    status: &'a str,
    bytes: &'a str,
    method: &'a str,
    url: &'a str,
    user: &'a str,
    hierarchy: &'a str,
    peer: &'a str,
    content_type: &'a str,
    extra: &'a str,
}

/// Host, path and query of a logged URL.
struct UrlParts<'a> {
    host: Option<&'a str>,
    path: &'a str,
    query: Option<&'a str>,
}

pub(crate) fn sniff(lines: &[&str]) -> bool {
    let good = lines.iter().filter(|l| looks_like_squid(l)).count();
    good >= 1 && good * 10 >= lines.len() * 6
}

fn looks_like_squid(line: &str) -> bool {
    let Ok(p) = parse_line(line) else {
        return false;
    };
    p.time.contains('.')
        && decimal_secs_to_micros(p.time).is_some()
        && all_digits(p.elapsed)
        && p.result
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'_')
        && all_digits(p.bytes)
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    each_line(input, ctx, sink, |number, line, sink| {
        let parsed = parse_line(line)?;
        sink.accept(to_event(&parsed, number)?);
        Ok(LineOutcome::Accepted)
    })
}

fn parse_line(line: &str) -> Result<SquidLine<'_>, String> {
    let mut rest = line.trim();
    let mut t: [&str; 10] = [""; 10];
    for (i, slot) in t.iter_mut().enumerate() {
        let (tok, r) = match rest.split_once([' ', '\t']) {
            Some((tok, r)) => (tok, r.trim_start()),
            None => (rest, ""),
        };
        if tok.is_empty() {
            return Err(format!("{i} fields, Squid's native format has 10"));
        }
        *slot = tok;
        rest = r;
    }
    let [time, elapsed, client, code, bytes, method, url, user, hier, content_type] = t;
    let (result, status) = code
        .split_once('/')
        .ok_or_else(|| format!("result code {code:?} is not CODE/status"))?;
    let (hierarchy, peer) = hier.split_once('/').unwrap_or((hier, "-"));
    Ok(SquidLine {
        time,
        elapsed,
        client,
        result,
        status,
        bytes,
        method,
        url,
        user,
        hierarchy,
        peer,
        content_type,
        extra: rest,
    })
}

fn url_parts(url: &str) -> UrlParts<'_> {
    if let Some((_, after)) = url.split_once("://") {
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let (authority, tail) = after.split_at(end);
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (path, query) = split_query(tail);
        return UrlParts {
            host: Some(host_without_port(authority)).filter(|h| !h.is_empty()),
            path,
            query,
        };
    }
    if url.starts_with('/') {
        let (path, query) = split_query(url);
        return UrlParts {
            host: None,
            path,
            query,
        };
    }
    // CONNECT's authority form `host:443`; anything else (`error:invalid-request`)
    // has no host.
    let host = match url.rsplit_once(':') {
        Some((h, port)) if all_digits(port) && !port.is_empty() => {
            Some(host_without_port(url)).filter(|_| !h.is_empty())
        }
        _ => None,
    };
    UrlParts {
        host,
        path: "",
        query: None,
    }
}

fn to_event(p: &SquidLine<'_>, number: u64) -> Result<Event, String> {
    let timestamp = epoch_secs(p.time)?;
    let mut e = Event::new(timestamp, SourceKind::Squid, Location::Line(number));
    e.time_original = p.time.to_string();
    e.timestamp_desc = desc::REQUEST.to_string();
    let parts = url_parts(p.url);
    let bytes = p.bytes.parse::<u64>().ok();
    let dst_ip = peer_ip(p.peer);
    e.fields = fields(p, &parts, dst_ip);
    e.network.src_ip = dash_owned(p.client);
    e.network.dst_ip = dst_ip.map(str::to_string);
    e.network.bytes_in = bytes;
    e.user.name = dash_owned(p.user);
    e.url = dash_owned(p.url);
    e.domain = parts.host.map(str::to_string);
    e.event_id = dash_owned(p.method);
    let request = format!("{} {}", p.method, p.url);
    let status = format!("{}/{}", p.result, p.status);
    e.message = request_message(&request, &status, bytes, p.client);
    Ok(e)
}

fn peer_ip(peer: &str) -> Option<&str> {
    peer.parse::<IpAddr>().is_ok().then_some(peer)
}

fn fields(p: &SquidLine<'_>, u: &UrlParts<'_>, dst_ip: Option<&str>) -> Fields {
    let mut f = Fields::with_capacity(20);
    f.push("time-taken", p.elapsed);
    f.push("c-ip", p.client);
    f.push("src_ip", p.client);
    f.push("squid_result_code", p.result);
    f.push("sc-status", p.status);
    f.push("sc-bytes", p.bytes);
    f.push("cs-method", p.method);
    f.push("c-uri", p.url);
    if !u.path.is_empty() {
        f.push("c-uri-stem", u.path);
    }
    if let Some(q) = u.query {
        f.push("c-uri-query", q);
    }
    if let Some(x) = uri_extension(u.path) {
        f.push("c-uri-extension", x);
    }
    if let Some(h) = u.host {
        f.push("cs-host", h);
        f.push("r-dns", h);
    }
    f.push("user", p.user);
    f.push("hierarchy", p.hierarchy);
    f.push("peer", p.peer);
    if let Some(ip) = dst_ip {
        f.push("dst_ip", ip);
    }
    f.push("content_type", p.content_type);
    if !p.extra.is_empty() {
        f.push("extra", p.extra);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_forms() {
        let u = url_parts("http://user@example.com:8080/a/b.exe?x=1");
        assert_eq!(u.host, Some("example.com"));
        assert_eq!(u.path, "/a/b.exe");
        assert_eq!(u.query, Some("x=1"));
        assert_eq!(url_parts("example.com:443").host, Some("example.com"));
        assert_eq!(url_parts("[2001:db8::1]:443").host, Some("2001:db8::1"));
        assert_eq!(url_parts("error:invalid-request").host, None);
        assert_eq!(url_parts("http://h").path, "");
    }

    #[test]
    fn native_line() {
        let l = "1732482843.123    245 10.0.0.5 TCP_MISS/200 5123 GET http://example.com/x.gif?a - HIER_DIRECT/93.184.216.34 text/html";
        let e = to_event(&parse_line(l).unwrap(), 1).unwrap();
        assert_eq!(e.timestamp.to_rfc3339(), "2024-11-24T21:14:03.123000Z");
        assert_eq!(e.fields.get("c-uri-extension"), Some("gif"));
        assert_eq!(e.network.dst_ip.as_deref(), Some("93.184.216.34"));
        assert_eq!(
            e.message,
            "GET http://example.com/x.gif?a -> TCP_MISS/200 (5123 bytes) from 10.0.0.5"
        );
        assert!(parse_line("1732482843.123 245 10.0.0.5").is_err());
    }
}
