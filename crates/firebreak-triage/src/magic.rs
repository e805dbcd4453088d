//! File type by magic bytes, and which extensions each type is expected under.

use serde::Serialize;

/// A recognised file type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileType {
    Pe,
    Elf,
    MachO,
    Zip,
    Gzip,
    Xz,
    SevenZip,
    Bzip2,
    Zstd,
    Rar,
    Cab,
    Pdf,
    Jpeg,
    Png,
    Gif,
    Ole,
    Sqlite,
    Kdbx,
    Tar,
    Script,
    Text,
    Unknown,
}

impl FileType {
    /// A short human description.
    pub fn describe(self) -> &'static str {
        match self {
            FileType::Pe => "PE executable",
            FileType::Elf => "ELF executable",
            FileType::MachO => "Mach-O executable",
            FileType::Zip => "zip archive (or OOXML/JAR/APK)",
            FileType::Gzip => "gzip",
            FileType::Xz => "xz",
            FileType::SevenZip => "7-Zip archive",
            FileType::Bzip2 => "bzip2",
            FileType::Zstd => "zstd",
            FileType::Rar => "RAR archive",
            FileType::Cab => "Microsoft cabinet",
            FileType::Pdf => "PDF document",
            FileType::Jpeg => "JPEG image",
            FileType::Png => "PNG image",
            FileType::Gif => "GIF image",
            FileType::Ole => "OLE compound file (legacy Office, MSI)",
            FileType::Sqlite => "SQLite database",
            FileType::Kdbx => "KeePass database",
            FileType::Tar => "tar archive",
            FileType::Script => "script (shebang)",
            FileType::Text => "text",
            FileType::Unknown => "unknown (data)",
        }
    }

    /// Formats that are compressed or encrypted by design: high entropy is expected
    /// and must not count as ransomware encryption (LZMA even passes χ² as random).
    pub fn vetoes_encryption(self) -> bool {
        matches!(
            self,
            FileType::Zip
                | FileType::Gzip
                | FileType::Xz
                | FileType::SevenZip
                | FileType::Bzip2
                | FileType::Zstd
                | FileType::Rar
                | FileType::Cab
                | FileType::Pdf
                | FileType::Jpeg
                | FileType::Png
                | FileType::Gif
                | FileType::Kdbx
        )
    }

    /// Lower-case extensions (without dot) this type is expected under; empty when
    /// any name is plausible.
    pub fn extensions(self) -> &'static [&'static str] {
        match self {
            FileType::Pe => &[
                "exe", "dll", "sys", "scr", "cpl", "ocx", "drv", "efi", "mui", "com",
            ],
            FileType::Zip => &[
                "zip", "docx", "xlsx", "pptx", "docm", "xlsm", "pptm", "jar", "apk", "odt", "ods",
                "odp", "epub", "nupkg", "whl", "vsix", "kmz", "xpi", "ipa", "msix", "appx",
            ],
            FileType::Gzip => &["gz", "tgz", "svgz"],
            FileType::Xz => &["xz", "txz"],
            FileType::SevenZip => &["7z"],
            FileType::Bzip2 => &["bz2", "tbz", "tbz2"],
            FileType::Zstd => &["zst"],
            FileType::Rar => &["rar"],
            FileType::Cab => &["cab", "msu"],
            FileType::Pdf => &["pdf", "ai"],
            FileType::Jpeg => &["jpg", "jpeg", "jpe", "jfif"],
            FileType::Png => &["png"],
            FileType::Gif => &["gif"],
            FileType::Ole => &["doc", "xls", "ppt", "msi", "msg", "vsd", "pub", "db"],
            FileType::Sqlite => &["sqlite", "db", "sqlite3", "db3"],
            FileType::Kdbx => &["kdbx"],
            FileType::Tar => &["tar"],
            _ => &[],
        }
    }
}

/// The type of `head` (the first bytes of a file; 512 are enough).
pub fn file_type(head: &[u8]) -> FileType {
    let starts = |m: &[u8]| head.starts_with(m);
    if starts(b"MZ") {
        return if is_pe(head) {
            FileType::Pe
        } else {
            FileType::Unknown
        };
    }
    if starts(b"\x7fELF") {
        FileType::Elf
    } else if starts(&[0xFE, 0xED, 0xFA, 0xCE])
        || starts(&[0xFE, 0xED, 0xFA, 0xCF])
        || starts(&[0xCE, 0xFA, 0xED, 0xFE])
        || starts(&[0xCF, 0xFA, 0xED, 0xFE])
    {
        FileType::MachO
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") || starts(b"PK\x07\x08") {
        FileType::Zip
    } else if starts(&[0x1F, 0x8B]) {
        FileType::Gzip
    } else if starts(&[0xFD, b'7', b'z', b'X', b'Z', 0x00]) {
        FileType::Xz
    } else if starts(&[b'7', b'z', 0xBC, 0xAF, 0x27, 0x1C]) {
        FileType::SevenZip
    } else if starts(b"BZh") {
        FileType::Bzip2
    } else if starts(&[0x28, 0xB5, 0x2F, 0xFD]) {
        FileType::Zstd
    } else if starts(b"Rar!\x1a\x07") {
        FileType::Rar
    } else if starts(b"MSCF") {
        FileType::Cab
    } else if starts(b"%PDF-") {
        FileType::Pdf
    } else if starts(&[0xFF, 0xD8, 0xFF]) {
        FileType::Jpeg
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        FileType::Png
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        FileType::Gif
    } else if starts(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        FileType::Ole
    } else if starts(b"SQLite format 3\0") {
        FileType::Sqlite
    } else if starts(&[0x03, 0xD9, 0xA2, 0x9A]) {
        FileType::Kdbx
    } else if head.len() >= 262 && &head[257..262] == b"ustar" {
        FileType::Tar
    } else if starts(b"#!") {
        FileType::Script
    } else if is_text(head) {
        FileType::Text
    } else {
        FileType::Unknown
    }
}

