//! PE details parsed here rather than by goblin: the Rich header (decoded tool
//! entries and whether its checksum holds), the resource tree (type, name or id,
//! language, size, entropy), the Authenticode signature (WIN_CERTIFICATE →
//! PKCS#7 SignedData → the signer's certificate: subject and issuer) and .NET
//! metadata (CLR header, runtime version, module and assembly names).
//!
//! Every offset, size and count read from the file is checked against the buffer
//! before use; loops and counts are bounded. Absurd input yields less, never a
//! panic (`fuzz/triage` exercises this).

use crate::entropy::shannon;
use serde::Serialize;

fn u16_at(b: &[u8], o: usize) -> Option<u16> {
    Some(u16::from_le_bytes(
        b.get(o..o.checked_add(2)?)?.try_into().ok()?,
    ))
}

fn u32_at(b: &[u8], o: usize) -> Option<u32> {
    Some(u32::from_le_bytes(
        b.get(o..o.checked_add(4)?)?.try_into().ok()?,
    ))
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0 + 0.0
}

// ---------------------------------------------------------------- Rich header

/// One `@comp.id` of the Rich header: a tool (product id and build) and how many
/// objects it made.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RichEntry {
    pub product_id: u16,
    pub build: u16,
    pub count: u32,
    /// The product's name where known (`Utc1900_C`, `Linker1400`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<&'static str>,
}

/// The decoded Rich header.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RichHeader {
    /// Offset of `DanS` in the file.
    pub offset: u32,
    /// The XOR key stored after `Rich`, which is also the header's checksum.
    pub key: String,
    pub entries: Vec<RichEntry>,
    /// Whether the key equals the checksum computed over the DOS header and the
    /// entries (a mismatch means the header was edited or transplanted).
    pub checksum_valid: bool,
}

/// Product ids of MSVC tools (the commonly seen subset of the published tables).
fn rich_product(id: u16) -> Option<&'static str> {
    Some(match id {
        0x0000 => "Unknown",
        0x0001 => "Import0",
        0x0002 => "Linker510",
        0x0004 => "Linker600",
        0x0006 => "Cvtres500",
        0x000a => "Utc12_C",
        0x000b => "Utc12_CPP",
        0x000e => "Masm613",
        0x005d => "Utc13_C",
        0x005e => "Utc13_CPP",
        0x005f => "Linker700",
        0x0083 => "Utc1400_C",
        0x0084 => "Utc1400_CPP",
        0x0091 => "Linker800",
        0x0093 => "Implib800",
        0x0094 => "Cvtres800",
        0x0095 => "Masm800",
        0x009a => "Utc1500_C",
        0x009b => "Utc1500_CPP",
        0x009d => "Linker900",
        0x009e => "Masm900",
        0x00aa => "Utc1600_C",
        0x00ab => "Utc1600_CPP",
        0x00af => "Linker1000",
        0x00b0 => "Implib1000",
        0x00b1 => "Cvtres1000",
        0x00b2 => "Masm1000",
        0x00c6 => "Linker1100",
        0x00cc => "Utc1700_C",
        0x00cd => "Utc1700_CPP",
        0x00d2 => "Linker1200",
        0x00d9 => "Utc1800_C",
        0x00da => "Utc1800_CPP",
        0x00dd => "Linker1300",
        0x00fe => "Cvtres1400",
        0x00ff => "Cvtres1400",
        0x0100 => "Export1400",
        0x0101 => "Implib1400",
        0x0102 => "Linker1400",
        0x0103 => "Masm1400",
        0x0104 => "Utc1900_C",
        0x0105 => "Utc1900_CPP",
        _ => return None,
    })
}

