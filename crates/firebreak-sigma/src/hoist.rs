//! Event ids a detection requires: when every way a detection can hold tests
//! `EventID` for one of a few plain numbers (`service: security` rules, `EventID: 4728`
//! in the selection), its unit is indexed under those ids, as if its logsource had
//! named them, and is not even looked at for the other events of its channel.
//! The test stays in the detection, so this only narrows the candidates.

use crate::condition::Cond;
use crate::detection::{Detection, Item, ItemKind};
use crate::logsource::Variant;
use crate::modifier::ValueTest;
use crate::pattern::Tok;
use std::collections::BTreeSet;

/// The field tested (it is also what `logsource::event_id` falls back to).
pub(crate) const EVENT_ID: &str = "EventID";

type Ids = BTreeSet<String>;

/// The ids one of which an event must have for `d` to hold; None when not known.
pub(crate) fn required_event_ids(d: &Detection, v: &Variant) -> Option<Vec<String>> {
    if v.renamed(EVENT_ID).is_some() {
        return None;
    }
    cond(&d.condition, d).map(|ids| ids.into_iter().collect())
}

fn cond(c: &Cond, d: &Detection) -> Option<Ids> {
    match c {
        Cond::Sel(i) => any(d.selections[*i].any_of.iter().map(|items| all_items(items))),
        Cond::Not(_) => None,
        Cond::And(xs) => xs.iter().filter_map(|x| cond(x, d)).reduce(intersect),
        Cond::Or(xs) => any(xs.iter().map(|x| cond(x, d))),
    }
}

/// Every alternative must be known; their union.
fn any(parts: impl Iterator<Item = Option<Ids>>) -> Option<Ids> {
    let mut out = Ids::new();
    for p in parts {
        out.extend(p?);
    }
    Some(out)
}

fn intersect(a: Ids, b: Ids) -> Ids {
    a.intersection(&b).cloned().collect()
}

/// An AND of items: the ids every `EventID` item among them allows.
fn all_items(items: &[Item]) -> Option<Ids> {
    items.iter().filter_map(item).reduce(intersect)
}

/// `EventID: n` or `EventID: [n, m]`: plain decimal numbers, no modifier (digits fold
/// to themselves, so the case of the test does not matter).
fn item(it: &Item) -> Option<Ids> {
    if it.field.as_deref() != Some(EVENT_ID) {
        return None;
    }
    let ItemKind::Values {
        groups,
        all: false,
        neq: false,
    } = &it.kind
    else {
        return None;
    };
    let mut ids = Ids::new();
    for t in groups.iter().flatten() {
        let ValueTest::Str(g) = t else {
            return None;
        };
        match g.toks.as_slice() {
            [Tok::Lit(n)] if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => {
                ids.insert(n.clone());
            }
            _ => return None,
        }
    }
    Some(ids)
}

/// Whether `it` is one of the `EventID` tests [`required_event_ids`] hoists.
pub(crate) fn is_hoisted_item(it: &Item) -> bool {
    item(it).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::{parse_detection, Placeholders};

    fn ids(yaml: &str) -> Option<Vec<String>> {
        let v: serde_yaml_ng::Value = serde_yaml_ng::from_str(yaml).unwrap();
        let d = parse_detection(&v, &Placeholders::new()).unwrap();
        required_event_ids(&d, &Variant::default())
    }

    #[test]
    fn ids_every_alternative_requires() {
        let plain = "sel: {EventID: 4728, X: a}\ncondition: sel";
        assert_eq!(ids(plain), Some(vec!["4728".into()]));
        let list = "sel: {EventID: [4728, 632]}\ncondition: sel";
        assert_eq!(ids(list), Some(vec!["4728".into(), "632".into()]));
        let and =
            "a: {EventID: [1, 2]}\nb: {EventID: [2, 3]}\nf: {X: y}\ncondition: a and b and not f";
        assert_eq!(ids(and), Some(vec!["2".into()]));
        let or = "a: {EventID: 1}\nb: {EventID: 7}\ncondition: 1 of them";
        assert_eq!(ids(or), Some(vec!["1".into(), "7".into()]));
        let alts = "sel:\n  - {EventID: 1, X: a}\n  - {EventID: 2}\ncondition: sel";
        assert_eq!(ids(alts), Some(vec!["1".into(), "2".into()]));
    }

    #[test]
    fn nothing_when_any_way_escapes() {
        for yaml in [
            "a: {EventID: 1}\nb: {X: y}\ncondition: a or b",
            "sel:\n  - {EventID: 1}\n  - {X: a}\ncondition: sel",
            "sel: {EventID: 1}\ncondition: not sel",
            "sel: {EventID|contains: 1}\ncondition: sel",
            "sel: {EventID: '4*'}\ncondition: sel",
            "sel: {EventID|neq: 1}\ncondition: sel",
            "sel: {Image: x}\ncondition: sel",
        ] {
            assert_eq!(ids(yaml), None, "{yaml}");
        }
    }
}
