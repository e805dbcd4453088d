//! PE structure: headers, sections with entropy and flags, imports, exports,
//! imphash, overlay, Authenticode presence. Parsing is goblin's; this module never
//! trusts a size or offset from the file without checking it against the buffer.

use crate::entropy::shannon;
use serde::Serialize;

/// What a PE file says about itself.
#[derive(Debug, Clone, Serialize)]
pub struct PeInfo {
    /// `x86`, `x64`, `arm64`, ... or the raw machine value in hex.
    pub machine: String,
    pub is_64: bool,
    pub is_dll: bool,
    /// COFF `TimeDateStamp` as RFC 3339 (UTC); `None` when zero.
    pub compile_time: Option<String>,
    pub timestamp_raw: u32,
    pub entry_point: u32,
    pub image_base: u64,
    pub subsystem: Option<String>,
    pub dll_characteristics: u16,
    pub has_rich_header: bool,
    pub sections: Vec<Section>,
    pub imports: Vec<ImportedDll>,
    pub exports: Vec<String>,
    /// Classic imphash (pefile / YARA `pe.imphash()`), `None` without imports.
    pub imphash: Option<String>,
    /// Bytes after the last section's raw data (signature excluded).
    pub overlay: Option<Overlay>,
    /// The certificate table's size when the file carries an Authenticode signature.
    pub authenticode_bytes: Option<u32>,
    /// Whether a CLR (.NET) header is present.
    pub dotnet: bool,
    /// Version-information strings (CompanyName, OriginalFilename, ...).
    pub version_info: std::collections::BTreeMap<String, String>,
    /// Whether an application manifest resource is present.
    pub has_manifest: bool,
    /// The decoded Rich header (MSVC tool entries, checksum).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rich: Option<crate::pe_extra::RichHeader>,
    /// Resources: type, name or id, language, size, entropy.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<crate::pe_extra::Resource>,
    /// Authenticode signatures (WIN_CERTIFICATE entries) and their signers.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<crate::pe_extra::Signature>,
    /// .NET: CLR header, runtime version, module and assembly names.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dotnet_info: Option<crate::pe_extra::DotNet>,
    /// What could not be parsed.
    pub warnings: Vec<String>,
}

/// One section.
#[derive(Debug, Clone, Serialize)]
pub struct Section {
    pub name: String,
    pub virtual_address: u32,
    pub virtual_size: u32,
    pub raw_offset: u32,
    pub raw_size: u32,
    pub entropy: f64,
    /// `r`, `w`, `x` and `code`/`idata`/`udata` as present.
    pub flags: Vec<&'static str>,
}

/// Functions imported from one DLL, in import-table order.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedDll {
    pub dll: String,
    pub functions: Vec<String>,
}

/// Data appended after the image.
#[derive(Debug, Clone, Serialize)]
pub struct Overlay {
    pub offset: u64,
    pub size: u64,
    pub entropy: f64,
}

/// Why a file that looks like a PE could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("malformed PE: {0}")]
pub struct PeError(pub String);

/// The sections table is capped: Windows refuses more than 96 sections.
pub const MAX_SECTIONS: u16 = 96;

