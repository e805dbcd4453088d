//! The compact records kept from events: only what the analytics need.

use crate::net::parse_ip;
use crate::norm::{account_key, field, host_key, host_of, parse_logon_id};
use firebreak_event::{Event, SourceKind, Timestamp};
use std::net::IpAddr;

/// Where a login came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Channel {
    Gateway,
    Rdp,
    Ssh,
    /// Windows network logon failures (4625 type 3): only counted as failures.
    Network,
}

impl Channel {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Channel::Gateway => "gateway/VPN",
            Channel::Rdp => "RDP",
            Channel::Ssh => "SSH",
            Channel::Network => "network",
        }
    }
}

/// A login attempt.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub r: i64,
    pub t: Timestamp,
    pub channel: Channel,
    pub ok: bool,
    pub account: String,
    pub user: String,
    pub src: Option<String>,
    pub host: String,
    pub session: Option<String>,
}

/// What a gateway's log says about one session besides its login.
#[derive(Debug, Clone, Default)]
pub(crate) struct GatewaySession {
    /// Internal (NAT/SNIP) addresses the session's connections came from.
    pub nat: Vec<IpAddr>,
    /// Internal destinations the session connected to.
    pub destinations: Vec<String>,
    pub end: Option<Timestamp>,
    pub refs: Vec<i64>,
}

/// A Windows logon with a source address (chain).
#[derive(Debug, Clone)]
pub(crate) struct WinLogon {
    pub r: i64,
    pub t: Timestamp,
    pub host: String,
    pub host_key: String,
    pub account: String,
    pub user: String,
    pub src: IpAddr,
    pub logon_type: String,
    pub logon_id: Option<u64>,
}

/// A process start (Sysmon 1, Security 4688, or a logged command line).
#[derive(Debug, Clone)]
pub(crate) struct ProcStart {
    pub r: i64,
    pub t: Timestamp,
    pub host: String,
    pub host_key: String,
    pub account: Option<String>,
    pub logon_id: Option<u64>,
    pub image: String,
    pub command_line: String,
}

/// Bytes that left (or may have left) through a proxy, firewall, gateway or web server.
#[derive(Debug, Clone)]
pub(crate) struct Transfer {
    pub r: i64,
    pub t: Timestamp,
    /// The inside party (client address or server).
    pub origin: String,
    /// The outside party (domain or address).
    pub peer: String,
    pub account: Option<String>,
    pub bytes: u64,
    pub via: &'static str,
}

/// A login attempt in `ev`, if it is one.
pub(crate) fn login(r: i64, ev: &Event) -> Option<Login> {
    let (channel, ok) = login_kind(ev)?;
    let (user, src) = match ev.source {
        SourceKind::Evtx | SourceKind::WinXml | SourceKind::WinJson => windows_login_who(ev)?,
        _ => (ev.user.name.clone()?, ev.network.src_ip.clone()),
    };
    let src = src.filter(|s| parse_ip(s).is_some_and(|ip| !ip.is_loopback()));
    Some(Login {
        r,
        t: ev.timestamp,
        channel,
        ok,
        account: account_key(&user)?,
        user,
        src,
        host: host_of(ev),
        session: field(ev, "SessionId").map(str::to_string),
    })
}

fn login_kind(ev: &Event) -> Option<(Channel, bool)> {
    let id = ev.event_id.as_deref()?;
    match ev.source {
        SourceKind::Netscaler => match field(ev, "event_type")? {
            "LOGIN" => Some((Channel::Gateway, true)),
            "LOGIN_FAILED" => Some((Channel::Gateway, false)),
            _ => None,
        },
        SourceKind::AuthLog => match id {
            "sshd.accepted" => Some((Channel::Ssh, true)),
            "sshd.failed" | "sshd.invalid_user" => Some((Channel::Ssh, false)),
            _ => None,
        },
        s if s.is_windows() => windows_login_kind(ev, id),
        _ => None,
    }
}

fn windows_login_kind(ev: &Event, id: &str) -> Option<(Channel, bool)> {
    let ltype = field(ev, "LogonType");
    match (id, ltype) {
        ("4624", Some("10")) => Some((Channel::Rdp, true)),
        ("4625", Some("10")) => Some((Channel::Rdp, false)),
        ("4625", Some("3")) => Some((Channel::Network, false)),
        ("1149", _) if is_rcm(ev) => Some((Channel::Rdp, true)),
        _ => None,
    }
}

