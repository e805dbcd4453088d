//! UDP amplifier probes beyond DNS, SNMP and memcached: NTP mode 6 (READVAR) and mode 7
//! (monlist), SSDP, CLDAP, chargen. Each sends one small request, collects every reply
//! datagram from the target within the deadline, and reports the bandwidth
//! amplification factor = reply bytes / request bytes (UDP payloads).

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::json;

use crate::finding::Severity;
use crate::net;
use crate::probe::Target;
use crate::wire;

/// Most datagrams one probe collects (a monlist answer spans up to 100).
const MAX_DATAGRAMS: usize = 256;

async fn ask(t: &Target<'_>, port: u16, req: &[u8], wait: Duration) -> Vec<Vec<u8>> {
    net::udp_exchange(
        t.guard,
        SocketAddr::new(t.addr, port),
        req,
        wait,
        MAX_DATAGRAMS,
    )
    .await
    .unwrap_or_default()
}

#[allow(clippy::too_many_arguments)]
fn emit(
    t: &Target<'_>,
    kind: &str,
    severity: Severity,
    port: u16,
    what: &str,
    why: &str,
    request: usize,
    reply: usize,
    datagrams: usize,
    extra: serde_json::Value,
) {
    let factor = wire::amplification(reply, request);
    let mut ev = json!({"request_bytes": request, "reply_bytes": reply, "datagrams": datagrams, "factor": factor});
    if let (Some(e), serde_json::Value::Object(x)) = (ev.as_object_mut(), extra) {
        e.extend(x);
    }
    (t.emit)(
        t.finding(
            kind,
            severity,
            Some(port),
            format!("{what} on {}:{port}, amplification {factor}x", t.addr),
            why,
        )
        .evidence(ev),
    );
}

/// NTP mode 6 READVAR: the daemon's variables to anyone.
pub(crate) async fn ntp_mode6(t: &Target<'_>, wait: Duration) {
    let got = ask(t, 123, &wire::NTP_READVAR, wait).await;
    let Some(r) = wire::parse_ntp_mode6(&got) else {
        return;
    };
    if let Some(v) = &r.version {
        t.dos(123, v);
    }
    emit(
        t,
        "amp.ntp_mode6",
        Severity::High,
        123,
        "NTP answers mode 6 (READVAR) queries",
        "NTP control queries answered for anyone: a reflection/amplification source that also leaks the daemon's version",
        wire::NTP_READVAR.len(),
        r.bytes,
        r.datagrams,
        json!({"version": r.version}),
    );
}

/// NTP mode 7 MON_GETLIST_1 ("monlist", CVE-2013-5211).
pub(crate) async fn ntp_monlist(t: &Target<'_>, wait: Duration) {
    let got = ask(t, 123, &wire::NTP_MONLIST, wait).await;
    let Some(r) = wire::parse_ntp_monlist(&got) else {
        return;
    };
    emit(
        t,
        "amp.ntp_monlist",
        Severity::Critical,
        123,
        "NTP answers monlist (mode 7 MON_GETLIST_1)",
        "monlist (CVE-2013-5211) returns up to 600 client records to a 48-byte spoofed request: one of the largest amplifiers",
        wire::NTP_MONLIST.len(),
        r.bytes,
        r.datagrams,
        json!({"items": r.items, "cve": "CVE-2013-5211"}),
    );
}

/// SSDP M-SEARCH ssdp:all answered over unicast.
pub(crate) async fn ssdp(t: &Target<'_>, wait: Duration) {
    let got = ask(t, 1900, wire::SSDP_MSEARCH, wait).await;
    let Some(r) = wire::parse_ssdp(&got) else {
        return;
    };
    emit(
        t,
        "amp.ssdp",
        Severity::High,
        1900,
        "SSDP answers M-SEARCH",
        "UPnP discovery answered from outside: reflection/amplification, and the device advertises its services",
        wire::SSDP_MSEARCH.len(),
        r.bytes,
        r.datagrams,
        json!({"server": r.server, "services": r.services}),
    );
}

/// CLDAP rootDSE search over UDP/389.
pub(crate) async fn cldap(t: &Target<'_>, wait: Duration) {
    let got = ask(t, 389, &wire::CLDAP_ROOTDSE, wait).await;
    let Some(r) = wire::parse_cldap(&got) else {
        return;
    };
    emit(
        t,
        "amp.cldap",
        Severity::High,
        389,
        "CLDAP answers rootDSE searches",
        "connectionless LDAP (typically a domain controller) answered from outside: a large reflection/amplification source",
        wire::CLDAP_ROOTDSE.len(),
        r.bytes,
        r.datagrams,
        json!({"entries": r.entries, "result_code": r.result_code}),
    );
}

/// Chargen on UDP/19.
pub(crate) async fn chargen(t: &Target<'_>, wait: Duration) {
    let got = ask(t, 19, wire::CHARGEN_REQUEST, wait).await;
    let Some((bytes, datagrams)) = wire::parse_chargen(&got) else {
        return;
    };
    emit(
        t,
        "amp.chargen",
        Severity::High,
        19,
        "chargen answers on UDP",
        "the character generator answers any datagram with a line of text: a classic reflection/amplification source",
        wire::CHARGEN_REQUEST.len(),
        bytes,
        datagrams,
        json!({}),
    );
}
