//! One line of a leaked-credential list, split into (URL, account, secret), for every
//! consumer of leak lists (hunting's [`crate::LeakSet`], the attack-surface scan).
//!
//! Shapes read:
//! * `account:secret`, `account;secret`, `account|secret` — the first of `:`, `;`, `|`
//!   separates; the secret may hold the others (`bob:pa:ss` is `bob` / `pa:ss`);
//! * combolist lines with a URL first: `url:user:pass`, `url;user;pass`,
//!   `url|user|pass`, `url user pass`. A URL is a token with a scheme (`https://…`,
//!   a `:port` kept) or with a `/` (`vpn.corp.example/logon:user:pass`); a bare
//!   `host:user:pass` is read as account `host`, secret `user:pass`, because a user
//!   name with a dot looks the same;
//! * pwdump lines `user:RID:LMhash:NThash:::` (the NT hash is the secret).
//!
//! The secret is returned borrowed: callers digest or mask it and drop it. [`mask`]
//! shows a password's first and last characters and its length only, and nothing of a
//! hash but its type ([`HashTypes`], from `data/hash-types.yaml`).

use serde::Deserialize;

/// How a line was laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineShape {
    /// `account<sep>secret`.
    AccountSecret,
    /// `url<sep>account<sep>secret`.
    UrlAccountSecret,
    /// `user:RID:LM:NT:::`.
    Pwdump,
}

/// One usable line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeakLine<'a> {
    /// The URL the credentials were captured for (combolists), as written.
    pub url: Option<&'a str>,
    /// The account as listed (`p.graf@corp.example`, `CORP\p.graf`, `p.graf`).
    pub account: &'a str,
    /// The secret: a password or a hash. Never print it; see [`mask`].
    pub secret: &'a str,
    /// The layout.
    pub shape: LineShape,
}

/// Splits one line (no line end). `Err` gives the reason the line is unusable; the
/// reason never quotes the line (it may hold a secret).
pub fn parse_line(text: &str) -> Result<LeakLine<'_>, &'static str> {
    // a secret may end in blanks: only the line end and leading blanks go
    let text = text
        .trim_end_matches(['\r', '\n'])
        .trim_start_matches(|c: char| c == '\u{feff}' || c.is_whitespace());
    if text.trim().is_empty() {
        return Err("empty line");
    }
    if let Some(p) = pwdump(text) {
        return Ok(p);
    }
    if let Some((url, sep, rest)) = leading_url(text) {
        let (account, secret) = rest
            .split_once(sep)
            .ok_or("URL without an account and a secret after it")?;
        return checked(Some(url), account, secret, LineShape::UrlAccountSecret);
    }
    let i = text
        .find([':', ';', '|'])
        .ok_or("no ':', ';' or '|' between account and secret")?;
    let (account, secret) = (&text[..i], &text[i + 1..]);
    checked(None, account, secret, LineShape::AccountSecret)
}

fn checked<'a>(
    url: Option<&'a str>,
    account: &'a str,
    secret: &'a str,
    shape: LineShape,
) -> Result<LeakLine<'a>, &'static str> {
    let account = account.trim();
    if account.is_empty() {
        return Err("empty account name");
    }
    if account.chars().any(char::is_control) {
        return Err("control characters in the account name");
    }
    if secret.is_empty() {
        return Err("empty secret");
    }
    Ok(LeakLine {
        url,
        account,
        secret,
        shape,
    })
}

fn is_hex(s: &str, len: usize) -> bool {
    s.len() == len && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn pwdump(text: &str) -> Option<LeakLine<'_>> {
    let mut f = text.split(':');
    let (user, rid, lm, nt) = (f.next()?, f.next()?, f.next()?, f.next()?);
    let ok = !user.is_empty()
        && !rid.is_empty()
        && rid.bytes().all(|b| b.is_ascii_digit())
        && is_hex(lm, 32)
        && is_hex(nt, 32);
    ok.then_some(LeakLine {
        url: None,
        account: user,
        secret: nt,
        shape: LineShape::Pwdump,
    })
}

