//! Why a rule (or a mapping file) could not be loaded.

/// The reason one rule document cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("YAML: {0}")]
    Yaml(String),
    #[error("missing or invalid '{0}'")]
    Missing(&'static str),
    #[error("document has no 'detection', 'correlation' or 'filter' section")]
    NoDetection,
    #[error("detection: {0}")]
    Detection(String),
    #[error("condition: {0}")]
    Condition(String),
    #[error("modifier: {0}")]
    Modifier(String),
    #[error("value: {0}")]
    Value(String),
    #[error("regular expression /{pattern}/: {reason}")]
    Regex { pattern: String, reason: String },
    #[error("placeholder %{0}% has no values (none were given for it)")]
    Placeholder(String),
    #[error("correlation: {0}")]
    Correlation(String),
    #[error("filter: {0}")]
    Filter(String),
    #[error("collection: {0}")]
    Collection(String),
    #[error("correlation refers to '{0}', which names no loaded rule")]
    UnknownReference(String),
    #[error("correlation refers to '{reference}', which names {count} rules")]
    AmbiguousReference { reference: String, count: usize },
    #[error("correlation cycle: {0}")]
    CorrelationCycle(String),
    #[error("correlation uses correlation '{0}', which cannot be evaluated")]
    UnusableInput(String),
    #[error("alias '{alias}': {reason}")]
    Alias { alias: String, reason: String },
    #[error("selection '{name}': {source}")]
    InSelection {
        name: String,
        #[source]
        source: Box<RuleError>,
    },
    #[error("'{key}': {source}")]
    ForKey {
        key: String,
        #[source]
        source: Box<RuleError>,
    },
}

impl RuleError {
    pub(crate) fn in_selection(self, name: &str) -> RuleError {
        RuleError::InSelection {
            name: name.to_string(),
            source: Box::new(self),
        }
    }
    pub(crate) fn for_key(self, key: &str) -> RuleError {
        RuleError::ForKey {
            key: key.to_string(),
            source: Box::new(self),
        }
    }
    /// The innermost reason (for counting failures by kind).
    pub fn root(&self) -> &RuleError {
        match self {
            RuleError::InSelection { source, .. } | RuleError::ForKey { source, .. } => {
                source.root()
            }
            other => other,
        }
    }
}

/// A rule document that could not be loaded: where, which rule, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {reason}", .rule.as_ref().map(|r| format!(" [{r}]")).unwrap_or_default())]
pub struct LoadError {
    /// The source's name as the caller gave it (usually a file path).
    pub origin: String,
    /// 1-based document number in a multi-document file.
    pub document: usize,
    /// Title and id of the rule when they could be read.
    pub rule: Option<String>,
    pub reason: RuleError,
}

/// A logsource mapping file that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("logsource mapping YAML: {0}")]
    Yaml(String),
    #[error("logsource mapping: {0}")]
    Invalid(String),
}
