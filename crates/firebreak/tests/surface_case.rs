//! `firebreak surface` in the namespace lab: leaked credentials matched to the scope's
//! domain and to the discovered Citrix portal, passive inputs, permutations, and the
//! findings stored in a case with the diff of a second run (a daemon stopped, a leak
//! list changed in between).

#[path = "common/lab.rs"]
mod lab;
mod surface_lab;

use std::collections::BTreeSet;

use lab::{of_kind, Lab};
use serde_json::Value;
use surface_lab::LabExt;

const CDN_RANGES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cdn-ranges/sources_data.json"
);

const COMBO_1: &str = "# combolist\n\
jdoe@lab.test:Password1\n\
https://gateway.lab.test/logon/LogonPoint/tmindex.html:asmith:Gatew4yPass\n\
other@else.example:Nothing2See\n\
broken line without separator\n\
https://www.lab.test|bob@lab.test|$2b$12$abcdefghijklmnopqrstuuPp7aB0S1X5JmH9C0ySxJ6s3gGmC3yi\n";

/// The second run's list: jdoe's password changed, a new account, bob gone.
const COMBO_2: &str = "# combolist\n\
jdoe@lab.test:Summer2026!x\n\
https://gateway.lab.test/logon/LogonPoint/tmindex.html:asmith:Gatew4yPass\n\
other@else.example:Nothing2See\n\
broken line without separator\n\
new.hire@lab.test;Welcome123\n";

const SECRETS: [&str; 6] = [
    "Password1",
    "Gatew4yPass",
    "Nothing2See",
    "Summer2026!x",
    "Welcome123",
    "$2b$12$abcdefghij",
];

/// The lab's resolver, a short deadline, names only from what each test gives.
const BASE: [&str; 6] = [
    "--resolver",
    "10.77.0.3",
    "--timeout-ms",
    "2000",
    "--no-axfr",
    "--no-bundled-wordlist",
];

fn assets_of<'a>(f: &'a [Value], kind: &str) -> BTreeSet<&'a str> {
    of_kind(f, kind)
        .iter()
        .filter_map(|v| v["asset"].as_str())
        .collect()
}

fn keys<'a>(f: &'a [Value], kind: &str) -> BTreeSet<&'a str> {
    of_kind(f, kind)
        .iter()
        .filter_map(|v| v["evidence"]["key"].as_str())
        .collect()
}

