//! Loopback tests of the probes against small test doubles (no lab needed): an RDP
//! server that enforces NLA and a Citrix-Gateway-like HTTP server.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::thread;

use firebreak_surface::{run_blocking, Config, Finding, Scope};

const ADDR: &str = "127.0.0.77";

fn serve(listener: TcpListener, reply: &'static [u8], count: usize) -> thread::JoinHandle<usize> {
    thread::spawn(move || {
        let mut served = 0;
        for s in listener.incoming().take(count) {
            let Ok(mut s) = s else { continue };
            let mut buf = [0u8; 2048];
            // a connect scan sends nothing: only answer when a request arrives
            s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                .ok();
            if let Ok(n) = s.read(&mut buf) {
                if n > 0 {
                    let _ = s.write_all(reply);
                    served += 1;
                }
            }
        }
        served
    })
}

fn scan(ports: Vec<u16>) -> Vec<Finding> {
    let mut cfg = Config::new(Scope::parse(&format!("{ADDR}/32\n")).unwrap(), vec![]);
    cfg.sweep = true;
    cfg.udp = false;
    cfg.ports = Some(ports);
    let mut out = Vec::new();
    run_blocking(cfg, |f| out.push(f.clone())).unwrap();
    out
}

#[test]
fn rdp_double_enforcing_nla_and_citrix_double() {
    // RDP_NEG_FAILURE HYBRID_REQUIRED_BY_SERVER to every request
    let rdp = TcpListener::bind((ADDR, 3389)).expect("bind 127.0.0.77:3389");
    let fail: &[u8] = &[
        3, 0, 0, 0x13, 0x0e, 0xd0, 0, 0, 0x12, 0x34, 0, 3, 0, 8, 0, 5, 0, 0, 0,
    ];
    // connect scan (no data) + two negotiation probes
    let rdp_t = serve(rdp, fail, 3);
    let http = TcpListener::bind((ADDR, 80)).expect("bind 127.0.0.77:80");
    let citrix: &[u8] = b"HTTP/1.1 302 Found\r\nServer: Apache/2.2.15\r\nLocation: /logon/LogonPoint/tmindex.html\r\nSet-Cookie: NSC_TEMP=xyz; Path=/\r\nContent-Length: 0\r\n\r\n";
    let http_t = serve(http, citrix, 1);

    let f = scan(vec![3389, 80]);
    let kinds: Vec<&str> = f.iter().map(|f| f.kind.as_str()).collect();
    let nla = f
        .iter()
        .find(|f| f.kind == "rdp.nla_enforced")
        .unwrap_or_else(|| panic!("{kinds:?}"));
    assert_eq!(nla.evidence["nla_enforced"], true);
    assert!(!kinds.contains(&"rdp.nla_not_enforced"));
    assert!(kinds.contains(&"portal.citrix_gateway"), "{kinds:?}");
    let apache: Vec<&Finding> = f.iter().filter(|f| f.kind == "dos.known_cve").collect();
    assert!(
        apache.iter().any(|f| f.evidence["cve"] == "CVE-2011-3192"),
        "{apache:?}"
    );
    assert_eq!(rdp_t.join().unwrap(), 2, "two RDP negotiation probes");
    assert_eq!(http_t.join().unwrap(), 1);
}
