//! Capabilities from imports and strings, mapped to ATT&CK, and packer hints.

use crate::knowledge::Knowledge;
use crate::pe::PeInfo;
use crate::strings::FoundString;
use serde::Serialize;
use std::collections::HashSet;

/// A capability the sample has, with what showed it.
#[derive(Debug, Clone, Serialize)]
pub struct Capability {
    pub id: String,
    pub name: String,
    pub attack: Vec<String>,
    /// `import:Name` and `string:text` items that matched.
    pub evidence: Vec<String>,
}

fn base_name(f: &str) -> String {
    let l = f.to_ascii_lowercase();
    match l.strip_suffix('a').or_else(|| l.strip_suffix('w')) {
        // `CryptAcquireContextW` → `cryptacquirecontext`; keep short names whole.
        Some(s) if s.len() >= 6 && f.ends_with(['A', 'W']) => s.to_string(),
        _ => l,
    }
}

/// The capabilities whose evidence is present.
pub fn capabilities(
    k: &Knowledge,
    pe: Option<&PeInfo>,
    strings: &[FoundString],
) -> Vec<Capability> {
    let imports: HashSet<String> = pe
        .map(|p| {
            p.imports
                .iter()
                .flat_map(|d| d.functions.iter().map(|f| base_name(f)))
                .collect()
        })
        .unwrap_or_default();
    // Which capability strings occur anywhere: one case-insensitive pass.
    let needles: Vec<&str> = k
        .capabilities
        .iter()
        .flat_map(|c| c.strings.iter().map(String::as_str))
        .collect();
    let mut present = std::collections::HashSet::new();
    if let Ok(ac) = aho_corasick::AhoCorasick::builder()
        .ascii_case_insensitive(true)
        .build(&needles)
    {
        for s in strings {
            for m in ac.find_overlapping_iter(s.text.as_str()) {
                present.insert(needles[m.pattern().as_usize()].to_ascii_lowercase());
            }
        }
    }
    let mut out = Vec::new();
    for c in &k.capabilities {
        let mut evidence = Vec::new();
        for i in &c.imports {
            if imports.contains(&base_name(i)) {
                evidence.push(format!("import:{i}"));
            }
        }
        for s in &c.strings {
            if present.contains(&s.to_ascii_lowercase()) {
                evidence.push(format!("string:{s}"));
            }
        }
        if evidence.len() >= c.min.max(1) {
            out.push(Capability {
                id: c.id.clone(),
                name: c.name.clone(),
                attack: c.attack.clone(),
                evidence,
            });
        }
    }
    out
}

/// A reason to think the file is packed, protected or an installer.
#[derive(Debug, Clone, Serialize)]
pub struct PackerHint {
    /// The tool, or `unknown packer` for a generic sign.
    pub name: String,
    pub reason: String,
}

/// Packer hints from section names, markers and entropy.
pub fn packer_hints(k: &Knowledge, pe: Option<&PeInfo>, bytes: &[u8]) -> Vec<PackerHint> {
    let mut out = Vec::new();
    let head = &bytes[..bytes.len().min(64 << 10)];
    let overlay_head = pe
        .and_then(|p| p.overlay.as_ref())
        .map(|o| {
            let s = o.offset as usize;
            &bytes[s.min(bytes.len())..(s + 4096).min(bytes.len())]
        })
        .unwrap_or(&[]);
    for p in &k.packers {
        if let Some(pe) = pe {
            if let Some(s) = pe
                .sections
                .iter()
                .find(|s| p.sections.iter().any(|n| n == &s.name))
            {
                out.push(PackerHint {
                    name: p.name.clone(),
                    reason: format!("section {}", s.name),
                });
                continue;
            }
        }
        if let Some(m) = p.markers.iter().find(|m| {
            memchr::memmem::find(head, m.as_bytes()).is_some()
                || memchr::memmem::find(overlay_head, m.as_bytes()).is_some()
        }) {
            out.push(PackerHint {
                name: p.name.clone(),
                reason: format!("marker {m:?}"),
            });
        }
    }
    if let Some(pe) = pe {
        for s in &pe.sections {
            if s.flags.contains(&"x") && s.entropy > 7.2 {
                out.push(PackerHint {
                    name: "unknown packer".into(),
                    reason: format!("executable section {} has entropy {:.2}", s.name, s.entropy),
                });
            }
            if s.raw_size == 0 && s.virtual_size > 0x10000 && s.flags.contains(&"x") {
                out.push(PackerHint {
                    name: "unknown packer".into(),
                    reason: format!(
                        "executable section {} is empty on disk but {} bytes in memory",
                        s.name, s.virtual_size
                    ),
                });
            }
        }
        let dense: Vec<&str> = pe
            .sections
            .iter()
            .filter(|s| s.raw_size >= 512 && s.entropy > 7.2)
            .map(|s| s.name.as_str())
            .collect();
        let with_data = pe.sections.iter().filter(|s| s.raw_size >= 512).count();
        if dense.len() >= 2 && dense.len() * 2 >= with_data {
            out.push(PackerHint {
                name: "unknown packer".into(),
                reason: format!(
                    "{} of {with_data} sections have entropy above 7.2",
                    dense.len()
                ),
            });
        }
        let n: usize = pe.imports.iter().map(|d| d.functions.len()).sum();
        let resolver = pe
            .imports
            .iter()
            .flat_map(|d| &d.functions)
            .any(|f| f == "GetProcAddress");
        if n > 0 && n <= 10 && resolver {
            out.push(PackerHint {
                name: "unknown packer".into(),
                reason: format!("only {n} imports, GetProcAddress among them"),
            });
        }
    }
    out
}
