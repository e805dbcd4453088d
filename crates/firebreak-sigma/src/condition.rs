//! The detection condition: `and`/`or`/`not`, parentheses, `1 of`/`any of`/`all of`
//! with wildcards and `them`. Precedence (least to most binding): or, and, not.
//! Quantified forms are expanded to the selections they name when parsed.

use crate::error::RuleError;
use crate::pattern::{glob_match_simple, Tok};

/// A condition over selection indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cond {
    Sel(usize),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum T {
    Open,
    Close,
    Word(String),
}

fn tokens(s: &str) -> Vec<T> {
    let mut out = Vec::new();
    let mut word = String::new();
    let flush = |w: &mut String, out: &mut Vec<T>| {
        if !w.is_empty() {
            out.push(T::Word(std::mem::take(w)));
        }
    };
    for c in s.chars() {
        match c {
            '(' | ')' => {
                flush(&mut word, &mut out);
                out.push(if c == '(' { T::Open } else { T::Close });
            }
            c if c.is_whitespace() => flush(&mut word, &mut out),
            c => word.push(c),
        }
    }
    flush(&mut word, &mut out);
    out
}

/// Parses `text` against the rule's selection names.
pub(crate) fn parse(text: &str, names: &[&str]) -> Result<Cond, RuleError> {
    if text.contains('|') {
        return Err(RuleError::Condition(format!(
            "'{text}': aggregation expressions ('| count() ...', 'near') are obsolete; use a correlation rule"
        )));
    }
    let toks = tokens(text);
    let mut p = Parser {
        toks: &toks,
        pos: 0,
        names,
    };
    let c = p.or()?;
    match p.toks.get(p.pos) {
        None => Ok(c),
        Some(t) => Err(p.err(&format!("unexpected {t:?}"))),
    }
    .map_err(|e| match e {
        RuleError::Condition(m) => RuleError::Condition(format!("'{text}': {m}")),
        other => other,
    })
}

struct Parser<'a> {
    toks: &'a [T],
    pos: usize,
    names: &'a [&'a str],
}

impl Parser<'_> {
    fn err(&self, m: &str) -> RuleError {
        RuleError::Condition(m.to_string())
    }

    fn peek_word(&self, w: &str) -> bool {
        matches!(self.toks.get(self.pos), Some(T::Word(x)) if x.eq_ignore_ascii_case(w))
    }

    fn or(&mut self) -> Result<Cond, RuleError> {
        let mut parts = vec![self.and()?];
        while self.peek_word("or") {
            self.pos += 1;
            parts.push(self.and()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::Or(parts)
        })
    }

    fn and(&mut self) -> Result<Cond, RuleError> {
        let mut parts = vec![self.not()?];
        while self.peek_word("and") {
            self.pos += 1;
            parts.push(self.not()?);
        }
        Ok(if parts.len() == 1 {
            parts.remove(0)
        } else {
            Cond::And(parts)
        })
    }

    fn not(&mut self) -> Result<Cond, RuleError> {
        if self.peek_word("not") {
            self.pos += 1;
            return Ok(Cond::Not(Box::new(self.not()?)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Cond, RuleError> {
        let tok = self
            .toks
            .get(self.pos)
            .ok_or_else(|| self.err("unexpected end"))?;
        self.pos += 1;
        match tok {
            T::Open => {
                let c = self.or()?;
                match self.toks.get(self.pos) {
                    Some(T::Close) => {
                        self.pos += 1;
                        Ok(c)
                    }
                    _ => Err(self.err("missing ')'")),
                }
            }
            T::Close => Err(self.err("unexpected ')'")),
            T::Word(w) => self.word(w),
        }
    }

    fn word(&mut self, w: &str) -> Result<Cond, RuleError> {
        let lw = w.to_ascii_lowercase();
        if matches!(lw.as_str(), "1" | "all" | "any") && self.peek_word("of") {
            self.pos += 1;
            let target = match self.toks.get(self.pos) {
                Some(T::Word(t)) => t.clone(),
                _ => return Err(self.err(&format!("'{w} of' needs a name pattern or 'them'"))),
            };
            self.pos += 1;
            let sels = self.matching(&target)?;
            return Ok(if lw == "all" {
                Cond::And(sels)
            } else {
                Cond::Or(sels)
            });
        }
        if matches!(lw.as_str(), "and" | "or" | "not" | "of") {
            return Err(self.err(&format!("unexpected '{w}'")));
        }
        self.names
            .iter()
            .position(|n| *n == w)
            .map(Cond::Sel)
            .ok_or_else(|| self.err(&format!("unknown search identifier '{w}'")))
    }

    /// Selections named by a `1 of`/`all of` target; `them` skips names starting with `_`.
    fn matching(&self, target: &str) -> Result<Vec<Cond>, RuleError> {
        let found: Vec<Cond> = if target.eq_ignore_ascii_case("them") {
            (0..self.names.len())
                .filter(|&i| !self.names[i].starts_with('_'))
                .map(Cond::Sel)
                .collect()
        } else {
            let toks = name_pattern(target);
            (0..self.names.len())
                .filter(|&i| glob_match_simple(&toks, self.names[i]))
                .map(Cond::Sel)
                .collect()
        };
        if found.is_empty() {
            return Err(self.err(&format!("'{target}' names no search identifier")));
        }
        Ok(found)
    }
}

fn name_pattern(p: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    for (i, part) in p.split('*').enumerate() {
        if i > 0 {
            toks.push(Tok::Star);
        }
        if !part.is_empty() {
            toks.push(Tok::Lit(part.to_string()));
        }
    }
    toks
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["selection", "filter_a", "filter_b", "_private"];

    fn p(s: &str) -> Result<Cond, RuleError> {
        parse(s, &NAMES)
    }

    #[test]
    fn precedence_or_and_not() {
        let c = p("selection or filter_a and not filter_b").unwrap();
        assert_eq!(
            c,
            Cond::Or(vec![
                Cond::Sel(0),
                Cond::And(vec![Cond::Sel(1), Cond::Not(Box::new(Cond::Sel(2)))])
            ])
        );
    }

    #[test]
    fn quantifiers_and_parentheses() {
        assert_eq!(
            p("selection and not 1 of filter_*").unwrap(),
            Cond::And(vec![
                Cond::Sel(0),
                Cond::Not(Box::new(Cond::Or(vec![Cond::Sel(1), Cond::Sel(2)])))
            ])
        );
        assert_eq!(
            p("all of them").unwrap(),
            Cond::And(vec![Cond::Sel(0), Cond::Sel(1), Cond::Sel(2)])
        );
        assert_eq!(
            p("(selection or filter_a) and filter_b").unwrap(),
            Cond::And(vec![
                Cond::Or(vec![Cond::Sel(0), Cond::Sel(1)]),
                Cond::Sel(2)
            ])
        );
        assert_eq!(p("any of _*").unwrap(), Cond::Or(vec![Cond::Sel(3)]));
    }

    #[test]
    fn errors_are_precise() {
        assert!(p("selection and").is_err());
        assert!(p("unknown").unwrap_err().to_string().contains("unknown"));
        assert!(p("1 of nothing*").is_err());
        assert!(p("(selection").is_err());
        assert!(p("selection | count() > 5").is_err());
    }
}
