//! The investigation: from a case's detections and analytics to the conclusions a
//! report states. **No I/O**: the caller (the `investigate` command) hands in the
//! detections as [`Signal`]s, the analytics' [`firebreak_analytics::Report`], what the
//! case holds per host ([`HostCoverage`]) and gets an [`Investigation`] back.
//!
//! Host names are compared by their short form (`WS-084.corp.local` = `WS-084`);
//! accounts by their user part, shown as the Windows logs write them (`CORP\p.graf`).
//! Every section, in the order [`investigate`] derives them:
//!
//! * **Initial access** (`initial_access`): the `remote-access.login` finding that starts
//!   a `chain.gateway-session` (same time, account, address), highest level first, then
//!   earliest, level medium at least; without a chain a login of level high or more;
//!   otherwise none (and an open question). Reasons: the login's and the chain's;
//!   leaked credentials from the login's leak reason; `led_to` (patient zero) is the
//!   chain's internal logon host. Confidence: high with level ≥ high + chain + leak,
//!   medium with two of them, low otherwise, each in `because`.
//! * **Addresses → hosts** (`addr`): a 4624 type 3's `WorkstationName` beside its
//!   `IpAddress`; a Sysmon 3's own `SourceIp`; the gateway session's single RDP
//!   `Destination` = the chain's host, and that host's logon from the gateway's NAT
//!   address = the gateway; last, a host that started a remote tool (`\\T`,
//!   `TargetServerName` T) within 10 min before an arrival on T from an unknown address.
//! * **Lateral movement** (`lateral`): the chain edge (gateway → patient zero, RDP, at
//!   the internal logon), then lateral-movement detections after the initial access,
//!   split into arrivals on the target (logon, share, service install, PsExec service,
//!   WMI/WinRM child) grouped per host when < 10 min apart, and departures (remote tool,
//!   explicit credentials) at the source. Edge time = the target's logon; method from
//!   the target's records first (RDP logon type 10, PSEXESVC, WmiPrvSE, wsmprovhost,
//!   admin share, service) then the tool. Only edges from an already reached host, or
//!   with an already misused account within 2 h of the previous move, are kept (the
//!   stolen admin account's owner logging on next morning stays out).
//! * **Impact** (`impact`): the analytics' `HostImpact` per host; host-less file-system
//!   timelines (`evidence #N`) are merged into the named host with the same extension
//!   and first/last write within 2 s, else the one host of the same evidence folder,
//!   else kept labelled; each attribution is a `host-attribution` gap. The ransom
//!   note's spelling comes from the detections' file paths. Recovery inhibition: T1490 /
//!   T1489 detections from the window's start, Sysmon/Security duplicates once.
//! * **Attack window and the attacker's detections** (`attack`): from the initial access
//!   (else an hour before the first high/critical detection) to the last edge or
//!   encryption, plus an hour. A detection is the attacker's when it is on a host in
//!   scope within the window, from an attacker address, the initial-access account's
//!   on the gateway, or host-less and high+.
//! * **Scope** (`scope`): hosts = chain target, edge targets, encrypted hosts, hosts
//!   with high/critical (non-analytic) detections in the window; patient zero first.
//!   Accounts = initial access, edge accounts, person accounts of medium+
//!   credential-access / lateral / impact detections on in-scope hosts in the window.
//!   Attacker addresses = the access's source and public sources of the attacker's
//!   detections (not the gateway's internet noise). Tools = images outside the Windows
//!   system folders and executables written, from medium+ attacker detections.
//! * **Storyline** (`storyline`): the attacker's detections per phase (first
//!   `attack.<tactic>` tag, else the analytic's kind, else the technique's tactic);
//!   8 key events per phase, highest level then earliest, shown in time order;
//!   command-line passwords redacted everywhere.
//! * **Exfiltration** (`exfil`): the analytics' `ExfilAssessment` (found, checked,
//!   explained) plus medium+ exfiltration rules; confidence from whether egress records
//!   were there at all.
//! * **Gaps** (`gaps`): in-scope hosts (and the gateway) without events, with only a
//!   file-system timeline, without Sysmon detections when others have them, whose
//!   events start after / end before the window; cleared logs (1102, 104, T1070.001);
//!   clock skew when Sysmon 1 and Security 4688 of the same command lines on a host are
//!   more than 5 s apart (median).
//! * **Containment, recovery, hardening** (`response`): hosts to isolate, accounts to
//!   disable, gateway sessions (`SessionId`, the chain's `session N`) and logon ids to
//!   kill, addresses/domains/hashes to block; restore from before the first compromise;
//!   each recommendation is triggered by a finding and its text is data
//!   (`data/recommendations.yaml`).
//! * **Matrix, indicators, summary, open questions** (`matrix`, `summary`): techniques
//!   of the attacker's detections per phase with counts and hosts; addresses, tools,
//!   note, extension, hashes, accounts; a few plain sentences; what stays unanswered
//!   (no initial access, unnamed sources, missing logs, unassessed egress).

