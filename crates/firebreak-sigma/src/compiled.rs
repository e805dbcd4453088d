//! The compiled engine: rules (one unit per rule × logsource alternative) indexed by
//! channel/event id or source kind, an Aho-Corasick prefilter over every unit's required
//! literals, field names interned to slots, and value tests specialised by shape.
//! Per event: scan the values of the fields with needles (each value once per
//! automaton and thread, see `seen`), then fold what the candidate units read and
//! evaluate only the units whose logsource applies and whose needles were seen.

use crate::condition::Cond;
use crate::detection::{Detection, Item, ItemKind};
use crate::fastmap::FastMap;
use crate::hoist;
use crate::leaf;
use crate::logsource::{self, Variant};
use crate::modifier::{Cidr, Cmp, How, TimePart, ValueTest};
use crate::pattern::{fold, fold_into, Glob, Tok};
use crate::prefilter::{self, Needles};
use crate::seen::Seen;
use aho_corasick::AhoCorasick;
use firebreak_event::{Event, SourceKind};
use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::OnceLock;

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
    /// `field|contains` of many values (any of them): one search, on the folded value
    /// or (`cased`) the original; the item's other values (`rest`) one by one.
    AnyContains {
        any: AnyOf,
        cased: bool,
        rest: Vec<Test>,
    },
}

/// Literals searched for at once, by an automaton built when first needed: rule
/// loading is part of every hunt, and most rules never see an event they could match.
#[derive(Debug, Clone)]
struct AnyOf {
    lits: Vec<String>,
    ac: OnceLock<Option<AhoCorasick>>,
}

impl AnyOf {
    fn is_match(&self, value: &str) -> bool {
        // Values are short and tested only for candidate rules: an NFA without a
        // prefilter searches them as fast as a DFA and builds in a fraction of the time.
        let ac = self.ac.get_or_init(|| {
            AhoCorasick::builder()
                .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
                .prefilter(false)
                .build(&self.lits)
                .ok()
        });
        match ac {
            Some(ac) => ac.is_match(value),
            None => self.lits.iter().any(|l| value.contains(l.as_str())),
        }
    }
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
    /// Whether `variant.applies` says more than being in one of the event's buckets
    /// (see `index`).
    check: bool,
    det: CDetection,
    filters: Vec<CDetection>,
    /// Needle ids; None: no prefilter (always evaluated).
    needles: Option<Vec<u32>>,
    /// Indexed under the event ids its detection requires (see `hoist`).
    hoisted: bool,
    /// The fields it reads (sorted, unique), and whether it reads the message by name.
    reads: Vec<FieldId>,
    reads_message: bool,
}

/// Units indexed together, with what the prefilter must fold and scan for them.
#[derive(Debug, Default)]
struct Bucket {
    /// Numbers the buckets (for `Engine::homes`).
    id: u32,
    units: Vec<u32>,
    /// The units without needles (always evaluated).
    always: Vec<u32>,
    /// The fields `main`'s needles are to be found in (sorted, unique): the only
    /// values it scans.
    scan_fields: Vec<FieldId>,
    /// Some unit has keyword items: fold every value and the message, and scan them for
    /// the needles of keyword units.
    everything: bool,
    /// The needles of this bucket's other units.
    main: LazyScanner,
    /// The needles of this bucket's keyword units.
    keywords: LazyScanner,
}

/// A [`Scanner`] of some needle texts, built for the first event that needs it: the
/// buckets of channels and event ids the evidence does not have are never built.
#[derive(Debug, Default)]
struct LazyScanner {
    texts: Vec<u32>,
    /// Give it a quick search for any text (keyword needles: rarely seen).
    quick: bool,
    built: OnceLock<Option<Scanner>>,
}

impl LazyScanner {
    fn get(&self, texts: &[String]) -> Option<&Scanner> {
        if self.texts.is_empty() {
            return None;
        }
        self.built
            .get_or_init(|| automaton(texts, &self.texts, self.quick))
            .as_ref()
    }
}

