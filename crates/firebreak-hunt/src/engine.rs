//! Per-thread matching: one event in, its detections out.

use crate::detection::{key_fields, Detection, Kind, Source};
use crate::select::Selection;
use firebreak_event::Event;
use firebreak_ioc::{IocHit, IocMatcher};
use firebreak_sigma::{Rule, RuleSet, Scratch};

/// What the hunting threads share (read-only).
pub(crate) struct Matchers<'a> {
    pub rules: &'a RuleSet,
    pub iocs: Option<&'a IocMatcher>,
    /// Per rule (by load order): whether its matches are reported on their own
    /// (selected, and not only the input of a correlation).
    pub reports: Vec<bool>,
    /// Per rule: whether a correlation reads its matches.
    pub correlated: Vec<bool>,
}

impl<'a> Matchers<'a> {
    pub fn new(
        rules: &'a RuleSet,
        iocs: Option<&'a IocMatcher>,
        selection: &'a Selection,
    ) -> Matchers<'a> {
        let reports = rules
            .rules()
            .iter()
            .enumerate()
            .map(|(i, r)| selection.admits_rule(r) && rules.reports_alone(i))
            .collect();
        let correlated = (0..rules.len()).map(|i| rules.is_correlated(i)).collect();
        Matchers {
            rules,
            iocs: iocs.filter(|m| !m.is_empty()),
            reports,
            correlated,
        }
    }
}

/// One hunting thread's state.
pub(crate) struct Worker<'m, 'a> {
    m: &'m Matchers<'a>,
    scratch: Scratch,
    hits: Vec<usize>,
    pub found: Vec<Detection>,
    /// Matches of rules that correlations read: (rule, event, provenance).
    pub correlated: Vec<(usize, Event, Source)>,
    pub events: u64,
}

impl<'m, 'a> Worker<'m, 'a> {
    /// One per matching thread for the whole hunt: the engine's per-event buffers
    /// grow to the rule set's size once.
    pub fn new(m: &'m Matchers<'a>) -> Self {
        Worker {
            m,
            scratch: Scratch::default(),
            hits: Vec::new(),
            found: Vec::new(),
            correlated: Vec::new(),
            events: 0,
        }
    }

    /// Run every matcher over `event`, whose provenance is `source`.
    pub fn event(&mut self, event: &Event, source: impl Fn() -> Source) {
        self.events += 1;
        self.hits.clear();
        let rules = self.m.rules;
        let hits = &mut self.hits;
        rules.matches_indexed(&mut self.scratch, event, &mut |i| hits.push(i));
        for &i in &self.hits {
            if self.m.reports[i] {
                let rule = &rules.rules()[i];
                self.found.push(sigma_detection(rule, event, source()));
            }
            if self.m.correlated[i] {
                self.correlated.push((i, event.clone(), source()));
            }
        }
        if let Some(iocs) = self.m.iocs {
            let found = &mut self.found;
            iocs.matches(event, &mut |hit| {
                found.push(ioc_detection(&hit, event, source()))
            });
        }
    }
}

fn sigma_detection(rule: &Rule, event: &Event, source: Source) -> Detection {
    Detection {
        kind: Kind::Sigma,
        rule_key: rule.id().unwrap_or(rule.title()).to_string(),
        title: rule.title().to_string(),
        level: rule
            .level()
            .map_or("informational", |l| l.as_str())
            .to_string(),
        status: rule.status().map(str::to_string),
        tags: rule.tags().to_vec(),
        attack: rule.attack_techniques(),
        time: event.timestamp,
        host: event.host.clone(),
        user: user_of(event),
        key_fields: key_fields(event, &rule.meta().fields),
        matched: None,
        source,
        related: Vec::new(),
    }
}

/// `DOMAIN\name` or `name`.
pub(crate) fn user_of(event: &Event) -> Option<String> {
    user_of_parts(&event.user)
}

pub(crate) fn user_of_parts(user: &firebreak_event::User) -> Option<String> {
    let name = user.name.as_deref()?;
    Some(match user.domain.as_deref() {
        Some(d) if !d.is_empty() => format!("{d}\\{name}"),
        _ => name.to_string(),
    })
}

/// An IOC hit: high when the IOC is meant for detection, medium when its source says
/// it is context only (MISP `to_ids: false`).
fn ioc_detection(hit: &IocHit<'_>, event: &Event, source: Source) -> Detection {
    let ioc = hit.ioc;
    let level = if ioc.meta.to_ids == Some(false) {
        "medium"
    } else {
        "high"
    };
    let name = ioc
        .meta
        .name
        .as_deref()
        .map(|n| format!(" ({n})"))
        .unwrap_or_default();
    Detection {
        kind: Kind::Ioc,
        rule_key: format!("{}:{}", ioc.kind.as_str(), ioc.value),
        title: format!("IOC {} {}{name}", ioc.kind.as_str(), ioc.value),
        level: level.to_string(),
        status: None,
        tags: ioc.meta.labels.clone(),
        attack: Vec::new(),
        time: event.timestamp,
        host: event.host.clone(),
        user: user_of(event),
        key_fields: key_fields(event, &[]),
        matched: Some(format!(
            "{} = {} (from {})",
            hit.field, hit.value, hit.origin
        )),
        source,
        related: Vec::new(),
    }
}
