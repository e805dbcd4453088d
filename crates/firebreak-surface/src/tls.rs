//! TLS probes: the certificate (subject, SANs, issuer, validity, self-signed, key),
//! which protocol versions the server accepts, HTTPS fingerprints with SNI, and whether
//! the server lets a client renegotiate.
//!
//! Two routes, both over connections the [`Guard`] admitted (`net`):
//! - versions: a hand-made ClientHello per version (`wire::tls_client_hello`) and the
//!   server's first flight read without decrypting, so TLS 1.0/1.1 acceptance is asked
//!   whatever the local TLS library would allow;
//! - certificates, HTTPS and renegotiation: the system's OpenSSL (the `openssl` crate)
//!   with no certificate verification (we record what the server shows, we do not
//!   trust it), every cipher down to `@SECLEVEL=0` and TLS 1.0 as the floor, so old
//!   servers still answer. Renegotiation is a real `SSL_renegotiate` + handshake on a
//!   TLS 1.2 session: the server either completes a new handshake or refuses.
//!
//! Certificate text (names, SANs) is attacker-controlled: it is kept as data, length-
//! and count-capped, never interpreted.

use std::io::{Read, Write};
use std::net::SocketAddr;

use foreign_types_shared::ForeignTypeRef;
use openssl::ssl::{SslConnector, SslMethod, SslOptions, SslVerifyMode, SslVersion};
use serde::Serialize;
use x509_parser::prelude::{FromDer, GeneralName, X509Certificate};

use serde_json::json;

use crate::error::SurfaceError;
use crate::finding::Severity;
use crate::net::{self, BlockingConn};
use crate::probe::Target;
use crate::scope::Guard;
use crate::wire::{self, tls_version, TlsReply, WireError};

/// Most SAN entries kept from one certificate.
pub const MAX_SANS: usize = 500;
const MAX_TEXT: usize = 256;

/// What a certificate says, as recorded (not trusted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertInfo {
    /// Subject distinguished name (RFC 4514 style).
    pub subject: String,
    /// Subject common name, if any.
    pub common_name: Option<String>,
    /// DNS names and addresses of the subjectAltName extension (lower-cased DNS names,
    /// at most [`MAX_SANS`]).
    pub sans: Vec<String>,
    /// Issuer distinguished name.
    pub issuer: String,
    /// Start of validity (RFC 3339, UTC).
    pub not_before: String,
    /// End of validity (RFC 3339, UTC).
    pub not_after: String,
    /// `not_after` is in the past (at the time of the probe).
    pub expired: bool,
    /// `not_before` is in the future.
    pub not_yet_valid: bool,
    /// Issuer = subject and the certificate's own key verifies its signature.
    pub self_signed: bool,
    /// `RSA`, `EC`, `DSA`, `Ed25519`, ... (the key algorithm).
    pub key_type: String,
    /// Key size in bits (0 when unknown).
    pub key_bits: usize,
    /// Signature algorithm (OID name or dotted OID).
    pub signature_algorithm: String,
    /// Serial number (hex).
    pub serial: String,
    /// SHA-256 of the DER (hex).
    pub sha256: String,
}

impl CertInfo {
    /// Whether the certificate covers `name` (exact SAN, or `*.` wildcard of one
    /// label; the CN only when there is no SAN, as browsers no longer do but old tools did).
    pub fn covers(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let matches = |pat: &str| {
            let pat = pat.to_ascii_lowercase();
            if let Some(rest) = pat.strip_prefix("*.") {
                name.split_once('.')
                    .is_some_and(|(l, tail)| !l.is_empty() && tail == rest)
            } else {
                pat == name
            }
        };
        if self.sans.is_empty() {
            return self.common_name.as_deref().is_some_and(matches);
        }
        self.sans.iter().any(|s| matches(s))
    }
}

fn capped(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control())
        .take(MAX_TEXT)
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn rfc3339(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0)
        .map(|d| d.to_rfc3339())
        .unwrap_or_else(|| t.to_string())
}

