//! Telling what an IOC value is, and writing it in canonical form.

use crate::error::Reason;
use crate::ioc::IocType;
use std::net::IpAddr;

/// File extensions that make `name.ext` a file name rather than a domain. Some are
/// also top-level domains (`zip`, `sh`, `py`): in a plain list they are read as file
/// names; a typed source (CSV type column, STIX, MISP) decides otherwise. `com` is
/// not here: `name.com` is read as a domain.
const FILE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "sys", "drv", "ocx", "cpl", "scr", "ps1", "psm1", "psd1", "bat", "cmd", "vbs",
    "vbe", "js", "jse", "wsf", "wsh", "hta", "lnk", "msi", "msp", "jar", "py", "sh", "elf", "bin",
    "dat", "tmp", "log", "txt", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pdf",
    "rtf", "zip", "rar", "7z", "gz", "tar", "iso", "img", "vhd", "vhdx", "one", "chm", "inf",
    "reg", "php", "asp", "aspx", "jsp", "ashx", "so", "dmg", "apk", "png", "jpg", "gif", "html",
    "htm", "svg", "xml", "json", "csv",
];

/// Undo the usual defanging: `hxxp`, `[.]`, `(.)`, `[dot]`, `[:]`, `[@]`, `[at]`.
pub(crate) fn refang(s: &str) -> String {
    let mut out = s.trim().to_string();
    for (from, to) in [
        ("[.]", "."),
        ("(.)", "."),
        ("{.}", "."),
        ("[dot]", "."),
        ("[:]", ":"),
        ("[://]", "://"),
        ("[@]", "@"),
        ("[at]", "@"),
    ] {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    for (from, to) in [("hxxps://", "https://"), ("hxxp://", "http://")] {
        if out.len() >= from.len() && out[..from.len()].eq_ignore_ascii_case(from) {
            out = format!("{to}{}", &out[from.len()..]);
        }
    }
    out
}

/// Guess the type of an untyped value (plain lists, CSV rows without a type) and
/// return it in canonical form.
pub(crate) fn infer(raw: &str) -> Result<(IocType, String), Reason> {
    let v = refang(raw);
    if v.is_empty() {
        return Err(Reason::Empty);
    }
    if let Some(kind) = hash_kind(&v) {
        return Ok((kind, v.to_ascii_lowercase()));
    }
    if let Ok(ip) = ip(&v) {
        return Ok(ip);
    }
    infer_textual(&v).ok_or_else(|| Reason::UnknownType(raw.trim().to_string()))
}

fn infer_textual(v: &str) -> Option<(IocType, String)> {
    let typed = |kind| normalise(kind, v).ok();
    if is_registry(v) {
        return typed(IocType::RegistryKey);
    }
    if v.contains("://") {
        return typed(IocType::Url);
    }
    if is_absolute_path(v) {
        return typed(IocType::FilePath);
    }
    if v.contains('\\') {
        return typed(if looks_like_user(v) {
            IocType::User
        } else {
            IocType::FilePath
        });
    }
    if v.contains('@') {
        return typed(IocType::Email);
    }
    let numeric = v.chars().all(|c| c.is_ascii_digit() || c == '.');
    if numeric || v.contains(char::is_whitespace) || v.contains('/') || !v.contains('.') {
        return None;
    }
    if domain(v).is_ok() && !has_file_extension(v) {
        return typed(IocType::Domain);
    }
    typed(IocType::FileName)
}

/// Check and canonicalise a value whose type the source declared. IP types accept a
/// network (`/n`) and come back as [`IocType::Cidr`]; hash types check the length.
pub(crate) fn normalise(kind: IocType, raw: &str) -> Result<(IocType, String), Reason> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(Reason::Empty);
    }
    let invalid = || Reason::InvalidValue {
        kind: kind.to_string(),
        value: v.to_string(),
    };
    let value = match kind {
        k if k.is_hash() => {
            let h = v.to_ascii_lowercase();
            let ok = hash_kind(&h).is_some_and(|found| {
                found == k || (k == IocType::Imphash && found == IocType::Md5)
            });
            return ok.then_some((k, h)).ok_or_else(invalid);
        }
        IocType::Ipv4 | IocType::Ipv6 | IocType::Cidr => {
            return ip(&refang(v)).map_err(|_| invalid());
        }
        IocType::Domain => domain(&refang(v)).map_err(|_| invalid())?,
        IocType::Url => url(&refang(v)).ok_or_else(invalid)?,
        IocType::Email => email(&refang(v)).ok_or_else(invalid)?,
        IocType::FilePath => path(v).ok_or_else(invalid)?,
        IocType::FileName => file_name(v).ok_or_else(invalid)?,
        IocType::CommandLine => command_line(v).ok_or_else(invalid)?,
        IocType::RegistryKey => is_registry(v).then(|| v.to_string()).ok_or_else(invalid)?,
        _ => v.to_string(),
    };
    Ok((kind, value))
}