/// Decode the Rich header between the DOS header and `e_lfanew`.
pub fn rich_header(b: &[u8]) -> Option<RichHeader> {
    let lfanew = u32_at(b, 0x3c)? as usize;
    let stub = b.get(..lfanew.min(b.len()).min(4096))?;
    // `Rich` then the key, dword-aligned, after the 64-byte DOS header.
    let rich = (0x40..stub.len().saturating_sub(7))
        .step_by(4)
        .find(|&o| &stub[o..o + 4] == b"Rich")?;
    let key = u32_at(stub, rich + 4)?;
    // Walk back to `DanS` ^ key.
    let dans = (0x40..rich)
        .step_by(4)
        .rev()
        .find(|&o| u32_at(stub, o) == Some(0x536e_6144 ^ key))?;
    // DanS, then three padding dwords (each = key), then (comp.id, count) pairs.
    let mut entries = Vec::new();
    let mut o = dans + 16;
    while o + 8 <= rich && entries.len() < 1024 {
        let comp = u32_at(stub, o)? ^ key;
        let count = u32_at(stub, o + 4)? ^ key;
        let product_id = (comp >> 16) as u16;
        entries.push(RichEntry {
            product_id,
            build: comp as u16,
            count,
            product: rich_product(product_id),
        });
        o += 8;
    }
    let mut sum = dans as u32;
    for (i, &byte) in stub[..dans].iter().enumerate() {
        if (0x3c..0x40).contains(&i) {
            continue;
        }
        sum = sum.wrapping_add(u32::from(byte).rotate_left(i as u32 % 32));
    }
    for e in &entries {
        let comp = (u32::from(e.product_id) << 16) | u32::from(e.build);
        sum = sum.wrapping_add(comp.rotate_left(e.count % 32));
    }
    Some(RichHeader {
        offset: dans as u32,
        key: format!("{key:08x}"),
        entries,
        checksum_valid: sum == key,
    })
}

// ---------------------------------------------------------- sections and RVAs

/// Section mapping for RVA → file offset.
pub struct Layout {
    /// (virtual address, virtual size, raw offset, raw size).
    sections: Vec<(u32, u32, u32, u32)>,
}

impl Layout {
    pub fn new(sections: impl IntoIterator<Item = (u32, u32, u32, u32)>) -> Layout {
        Layout {
            sections: sections.into_iter().collect(),
        }
    }

    /// The file offset of an RVA, if some section's raw data holds it.
    pub fn offset(&self, rva: u32) -> Option<usize> {
        self.sections.iter().find_map(|&(va, vs, ro, rs)| {
            let span = vs.max(rs);
            (rva >= va && rva - va < span && rva - va < rs).then(|| (ro + (rva - va)) as usize)
        })
    }
}

// ---------------------------------------------------------------- resources

/// One resource (a leaf of the type / name / language tree).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Resource {
    /// `RT_ICON`, `RT_VERSION`, `RT_MANIFEST`, ... or the id / name.
    #[serde(rename = "type")]
    pub kind: String,
    /// The name, or `#id`.
    pub name: String,
    pub language: u32,
    pub size: u32,
    /// File offset of the data (`None` when its RVA maps to no section's data).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    pub entropy: f64,
}

fn resource_type(id: u32) -> String {
    let name = match id {
        1 => "RT_CURSOR",
        2 => "RT_BITMAP",
        3 => "RT_ICON",
        4 => "RT_MENU",
        5 => "RT_DIALOG",
        6 => "RT_STRING",
        7 => "RT_FONTDIR",
        8 => "RT_FONT",
        9 => "RT_ACCELERATOR",
        10 => "RT_RCDATA",
        11 => "RT_MESSAGETABLE",
        12 => "RT_GROUP_CURSOR",
        14 => "RT_GROUP_ICON",
        16 => "RT_VERSION",
        17 => "RT_DLGINCLUDE",
        19 => "RT_PLUGPLAY",
        20 => "RT_VXD",
        21 => "RT_ANICURSOR",
        22 => "RT_ANIICON",
        23 => "RT_HTML",
        24 => "RT_MANIFEST",
        _ => return format!("#{id}"),
    };
    name.to_string()
}

/// At most this many resources are listed.
pub const MAX_RESOURCES: usize = 4096;

/// The resource tree at file offset `root` (the resource directory's RVA mapped).
pub fn resources(b: &[u8], layout: &Layout, root: usize) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut seen = std::collections::HashSet::new();
    walk_dir(
        b,
        layout,
        root,
        root,
        0,
        &mut Vec::new(),
        &mut out,
        &mut seen,
    );
    out
}

/// The name of a directory entry: a UTF-16 string (high bit) or an id.
fn entry_name(b: &[u8], root: usize, name: u32) -> (String, Option<u32>) {
    if name & 0x8000_0000 == 0 {
        return (format!("#{name}"), Some(name));
    }
    let at = root.saturating_add((name & 0x7fff_ffff) as usize);
    let len = u16_at(b, at).unwrap_or(0) as usize;
    let units: Vec<u16> = (0..len.min(256))
        .map_while(|i| u16_at(b, at + 2 + 2 * i))
        .collect();
    (String::from_utf16_lossy(&units), None)
}

