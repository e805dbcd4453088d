//! `firebreak surface` against the namespace lab (crates/firebreak-surface/lab/lab.sh):
//! real bind9, unbound, nginx, sshd, memcached and xrdp in network namespaces on a
//! private range that exists only on the lab's bridge. Needs root and the packages
//! `.ci/run` installs; without them these tests fail (they are never skipped).

#[path = "common/lab.rs"]
mod lab;

use std::collections::BTreeSet;

use lab::Lab;
use serde_json::Value;

const CDN_RANGES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cdn-ranges/sources_data.json"
);

fn zone_names() -> BTreeSet<String> {
    let mut n: BTreeSet<String> = [
        "",
        "ns1.",
        "resolver.",
        "www.",
        "mail.",
        "shop.",
        "rdp.",
        "blackhole.",
        "partner.",
        "edge.",
        "locked.",
        "app2.",
        "gateway.",
    ]
    .iter()
    .map(|p| format!("{p}lab.test"))
    .collect();
    for i in 1..=240 {
        n.insert(format!("host-{i:03}.lab.test"));
    }
    n
}

fn of_kind<'a>(f: &'a [Value], kind: &str) -> Vec<&'a Value> {
    f.iter().filter(|v| v["kind"] == kind).collect()
}

#[test]
fn surface_in_the_lab() {
    let lab = Lab::up("fbs");
    // a user wordlist with a label no DNS name can hold: a miss, not a failed run
    let words = lab.dir.path().join("words.txt");
    std::fs::write(&words, "a..b\nhost-007\nreal\n").unwrap();
    let words = words.to_str().unwrap().to_string();
    // provider ranges: the cdncheck snapshot plus the lab's edge as a WAF provider
    let mut ranges: Value =
        serde_json::from_str(&std::fs::read_to_string(CDN_RANGES).unwrap()).unwrap();
    ranges["waf"]["labshield"] = serde_json::json!(["10.77.0.40/32"]);
    let ranges_file = lab.dir.path().join("ranges.json");
    std::fs::write(&ranges_file, ranges.to_string()).unwrap();
    let ranges_file = ranges_file.to_str().unwrap().to_string();
    let outside_before = lab.tcp_udp_in("out");
    let (f, stderr, first_while_running) = lab.surface_streamed(
        "lab.test\nwild.test\n10.77.0.0/24\n",
        &[
            "--resolver",
            "10.77.0.3",
            "--timeout-ms",
            "2000",
            "--cdn-ranges",
            &ranges_file,
            "--wordlist",
            &words,
        ],
    );
    let outside_after = lab.tcp_udp_in("out");
    let kinds: BTreeSet<&str> = f.iter().filter_map(|v| v["kind"].as_str()).collect();

    // findings stream: the first arrived while the scan was still running
    assert!(
        first_while_running,
        "the first finding came only after the scan ended"
    );

    // the open zone transfer, with every name of the zone
    let axfr: Vec<&Value> = of_kind(&f, "dns.axfr_open")
        .into_iter()
        .filter(|v| v["asset"] == "lab.test")
        .collect();
    assert_eq!(axfr.len(), 1, "{kinds:?}");
    assert_eq!(axfr[0]["severity"], "high");
    let got: BTreeSet<String> = axfr[0]["evidence"]["names"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    let want = zone_names();
    assert!(
        got == want,
        "zone names: missing {:?}, extra {:?}",
        want.difference(&got).collect::<Vec<_>>(),
        got.difference(&want).collect::<Vec<_>>()
    );
    // ... and every one of them resolved through the lab resolver
    let assets: BTreeSet<String> = of_kind(&f, "asset.name")
        .iter()
        .map(|v| v["asset"].as_str().unwrap().to_string())
        .collect();
    assert!(
        assets.is_superset(&zone_names()),
        "missing: {:?}",
        zone_names().difference(&assets).collect::<Vec<_>>()
    );
    // the brute force found the wordlists' names too
    let h7 = of_kind(&f, "asset.name")
        .into_iter()
        .find(|v| v["asset"] == "host-007.lab.test")
        .unwrap();
    assert_eq!(h7["evidence"]["source"], "axfr");
    assert!(of_kind(&f, "scan.problem").is_empty());
    let www = of_kind(&f, "asset.name")
        .into_iter()
        .find(|v| v["asset"] == "www.lab.test")
        .unwrap();
    assert!(www["evidence"]["addresses"]
        .as_array()
        .unwrap()
        .iter()
        .any(|a| a == "10.77.0.20"));

    // wildcard detection: wild.test answers any name; brute-force hits that only get
    // the wildcard's address are dropped, a real name with its own address is kept
    let wild = of_kind(&f, "dns.wildcard");
    assert_eq!(wild.len(), 1, "{wild:?}");
    assert_eq!(wild[0]["asset"], "wild.test");
    assert!(assets.contains("real.wild.test"));
    assert!(
        !assets
            .iter()
            .any(|a| a.ends_with(".wild.test") && a != "real.wild.test"),
        "wildcard answers taken for names"
    );
    // bind transfers wild.test too: one finding per zone
    assert_eq!(of_kind(&f, "dns.axfr_open").len(), 2);

    // RDP, and NLA not enforced by xrdp (it accepts standard RDP)
    let rdp = of_kind(&f, "rdp.nla_not_enforced");
    assert_eq!(rdp.len(), 1, "{kinds:?}");
    assert_eq!(rdp[0]["address"], "10.77.0.30");
    assert_eq!(rdp[0]["port"], 3389);
    assert_eq!(rdp[0]["evidence"]["nla_enforced"], false);
    assert!(of_kind(&f, "rdp.nla_enforced").is_empty());

    // the Citrix Gateway look-alike: two signals and the build's gzip timestamp
    let gw = of_kind(&f, "portal.citrix_gateway");
    assert_eq!(gw.len(), 1, "{kinds:?}");
    assert_eq!(gw[0]["address"], "10.77.0.50");
    assert!(gw[0]["evidence"]["signals"].as_array().unwrap().len() >= 2);
    assert_eq!(
        gw[0]["evidence"]["rdx_en_gzip_mtime"]["unix"],
        1_690_019_456u64
    );

    // the old nginx banner's DoS CVEs
    let dos = of_kind(&f, "dos.known_cve");
    let cves: BTreeSet<&str> = dos
        .iter()
        .filter_map(|v| v["evidence"]["cve"].as_str())
        .collect();
    assert!(
        cves.contains("CVE-2018-16843") && cves.contains("CVE-2021-23017"),
        "{cves:?}"
    );
    for d in &dos {
        match d["address"].as_str().unwrap() {
            "10.77.0.20" => assert_eq!(d["evidence"]["banner"], "nginx/1.14.0"),
            // the locked origin's stock Debian nginx 1.22.1: only HTTP/2 Rapid Reset
            "10.77.0.21" | "10.77.0.50" => {
                assert_eq!(d["evidence"]["cve"], "CVE-2023-44487")
            }
            other => panic!("DoS finding at {other}: {d}"),
        }
    }
    assert!(dos
        .iter()
        .any(|v| v["evidence"]["banner"] == "nginx/1.14.0"));
    // Debian 12's OpenSSH 9.2 matches no DoS entry
    assert!(!cves.iter().any(|c| *c == "CVE-2016-8858"));

    // memcached amplification, factor from the real reply size
    let mc = of_kind(&f, "amp.memcached");
    assert_eq!(mc.len(), 1, "{kinds:?}");
    let ev = &mc[0]["evidence"];
    let reply = ev["reply_bytes"].as_u64().unwrap();
    assert_eq!(ev["request_bytes"], 15);
    assert!(reply > 500, "stats reply of {reply} bytes");
    let factor = ev["factor"].as_f64().unwrap();
    assert!((factor - reply as f64 / 15.0).abs() < 0.01);
    assert_eq!(mc[0]["address"], "10.77.0.20");

    // snmpd with the community public, factor from the real GetBulk reply
    let snmp = of_kind(&f, "amp.snmp_public");
    assert_eq!(snmp.len(), 1, "{kinds:?}");
    assert_eq!(snmp[0]["address"], "10.77.0.20");
    let ev = &snmp[0]["evidence"];
    assert_eq!(ev["request_bytes"], 40);
    let reply = ev["reply_bytes"].as_u64().unwrap();
    assert!(reply > 400, "GetBulk reply of {reply} bytes");
    assert!((ev["factor"].as_f64().unwrap() - reply as f64 / 40.0).abs() < 0.01);

    // the open resolver is flagged, the authoritative server is not
    let open: Vec<&Value> = of_kind(&f, "amp.dns_open_resolver");
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["address"], "10.77.0.3");

    // scope guard: partner.lab.test resolves outside the scoped range, is reported, and
    // not one IP packet reached the outside host
    let oos = of_kind(&f, "scope.out_of_scope");
    assert!(oos
        .iter()
        .any(|v| v["asset"] == "partner.lab.test" && v["address"] == "10.77.1.50"));
    assert!(f
        .iter()
        .filter(|v| v["address"] == "10.77.1.50")
        .all(|v| v["kind"] == "scope.out_of_scope"));
    assert_eq!(
        outside_after, outside_before,
        "packets reached the out-of-scope host"
    );

    // protection: edge.lab.test sits in a Cloudflare range of the cdncheck snapshot (and
    // outside the scope: reported, not probed); the lab's own hosts are unprotected
    let behind = of_kind(&f, "protection.behind");
    let edge = behind
        .iter()
        .find(|v| v["asset"] == "edge.lab.test")
        .unwrap_or_else(|| panic!("{behind:?}"));
    assert_eq!(edge["evidence"]["provider"], "cloudflare");
    assert_eq!(edge["evidence"]["method"], "ip-range");
    for site in ["shop.lab.test", "locked.lab.test"] {
        assert!(behind
            .iter()
            .any(|v| v["asset"] == site && v["evidence"]["provider"] == "labshield"));
    }

    // origin bypass: the shop's origin serves it directly; the locked origin refuses
    let bypass = of_kind(&f, "origin.bypass");
    assert_eq!(bypass.len(), 1, "{bypass:?}");
    assert_eq!(bypass[0]["asset"], "shop.lab.test");
    assert_eq!(bypass[0]["address"], "10.77.0.20");
    assert_eq!(bypass[0]["evidence"]["edge"]["response"]["title"], "Shop");
    assert_eq!(bypass[0]["evidence"]["origin"]["response"]["title"], "Shop");
    let locked = of_kind(&f, "origin.protected");
    assert_eq!(locked.len(), 1, "{locked:?}");
    assert_eq!(locked[0]["asset"], "locked.lab.test");
    let lock_origin = locked[0]["evidence"]["candidates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "10.77.0.21")
        .unwrap();
    assert_eq!(lock_origin["result"], "differs");
    assert_eq!(lock_origin["response"]["status"], 403);
    assert!(oos.iter().any(|v| v["asset"] == "edge.lab.test"));
    assert!(of_kind(&f, "protection.none")
        .iter()
        .any(|v| v["asset"] == "www.lab.test"));

    // priority: the web host (memcached, DoS CVEs, AXFR on its domain) first, RDP high
    let rows: Vec<&str> = stderr
        .lines()
        .skip_while(|l| !l.contains("top finding"))
        .skip(1)
        .take_while(|l| !l.contains(" assets, "))
        .collect();
    assert!(rows.len() >= 3, "{stderr}");
    assert!(rows[0].contains(" lab.test "), "{stderr}");
    assert!(
        rows.iter().take(5).any(|r| r.contains("rdp.lab.test")),
        "{stderr}"
    );
    let scores: Vec<u32> = rows
        .iter()
        .map(|r| r.split_whitespace().nth(2).unwrap().parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");

    // positive control: the same counter does move when the outside host is in scope
    let (f2, _) = lab.surface(
        "10.77.1.50/32\n",
        &[
            "--sweep",
            "--ports",
            "80",
            "--no-udp",
            "--timeout-ms",
            "500",
        ],
    );
    assert!(f2.is_empty());
    assert!(
        lab.tcp_udp_in("out") > outside_after,
        "the packet counter does not see probes"
    );
}