/// Parse `bytes` as a PE. A file that does not parse strictly (packers leave
/// directories pointing nowhere) is parsed again permissively, then without
/// imports, resources and TLS; what was given up is said in `warnings`.
pub fn parse(bytes: &[u8]) -> Result<PeInfo, PeError> {
    use goblin::pe::options::{ParseMode, ParseOptions};
    let mut warnings = Vec::new();
    let strict = goblin::pe::PE::parse(bytes);
    let pe = match strict {
        Ok(pe) => pe,
        Err(e) => {
            warnings.push(format!("not a well-formed PE ({e}); parsed permissively"));
            let lenient = ParseOptions::default().with_parse_mode(ParseMode::Permissive);
            match goblin::pe::PE::parse_with_opts(bytes, &lenient) {
                Ok(pe) => pe,
                Err(e2) => {
                    warnings.push(format!(
                        "permissive parse failed too ({e2}); imports, resources and TLS skipped"
                    ));
                    let bare = lenient
                        .with_parse_imports(false)
                        .with_parse_resources(false)
                        .with_parse_tls_data(false);
                    goblin::pe::PE::parse_with_opts(bytes, &bare)
                        .map_err(|e| PeError(e.to_string()))?
                }
            }
        }
    };
    let coff = &pe.header.coff_header;
    if coff.number_of_sections > MAX_SECTIONS {
        return Err(PeError(format!(
            "{} sections (Windows loads at most {MAX_SECTIONS})",
            coff.number_of_sections
        )));
    }
    let opt = pe.header.optional_header.as_ref();
    let sections: Vec<Section> = pe
        .sections
        .iter()
        .map(|s| {
            let start = s.pointer_to_raw_data as usize;
            let end = start
                .saturating_add(s.size_of_raw_data as usize)
                .min(bytes.len());
            let data = bytes.get(start..end).unwrap_or(&[]);
            Section {
                name: section_name(&s.name),
                virtual_address: s.virtual_address,
                virtual_size: s.virtual_size,
                raw_offset: s.pointer_to_raw_data,
                raw_size: s.size_of_raw_data,
                entropy: round3(shannon(data)),
                flags: section_flags(s.characteristics),
            }
        })
        .collect();
    let mut imports: Vec<ImportedDll> = Vec::new();
    for i in &pe.imports {
        let func = i.name.to_string();
        match imports.last_mut() {
            Some(last) if last.dll == i.dll => last.functions.push(func),
            _ => imports.push(ImportedDll {
                dll: i.dll.to_string(),
                functions: vec![func],
            }),
        }
    }
    let imphash = imphash(&imports);
    let exports = pe
        .exports
        .iter()
        .filter_map(|e| e.name.map(str::to_string))
        .collect();
    let cert_dir = opt
        .and_then(|o| o.data_directories.get_certificate_table())
        .filter(|d| d.size > 0 && d.virtual_address > 0);
    // The certificate table's "virtual address" is a file offset; it must fit the file.
    let cert =
        cert_dir.filter(|d| u64::from(d.virtual_address) + u64::from(d.size) <= bytes.len() as u64);
    if let (Some(d), None) = (cert_dir, cert) {
        warnings.push(format!(
            "certificate table ({} bytes at {:#x}) lies outside the file",
            d.size, d.virtual_address
        ));
    }
    let image_end = pe
        .sections
        .iter()
        .filter(|s| s.size_of_raw_data > 0)
        .map(|s| u64::from(s.pointer_to_raw_data) + u64::from(s.size_of_raw_data))
        .max()
        .unwrap_or(0);
    let len = bytes.len() as u64;
    // The certificate table sits after the image and is not an overlay of its own.
    let overlay_end = match cert {
        Some(c) if u64::from(c.virtual_address) >= image_end => u64::from(c.virtual_address),
        _ => len,
    }
    .min(len);
    let overlay = (image_end > 0 && overlay_end > image_end).then(|| Overlay {
        offset: image_end,
        size: overlay_end - image_end,
        entropy: round3(shannon(&bytes[image_end as usize..overlay_end as usize])),
    });
    let layout = crate::pe_extra::Layout::new(pe.sections.iter().map(|s| {
        (
            s.virtual_address,
            s.virtual_size,
            s.pointer_to_raw_data,
            s.size_of_raw_data,
        )
    }));
    let dirs = opt.map(|o| &o.data_directories);
    let resources = dirs
        .and_then(|d| d.get_resource_table().copied())
        .filter(|d| d.size > 0)
        .and_then(|d| layout.offset(d.virtual_address))
        .map(|root| crate::pe_extra::resources(bytes, &layout, root))
        .unwrap_or_default();
    let signatures = cert
        .and_then(|c| {
            let start = c.virtual_address as usize;
            bytes.get(start..start + c.size as usize)
        })
        .map(crate::pe_extra::signatures)
        .unwrap_or_default();
    let dotnet_info = dirs
        .and_then(|d| d.get_clr_runtime_header().copied())
        .filter(|d| d.size > 0)
        .and_then(|d| layout.offset(d.virtual_address))
        .and_then(|clr| crate::pe_extra::dotnet(bytes, &layout, clr));
    Ok(PeInfo {
        machine: machine_name(coff.machine),
        is_64: pe.is_64,
        is_dll: pe.is_lib,
        compile_time: (coff.time_date_stamp != 0)
            .then(|| chrono::DateTime::from_timestamp(i64::from(coff.time_date_stamp), 0))
            .flatten()
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        timestamp_raw: coff.time_date_stamp,
        entry_point: pe.entry,
        image_base: pe.image_base,
        subsystem: opt.map(|o| subsystem_name(o.windows_fields.subsystem)),
        dll_characteristics: opt.map_or(0, |o| o.windows_fields.dll_characteristics),
        has_rich_header: pe.header.rich_header.is_some(),
        sections,
        imports,
        exports,
        imphash,
        overlay,
        authenticode_bytes: cert.map(|c| c.size),
        dotnet: pe.clr_data.is_some() || dotnet_info.is_some(),
        version_info: version_info(&pe),
        has_manifest: pe
            .resource_data
            .as_ref()
            .is_some_and(|r| r.manifest_data.is_some()),
        rich: crate::pe_extra::rich_header(bytes),
        resources,
        signatures,
        dotnet_info,
        warnings,
    })
}

