//! Resolving correlation rules at load: which rules each one reads (by `id` or `name`),
//! the order chains are evaluated in, cycles, aliases, and which rules report on their
//! own. A correlation that cannot be resolved gives one [`LoadError`] and is left out of
//! evaluation; the rest are unaffected (except correlations that read it).

use crate::correlation::{Correlation, CorrelationType};
use crate::error::{LoadError, RuleError};
use crate::Rule;
use std::collections::HashMap;

/// A rule a correlation reads: a detection rule or another correlation (a chain).
/// The numbers are indices into [`crate::RuleSet::rules`] and
/// [`crate::RuleSet::correlations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RuleRef {
    Detection(usize),
    Correlation(usize),
}

/// What the correlator needs of one usable correlation.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The inputs in the order of `rules` (an input's position is its slot).
    pub inputs: Vec<RuleRef>,
    /// Per slot: the field read for each `group-by` entry (aliases applied).
    pub group_fields: Vec<Vec<String>>,
    /// Per slot: the condition's `field`(s) (aliases applied).
    pub value_fields: Vec<Vec<String>>,
}

/// (correlation index, slot): where a rule's matches go.
pub(crate) type Feed = (usize, usize);

#[derive(Debug, Default)]
pub(crate) struct Resolution {
    /// Per correlation; `None` when it cannot be evaluated.
    pub plans: Vec<Option<Plan>>,
    /// Usable correlations, every one after the correlations it reads.
    pub order: Vec<usize>,
    /// Per detection rule: the correlations reading it.
    pub rule_feeds: Vec<Vec<Feed>>,
    /// Per correlation: the correlations reading it.
    pub corr_feeds: Vec<Vec<Feed>>,
    pub rule_alone: Vec<bool>,
    pub corr_alone: Vec<bool>,
}

/// Names (`id` and `name`) to the rules carrying them.
type Names<'a> = HashMap<&'a str, Vec<RuleRef>>;

pub(crate) fn resolve(rules: &[Rule], corrs: &[Correlation]) -> (Resolution, Vec<LoadError>) {
    let names = names(rules, corrs);
    let mut failures: Vec<Option<RuleError>> = vec![None; corrs.len()];
    let mut plans: Vec<Option<Plan>> = corrs
        .iter()
        .zip(failures.iter_mut())
        .map(|(c, fail)| plan(c, &names).map_err(|e| *fail = Some(e)).ok())
        .collect();
    let order = evaluation_order(corrs, &plans, &mut failures);
    let mut errors = Vec::new();
    for (i, fail) in failures.into_iter().enumerate() {
        if let Some(reason) = fail {
            plans[i] = None;
            errors.push(load_error(&corrs[i], reason));
        }
    }
    let mut res = Resolution {
        plans,
        order,
        rule_feeds: vec![Vec::new(); rules.len()],
        corr_feeds: vec![Vec::new(); corrs.len()],
        rule_alone: vec![true; rules.len()],
        corr_alone: vec![true; corrs.len()],
    };
    link(&mut res, corrs);
    (res, errors)
}

fn load_error(c: &Correlation, reason: RuleError) -> LoadError {
    LoadError {
        origin: c.origin.clone(),
        document: c.document,
        rule: Some(c.meta.label()),
        reason,
    }
}

fn names<'a>(rules: &'a [Rule], corrs: &'a [Correlation]) -> Names<'a> {
    let mut out: Names = HashMap::new();
    let mut add = |meta: &'a crate::Meta, r: RuleRef| {
        for n in [&meta.id, &meta.name].into_iter().flatten() {
            let refs = out.entry(n.as_str()).or_default();
            if !refs.contains(&r) {
                refs.push(r);
            }
        }
    };
    for (i, r) in rules.iter().enumerate() {
        add(r.meta(), RuleRef::Detection(i));
    }
    for (i, c) in corrs.iter().enumerate() {
        add(&c.meta, RuleRef::Correlation(i));
    }
    out
}

fn lookup(names: &Names, reference: &str) -> Result<RuleRef, RuleError> {
    match names.get(reference).map(Vec::as_slice) {
        Some([one]) => Ok(*one),
        Some(many) if many.len() > 1 => Err(RuleError::AmbiguousReference {
            reference: reference.to_string(),
            count: many.len(),
        }),
        _ => Err(RuleError::UnknownReference(reference.to_string())),
    }
}

fn plan(c: &Correlation, names: &Names) -> Result<Plan, RuleError> {
    let inputs = c
        .rules
        .iter()
        .map(|r| lookup(names, r))
        .collect::<Result<Vec<_>, _>>()?;
    if let Some(i) = (1..inputs.len()).find(|&i| inputs[..i].contains(&inputs[i])) {
        let m = format!("'{}' lists a rule already listed", c.rules[i]);
        return Err(RuleError::Correlation(m));
    }
    check_aliases(c, names, &inputs)?;
    let value_names = c.condition.as_ref().map_or(&[][..], |k| &k.field[..]);
    if value_names.len() > 1 && c.kind != CorrelationType::ValueCount {
        let m = "only value_count takes several condition fields";
        return Err(RuleError::Correlation(m.into()));
    }
    let per_slot = |list: &[String]| -> Result<Vec<Vec<String>>, RuleError> {
        (0..inputs.len())
            .map(|slot| {
                list.iter()
                    .map(|f| field_for(c, names, &inputs, slot, f))
                    .collect()
            })
            .collect()
    };
    Ok(Plan {
        group_fields: per_slot(&c.group_by)?,
        value_fields: per_slot(value_names)?,
        inputs,
    })
}

