//! Logsource mapping: which events a rule's `logsource` applies to, and field renames.
//! The mapping is data (`data/logsources.yaml`, embedded), extendable by a user file.

use crate::error::MappingError;
use firebreak_event::{Event, SourceKind};
use serde_yaml_ng::Value;

/// The built-in mapping file.
pub const BUILTIN_MAPPING: &str = include_str!("../data/logsources.yaml");

/// A rule's `logsource` section.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Logsource {
    pub product: Option<String>,
    pub category: Option<String>,
    pub service: Option<String>,
    pub definition: Option<String>,
}

/// One way events can belong to a logsource, with the field renames that go with it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Variant {
    pub name: Option<String>,
    pub channels: Vec<String>,
    pub event_ids: Vec<String>,
    pub providers: Vec<String>,
    pub sources: Vec<SourceKind>,
    /// Event field equals one of the values (case-insensitive).
    pub field_equals: Vec<(String, Vec<String>)>,
    /// Rule field → event fields, first present wins.
    pub renames: Vec<(String, Vec<String>)>,
}

impl Variant {
    /// Whether `e` belongs to this variant (straightforward check).
    pub fn applies(&self, e: &Event) -> bool {
        let any_ci = |list: &[String], v: Option<&str>| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| x.eq_ignore_ascii_case(v)))
        };
        any_ci(&self.channels, event_channel(e))
            && (self.event_ids.is_empty()
                || event_id(e).is_some_and(|id| self.event_ids.iter().any(|x| x == id)))
            && any_ci(&self.providers, event_provider(e))
            && (self.sources.is_empty() || self.sources.contains(&e.source))
            && self
                .field_equals
                .iter()
                .all(|(f, vals)| any_ci(vals, e.get(f)))
    }

    /// The event fields a rule field is read from (None: the rule's name itself).
    pub fn renamed(&self, rule_field: &str) -> Option<&[String]> {
        self.renames
            .iter()
            .find(|(k, _)| k == rule_field)
            .map(|(_, v)| v.as_slice())
    }
}

pub(crate) fn event_channel(e: &Event) -> Option<&str> {
    e.channel.as_deref().or_else(|| e.fields.get("Channel"))
}

pub(crate) fn event_id(e: &Event) -> Option<&str> {
    e.event_id.as_deref().or_else(|| e.fields.get("EventID"))
}

pub(crate) fn event_provider(e: &Event) -> Option<&str> {
    e.provider
        .as_deref()
        .or_else(|| e.fields.get("Provider_Name"))
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    product: Option<String>,
    category: Option<String>,
    service: Option<String>,
    when: Vec<Variant>,
}

/// The whole mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogsourceMap {
    entries: Vec<Entry>,
    unmapped: Vec<Variant>,
}

impl Default for LogsourceMap {
    fn default() -> Self {
        LogsourceMap::builtin()
    }
}

impl LogsourceMap {
    /// The embedded mapping.
    pub fn builtin() -> LogsourceMap {
        // The embedded file is tested; an error here would be a build defect.
        LogsourceMap::from_yaml(BUILTIN_MAPPING).unwrap_or(LogsourceMap {
            entries: Vec::new(),
            unmapped: Vec::new(),
        })
    }

    /// Parses a mapping file (same shape as the built-in one).
    pub fn from_yaml(text: &str) -> Result<LogsourceMap, MappingError> {
        let v: Value =
            serde_yaml_ng::from_str(text).map_err(|e| MappingError::Yaml(e.to_string()))?;
        let unmapped = match v.get("unmapped") {
            Some(u) => variants(u)?,
            None => Vec::new(),
        };
        let entries = match v.get("logsources") {
            Some(Value::Sequence(s)) => s.iter().map(entry).collect::<Result<_, _>>()?,
            Some(_) => return Err(invalid("'logsources' must be a list")),
            None => Vec::new(),
        };
        Ok(LogsourceMap { entries, unmapped })
    }

    /// Adds `other`'s entries; an entry for the same product/category/service replaces
    /// this map's. `other`'s `unmapped`, when given, replaces this one's.
    pub fn extend(&mut self, other: LogsourceMap) {
        for e in other.entries {
            self.entries.retain(|x| {
                (&x.product, &x.category, &x.service) != (&e.product, &e.category, &e.service)
            });
            self.entries.push(e);
        }
        if !other.unmapped.is_empty() {
            self.unmapped = other.unmapped;
        }
    }

