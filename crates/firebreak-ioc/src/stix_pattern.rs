//! A STIX 2.1 patterning parser, and the reading of a pattern into simple IOCs.
//!
//! The whole grammar is parsed (observation expressions with AND / OR / FOLLOWEDBY and
//! qualifiers; comparison expressions with AND / OR / NOT and every operator), so that
//! what cannot be matched one value at a time is named, not skipped silently.

use crate::error::Reason;
use crate::ioc::IocType;
use crate::value;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Comma,
    Op(String),
    Word(String),
    Path(String),
    Str(String),
    Other(String),
}

fn lex(p: &str) -> Result<Vec<Tok>, String> {
    let chars: Vec<char> = p.chars().collect();
    let mut toks = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        i += 1;
        match c {
            c if c.is_whitespace() => {}
            '[' => toks.push(Tok::LBracket),
            ']' => toks.push(Tok::RBracket),
            '(' => toks.push(Tok::LParen),
            ')' => toks.push(Tok::RParen),
            ',' => toks.push(Tok::Comma),
            '\'' => toks.push(Tok::Str(string(&chars, &mut i)?)),
            '=' | '!' | '<' | '>' => {
                let mut op = c.to_string();
                if chars.get(i) == Some(&'=') {
                    op.push('=');
                    i += 1;
                }
                toks.push(Tok::Op(op));
            }
            _ => toks.push(word(&chars, &mut i)?),
        }
    }
    Ok(toks)
}

/// The rest of a `'...'` literal (after the opening quote), `\'` and `\\` escaped.
fn string(chars: &[char], i: &mut usize) -> Result<String, String> {
    let mut s = String::new();
    while let Some(&c) = chars.get(*i) {
        *i += 1;
        match c {
            '\\' => {
                s.push(*chars.get(*i).ok_or("unterminated string")?);
                *i += 1;
            }
            '\'' => return Ok(s),
            c => s.push(c),
        }
    }
    Err("unterminated string".into())
}

/// A keyword, number, typed literal (`t'...'`, `h'...'`, `b'...'`) or object path
/// (`file:hashes.'SHA-256'`, `email-message:to_refs[*].value`).
fn word(chars: &[char], i: &mut usize) -> Result<Tok, String> {
    let start = *i - 1;
    if "thb".contains(chars[start]) && chars.get(*i) == Some(&'\'') {
        *i += 1;
        let s = string(chars, i)?;
        return Ok(Tok::Other(format!("{}'{s}'", chars[start])));
    }
    while let Some(&c) = chars.get(*i) {
        let is_path = chars[start..*i].contains(&':');
        if c.is_alphanumeric() || "_-:.+".contains(c) {
            *i += 1;
        } else if c == '\'' && is_path && chars[*i - 1] == '.' {
            *i += 1;
            string(chars, i)?;
        } else if c == '['
            && is_path
            && chars
                .get(*i + 1)
                .is_some_and(|n| *n == '*' || n.is_ascii_digit())
        {
            let close = chars[*i..]
                .iter()
                .position(|&c| c == ']')
                .ok_or("unclosed index")?;
            *i += close + 1;
        } else {
            break;
        }
    }
    let w: String = chars[start..*i].iter().collect();
    Ok(if w.contains(':') {
        Tok::Path(w)
    } else if w.chars().all(|c| c.is_ascii_alphabetic()) {
        Tok::Word(w.to_ascii_uppercase())
    } else {
        Tok::Other(w)
    })
}

/// A comparison value.
#[derive(Debug, Clone, PartialEq)]
enum Lit {
    Str(String),
    Set(Vec<Lit>),
    Other(String),
}

/// A comparison expression (inside `[...]`).
#[derive(Debug, Clone, PartialEq)]
enum Cmp {
    Or(Vec<Cmp>),
    And(Vec<Cmp>),
    Test {
        path: String,
        not: bool,
        op: String,
        value: Lit,
    },
}

/// An observation expression.
#[derive(Debug, Clone, PartialEq)]
enum Obs {
    Or(Vec<Obs>),
    And(Vec<Obs>),
    FollowedBy(Vec<Obs>),
    Observation(Cmp),
    Qualified(Box<Obs>, String),
}