#[derive(Debug, Default)]
struct ChannelIndex {
    by_id: FastMap<String, Bucket>,
    any_id: Bucket,
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
    fields: FastMap<String, FieldId>,
    units: Vec<Unit>,
    /// Per unit: the ids of the buckets it is in.
    homes: Vec<Vec<u32>>,
    by_channel: FastMap<String, ChannelIndex>,
    by_source: FastMap<SourceKind, Bucket>,
    needles: NeedleTable,
    /// Per needle: the units that have it.
    needle_units: Vec<Vec<u32>>,
    /// Per needle text: the needles with that text.
    text_needles: Vec<Vec<u32>>,
    /// The field id that stands for the message, if a rule reads it by name.
    message: Option<FieldId>,
    /// Tells this engine's automata from another's in a thread's `Seen`.
    id: u64,
}

/// No field (a value no rule reads).
const NO_FIELD: FieldId = FieldId::MAX;

/// Needles numbered by text and field: the automata search for texts; a needle is
/// seen when its text is found in its field's value (or anywhere: `field` None).
#[derive(Debug, Default)]
struct NeedleTable {
    texts: Vec<String>,
    text_ids: HashMap<String, u32>,
    ids: HashMap<(u32, Option<FieldId>), u32>,
    /// Per needle: its text and field.
    needles: Vec<(u32, Option<FieldId>)>,
}

impl NeedleTable {
    fn id(&mut self, text: &str, field: Option<FieldId>) -> u32 {
        let next = self.texts.len() as u32;
        let t = *self.text_ids.entry(text.to_string()).or_insert(next);
        if t == next {
            self.texts.push(text.to_string());
        }
        let next = self.needles.len() as u32;
        *self.ids.entry((t, field)).or_insert_with(|| {
            self.needles.push((t, field));
            next
        })
    }

    fn field(&self, needle: u32) -> Option<FieldId> {
        self.needles[needle as usize].1
    }

    fn text(&self, needle: u32) -> u32 {
        self.needles[needle as usize].0
    }
}

/// Whether a unit of `v` met in one of an event's buckets may still not apply to it:
/// buckets stand for the channel (case-insensitively) and event id, or for the source.
fn residual(v: &Variant) -> bool {
    !v.providers.is_empty()
        || !v.field_equals.is_empty()
        || if v.channels.is_empty() {
            !v.event_ids.is_empty()
        } else {
            !v.sources.is_empty()
        }
}

/// For a unit of `v` indexed by channel: the event ids its detection requires, within
/// those of the variant (see [`hoist`]); None when that says no more than the variant.
fn event_ids(d: &Detection, v: &Variant) -> Option<Vec<String>> {
    if v.channels.is_empty() {
        return None;
    }
    let mut ids = hoist::required_event_ids(d, v)?;
    if !v.event_ids.is_empty() {
        ids.retain(|id| v.event_ids.contains(id));
    }
    (!ids.is_empty()).then_some(ids)
}

/// An automaton over some needle texts: its pattern index → the text's id.
#[derive(Debug)]
struct Scanner {
    ac: AhoCorasick,
    ids: Vec<u32>,
    /// A vectorised search for any of the texts, when asked for and they are few.
    packed: Option<aho_corasick::packed::Searcher>,
}

fn automaton(texts: &[String], ids: &[u32], quick: bool) -> Option<Scanner> {
    if ids.is_empty() {
        return None;
    }
    let texts: Vec<&str> = ids.iter().map(|&i| texts[i as usize].as_str()).collect();
    // A contiguous NFA: on the EVTX corpus it scans as fast as DFAs of the same
    // needles (the scanned values are short), builds in less time and takes less
    // memory (2,407 rules: loading 0.26 -> 0.22 s, peak RSS -20 MiB).
    let ac = AhoCorasick::builder()
        .kind(Some(aho_corasick::AhoCorasickKind::ContiguousNFA))
        .build(&texts)
        .or_else(|_| AhoCorasick::new(&texts))
        .ok()?;
    let packed = quick
        .then(|| {
            aho_corasick::packed::Config::new()
                .builder()
                .extend(&texts)
                .build()
        })
        .flatten();
    Some(Scanner {
        ac,
        ids: ids.to_vec(),
        packed,
    })
}