fn is_rcm(ev: &Event) -> bool {
    ev.provider
        .as_deref()
        .is_some_and(|p| p.contains("TerminalServices-RemoteConnectionManager"))
}

fn windows_login_who(ev: &Event) -> Option<(String, Option<String>)> {
    if is_rcm(ev) {
        let user = field(ev, "Param1")?.to_string();
        return Some((user, field(ev, "Param3").map(str::to_string)));
    }
    let user = field(ev, "TargetUserName")?.to_string();
    Some((user, field(ev, "IpAddress").map(str::to_string)))
}

/// A Windows logon of one of `types` with a source address.
pub(crate) fn win_logon(r: i64, ev: &Event, types: &[String]) -> Option<WinLogon> {
    if !ev.source.is_windows() || ev.event_id.as_deref() != Some("4624") {
        return None;
    }
    let ltype = field(ev, "LogonType")?;
    if !types.iter().any(|t| t == ltype) {
        return None;
    }
    let user = field(ev, "TargetUserName")?;
    let host = host_of(ev);
    Some(WinLogon {
        r,
        t: ev.timestamp,
        host_key: host_key(&host),
        host,
        account: account_key(user)?,
        user: user.to_string(),
        src: parse_ip(field(ev, "IpAddress")?)?,
        logon_type: ltype.to_string(),
        logon_id: field(ev, "TargetLogonId").and_then(parse_logon_id),
    })
}

/// Session details from any gateway line with a session id: NAT address, internal
/// destination, end.
pub(crate) fn gateway_detail(ev: &Event) -> Option<(String, GatewaySession)> {
    if ev.source != SourceKind::Netscaler {
        return None;
    }
    let session = field(ev, "SessionId")?.to_string();
    let mut g = GatewaySession::default();
    let source_ip = field(ev, "Source").and_then(|s| parse_ip(strip_port(s)));
    g.nat.extend(field(ev, "Nat_ip").and_then(parse_ip));
    g.nat
        .extend(source_ip.filter(|ip| ev.network.src_ip.as_deref() != Some(&ip.to_string())));
    g.destinations
        .extend(field(ev, "Destination").map(str::to_string));
    if field(ev, "event_type") == Some("LOGOUT") {
        g.end = Some(ev.timestamp);
    }
    Some((session, g))
}

fn strip_port(s: &str) -> &str {
    match s.rsplit_once(':') {
        Some((ip, port)) if !ip.contains(':') && port.bytes().all(|b| b.is_ascii_digit()) => ip,
        _ => s,
    }
}

/// A process start.
pub(crate) fn process(r: i64, ev: &Event) -> Option<ProcStart> {
    let id = ev.event_id.as_deref().unwrap_or("");
    let (account, logon) = if ev.source.is_windows() {
        match id {
            "1" if is_sysmon(ev) => (field(ev, "User"), field(ev, "LogonId")),
            "4688" => (field(ev, "SubjectUserName"), field(ev, "SubjectLogonId")),
            _ => return None,
        }
    } else {
        (ev.user.name.as_deref(), None)
    };
    let command_line = ev.process.command_line.clone().unwrap_or_default();
    let image = match ev.process.image.clone() {
        Some(i) => i,
        None if !ev.source.is_windows() && !command_line.is_empty() => first_token(&command_line),
        None => return None,
    };
    let host = host_of(ev);
    Some(ProcStart {
        r,
        t: ev.timestamp,
        host_key: host_key(&host),
        host,
        account: account.and_then(account_key),
        logon_id: logon.and_then(parse_logon_id),
        image,
        command_line,
    })
}

fn first_token(cmd: &str) -> String {
    let cmd = cmd.trim();
    if let Some(q) = cmd.strip_prefix('"') {
        return q.split('"').next().unwrap_or("").to_string();
    }
    cmd.split_whitespace().next().unwrap_or("").to_string()
}

pub(crate) fn is_sysmon(ev: &Event) -> bool {
    ev.provider.as_deref().is_some_and(|p| p.contains("Sysmon"))
        || ev.channel.as_deref().is_some_and(|c| c.contains("Sysmon"))
}

