//! Prefilter needles: for a detection, a set of folded literals at least one of which
//! must occur in some folded field value (or the message) of any event it matches.
//! `None` when no such set can be given (negations, regexes, numbers, ...): the rule is
//! then always evaluated.

use crate::condition::Cond;
use crate::detection::{Detection, Item, ItemKind};
use crate::logsource::Variant;
use crate::modifier::ValueTest;
use crate::pattern::fold;
use std::collections::HashSet;

/// A disjunction of folded literals.
pub(crate) type Needles = Vec<String>;

/// Shortest needle worth prefiltering on, in bytes.
const MIN_NEEDLE: usize = 3;

/// Names whose value may come from the normalised model rather than an original field
/// (not in the scanned text), plus the timestamp aliases.
const NOT_SCANNED: [&str; 5] = [
    "timestamp_desc",
    "source",
    "timestamp",
    "@timestamp",
    "_time",
];

fn not_scanned(name: &str) -> bool {
    firebreak_event::NORMALISED_TEXT.contains(&name) || NOT_SCANNED.contains(&name)
}

pub(crate) fn needles(d: &Detection, v: &Variant) -> Option<Needles> {
    cond(&d.condition, d, v).filter(|n| !n.is_empty())
}

fn cond(c: &Cond, d: &Detection, v: &Variant) -> Option<Needles> {
    match c {
        Cond::Sel(i) => union(d.selections[*i].any_of.iter().map(|items| and(items, v))),
        Cond::Not(_) => None,
        Cond::And(xs) => best(xs.iter().map(|x| cond(x, d, v))),
        Cond::Or(xs) => union(xs.iter().map(|x| cond(x, d, v))),
    }
}

fn and(items: &[Item], v: &Variant) -> Option<Needles> {
    best(items.iter().map(|it| item(it, v)))
}

/// Every alternative must give needles; their union.
fn union(parts: impl Iterator<Item = Option<Needles>>) -> Option<Needles> {
    let mut out = Vec::new();
    for p in parts {
        out.extend(p?);
    }
    out.sort();
    out.dedup();
    Some(out)
}

/// Needles seen in a large share of real events (`data/common-needles.txt`).
static COMMON: std::sync::LazyLock<HashSet<&'static str>> = std::sync::LazyLock::new(|| {
    include_str!("../data/common-needles.txt")
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect()
});

/// Of conjuncts, the most selective set: one without a common needle, then the
/// longest shortest needle, then the fewest needles.
fn best(parts: impl Iterator<Item = Option<Needles>>) -> Option<Needles> {
    parts.flatten().filter(|n| !n.is_empty()).max_by_key(|n| {
        let rare = !n.iter().any(|x| COMMON.contains(x.as_str()));
        let shortest = n.iter().map(String::len).min().unwrap_or(0);
        (rare, shortest, std::cmp::Reverse(n.len()))
    })
}

fn item(it: &Item, v: &Variant) -> Option<Needles> {
    let ItemKind::Values { groups, all, neq } = &it.kind else {
        return None;
    };
    if *neq {
        return None;
    }
    if let Some(f) = &it.field {
        let names: Vec<&str> = match v.renamed(f) {
            Some(n) => n.iter().map(String::as_str).collect(),
            None => vec![f.as_str()],
        };
        if names.iter().any(|n| not_scanned(n)) {
            return None;
        }
    }
    let per_group = groups.iter().map(|g| union(g.iter().map(test)));
    if *all {
        best(per_group)
    } else {
        union(per_group)
    }
}

fn test(t: &ValueTest) -> Option<Needles> {
    let ValueTest::Str(g) = t else {
        return None;
    };
    let lit = g.longest_literal()?;
    let lit = if g.cased { fold(lit) } else { lit.to_string() };
    (lit.len() >= MIN_NEEDLE).then(|| vec![lit])
}
