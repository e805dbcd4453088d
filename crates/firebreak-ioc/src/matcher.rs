//! One pass over an event, whatever the number of IOCs: every lookup is a hash probe,
//! a binary search or one Aho-Corasick scan.

use crate::fields::{Classes, FieldClass, FieldMap};
use crate::ioc::{Ioc, IocSet, IocType};
use crate::ranges::{cidr_range, RangeTable};
use crate::value::{self, parse_ip, split_host_port, split_user, user_key, UrlParts};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};
use firebreak_event::Event;
use std::collections::HashMap;
use std::net::IpAddr;

/// An IOC found in an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IocHit<'a> {
    pub ioc: &'a Ioc,
    /// The origin of the IOC's set.
    pub origin: &'a str,
    /// The event field: an original name (`Hashes`, `QueryName`) or a normalised one
    /// (`process.hashes`, `domain`).
    pub field: &'a str,
    /// The part of the field's value that matched, as the event wrote it (one hash of
    /// a `Hashes` list, the host of a URL, the substring of a command line).
    pub value: &'a str,
}

type Index = HashMap<String, Vec<u32>>;

/// Matches events against IOC sets. Build once, share across threads (`Sync`).
#[derive(Debug)]
pub struct IocMatcher {
    iocs: Vec<Ioc>,
    set_of: Vec<u32>,
    origins: Vec<String>,
    fields: FieldMap,
    hashes: Index,
    ips: HashMap<IpAddr, Vec<u32>>,
    v4: RangeTable,
    v6: RangeTable,
    domains: Index,
    urls: Index,
    paths: Index,
    names: Index,
    users: Index,
    emails: Index,
    registry: Index,
    commands: Option<AhoCorasick>,
    command_ids: Vec<Vec<u32>>,
}

impl IocMatcher {
    /// A matcher over the IOCs of all sets, with the built-in field mapping.
    pub fn new(sets: &[IocSet]) -> IocMatcher {
        IocMatcher::with_fields(sets, FieldMap::builtin())
    }

    /// A matcher with a given field mapping.
    pub fn with_fields(sets: &[IocSet], fields: FieldMap) -> IocMatcher {
        let mut b = Builder::default();
        for (s, set) in sets.iter().enumerate() {
            for ioc in &set.iocs {
                b.add(s as u32, ioc);
            }
        }
        b.finish(sets, fields)
    }

    /// How many IOCs the matcher holds.
    pub fn len(&self) -> usize {
        self.iocs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.iocs.is_empty()
    }

    /// Call `on_hit` for every IOC found in the event: original fields first (in event
    /// order), then normalised ones. The same IOC matching the same value twice (an
    /// original field and its normalised copy) is reported once, for the first field.
    pub fn matches<'a>(&'a self, event: &'a Event, on_hit: &mut impl FnMut(IocHit<'a>)) {
        if self.iocs.is_empty() {
            return;
        }
        let mut scan = Scan {
            m: self,
            event,
            seen: Vec::new(),
            buf: String::new(),
            on_hit,
        };
        let mut lower = String::new();
        for (name, value) in event.fields.iter() {
            let classes = self.fields.classes_of(name, &mut lower);
            if !classes.is_empty() {
                scan.field(name, value, classes);
            }
        }
        for &(name, classes) in self.fields.normalised() {
            if let Some(value) = event.normalised(name) {
                scan.field(name, value, classes);
            }
        }
    }

    /// The hits of one event, collected.
    pub fn matches_vec<'a>(&'a self, event: &'a Event) -> Vec<IocHit<'a>> {
        let mut hits = Vec::new();
        self.matches(event, &mut |h| hits.push(h));
        hits
    }
}

#[derive(Default)]
struct Builder {
    iocs: Vec<Ioc>,
    set_of: Vec<u32>,
    hashes: Index,
    ips: HashMap<IpAddr, Vec<u32>>,
    v4: Vec<(u128, u128, u32)>,
    v6: Vec<(u128, u128, u32)>,
    domains: Index,
    urls: Index,
    paths: Index,
    names: Index,
    users: Index,
    emails: Index,
    registry: Index,
    commands: Index,
}