    /// The variants for a rule's logsource, and whether it was mapped.
    pub fn resolve(&self, ls: &Logsource) -> (&[Variant], bool) {
        let found = self.entries.iter().find(|e| {
            e.product == ls.product && e.category == ls.category && e.service == ls.service
        });
        match found {
            Some(e) => (&e.when, true),
            None => (&self.unmapped, false),
        }
    }
}

fn invalid(m: &str) -> MappingError {
    MappingError::Invalid(m.to_string())
}

fn opt_str(v: &Value, key: &str) -> Result<Option<String>, MappingError> {
    match v.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(x) => scalar(x)
            .map(Some)
            .ok_or_else(|| invalid(&format!("'{key}' must be text"))),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn strings(v: Option<&Value>) -> Result<Vec<String>, MappingError> {
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Sequence(s)) => s
            .iter()
            .map(|x| scalar(x).ok_or_else(|| invalid(&format!("{x:?} is not a value"))))
            .collect(),
        Some(x) => scalar(x)
            .map(|s| vec![s])
            .ok_or_else(|| invalid(&format!("{x:?} is not a value"))),
    }
}

fn pairs(v: Option<&Value>) -> Result<Vec<(String, Vec<String>)>, MappingError> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let m = v
        .as_mapping()
        .ok_or_else(|| invalid("'field'/'fields' must be a mapping"))?;
    m.iter()
        .map(|(k, val)| {
            let k = scalar(k).ok_or_else(|| invalid("field names must be text"))?;
            Ok((k, strings(Some(val))?))
        })
        .collect()
}

fn entry(v: &Value) -> Result<Entry, MappingError> {
    let when = variants(
        v.get("when")
            .ok_or_else(|| invalid("an entry needs 'when'"))?,
    )?;
    Ok(Entry {
        product: opt_str(v, "product")?,
        category: opt_str(v, "category")?,
        service: opt_str(v, "service")?,
        when,
    })
}

fn variants(v: &Value) -> Result<Vec<Variant>, MappingError> {
    let seq = v
        .as_sequence()
        .ok_or_else(|| invalid("'when'/'unmapped' must be a list"))?;
    seq.iter().map(variant).collect()
}

fn variant(v: &Value) -> Result<Variant, MappingError> {
    let sources = strings(v.get("source"))?
        .iter()
        .map(|s| SourceKind::parse(s).ok_or_else(|| invalid(&format!("unknown source '{s}'"))))
        .collect::<Result<Vec<_>, _>>()?;
    let out = Variant {
        name: opt_str(v, "name")?,
        channels: strings(v.get("channel"))?,
        event_ids: strings(v.get("event_id"))?,
        providers: strings(v.get("provider"))?,
        sources,
        field_equals: pairs(v.get("field"))?,
        renames: pairs(v.get("fields"))?,
    };
    if out.channels.is_empty()
        && out.event_ids.is_empty()
        && out.providers.is_empty()
        && out.sources.is_empty()
        && out.field_equals.is_empty()
    {
        return Err(invalid(
            "an alternative needs channel, event_id, provider, source or field",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_mapping_parses() {
        let m = LogsourceMap::from_yaml(BUILTIN_MAPPING).unwrap();
        let ls = Logsource {
            product: Some("windows".into()),
            category: Some("process_creation".into()),
            ..Logsource::default()
        };
        let (v, mapped) = m.resolve(&ls);
        assert!(mapped);
        assert_eq!(v.len(), 2);
        assert_eq!(
            v[1].renamed("Image"),
            Some(&["NewProcessName".to_string()][..])
        );
    }

    #[test]
    fn user_file_replaces_an_entry() {
        let mut m = LogsourceMap::builtin();
        let user = "logsources:\n  - product: windows\n    category: process_creation\n    when:\n      - channel: X\n";
        m.extend(LogsourceMap::from_yaml(user).unwrap());
        let ls = Logsource {
            product: Some("windows".into()),
            category: Some("process_creation".into()),
            ..Logsource::default()
        };
        assert_eq!(m.resolve(&ls).0.len(), 1);
    }
}
