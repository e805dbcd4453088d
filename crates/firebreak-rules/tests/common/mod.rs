//! Helpers shared by the integration tests.
#![allow(dead_code)]

use firebreak_event::{Event, VecSink};
use firebreak_readers::{ReadContext, ReadOptions, SNIFF_LEN};
use firebreak_sigma::{LoadOptions, Rule, RuleSet};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The bundled pack, loaded with the built-in mapping; panics on any load error.
pub fn pack() -> RuleSet {
    let (set, errors) = RuleSet::load(&firebreak_rules::bundled(), &LoadOptions::default());
    assert!(errors.is_empty(), "{errors:#?}");
    set
}

/// `../shared/data/<rel>` beside the checkout.
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// Every event of one file whose format is sniffed (None: not a format Firebreak reads).
pub fn read_any(path: &Path, options: &ReadOptions) -> Option<Vec<Event>> {
    let mut head = Vec::with_capacity(SNIFF_LEN);
    std::fs::File::open(path)
        .expect("open evidence")
        .take(SNIFF_LEN as u64)
        .read_to_end(&mut head)
        .expect("read head");
    let format = firebreak_readers::sniff(&head)?;
    let ctx = ReadContext {
        options: options.clone(),
        ..ReadContext::new(path.display().to_string())
    };
    let mut sink = VecSink::default();
    let file = std::fs::File::open(path).expect("open evidence");
    firebreak_readers::read(format, Box::new(file), &ctx, &mut sink)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        sink.rejected.is_empty(),
        "{}: {:?}",
        path.display(),
        sink.rejected.first()
    );
    Some(sink.events)
}

/// The rule's origin without the `firebreak:` prefix (`impact/x.yml`).
pub fn file_of(r: &Rule) -> &str {
    r.origin()
        .strip_prefix(firebreak_rules::ORIGIN_PREFIX)
        .unwrap_or(r.origin())
}

/// Whether the rule carries the ATT&CK tactic tag (`credential_access`, ...).
pub fn has_tactic(r: &Rule, tactic: &str) -> bool {
    let want = format!("attack.{tactic}");
    r.tags().contains(&want)
}
