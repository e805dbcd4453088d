//! What every section reads: the signals in time order, host and account names as the
//! logs write them, and the analytics' findings with the evidence behind them.

use crate::model::EvidenceRef;
use crate::norm::{account_key, field, host_key, is_system_account, level_rank, short_host};
use crate::{HostCoverage, Input, Signal};
use firebreak_analytics::Report;
use firebreak_event::Timestamp;
use std::collections::BTreeMap;

/// One analytic finding, from the analytics' report or from its detection.
#[derive(Debug, Clone)]
pub(crate) struct Finding {
    pub analytic: String,
    pub title: String,
    pub level: u8,
    pub time: Timestamp,
    pub host: Option<String>,
    pub user: Option<String>,
    pub src_ip: Option<String>,
    pub reasons: Vec<String>,
    pub evidence: Vec<EvidenceRef>,
}

/// The input, indexed.
pub(crate) struct Ctx<'a> {
    pub signals: Vec<&'a Signal>,
    pub analytics: Option<&'a Report>,
    pub coverage: &'a [HostCoverage],
    pub findings: Vec<Finding>,
    hosts: BTreeMap<String, String>,
    accounts: BTreeMap<String, (String, usize)>,
}

impl<'a> Ctx<'a> {
    pub fn new(input: &Input<'a>) -> Ctx<'a> {
        let mut signals: Vec<&Signal> = input.signals.iter().collect();
        signals.sort_by_key(|s| s.time);
        let mut ctx = Ctx {
            signals,
            analytics: input.analytics,
            coverage: input.coverage,
            findings: Vec::new(),
            hosts: BTreeMap::new(),
            accounts: BTreeMap::new(),
        };
        ctx.learn_names(input);
        ctx.findings = findings(&ctx.signals, input.analytics);
        ctx
    }

    fn learn_names(&mut self, input: &Input<'_>) {
        let hosts = input
            .overview
            .hosts
            .iter()
            .chain(input.coverage.iter().map(|c| &c.host))
            .chain(input.signals.iter().filter_map(|s| s.host.as_ref()));
        for h in hosts {
            self.hosts
                .entry(host_key(h))
                .or_insert_with(|| short_host(h));
        }
        for u in input.signals.iter().filter_map(|s| s.user.as_deref()) {
            self.note_account(u);
        }
        for (_, v) in input
            .signals
            .iter()
            .flat_map(|s| &s.key_fields)
            .filter(|(k, _)| k == "TargetUserName" || k == "SubjectUserName")
        {
            self.note_account(v);
        }
    }

    /// Keeps the most frequent `DOMAIN\user` spelling of each account.
    fn note_account(&mut self, name: &str) {
        if is_system_account(name) {
            return;
        }
        let key = account_key(name);
        let qualified = name.contains('\\');
        let e = self.accounts.entry(key).or_insert((name.to_string(), 0));
        let has_domain = e.0.contains('\\');
        if qualified && !has_domain {
            *e = (name.to_string(), 1);
        } else if qualified == has_domain {
            if e.0.eq_ignore_ascii_case(name) {
                e.1 += 1;
            } else if e.1 == 0 {
                *e = (name.to_string(), 1);
            }
        }
    }

    /// The host as the case names it elsewhere (short form, first spelling seen).
    pub fn host(&self, h: &str) -> String {
        self.hosts
            .get(&host_key(h))
            .cloned()
            .unwrap_or_else(|| short_host(h))
    }

    /// The account as the Windows logs write it (`CORP\p.graf`) when they do.
    pub fn account(&self, a: &str) -> String {
        self.accounts
            .get(&account_key(a))
            .map(|(n, _)| n.clone())
            .unwrap_or_else(|| a.to_string())
    }

    pub fn findings_of<'b>(&'b self, prefix: &'b str) -> impl Iterator<Item = &'b Finding> + 'b {
        self.findings
            .iter()
            .filter(move |f| f.analytic.starts_with(prefix))
    }
}

/// The analytics' findings: from the report when there is one (with the evidence of
/// the matching detection), else from the analytic detections themselves.
fn findings(signals: &[&Signal], report: Option<&Report>) -> Vec<Finding> {
    let analytic: Vec<&&Signal> = signals.iter().filter(|s| s.kind == "analytic").collect();
    let Some(report) = report else {
        return analytic.iter().map(|s| from_signal(s)).collect();
    };
    report
        .by_analytic("")
        .map(|f| {
            let sig = analytic.iter().find(|s| {
                s.rule_key == f.analytic
                    && s.time == f.time
                    && s.host.as_deref().map(host_key) == f.host.as_deref().map(host_key)
            });
            Finding {
                analytic: f.analytic.to_string(),
                title: f.title.clone(),
                level: level_rank(f.level.as_str()),
                time: f.time,
                host: f.host.clone(),
                user: f.user.clone(),
                src_ip: f.src_ip.clone(),
                reasons: f.reasons.clone(),
                evidence: sig.map(|s| evidence_of(s)).unwrap_or_default(),
            }
        })
        .collect()
}

fn from_signal(s: &Signal) -> Finding {
    Finding {
        analytic: s.rule_key.clone(),
        title: s.title.clone(),
        level: level_rank(&s.level),
        time: s.time,
        host: s.host.clone(),
        user: s.user.clone(),
        src_ip: field(s, &["network.src_ip"]).map(str::to_string),
        reasons: s
            .key_fields
            .iter()
            .filter(|(k, _)| k.starts_with("reason."))
            .map(|(_, v)| v.clone())
            .collect(),
        evidence: evidence_of(s),
    }
}

/// The signal's own record, then the records behind it.
pub(crate) fn evidence_of(s: &Signal) -> Vec<EvidenceRef> {
    std::iter::once(s.evidence.clone())
        .chain(s.related.iter().cloned())
        .collect()
}
