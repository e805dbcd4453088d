//! Evaluating correlation rules over detection matches. Pure: the caller runs the
//! detection rules, hands each match of a correlated rule to [`Correlator::observe`] (in
//! any time order, e.g. file by file), then calls [`Correlator::finish`].
//!
//! Only what the correlated rules matched is buffered, compactly (time, caller's event
//! ref, interned group-by values, the condition field's value): memory follows the
//! matches, not the events. Everything is sorted at `finish`, so arrival order does not
//! change the result.
//!
//! The semantics, and the decisions taken where the specification is silent, are
//! documented on [`Correlator`].

use crate::correlation::{Correlation, CorrelationCondition, CorrelationType};
use crate::leaf;
use crate::logsource::Variant;
use crate::reference::View;
use crate::resolve::RuleRef;
use crate::rule::Meta;
use crate::window::{self, Entry, Measure, Src, Val};
use crate::{RuleKey, RuleSet};
use firebreak_event::{Event, Timestamp};
use std::collections::HashMap;

/// What to do with a match lacking a `group-by` field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MissingGroupBy {
    /// Leave the match out (default).
    #[default]
    Skip,
    /// Group it under a missing value (`GroupValue::value` is `None`).
    Group,
}

/// How a [`Correlator`] works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CorrelatorOptions {
    pub missing_group_by: MissingGroupBy,
    /// Most event refs a hit lists (`event_total` counts them all).
    pub max_refs: usize,
    /// Most matches buffered over all correlations; past it matches are dropped and a
    /// [`CorrelationError::BufferFull`] says which correlation lost some.
    pub max_buffered: usize,
}

impl Default for CorrelatorOptions {
    fn default() -> Self {
        CorrelatorOptions {
            missing_group_by: MissingGroupBy::Skip,
            max_refs: 100,
            max_buffered: 20_000_000,
        }
    }
}

/// A `group-by` field and its value in a hit (`None`: the field was missing, only with
/// [`MissingGroupBy::Group`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct GroupValue {
    pub field: String,
    pub value: Option<String>,
}

/// One time a correlation's condition held.
#[derive(Debug, Clone)]
pub struct CorrelationHit<'a> {
    /// Index into [`RuleSet::correlations`].
    pub index: usize,
    pub correlation: &'a Correlation,
    /// The group's values, in `group-by` order.
    pub group: Vec<GroupValue>,
    /// Time of the earliest contributing event (through chains).
    pub first: Timestamp,
    /// Time of the match that made the condition true.
    pub last: Timestamp,
    /// What the condition was tested on: count, distinct count, number of rules
    /// matched, sum, average or percentile.
    pub value: f64,
    /// Refs (as given to `observe`) of the first contributing events, in time order;
    /// through chains, the inner hits' refs.
    pub events: Vec<i64>,
    /// How many events contributed.
    pub event_total: usize,
    /// Whether this hit reports on its own (false: it only feeds an outer correlation
    /// whose `generate` is false).
    pub reports: bool,
}

impl CorrelationHit<'_> {
    pub fn meta(&self) -> &Meta {
        &self.correlation.meta
    }
}

/// A problem while correlating; results are still given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CorrelationError {
    #[error("{0} is not a rule of this rule set; its match was ignored")]
    UnknownRule(String),
    #[error("correlation '{title}': more than {limit} matches buffered; later matches were dropped, so its hits may be incomplete")]
    BufferFull {
        correlation: usize,
        title: String,
        limit: usize,
    },
}

/// Interned group keys and condition texts, and the matches of one correlation.
#[derive(Debug, Default)]
struct Buffer {
    entries: Vec<Entry>,
    keys: HashMap<Vec<Option<String>>, u32>,
    texts: HashMap<Vec<String>, u32>,
    full: bool,
}

fn intern<K: std::hash::Hash + Eq>(map: &mut HashMap<K, u32>, k: K) -> u32 {
    let n = map.len() as u32;
    *map.entry(k).or_insert(n)
}