mod addr;
mod attack;
mod context;
mod exfil;
mod gaps;
mod impact;
mod initial_access;
mod lateral;
mod matrix;
pub mod model;
mod norm;
mod response;
mod scope;
mod storyline;
mod summary;

pub use model::*;
pub use response::TextsError;

use context::Ctx;

use firebreak_event::Timestamp;
use serde::{Deserialize, Serialize};

/// One detection as the analysis sees it (a Sigma rule, correlation, IOC or analytic
/// firing), with its provenance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signal {
    /// `sigma`, `correlation`, `ioc`, `analytic`.
    pub kind: String,
    /// Rule id, IOC (`type:value`) or analytic id (`remote-access.login`, ...).
    pub rule_key: String,
    pub title: String,
    pub level: String,
    /// Sigma tags (`attack.t1003.001`, `attack.credential-access`, ...).
    pub tags: Vec<String>,
    /// ATT&CK technique ids (`T1003.001`).
    pub attack: Vec<String>,
    pub time: Timestamp,
    pub host: Option<String>,
    pub user: Option<String>,
    /// The telling detail (matched value, command line, ...).
    pub summary: String,
    /// Normalised and rule-named fields of the event (`network.src_ip`, ...); for
    /// analytics also `reason.N`.
    pub key_fields: Vec<(String, String)>,
    pub evidence: EvidenceRef,
    /// Other events behind it (correlations, analytics).
    pub related: Vec<EvidenceRef>,
}

/// What the case holds for one host: which sources, over which period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HostCoverage {
    pub host: String,
    /// Source kinds (`evtx`, `winxml`, `bodyfile`, ...) with events for the host.
    pub sources: Vec<String>,
    pub first: Timestamp,
    pub last: Timestamp,
    pub events: u64,
}

/// Everything the analysis reads.
#[derive(Debug, Clone, Copy)]
pub struct Input<'a> {
    pub overview: &'a CaseOverview,
    pub signals: &'a [Signal],
    pub analytics: Option<&'a firebreak_analytics::Report>,
    pub coverage: &'a [HostCoverage],
}

/// Derive the investigation.
pub fn investigate(input: &Input<'_>) -> Investigation {
    let ctx = Ctx::new(input);
    let ia = initial_access::derive(&ctx);
    let mut addrs = addr::AddrMap::build(&ctx, ia.as_ref());
    let edges = lateral::derive(&ctx, ia.as_ref(), &mut addrs, ia.as_ref().map(|i| i.time));
    let (impact, mut gaps) = impact::derive(&ctx);
    let window = attack::window(&ctx, ia.as_ref(), &edges, &impact);
    let found = scope::Found {
        ia: ia.as_ref(),
        edges: &edges,
        impact: &impact,
        window,
    };
    let hosts = scope::hosts(&ctx, &found);
    let attack_signals = window
        .map(|w| {
            attack::Attacker {
                window: w,
                hosts: hosts.iter().map(|h| h.name.clone()).collect(),
                addresses: ia.iter().filter_map(|i| i.source_ip.clone()).collect(),
                ia: ia.as_ref(),
            }
            .signals(&ctx)
        })
        .unwrap_or_default();
    let scope = scope::scope(&ctx, &found, hosts, &attack_signals);
    let storyline = storyline::derive(&ctx, &attack_signals);
    let recovery_inhibition = impact::inhibition(&ctx, window.map(|w| w.start));
    let exfiltration = exfil::derive(&ctx);
    gaps.extend(gaps::derive(&ctx, &scope.hosts, ia.as_ref(), window));
    let attack_matrix = matrix::attack_matrix(&ctx, &attack_signals);
    let indicators = matrix::indicators(ia.as_ref(), &scope, &impact, &attack_signals);
    let f = response::Findings {
        ia: ia.as_ref(),
        scope: &scope,
        impact: &impact,
        inhibition: &recovery_inhibition,
        storyline: &storyline,
        gaps: &gaps,
        indicators: &indicators,
        exfiltration: &exfiltration,
    };
    let containment = response::containment(&ctx, &f, &attack_signals);
    let recovery = response::recovery(&f);
    let hardening = response::hardening(&f);
    let executive_summary = summary::executive(&f);
    let open_questions = summary::open_questions(&f, input.analytics.is_some());
    Investigation {
        schema_version: SCHEMA_VERSION,
        case: input.overview.clone(),
        executive_summary,
        initial_access: ia.clone(),
        storyline,
        scope: scope.clone(),
        impact: impact.clone(),
        recovery_inhibition: recovery_inhibition.clone(),
        exfiltration: exfiltration.clone(),
        gaps: gaps.clone(),
        containment,
        recovery,
        hardening,
        attack_matrix,
        indicators: indicators.clone(),
        open_questions,
    }
}
