//! The knowledge bases triage runs on: data files, parsed once.

use serde::Deserialize;

/// Bundled data files (`data/` in this crate).
pub const STRINGS_YAML: &str = include_str!("../data/strings.yaml");
pub const CAPABILITIES_YAML: &str = include_str!("../data/capabilities.yaml");
pub const PACKERS_YAML: &str = include_str!("../data/packers.yaml");

/// What string extraction knows.
#[derive(Debug, Clone, Deserialize)]
pub struct StringsKb {
    pub tlds: Vec<String>,
    pub commands: Vec<CommandDef>,
}

/// A ransomware-typical command.
#[derive(Debug, Clone, Deserialize)]
pub struct CommandDef {
    pub text: String,
    pub attack: String,
    pub what: String,
}

/// A capability and the evidence it needs.
#[derive(Debug, Clone, Deserialize)]
pub struct CapabilityDef {
    pub id: String,
    pub name: String,
    pub attack: Vec<String>,
    #[serde(default)]
    pub imports: Vec<String>,
    #[serde(default)]
    pub strings: Vec<String>,
    pub min: usize,
}

/// A packer's marks.
#[derive(Debug, Clone, Deserialize)]
pub struct PackerDef {
    pub name: String,
    #[serde(default)]
    pub sections: Vec<String>,
    #[serde(default)]
    pub markers: Vec<String>,
}

/// All of it.
#[derive(Debug, Clone)]
pub struct Knowledge {
    pub strings: StringsKb,
    pub capabilities: Vec<CapabilityDef>,
    pub packers: Vec<PackerDef>,
}

/// A knowledge file that does not parse.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {reason}")]
pub struct KnowledgeError {
    pub file: String,
    pub reason: String,
}

fn yaml<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, KnowledgeError> {
    serde_yaml_ng::from_str(text).map_err(|e| KnowledgeError {
        file: file.into(),
        reason: e.to_string(),
    })
}

impl Knowledge {
    /// The bundled knowledge.
    pub fn bundled() -> Result<Knowledge, KnowledgeError> {
        Knowledge::from_texts(STRINGS_YAML, CAPABILITIES_YAML, PACKERS_YAML)
    }

    /// Knowledge from the three files' texts (for users who keep their own copies).
    pub fn from_texts(
        strings: &str,
        capabilities: &str,
        packers: &str,
    ) -> Result<Knowledge, KnowledgeError> {
        Ok(Knowledge {
            strings: yaml("strings.yaml", strings)?,
            capabilities: yaml("capabilities.yaml", capabilities)?,
            packers: yaml("packers.yaml", packers)?,
        })
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn bundled_knowledge_parses() {
        let k = super::Knowledge::bundled().unwrap();
        assert!(k
            .capabilities
            .iter()
            .any(|c| c.id == "delete-shadow-copies"));
        assert!(k.packers.iter().any(|p| p.name == "UPX"));
        assert!(k.strings.tlds.iter().any(|t| t == "com"));
    }
}