fn alias_error(alias: &str, reason: String) -> RuleError {
    RuleError::Alias {
        alias: alias.to_string(),
        reason,
    }
}

/// Every rule an alias names must be one of the correlation's inputs.
fn check_aliases(c: &Correlation, names: &Names, inputs: &[RuleRef]) -> Result<(), RuleError> {
    for a in &c.aliases {
        for (r, _) in &a.fields {
            let target = lookup(names, r).map_err(|e| alias_error(&a.name, e.to_string()))?;
            if !inputs.contains(&target) {
                let why = format!("'{r}' is not one of the correlation's rules");
                return Err(alias_error(&a.name, why));
            }
        }
    }
    Ok(())
}

/// The field read from slot `slot`'s events for the correlation field `name`: the
/// alias's field for that rule, or `name` itself when `name` is no alias.
fn field_for(
    c: &Correlation,
    names: &Names,
    inputs: &[RuleRef],
    slot: usize,
    name: &str,
) -> Result<String, RuleError> {
    let Some(alias) = c.aliases.iter().find(|a| a.name == name) else {
        return Ok(name.to_string());
    };
    alias
        .fields
        .iter()
        .find(|(r, _)| lookup(names, r).ok() == Some(inputs[slot]))
        .map(|(_, f)| f.clone())
        .ok_or_else(|| alias_error(name, format!("gives no field for '{}'", c.rules[slot])))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mark {
    New,
    Active,
    Good,
    Bad,
}

/// Depth-first over chains: usable correlations in evaluation order. Records a failure
/// for each correlation on a cycle and each one reading an unusable correlation.
fn evaluation_order(
    corrs: &[Correlation],
    plans: &[Option<Plan>],
    failures: &mut [Option<RuleError>],
) -> Vec<usize> {
    let mut walk = Walk {
        corrs,
        plans,
        failures,
        marks: vec![Mark::New; corrs.len()],
        stack: Vec::new(),
        order: Vec::new(),
    };
    for i in 0..corrs.len() {
        walk.visit(i);
    }
    walk.order
}

struct Walk<'a> {
    corrs: &'a [Correlation],
    plans: &'a [Option<Plan>],
    failures: &'a mut [Option<RuleError>],
    marks: Vec<Mark>,
    stack: Vec<usize>,
    order: Vec<usize>,
}

impl Walk<'_> {
    fn fail(&mut self, i: usize, e: RuleError) {
        self.failures[i].get_or_insert(e);
    }

    fn visit(&mut self, i: usize) -> bool {
        match self.marks[i] {
            Mark::Good => return true,
            Mark::Bad | Mark::Active => return false,
            Mark::New => {}
        }
        let Some(plan) = &self.plans[i] else {
            self.marks[i] = Mark::Bad;
            return false;
        };
        self.marks[i] = Mark::Active;
        self.stack.push(i);
        let mut ok = true;
        for input in &plan.inputs {
            let RuleRef::Correlation(j) = *input else {
                continue;
            };
            if self.marks[j] == Mark::Active {
                self.cycle(j);
                ok = false;
            } else if !self.visit(j) {
                self.fail(i, RuleError::UnusableInput(label(&self.corrs[j])));
                ok = false;
            }
        }
        self.stack.pop();
        self.marks[i] = if ok { Mark::Good } else { Mark::Bad };
        if ok {
            self.order.push(i);
        }
        ok
    }

    /// The stack from `j` up is a cycle back to `j`.
    fn cycle(&mut self, j: usize) {
        let from = self.stack.iter().position(|&x| x == j).unwrap_or(0);
        let members: Vec<usize> = self.stack[from..].to_vec();
        let mut path: Vec<String> = members.iter().map(|&m| label(&self.corrs[m])).collect();
        path.push(label(&self.corrs[j]));
        let text = path.join(" -> ");
        for m in members {
            self.fail(m, RuleError::CorrelationCycle(text.clone()));
        }
    }
}

/// How messages name a correlation: its name, else id, else title.
fn label(c: &Correlation) -> String {
    c.meta
        .name
        .clone()
        .or_else(|| c.meta.id.clone())
        .unwrap_or_else(|| c.meta.title.clone())
}

/// Feeds (who reads whom) and `generate`: a rule read by a usable correlation whose
/// `generate` is false does not report on its own.
fn link(res: &mut Resolution, corrs: &[Correlation]) {
    for &c in &res.order {
        let Some(plan) = &res.plans[c] else {
            continue;
        };
        for (slot, input) in plan.inputs.iter().enumerate() {
            let (feeds, alone, i) = match *input {
                RuleRef::Detection(i) => (&mut res.rule_feeds, &mut res.rule_alone, i),
                RuleRef::Correlation(i) => (&mut res.corr_feeds, &mut res.corr_alone, i),
            };
            feeds[i].push((c, slot));
            alone[i] &= corrs[c].generate;
        }
    }
}
