//! The compiled engine: rules (one unit per rule × logsource alternative) indexed by
//! channel/event id or source kind, an Aho-Corasick prefilter over every unit's required
//! literals, field names interned to slots, and value tests specialised by shape.
//! Per event: fold every value once into one buffer, scan it once, then evaluate only
//! the units whose logsource applies and whose needles were seen.

use crate::condition::Cond;
use crate::detection::{Detection, Item, ItemKind};
use crate::leaf;
use crate::logsource::{self, Variant};
use crate::modifier::{Cidr, Cmp, How, TimePart, ValueTest};
use crate::pattern::{fold, fold_into, Glob, Tok};
use crate::prefilter::{self, Needles};
use aho_corasick::AhoCorasick;
use firebreak_event::{Event, SourceKind};
use std::borrow::Cow;
use std::collections::HashMap;

/// An interned field name.
type FieldId = u32;

/// How a unit reads one rule field: the candidate event fields in order.
#[derive(Debug, Clone)]
struct FieldRef {
    ids: Vec<FieldId>,
    names: Vec<String>,
    /// The rule's own name (for the timestamp alias).
    rule_name: String,
}

#[derive(Debug, Clone)]
enum Str {
    Exact(String),
    Prefix(String),
    Suffix(String),
    Contains(String),
    Any,
    Glob(Vec<Tok>),
}

#[derive(Debug, Clone)]
enum Test {
    /// On the folded value.
    Folded(Str),
    /// On the original value (`cased`).
    Cased(Str),
    Re(regex::Regex),
    Cidr(Cidr),
    Num(Cmp, f64),
    FieldRef(FieldRef, How, bool),
    Time(TimePart, Cmp, i64),
    Null,
}

#[derive(Debug, Clone)]
enum Kind {
    Exists(bool),
    Values {
        groups: Vec<Vec<Test>>,
        all: bool,
        neq: bool,
    },
}

#[derive(Debug, Clone)]
struct CItem {
    field: Option<FieldRef>,
    kind: Kind,
}

#[derive(Debug, Clone)]
struct CDetection {
    sels: Vec<Vec<Vec<CItem>>>,
    cond: Cond,
}

#[derive(Debug, Clone)]
struct Unit {
    rule: u32,
    variant: Variant,
    det: CDetection,
    filters: Vec<CDetection>,
    /// Pattern ids; None: no prefilter (always evaluated).
    needles: Option<Vec<u32>>,
}

#[derive(Debug, Default)]
struct ChannelIndex {
    by_id: HashMap<String, Vec<u32>>,
    any_id: Vec<u32>,
}

/// What the engine is built from: one entry per rule × variant.
pub(crate) struct UnitSpec<'a> {
    pub rule: u32,
    pub variant: &'a Variant,
    pub detection: &'a Detection,
    pub filters: Vec<&'a Detection>,
}

#[derive(Debug, Default)]
pub(crate) struct Engine {
    fields: HashMap<String, FieldId>,
    units: Vec<Unit>,
    by_channel: HashMap<String, ChannelIndex>,
    by_source: HashMap<SourceKind, Vec<u32>>,
    ac: Option<AhoCorasick>,
    patterns: usize,
    /// Per pattern id: the units that have it among their needles.
    pattern_units: Vec<Vec<u32>>,
}

/// Reusable per-event buffers.
#[derive(Debug, Default)]
pub struct Scratch {
    generation: u32,
    slots: Vec<(u32, u32)>,
    folded: String,
    /// Per event field: its folded text in `folded`, if it was folded.
    spans: Vec<Option<(u32, u32)>>,
    message_span: (u32, u32),
    hits: Vec<u64>,
    touched: Vec<usize>,
    /// Per unit: the generation in which one of its needles was seen.
    marks: Vec<u32>,
    channel: String,
    candidates: Vec<u32>,
    matched: Vec<u32>,
}

