//! The `detection` section: search identifiers made of field tests, parsed from YAML
//! into an evaluation-ready tree. Modifier semantics live in [`crate::modifier`].

use crate::condition::{self, Cond};
use crate::error::RuleError;
use crate::modifier::{self, ValueTest};
use serde_yaml_ng::Value;
use std::collections::HashMap;

/// One field test: `Field|modifiers: values` (or a keyword value list when `field` is None).
#[derive(Debug, Clone)]
pub(crate) struct Item {
    /// None for keyword (full-text) items.
    pub field: Option<String>,
    pub kind: ItemKind,
}

#[derive(Debug, Clone)]
pub(crate) enum ItemKind {
    /// `groups` are the rule's values (OR, or AND with `all`); each group holds the
    /// alternatives one value expands to (base64offset, windash, expand: OR).
    Values {
        groups: Vec<Vec<ValueTest>>,
        all: bool,
        /// `neq`: the field is present and matches none of the values.
        neq: bool,
    },
    /// `field|exists: true/false`.
    Exists(bool),
}

/// A search identifier: OR of AND-ed items.
#[derive(Debug, Clone)]
pub(crate) struct Selection {
    pub name: String,
    /// OR over alternatives; each alternative is an AND of items.
    pub any_of: Vec<Vec<Item>>,
}

/// A parsed detection: named selections and the condition over their indices.
#[derive(Debug, Clone)]
pub(crate) struct Detection {
    pub selections: Vec<Selection>,
    pub condition: Cond,
}

/// Named value lists for `expand` placeholders (`%name%`).
pub(crate) type Placeholders = HashMap<String, Vec<String>>;

pub(crate) fn parse_detection(v: &Value, ph: &Placeholders) -> Result<Detection, RuleError> {
    let map = v.as_mapping().ok_or(RuleError::Detection(
        "detection is not a mapping".to_string(),
    ))?;
    let mut selections = Vec::new();
    let mut conditions = Vec::new();
    for (k, val) in map {
        let name = k
            .as_str()
            .ok_or_else(|| RuleError::Detection(format!("non-string key {k:?} in detection")))?;
        match name {
            "condition" => conditions = condition_texts(val)?,
            "timeframe" => {}
            _ => selections.push(parse_selection(name, val, ph)?),
        }
    }
    if conditions.is_empty() {
        return Err(RuleError::Detection("no condition".to_string()));
    }
    let names: Vec<&str> = selections.iter().map(|s| s.name.as_str()).collect();
    let parsed = conditions
        .iter()
        .map(|c| condition::parse(c, &names))
        .collect::<Result<Vec<_>, _>>()?;
    let condition = if parsed.len() == 1 {
        parsed.into_iter().next().unwrap_or(Cond::Or(Vec::new()))
    } else {
        Cond::Or(parsed)
    };
    Ok(Detection {
        selections,
        condition,
    })
}

fn condition_texts(v: &Value) -> Result<Vec<String>, RuleError> {
    match v {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Sequence(seq) => seq
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| RuleError::Condition(format!("condition {c:?} is not text")))
            })
            .collect(),
        other => Err(RuleError::Condition(format!(
            "condition {other:?} is not text"
        ))),
    }
}

fn parse_selection(name: &str, v: &Value, ph: &Placeholders) -> Result<Selection, RuleError> {
    let at = |e: RuleError| e.in_selection(name);
    let any_of = match v {
        Value::Mapping(_) => vec![parse_map(v, ph).map_err(at)?],
        Value::Sequence(seq) if seq.iter().all(|x| x.is_mapping()) && !seq.is_empty() => seq
            .iter()
            .map(|m| parse_map(m, ph))
            .collect::<Result<Vec<_>, _>>()
            .map_err(at)?,
        Value::Sequence(_) | Value::String(_) | Value::Number(_) => {
            vec![vec![parse_item("", v, ph).map_err(at)?]]
        }
        other => {
            return Err(at(RuleError::Detection(format!(
                "unsupported value {other:?}"
            ))))
        }
    };
    Ok(Selection {
        name: name.to_string(),
        any_of,
    })
}

fn parse_map(v: &Value, ph: &Placeholders) -> Result<Vec<Item>, RuleError> {
    let map = v
        .as_mapping()
        .ok_or_else(|| RuleError::Detection("expected a mapping".to_string()))?;
    map.iter()
        .map(|(k, val)| {
            let key = match k {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                other => {
                    return Err(RuleError::Detection(format!(
                        "unsupported field key {other:?}"
                    )))
                }
            };
            parse_item(&key, val, ph)
        })
        .collect()
}

/// `key` is `Field|mod|mod` (empty field: keywords).
fn parse_item(key: &str, v: &Value, ph: &Placeholders) -> Result<Item, RuleError> {
    let mut parts = key.split('|');
    let field = parts.next().unwrap_or_default();
    let mut mods = modifier::parse_modifiers(parts)?;
    if field.is_empty() && !mods.startswith && !mods.endswith && mods.re.is_none() {
        // Keywords are searched for anywhere in the text.
        mods.contains = true;
    }
    let values: Vec<&Value> = match v {
        Value::Sequence(seq) => seq.iter().collect(),
        other => vec![other],
    };
    if values.is_empty() {
        return Err(RuleError::Value(format!("{key}: empty value list")));
    }
    let field = (!field.is_empty()).then(|| field.to_string());
    if mods.exists {
        return Ok(Item {
            field,
            kind: ItemKind::Exists(modifier::exists_value(&values)?),
        });
    }
    let groups = values
        .iter()
        .map(|val| modifier::build_value(val, &mods, ph))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.for_key(key))?;
    Ok(Item {
        field,
        kind: ItemKind::Values {
            groups,
            all: mods.all,
            neq: mods.neq,
        },
    })
}