#[allow(clippy::too_many_arguments)]
fn walk_dir(
    b: &[u8],
    layout: &Layout,
    root: usize,
    dir: usize,
    depth: usize,
    path: &mut Vec<(String, Option<u32>)>,
    out: &mut Vec<Resource>,
    seen: &mut std::collections::HashSet<usize>,
) {
    if depth > 2 || !seen.insert(dir) {
        return;
    }
    let (Some(named), Some(ids)) = (u16_at(b, dir + 12), u16_at(b, dir + 14)) else {
        return;
    };
    let n = usize::from(named) + usize::from(ids);
    for i in 0..n {
        if out.len() >= MAX_RESOURCES {
            return;
        }
        let e = dir + 16 + 8 * i;
        let (Some(name), Some(target)) = (u32_at(b, e), u32_at(b, e + 4)) else {
            return;
        };
        path.push(entry_name(b, root, name));
        let at = root.saturating_add((target & 0x7fff_ffff) as usize);
        if target & 0x8000_0000 != 0 {
            walk_dir(b, layout, root, at, depth + 1, path, out, seen);
        } else if let (Some(rva), Some(size)) = (u32_at(b, at), u32_at(b, at + 4)) {
            let offset = layout.offset(rva);
            let data = offset
                .and_then(|o| b.get(o..o.saturating_add(size as usize).min(b.len())))
                .unwrap_or(&[]);
            let kind = match path.first() {
                Some((_, Some(id))) => resource_type(*id),
                Some((name, None)) => name.clone(),
                None => String::new(),
            };
            out.push(Resource {
                kind,
                name: path.get(1).map(|p| p.0.clone()).unwrap_or_default(),
                language: path.get(2).and_then(|p| p.1).unwrap_or(0),
                size,
                offset: offset.map(|o| o as u64),
                entropy: round3(shannon(data)),
            });
        }
        path.pop();
    }
}

// ---------------------------------------------------------------- DER / PKCS#7

/// One DER element: tag, content, and what follows it.
struct Der<'a> {
    tag: u8,
    body: &'a [u8],
    /// The whole element (tag, length and body).
    raw: &'a [u8],
}

fn der(b: &[u8]) -> Option<(Der<'_>, &[u8])> {
    let tag = *b.first()?;
    if tag & 0x1f == 0x1f {
        return None; // multi-byte tags do not occur in what is read here
    }
    let first = *b.get(1)?;
    let (len, head) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return None;
        }
        let mut len = 0usize;
        for i in 0..n {
            len = (len << 8) | *b.get(2 + i)? as usize;
        }
        (len, 2 + n)
    };
    let end = head.checked_add(len)?;
    let body = b.get(head..end)?;
    Some((
        Der {
            tag,
            body,
            raw: &b[..end],
        },
        &b[end..],
    ))
}

/// The elements of a constructed body.
fn children(mut b: &[u8]) -> Vec<Der<'_>> {
    let mut out = Vec::new();
    while !b.is_empty() && out.len() < 4096 {
        match der(b) {
            Some((d, rest)) => {
                out.push(d);
                b = rest;
            }
            None => break,
        }
    }
    out
}

const OID_SIGNED_DATA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];

/// A Distinguished Name as `CN=..., O=..., C=...` (the attributes read).
fn name_text(name: &Der<'_>) -> String {
    let mut parts = Vec::new();
    for rdn in children(name.body) {
        for atv in children(rdn.body) {
            let kv = children(atv.body);
            let (Some(oid), Some(val)) = (kv.first(), kv.get(1)) else {
                continue;
            };
            let label = match oid.body {
                [0x55, 0x04, 0x03] => "CN",
                [0x55, 0x04, 0x06] => "C",
                [0x55, 0x04, 0x07] => "L",
                [0x55, 0x04, 0x08] => "ST",
                [0x55, 0x04, 0x0a] => "O",
                [0x55, 0x04, 0x0b] => "OU",
                _ => continue,
            };
            let text = match val.tag {
                // BMPString: UTF-16BE.
                0x1e => String::from_utf16_lossy(
                    &val.body
                        .chunks_exact(2)
                        .map(|c| u16::from_be_bytes([c[0], c[1]]))
                        .collect::<Vec<_>>(),
                ),
                _ => String::from_utf8_lossy(val.body).into_owned(),
            };
            parts.push(format!("{label}={text}"));
        }
    }
    parts.join(", ")
}