#[test]
fn leaks_passive_permutations_and_the_case_diff() {
    let lab = Lab::up("fbc");
    let mut ranges: Value =
        serde_json::from_str(&std::fs::read_to_string(CDN_RANGES).unwrap()).unwrap();
    ranges["waf"]["labshield"] = serde_json::json!(["10.77.0.40/32"]);
    let ranges = lab.file("ranges.json", &ranges.to_string());
    let words = lab.file("words.txt", "host-007\ngateway\nwww\n");
    // a crt.sh export: shop comes only from here; the other domain's name is dropped
    let passive = lab.file(
        "crtsh.json",
        r#"[{"common_name":"shop.lab.test","name_value":"shop.lab.test\n*.lab.test\nlocked.lab.test"},{"common_name":"x.other.test","name_value":"x.other.test"}]"#,
    );
    let combo = lab.file("combo.txt", COMBO_1);
    // where the protected sites used to point (a history service's export)
    let history = lab.file(
        "history.txt",
        "locked.lab.test 10.77.0.21\nlocked.lab.test,10.77.1.50\n",
    );
    let case = lab.dir.path().join("case");
    let case_arg = case.to_str().unwrap().to_string();
    let mut args = BASE.to_vec();
    args.extend([
        "--wordlist",
        &words,
        "--passive",
        &passive,
        "--leaks",
        &combo,
        "--cdn-ranges",
        &ranges,
        "--origin-history",
        &history,
        // TCP only: UDP answers under load may miss their deadline and would show as
        // new/gone (the volatility of measured values is the unit tests' part)
        "--no-udp",
        "--ports",
        "80,3389,11211",
        "--case",
        &case_arg,
    ]);
    let scope = "lab.test\n10.77.0.0/24\n";
    let r1 = lab.run(scope, &args);
    let f = &r1.findings;

    // leaked credentials: the domain's account at once, the portal login critical
    let creds = of_kind(f, "creds.leaked");
    let by = |account: &str| {
        creds
            .iter()
            .find(|v| v["evidence"]["account"] == account)
            .unwrap_or_else(|| panic!("{account}: {creds:?}"))
    };
    let jdoe = by("jdoe@lab.test");
    assert_eq!(
        (jdoe["severity"].as_str(), jdoe["asset"].as_str()),
        (Some("high"), Some("lab.test"))
    );
    assert_eq!(
        jdoe["evidence"]["secrets"],
        serde_json::json!(["P*******1 (9 chars)"])
    );
    let asmith = by("asmith");
    assert_eq!(asmith["severity"], "critical", "{asmith}");
    assert_eq!(asmith["asset"], "gateway.lab.test");
    assert_eq!(asmith["evidence"]["portal"], "portal.citrix_gateway");
    let bob = by("bob@lab.test");
    assert_eq!(bob["severity"], "high");
    assert_eq!(
        bob["evidence"]["secrets"],
        serde_json::json!(["hash (bcrypt)"])
    );
    assert_eq!(creds.len(), 3, "{creds:?}");
    assert!(
        f.iter().position(|v| v["kind"] == "creds.leaked")
            < f.iter().position(|v| v["kind"] == "port.open"),
        "the domain's leaks come first"
    );
    for s in SECRETS {
        assert!(
            !r1.stdout.contains(s) && !r1.stderr.contains(s),
            "{s} printed"
        );
    }
    assert!(
        r1.stderr
            .contains("4 usable lines, 3 about the scope, 1 skipped"),
        "{}",
        r1.stderr
    );
    assert!(
        r1.stderr.contains("skipped line 5: no ':'"),
        "{}",
        r1.stderr
    );

    // passive names and permutations of the brute force's host-007
    let names = of_kind(f, "asset.name");
    let source = |n: &str| {
        names
            .iter()
            .find(|v| v["asset"] == n)
            .map(|v| v["evidence"]["source"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(source("shop.lab.test").as_deref(), Some("passive"));
    assert_eq!(source("host-007.lab.test").as_deref(), Some("bruteforce"));
    assert_eq!(source("host-006.lab.test").as_deref(), Some("permutation"));
    assert_eq!(source("host-008.lab.test").as_deref(), Some("permutation"));
    assert_eq!(
        source("host-005.lab.test"),
        None,
        "one permutation step only"
    );
    assert!(!r1.stdout.contains("other.test"));

    // origin candidates: the shop's origin is also the domain's SPF address; the locked
    // site's old address (history, not discovered otherwise) refuses, its other old
    // address is outside the scope and only listed
    let bypass = of_kind(f, "origin.bypass");
    assert_eq!(bypass.len(), 1, "{bypass:?}");
    assert_eq!(bypass[0]["asset"], "shop.lab.test");
    assert_eq!(
        bypass[0]["evidence"]["origin"]["why"],
        serde_json::json!(["scanned", "spf"])
    );
    let locked = of_kind(f, "origin.protected");
    assert_eq!(locked.len(), 1, "{locked:?}");
    let cands = locked[0]["evidence"]["candidates"].as_array().unwrap();
    let cand = |a: &str| {
        cands
            .iter()
            .find(|c| c["address"] == a)
            .unwrap_or_else(|| panic!("{a}: {cands:?}"))
    };
    assert_eq!(cand("10.77.0.21")["why"], serde_json::json!(["history"]));
    assert_eq!(cand("10.77.0.21")["response"]["status"], 403);
    assert_eq!(
        cand("10.77.1.50")["result"],
        "outside the scope: not probed"
    );
    assert!(
        r1.stderr.contains("2 addresses, 0 lines without one"),
        "{}",
        r1.stderr
    );

    // the portal's leaked login puts it among the first assets
    let rows: Vec<&str> = r1
        .stderr
        .lines()
        .skip_while(|l| !l.contains("top finding"))
        .skip(1)
        .take_while(|l| !l.contains(" assets, "))
        .collect();
    let portal_row = rows.iter().position(|r| r.contains(" gateway.lab.test "));
    assert!(
        portal_row.is_some_and(|i| i < 3 && rows[i].contains("critical")),
        "{}",
        r1.stderr
    );
    assert!(
        r1.stderr.contains("case: first surface run"),
        "{}",
        r1.stderr
    );
    assert!(of_kind(f, "diff.new").is_empty());

    // between the runs: memcached stops, jdoe's leaked password changes, bob leaves
    // the list and a new account appears
    lab.stop("web", "memcached");
    lab.file("combo.txt", COMBO_2);
    let r2 = lab.run(scope, &args);
    let f2 = &r2.findings;
    assert!(of_kind(f2, "port.open").iter().all(|v| v["port"] != 11211));
    let gone = keys(f2, "diff.gone");
    assert!(
        gone.contains("port.open|lab.test|10.77.0.20|11211"),
        "{gone:?}"
    );
    assert!(
        gone.contains("creds.leaked|www.lab.test|||bob@lab.test"),
        "{gone:?}"
    );
    assert_eq!(gone.len(), 2, "{gone:?}");
    let new = keys(f2, "diff.new");
    assert_eq!(
        new.into_iter().collect::<Vec<_>>(),
        ["creds.leaked|lab.test|||new.hire@lab.test"]
    );
    let changed = of_kind(f2, "diff.changed");
    assert_eq!(
        changed.len(),
        1,
        "only the leak changed, nothing volatile: {changed:?}"
    );
    assert_eq!(
        changed[0]["evidence"]["key"],
        "creds.leaked|lab.test|||jdoe@lab.test"
    );
    assert_eq!(
        changed[0]["evidence"]["before"]["details"]["evidence"]["secrets"],
        serde_json::json!(["P*******1 (9 chars)"])
    );
    assert_eq!(
        changed[0]["evidence"]["now"]["details"]["evidence"]["secrets"],
        serde_json::json!(["S**********x (12 chars)"])
    );
    assert_eq!(assets_of(f2, "diff.new"), BTreeSet::from(["lab.test"]));
    assert!(
        r2.stderr
            .contains("since the last run (#1 -> #2): 1 new, 2 gone, 1 changed"),
        "{}",
        r2.stderr
    );
    for s in SECRETS {
        assert!(
            !r2.stdout.contains(s) && !r2.stderr.contains(s),
            "{s} printed"
        );
    }

    // the case holds the second run
    let c = firebreak_case::Case::open(&case).unwrap();
    assert_eq!(c.finding_runs("surface").unwrap().len(), 2);
    let stored = c.findings("surface").unwrap();
    assert!(stored
        .iter()
        .any(|r| r.kind == "creds.leaked" && r.summary.contains("new.hire@lab.test")));
    assert!(!stored.iter().any(|r| r.key.ends_with("|11211")));
    let all = serde_json::to_string(&stored).unwrap();
    for s in SECRETS {
        assert!(!all.contains(s), "{s} stored");
    }
}

/// An HTTP server behind "Cloudflare" (its answers carry cf-ray) whose CSP and links
/// name two hosts of lab.test.
const FRONTED: &str = r#"
import http.server
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'<html><head><title>Fronted</title></head><body><a href="https://locked.lab.test/members">members</a></body></html>'
        self.send_response(200)
        self.send_header("cf-ray", "8a1b2c3d4e5f6a7b-LAB")
        self.send_header("Content-Security-Policy", "default-src 'self'; script-src https://app2.lab.test/js 'nonce-x'")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a):
        pass
http.server.HTTPServer(("10.77.0.10", 80), H).serve_forever()
"#;

fn source_of(f: &[Value], name: &str) -> Option<String> {
    of_kind(f, "asset.name")
        .iter()
        .find(|v| v["asset"] == name)
        .map(|v| v["evidence"]["source"].as_str().unwrap_or("").to_string())
}

/// Names revealed by the answers, resolved and probed in the next round: certificate
/// SANs of the TLS host, and the CSP and links of an HTTP answer (whose cf-ray header
/// also shows the provider in front of it).
#[test]
fn names_from_certificates_and_http_answers() {
    let lab = Lab::up("fbn");
    let words = lab.file("words.txt", "tls\n");
    let mut base = BASE.to_vec();
    base.extend(["--no-udp", "--permutations", "0"]);
    // round 1 finds tls.probe.test by brute force; its certificate names
    // secure.probe.test and origin.probe.test, scanned in round 2
    let mut args = base.to_vec();
    args.extend(["--wordlist", &words, "--ports", "443"]);
    let r = lab.run("probe.test\n10.77.0.0/24\n", &args);
    let f = &r.findings;
    assert_eq!(
        source_of(f, "tls.probe.test").as_deref(),
        Some("bruteforce")
    );
    assert_eq!(
        source_of(f, "secure.probe.test").as_deref(),
        Some("tls-san"),
        "{}",
        r.stdout
    );
    assert_eq!(
        source_of(f, "origin.probe.test").as_deref(),
        Some("tls-san")
    );
    // legacy.probe.test is only in the 4443 certificate, not scanned here
    assert_eq!(source_of(f, "legacy.probe.test"), None);
    assert!(
        of_kind(f, "port.open")
            .iter()
            .any(|v| v["address"] == "10.77.0.69"),
        "the SAN's host was scanned in the next round: {}",
        r.stdout
    );
    // without recursion the certificate's names stay unexplored
    let mut flat = args.clone();
    flat.extend(["--recursion", "0"]);
    let r0 = lab.run("probe.test\n10.77.0.0/24\n", &flat);
    assert_eq!(source_of(&r0.findings, "secure.probe.test"), None);
    assert!(of_kind(&r0.findings, "service.tls")
        .iter()
        .any(|v| v["address"] == "10.77.0.60"));

    // the swept address 10.77.0.10 answers HTTP with cf-ray, a CSP and a link
    let _server = lab.python("scan", FRONTED, "10.77.0.10", 80);
    let mut args = base.to_vec();
    args.extend(["--sweep", "--ports", "80"]);
    let r = lab.run("lab.test\n10.77.0.10/32\n", &args);
    let f = &r.findings;
    assert_eq!(
        source_of(f, "app2.lab.test").as_deref(),
        Some("http"),
        "{}",
        r.stdout
    );
    assert_eq!(source_of(f, "locked.lab.test").as_deref(), Some("http"));
    // both resolve outside the scoped /32: reported, not probed
    let oos: BTreeSet<&str> = assets_of(f, "scope.out_of_scope");
    assert!(
        oos.contains("app2.lab.test") && oos.contains("locked.lab.test"),
        "{oos:?}"
    );
    assert!(f
        .iter()
        .filter(|v| v["address"] == "10.77.0.21")
        .all(|v| v["kind"] == "scope.out_of_scope"));
    let behind = of_kind(f, "protection.behind");
    let b = behind
        .iter()
        .find(|v| v["asset"] == "10.77.0.10")
        .unwrap_or_else(|| panic!("{behind:?}"));
    assert_eq!(b["evidence"]["provider"], "cloudflare");
    assert_eq!(b["evidence"]["method"], "http-header");
    assert_eq!(b["evidence"]["matched"], "cf-ray: 8a1b2c3d4e5f6a7b-LAB");
}

/// Recursion under a discovered sub-zone: a passive name under `dev.lab.test` makes
/// the next round brute-force that sub-zone (the zone file gains the names, bind
/// reloads it; the scanner asks bind directly, past any cache).
#[test]
fn brute_force_under_a_discovered_sub_zone() {
    let lab = Lab::up("fbz");
    let zone = lab.dir.path().join("lab.test.zone");
    let text = std::fs::read_to_string(&zone)
        .unwrap()
        .replace("hostmaster.lab.test. 1 3600", "hostmaster.lab.test. 2 3600");
    std::fs::write(
        &zone,
        text + "a.dev IN A 10.77.0.20\napi.dev IN A 10.77.0.30\nx.y.dev IN A 10.77.0.20\n",
    )
    .unwrap();
    lab.hup("auth", "named");
    lab.wait_name("api.dev.lab.test");
    let words = lab.file("words.txt", "api\n");
    let passive = lab.file("names.txt", "a.dev.lab.test\n");
    let mut args = BASE.to_vec();
    args[1] = "10.77.0.2";
    args.extend([
        "--wordlist",
        &words,
        "--passive",
        &passive,
        "--permutations",
        "0",
        "--no-scan",
        "--no-udp",
    ]);
    let r = lab.run("lab.test\n", &args);
    let f = &r.findings;
    assert_eq!(
        source_of(f, "a.dev.lab.test").as_deref(),
        Some("passive"),
        "{}",
        r.stdout
    );
    assert_eq!(
        source_of(f, "api.dev.lab.test").as_deref(),
        Some("bruteforce"),
        "{}",
        r.stdout
    );
    // lab.test's own brute force finds no api.lab.test, and nothing named the sub-zone's
    // own sub-zone (y.dev), so x.y.dev stays unknown
    assert_eq!(source_of(f, "api.lab.test"), None);
    assert_eq!(source_of(f, "x.y.dev.lab.test"), None);
    // without recursion the sub-zone is not searched
    args.extend(["--recursion", "0"]);
    let r0 = lab.run("lab.test\n", &args);
    assert_eq!(
        source_of(&r0.findings, "a.dev.lab.test").as_deref(),
        Some("passive")
    );
    assert_eq!(source_of(&r0.findings, "api.dev.lab.test"), None);
}

/// `firebreak surface-ranges` merges the providers' published lists (files written
/// here, in the providers' formats) into a range file `surface --cdn-ranges` reads.
#[test]
fn surface_ranges_imports_published_lists() {
    let dir = tempfile::tempdir().unwrap();
    let w = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_string()
    };
    let v4 = w("ips-v4", "173.245.48.0/20\n103.21.244.0/22\n");
    let v6 = w("ips-v6", "2400:cb00::/32\n");
    let aws = w(
        "ip-ranges.json",
        r#"{"syncToken":"1","prefixes":[{"ip_prefix":"13.32.0.0/15","service":"CLOUDFRONT"},{"ip_prefix":"3.5.140.0/22","service":"AMAZON"}],"ipv6_prefixes":[]}"#,
    );
    let fastly = w(
        "fastly.json",
        r#"{"addresses":["151.101.0.0/16","x"],"ipv6_addresses":[]}"#,
    );
    let mine = w("mine.txt", "10.77.0.40/32\n");
    let out = dir.path().join("ranges.json");
    let bin = assert_cmd::cargo::cargo_bin("firebreak");
    let r = std::process::Command::new(&bin)
        .args(["surface-ranges", "--base", CDN_RANGES, "--out"])
        .arg(&out)
        .args([
            "--cloudflare",
            &v4,
            "--cloudflare",
            &v6,
            "--aws",
            &aws,
            "--fastly",
            &fastly,
        ])
        .arg("--list")
        .arg(format!("waf/labshield={mine}"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&r.stdout);
    assert!(r.status.success(), "{}", String::from_utf8_lossy(&r.stderr));
    assert!(
        stdout.contains("waf/cloudflare: 3 ranges, 0 entries skipped"),
        "{stdout}"
    );
    assert!(
        stdout.contains("cdn/fastly: 1 ranges, 1 entries skipped"),
        "{stdout}"
    );
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        v["waf"]["cloudflare"],
        serde_json::json!(["103.21.244.0/22", "173.245.48.0/20", "2400:cb00::/32"])
    );
    assert_eq!(v["cdn"]["cloudfront"], serde_json::json!(["13.32.0.0/15"]));
    assert_eq!(v["waf"]["labshield"], serde_json::json!(["10.77.0.40/32"]));
    // the base's other providers are kept
    assert!(v["cloud"]["azure"].as_array().unwrap().len() > 1000);
    // a list for an unknown category is refused, nothing written
    let bad = dir.path().join("bad.json");
    let r = std::process::Command::new(&bin)
        .args(["surface-ranges", "--out"])
        .arg(&bad)
        .arg("--list")
        .arg(format!("shield/x={mine}"))
        .output()
        .unwrap();
    assert!(!r.status.success());
    assert!(!bad.exists());
}