/// Reads a DER certificate; `now` (Unix seconds) decides `expired`.
pub fn parse_cert(der: &[u8], now: i64) -> Result<CertInfo, SurfaceError> {
    let (_, c) = X509Certificate::from_der(der)
        .map_err(|e| SurfaceError::Tls(format!("certificate: {e}")))?;
    let mut sans = Vec::new();
    if let Ok(Some(ext)) = c.subject_alternative_name() {
        for n in &ext.value.general_names {
            if sans.len() >= MAX_SANS {
                break;
            }
            match n {
                GeneralName::DNSName(d) => sans.push(capped(d).to_ascii_lowercase()),
                GeneralName::IPAddress(b) => match b.len() {
                    4 => sans.push(std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string()),
                    16 => {
                        let a: [u8; 16] = (*b).try_into().unwrap_or([0; 16]);
                        sans.push(std::net::Ipv6Addr::from(a).to_string())
                    }
                    _ => {}
                },
                _ => {}
            }
        }
    }
    let common_name = c
        .subject()
        .iter_common_name()
        .next()
        .and_then(|cn| cn.as_str().ok())
        .map(capped);
    let spki = c.public_key();
    let key_bits = spki.parsed().map(|k| k.key_size()).unwrap_or(0);
    let key_oid = spki.algorithm.algorithm.to_id_string();
    let key_type = match key_oid.as_str() {
        "1.2.840.113549.1.1.1" => "RSA",
        "1.2.840.10045.2.1" => "EC",
        "1.2.840.10040.4.1" => "DSA",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        other => other,
    }
    .to_string();
    let sig_oid = c.signature_algorithm.algorithm.to_id_string();
    let signature_algorithm = match sig_oid.as_str() {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.3.101.112" => "Ed25519",
        other => other,
    }
    .to_string();
    let nb = c.validity().not_before.timestamp();
    let na = c.validity().not_after.timestamp();
    let same_name = c.subject().as_raw() == c.issuer().as_raw();
    let self_signed = same_name && verifies_itself(der);
    Ok(CertInfo {
        subject: capped(&c.subject().to_string()),
        common_name,
        sans,
        issuer: capped(&c.issuer().to_string()),
        not_before: rfc3339(nb),
        not_after: rfc3339(na),
        expired: na < now,
        not_yet_valid: nb > now,
        self_signed,
        key_type,
        key_bits,
        signature_algorithm,
        serial: capped(&c.raw_serial_as_string()),
        sha256: hex(&openssl::sha::sha256(der)),
    })
}

fn verifies_itself(der: &[u8]) -> bool {
    let Ok(x) = openssl::x509::X509::from_der(der) else {
        return false;
    };
    x.public_key().and_then(|k| x.verify(&k)).unwrap_or(false)
}

/// One version's verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionVerdict {
    /// `TLSv1.0` ...
    pub version: &'static str,
    /// The server answered a ServerHello for exactly this version.
    pub accepted: bool,
    /// What it answered: `server hello`, `alert 70`, `closed`, `no answer`, or the
    /// version it chose instead.
    pub answer: String,
    /// The server announced RFC 5746 secure renegotiation (renegotiation_info).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_renegotiation: Option<bool>,
}

/// The versions asked, oldest first.
pub const PROBED_VERSIONS: [u16; 4] = [
    tls_version::TLS10,
    tls_version::TLS11,
    tls_version::TLS12,
    tls_version::TLS13,
];

/// Whether a reply to a ClientHello for `asked` accepts that version.
pub fn verdict(asked: u16, reply: Result<TlsReply, WireError>) -> VersionVerdict {
    let version = wire::tls_version_name(asked);
    let (accepted, answer, secure) = match reply {
        Ok(TlsReply::Hello(h)) if h.version == asked => (
            true,
            if h.retry_request {
                "hello retry request".to_string()
            } else {
                "server hello".to_string()
            },
            (asked < tls_version::TLS13).then_some(h.secure_renegotiation),
        ),
        Ok(TlsReply::Hello(h)) => (
            false,
            format!("chose {}", wire::tls_version_name(h.version)),
            None,
        ),
        Ok(TlsReply::Alert { description, .. }) => (false, format!("alert {description}"), None),
        Err(WireError::Truncated(0)) => (false, "closed".to_string(), None),
        Err(e) => (false, format!("not a TLS answer: {e}"), None),
    };
    VersionVerdict {
        version,
        accepted,
        answer,
        secure_renegotiation: secure,
    }
}