fn common_name(name: &str) -> Option<String> {
    name.split(", ")
        .find_map(|p| p.strip_prefix("CN="))
        .map(str::to_string)
}

/// An Authenticode signature.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Signature {
    /// WIN_CERTIFICATE revision and type (2 = PKCS#7 SignedData).
    pub revision: u16,
    pub certificate_type: u16,
    /// The signer's certificate subject and issuer (`CN=..., O=...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_cn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_issuer: Option<String>,
    /// The signer's certificate serial number (hex).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signer_serial: Option<String>,
    /// Whether the signer's certificate is issued by itself (self-signed).
    pub self_signed: bool,
    /// Certificates carried in the signature.
    pub certificates: usize,
}

/// (serial, issuer Name element, subject Name element) of an X.509 certificate.
fn cert_ids<'a>(cert: &Der<'a>) -> Option<(&'a [u8], Der<'a>, Der<'a>)> {
    let parts = children(cert.body);
    let tbs = parts.first()?;
    let mut f = children(tbs.body).into_iter();
    let mut first = f.next()?;
    if first.tag == 0xa0 {
        first = f.next()?; // explicit version
    }
    let serial = first.body;
    let _alg = f.next()?;
    let issuer = f.next()?;
    let _validity = f.next()?;
    let subject = f.next()?;
    Some((serial, issuer, subject))
}

/// Parse the certificate table (WIN_CERTIFICATE entries) at `b` (its bytes).
pub fn signatures(table: &[u8]) -> Vec<Signature> {
    let mut out = Vec::new();
    let mut o = 0usize;
    while o + 8 <= table.len() && out.len() < 16 {
        let (Some(len), Some(revision), Some(kind)) =
            (u32_at(table, o), u16_at(table, o + 4), u16_at(table, o + 6))
        else {
            break;
        };
        let len = len as usize;
        if len < 8 || o + len > table.len() {
            break;
        }
        let body = &table[o + 8..o + len];
        let mut sig = Signature {
            revision,
            certificate_type: kind,
            signer_subject: None,
            signer_cn: None,
            signer_issuer: None,
            signer_serial: None,
            self_signed: false,
            certificates: 0,
        };
        if kind == 2 {
            pkcs7_signer(body, &mut sig);
        }
        out.push(sig);
        // Entries are 8-byte aligned.
        o += (len + 7) & !7;
    }
    out
}

fn pkcs7_signer(body: &[u8], sig: &mut Signature) -> Option<()> {
    let (content_info, _) = der(body)?;
    let ci = children(content_info.body);
    if ci.first()?.body != OID_SIGNED_DATA {
        return None;
    }
    let explicit = ci.get(1).filter(|d| d.tag == 0xa0)?;
    let (signed_data, _) = der(explicit.body)?;
    let sd = children(signed_data.body);
    let certs: Vec<Der<'_>> = sd
        .iter()
        .find(|d| d.tag == 0xa0)
        .map(|c| children(c.body))
        .unwrap_or_default();
    sig.certificates = certs.len();
    // signerInfos: the last SET of SignedData.
    let signer_infos = sd.iter().rev().find(|d| d.tag == 0x31)?;
    let signer = children(signer_infos.body).into_iter().next()?;
    let si = children(signer.body);
    let sid = si.get(1)?;
    // IssuerAndSerialNumber (SEQUENCE) or [0] SubjectKeyIdentifier (not matched).
    let (issuer, serial) = match children(sid.body).as_slice() {
        [issuer, serial] if sid.tag == 0x30 => (issuer.raw, serial.body),
        _ => return None,
    };
    let cert = certs.iter().find_map(|c| {
        let (s, i, subj) = cert_ids(c)?;
        (s == serial && i.raw == issuer).then_some((i, subj))
    });
    sig.signer_serial = Some(hex::encode(serial));
    if let Some((i, subj)) = cert {
        let subject = name_text(&subj);
        let issuer_text = name_text(&i);
        sig.self_signed = subj.raw == i.raw;
        sig.signer_cn = common_name(&subject);
        sig.signer_subject = Some(subject);
        sig.signer_issuer = Some(issuer_text);
    } else if let Some((issuer_der, _)) = der(issuer) {
        sig.signer_issuer = Some(name_text(&issuer_der));
    }
    Some(())
}