/// The hash type a bare hex string of that length is.
pub(crate) fn hash_kind(v: &str) -> Option<IocType> {
    if !v.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    match v.len() {
        32 => Some(IocType::Md5),
        40 => Some(IocType::Sha1),
        64 => Some(IocType::Sha256),
        128 => Some(IocType::Sha512),
        _ => None,
    }
}

/// An address (`[v6]` brackets allowed) or a network `addr/len`, masked to its prefix
/// (a `/32` or `/128` network is its one address).
pub(crate) fn ip(v: &str) -> Result<(IocType, String), ()> {
    match v.split_once('/') {
        Some((addr, len)) => {
            let addr = parse_ip(addr).ok_or(())?;
            let len: u8 = len.parse().map_err(|_| ())?;
            let (start, _) = crate::ranges::cidr_range(addr, len).ok_or(())?;
            let host = matches!((start, len), (IpAddr::V4(_), 32) | (IpAddr::V6(_), 128));
            if host {
                return ip(&start.to_string());
            }
            Ok((IocType::Cidr, format!("{start}/{len}")))
        }
        None => {
            let addr = parse_ip(v).ok_or(())?;
            let kind = match addr {
                IpAddr::V4(_) => IocType::Ipv4,
                IpAddr::V6(_) => IocType::Ipv6,
            };
            Ok((kind, addr.to_string()))
        }
    }
}

/// Parse an address; IPv4-mapped IPv6 (`::ffff:1.2.3.4`) comes back as IPv4.
pub(crate) fn parse_ip(v: &str) -> Option<IpAddr> {
    let v = v.trim();
    let v = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or(v);
    v.parse::<IpAddr>().ok().map(|a| a.to_canonical())
}

/// Lower case, without a leading `*.` or trailing `.`; labels of letters, digits, `-`
/// and `_`; at least two labels, a top-level label that is not all digits.
pub(crate) fn domain(v: &str) -> Result<String, ()> {
    let d = v.trim().trim_end_matches('.');
    let d = d.strip_prefix("*.").unwrap_or(d).to_lowercase();
    let labels: Vec<&str> = d.split('.').collect();
    let label_ok = |l: &&str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars()
                .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
    };
    let tld_ok = labels
        .last()
        .is_some_and(|t| !t.chars().all(|c| c.is_ascii_digit()));
    let ok = labels.len() >= 2 && d.len() <= 253 && labels.iter().all(label_ok) && tld_ok;
    ok.then_some(d).ok_or(())
}

fn has_file_extension(v: &str) -> bool {
    v.rsplit_once('.')
        .is_some_and(|(_, ext)| FILE_EXTENSIONS.iter().any(|e| e.eq_ignore_ascii_case(ext)))
}

/// A URL in canonical form: `scheme://host[:port]/path[?query]`, see [`url_key`].
/// A value without a scheme is read as `http://`.
pub(crate) fn url(v: &str) -> Option<String> {
    let parts = UrlParts::parse(v)?;
    if parts.host.is_empty() || parts.host.contains(char::is_whitespace) {
        return None;
    }
    let scheme = parts.scheme.unwrap_or("http").to_ascii_lowercase();
    let mut key = String::new();
    url_key(&parts, None, &mut key);
    Some(format!("{scheme}://{key}"))
}

/// The parts of a URL, or of a path-only request (`/a?b`, host empty), or of a
/// `host:port` (proxy CONNECT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    pub scheme: Option<&'a str>,
    pub host: &'a str,
    pub port: Option<&'a str>,
    /// Path and query, without the fragment.
    pub rest: &'a str,
}

impl<'a> UrlParts<'a> {
    pub fn parse(v: &'a str) -> Option<UrlParts<'a>> {
        let v = v.trim();
        let (scheme, after) = match v.split_once("://") {
            Some((s, a))
                if !s.is_empty()
                    && s.bytes().all(|b| {
                        b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.'
                    }) =>
            {
                (Some(s), a)
            }
            Some(_) => return None,
            None => (None, v),
        };
        let after = after.split('#').next().unwrap_or_default();
        let end = after.find(['/', '?']).unwrap_or(after.len());
        let (authority, rest) = after.split_at(end);
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        let (host, port) = split_host_port(authority);
        Some(UrlParts {
            scheme,
            host: host.trim_end_matches('.'),
            port,
            rest,
        })
    }
}

/// `host:port`, `[v6]:port`, `[v6]`; a bare IPv6 address has no port.
pub(crate) fn split_host_port(s: &str) -> (&str, Option<&str>) {
    if let Some(r) = s.strip_prefix('[') {
        let (h, rest) = r.split_once(']').unwrap_or((r, ""));
        return (h, rest.strip_prefix(':').filter(|p| !p.is_empty()));
    }
    match s.split_once(':') {
        Some((h, p)) if !p.contains(':') => (h, Some(p).filter(|p| !p.is_empty())),
        _ => (s, None),
    }
}

/// The matching key of a URL, written into `out`: host lower case (`[v6]` bracketed),
/// a port unless 80 or 443, the path without a trailing `/`, the query. No scheme:
/// `http://` and `https://` of the same place match. `host` stands in when the URL
/// has none (a request path logged next to a `Host`).
pub(crate) fn url_key(parts: &UrlParts<'_>, host: Option<&str>, out: &mut String) {
    out.clear();
    let host = if parts.host.is_empty() {
        host.unwrap_or_default()
    } else {
        parts.host
    };
    if host.contains(':') {
        out.push('[');
        out.push_str(host);
        out.push(']');
    } else {
        out.push_str(host);
    }
    out.make_ascii_lowercase();
    if let Some(p) = parts.port.filter(|p| *p != "80" && *p != "443") {
        out.push(':');
        out.push_str(p);
    }
    let (path, query) = match parts.rest.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (parts.rest, None),
    };
    out.push_str(path.trim_end_matches('/'));
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
}

