//! Correlation rules over the matches the hunting threads collected.

use crate::detection::{Detection, Kind, Source};
use crate::select::Selection;
use firebreak_event::{Event, Timestamp};
use firebreak_sigma::{CorrelationError, CorrelationHit, RuleSet};

/// Feed every collected match (any order) to the correlator and turn its hits into
/// detections. Hits of inner correlations that only feed an outer one, and those the
/// selection leaves out, are not reported.
pub(crate) fn correlate(
    rules: &RuleSet,
    selection: &Selection,
    mut matches: Vec<(usize, Event, Source)>,
) -> (Vec<Detection>, Vec<CorrelationError>) {
    if matches.is_empty() || rules.correlations().is_empty() {
        return (Vec::new(), Vec::new());
    }
    // Matches arrive in whatever order the threads finished; the correlator breaks
    // ties in time by ref, so refs follow (time, record) for the same result from a
    // case and from paths.
    fn key(m: &(usize, Event, Source)) -> (Timestamp, &str, &'static str, u64, usize) {
        let (r, e, s) = m;
        (
            e.timestamp,
            &s.path,
            s.location.kind(),
            s.location.value(),
            *r,
        )
    }
    matches.sort_by(|a, b| key(a).cmp(&key(b)));
    let mut c = rules.correlator();
    let mut sources = Vec::with_capacity(matches.len());
    for (i, (rule, event, source)) in matches.into_iter().enumerate() {
        c.observe(rule, &event, i as i64);
        sources.push((
            source,
            event.host,
            crate::engine::user_of_parts(&event.user),
        ));
    }
    let (hits, errors) = c.finish();
    let found = merge_bursts(hits)
        .iter()
        .filter(|h| h.reports)
        .filter(|h| {
            let m = h.meta();
            selection.admits(m.level, m.status.as_deref(), &m.tags)
        })
        .filter_map(|h| detection(h, &sources))
        .collect();
    (found, errors)
}

type Sources = [(Source, Option<String>, Option<String>)];

/// Most refs a merged burst keeps.
const MAX_REFS: usize = 100;

/// One burst is one detection: hits of the same correlation and group whose windows
/// touch (the next starts within the timespan of the previous one's end) are merged,
/// keeping the first hit's start, the last one's end, the summed event count and the
/// largest value. A 2,000-file encryption is one finding, not forty.
fn merge_bursts(mut hits: Vec<CorrelationHit<'_>>) -> Vec<CorrelationHit<'_>> {
    hits.sort_by(|a, b| (a.index, &a.group, a.first).cmp(&(b.index, &b.group, b.first)));
    let mut out: Vec<CorrelationHit<'_>> = Vec::with_capacity(hits.len());
    for h in hits {
        if let Some(prev) = out.last_mut() {
            let span = prev.correlation.timespan.saturating_mul(1_000_000) as i64;
            let touches = prev.index == h.index
                && prev.group == h.group
                && h.first.micros() <= prev.last.micros().saturating_add(span);
            if touches {
                prev.last = prev.last.max(h.last);
                prev.event_total += h.event_total;
                prev.value = prev.value.max(h.value);
                let room = MAX_REFS.saturating_sub(prev.events.len());
                prev.events.extend(h.events.into_iter().take(room));
                continue;
            }
        }
        out.push(h);
    }
    out
}

fn detection(h: &CorrelationHit<'_>, sources: &Sources) -> Option<Detection> {
    let first = sources.get(usize::try_from(*h.events.first()?).ok()?)?;
    let related = h
        .events
        .iter()
        .skip(1)
        .filter_map(|&r| sources.get(usize::try_from(r).ok()?))
        .map(|(s, _, _)| s.clone())
        .collect();
    let m = h.meta();
    let group: Vec<String> = h
        .group
        .iter()
        .map(|g| format!("{}={}", g.field, g.value.as_deref().unwrap_or("(none)")))
        .collect();
    let summary = format!(
        "{} {:?}: value {} over {} events from {} to {}",
        group.join(" "),
        h.correlation.kind,
        h.value,
        h.event_total,
        h.first,
        h.last
    );
    Some(Detection {
        kind: Kind::Correlation,
        rule_key: m.id.clone().unwrap_or_else(|| m.title.clone()),
        title: m.title.clone(),
        level: m.level.map_or("informational", |l| l.as_str()).to_string(),
        status: m.status.clone(),
        tags: m.tags.clone(),
        attack: m.attack_techniques(),
        time: h.first,
        host: first.1.clone(),
        user: first.2.clone(),
        key_fields: h
            .group
            .iter()
            .map(|g| (g.field.clone(), g.value.clone().unwrap_or_default()))
            .collect(),
        matched: Some(summary.trim().to_string()),
        source: first.0.clone(),
        related,
    })
}
