//! The Markdown report: the same sections as the HTML one. All model text goes through
//! [`escape::markdown`] (one line, inert), block lists through fenced code blocks whose
//! fence no value can close.

use crate::escape;
use crate::text::{self, heading};
use firebreak_analysis::{Confidence, EvidenceRef, Investigation, KeyEvent, SCHEMA_VERSION};
use std::fmt::Write as _;

fn m(s: &str) -> String {
    escape::markdown(s)
}

/// Render the whole report into a string.
pub fn render(inv: &Investigation) -> String {
    let mut md = String::with_capacity(32 * 1024);
    let _ = writeln!(md, "# {}\n", m(&text::title(inv)));
    md.push_str("_Firebreak incident report · TLP:AMBER · times are UTC._\n\n");
    let sections: [fn(&mut String, &Investigation); 18] = [
        summary,
        case_overview,
        initial_access,
        storyline,
        timeline,
        lateral,
        attack_matrix,
        scope,
        impact,
        inhibition,
        exfiltration,
        gaps,
        iocs,
        containment,
        recovery,
        hardening,
        questions,
        method,
    ];
    for section in sections {
        section(&mut md, inv);
    }
    md
}

fn open(md: &mut String, id: &str) {
    let _ = writeln!(md, "## {}\n", m(heading(id)));
}

fn sub(md: &mut String, title: &str) {
    let _ = writeln!(md, "### {}\n", m(title));
}

fn para(md: &mut String, s: &str) {
    let _ = writeln!(md, "{}\n", m(s));
}

fn italic(md: &mut String, s: &str) {
    let _ = writeln!(md, "_{}_\n", m(s));
}

fn list<S: AsRef<str>>(md: &mut String, items: &[S], none: &str) {
    if items.is_empty() {
        return italic(md, none);
    }
    for i in items {
        let _ = writeln!(md, "- {}", m(i.as_ref()));
    }
    md.push('\n');
}

/// `- **Term:** value` lines (values escaped).
fn facts(md: &mut String, items: &[(&str, String)]) {
    for (k, v) in items {
        let _ = writeln!(md, "- **{}:** {}", m(k), m(v));
    }
    md.push('\n');
}

/// A GFM table; every cell is escaped here.
fn table(md: &mut String, headers: &[&str], rows: &[Vec<String>], none: &str) {
    if rows.is_empty() {
        return italic(md, none);
    }
    let head: Vec<String> = headers.iter().map(|h| m(h)).collect();
    let _ = writeln!(md, "| {} |", head.join(" | "));
    let _ = writeln!(md, "|{}", "---|".repeat(headers.len()));
    for row in rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| if c.is_empty() { " ".into() } else { m(c) })
            .collect();
        let _ = writeln!(md, "| {} |", cells.join(" | "));
    }
    md.push('\n');
}

fn refs(r: &[EvidenceRef]) -> String {
    r.iter().map(text::evidence).collect::<Vec<_>>().join("; ")
}

fn confidence(md: &mut String, c: &Confidence) {
    let _ = writeln!(md, "**{}**\n", m(&text::confidence_label(c)));
    list(md, &c.because, "No reasons recorded.");
}

fn summary(md: &mut String, inv: &Investigation) {
    open(md, "summary");
    let figures: Vec<(&str, String)> = text::key_figures(inv);
    facts(md, &figures);
    if inv.executive_summary.is_empty() {
        italic(md, "No summary was derived.");
    }
    for p in &inv.executive_summary {
        para(md, p);
    }
}

fn case_overview(md: &mut String, inv: &Investigation) {
    open(md, "case");
    let c = &inv.case;
    facts(
        md,
        &[
            ("Case", c.name.clone()),
            ("Evidence files", c.evidence_files.to_string()),
            ("Events", c.events.to_string()),
            ("Detections", c.detections.to_string()),
            ("First event", text::opt_time(c.first_event)),
            ("Last event", text::opt_time(c.last_event)),
            ("Hosts in the evidence", c.hosts.join(", ")),
        ],
    );
    let rows: Vec<Vec<String>> = c
        .sources
        .iter()
        .map(|(k, n)| vec![k.clone(), n.to_string()])
        .collect();
    table(
        md,
        &["Source kind", "Events"],
        &rows,
        "No sources recorded.",
    );
}