/// The string table of the version resource.
fn version_info(pe: &goblin::pe::PE<'_>) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let Some(v) = pe
        .resource_data
        .as_ref()
        .and_then(|r| r.version_info.as_ref())
    else {
        return out;
    };
    let si = &v.string_info;
    for (k, val) in [
        ("CompanyName", si.company_name()),
        ("FileDescription", si.file_description()),
        ("FileVersion", si.file_version()),
        ("InternalName", si.internal_name()),
        ("LegalCopyright", si.legal_copyright()),
        ("OriginalFilename", si.original_filename()),
        ("ProductName", si.product_name()),
        ("ProductVersion", si.product_version()),
        ("Comments", si.comments()),
    ] {
        if let Some(val) = val.filter(|v| !v.is_empty()) {
            out.insert(k.to_string(), val);
        }
    }
    out
}

fn round3(x: f64) -> f64 {
    // `+ 0.0` turns -0.0 into 0.0.
    (x * 1000.0).round() / 1000.0 + 0.0
}

fn section_name(raw: &[u8; 8]) -> String {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(8);
    String::from_utf8_lossy(&raw[..end]).into_owned()
}

fn section_flags(c: u32) -> Vec<&'static str> {
    let mut f = Vec::new();
    for (bit, name) in [
        (0x4000_0000, "r"),
        (0x8000_0000, "w"),
        (0x2000_0000, "x"),
        (0x0000_0020, "code"),
        (0x0000_0040, "idata"),
        (0x0000_0080, "udata"),
    ] {
        if c & bit != 0 {
            f.push(name);
        }
    }
    f
}

fn machine_name(m: u16) -> String {
    match m {
        0x14c => "x86".into(),
        0x8664 => "x64".into(),
        0xaa64 => "arm64".into(),
        0x1c0 | 0x1c4 => "arm".into(),
        0x200 => "ia64".into(),
        _ => format!("{m:#06x}"),
    }
}

fn subsystem_name(s: u16) -> String {
    match s {
        1 => "native".into(),
        2 => "windows_gui".into(),
        3 => "windows_cui".into(),
        9 => "windows_ce_gui".into(),
        10 => "efi_application".into(),
        11 => "efi_boot_service_driver".into(),
        12 => "efi_runtime_driver".into(),
        14 => "xbox".into(),
        16 => "windows_boot_application".into(),
        _ => format!("{s}"),
    }
}

/// The classic imphash (pefile, YARA's `pe.imphash()`): for every imported function
/// in table order `dll.function`, lower case, the DLL name without a `.dll`,
/// `.ocx` or `.sys` extension, ordinals as `ordN`, joined by commas; MD5 of that.
pub fn imphash(imports: &[ImportedDll]) -> Option<String> {
    let mut parts = Vec::new();
    for d in imports {
        let dll = d.dll.to_ascii_lowercase();
        let lib = match dll.rsplit_once('.') {
            Some((stem, "dll" | "ocx" | "sys")) => stem.to_string(),
            _ => dll.clone(),
        };
        for f in &d.functions {
            let func = match f.strip_prefix("ORDINAL ") {
                Some(n) => ordinal_name(&lib, n),
                None => f.to_ascii_lowercase(),
            };
            parts.push(format!("{lib}.{func}"));
        }
    }
    (!parts.is_empty()).then(|| crate::hash::md5_hex(parts.join(",").as_bytes()))
}

/// pefile resolves a few well-known ordinals to names; the rest become `ordN`.
fn ordinal_name(lib: &str, n: &str) -> String {
    let known: &[(&str, &str)] = match lib {
        "ws2_32" | "wsock32" => &[
            ("1", "accept"),
            ("2", "bind"),
            ("3", "closesocket"),
            ("4", "connect"),
            ("9", "htons"),
            ("11", "inet_addr"),
            ("16", "recv"),
            ("19", "send"),
            ("23", "socket"),
            ("52", "gethostbyname"),
            ("115", "wsastartup"),
            ("116", "wsacleanup"),
        ],
        _ => &[],
    };
    known
        .iter()
        .find(|(o, _)| *o == n)
        .map_or_else(|| format!("ord{n}"), |(_, name)| (*name).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imphash_follows_pefile() {
        let imports = vec![
            ImportedDll {
                dll: "KERNEL32.dll".into(),
                functions: vec!["CreateFileW".into(), "ORDINAL 7".into()],
            },
            ImportedDll {
                dll: "WS2_32.dll".into(),
                functions: vec!["ORDINAL 23".into()],
            },
        ];
        assert_eq!(
            imphash(&imports).unwrap(),
            crate::hash::md5_hex(b"kernel32.createfilew,kernel32.ord7,ws2_32.socket")
        );
        assert_eq!(imphash(&[]), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse(b"MZ").is_err());
        let mut b = vec![0u8; 512];
        b[0] = b'M';
        b[1] = b'Z';
        b[0x3c] = 0x40;
        b[0x40..0x44].copy_from_slice(b"PE\0\0");
        b[0x46] = 0xff; // 65535 sections
        b[0x47] = 0xff;
        assert!(parse(&b).is_err());
    }
}