/// Asks `sa` for each of [`PROBED_VERSIONS`] with a hand-made ClientHello (SNI `sni`).
pub(crate) async fn probe_versions(
    guard: &Guard,
    sa: SocketAddr,
    sni: Option<&str>,
) -> Vec<VersionVerdict> {
    let mut out = Vec::new();
    for v in PROBED_VERSIONS {
        let hello = wire::tls_client_hello(v, sni, rand::random(), rand::random());
        let reply = match net::connect(guard, sa).await {
            Ok(Some(mut c)) => match c
                .exchange(&hello, 64 * 1024, wire::tls_reply_complete)
                .await
            {
                Ok(b) => wire::parse_tls_reply(&b),
                Err(SurfaceError::Timeout) => {
                    out.push(VersionVerdict {
                        version: wire::tls_version_name(v),
                        accepted: false,
                        answer: "no answer".into(),
                        secure_renegotiation: None,
                    });
                    continue;
                }
                Err(_) => Err(WireError::Truncated(0)),
            },
            _ => Err(WireError::Truncated(0)),
        };
        out.push(verdict(v, reply));
    }
    out
}

/// A TLS session's facts and what the server answered inside it.
#[derive(Debug, Clone)]
pub struct TlsSession {
    /// Negotiated protocol (`TLSv1.3` ...).
    pub protocol: String,
    /// Negotiated cipher.
    pub cipher: Option<String>,
    /// The chain as sent, leaf first (DER).
    pub chain: Vec<Vec<u8>>,
    /// The application bytes read back (an HTTP response).
    pub response: Vec<u8>,
}

fn connector(max: Option<SslVersion>) -> Result<SslConnector, SurfaceError> {
    let e = |e: openssl::error::ErrorStack| SurfaceError::Tls(e.to_string());
    let mut b = SslConnector::builder(SslMethod::tls_client()).map_err(e)?;
    b.set_verify(SslVerifyMode::NONE);
    b.set_cipher_list("ALL:@SECLEVEL=0").map_err(e)?;
    b.set_min_proto_version(Some(SslVersion::TLS1)).map_err(e)?;
    b.set_max_proto_version(max).map_err(e)?;
    // talk to servers without RFC 5746 too (we only look)
    // SSL_OP_LEGACY_SERVER_CONNECT (no constant in the crate)
    b.set_options(SslOptions::from_bits_retain(0x4));
    Ok(b.build())
}

fn handshake(
    conn: BlockingConn,
    host: &str,
    max: Option<SslVersion>,
) -> Result<openssl::ssl::SslStream<BlockingConn>, SurfaceError> {
    let cfg = connector(max)?
        .configure()
        .map_err(|e| SurfaceError::Tls(e.to_string()))?
        .verify_hostname(false);
    cfg.connect(host, conn).map_err(|e| {
        let msg = e.to_string();
        SurfaceError::Tls(msg.chars().take(300).collect())
    })
}

fn session_facts(s: &openssl::ssl::SslStream<BlockingConn>) -> TlsSession {
    let ssl = s.ssl();
    let mut chain: Vec<Vec<u8>> = ssl
        .peer_cert_chain()
        .map(|c| c.iter().filter_map(|x| x.to_der().ok()).collect())
        .unwrap_or_default();
    if chain.is_empty() {
        if let Some(der) = ssl.peer_certificate().and_then(|x| x.to_der().ok()) {
            chain.push(der);
        }
    }
    TlsSession {
        protocol: ssl.version_str().to_string(),
        cipher: ssl.current_cipher().map(|c| c.name().to_string()),
        chain,
        response: Vec::new(),
    }
}

/// TLS to `sa` with SNI `host` (unless an address), then `GET path` with `Host: host`.
/// `Ok(None)` when the port is closed.
pub(crate) async fn https_get(
    guard: &Guard,
    sa: SocketAddr,
    host: &str,
    path: &str,
) -> Result<Option<TlsSession>, SurfaceError> {
    session(guard, sa, host, Some(path)).await
}

