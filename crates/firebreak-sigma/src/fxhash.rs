//! A fast hash for the short names and values looked up per event: field names in
//! tables fixed when the rules are built, and values remembered per thread (not
//! attacker-chosen keys of a table an attacker can grow without bound: see `seen`).

use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};

#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct FxBuild;

#[derive(Debug, Default)]
pub(crate) struct Fx(u64);

pub(crate) type FastMap<K, V> = HashMap<K, V, FxBuild>;

impl BuildHasher for FxBuild {
    type Hasher = Fx;
    fn build_hasher(&self) -> Fx {
        Fx(0)
    }
}

impl Fx {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// The last `rest.len()` (< 8) bytes as a word, read without a copy through memory
/// (which stalls the load that follows).
fn tail(rest: &[u8]) -> u64 {
    let n = rest.len();
    let word = |b: &[u8]| b.iter().rev().fold(0u64, |w, &x| (w << 8) | u64::from(x));
    match n {
        0 => 0,
        1..=3 => word(rest),
        _ => {
            let lo = u64::from(u32::from_le_bytes([rest[0], rest[1], rest[2], rest[3]]));
            let hi = &rest[n - 4..];
            let hi = u64::from(u32::from_le_bytes([hi[0], hi[1], hi[2], hi[3]]));
            lo | (hi << 32)
        }
    }
}

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(tail(rest) ^ ((rest.len() as u64) << 59));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tails_differ_when_bytes_differ() {
        let h = |b: &[u8]| {
            let mut f = Fx::default();
            f.write(b);
            f.finish()
        };
        let words: Vec<&[u8]> = vec![
            b"",
            b"a",
            b"b",
            b"ab",
            b"ba",
            b"abc",
            b"abd",
            b"abcd",
            b"abce",
            b"abcdefg",
            b"abcdefh",
            b"bbcdefg",
            b"abcdefgh1",
        ];
        for (i, a) in words.iter().enumerate() {
            for b in &words[i + 1..] {
                assert_ne!(h(a), h(b), "{a:?} {b:?}");
            }
        }
    }
}