impl Engine {
    pub fn build(specs: &[UnitSpec]) -> Engine {
        let mut e = Engine::default();
        let mut needle_texts: Vec<String> = Vec::new();
        let mut needle_ids: HashMap<String, u32> = HashMap::new();
        for spec in specs {
            let det = e.compile(spec.detection, spec.variant);
            let filters = spec
                .filters
                .iter()
                .map(|d| e.compile(d, spec.variant))
                .collect();
            let needles = prefilter::needles(spec.detection, spec.variant).map(|n: Needles| {
                n.into_iter()
                    .map(|t| {
                        let next = needle_texts.len() as u32;
                        *needle_ids.entry(t.clone()).or_insert_with(|| {
                            needle_texts.push(t);
                            next
                        })
                    })
                    .collect()
            });
            let idx = e.units.len() as u32;
            e.index(idx, spec.variant);
            e.units.push(Unit {
                rule: spec.rule,
                variant: spec.variant.clone(),
                det,
                filters,
                needles,
            });
        }
        e.patterns = needle_texts.len();
        e.pattern_units = vec![Vec::new(); e.patterns];
        for (u, unit) in e.units.iter().enumerate() {
            for &p in unit.needles.iter().flatten() {
                e.pattern_units[p as usize].push(u as u32);
            }
        }
        e.ac = AhoCorasick::builder()
            .kind(Some(aho_corasick::AhoCorasickKind::DFA))
            .build(&needle_texts)
            .or_else(|_| AhoCorasick::new(&needle_texts))
            .ok();
        e
    }

    /// Units with channels go under each (lower-cased) channel, by event id or for any
    /// id; the others under each source kind they allow. An event has one source, one
    /// channel and one id, so it meets each unit at most once.
    fn index(&mut self, unit: u32, v: &Variant) {
        if v.channels.is_empty() {
            let kinds: Vec<SourceKind> = if v.sources.is_empty() {
                SourceKind::ALL.to_vec()
            } else {
                v.sources.clone()
            };
            for k in kinds {
                self.by_source.entry(k).or_default().push(unit);
            }
            return;
        }
        for ch in &v.channels {
            let ci = self.by_channel.entry(ch.to_ascii_lowercase()).or_default();
            if v.event_ids.is_empty() {
                ci.any_id.push(unit);
            }
            for id in &v.event_ids {
                ci.by_id.entry(id.clone()).or_default().push(unit);
            }
        }
    }

    fn intern(&mut self, name: &str) -> FieldId {
        let next = self.fields.len() as FieldId;
        *self.fields.entry(name.to_string()).or_insert(next)
    }

    fn field_ref(&mut self, name: &str, v: &Variant) -> FieldRef {
        let names: Vec<String> = match v.renamed(name) {
            Some(n) => n.to_vec(),
            None => vec![name.to_string()],
        };
        FieldRef {
            ids: names.iter().map(|n| self.intern(n)).collect(),
            names,
            rule_name: name.to_string(),
        }
    }

    fn compile(&mut self, d: &Detection, v: &Variant) -> CDetection {
        let sels = d
            .selections
            .iter()
            .map(|s| {
                s.any_of
                    .iter()
                    .map(|items| items.iter().map(|it| self.item(it, v)).collect())
                    .collect()
            })
            .collect();
        CDetection {
            sels,
            cond: d.condition.clone(),
        }
    }

    fn item(&mut self, it: &Item, v: &Variant) -> CItem {
        let field = it.field.as_deref().map(|f| self.field_ref(f, v));
        let kind = match &it.kind {
            ItemKind::Exists(b) => Kind::Exists(*b),
            ItemKind::Values { groups, all, neq } => Kind::Values {
                groups: groups
                    .iter()
                    .map(|g| g.iter().map(|t| self.test(t, v)).collect())
                    .collect(),
                all: *all,
                neq: *neq,
            },
        };
        CItem { field, kind }
    }