/// TLS to `sa` with SNI `host`; with `path`, `GET path` and its answer, else the
/// handshake alone (services that are not HTTP). `Ok(None)` when the port is closed.
pub(crate) async fn session(
    guard: &Guard,
    sa: SocketAddr,
    host: &str,
    path: Option<&str>,
) -> Result<Option<TlsSession>, SurfaceError> {
    let Some(conn) = net::connect(guard, sa).await? else {
        return Ok(None);
    };
    let conn = conn.into_blocking()?;
    let (host, path) = (host.to_string(), path.map(str::to_string));
    tokio::task::spawn_blocking(move || {
        let mut s = handshake(conn, &host, None)?;
        let mut facts = session_facts(&s);
        let Some(path) = path else {
            return Ok(Some(facts));
        };
        s.write_all(&wire::http_request(&host, &path))?;
        let mut buf = [0u8; 8192];
        while facts.response.len() < 256 * 1024 && !wire::http_complete(&facts.response) {
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => facts.response.extend_from_slice(&buf[..n]),
                Err(_) => break,
            }
        }
        Ok(Some(facts))
    })
    .await
    .map_err(|_| SurfaceError::Closed)?
}

/// What a client-initiated renegotiation attempt gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Renegotiation {
    /// The TLS version of the session (renegotiation exists up to TLS 1.2).
    pub protocol: String,
    /// The server completed a second handshake started by the client.
    pub accepted: bool,
    /// How it ended (`renegotiated`, the refusal, `tls1.3: no renegotiation`).
    pub answer: String,
}

extern "C" {
    // libssl (linked by openssl-sys); no safe wrapper exists in the `openssl` crate.
    fn SSL_renegotiate(s: *mut openssl_sys::SSL) -> std::os::raw::c_int;
    fn SSL_renegotiate_pending(s: *const openssl_sys::SSL) -> std::os::raw::c_int;
}

/// Opens a TLS ≤ 1.2 session with `sa` and asks for a new handshake (one, never more).
/// `Ok(None)` when the port is closed.
pub(crate) async fn renegotiate(
    guard: &Guard,
    sa: SocketAddr,
    host: &str,
) -> Result<Option<Renegotiation>, SurfaceError> {
    let Some(conn) = net::connect(guard, sa).await? else {
        return Ok(None);
    };
    let conn = conn.into_blocking()?;
    let host = host.to_string();
    tokio::task::spawn_blocking(move || {
        let mut s = match handshake(conn, &host, Some(SslVersion::TLS1_2)) {
            Ok(s) => s,
            Err(SurfaceError::Tls(e)) => {
                return Ok(Some(Renegotiation {
                    protocol: "none".into(),
                    accepted: false,
                    answer: format!("no TLS 1.2 session: {e}"),
                }))
            }
            Err(e) => return Err(e),
        };
        let protocol = s.ssl().version_str().to_string();
        // SAFETY: the pointer is the live SSL of `s`, used on this thread only.
        let started = unsafe { SSL_renegotiate(s.ssl().as_ptr()) } == 1;
        if !started {
            return Ok(Some(Renegotiation {
                protocol,
                accepted: false,
                answer: "the local library would not start a renegotiation".into(),
            }));
        }
        let (accepted, answer) = match s.do_handshake() {
            // SAFETY: as above.
            Ok(()) if unsafe { SSL_renegotiate_pending(s.ssl().as_ptr()) } == 0 => {
                (true, "renegotiated".to_string())
            }
            Ok(()) => (
                false,
                "handshake returned with the renegotiation pending".into(),
            ),
            Err(e) => {
                let timed_out = e.io_error().is_some_and(|io| {
                    matches!(
                        io.kind(),
                        std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
                    )
                });
                let msg: String = e.to_string().chars().take(200).collect();
                if timed_out {
                    (false, "no answer to the renegotiation".into())
                } else {
                    (false, format!("refused: {msg}"))
                }
            }
        };
        Ok(Some(Renegotiation {
            protocol,
            accepted,
            answer,
        }))
    })
    .await
    .map_err(|_| SurfaceError::Closed)?
}