struct Parser {
    toks: Vec<Tok>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.toks.get(self.at).cloned();
        self.at += 1;
        t
    }

    fn expect(&mut self, t: Tok) -> Result<(), String> {
        match self.next() {
            Some(got) if got == t => Ok(()),
            got => Err(format!("expected {t:?}, found {got:?}")),
        }
    }

    fn keyword(&mut self, kw: &str) -> bool {
        let hit = matches!(self.peek(), Some(Tok::Word(w)) if w == kw);
        if hit {
            self.at += 1;
        }
        hit
    }

    /// `a OP b OP c` for one keyword, left to right, with `sub` for the operands.
    fn list<T>(
        &mut self,
        kw: &str,
        sub: fn(&mut Self) -> Result<T, String>,
        wrap: fn(Vec<T>) -> T,
    ) -> Result<T, String> {
        let mut items = vec![sub(self)?];
        while self.keyword(kw) {
            items.push(sub(self)?);
        }
        Ok(if items.len() == 1 {
            items.remove(0)
        } else {
            wrap(items)
        })
    }

    fn obs_followed(&mut self) -> Result<Obs, String> {
        self.list("FOLLOWEDBY", Self::obs_or, Obs::FollowedBy)
    }

    fn obs_or(&mut self) -> Result<Obs, String> {
        self.list("OR", Self::obs_and, Obs::Or)
    }

    fn obs_and(&mut self) -> Result<Obs, String> {
        self.list("AND", Self::obs_qualified, Obs::And)
    }

    fn obs_qualified(&mut self) -> Result<Obs, String> {
        let mut obs = self.obs_primary()?;
        while let Some(q) = self.qualifier()? {
            obs = Obs::Qualified(Box::new(obs), q);
        }
        Ok(obs)
    }

    fn obs_primary(&mut self) -> Result<Obs, String> {
        match self.next() {
            Some(Tok::LBracket) => {
                let cmp = self.cmp_or()?;
                self.expect(Tok::RBracket)?;
                Ok(Obs::Observation(cmp))
            }
            Some(Tok::LParen) => {
                let obs = self.obs_followed()?;
                self.expect(Tok::RParen)?;
                Ok(obs)
            }
            t => Err(format!("expected '[' or '(', found {t:?}")),
        }
    }

    /// `WITHIN n SECONDS`, `REPEATS n TIMES`, `START t STOP t`, as text.
    fn qualifier(&mut self) -> Result<Option<String>, String> {
        let (kw, words) = match self.peek() {
            Some(Tok::Word(w)) if w == "WITHIN" || w == "REPEATS" => (w.clone(), 3),
            Some(Tok::Word(w)) if w == "START" => (w.clone(), 4),
            _ => return Ok(None),
        };
        self.next();
        let mut text = kw;
        for _ in 1..words {
            match self.next() {
                Some(Tok::Word(w) | Tok::Other(w) | Tok::Path(w)) => {
                    text.push(' ');
                    text.push_str(&w);
                }
                t => return Err(format!("bad qualifier near {t:?}")),
            }
        }
        Ok(Some(text))
    }

    fn cmp_or(&mut self) -> Result<Cmp, String> {
        self.list("OR", Self::cmp_and, Cmp::Or)
    }

    fn cmp_and(&mut self) -> Result<Cmp, String> {
        self.list("AND", Self::cmp_primary, Cmp::And)
    }

    fn cmp_primary(&mut self) -> Result<Cmp, String> {
        if self.peek() == Some(&Tok::LParen) {
            self.next();
            let c = self.cmp_or()?;
            self.expect(Tok::RParen)?;
            return Ok(c);
        }
        if self.keyword("EXISTS") {
            let path = self.path()?;
            return Ok(Cmp::Test {
                path,
                not: false,
                op: "EXISTS".into(),
                value: Lit::Other(String::new()),
            });
        }
        let path = self.path()?;
        let not = self.keyword("NOT");
        let op = match self.next() {
            Some(Tok::Op(o)) => o,
            Some(Tok::Word(w)) => w,
            t => return Err(format!("expected an operator after {path}, found {t:?}")),
        };
        let value = self.literal()?;
        Ok(Cmp::Test {
            path,
            not,
            op,
            value,
        })
    }

    fn path(&mut self) -> Result<String, String> {
        match self.next() {
            Some(Tok::Path(p)) => Ok(p),
            t => Err(format!("expected an object path, found {t:?}")),
        }
    }

    fn literal(&mut self) -> Result<Lit, String> {
        match self.next() {
            Some(Tok::Str(s)) => Ok(Lit::Str(s)),
            Some(Tok::LParen) => {
                let mut items = vec![self.literal()?];
                while self.peek() == Some(&Tok::Comma) {
                    self.next();
                    items.push(self.literal()?);
                }
                self.expect(Tok::RParen)?;
                Ok(Lit::Set(items))
            }
            Some(Tok::Word(w) | Tok::Other(w) | Tok::Path(w)) => Ok(Lit::Other(w)),
            t => Err(format!("expected a value, found {t:?}")),
        }
    }
}

