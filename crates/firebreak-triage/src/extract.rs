//! IOCs in strings: URLs, domains, IPs, onion names, e-mail addresses, BTC/XMR
//! wallets, registry keys, file paths, ransomware commands, mutex-like names.

use crate::knowledge::Knowledge;
use crate::strings::{Encoding, FoundString};
use regex::Regex;
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashSet;

/// What kind of indicator was extracted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IocKind {
    Url,
    Onion,
    Domain,
    Ipv4,
    Email,
    Btc,
    Xmr,
    RegistryKey,
    FilePath,
    Command,
    Mutex,
}

impl IocKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IocKind::Url => "url",
            IocKind::Onion => "onion",
            IocKind::Domain => "domain",
            IocKind::Ipv4 => "ipv4",
            IocKind::Email => "email",
            IocKind::Btc => "btc",
            IocKind::Xmr => "xmr",
            IocKind::RegistryKey => "registry_key",
            IocKind::FilePath => "file_path",
            IocKind::Command => "command",
            IocKind::Mutex => "mutex",
        }
    }
}

/// One extracted indicator, at the first place it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ExtractedIoc {
    pub kind: IocKind,
    pub value: String,
    pub offset: u64,
    pub encoding: Encoding,
    /// ATT&CK technique for commands.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attack: Option<String>,
    /// What a command does.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Compiled extraction patterns.
pub struct Extractor {
    url: Regex,
    onion: Regex,
    email: Regex,
    ipv4: Regex,
    domain: Regex,
    btc: Regex,
    xmr: Regex,
    registry: Regex,
    path: Regex,
    mutex: Regex,
    tlds: HashSet<String>,
    commands: Vec<(String, String, String)>,
}

