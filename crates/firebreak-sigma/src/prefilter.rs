//! Prefilter needles: for a detection, a set of folded literals at least one of which
//! must occur in any event it matches, each in the value of the field its test reads
//! (or, for keyword items, in any value or the message). `None` when no such set can
//! be given (negations, regexes, numbers, ...): the rule is then always evaluated.

use crate::condition::Cond;
use crate::detection::{Detection, Item, ItemKind};
use crate::logsource::Variant;
use crate::modifier::ValueTest;
use crate::pattern::fold;
use std::collections::HashSet;

/// A folded literal and where it must be: in the value of one of `fields` (the event
/// fields a rule field is read from), or anywhere when `fields` is empty (keywords).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Needle {
    pub text: String,
    pub fields: Vec<String>,
}

/// A disjunction of needles.
pub(crate) type Needles = Vec<Needle>;

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

/// `by_id`: the unit is indexed by the event ids its detection requires, so its
/// `EventID` tests need no needles (see [`crate::hoist`]).
pub(crate) fn needles(d: &Detection, v: &Variant, by_id: bool) -> Option<Needles> {
    let at = At { v, by_id };
    at.cond(&d.condition, d).filter(|n| !n.is_empty())
}

struct At<'v> {
    v: &'v Variant,
    by_id: bool,
}

impl At<'_> {
    fn cond(&self, c: &Cond, d: &Detection) -> Option<Needles> {
        match c {
            Cond::Sel(i) => union(d.selections[*i].any_of.iter().map(|items| self.and(items))),
            Cond::Not(_) => None,
            Cond::And(xs) => best(xs.iter().map(|x| self.cond(x, d))),
            Cond::Or(xs) => union(xs.iter().map(|x| self.cond(x, d))),
        }
    }

    fn and(&self, items: &[Item]) -> Option<Needles> {
        let needed = |it: &&Item| !(self.by_id && crate::hoist::is_hoisted_item(it));
        best(items.iter().filter(needed).map(|it| item(it, self.v)))
    }
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
        let rare = !n.iter().any(|x| COMMON.contains(x.text.as_str()));
        let shortest = n.iter().map(|x| x.text.len()).min().unwrap_or(0);
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
    let mut fields = Vec::new();
    if let Some(f) = &it.field {
        fields = match v.renamed(f) {
            Some(n) => n.to_vec(),
            None => vec![f.clone()],
        };
        if fields.iter().any(|n| not_scanned(n)) {
            return None;
        }
    }
    let in_fields = |text| Needle {
        text,
        fields: fields.clone(),
    };
    let per_group = groups.iter().map(|g| {
        union(
            g.iter()
                .map(|t| Some(test(t)?.into_iter().map(in_fields).collect())),
        )
    });
    if *all {
        best(per_group)
    } else {
        union(per_group)
    }
}

/// Literals one of which is in any value the test holds for (folded, as the scanned
/// values are).
fn test(t: &ValueTest) -> Option<Vec<String>> {
    match t {
        ValueTest::Str(g) => {
            let lit = g.longest_literal()?;
            let lit = if g.cased { fold(lit) } else { lit.to_string() };
            (lit.len() >= MIN_NEEDLE).then(|| vec![lit])
        }
        ValueTest::Re(r) => regex_literals(r.as_str()),
        _ => None,
    }
}

/// For a regular expression: the literals every match starts with, or else those it
/// ends with, when each is long enough (a match is in the value, so one of them is).
fn regex_literals(pattern: &str) -> Option<Vec<String>> {
    use regex_syntax::hir::literal::{ExtractKind, Extractor};
    let hir = regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .ok()?;
    [ExtractKind::Prefix, ExtractKind::Suffix]
        .into_iter()
        .find_map(|kind| {
            let seq = Extractor::new().kind(kind).extract(&hir);
            let mut out = Vec::new();
            for lit in seq.literals()? {
                let text = fold(std::str::from_utf8(lit.as_bytes()).ok()?);
                if text.len() < MIN_NEEDLE {
                    return None;
                }
                out.push(text);
            }
            out.sort();
            out.dedup();
            (!out.is_empty()).then_some(out)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regexes_give_the_literals_every_match_holds() {
        let lits = |p: &str| regex_literals(p);
        assert_eq!(lits(r"ipconfig\s+/all"), Some(vec!["ipconfig".to_string()]));
        assert_eq!(
            lits(r"\$PSHome\[\s*\d{1,3}\s*\]|\[String\]\s*\$Verbose"),
            Some(vec!["$pshome[".to_string(), "[string]".to_string()])
        );
        // No prefix, a suffix.
        assert_eq!(lits(r"\w+\.dll$"), Some(vec![".dll".to_string()]));
        // Case-insensitive: the case variants (cut short past 250 of them) fold to one.
        let ci = lits(r"(?i)mimikatz").unwrap();
        assert!(
            ci.len() == 1 && ci[0].len() >= 3 && "mimikatz".starts_with(&ci[0]),
            "{ci:?}"
        );
        // `re|i` is written as an inline flag: the literals cover the regex's own case
        // folding (the long s matches `s` case-insensitively, and does not lowercase to it).
        let long_s = lits(r"(?i)ssh").unwrap();
        assert!(long_s.iter().any(|l| l.contains('\u{17f}')), "{long_s:?}");
        // Nothing long enough on either side, or no literal at all.
        assert_eq!(lits(r"a\d+b"), None);
        assert_eq!(lits(r"^\w+$"), None);
        assert_eq!(lits(r"(x|abcd)\d+(y|efgh)"), None);
    }
}