// ---------------------------------------------------------------- .NET

/// What the CLR header and metadata root say.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, Default)]
pub struct DotNet {
    /// CLR header runtime version (`2.5` for .NET 2.0 and later).
    pub clr_version: String,
    pub flags: u32,
    /// The metadata root's version string (`v4.0.30319`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runtime_version: Option<String>,
    /// Metadata streams present (`#~`, `#Strings`, `#US`, `#GUID`, `#Blob`).
    pub streams: Vec<String>,
    /// The Module table's name (`hello.exe`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub module_name: Option<String>,
    /// The Assembly table's name, when the tables before it are all empty or
    /// sized (see [`dotnet`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assembly_name: Option<String>,
}

/// Parse the CLR header at file offset `clr`.
pub fn dotnet(b: &[u8], layout: &Layout, clr: usize) -> Option<DotNet> {
    let major = u16_at(b, clr + 4)?;
    let minor = u16_at(b, clr + 6)?;
    let md_rva = u32_at(b, clr + 8)?;
    let md_size = u32_at(b, clr + 12)? as usize;
    let flags = u32_at(b, clr + 16)?;
    let mut out = DotNet {
        clr_version: format!("{major}.{minor}"),
        flags,
        ..DotNet::default()
    };
    let Some(md) = layout.offset(md_rva) else {
        return Some(out);
    };
    let md_end = md.saturating_add(md_size).min(b.len());
    let root = b.get(md..md_end)?;
    if u32_at(root, 0) != Some(0x424a_5342) {
        return Some(out);
    }
    let vlen = (u32_at(root, 12)? as usize).min(255);
    let version = root.get(16..16 + vlen)?;
    let end = version.iter().position(|&c| c == 0).unwrap_or(vlen);
    out.runtime_version = Some(String::from_utf8_lossy(&version[..end]).into_owned());
    let mut o = 16 + ((vlen + 3) & !3);
    let nstreams = u16_at(root, o + 2)?;
    o += 4;
    let mut streams = Vec::new();
    for _ in 0..nstreams.min(16) {
        let (Some(off), Some(size)) = (u32_at(root, o), u32_at(root, o + 4)) else {
            break;
        };
        let name_at = o + 8;
        let Some(name_len) = root
            .get(name_at..root.len().min(name_at + 32))
            .and_then(|n| n.iter().position(|&c| c == 0))
        else {
            break;
        };
        let name = String::from_utf8_lossy(&root[name_at..name_at + name_len]).into_owned();
        streams.push((name, off as usize, size as usize));
        o = name_at + ((name_len + 1 + 3) & !3);
    }
    out.streams = streams.iter().map(|s| s.0.clone()).collect();
    let stream = |name: &str| {
        streams
            .iter()
            .find(|s| s.0 == name)
            .and_then(|s| root.get(s.1..s.1.saturating_add(s.2).min(root.len())))
    };
    if let (Some(tables), Some(strings)) = (stream("#~").or(stream("#-")), stream("#Strings")) {
        let names = table_names(tables, strings);
        out.module_name = names.0;
        out.assembly_name = names.1;
    }
    Some(out)
}

/// A zero-terminated string of the #Strings heap.
fn heap_string(strings: &[u8], at: usize) -> Option<String> {
    let s = strings.get(at..)?;
    let end = s.iter().position(|&c| c == 0)?;
    Some(String::from_utf8_lossy(&s[..end]).into_owned())
}

