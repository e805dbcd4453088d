//! Value modifiers (the Sigma modifiers appendix): parsing the `|mod|mod` chain and
//! turning one rule value into the tests it stands for.

use crate::detection::Placeholders;
use crate::encode;
use crate::error::RuleError;
use crate::pattern::{Glob, Tok};
use serde_yaml_ng::Value;
use std::net::IpAddr;

/// Comparison of the numeric and time modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cmp {
    Lt,
    Lte,
    Gt,
    Gte,
    Eq,
}

impl Cmp {
    pub fn holds<T: PartialOrd>(self, left: T, right: T) -> bool {
        match self {
            Cmp::Lt => left < right,
            Cmp::Lte => left <= right,
            Cmp::Gt => left > right,
            Cmp::Gte => left >= right,
            Cmp::Eq => left == right,
        }
    }
}

/// The part of a date the time modifiers extract.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TimePart {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

/// How a field reference compares the two fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum How {
    Equals,
    Contains,
    StartsWith,
    EndsWith,
}

/// An IPv4 or IPv6 network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    net: IpAddr,
    prefix: u8,
}

impl Cidr {
    pub fn parse(s: &str) -> Option<Cidr> {
        let (addr, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, p.parse::<u8>().ok()?),
            None => (s.trim(), 128),
        };
        let net: IpAddr = addr.parse().ok()?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        Some(Cidr {
            net,
            prefix: prefix.min(max),
        })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(
                u128::from(u32::from(n)),
                u128::from(u32::from(a)),
                32,
                self.prefix,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                prefix_eq(u128::from(n), u128::from(a), 128, self.prefix)
            }
            (IpAddr::V4(_), IpAddr::V6(a)) => a
                .to_ipv4_mapped()
                .is_some_and(|m| self.contains(IpAddr::V4(m))),
            (IpAddr::V6(_), IpAddr::V4(_)) => false,
        }
    }
}

fn prefix_eq(a: u128, b: u128, bits: u32, prefix: u8) -> bool {
    let shift = bits - u32::from(prefix);
    shift >= bits || (a >> shift) == (b >> shift)
}

/// One test of a field value.
#[derive(Debug, Clone)]
pub(crate) enum ValueTest {
    /// Wildcard pattern (contains/startswith/endswith already applied as `*`).
    Str(Glob),
    Re(regex::Regex),
    Cidr(Cidr),
    Num(Cmp, f64),
    /// Compare with another field of the same event.
    FieldRef {
        other: String,
        how: How,
        cased: bool,
    },
    Time {
        part: TimePart,
        cmp: Cmp,
        value: i64,
    },
    /// `null`: the field is absent or empty.
    Null,
}

/// The modifiers of one field key.
#[derive(Debug, Clone, Default)]
pub(crate) struct Mods {
    pub contains: bool,
    pub startswith: bool,
    pub endswith: bool,
    pub all: bool,
    pub neq: bool,
    pub cased: bool,
    pub exists: bool,
    pub windash: bool,
    pub expand: bool,
    pub fieldref: bool,
    pub cidr: bool,
    pub re: Option<ReFlags>,
    pub cmp: Option<Cmp>,
    pub time: Option<TimePart>,
    /// In the order written.
    pub encodings: Vec<Encoding>,
}

#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ReFlags {
    pub i: bool,
    pub m: bool,
    pub s: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Encoding {
    Base64,
    Base64Offset,
    Utf16Le,
    Utf16Be,
    Utf16,
}

pub(crate) fn parse_modifiers<'a>(names: impl Iterator<Item = &'a str>) -> Result<Mods, RuleError> {
    let mut m = Mods::default();
    for name in names {
        apply_modifier(&mut m, name)?;
    }
    check_combination(&m)?;
    Ok(m)
}

