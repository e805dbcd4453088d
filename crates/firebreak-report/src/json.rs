//! The JSON report: the model as serde writes it, plus RFC 3339 text beside each time
//! (`"time": 1795832901000000, "time_rfc3339": "2026-11-28T02:28:21.000000Z"`).
//! Schema: `docs/report-schema.md`.

use firebreak_analysis::Investigation;
use firebreak_event::Timestamp;
use serde_json::{Map, Value};
use std::io::{self, Write};

/// The model's fields that hold a [`Timestamp`] (microseconds since the epoch).
pub const TIME_FIELDS: [&str; 10] = [
    "time",
    "first",
    "last",
    "first_compromise",
    "last_activity",
    "first_misuse",
    "first_seen",
    "restore_before",
    "first_event",
    "last_event",
];

/// Suffix of the RFC 3339 companion of a time field.
pub const RFC3339_SUFFIX: &str = "_rfc3339";

/// The investigation as a JSON value, with the RFC 3339 companions.
pub fn to_value(inv: &Investigation) -> serde_json::Result<Value> {
    let mut v = serde_json::to_value(inv)?;
    add_rfc3339(&mut v);
    Ok(v)
}

/// Walk the value; after every integer time field insert its RFC 3339 text.
fn add_rfc3339(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(add_rfc3339),
        Value::Object(map) => {
            let old = std::mem::take(map);
            let mut new = Map::with_capacity(old.len());
            for (k, mut child) in old {
                add_rfc3339(&mut child);
                let text = rfc3339_of(&k, &child);
                new.insert(k.clone(), child);
                if let Some(t) = text {
                    new.insert(format!("{k}{RFC3339_SUFFIX}"), Value::String(t));
                }
            }
            *map = new;
        }
        _ => {}
    }
}

fn rfc3339_of(key: &str, v: &Value) -> Option<String> {
    if !TIME_FIELDS.contains(&key) {
        return None;
    }
    let us = v.as_i64()?;
    Timestamp::from_micros(us).ok().map(Timestamp::to_rfc3339)
}

/// Write the JSON report (pretty, with a final newline).
pub fn render(inv: &Investigation, out: &mut dyn Write) -> io::Result<()> {
    let v = to_value(inv)?;
    serde_json::to_writer_pretty(&mut *out, &v)?;
    out.write_all(b"\n")
}
