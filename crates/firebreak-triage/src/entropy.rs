//! Byte statistics: Shannon entropy, χ² against a uniform distribution, and
//! per-block figures for telling encrypted content from compressed content.

use serde::Serialize;

/// Byte histogram. Four interleaved tables, so that runs of one byte value do not
/// make every increment wait for the previous one (store-to-load forwarding).
pub fn histogram(bytes: &[u8]) -> [u64; 256] {
    let mut t = [[0u32; 256]; 4];
    let mut h = [0u64; 256];
    // u32 counters: flush every 4 GiB / 4 at the latest.
    for part in bytes.chunks(1 << 30) {
        let mut quads = part.chunks_exact(4);
        for q in &mut quads {
            t[0][q[0] as usize] += 1;
            t[1][q[1] as usize] += 1;
            t[2][q[2] as usize] += 1;
            t[3][q[3] as usize] += 1;
        }
        for &b in quads.remainder() {
            t[0][b as usize] += 1;
        }
        for (i, slot) in h.iter_mut().enumerate() {
            *slot +=
                u64::from(t[0][i]) + u64::from(t[1][i]) + u64::from(t[2][i]) + u64::from(t[3][i]);
        }
        t = [[0u32; 256]; 4];
    }
    h
}

/// Shannon entropy in bits per byte (0 for empty input).
pub fn shannon(bytes: &[u8]) -> f64 {
    shannon_of(&histogram(bytes), bytes.len() as u64)
}

fn shannon_of(h: &[u64; 256], n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let n = n as f64;
    h.iter()
        .filter(|&&c| c > 0)
        .map(|&c| {
            let p = c as f64 / n;
            -p * p.log2()
        })
        .sum::<f64>()
        + 0.0
}

/// Pearson χ² of the byte distribution against uniform (255 degrees of freedom).
/// Cipher output and random data stay near 255 (≈ 200–320); compressed formats are
/// in the hundreds to thousands, text and code far above. 0 for empty input.
pub fn chi_square(bytes: &[u8]) -> f64 {
    chi_square_of(&histogram(bytes), bytes.len() as u64)
}

fn chi_square_of(h: &[u64; 256], n: u64) -> f64 {
    if n == 0 {
        return 0.0;
    }
    let e = n as f64 / 256.0;
    h.iter()
        .map(|&c| {
            let d = c as f64 - e;
            d * d / e
        })
        .sum()
}

/// Statistics over fixed-size blocks.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BlockStats {
    pub block_size: usize,
    pub blocks: usize,
    /// Blocks whose χ² and entropy look like cipher output.
    pub random_blocks: usize,
    /// Longest run of consecutive random-looking blocks.
    pub longest_random_run: usize,
    /// Whether the first block looks random (header-only encryption).
    pub first_block_random: bool,
}

/// Upper χ² bound for a 4 KiB block to count as random-looking. With 16 expected
/// counts per value the 99.9th percentile of χ²(255) is ≈ 330; compressed data
/// (deflate, JPEG, PDF streams) stays above it except for LZMA, which magic vetoes.
pub const BLOCK_CHI2_MAX: f64 = 340.0;

/// Per-block statistics over `bytes` in blocks of `block_size` (a short last block
/// is ignored unless it is the only one and at least 1 KiB).
pub fn block_stats(bytes: &[u8], block_size: usize) -> BlockStats {
    block_stats_and_histogram(bytes, block_size, 0).0
}

/// [`block_stats`] and, from the same pass, the histogram of `bytes[..prefix]`
/// (so a caller that needs both reads the bytes once).
pub fn block_stats_and_histogram(
    bytes: &[u8],
    block_size: usize,
    prefix: usize,
) -> (BlockStats, [u64; 256]) {
    let prefix = prefix.min(bytes.len());
    let mut total = [0u64; 256];
    let mut s = BlockStats {
        block_size,
        blocks: 0,
        random_blocks: 0,
        longest_random_run: 0,
        first_block_random: false,
    };
    let mut run = 0;
    let mut counted = 0;
    for (i, block) in bytes.chunks(block_size).enumerate() {
        if block.len() < block_size && !(i == 0 && block.len() >= 1024) {
            break;
        }
        s.blocks += 1;
        let h = histogram(block);
        if counted + block.len() <= prefix {
            for (t, c) in total.iter_mut().zip(h.iter()) {
                *t += c;
            }
            counted += block.len();
        }
        let random = random_histogram(&h, block.len() as u64);
        if random {
            s.random_blocks += 1;
            run += 1;
            s.longest_random_run = s.longest_random_run.max(run);
        } else {
            run = 0;
        }
        if i == 0 {
            s.first_block_random = random;
        }
    }
    if counted < prefix {
        let rest = histogram(&bytes[counted..prefix]);
        for (t, c) in total.iter_mut().zip(rest.iter()) {
            *t += c;
        }
    }
    (s, total)
}

/// One block looks like cipher output: entropy close to 8 and χ² near its
/// expectation (scaled to the block's length).
pub fn looks_random(block: &[u8]) -> bool {
    random_histogram(&histogram(block), block.len() as u64)
}

fn random_histogram(h: &[u64; 256], n: u64) -> bool {
    if n < 1024 {
        return false;
    }
    // χ² bound grows slowly for small expected counts; 340 holds for 4 KiB and
    // above. χ² first: it is cheap and rules out text, code and most compressed data.
    chi_square_of(h, n) < BLOCK_CHI2_MAX && shannon_of(h, n) > 7.8
}

/// Shannon entropy (bits per byte) and χ² of a histogram of `n` bytes.
pub fn shannon_and_chi(h: &[u64; 256], n: u64) -> (f64, f64) {
    (shannon_of(h, n), chi_square_of(h, n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 24) as u8
            })
            .collect()
    }

    #[test]
    fn random_is_near_uniform_and_text_is_not() {
        let r = pseudo_random(1 << 20, 42);
        let chi = chi_square(&r);
        assert!(chi > 180.0 && chi < 340.0, "chi {chi}");
        assert!(shannon(&r) > 7.99);
        let text = b"the quick brown fox jumps over the lazy dog ".repeat(1000);
        assert!(chi_square(&text) > 10_000.0);
        assert!(shannon(&text) < 5.0);
        assert_eq!(shannon(&[]), 0.0);
        assert_eq!(shannon(&[7u8; 100]), 0.0);
    }

    #[test]
    fn one_pass_histogram_matches() {
        let r = pseudo_random(3 << 20, 7);
        for prefix in [0, 1000, 4096, 1 << 20, 3 << 20] {
            let (s, h) = block_stats_and_histogram(&r, 4096, prefix);
            assert_eq!(h, histogram(&r[..prefix]));
            assert_eq!(s, block_stats(&r, 4096));
        }
        let short = &r[..5000];
        assert_eq!(
            block_stats_and_histogram(short, 4096, 1 << 20).1,
            histogram(short)
        );
        let mut naive = [0u64; 256];
        for &b in &r {
            naive[b as usize] += 1;
        }
        assert_eq!(histogram(&r), naive);
    }

    #[test]
    fn blocks_find_intermittent_encryption() {
        let mut data = b"plain text line\n".repeat(4096 * 4 / 16);
        data.extend(pseudo_random(4096 * 2, 9));
        data.extend(b"plain text line\n".repeat(4096 / 16));
        let s = block_stats(&data, 4096);
        assert_eq!(s.blocks, 7);
        assert_eq!(s.random_blocks, 2);
        assert_eq!(s.longest_random_run, 2);
        assert!(!s.first_block_random);
    }
}
