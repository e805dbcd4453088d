//! The reference evaluator: a plain, unoptimised reading of the detection tree, one
//! rule at a time. The compiled engine must agree with it on every event.

use crate::condition::Cond;
use crate::detection::{Detection, Item, ItemKind};
use crate::leaf;
use crate::logsource::Variant;
use crate::modifier::ValueTest;
use crate::pattern::{fold, glob_match_simple};
use firebreak_event::Event;

/// An event seen through a logsource variant's field renames.
pub(crate) struct View<'a> {
    pub event: &'a Event,
    pub variant: &'a Variant,
}

impl<'a> View<'a> {
    pub fn get(&self, field: &str) -> Option<&'a str> {
        match self.variant.renamed(field) {
            Some(names) => names.iter().find_map(|n| self.event.get(n)),
            None => self.event.get(field),
        }
    }
}

pub(crate) fn matches(d: &Detection, view: &View) -> bool {
    cond(&d.condition, d, view)
}

fn cond(c: &Cond, d: &Detection, view: &View) -> bool {
    match c {
        Cond::Sel(i) => d.selections[*i]
            .any_of
            .iter()
            .any(|items| items.iter().all(|it| item(it, view))),
        Cond::Not(x) => !cond(x, d, view),
        Cond::And(v) => v.iter().all(|x| cond(x, d, view)),
        Cond::Or(v) => v.iter().any(|x| cond(x, d, view)),
    }
}

fn item(it: &Item, view: &View) -> bool {
    let (groups, all, neq) = match &it.kind {
        ItemKind::Exists(want) => {
            return it
                .field
                .as_deref()
                .is_some_and(|f| view.get(f).is_some() == *want)
        }
        ItemKind::Values { groups, all, neq } => (groups, *all, *neq),
    };
    let Some(field) = it.field.as_deref() else {
        return combine(groups, all, |t| keyword(t, view));
    };
    let owned = match view.get(field) {
        Some(_) => None,
        None => leaf::timestamp_alias(view.event, field),
    };
    let value = view.get(field).or(owned.as_deref());
    if neq {
        return value.is_some() && !groups.iter().flatten().any(|t| test(t, value, view));
    }
    combine(groups, all, |t| test(t, value, view))
}

fn combine(groups: &[Vec<ValueTest>], all: bool, f: impl Fn(&ValueTest) -> bool) -> bool {
    if all {
        groups.iter().all(|g| g.iter().any(&f))
    } else {
        groups.iter().any(|g| g.iter().any(&f))
    }
}

/// Keyword search: the message or any field value.
fn keyword(t: &ValueTest, view: &View) -> bool {
    if matches!(t, ValueTest::Null | ValueTest::FieldRef { .. }) {
        return false;
    }
    std::iter::once(view.event.message.as_str())
        .chain(view.event.fields.iter().map(|(_, v)| v))
        .any(|v| test(t, Some(v), view))
}

fn test(t: &ValueTest, value: Option<&str>, view: &View) -> bool {
    if let ValueTest::Null = t {
        return value.is_none_or(str::is_empty);
    }
    let Some(v) = value else {
        return false;
    };
    match t {
        ValueTest::Str(g) if g.cased => glob_match_simple(&g.toks, v),
        ValueTest::Str(g) => glob_match_simple(&g.toks, &fold(v)),
        ValueTest::Re(r) => r.is_match(v),
        ValueTest::Cidr(c) => leaf::cidr_holds(v, c),
        ValueTest::Num(cmp, n) => leaf::num_holds(v, *cmp, *n),
        ValueTest::FieldRef { other, how, cased } => view
            .get(other)
            .is_some_and(|o| leaf::fieldref_holds(v, o, *how, *cased)),
        ValueTest::Time { part, cmp, value } => leaf::time_holds(v, *part, *cmp, *value),
        ValueTest::Null => false,
    }
}
