//! Firebreak's bundled Sigma rule pack: the default rules of `firebreak hunt` when no
//! rules path is given.
//!
//! The rules are the project's own (same licence as the workspace), written for what a
//! ransomware intrusion leaves behind across Firebreak's sources: Windows Security,
//! System and Sysmon logs, Citrix NetScaler gateway logs, Linux `auth.log`, proxy logs
//! and file-system timelines. They live in `rules/<tactic>/<name>.yml` (one rule per
//! file, or a correlation rule with its base rules in one multi-document file) and are
//! embedded at compile time; `README.md` lists them.

include!(concat!(env!("OUT_DIR"), "/bundled.rs"));

/// Prefix of every bundled rule's origin.
pub const ORIGIN_PREFIX: &str = "firebreak:";

/// `(origin, yaml text)` for every bundled rule file, in path order; origins look like
/// `"firebreak:impact/vssadmin_delete_shadows.yml"`.
pub fn bundled() -> Vec<(String, String)> {
    BUNDLED
        .iter()
        .map(|(path, text)| (format!("{ORIGIN_PREFIX}{path}"), (*text).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn origins_are_prefixed_and_sorted() {
        let b = super::bundled();
        assert!(!b.is_empty());
        assert!(b
            .iter()
            .all(|(o, t)| o.starts_with("firebreak:") && o.ends_with(".yml") && !t.is_empty()));
        assert!(b.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
