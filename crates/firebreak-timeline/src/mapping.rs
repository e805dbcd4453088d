//! ECS categorisation and OCSF classes, read from `data/ecs-categories.json`.

use firebreak_event::{Event, SourceKind};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

const MAPPING_JSON: &str = include_str!("../data/ecs-categories.json");

/// ECS `event.category`, `event.type` and `event.outcome` for an event.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EcsCategorization {
    pub category: Vec<String>,
    #[serde(rename = "type")]
    pub kind: Vec<String>,
    #[serde(default)]
    pub outcome: Option<String>,
}

/// An OCSF class and activity. `class_uid` 0 is the base event (no class).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OcsfClass {
    pub class_uid: u32,
    pub category_uid: u32,
    pub activity_id: u32,
}

impl OcsfClass {
    /// OCSF `type_uid` = class_uid × 100 + activity_id.
    pub fn type_uid(&self) -> u64 {
        u64::from(self.class_uid) * 100 + u64::from(self.activity_id)
    }
}

#[derive(Debug, Deserialize)]
struct OcsfRef {
    class_uid: u32,
    activity_id: u32,
}

/// Source kinds by their stable names ([`SourceKind::as_str`]).
fn source_kinds<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<SourceKind>, D::Error> {
    Vec::<String>::deserialize(d)?
        .iter()
        .map(|s| {
            SourceKind::parse(s)
                .ok_or_else(|| serde::de::Error::custom(format!("unknown source kind {s:?}")))
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
struct Match {
    #[serde(default, deserialize_with = "source_kinds")]
    sources: Vec<SourceKind>,
    #[serde(default)]
    event_ids: Vec<String>,
    #[serde(default)]
    channels: Vec<String>,
    #[serde(default)]
    timestamp_desc_contains: Option<String>,
}

impl Match {
    fn matches(&self, e: &Event) -> bool {
        let any = |list: &[String], v: Option<&str>, eq: fn(&str, &str) -> bool| {
            list.is_empty() || v.is_some_and(|v| list.iter().any(|x| eq(x, v.trim())))
        };
        (self.sources.is_empty() || self.sources.contains(&e.source))
            && any(&self.event_ids, e.event_id.as_deref(), |a, b| a == b)
            && any(
                &self.channels,
                e.channel.as_deref(),
                str::eq_ignore_ascii_case,
            )
            && self
                .timestamp_desc_contains
                .as_deref()
                .is_none_or(|d| e.timestamp_desc.contains(d))
    }
}

/// One mapping rule of the data file.
#[derive(Debug, Deserialize)]
pub(crate) struct Rule {
    name: String,
    #[serde(rename = "match")]
    condition: Match,
    ecs: EcsCategorization,
    #[serde(default)]
    ocsf: Option<OcsfRef>,
}

impl Rule {
    fn ocsf_class(&self) -> OcsfClass {
        self.ocsf
            .as_ref()
            .map_or(OcsfClass::default(), |o| OcsfClass {
                class_uid: o.class_uid,
                category_uid: o.class_uid / 1000,
                activity_id: o.activity_id,
            })
    }
}

/// A Windows System field and its place in ECS.
#[derive(Debug, Deserialize)]
pub(crate) struct SystemField {
    pub field: String,
    pub ecs: String,
    /// Written as a number when the value is one.
    #[serde(default)]
    pub long: bool,
}

#[derive(Debug, Deserialize)]
pub(crate) struct WindowsSystem {
    pub prefixes: Vec<String>,
    pub fields: Vec<SystemField>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Mapping {
    pub windows_system: WindowsSystem,
    pub ip_transports: BTreeMap<String, String>,
    rules: Vec<Rule>,
}

impl Mapping {
    /// The built-in mapping, parsed on first use.
    pub(crate) fn builtin() -> &'static Mapping {
        static MAPPING: OnceLock<Mapping> = OnceLock::new();
        MAPPING.get_or_init(|| {
            serde_json::from_str(MAPPING_JSON).expect("data/ecs-categories.json is valid")
        })
    }

    fn rule(&self, e: &Event) -> Option<&Rule> {
        self.rules.iter().find(|r| r.condition.matches(e))
    }

    /// The System field entry of that name, if it is one with a fixed ECS place.
    pub(crate) fn system_field(&self, name: &str) -> Option<&SystemField> {
        self.windows_system.fields.iter().find(|f| f.field == name)
    }

    /// Whether an original field of a Windows event is a System field.
    pub(crate) fn is_system_field(&self, name: &str) -> bool {
        self.system_field(name).is_some()
            || self
                .windows_system
                .prefixes
                .iter()
                .any(|p| name.starts_with(p.as_str()))
    }
}

/// ECS `event.category`/`type`/`outcome` for the event, or `None` when no mapping rule
/// knows it (better no category than a wrong one).
pub fn ecs_categorization(event: &Event) -> Option<&'static EcsCategorization> {
    Mapping::builtin().rule(event).map(|r| &r.ecs)
}

/// The OCSF class, category and activity of the event (3002 Authentication, 1007 Process
/// Activity, 1001 File System Activity, 4001 Network Activity, 4014 Tunnel Activity;
/// class 0 when none applies).
pub fn ocsf_class(event: &Event) -> OcsfClass {
    Mapping::builtin()
        .rule(event)
        .map_or(OcsfClass::default(), Rule::ocsf_class)
}

/// A mapping rule as read from the data file, for checking it.
#[derive(Debug, Clone, Copy)]
pub struct MappingRule {
    pub name: &'static str,
    pub ecs: &'static EcsCategorization,
    pub ocsf: OcsfClass,
}

/// Every mapping rule, in the order they are tried.
pub fn mapping_rules() -> impl Iterator<Item = MappingRule> {
    Mapping::builtin().rules.iter().map(|r| MappingRule {
        name: &r.name,
        ecs: &r.ecs,
        ocsf: r.ocsf_class(),
    })
}
