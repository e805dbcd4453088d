//! Embeds every `rules/**/*.yml` file: generates `bundled.rs` with one
//! `(origin, include_str!(..))` pair per file, in sorted path order.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            collect(&p, out);
        } else if p.extension().and_then(|x| x.to_str()) == Some("yml") {
            out.push(p);
        }
    }
}

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("manifest dir"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut files = Vec::new();
    collect(&rules, &mut files);
    files.sort();
    let mut code = String::from("pub(crate) static BUNDLED: &[(&str, &str)] = &[\n");
    for f in &files {
        let rel = f.strip_prefix(&rules).expect("under rules/");
        let origin: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        let _ = writeln!(
            code,
            "    ({:?}, include_str!({:?})),",
            origin.join("/"),
            f.display().to_string()
        );
    }
    code.push_str("];\n");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("out dir")).join("bundled.rs");
    std::fs::write(&out, code).expect("write bundled.rs");
}
