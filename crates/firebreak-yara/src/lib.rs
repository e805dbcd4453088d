//! YARA rules with yara-x: the user's rule files and the bundled pack (the
//! project's own rules in `rules/`), compiled rule by rule so that one rule that
//! does not compile is reported with its file and the others still load; and
//! scanning of bytes, each match with its rule, metadata (family, actor, ...) and
//! the strings that matched.
//!
//! No I/O: callers hand in rule texts and bytes.

use serde::Serialize;
use std::time::Duration;

/// The bundled rule pack, as (origin, text).
pub const BUNDLED: &[(&str, &str)] = &[
    (
        "bundled:ransomware.yar",
        include_str!("../rules/ransomware.yar"),
    ),
    ("bundled:tooling.yar", include_str!("../rules/tooling.yar")),
    ("bundled:packers.yar", include_str!("../rules/packers.yar")),
];

/// A rule file's text and where it came from.
#[derive(Debug, Clone)]
pub struct RuleSource {
    pub origin: String,
    pub text: String,
}

impl RuleSource {
    pub fn new(origin: impl Into<String>, text: impl Into<String>) -> RuleSource {
        RuleSource {
            origin: origin.into(),
            text: text.into(),
        }
    }
}

/// The bundled pack as sources.
pub fn bundled() -> Vec<RuleSource> {
    BUNDLED
        .iter()
        .map(|(o, t)| RuleSource::new(*o, *t))
        .collect()
}

/// A rule (or a file's header) that did not compile.
#[derive(Debug, Clone, thiserror::Error, Serialize)]
#[error("{origin}: rule {}: {message}", rule.as_deref().unwrap_or("?"))]
pub struct CompileError {
    pub origin: String,
    /// The rule's name, when the failing piece is one rule.
    pub rule: Option<String>,
    pub message: String,
}

/// A scan that could not finish (timeout).
#[derive(Debug, thiserror::Error)]
#[error("YARA scan failed: {0}")]
pub struct ScanError(pub String);

/// Compiled rules.
pub struct YaraRules {
    rules: yara_x::Rules,
    /// How many rules loaded.
    pub loaded: usize,
}

/// One matching string occurrence.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct MatchedString {
    /// `$name`.
    pub identifier: String,
    pub offset: u64,
    /// The matched bytes, as text when printable, else hex (at most 64 bytes).
    pub data: String,
}

/// A matching rule.
#[derive(Debug, Clone, Serialize)]
pub struct YaraMatch {
    pub rule: String,
    pub namespace: String,
    /// All metadata, values as JSON.
    pub meta: serde_json::Map<String, serde_json::Value>,
    /// At most 8 occurrences per string.
    pub strings: Vec<MatchedString>,
}

impl YaraMatch {
    fn meta_str(&self, key: &str) -> Option<&str> {
        self.meta.get(key).and_then(|v| v.as_str())
    }
    /// The `family` (or `malware_family`) metadata.
    pub fn family(&self) -> Option<&str> {
        self.meta_str("family")
            .or_else(|| self.meta_str("malware_family"))
    }
    /// The `actor` (or `threat_actor`) metadata.
    pub fn actor(&self) -> Option<&str> {
        self.meta_str("actor")
            .or_else(|| self.meta_str("threat_actor"))
    }
    /// The `score` metadata (Loki/THOR convention), default 50.
    pub fn score(&self) -> i64 {
        self.meta
            .get("score")
            .and_then(|v| v.as_i64())
            .unwrap_or(50)
    }
}

/// Split a rule file into its header (imports/includes/comments before the first
/// rule) and one piece per rule (a line that starts with `rule`, `private rule`,
/// `global rule` at brace depth 0 begins a piece).
fn split_rules(text: &str) -> (String, Vec<(Option<String>, String)>) {
    let mut header = String::new();
    let mut pieces: Vec<(Option<String>, String)> = Vec::new();
    let mut depth: i64 = 0;
    for line in text.split_inclusive('\n') {
        let t = line.trim_start();
        let words: Vec<&str> = t.split_whitespace().collect();
        let rule_at = words.iter().position(|w| *w == "rule");
        let starts_rule = depth <= 0
            && rule_at
                .is_some_and(|i| words[..i].iter().all(|w| *w == "private" || *w == "global"));
        if starts_rule {
            let name = rule_at
                .and_then(|i| words.get(i + 1))
                .map(|n| n.trim_end_matches(['{', ':']).to_string());
            pieces.push((name, String::new()));
            depth = 0;
        }
        match pieces.last_mut() {
            Some((_, body)) => body.push_str(line),
            None => header.push_str(line),
        }
        // Braces inside strings and regexps are rare in headers; good enough for splitting.
        for c in line.chars() {
            match c {
                '{' => depth += 1,
                '}' => depth -= 1,
                _ => {}
            }
        }
    }
    (header, pieces)
}

