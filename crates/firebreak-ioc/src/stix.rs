//! STIX 2.1 bundles: indicators with `stix` patterns, and plain cyber observables.

use crate::error::{IocError, Position, Reason};
use crate::ioc::{Format, Ioc, IocSet, IocType, Meta};
use crate::stix_pattern::{self, hash_algorithm, Bad};
use crate::value;
use serde_json::Value;
use std::collections::HashMap;

/// Parse a STIX 2.1 bundle (`{"type": "bundle", "objects": [...]}`; a bare array of
/// objects or a single object is read too).
///
/// * `indicator` objects with `pattern_type: stix` (or none, as in STIX 2.0): every
///   OR-ed comparison of the pattern gives one IOC. What cannot be matched one value
///   at a time (AND between observations or between comparisons other than hashes of
///   one file, FOLLOWEDBY, qualifiers, NOT, MATCHES, other operators, object paths
///   without an IOC type) gives an error naming the indicator, and its OR-ed siblings
///   are still read. Revoked indicators are skipped with an error.
/// * Observables: `ipv4-addr`, `ipv6-addr`, `domain-name`, `url`, `email-addr`
///   (`value`), `file` (`hashes`, `name`), `user-account` (`account_login`, else
///   `user_id`), `windows-registry-key` (`key`).
///
/// Other objects (identities, malware, relationships, ...) are context, not IOCs; an
/// `identity` names the `created_by_ref` of the indicators that point to it.
pub fn parse_stix(origin: &str, bytes: &[u8]) -> (IocSet, Vec<IocError>) {
    match serde_json::from_slice::<Value>(strip_bom(bytes)) {
        Ok(doc) => from_value(origin, &doc),
        Err(e) => (
            IocSet::new(origin, Format::Stix),
            vec![IocError::new(
                origin,
                Position::Document,
                Reason::Json(e.to_string()),
            )],
        ),
    }
}

pub(crate) fn strip_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes)
}

pub(crate) fn from_value(origin: &str, doc: &Value) -> (IocSet, Vec<IocError>) {
    let mut set = IocSet::new(origin, Format::Stix);
    let mut errors = Vec::new();
    let objects: &[Value] = match doc {
        Value::Array(a) => a,
        Value::Object(o) if o.get("type").and_then(Value::as_str) == Some("bundle") => o
            .get("objects")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice),
        Value::Object(_) => std::slice::from_ref(doc),
        _ => &[],
    };
    let names = identities(objects);
    let mut ctx = Ctx {
        origin,
        names: &names,
        set: &mut set,
        errors: &mut errors,
    };
    for (i, obj) in objects.iter().enumerate() {
        ctx.object(i, obj);
    }
    (set, errors)
}

/// `identity` id → name, for `created_by_ref`.
fn identities(objects: &[Value]) -> HashMap<&str, &str> {
    objects
        .iter()
        .filter(|o| str_field(o, "type") == Some("identity"))
        .filter_map(|o| Some((str_field(o, "id")?, str_field(o, "name")?)))
        .collect()
}

fn str_field<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