/// A field's value as read for a correlation.
type Getter<'g> = dyn Fn(&str) -> Option<String> + 'g;

/// The condition field's value before interning.
enum Raw {
    None,
    Text(Vec<String>),
    Num(f64),
}

/// Collects the matches of correlated rules; [`Correlator::finish`] evaluates them.
///
/// # Semantics
///
/// From the specification:
/// * `group-by` fields are linked by AND; `aliases` give, per rule, the field an alias
///   name stands for. Fields are read from the event as detection rules read them (the
///   rule's logsource field renames, then the event's own and normalised names).
/// * `event_count`: matches in the window; `value_count`: distinct values of the
///   condition `field` (several fields: distinct combinations); `value_sum`,
///   `value_avg`: sum and mean of a numeric field; `value_percentile`: the condition's
///   `percentile` of a numeric field; `value_median` (pySigma): the 50th percentile.
/// * `temporal`: how many of the listed rules matched in the window; without a
///   condition, all of them must (`gte` the number of rules, as pySigma does).
///   `temporal_ordered`: how many of the listed rules matched in the listed order, from
///   the first; without a condition, all of them.
/// * Chains: the hits of a correlation are the input events of the correlations that
///   list it; each such event has the hit's group-by values as its fields and the hit's
///   last time as its time (the moment the inner condition came true).
/// * `generate` (default false): a rule listed by a correlation whose `generate` is
///   false does not report on its own ([`crate::RuleSet::reports_alone`]); hits of such
///   an inner correlation carry `reports: false` and still feed the outer one.
///
/// Where the specification is silent (decided here):
/// * Windows slide: a window ends at a match and holds the group's matches whose time is
///   at most `timespan` before it, both ends inclusive (two matches exactly `timespan`
///   apart are in one window; one microsecond more and they are not).
/// * When a window meets the condition it gives one hit, and the next window starts
///   after that hit's last match: each match counts in at most one hit of a
///   correlation, so a long burst gives one hit per window's worth, not one per event.
/// * A match lacking a `group-by` field is skipped by default (as a SIEM's
///   `stats ... by` drops events with a null group field): grouping all "unknown" users
///   together would invent correlations. [`MissingGroupBy::Group`] instead groups such
///   matches under a missing value (`None` in the hit). Values compare exactly (case
///   matters); an empty value is a value.
/// * A match whose condition field is missing (or not a number, for the numeric types)
///   is not counted. `value_percentile` without `percentile` uses 50; percentiles
///   interpolate linearly between closest ranks.
/// * `temporal_ordered`: matches at the same instant count as in order.
/// * One event matching two listed rules counts once for each.
/// * Aliases also apply to the condition's `field`. A chained correlation reads from an
///   inner hit only the inner `group-by` fields.
/// * At load: a reference naming several rules (by `id` or `name`) is an error, as is a
///   rule listed twice, an alias naming a rule the correlation does not list, or an
///   alias giving no field for one of the listed rules. `generate` is read inside the
///   `correlation` section (pySigma) or at the top level (JSON schema). A rule is kept
///   from reporting alone by any usable correlation with `generate: false` (pySigma);
///   a correlation that failed to load suppresses nothing.
#[derive(Debug)]
pub struct Correlator<'a> {
    set: &'a RuleSet,
    opts: CorrelatorOptions,
    buffers: Vec<Buffer>,
    buffered: usize,
    errors: Vec<CorrelationError>,
}