/// A URL at the start of the line: (url, the separator after it, the rest).
fn leading_url(text: &str) -> Option<(&str, char, &str)> {
    let scheme_len = text
        .find("://")
        .filter(|&i| {
            i > 0
                && i <= 16
                && text[..i]
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+.-".contains(&b))
        })
        .map_or(0, |i| i + 3);
    let b = text.as_bytes();
    let mut i = scheme_len;
    while i < b.len() {
        match b[i] {
            b'|' | b';' | b' ' | b'\t' => break,
            b':' => {
                // a port: digits, then '/' or a separator with two more fields after it
                let digits = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
                let after = i + 1 + digits;
                let port = (1..=5).contains(&digits)
                    && (b.get(after) == Some(&b'/')
                        || (b.get(after) == Some(&b':')
                            && text[after + 1..].contains(':')
                            && scheme_len > 0));
                if !port {
                    break;
                }
                i = after;
            }
            _ => i += 1,
        }
    }
    let url = &text[..i];
    if i >= b.len() || (scheme_len == 0 && !url.contains('/')) || url.len() == scheme_len {
        return None;
    }
    let sep = text[i..].chars().next()?;
    let rest = &text[i + sep.len_utf8()..];
    let rest = if sep == ' ' || sep == '\t' {
        rest.trim_start()
    } else {
        rest
    };
    Some((url, sep, rest))
}

