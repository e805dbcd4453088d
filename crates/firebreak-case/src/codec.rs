//! The `fields` column: a JSON object in source order.

use firebreak_event::Fields;
use serde::de::{Deserializer, MapAccess, Visitor};

/// Append `fields` as a JSON object to `out`.
pub fn encode_fields(fields: &Fields, out: &mut String) {
    out.push('{');
    for (i, (k, v)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_string(k, out);
        out.push(':');
        push_json_string(v, out);
    }
    out.push('}');
}

fn push_json_string(s: &str, out: &mut String) {
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc: &str = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[start..i]);
        if esc.is_empty() {
            out.push_str(&format!("\\u{b:04x}"));
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

struct FieldsVisitor;

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Fields;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object of strings")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
        let mut fields = Fields::with_capacity(map.size_hint().unwrap_or(8));
        while let Some((k, v)) = map.next_entry::<String, String>()? {
            fields.push(k, v);
        }
        Ok(fields)
    }
}

/// Parse the `fields` column back, keeping order.
pub(crate) fn decode_fields(s: &str) -> Result<Fields, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(s);
    de.deserialize_map(FieldsVisitor)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_order_and_escapes() {
        let mut f = Fields::new();
        f.push("Z", "a\"b\\c\n\u{1}é");
        f.push("A", "");
        let mut s = String::new();
        encode_fields(&f, &mut s);
        assert!(serde_json::from_str::<serde_json::Value>(&s).is_ok());
        assert_eq!(decode_fields(&s).unwrap(), f);
    }
}
