//! Sigma string values: wildcards (`*`, `?`) with `\` escaping, and case folding.

/// Case folding used everywhere (rule values, event values, prefilter needles):
/// char by char, so that a substring of a value folds to a substring of the folded
/// value (no context-dependent lowering).
pub(crate) fn fold(s: &str) -> String {
    let mut out = Vec::with_capacity(s.len());
    fold_into(s, &mut out);
    // Valid by construction: ASCII bytes stay ASCII, other chars are encoded whole.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// Appends the folded form of `s` to `out` (UTF-8): runs of ASCII a block at a time,
/// branch-free so that it vectorises (values are mostly ASCII, with the odd `®` or
/// accented name), other chars one by one.
pub(crate) fn fold_into(s: &str, out: &mut Vec<u8>) {
    let mut rest = s;
    loop {
        let ascii = if rest.is_ascii() {
            rest.len()
        } else {
            rest.bytes()
                .position(|b| !b.is_ascii())
                .unwrap_or(rest.len())
        };
        let lower = |b: &u8| b | (u8::from(b.wrapping_sub(b'A') < 26) << 5);
        out.extend(rest.as_bytes()[..ascii].iter().map(lower));
        let mut chars = rest[ascii..].chars();
        let Some(c) = chars.next() else {
            return;
        };
        for l in c.to_lowercase() {
            out.extend_from_slice(l.encode_utf8(&mut [0; 4]).as_bytes());
        }
        rest = chars.as_str();
    }
}

/// One piece of a wildcard pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(String),
    /// `*`: any run of characters, possibly empty.
    Star,
    /// `?`: exactly one character.
    One,
}

/// A Sigma string value with its wildcards, folded unless `cased`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Glob {
    pub toks: Vec<Tok>,
    pub cased: bool,
}

impl Glob {
    /// Parses a Sigma string: `*` and `?` are wildcards, `\*`, `\?` and `\\` escapes; a
    /// backslash before anything else is kept as is.
    pub fn parse(raw: &str) -> Vec<Tok> {
        let mut toks = Vec::new();
        let mut lit = String::new();
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\\' => match chars.peek() {
                    Some(&n @ ('*' | '?' | '\\')) => {
                        lit.push(n);
                        chars.next();
                    }
                    _ => lit.push('\\'),
                },
                '*' | '?' => {
                    if !lit.is_empty() {
                        toks.push(Tok::Lit(std::mem::take(&mut lit)));
                    }
                    toks.push(if c == '*' { Tok::Star } else { Tok::One });
                }
                _ => lit.push(c),
            }
        }
        if !lit.is_empty() {
            toks.push(Tok::Lit(lit));
        }
        toks
    }

    /// A pattern from tokens; folds literals unless `cased`; merges adjacent stars.
    pub fn new(toks: Vec<Tok>, cased: bool) -> Glob {
        let mut out: Vec<Tok> = Vec::with_capacity(toks.len());
        for t in toks {
            let t = match t {
                Tok::Lit(s) if !cased => Tok::Lit(fold(&s)),
                other => other,
            };
            match (out.last_mut(), t) {
                (Some(Tok::Star), Tok::Star) => {}
                (Some(Tok::Lit(a)), Tok::Lit(b)) => a.push_str(&b),
                (_, t) => out.push(t),
            }
        }
        Glob { toks: out, cased }
    }

    /// Wraps in `*`: contains (both), startswith (after), endswith (before).
    pub fn wrap(mut toks: Vec<Tok>, before: bool, after: bool) -> Vec<Tok> {
        if before {
            toks.insert(0, Tok::Star);
        }
        if after {
            toks.push(Tok::Star);
        }
        toks
    }

    /// The longest literal run (folded), for prefiltering.
    pub fn longest_literal(&self) -> Option<&str> {
        self.toks
            .iter()
            .filter_map(|t| match t {
                Tok::Lit(s) => Some(s.as_str()),
                _ => None,
            })
            .max_by_key(|s| s.len())
    }
}

/// Reference glob matching: straightforward recursion over chars. `value` must already
/// be folded when the pattern is not cased.
pub(crate) fn glob_match_simple(toks: &[Tok], value: &str) -> bool {
    match toks.split_first() {
        None => value.is_empty(),
        Some((Tok::Lit(l), rest)) => value
            .strip_prefix(l.as_str())
            .is_some_and(|v| glob_match_simple(rest, v)),
        Some((Tok::One, rest)) => {
            let mut chars = value.chars();
            chars.next().is_some() && glob_match_simple(rest, chars.as_str())
        }
        Some((Tok::Star, rest)) => {
            if rest.is_empty() {
                return true;
            }
            value
                .char_indices()
                .map(|(i, _)| i)
                .chain(std::iter::once(value.len()))
                .any(|i| glob_match_simple(rest, &value[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_is_char_by_char_lowercase() {
        for v in [
            "",
            "C:\\Windows\\System32\\CMD.EXE /C WHOAMI",
            "Microsoft® Windows® Operating System",
            "İSTANBUL KELVİN \u{212A} ΣΊΣΥΦΟΣ Привет",
            "@[\\]^_`{|}~AZaz09\u{7f}",
            "ÀÉÎ end",
        ] {
            let want: String = v.chars().flat_map(char::to_lowercase).collect();
            assert_eq!(fold(v), want, "{v}");
            let mut buf = b"x".to_vec();
            fold_into(v, &mut buf);
            assert_eq!(&buf[1..], want.as_bytes(), "{v}");
        }
        let all: String = (0u8..128).map(char::from).collect();
        assert_eq!(fold(&all), all.to_ascii_lowercase());
    }

    fn m(p: &str, v: &str) -> bool {
        let g = Glob::new(Glob::parse(p), false);
        glob_match_simple(&g.toks, &fold(v))
    }

    #[test]
    fn wildcards_and_escapes() {
        assert!(m("*\\cmd.exe", "C:\\Windows\\System32\\CMD.EXE"));
        assert!(m("a?c", "abc"));
        assert!(!m("a?c", "ac"));
        assert!(m("a\\*c", "a*c"));
        assert!(!m("a\\*c", "abc"));
        assert!(m("a\\\\*", "a\\xyz"));
        assert!(m("a\\\\\\*", "a\\*"));
        // Sigma `C:\Windows\\*`: backslash then wildcard; `C:\Windows\*`: a literal star.
        assert!(m("C:\\Windows\\\\*", "c:\\windows\\x"));
        assert!(!m("C:\\Windows\\*", "c:\\windows\\x"));
        assert!(m("C:\\Windows\\*", "c:\\windows*"));
        assert!(m("", ""));
        assert!(!m("", "x"));
    }
}
