//! Writing IOCs for other tools, the other way round from parsing: the STIX 2.1
//! pattern of one IOC and deterministic object ids. Shared by every Firebreak export
//! (the incident report, sample cards) so that what one writes this crate reads back.

use sha2::{Digest, Sha256};

fn stix_string(v: &str) -> String {
    format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// The last component of a path (either separator).
fn basename(path: &str) -> &str {
    path.rsplit(['\\', '/']).next().unwrap_or(path)
}

/// The STIX 2.1 pattern of an IOC of `kind` (an [`crate::IocType`] name: `ipv4`,
/// `sha256`, `file_name`, ...), or `None` for a kind STIX cannot express.
///
/// A `file_path` is written the STIX 2.1 way, as the file's `name` and its
/// directory's `path` (`[file:name = 'x.exe' AND file:parent_directory_ref.path =
/// 'C:\\Temp']`), which this crate reads back as one file-path IOC; a path without
/// a directory is a `file:name`.
pub fn stix_pattern(kind: &str, value: &str) -> Option<String> {
    let v = value.trim();
    let path = match kind {
        "ipv4" | "cidr" => "ipv4-addr:value",
        "ipv6" => "ipv6-addr:value",
        "domain" => "domain-name:value",
        "url" => "url:value",
        "email" => "email-addr:value",
        "md5" => "file:hashes.MD5",
        "sha1" => "file:hashes.'SHA-1'",
        "sha256" => "file:hashes.'SHA-256'",
        "sha512" => "file:hashes.'SHA-512'",
        "file_name" => "file:name",
        "file_path" => {
            let name = basename(v);
            let dir = v[..v.len() - name.len()].trim_end_matches(['\\', '/']);
            if name.is_empty() {
                return None;
            }
            if dir.is_empty() {
                return Some(format!("[file:name = {}]", stix_string(name)));
            }
            return Some(format!(
                "[file:name = {} AND file:parent_directory_ref.path = {}]",
                stix_string(name),
                stix_string(dir)
            ));
        }
        "user" => "user-account:user_id",
        "command_line" => "process:command_line",
        "registry_key" => "windows-registry-key:key",
        _ => return None,
    };
    Some(format!("[{path} = {}]", stix_string(v)))
}

/// A UUID (RFC 9562 version 4 layout: version and variant bits set) whose 122 other
/// bits are the first bits of SHA-256(`namespace` NUL `content`): the same content
/// always gets the same id, so exporting again does not create new objects.
pub fn deterministic_uuid(namespace: &str, content: &str) -> String {
    let mut h = Sha256::new();
    h.update(namespace.as_bytes());
    h.update([0u8]);
    h.update(content.as_bytes());
    let d = h.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_read_back_and_ids_are_stable() {
        let p = stix_pattern("file_path", "C:\\Users\\Public\\it's.exe").unwrap();
        assert_eq!(
            p,
            "[file:name = 'it\\'s.exe' AND file:parent_directory_ref.path = 'C:\\\\Users\\\\Public']"
        );
        for path in [
            "C:\\Users\\Public\\it's.exe",
            "/tmp/.x/kit",
            "\\\\srv\\share\\a.ps1",
        ] {
            let bundle = format!(
                r#"{{"type":"bundle","id":"bundle--1","objects":[{{"type":"indicator","spec_version":"2.1","id":"indicator--1","pattern_type":"stix","pattern":{},"valid_from":"2026-01-01T00:00:00Z","created":"2026-01-01T00:00:00Z","modified":"2026-01-01T00:00:00Z"}}]}}"#,
                serde_json::to_string(&stix_pattern("file_path", path).unwrap()).unwrap()
            );
            let (set, errors) = crate::parse_stix("t", bundle.as_bytes());
            assert!(errors.is_empty(), "{errors:?}");
            assert_eq!(set.iocs.len(), 1);
            assert_eq!(set.iocs[0].kind, crate::IocType::FilePath);
            assert_eq!(set.iocs[0].value, path);
        }
        assert_eq!(
            stix_pattern("file_path", "it.exe").unwrap(),
            "[file:name = 'it.exe']"
        );
        assert_eq!(stix_pattern("mutex", "x"), None);
        let id = deterministic_uuid("indicator", "ipv4\u{0}1.2.3.4");
        assert_eq!(id, deterministic_uuid("indicator", "ipv4\u{0}1.2.3.4"));
        assert_ne!(id, deterministic_uuid("indicator", "ipv4\u{0}1.2.3.5"));
        assert_eq!((id.len(), &id[14..15]), (36, "4"));
    }
}