fn apply_modifier(m: &mut Mods, name: &str) -> Result<(), RuleError> {
    let re_flag = |m: &mut Mods, f: fn(&mut ReFlags)| match m.re.as_mut() {
        Some(r) => {
            f(r);
            Ok(())
        }
        None => Err(RuleError::Modifier(format!(
            "'{name}' is a sub-modifier of 're' and must follow it"
        ))),
    };
    match name {
        "contains" => m.contains = true,
        "startswith" => m.startswith = true,
        "endswith" => m.endswith = true,
        "all" => m.all = true,
        "neq" => m.neq = true,
        "cased" => m.cased = true,
        "exists" => m.exists = true,
        "windash" => m.windash = true,
        "expand" => m.expand = true,
        "fieldref" => m.fieldref = true,
        "cidr" => m.cidr = true,
        "re" => m.re = Some(ReFlags::default()),
        "i" | "ignorecase" => re_flag(m, |r| r.i = true)?,
        "m" | "multiline" => re_flag(m, |r| r.m = true)?,
        "s" | "dotall" => re_flag(m, |r| r.s = true)?,
        "lt" => m.cmp = Some(Cmp::Lt),
        "lte" => m.cmp = Some(Cmp::Lte),
        "gt" => m.cmp = Some(Cmp::Gt),
        "gte" => m.cmp = Some(Cmp::Gte),
        "minute" => m.time = Some(TimePart::Minute),
        "hour" => m.time = Some(TimePart::Hour),
        "day" => m.time = Some(TimePart::Day),
        "week" => m.time = Some(TimePart::Week),
        "month" => m.time = Some(TimePart::Month),
        "year" => m.time = Some(TimePart::Year),
        "base64" => m.encodings.push(Encoding::Base64),
        "base64offset" => m.encodings.push(Encoding::Base64Offset),
        "utf16le" | "wide" => m.encodings.push(Encoding::Utf16Le),
        "utf16be" => m.encodings.push(Encoding::Utf16Be),
        "utf16" => m.encodings.push(Encoding::Utf16),
        other => return Err(RuleError::Modifier(format!("unknown modifier '{other}'"))),
    }
    Ok(())
}

fn check_combination(m: &Mods) -> Result<(), RuleError> {
    let positional = [m.contains, m.startswith, m.endswith]
        .iter()
        .filter(|b| **b)
        .count();
    let special = [
        m.re.is_some(),
        m.cidr,
        m.cmp.is_some() && m.time.is_none(),
        m.exists,
    ]
    .iter()
    .filter(|b| **b)
    .count();
    let bad = |what: &str| Err(RuleError::Modifier(what.to_string()));
    if positional > 1 {
        return bad("only one of contains, startswith, endswith may be used");
    }
    if special > 1 || (special == 1 && (positional > 0 || m.time.is_some())) {
        return bad("re, cidr, lt/lte/gt/gte, exists and the time modifiers cannot be combined with each other or with contains/startswith/endswith");
    }
    if (m.re.is_some() || m.cidr || m.cmp.is_some()) && !m.encodings.is_empty() {
        return bad("encoding modifiers only apply to plain string values");
    }
    Ok(())
}

/// The boolean of `field|exists: true/false`.
pub(crate) fn exists_value(values: &[&Value]) -> Result<bool, RuleError> {
    match values {
        [Value::Bool(b)] => Ok(*b),
        [Value::String(s)] if s.eq_ignore_ascii_case("true") => Ok(true),
        [Value::String(s)] if s.eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(RuleError::Value(
            "exists takes a single boolean (true or false)".to_string(),
        )),
    }
}

/// The tests one rule value stands for (alternatives, OR-ed).
pub(crate) fn build_value(
    v: &Value,
    m: &Mods,
    ph: &Placeholders,
) -> Result<Vec<ValueTest>, RuleError> {
    let text = match v {
        Value::Null => return Ok(vec![ValueTest::Null]),
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        other => return Err(RuleError::Value(format!("unsupported value {other:?}"))),
    };
    if let Some(part) = m.time {
        return time_test(&text, part, m.cmp.unwrap_or(Cmp::Eq)).map(|t| vec![t]);
    }
    if let Some(cmp) = m.cmp {
        let n: f64 = text
            .trim()
            .parse()
            .map_err(|_| RuleError::Value(format!("'{text}' is not a number")))?;
        return Ok(vec![ValueTest::Num(cmp, n)]);
    }
    if let Some(flags) = m.re {
        return regex(&text, flags).map(|r| vec![ValueTest::Re(r)]);
    }
    if m.cidr {
        let c = Cidr::parse(&text)
            .ok_or_else(|| RuleError::Value(format!("'{text}' is not a CIDR network")))?;
        return Ok(vec![ValueTest::Cidr(c)]);
    }
    if m.fieldref {
        return Ok(vec![ValueTest::FieldRef {
            other: text,
            how: how(m),
            cased: m.cased,
        }]);
    }
    string_tests(&text, m, ph)
}

fn how(m: &Mods) -> How {
    match (m.contains, m.startswith, m.endswith) {
        (true, _, _) => How::Contains,
        (_, true, _) => How::StartsWith,
        (_, _, true) => How::EndsWith,
        _ => How::Equals,
    }
}

