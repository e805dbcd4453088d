//! `firebreak surface`'s directory-listing and default-page checks against the
//! namespace lab: real nginx with `autoindex on` (on `/`, and under `/uploads/` only),
//! nginx serving Debian's stock default page, and every other lab web server (the
//! portal look-alikes, the TLS sites, the origins and edges) as the ones that must not
//! be reported. Needs root and the packages `.ci/run` installs; never skipped.

#[path = "common/lab.rs"]
mod lab;

use std::collections::BTreeSet;

use firebreak_surface::store::Stabilizer;
use firebreak_surface::Finding;
use lab::{of_kind, one_at, Lab};
use serde_json::Value;

const SCOPE: &str = "probe.test\nlab.test\n10.77.0.0/24\n";
const ARGS: &[&str] = &[
    "--resolver",
    "10.77.0.3",
    "--timeout-ms",
    "2000",
    "--no-brute",
    "--no-udp",
    "--slowloris-secs",
    "0",
    "--recursion",
    "0",
];

#[test]
fn listings_and_default_pages_in_the_lab() {
    let lab = Lab::up("fbw");
    let (f, stderr) = lab.surface(SCOPE, ARGS);
    assert!(of_kind(&f, "scan.problem").is_empty(), "{stderr}");

    // nginx autoindex on /: medium, the count of entries (4), never their names
    let root = one_at(&f, "web.directory_listing", "10.77.0.71", 80);
    assert_eq!(root["severity"], "medium");
    assert_eq!(root["asset"], "listing.probe.test");
    let ev = &root["evidence"];
    assert_eq!(ev["url"], "http://listing.probe.test/");
    assert_eq!(ev["path"], "/");
    assert_eq!(ev["signature"], "nginx autoindex");
    assert_eq!(ev["entries"], 4);
    assert!(ev["server"].as_str().unwrap().starts_with("nginx/"), "{ev}");
    assert!(ev["signals"].as_array().unwrap().len() >= 2, "{ev}");
    let text = root.to_string();
    for name in ["db-2024.sql", "backup.tar.gz", "notes.txt"] {
        assert!(!text.contains(name), "{name} in {text}");
    }

    // a plain page on / and a listing under /uploads/ (one of the folders asked)
    let uploads = one_at(&f, "web.directory_listing", "10.77.0.71", 8080);
    assert_eq!(uploads["severity"], "medium");
    assert_eq!(
        uploads["evidence"]["url"],
        "http://listing.probe.test:8080/uploads/"
    );
    assert_eq!(uploads["evidence"]["entries"], 2);
    assert_eq!(uploads["evidence"]["signature"], "nginx autoindex");

    // Debian's stock nginx page: low
    let welcome = one_at(&f, "web.default_page", "10.77.0.72", 80);
    assert_eq!(welcome["severity"], "low");
    assert_eq!(welcome["asset"], "welcome.probe.test");
    assert_eq!(welcome["evidence"]["url"], "http://welcome.probe.test/");
    assert_eq!(welcome["evidence"]["signature"], "nginx welcome page");
    assert!(welcome["evidence"]["entries"].is_null());

    // nothing else: every other web server of the lab was fingerprinted and is neither
    let web: BTreeSet<(String, u64)> = of_kind(&f, "service.http")
        .iter()
        .map(|v| {
            (
                v["address"].as_str().unwrap().to_string(),
                v["port"].as_u64().unwrap(),
            )
        })
        .collect();
    for (addr, port) in [
        ("10.77.0.20", 80), // the old shop
        ("10.77.0.21", 80), // the locked origin (403)
        ("10.77.0.40", 80), // the edge
        ("10.77.0.50", 80), // the Citrix look-alike
        ("10.77.0.60", 443),
        ("10.77.0.60", 4443),
        ("10.77.0.60", 8000),
        ("10.77.0.60", 8443),
        ("10.77.0.62", 443), // openssl s_server -www
        ("10.77.0.63", 80),  // the portal look-alikes
        ("10.77.0.63", 443),
        ("10.77.0.63", 4443),
        ("10.77.0.63", 8080),
        ("10.77.0.63", 8443),
        ("10.77.0.63", 10443),
    ] {
        assert!(
            web.contains(&(addr.to_string(), port)),
            "{addr}:{port} not fingerprinted: {web:?}"
        );
    }
    let reported = |kind: &str| -> BTreeSet<(String, u64)> {
        of_kind(&f, kind)
            .iter()
            .map(|v| {
                (
                    v["address"].as_str().unwrap().to_string(),
                    v["port"].as_u64().unwrap(),
                )
            })
            .collect()
    };
    assert_eq!(
        reported("web.directory_listing"),
        BTreeSet::from([("10.77.0.71".into(), 80), ("10.77.0.71".into(), 8080)])
    );
    assert_eq!(
        reported("web.default_page"),
        BTreeSet::from([("10.77.0.72".into(), 80)])
    );
    assert_eq!(of_kind(&f, "web.directory_listing").len(), 2);
    assert_eq!(of_kind(&f, "web.default_page").len(), 1);

    // case keys: kind|asset|address|port (+ the folder for listings), nothing volatile
    let keys = Stabilizer::bundled().unwrap();
    let stable = |v: &Value| {
        let finding: Finding = serde_json::from_value(v.clone()).unwrap();
        keys.stable(&finding)
    };
    assert_eq!(
        stable(uploads).key,
        "web.directory_listing|listing.probe.test|10.77.0.71|8080|/uploads/"
    );
    assert_eq!(
        stable(root).key,
        "web.directory_listing|listing.probe.test|10.77.0.71|80|/"
    );
    assert_eq!(
        stable(welcome).key,
        "web.default_page|welcome.probe.test|10.77.0.72|80"
    );
    // a second run stores the same details
    let (f2, _) = lab.surface(SCOPE, ARGS);
    for v in [root, uploads, welcome] {
        let again = one_at(
            &f2,
            v["kind"].as_str().unwrap(),
            v["address"].as_str().unwrap(),
            v["port"].as_u64().unwrap() as u16,
        );
        assert_eq!(stable(again), stable(v));
    }
}
