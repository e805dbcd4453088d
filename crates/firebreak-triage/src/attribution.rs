//! Attribution: a malware family → the actors known to use it, their aliases,
//! techniques and extortion methods, from data the user gives (MITRE ATT&CK's
//! compact export, the MISP galaxy's `ransomware.json` and `threat-actor.json`).
//! Nothing here is bundled: those files carry their own terms, and newer copies
//! are always better.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// A data file that could not be read as what it should be.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct AttributionError {
    pub origin: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
struct AttackFile {
    #[serde(default)]
    techniques: std::collections::HashMap<String, AttackTechnique>,
    #[serde(default)]
    groups: Vec<AttackGroup>,
    #[serde(default)]
    software: Vec<AttackSoftware>,
}

#[derive(Debug, Clone, Deserialize)]
struct AttackTechnique {
    name: String,
}

#[derive(Debug, Clone, Deserialize)]
struct AttackGroup {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    techniques: Vec<String>,
    #[serde(default)]
    software: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct AttackSoftware {
    id: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    #[serde(default)]
    techniques: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
struct Galaxy {
    values: Vec<GalaxyValue>,
}

#[derive(Debug, Clone, Deserialize)]
struct GalaxyValue {
    value: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    meta: serde_json::Map<String, serde_json::Value>,
}

impl GalaxyValue {
    fn list(&self, key: &str) -> Vec<String> {
        match self.meta.get(key) {
            Some(serde_json::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(serde_json::Value::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    }
}

/// Loaded attribution data.
#[derive(Debug, Clone, Default)]
pub struct Attribution {
    attack: Option<AttackFile>,
    ransomware: Vec<GalaxyValue>,
    actors: Vec<GalaxyValue>,
}

/// A technique with its name.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Technique {
    pub id: String,
    pub name: String,
}

/// An actor known to use the family.
#[derive(Debug, Clone, Serialize)]
pub struct Actor {
    pub name: String,
    /// ATT&CK group id (`G0102`), when from ATT&CK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub aliases: Vec<String>,
    pub techniques: usize,
    /// Where this came from (`ATT&CK`, `MISP galaxy`).
    pub source: String,
}

/// What is known about a family.
#[derive(Debug, Clone, Serialize)]
pub struct FamilyProfile {
    pub family: String,
    /// ATT&CK software id and name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub software: Option<String>,
    pub actors: Vec<Actor>,
    pub techniques: Vec<Technique>,
    /// `encryption`, `data theft / leak site`, `DDoS`, `harassment`; three or more is
    /// triple extortion.
    pub extortion: Vec<String>,
    pub ransomware_extensions: Vec<String>,
    pub note_file_names: Vec<String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
}

fn norm(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn galaxy(origin: &str, bytes: &[u8]) -> Result<Vec<GalaxyValue>, AttributionError> {
    serde_json::from_slice::<Galaxy>(bytes)
        .map(|g| g.values)
        .map_err(|e| AttributionError {
            origin: origin.into(),
            reason: format!("not a MISP galaxy cluster file: {e}"),
        })
}

impl Attribution {
    /// Load from the texts of the files that are given; each that does not parse
    /// is reported and the others still load.
    pub fn load(
        attack: Option<(&str, &[u8])>,
        ransomware: Option<(&str, &[u8])>,
        actors: Option<(&str, &[u8])>,
    ) -> (Attribution, Vec<AttributionError>) {
        let mut a = Attribution::default();
        let mut errors = Vec::new();
        if let Some((origin, bytes)) = attack {
            match serde_json::from_slice::<AttackFile>(bytes) {
                Ok(f) => a.attack = Some(f),
                Err(e) => errors.push(AttributionError {
                    origin: origin.into(),
                    reason: format!("not an ATT&CK compact export: {e}"),
                }),
            }
        }
        if let Some((origin, bytes)) = ransomware {
            match galaxy(origin, bytes) {
                Ok(v) => a.ransomware = v,
                Err(e) => errors.push(e),
            }
        }
        if let Some((origin, bytes)) = actors {
            match galaxy(origin, bytes) {
                Ok(v) => a.actors = v,
                Err(e) => errors.push(e),
            }
        }
        (a, errors)
    }

    /// Whether any data was loaded.
    pub fn is_empty(&self) -> bool {
        self.attack.is_none() && self.ransomware.is_empty() && self.actors.is_empty()
    }

    /// The MISP ransomware clusters' extensions and note file names (for scanning).
    pub fn ransomware_marks(&self) -> Vec<(String, Vec<String>, Vec<String>)> {
        self.ransomware
            .iter()
            .map(|r| {
                let mut notes = r.list("ransomnotes-filenames");
                notes.extend(r.list("ransomnotes-filesnames"));
                (r.value.clone(), r.list("extensions"), notes)
            })
            .collect()
    }

    /// What is known about `family` (matched on names and aliases, ignoring case,
    /// spaces and punctuation).
    pub fn profile(&self, family: &str) -> Option<FamilyProfile> {
        let want = norm(family);
        if want.is_empty() {
            return None;
        }
        let mut p = FamilyProfile {
            family: family.to_string(),
            software: None,
            actors: Vec::new(),
            techniques: Vec::new(),
            extortion: Vec::new(),
            ransomware_extensions: Vec::new(),
            note_file_names: Vec::new(),
            description: String::new(),
        };
        let mut found = false;
        let mut text = String::new();
        let mut techniques = BTreeSet::new();
        if let Some(att) = &self.attack {
            let names_match = |name: &str, aliases: &[String]| {
                std::iter::once(name)
                    .chain(aliases.iter().map(String::as_str))
                    .any(|n| norm(n) == want)
            };
            let sw: Vec<&AttackSoftware> = att
                .software
                .iter()
                .filter(|s| names_match(&s.name, &s.aliases))
                .collect();
            for s in &sw {
                found = true;
                p.software
                    .get_or_insert_with(|| format!("{} {}", s.id, s.name));
                techniques.extend(s.techniques.iter().cloned());
            }
            for g in &att.groups {
                if g.software.iter().any(|id| sw.iter().any(|s| &s.id == id))
                    || names_match(&g.name, &g.aliases)
                {
                    found = true;
                    text.push_str(&g.description);
                    p.actors.push(Actor {
                        name: g.name.clone(),
                        id: Some(g.id.clone()),
                        aliases: g
                            .aliases
                            .iter()
                            .filter(|a| **a != g.name)
                            .cloned()
                            .collect(),
                        techniques: g.techniques.len(),
                        source: "ATT&CK".into(),
                    });
                }
            }
            p.techniques = techniques
                .iter()
                .map(|id| Technique {
                    id: id.clone(),
                    name: att
                        .techniques
                        .get(id)
                        .map_or_else(String::new, |t| t.name.clone()),
                })
                .collect();
        }
        for r in &self.ransomware {
            let mut names = r.list("synonyms");
            names.push(r.value.clone());
            if names.iter().any(|n| norm(n) == want) {
                found = true;
                p.ransomware_extensions.extend(r.list("extensions"));
                p.note_file_names.extend(r.list("ransomnotes-filenames"));
                if p.description.is_empty() {
                    p.description = r.description.clone();
                }
                text.push_str(&r.description);
            }
        }
        // MISP actors: aliases for the ATT&CK actors, and actors whose own text names the family.
        for a in &self.actors {
            let mut names = a.list("synonyms");
            names.push(a.value.clone());
            let same = p.actors.iter().position(|x| {
                names.iter().any(|n| {
                    norm(n) == norm(&x.name) || x.aliases.iter().any(|al| norm(al) == norm(n))
                })
            });
            if let Some(i) = same {
                for n in names {
                    if n != p.actors[i].name && !p.actors[i].aliases.contains(&n) {
                        p.actors[i].aliases.push(n);
                    }
                }
                text.push_str(&a.description);
            }
        }
        if !found {
            return None;
        }
        let lower = text.to_ascii_lowercase();
        let is_ransomware = !p.ransomware_extensions.is_empty()
            || lower.contains("ransomware")
            || techniques.contains("T1486");
        if is_ransomware {
            p.extortion.push("encryption".into());
        }
        if [
            "leak site",
            "data leak",
            "exfiltrat",
            "double extortion",
            "steal",
            "stolen",
            "data theft",
        ]
        .iter()
        .any(|k| lower.contains(k))
        {
            p.extortion.push("data theft / leak site".into());
        }
        if lower.contains("ddos")
            || lower.contains("denial of service")
            || lower.contains("denial-of-service")
        {
            p.extortion.push("DDoS".into());
        }
        if lower.contains("harass") || lower.contains("cold call") {
            p.extortion.push("harassment".into());
        }
        p.ransomware_extensions.sort();
        p.ransomware_extensions.dedup();
        p.note_file_names.sort();
        p.note_file_names.dedup();
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_from_small_data() {
        let attack = br#"{"techniques":{"T1486":{"name":"Data Encrypted for Impact","tactics":["impact"]}},
          "groups":[{"id":"G9","name":"Spider","aliases":["Spider","Grim"],"description":"Runs a leak site and DDoS.","techniques":["T1486"],"software":["S9"]}],
          "software":[{"id":"S9","name":"Testlock","type":"malware","aliases":["Testlock","TL"],"techniques":["T1486"]}]}"#;
        let rw = br#"{"values":[{"value":"Testlock","description":"ransomware","meta":{"extensions":[".tlk"],"ransomnotes-filenames":["HELP.txt"]}}]}"#;
        let (a, errors) =
            Attribution::load(Some(("a", attack)), Some(("r", rw)), Some(("t", b"nope")));
        assert_eq!(errors.len(), 1);
        let p = a.profile("test-lock").unwrap();
        assert_eq!(p.actors[0].name, "Spider");
        assert_eq!(p.actors[0].aliases, vec!["Grim"]);
        assert_eq!(p.techniques[0].name, "Data Encrypted for Impact");
        assert_eq!(
            p.extortion,
            vec!["encryption", "data theft / leak site", "DDoS"]
        );
        assert_eq!(p.ransomware_extensions, vec![".tlk"]);
        assert!(a.profile("other").is_none());
    }
}
