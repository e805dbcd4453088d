//! Small normalisations shared by the sections: host and account names, levels,
//! tactics, key fields, redaction.

use crate::model::Phase;
use crate::Signal;
use firebreak_event::Timestamp;

/// `WS-084.corp.local` → `WS-084`; addresses and `evidence #N` stay whole.
pub(crate) fn short_host(h: &str) -> String {
    let h = h.trim();
    if h.parse::<std::net::IpAddr>().is_ok() || h.contains(' ') || h.contains('/') {
        return h.to_string();
    }
    h.split('.').next().unwrap_or(h).to_string()
}

/// Comparable host key (short, lower case).
pub(crate) fn host_key(h: &str) -> String {
    short_host(h).to_lowercase()
}

/// Comparable account key: the lower-cased user part of `DOMAIN\user` / `user@domain`.
pub(crate) fn account_key(a: &str) -> String {
    let a = a.trim();
    let a = a.rsplit('\\').next().unwrap_or(a);
    let a = a.split('@').next().unwrap_or(a);
    a.to_lowercase()
}

/// Accounts that are the system acting, not a person: never "compromised" by themselves.
pub(crate) fn is_system_account(a: &str) -> bool {
    let k = account_key(a);
    k.is_empty()
        || k == "-"
        || k.ends_with('$')
        || matches!(
            k.as_str(),
            "system" | "local service" | "network service" | "anonymous logon" | "root"
        )
        || a.to_lowercase().starts_with("nt authority")
        || a.to_lowercase().starts_with("font driver host")
        || a.to_lowercase().starts_with("window manager")
}

/// `critical` 4 … `informational` 0.
pub(crate) fn level_rank(level: &str) -> u8 {
    match level.to_lowercase().as_str() {
        "critical" => 4,
        "high" => 3,
        "medium" => 2,
        "low" => 1,
        _ => 0,
    }
}

/// A key field's value (first of the given names that is set and not `-`).
pub(crate) fn field<'a>(s: &'a Signal, names: &[&str]) -> Option<&'a str> {
    names.iter().find_map(|n| {
        s.key_fields
            .iter()
            .find(|(k, v)| k.eq_ignore_ascii_case(n) && !v.trim().is_empty() && v.trim() != "-")
            .map(|(_, v)| v.as_str())
    })
}

/// The source address of the event, if it carries one.
pub(crate) fn src_ip(s: &Signal) -> Option<&str> {
    field(
        s,
        &[
            "network.src_ip",
            "IpAddress",
            "SourceIp",
            "Client_ip",
            "src_ip",
        ],
    )
    .filter(|ip| ip.parse::<std::net::IpAddr>().is_ok())
}

/// The ATT&CK tactic tags of a signal (`attack.lateral_movement` → LateralMovement), in
/// tag order.
pub(crate) fn tactics(s: &Signal) -> Vec<Phase> {
    s.tags.iter().filter_map(|t| tactic_phase(t)).collect()
}

pub(crate) fn tactic_phase(tag: &str) -> Option<Phase> {
    let t = tag.strip_prefix("attack.")?.replace('-', "_");
    Some(match t.as_str() {
        "initial_access" => Phase::InitialAccess,
        "execution" => Phase::Execution,
        "persistence" => Phase::Persistence,
        "privilege_escalation" => Phase::PrivilegeEscalation,
        "defense_evasion" => Phase::DefenseEvasion,
        "credential_access" => Phase::CredentialAccess,
        "discovery" => Phase::Discovery,
        "lateral_movement" => Phase::LateralMovement,
        "collection" => Phase::Collection,
        "command_and_control" => Phase::CommandAndControl,
        "exfiltration" => Phase::Exfiltration,
        "impact" => Phase::Impact,
        _ => return None,
    })
}

/// The phase a signal tells: its first tactic tag (the rule's folder comes first in the
/// bundled pack), else by the analytic's id, else by its first technique.
pub(crate) fn phase_of(s: &Signal) -> Option<Phase> {
    if let Some(p) = tactics(s).first() {
        return Some(*p);
    }
    let k = s.rule_key.as_str();
    if k.starts_with("remote-access.") || k.starts_with("chain.") {
        return Some(Phase::InitialAccess);
    }
    if k.starts_with("impact.") {
        return Some(Phase::Impact);
    }
    if k.starts_with("exfiltration.") {
        return Some(Phase::Exfiltration);
    }
    s.attack.first().and_then(|t| technique_phase(t))
}