/// Everything TLS on one port: versions, certificate, the HTTPS answer to `GET /`
/// (returned for the web fingerprint) and client-initiated renegotiation. Emits
/// `service.tls`, `tls.old_protocol`, `tls.certificate_expired`, `tls.self_signed`,
/// `tls.client_renegotiation`. `None` when the port does not speak TLS (or, for a
/// service that is not HTTP (`http` false), always: no request is sent).
pub(crate) async fn check(t: &Target<'_>, port: u16, http: bool) -> Option<Vec<u8>> {
    let sa = SocketAddr::new(t.addr, port);
    let sni = Some(t.asset).filter(|a| a.parse::<std::net::IpAddr>().is_err());
    let versions = probe_versions(t.guard, sa, sni).await;
    let session = session(t.guard, sa, t.asset, http.then_some("/"))
        .await
        .ok()
        .flatten();
    if session.is_none() && !versions.iter().any(|v| v.accepted) {
        return None;
    }
    let now = chrono::Utc::now().timestamp();
    let cert = session
        .as_ref()
        .and_then(|s| s.chain.first())
        .and_then(|der| parse_cert(der, now).ok());
    let accepted: Vec<&str> = versions
        .iter()
        .filter(|v| v.accepted)
        .map(|v| v.version)
        .collect();
    (t.emit)(
        t.finding(
            "service.tls",
            Severity::Info,
            Some(port),
            format!("TLS on {sa} ({})", accepted.join(", ")),
            "certificate and protocol versions recorded (not trusted)",
        )
        .evidence(json!({
            "sni": sni,
            "versions": versions,
            "accepted": accepted,
            "negotiated": session.as_ref().map(|s| s.protocol.clone()),
            "cipher": session.as_ref().and_then(|s| s.cipher.clone()),
            "chain_length": session.as_ref().map(|s| s.chain.len()),
            "certificate": cert,
        })),
    );
    let old: Vec<&str> = versions
        .iter()
        .filter(|v| v.accepted && (v.version == "TLSv1.0" || v.version == "TLSv1.1"))
        .map(|v| v.version)
        .collect();
    if !old.is_empty() {
        (t.emit)(
            t.finding(
                "tls.old_protocol",
                Severity::Medium,
                Some(port),
                format!("{sa} accepts {}", old.join(" and ")),
                "TLS 1.0/1.1 are deprecated (RFC 8996): weak ciphers and downgrade attacks; often a sign of an unpatched appliance",
            )
            .evidence(json!({"accepted": accepted, "versions": versions})),
        );
    }
    if let Some(c) = &cert {
        certificate_findings(t, port, c);
    }
    if versions
        .iter()
        .any(|v| v.accepted && v.version != "TLSv1.3")
    {
        if let Ok(Some(r)) = renegotiate(t.guard, sa, t.asset).await {
            if r.accepted {
                (t.emit)(
                    t.finding(
                        "tls.client_renegotiation",
                        Severity::Medium,
                        Some(port),
                        format!("{sa} lets clients renegotiate TLS"),
                        "each client-initiated renegotiation costs the server a full handshake: one client can exhaust its CPU (CVE-2011-1473, THC-SSL-DoS)",
                    )
                    .evidence(json!(r)),
                );
            }
        }
    }
    session.filter(|_| http).map(|s| s.response)
}

/// `tls.certificate_expired` and `tls.self_signed` for a certificate seen on `port`.
pub(crate) fn certificate_findings(t: &Target<'_>, port: u16, c: &CertInfo) {
    let sa = SocketAddr::new(t.addr, port);
    if c.expired {
        (t.emit)(
            t.finding(
                "tls.certificate_expired",
                Severity::Low,
                Some(port),
                format!("{sa} presents an expired certificate"),
                "an expired certificate trains users to click through warnings; often an abandoned service",
            )
            .evidence(json!({"subject": c.subject, "not_after": c.not_after, "sha256": c.sha256})),
        );
    }
    if c.self_signed {
        (t.emit)(
            t.finding(
                "tls.self_signed",
                Severity::Low,
                Some(port),
                format!("{sa} presents a self-signed certificate"),
                "clients cannot authenticate the server: interception goes unnoticed; typical of appliance defaults",
            )
            .evidence(json!({"subject": c.subject, "issuer": c.issuer, "sha256": c.sha256})),
        );
    }
}

