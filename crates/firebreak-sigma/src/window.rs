//! Sliding time windows over one group's buffered matches, and what each correlation type
//! measures in a window.

use crate::correlation::{CorrelationCondition, CorrelationType};
use firebreak_event::Timestamp;
use std::collections::{BTreeMap, HashMap};

/// One buffered match: compact, no event kept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Entry {
    pub ts: Timestamp,
    /// Interned group-by values.
    pub key: u32,
    /// Position of the matching rule in the correlation's `rules`.
    pub slot: u32,
    pub val: Val,
    pub src: Src,
}

/// The condition field's value, as the correlation type needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Val {
    None,
    /// Interned text (value_count).
    Id(u32),
    Num(f64),
}

/// Where a match came from: an event (its caller-given ref) or a hit of an inner
/// correlation (its index among that correlation's hits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Src {
    Event(i64),
    Hit(u32),
}

impl Entry {
    /// Sort order: group, time, then rule position (so equal times count as in order),
    /// then source (for a deterministic result whatever the arrival order).
    pub fn order_key(&self) -> (u32, Timestamp, u32, Src) {
        (self.key, self.ts, self.slot, self.src)
    }
}

/// What a window is measured with.
pub(crate) struct Measure<'a> {
    pub kind: CorrelationType,
    pub condition: &'a CorrelationCondition,
    pub slots: usize,
    pub span_micros: i64,
}

/// The windows of one group (entries sorted by time) where the condition holds, with
/// the measured value. A window ends at a match and holds the matches at most the
/// timespan before it (inclusive); after a hit, windows start after its last match.
pub(crate) fn hits(run: &[Entry], m: &Measure) -> Vec<(std::ops::Range<usize>, f64)> {
    let mut agg = Agg::new(m.slots);
    let mut start = 0;
    let mut out = Vec::new();
    for k in 0..run.len() {
        agg.add(&run[k]);
        while run[k].ts.micros() - run[start].ts.micros() > m.span_micros {
            agg.remove(&run[start]);
            start += 1;
        }
        let Some(v) = agg.value(m, &run[start..=k]) else {
            continue;
        };
        if m.condition.holds(v) {
            out.push((start..k + 1, v));
            agg = Agg::new(m.slots);
            start = k + 1;
        }
    }
    out
}

/// Running aggregates of the window's matches.
struct Agg {
    count: usize,
    per_slot: Vec<usize>,
    slots_seen: usize,
    distinct: HashMap<u32, usize>,
    sum: f64,
    nums: BTreeMap<u64, usize>,
}

impl Agg {
    fn new(slots: usize) -> Agg {
        Agg {
            count: 0,
            per_slot: vec![0; slots],
            slots_seen: 0,
            distinct: HashMap::new(),
            sum: 0.0,
            nums: BTreeMap::new(),
        }
    }

    fn add(&mut self, e: &Entry) {
        self.count += 1;
        let s = &mut self.per_slot[e.slot as usize];
        *s += 1;
        if *s == 1 {
            self.slots_seen += 1;
        }
        match e.val {
            Val::Id(v) => *self.distinct.entry(v).or_default() += 1,
            Val::Num(x) => {
                self.sum += x;
                *self.nums.entry(sortable(x)).or_default() += 1;
            }
            Val::None => {}
        }
    }

    fn remove(&mut self, e: &Entry) {
        self.count -= 1;
        let s = &mut self.per_slot[e.slot as usize];
        *s -= 1;
        if *s == 0 {
            self.slots_seen -= 1;
        }
        match e.val {
            Val::Id(v) => self.distinct.decrement(v),
            Val::Num(x) => {
                self.sum = if self.count == 0 { 0.0 } else { self.sum - x };
                self.nums.decrement(sortable(x));
            }
            Val::None => {}
        }
    }

    fn value(&self, m: &Measure, window: &[Entry]) -> Option<f64> {
        let n = self.count as f64;
        Some(match m.kind {
            CorrelationType::EventCount => n,
            CorrelationType::ValueCount => self.distinct.len() as f64,
            CorrelationType::Temporal => self.slots_seen as f64,
            CorrelationType::TemporalOrdered => in_order(window) as f64,
            CorrelationType::ValueSum => self.sum,
            CorrelationType::ValueAvg => self.sum / n,
            CorrelationType::ValuePercentile => percentile(
                &self.nums,
                self.count,
                m.condition.percentile.unwrap_or(50.0),
            )?,
            CorrelationType::ValueMedian => percentile(&self.nums, self.count, 50.0)?,
        })
    }
}

/// Both maps used as multisets.
trait MultiSet<K> {
    fn decrement(&mut self, k: K);
}

impl<K: std::hash::Hash + Eq> MultiSet<K> for HashMap<K, usize> {
    fn decrement(&mut self, k: K) {
        if let Some(c) = self.get_mut(&k) {
            *c -= 1;
            if *c == 0 {
                self.remove(&k);
            }
        }
    }
}

impl<K: Ord> MultiSet<K> for BTreeMap<K, usize> {
    fn decrement(&mut self, k: K) {
        if let Some(c) = self.get_mut(&k) {
            *c -= 1;
            if *c == 0 {
                self.remove(&k);
            }
        }
    }
}

/// How many of the correlation's rules, from the first, matched in order: the longest
/// prefix of `rules` that is a subsequence of the window (greedy earliest is optimal).
fn in_order(window: &[Entry]) -> usize {
    window
        .iter()
        .fold(0, |need, e| need + usize::from(e.slot as usize == need))
}

/// An f64 as a u64 with the same order.
fn sortable(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 1 {
        !b
    } else {
        b | (1 << 63)
    }
}

fn unsortable(b: u64) -> f64 {
    f64::from_bits(if b >> 63 == 1 { b & !(1 << 63) } else { !b })
}

/// The `p`-th percentile (0..=100) by linear interpolation between closest ranks.
fn percentile(nums: &BTreeMap<u64, usize>, n: usize, p: f64) -> Option<f64> {
    if n == 0 {
        return None;
    }
    let rank = p.clamp(0.0, 100.0) / 100.0 * (n - 1) as f64;
    let lo = rank.floor() as usize;
    let hi = rank.ceil() as usize;
    let (a, b) = (nth(nums, lo)?, nth(nums, hi)?);
    Some(a + (b - a) * (rank - lo as f64))
}

/// The `i`-th smallest value (0-based) of a multiset.
fn nth(nums: &BTreeMap<u64, usize>, i: usize) -> Option<f64> {
    let mut seen = 0;
    for (&k, &c) in nums {
        seen += c;
        if i < seen {
            return Some(unsortable(k));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sortable_keeps_order() {
        let xs = [-5.5, -1.0, -0.0, 0.0, 0.5, 3.0, 1e9];
        for w in xs.windows(2) {
            assert!(sortable(w[0]) <= sortable(w[1]), "{w:?}");
        }
        for x in xs {
            assert_eq!(unsortable(sortable(x)), x);
        }
    }

    #[test]
    fn percentiles_interpolate() {
        let mut m = BTreeMap::new();
        for x in [1.0, 2.0, 3.0, 4.0] {
            m.insert(sortable(x), 1);
        }
        assert_eq!(percentile(&m, 4, 50.0), Some(2.5));
        assert_eq!(percentile(&m, 4, 0.0), Some(1.0));
        assert_eq!(percentile(&m, 4, 100.0), Some(4.0));
        assert_eq!(percentile(&BTreeMap::new(), 0, 50.0), None);
    }
}