/// Compile `sources`. Every rule that compiles is kept; each that does not is
/// reported. `None` only when no rule compiled at all.
pub fn compile(sources: &[RuleSource]) -> (Option<YaraRules>, Vec<CompileError>) {
    let mut compiler = yara_x::Compiler::new();
    let mut errors = Vec::new();
    let mut loaded = 0;
    for src in sources {
        let (header, pieces) = split_rules(&src.text);
        if pieces.is_empty() {
            if !header.trim().is_empty() && header.contains('{') {
                errors.push(CompileError {
                    origin: src.origin.clone(),
                    rule: None,
                    message: "no rule found".into(),
                });
            }
            continue;
        }
        // Header lines other than imports (includes need files: not followed).
        let imports: String = header
            .lines()
            .filter(|l| l.trim_start().starts_with("import"))
            .map(|l| format!("{l}\n"))
            .collect();
        for (name, body) in pieces {
            let text = format!("{imports}{body}");
            let code = yara_x::SourceCode::from(text.as_str()).with_origin(src.origin.clone());
            match compiler.add_source(code) {
                Ok(_) => loaded += 1,
                Err(e) => errors.push(CompileError {
                    origin: src.origin.clone(),
                    rule: name,
                    message: e.title().to_string(),
                }),
            }
        }
    }
    if loaded == 0 {
        return (None, errors);
    }
    (
        Some(YaraRules {
            rules: compiler.build(),
            loaded,
        }),
        errors,
    )
}

fn render_data(d: &[u8]) -> String {
    let d = &d[..d.len().min(64)];
    if d.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        String::from_utf8_lossy(d).into_owned()
    } else if d
        .chunks(2)
        .all(|c| c.len() == 2 && c[1] == 0 && (0x20..0x7f).contains(&c[0]))
    {
        d.chunks(2).map(|c| c[0] as char).collect()
    } else {
        hex::encode(d)
    }
}

/// A reusable scanner (one per thread).
pub struct YaraScanner<'r> {
    scanner: yara_x::Scanner<'r>,
}

impl YaraRules {
    /// A scanner over these rules; `timeout` bounds each scan.
    pub fn scanner(&self, timeout: Option<Duration>) -> YaraScanner<'_> {
        let mut scanner = yara_x::Scanner::new(&self.rules);
        if let Some(t) = timeout {
            scanner.set_timeout(t);
        }
        YaraScanner { scanner }
    }
}

impl YaraScanner<'_> {
    /// The rules matching `data`.
    pub fn scan(&mut self, data: &[u8]) -> Result<Vec<YaraMatch>, ScanError> {
        let results = self
            .scanner
            .scan(data)
            .map_err(|e| ScanError(e.to_string()))?;
        let mut out = Vec::new();
        for rule in results.matching_rules() {
            let mut meta = serde_json::Map::new();
            for (k, v) in rule.metadata() {
                let v = match v {
                    yara_x::MetaValue::Integer(i) => serde_json::json!(i),
                    yara_x::MetaValue::Float(f) => serde_json::json!(f),
                    yara_x::MetaValue::Bool(b) => serde_json::json!(b),
                    yara_x::MetaValue::String(s) => serde_json::json!(s),
                    yara_x::MetaValue::Bytes(b) => {
                        serde_json::json!(String::from_utf8_lossy(b.as_ref()))
                    }
                };
                meta.insert(k.to_string(), v);
            }
            let mut strings = Vec::new();
            for p in rule.patterns() {
                for m in p.matches().take(8) {
                    strings.push(MatchedString {
                        identifier: p.identifier().to_string(),
                        offset: m.range().start as u64,
                        data: render_data(m.data()),
                    });
                }
            }
            out.push(YaraMatch {
                rule: rule.identifier().to_string(),
                namespace: rule.namespace().to_string(),
                meta,
                strings,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_pack_compiles_whole() {
        let (rules, errors) = compile(&bundled());
        assert!(errors.is_empty(), "{errors:?}");
        assert!(rules.unwrap().loaded >= 8);
    }

    #[test]
    fn a_bad_rule_is_reported_and_the_others_load() {
        let src = RuleSource::new(
            "user.yar",
            "import \"pe\"\nrule good_one { strings: $a = \"needle\" condition: $a }\n\
             rule bad_one { condition: $nope }\n\
             rule good_two { meta: family = \"X\" actor = \"Y\" strings: $b = \"hay\" wide condition: $b and pe.number_of_sections >= 0 or $b }\n",
        );
        let (rules, errors) = compile(&[src]);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].rule.as_deref(), Some("bad_one"));
        let rules = rules.unwrap();
        assert_eq!(rules.loaded, 2);
        let mut s = rules.scanner(None);
        let mut data = b"xx needle yy ".to_vec();
        data.extend("hay".encode_utf16().flat_map(|u| u.to_le_bytes()));
        let m = s.scan(&data).unwrap();
        let names: Vec<_> = m.iter().map(|m| m.rule.as_str()).collect();
        assert_eq!(names, vec!["good_one", "good_two"]);
        assert_eq!(m[0].strings[0].offset, 3);
        assert_eq!(m[0].strings[0].data, "needle");
        assert_eq!(m[1].family(), Some("X"));
        assert_eq!(m[1].actor(), Some("Y"));
        assert_eq!(m[1].strings[0].data, "hay");
    }

    #[test]
    fn nothing_compiles_is_none() {
        let (rules, errors) = compile(&[RuleSource::new("x.yar", "rule a { condition: nope }")]);
        assert!(rules.is_none());
        assert_eq!(errors.len(), 1);
    }
}