    fn test(&mut self, t: &ValueTest, v: &Variant) -> Test {
        match t {
            ValueTest::Str(g) if g.cased => Test::Cased(shape(g)),
            ValueTest::Str(g) => Test::Folded(shape(g)),
            ValueTest::Re(r) => Test::Re(r.clone()),
            ValueTest::Cidr(c) => Test::Cidr(*c),
            ValueTest::Num(c, n) => Test::Num(*c, *n),
            ValueTest::FieldRef { other, how, cased } => {
                Test::FieldRef(self.field_ref(other, v), *how, *cased)
            }
            ValueTest::Time { part, cmp, value } => Test::Time(*part, *cmp, *value),
            ValueTest::Null => Test::Null,
        }
    }

    /// Calls `found` with the index of every rule matching `event` (ascending, once each).
    pub fn matches(&self, s: &mut Scratch, event: &Event, found: &mut dyn FnMut(u32)) {
        self.candidates(s, event);
        if s.candidates.is_empty() {
            return;
        }
        // The buckets are disjoint (see `index`): no unit is a candidate twice.
        let cands = std::mem::take(&mut s.candidates);
        let mut matched = std::mem::take(&mut s.matched);
        matched.clear();
        {
            let ev = Prepared::new(self, s, event);
            for &u in &cands {
                let unit = &self.units[u as usize];
                if ev.passes(u, unit) {
                    matched.push(unit.rule);
                }
            }
        }
        matched.sort_unstable();
        matched.dedup();
        for &r in &matched {
            found(r);
        }
        s.candidates = cands;
        s.matched = matched;
    }

    fn candidates(&self, s: &mut Scratch, event: &Event) {
        s.candidates.clear();
        if let Some(list) = self.by_source.get(&event.source) {
            s.candidates.extend_from_slice(list);
        }
        let Some(ch) = logsource::event_channel(event) else {
            return;
        };
        s.channel.clear();
        s.channel.extend(ch.chars().map(|c| c.to_ascii_lowercase()));
        let Some(ci) = self.by_channel.get(s.channel.as_str()) else {
            return;
        };
        s.candidates.extend_from_slice(&ci.any_id);
        if let Some(list) = logsource::event_id(event).and_then(|id| ci.by_id.get(id)) {
            s.candidates.extend_from_slice(list);
        }
    }
}

/// Classifies a pattern by shape for fast matching.
fn shape(g: &Glob) -> Str {
    match g.toks.as_slice() {
        [] => Str::Exact(String::new()),
        [Tok::Lit(l)] => Str::Exact(l.clone()),
        [Tok::Star] => Str::Any,
        [Tok::Lit(l), Tok::Star] => Str::Prefix(l.clone()),
        [Tok::Star, Tok::Lit(l)] => Str::Suffix(l.clone()),
        [Tok::Star, Tok::Lit(l), Tok::Star] => Str::Contains(l.clone()),
        toks => Str::Glob(toks.to_vec()),
    }
}

fn str_holds(p: &Str, v: &str) -> bool {
    match p {
        Str::Exact(l) => v == l,
        Str::Prefix(l) => v.starts_with(l.as_str()),
        Str::Suffix(l) => v.ends_with(l.as_str()),
        Str::Contains(l) => v.contains(l.as_str()),
        Str::Any => true,
        Str::Glob(t) => glob_iterative(t, v),
    }
}

/// Wildcard matching with a single backtrack point (the last `*`).
fn glob_iterative(toks: &[Tok], v: &str) -> bool {
    let (mut ti, mut pos) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    loop {
        let step = match toks.get(ti) {
            Some(Tok::Star) => {
                star = Some((ti, pos));
                ti += 1;
                continue;
            }
            Some(Tok::Lit(l)) if v[pos..].starts_with(l.as_str()) => Some(pos + l.len()),
            Some(Tok::One) => v[pos..].chars().next().map(|c| pos + c.len_utf8()),
            Some(Tok::Lit(_)) => None,
            None if pos == v.len() => return true,
            None => None,
        };
        match (step, star) {
            (Some(p), _) => {
                pos = p;
                ti += 1;
            }
            (None, Some((st, sp))) => match v[sp..].chars().next() {
                Some(c) => {
                    let np = sp + c.len_utf8();
                    star = Some((st, np));
                    pos = np;
                    ti = st + 1;
                }
                None => return false,
            },
            (None, None) => return false,
        }
    }
}