fn time_test(text: &str, part: TimePart, cmp: Cmp) -> Result<ValueTest, RuleError> {
    let value: i64 = text
        .trim()
        .parse()
        .map_err(|_| RuleError::Value(format!("time modifier value '{text}' is not an integer")))?;
    Ok(ValueTest::Time { part, cmp, value })
}

/// The `i`, `m` and `s` modifiers are written into the pattern as inline flags, so that
/// the pattern says all of what it matches (the prefilter reads its literals from it).
fn regex(text: &str, f: ReFlags) -> Result<regex::Regex, RuleError> {
    let flags: String = [(f.i, 'i'), (f.m, 'm'), (f.s, 's')]
        .iter()
        .filter_map(|&(on, c)| on.then_some(c))
        .collect();
    let pattern = if flags.is_empty() {
        text.to_string()
    } else {
        format!("(?{flags}){text}")
    };
    regex::RegexBuilder::new(&pattern)
        .size_limit(1 << 23)
        .build()
        .map_err(|e| RuleError::Regex {
            pattern: text.to_string(),
            reason: e.to_string(),
        })
}

fn string_tests(text: &str, m: &Mods, ph: &Placeholders) -> Result<Vec<ValueTest>, RuleError> {
    let mut texts = if m.expand {
        expand(text, ph)?
    } else {
        vec![text.to_string()]
    };
    if m.windash {
        texts = texts.iter().flat_map(|t| encode::windash(t)).collect();
    }
    let mut out = Vec::new();
    for t in texts {
        for toks in encoded(&t, &m.encodings)? {
            let toks = Glob::wrap(toks, m.contains || m.endswith, m.contains || m.startswith);
            out.push(ValueTest::Str(Glob::new(toks, m.cased)));
        }
    }
    Ok(out)
}

/// Applies the encoding modifiers in order; without any, parses the wildcards.
fn encoded(text: &str, encs: &[Encoding]) -> Result<Vec<Vec<Tok>>, RuleError> {
    if encs.is_empty() {
        return Ok(vec![Glob::parse(text)]);
    }
    let toks = Glob::parse(text);
    let literal = match toks.as_slice() {
        [] => String::new(),
        [Tok::Lit(s)] => s.clone(),
        _ => {
            return Err(RuleError::Value(format!(
                "'{text}': wildcards cannot be encoded (base64/utf16 modifiers)"
            )))
        }
    };
    let mut values: Vec<Vec<u8>> = vec![literal.into_bytes()];
    for e in encs {
        values = values.into_iter().flat_map(|v| encode_one(v, *e)).collect();
    }
    Ok(values
        .into_iter()
        .map(|v| vec![Tok::Lit(encode::bytes_to_text(v))])
        .collect())
}

fn encode_one(v: Vec<u8>, e: Encoding) -> Vec<Vec<u8>> {
    let text = || encode::bytes_to_text(v.clone());
    match e {
        Encoding::Base64 => vec![encode::base64(&v).into_bytes()],
        Encoding::Base64Offset => encode::base64_offsets(&v)
            .into_iter()
            .map(String::into_bytes)
            .collect(),
        Encoding::Utf16Le => vec![encode::utf16le(&text())],
        Encoding::Utf16Be => vec![encode::utf16be(&text())],
        Encoding::Utf16 => vec![encode::utf16_bom(&text())],
    }
}

/// Replaces each `%name%` placeholder by each of its values (all combinations).
fn expand(text: &str, ph: &Placeholders) -> Result<Vec<String>, RuleError> {
    let Some(start) = find_placeholder_start(text) else {
        return Ok(vec![text.replace("\\%", "%")]);
    };
    let rest = &text[start + 1..];
    let Some(len) = rest.find('%') else {
        return Ok(vec![text.replace("\\%", "%")]);
    };
    let name = &rest[..len];
    let values = ph
        .get(name)
        .ok_or_else(|| RuleError::Placeholder(name.to_string()))?;
    let head = text[..start].replace("\\%", "%");
    let tails = expand(&rest[len + 1..], ph)?;
    let mut out = Vec::new();
    for v in values {
        out.extend(tails.iter().map(|t| format!("{head}{v}{t}")));
    }
    Ok(out)
}

/// The first `%` not escaped with a backslash.
fn find_placeholder_start(text: &str) -> Option<usize> {
    let b = text.as_bytes();
    (0..b.len()).find(|&i| b[i] == b'%' && (i == 0 || b[i - 1] != b'\\'))
}
