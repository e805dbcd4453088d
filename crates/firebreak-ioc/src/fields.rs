//! Which event fields each kind of IOC is looked for in: the data file
//! `data/fields.yaml`, compiled in, extendable.

use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};

/// The built-in field mapping (`data/fields.yaml`).
pub const BUILTIN_FIELDS: &str = include_str!("../data/fields.yaml");

/// How a field's value is read, and so which IOC types it is checked against (see
/// `data/fields.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FieldClass {
    Hash,
    Ip,
    Domain,
    Url,
    Path,
    User,
    Email,
    CommandLine,
    Registry,
}

impl FieldClass {
    pub const ALL: [FieldClass; 9] = [
        FieldClass::Hash,
        FieldClass::Ip,
        FieldClass::Domain,
        FieldClass::Url,
        FieldClass::Path,
        FieldClass::User,
        FieldClass::Email,
        FieldClass::CommandLine,
        FieldClass::Registry,
    ];

    /// Name as in the data file.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldClass::Hash => "hash",
            FieldClass::Ip => "ip",
            FieldClass::Domain => "domain",
            FieldClass::Url => "url",
            FieldClass::Path => "path",
            FieldClass::User => "user",
            FieldClass::Email => "email",
            FieldClass::CommandLine => "command_line",
            FieldClass::Registry => "registry",
        }
    }

    fn parse(s: &str) -> Option<FieldClass> {
        FieldClass::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub(crate) fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// A set of [`FieldClass`]es.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Classes(pub u16);

impl Classes {
    pub fn has(self, c: FieldClass) -> bool {
        self.0 & c.bit() != 0
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The normalised fields a mapping may name (`Event::normalised` names whose values
/// can hold an IOC).
const NORMALISED: &[&str] = &[
    "process.hashes",
    "file.hashes",
    "network.src_ip",
    "network.dst_ip",
    "domain",
    "url",
    "process.image",
    "process.parent_image",
    "file.path",
    "user.name",
    "user.sid",
    "process.command_line",
];

/// The field mapping could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("field mapping: {0}")]
    Yaml(String),
    #[error("field mapping: unknown class {0:?}")]
    UnknownClass(String),
    #[error("field mapping: {0:?} is not a normalised field that can hold an IOC")]
    UnknownNormalised(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Doc {
    classes: BTreeMap<String, ClassDoc>,
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct ClassDoc {
    normalised: Vec<String>,
    names: Vec<String>,
    suffixes: Vec<String>,
}

/// Field name → classes, compiled from the mapping file.
#[derive(Debug, Clone, Default)]
pub struct FieldMap {
    /// Lower-case exact names.
    names: HashMap<String, Classes>,
    /// Lower-case suffixes.
    suffixes: Vec<(String, Classes)>,
    /// Normalised field names.
    normalised: Vec<(&'static str, Classes)>,
}

impl FieldMap {
    /// The built-in mapping.
    pub fn builtin() -> FieldMap {
        let mut map = FieldMap::default();
        // The built-in file is tested; it cannot fail.
        map.extend(BUILTIN_FIELDS).unwrap_or_default();
        map
    }

    /// Add the classes of a mapping file (same shape as `data/fields.yaml`).
    pub fn extend(&mut self, yaml: &str) -> Result<(), MappingError> {
        let doc: Doc =
            serde_yaml_ng::from_str(yaml).map_err(|e| MappingError::Yaml(e.to_string()))?;
        for (class, entry) in doc.classes {
            let c = FieldClass::parse(&class).ok_or(MappingError::UnknownClass(class))?;
            self.add(c, entry)?;
        }
        Ok(())
    }

    fn add(&mut self, c: FieldClass, entry: ClassDoc) -> Result<(), MappingError> {
        for n in entry.normalised {
            let name = NORMALISED
                .iter()
                .find(|k| **k == n)
                .ok_or(MappingError::UnknownNormalised(n))?;
            match self.normalised.iter_mut().find(|(k, _)| k == name) {
                Some((_, cs)) => cs.0 |= c.bit(),
                None => self.normalised.push((name, Classes(c.bit()))),
            }
        }
        for n in entry.names {
            self.names.entry(n.to_lowercase()).or_default().0 |= c.bit();
        }
        for s in entry.suffixes {
            let s = s.to_lowercase();
            match self.suffixes.iter_mut().find(|(k, _)| *k == s) {
                Some((_, cs)) => cs.0 |= c.bit(),
                None => self.suffixes.push((s, Classes(c.bit()))),
            }
        }
        Ok(())
    }

    /// The classes of an original field name. `lower` is scratch space.
    pub(crate) fn classes_of(&self, name: &str, lower: &mut String) -> Classes {
        lower.clear();
        lower.push_str(name);
        lower.make_ascii_lowercase();
        let mut cs = self.names.get(lower.as_str()).copied().unwrap_or_default();
        for (suffix, c) in &self.suffixes {
            if lower.ends_with(suffix.as_str()) {
                cs.0 |= c.0;
            }
        }
        cs
    }

    /// The classes of an original field name, in [`FieldClass`] order.
    pub fn classes(&self, name: &str) -> Vec<FieldClass> {
        let cs = self.classes_of(name, &mut String::new());
        FieldClass::ALL.into_iter().filter(|c| cs.has(*c)).collect()
    }

    /// The normalised fields the mapping reads, with their classes.
    pub(crate) fn normalised(&self) -> &[(&'static str, Classes)] {
        &self.normalised
    }
}
