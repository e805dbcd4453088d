//! Everything firebreak-triage parses itself (PE extras: Rich header, resources,
//! version info, Authenticode, .NET metadata; embedded-config decoders; strings
//! and IOC extraction; impact statistics) on one input, through the public entry
//! point `firebreak_triage::exercise_with` that the stable regression test calls too.
#![no_main]

use firebreak_triage::{impact::ImpactKb, Attribution, Knowledge, Triage};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn tools() -> &'static (Knowledge, Attribution, ImpactKb) {
    static TOOLS: OnceLock<(Knowledge, Attribution, ImpactKb)> = OnceLock::new();
    TOOLS.get_or_init(|| {
        (
            Knowledge::bundled().unwrap(),
            Attribution::default(),
            ImpactKb::bundled().unwrap(),
        )
    })
}

fn triage() -> &'static Triage<'static> {
    static TRIAGE: OnceLock<Triage<'static>> = OnceLock::new();
    TRIAGE.get_or_init(|| Triage::new(&tools().0, &tools().1))
}

fuzz_target!(|data: &[u8]| {
    firebreak_triage::exercise_with(triage(), &tools().2, data);
});
