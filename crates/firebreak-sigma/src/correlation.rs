//! Correlation rules (Sigma correlation specification), parsed into typed form for the
//! correlation engine. Evaluation is not done here.

use crate::error::RuleError;
use crate::rule::{text, text_list, Meta};
use serde_yaml_ng::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorrelationType {
    EventCount,
    ValueCount,
    Temporal,
    TemporalOrdered,
    ValueSum,
    ValueAvg,
    ValuePercentile,
    ValueMedian,
}

impl CorrelationType {
    fn parse(s: &str) -> Option<CorrelationType> {
        Some(match s {
            "event_count" => CorrelationType::EventCount,
            "value_count" => CorrelationType::ValueCount,
            "temporal" => CorrelationType::Temporal,
            "temporal_ordered" => CorrelationType::TemporalOrdered,
            "value_sum" => CorrelationType::ValueSum,
            "value_avg" => CorrelationType::ValueAvg,
            "value_percentile" => CorrelationType::ValuePercentile,
            "value_median" => CorrelationType::ValueMedian,
            _ => return None,
        })
    }
    /// Types whose condition needs a `field`.
    fn needs_field(self) -> bool {
        !matches!(
            self,
            CorrelationType::EventCount
                | CorrelationType::Temporal
                | CorrelationType::TemporalOrdered
        )
    }
}

/// The correlation condition: every bound given must hold (a range is `gt` + `lte`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CorrelationCondition {
    pub gt: Option<f64>,
    pub gte: Option<f64>,
    pub lt: Option<f64>,
    pub lte: Option<f64>,
    pub eq: Option<f64>,
    pub neq: Option<f64>,
    /// The field(s) counted/summed/averaged (value_* types).
    pub field: Vec<String>,
    /// value_percentile: which percentile (when the rule names one).
    pub percentile: Option<f64>,
}

impl CorrelationCondition {
    /// Whether `x` satisfies every bound.
    pub fn holds(&self, x: f64) -> bool {
        self.gt.is_none_or(|b| x > b)
            && self.gte.is_none_or(|b| x >= b)
            && self.lt.is_none_or(|b| x < b)
            && self.lte.is_none_or(|b| x <= b)
            && self.eq.is_none_or(|b| x == b)
            && self.neq.is_none_or(|b| x != b)
    }
}

/// An alias: one name standing for a field of each correlated rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alias {
    pub name: String,
    /// (rule id or name, field in that rule's events).
    pub fields: Vec<(String, String)>,
}

/// A correlation rule.
#[derive(Debug, Clone)]
pub struct Correlation {
    pub meta: Meta,
    pub origin: String,
    /// 1-based document number in its source.
    pub document: usize,
    pub kind: CorrelationType,
    /// Rule ids or names (detection or correlation rules: chains allowed).
    pub rules: Vec<String>,
    pub group_by: Vec<String>,
    /// Seconds.
    pub timespan: u64,
    pub condition: Option<CorrelationCondition>,
    pub aliases: Vec<Alias>,
    /// Whether the referred rules also report on their own (default false: only the
    /// correlation reports).
    pub generate: bool,
}

fn bad(m: impl Into<String>) -> RuleError {
    RuleError::Correlation(m.into())
}