/// Reusable per-event buffers.
#[derive(Debug, Default)]
pub struct Scratch {
    /// The id of the engine it was last used with.
    engine: u64,
    generation: u32,
    /// Per field id: the generation in which the event has it, and its index there.
    slots: Vec<(u32, u32)>,
    /// Folded values (UTF-8), each followed by a newline.
    folded: Vec<u8>,
    /// Per event field: its folded text in `folded`, if it was folded.
    spans: Vec<Option<(u32, u32)>>,
    message_span: Option<(u32, u32)>,
    /// Per folded value, in order: where it ends (after its separator) and its field.
    at: Vec<(u32, FieldId)>,
    /// Per event field: its field id, or NO_FIELD.
    ids: Vec<FieldId>,
    /// Per unit: the generation in which one of its needles was seen.
    marks: Vec<u32>,
    /// The units marked in this generation.
    marked: Vec<u32>,
    /// The units to evaluate.
    candidates: Vec<u32>,
    /// Units to evaluate with their logsource checked in full (see `strays`).
    strays: Vec<u32>,
    /// What the automata found in values seen before.
    seen: Seen,
    /// Per bucket: the field names of the last event met there, and their ids.
    templates: FastMap<u32, Template>,
    /// A value folded for scanning.
    value: Vec<u8>,
    channel: String,
    matched: Vec<u32>,
}

impl Engine {
    pub fn build(specs: &[UnitSpec]) -> Engine {
        let mut e = Engine::default();
        for spec in specs {
            let det = e.compile(spec.detection, spec.variant);
            let filters = spec
                .filters
                .iter()
                .map(|d| e.compile(d, spec.variant))
                .collect();
            let ids = event_ids(spec.detection, spec.variant);
            let needles = prefilter::needles(spec.detection, spec.variant, ids.is_some());
            let needles = needles.map(|n| e.needle_ids(n));
            let idx = e.units.len() as u32;
            e.index(
                idx,
                spec.variant,
                ids.as_deref().unwrap_or(&spec.variant.event_ids),
            );
            e.units.push(Unit {
                rule: spec.rule,
                variant: spec.variant.clone(),
                check: residual(spec.variant),
                det,
                filters,
                needles,
                hoisted: ids.is_some(),
                reads: Vec::new(),
                reads_message: false,
            });
        }
        let reads: Vec<Reads> = e.units.iter().map(Reads::of).collect();
        for (unit, r) in e.units.iter_mut().zip(&reads) {
            unit.reads = r.fields.clone();
            unit.reads.sort_unstable();
            unit.reads.dedup();
            unit.reads_message = r.message;
        }
        e.id = std::hash::BuildHasher::hash_one(&std::collections::hash_map::RandomState::new(), 0);
        e.needle_units = vec![Vec::new(); e.needles.needles.len()];
        for (u, unit) in e.units.iter().enumerate() {
            for &n in unit.needles.iter().flatten() {
                e.needle_units[n as usize].push(u as u32);
            }
        }
        e.text_needles = vec![Vec::new(); e.needles.texts.len()];
        for (n, &(t, _)) in e.needles.needles.iter().enumerate() {
            e.text_needles[t as usize].push(n as u32);
        }
        e.message = e.fields.get("message").copied();
        // Per bucket, two automata: the needles of units without keyword items, found
        // in the values of the fields they read; those of keyword units, which may be in
        // any value (run over all the text, after a quick search).
        let (units, table) = (&e.units, &e.needles);
        let mut homes = vec![Vec::new(); units.len()];
        let mut next = 0u32;
        let mut fill = |b: &mut Bucket| {
            b.id = next;
            next += 1;
            let (mut main, mut keyword) = (Vec::new(), Vec::new());
            for &u in &b.units {
                homes[u as usize].push(b.id);
                if units[u as usize].needles.is_none() {
                    b.always.push(u);
                }
                let r = &reads[u as usize];
                b.everything |= r.keywords;
                let needles = units[u as usize].needles.iter().flatten().copied();
                // Needles with a field are found in that field's value; those of keyword
                // units (and any without a field) in all the text.
                if r.keywords || needles.clone().any(|n| table.field(n).is_none()) {
                    keyword.extend(needles.map(|n| table.text(n)));
                } else {
                    b.scan_fields
                        .extend(needles.clone().filter_map(|n| table.field(n)));
                    main.extend(needles.map(|n| table.text(n)));
                }
            }
            for list in [&mut b.scan_fields, &mut main, &mut keyword] {
                list.sort_unstable();
                list.dedup();
            }
            b.main.texts = main;
            b.keywords.texts = keyword;
            b.keywords.quick = true;
        };
        e.by_source.values_mut().for_each(&mut fill);
        for ci in e.by_channel.values_mut() {
            fill(&mut ci.any_id);
            ci.by_id.values_mut().for_each(&mut fill);
        }
        e.homes = homes;
        e
    }

