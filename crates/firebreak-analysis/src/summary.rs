//! The executive summary (a few plain sentences) and the open questions.

use crate::response::Findings;

pub(crate) fn executive(f: &Findings<'_>) -> Vec<String> {
    let mut out = Vec::new();
    match f.ia {
        Some(ia) => out.push(format!(
            "An attacker logged in through {} as {} from {} at {}{}.",
            ia.via,
            ia.account,
            ia.source_ip.as_deref().unwrap_or("an unknown address"),
            ia.time,
            if ia.leaked_credentials {
                ", using credentials found in a leak list"
            } else {
                ""
            }
        )),
        None if f.scope.hosts.is_empty() => {
            out.push("No attacker activity was established from the evidence.".into())
        }
        None => out.push(
            "Attacker activity was found, but how the attacker got in is not established.".into(),
        ),
    }
    if !f.scope.hosts.is_empty() {
        let names: Vec<&str> = f.scope.hosts.iter().map(|h| h.name.as_str()).collect();
        out.push(format!(
            "{} host(s) are affected ({}) and {} account(s) were misused; the attacker moved {} time(s) between hosts.",
            names.len(),
            names.join(", "),
            f.scope.accounts.len(),
            f.scope.lateral_movement.len()
        ));
    }
    if !f.impact.is_empty() {
        let files: usize = f.impact.iter().map(|i| i.files).sum();
        let first = f.impact.iter().map(|i| i.first).min();
        let hosts: Vec<&str> = f.impact.iter().map(|i| i.host.as_str()).collect();
        out.push(format!(
            "Ransomware encrypted {files} file(s) on {} from {}{}.",
            hosts.join(", "),
            first.map(|t| t.to_string()).unwrap_or_default(),
            if f.inhibition.is_empty() {
                ""
            } else {
                "; shadow copies and backups were attacked first"
            }
        ));
    }
    out.push(if f.exfiltration.found {
        "There are signs that data left the network; see the exfiltration section.".into()
    } else {
        "No sign of data leaving the network was found in the sources checked.".into()
    });
    if !f.scope.hosts.is_empty() {
        out.push("Isolate the affected hosts, disable the misused accounts and block the attacker's addresses now; restore from backups taken before the first compromise.".into());
    }
    out
}

pub(crate) fn open_questions(f: &Findings<'_>, has_analytics: bool) -> Vec<String> {
    let mut q = Vec::new();
    match f.ia {
        None => q.push(if has_analytics {
            "How did the attacker get in? No remote-access login or gateway chain stands out; add gateway/VPN, firewall or e-mail evidence.".to_string()
        } else {
            "How did the attacker get in? The analytics (remote access, chain) did not run, so no initial access could be derived.".to_string()
        }),
        Some(ia) if ia.led_to.is_none() => q.push(format!(
            "Where did {}'s gateway session lead? No internal logon from the gateway's address was tied to it.",
            ia.account
        )),
        Some(ia) if ia.leaked_credentials => q.push(format!(
            "How did {}'s credentials leak, and are other accounts of the leak list still valid?",
            ia.account
        )),
        _ => {}
    }
    for e in &f.scope.lateral_movement {
        if e.from.parse::<std::net::IpAddr>().is_ok() {
            q.push(format!(
                "Which host is {}? It reached {} at {} and no log names it.",
                e.from, e.to, e.time
            ));
        }
    }
    for g in f.gaps {
        match g.kind.as_str() {
            "no-logs-for-host" | "period-without-logs" | "log-cleared" => q.push(format!(
                "Can the missing logs be recovered ({})?",
                g.description
            )),
            _ => {}
        }
    }
    if f.exfiltration
        .confidence
        .as_ref()
        .is_some_and(|c| c.level == crate::model::ConfidenceLevel::Low)
    {
        q.push("Did data leave? The egress sources needed to answer it (proxy, firewall, gateway totals) are missing or were not assessed.".into());
    }
    q
}
