//! Rule documents: metadata, rule collections (`action: global/reset/repeat`), and the
//! three kinds of documents (detection rules, correlation rules, filter rules).

use crate::correlation::{self, Correlation};
use crate::detection::{self, Detection, Placeholders};
use crate::error::{LoadError, RuleError};
use crate::logsource::Logsource;
use serde::Deserialize;
use serde_yaml_ng::{Mapping, Value};

/// Rule severity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Informational,
    Low,
    Medium,
    High,
    Critical,
}

impl Level {
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.to_ascii_lowercase().as_str() {
            "informational" => Level::Informational,
            "low" => Level::Low,
            "medium" => Level::Medium,
            "high" => Level::High,
            "critical" => Level::Critical,
            _ => return None,
        })
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Informational => "informational",
            Level::Low => "low",
            Level::Medium => "medium",
            Level::High => "high",
            Level::Critical => "critical",
        }
    }
}

/// A `related` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub id: String,
    pub kind: String,
}

/// Metadata shared by every kind of rule document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    pub title: String,
    pub id: Option<String>,
    /// The `name` correlation rules refer to.
    pub name: Option<String>,
    pub status: Option<String>,
    pub level: Option<Level>,
    pub description: Option<String>,
    pub author: Option<String>,
    pub date: Option<String>,
    pub modified: Option<String>,
    pub tags: Vec<String>,
    pub references: Vec<String>,
    pub falsepositives: Vec<String>,
    pub fields: Vec<String>,
    pub related: Vec<Related>,
}

impl Meta {
    /// ATT&CK technique ids from `attack.tNNNN[.NNN]` tags, upper-cased (`T1059.001`).
    pub fn attack_techniques(&self) -> Vec<String> {
        self.tags
            .iter()
            .filter_map(|t| t.strip_prefix("attack."))
            .filter(|t| {
                let b = t.as_bytes();
                b.len() >= 5
                    && (b[0] == b't' || b[0] == b'T')
                    && b[1..].iter().all(|c| c.is_ascii_digit() || *c == b'.')
            })
            .map(|t| t.to_ascii_uppercase())
            .collect()
    }

    /// `title [id]` for messages.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("{} [{}]", self.title, id),
            None => self.title.clone(),
        }
    }
}

/// A parsed detection rule (before logsource resolution).
#[derive(Debug, Clone)]
pub(crate) struct ParsedRule {
    pub meta: Meta,
    pub logsource: Logsource,
    pub detection: Detection,
}

/// A filter (meta-filter) rule: `filter:` with `rules`, selections and a condition.
#[derive(Debug, Clone)]
pub struct Filter {
    pub meta: Meta,
    pub origin: String,
    pub logsource: Logsource,
    /// Ids or names of the rules it applies to; empty: every rule of its logsource.
    pub rules: Vec<String>,
    pub(crate) detection: Detection,
}

/// One loaded document.
#[derive(Debug, Clone)]
pub(crate) enum Doc {
    Rule(ParsedRule),
    Correlation(Correlation),
    Filter(Filter),
}

/// Parses every document of one source; failures are per document.
pub(crate) fn parse_source(
    origin: &str,
    text: &str,
    ph: &Placeholders,
) -> Vec<(usize, Result<Doc, LoadError>)> {
    let mut out = Vec::new();
    let mut global: Option<Value> = None;
    let mut previous: Option<Value> = None;
    for (i, doc) in serde_yaml_ng::Deserializer::from_str(text).enumerate() {
        let n = i + 1;
        let fail = |reason: RuleError, rule: Option<String>| LoadError {
            origin: origin.to_string(),
            document: n,
            rule,
            reason,
        };
        let value = match Value::deserialize(doc) {
            Ok(v) => v,
            Err(e) => {
                out.push((n, Err(fail(RuleError::Yaml(e.to_string()), None))));
                break;
            }
        };
        if value.is_null() {
            continue;
        }
        let Some(map) = value.as_mapping() else {
            out.push((
                n,
                Err(fail(
                    RuleError::Yaml("document is not a mapping".into()),
                    None,
                )),
            ));
            continue;
        };
        let (action, body) = split_action(map);
        let merged = match action.as_deref() {
            Some("global") => {
                global = Some(merge(global.as_ref(), &body));
                continue;
            }
            Some("reset") => {
                global = None;
                continue;
            }
            Some("repeat") => match &previous {
                Some(p) => merge(Some(p), &body),
                None => {
                    let e =
                        RuleError::Collection("'action: repeat' without a previous rule".into());
                    out.push((n, Err(fail(e, None))));
                    continue;
                }
            },
            Some(other) => {
                let e = RuleError::Collection(format!("unknown action '{other}'"));
                out.push((n, Err(fail(e, None))));
                continue;
            }
            None => merge(global.as_ref(), &body),
        };
        previous = Some(merged.clone());
        let result = classify(origin, &merged, ph).map_err(|e| fail(e, label_of(&merged)));
        out.push((n, result));
    }
    out
}