    /// Units with channels go under each (lower-cased) channel, by event id (`ids`: the
    /// variant's, or those its detection requires) or for any id; the others under each
    /// source kind they allow. An event has one source, one channel and one id, so it
    /// meets each unit at most once.
    fn index(&mut self, unit: u32, v: &Variant, ids: &[String]) {
        if v.channels.is_empty() {
            let kinds: Vec<SourceKind> = if v.sources.is_empty() {
                SourceKind::ALL.to_vec()
            } else {
                v.sources.clone()
            };
            for k in kinds {
                self.by_source.entry(k).or_default().units.push(unit);
            }
            return;
        }
        for ch in &v.channels {
            let ci = self.by_channel.entry(ch.to_ascii_lowercase()).or_default();
            if ids.is_empty() {
                ci.any_id.units.push(unit);
            }
            for id in ids {
                ci.by_id.entry(id.clone()).or_default().units.push(unit);
            }
        }
    }

    /// Numbers a unit's needles: one per text and field it may be found in.
    fn needle_ids(&mut self, needles: Needles) -> Vec<u32> {
        let mut ids = Vec::new();
        for n in needles {
            if n.fields.is_empty() {
                ids.push(self.needles.id(&n.text, None));
            }
            for f in &n.fields {
                let field = self.intern(f);
                ids.push(self.needles.id(&n.text, Some(field)));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        ids
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
            ItemKind::Values { groups, all, neq } => {
                let groups: Vec<Vec<Test>> = groups
                    .iter()
                    .map(|g| g.iter().map(|t| self.test(t, v)).collect())
                    .collect();
                match any_contains(&groups, *all || *neq || field.is_none()) {
                    Some(kind) => kind,
                    None => Kind::Values {
                        groups,
                        all: *all,
                        neq: *neq,
                    },
                }
            }
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
        let (buckets, channel) = self.buckets(s, event);
        let stray = channel.and_then(|ci| stray_bucket(ci, event));
        if buckets
            .iter()
            .flatten()
            .copied()
            .chain(stray)
            .all(|b| b.units.is_empty())
        {
            return;
        }
        let everything = self.prepare(s, event, &buckets);
        self.candidates(s, &buckets);
        self.strays(s, stray);
        // (When a unit has keyword items every value is folded already.)
        if !everything {
            if stray.is_some_and(|b| b.everything) {
                fold_all(s, event, self.message.unwrap_or(NO_FIELD));
            } else {
                self.fold_reads(s, event);
            }
        }
        let mut matched = std::mem::take(&mut s.matched);
        matched.clear();
        {
            // Folded by `fold_into`: valid UTF-8, checked once here.
            let folded = std::str::from_utf8(&s.folded).unwrap_or_default();
            let ev = Prepared { s, event, folded };
            for &u in &ev.s.candidates {
                let unit = &self.units[u as usize];
                if ev.passes(unit) {
                    matched.push(unit.rule);
                }
            }
            for &u in &ev.s.strays {
                let unit = &self.units[u as usize];
                if unit.variant.applies(event) && ev.passes(unit) {
                    matched.push(unit.rule);
                }
            }
        }
        matched.sort_unstable();
        matched.dedup();
        for &r in &matched {
            found(r);
        }
        s.matched = matched;
    }

    /// Starts a new generation of `s` for `event`: its fields' ids, the units whose
    /// needles are seen (marked). When a unit of the `buckets` has keyword items, every
    /// value and the message are folded; returns whether they were.
    fn prepare(&self, s: &mut Scratch, event: &Event, buckets: &[Option<&Bucket>; 3]) -> bool {
        s.next_generation(self);
        s.folded.clear();
        s.spans.clear();
        s.at.clear();
        s.ids.clear();
        s.marked.clear();
        s.message_span = None;
        self.field_ids(s, event, buckets);
        for (i, &id) in s.ids.iter().enumerate() {
            s.spans.push(None);
            if id != NO_FIELD {
                s.slots[id as usize] = (s.generation, i as u32);
            }
        }
        let texts = &self.needles.texts;
        for b in buckets.iter().flatten() {
            if let Some(sc) = b.main.get(texts) {
                self.scan_values(s, event, b, sc);
            }
        }
        let everything = buckets.iter().flatten().any(|b| b.everything);
        if everything {
            self.scan_everything(s, event, buckets);
        }
        everything
    }

    /// The ids of the event's field names, in `s.ids`: as the last event's of the most
    /// specific bucket when the names are the same, else looked up.
    fn field_ids(&self, s: &mut Scratch, event: &Event, buckets: &[Option<&Bucket>; 3]) {
        let key = buckets
            .iter()
            .rev()
            .flatten()
            .next()
            .map_or(u32::MAX, |b| b.id);
        if let Some(t) = s.templates.get(&key).filter(|t| t.fits(event)) {
            s.ids.extend_from_slice(&t.ids);
            return;
        }
        for (name, _) in event.fields.iter() {
            s.ids
                .push(self.fields.get(name).copied().unwrap_or(NO_FIELD));
        }
        s.templates.entry(key).or_default().remember(event, &s.ids);
    }

    /// Marks the units of the needles `sc` (bucket `b`'s) finds in the values of their
    /// own fields.
    fn scan_values(&self, s: &mut Scratch, event: &Event, b: &Bucket, sc: &Scanner) {
        for &id in &b.scan_fields {
            let (g, i) = s.slots[id as usize];
            if g == s.generation {
                let value = event.fields.value(i as usize).unwrap_or_default();
                self.scan_value(s, b, sc, id, value);
            }
            if Some(id) == self.message {
                self.scan_value(s, b, sc, id, &event.message);
            }
        }
    }

    fn scan_value(&self, s: &mut Scratch, b: &Bucket, sc: &Scanner, id: FieldId, value: &str) {
        let folded = &mut s.value;
        let found = s.seen.found((self.id, b.id), value, |v, out| {
            folded.clear();
            fold_into(v, folded);
            let texts = sc.ac.find_overlapping_iter(folded.as_slice());
            out.extend(texts.map(|m| sc.ids[m.pattern().as_usize()]));
        });
        for &t in found {
            for &n in &self.text_needles[t as usize] {
                if self.needles.field(n) == Some(id) {
                    mark(
                        &self.needle_units[n as usize],
                        s.generation,
                        &mut s.marks,
                        &mut s.marked,
                    );
                }
            }
        }
    }

    /// Folds every value and the message, and scans them for the needles of keyword
    /// units (after a quick search: they are rarely there).
    fn scan_everything(&self, s: &mut Scratch, event: &Event, buckets: &[Option<&Bucket>; 3]) {
        fold_all(s, event, self.message.unwrap_or(NO_FIELD));
        let texts = &self.needles.texts;
        for sc in buckets
            .iter()
            .flatten()
            .filter_map(|b| b.keywords.get(texts))
        {
            let text = s.folded.as_slice();
            let seen = match &sc.packed {
                Some(p) => p.find(text).is_some(),
                None => sc.ac.is_match(text),
            };
            if seen {
                scan_with(self, s, sc);
            }
        }
    }

    /// The units to evaluate: those without needles, then those whose needles were seen
    /// if they are in one of the buckets (which are disjoint, see `index`: no unit is a
    /// candidate twice).
    fn candidates(&self, s: &mut Scratch, buckets: &[Option<&Bucket>; 3]) {
        let ids = buckets.map(|b| b.map_or(u32::MAX, |b| b.id));
        let homes = &self.homes;
        s.candidates.clear();
        s.candidates
            .extend(buckets.iter().flatten().flat_map(|b| &b.always));
        s.candidates.extend(
            s.marked
                .iter()
                .filter(|&&u| homes[u as usize].iter().any(|h| ids.contains(h))),
        );
    }

    /// The units indexed under the ids their detection requires, of the bucket of the
    /// `EventID` field's value when that is not the event's id (`stray_bucket`): not
    /// prefiltered, their logsource checked in full.
    fn strays(&self, s: &mut Scratch, stray: Option<&Bucket>) {
        s.strays.clear();
        let units = stray.map_or(&[][..], |b| &b.units);
        s.strays
            .extend(units.iter().filter(|&&u| self.units[u as usize].hoisted));
    }

    /// Folds (once) the values and the message the candidate units read.
    fn fold_reads(&self, s: &mut Scratch, event: &Event) {
        for k in 0..s.candidates.len() + s.strays.len() {
            let u = match s.candidates.get(k) {
                Some(&u) => u,
                None => s.strays[k - s.candidates.len()],
            };
            let unit = &self.units[u as usize];
            for &id in &unit.reads {
                let (g, i) = s.slots[id as usize];
                if g == s.generation && s.spans[i as usize].is_none() {
                    let value = event.fields.value(i as usize).unwrap_or_default();
                    s.spans[i as usize] = Some(fold_value(value, id, s));
                }
            }
            if unit.reads_message && s.message_span.is_none() {
                let message = self.message.unwrap_or(NO_FIELD);
                s.message_span = Some(fold_value(&event.message, message, s));
            }
        }
    }

    /// The buckets of units that may apply to `event`: by source, by channel for any
    /// id, by channel and id; and the channel's index.
    fn buckets(
        &self,
        s: &mut Scratch,
        event: &Event,
    ) -> ([Option<&Bucket>; 3], Option<&ChannelIndex>) {
        let mut out = [self.by_source.get(&event.source), None, None];
        let Some(ch) = logsource::event_channel(event) else {
            return (out, None);
        };
        s.channel.clear();
        s.channel.extend(ch.chars().map(|c| c.to_ascii_lowercase()));
        let Some(ci) = self.by_channel.get(s.channel.as_str()) else {
            return (out, None);
        };
        out[1] = Some(&ci.any_id);
        out[2] = logsource::event_id(event).and_then(|id| ci.by_id.get(id));
        (out, Some(ci))
    }
}

/// When the event's `EventID` field (what a detection tests) is not its event id (what
/// buckets are chosen by: a CSV export may have both), the bucket of the field's value:
/// its hoisted units may match the event too.
fn stray_bucket<'e>(ci: &'e ChannelIndex, event: &Event) -> Option<&'e Bucket> {
    let field = event.fields.get(hoist::EVENT_ID)?;
    if logsource::event_id(event) == Some(field) {
        return None;
    }
    ci.by_id.get(field)
}