/// Why a part of a pattern gave no IOC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Bad {
    /// A construct that cannot be matched one value at a time, described.
    Unsupported(String),
    /// A supported comparison whose value is not valid for its type.
    Invalid(Reason),
}

/// One result of reading a pattern: an IOC, or a part that cannot be matched.
pub(crate) type Part = Result<(IocType, String), Bad>;

fn unsupported(what: String) -> Part {
    Err(Bad::Unsupported(what))
}

/// Parse a pattern and read it into IOCs. `Err` is a syntax error (nothing read);
/// `Ok` lists the IOCs of every OR-ed branch and one `Err` per unsupported branch.
pub(crate) fn read(pattern: &str) -> Result<Vec<Part>, String> {
    let mut p = Parser {
        toks: lex(pattern)?,
        at: 0,
    };
    let obs = p.obs_followed()?;
    if let Some(t) = p.peek() {
        return Err(format!("unexpected {t:?} after the pattern"));
    }
    let mut out = Vec::new();
    observation(&obs, &mut out);
    Ok(out)
}

fn observation(obs: &Obs, out: &mut Vec<Part>) {
    match obs {
        Obs::Or(items) => items.iter().for_each(|o| observation(o, out)),
        Obs::And(_) => out.push(unsupported("AND between observations".into())),
        Obs::FollowedBy(_) => out.push(unsupported("FOLLOWEDBY between observations".into())),
        Obs::Qualified(..) => out.push(unsupported(format!("qualifiers {}", qualifiers(obs)))),
        Obs::Observation(c) => comparison(c, out),
    }
}

/// The qualifiers of nested `Qualified`, innermost first.
fn qualifiers(obs: &Obs) -> String {
    match obs {
        Obs::Qualified(inner, q) => match qualifiers(inner) {
            s if s.is_empty() => q.clone(),
            s => format!("{s} {q}"),
        },
        _ => String::new(),
    }
}

fn comparison(cmp: &Cmp, out: &mut Vec<Part>) {
    match cmp {
        Cmp::Or(items) => items.iter().for_each(|c| comparison(c, out)),
        Cmp::And(items) => conjunction(items, out),
        Cmp::Test {
            path,
            not,
            op,
            value,
        } => test(path, *not, op, value, out),
    }
}

/// `AND` inside one observation is read only when every term is a hash of the same
/// file (each hash alone names the file), or when it is a file's name and its
/// directory (`file:name = 'x.exe' AND file:parent_directory_ref.path = 'C:\\Temp'`,
/// STIX 2.1's way of writing a path: one file-path IOC). Anything else needs all
/// terms at once.
fn conjunction(items: &[Cmp], out: &mut Vec<Part>) {
    if let Some(path) = name_and_directory(items) {
        return out.push(value::normalise(IocType::FilePath, &path).map_err(Bad::Invalid));
    }
    let mut parts = Vec::new();
    items.iter().for_each(|c| comparison(c, &mut parts));
    let all_hashes = items.iter().all(|c| matches!(c, Cmp::Test { path, not: false, op, .. } if op == "=" && path.starts_with("file:hashes.")));
    if all_hashes {
        out.extend(parts);
    } else {
        out.push(unsupported(
            "AND between comparisons (all terms would have to match one object)".into(),
        ));
    }
}

