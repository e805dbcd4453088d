//! Line greetings: FTP and SMTP banners, and the TLS certificate behind STARTTLS (SMTP)
//! or AUTH TLS (FTP) when the server offers it. No login, no mail: EHLO/FEAT, the
//! upgrade, then the connection is closed.

use std::net::SocketAddr;

use serde_json::json;

use crate::finding::Severity;
use crate::net::{self, Conn};
use crate::probe::Target;
use crate::tls;
use crate::wire;

/// Reads the greeting on `port` and reports `service.<service>` with the banner; DoS
/// knowledge is matched against it; then the TLS upgrade if offered (`service.tls`
/// with `starttls`). Returns whether a greeting was read.
pub(crate) async fn greeting(t: &Target<'_>, port: u16, service: &str) -> bool {
    let sa = SocketAddr::new(t.addr, port);
    let Ok(Some(mut conn)) = net::connect(t.guard, sa).await else {
        return false;
    };
    let Ok(b) = conn.exchange(b"", 4096, wire::greeting_complete).await else {
        return false;
    };
    let Ok((code, text)) = wire::parse_greeting(&b) else {
        return false;
    };
    t.dos(port, &text);
    (t.emit)(
        t.finding(
            &format!("service.{service}"),
            Severity::Info,
            Some(port),
            format!("{} on {sa} (reply {code})", service.to_ascii_uppercase()),
            "greeting read",
        )
        .evidence(json!({"banner": text, "code": code})),
    );
    if code == 220 {
        starttls(t, port, service, conn).await;
    }
    true
}

/// Sends `line` and reads one whole reply; its code and text.
async fn command(conn: &mut Conn, line: &[u8]) -> Option<(u16, String)> {
    let b = conn
        .exchange(line, 8192, wire::greeting_complete)
        .await
        .ok()?;
    wire::parse_greeting(&b).ok()
}

async fn starttls(t: &Target<'_>, port: u16, service: &str, mut conn: Conn) {
    let (offer, upgrade): (&[u8], &[u8]) = match service {
        "smtp" => (b"EHLO firebreak.invalid\r\n", b"STARTTLS\r\n"),
        "ftp" => (b"FEAT\r\n", b"AUTH TLS\r\n"),
        _ => return,
    };
    let Some((_, features)) = command(&mut conn, offer).await else {
        return;
    };
    let offered = features.to_ascii_uppercase();
    let offered = match service {
        "smtp" => offered.contains("STARTTLS"),
        _ => offered.contains("AUTH TLS"),
    };
    if !offered {
        let _ = conn.send(b"QUIT\r\n").await;
        return;
    }
    let Some((code, _)) = command(&mut conn, upgrade).await else {
        return;
    };
    if !(220..300).contains(&code) {
        return;
    }
    let Ok(session) = tls::upgrade(conn, t.asset).await else {
        return;
    };
    let now = chrono::Utc::now().timestamp();
    let cert = session
        .chain
        .first()
        .and_then(|der| tls::parse_cert(der, now).ok());
    (t.emit)(
        t.finding(
            "service.tls",
            Severity::Info,
            Some(port),
            format!(
                "TLS on {}:{port} after {} ({})",
                t.addr,
                if service == "smtp" {
                    "STARTTLS"
                } else {
                    "AUTH TLS"
                },
                session.protocol
            ),
            "certificate recorded (not trusted)",
        )
        .evidence(json!({
            "starttls": service,
            "negotiated": session.protocol,
            "cipher": session.cipher,
            "chain_length": session.chain.len(),
            "certificate": cert,
        })),
    );
    if let Some(c) = &cert {
        tls::certificate_findings(t, port, c);
    }
}
