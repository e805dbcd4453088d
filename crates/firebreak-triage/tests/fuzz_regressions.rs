//! The fuzz target's seeds and every input it ever crashed on
//! (`fuzz/triage/corpus-seed`, `fuzz/triage/regressions`) through the same public
//! entry point, `firebreak_triage::exercise`, on stable: none may panic, and the
//! seeds still give what they were made to show.

use std::path::Path;

fn inputs(dir: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/triage")
        .join(dir);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file() && p.file_name().is_some_and(|n| n != ".gitkeep"))
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn seeds_parse_as_made() {
    let seeds = inputs("corpus-seed");
    assert!(seeds.len() >= 5);
    for (name, bytes) in &seeds {
        let card = firebreak_triage::exercise(bytes);
        assert_eq!(card.size, bytes.len() as u64, "{name}");
        match name.as_str() {
            "pe-authenticode.exe" => {
                let pe = card.pe.as_ref().expect("a PE");
                assert_eq!(pe.signatures.len(), 1);
                assert_eq!(
                    pe.signatures[0].signer_cn.as_deref(),
                    Some("Firebreak Test Signer")
                );
            }
            "pe-version-rcdata.exe" => {
                let pe = card.pe.as_ref().expect("a PE");
                assert_eq!(
                    pe.version_info.get("CompanyName").map(String::as_str),
                    Some("Seed Corp")
                );
                let rc = pe
                    .resources
                    .iter()
                    .find(|r| r.kind == "RT_RCDATA")
                    .expect("RCDATA");
                assert_eq!(rc.name, "#2");
                assert!(pe.signatures.is_empty());
            }
            "rich-header.bin" => {
                let r = firebreak_triage::pe_extra::rich_header(bytes).expect("Rich header");
                assert!(r.checksum_valid);
                assert_eq!(r.entries.len(), 3);
            }
            "xor-configs.bin" => {
                let keys: Vec<_> = card
                    .configs
                    .iter()
                    .filter_map(|c| c.recovery.key.clone())
                    .collect();
                assert!(keys.contains(&"9e21c437".to_string()), "{keys:?}");
                assert!(
                    keys.contains(&"11a73cf05d826be904c8771fb2".to_string()),
                    "{keys:?}"
                );
            }
            _ => {}
        }
    }
}

#[test]
fn regressions_do_not_panic() {
    for (name, bytes) in inputs("regressions") {
        let card = firebreak_triage::exercise(&bytes);
        assert_eq!(card.size, bytes.len() as u64, "{name}");
    }
}
