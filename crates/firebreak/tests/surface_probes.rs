//! `firebreak surface`'s service probes against the namespace lab: real nginx (TLS
//! vhosts, old protocols, header timeouts, portal look-alikes), openssl s_server
//! (client renegotiation), ntpsec, minissdpd, inetd chargen, samba (SMB2-only and
//! SMB1), vsftpd, exim, and the test double of tests/doubles for NTP monlist and
//! CLDAP. Needs root and the packages `.ci/run` installs; never skipped.

#[path = "common/lab.rs"]
mod lab;

use std::collections::BTreeSet;

use lab::{of_kind, one_at, Lab};
use serde_json::Value;

const CDN_RANGES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../shared/data/cdn-ranges/sources_data.json"
);

fn strs(v: &Value) -> Vec<&str> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect()
}

fn factor_matches(ev: &Value) {
    let (req, rep) = (
        ev["request_bytes"].as_u64().unwrap(),
        ev["reply_bytes"].as_u64().unwrap(),
    );
    assert!(
        (ev["factor"].as_f64().unwrap() - rep as f64 / req as f64).abs() < 0.01,
        "{ev}"
    );
}

#[test]
fn service_probes_in_the_lab() {
    let lab = Lab::up("fbp");
    // provider ranges: the cdncheck snapshot plus the TLS edge as a WAF provider
    let mut ranges: Value =
        serde_json::from_str(&std::fs::read_to_string(CDN_RANGES).unwrap()).unwrap();
    ranges["waf"]["labshield"] = serde_json::json!(["10.77.0.69/32"]);
    let ranges_file = lab.dir.path().join("ranges.json");
    std::fs::write(&ranges_file, ranges.to_string()).unwrap();
    let (f, stderr) = lab.surface(
        "probe.test\n10.77.0.0/24\n",
        &[
            "--resolver",
            "10.77.0.3",
            "--timeout-ms",
            "2000",
            "--no-brute",
            "--slowloris-secs",
            "4",
            "--cdn-ranges",
            ranges_file.to_str().unwrap(),
        ],
    );
    let kinds: BTreeSet<&str> = f.iter().filter_map(|v| v["kind"].as_str()).collect();
    assert!(of_kind(&f, "scan.problem").is_empty(), "{stderr}");
    // nothing outside the scoped range was reported as probed
    for v in &f {
        if let Some(a) = v["address"].as_str() {
            assert!(a.starts_with("10.77.0."), "{v}");
        }
    }

    // TLS: certificate facts and SANs (discovery reads them), versions by hand-made hello
    let modern = one_at(&f, "service.tls", "10.77.0.60", 443);
    let ev = &modern["evidence"];
    assert_eq!(strs(&ev["accepted"]), vec!["TLSv1.2", "TLSv1.3"]);
    assert_eq!(ev["sni"], "tls.probe.test");
    assert_eq!(ev["negotiated"], "TLSv1.3");
    let cert = &ev["certificate"];
    assert!(strs(&cert["sans"]).contains(&"secure.probe.test"), "{cert}");
    assert_eq!(cert["common_name"], "tls.probe.test");
    assert_eq!(cert["self_signed"], true);
    assert_eq!(cert["expired"], false);
    assert_eq!(cert["key_type"], "RSA");
    assert_eq!(cert["key_bits"], 2048);
    assert!(cert["issuer"].as_str().unwrap().contains("Probe Lab"));
    // the alert for the refused versions is recorded
    assert!(ev["versions"][0]["answer"]
        .as_str()
        .unwrap()
        .starts_with("alert"));
    one_at(&f, "tls.self_signed", "10.77.0.60", 443);
    // TLS 1.0 and 1.1 accepted on the legacy port only (Debian's OpenSSL at SECLEVEL=0)
    let old = one_at(&f, "tls.old_protocol", "10.77.0.60", 4443);
    assert_eq!(old["severity"], "medium");
    assert_eq!(
        strs(&old["evidence"]["accepted"]),
        vec!["TLSv1.0", "TLSv1.1", "TLSv1.2"]
    );
    assert_eq!(
        one_at(&f, "service.tls", "10.77.0.60", 4443)["evidence"]["certificate"]["common_name"],
        "legacy.probe.test"
    );
    assert_eq!(of_kind(&f, "tls.old_protocol").len(), 1, "{kinds:?}");
    // the legacy port's certificate expired on 2021-01-01
    let expired = one_at(&f, "tls.certificate_expired", "10.77.0.60", 4443);
    assert_eq!(
        expired["evidence"]["not_after"],
        "2021-01-01T00:00:00+00:00"
    );
    assert_eq!(of_kind(&f, "tls.certificate_expired").len(), 1);
    // HTTPS fingerprint over TLS with the name as SNI and Host
    let https = one_at(&f, "service.http", "10.77.0.60", 443);
    assert_eq!(https["evidence"]["scheme"], "https");
    assert_eq!(https["evidence"]["title"], "Probe TLS");

    // the profile's guess of the scheme is corrected by what the port speaks
    let swapped = one_at(&f, "service.http", "10.77.0.60", 8000);
    assert_eq!(swapped["evidence"]["scheme"], "https");
    assert_eq!(swapped["evidence"]["title"], "TLS on a web port");
    let plain = one_at(&f, "service.http", "10.77.0.60", 8443);
    assert_eq!(plain["evidence"]["scheme"], "http");
    assert_eq!(plain["evidence"]["title"], "Plain on a TLS port");

    // client-initiated renegotiation: s_server allows it, nginx refuses it
    let reneg = one_at(&f, "tls.client_renegotiation", "10.77.0.62", 443);
    assert_eq!(reneg["evidence"]["answer"], "renegotiated");
    assert_eq!(reneg["evidence"]["protocol"], "TLSv1.2");
    assert_eq!(of_kind(&f, "tls.client_renegotiation").len(), 1);
    // TLS that is not HTTP: the certificate and versions, no HTTP request
    let imaps = one_at(&f, "service.tls", "10.77.0.62", 993);
    assert_eq!(
        imaps["evidence"]["certificate"]["common_name"],
        "tls.probe.test"
    );
    assert!(!f
        .iter()
        .any(|v| v["kind"] == "service.http" && v["port"] == 993));

    // slowloris: 120 s header timeout is exposed, 1 s is not
    let slow = one_at(&f, "dos.slowloris", "10.77.0.60", 8080);
    let conns = slow["evidence"]["connections"].as_array().unwrap();
    assert_eq!(conns.len(), 3);
    assert!(conns.iter().all(|c| c["closed_by_server"] == false));
    assert!(!of_kind(&f, "dos.slowloris")
        .iter()
        .any(|v| v["address"] == "10.77.0.60" && v["port"] == 80));
    one_at(&f, "service.http", "10.77.0.60", 80);
    // ... and over TLS: nginx's default 60 s on 443, 1 s on 4443
    let slow_tls = one_at(&f, "dos.slowloris", "10.77.0.60", 443);
    assert_eq!(
        slow_tls["evidence"]["connections"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(!of_kind(&f, "dos.slowloris")
        .iter()
        .any(|v| v["address"] == "10.77.0.60" && v["port"] == 4443));

    // amplifiers, each factor from the real reply bytes
    let m6 = one_at(&f, "amp.ntp_mode6", "10.77.0.64", 123);
    assert_eq!(m6["evidence"]["request_bytes"], 12);
    assert!(m6["evidence"]["reply_bytes"].as_u64().unwrap() > 200);
    assert!(m6["evidence"]["version"]
        .as_str()
        .unwrap()
        .contains("ntpsec"));
    factor_matches(&m6["evidence"]);
    let ml = one_at(&f, "amp.ntp_monlist", "10.77.0.65", 123);
    assert_eq!(ml["severity"], "critical");
    assert_eq!(ml["evidence"]["request_bytes"], 48);
    assert_eq!(ml["evidence"]["reply_bytes"], 4400);
    assert_eq!(ml["evidence"]["datagrams"], 10);
    assert_eq!(ml["evidence"]["items"], 60);
    factor_matches(&ml["evidence"]);
    // ntpsec has no monlist; the double has no mode 6
    assert_eq!(of_kind(&f, "amp.ntp_monlist").len(), 1);
    assert_eq!(of_kind(&f, "amp.ntp_mode6").len(), 1);
    let ssdp = one_at(&f, "amp.ssdp", "10.77.0.64", 1900);
    assert_eq!(ssdp["evidence"]["datagrams"], 3);
    assert!(ssdp["evidence"]["server"]
        .as_str()
        .unwrap()
        .contains("MiniUPnPd"));
    factor_matches(&ssdp["evidence"]);
    let cl = one_at(&f, "amp.cldap", "10.77.0.65", 389);
    assert_eq!(cl["evidence"]["request_bytes"], 39);
    assert_eq!(cl["evidence"]["entries"], 1);
    assert_eq!(cl["evidence"]["result_code"], 0);
    assert!(cl["evidence"]["reply_bytes"].as_u64().unwrap() > 2000);
    factor_matches(&cl["evidence"]);
    let cg = one_at(&f, "amp.chargen", "10.77.0.65", 19);
    assert_eq!(cg["evidence"]["request_bytes"], 1);
    assert!(cg["evidence"]["reply_bytes"].as_u64().unwrap() >= 72);
    factor_matches(&cg["evidence"]);

    // the authoritative BIND tells its version (which DoS entries match it depends on
    // Debian's current bind9 package: not asserted here, the KB tests cover matching)
    let dns = one_at(&f, "service.dns", "10.77.0.2", 53);
    assert!(dns["evidence"]["version_bind"]
        .as_str()
        .unwrap()
        .starts_with("9."));

    // SMB: dialect from SMB2 NEGOTIATE; SMBv1 only where samba allows NT1
    let smb = one_at(&f, "service.smb", "10.77.0.67", 445);
    assert_eq!(smb["evidence"]["dialect"], "SMB 3.1.1");
    assert_eq!(smb["evidence"]["smb1_accepted"], false);
    let v1 = one_at(&f, "smb.v1_enabled", "10.77.0.68", 445);
    assert_eq!(v1["severity"], "high");
    assert_eq!(of_kind(&f, "smb.v1_enabled").len(), 1);

    // FTP and SMTP banners, and the DoS knowledge for the FTP server's version
    let ftp = one_at(&f, "service.ftp", "10.77.0.67", 21);
    assert_eq!(ftp["evidence"]["banner"], "(vsFTPd 3.0.3)");
    let smtp = one_at(&f, "service.smtp", "10.77.0.67", 25);
    assert!(smtp["evidence"]["banner"]
        .as_str()
        .unwrap()
        .contains("ESMTP Exim 4.96"));
    // the certificates behind STARTTLS and AUTH TLS
    let smtp_tls = one_at(&f, "service.tls", "10.77.0.67", 25);
    assert_eq!(smtp_tls["evidence"]["starttls"], "smtp");
    assert!(smtp_tls["evidence"]["certificate"]["sha256"].is_string());
    let ftp_tls = one_at(&f, "service.tls", "10.77.0.67", 21);
    assert_eq!(ftp_tls["evidence"]["starttls"], "ftp");
    assert_eq!(
        ftp_tls["evidence"]["certificate"]["common_name"],
        "tls.probe.test"
    );
    let dos: Vec<&Value> = of_kind(&f, "dos.known_cve")
        .into_iter()
        .filter(|v| v["address"] == "10.77.0.67" && v["port"] == 21)
        .collect();
    assert!(
        dos.iter().any(|v| v["evidence"]["cve"] == "CVE-2021-30047"
            && v["evidence"]["source"]
                .as_str()
                .unwrap()
                .starts_with("https://")),
        "{dos:?}"
    );

    // remote-access portals by their markers, each on its own port
    let citrix = one_at(&f, "portal.citrix_gateway", "10.77.0.63", 443);
    assert_eq!(
        citrix["evidence"]["rdx_en_gzip_mtime"]["unix"],
        1_688_747_367u64
    );
    assert_eq!(
        citrix["evidence"]["rdx_en_gzip_mtime"]["build"],
        "12.1-55.297"
    );
    for (kind, port) in [
        ("portal.fortinet_sslvpn", 10443),
        ("portal.globalprotect", 4443),
        ("portal.ivanti_connect_secure", 8443),
        ("portal.exchange_owa", 80),
        ("portal.rd_web", 8080),
    ] {
        let p = one_at(&f, kind, "10.77.0.63", port);
        assert!(
            p["evidence"]["signals"].as_array().unwrap().len() >= 2,
            "{p}"
        );
        assert_eq!(
            of_kind(&f, kind).len(),
            1,
            "{kind}: {:?}",
            of_kind(&f, kind)
        );
    }
    assert_eq!(
        one_at(&f, "portal.exchange_owa", "10.77.0.63", 80)["evidence"]["version"],
        "15.1.2507.6"
    );

    // the HTTPS-only site: its origin serves it directly over TLS with SNI + Host
    let bypass = of_kind(&f, "origin.bypass");
    assert_eq!(bypass.len(), 1, "{bypass:?}");
    assert_eq!(bypass[0]["asset"], "secure.probe.test");
    assert_eq!(bypass[0]["address"], "10.77.0.70");
    let origin = &bypass[0]["evidence"]["origin"]["response"];
    assert_eq!(origin["scheme"], "https");
    assert_eq!(origin["title"], "Secure shop");
    assert_eq!(bypass[0]["evidence"]["edge"]["response"]["scheme"], "https");
}
