//! Firebreak's Sigma engine: parse, compile and evaluate Sigma rules. No I/O: the caller
//! reads rule files and hands their text; events come from `firebreak-event`.
//!
//! * [`RuleSet::load`] parses every document of every source (rule collections with
//!   `action: global/reset/repeat` included). Detection rules are compiled; correlation
//!   and filter rules are parsed into [`Correlation`] and [`Filter`] (filters are applied
//!   to the rules they name). One bad document gives one [`LoadError`] and never stops
//!   the rest.
//! * Correlations are resolved at load: each `rules` entry (an `id` or `name`) becomes a
//!   [`RuleRef`] to a detection rule or another correlation (chains); unknown or
//!   ambiguous references, cycles and alias problems are [`LoadError`]s of that
//!   correlation alone. [`RuleSet::is_correlated`] says which detection rules feed a
//!   correlation, [`RuleSet::reports_alone`] whether a rule's matches are reported on
//!   their own (not when a correlation with `generate: false`, the default, reads it).
//! * [`RuleSet::correlator`] evaluates correlations: feed it every match of a correlated
//!   rule ([`Correlator::observe`], any time order), then [`Correlator::finish`] gives
//!   the [`CorrelationHit`]s. The semantics, and the decisions where the specification
//!   is silent (window boundaries, missing group-by fields, ...), are documented on
//!   [`Correlator`].
//! * Each rule's `logsource` is resolved through a [`LogsourceMap`] (data file
//!   `data/logsources.yaml`, extendable) into alternatives: which events it applies to
//!   and how its field names map to the event's.
//! * [`RuleSet::matches`] runs the compiled engine (index by channel/event id or source
//!   kind, Aho-Corasick prefilter over required literals, interned fields);
//!   [`RuleSet::matches_reference`] runs the plain evaluator the compiled one is tested
//!   against.

mod compiled;
mod condition;
mod correlation;
mod correlator;
mod detection;
mod encode;
mod error;
mod fastmap;
mod hoist;
mod leaf;
mod logsource;
mod modifier;
mod pattern;
mod prefilter;
mod reference;
mod resolve;
mod rule;
mod seen;
mod window;

pub use compiled::Scratch;
pub use correlation::{parse_timespan, Alias, Correlation, CorrelationCondition, CorrelationType};
pub use correlator::{
    CorrelationError, CorrelationHit, Correlator, CorrelatorOptions, GroupValue, MissingGroupBy,
};
pub use error::{LoadError, MappingError, RuleError};
pub use logsource::{Logsource, LogsourceMap, Variant, BUILTIN_MAPPING};
pub use resolve::RuleRef;
pub use rule::{Filter, Level, Meta, Related};

use compiled::{Engine, UnitSpec};
use detection::Detection;
use firebreak_event::Event;
use rule::Doc;
use std::collections::HashMap;

/// How rules are loaded.
#[derive(Debug, Clone, Default)]
pub struct LoadOptions {
    /// Values of `expand` placeholders: `%name%` → values (OR-ed).
    pub placeholders: HashMap<String, Vec<String>>,
    /// The logsource mapping (built-in by default).
    pub mapping: LogsourceMap,
}

/// A loaded detection rule.
#[derive(Debug, Clone)]
pub struct Rule {
    meta: Meta,
    origin: String,
    logsource: Logsource,
    detection: Detection,
    variants: Vec<Variant>,
    mapped: bool,
    /// Indices into the rule set's filters.
    filters: Vec<usize>,
    /// Position in its rule set.
    index: usize,
}

impl Rule {
    pub fn meta(&self) -> &Meta {
        &self.meta
    }
    pub fn id(&self) -> Option<&str> {
        self.meta.id.as_deref()
    }
    pub fn title(&self) -> &str {
        &self.meta.title
    }
    pub fn level(&self) -> Option<Level> {
        self.meta.level
    }
    pub fn status(&self) -> Option<&str> {
        self.meta.status.as_deref()
    }
    pub fn tags(&self) -> &[String] {
        &self.meta.tags
    }
    /// ATT&CK technique ids (`T1059.001`) from the tags.
    pub fn attack_techniques(&self) -> Vec<String> {
        self.meta.attack_techniques()
    }
    /// Where the rule came from, as given to [`RuleSet::load`].
    pub fn origin(&self) -> &str {
        &self.origin
    }
    pub fn logsource(&self) -> &Logsource {
        &self.logsource
    }
    /// Whether the logsource had an entry in the mapping (else the `unmapped` default).
    pub fn logsource_mapped(&self) -> bool {
        self.mapped
    }
    /// The logsource alternatives this rule runs on.
    pub fn variants(&self) -> &[Variant] {
        &self.variants
    }
}

