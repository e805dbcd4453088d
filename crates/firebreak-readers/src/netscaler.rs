//! Citrix NetScaler / ADC logs (`ns.log` on the appliance, or its syslog stream as a
//! relay wrote it):
//!
//! ```text
//! [<PRI>|Mmm dd hh:mm:ss [host]] [<local0.info>] [nsip] 11/24/2026:21:14:03 GMT ns01 0-PPE-0 : default SSLVPN LOGIN 4412 0 : Context jdoe@203.0.113.7 - SessionId: 5 - User jdoe - ...
//! ```
//!
//! The event time is the NetScaler's own timestamp, never the relay's. Its date order
//! is `ReadOptions::netscaler_date_order` (`yyyy/mm/dd` is recognised by its four-digit
//! first part); `GMT`/`UTC` after it means UTC (`tz_policy = source`), no zone means the
//! appliance's local time, read in `ReadOptions::source_tz` (`tz_policy = assumed`).
//!
//! Fields: `syslog_time`, `syslog_host`, `syslog_pri` (relay prefix, as written),
//! `ns_host`, `ppe`, `partition`, `module`, `event_type`, `event_number`,
//! `event_number_2`, `ns_time_zone`, `tags` (`[TCP] [CGP][ICAUUID=..]` prefixes),
//! `ICAUUID`, then the payload's ` - Key value` pairs with the names as logged
//! (`Context`, `SessionId`, `User`, `Client_ip`, `Group(s)`, `Start Time`, …). Quoted
//! values are unquoted; a key without a value gets an empty value. `HTTPREQUEST`'s
//! ` : `-separated layout gives `Request_host`, `User`, `Group(s)`, `Vserver`,
//! `Last_contact`, `SSO`, `Request`.
//!
//! Lines without a NetScaler header (other daemons in `ns.log`) are read as syslog lines
//! when they are; otherwise rejected. Blank lines are not records.

use crate::syslog::SyslogParser;
use crate::syslog_common::{
    digits, digits2, naive, parse_3164, parse_clock, read_lines, with_offset, LocalZone, MAX_FIELDS,
};
use crate::{DateOrder, EventSink, ReadContext, ReadError};
use firebreak_event::{desc, Event, Fields, Location, SourceKind, Timestamp, TzPolicy};
use std::io::BufRead;

/// True when most of the first lines have a NetScaler header.
pub(crate) fn sniff(lines: &[&str]) -> bool {
    let hits = lines.iter().filter(|l| header(l).is_some()).count();
    hits > 0 && hits * 2 >= lines.len()
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let mut parser = NsParser {
        zone: LocalZone::new(ctx.options.source_tz),
        order: ctx.options.netscaler_date_order,
        fallback: SyslogParser::new(ctx),
    };
    read_lines(input, ctx, sink, |line, location| {
        parser.parse(line, location)
    })
}

/// The structure of a NetScaler line, before any value is interpreted.
#[derive(Debug)]
struct Header<'a> {
    /// Text before the NetScaler date: the relay's or ns.log's syslog prefix.
    prefix: &'a str,
    date: &'a str,
    zone: Option<&'a str>,
    host: &'a str,
    ppe: &'a str,
    partition: Option<&'a str>,
    module: Option<&'a str>,
    event_type: &'a str,
    numbers: [Option<&'a str>; 2],
    payload: &'a str,
}

/// Finds `<date> [zone] [host] [N-]PPE-N : [partition] [MODULE] EVENT n [n] :`.
fn header(line: &str) -> Option<Header<'_>> {
    let ppe_at = memchr::memmem::find(line.as_bytes(), b"PPE-")?;
    let before_ppe = line.get(..ppe_at)?;
    let token_start = before_ppe.rfind(' ').map_or(0, |i| i + 1);
    let (ppe_tail, rest) = line.get(ppe_at..)?.split_once(" : ")?;
    let ppe_digits = ppe_tail.get(4..)?;
    if ppe_digits.is_empty() || !ppe_digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let ppe = line.get(token_start..ppe_at + ppe_tail.len())?;
    let (prefix, date, after_date) = find_ns_date(line.get(..token_start)?)?;
    let (zone, host) = zone_and_host(after_date);
    let (head, payload) = rest.split_once(" :").unwrap_or((rest, ""));
    let (partition, module, event_type, numbers) = event_head(head)?;
    Some(Header {
        prefix,
        date,
        zone,
        host,
        ppe,
        partition,
        module,
        event_type,
        numbers,
        payload: payload.trim(),
    })
}