fn put(index: &mut Index, key: String, id: u32) {
    index.entry(key).or_default().push(id);
}

impl Builder {
    fn add(&mut self, set: u32, ioc: &Ioc) {
        let id = self.iocs.len() as u32;
        let v = ioc.value.as_str();
        match ioc.kind {
            k if k.is_hash() => put(&mut self.hashes, v.to_ascii_lowercase(), id),
            IocType::Ipv4 | IocType::Ipv6 => match parse_ip(v) {
                Some(ip) => self.ips.entry(ip).or_default().push(id),
                None => return,
            },
            IocType::Cidr => {
                if !self.add_cidr(v, id) {
                    return;
                }
            }
            IocType::Domain => put(
                &mut self.domains,
                v.trim_end_matches('.').to_lowercase(),
                id,
            ),
            IocType::Url => put(&mut self.urls, url_value_key(v), id),
            IocType::Email => put(&mut self.emails, v.to_lowercase(), id),
            IocType::FilePath => put(&mut self.paths, v.to_lowercase(), id),
            IocType::FileName => put(&mut self.names, v.to_lowercase(), id),
            IocType::User => {
                let (d, n) = split_user(v);
                let mut key = String::new();
                user_key(d, n, &mut key);
                put(&mut self.users, key, id);
            }
            IocType::CommandLine => put(&mut self.commands, v.to_string(), id),
            IocType::RegistryKey => {
                let mut key = String::new();
                value::registry_key(v, &mut key);
                put(&mut self.registry, key, id);
            }
            _ => return,
        }
        self.iocs.push(ioc.clone());
        self.set_of.push(set);
    }

    fn add_cidr(&mut self, v: &str, id: u32) -> bool {
        let Some((addr, len)) = v.split_once('/') else {
            return false;
        };
        let (Some(addr), Ok(len)) = (parse_ip(addr), len.parse::<u8>()) else {
            return false;
        };
        match cidr_range(addr, len) {
            Some((IpAddr::V4(s), IpAddr::V4(e))) => {
                self.v4.push((u32::from(s).into(), u32::from(e).into(), id))
            }
            Some((IpAddr::V6(s), IpAddr::V6(e))) => self.v6.push((s.into(), e.into(), id)),
            _ => return false,
        }
        true
    }

    fn finish(self, sets: &[IocSet], fields: FieldMap) -> IocMatcher {
        let (commands, command_ids) = automaton(self.commands);
        IocMatcher {
            iocs: self.iocs,
            set_of: self.set_of,
            origins: sets.iter().map(|s| s.origin.clone()).collect(),
            fields,
            hashes: self.hashes,
            ips: self.ips,
            v4: RangeTable::build(self.v4),
            v6: RangeTable::build(self.v6),
            domains: self.domains,
            urls: self.urls,
            paths: self.paths,
            names: self.names,
            users: self.users,
            emails: self.emails,
            registry: self.registry,
            commands,
            command_ids,
        }
    }
}

/// The matching key of a canonical URL IOC: the value without its scheme.
fn url_value_key(v: &str) -> String {
    let mut key = String::new();
    if let Some(parts) = UrlParts::parse(v) {
        value::url_key(&parts, None, &mut key);
    }
    key
}

/// One automaton over every distinct command-line substring (case-insensitive), and
/// the IOCs of each pattern.
fn automaton(commands: Index) -> (Option<AhoCorasick>, Vec<Vec<u32>>) {
    if commands.is_empty() {
        return (None, Vec::new());
    }
    // Distinct up to ASCII case, so one pattern reports every IOC it stands for.
    let mut folded: HashMap<String, Vec<u32>> = HashMap::new();
    for (pattern, ids) in commands {
        folded
            .entry(pattern.to_ascii_lowercase())
            .or_default()
            .extend(ids);
    }
    let (patterns, ids): (Vec<String>, Vec<Vec<u32>>) = folded.into_iter().unzip();
    let ac = AhoCorasickBuilder::new()
        .ascii_case_insensitive(true)
        .match_kind(MatchKind::Standard)
        .build(&patterns)
        .ok();
    (ac, ids)
}