/// Parses the `correlation` section `c`; `generate` is read there (as pySigma does) or
/// at the top level (as the JSON schema has it).
pub(crate) fn parse(
    meta: Meta,
    origin: &str,
    c: &Value,
    top_generate: Option<&Value>,
) -> Result<Correlation, RuleError> {
    let kind_text = text(c, "type").ok_or_else(|| bad("missing 'type'"))?;
    let kind = CorrelationType::parse(&kind_text)
        .ok_or_else(|| bad(format!("unknown type '{kind_text}'")))?;
    let rules = text_list(c.get("rules"));
    if rules.is_empty() {
        return Err(bad("'rules' lists no rule"));
    }
    let span = text(c, "timespan")
        .or_else(|| text(c, "timeframe"))
        .ok_or_else(|| bad("missing 'timespan'"))?;
    let timespan = parse_timespan(&span).ok_or_else(|| bad(format!("bad timespan '{span}'")))?;
    let condition = c.get("condition").map(condition).transpose()?;
    check_condition(kind, condition.as_ref())?;
    Ok(Correlation {
        meta,
        origin: origin.to_string(),
        document: 0,
        kind,
        rules,
        group_by: text_list(c.get("group-by")),
        timespan,
        condition,
        aliases: aliases(c.get("aliases"))?,
        generate: matches!(c.get("generate").or(top_generate), Some(Value::Bool(true))),
    })
}

fn check_condition(
    kind: CorrelationType,
    c: Option<&CorrelationCondition>,
) -> Result<(), RuleError> {
    match c {
        None if !matches!(
            kind,
            CorrelationType::Temporal | CorrelationType::TemporalOrdered
        ) =>
        {
            Err(bad("missing 'condition'"))
        }
        Some(c) if kind.needs_field() && c.field.is_empty() => {
            Err(bad("the condition needs 'field' for this type"))
        }
        _ => Ok(()),
    }
}

/// `30s`, `5m`, `1h`, `2d` (also `w`, `M` months as 30 days, `y` as 365 days).
pub fn parse_timespan(s: &str) -> Option<u64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let n: u64 = s[..s.len() - unit.len_utf8()].trim().parse().ok()?;
    let mult = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        'w' => 604_800,
        'M' => 2_592_000,
        'y' => 31_536_000,
        _ => return None,
    };
    n.checked_mul(mult)
}

fn condition(v: &Value) -> Result<CorrelationCondition, RuleError> {
    let m = v
        .as_mapping()
        .ok_or_else(|| bad("'condition' must be a mapping"))?;
    let mut c = CorrelationCondition::default();
    for (k, val) in m {
        let key = k.as_str().unwrap_or_default();
        if key == "field" {
            c.field = text_list(Some(val));
            continue;
        }
        let n = match val {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse().ok(),
            _ => None,
        }
        .ok_or_else(|| bad(format!("condition '{key}' needs a number")))?;
        let slot = match key {
            "gt" => &mut c.gt,
            "gte" => &mut c.gte,
            "lt" => &mut c.lt,
            "lte" => &mut c.lte,
            "eq" => &mut c.eq,
            "neq" => &mut c.neq,
            "percentile" => &mut c.percentile,
            other => return Err(bad(format!("unknown condition operator '{other}'"))),
        };
        *slot = Some(n);
    }
    Ok(c)
}

fn aliases(v: Option<&Value>) -> Result<Vec<Alias>, RuleError> {
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let m = v
        .as_mapping()
        .ok_or_else(|| bad("'aliases' must be a mapping"))?;
    m.iter()
        .map(|(k, fields)| {
            let name = k.as_str().ok_or_else(|| bad("alias names must be text"))?;
            let fm = fields
                .as_mapping()
                .ok_or_else(|| bad(format!("alias '{name}' must map rules to fields")))?;
            let fields = fm
                .iter()
                .filter_map(|(r, f)| Some((r.as_str()?.to_string(), f.as_str()?.to_string())))
                .collect();
            Ok(Alias {
                name: name.to_string(),
                fields,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timespans() {
        assert_eq!(parse_timespan("90m"), Some(5400));
        assert_eq!(parse_timespan("1h"), Some(3600));
        assert_eq!(parse_timespan("x"), None);
    }

    #[test]
    fn ranges_hold() {
        let c = CorrelationCondition {
            gt: Some(100.0),
            lte: Some(200.0),
            ..Default::default()
        };
        assert!(!c.holds(100.0));
        assert!(c.holds(101.0));
        assert!(c.holds(200.0));
        assert!(!c.holds(201.0));
    }
}