type EventHead<'a> = (
    Option<&'a str>,
    Option<&'a str>,
    &'a str,
    [Option<&'a str>; 2],
);

/// `default SSLVPN LOGIN 4412 0`, `SSLVPN TCPCONNSTAT 927685225`, `default CMD_EXECUTED 1 0`.
fn event_head(head: &str) -> Option<EventHead<'_>> {
    let mut words = [""; 5];
    let mut n = 0;
    for w in head.split_ascii_whitespace() {
        *words.get_mut(n)? = w;
        n += 1;
    }
    let is_number = |w: &str| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit());
    let mut end = n;
    while end > 0 && n - end < 2 && words.get(end - 1).is_some_and(|w| is_number(w)) {
        end -= 1;
    }
    let numbers = [words.get(end).copied(), words.get(end + 1).copied()];
    let numbers = numbers.map(|w| w.filter(|w| is_number(w)));
    numbers[0]?;
    let is_module = |w: &str| w.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    match words.get(..end)? {
        [p, m, e] => Some((Some(*p), Some(*m), *e, numbers)),
        [m, e] if is_module(m) => Some((None, Some(*m), *e, numbers)),
        [p, e] => Some((Some(*p), None, *e, numbers)),
        [e] => Some((None, None, *e, numbers)),
        _ => None,
    }
}

/// The NetScaler date token (`dd/dd/dddd:dd:dd:dd` or `dddd/dd/dd:dd:dd:dd`) in `s`:
/// the text before it, the date, the text after it.
fn find_ns_date(s: &str) -> Option<(&str, &str, &str)> {
    let b = s.as_bytes();
    for slash in memchr::memchr_iter(b'/', b) {
        for start in [slash.checked_sub(2), slash.checked_sub(4)]
            .into_iter()
            .flatten()
        {
            let at_word = start == 0 || b.get(start - 1) == Some(&b' ');
            let ends = matches!(b.get(start + 19), None | Some(b' '));
            if at_word && ends && b.get(start..start + 19).is_some_and(is_ns_date) {
                return Some((
                    s.get(..start)?,
                    s.get(start..start + 19)?,
                    s.get(start + 19..)?,
                ));
            }
        }
    }
    None
}

fn is_ns_date(b: &[u8]) -> bool {
    const MDY: &[u8; 19] = b"00/00/0000:00:00:00";
    const YMD: &[u8; 19] = b"0000/00/00:00:00:00";
    let fits = |pattern: &[u8; 19]| {
        b.len() == 19
            && pattern.iter().zip(b).all(|(p, c)| match p {
                b'0' => c.is_ascii_digit(),
                _ => p == c,
            })
    };
    fits(MDY) || fits(YMD)
}

/// `GMT ns01`, ` ns01` (local time), `GMT ` (no host name).
fn zone_and_host(s: &str) -> (Option<&str>, &str) {
    let mut words = s.split_ascii_whitespace();
    let first = words.next();
    let last = words.last();
    match (first, last) {
        (None, _) => (None, ""),
        (Some(z), None) if is_utc(z) => (Some(z), ""),
        (Some(host), None) => (None, host),
        (Some(z), Some(host)) => (Some(z), host),
    }
}

fn is_utc(zone: &str) -> bool {
    zone.eq_ignore_ascii_case("GMT") || zone.eq_ignore_ascii_case("UTC")
}

/// Parses one file's NetScaler lines.
struct NsParser {
    zone: LocalZone,
    order: DateOrder,
    fallback: SyslogParser,
}

impl NsParser {
    fn parse(&mut self, line: &str, location: Location) -> Result<Event, String> {
        match header(line) {
            Some(h) => self.event(&h, location),
            None => self.fallback.parse(line, location).map_err(|e| {
                format!("no NetScaler header ('<date> <host> 0-PPE-0 : <module> <event> <n> :') and not syslog: {e}")
            }),
        }
    }

    fn event(&self, h: &Header<'_>, location: Location) -> Result<Event, String> {
        let (ts, policy) = self.time(h)?;
        let mut ev = Event::new(ts, SourceKind::Netscaler, location);
        ev.tz_policy = policy;
        ev.time_original = match h.zone {
            Some(z) => format!("{} {z}", h.date),
            None => h.date.to_string(),
        };
        let event_id = match h.module {
            Some(m) => format!("{m} {}", h.event_type),
            None => h.event_type.to_string(),
        };
        ev.timestamp_desc = timestamp_desc(h.event_type).to_string();
        header_fields(&mut ev.fields, h);
        let request = payload_fields(&mut ev.fields, h.event_type, h.payload);
        normalise(&mut ev);
        ev.url = request.map(str::to_string);
        ev.host = Some(h.host).filter(|s| !s.is_empty()).map(str::to_string);
        ev.message = format!("{event_id}: {}", h.payload);
        ev.event_id = Some(event_id);
        Ok(ev)
    }