fn get<'m>(index: &'m Index, key: &str) -> &'m [u32] {
    index.get(key).map_or(&[], Vec::as_slice)
}

/// One event's matching.
struct Scan<'a, 'f, F> {
    m: &'a IocMatcher,
    event: &'a Event,
    /// (IOC, matched value) already reported.
    seen: Vec<(u32, &'a str)>,
    buf: String,
    on_hit: &'f mut F,
}

impl<'a, F: FnMut(IocHit<'a>)> Scan<'a, '_, F> {
    fn field(&mut self, name: &'a str, value: &'a str, classes: Classes) {
        let value = value.trim();
        if value.is_empty() || value == "-" {
            return;
        }
        for c in FieldClass::ALL {
            if classes.has(c) {
                self.class(c, name, value);
            }
        }
    }

    fn class(&mut self, c: FieldClass, name: &'a str, value: &'a str) {
        match c {
            FieldClass::Hash => self.hash(name, value),
            FieldClass::Ip => self.ip_list(name, value),
            FieldClass::Domain => self.domain(name, split_host_port(value).0),
            FieldClass::Url => self.url(name, value),
            FieldClass::Path => self.path(name, value),
            FieldClass::User => self.user(name, value),
            FieldClass::Email => self.email_list(name, value),
            FieldClass::CommandLine => self.command(name, value),
            FieldClass::Registry => self.registry(name, value),
        }
    }

    fn emit(&mut self, ids: &[u32], field: &'a str, value: &'a str, keep: impl Fn(&Ioc) -> bool) {
        for &id in ids {
            let ioc = &self.m.iocs[id as usize];
            if !keep(ioc) || self.seen.contains(&(id, value)) {
                continue;
            }
            self.seen.push((id, value));
            let origin = &self.m.origins[self.m.set_of[id as usize] as usize];
            (self.on_hit)(IocHit {
                ioc,
                origin,
                field,
                value,
            });
        }
    }

    /// The lookup key: `text` lower-cased, in the reused buffer.
    fn set_lower(&mut self, text: &str) {
        self.buf.clear();
        self.buf.push_str(&text.to_lowercase());
    }

    fn lookup(&mut self, index: &'a Index, field: &'a str, value: &'a str) {
        let ids = get(index, &self.buf);
        self.emit(ids, field, value, |_| true);
    }

    /// `SHA1=..,MD5=..`, `MD5:..`, or bare hex.
    fn hash(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        for part in value.split([',', ';', '|', ' ', '\t']) {
            let (label, hex) = match part.split_once(['=', ':']) {
                Some((l, h)) => (Some(l.trim()), h.trim()),
                None => (None, part.trim()),
            };
            let Some(by_length) = value::hash_kind(hex) else {
                continue;
            };
            let wanted = match label.map(label_type) {
                Some(Some(t)) => Some(t),
                Some(None) => continue,
                None => None,
            };
            self.buf.clear();
            self.buf.push_str(hex);
            self.buf.make_ascii_lowercase();
            let ids = get(&m.hashes, &self.buf);
            self.emit(ids, field, hex, |ioc| match wanted {
                Some(t) => ioc.kind == t,
                None => {
                    ioc.kind == by_length
                        || (by_length == IocType::Md5 && ioc.kind == IocType::Imphash)
                }
            });
        }
    }

    fn ip_list(&mut self, field: &'a str, value: &'a str) {
        for token in value.split([',', ';', ' ']).filter(|t| !t.is_empty()) {
            let host = split_host_port(token).0;
            if let Some(ip) = parse_ip(host) {
                self.ip(field, host, ip);
            }
        }
    }

