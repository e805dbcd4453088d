//! Which rules report: level, status and tag filters.

use firebreak_sigma::{Level, Rule};

/// Rule filters. Empty lists mean "any". Rules left out by the selection still feed
/// the correlations that refer to them; they only do not report on their own.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Lowest level reported; a rule without a level counts as `informational`.
    pub min_level: Option<Level>,
    /// Statuses reported (`stable`, `test`, `experimental`, ...), case-insensitive.
    pub statuses: Vec<String>,
    /// Tags, any of which a rule must carry (`attack.t1003` also selects
    /// `attack.t1003.001`; `attack.credential-access` a tactic).
    pub tags: Vec<String>,
    /// Tags that leave a rule out.
    pub exclude_tags: Vec<String>,
}

fn tag_matches(tag: &str, wanted: &str) -> bool {
    let (t, w) = (tag.to_ascii_lowercase(), wanted.to_ascii_lowercase());
    t == w || t.strip_prefix(&w).is_some_and(|rest| rest.starts_with('.'))
}

impl Selection {
    /// Whether a rule with these attributes reports.
    pub fn admits(&self, level: Option<Level>, status: Option<&str>, tags: &[String]) -> bool {
        let level_ok = self
            .min_level
            .is_none_or(|min| level.unwrap_or(Level::Informational) >= min);
        let status_ok = self.statuses.is_empty()
            || status.is_some_and(|s| self.statuses.iter().any(|w| w.eq_ignore_ascii_case(s)));
        let any = |list: &[String]| list.iter().any(|w| tags.iter().any(|t| tag_matches(t, w)));
        let tags_ok = self.tags.is_empty() || any(&self.tags);
        level_ok && status_ok && tags_ok && !any(&self.exclude_tags)
    }

    /// Whether a detection rule reports.
    pub fn admits_rule(&self, rule: &Rule) -> bool {
        self.admits(rule.level(), rule.status(), rule.tags())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_combine() {
        let s = Selection {
            min_level: Some(Level::High),
            statuses: vec!["stable".into(), "test".into()],
            tags: vec!["attack.t1003".into()],
            exclude_tags: vec!["attack.t1003.006".into()],
        };
        let tags = |t: &[&str]| t.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(s.admits(
            Some(Level::High),
            Some("Test"),
            &tags(&["attack.t1003.001"])
        ));
        assert!(!s.admits(Some(Level::Medium), Some("test"), &tags(&["attack.t1003"])));
        assert!(!s.admits(
            Some(Level::Critical),
            Some("experimental"),
            &tags(&["attack.t1003"])
        ));
        assert!(!s.admits(Some(Level::Critical), None, &tags(&["attack.t1003"])));
        assert!(!s.admits(
            Some(Level::Critical),
            Some("stable"),
            &tags(&["attack.t10030"])
        ));
        assert!(!s.admits(
            Some(Level::Critical),
            Some("stable"),
            &tags(&["attack.t1003.006"])
        ));
        assert!(Selection::default().admits(None, None, &[]));
    }
}
