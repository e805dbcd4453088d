//! Helpers shared by the integration tests: the shared test data beside the checkout.
#![allow(dead_code)]

use firebreak_event::{Event, VecSink};
use firebreak_readers::{Format, ReadContext};
use firebreak_sigma::{LoadError, LoadOptions, RuleSet};
use std::path::{Path, PathBuf};

/// `../shared/data/<rel>` relative to the workspace.
pub fn shared(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(rel)
}

/// Every `.yml` file under `dirs` (relative to the Sigma data folder), sorted, as
/// `(origin, text)` with origins relative to that folder.
pub fn rule_sources(dirs: &[&str]) -> Vec<(String, String)> {
    let root = shared("sigma");
    let mut out = Vec::new();
    for d in dirs {
        for e in walkdir::WalkDir::new(root.join(d)).sort_by_file_name() {
            let e = e.expect("walk sigma rules");
            let p = e.path();
            if p.extension().and_then(|x| x.to_str()) == Some("yml") {
                let text = std::fs::read_to_string(p).expect("read rule");
                let origin = p.strip_prefix(&root).unwrap_or(p).display().to_string();
                out.push((origin, text));
            }
        }
    }
    out
}

pub fn load(dirs: &[&str], opts: &LoadOptions) -> (RuleSet, Vec<LoadError>) {
    RuleSet::load(&rule_sources(dirs), opts)
}

/// Every event of one EVTX file.
pub fn read_evtx(path: &Path) -> Vec<Event> {
    let mut sink = VecSink::default();
    let file = std::fs::File::open(path).expect("open evtx");
    // A reader error after some records keeps what was read.
    let _ = firebreak_readers::read(
        Format::Evtx,
        Box::new(file),
        &ReadContext::new(path.display().to_string()),
        &mut sink,
    );
    sink.events
}

/// Every `.evtx` file under `dir`, sorted.
pub fn evtx_files(dir: &Path) -> Vec<PathBuf> {
    walkdir::WalkDir::new(dir)
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .filter(|p| p.extension().and_then(|x| x.to_str()) == Some("evtx"))
        .collect()
}