/// TLS over a connection that is already open (after STARTTLS): the session's facts.
pub(crate) async fn upgrade(conn: net::Conn, host: &str) -> Result<TlsSession, SurfaceError> {
    let conn = conn.into_blocking()?;
    let host = host.to_string();
    tokio::task::spawn_blocking(move || handshake(conn, &host, None).map(|s| session_facts(&s)))
        .await
        .map_err(|_| SurfaceError::Closed)?
}

/// The slow-request probe of [`crate::slow`] over TLS: after the handshake, `head` (an
/// incomplete request), then `X-Fb-<n>: <n>` every `every` until `hold`. `None` when
/// the port is closed or no TLS session could be made.
pub(crate) async fn slow_request(
    guard: &Guard,
    sa: SocketAddr,
    host: &str,
    head: String,
    hold: std::time::Duration,
    every: std::time::Duration,
) -> Option<crate::slow::SlowConn> {
    use std::time::Instant;
    let conn = net::connect_for(guard, sa, hold + std::time::Duration::from_secs(3))
        .await
        .ok()??;
    let mut conn = conn.into_blocking().ok()?;
    let host = host.to_string();
    tokio::task::spawn_blocking(move || {
        // the time counts from the connection: a server that serves one client at a
        // time (still handshaking with us at the threshold) holds it open too
        let start = Instant::now();
        let end = start + hold;
        conn.read_until(Some(end));
        let cfg = connector(None)
            .ok()?
            .configure()
            .ok()?
            .verify_hostname(false);
        let mut s = match cfg.connect(&host, conn) {
            Ok(s) => s,
            Err(openssl::ssl::HandshakeError::WouldBlock(_)) => {
                return Some(crate::slow::SlowConn {
                    open_seconds: hold.as_secs_f64(),
                    closed_by_server: false,
                    lines_sent: 0,
                    status: None,
                })
            }
            Err(_) => return None,
        };
        let open_for = |start: Instant| (start.elapsed().as_secs_f64() * 10.0).round() / 10.0;
        s.write_all(head.as_bytes()).ok()?;
        let (mut lines, mut got) = (0u32, Vec::new());
        let mut buf = [0u8; 2048];
        loop {
            let next = (Instant::now() + every).min(end);
            s.get_mut().read_until(Some(next));
            let r = s.ssl_read(&mut buf);
            s.get_mut().read_until(None);
            match r {
                Ok(n) if n > 0 => {
                    if got.len() < 4096 {
                        got.extend_from_slice(&buf[..n]);
                    }
                }
                Err(e)
                    if e.io_error().is_some_and(|io| {
                        matches!(
                            io.kind(),
                            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                        )
                    }) =>
                {
                    if Instant::now() >= end {
                        return Some(crate::slow::SlowConn {
                            open_seconds: hold.as_secs_f64(),
                            closed_by_server: false,
                            lines_sent: lines,
                            status: None,
                        });
                    }
                    lines += 1;
                    if s.write_all(format!("X-Fb-{lines}: {lines}\r\n").as_bytes())
                        .is_err()
                    {
                        return Some(crate::slow::SlowConn {
                            open_seconds: open_for(start),
                            closed_by_server: true,
                            lines_sent: lines - 1,
                            status: None,
                        });
                    }
                }
                // end of stream, close_notify, reset
                _ => {
                    return Some(crate::slow::SlowConn {
                        open_seconds: open_for(start),
                        closed_by_server: true,
                        lines_sent: lines,
                        status: wire::parse_http(&got).map(|i| i.status),
                    })
                }
            }
        }
    })
    .await
    .ok()?
}

#[cfg(test)]
mod tests {
    use super::*;
    use openssl::asn1::Asn1Time;
    use openssl::hash::MessageDigest;
    use openssl::pkey::PKey;
    use openssl::x509::extension::SubjectAlternativeName;
    use openssl::x509::{X509Builder, X509NameBuilder};

