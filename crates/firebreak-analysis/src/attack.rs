//! The attack window and which detections belong to the attack.
//!
//! The window runs from the initial access (without one: an hour before the first high
//! or critical detection) to the last edge, encryption or gateway-session activity of the attacker
//! (without any: the last high or critical detection), plus an hour. A detection is the
//! attacker's when it is on a host in scope within the window, comes from an attacker
//! address, is the initial-access account's on the gateway within the window, or is a
//! host-less (file-system timeline) detection of level high or more within it.

use crate::context::Ctx;
use crate::model::{HostImpact, InitialAccess, LateralEdge};
use crate::norm::{account_key, host_key, level_rank, shift, src_ip};
use crate::Signal;
use firebreak_event::Timestamp;

/// Slack after the last known attacker activity.
const AFTER_SECS: i64 = 3600;
/// Without an initial access: how long before the first high/critical detection the
/// window opens (the quieter steps that led to it).
const LEAD_SECS: i64 = 3600;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Window {
    pub start: Timestamp,
    pub end: Timestamp,
}

impl Window {
    pub fn contains(&self, t: Timestamp) -> bool {
        t >= self.start && t <= shift(self.end, AFTER_SECS)
    }
}

/// Direct (non-analytic) detection of level high or more.
pub(crate) fn is_severe(s: &Signal) -> bool {
    s.kind != "analytic" && level_rank(&s.level) >= 3
}

pub(crate) fn window(
    ctx: &Ctx<'_>,
    ia: Option<&InitialAccess>,
    edges: &[LateralEdge],
    impact: &[HostImpact],
) -> Option<Window> {
    let severe = || ctx.signals.iter().filter(|s| is_severe(s)).map(|s| s.time);
    let start = ia
        .map(|i| i.time)
        .or_else(|| severe().min().map(|t| shift(t, -LEAD_SECS)))?;
    let end = edges
        .iter()
        .map(|e| e.time)
        .chain(impact.iter().map(|i| i.last))
        .chain(ia.map(|i| i.time))
        .max()
        .or_else(|| severe().max())?;
    Some(Window {
        start,
        end: end.max(start),
    })
}

/// Everything the attacker's detections are recognised by.
pub(crate) struct Attacker<'a> {
    pub window: Window,
    pub hosts: Vec<String>,
    pub addresses: Vec<String>,
    pub ia: Option<&'a InitialAccess>,
}

impl Attacker<'_> {
    pub fn owns(&self, s: &Signal) -> bool {
        if src_ip(s).is_some_and(|ip| self.addresses.iter().any(|a| a == ip)) {
            return true;
        }
        if !self.window.contains(s.time) {
            return false;
        }
        match s.host.as_deref() {
            None => level_rank(&s.level) >= 3,
            Some(h) if crate::initial_access::is_via(self.ia, h) => self.ia.is_some_and(|i| {
                s.user.as_deref().map(account_key) == Some(account_key(&i.account))
            }),
            Some(h) => {
                crate::impact::is_unnamed(h)
                    || self.hosts.iter().any(|x| host_key(x) == host_key(h))
            }
        }
    }

    pub fn signals<'s>(&self, ctx: &'s Ctx<'_>) -> Vec<&'s Signal> {
        ctx.signals
            .iter()
            .copied()
            .filter(|s| self.owns(s))
            .collect()
    }
}