fn email(v: &str) -> Option<String> {
    let (local, dom) = v.rsplit_once('@')?;
    let ok = !local.is_empty() && !local.contains(char::is_whitespace) && domain(dom).is_ok();
    ok.then(|| v.to_lowercase())
}

fn path(v: &str) -> Option<String> {
    (v.contains(['\\', '/']) && !v.contains('\n')).then(|| v.to_string())
}

fn file_name(v: &str) -> Option<String> {
    (!v.contains(['\\', '/', '\n'])).then(|| v.to_string())
}

/// Shortest command-line substring accepted: shorter ones would hit nearly everything.
pub const MIN_SUBSTRING: usize = 3;

fn command_line(v: &str) -> Option<String> {
    (v.chars().count() >= MIN_SUBSTRING).then(|| v.to_string())
}

fn is_absolute_path(v: &str) -> bool {
    let b = v.as_bytes();
    let drive = b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && (b[2] == b'\\' || b[2] == b'/');
    drive
        || v.starts_with("\\\\")
        || v.starts_with('/')
        || v.starts_with("~/")
        || (v.starts_with('%') && v.contains(['\\', '/']))
}

/// `DOMAIN\user`: one backslash, no spaces, and not `dir\file.ext`.
fn looks_like_user(v: &str) -> bool {
    v.matches('\\').count() == 1
        && !v.contains(char::is_whitespace)
        && !v.contains(':')
        && !has_file_extension(v)
}

/// Registry keys start with a hive: `HKLM\`, `HKEY_LOCAL_MACHINE\`, `\REGISTRY\`.
pub(crate) fn is_registry(v: &str) -> bool {
    let u = v
        .get(..v.len().min(10))
        .unwrap_or_default()
        .to_ascii_uppercase();
    [
        "HKLM\\",
        "HKCU\\",
        "HKU\\",
        "HKCR\\",
        "HKCC\\",
        "HKEY_",
        "\\REGISTRY\\",
    ]
    .iter()
    .any(|p| u.starts_with(p))
}

/// Registry key written into `out` for matching: lower case, hives abbreviated
/// (`HKEY_LOCAL_MACHINE` and `\REGISTRY\MACHINE` → `hklm`), a user's hive under
/// `HKU\<SID>\` (as Sysmon writes it) read as `hkcu`, no trailing `\`.
pub(crate) fn registry_key(v: &str, out: &mut String) {
    hive_key(v, out);
    if let Some(rest) = out.strip_prefix("hku\\s-1-5-") {
        if let Some(i) = rest.find('\\').filter(|_| !rest.contains("_classes\\")) {
            let cut = "hku\\s-1-5-".len() + i;
            out.replace_range(..cut, "hkcu");
        }
    }
}

fn hive_key(v: &str, out: &mut String) {
    out.clear();
    out.push_str(v.trim().trim_end_matches('\\'));
    out.make_ascii_lowercase();
    for (long, short) in [
        ("hkey_local_machine", "hklm"),
        ("\\registry\\machine", "hklm"),
        ("hkey_current_user", "hkcu"),
        ("hkey_users", "hku"),
        ("\\registry\\user", "hku"),
        ("hkey_classes_root", "hkcr"),
        ("hkey_current_config", "hkcc"),
    ] {
        if out.starts_with(long) {
            out.replace_range(..long.len(), short);
            break;
        }
    }
}

/// `DOMAIN\user`, `user@domain` or `user`, as (domain, name).
pub(crate) fn split_user(v: &str) -> (Option<&str>, &str) {
    let v = v.trim();
    if let Some((d, n)) = v.split_once('\\') {
        return (Some(d).filter(|d| !d.is_empty()), n);
    }
    match v.rsplit_once('@') {
        Some((n, d)) if !n.is_empty() && !d.is_empty() => (Some(d), n),
        _ => (None, v),
    }
}

/// The matching key of a user: `domain\name` or `name`, lower case.
pub(crate) fn user_key(domain: Option<&str>, name: &str, out: &mut String) {
    out.clear();
    if let Some(d) = domain {
        out.push_str(d);
        out.push('\\');
    }
    out.push_str(name);
    *out = out.to_lowercase();
}