    fn cert(days_from: i64, days_to: u32, self_signed: bool) -> Vec<u8> {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let other = PKey::from_ec_key(
            openssl::ec::EcKey::generate(
                &openssl::ec::EcGroup::from_curve_name(openssl::nid::Nid::X9_62_PRIME256V1)
                    .unwrap(),
            )
            .unwrap(),
        )
        .unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "vpn.lab.test").unwrap();
        name.append_entry_by_text("O", "Lab\u{7}Corp").unwrap();
        let name = name.build();
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        b.set_not_before(&Asn1Time::from_unix(now + days_from * 86400).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(days_to).unwrap())
            .unwrap();
        let san = SubjectAlternativeName::new()
            .dns("vpn.lab.test")
            .dns("*.Portal.Lab.Test")
            .ip("10.77.0.60")
            .build(&b.x509v3_context(None, None))
            .unwrap();
        b.append_extension(san).unwrap();
        // "self-signed" needs the signature to verify with the certificate's own key
        b.sign(
            if self_signed { &key } else { &other },
            MessageDigest::sha256(),
        )
        .unwrap();
        b.build().to_der().unwrap()
    }

    #[test]
    fn certificate_fields() {
        let now = chrono::Utc::now().timestamp();
        let c = parse_cert(&cert(-1, 30, true), now).unwrap();
        assert_eq!(c.common_name.as_deref(), Some("vpn.lab.test"));
        assert_eq!(
            c.sans,
            vec!["vpn.lab.test", "*.portal.lab.test", "10.77.0.60"]
        );
        assert!(c.self_signed && !c.expired && !c.not_yet_valid);
        assert_eq!((c.key_type.as_str(), c.key_bits), ("RSA", 2048));
        assert_eq!(c.signature_algorithm, "sha256WithRSAEncryption");
        assert!(
            !c.subject.contains('\u{7}'),
            "control characters kept: {}",
            c.subject
        );
        assert_eq!(c.sha256.len(), 64);
        assert!(c.covers("vpn.lab.test") && c.covers("a.portal.lab.test"));
        assert!(!c.covers("a.b.portal.lab.test") && !c.covers("portal.lab.test"));
        // same names, signed by another key: not self-signed
        let c = parse_cert(&cert(-1, 30, false), now).unwrap();
        assert!(!c.self_signed);
        // expiry is judged against the time given
        let c = parse_cert(&cert(-1, 1, true), now + 3 * 86400).unwrap();
        assert!(c.expired);
        let c = parse_cert(&cert(2, 30, true), now).unwrap();
        assert!(c.not_yet_valid);
        assert!(parse_cert(b"\x30\x03\x02\x01\x01", now).is_err());
    }

    #[test]
    fn version_verdicts() {
        let hello = |version| {
            Ok(TlsReply::Hello(wire::ServerHello {
                version,
                cipher: 0xc013,
                secure_renegotiation: true,
                retry_request: false,
                certificates: vec![],
                complete: true,
            }))
        };
        let v = verdict(tls_version::TLS10, hello(tls_version::TLS10));
        assert!(v.accepted);
        assert_eq!(v.version, "TLSv1.0");
        assert_eq!(v.secure_renegotiation, Some(true));
        let v = verdict(tls_version::TLS11, hello(tls_version::TLS10));
        assert!(!v.accepted);
        assert_eq!(v.answer, "chose TLSv1.0");
        let v = verdict(
            tls_version::TLS10,
            Ok(TlsReply::Alert {
                level: 2,
                description: 70,
            }),
        );
        assert!(!v.accepted);
        assert_eq!(v.answer, "alert 70");
        assert_eq!(
            verdict(tls_version::TLS12, Err(WireError::Truncated(0))).answer,
            "closed"
        );
    }

    /// An OpenSSL server on 127.0.0.1 for `conns` connections: TLS `min`..=any, a
    /// self-signed certificate for `vpn.lab.test`; client renegotiation allowed or not.
    fn server(min: SslVersion, allow_reneg: bool, conns: usize) -> SocketAddr {
        use openssl::ssl::SslAcceptor;
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let mut name = X509NameBuilder::new().unwrap();
        name.append_entry_by_text("CN", "vpn.lab.test").unwrap();
        let name = name.build();
        let mut b = X509Builder::new().unwrap();
        b.set_version(2).unwrap();
        b.set_subject_name(&name).unwrap();
        b.set_issuer_name(&name).unwrap();
        b.set_pubkey(&key).unwrap();
        b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
            .unwrap();
        b.set_not_after(&Asn1Time::days_from_now(5).unwrap())
            .unwrap();
        b.sign(&key, MessageDigest::sha256()).unwrap();
        let cert = b.build();
        let mut a = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls_server()).unwrap();
        a.set_certificate(&cert).unwrap();
        a.set_private_key(&key).unwrap();
        a.set_cipher_list("ALL:@SECLEVEL=0").unwrap();
        a.set_security_level(0);
        a.set_min_proto_version(Some(min)).unwrap();
        a.clear_options(SslOptions::NO_TLSV1 | SslOptions::NO_TLSV1_1);
        if allow_reneg {
            // SSL_OP_ALLOW_CLIENT_RENEGOTIATION (OpenSSL 3)
            a.set_options(SslOptions::from_bits_retain(0x100));
        }
        let acceptor = a.build();
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        std::thread::spawn(move || {
            for s in l.incoming().take(conns) {
                let Ok(s) = s else { continue };
                s.set_read_timeout(Some(std::time::Duration::from_secs(5)))
                    .unwrap();
                let Ok(mut tls) = acceptor.accept(s) else {
                    continue;
                };
                let mut buf = [0u8; 4096];
                // read what comes (a renegotiation is processed inside read)
                let mut got = Vec::new();
                while !got.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                let body = "<html><title>Lab VPN</title></html>";
                let _ = tls.write_all(
                    format!(
                        "HTTP/1.1 200 OK\r\nServer: labvpn\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    )
                    .as_bytes(),
                );
                let _ = tls.shutdown();
            }
        });
        addr
    }

    fn guard() -> Guard {
        let scope = crate::scope::Scope::parse("127.0.0.0/8\n").unwrap();
        Guard::new(scope, vec![], crate::scope::Limits::default())
    }

    #[tokio::test]
    async fn loopback_versions_certificate_and_https() {
        let sa = server(SslVersion::TLS1, false, 6);
        let g = guard();
        let v = probe_versions(&g, sa, Some("vpn.lab.test")).await;
        let accepted: Vec<&str> = v.iter().filter(|v| v.accepted).map(|v| v.version).collect();
        assert_eq!(
            accepted,
            vec!["TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"],
            "{v:?}"
        );
        assert_eq!(v[2].secure_renegotiation, Some(true));
        let s = https_get(&g, sa, "vpn.lab.test", "/")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(s.protocol, "TLSv1.3");
        let c = parse_cert(&s.chain[0], chrono::Utc::now().timestamp()).unwrap();
        assert_eq!(c.common_name.as_deref(), Some("vpn.lab.test"));
        assert!(c.self_signed);
        let info = wire::parse_http(&s.response).unwrap();
        assert_eq!(info.title.as_deref(), Some("Lab VPN"));
        // a modern server refuses the old versions
        let modern = server(SslVersion::TLS1_2, false, 4);
        let v = probe_versions(&g, modern, None).await;
        assert!(
            !v[0].accepted && !v[1].accepted && v[2].accepted && v[3].accepted,
            "{v:?}"
        );
        assert!(v[0].answer.starts_with("alert"), "{v:?}");
        // the guard holds: nothing outside the scope is touched
        let out: SocketAddr = "10.77.1.50:443".parse().unwrap();
        assert!(matches!(
            https_get(&g, out, "x", "/").await,
            Err(SurfaceError::OutOfScope(_))
        ));
    }

    #[tokio::test]
    async fn loopback_renegotiation() {
        let g = guard();
        let allowing = server(SslVersion::TLS1, true, 1);
        let r = renegotiate(&g, allowing, "vpn.lab.test")
            .await
            .unwrap()
            .unwrap();
        assert!(r.accepted, "{r:?}");
        assert_eq!(r.protocol, "TLSv1.2");
        let refusing = server(SslVersion::TLS1, false, 1);
        let r = renegotiate(&g, refusing, "vpn.lab.test")
            .await
            .unwrap()
            .unwrap();
        assert!(!r.accepted, "{r:?}");
        assert!(r.answer.starts_with("refused"), "{r:?}");
    }
}
