//! Analytics that single-event Sigma rules cannot express, as code.
//!
//! The caller hands events to [`Analytics::observe`] (any order, each with its own
//! reference, e.g. the case's event id) and gets a [`Report`] from
//! [`Analytics::finish`]. **This crate does no I/O**: leak lists arrive as bytes
//! ([`LeakSet::parse`]), configuration as a value or YAML text. Only compact records of
//! relevant events are kept (logins, gateway session details, logons with a source
//! address, process starts, file writes, byte counts of egress), never whole events.
//!
//! Every threshold and list lives in `data/analytics.yaml` ([`config::BUILTIN_YAML`]),
//! which is [`AnalyticsConfig::default`]; the numbers below are its defaults.
//!
//! # 1. Remote access (`remote-access.login`, `remote-access.spray`)
//! Logins through a gateway/VPN (NetScaler `SSLVPN LOGIN`; `AAA LOGIN_FAILED` as
//! failures), RDP (Security 4624 logon type 10, TerminalServices 1149; 4625 type 10/3 as
//! failures) and SSH (auth.log `sshd.accepted`; `sshd.failed`/`sshd.invalid_user` as
//! failures) are replayed in time order. Each successful login is judged against what
//! came before it, and the reasons are combined into **one finding per login**, whose
//! level rises with their number (1 low, 2 medium, 3 high, 4+ critical):
//! * *new source*: the address was never seen for the account on that channel, once
//!   the channel's data reaches back 1 day (before that every pair is new);
//! * *unusual hour*: not within ±1 h of any earlier login hour of the account (after 4
//!   logins), or — with less history — outside work hours 07–19 (local = UTC + offset);
//! * *after failures*: 5+ failures for the account, or failures for 5+ accounts from
//!   the login's source (spraying), in the 30 min before;
//! * *leaked*: the account (by its lower-cased user part) is in the leak set;
//! * *new country / network*: with a GeoIP database ([`GeoIp`]: iptoasn.com TSV or
//!   GeoLite2 ASN CSV), the address's country or AS was never seen for the account
//!   on that channel, once it has earlier logins.
//!
//! A source failing for 5+ accounts within 30 min is also reported on its own
//! (`remote-access.spray`).
//!
//! # 2. The chain (`chain.gateway-session`)
//! A gateway session (user, client address, session id; the NAT/SNIP addresses and end
//! time from the same session's later lines, or [`AnalyticsConfig::gateway_addresses`])
//! → the Windows logon it produced (4624 type 10 or 3 from a gateway address, same
//! account, from 60 s before the gateway login to 15 min after it or the session's end)
//! → the processes that followed in that logon on that host (Sysmon 1 / Security 4688
//! by logon id, or by account when there is none) within 2 h. One finding per gateway
//! login that reached a host; its level is that login's remote-access level (at least
//! low).
//!
//! # 3. Ransomware impact (`impact.ransomware`)
//! File writes — bodyfile `m`/`b` times (deleted entries skipped) and Sysmon 11 file
//! creations — per host and extension are cut into bursts where consecutive writes are
//! at most 5 min apart. A burst of 50+ distinct files with an extension no file on the
//! host had before is impact; files keeping their old extension before the new one
//! (`x.docx.lockx`) strengthen it. Ransom notes: one file name (`.txt`, `.html`, … not
//! `desktop.ini` and the like) created in 3+ folders within 1 h. Per host: extension,
//! first and last write, file count, note name and folder count ([`HostImpact`]);
//! bursts alone are high, with notes or double extensions critical, notes alone medium.
//!
//! # 4. Exfiltration ([`ExfilAssessment`])
//! * upload tools on command lines (rclone, MEGAsync, WinSCP, pscp, curl with upload
//!   flags, …) — `exfiltration.tool`;
//! * archivers (7z, rar, zip, …) with password flags, or followed by 10 MB+ of egress
//!   from the host within 4 h — `exfiltration.archive`;
//! * egress volume: proxy (squid CONNECT/POST/PUT), gateway session totals, web server
//!   replies and flow records with bytes sent, to outside (non-`internal_nets`)
//!   destinations, summed per source, destination and 60-min window. A window of 1 GB+
//!   is explained as legitimate when it **recurs** (same source and destination on 2+
//!   other days, within 3× the volume and ±2 h of the time of day), goes to a
//!   configured business destination, or is by a service account during work hours;
//!   otherwise it is `exfiltration.volume`. Traffic spread over destinations is
//!   reported when a window is 1 GB+ and 5× the source's median window.
//!
//! The assessment always says what was checked (`checked`) and which large transfers
//! were judged legitimate and why (`explained`), so "none found" is a result.
//!
//! Secrets: a [`LeakSet`] keeps only account names and SHA-256 digests of secrets; its
//! `Debug` shows counts. Password-like command-line arguments are redacted in every
//! message.

mod chain;
pub mod config;
mod exfil;
pub mod geoip;
mod impact;
pub mod leakline;
pub mod leaks;
mod model;
pub mod net;
mod norm;
mod records;
mod remote;