/// Folds every value and the message (field `message`), after what was folded.
fn fold_all(s: &mut Scratch, event: &Event, message: FieldId) {
    for (i, (_, value)) in event.fields.iter().enumerate() {
        if s.spans[i].is_none() {
            s.spans[i] = Some(fold_value(value, s.ids[i], s));
        }
    }
    if s.message_span.is_none() {
        s.message_span = Some(fold_value(&event.message, message, s));
    }
}

/// What a unit reads: the field ids of all its items and tests (detection and
/// filters), whether it names the message, whether it has keyword items.
#[derive(Debug, Default)]
struct Reads {
    fields: Vec<FieldId>,
    message: bool,
    keywords: bool,
}

impl Reads {
    fn of(u: &Unit) -> Reads {
        let mut r = Reads::default();
        for d in std::iter::once(&u.det).chain(&u.filters) {
            for it in d.sels.iter().flatten().flatten() {
                match &it.field {
                    Some(f) => r.field(f),
                    None => r.keywords |= matches!(it.kind, Kind::Values { .. }),
                }
                let tests: Vec<&Test> = match &it.kind {
                    Kind::Values { groups, .. } => groups.iter().flatten().collect(),
                    Kind::AnyContains { rest, .. } => rest.iter().collect(),
                    Kind::Exists(_) => Vec::new(),
                };
                for t in tests {
                    if let Test::FieldRef(f, ..) = t {
                        r.field(f);
                    }
                }
            }
        }
        r
    }