/// Runs the prefilter automaton over the folded values, setting the needle hit bits.
fn scan(engine: &Engine, s: &mut Scratch) {
    s.hits.resize(engine.patterns.div_ceil(64), 0);
    s.marks.resize(engine.units.len(), 0);
    for w in s.touched.drain(..) {
        s.hits[w] = 0;
    }
    let Some(ac) = &engine.ac else {
        return;
    };
    for m in ac.find_overlapping_iter(s.folded.as_str()) {
        let id = m.pattern().as_usize();
        let (w, bit) = (id / 64, 1u64 << (id % 64));
        if s.hits[w] & bit != 0 {
            continue;
        }
        if s.hits[w] == 0 {
            s.touched.push(w);
        }
        s.hits[w] |= bit;
        for &u in &engine.pattern_units[id] {
            s.marks[u as usize] = s.generation;
        }
    }
}

/// A field value as found: an event field by index, or another value.
enum Val<'e> {
    Field(usize),
    Other(Cow<'e, str>),
}

/// One event prepared for evaluation.
struct Prepared<'a, 'e> {
    s: &'a Scratch,
    event: &'e Event,
    originals: Vec<&'e str>,
}

impl<'a, 'e> Prepared<'a, 'e> {
    fn new(engine: &'a Engine, s: &'a mut Scratch, event: &'e Event) -> Prepared<'a, 'e> {
        s.generation = s.generation.wrapping_add(1);
        if s.generation == 0 {
            s.slots.iter_mut().for_each(|x| *x = (0, 0));
            s.marks.iter_mut().for_each(|m| *m = 0);
            s.generation = 1;
        }
        s.slots.resize(engine.fields.len(), (0, 0));
        s.folded.clear();
        s.spans.clear();
        let mut originals = Vec::with_capacity(event.fields.len());
        for (i, (name, value)) in event.fields.iter().enumerate() {
            if let Some(&id) = engine.fields.get(name) {
                s.slots[id as usize] = (s.generation, i as u32);
            }
            let start = s.folded.len() as u32;
            fold_into(value, &mut s.folded);
            s.spans.push(Some((start, s.folded.len() as u32)));
            s.folded.push('\n');
            originals.push(value);
        }
        let start = s.folded.len() as u32;
        fold_into(&event.message, &mut s.folded);
        s.message_span = (start, s.folded.len() as u32);
        scan(engine, s);
        Prepared {
            s,
            event,
            originals,
        }
    }

    fn passes(&self, idx: u32, u: &Unit) -> bool {
        if u.needles.is_some() && self.s.marks[idx as usize] != self.s.generation {
            return false;
        }
        u.variant.applies(self.event)
            && self.detection(&u.det)
            && !u.filters.iter().any(|f| self.detection(f))
    }

    fn detection(&self, d: &CDetection) -> bool {
        self.cond(&d.cond, d)
    }

    fn cond(&self, c: &Cond, d: &CDetection) -> bool {
        match c {
            Cond::Sel(i) => d.sels[*i]
                .iter()
                .any(|items| items.iter().all(|it| self.item(it))),
            Cond::Not(x) => !self.cond(x, d),
            Cond::And(v) => v.iter().all(|x| self.cond(x, d)),
            Cond::Or(v) => v.iter().any(|x| self.cond(x, d)),
        }
    }