fn test(path: &str, not: bool, op: &str, value: &Lit, out: &mut Vec<Part>) {
    if not {
        return out.push(unsupported(format!("NOT {op} on {path}")));
    }
    match (op, value) {
        ("=", Lit::Str(v)) => out.push(equals(path, v)),
        ("IN", Lit::Set(items)) => items.iter().for_each(|i| match i {
            Lit::Str(v) => out.push(equals(path, v)),
            other => out.push(unsupported(format!("non-string {other:?} in IN on {path}"))),
        }),
        ("LIKE", Lit::Str(v)) => out.push(like(path, v)),
        _ => out.push(unsupported(format!("operator {op} on {path}"))),
    }
}

/// `process:command_line LIKE '%text%'` is a substring; `LIKE` without wildcards is `=`.
fn like(path: &str, v: &str) -> Part {
    let inner = v.strip_prefix('%').and_then(|s| s.strip_suffix('%'));
    match inner {
        Some(s) if path == "process:command_line" && !s.contains(['%', '_']) => equals(path, s),
        _ if !v.contains(['%', '_']) => equals(path, v),
        _ => unsupported(format!("LIKE '{v}' on {path}")),
    }
}

/// `file:name = N AND file:parent_directory_ref.path = D` (either order) as `D\\N`
/// (with `D`'s own separator).
fn name_and_directory(items: &[Cmp]) -> Option<String> {
    let [a, b] = items else { return None };
    let term = |c: &Cmp, want: &str| match c {
        Cmp::Test {
            path,
            not: false,
            op,
            value: Lit::Str(v),
        } if path == want && op == "=" => Some(v.clone()),
        _ => None,
    };
    let (name, dir) = match (
        term(a, "file:name"),
        term(b, "file:parent_directory_ref.path"),
    ) {
        (Some(n), Some(d)) => (n, d),
        _ => (
            term(b, "file:name")?,
            term(a, "file:parent_directory_ref.path")?,
        ),
    };
    if name.is_empty() || name.contains(['\\', '/']) || dir.is_empty() {
        return None;
    }
    let sep = if dir.contains('\\') || !dir.contains('/') {
        '\\'
    } else {
        '/'
    };
    Some(format!("{}{sep}{name}", dir.trim_end_matches(['\\', '/'])))
}

/// `path = 'v'` as one IOC.
fn equals(path: &str, v: &str) -> Part {
    let Some(kind) = path_type(path) else {
        return unsupported(format!("object path {path}"));
    };
    value::normalise(kind, v).map_err(Bad::Invalid)
}

/// The IOC type an object path's value is.
fn path_type(path: &str) -> Option<IocType> {
    if let Some(alg) = path.strip_prefix("file:hashes.") {
        return hash_algorithm(alg);
    }
    Some(match path {
        "ipv4-addr:value" | "ipv6-addr:value" => IocType::Ipv4,
        "network-traffic:dst_ref.value" | "network-traffic:src_ref.value" => IocType::Ipv4,
        "domain-name:value" => IocType::Domain,
        "url:value" => IocType::Url,
        "email-addr:value" | "email-message:from_ref.value" | "email-message:sender_ref.value" => {
            IocType::Email
        }
        "user-account:user_id" | "user-account:account_login" => IocType::User,
        "process:command_line" => IocType::CommandLine,
        "file:name" => IocType::FileName,
        "process:name" => IocType::FileName,
        "windows-registry-key:key" => IocType::RegistryKey,
        _ => return None,
    })
}

/// STIX hash names (`'SHA-256'`, `SHA256`, `MD5`, ...).
pub(crate) fn hash_algorithm(alg: &str) -> Option<IocType> {
    let a = alg.trim_matches('\'').to_ascii_uppercase().replace('-', "");
    Some(match a.as_str() {
        "MD5" => IocType::Md5,
        "SHA1" => IocType::Sha1,
        "SHA256" => IocType::Sha256,
        "SHA512" => IocType::Sha512,
        _ => return None,
    })
}
