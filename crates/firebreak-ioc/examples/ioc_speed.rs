//! How fast matching is: a matcher with 100,000 IOCs of every kind over synthetic
//! Sysmon-like events, against a baseline that walks the same events' fields without
//! matching. Prints events per second and the ratio; asserts nothing.
//!
//! `cargo run -p firebreak-ioc --example ioc_speed [events]` (default 200,000; build
//! with `--release` on a quiet machine for meaningful figures).

use firebreak_event::{Event, Fields, Location, SourceKind, Timestamp};
use firebreak_ioc::{parse_csv, IocMatcher};
use std::hint::black_box;
use std::time::Instant;

/// A deterministic stand-in for random numbers.
fn mix(i: u64) -> u64 {
    let mut x = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    x ^= x >> 31;
    x.wrapping_mul(0xbf58_476d_1ce4_e5b9)
}

fn hex(i: u64, len: usize) -> String {
    let mut s = String::with_capacity(len);
    let mut n = 0;
    while s.len() < len {
        s.push_str(&format!("{:016x}", mix(i.wrapping_mul(31).wrapping_add(n))));
        n += 1;
    }
    s.truncate(len);
    s
}

/// 100,000 IOCs as a typed CSV: hashes, IPs, networks, domains, URLs, names, users,
/// command-line substrings.
fn iocs() -> String {
    let mut csv = String::from("type,value\n");
    let mut add = |n: u64, line: &dyn Fn(u64) -> String| {
        for i in 0..n {
            csv.push_str(&line(i));
            csv.push('\n');
        }
    };
    add(30_000, &|i| format!("sha256,{}", hex(i, 64)));
    add(10_000, &|i| format!("md5,{}", hex(i + 1_000_000, 32)));
    add(20_000, &|i| {
        format!(
            "ip,{}.{}.{}.{}",
            11 + i % 200,
            (i >> 8) % 256,
            i % 256,
            mix(i) % 256
        )
    });
    add(5_000, &|i| {
        format!("cidr,{}.{}.0.0/16", 100 + i % 100, i % 256)
    });
    add(20_000, &|i| format!("domain,bad{i}.example{}.net", i % 50));
    add(5_000, &|i| format!("url,http://bad{i}.example.org/p/{i}"));
    add(5_000, &|i| format!("filename,dropper{i}.exe"));
    add(2_000, &|i| format!("user,CORP\\intruder{i}"));
    add(3_000, &|i| format!("command_line,--payload-{i:05} "));
    csv
}

fn events(n: u64) -> Vec<Event> {
    let ts = Timestamp::from_secs(1_700_000_000).unwrap_or_else(|e| panic!("{e}"));
    (0..n)
        .map(|i| {
            let mut e = Event::new(ts, SourceKind::Evtx, Location::Record(i));
            let r = mix(i);
            let hashes = format!(
                "SHA1={},MD5={},SHA256={},IMPHASH={}",
                hex(r, 40),
                hex(r ^ 1, 32),
                hex(r ^ 2, 64),
                hex(r ^ 3, 32)
            );
            let fields: Vec<(String, String)> = vec![
                ("EventID".into(), "1".into()),
                ("Computer".into(), "ws-01.corp.example".into()),
                (
                    "Image".into(),
                    format!("C:\\Program Files\\App{}\\app.exe", r % 97),
                ),
                (
                    "CommandLine".into(),
                    format!(
                        "app.exe --config C:\\ProgramData\\app{}.cfg --verbose --retry {}",
                        r % 13,
                        r % 5
                    ),
                ),
                ("Hashes".into(), hashes),
                ("ParentImage".into(), "C:\\Windows\\explorer.exe".into()),
                ("User".into(), format!("CORP\\user{}", r % 500)),
                (
                    "DestinationIp".into(),
                    format!("10.{}.{}.{}", r % 256, (r >> 8) % 256, (r >> 16) % 256),
                ),
                (
                    "QueryName".into(),
                    format!("host{}.corp{}.example.com", r % 1000, r % 7),
                ),
            ];
            e.fields = fields.into_iter().collect::<Fields>();
            e.process.image = e.fields.get("Image").map(str::to_string);
            e.process.command_line = e.fields.get("CommandLine").map(str::to_string);
            e.process.hashes = e.fields.get("Hashes").map(str::to_string);
            e.domain = e.fields.get("QueryName").map(str::to_string);
            e
        })
        .collect()
}

fn main() {
    let n: u64 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(200_000);
    let started = Instant::now();
    let (set, errors) = parse_csv("synthetic.csv", iocs().as_bytes());
    let matcher = IocMatcher::new(&[set]);
    println!(
        "{} IOCs ({} errors) parsed and indexed in {:.2?}",
        matcher.len(),
        errors.len(),
        started.elapsed()
    );
    let events = events(n);

    let started = Instant::now();
    let mut bytes = 0usize;
    for e in &events {
        for (k, v) in e.fields.iter() {
            bytes += black_box(k).len() + black_box(v).len();
        }
    }
    let baseline = started.elapsed().as_secs_f64();
    black_box(bytes);

    let started = Instant::now();
    let mut hits = 0usize;
    for e in &events {
        matcher.matches(e, &mut |h| {
            black_box(h);
            hits += 1;
        });
    }
    let matching = started.elapsed().as_secs_f64();

    let rate = |secs: f64| n as f64 / secs.max(1e-9);
    println!("baseline (walk fields): {:>12.0} events/s", rate(baseline));
    println!(
        "matching:               {:>12.0} events/s ({hits} hits)",
        rate(matching)
    );
    println!(
        "matching costs {:.1}x the baseline walk",
        matching / baseline.max(1e-9)
    );
}
