//! Declared type names (CSV type columns, MISP attribute types) to IOC types.

use crate::error::Reason;
use crate::ioc::IocType;
use crate::value::{self, split_host_port};

/// What a typed value turns into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Resolved {
    /// IOCs, and the other half of a composite value (kept as metadata).
    Iocs(Vec<(IocType, String)>, Option<String>),
    /// A type Firebreak does not match on, and why.
    Skip(&'static str),
}

/// Resolve `value` declared as `type_name` (case and `-`/`_`/space insensitive; OTX's
/// `FileHash-` prefix dropped). An empty type name means "guess".
pub(crate) fn resolve(type_name: &str, value: &str) -> Result<Resolved, Reason> {
    let name = canonical_name(type_name);
    if name.is_empty() {
        return value::infer(value).map(|t| Resolved::Iocs(vec![t], None));
    }
    match name.split_once('|') {
        Some((a, b)) => composite(a, b, value),
        None => single(&name, value)
            .map(|r| r.map_or_else(Resolved::Skip, |t| Resolved::Iocs(vec![t], None))),
    }
}

fn canonical_name(type_name: &str) -> String {
    let n = type_name
        .trim()
        .to_ascii_lowercase()
        .replace([' ', '-'], "_");
    n.strip_prefix("filehash_").map(str::to_string).unwrap_or(n)
}

/// One value of a simple type: an IOC, or why the type is skipped.
fn single(name: &str, v: &str) -> Result<Result<(IocType, String), &'static str>, Reason> {
    let kind = match name {
        "md5" => IocType::Md5,
        "sha1" => IocType::Sha1,
        "sha256" => IocType::Sha256,
        "sha512" => IocType::Sha512,
        "imphash" => IocType::Imphash,
        "hash" | "filehash" => return hash_by_length(v).map(Ok),
        "ip" | "ipv4" | "ipv6" | "ip_src" | "ip_dst" | "ip_address" | "ipv4_addr" | "ipv6_addr"
        | "ip:port" | "cidr" | "network" | "netblock" => {
            let invalid = |_| Reason::InvalidValue {
                kind: "ip".into(),
                value: v.trim().to_string(),
            };
            return value::normalise(IocType::Ipv4, split_host_port(v.trim()).0)
                .map(Ok)
                .map_err(invalid);
        }
        "domain" | "hostname" | "fqdn" | "domain_name" | "host" => IocType::Domain,
        "url" => IocType::Url,
        "uri" if v.trim_start().starts_with('/') => {
            return Ok(Err("a path-only uri has no host to match"))
        }
        "uri" => IocType::Url,
        "email" | "email_src" | "email_dst" | "email_addr" | "email_address" | "target_email" => {
            IocType::Email
        }
        "filename" | "file_name" | "file" if v.contains(['\\', '/']) => IocType::FilePath,
        "filename" | "file_name" | "file" => IocType::FileName,
        "filepath" | "file_path" | "path" => IocType::FilePath,
        "user" | "username" | "user_name" | "account" | "target_user" | "user_account" => {
            IocType::User
        }
        "command_line" | "commandline" | "cmdline" | "process_command_line" => IocType::CommandLine,
        "regkey" | "registry" | "registry_key" | "windows_registry_key" => IocType::RegistryKey,
        other => return Ok(Err(skip_reason(other))),
    };
    value::normalise(kind, v).map(Ok)
}

fn hash_by_length(v: &str) -> Result<(IocType, String), Reason> {
    let h = v.trim().to_ascii_lowercase();
    match value::hash_kind(&h) {
        Some(kind) => Ok((kind, h)),
        None => Err(Reason::InvalidValue {
            kind: "hash".into(),
            value: v.trim().to_string(),
        }),
    }
}

fn skip_reason(name: &str) -> &'static str {
    match name {
        "text" | "comment" | "other" => "free text, not an indicator",
        "link" => "a reference link, not an indicator",
        "mutex" => "no event field carries mutex names",
        "btc" | "xmr" | "dash" => "a cryptocurrency address",
        "yara" | "sigma" | "snort" | "pattern_in_file" | "pattern_in_memory"
        | "pattern_in_traffic" => "a rule or pattern, not a value",
        "ssdeep"
        | "tlsh"
        | "authentihash"
        | "sha224"
        | "sha384"
        | "sha3_256"
        | "pehash"
        | "x509_fingerprint_sha1"
        | "x509_fingerprint_md5"
        | "x509_fingerprint_sha256"
        | "ja3_fingerprint_md5"
        | "hassh_md5"
        | "vhash" => "a hash kind events do not carry",
        _ => "a type Firebreak does not match on",
    }
}

/// `a|b` MISP composites: `filename|<hash>`, `ip-dst|port`, `hostname|port`,
/// `domain|ip`, `regkey|value`.
fn composite(a: &str, b: &str, v: &str) -> Result<Resolved, Reason> {
    let Some((va, vb)) = v.split_once('|') else {
        return Err(Reason::InvalidValue {
            kind: format!("{a}|{b}"),
            value: v.to_string(),
        });
    };
    let one = |name: &str, val: &str, related: &str| -> Result<Resolved, Reason> {
        Ok(match single(name, val)? {
            Ok(t) => Resolved::Iocs(vec![t], Some(related.trim().to_string())),
            Err(why) => Resolved::Skip(why),
        })
    };
    match (a, b) {
        ("filename" | "malware_sample", h) if is_hash_name(h) => one(h, vb, va),
        ("ip_src" | "ip_dst", "port") => one(a, va, vb),
        ("hostname" | "domain", "port") => one(a, va, vb),
        ("regkey", "value") => one(a, va, vb),
        ("domain", "ip") => {
            let d = single("domain", va)?.map_err(|_| Reason::Empty)?;
            let ip = single("ip", vb)?.map_err(|_| Reason::Empty)?;
            Ok(Resolved::Iocs(vec![d, ip], None))
        }
        _ => Ok(Resolved::Skip(
            "a composite type Firebreak does not match on",
        )),
    }
}

fn is_hash_name(n: &str) -> bool {
    matches!(n, "md5" | "sha1" | "sha256" | "sha512" | "imphash")
}