/// `MZ` with an `e_lfanew` that points at `PE\0\0` inside `head`.
fn is_pe(head: &[u8]) -> bool {
    let Some(off) = head.get(0x3C..0x40) else {
        return false;
    };
    let off = u32::from_le_bytes([off[0], off[1], off[2], off[3]]) as usize;
    off.checked_add(4)
        .and_then(|end| head.get(off..end))
        .is_some_and(|sig| sig == b"PE\0\0")
}

/// Mostly printable (UTF-8 or UTF-16LE with BOM).
fn is_text(head: &[u8]) -> bool {
    if head.is_empty() {
        return false;
    }
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        return true;
    }
    let printable = head
        .iter()
        .filter(|&&b| {
            b == b'\n' || b == b'\r' || b == b'\t' || (0x20..0x7F).contains(&b) || b >= 0x80
        })
        .count();
    !head.contains(&0) && printable * 100 >= head.len() * 95
}

/// Whether the name's extension contradicts the content's type: a known type under
/// an extension that belongs to another known type (a `.pdf` that is a PE, a `.jpg`
/// that is random bytes is judged elsewhere). Unknown types and unlisted extensions
/// never mismatch.
pub fn extension_mismatch(name: &str, ty: FileType) -> Option<&'static str> {
    let ext = extension(name)?;
    let expected_by_ext = EXT_OWNERS
        .iter()
        .find(|(e, _)| *e == ext)
        .map(|(_, t)| *t)?;
    if expected_by_ext == ty || ty.extensions().contains(&ext.as_str()) {
        return None;
    }
    // Containers that legitimately carry other names (zip-based formats, OLE).
    if matches!(ty, FileType::Zip | FileType::Ole)
        && matches!(expected_by_ext, FileType::Zip | FileType::Ole)
    {
        return None;
    }
    if ty == FileType::Text && matches!(expected_by_ext, FileType::Script) {
        return None;
    }
    Some(expected_by_ext.describe())
}

/// Extensions whose content type is certain enough to call a mismatch.
const EXT_OWNERS: &[(&str, FileType)] = &[
    ("exe", FileType::Pe),
    ("dll", FileType::Pe),
    ("sys", FileType::Pe),
    ("zip", FileType::Zip),
    ("docx", FileType::Zip),
    ("xlsx", FileType::Zip),
    ("pptx", FileType::Zip),
    ("jar", FileType::Zip),
    ("gz", FileType::Gzip),
    ("tgz", FileType::Gzip),
    ("xz", FileType::Xz),
    ("7z", FileType::SevenZip),
    ("bz2", FileType::Bzip2),
    ("rar", FileType::Rar),
    ("pdf", FileType::Pdf),
    ("jpg", FileType::Jpeg),
    ("jpeg", FileType::Jpeg),
    ("png", FileType::Png),
    ("gif", FileType::Gif),
    ("doc", FileType::Ole),
    ("xls", FileType::Ole),
    ("ppt", FileType::Ole),
    ("msi", FileType::Ole),
    ("sqlite", FileType::Sqlite),
    ("kdbx", FileType::Kdbx),
];

/// The lower-case extension of a file name (after the last dot of the last component).
pub fn extension(name: &str) -> Option<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let (stem, ext) = base.rsplit_once('.')?;
    if stem.is_empty() || ext.is_empty() {
        return None;
    }
    Some(ext.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_and_mismatch() {
        assert_eq!(file_type(b"%PDF-1.7\n"), FileType::Pdf);
        assert_eq!(
            file_type(&[0xFD, b'7', b'z', b'X', b'Z', 0, 1]),
            FileType::Xz
        );
        assert_eq!(file_type(b"MZ"), FileType::Unknown);
        assert_eq!(file_type(b"hello world\n"), FileType::Text);
        assert_eq!(extension_mismatch("a/report.pdf", FileType::Pdf), None);
        assert!(extension_mismatch("report.pdf", FileType::Unknown).is_some());
        assert_eq!(extension_mismatch("notes.txt", FileType::Unknown), None);
        assert_eq!(extension_mismatch("book.xlsx", FileType::Zip), None);
        assert_eq!(extension("x/.bashrc"), None);
        assert_eq!(extension("A.Tar.GZ").as_deref(), Some("gz"));
    }
}