/// The usual tactic of a technique, for signals without tactic tags.
pub(crate) fn technique_phase(t: &str) -> Option<Phase> {
    let base = t.split('.').next().unwrap_or(t).to_uppercase();
    Some(match base.as_str() {
        "T1133" | "T1078" | "T1190" | "T1566" => Phase::InitialAccess,
        "T1059" | "T1569" | "T1204" | "T1047" => Phase::Execution,
        "T1543" | "T1053" | "T1547" => Phase::Persistence,
        "T1548" | "T1068" => Phase::PrivilegeEscalation,
        "T1562" | "T1070" | "T1036" | "T1218" | "T1027" => Phase::DefenseEvasion,
        "T1003" | "T1110" | "T1558" | "T1555" => Phase::CredentialAccess,
        "T1087" | "T1069" | "T1018" | "T1016" | "T1033" | "T1082" | "T1135" | "T1482" => {
            Phase::Discovery
        }
        "T1021" | "T1570" | "T1550" => Phase::LateralMovement,
        "T1560" | "T1005" | "T1039" => Phase::Collection,
        "T1105" | "T1071" | "T1572" | "T1219" => Phase::CommandAndControl,
        "T1048" | "T1567" | "T1041" => Phase::Exfiltration,
        "T1486" | "T1490" | "T1489" | "T1485" => Phase::Impact,
        _ => return None,
    })
}

/// Password-like command-line arguments replaced by `***` (`-p X`, `/p:X`,
/// `-password X`, `--password=X`).
pub(crate) fn redact(text: &str) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut hide_next = false;
    for word in text.split(' ') {
        if hide_next && !word.is_empty() {
            out.push("***".into());
            hide_next = false;
            continue;
        }
        let lower = word.to_lowercase();
        if matches!(
            lower.as_str(),
            "-p" | "/p" | "-pw" | "-password" | "--password" | "/password"
        ) {
            hide_next = true;
            out.push(word.to_string());
        } else if let Some((k, _)) = word.split_once([':', '=']).filter(|(k, _)| {
            matches!(
                k.to_lowercase().as_str(),
                "/p" | "-p" | "/password" | "-password" | "--password" | "/pass"
            )
        }) {
            out.push(format!("{k}{}***", &word[k.len()..k.len() + 1]));
        } else {
            out.push(word.to_string());
        }
    }
    out.join(" ")
}

/// `seconds` between two times (b − a).
pub(crate) fn secs(a: Timestamp, b: Timestamp) -> i64 {
    (b.micros() - a.micros()) / 1_000_000
}

/// `t` moved by `secs` seconds (saturating at the representable range).
pub(crate) fn shift(t: Timestamp, secs: i64) -> Timestamp {
    Timestamp::from_micros(t.micros().saturating_add(secs.saturating_mul(1_000_000))).unwrap_or(t)
}

/// Pushes `v` unless an equal value (case-insensitively) is there.
pub(crate) fn push_unique(list: &mut Vec<String>, v: &str) {
    if !v.is_empty() && !list.iter().any(|x| x.eq_ignore_ascii_case(v)) {
        list.push(v.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(short_host("WS-084.corp.local"), "WS-084");
        assert_eq!(short_host("10.0.2.26"), "10.0.2.26");
        assert_eq!(short_host("evidence #0"), "evidence #0");
        assert_eq!(account_key("CORP\\P.Graf"), "p.graf");
        assert_eq!(account_key("p.graf@corp.local"), "p.graf");
        assert!(is_system_account("NT AUTHORITY\\SYSTEM"));
        assert!(is_system_account("CORP\\FS01$"));
        assert!(!is_system_account("CORP\\adm.x"));
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("PsExec64.exe \\\\DC01 -u CORP\\a -p W1nter! -s cmd.exe"),
            "PsExec64.exe \\\\DC01 -u CORP\\a -p *** -s cmd.exe"
        );
        assert_eq!(redact("x.exe /p:secret y"), "x.exe /p:*** y");
        assert_eq!(redact("whoami /all"), "whoami /all");
    }
}