    fn ip(&mut self, field: &'a str, value: &'a str, ip: IpAddr) {
        let m = self.m;
        if let Some(ids) = m.ips.get(&ip) {
            self.emit(ids, field, value, |_| true);
        }
        let ids = match ip {
            IpAddr::V4(a) => m.v4.find(u32::from(a).into()),
            IpAddr::V6(a) => m.v6.find(a.into()),
        };
        self.emit(ids, field, value, |_| true);
    }

    /// The host and each parent domain: `a.b.evil.com`, `b.evil.com`, `evil.com`, `com`.
    fn domain(&mut self, field: &'a str, host: &'a str) {
        let m = self.m;
        let host = host.trim().trim_end_matches('.');
        if let Some(ip) = parse_ip(host) {
            return self.ip(field, host, ip);
        }
        if self.m.domains.is_empty() {
            return;
        }
        let lower = host.to_lowercase();
        let mut at = 0;
        loop {
            let ids = get(&m.domains, &lower[at..]);
            self.emit(ids, field, host, |_| true);
            match lower[at..].find('.') {
                Some(dot) => at += dot + 1,
                None => break,
            }
        }
    }

    fn url(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        let Some(parts) = UrlParts::parse(value) else {
            return;
        };
        let fallback = self.event.domain.as_deref().map(|d| split_host_port(d).0);
        if !parts.host.is_empty() || fallback.is_some() {
            value::url_key(&parts, fallback, &mut self.buf);
            self.lookup(&m.urls, field, value);
        }
        if !parts.host.is_empty() {
            self.domain(field, parts.host);
        }
    }

    fn path(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        self.set_lower(value);
        self.lookup(&m.paths, field, value);
        let base = value.rsplit(['\\', '/']).next().unwrap_or(value);
        self.set_lower(base);
        self.lookup(&m.names, field, base);
    }

    fn user(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        let (domain, name) = split_user(value);
        let domain = domain.or_else(|| {
            (field == "user.name")
                .then_some(self.event.user.domain.as_deref())
                .flatten()
        });
        user_key(None, name, &mut self.buf);
        self.lookup(&m.users, field, value);
        if domain.is_some() {
            user_key(domain, name, &mut self.buf);
            self.lookup(&m.users, field, value);
        }
        if value.contains('@') {
            self.email(field, value);
        }
    }

    fn email_list(&mut self, field: &'a str, value: &'a str) {
        for token in value.split([',', ';']) {
            let token = token.trim();
            let addr = match token.rsplit_once('<') {
                Some((_, a)) => a.trim_end_matches('>').trim(),
                None => token,
            };
            self.email(field, addr);
        }
    }

    fn email(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        self.set_lower(value);
        self.lookup(&m.emails, field, value);
    }

    fn command(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        let Some(ac) = &m.commands else { return };
        for hit in ac.find_overlapping_iter(value) {
            let ids = &m.command_ids[hit.pattern().as_usize()];
            self.emit(ids, field, &value[hit.start()..hit.end()], |_| true);
        }
    }

    /// The key and each parent key.
    fn registry(&mut self, field: &'a str, value: &'a str) {
        let m = self.m;
        if self.m.registry.is_empty() {
            return;
        }
        value::registry_key(value, &mut self.buf);
        let key = std::mem::take(&mut self.buf);
        let mut end = key.len();
        loop {
            let ids = get(&m.registry, &key[..end]);
            self.emit(ids, field, value, |_| true);
            match key[..end].rfind('\\') {
                Some(i) => end = i,
                None => break,
            }
        }
        self.buf = key;
    }
}

/// `MD5`, `SHA1`, `SHA-256`, `IMPHASH`, ... as an IOC type; other labels (`SHA384`,
/// `SSDEEP`) are not matched.
fn label_type(label: &str) -> Option<IocType> {
    match label.to_ascii_uppercase().replace('-', "").as_str() {
        "MD5" => Some(IocType::Md5),
        "SHA1" => Some(IocType::Sha1),
        "SHA256" => Some(IocType::Sha256),
        "SHA512" => Some(IocType::Sha512),
        "IMPHASH" => Some(IocType::Imphash),
        _ => None,
    }
}
