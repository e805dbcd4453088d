//! Firebreak's IOC sets and matcher. No I/O: callers read files or feeds and hand the
//! bytes; events come from `firebreak-event`.
//!
//! # Reading IOC sets
//!
//! Every parser has the shape `fn(origin, bytes) -> (IocSet, Vec<IocError>)`: one bad
//! line, record or object is one [`IocError`] (origin, [`Position`], [`Reason`]) and
//! never stops the rest.
//!
//! * [`parse_plain`]: one IOC per line, `#` comments, the type guessed: MD5 / SHA-1 /
//!   SHA-256 / SHA-512 by hex length, IPv4, IPv6, CIDR, URL (`://`), registry key
//!   (`HKLM\…`), absolute file path, `DOMAIN\user`, e-mail, domain, file name
//!   (`name.ext` for common executable / document extensions, else a domain). Defanged
//!   values (`hxxp`, `[.]`, `[@]`) are refanged.
//! * [`parse_csv`]: CSV with a header naming a value column (`value`, `indicator`,
//!   `ioc`, `ioc_value`, …) and optionally a type (`type`, `ioc_type`,
//!   `indicator_type`, …; MISP / OTX / ThreatFox type names), description, source,
//!   comment, category, to_ids and id columns.
//! * [`parse_stix`]: STIX 2.1 bundles — `indicator` patterns (OR-ed comparisons give
//!   several IOCs; AND, FOLLOWEDBY, qualifiers, MATCHES, … are errors naming the
//!   indicator) and observables (`ipv4-addr`, `domain-name`, `file` hashes, …).
//! * [`parse_misp`]: MISP event JSON (`Event`, `response` arrays, attribute search
//!   results), attributes of the event and its objects; types not matched on are
//!   counted per type in one error each.
//! * [`parse_auto`]: sniffs which of the four it is by content.
//!
//! Metadata (STIX name / id / labels / kill chain / creator, MISP to_ids / category /
//! comment / tags / event info, CSV description / source) is kept in [`Meta`].
//!
//! # Matching
//!
//! [`IocMatcher::new`] indexes any number of sets; [`IocMatcher::matches`] looks at
//! each event once, with a cost that does not grow with the number of IOCs: hashes,
//! exact IPs, domains, URLs, paths, file names, users, e-mail addresses and registry
//! keys are hash-table probes; networks are sorted disjoint ranges found by binary
//! search (IPv4 and IPv6); domains are probed for the event's host and each of its
//! parent domains (`evil.com` hits `a.b.evil.com`, never `notevil.com`); all
//! command-line substrings are found by one case-insensitive Aho-Corasick automaton.
//!
//! Which event fields each IOC type is looked for in, and how each field's value is
//! read (Sysmon `Hashes` lists, `ip:port`, URL hosts, `DOMAIN\user`), is data: the
//! file `data/fields.yaml` ([`BUILTIN_FIELDS`], compiled in, documented inline),
//! extendable with [`FieldMap::extend`]. Normalised fields and original fields whose
//! names say what they hold are both read.
//!
//! Normalisation: hashes, domains, e-mail addresses lower case; IPs parsed (IPv4-mapped
//! IPv6 read as IPv4); URLs compared without scheme, with the host lower case, ports 80
//! and 443 dropped, no fragment and no trailing `/`; a path-only request URL takes the
//! event's `domain` as its host; paths, file names, users and registry keys compared
//! case-insensitively. Each [`IocHit`] names the IOC (type, value, set origin,
//! metadata), the event field and the part of its value that matched.

mod csvfmt;
mod error;
mod fields;
mod ioc;
mod matcher;
mod misp;
mod plain;
mod ranges;
mod stix;
mod stix_pattern;
mod types;
mod value;
mod write;

pub use csvfmt::parse_csv;
pub use error::{IocError, Position, Reason};
pub use fields::{FieldClass, FieldMap, MappingError, BUILTIN_FIELDS};
pub use ioc::{Format, Ioc, IocSet, IocType, Meta};
pub use matcher::{IocHit, IocMatcher};
pub use misp::parse_misp;
pub use plain::parse_plain;
pub use stix::parse_stix;
pub use value::MIN_SUBSTRING;
pub use write::{deterministic_uuid, stix_pattern};

use serde_json::Value;

/// Which format `bytes` look like: JSON with `"type": "bundle"` (or STIX objects) is
/// STIX, JSON with `Event` / `response` / `Attribute` is MISP; text whose first line
/// that is not blank or a `#` comment is a CSV header naming a value column is CSV;
/// other text is a plain list. `None` for JSON that is neither.
pub fn sniff(bytes: &[u8]) -> Option<Format> {
    let text = stix::strip_bom(bytes);
    let start = text.iter().position(|b| !b.is_ascii_whitespace());
    match start.map(|i| text[i]) {
        Some(b'{' | b'[') => serde_json::from_slice::<Value>(text)
            .ok()
            .and_then(|v| json_format(&v)),
        _ => Some(text_format(text)),
    }
}

fn json_format(doc: &Value) -> Option<Format> {
    let first = match doc {
        Value::Array(a) => a.first()?,
        v => v,
    };
    if ["Event", "response", "Attribute"]
        .iter()
        .any(|k| first.get(k).is_some())
    {
        return Some(Format::Misp);
    }
    let t = first.get("type").and_then(Value::as_str)?;
    let stix =
        t == "bundle" || first.get("spec_version").is_some() || first.get("pattern").is_some();
    stix.then_some(Format::Stix)
}

fn text_format(text: &[u8]) -> Format {
    let first = text
        .split(|&b| b == b'\n')
        .map(|l| String::from_utf8_lossy(l.trim_ascii()).into_owned())
        .find(|l| !l.is_empty() && !l.starts_with('#'));
    match first {
        Some(l) if csvfmt::is_header(&l) => Format::Csv,
        _ => Format::Plain,
    }
}

/// Parse with the format [`sniff`] finds. JSON that is neither STIX nor MISP, or is not
/// valid JSON, gives an empty set and one document error.
pub fn parse_auto(origin: &str, bytes: &[u8]) -> (IocSet, Vec<IocError>) {
    match sniff(bytes) {
        Some(Format::Plain) => parse_plain(origin, bytes),
        Some(Format::Csv) => parse_csv(origin, bytes),
        Some(Format::Stix) => parse_stix(origin, bytes),
        Some(Format::Misp) => parse_misp(origin, bytes),
        None => {
            let reason = match serde_json::from_slice::<Value>(stix::strip_bom(bytes)) {
                Err(e) => Reason::Json(e.to_string()),
                Ok(_) => Reason::UnknownFormat,
            };
            let set = IocSet::new(origin, Format::Plain);
            (set, vec![IocError::new(origin, Position::Document, reason)])
        }
    }
}