/// The host of a URL as written in a combolist (`https://vpn.corp.example:8443/x` →
/// `vpn.corp.example`), lower-cased; `None` when there is none.
pub fn url_host(url: &str) -> Option<String> {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = authority.strip_prefix('[') {
        v6.split(']').next()?
    } else {
        authority.split(':').next()?
    };
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    (!host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._:".contains(&b)))
    .then_some(host)
}

#[derive(Debug, Deserialize)]
struct HashShape {
    name: String,
    #[serde(default)]
    prefix: Vec<String>,
    hex: Option<usize>,
    hex_pair: Option<usize>,
}

/// Hash shapes (`data/hash-types.yaml`).
#[derive(Debug)]
pub struct HashTypes(Vec<HashShape>);

/// The bundled hash shapes' text.
pub const HASH_TYPES_YAML: &str = include_str!("../data/hash-types.yaml");

impl HashTypes {
    /// The bundled table.
    pub fn bundled() -> Result<HashTypes, serde_yaml_ng::Error> {
        Ok(HashTypes(serde_yaml_ng::from_str(HASH_TYPES_YAML)?))
    }

    /// The hash type a secret looks like, or `None` for a password.
    pub fn of(&self, secret: &str) -> Option<&str> {
        self.0.iter().find_map(|h| {
            let rest = if h.prefix.is_empty() {
                secret
            } else {
                h.prefix
                    .iter()
                    .find_map(|p| secret.strip_prefix(p.as_str()))?
            };
            let ok = match (h.hex, h.hex_pair) {
                (Some(n), _) => is_hex(rest, n),
                (None, Some(n)) => rest
                    .split_once(':')
                    .is_some_and(|(a, b)| is_hex(a, n) && is_hex(b, n)),
                (None, None) => rest.len() >= 8,
            };
            ok.then_some(h.name.as_str())
        })
    }
}

/// A secret as it may be shown: a hash by its type (`hash (bcrypt)`), a password by its
/// first and last characters and length (`P*******1 (9 chars)`; passwords under 8
/// characters show no character at all). Control characters never come through.
pub fn mask(types: &HashTypes, secret: &str) -> String {
    if let Some(t) = types.of(secret) {
        return format!("hash ({t})");
    }
    let chars: Vec<char> = secret.chars().collect();
    let n = chars.len();
    let shown = |c: char| if c.is_control() { '?' } else { c };
    if n < 8 {
        return format!("{} ({n} chars)", "*".repeat(n));
    }
    format!(
        "{}{}{} ({n} chars)",
        shown(chars[0]),
        "*".repeat(n - 2),
        shown(chars[n - 1])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> (Option<&str>, &str, &str) {
        let l = parse_line(s).unwrap();
        (l.url, l.account, l.secret)
    }

    #[test]
    fn shapes() {
        assert_eq!(
            p("p.graf@corp.example:Graf:2026"),
            (None, "p.graf@corp.example", "Graf:2026")
        );
        assert_eq!(p("a@b.example;pw;x"), (None, "a@b.example", "pw;x"));
        assert_eq!(p("a@b.example|pw"), (None, "a@b.example", "pw"));
        assert_eq!(p("CORP\\adm:secret"), (None, "CORP\\adm", "secret"));
        assert_eq!(
            p("https://vpn.corp.example:8443/logon/LogonPoint:jdoe:Pa:ss"),
            (
                Some("https://vpn.corp.example:8443/logon/LogonPoint"),
                "jdoe",
                "Pa:ss"
            )
        );
        assert_eq!(
            p("https://gw.corp.example:jdoe:pw"),
            (Some("https://gw.corp.example"), "jdoe", "pw")
        );
        assert_eq!(
            p("https://gw.corp.example:4443:jdoe:pw"),
            (Some("https://gw.corp.example:4443"), "jdoe", "pw")
        );
        assert_eq!(
            p("https://gw.corp.example/vpn|jdoe@corp.example|p|w"),
            (
                Some("https://gw.corp.example/vpn"),
                "jdoe@corp.example",
                "p|w"
            )
        );
        assert_eq!(
            p("gw.corp.example/vpn/index.html;jdoe;pw"),
            (Some("gw.corp.example/vpn/index.html"), "jdoe", "pw")
        );
        assert_eq!(
            p("https://owa.corp.example/owa jdoe pw"),
            (Some("https://owa.corp.example/owa"), "jdoe", "pw")
        );
        // a bare host first is an account with a dot
        assert_eq!(p("john.smith:pa:ss"), (None, "john.smith", "pa:ss"));
        let pw = parse_line(
            "Administrator:500:aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0:::",
        )
        .unwrap();
        assert_eq!(pw.shape, LineShape::Pwdump);
        assert_eq!(pw.secret, "31d6cfe0d16ae931b73c59d7e0c089c0");
        for (bad, why) in [
            ("nocolon", "no ':'"),
            (":x", "empty account"),
            ("bob:", "empty secret"),
            ("https://gw.corp.example/vpn:jdoe", "URL without"),
            ("   ", "empty line"),
        ] {
            let e = parse_line(bad).unwrap_err();
            assert!(e.contains(why), "{bad}: {e}");
        }
    }

    #[test]
    fn arbitrary_lines_never_panic() {
        // a fixed pseudo-random stream over the characters that matter to the parser
        let alphabet: Vec<char> = ":;|/ \t@.$*0123456789abcdefABCDEF\u{e9}\u{1f600}\r\u{feff}h"
            .chars()
            .collect();
        let t = HashTypes::bundled().unwrap();
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            let mut line = String::new();
            for _ in 0..(x % 40) {
                x = x
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407);
                line.push(alphabet[(x >> 33) as usize % alphabet.len()]);
            }
            line.insert_str(0, ["", "https://", "x://", "a:1:"][(x % 4) as usize]);
            if let Ok(l) = parse_line(&line) {
                assert!(!l.account.is_empty() && !l.secret.is_empty());
                let _ = l.url.map(url_host);
                let _ = mask(&t, l.secret);
            }
        }
    }

    #[test]
    fn hosts_hashes_and_masks() {
        assert_eq!(
            url_host("https://u@VPN.Corp.example.:8443/x").as_deref(),
            Some("vpn.corp.example")
        );
        assert_eq!(
            url_host("gw.corp.example/vpn").as_deref(),
            Some("gw.corp.example")
        );
        assert_eq!(url_host("https:///x"), None);
        let t = HashTypes::bundled().unwrap();
        assert_eq!(
            t.of("$2b$12$abcdefghijklmnopqrstuuPp7aB0S1X5JmH9C0ySxJ6s3gGmC3yi"),
            Some("bcrypt")
        );
        assert_eq!(
            t.of("31d6cfe0d16ae931b73c59d7e0c089c0"),
            Some("NTLM or MD5")
        );
        assert_eq!(
            t.of("da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            Some("SHA-1")
        );
        assert_eq!(
            t.of("*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19"),
            Some("mysql41")
        );
        assert_eq!(
            t.of("aad3b435b51404eeaad3b435b51404ee:31d6cfe0d16ae931b73c59d7e0c089c0"),
            Some("LM:NTLM")
        );
        assert_eq!(t.of("Password1"), None);
        assert_eq!(t.of("$1$"), None, "a prefix alone is no hash");
        assert_eq!(mask(&t, "Password1"), "P*******1 (9 chars)");
        assert_eq!(mask(&t, "abc"), "*** (3 chars)");
        assert_eq!(mask(&t, "\x1b[31mredred\x07"), "?**********? (12 chars)");
        assert_eq!(
            mask(&t, "31d6cfe0d16ae931b73c59d7e0c089c0"),
            "hash (NTLM or MD5)"
        );
    }
}