fn split_action(map: &Mapping) -> (Option<String>, Value) {
    let mut body = map.clone();
    let action = body
        .remove("action")
        .and_then(|a| a.as_str().map(str::to_string));
    (action, Value::Mapping(body))
}

/// Deep merge: mappings merge key by key, anything else in `over` replaces.
fn merge(base: Option<&Value>, over: &Value) -> Value {
    match (base, over) {
        (Some(Value::Mapping(b)), Value::Mapping(o)) => {
            let mut out = b.clone();
            for (k, v) in o {
                let merged = merge(out.get(k), v);
                out.insert(k.clone(), merged);
            }
            Value::Mapping(out)
        }
        _ => over.clone(),
    }
}

fn label_of(v: &Value) -> Option<String> {
    let title = v.get("title").and_then(Value::as_str);
    let id = v.get("id").and_then(Value::as_str);
    match (title, id) {
        (Some(t), Some(i)) => Some(format!("{t} [{i}]")),
        (Some(t), None) => Some(t.to_string()),
        (None, Some(i)) => Some(format!("[{i}]")),
        (None, None) => None,
    }
}

fn classify(origin: &str, v: &Value, ph: &Placeholders) -> Result<Doc, RuleError> {
    let meta = meta(v)?;
    if let Some(c) = v.get("correlation") {
        return correlation::parse(meta, origin, c, v.get("generate")).map(Doc::Correlation);
    }
    let logsource = logsource(v.get("logsource"))?;
    if let Some(f) = v.get("filter") {
        return filter(meta, origin, logsource, f, ph).map(Doc::Filter);
    }
    let det = v.get("detection").ok_or(RuleError::NoDetection)?;
    Ok(Doc::Rule(ParsedRule {
        meta,
        logsource,
        detection: detection::parse_detection(det, ph)?,
    }))
}

fn filter(
    meta: Meta,
    origin: &str,
    logsource: Logsource,
    f: &Value,
    ph: &Placeholders,
) -> Result<Filter, RuleError> {
    let mut map = f
        .as_mapping()
        .ok_or_else(|| RuleError::Filter("'filter' is not a mapping".into()))?
        .clone();
    let rules = text_list(map.get("rules"));
    map.remove("rules");
    let detection = detection::parse_detection(&Value::Mapping(map), ph)?;
    Ok(Filter {
        meta,
        origin: origin.to_string(),
        logsource,
        rules,
        detection,
    })
}

pub(crate) fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A string or a list of strings (anything else skipped).
pub(crate) fn text_list(v: Option<&Value>) -> Vec<String> {
    let one = |x: &Value| match x {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match v {
        Some(Value::Sequence(s)) => s.iter().filter_map(one).collect(),
        Some(x) => one(x).into_iter().collect(),
        None => Vec::new(),
    }
}

pub(crate) fn meta(v: &Value) -> Result<Meta, RuleError> {
    let title = text(v, "title").ok_or(RuleError::Missing("title"))?;
    let related = match v.get("related") {
        Some(Value::Sequence(s)) => s
            .iter()
            .filter_map(|r| {
                Some(Related {
                    id: text(r, "id")?,
                    kind: text(r, "type").unwrap_or_default(),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Meta {
        title,
        id: text(v, "id"),
        name: text(v, "name"),
        status: text(v, "status"),
        level: text(v, "level").as_deref().and_then(Level::parse),
        description: text(v, "description"),
        author: text(v, "author"),
        date: text(v, "date"),
        modified: text(v, "modified"),
        tags: text_list(v.get("tags")),
        references: text_list(v.get("references")),
        falsepositives: text_list(v.get("falsepositives")),
        fields: text_list(v.get("fields")),
        related,
    })
}

fn logsource(v: Option<&Value>) -> Result<Logsource, RuleError> {
    let v = v.ok_or(RuleError::Missing("logsource"))?;
    if !v.is_mapping() {
        return Err(RuleError::Missing("logsource"));
    }
    let low = |k: &str| text(v, k).map(|s| s.to_ascii_lowercase());
    Ok(Logsource {
        product: low("product"),
        category: low("category"),
        service: low("service"),
        definition: text(v, "definition"),
    })
}