    /// The NetScaler timestamp as UTC, in the configured date order and zone.
    fn time(&self, h: &Header<'_>) -> Result<(Timestamp, TzPolicy), String> {
        let b = h.date.as_bytes();
        let (year, a, c) = if b.get(4) == Some(&b'/') {
            (b.get(..4).and_then(digits), digits2(b, 5), digits2(b, 8))
        } else {
            let (first, second) = (digits2(b, 0), digits2(b, 3));
            let year = b.get(6..10).and_then(digits);
            match self.order {
                DateOrder::MonthFirst => (year, first, second),
                DateOrder::DayFirst => (year, second, first),
            }
        };
        let clock = parse_clock(b, 11).map(|(c, _)| c);
        let n = match (year, a, c, clock) {
            (Some(y), Some(m), Some(d), Some(clock)) => naive(y as i32, m, d, clock),
            _ => None,
        };
        let n = n.ok_or_else(|| {
            format!(
                "NetScaler date '{}' is not valid as {} (see ReadOptions::netscaler_date_order)",
                h.date,
                order_name(self.order)
            )
        })?;
        match h.zone {
            Some(z) if is_utc(z) => Ok((with_offset(n, 0)?, TzPolicy::SourceZone)),
            _ => Ok((self.zone.to_utc(n)?, self.zone.policy.clone())),
        }
    }
}

fn order_name(order: DateOrder) -> &'static str {
    match order {
        DateOrder::MonthFirst => "mm/dd/yyyy",
        DateOrder::DayFirst => "dd/mm/yyyy",
    }
}

fn timestamp_desc(event_type: &str) -> &'static str {
    match event_type {
        "LOGIN" => desc::LOGON,
        "LOGOUT" => desc::LOGOFF,
        "ICASTART" | "ICAEND_CONNSTAT" | "TCPCONNSTAT" | "UDPFLOWSTAT" | "CONN_TERMINATE"
        | "CONN_DELINK" => desc::CONNECTION,
        "HTTPREQUEST" => desc::REQUEST,
        _ => desc::EVENT_LOGGED,
    }
}

fn header_fields(f: &mut Fields, h: &Header<'_>) {
    prefix_fields(f, h.prefix);
    let mut push = |name: &str, value: Option<&str>| {
        if let Some(v) = value.filter(|v| !v.is_empty()) {
            f.push(name, v);
        }
    };
    push("ns_host", Some(h.host));
    push("ppe", Some(h.ppe));
    push("partition", h.partition);
    push("module", h.module);
    push("event_type", Some(h.event_type));
    push("event_number", h.numbers[0]);
    push("event_number_2", h.numbers[1]);
    push("ns_time_zone", h.zone);
}

/// `Nov 24 21:14:03 relay <local0.info> 198.51.100.2 ` → syslog_time, syslog_pri,
/// syslog_host.
fn prefix_fields(f: &mut Fields, prefix: &str) {
    let mut rest = prefix.trim();
    if let Some(pri) = rest.strip_prefix('<').and_then(|r| r.split_once('>')) {
        f.push("syslog_pri", pri.0);
        rest = pri.1.trim_start();
    }
    if let Some((_, len)) = parse_3164(rest) {
        f.push("syslog_time", rest.get(..len).unwrap_or_default());
        rest = rest.get(len..).unwrap_or_default();
    }
    let mut host = None;
    for token in rest.split_ascii_whitespace() {
        match token.strip_prefix('<').and_then(|t| t.strip_suffix('>')) {
            Some(pri) => f.push("syslog_pri", pri),
            None => host = Some(token),
        }
    }
    if let Some(h) = host {
        f.push("syslog_host", h);
    }
}

/// Pushes the payload's fields; returns the request path of an HTTPREQUEST.
fn payload_fields<'a>(f: &mut Fields, event_type: &str, payload: &'a str) -> Option<&'a str> {
    let (tags, body) = split_tags(payload);
    if !tags.is_empty() {
        f.push("tags", tags);
        if let Some(uuid) = tags
            .split_once("ICAUUID=")
            .and_then(|(_, r)| r.split(']').next())
        {
            f.push("ICAUUID", uuid);
        }
    }
    if event_type == "HTTPREQUEST" && body.contains(" : ") {
        return http_request(f, body);
    }
    match body.strip_prefix('"') {
        Some(quoted) => f.push("Message", quoted.strip_suffix('"').unwrap_or(quoted)),
        None => key_values(f, body),
    }
    None
}

