//! Value transformations of the encoding modifiers: base64, base64offset, utf16*, windash.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding.
pub(crate) fn base64(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The three base64 forms of `data` at offsets 0, 1 and 2 within a larger encoded
/// string, with the position-dependent first and last characters cut off (as pySigma).
pub(crate) fn base64_offsets(data: &[u8]) -> Vec<String> {
    const START: [usize; 3] = [0, 2, 3];
    const END_CUT: [usize; 3] = [0, 3, 2];
    (0..3)
        .map(|i| {
            let mut shifted = vec![b' '; i];
            shifted.extend_from_slice(data);
            let enc = base64(&shifted);
            let end = enc.len() - END_CUT[(data.len() + i) % 3];
            enc.get(START[i]..end).unwrap_or_default().to_string()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

pub(crate) fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

pub(crate) fn utf16be(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// UTF-16 with a byte order mark (little endian, as pySigma).
pub(crate) fn utf16_bom(s: &str) -> Vec<u8> {
    let mut v = vec![0xFF, 0xFE];
    v.extend(utf16le(s));
    v
}

/// Bytes as text: UTF-8 when valid, else one char per byte (Latin-1), so that encoded
/// values can be compared with event text.
pub(crate) fn bytes_to_text(b: Vec<u8>) -> String {
    String::from_utf8(b).unwrap_or_else(|e| e.into_bytes().into_iter().map(char::from).collect())
}

/// The dash characters `windash` permutes.
pub(crate) const DASHES: [char; 5] = ['-', '/', '\u{2013}', '\u{2014}', '\u{2015}'];

/// At most this many dash positions are permuted independently (5^4 = 625 variants);
/// beyond that every dash position gets the same character.
const WINDASH_MAX_POSITIONS: usize = 4;

/// All variants of `s` with each command-line flag dash (a dash at the start of a word:
/// not preceded by a word character, followed by one) replaced by each of [`DASHES`].
pub(crate) fn windash(s: &str) -> Vec<String> {
    let chars: Vec<char> = s.chars().collect();
    let is_word = |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || *c == '_');
    let positions: Vec<usize> = (0..chars.len())
        .filter(|&i| DASHES.contains(&chars[i]))
        .filter(|&i| !is_word(i.checked_sub(1).and_then(|p| chars.get(p))))
        .filter(|&i| is_word(chars.get(i + 1)))
        .collect();
    if positions.is_empty() {
        return vec![s.to_string()];
    }
    if positions.len() > WINDASH_MAX_POSITIONS {
        return DASHES
            .iter()
            .map(|d| replace_at(&chars, &positions, &vec![*d; positions.len()]))
            .collect();
    }
    let mut out = Vec::new();
    let total = DASHES.len().pow(positions.len() as u32);
    for n in 0..total {
        let choice: Vec<char> = (0..positions.len())
            .map(|k| DASHES[(n / DASHES.len().pow(k as u32)) % DASHES.len()])
            .collect();
        out.push(replace_at(&chars, &positions, &choice));
    }
    out
}

fn replace_at(chars: &[char], positions: &[usize], with: &[char]) -> String {
    let mut c = chars.to_vec();
    for (p, w) in positions.iter().zip(with) {
        c[*p] = *w;
    }
    c.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b"cmd"), "Y21k");
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"a"), "YQ==");
    }

    #[test]
    fn base64offset_as_pysigma() {
        // pySigma: 'http://' -> aHR0cDovL, h0dHA6Ly, odHRwOi8v
        assert_eq!(
            base64_offsets(b"http://"),
            ["aHR0cDovL", "h0dHA6Ly", "odHRwOi8v"]
        );
    }

    #[test]
    fn utf16_forms() {
        assert_eq!(utf16le("cmd"), [0x63, 0, 0x6d, 0, 0x64, 0]);
        assert_eq!(utf16be("cmd"), [0, 0x63, 0, 0x6d, 0, 0x64]);
        assert_eq!(utf16_bom("cmd"), [0xFF, 0xFE, 0x63, 0, 0x6d, 0, 0x64, 0]);
    }

    #[test]
    fn windash_permutes_flag_dashes_only() {
        let v = windash(" -enc ");
        assert_eq!(v.len(), 5);
        assert!(v.contains(&" /enc ".to_string()));
        assert!(v.contains(&" \u{2015}enc ".to_string()));
        assert_eq!(windash("a-b"), ["a-b"]);
        assert_eq!(windash("-a -b").len(), 25);
    }
}
