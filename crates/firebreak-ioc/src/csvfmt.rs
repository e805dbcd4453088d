//! CSV with a header: a value column, optionally type, description, source and MISP's
//! category / comment / to_ids / uuid columns.

use crate::error::{IocError, Position, Reason};
use crate::ioc::{Format, Ioc, IocSet, Meta};
use crate::types::{resolve, Resolved};

const VALUE: &[&str] = &[
    "value",
    "indicator",
    "ioc",
    "ioc_value",
    "observable",
    "observable_value",
    "indicator_value",
    "data",
    "artifact",
];
const TYPE: &[&str] = &[
    "type",
    "ioc_type",
    "indicator_type",
    "observable_type",
    "attribute_type",
    "kind",
];
const DESCRIPTION: &[&str] = &["description", "desc", "notes", "note", "title"];
const SOURCE: &[&str] = &["source", "feed", "reference", "provider", "source_name"];
const COMMENT: &[&str] = &["comment", "comments"];
const ID: &[&str] = &["uuid", "id", "ioc_id", "indicator_id"];

/// Column indices found in a header.
#[derive(Debug, Default)]
struct Columns {
    value: usize,
    kind: Option<usize>,
    description: Option<usize>,
    source: Option<usize>,
    comment: Option<usize>,
    category: Option<usize>,
    to_ids: Option<usize>,
    id: Option<usize>,
}

impl Columns {
    /// From header cells; `None` when no value column is named (a single column is
    /// taken as the value whatever its name).
    fn find(header: &[String]) -> Option<Columns> {
        let names: Vec<String> = header.iter().map(|h| canonical(h)).collect();
        let col = |wanted: &[&str]| {
            wanted
                .iter()
                .find_map(|w| names.iter().position(|n| n == w))
        };
        let value = col(VALUE).or((names.len() == 1).then_some(0))?;
        Some(Columns {
            value,
            kind: col(TYPE),
            description: col(DESCRIPTION),
            source: col(SOURCE),
            comment: col(COMMENT),
            category: col(&["category"]),
            to_ids: col(&["to_ids"]),
            id: col(ID),
        })
    }
}

fn canonical(h: &str) -> String {
    h.trim()
        .trim_start_matches('#')
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase()
        .replace([' ', '-'], "_")
}

/// True if `line` is a header this reader knows (it names a value column; a lone
/// `value` / `indicator` / `ioc` line is a one-column CSV).
pub(crate) fn is_header(line: &str) -> bool {
    let d = delimiter(line);
    let cells: Vec<String> = line.split(d as char).map(canonical).collect();
    cells.iter().any(|c| VALUE.contains(&c.as_str()))
}

/// The delimiter of a header line: the most frequent of `,`, `;`, tab.
fn delimiter(line: &str) -> u8 {
    [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&d| line.bytes().filter(|&b| b == d).count())
        .unwrap_or(b',')
}

/// Parse a CSV file whose first line that is neither blank nor a `#` comment is a
/// header. The value column is `value`, `indicator`, `ioc`, `ioc_value`, `observable`
/// … (or the only column); the type column `type`, `ioc_type`, `indicator_type` …
/// (type names as in MISP, OTX, ThreatFox); without one, or where it is empty, the
/// type is guessed as in plain lists. The delimiter is `,`, `;` or tab, whichever the
/// header has most of.
pub fn parse_csv(origin: &str, bytes: &[u8]) -> (IocSet, Vec<IocError>) {
    let mut set = IocSet::new(origin, Format::Csv);
    let mut errors = Vec::new();
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let (skipped, body) = skip_preamble(bytes);
    let err = |line: u64, reason| IocError::new(origin, Position::Line { line }, reason);
    let first = body.split(|&b| b == b'\n').next().unwrap_or_default();
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter(&String::from_utf8_lossy(first)))
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(body);
    let header: Vec<String> = match reader.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect(),
        Err(e) => return (set, vec![err(skipped + 1, Reason::Csv(e.to_string()))]),
    };
    let Some(cols) = Columns::find(&header) else {
        let reason = Reason::NoValueColumn(header.join(","));
        return (set, vec![err(skipped + 1, reason)]);
    };
    for record in reader.byte_records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line()) + skipped;
                errors.push(err(line, Reason::Csv(e.to_string())));
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line()) + skipped;
        match row(&cols, &record, line) {
            Ok(iocs) => set.iocs.extend(iocs),
            Err(reason) => errors.push(err(line, reason)),
        }
    }
    (set, errors)
}

/// Leading blank and `#` lines: how many, and the rest of the input.
fn skip_preamble(bytes: &[u8]) -> (u64, &[u8]) {
    let mut rest = bytes;
    let mut n = 0;
    loop {
        let end = rest.iter().position(|&b| b == b'\n');
        let line = &rest[..end.unwrap_or(rest.len())];
        let trimmed = line.trim_ascii();
        match end {
            Some(end) if trimmed.is_empty() || trimmed.starts_with(b"#") => {
                rest = &rest[end + 1..];
                n += 1;
            }
            _ => return (n, rest),
        }
    }
}

fn row(cols: &Columns, record: &csv::ByteRecord, line: u64) -> Result<Vec<Ioc>, Reason> {
    let cell = |i: Option<usize>| -> Result<Option<String>, Reason> {
        match i.and_then(|i| record.get(i)) {
            None | Some(b"") => Ok(None),
            Some(b) => std::str::from_utf8(b)
                .map(|s| Some(s.to_string()))
                .map_err(|_| Reason::NotUtf8),
        }
    };
    let value = cell(Some(cols.value))?.ok_or(Reason::Empty)?;
    let type_name = cell(cols.kind)?.unwrap_or_default();
    let (iocs, related) = match resolve(&type_name, &value)? {
        Resolved::Iocs(iocs, related) => (iocs, related),
        Resolved::Skip(why) => {
            return Err(Reason::Skipped {
                type_name,
                count: 1,
                why: why.to_string(),
            })
        }
    };
    let meta = Meta {
        id: cell(cols.id)?,
        description: cell(cols.description)?,
        source: cell(cols.source)?,
        comment: cell(cols.comment)?,
        category: cell(cols.category)?,
        to_ids: cell(cols.to_ids)?
            .map(|t| matches!(t.to_ascii_lowercase().as_str(), "1" | "true" | "yes")),
        related,
        ..Meta::default()
    };
    let position = Position::Line { line };
    Ok(iocs
        .into_iter()
        .map(|(kind, value)| Ioc {
            kind,
            value,
            position: position.clone(),
            meta: meta.clone(),
        })
        .collect())
}
