//! Exfiltration: the analytics' assessment (found, what was checked, which large
//! transfers were explained and why) plus the exfiltration rules' detections.

use crate::context::Ctx;
use crate::model::Phase;
use crate::model::{Confidence, ConfidenceLevel, Exfiltration, KeyEvent};
use crate::norm::{level_rank, phase_of};
use crate::storyline::key_event;

pub(crate) fn derive(ctx: &Ctx<'_>) -> Exfiltration {
    let signs = signs(ctx);
    let Some(report) = ctx.analytics else {
        let found = !signs.is_empty();
        return Exfiltration {
            found,
            confidence: Some(Confidence {
                level: ConfidenceLevel::Low,
                because: vec!["the built-in analytics did not run: egress volumes and upload tools were not assessed, only the exfiltration rules' detections".into()],
            }),
            signs,
            checked: vec!["exfiltration rules of the hunt only".into()],
            explained: Vec::new(),
        };
    };
    let x = &report.exfiltration;
    let found = x.found || !signs.is_empty();
    Exfiltration {
        found,
        confidence: Some(confidence(found, &signs, &x.checked, &x.explained)),
        signs,
        checked: x.checked.clone(),
        explained: x.explained.clone(),
    }
}

/// Exfiltration findings and medium+ exfiltration detections.
fn signs(ctx: &Ctx<'_>) -> Vec<KeyEvent> {
    ctx.signals
        .iter()
        .filter(|s| {
            (s.kind == "analytic" && s.rule_key.starts_with("exfiltration."))
                || (s.kind != "analytic"
                    && phase_of(s) == Some(Phase::Exfiltration)
                    && level_rank(&s.level) >= 2)
        })
        .map(|s| key_event(ctx, s))
        .collect()
}

fn confidence(
    found: bool,
    signs: &[KeyEvent],
    checked: &[String],
    explained: &[String],
) -> Confidence {
    let egress_seen = checked
        .iter()
        .any(|c| c.starts_with("egress records") && !c.starts_with("egress records: 0"));
    let mut because = Vec::new();
    let level = if found {
        because.push(format!(
            "{} sign(s) of data leaving: tools, archives or volumes",
            signs.len()
        ));
        if signs.iter().any(|s| level_rank(&s.level) >= 3) {
            ConfidenceLevel::High
        } else {
            ConfidenceLevel::Medium
        }
    } else if egress_seen {
        because.push("egress records (proxy, gateway, flows) were checked and no upload tool, archive or unexplained volume was found".into());
        ConfidenceLevel::Medium
    } else {
        because.push("no egress records were available: data could have left unseen".into());
        ConfidenceLevel::Low
    };
    if !explained.is_empty() {
        because.push(format!(
            "{} large transfer(s) were judged legitimate from their own history (see explained)",
            explained.len()
        ));
    }
    because.push("absence of evidence is limited to the sources given to the case".into());
    Confidence { level, because }
}