/// The Module (table 0x00) and Assembly (0x20) names. Row sizes of the tables in
/// between follow ECMA-335 II.22 with heap and coded-index widths from the row
/// counts.
fn table_names(t: &[u8], strings: &[u8]) -> (Option<String>, Option<String>) {
    let (Some(heaps), Some(valid)) = (t.get(6).copied(), t.get(8..16)) else {
        return (None, None);
    };
    let valid = u64::from_le_bytes(valid.try_into().unwrap_or([0; 8]));
    let mut rows = [0u32; 64];
    let mut o = 24;
    for (i, r) in rows.iter_mut().enumerate() {
        if valid >> i & 1 == 1 {
            match u32_at(t, o) {
                Some(n) => *r = n,
                None => return (None, None),
            }
            o += 4;
        }
    }
    let str_w = if heaps & 1 != 0 { 4 } else { 2 };
    let guid_w = if heaps & 2 != 0 { 4 } else { 2 };
    let blob_w = if heaps & 4 != 0 { 4 } else { 2 };
    // Index into one table, or a coded index over several (tag bits).
    let idx = |tables: &[usize]| -> usize {
        let bits = match tables.len() {
            1 => 0,
            2 => 1,
            3 | 4 => 2,
            5..=8 => 3,
            _ => 5,
        };
        let max = tables.iter().map(|&i| rows[i]).max().unwrap_or(0);
        if u64::from(max) < (1u64 << (16 - bits)) {
            2
        } else {
            4
        }
    };
    let type_def_or_ref = idx(&[0x02, 0x01, 0x1b]);
    let has_constant = idx(&[0x04, 0x08, 0x17]);
    let has_custom_attribute = idx(&[
        0x06, 0x04, 0x01, 0x02, 0x08, 0x09, 0x0a, 0x00, 0x0e, 0x17, 0x14, 0x11, 0x1a, 0x1b, 0x20,
        0x23, 0x26, 0x27, 0x28, 0x2a, 0x2c, 0x2b,
    ]);
    let has_field_marshal = idx(&[0x04, 0x08]);
    let has_decl_security = idx(&[0x02, 0x06, 0x20]);
    let member_ref_parent = idx(&[0x02, 0x01, 0x1a, 0x06, 0x1b]);
    let has_semantics = idx(&[0x14, 0x17]);
    let method_def_or_ref = idx(&[0x06, 0x0a]);
    let member_forwarded = idx(&[0x04, 0x06]);
    let custom_attribute_type = idx(&[0x06, 0x0a, 0, 0, 0]);
    let resolution_scope = idx(&[0x00, 0x1a, 0x23, 0x01]);
    let t_ = |i: usize| idx(&[i]);
    let (s, g, bl) = (str_w, guid_w, blob_w);
    // Row sizes of tables 0x00..=0x1f.
    let sizes: [usize; 32] = [
        2 + s + g + g + g,                                 // Module
        resolution_scope + s + s,                          // TypeRef
        4 + s + s + type_def_or_ref + t_(0x04) + t_(0x06), // TypeDef
        t_(0x04),                                          // FieldPtr
        2 + s + bl,                                        // Field
        t_(0x06),                                          // MethodPtr
        4 + 2 + 2 + s + bl + t_(0x08),                     // MethodDef
        t_(0x08),                                          // ParamPtr
        2 + 2 + s,                                         // Param
        t_(0x02) + type_def_or_ref,                        // InterfaceImpl
        member_ref_parent + s + bl,                        // MemberRef
        2 + has_constant + bl,                             // Constant
        has_custom_attribute + custom_attribute_type + bl, // CustomAttribute
        has_field_marshal + bl,                            // FieldMarshal
        2 + has_decl_security + bl,                        // DeclSecurity
        2 + 4 + t_(0x02),                                  // ClassLayout
        4 + t_(0x04),                                      // FieldLayout
        bl,                                                // StandAloneSig
        t_(0x02) + t_(0x14),                               // EventMap
        t_(0x14),                                          // EventPtr
        2 + s + type_def_or_ref,                           // Event
        t_(0x02) + t_(0x17),                               // PropertyMap
        t_(0x17),                                          // PropertyPtr
        2 + s + bl,                                        // Property
        2 + t_(0x06) + has_semantics,                      // MethodSemantics
        t_(0x02) + method_def_or_ref + method_def_or_ref,  // MethodImpl
        s,                                                 // ModuleRef
        bl,                                                // TypeSpec
        2 + member_forwarded + s + t_(0x1a),               // ImplMap
        4 + t_(0x04),                                      // FieldRVA
        4 + 4,                                             // ENCLog
        4,                                                 // ENCMap
    ];
    let read_idx = |at: usize, w: usize| -> Option<usize> {
        if w == 2 {
            u16_at(t, at).map(usize::from)
        } else {
            u32_at(t, at).map(|v| v as usize)
        }
    };
    let module = (rows[0] > 0)
        .then(|| read_idx(o + 2, s).and_then(|i| heap_string(strings, i)))
        .flatten();
    let mut at = o;
    for (i, size) in sizes.iter().enumerate() {
        at = at.saturating_add((rows[i] as usize).saturating_mul(*size));
    }
    // Assembly: HashAlgId u32, 4 × u16 version, Flags u32, PublicKey blob, Name.
    let assembly = (rows[0x20] > 0)
        .then(|| read_idx(at + 4 + 8 + 4 + bl, s).and_then(|i| heap_string(strings, i)))
        .flatten();
    (module, assembly)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A DOS header and stub with a Rich header over `entries`, keyed by its
    /// checksum (or by `key` when given).
    pub(crate) fn with_rich(entries: &[(u16, u16, u32)], key: Option<u32>) -> Vec<u8> {
        let mut b = vec![0u8; 0x80];
        b[0] = b'M';
        b[1] = b'Z';
        let dans = 0x80usize;
        let end = dans + 16 + 8 * entries.len() + 8;
        let lfanew = (end + 15) & !15;
        b[0x3c..0x40].copy_from_slice(&(lfanew as u32).to_le_bytes());
        let mut sum = dans as u32;
        for (i, &byte) in b[..dans].iter().enumerate() {
            if !(0x3c..0x40).contains(&i) {
                sum = sum.wrapping_add(u32::from(byte).rotate_left(i as u32 % 32));
            }
        }
        for &(p, build, count) in entries {
            sum =
                sum.wrapping_add(((u32::from(p) << 16) | u32::from(build)).rotate_left(count % 32));
        }
        let key = key.unwrap_or(sum);
        let mut push = |v: u32| b.extend(v.to_le_bytes());
        push(0x536e_6144 ^ key);
        push(key);
        push(key);
        push(key);
        for &(p, build, count) in entries {
            push(((u32::from(p) << 16) | u32::from(build)) ^ key);
            push(count ^ key);
        }
        b.extend(b"Rich");
        b.extend(key.to_le_bytes());
        b.resize(lfanew, 0);
        b.extend(b"PE\0\0");
        b
    }

    #[test]
    fn rich_header_entries_and_checksum() {
        let entries = [(0x0105, 30_795, 12), (0x0102, 30_795, 1), (0x0001, 0, 87)];
        let b = with_rich(&entries, None);
        let r = rich_header(&b).unwrap();
        assert!(r.checksum_valid);
        assert_eq!(r.offset, 0x80);
        assert_eq!(r.entries.len(), 3);
        assert_eq!(r.entries[0].product, Some("Utc1900_CPP"));
        assert_eq!((r.entries[0].build, r.entries[0].count), (30_795, 12));
        assert_eq!(r.entries[2].product, Some("Import0"));
        // A transplanted or edited header: the key no longer matches.
        let b = with_rich(&entries, Some(0x1234_5678));
        let r = rich_header(&b).unwrap();
        assert!(!r.checksum_valid);
        assert_eq!(r.entries[1].product, Some("Linker1400"));
        assert!(rich_header(b"MZ").is_none());
    }

    #[test]
    fn resource_tree_with_loops_and_bad_offsets() {
        // root dir: 1 id entry (type 10) -> dir at 0x20 (itself pointing back to root).
        let mut b = vec![0u8; 0x80];
        b[14] = 1; // one id entry
        b[16..20].copy_from_slice(&10u32.to_le_bytes());
        b[20..24].copy_from_slice(&(0x8000_0020u32).to_le_bytes());
        b[0x20 + 14] = 2;
        // entry 1: id 7 -> back to root (a loop)
        b[0x30..0x34].copy_from_slice(&7u32.to_le_bytes());
        b[0x34..0x38].copy_from_slice(&0x8000_0000u32.to_le_bytes());
        // entry 2: id 9 -> leaf data entry at 0x60 with an RVA nowhere
        b[0x38..0x3c].copy_from_slice(&9u32.to_le_bytes());
        b[0x3c..0x40].copy_from_slice(&0x60u32.to_le_bytes());
        b[0x60..0x64].copy_from_slice(&0xdead_0000u32.to_le_bytes());
        b[0x64..0x68].copy_from_slice(&0xffff_ffffu32.to_le_bytes());
        let r = resources(&b, &Layout::new([]), 0);
        assert_eq!(r.len(), 1, "{r:?}");
        assert_eq!(r[0].kind, "RT_RCDATA");
        assert_eq!(r[0].name, "#9");
        assert_eq!(r[0].offset, None);
    }

    /// A CLR header at 0 and metadata at 0x100 (file offset = RVA): a Module row
    /// named `tiny.exe`, one TypeDef and one MethodDef row before the Assembly row
    /// named `Tiny`.
    fn dotnet_image() -> Vec<u8> {
        let mut b = vec![0u8; 0x100];
        b[0..4].copy_from_slice(&72u32.to_le_bytes());
        b[4..6].copy_from_slice(&2u16.to_le_bytes());
        b[6..8].copy_from_slice(&5u16.to_le_bytes());
        b[8..12].copy_from_slice(&0x100u32.to_le_bytes());
        b[16..20].copy_from_slice(&1u32.to_le_bytes());
        let strings = b"\0tiny.exe\0Tiny\0<Module>\0Main\0";
        // #~: header, rows for tables 0x00, 0x02, 0x06, 0x20.
        let mut t = vec![0u8, 0, 0, 0, 2, 0, 0, 1];
        let valid: u64 = 1 | 1 << 0x02 | 1 << 0x06 | 1 << 0x20;
        t.extend(valid.to_le_bytes());
        t.extend(0u64.to_le_bytes());
        for _ in 0..4 {
            t.extend(1u32.to_le_bytes());
        }
        // Module: generation, name=1, mvid=1, encid=0, encbaseid=0 (2-byte indexes).
        t.extend([0, 0, 1, 0, 1, 0, 0, 0, 0, 0]);
        // TypeDef: flags(4) name(2) namespace(2) extends(2) fieldlist(2) methodlist(2).
        t.extend([0, 0, 0, 0, 15, 0, 0, 0, 0, 0, 1, 0, 1, 0]);
        // MethodDef: rva(4) impl(2) flags(2) name(2) sig(2) paramlist(2).
        t.extend([0, 0, 0, 0, 0, 0, 0, 0, 24, 0, 0, 0, 1, 0]);
        // Assembly: hashalg(4) version(8) flags(4) publickey(2) name=10 culture(2).
        t.extend([0; 16]);
        t.extend([0, 0, 10, 0, 0, 0]);
        let version = b"v4.0.30319\0\0";
        let mut md = Vec::new();
        md.extend(0x424a_5342u32.to_le_bytes());
        md.extend([1, 0, 1, 0, 0, 0, 0, 0]);
        md.extend((version.len() as u32).to_le_bytes());
        md.extend(version);
        md.extend([0, 0, 2, 0]);
        let header_len = md.len() + 12 + 20;
        let tables_at = header_len;
        let strings_at = tables_at + t.len();
        md.extend((tables_at as u32).to_le_bytes());
        md.extend((t.len() as u32).to_le_bytes());
        md.extend(b"#~\0\0");
        md.extend((strings_at as u32).to_le_bytes());
        md.extend((strings.len() as u32).to_le_bytes());
        md.extend(b"#Strings\0\0\0\0");
        md.extend(&t);
        md.extend(strings);
        b[12..16].copy_from_slice(&(md.len() as u32).to_le_bytes());
        b.extend(md);
        b
    }

    #[test]
    fn dotnet_runtime_module_and_assembly() {
        let b = dotnet_image();
        let layout = Layout::new([(0, b.len() as u32, 0, b.len() as u32)]);
        let d = dotnet(&b, &layout, 0).unwrap();
        assert_eq!(d.clr_version, "2.5");
        assert_eq!(d.runtime_version.as_deref(), Some("v4.0.30319"));
        assert_eq!(d.streams, ["#~", "#Strings"]);
        assert_eq!(d.module_name.as_deref(), Some("tiny.exe"));
        assert_eq!(d.assembly_name.as_deref(), Some("Tiny"));
        // Every truncation: less, never a panic.
        for n in 0..b.len() {
            let _ = dotnet(&b[..n], &layout, 0);
        }
    }

    #[test]
    fn der_refuses_lengths_past_the_end() {
        assert!(der(&[0x30, 0x84, 0xff, 0xff, 0xff, 0xff]).is_none());
        assert!(der(&[0x30, 0x85, 1, 1, 1, 1, 1]).is_none());
        assert!(signatures(&[0xff; 64]).is_empty());
        let mut t = 16u32.to_le_bytes().to_vec();
        t.extend([0, 2, 2, 0]);
        t.extend([0x30, 0x03, 0x06, 0x01, 0x00, 0, 0, 0]);
        let s = signatures(&t);
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].signer_subject, None);
    }
}
