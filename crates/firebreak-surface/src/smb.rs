//! SMB: which dialect the server picks from SMB 2.0.2–3.1.1, whether it requires
//! signing, and whether it still accepts SMBv1 (an SMB1 NEGOTIATE offering only
//! "NT LM 0.12"). Two NEGOTIATEs, no session setup, no credentials.

use std::net::SocketAddr;

use serde_json::json;

use crate::finding::Severity;
use crate::net;
use crate::probe::Target;
use crate::wire::{self, SmbReply};

async fn negotiate(t: &Target<'_>, port: u16, req: &[u8]) -> Option<SmbReply> {
    let mut c = net::connect(t.guard, SocketAddr::new(t.addr, port))
        .await
        .ok()??;
    let b = c
        .exchange(req, 64 * 1024, wire::netbios_complete)
        .await
        .ok()?;
    wire::parse_smb_negotiate(&b).ok()
}

/// Probes SMB on `port`; returns whether it spoke SMB at all.
pub(crate) async fn check(t: &Target<'_>, port: u16) -> bool {
    let smb2 = negotiate(
        t,
        port,
        &wire::smb2_negotiate(rand::random(), rand::random()),
    )
    .await;
    let smb1 = negotiate(t, port, &wire::smb1_negotiate()).await;
    let v1 = matches!(smb1, Some(SmbReply::Smb1 { status: 0, dialect_index }) if dialect_index != 0xffff);
    if smb2.is_none() && smb1.is_none() {
        return false;
    }
    let (dialect, signing) = match smb2 {
        Some(SmbReply::Smb2 {
            dialect,
            signing_required,
        }) => (Some(dialect), Some(signing_required)),
        _ => (None, None),
    };
    let ev = json!({
        "dialect": dialect.map(wire::smb_dialect_name),
        "signing_required": signing,
        "smb1_accepted": v1,
        "reply_to_smb2": smb2,
        "reply_to_smb1": smb1,
    });
    (t.emit)(
        t.finding(
            "service.smb",
            Severity::Info,
            Some(port),
            format!(
                "SMB on {}:{port}, dialect {}",
                t.addr,
                dialect.map_or("none of SMB2/3".into(), wire::smb_dialect_name)
            ),
            "NEGOTIATE answered",
        )
        .evidence(ev.clone()),
    );
    if v1 {
        (t.emit)(
            t.finding(
                "smb.v1_enabled",
                Severity::High,
                Some(port),
                format!("SMBv1 accepted on {}:{port}", t.addr),
                "the server negotiates SMB1 (NT LM 0.12): EternalBlue-class pre-auth bugs (MS17-010) and no protection against downgrade",
            )
            .evidence(ev),
        );
    }
    true
}
