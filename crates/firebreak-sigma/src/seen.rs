//! What an automaton found in a field value, remembered per matching thread. Field
//! values repeat (the same images, users, hashes, parents, service command lines), and
//! looking a value up costs a fraction of folding and scanning it again. Bounded: when
//! full it is forgotten at once and fills again.

use crate::fxhash::{FastMap, Fx};
use std::hash::Hasher;

/// Most bytes of values remembered per thread.
const MAX_BYTES: usize = 16 << 20;
/// Longer values are scanned every time.
const MAX_VALUE: usize = 4 << 10;

/// An automaton: its engine's id and its number there.
pub(crate) type ScannerKey = (u64, u32);

#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// By hash of scanner and value; the entries sharing it.
    map: FastMap<u64, Vec<Entry>>,
    bytes: usize,
    /// What was found in the value just scanned, when it is not remembered.
    last: Vec<u32>,
}

#[derive(Debug)]
struct Entry {
    scanner: ScannerKey,
    value: Box<str>,
    found: Box<[u32]>,
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
        let hash = hash(scanner, value);
        let known = self.map.get(&hash).and_then(|list| {
            list.iter()
                .position(|e| e.scanner == scanner && &*e.value == value)
        });
        if let Some(i) = known {
            return &self.map[&hash][i].found;
        }
        self.last.clear();
        scan(value, &mut self.last);
        self.last.sort_unstable();
        self.last.dedup();
        if value.len() > MAX_VALUE {
            return &self.last;
        }
        if self.bytes + value.len() > MAX_BYTES {
            self.map.clear();
            self.bytes = 0;
        }
        self.bytes += value.len() + 64;
        let list = self.map.entry(hash).or_default();
        list.push(Entry {
            scanner,
            value: value.into(),
            found: self.last.as_slice().into(),
        });
        &list[list.len() - 1].found
    }
}

fn hash(scanner: ScannerKey, value: &str) -> u64 {
    let mut h = Fx::default();
    h.write_u64(scanner.0);
    h.write_u32(scanner.1);
    h.write(value.as_bytes());
    h.finish()
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
        assert!(seen.bytes <= MAX_BYTES);
        seen.found((1, 1), &values[0], scan);
        assert_eq!(
            scans.get(),
            values.len() + 1,
            "the first value was forgotten"
        );
    }
}