    fn lookup(&self, f: &FieldRef) -> Option<Val<'e>> {
        for (id, name) in f.ids.iter().zip(&f.names) {
            let (g, idx) = self.s.slots[*id as usize];
            if g == self.s.generation {
                return Some(Val::Field(idx as usize));
            }
            if let Some(v) = self.event.normalised(name) {
                return Some(Val::Other(Cow::Borrowed(v)));
            }
        }
        leaf::timestamp_alias(self.event, &f.rule_name).map(|t| Val::Other(Cow::Owned(t)))
    }

    fn original<'v>(&'v self, v: &'v Val<'e>) -> &'v str {
        match v {
            Val::Field(i) => self.originals[*i],
            Val::Other(s) => s,
        }
    }

    fn folded<'v>(&'v self, v: &'v Val<'e>) -> Cow<'v, str> {
        match v {
            Val::Field(i) => match self.s.spans[*i] {
                Some((a, b)) => Cow::Borrowed(&self.s.folded[a as usize..b as usize]),
                None => Cow::Owned(fold(self.originals[*i])),
            },
            Val::Other(s) => Cow::Owned(fold(s)),
        }
    }

    fn item(&self, it: &CItem) -> bool {
        let (groups, all, neq) = match &it.kind {
            Kind::Exists(want) => {
                return it.field.as_ref().is_some_and(|f| {
                    f.ids.iter().zip(&f.names).any(|(id, n)| {
                        self.s.slots[*id as usize].0 == self.s.generation
                            || self.event.normalised(n).is_some()
                    }) == *want
                })
            }
            Kind::Values { groups, all, neq } => (groups, *all, *neq),
        };
        let Some(f) = &it.field else {
            return combine(groups, all, |t| self.keyword(t));
        };
        let value = self.lookup(f);
        if neq {
            return value.is_some()
                && !groups
                    .iter()
                    .flatten()
                    .any(|t| self.test(t, value.as_ref()));
        }
        combine(groups, all, |t| self.test(t, value.as_ref()))
    }

    fn keyword(&self, t: &Test) -> bool {
        match t {
            Test::Null | Test::FieldRef(..) => false,
            Test::Folded(p) => {
                let (a, b) = self.s.message_span;
                str_holds(p, &self.s.folded[a as usize..b as usize])
                    || (0..self.originals.len()).any(|i| str_holds(p, &self.folded(&Val::Field(i))))
            }
            _ => std::iter::once(self.event.message.as_str())
                .chain(self.originals.iter().copied())
                .any(|v| self.test(t, Some(&Val::Other(Cow::Borrowed(v))))),
        }
    }

    fn test(&self, t: &Test, value: Option<&Val<'e>>) -> bool {
        if let Test::Null = t {
            return value.is_none_or(|v| self.original(v).is_empty());
        }
        let Some(v) = value else {
            return false;
        };
        match t {
            Test::Folded(p) => str_holds(p, &self.folded(v)),
            Test::Cased(p) => str_holds(p, self.original(v)),
            Test::Re(r) => r.is_match(self.original(v)),
            Test::Cidr(c) => leaf::cidr_holds(self.original(v), c),
            Test::Num(c, n) => leaf::num_holds(self.original(v), *c, *n),
            Test::Time(p, c, n) => leaf::time_holds(self.original(v), *p, *c, *n),
            Test::FieldRef(f, how, cased) => self.lookup(f).is_some_and(|o| {
                leaf::fieldref_holds(self.original(v), self.original(&o), *how, *cased)
            }),
            Test::Null => false,
        }
    }
}

fn combine(groups: &[Vec<Test>], all: bool, f: impl Fn(&Test) -> bool) -> bool {
    if all {
        groups.iter().all(|g| g.iter().any(&f))
    } else {
        groups.iter().any(|g| g.iter().any(&f))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iterative_glob_agrees_with_reference() {
        let cases = [
            ("*a*b?c*", "xxaYYbZcQ"),
            ("*a*b?c*", "xxaYYbc"),
            ("a*a*a", "aaa"),
            ("a*a*a", "aa"),
            ("?", "é"),
            ("*\\x*.exe", "c:\\x\\y.exe"),
            ("**", ""),
        ];
        for (p, v) in cases {
            let g = Glob::new(Glob::parse(p), false);
            assert_eq!(
                glob_iterative(&g.toks, v),
                crate::pattern::glob_match_simple(&g.toks, v),
                "{p} {v}"
            );
        }
    }
}