/// Leading `[..]` groups (`[TCP] [CGP][ICAUUID=..]`) and the text after them.
fn split_tags(payload: &str) -> (&str, &str) {
    let mut end = 0;
    loop {
        let rest = payload.get(end..).unwrap_or_default();
        let trimmed = rest.trim_start();
        let Some(close) = trimmed.strip_prefix('[').and_then(|t| t.find(']')) else {
            break;
        };
        end += rest.len() - trimmed.len() + close + 2;
    }
    let tags = payload.get(..end).unwrap_or_default().trim();
    (tags, payload.get(end..).unwrap_or_default().trim_start())
}

/// ` - `-separated `Key value` pairs; values may be quoted.
fn key_values(f: &mut Fields, s: &str) {
    let mut rest = s;
    loop {
        rest = rest.trim_start_matches(' ');
        if rest.is_empty() {
            break;
        }
        if f.len() >= MAX_FIELDS {
            break;
        }
        let (key, after) = take_key(rest);
        let (value, after) = take_value(after);
        if !key.is_empty() {
            f.push(key, value);
        }
        rest = after;
    }
}

/// The key at the start of `s`: one word (`SessionId:` loses its colon), or the
/// two-word keys `Start Time`, `End Time`, `Delink Time`.
fn take_key(s: &str) -> (&str, &str) {
    let end = s.find(' ').unwrap_or(s.len());
    let (key, rest) = s.split_at(end);
    if matches!(key, "Start" | "End" | "Delink") {
        if let Some(r) = rest.strip_prefix(" Time") {
            if r.is_empty() || r.starts_with(' ') {
                return (s.get(..end + 5).unwrap_or(key), r);
            }
        }
    }
    (key.strip_suffix(':').unwrap_or(key), rest)
}

/// The value after a key, up to the next `- ` separator (or its closing quote).
fn take_value(s: &str) -> (&str, &str) {
    let s = s.trim_start_matches(' ');
    let s = s.strip_prefix("= ").unwrap_or(s);
    if let Some(q) = s.strip_prefix('"') {
        let (v, r) = q.split_once('"').unwrap_or((q, ""));
        let r = r.trim_start_matches(' ');
        let r = r.strip_prefix('-').unwrap_or(r);
        return (v.trim(), r);
    }
    if s == "-" {
        return ("", "");
    }
    if let Some(r) = s.strip_prefix("- ") {
        return ("", r);
    }
    match s.find("- ") {
        Some(i) => (
            s.get(..i).unwrap_or_default().trim_end(),
            s.get(i + 2..).unwrap_or_default(),
        ),
        None => (s.trim_end(), ""),
    }
}

/// `Context c - SessionId: 5 - host User u : Group(s) g : Vserver v - time : SSO is ON : GET /p - -`
fn http_request<'a>(f: &mut Fields, body: &'a str) -> Option<&'a str> {
    let (head, request) = body.rsplit_once(" : ")?;
    let request = request.trim();
    let request = request.strip_suffix(" - -").unwrap_or(request).trim_end();
    let mut segments = head.split(" : ");
    if let Some(first) = segments.next() {
        http_first_segment(f, first);
    }
    for segment in segments.take(MAX_FIELDS) {
        http_segment(f, segment.trim());
    }
    f.push("Request", request);
    let path = request.split_once(' ').map_or(request, |(_, p)| p);
    Some(path.split(' ').next().unwrap_or(path))
}

fn http_first_segment(f: &mut Fields, s: &str) {
    let Some((left, user)) = s.rsplit_once(" User ").filter(|(l, _)| !l.ends_with('-')) else {
        return key_values(f, s);
    };
    let left = left.trim();
    // `... - SessionId: 5 - host` or `... SessionId: 5- host` or just `host`.
    let (pairs, host) = match left.rsplit_once(' ') {
        Some((pairs, h)) if pairs.ends_with('-') => (pairs.trim_end_matches('-'), h),
        None => ("", left),
        _ => (left, ""),
    };
    key_values(f, pairs);
    if !host.is_empty() {
        f.push("Request_host", host);
    }
    f.push("User", user.trim());
}