impl Extractor {
    pub fn new(k: &Knowledge) -> Extractor {
        let re = |p: &str| Regex::new(p).expect("built-in pattern");
        Extractor {
            url: re(r#"(?i)\b(?:https?|ftp)://[^\s"'<>`{}|\\^]{3,}"#),
            onion: re(r"(?i)\b(?:[a-z2-7]{56}|[a-z2-7]{16})\.onion\b"),
            email: re(r"(?i)\b[a-z0-9._%+-]{1,64}@(?:[a-z0-9-]{1,63}\.)+[a-z]{2,24}\b"),
            ipv4: re(
                r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b",
            ),
            domain: re(r"(?i)\b(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,24}\b"),
            btc: re(
                r"\b(?:bc1[ac-hj-np-z02-9]{39}|bc1[ac-hj-np-z02-9]{59}|[13][a-km-zA-HJ-NP-Z1-9]{25,34})\b",
            ),
            xmr: re(r"\b[48][0-9AB][1-9A-HJ-NP-Za-km-z]{93}\b"),
            registry: re(
                r#"(?i)\b(?:HKEY_LOCAL_MACHINE|HKEY_CURRENT_USER|HKEY_CLASSES_ROOT|HKEY_USERS|HKLM|HKCU|HKCR|HKU)\\[^\r\n"*?<>|]{2,}|\b(?:SOFTWARE|SYSTEM)\\(?:Microsoft|CurrentControlSet|Policies|Wow6432Node)\\[^\r\n"*?<>|]{2,}"#,
            ),
            path: re(
                r#"(?i)(?:\b[a-z]:\\|%[a-z_]{2,30}%\\|\\\\\?\\)[^\r\n"*?<>|]{2,}|(?:^|\s)/(?:tmp|etc|var|usr|home|root|dev/shm|opt|bin)/[^\s"']+"#,
            ),
            mutex: re(r"^(?:Global|Local)\\[^\s\\]{4,}$"),
            tlds: k
                .strings
                .tlds
                .iter()
                .map(|t| t.to_ascii_lowercase())
                .collect(),
            commands: k
                .strings
                .commands
                .iter()
                .map(|c| {
                    (
                        c.text.to_ascii_lowercase(),
                        c.attack.clone(),
                        c.what.clone(),
                    )
                })
                .collect(),
        }
    }

    /// IOCs in `strings`, one per (kind, value), at its first offset.
    pub fn extract(&self, strings: &[FoundString]) -> Vec<ExtractedIoc> {
        let mut seen = HashSet::new();
        let mut out = Vec::new();
        for s in strings {
            self.one(s, &mut |kind,
                              value: String,
                              attack: Option<&str>,
                              note: Option<&str>| {
                if seen.insert((kind, value.clone())) {
                    out.push(ExtractedIoc {
                        kind,
                        value,
                        offset: s.offset,
                        encoding: s.encoding,
                        attack: attack.map(str::to_string),
                        note: note.map(str::to_string),
                    });
                }
            });
        }
        out
    }

    fn one(
        &self,
        s: &FoundString,
        emit: &mut impl FnMut(IocKind, String, Option<&str>, Option<&str>),
    ) {
        let t = s.text.as_str();
        let lower = t.to_ascii_lowercase();
        for (needle, attack, what) in &self.commands {
            if lower.contains(needle.as_str()) {
                emit(
                    IocKind::Command,
                    t.trim().to_string(),
                    Some(attack),
                    Some(what),
                );
                break;
            }
        }
        let has_sep = t.contains(['\\', '/']);
        for m in self.url.find_iter(t).take(gate(t.contains("://"))) {
            let url = m.as_str().trim_end_matches(['.', ',', ';', ')', ']', '\'']);
            emit(IocKind::Url, url.to_string(), None, None);
        }
        for m in self.onion.find_iter(t).take(gate(lower.contains(".onion"))) {
            emit(IocKind::Onion, m.as_str().to_ascii_lowercase(), None, None);
        }
        for m in self.email.find_iter(t).take(gate(t.contains('@'))) {
            emit(IocKind::Email, m.as_str().to_ascii_lowercase(), None, None);
        }
        for m in self.ipv4.find_iter(t) {
            let v = m.as_str();
            let first: u8 = v
                .split('.')
                .next()
                .and_then(|o| o.parse().ok())
                .unwrap_or(0);
            // Version numbers (1.0.0.0) and unroutable addresses are noise.
            if first == 0 || first >= 224 || v.ends_with(".0.0") {
                continue;
            }
            emit(IocKind::Ipv4, v.to_string(), None, None);
        }
        if t.contains('.') {
            for m in self.domain.find_iter(t) {
                let tld = m
                    .as_str()
                    .rsplit('.')
                    .next()
                    .unwrap_or("")
                    .to_ascii_lowercase();
                // Onion names are their own kind; `kernel32.dll` has no listed TLD.
                if tld == "onion" || !self.tlds.contains(&tld) {
                    continue;
                }
                emit(IocKind::Domain, m.as_str().to_ascii_lowercase(), None, None);
            }
        }
        for m in self.btc.find_iter(t) {
            let v = m.as_str();
            if v.starts_with("bc1") || base58check(v) {
                emit(IocKind::Btc, v.to_string(), None, None);
            }
        }
        for m in self.xmr.find_iter(t) {
            emit(IocKind::Xmr, m.as_str().to_string(), None, None);
        }
        for m in self.registry.find_iter(t).take(gate(t.contains('\\'))) {
            emit(
                IocKind::RegistryKey,
                m.as_str().trim_end().to_string(),
                None,
                None,
            );
        }
        if has_sep && !t.contains("://") {
            for m in self.path.find_iter(t) {
                emit(IocKind::FilePath, m.as_str().trim().to_string(), None, None);
            }
        }
        if self.mutex.is_match(t) {
            emit(IocKind::Mutex, t.to_string(), None, None);
        }
    }
}

/// An iterator length that runs a search only when its cheap precondition holds
/// (`take(0)` never polls the regex).
fn gate(precondition: bool) -> usize {
    if precondition {
        usize::MAX
    } else {
        0
    }
}

/// A legacy Bitcoin address: base58 that decodes to 25 bytes whose last four are
/// the first four of the double SHA-256 of the rest.
pub fn base58check(s: &str) -> bool {
    const ALPHABET: &[u8] = b"123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
    let mut n: Vec<u8> = vec![0; 25];
    for c in s.bytes() {
        let Some(mut carry) = ALPHABET.iter().position(|&a| a == c).map(|v| v as u32) else {
            return false;
        };
        for byte in n.iter_mut().rev() {
            carry += u32::from(*byte) * 58;
            *byte = (carry & 0xff) as u8;
            carry >>= 8;
        }
        if carry != 0 {
            return false;
        }
    }
    let check = Sha256::digest(Sha256::digest(&n[..21]));
    check[..4] == n[21..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> FoundString {
        FoundString {
            offset: 0,
            encoding: Encoding::Ascii,
            text: text.into(),
        }
    }

    #[test]
    fn extracts_the_usual_suspects() {
        let k = Knowledge::bundled().unwrap();
        let x = Extractor::new(&k);
        let strings = [
            "cmd.exe /c vssadmin delete shadows /all /quiet",
            "visit http://contirec7nchr45rx6ympez5rjldibnqzh7lsa56lvjvaeywhvoj3wad.onion/chat",
            "pay to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa now",
            "fake 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb",
            "contact: support@evil-mail.com",
            "beacon 185.220.101.4 and update.badcdn.top",
            "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
            "C:\\Users\\Public\\readme.txt",
            "Global\\ConfMutex1234",
            "kernel32.dll version 1.0.0.0",
        ];
        let strings: Vec<_> = strings.iter().map(|s| found(s)).collect();
        let iocs = x.extract(&strings);
        let has = |k: IocKind, v: &str| iocs.iter().any(|i| i.kind == k && i.value == v);
        assert!(has(
            IocKind::Command,
            "cmd.exe /c vssadmin delete shadows /all /quiet"
        ));
        assert!(has(
            IocKind::Onion,
            "contirec7nchr45rx6ympez5rjldibnqzh7lsa56lvjvaeywhvoj3wad.onion"
        ));
        assert!(has(IocKind::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
        assert!(!has(IocKind::Btc, "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb"));
        assert!(has(IocKind::Email, "support@evil-mail.com"));
        assert!(has(IocKind::Domain, "evil-mail.com"));
        assert!(has(IocKind::Ipv4, "185.220.101.4"));
        assert!(has(IocKind::Domain, "update.badcdn.top"));
        assert!(has(
            IocKind::RegistryKey,
            "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
        ));
        assert!(has(IocKind::FilePath, "C:\\Users\\Public\\readme.txt"));
        assert!(has(IocKind::Mutex, "Global\\ConfMutex1234"));
        assert!(!iocs
            .iter()
            .any(|i| i.value.contains("kernel32") || i.value == "1.0.0.0"));
    }
}