/// Rules ready to evaluate, with the correlation and filter rules that came with them.
#[derive(Debug, Default)]
pub struct RuleSet {
    rules: Vec<Rule>,
    correlations: Vec<Correlation>,
    filters: Vec<Filter>,
    engine: Engine,
    resolution: resolve::Resolution,
}

impl RuleSet {
    /// Loads `(origin, yaml)` sources. Returns what loaded and one error per document
    /// that did not.
    pub fn load(sources: &[(String, String)], opts: &LoadOptions) -> (RuleSet, Vec<LoadError>) {
        let mut set = RuleSet::default();
        let mut errors = Vec::new();
        for (origin, docs) in sources.iter().zip(parse_all(sources, opts)) {
            let origin = &origin.0;
            for (n, doc) in docs {
                match doc {
                    Ok(Doc::Rule(r)) => set.add_rule(origin, r, &opts.mapping),
                    Ok(Doc::Correlation(c)) => {
                        set.correlations.push(Correlation { document: n, ..c })
                    }
                    Ok(Doc::Filter(f)) => set.filters.push(f),
                    Err(e) => errors.push(e),
                }
            }
        }
        set.attach_filters();
        set.engine = Engine::build(&set.unit_specs());
        let (resolution, unresolved) = resolve::resolve(&set.rules, &set.correlations);
        set.resolution = resolution;
        errors.extend(unresolved);
        (set, errors)
    }

    fn add_rule(&mut self, origin: &str, r: rule::ParsedRule, map: &LogsourceMap) {
        let (variants, mapped) = map.resolve(&r.logsource);
        self.rules.push(Rule {
            meta: r.meta,
            origin: origin.to_string(),
            logsource: r.logsource,
            detection: r.detection,
            variants: variants.to_vec(),
            mapped,
            filters: Vec::new(),
            index: self.rules.len(),
        });
    }

    fn attach_filters(&mut self) {
        for (fi, f) in self.filters.iter().enumerate() {
            for r in &mut self.rules {
                if filter_applies(f, r) {
                    r.filters.push(fi);
                }
            }
        }
    }

    fn unit_specs(&self) -> Vec<UnitSpec<'_>> {
        let mut specs = Vec::new();
        for (i, r) in self.rules.iter().enumerate() {
            for v in &r.variants {
                specs.push(UnitSpec {
                    rule: i as u32,
                    variant: v,
                    detection: &r.detection,
                    filters: r
                        .filters
                        .iter()
                        .map(|&f| &self.filters[f].detection)
                        .collect(),
                });
            }
        }
        specs
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }
    pub fn correlations(&self) -> &[Correlation] {
        &self.correlations
    }
    pub fn filters(&self) -> &[Filter] {
        &self.filters
    }
    pub fn len(&self) -> usize {
        self.rules.len()
    }
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// The index of `rule` in [`RuleSet::rules`], if it belongs to this set.
    pub fn rule_index(&self, rule: &Rule) -> Option<usize> {
        rule.rule_index(self)
    }

    /// The rules a correlation reads (in its `rules` order), or `None` when it could
    /// not be resolved (its [`LoadError`] says why).
    pub fn correlation_inputs(&self, correlation: usize) -> Option<&[RuleRef]> {
        let plan = self.resolution.plans.get(correlation)?.as_ref()?;
        Some(&plan.inputs)
    }

    /// Whether some usable correlation reads this detection rule (its matches must go
    /// to [`Correlator::observe`]).
    pub fn is_correlated(&self, rule: impl RuleKey) -> bool {
        rule.rule_index(self)
            .is_some_and(|i| !self.resolution.rule_feeds[i].is_empty())
    }

    /// Indices of the detection rules some usable correlation reads.
    pub fn correlated_rules(&self) -> Vec<usize> {
        (0..self.rules.len())
            .filter(|&i| self.is_correlated(i))
            .collect()
    }

    /// Whether the detection rule's matches are reported on their own: false when a
    /// usable correlation with `generate: false` (the default) reads it. True for a
    /// rule not of this set.
    pub fn reports_alone(&self, rule: impl RuleKey) -> bool {
        rule.rule_index(self)
            .is_none_or(|i| self.resolution.rule_alone[i])
    }

    /// As [`RuleSet::reports_alone`], for a correlation (an inner one of a chain).
    pub fn correlation_reports_alone(&self, correlation: usize) -> bool {
        self.resolution
            .corr_alone
            .get(correlation)
            .is_none_or(|&a| a)
    }

    /// A correlator over this set's usable correlations, with default options.
    pub fn correlator(&self) -> Correlator<'_> {
        Correlator::new(self, CorrelatorOptions::default())
    }

    pub fn correlator_with(&self, opts: CorrelatorOptions) -> Correlator<'_> {
        Correlator::new(self, opts)
    }

    /// The rules matching `event` (compiled engine), in load order.
    pub fn matches(&self, event: &Event) -> Vec<&Rule> {
        let mut out = Vec::new();
        self.matches_with(&mut Scratch::default(), event, |r| out.push(r));
        out
    }

    /// As [`RuleSet::matches`], reusing `scratch` between events (faster).
    pub fn matches_with<'s>(
        &'s self,
        scratch: &mut Scratch,
        event: &Event,
        mut found: impl FnMut(&'s Rule),
    ) {
        self.engine
            .matches(scratch, event, &mut |i| found(&self.rules[i as usize]));
    }

    /// As [`RuleSet::matches_with`], giving each matching rule's index in
    /// [`RuleSet::rules`].
    pub fn matches_indexed(
        &self,
        scratch: &mut Scratch,
        event: &Event,
        found: &mut dyn FnMut(usize),
    ) {
        self.engine
            .matches(scratch, event, &mut |i| found(i as usize));
    }

    /// The rules matching `event` by the plain reference evaluator (for tests).
    pub fn matches_reference(&self, event: &Event) -> Vec<&Rule> {
        self.rules
            .iter()
            .filter(|r| self.rule_matches_reference(r, event))
            .collect()
    }

    fn rule_matches_reference(&self, r: &Rule, event: &Event) -> bool {
        r.variants.iter().any(|v| {
            let view = reference::View { event, variant: v };
            v.applies(event)
                && reference::matches(&r.detection, &view)
                && !r
                    .filters
                    .iter()
                    .any(|&f| reference::matches(&self.filters[f].detection, &view))
        })
    }
}

