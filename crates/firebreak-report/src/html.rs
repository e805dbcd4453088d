//! The self-contained HTML report: one file, inline CSS and SVG, no script, a strict
//! Content-Security-Policy, nothing fetched. One function per section; all model text
//! goes through [`escape::html`] (tables take [`Cell`]s, which escape when written).

use crate::escape;
use crate::svg;
use crate::text::{self, heading};
use firebreak_analysis::{
    Confidence, EvidenceRef, Investigation, KeyEvent, Phase, StoryPhase, SCHEMA_VERSION,
};
use std::fmt::Write as _;

/// The page's Content-Security-Policy: nothing may load; inline styles and `data:`
/// images only.
pub const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

const CSS: &str = include_str!("../templates/report.css");

/// A table cell. `Text` and `Code` are escaped when written; `Html` is markup the
/// renderer built from escaped pieces.
enum Cell {
    Text(String),
    Code(String),
    Html(String),
}

fn t(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn code(s: impl Into<String>) -> Cell {
    Cell::Code(s.into())
}

fn e(s: &str) -> String {
    escape::html(s)
}

/// Render the whole report into a string.
pub fn render(inv: &Investigation) -> String {
    let mut h = String::with_capacity(64 * 1024);
    head(&mut h, inv);
    h.push_str("<body><main>");
    header(&mut h, inv);
    toc(&mut h);
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
        section(&mut h, inv);
    }
    h.push_str("</main></body></html>\n");
    h
}

fn head(h: &mut String, inv: &Investigation) {
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=\"referrer\" content=\"no-referrer\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"generator\" content=\"Firebreak\">\
         <title>{}</title><style>{CSS}</style></head>",
        e(&text::title(inv))
    );
}

fn header(h: &mut String, inv: &Investigation) {
    let period = match (inv.case.first_event, inv.case.last_event) {
        (Some(a), Some(b)) => format!("Evidence from {} to {}", text::time(a), text::time(b)),
        _ => "Evidence period unknown".to_string(),
    };
    let _ = write!(
        h,
        "<header><p class=\"kicker\">Firebreak incident report · TLP:AMBER · generated from the evidence</p>\
         <h1>{}</h1><p class=\"muted\">{}</p></header>",
        e(&text::title(inv)),
        e(&period)
    );
}

fn toc(h: &mut String) {
    h.push_str("<nav class=\"toc\"><h2>Contents</h2><ol>");
    for (id, name) in text::SECTIONS {
        let _ = write!(h, "<li><a href=\"#{id}\">{}</a></li>", e(name));
    }
    h.push_str("</ol></nav>");
}

fn open(h: &mut String, id: &str) {
    let _ = write!(h, "<section id=\"{id}\"><h2>{}</h2>", e(heading(id)));
}

fn close(h: &mut String) {
    h.push_str("</section>");
}

fn para(h: &mut String, s: &str) {
    let _ = write!(h, "<p>{}</p>", e(s));
}

fn muted(h: &mut String, s: &str) {
    let _ = write!(h, "<p class=\"muted\">{}</p>", e(s));
}

/// A bulleted list of texts, or `none` (muted) when empty.
fn list<S: AsRef<str>>(h: &mut String, items: &[S], none: &str) {
    if items.is_empty() {
        return muted(h, none);
    }
    h.push_str("<ul>");
    for i in items {
        let _ = write!(h, "<li>{}</li>", e(i.as_ref()));
    }
    h.push_str("</ul>");
}

/// A definition list of (term, value) texts.
fn facts(h: &mut String, items: &[(&str, String)]) {
    h.push_str("<dl class=\"facts\">");
    for (k, v) in items {
        let _ = write!(h, "<dt>{}</dt><dd>{}</dd>", e(k), e(v));
    }
    h.push_str("</dl>");
}

fn cell_html(c: &Cell) -> String {
    match c {
        Cell::Text(s) => e(s),
        Cell::Code(s) if s.is_empty() => String::new(),
        Cell::Code(s) => format!("<code>{}</code>", e(s)),
        Cell::Html(s) => s.clone(),
    }
}