fn initial_access(md: &mut String, inv: &Investigation) {
    open(md, "initial-access");
    let Some(a) = &inv.initial_access else {
        return italic(md, "The evidence does not show how the attacker got in.");
    };
    facts(
        md,
        &[
            ("When", text::time(a.time)),
            ("Account", a.account.clone()),
            (
                "From",
                a.source_ip.clone().unwrap_or_else(|| "unknown".into()),
            ),
            ("Via", a.via.clone()),
            ("Channel", a.channel.clone()),
            (
                "Led to",
                a.led_to.clone().unwrap_or_else(|| "not seen".into()),
            ),
            (
                "Credentials in a leak",
                text::yes_no(a.leaked_credentials).to_string(),
            ),
        ],
    );
    sub(md, "Why this is the initial access");
    list(md, &a.reasons, "No reasons recorded.");
    sub(md, "Confidence");
    confidence(md, &a.confidence);
    sub(md, "Evidence");
    let ev: Vec<String> = a.evidence.iter().map(text::evidence).collect();
    list(md, &ev, "No evidence reference.");
}

fn key_event_rows(events: &[KeyEvent]) -> Vec<Vec<String>> {
    events
        .iter()
        .map(|k| {
            vec![
                text::time(k.time),
                k.host.clone().unwrap_or_default(),
                k.user.clone().unwrap_or_default(),
                k.level.clone(),
                format!("{}: {}", k.title, k.detail),
                k.techniques.join(", "),
                text::evidence(&k.evidence),
            ]
        })
        .collect()
}

const KEY_EVENT_HEADERS: [&str; 7] = [
    "Time", "Host", "Account", "Level", "What", "ATT&CK", "Evidence",
];

fn storyline(md: &mut String, inv: &Investigation) {
    open(md, "storyline");
    if inv.storyline.is_empty() {
        italic(md, "No storyline was derived.");
    }
    for p in &inv.storyline {
        sub(md, text::phase_name(p.phase));
        let line = format!(
            "{} – {}. {} events ({} shown). Hosts: {}. Accounts: {}.",
            text::time(p.first),
            text::time(p.last),
            p.event_total,
            p.key_events.len(),
            p.hosts.join(", "),
            p.accounts.join(", ")
        );
        para(md, &line);
        let rows = key_event_rows(&p.key_events);
        table(md, &KEY_EVENT_HEADERS, &rows, "No key events.");
    }
}

fn timeline(md: &mut String, inv: &Investigation) {
    open(md, "timeline");
    let mut rows: Vec<(firebreak_event::Timestamp, Vec<String>)> = inv
        .storyline
        .iter()
        .flat_map(|p| p.key_events.iter().map(move |k| (p.phase, k)))
        .map(|(phase, k)| {
            let row = vec![
                text::time(k.time),
                k.host.clone().unwrap_or_default(),
                text::phase_name(phase).to_string(),
                k.title.clone(),
            ];
            (k.time, row)
        })
        .collect();
    rows.sort_by_key(|(t, _)| *t);
    let rows: Vec<Vec<String>> = rows.into_iter().map(|(_, r)| r).collect();
    table(
        md,
        &["Time", "Host", "Phase", "Event"],
        &rows,
        "No events to list.",
    );
}

fn lateral(md: &mut String, inv: &Investigation) {
    open(md, "lateral");
    let rows: Vec<Vec<String>> = inv
        .scope
        .lateral_movement
        .iter()
        .map(|x| {
            vec![
                text::time(x.time),
                x.from.clone(),
                x.to.clone(),
                x.method.clone(),
                x.account.clone().unwrap_or_default(),
                refs(&x.evidence),
            ]
        })
        .collect();
    let headers = ["Time", "From", "To", "Method", "Account", "Evidence"];
    table(md, &headers, &rows, "No lateral movement was seen.");
}

