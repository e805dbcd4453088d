//! Hostile bytes never panic the dissection: random files, and random PE headers
//! (an `MZ` stub pointing at `PE\0\0` followed by arbitrary COFF/optional headers
//! and section tables), with every analysis on.

use firebreak_triage::impact::{assess, ImpactKb};
use firebreak_triage::{Attribution, Knowledge, SampleOptions, Triage};
use proptest::prelude::*;

fn pe_like(tail: &[u8], lfanew: u8) -> Vec<u8> {
    let lfanew = 0x40 + (lfanew as usize % 0x80);
    let mut b = vec![0u8; lfanew + 4];
    b[0] = b'M';
    b[1] = b'Z';
    b[0x3c] = lfanew as u8;
    b[lfanew..lfanew + 4].copy_from_slice(b"PE\0\0");
    b.extend_from_slice(tail);
    b
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn random_pe_headers_do_not_panic(tail in proptest::collection::vec(any::<u8>(), 0..2048), lfanew in any::<u8>()) {
        let k = Knowledge::bundled().unwrap();
        let a = Attribution::default();
        let t = Triage::new(&k, &a);
        let bytes = pe_like(&tail, lfanew);
        let card = t.sample("x.exe", &bytes, None, &SampleOptions::default());
        prop_assert_eq!(card.size, bytes.len() as u64);
        let _ = assess("x.exe", &bytes, &ImpactKb::bundled().unwrap());
    }

    #[test]
    fn random_bytes_do_not_panic(bytes in proptest::collection::vec(any::<u8>(), 0..4096)) {
        let k = Knowledge::bundled().unwrap();
        let a = Attribution::default();
        let t = Triage::new(&k, &a);
        let card = t.sample("x.bin", &bytes, None, &SampleOptions::default());
        prop_assert!(card.entropy >= 0.0 && card.entropy <= 8.0);
    }
}