/// A table, or `none` (muted) when there are no rows.
fn table(h: &mut String, headers: &[&str], rows: &[Vec<Cell>], none: &str) {
    if rows.is_empty() {
        return muted(h, none);
    }
    h.push_str("<div class=\"table-wrap\"><table><thead><tr>");
    for c in headers {
        let _ = write!(h, "<th>{}</th>", e(c));
    }
    h.push_str("</tr></thead><tbody>");
    for row in rows {
        h.push_str("<tr>");
        for c in row {
            let _ = write!(h, "<td>{}</td>", cell_html(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table></div>");
}

/// Evidence references as a cell: one `<code>` per reference.
fn evidence_cell(refs: &[EvidenceRef]) -> Cell {
    let parts: Vec<String> = refs
        .iter()
        .map(|r| format!("<code class=\"ev\">{}</code>", e(&text::evidence(r))))
        .collect();
    Cell::Html(parts.join("<br>"))
}

fn confidence_badge(c: &Confidence) -> String {
    format!(
        "<span class=\"badge conf-{}\">{}</span>",
        text::level(c.level),
        e(&text::confidence_label(c))
    )
}

fn confidence_block(h: &mut String, c: &Confidence) {
    let _ = write!(h, "<p>{}</p>", confidence_badge(c));
    list(h, &c.because, "No reasons recorded.");
}

fn level_badge(level: &str) -> String {
    let class = match level {
        "critical" | "high" | "medium" | "low" | "informational" => level,
        _ => "other",
    };
    format!("<span class=\"badge lvl-{class}\">{}</span>", e(level))
}

fn summary(h: &mut String, inv: &Investigation) {
    open(h, "summary");
    h.push_str("<div class=\"cards\">");
    for (label, value) in text::key_figures(inv) {
        let _ = write!(
            h,
            "<div class=\"card\"><div class=\"card-value\">{}</div><div class=\"card-label\">{}</div></div>",
            e(&value),
            e(label)
        );
    }
    h.push_str("</div>");
    if inv.executive_summary.is_empty() {
        muted(h, "No summary was derived.");
    }
    for p in &inv.executive_summary {
        let _ = write!(h, "<p class=\"lead\">{}</p>", e(p));
    }
    close(h);
}

fn case_overview(h: &mut String, inv: &Investigation) {
    open(h, "case");
    let c = &inv.case;
    facts(
        h,
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
    let rows: Vec<Vec<Cell>> = c
        .sources
        .iter()
        .map(|(kind, n)| vec![t(kind.clone()), t(n.to_string())])
        .collect();
    table(h, &["Source kind", "Events"], &rows, "No sources recorded.");
    close(h);
}

fn initial_access(h: &mut String, inv: &Investigation) {
    open(h, "initial-access");
    let Some(a) = &inv.initial_access else {
        muted(h, "The evidence does not show how the attacker got in.");
        return close(h);
    };
    facts(
        h,
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
    h.push_str("<h3>Why this is the initial access</h3>");
    list(h, &a.reasons, "No reasons recorded.");
    h.push_str("<h3>Confidence</h3>");
    confidence_block(h, &a.confidence);
    h.push_str("<h3>Evidence</h3>");
    evidence_list(h, &a.evidence);
    close(h);
}

fn evidence_list(h: &mut String, refs: &[EvidenceRef]) {
    if refs.is_empty() {
        return muted(h, "No evidence reference.");
    }
    h.push_str("<ul class=\"evidence\">");
    for r in refs {
        let _ = write!(h, "<li><code>{}</code></li>", e(&text::evidence(r)));
    }
    h.push_str("</ul>");
}

fn key_event_rows(events: &[KeyEvent]) -> Vec<Vec<Cell>> {
    events
        .iter()
        .map(|k| {
            vec![
                t(text::time(k.time)),
                t(k.host.clone().unwrap_or_default()),
                t(k.user.clone().unwrap_or_default()),
                Cell::Html(format!(
                    "{} {}<div class=\"detail\"><code>{}</code></div>",
                    level_badge(&k.level),
                    e(&k.title),
                    e(&k.detail)
                )),
                t(k.techniques.join(", ")),
                evidence_cell(std::slice::from_ref(&k.evidence)),
            ]
        })
        .collect()
}

const KEY_EVENT_HEADERS: [&str; 6] = ["Time", "Host", "Account", "What", "ATT&CK", "Evidence"];

fn story_phase(h: &mut String, p: &StoryPhase) {
    let _ = write!(
        h,
        "<div class=\"phase\"><h3><span class=\"swatch\" style=\"background:{}\"></span>{} <span class=\"muted\">{}</span></h3>",
        svg::phase_colour(p.phase),
        e(text::phase_name(p.phase)),
        e(&format!("{} – {}", text::time(p.first), text::time(p.last)))
    );
    let shown = p.key_events.len();
    let counts = format!(
        "{} events in this phase ({} shown). Hosts: {}. Accounts: {}.",
        p.event_total,
        shown,
        none_if_empty(&p.hosts),
        none_if_empty(&p.accounts)
    );
    muted(h, &counts);
    table(
        h,
        &KEY_EVENT_HEADERS,
        &key_event_rows(&p.key_events),
        "No key events.",
    );
    h.push_str("</div>");
}

fn none_if_empty(v: &[String]) -> String {
    if v.is_empty() {
        "none".to_string()
    } else {
        v.join(", ")
    }
}

fn storyline(h: &mut String, inv: &Investigation) {
    open(h, "storyline");
    if inv.storyline.is_empty() {
        muted(h, "No storyline was derived.");
    }
    for p in &inv.storyline {
        story_phase(h, p);
    }
    close(h);
}

fn timeline(h: &mut String, inv: &Investigation) {
    open(h, "timeline");
    muted(
        h,
        "Key events by host (lanes) over time; bands above show each phase; dashed arrows are lateral movements. Hover for details.",
    );
    let _ = write!(h, "<figure>{}</figure>", svg::timeline(inv));
    phase_legend(h, inv);
    close(h);
}

fn phase_legend(h: &mut String, inv: &Investigation) {
    h.push_str("<p class=\"legend-row\">");
    for p in &inv.storyline {
        let _ = write!(
            h,
            "<span class=\"legend-item\"><span class=\"swatch\" style=\"background:{}\"></span>{}</span>",
            svg::phase_colour(p.phase),
            e(text::phase_name(p.phase))
        );
    }
    h.push_str("</p>");
}

fn lateral(h: &mut String, inv: &Investigation) {
    open(h, "lateral");
    let _ = write!(h, "<figure>{}</figure>", svg::lateral_graph(inv));
    let rows: Vec<Vec<Cell>> = inv
        .scope
        .lateral_movement
        .iter()
        .map(|m| {
            vec![
                t(text::time(m.time)),
                t(m.from.clone()),
                t(m.to.clone()),
                t(m.method.clone()),
                t(m.account.clone().unwrap_or_default()),
                evidence_cell(&m.evidence),
            ]
        })
        .collect();
    table(
        h,
        &["Time", "From", "To", "Method", "Account", "Evidence"],
        &rows,
        "No lateral movement was seen.",
    );
    close(h);
}

fn attack_matrix(h: &mut String, inv: &Investigation) {
    open(h, "attack");
    let seen: Vec<Phase> = text::PHASES
        .into_iter()
        .filter(|p| inv.attack_matrix.iter().any(|t| t.phase == *p))
        .collect();
    if seen.is_empty() {
        muted(h, "No ATT&CK technique was identified.");
        return close(h);
    }
    h.push_str("<div class=\"matrix\">");
    for p in seen {
        let _ = write!(
            h,
            "<div class=\"tactic\"><div class=\"tactic-name\" style=\"border-color:{}\">{}<span class=\"muted\"> {}</span></div>",
            svg::phase_colour(p),
            e(text::phase_name(p)),
            text::tactic_id(p)
        );
        for tech in inv.attack_matrix.iter().filter(|t| t.phase == p) {
            let _ = write!(
                h,
                "<div class=\"technique\" title=\"{}\"><code>{}</code><span class=\"count\">×{}</span></div>",
                e(&format!("Hosts: {}", none_if_empty(&tech.hosts))),
                e(&tech.technique),
                tech.count
            );
        }
        h.push_str("</div>");
    }
    h.push_str("</div>");
    close(h);
}

fn scope(h: &mut String, inv: &Investigation) {
    open(h, "scope");
    h.push_str("<h3>Hosts</h3>");
    let rows: Vec<Vec<Cell>> = inv
        .scope
        .hosts
        .iter()
        .map(|x| {
            let mut flags = Vec::new();
            if x.patient_zero {
                flags.push("patient zero");
            }
            if x.encrypted {
                flags.push("encrypted");
            }
            vec![
                t(x.name.clone()),
                t(flags.join(", ")),
                t(text::time(x.first_compromise)),
                t(text::time(x.last_activity)),
                t(x.reasons.join("; ")),
            ]
        })
        .collect();
    let headers = ["Host", "Status", "First compromise", "Last activity", "Why"];
    table(h, &headers, &rows, "No host in scope.");
    h.push_str("<h3>Accounts</h3>");
    accounts(h, inv);
    h.push_str("<h3>Attacker addresses</h3>");
    list(h, &inv.scope.attacker_addresses, "None identified.");
    h.push_str("<h3>Attacker tools</h3>");
    list(h, &inv.scope.tools, "None identified.");
    close(h);
}

fn accounts(h: &mut String, inv: &Investigation) {
    let rows: Vec<Vec<Cell>> = inv
        .scope
        .accounts
        .iter()
        .map(|a| {
            vec![
                t(a.name.clone()),
                t(text::time(a.first_misuse)),
                t(a.hosts.join(", ")),
                t(text::yes_no(a.leaked_credentials)),
                t(a.reasons.join("; ")),
            ]
        })
        .collect();
    let headers = ["Account", "First misuse", "Hosts", "Leaked", "Why"];
    table(h, &headers, &rows, "No account in scope.");
}

fn impact(h: &mut String, inv: &Investigation) {
    open(h, "impact");
    let rows: Vec<Vec<Cell>> = inv
        .impact
        .iter()
        .map(|i| {
            vec![
                t(i.host.clone()),
                t(format!("{} – {}", text::time(i.first), text::time(i.last))),
                t(i.files.to_string()),
                code(i.extension.clone().unwrap_or_default()),
                code(i.ransom_note.clone().unwrap_or_default()),
                evidence_cell(&i.evidence),
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
    table(h, &headers, &rows, "No encryption was seen.");
    close(h);
}

fn inhibition(h: &mut String, inv: &Investigation) {
    open(h, "inhibition");
    let rows: Vec<Vec<Cell>> = inv
        .recovery_inhibition
        .iter()
        .map(|i| {
            vec![
                t(text::time(i.time)),
                t(i.host.clone().unwrap_or_default()),
                code(i.what.clone()),
                evidence_cell(std::slice::from_ref(&i.evidence)),
            ]
        })
        .collect();
    let headers = ["Time", "Host", "What", "Evidence"];
    table(h, &headers, &rows, "No recovery inhibition was seen.");
    close(h);
}

fn exfiltration(h: &mut String, inv: &Investigation) {
    open(h, "exfiltration");
    let x = &inv.exfiltration;
    let verdict = if x.found {
        "<p class=\"verdict bad\">Signs of data exfiltration were found.</p>"
    } else {
        "<p class=\"verdict good\">No sign of data exfiltration was found in the evidence.</p>"
    };
    h.push_str(verdict);
    if let Some(c) = &x.confidence {
        confidence_block(h, c);
    }
    if !x.signs.is_empty() {
        h.push_str("<h3>Signs</h3>");
        table(h, &KEY_EVENT_HEADERS, &key_event_rows(&x.signs), "");
    }
    h.push_str("<h3>What was checked</h3>");
    list(h, &x.checked, "Nothing was checked.");
    h.push_str("<h3>Transfers explained as legitimate</h3>");
    list(h, &x.explained, "None.");
    close(h);
}

fn gaps(h: &mut String, inv: &Investigation) {
    open(h, "gaps");
    let rows: Vec<Vec<Cell>> = inv
        .gaps
        .iter()
        .map(|g| {
            vec![
                code(g.kind.clone()),
                t(g.host.clone().unwrap_or_default()),
                t(g.description.clone()),
                evidence_cell(&g.evidence),
            ]
        })
        .collect();
    let headers = ["Kind", "Host", "Description", "Evidence"];
    table(h, &headers, &rows, "No gap in the evidence was found.");
    close(h);
}

fn iocs(h: &mut String, inv: &Investigation) {
    open(h, "iocs");
    muted(
        h,
        "Also exported as STIX 2.1 and MISP JSON. Values are shown as found; do not click.",
    );
    let rows: Vec<Vec<Cell>> = inv
        .indicators
        .iter()
        .map(|i| {
            vec![
                t(i.kind.clone()),
                code(i.value.clone()),
                t(i.context.clone()),
                t(text::opt_time(i.first_seen)),
            ]
        })
        .collect();
    let headers = ["Kind", "Value", "Context", "First seen"];
    table(h, &headers, &rows, "No indicator was produced.");
    close(h);
}

/// A copy-pasteable block: a `<pre>` with a caption.
fn block_list(h: &mut String, caption: &str, body: &str) {
    if body.is_empty() {
        return;
    }
    let _ = write!(
        h,
        "<figure class=\"blocklist\"><figcaption>{}</figcaption><pre>{}</pre></figure>",
        e(caption),
        // Each line is escaped on its own so that line breaks stay line breaks.
        body.lines().map(e).collect::<Vec<_>>().join("\n")
    );
}

fn containment(h: &mut String, inv: &Investigation) {
    open(h, "containment");
    let c = &inv.containment;
    h.push_str("<h3>Isolate these hosts</h3>");
    list(h, &c.isolate_hosts, "None.");
    h.push_str("<h3>Disable these accounts</h3>");
    list(h, &c.disable_accounts, "None.");
    h.push_str("<h3>Kill these sessions</h3>");
    list(h, &c.kill_sessions, "None.");
    h.push_str("<h3>Block lists</h3>");
    if c.block_addresses.is_empty() && c.block_domains.is_empty() && c.block_hashes.is_empty() {
        muted(h, "Nothing to block.");
    }
    block_list(
        h,
        "Firewall: block these addresses (one per line)",
        &text::firewall_list(inv),
    );
    block_list(
        h,
        "DNS: block these domains (one per line)",
        &text::dns_list(inv),
    );
    let hashes: Vec<String> = c.block_hashes.iter().map(|x| text::one_line(x)).collect();
    block_list(h, "EDR: block these file hashes", &hashes.join("\n"));
    close(h);
}

fn recovery(h: &mut String, inv: &Investigation) {
    open(h, "recovery");
    if let Some(t) = inv.recovery.restore_before {
        let _ = write!(
            h,
            "<p class=\"verdict\">Restore from backups taken before <strong>{}</strong>, unless verified clean.</p>",
            e(&text::time(t))
        );
    }
    list(h, &inv.recovery.advice, "No recovery advice.");
    close(h);
}

fn hardening(h: &mut String, inv: &Investigation) {
    open(h, "hardening");
    let mut recs: Vec<_> = inv.hardening.iter().collect();
    recs.sort_by_key(|r| r.priority);
    let rows: Vec<Vec<Cell>> = recs
        .iter()
        .map(|r| {
            vec![
                t(r.priority.to_string()),
                t(r.title.clone()),
                t(r.why.clone()),
                t(r.motivated_by.clone()),
            ]
        })
        .collect();
    let headers = ["Priority", "Recommendation", "Why", "Motivated by"];
    table(h, &headers, &rows, "No recommendation.");
    close(h);
}

fn questions(h: &mut String, inv: &Investigation) {
    open(h, "questions");
    list(h, &inv.open_questions, "None.");
    close(h);
}

fn method(h: &mut String, _inv: &Investigation) {
    open(h, "method");
    para(
        h,
        "Firebreak derived this report from the evidence files of the case: every claim names the evidence \
         behind it as path#location (a line, record or byte offset in the file). Texts quoted from logs are \
         attacker-controlled and shown as plain text. Times are UTC.",
    );
    muted(
        h,
        &format!(
            "Report schema version {SCHEMA_VERSION}. This file is self-contained and loads nothing."
        ),
    );
    close(h);
}
