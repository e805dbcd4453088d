//! Leaked-credential lists. Only account names and a SHA-256 of each secret are kept;
//! the secret itself is dropped while parsing and never printed.

use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// What a leaked secret looks like (never the secret).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    Password,
    /// 32 hex digits: an NTLM (or other 128-bit) hash.
    NtlmHash,
    /// Other hex digests (40, 64, ... digits).
    HexHash,
}

impl SecretKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SecretKind::Password => "password",
            SecretKind::NtlmHash => "NTLM hash",
            SecretKind::HexHash => "hash",
        }
    }
}

#[derive(Clone)]
struct Entry {
    line: u64,
    /// The account as listed (`p.graf@corp.example`, `CORP\p.graf`).
    listed_as: String,
    kind: SecretKind,
    digest: [u8; 32],
}

/// An account found in a leak set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeakMatch {
    pub origin: String,
    pub line: u64,
    pub listed_as: String,
    pub kind: SecretKind,
}

/// A line of a leak list that was not used (the line's text is not repeated: it may
/// hold a secret).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin} line {line}: {reason}")]
pub struct LeakError {
    pub origin: String,
    pub line: u64,
    pub reason: &'static str,
}

/// Accounts from leaked `account:secret` lists, by lower-cased name forms.
#[derive(Clone, Default)]
pub struct LeakSet {
    origin: String,
    by_name: HashMap<String, Vec<Entry>>,
    lines: u64,
}

impl std::fmt::Debug for LeakSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeakSet")
            .field("origin", &self.origin)
            .field("accounts", &self.by_name.len())
            .field("lines", &self.lines)
            .finish_non_exhaustive()
    }
}

impl LeakSet {
    /// Reads `email:secret`, `user:secret`, `DOMAIN\user:secret` lines and the other
    /// shapes of [`crate::leakline::parse_line`] (combolists with a URL, `;`/`|`
    /// separators, pwdump; blank lines and `#` comments skipped; the secret may contain
    /// `:`). `origin` names the list in findings. Lines that cannot be used are
    /// returned as errors; the rest is kept.
    pub fn parse(origin: &str, bytes: &[u8]) -> (LeakSet, Vec<LeakError>) {
        let mut set = LeakSet {
            origin: origin.to_string(),
            ..LeakSet::default()
        };
        let mut errors = Vec::new();
        for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
            let line = i as u64 + 1;
            let text = String::from_utf8_lossy(raw);
            let text = text.trim_end_matches('\r').trim_start_matches('\u{feff}');
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            match set.add(line, text) {
                Ok(()) => set.lines += 1,
                Err(reason) => errors.push(LeakError {
                    origin: origin.to_string(),
                    line,
                    reason,
                }),
            }
        }
        (set, errors)
    }

    fn add(&mut self, line: u64, text: &str) -> Result<(), &'static str> {
        // one line parser for every consumer of leak lists (combolists, pwdump, ...)
        let l = crate::leakline::parse_line(text)?;
        let (account, secret) = (l.account, l.secret);
        let entry = Entry {
            line,
            listed_as: account.to_string(),
            kind: secret_kind(secret),
            digest: Sha256::digest(secret.as_bytes()).into(),
        };
        for form in name_forms(account) {
            self.by_name.entry(form).or_default().push(entry.clone());
        }
        Ok(())
    }

    /// Where the list came from.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// Lines kept.
    pub fn len(&self) -> u64 {
        self.lines
    }

    pub fn is_empty(&self) -> bool {
        self.lines == 0
    }

    /// The first listing of `account` (any of `user`, `DOMAIN\user`, `user@domain`,
    /// compared lower-cased by the user part).
    pub fn lookup(&self, account: &str) -> Option<LeakMatch> {
        let key = crate::norm::account_key(account)?;
        let e = self.by_name.get(&key)?.first()?;
        Some(LeakMatch {
            origin: self.origin.clone(),
            line: e.line,
            listed_as: e.listed_as.clone(),
            kind: e.kind,
        })
    }

    /// True when `secret` is what the list holds for `account` (compared by digest).
    pub fn secret_matches(&self, account: &str, secret: &str) -> bool {
        let Some(key) = crate::norm::account_key(account) else {
            return false;
        };
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        self.by_name
            .get(&key)
            .is_some_and(|v| v.iter().any(|e| e.digest == digest))
    }
}

fn secret_kind(secret: &str) -> SecretKind {
    let hex = !secret.is_empty() && secret.bytes().all(|b| b.is_ascii_hexdigit());
    match (hex, secret.len()) {
        (true, 32) => SecretKind::NtlmHash,
        (true, 40 | 56 | 64 | 96 | 128) => SecretKind::HexHash,
        _ => SecretKind::Password,
    }
}

/// The lower-cased name forms an account is found by: the user part only (sAMAccountName
/// or an email's local part).
fn name_forms(account: &str) -> Vec<String> {
    crate::norm::account_key(account).into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &[u8] = b"# dump\np.graf@corp-ag.example:Graf2026!\nCORP\\Adm.X:aad3b435b51404eeaad3b435b51404ee\nbob:pa:ss\nnocolon\n:x\n\n\xff\xfe:weird\n";

    #[test]
    fn parses_forms_and_keeps_no_secret() {
        let (set, errors) = LeakSet::parse("combo.txt", LIST);
        assert_eq!(set.len(), 4);
        let lines: Vec<u64> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6]);
        let m = set.lookup("CORP\\p.graf").unwrap();
        assert_eq!((m.line, m.kind), (2, SecretKind::Password));
        assert_eq!(set.lookup("P.Graf@other.example").unwrap().line, 2);
        assert_eq!(set.lookup("adm.x").unwrap().kind, SecretKind::NtlmHash);
        assert!(set.secret_matches("bob", "pa:ss"));
        assert!(!set.secret_matches("bob", "pa"));
        assert!(set.lookup("alice").is_none());
        let shown = format!("{set:?} {errors:?} {m:?}");
        for secret in ["Graf2026!", "aad3b435", "pa:ss"] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
}