    fn field(&mut self, f: &FieldRef) {
        self.fields.extend_from_slice(&f.ids);
        self.message |= f.names.iter().any(|n| n == "message");
    }
}

/// Fewest `contains` values searched at once rather than one by one.
const ANY_CONTAINS: usize = 4;

/// For an item that holds when its value matches any of its values (not `all`, `neq`
/// or a keyword item: `excluded`) of which several are `contains` literals of one case
/// sensitivity (that of the most).
fn any_contains(groups: &[Vec<Test>], excluded: bool) -> Option<Kind> {
    if excluded {
        return None;
    }
    let tests = groups.iter().flatten();
    let literal = |t: &Test, cased: bool| match t {
        Test::Folded(Str::Contains(l)) if !cased => Some(l.clone()),
        Test::Cased(Str::Contains(l)) if cased => Some(l.clone()),
        _ => None,
    };
    let count = |cased| {
        tests
            .clone()
            .filter(|t| literal(t, cased).is_some())
            .count()
    };
    let cased = count(true) > count(false);
    let lits: Vec<String> = tests.clone().filter_map(|t| literal(t, cased)).collect();
    if lits.len() < ANY_CONTAINS {
        return None;
    }
    let rest = tests
        .filter(|t| literal(t, cased).is_none())
        .cloned()
        .collect();
    let any = AnyOf {
        lits,
        ac: OnceLock::new(),
    };
    Some(Kind::AnyContains { any, cased, rest })
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

/// Marks `units` as candidates of this generation (each once).
fn mark(units: &[u32], generation: u32, marks: &mut [u32], marked: &mut Vec<u32>) {
    for &u in units {
        if marks[u as usize] != generation {
            marks[u as usize] = generation;
            marked.push(u);
        }
    }
}

/// Marks the units of the needles `sc` finds in all the folded text, when found in
/// their field (or anywhere, for keyword needles).
fn scan_with(engine: &Engine, s: &mut Scratch, sc: &Scanner) {
    for m in sc.ac.find_overlapping_iter(s.folded.as_slice()) {
        let text = sc.ids[m.pattern().as_usize()] as usize;
        let field = field_at(&s.at, m.start());
        for &n in &engine.text_needles[text] {
            if engine.needles.field(n).is_none_or(|f| f == field) {
                let units = &engine.needle_units[n as usize];
                mark(units, s.generation, &mut s.marks, &mut s.marked);
            }
        }
    }
}

/// The field of the folded value at `pos`.
fn field_at(at: &[(u32, FieldId)], pos: usize) -> FieldId {
    let i = at.partition_point(|&(end, _)| end as usize <= pos);
    at.get(i).map_or(NO_FIELD, |&(_, f)| f)
}

/// Appends the folded `value` of field `id` and a separator to `s.folded`; its span
/// there.
fn fold_value(value: &str, id: FieldId, s: &mut Scratch) -> (u32, u32) {
    let start = s.folded.len() as u32;
    fold_into(value, &mut s.folded);
    let end = s.folded.len() as u32;
    s.folded.push(b'\n');
    s.at.push((end + 1, id));
    (start, end)
}

/// The field names of an event and their ids: events of one channel and id mostly
/// share their names (one template), which are then compared rather than looked up.
#[derive(Debug, Default)]
struct Template {
    names: Vec<String>,
    ids: Vec<FieldId>,
}

impl Template {
    fn fits(&self, event: &Event) -> bool {
        self.names.len() == event.fields.len()
            && self
                .names
                .iter()
                .zip(event.fields.iter())
                .all(|(a, (b, _))| a == b)
    }

    fn remember(&mut self, event: &Event, ids: &[FieldId]) {
        let n = event.fields.len();
        self.names.truncate(n);
        self.names.resize_with(n, String::new);
        for (mine, (name, _)) in self.names.iter_mut().zip(event.fields.iter()) {
            mine.clear();
            mine.push_str(name);
        }
        self.ids.clear();
        self.ids.extend_from_slice(ids);
    }
}

impl Scratch {
    /// Starts a new generation (the marks of older ones no longer count), with room
    /// for `engine`'s fields and units.
    fn next_generation(&mut self, engine: &Engine) {
        self.generation = self.generation.wrapping_add(1);
        if self.generation == 0 {
            self.slots.iter_mut().for_each(|x| *x = (0, 0));
            self.marks.iter_mut().for_each(|m| *m = 0);
            self.generation = 1;
        }
        self.slots.resize(engine.fields.len(), (0, 0));
        self.marks.resize(engine.units.len(), 0);
        if self.engine != engine.id {
            // Another engine's bucket and field numbers.
            self.templates.clear();
            self.engine = engine.id;
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
    /// `s.folded` as text.
    folded: &'a str,
    event: &'e Event,
}

impl<'a, 'e> Prepared<'a, 'e> {
    /// For a unit of one of the event's buckets.
    fn passes(&self, u: &Unit) -> bool {
        (!u.check || u.variant.applies(self.event))
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
            Val::Field(i) => self.event.fields.value(*i).unwrap_or_default(),
            Val::Other(s) => s,
        }
    }

    fn folded<'v>(&'v self, v: &'v Val<'e>) -> Cow<'v, str> {
        match v {
            Val::Field(i) => match self.s.spans[*i] {
                Some((a, b)) => Cow::Borrowed(&self.folded[a as usize..b as usize]),
                None => Cow::Owned(fold(self.original(v))),
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
            Kind::AnyContains { any, cased, rest } => {
                let value = it.field.as_ref().and_then(|f| self.lookup(f));
                let found = value.as_ref().is_some_and(|v| {
                    if *cased {
                        any.is_match(self.original(v))
                    } else {
                        any.is_match(self.folded(v).as_ref())
                    }
                });
                return found || rest.iter().any(|t| self.test(t, value.as_ref()));
            }
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
                let (a, b) = self.s.message_span.unwrap_or_default();
                str_holds(p, &self.folded[a as usize..b as usize])
                    || (0..self.event.fields.len())
                        .any(|i| str_holds(p, &self.folded(&Val::Field(i))))
            }
            _ => std::iter::once(self.event.message.as_str())
                .chain(self.event.fields.iter().map(|(_, v)| v))
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
