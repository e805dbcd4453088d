//! What an automaton found in a field value, remembered per matching thread. Field
//! values repeat (the same images, users, hashes, parents, service command lines), and
//! looking a value up costs a fraction of folding and scanning it again. Bounded: when
//! full it is forgotten at once and fills again. Values are attacker-controlled: they
//! hash with a per-process seed, and a value whose hash is shared by many others is
//! scanned rather than remembered.

use crate::fastmap::FastMap;
use std::hash::BuildHasher;

/// Most bytes of values remembered per thread.
const MAX_BYTES: usize = 16 << 20;
/// Longer values are scanned every time.
const MAX_VALUE: usize = 4 << 10;
/// Most entries remembered with one hash.
const MAX_CHAIN: usize = 8;

/// An automaton: its engine's id and its number there.
pub(crate) type ScannerKey = (u64, u32);

#[derive(Debug, Default)]
pub(crate) struct Seen {
    seed: foldhash::fast::RandomState,
    /// By hash of scanner and value: the last entry with that hash.
    map: FastMap<u64, u32>,
    /// Entries; each value's text in `text`, what was found in it in `found`. They
    /// keep their capacity when forgotten, so refilling allocates nothing.
    entries: Vec<Entry>,
    text: String,
    found: Vec<u32>,
    /// What was found in the value just scanned, when it is not remembered.
    last: Vec<u32>,
}

#[derive(Debug)]
struct Entry {
    scanner: ScannerKey,
    value: (u32, u32),
    found: (u32, u32),
    /// The entry before it with the same hash.
    next: Option<u32>,
}

impl Seen {
    /// What `scan` finds in `value` (sorted, unique), scanning only a value not seen
    /// before with this scanner. `scan` appends to the vector it is given.
    pub fn found(
        &mut self,
        scanner: ScannerKey,
        value: &str,
        scan: impl FnOnce(&str, &mut Vec<u32>),
    ) -> &[u32] {
        let hash = self.seed.hash_one((scanner, value));
        let mut at = self.map.get(&hash).copied();
        let mut chain = 0;
        while let Some(i) = at {
            let e = &self.entries[i as usize];
            if e.scanner == scanner && slice(&self.text, e.value) == value {
                return slice(&self.found, e.found);
            }
            at = e.next;
            chain += 1;
        }
        self.last.clear();
        scan(value, &mut self.last);
        self.last.sort_unstable();
        self.last.dedup();
        if value.len() > MAX_VALUE || chain >= MAX_CHAIN {
            return &self.last;
        }
        if self.text.len() + value.len() > MAX_BYTES {
            self.map.clear();
            self.entries.clear();
            self.text.clear();
            self.found.clear();
        }
        let (text, found) = (self.text.len(), self.found.len());
        self.text.push_str(value);
        self.found.extend_from_slice(&self.last);
        let entry = Entry {
            scanner,
            value: span(text, self.text.len()),
            found: span(found, self.found.len()),
            next: self.map.get(&hash).copied(),
        };
        self.map.insert(hash, self.entries.len() as u32);
        self.entries.push(entry);
        &self.last
    }
}

/// The `(start, end)` of what was appended to an arena that was `start` long.
fn span(start: usize, end: usize) -> (u32, u32) {
    (start as u32, end as u32)
}

fn slice<T: std::ops::Index<std::ops::Range<usize>> + ?Sized>(
    arena: &T,
    (a, b): (u32, u32),
) -> &T::Output {
    &arena[a as usize..b as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scans_a_value_once_per_scanner() {
        let mut seen = Seen::default();
        let scans = std::cell::Cell::new(0);
        let scan = |v: &str, out: &mut Vec<u32>| {
            scans.set(scans.get() + 1);
            out.extend([v.len() as u32, 1, 1]);
        };
        assert_eq!(seen.found((7, 1), "cmd.exe", scan), &[1, 7]);
        assert_eq!(seen.found((7, 1), "cmd.exe", scan), &[1, 7]);
        assert_eq!(seen.found((7, 2), "cmd.exe", scan), &[1, 7]);
        assert_eq!(seen.found((8, 1), "cmd.exe", scan), &[1, 7]);
        assert_eq!(seen.found((7, 1), "cmd.ex", scan), &[1, 6]);
        assert_eq!(scans.get(), 4);
        let long = "x".repeat(MAX_VALUE + 1);
        seen.found((7, 1), &long, scan);
        seen.found((7, 1), &long, scan);
        assert_eq!(scans.get(), 6, "long values are not remembered");
    }

    #[test]
    fn forgets_everything_when_full() {
        let mut seen = Seen::default();
        let scans = std::cell::Cell::new(0);
        let scan = |_: &str, _: &mut Vec<u32>| scans.set(scans.get() + 1);
        let values: Vec<String> = (0..MAX_BYTES / 1000 + 10)
            .map(|i| format!("{i:0>1000}"))
            .collect();
        for v in &values {
            seen.found((1, 1), v, scan);
        }
        assert!(seen.text.len() <= MAX_BYTES);
        seen.found((1, 1), &values[0], scan);
        assert_eq!(
            scans.get(),
            values.len() + 1,
            "the first value was forgotten"
        );
    }
}