fn strings(o: &Value, key: &str) -> Vec<String> {
    o.get(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

struct Ctx<'a> {
    origin: &'a str,
    names: &'a HashMap<&'a str, &'a str>,
    set: &'a mut IocSet,
    errors: &'a mut Vec<IocError>,
}

impl Ctx<'_> {
    fn object(&mut self, i: usize, obj: &Value) {
        let position = Position::Object {
            path: format!("objects[{i}]"),
            id: str_field(obj, "id").map(str::to_string),
        };
        let meta = Meta {
            id: str_field(obj, "id").map(str::to_string),
            ..Meta::default()
        };
        match str_field(obj, "type").unwrap_or_default() {
            "indicator" => self.indicator(obj, position),
            "ipv4-addr" | "ipv6-addr" => {
                self.observable(IocType::Ipv4, obj, "value", &position, &meta)
            }
            "domain-name" => self.observable(IocType::Domain, obj, "value", &position, &meta),
            "url" => self.observable(IocType::Url, obj, "value", &position, &meta),
            "email-addr" => self.observable(IocType::Email, obj, "value", &position, &meta),
            "windows-registry-key" => {
                self.observable(IocType::RegistryKey, obj, "key", &position, &meta)
            }
            "user-account" => {
                let key = if obj.get("account_login").is_some() {
                    "account_login"
                } else {
                    "user_id"
                };
                self.observable(IocType::User, obj, key, &position, &meta);
            }
            "file" => self.file(obj, &position, &meta),
            _ => {}
        }
    }

    fn push(&mut self, kind: IocType, raw: &str, position: &Position, meta: &Meta) {
        match value::normalise(kind, raw) {
            Ok((kind, value)) => self.set.iocs.push(Ioc {
                kind,
                value,
                position: position.clone(),
                meta: meta.clone(),
            }),
            Err(reason) => self.error(position, reason),
        }
    }

    fn error(&mut self, position: &Position, reason: Reason) {
        self.errors
            .push(IocError::new(self.origin, position.clone(), reason));
    }

    fn observable(
        &mut self,
        kind: IocType,
        obj: &Value,
        key: &str,
        position: &Position,
        meta: &Meta,
    ) {
        match str_field(obj, key) {
            Some(v) => self.push(kind, v, position, meta),
            None => self.error(position, Reason::Empty),
        }
    }

    /// A `file` observable: each hash it carries, and its name.
    fn file(&mut self, obj: &Value, position: &Position, meta: &Meta) {
        let before = self.set.iocs.len();
        if let Some(hashes) = obj.get("hashes").and_then(Value::as_object) {
            for (alg, v) in hashes {
                match (hash_algorithm(alg), v.as_str()) {
                    (Some(kind), Some(v)) => self.push(kind, v, position, meta),
                    _ => self.error(
                        position,
                        Reason::Skipped {
                            type_name: alg.clone(),
                            count: 1,
                            why: "a hash kind events do not carry".into(),
                        },
                    ),
                }
            }
        }
        if let Some(name) = str_field(obj, "name") {
            self.push(IocType::FileName, name, position, meta);
        }
        if self.set.iocs.len() == before && !self.errors.iter().any(|e| &e.position == position) {
            self.error(position, Reason::Empty);
        }
    }

    fn indicator(&mut self, obj: &Value, position: Position) {
        if obj.get("revoked").and_then(Value::as_bool) == Some(true) {
            return self.error(&position, Reason::Revoked);
        }
        let pattern_type = str_field(obj, "pattern_type").unwrap_or("stix");
        if pattern_type != "stix" {
            return self.error(
                &position,
                Reason::UnsupportedPatternType(pattern_type.to_string()),
            );
        }
        let Some(pattern) = str_field(obj, "pattern") else {
            let detail = "indicator without a pattern".to_string();
            return self.error(
                &position,
                Reason::Structure {
                    format: "STIX",
                    detail,
                },
            );
        };
        let meta = self.indicator_meta(obj);
        match stix_pattern::read(pattern) {
            Err(e) => self.error(&position, Reason::PatternSyntax(e)),
            Ok(parts) => parts.into_iter().for_each(|part| match part {
                Ok((kind, value)) => self.set.iocs.push(Ioc {
                    kind,
                    value,
                    position: position.clone(),
                    meta: meta.clone(),
                }),
                Err(Bad::Unsupported(what)) => {
                    self.error(&position, Reason::UnsupportedPattern(what))
                }
                Err(Bad::Invalid(reason)) => self.error(&position, reason),
            }),
        }
    }

    fn indicator_meta(&self, obj: &Value) -> Meta {
        let mut labels = strings(obj, "labels");
        labels.extend(strings(obj, "indicator_types"));
        let kill_chain = obj
            .get("kill_chain_phases")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| {
                        Some(format!(
                            "{}:{}",
                            str_field(p, "kill_chain_name")?,
                            str_field(p, "phase_name")?
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        let created_by = str_field(obj, "created_by_ref")
            .map(|r| self.names.get(r).copied().unwrap_or(r).to_string());
        Meta {
            id: str_field(obj, "id").map(str::to_string),
            name: str_field(obj, "name").map(str::to_string),
            description: str_field(obj, "description").map(str::to_string),
            labels,
            kill_chain,
            created_by,
            ..Meta::default()
        }
    }
}
