//! The storyline: the attacker's detections per phase, phases in ATT&CK order.
//!
//! A detection's phase is its first `attack.<tactic>` tag (the bundled rules list the
//! folder's tactic first), else the analytic's kind (remote access and the chain:
//! initial access; impact; exfiltration), else its first technique's usual tactic.
//! Key events per phase: Sysmon/Security duplicates once (same title, host and detail
//! within 2 s), the 8 most telling (highest level, then earliest), shown in time order.

use crate::context::Ctx;
use crate::model::{KeyEvent, Phase, StoryPhase};
use crate::norm::{field, level_rank, phase_of, push_unique, redact, secs};
use crate::Signal;
use std::collections::BTreeMap;

pub(crate) const MAX_KEY_EVENTS: usize = 8;

pub(crate) fn derive(ctx: &Ctx<'_>, attack: &[&Signal]) -> Vec<StoryPhase> {
    let mut by_phase: BTreeMap<Phase, Vec<&Signal>> = BTreeMap::new();
    for s in attack {
        if let Some(p) = phase_of(s) {
            by_phase.entry(p).or_default().push(s);
        }
    }
    by_phase
        .into_iter()
        .map(|(phase, list)| story_phase(ctx, phase, &list))
        .collect()
}

fn story_phase(ctx: &Ctx<'_>, phase: Phase, list: &[&Signal]) -> StoryPhase {
    let mut hosts = Vec::new();
    let mut accounts = Vec::new();
    for s in list {
        if let Some(h) = s.host.as_deref() {
            push_unique(&mut hosts, &ctx.host(h));
        }
        if let Some(u) = s
            .user
            .as_deref()
            .filter(|u| !crate::norm::is_system_account(u))
        {
            push_unique(&mut accounts, &ctx.account(u));
        }
    }
    StoryPhase {
        phase,
        first: list.iter().map(|s| s.time).min().unwrap_or(list[0].time),
        last: list.iter().map(|s| s.time).max().unwrap_or(list[0].time),
        hosts,
        accounts,
        key_events: key_events(ctx, list, MAX_KEY_EVENTS),
        event_total: list.len(),
    }
}

/// The `max` most telling events (level, then time), in time order, duplicates once.
pub(crate) fn key_events(ctx: &Ctx<'_>, list: &[&Signal], max: usize) -> Vec<KeyEvent> {
    let mut unique: Vec<KeyEvent> = Vec::new();
    for s in list {
        let k = key_event(ctx, s);
        let dup = unique.iter().any(|u| {
            u.title == k.title
                && u.host == k.host
                && u.detail == k.detail
                && secs(u.time, k.time).abs() <= 2
        });
        if !dup {
            unique.push(k);
        }
    }
    unique.sort_by_key(|k| (std::cmp::Reverse(level_rank(&k.level)), k.time));
    unique.truncate(max);
    unique.sort_by_key(|k| k.time);
    unique
}

pub(crate) fn key_event(ctx: &Ctx<'_>, s: &Signal) -> KeyEvent {
    KeyEvent {
        time: s.time,
        host: s.host.as_deref().map(|h| ctx.host(h)),
        user: s.user.as_deref().map(|u| ctx.account(u)),
        title: s.title.clone(),
        detail: detail(s),
        techniques: s.attack.clone(),
        level: s.level.clone(),
        evidence: s.evidence.clone(),
    }
}

/// The command line, file or address that tells it, passwords hidden.
fn detail(s: &Signal) -> String {
    let d = field(
        s,
        &[
            "process.command_line",
            "CommandLine",
            "file.path",
            "TargetFilename",
        ],
    )
    .map(str::to_string)
    .unwrap_or_else(|| s.summary.clone());
    redact(&d)
}