/// A file written or created: (host, path, time). Bodyfile `m`/`b` times and Sysmon 11.
pub(crate) fn file_write(ev: &Event) -> Option<(String, String, bool)> {
    match ev.source {
        SourceKind::Bodyfile => {
            let macb = field(ev, "macb")?;
            let born = macb.contains('b');
            if !(born || macb.contains('m'))
                || field(ev, "mode").is_some_and(|m| m.starts_with('d'))
            {
                return None;
            }
            let path = ev.file.path.as_deref()?;
            Some((host_of(ev), path.to_string(), born))
        }
        s if s.is_windows() && ev.event_id.as_deref() == Some("11") && is_sysmon(ev) => {
            let path = field(ev, "TargetFilename")?;
            Some((host_of(ev), path.to_string(), true))
        }
        _ => None,
    }
}

/// Egress in a proxy, gateway, web or firewall record.
pub(crate) fn transfer(r: i64, ev: &Event) -> Option<Transfer> {
    let (origin, peer, bytes, via) = match ev.source {
        SourceKind::Squid => squid_transfer(ev)?,
        SourceKind::Netscaler => gateway_transfer(ev)?,
        SourceKind::WebAccess | SourceKind::Iis => web_transfer(ev)?,
        _ => flow_transfer(ev)?,
    };
    (bytes > 0).then(|| Transfer {
        r,
        t: ev.timestamp,
        origin,
        peer,
        account: ev.user.name.clone().filter(|u| u != "-"),
        bytes,
        via,
    })
}

type Flow = (String, String, u64, &'static str);

/// Squid's native log has one byte count per request: for CONNECT tunnels both
/// directions, for other methods the reply. Only tunnels, POST and PUT can carry
/// uploads; plain downloads are not egress.
fn squid_transfer(ev: &Event) -> Option<Flow> {
    let method = ev.event_id.as_deref()?;
    if !matches!(method, "CONNECT" | "POST" | "PUT") {
        return None;
    }
    let peer = ev.domain.clone().or_else(|| ev.network.dst_ip.clone())?;
    let bytes = ev.network.bytes_out.or(ev.network.bytes_in)?;
    Some((ev.network.src_ip.clone()?, peer, bytes, "proxy"))
}

/// A gateway session's totals at logout: bytes the gateway sent to the client.
fn gateway_transfer(ev: &Event) -> Option<Flow> {
    if field(ev, "event_type") != Some("LOGOUT") {
        return None;
    }
    let origin = host_of(ev);
    Some((
        origin,
        ev.network.src_ip.clone()?,
        ev.network.bytes_out?,
        "gateway session",
    ))
}

/// A web server's reply to a client.
fn web_transfer(ev: &Event) -> Option<Flow> {
    let server = ev.host.clone().or_else(|| ev.network.dst_ip.clone())?;
    Some((
        server,
        ev.network.src_ip.clone()?,
        ev.network.bytes_out?,
        "web server reply",
    ))
}

/// A firewall/flow record with bytes sent.
fn flow_transfer(ev: &Event) -> Option<Flow> {
    let bytes = ev.network.bytes_out?;
    let peer = ev.network.dst_ip.clone().or_else(|| ev.domain.clone())?;
    Some((ev.network.src_ip.clone()?, peer, bytes, "flow"))
}

/// A host's own internal address: a network logon's `WorkstationName` and
/// `IpAddress` (4624 type 3), or a Sysmon 3 connection's host and `SourceIp`.
pub(crate) fn host_address(ev: &Event, nets: &[crate::net::IpNet]) -> Option<(String, String)> {
    if !ev.source.is_windows() {
        return None;
    }
    let (host, ip) = match ev.event_id.as_deref()? {
        "4624" if field(ev, "LogonType") == Some("3") => (
            field(ev, "WorkstationName")?.to_string(),
            field(ev, "IpAddress")?,
        ),
        "3" if is_sysmon(ev) => (host_of(ev), field(ev, "SourceIp")?),
        _ => return None,
    };
    let addr = parse_ip(ip)?;
    if addr.is_loopback() || !crate::net::is_internal(addr, nets) {
        return None;
    }
    Some((host_key(&host), addr.to_string()))
}