fn attack_matrix(md: &mut String, inv: &Investigation) {
    open(md, "attack");
    let mut rows = Vec::new();
    for p in text::PHASES {
        for tech in inv.attack_matrix.iter().filter(|t| t.phase == p) {
            rows.push(vec![
                format!("{} ({})", text::phase_name(p), text::tactic_id(p)),
                tech.technique.clone(),
                tech.count.to_string(),
                tech.hosts.join(", "),
            ]);
        }
    }
    let headers = ["Tactic", "Technique", "Count", "Hosts"];
    table(md, &headers, &rows, "No ATT&CK technique was identified.");
}

fn scope(md: &mut String, inv: &Investigation) {
    open(md, "scope");
    sub(md, "Hosts");
    let rows: Vec<Vec<String>> = inv
        .scope
        .hosts
        .iter()
        .map(|h| {
            let mut flags = Vec::new();
            if h.patient_zero {
                flags.push("patient zero");
            }
            if h.encrypted {
                flags.push("encrypted");
            }
            vec![
                h.name.clone(),
                flags.join(", "),
                text::time(h.first_compromise),
                text::time(h.last_activity),
                h.reasons.join("; "),
            ]
        })
        .collect();
    let headers = ["Host", "Status", "First compromise", "Last activity", "Why"];
    table(md, &headers, &rows, "No host in scope.");
    sub(md, "Accounts");
    let rows: Vec<Vec<String>> = inv
        .scope
        .accounts
        .iter()
        .map(|a| {
            vec![
                a.name.clone(),
                text::time(a.first_misuse),
                a.hosts.join(", "),
                text::yes_no(a.leaked_credentials).to_string(),
                a.reasons.join("; "),
            ]
        })
        .collect();
    let headers = ["Account", "First misuse", "Hosts", "Leaked", "Why"];
    table(md, &headers, &rows, "No account in scope.");
    sub(md, "Attacker addresses");
    list(md, &inv.scope.attacker_addresses, "None identified.");
    sub(md, "Attacker tools");
    list(md, &inv.scope.tools, "None identified.");
}

fn impact(md: &mut String, inv: &Investigation) {
    open(md, "impact");
    let rows: Vec<Vec<String>> = inv
        .impact
        .iter()
        .map(|i| {
            vec![
                i.host.clone(),
                format!("{} – {}", text::time(i.first), text::time(i.last)),
                i.files.to_string(),
                i.extension.clone().unwrap_or_default(),
                i.ransom_note.clone().unwrap_or_default(),
                refs(&i.evidence),
            ]
        })
        .collect();
    let headers = [
        "Host",
        "Encryption",
        "Files",
        "Extension",
        "Ransom note",
        "Evidence",
    ];
    table(md, &headers, &rows, "No encryption was seen.");
}

fn inhibition(md: &mut String, inv: &Investigation) {
    open(md, "inhibition");
    let rows: Vec<Vec<String>> = inv
        .recovery_inhibition
        .iter()
        .map(|i| {
            vec![
                text::time(i.time),
                i.host.clone().unwrap_or_default(),
                i.what.clone(),
                text::evidence(&i.evidence),
            ]
        })
        .collect();
    let headers = ["Time", "Host", "What", "Evidence"];
    table(md, &headers, &rows, "No recovery inhibition was seen.");
}

fn exfiltration(md: &mut String, inv: &Investigation) {
    open(md, "exfiltration");
    let x = &inv.exfiltration;
    let verdict = if x.found {
        "**Signs of data exfiltration were found.**\n\n"
    } else {
        "**No sign of data exfiltration was found in the evidence.**\n\n"
    };
    md.push_str(verdict);
    if let Some(c) = &x.confidence {
        confidence(md, c);
    }
    if !x.signs.is_empty() {
        sub(md, "Signs");
        table(md, &KEY_EVENT_HEADERS, &key_event_rows(&x.signs), "");
    }
    sub(md, "What was checked");
    list(md, &x.checked, "Nothing was checked.");
    sub(md, "Transfers explained as legitimate");
    list(md, &x.explained, "None.");
}