/// Names a detection rule of a [`RuleSet`]: its index in [`RuleSet::rules`], or a
/// `&Rule` borrowed from that set.
pub trait RuleKey {
    /// The rule's index, or `None` when it is not of `set`.
    fn rule_index(&self, set: &RuleSet) -> Option<usize>;
    /// How messages name it.
    fn describe(&self) -> String;
}

impl RuleKey for usize {
    fn rule_index(&self, set: &RuleSet) -> Option<usize> {
        (*self < set.rules.len()).then_some(*self)
    }
    fn describe(&self) -> String {
        format!("rule index {self}")
    }
}

impl RuleKey for &Rule {
    fn rule_index(&self, set: &RuleSet) -> Option<usize> {
        let i = self.index;
        set.rules
            .get(i)
            .is_some_and(|r| std::ptr::eq(r, *self))
            .then_some(i)
    }
    fn describe(&self) -> String {
        format!("rule '{}'", self.meta.label())
    }
}

/// Every source parsed into its documents, on all cores (YAML parsing dominates
/// loading thousands of rules), in the order given.
fn parse_all(
    sources: &[(String, String)],
    opts: &LoadOptions,
) -> Vec<Vec<(usize, Result<Doc, LoadError>)>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = sources.len().div_ceil(threads).max(1);
    let parse = |part: &[(String, String)]| -> Vec<_> {
        part.iter()
            .map(|(origin, text)| rule::parse_source(origin, text, &opts.placeholders))
            .collect()
    };
    std::thread::scope(|s| {
        let handles: Vec<_> = sources
            .chunks(chunk)
            .map(|part| (part, s.spawn(move || parse(part))))
            .collect();
        // A chunk whose thread died is parsed again here, so no source is ever
        // skipped silently (and a parser panic shows instead of vanishing).
        handles
            .into_iter()
            .flat_map(|(part, h)| h.join().unwrap_or_else(|_| parse(part)))
            .collect()
    })
}

/// A filter applies to a rule it names (by id or name), or to every rule when it names
/// none, provided each logsource key the filter sets equals the rule's.
fn filter_applies(f: &Filter, r: &Rule) -> bool {
    let key_ok = |fk: &Option<String>, rk: &Option<String>| fk.is_none() || fk == rk;
    let ls_ok = key_ok(&f.logsource.product, &r.logsource.product)
        && key_ok(&f.logsource.category, &r.logsource.category)
        && key_ok(&f.logsource.service, &r.logsource.service);
    let named = f.rules.is_empty()
        || f.rules.iter().any(|n| {
            Some(n.as_str()) == r.meta.id.as_deref() || Some(n.as_str()) == r.meta.name.as_deref()
        });
    ls_ok && named
}
