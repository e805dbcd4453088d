//! Findings of the non-event stages (attack surface, file scans, backup verification),
//! kept per run so a second run in the same case can say what is new, gone or changed.
//!
//! A finding is identified across runs by its `key`, which the producer chooses to be
//! stable (e.g. `port.open|10.0.0.5:3389`, or a file's path and SHA-256). Two findings
//! with the same key are "changed" when their severity, summary or details differ, so
//! producers keep volatile values (timestamps, latencies) out of `details`.

use rusqlite::{params, Connection, OptionalExtension};
use std::collections::HashMap;

/// One finding of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FindingRecord {
    /// Stable identity across runs of the same source.
    pub key: String,
    /// What was found, e.g. `rdp.nla_not_enforced`, `file.encrypted`.
    pub kind: String,
    /// The asset, address or file it is about.
    pub subject: String,
    /// `info`, `low`, `medium`, `high`, `critical` (the producer's scale).
    pub severity: String,
    /// One human-readable line.
    pub summary: String,
    /// The full finding as JSON (evidence, reasons).
    pub details: serde_json::Value,
}

/// What recording a run changed compared with the previous run of the same source.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct FindingsDiff {
    pub run_id: i64,
    /// The run compared against; `None` for the first run of this source.
    pub previous_run: Option<i64>,
    pub new: Vec<FindingRecord>,
    pub gone: Vec<FindingRecord>,
    /// (before, now) for findings whose key stayed but whose content changed.
    pub changed: Vec<(FindingRecord, FindingRecord)>,
    pub unchanged: usize,
}

/// A recorded run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FindingRun {
    pub id: i64,
    pub source: String,
    /// Microseconds since the epoch.
    pub started: i64,
    pub findings: u64,
}

pub(crate) fn record(
    conn: &Connection,
    source: &str,
    started: i64,
    findings: &[FindingRecord],
) -> rusqlite::Result<FindingsDiff> {
    let tx = conn.unchecked_transaction()?;
    let previous_run = latest_run(&tx, source)?;
    let before = match previous_run {
        Some(run) => of_run(&tx, run)?,
        None => Vec::new(),
    };
    tx.execute(
        "INSERT INTO finding_runs (source, started, findings) VALUES (?1, ?2, ?3)",
        params![source, started, findings.len() as i64],
    )?;
    let run_id = tx.last_insert_rowid();
    {
        let mut st = tx.prepare_cached(
            "INSERT OR REPLACE INTO findings (run_id, key, kind, subject, severity, summary, details)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        )?;
        for f in findings {
            st.execute(params![
                run_id,
                f.key,
                f.kind,
                f.subject,
                f.severity,
                f.summary,
                f.details.to_string()
            ])?;
        }
    }
    tx.commit()?;
    let mut diff = compare(before, findings);
    diff.run_id = run_id;
    diff.previous_run = previous_run;
    Ok(diff)
}

/// Compare the previous run's findings with this run's, by key.
fn compare(before: Vec<FindingRecord>, now: &[FindingRecord]) -> FindingsDiff {
    let mut old: HashMap<&str, &FindingRecord> = HashMap::new();
    for f in &before {
        old.insert(f.key.as_str(), f);
    }
    let mut diff = FindingsDiff::default();
    let mut seen = std::collections::HashSet::new();
    for f in now {
        if !seen.insert(f.key.as_str()) {
            continue; // a key given twice in one run counts once (the table keeps the last)
        }
        match old.remove(f.key.as_str()) {
            None => diff.new.push(f.clone()),
            Some(o) if same(o, f) => diff.unchanged += 1,
            Some(o) => diff.changed.push((o.clone(), f.clone())),
        }
    }
    let mut gone: Vec<FindingRecord> = old.into_values().cloned().collect();
    gone.sort_by(|a, b| a.key.cmp(&b.key));
    diff.gone = gone;
    diff
}

fn same(a: &FindingRecord, b: &FindingRecord) -> bool {
    a.kind == b.kind
        && a.subject == b.subject
        && a.severity == b.severity
        && a.summary == b.summary
        && a.details == b.details
}

fn latest_run(conn: &Connection, source: &str) -> rusqlite::Result<Option<i64>> {
    conn.query_row(
        "SELECT id FROM finding_runs WHERE source = ?1 ORDER BY id DESC LIMIT 1",
        params![source],
        |r| r.get(0),
    )
    .optional()
}

fn of_run(conn: &Connection, run: i64) -> rusqlite::Result<Vec<FindingRecord>> {
    let mut st = conn.prepare_cached(
        "SELECT key, kind, subject, severity, summary, details FROM findings
         WHERE run_id = ?1 ORDER BY key",
    )?;
    let rows = st.query_map(params![run], |r| {
        let details: String = r.get(5)?;
        Ok(FindingRecord {
            key: r.get(0)?,
            kind: r.get(1)?,
            subject: r.get(2)?,
            severity: r.get(3)?,
            summary: r.get(4)?,
            details: serde_json::from_str(&details).unwrap_or(serde_json::Value::String(details)),
        })
    })?;
    rows.collect()
}

/// The findings of the latest run of `source` (empty when it never ran).
pub(crate) fn latest(conn: &Connection, source: &str) -> rusqlite::Result<Vec<FindingRecord>> {
    match latest_run(conn, source)? {
        Some(run) => of_run(conn, run),
        None => Ok(Vec::new()),
    }
}

/// Every run of `source`, oldest first.
pub(crate) fn runs(conn: &Connection, source: &str) -> rusqlite::Result<Vec<FindingRun>> {
    let mut st = conn.prepare_cached(
        "SELECT id, source, started, findings FROM finding_runs WHERE source = ?1 ORDER BY id",
    )?;
    let rows = st.query_map(params![source], |r| {
        Ok(FindingRun {
            id: r.get(0)?,
            source: r.get(1)?,
            started: r.get(2)?,
            findings: r.get::<_, i64>(3)? as u64,
        })
    })?;
    rows.collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(key: &str, sev: &str) -> FindingRecord {
        FindingRecord {
            key: key.into(),
            kind: "k".into(),
            subject: "s".into(),
            severity: sev.into(),
            summary: "x".into(),
            details: serde_json::json!({"k": key}),
        }
    }

    #[test]
    fn compare_sorts_findings_into_new_gone_changed() {
        let before = vec![f("a", "low"), f("b", "low"), f("c", "low")];
        let now = [f("a", "low"), f("b", "high"), f("d", "low"), f("d", "low")];
        let d = compare(before, &now);
        assert_eq!(d.new.iter().map(|f| &f.key[..]).collect::<Vec<_>>(), ["d"]);
        assert_eq!(d.gone.iter().map(|f| &f.key[..]).collect::<Vec<_>>(), ["c"]);
        assert_eq!(d.changed.len(), 1);
        assert_eq!(d.changed[0].0.severity, "low");
        assert_eq!(d.changed[0].1.severity, "high");
        assert_eq!(d.unchanged, 1);
    }
}
