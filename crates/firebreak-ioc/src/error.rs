//! Typed errors: every one names the source (origin) and where in it.

use serde::Serialize;

/// Where in a source an IOC or an error is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Position {
    /// The whole document (it could not be read at all).
    Document,
    /// 1-based line of a text file (plain list, CSV record's first line).
    Line { line: u64 },
    /// A JSON object: its path in the document (`objects[3]`,
    /// `Event.Object[0].Attribute[2]`) and its id (STIX id, MISP uuid) when it has one.
    Object { path: String, id: Option<String> },
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Position::Document => f.write_str("document"),
            Position::Line { line } => write!(f, "line {line}"),
            Position::Object { path, id: Some(id) } => write!(f, "{path} ({id})"),
            Position::Object { path, id: None } => f.write_str(path),
        }
    }
}

/// Why an entry was not turned into IOCs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("cannot tell what kind of IOC {0:?} is")]
    UnknownType(String),
    #[error("{value:?} is not a valid {kind}")]
    InvalidValue { kind: String, value: String },
    #[error("unknown IOC type name {0:?}")]
    UnknownTypeName(String),
    #[error("no value")]
    Empty,
    #[error("not UTF-8")]
    NotUtf8,
    #[error("not JSON: {0}")]
    Json(String),
    #[error("CSV: {0}")]
    Csv(String),
    #[error("no value column in CSV header {0:?}")]
    NoValueColumn(String),
    #[error("not a recognised IOC format (plain list, CSV, STIX 2.1 bundle, MISP event)")]
    UnknownFormat,
    #[error("not a {format} document: {detail}")]
    Structure {
        format: &'static str,
        detail: String,
    },
    #[error("STIX pattern syntax: {0}")]
    PatternSyntax(String),
    #[error("unsupported STIX pattern part: {0}")]
    UnsupportedPattern(String),
    #[error("unsupported pattern_type {0:?} (only stix patterns are read)")]
    UnsupportedPatternType(String),
    #[error("revoked indicator skipped")]
    Revoked,
    #[error("{count} of type {type_name:?} skipped: {why}")]
    Skipped {
        type_name: String,
        count: usize,
        why: String,
    },
}

/// One entry (line, CSV record, JSON object) that gave no IOC, or a part of it that
/// could not be used. Never stops the rest of the source.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {position}: {reason}")]
pub struct IocError {
    pub origin: String,
    pub position: Position,
    #[source]
    pub reason: Reason,
}

impl IocError {
    pub fn new(origin: &str, position: Position, reason: Reason) -> IocError {
        IocError {
            origin: origin.to_string(),
            position,
            reason,
        }
    }
}
