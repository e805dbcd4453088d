//! MISP event JSON, as MISP exports it and as its REST API returns it.

use crate::error::{IocError, Position, Reason};
use crate::ioc::{Format, Ioc, IocSet, IocType, Meta};
use crate::stix::strip_bom;
use crate::types::{resolve, Resolved};
use serde_json::Value;

/// Parse MISP JSON: `{"Event": {...}}`, `{"response": [{"Event": ...}, ...]}`, an
/// array of `{"Event": ...}`, or an attribute search result
/// (`{"response": {"Attribute": [...]}}`, `{"Attribute": [...]}`).
///
/// Attributes of the event and of its objects are read; types and what they become:
/// `md5` `sha1` `sha256` `sha512` `imphash`; `ip-src` `ip-dst` (a network when it has
/// `/n`) and `ip-src|port` `ip-dst|port` (the port kept as `related`); `domain`
/// `hostname` (`hostname|port`); `domain|ip` (both); `url`, `uri` (a path-only uri has
/// no host and is skipped); `filename` (a path when it has separators),
/// `filename|<hash>` and `malware-sample` (the hash, the name as `related`);
/// `email` `email-src` `email-dst` `target-email`; `target-user`; `regkey`
/// (`regkey|value`); a `text` attribute with `object_relation: command-line` (the
/// `process` object's command line) as a command-line substring. Every other type (`text`, `comment`, `link`, `mutex`, `btc`,
/// `yara`, `ssdeep`, ...) and deleted attributes are counted: one error per type
/// with the count, the reason and where the first one is. `to_ids`, `category`,
/// `comment`, tags, the object name, the event `info` and `Orgc` are kept as metadata;
/// `to_ids: false` attributes are read too (the flag is in the metadata).
pub fn parse_misp(origin: &str, bytes: &[u8]) -> (IocSet, Vec<IocError>) {
    match serde_json::from_slice::<Value>(strip_bom(bytes)) {
        Ok(doc) => from_value(origin, &doc),
        Err(e) => (
            IocSet::new(origin, Format::Misp),
            vec![IocError::new(
                origin,
                Position::Document,
                Reason::Json(e.to_string()),
            )],
        ),
    }
}

/// Types skipped: (type, why) → count and first position, in order of appearance.
type Skips = Vec<((String, &'static str), usize, Position)>;

struct Reader<'a> {
    origin: &'a str,
    set: IocSet,
    errors: Vec<IocError>,
    skips: Skips,
}

pub(crate) fn from_value(origin: &str, doc: &Value) -> (IocSet, Vec<IocError>) {
    let mut r = Reader {
        origin,
        set: IocSet::new(origin, Format::Misp),
        errors: Vec::new(),
        skips: Vec::new(),
    };
    let events = events(doc);
    let loose = loose_attributes(doc);
    if events.is_empty() && loose.is_none() {
        let detail = "no Event, response or Attribute".to_string();
        let reason = Reason::Structure {
            format: "MISP",
            detail,
        };
        r.errors
            .push(IocError::new(origin, Position::Document, reason));
    }
    for (path, event) in events {
        r.event(&path, event);
    }
    if let Some((path, attrs)) = loose {
        r.attributes(&path, attrs, &Meta::default());
    }
    r.finish()
}

/// Every `Event` in the document, with its path.
fn events(doc: &Value) -> Vec<(String, &Value)> {
    fn wrapped<'v>(prefix: &str, items: &'v [Value]) -> Vec<(String, &'v Value)> {
        items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| Some((format!("{prefix}[{i}].Event"), v.get("Event")?)))
            .collect()
    }
    match doc {
        Value::Array(items) => wrapped("", items),
        Value::Object(o) => match (o.get("Event"), o.get("response")) {
            (Some(e), _) => vec![("Event".to_string(), e)],
            (None, Some(Value::Array(items))) => wrapped("response", items),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// An attribute search result's list.
fn loose_attributes(doc: &Value) -> Option<(String, &Value)> {
    if let Some(a) = doc.get("Attribute") {
        return Some(("Attribute".to_string(), a));
    }
    let a = doc.get("response")?.get("Attribute")?;
    Some(("response.Attribute".to_string(), a))
}

fn str_field<'a>(o: &'a Value, key: &str) -> Option<&'a str> {
    o.get(key).and_then(Value::as_str)
}

