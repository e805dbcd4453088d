//! What a hunt found: the detection model, built from a rule match and its event.

use firebreak_case::DetectionRow;
use firebreak_event::{Event, Location, Timestamp};
use serde::Serialize;

/// What fired.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Sigma,
    Correlation,
    Ioc,
    Analytic,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Sigma => "sigma",
            Kind::Correlation => "correlation",
            Kind::Ioc => "ioc",
            Kind::Analytic => "analytic",
        }
    }
}

/// Where the event a detection fired on came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Source {
    /// The evidence file as the user gave it (`case.zip!logs/Security.evtx`).
    pub path: String,
    pub location: Location,
    /// The case's evidence id, when hunting a case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_id: Option<i64>,
    /// The stored event's id, when hunting a case.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event_ref: Option<i64>,
}

/// A rule (or IOC, or analytic) firing on an event, or a correlation on a group.
#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub kind: Kind,
    /// The rule's id (its title when it has none), the IOC, the analytic's id.
    pub rule_key: String,
    pub title: String,
    pub level: String,
    pub status: Option<String>,
    pub tags: Vec<String>,
    /// ATT&CK technique ids from the tags.
    pub attack: Vec<String>,
    #[serde(serialize_with = "ser_time")]
    pub time: Timestamp,
    pub host: Option<String>,
    pub user: Option<String>,
    /// The event's fields an analyst looks at first, normalised names.
    pub key_fields: Vec<(String, String)>,
    /// What matched, when the rule kind says (the IOC and the field it was found in).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// The event it fired on; for correlations, the first contributing event.
    pub source: Source,
    /// Other events behind it (correlations, analytics): their sources.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<Source>,
}

fn ser_time<S: serde::Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&t.to_rfc3339())
}

/// Normalised fields shown with a detection, in this order, when set.
const KEY_FIELDS: [&str; 12] = [
    "event_id",
    "channel",
    "process.image",
    "process.command_line",
    "process.parent_image",
    "network.src_ip",
    "network.dst_ip",
    "file.path",
    "url",
    "domain",
    "user.domain",
    "message",
];

/// The key fields of `event`; `extra` names original fields the rule asks to show
/// (its `fields:` list).
pub fn key_fields(event: &Event, extra: &[String]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = KEY_FIELDS
        .iter()
        .filter_map(|&n| Some((n.to_string(), event.normalised(n)?.to_string())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    for name in extra {
        if let Some(v) = event.get(name) {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.clone(), v.to_string()));
            }
        }
    }
    out
}

impl Detection {
    /// What makes two detections of one rule the same: the record it fired on.
    /// Correlations: the first record and the group.
    pub fn dedupe_key(&self) -> String {
        let loc = self.source.location;
        let record = match self.source.evidence_id {
            Some(id) => format!("{id}:{}:{}", loc.kind(), loc.value()),
            None => format!("{}:{}:{}", self.source.path, loc.kind(), loc.value()),
        };
        if self.kind == Kind::Correlation {
            let group: Vec<String> = self
                .key_fields
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            return format!("{record}|{}", group.join("|"));
        }
        record
    }

    /// The row the case stores.
    pub fn to_row(&self) -> DetectionRow {
        let key_fields: serde_json::Map<String, serde_json::Value> = self
            .key_fields
            .iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
        let details = serde_json::json!({
            "key_fields": key_fields,
            "matched": self.matched,
            "path": self.source.path,
            "related": self.related,
        });
        DetectionRow {
            kind: self.kind.as_str().to_string(),
            rule_key: self.rule_key.clone(),
            title: self.title.clone(),
            level: self.level.clone(),
            status: self.status.clone(),
            tags: self.tags.clone(),
            ts: self.time.micros(),
            host: self.host.clone(),
            user: self.user.clone(),
            event_ref: self.source.event_ref,
            evidence_id: self.source.evidence_id,
            location: Some(self.source.location),
            dedupe: self.dedupe_key(),
            details: details.to_string(),
        }
    }
}

/// Sorts by time, then rule, and keeps one detection per (kind, rule, record).
pub fn dedupe(mut found: Vec<Detection>) -> Vec<Detection> {
    found.sort_by(|a, b| {
        (a.time, a.kind, &a.rule_key, a.source.location.value()).cmp(&(
            b.time,
            b.kind,
            &b.rule_key,
            b.source.location.value(),
        ))
    });
    let mut seen = std::collections::HashSet::new();
    found.retain(|d| seen.insert((d.kind, d.rule_key.clone(), d.dedupe_key())));
    found
}

fn evidence_ref(s: &Source) -> firebreak_analysis::EvidenceRef {
    firebreak_analysis::EvidenceRef {
        path: s.path.clone(),
        location: s.location,
        event_ref: s.event_ref,
    }
}

impl Detection {
    /// The detection as the investigation's analysis reads it.
    pub fn to_signal(&self) -> firebreak_analysis::Signal {
        firebreak_analysis::Signal {
            kind: self.kind.as_str().to_string(),
            rule_key: self.rule_key.clone(),
            title: self.title.clone(),
            level: self.level.clone(),
            tags: self.tags.clone(),
            attack: self.attack.clone(),
            time: self.time,
            host: self.host.clone(),
            user: self.user.clone(),
            summary: crate::render::summary(self),
            key_fields: self.key_fields.clone(),
            evidence: evidence_ref(&self.source),
            related: self.related.iter().map(evidence_ref).collect(),
        }
    }
}