fn http_segment(f: &mut Fields, s: &str) {
    if let Some(v) = s.strip_prefix("SSO is ") {
        f.push("SSO", v);
    } else if let Some(v) = s.strip_prefix("Message = ") {
        f.push("Message", v);
    } else if let Some(v) = s.strip_prefix("Vserver ") {
        let (vserver, time) = v.split_once(" - ").unwrap_or((v, ""));
        f.push("Vserver", vserver.trim());
        if !time.trim().is_empty() {
            f.push("Last_contact", time.trim());
        }
    } else {
        key_values(f, s);
    }
}

/// `ip:port`, `[v6]:port`; a bare IPv6 address keeps no port.
fn split_host_port(s: &str) -> (&str, Option<u16>) {
    if let Some(r) = s.strip_prefix('[') {
        let (ip, rest) = r.split_once(']').unwrap_or((r, ""));
        return (ip, rest.strip_prefix(':').and_then(|p| p.parse().ok()));
    }
    match s.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') => (ip, port.parse().ok()),
        _ => (s, None),
    }
}

/// Fills the normalised fields from the logged ones.
fn normalise(ev: &mut Event) {
    let field = |name: &str| ev.fields.get(name).filter(|v| !v.is_empty());
    let context = field("Context").and_then(|c| c.rsplit_once('@'));
    let ica_user = field("username:domainname").and_then(|u| u.rsplit_once(':'));
    let user = field("User")
        .or(context.map(|c| c.0))
        .or(ica_user.map(|u| u.0));
    let domain = ica_user.map(|u| u.1).filter(|d| !d.is_empty());
    let source = field("Source").map(split_host_port);
    let src_ip = field("Client_ip")
        .or(field("ClientIP"))
        .or(context.map(|c| c.1))
        .or(source.map(|s| s.0));
    let src_port = source.filter(|s| Some(s.0) == src_ip).and_then(|s| s.1);
    let dst = field("Vserver")
        .or(field("Destination"))
        .map(split_host_port);
    let bytes_out = field("Total_bytes_send").and_then(|v| v.parse().ok());
    let bytes_in = field("Total_bytes_recv").and_then(|v| v.parse().ok());
    let command = field("Command");
    let owned = |s: Option<&str>| s.map(str::to_string);
    let (user, domain, src_ip, command) =
        (owned(user), owned(domain), owned(src_ip), owned(command));
    let dst_ip = owned(dst.map(|d| d.0).filter(|d| !d.is_empty()));
    ev.user.name = user;
    ev.user.domain = domain;
    ev.network.src_ip = src_ip;
    ev.network.src_port = src_port;
    ev.network.dst_ip = dst_ip;
    ev.network.dst_port = dst.and_then(|d| d.1);
    ev.network.bytes_out = bytes_out;
    ev.network.bytes_in = bytes_in;
    ev.process.command_line = command;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_headers_in_all_prefix_styles() {
        let lines = [
            "<local0.info> 198.51.100.2 11/24/2026:21:14:03 GMT ns01 0-PPE-0 : default SSLVPN LOGIN 4412 0 : Context a@b",
            "Nov 24 21:14:03 10.0.0.1  11/24/2026:21:14:03 GMT ns PPE-0 : SSLVPN TCPCONNSTAT 927685225 : Context a@b",
            "<134> 10/08/2024:09:38:41  SYSLOGHOST 0-PPE-1 : default TCP CONN_TERMINATE 6715345 0 :  Source 127.1.2.1:80",
            "<135> 07/09/2025:19:05:23 GMT  0-PPE-6 : default AAA Message 12345678 0 :  \"x\"",
        ];
        let hosts: Vec<_> = lines.iter().map(|l| header(l).unwrap().host).collect();
        assert_eq!(hosts, ["ns01", "ns", "SYSLOGHOST", ""]);
        assert_eq!(header(lines[1]).unwrap().module, Some("SSLVPN"));
        assert_eq!(header(lines[2]).unwrap().zone, None);
    }

    #[test]
    fn key_values_handle_quirks() {
        let mut f = Fields::new();
        key_values(
            &mut f,
            "SessionId: 651173- User u - Client_ip  - X-Forwarded-For_ip - Nat_ip \"Mapped Ip\" - Start Time 07/07/2024:19:15:31  - Duration 00:00:00  - Access Allowed - Group(s) \"A - B\"",
        );
        let got: Vec<_> = f.iter().collect();
        assert_eq!(
            got,
            [
                ("SessionId", "651173"),
                ("User", "u"),
                ("Client_ip", ""),
                ("X-Forwarded-For_ip", ""),
                ("Nat_ip", "Mapped Ip"),
                ("Start Time", "07/07/2024:19:15:31"),
                ("Duration", "00:00:00"),
                ("Access", "Allowed"),
                ("Group(s)", "A - B"),
            ]
        );
    }
}
