//! ELF structure: class, machine, type, interpreter, needed libraries, sections
//! with entropy and flags, imported (undefined dynamic) symbols.

use crate::entropy::shannon;
use serde::Serialize;

/// What an ELF file says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct ElfInfo {
    pub is_64: bool,
    pub machine: String,
    /// `EXEC`, `DYN`, `REL`, `CORE`.
    pub kind: String,
    pub entry_point: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interpreter: Option<String>,
    pub libraries: Vec<String>,
    pub sections: Vec<ElfSection>,
    /// Undefined dynamic symbols (what it imports), at most 2,000.
    pub imports: Vec<String>,
    /// No `.symtab`.
    pub stripped: bool,
}

/// One section.
#[derive(Debug, Clone, Serialize)]
pub struct ElfSection {
    pub name: String,
    pub offset: u64,
    pub size: u64,
    pub entropy: f64,
    /// `a` (alloc), `w`, `x`.
    pub flags: String,
}

/// Why an ELF could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("malformed ELF: {0}")]
pub struct ElfError(pub String);

/// Parse `bytes` as an ELF.
pub fn parse(bytes: &[u8]) -> Result<ElfInfo, ElfError> {
    let elf = goblin::elf::Elf::parse(bytes).map_err(|e| ElfError(e.to_string()))?;
    let sections = elf
        .section_headers
        .iter()
        .filter(|s| s.sh_type != goblin::elf::section_header::SHT_NULL)
        .map(|s| {
            let nobits = s.sh_type == goblin::elf::section_header::SHT_NOBITS;
            let start = s.sh_offset as usize;
            let data = if nobits {
                &[][..]
            } else {
                let end = start.saturating_add(s.sh_size as usize).min(bytes.len());
                bytes.get(start..end).unwrap_or(&[])
            };
            let mut flags = String::new();
            for (bit, c) in [(0x2u64, 'a'), (0x1, 'w'), (0x4, 'x')] {
                if s.sh_flags & bit != 0 {
                    flags.push(c);
                }
            }
            ElfSection {
                name: elf.shdr_strtab.get_at(s.sh_name).unwrap_or("").to_string(),
                offset: s.sh_offset,
                size: s.sh_size,
                entropy: ((shannon(data) * 1000.0).round() / 1000.0) + 0.0,
                flags,
            }
        })
        .collect();
    let imports = elf
        .dynsyms
        .iter()
        .filter(|s| s.is_import())
        .filter_map(|s| elf.dynstrtab.get_at(s.st_name))
        .filter(|n| !n.is_empty())
        .take(2000)
        .map(str::to_string)
        .collect();
    Ok(ElfInfo {
        is_64: elf.is_64,
        machine: goblin::elf::header::machine_to_str(elf.header.e_machine).to_string(),
        kind: goblin::elf::header::et_to_str(elf.header.e_type).to_string(),
        entry_point: elf.entry,
        interpreter: elf.interpreter.map(str::to_string),
        libraries: elf.libraries.iter().map(|l| l.to_string()).collect(),
        sections,
        imports,
        stripped: elf.syms.is_empty(),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_this_test_binary_and_refuses_garbage() {
        let me = std::fs::read(std::env::current_exe().unwrap()).unwrap();
        let e = super::parse(&me).unwrap();
        assert!(e
            .sections
            .iter()
            .any(|s| s.name == ".text" && s.flags.contains('x')));
        assert!(super::parse(b"\x7fELF\x02\x01\x01").is_err());
    }
}