fn tags(o: &Value) -> Vec<String> {
    o.get("Tag")
        .and_then(Value::as_array)
        .map(|t| {
            t.iter()
                .filter_map(|t| str_field(t, "name"))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `true`, `"1"`, `"true"` (older exports write strings).
fn flag(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) => Some(matches!(s.as_str(), "1" | "true" | "True")),
        Value::Number(n) => Some(n.as_i64() == Some(1)),
        _ => None,
    }
}

impl Reader<'_> {
    fn event(&mut self, path: &str, event: &Value) {
        let base = Meta {
            event_info: str_field(event, "info").map(str::to_string),
            created_by: event
                .get("Orgc")
                .and_then(|o| str_field(o, "name"))
                .map(str::to_string),
            labels: tags(event),
            ..Meta::default()
        };
        if let Some(attrs) = event.get("Attribute") {
            self.attributes(&format!("{path}.Attribute"), attrs, &base);
        }
        let objects = event.get("Object").and_then(Value::as_array);
        for (i, object) in objects.into_iter().flatten().enumerate() {
            let meta = Meta {
                name: str_field(object, "name").map(str::to_string),
                ..base.clone()
            };
            if let Some(attrs) = object.get("Attribute") {
                self.attributes(&format!("{path}.Object[{i}].Attribute"), attrs, &meta);
            }
        }
    }

    fn attributes(&mut self, path: &str, attrs: &Value, base: &Meta) {
        for (i, a) in attrs.as_array().into_iter().flatten().enumerate() {
            let position = Position::Object {
                path: format!("{path}[{i}]"),
                id: str_field(a, "uuid").map(str::to_string),
            };
            self.attribute(a, position, base);
        }
    }

    fn attribute(&mut self, a: &Value, position: Position, base: &Meta) {
        let type_name = str_field(a, "type").unwrap_or_default();
        if a.get("deleted").and_then(flag) == Some(true) {
            return self.skip(type_name, "deleted attribute", position);
        }
        let value = match a.get("value") {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Number(n)) => n.to_string(),
            _ => return self.error(position, Reason::Empty),
        };
        // A `process` object's command line is a `text` attribute told apart by its
        // `object_relation` (MISP's object template), not by its type.
        let command_line = str_field(a, "object_relation") == Some("command-line")
            && matches!(type_name, "text" | "" | "comment");
        let resolved = if command_line {
            crate::value::normalise(IocType::CommandLine, &value)
                .map(|(kind, v)| Resolved::Iocs(vec![(kind, v)], None))
        } else if type_name.is_empty() {
            Err(Reason::UnknownTypeName(String::new()))
        } else {
            resolve(type_name, &value)
        };
        match resolved {
            Err(reason) => self.error(position, reason),
            Ok(Resolved::Skip(why)) => self.skip(type_name, why, position),
            Ok(Resolved::Iocs(iocs, related)) => {
                let meta = attribute_meta(a, base, related);
                for (kind, value) in iocs {
                    self.set.iocs.push(Ioc {
                        kind,
                        value,
                        position: position.clone(),
                        meta: meta.clone(),
                    });
                }
            }
        }
    }

    fn error(&mut self, position: Position, reason: Reason) {
        self.errors
            .push(IocError::new(self.origin, position, reason));
    }

    fn skip(&mut self, type_name: &str, why: &'static str, position: Position) {
        let key = (type_name.to_string(), why);
        match self.skips.iter_mut().find(|(k, ..)| *k == key) {
            Some((_, n, _)) => *n += 1,
            None => self.skips.push((key, 1, position)),
        }
    }

    fn finish(mut self) -> (IocSet, Vec<IocError>) {
        for ((type_name, why), count, position) in std::mem::take(&mut self.skips) {
            let reason = Reason::Skipped {
                type_name,
                count,
                why: why.to_string(),
            };
            self.error(position, reason);
        }
        (self.set, self.errors)
    }
}

fn attribute_meta(a: &Value, base: &Meta, related: Option<String>) -> Meta {
    let mut labels = base.labels.clone();
    labels.extend(tags(a));
    Meta {
        id: str_field(a, "uuid").map(str::to_string),
        to_ids: a.get("to_ids").and_then(flag),
        category: str_field(a, "category").map(str::to_string),
        comment: str_field(a, "comment")
            .filter(|c| !c.is_empty())
            .map(str::to_string),
        labels,
        related,
        ..base.clone()
    }
}