impl<'a> Correlator<'a> {
    pub(crate) fn new(set: &'a RuleSet, opts: CorrelatorOptions) -> Correlator<'a> {
        Correlator {
            set,
            opts,
            buffers: set.correlations.iter().map(|_| Buffer::default()).collect(),
            buffered: 0,
            errors: Vec::new(),
        }
    }

    /// Records that `rule` matched `event`; `event_ref` is the caller's handle for the
    /// event (it comes back in [`CorrelationHit::events`]). Rules no correlation reads
    /// are ignored cheaply.
    pub fn observe(&mut self, rule: impl RuleKey, event: &Event, event_ref: i64) {
        let set = self.set;
        let Some(i) = rule.rule_index(set) else {
            let e = CorrelationError::UnknownRule(rule.describe());
            if !self.errors.contains(&e) {
                self.errors.push(e);
            }
            return;
        };
        let feeds = &set.resolution.rule_feeds[i];
        if feeds.is_empty() {
            return;
        }
        let fallback = Variant::default();
        let variants = set.rules[i].variants();
        let variant = variants.iter().find(|v| v.applies(event));
        let view = View {
            event,
            variant: variant.unwrap_or(&fallback),
        };
        let get = |name: &str| {
            view.get(name)
                .map(str::to_string)
                .or_else(|| leaf::timestamp_alias(event, name))
        };
        for &(c, slot) in feeds {
            self.push(c, slot, event.timestamp, Src::Event(event_ref), &get);
        }
    }

    /// Evaluates every usable correlation (inner ones of a chain first). Hits are
    /// ordered by correlation, then time.
    pub fn finish(mut self) -> (Vec<CorrelationHit<'a>>, Vec<CorrelationError>) {
        let set = self.set;
        let mut done: Vec<Vec<CorrelationHit<'a>>> = vec![Vec::new(); set.correlations.len()];
        for &c in &set.resolution.order {
            let hits = self.evaluate(c, &done);
            self.feed_outer(c, &hits);
            done[c] = hits;
        }
        (done.into_iter().flatten().collect(), self.errors)
    }

    fn push(&mut self, c: usize, slot: usize, ts: Timestamp, src: Src, get: &Getter) {
        let set = self.set;
        let Some(plan) = &set.resolution.plans[c] else {
            return;
        };
        let Some(key) = group_key(&plan.group_fields[slot], get, self.opts.missing_group_by) else {
            return;
        };
        let Some(raw) = raw_value(set.correlations[c].kind, &plan.value_fields[slot], get) else {
            return;
        };
        if self.buffered >= self.opts.max_buffered {
            self.overflow(c);
            return;
        }
        let buf = &mut self.buffers[c];
        let val = match raw {
            Raw::None => Val::None,
            Raw::Num(x) => Val::Num(x),
            Raw::Text(t) => Val::Id(intern(&mut buf.texts, t)),
        };
        let key = intern(&mut buf.keys, key);
        let slot = slot as u32;
        buf.entries.push(Entry {
            ts,
            key,
            slot,
            val,
            src,
        });
        self.buffered += 1;
    }

    fn overflow(&mut self, c: usize) {
        let buf = &mut self.buffers[c];
        if !buf.full {
            buf.full = true;
            self.errors.push(CorrelationError::BufferFull {
                correlation: c,
                title: self.set.correlations[c].meta.title.clone(),
                limit: self.opts.max_buffered,
            });
        }
    }

    /// Hands correlation `c`'s hits to the correlations that list it.
    fn feed_outer(&mut self, c: usize, hits: &[CorrelationHit<'a>]) {
        let set = self.set;
        for &(outer, slot) in &set.resolution.corr_feeds[c] {
            for (i, h) in hits.iter().enumerate() {
                let get = |name: &str| {
                    h.group
                        .iter()
                        .find(|g| g.field == name)
                        .and_then(|g| g.value.clone())
                };
                self.push(outer, slot, h.last, Src::Hit(i as u32), &get);
            }
        }
    }

    fn evaluate(&mut self, c: usize, done: &[Vec<CorrelationHit<'a>>]) -> Vec<CorrelationHit<'a>> {
        let corr = &self.set.correlations[c];
        let buf = std::mem::take(&mut self.buffers[c]);
        let mut entries = buf.entries;
        entries.sort_unstable_by_key(Entry::order_key);
        let keys = invert(buf.keys);
        let slots = corr.rules.len();
        let all_rules = CorrelationCondition {
            gte: Some(slots as f64),
            ..CorrelationCondition::default()
        };
        let m = Measure {
            kind: corr.kind,
            condition: corr.condition.as_ref().unwrap_or(&all_rules),
            slots,
            span_micros: i64::try_from(corr.timespan)
                .unwrap_or(i64::MAX)
                .saturating_mul(1_000_000),
        };
        let mut hits = Vec::new();
        for run in entries.chunk_by(|a, b| a.key == b.key) {
            for (range, value) in window::hits(run, &m) {
                let key = &keys[run[0].key as usize];
                hits.push(self.hit(c, key, &run[range], value, done));
            }
        }
        hits.sort_by(|a, b| (a.last, a.first, &a.group).cmp(&(b.last, b.first, &b.group)));
        hits
    }

    fn hit(
        &self,
        c: usize,
        key: &[Option<String>],
        window: &[Entry],
        value: f64,
        done: &[Vec<CorrelationHit<'a>>],
    ) -> CorrelationHit<'a> {
        let set = self.set;
        let corr = &set.correlations[c];
        let inputs = set.resolution.plans[c]
            .as_ref()
            .map_or(&[][..], |p| &p.inputs[..]);
        let mut refs = Refs::new(self.opts.max_refs, window[0].ts);
        for e in window {
            match (e.src, inputs.get(e.slot as usize)) {
                (Src::Event(r), _) => refs.event(r),
                (Src::Hit(i), Some(RuleRef::Correlation(d))) => refs.hit(&done[*d][i as usize]),
                (Src::Hit(_), _) => {}
            }
        }
        CorrelationHit {
            index: c,
            correlation: corr,
            group: corr
                .group_by
                .iter()
                .zip(key)
                .map(|(f, v)| GroupValue {
                    field: f.clone(),
                    value: v.clone(),
                })
                .collect(),
            first: refs.first,
            last: window[window.len() - 1].ts,
            value,
            events: refs.events,
            event_total: refs.total,
            reports: set.resolution.corr_alone[c],
        }
    }
}

/// The contributing events of a hit, bounded.
struct Refs {
    max: usize,
    first: Timestamp,
    events: Vec<i64>,
    total: usize,
}

impl Refs {
    fn new(max: usize, first: Timestamp) -> Refs {
        Refs {
            max,
            first,
            events: Vec::new(),
            total: 0,
        }
    }
    fn event(&mut self, r: i64) {
        self.total += 1;
        if self.events.len() < self.max {
            self.events.push(r);
        }
    }
    fn hit(&mut self, inner: &CorrelationHit) {
        self.first = self.first.min(inner.first);
        self.total += inner.event_total;
        let room = self.max.saturating_sub(self.events.len());
        self.events.extend(inner.events.iter().take(room));
    }
}

fn invert(keys: HashMap<Vec<Option<String>>, u32>) -> Vec<Vec<Option<String>>> {
    let mut out = vec![Vec::new(); keys.len()];
    for (k, i) in keys {
        out[i as usize] = k;
    }
    out
}

/// The group-by values, or `None` when the match is left out.
fn group_key(
    fields: &[String],
    get: &Getter,
    missing: MissingGroupBy,
) -> Option<Vec<Option<String>>> {
    fields
        .iter()
        .map(|f| match get(f) {
            Some(v) => Some(Some(v)),
            None if missing == MissingGroupBy::Group => Some(None),
            None => None,
        })
        .collect()
}

/// The condition field's value, or `None` when the match does not count.
fn raw_value(kind: CorrelationType, fields: &[String], get: &Getter) -> Option<Raw> {
    match kind {
        CorrelationType::ValueCount => fields
            .iter()
            .map(|f| get(f))
            .collect::<Option<Vec<_>>>()
            .map(Raw::Text),
        CorrelationType::ValueSum
        | CorrelationType::ValueAvg
        | CorrelationType::ValuePercentile
        | CorrelationType::ValueMedian => fields
            .first()
            .and_then(|f| get(f))
            .and_then(|v| leaf::number(&v))
            .map(Raw::Num),
        _ => Some(Raw::None),
    }
}