pub use config::{AnalyticsConfig, ConfigError};
pub use geoip::{Geo, GeoIp, GeoIpError};
pub use impact::HostImpact;
pub use leaks::{LeakError, LeakMatch, LeakSet, SecretKind};
pub use model::{ExfilAssessment, Finding, Level, Report};
pub use net::IpNet;

use firebreak_event::Event;
use records::{GatewaySession, Login, ProcStart, Transfer, WinLogon};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// Stable analytic ids.
pub mod ids {
    pub const REMOTE_LOGIN: &str = crate::remote::LOGIN;
    pub const REMOTE_SPRAY: &str = crate::remote::SPRAY;
    pub const CHAIN: &str = crate::chain::CHAIN;
    pub const IMPACT: &str = crate::impact::IMPACT;
    pub const EXFIL_TOOL: &str = crate::exfil::TOOL;
    pub const EXFIL_ARCHIVE: &str = crate::exfil::ARCHIVE;
    pub const EXFIL_VOLUME: &str = crate::exfil::VOLUME;
}

/// The analytics' state while events are observed.
#[derive(Debug)]
pub struct Analytics {
    cfg: AnalyticsConfig,
    logins: Vec<Login>,
    sessions: HashMap<String, GatewaySession>,
    logons: Vec<WinLogon>,
    procs: Vec<ProcStart>,
    files: impact::Files,
    transfers: Vec<Transfer>,
    host_ips: BTreeMap<String, BTreeSet<String>>,
    observed: u64,
}

impl std::fmt::Debug for impact::Files {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Files { .. }")
    }
}

impl Analytics {
    pub fn new(cfg: AnalyticsConfig) -> Analytics {
        Analytics {
            cfg,
            logins: Vec::new(),
            sessions: HashMap::new(),
            logons: Vec::new(),
            procs: Vec::new(),
            files: impact::Files::default(),
            transfers: Vec::new(),
            host_ips: BTreeMap::new(),
            observed: 0,
        }
    }

    /// Looks at one event; `event_ref` is echoed in findings. Any order.
    pub fn observe(&mut self, event_ref: i64, ev: &Event) {
        self.observed += 1;
        self.logins.extend(records::login(event_ref, ev));
        if let Some((id, g)) = records::gateway_detail(ev) {
            self.merge_session(event_ref, id, g);
        }
        self.logons.extend(records::win_logon(
            event_ref,
            ev,
            &self.cfg.chain.logon_types,
        ));
        self.procs.extend(records::process(event_ref, ev));
        if let Some((host, path, born)) = records::file_write(ev) {
            self.files
                .add(event_ref, ev.timestamp, host, &path, born, &self.cfg.impact);
        }
        self.transfers.extend(records::transfer(event_ref, ev));
        if let Some((host, ip)) = records::host_address(ev, &self.cfg.internal_nets) {
            self.host_ips.entry(host).or_default().insert(ip);
        }
    }

    fn merge_session(&mut self, r: i64, id: String, g: GatewaySession) {
        let s = self.sessions.entry(id).or_default();
        for ip in g.nat {
            if !s.nat.contains(&ip) {
                s.nat.push(ip);
            }
        }
        s.destinations.extend(g.destinations);
        s.end = s.end.max(g.end);
        s.refs.push(r);
    }

    /// Events observed so far.
    pub fn observed(&self) -> u64 {
        self.observed
    }

    /// Runs every analytic over what was observed.
    pub fn finish(mut self) -> Report {
        let cfg = &self.cfg;
        let mut findings = remote::analyse(&mut self.logins, cfg);
        let levels: HashMap<i64, Level> = findings
            .iter()
            .filter(|f| f.analytic == remote::LOGIN)
            .filter_map(|f| f.event_refs.first().map(|r| (*r, f.level)))
            .collect();
        let chain_inputs = chain::Inputs {
            logins: &self.logins,
            sessions: &self.sessions,
            logons: &self.logons,
            procs: &self.procs,
            login_levels: &levels,
        };
        findings.extend(chain::analyse(&chain_inputs, cfg));
        let (impact_findings, impact) = impact::analyse(&mut self.files, cfg);
        findings.extend(impact_findings);
        let implicated: BTreeSet<String> = findings
            .iter()
            .filter(|f| f.analytic == chain::CHAIN || f.analytic == impact::IMPACT)
            .filter_map(|f| f.host.as_deref().map(norm::host_key))
            .collect();
        redact_findings(&mut findings, cfg);
        let exfil_inputs = exfil::Inputs {
            procs: &self.procs,
            transfers: &self.transfers,
            host_ips: &self.host_ips,
            implicated: &implicated,
        };
        let exfiltration = exfil::assess(&exfil_inputs, cfg);
        findings.sort_by_key(|f| f.time);
        Report {
            findings,
            impact,
            exfiltration,
        }
    }
}

/// Password-like arguments out of every reason and summary.
fn redact_findings(findings: &mut [Finding], cfg: &AnalyticsConfig) {
    let x = &cfg.exfiltration;
    for f in findings {
        f.summary = norm::redact(&f.summary, &x.redact_args, &x.attached_password_images);
        for r in &mut f.reasons {
            *r = norm::redact(r, &x.redact_args, &x.attached_password_images);
        }
    }
}