fn gaps(md: &mut String, inv: &Investigation) {
    open(md, "gaps");
    let rows: Vec<Vec<String>> = inv
        .gaps
        .iter()
        .map(|g| {
            vec![
                g.kind.clone(),
                g.host.clone().unwrap_or_default(),
                g.description.clone(),
                refs(&g.evidence),
            ]
        })
        .collect();
    let headers = ["Kind", "Host", "Description", "Evidence"];
    table(md, &headers, &rows, "No gap in the evidence was found.");
}

fn iocs(md: &mut String, inv: &Investigation) {
    open(md, "iocs");
    let rows: Vec<Vec<String>> = inv
        .indicators
        .iter()
        .map(|i| {
            vec![
                i.kind.clone(),
                i.value.clone(),
                i.context.clone(),
                text::opt_time(i.first_seen),
            ]
        })
        .collect();
    let headers = ["Kind", "Value", "Context", "First seen"];
    table(md, &headers, &rows, "No indicator was produced.");
}

/// A fenced code block no line of `body` can close.
fn code_block(md: &mut String, caption: &str, body: &str) {
    if body.is_empty() {
        return;
    }
    let body: Vec<String> = body.lines().map(escape::clean_line).collect();
    let longest = body
        .iter()
        .map(|l| escape::longest_backtick_run(l))
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let _ = writeln!(
        md,
        "{}\n\n{fence}text\n{}\n{fence}\n",
        m(caption),
        body.join("\n")
    );
}

fn containment(md: &mut String, inv: &Investigation) {
    open(md, "containment");
    let c = &inv.containment;
    sub(md, "Isolate these hosts");
    list(md, &c.isolate_hosts, "None.");
    sub(md, "Disable these accounts");
    list(md, &c.disable_accounts, "None.");
    sub(md, "Kill these sessions");
    list(md, &c.kill_sessions, "None.");
    sub(md, "Block lists");
    if c.block_addresses.is_empty() && c.block_domains.is_empty() && c.block_hashes.is_empty() {
        italic(md, "Nothing to block.");
    }
    code_block(
        md,
        "Firewall: block these addresses (one per line):",
        &text::firewall_list(inv),
    );
    code_block(
        md,
        "DNS: block these domains (one per line):",
        &text::dns_list(inv),
    );
    let hashes: Vec<String> = c.block_hashes.iter().map(|x| text::one_line(x)).collect();
    code_block(md, "EDR: block these file hashes:", &hashes.join("\n"));
}

fn recovery(md: &mut String, inv: &Investigation) {
    open(md, "recovery");
    if let Some(t) = inv.recovery.restore_before {
        let line = format!(
            "Restore from backups taken before {}, unless verified clean.",
            text::time(t)
        );
        let _ = writeln!(md, "**{}**\n", m(&line));
    }
    list(md, &inv.recovery.advice, "No recovery advice.");
}

fn hardening(md: &mut String, inv: &Investigation) {
    open(md, "hardening");
    let mut recs: Vec<_> = inv.hardening.iter().collect();
    recs.sort_by_key(|r| r.priority);
    let rows: Vec<Vec<String>> = recs
        .iter()
        .map(|r| {
            vec![
                r.priority.to_string(),
                r.title.clone(),
                r.why.clone(),
                r.motivated_by.clone(),
            ]
        })
        .collect();
    let headers = ["Priority", "Recommendation", "Why", "Motivated by"];
    table(md, &headers, &rows, "No recommendation.");
}

fn questions(md: &mut String, inv: &Investigation) {
    open(md, "questions");
    list(md, &inv.open_questions, "None.");
}

fn method(md: &mut String, _inv: &Investigation) {
    open(md, "method");
    para(
        md,
        "Firebreak derived this report from the evidence files of the case: every claim names the evidence \
         behind it as path#location (a line, record or byte offset in the file). Texts quoted from logs are \
         attacker-controlled and shown as plain text. Times are UTC.",
    );
    italic(md, &format!("Report schema version {SCHEMA_VERSION}."));
}
