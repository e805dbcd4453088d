//! The stable form of a finding for the case's findings store: a key that identifies it
//! across runs, and a summary and details without the values that change on every run
//! (`data/case-keys.yaml`), so that the case's diff reports real changes only.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::error::SurfaceError;
use crate::finding::Finding;

/// The bundled key and volatility rules.
pub const CASE_KEYS: &str = include_str!("../data/case-keys.yaml");

#[derive(Debug, Deserialize)]
struct Rules {
    identity: BTreeMap<String, Vec<String>>,
    volatile: Vec<String>,
    bucketed: Vec<String>,
    volatile_headers: Vec<String>,
}

/// A finding as the case keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stable {
    /// Identity across runs.
    pub key: String,
    /// The title, amplification factors as orders of magnitude.
    pub summary: String,
    /// Reason, address, port and the evidence without volatile fields.
    pub details: Value,
}

/// The rules that make findings stable.
#[derive(Debug)]
pub struct Stabilizer(Rules);

/// `v` as an order of magnitude: 149.2 → `100x+`, 7 → `1x+`, 0.5 → `<1x`.
fn magnitude(v: f64) -> String {
    if !v.is_finite() || v < 1.0 {
        return "<1x".into();
    }
    format!("{}x+", 10f64.powi(v.log10().floor() as i32) as u64)
}

const MONTHS: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const WEEKDAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

