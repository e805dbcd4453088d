//! Permutations of discovered names, as dnsgen/altdns make them, bounded: numbers in
//! the first label one up and one down (`host-007` → `host-006`, `host-008`, the width
//! kept), environment words added (`app` → `app-dev`, `dev-app`) and swapped
//! (`app-dev` → `app-staging`). The words are `data/permutations.txt`.

use std::collections::BTreeSet;

use crate::names::canonical;

/// The bundled permutation words.
pub const PERMUTATION_WORDS: &str = include_str!("../data/permutations.txt");

/// The words of a permutation list (comments and blank lines skipped).
pub fn words(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(str::to_ascii_lowercase)
        .collect()
}

/// `label` with its `i`-th run of digits replaced by the number `delta` away (same
/// width, zero-padded), if that stays at or above zero.
fn number_variants(label: &str) -> Vec<String> {
    let b = label.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let digits = &label[start..i];
        let Ok(n) = digits.parse::<u64>() else {
            continue;
        };
        let width = if digits.starts_with('0') {
            digits.len()
        } else {
            0
        };
        for m in [n.checked_sub(1), n.checked_add(1)].into_iter().flatten() {
            out.push(format!(
                "{}{:0width$}{}",
                &label[..start],
                m,
                &label[i..],
                width = width
            ));
        }
    }
    out
}

/// Candidates for one discovered `name` under the scoped `domain` (the domain itself
/// gives none): numbers first, then word variants.
pub fn of_name(name: &str, domain: &str, words: &[String]) -> Vec<String> {
    let Some(rest) = name.strip_suffix(domain) else {
        return Vec::new();
    };
    let Some(rest) = rest.strip_suffix('.') else {
        return Vec::new();
    };
    let (label, parent) = match rest.split_once('.') {
        Some((l, p)) => (l, format!("{p}.{domain}")),
        None => (rest, domain.to_string()),
    };
    let mut labels = number_variants(label);
    let parts: Vec<&str> = label.split('-').collect();
    for w in words {
        if w != label {
            labels.push(format!("{label}-{w}"));
            labels.push(format!("{w}-{label}"));
        }
        for (i, p) in parts.iter().enumerate() {
            if words.iter().any(|x| x == p) && p != w {
                let mut swapped = parts.clone();
                swapped[i] = w;
                labels.push(swapped.join("-"));
            }
        }
    }
    let mut seen = BTreeSet::new();
    labels
        .into_iter()
        .filter_map(|l| canonical(&format!("{l}.{parent}")))
        .filter(|n| n != name && seen.insert(n.clone()))
        .collect()
}

/// Candidates for all `names` (each under its scoped domain), at most `max`: every
/// name's number variants before any word variant, so a small budget still tries the
/// cheapest, likeliest neighbours. Names already known are left out.
pub fn candidates(
    names: &[(String, String)],
    known: &BTreeSet<String>,
    words: &[String],
    max: usize,
) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    // two passes (numbers, then words), each stopping at the budget: memory stays
    // bounded by `max` whatever the number of names
    for pass_words in [&[][..], words] {
        for (name, domain) in names {
            if out.len() >= max {
                return out;
            }
            let list = if pass_words.is_empty() {
                of_name(name, domain, &[])
            } else {
                let numbers: BTreeSet<String> = of_name(name, domain, &[]).into_iter().collect();
                of_name(name, domain, pass_words)
                    .into_iter()
                    .filter(|n| !numbers.contains(n))
                    .collect()
            };
            for n in list {
                if out.len() < max && !known.contains(&n) && seen.insert(n.clone()) {
                    out.push(n);
                }
            }
        }
        if words.is_empty() {
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_words_swaps() {
        let w = words("# x\ndev\nstaging\n\n");
        assert_eq!(w, ["dev", "staging"]);
        assert_eq!(
            of_name("host-007.lab.test", "lab.test", &[]),
            ["host-006.lab.test", "host-008.lab.test"]
        );
        assert_eq!(of_name("app0.lab.test", "lab.test", &[]), ["app1.lab.test"]);
        assert_eq!(
            of_name("a9b.x.lab.test", "lab.test", &[]),
            ["a8b.x.lab.test", "a10b.x.lab.test"]
        );
        let v = of_name("app-dev.lab.test", "lab.test", &w);
        assert!(v.contains(&"app-staging.lab.test".to_string()), "{v:?}");
        assert!(v.contains(&"app-dev-staging.lab.test".to_string()));
        assert!(v.contains(&"dev-app-dev.lab.test".to_string()));
        assert!(!v.contains(&"app-dev.lab.test".to_string()));
        assert!(of_name("lab.test", "lab.test", &w).is_empty());
        assert!(of_name("x.other.test", "lab.test", &w).is_empty());
        // a label at the length limit gives no over-long variant
        let long = format!("{}.lab.test", "a".repeat(63));
        assert!(of_name(&long, "lab.test", &w).is_empty());
        let known: BTreeSet<String> = ["host-006.lab.test".to_string()].into();
        let c = candidates(
            &[
                ("host-007.lab.test".into(), "lab.test".into()),
                ("www.lab.test".into(), "lab.test".into()),
            ],
            &known,
            &w,
            3,
        );
        assert_eq!(
            c,
            [
                "host-008.lab.test",
                "host-007-dev.lab.test",
                "dev-host-007.lab.test"
            ]
        );
    }
}