fn is_time(t: &str) -> bool {
    let t = t.trim_end_matches([',', ')', ']']);
    let mut parts = t.split(':');
    let ok = |p: Option<&str>, max: usize| {
        p.is_some_and(|p| {
            let p = p.split('.').next().unwrap_or("");
            (1..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
        })
    };
    ok(parts.next(), 2) && ok(parts.next(), 2) && ok(parts.next(), 2) && parts.next().is_none()
}

/// `text` with clock times and RFC 5322 dates (which banners such as SMTP's carry)
/// replaced: they change on every run without the service changing.
fn timeless(text: &str) -> String {
    let toks: Vec<&str> = text.split(' ').collect();
    let date_at = |i: usize| {
        i + 2 < toks.len()
            && (1..=2).contains(&toks[i].len())
            && toks[i].bytes().all(|b| b.is_ascii_digit())
            && MONTHS.contains(&toks[i + 1].to_ascii_lowercase().as_str())
            && toks[i + 2].len() == 4
            && toks[i + 2].bytes().all(|b| b.is_ascii_digit())
    };
    let mut out: Vec<&str> = Vec::with_capacity(toks.len());
    let mut i = 0;
    while i < toks.len() {
        let t = toks[i];
        let weekday = WEEKDAYS.contains(&t.trim_end_matches(',').to_ascii_lowercase().as_str());
        if weekday && date_at(i + 1) {
            i += 1; // the date that follows stands for it
        } else if date_at(i) {
            out.push("<date>");
            i += 3;
        } else if is_time(t) {
            out.push("<time>");
            i += 1;
        } else {
            out.push(t);
            i += 1;
        }
    }
    out.join(" ")
}

fn title_factors(title: &str) -> String {
    title
        .split(' ')
        .map(|tok| {
            let core = tok.trim_matches(|c: char| "(),;:".contains(c));
            match core.strip_suffix('x').and_then(|n| n.parse::<f64>().ok()) {
                Some(v) => tok.replace(core, &magnitude(v)),
                None => tok.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

impl Stabilizer {
    /// The bundled rules.
    pub fn bundled() -> Result<Stabilizer, SurfaceError> {
        serde_yaml_ng::from_str(CASE_KEYS)
            .map(Stabilizer)
            .map_err(|e| SurfaceError::Data("case-keys.yaml", e.to_string()))
    }

    fn clean(&self, v: &Value) -> Value {
        match v {
            Value::Object(m) => {
                let mut out = Map::new();
                for (k, x) in m {
                    if self.0.volatile.iter().any(|f| f == k) {
                        continue;
                    }
                    if k == "headers" {
                        if let Some(list) = x.as_array() {
                            out.insert(k.clone(), self.headers(list));
                            continue;
                        }
                    }
                    if self.0.bucketed.iter().any(|f| f == k) {
                        if let Some(n) = x.as_f64() {
                            out.insert(format!("{k}_magnitude"), json!(magnitude(n)));
                            continue;
                        }
                    }
                    out.insert(k.clone(), self.clean(x));
                }
                Value::Object(out)
            }
            Value::Array(a) => Value::Array(a.iter().map(|x| self.clean(x)).collect()),
            Value::String(t) => Value::String(timeless(t)),
            other => other.clone(),
        }
    }

    /// `[name, value]` header pairs without the volatile ones; cookies by name only.
    fn headers(&self, list: &[Value]) -> Value {
        let mut out = Vec::new();
        for pair in list {
            let (Some(name), Some(value)) = (
                pair.get(0).and_then(Value::as_str),
                pair.get(1).and_then(Value::as_str),
            ) else {
                out.push(self.clean(pair));
                continue;
            };
            let lower = name.to_ascii_lowercase();
            if self.0.volatile_headers.contains(&lower) {
                continue;
            }
            if lower == "set-cookie" {
                let cookie = value.split(['=', ';']).next().unwrap_or("").trim();
                out.push(json!([name, format!("{cookie}=…")]));
            } else {
                out.push(json!([name, value]));
            }
        }
        Value::Array(out)
    }

    /// The stable form of `f`.
    pub fn stable(&self, f: &Finding) -> Stable {
        let mut key = format!(
            "{}|{}|{}|{}",
            f.kind,
            f.asset,
            f.address.map(|a| a.to_string()).unwrap_or_default(),
            f.port.map(|p| p.to_string()).unwrap_or_default()
        );
        for field in self.0.identity.get(&f.kind).into_iter().flatten() {
            let v = match f.evidence.get(field) {
                Some(Value::String(s)) => s.to_lowercase(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            key.push('|');
            key.push_str(&v);
        }
        Stable {
            key,
            summary: timeless(&title_factors(&f.title)),
            details: json!({
                "reason": f.reason,
                "address": f.address,
                "port": f.port,
                "evidence": self.clean(&f.evidence),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::finding::Severity;

    #[test]
    fn keys_and_volatile_values() {
        let s = Stabilizer::bundled().unwrap();
        let ip = "10.77.0.20".parse().unwrap();
        let mk = |reply: u64, factor: f64| {
            Finding::new(
                "amp.memcached",
                Severity::Critical,
                "lab.test",
                format!("memcached UDP on 10.77.0.20:11211, amplification {factor}x (stats)"),
                "r",
            )
            .at(ip, Some(11211))
            .evidence(json!({"reply_bytes": reply, "factor": factor, "version": "1.6.18", "nested": [{"similarity": 0.5, "keep": 1}],
                "headers": [["Date", format!("{reply}")], ["server", "x"], ["set-cookie", format!("NSC_AAAC={reply}; path=/")], "odd"]}))
        };
        let a = s.stable(&mk(2240, 149.33));
        let b = s.stable(&mk(2251, 150.07));
        assert_eq!(a, b, "reply sizes moved, nothing changed");
        assert_eq!(a.key, "amp.memcached|lab.test|10.77.0.20|11211");
        assert_eq!(
            a.summary,
            "memcached UDP on 10.77.0.20:11211, amplification 100x+ (stats)"
        );
        assert_eq!(a.details["evidence"]["factor_magnitude"], "100x+");
        assert_eq!(a.details["evidence"]["nested"], json!([{"keep": 1}]));
        assert_eq!(
            a.details["evidence"]["headers"],
            json!([["server", "x"], ["set-cookie", "NSC_AAAC=…"], "odd"])
        );
        assert_ne!(
            s.stable(&mk(20000, 1333.0)),
            a,
            "an order of magnitude more is a change"
        );
        let cve = |c: &str| {
            Finding::new("dos.known_cve", Severity::High, "www.lab.test", "t", "r")
                .evidence(json!({"cve": c}))
        };
        assert_ne!(s.stable(&cve("CVE-1")).key, s.stable(&cve("CVE-2")).key);
        assert_eq!(magnitude(0.2), "<1x");
        assert_eq!(magnitude(f64::NAN), "<1x");
        assert_eq!(magnitude(9.99), "1x+");
        assert_eq!(title_factors("x 2.5x, (33x) 1x9"), "x 1x+, (10x+) 1x9");
        assert_eq!(
            timeless("220 mx.lab.test ESMTP Exim 4.96 Thu, 26 Nov 2026 01:33:41 +0000"),
            "220 mx.lab.test ESMTP Exim 4.96 <date> <time> +0000"
        );
        assert_eq!(
            timeless("up 12:03:07.5, version 1.2.3"),
            "up <time> version 1.2.3"
        );
        assert_eq!(
            timeless("10.77.0.20:80 and 1:2 and 3 May"),
            "10.77.0.20:80 and 1:2 and 3 May"
        );
    }
}
