//! Sleuth Kit bodyfiles (the input of `mactime`, TSK 3.x and later), as `fls -m`,
//! `ils -m` and many other tools write them:
//!
//! ```text
//! MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime
//! 0|/etc/passwd|1311|r/rrw-r--r--|0|0|2301|1700000000|1690000000|1690000000|0
//! ```
//!
//! Every non-blank line is a record (blank lines are not). Times are epoch seconds,
//! maybe fractional; `0`, `-1` and empty mean "not set". A line gives one event per
//! distinct time, flagged as `mactime` prints it (`m.c.` = content and metadata
//! modification at that instant), ascending; a line with no time set is rejected.
//! A name containing `|` (more than 11 fields) is rejoined; a symlink's
//! `name -> target` is split into `file.path` and the `link_target` field.

use crate::textcommon::{all_digits, decimal_secs_to_micros, each_line, LineOutcome};
use crate::{EventSink, ReadContext, ReadError};
use firebreak_event::{desc, Event, Fields, Location, SourceKind, Timestamp};
use std::io::BufRead;

/// The fields of one bodyfile line.
struct Body<'a> {
    md5: &'a str,
    name: &'a str,
    inode: &'a str,
    mode: &'a str,
    uid: &'a str,
    gid: &'a str,
    size: &'a str,
    /// atime, mtime, ctime, crtime as written.
    times: [&'a str; 4],
}

/// One distinct instant of a line and which of m, a, c, b it is.
struct Instant {
    micros: i64,
    raw: String,
    /// In mactime's order: m, a, c, b.
    flags: [bool; 4],
}

const LETTERS: [char; 4] = ['m', 'a', 'c', 'b'];
const DESCS: [&str; 4] = [
    desc::FILE_MODIFIED,
    desc::FILE_ACCESSED,
    desc::FILE_CHANGED,
    desc::FILE_BORN,
];
/// Index of m, a, c, b in the line's atime, mtime, ctime, crtime order.
const MACB_FROM_LINE: [usize; 4] = [1, 0, 2, 3];

pub(crate) fn sniff(lines: &[&str]) -> bool {
    let good = lines.iter().filter(|l| looks_like_body(l)).count();
    good >= 1 && good * 10 >= lines.len() * 6
}

fn looks_like_body(line: &str) -> bool {
    let Ok(b) = parse_line(line) else {
        return false;
    };
    let numeric = |s: &str| s.is_empty() || s == "-1" || decimal_secs_to_micros(s).is_some();
    all_digits(b.size)
        && !b.size.is_empty()
        && all_digits(b.uid)
        && all_digits(b.gid)
        && b.times.iter().all(|t| numeric(t))
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    each_line(input, ctx, sink, |number, line, sink| {
        let body = parse_line(line)?;
        for event in to_events(&body, number)? {
            sink.accept(event);
        }
        Ok(LineOutcome::Accepted)
    })
}

fn parse_line(line: &str) -> Result<Body<'_>, String> {
    let mut right = line.rsplitn(10, '|');
    let mut t: [&str; 9] = [""; 9];
    for slot in &mut t {
        *slot = right
            .next()
            .ok_or("fewer than 11 |-separated fields (MD5|name|inode|mode|UID|GID|size|atime|mtime|ctime|crtime)")?;
    }
    let head = right.next().ok_or("fewer than 11 |-separated fields")?;
    let (md5, name) = head
        .split_once('|')
        .ok_or("fewer than 11 |-separated fields")?;
    let [crtime, ctime, mtime, atime, size, gid, uid, mode, inode] = t;
    Ok(Body {
        md5,
        name,
        inode,
        mode,
        uid,
        gid,
        size,
        times: [atime, mtime, ctime, crtime],
    })
}

/// The set times, grouped by instant, ascending.
fn instants(times: &[&str; 4]) -> Result<Vec<Instant>, String> {
    let mut out: Vec<Instant> = Vec::with_capacity(4);
    for (macb, &from) in MACB_FROM_LINE.iter().enumerate() {
        let raw = times.get(from).copied().unwrap_or("");
        let Some(micros) = parse_time(raw)? else {
            continue;
        };
        match out.iter_mut().find(|i| i.micros == micros) {
            Some(i) => i.flags[macb] = true,
            None => {
                let mut flags = [false; 4];
                flags[macb] = true;
                out.push(Instant {
                    micros,
                    raw: raw.to_string(),
                    flags,
                });
            }
        }
    }
    out.sort_by_key(|i| i.micros);
    Ok(out)
}

/// `None` for "not set" (`0`, `-1`, empty).
fn parse_time(raw: &str) -> Result<Option<i64>, String> {
    if matches!(raw, "" | "0" | "-1") {
        return Ok(None);
    }
    let micros = decimal_secs_to_micros(raw).ok_or_else(|| format!("bad time {raw:?}"))?;
    if micros == 0 {
        return Ok(None);
    }
    Ok(Some(micros))
}

fn to_events(b: &Body<'_>, number: u64) -> Result<Vec<Event>, String> {
    let instants = instants(&b.times)?;
    if instants.is_empty() {
        return Err("no time set (atime, mtime, ctime and crtime are all 0 or -1)".into());
    }
    let (path, target) = split_link(b.name, b.mode);
    let size = b.size.parse::<u64>().ok();
    let hashes = md5_value(b.md5);
    let mut events = Vec::with_capacity(instants.len());
    for i in &instants {
        let ts = Timestamp::from_micros(i.micros).map_err(|e| e.to_string())?;
        let macb = macb_string(&i.flags);
        let mut e = Event::new(ts, SourceKind::Bodyfile, Location::Line(number));
        e.time_original = i.raw.clone();
        e.timestamp_desc = timestamp_desc(&i.flags);
        e.file.path = Some(path.to_string());
        e.file.size = size;
        e.file.hashes = hashes.clone();
        e.message = format!("{macb} {} ({}, {} bytes)", b.name, b.mode, b.size);
        e.fields = fields(b, target, &macb);
        events.push(e);
    }
    Ok(events)
}

fn md5_value(md5: &str) -> Option<String> {
    let unset = md5.is_empty() || md5.bytes().all(|c| c == b'0');
    (!unset).then(|| md5.to_string())
}

/// `name -> target` of a symlink (mode `l/...`).
fn split_link<'a>(name: &'a str, mode: &str) -> (&'a str, Option<&'a str>) {
    if !mode.starts_with('l') {
        return (name, None);
    }
    match name.split_once(" -> ") {
        Some((path, target)) => (path, Some(target)),
        None => (name, None),
    }
}

fn macb_string(flags: &[bool; 4]) -> String {
    flags
        .iter()
        .zip(LETTERS)
        .map(|(&set, c)| if set { c } else { '.' })
        .collect()
}

fn timestamp_desc(flags: &[bool; 4]) -> String {
    let names: Vec<&str> = flags
        .iter()
        .zip(DESCS)
        .filter(|(&set, _)| set)
        .map(|(_, d)| d)
        .collect();
    names.join("; ")
}

fn fields(b: &Body<'_>, target: Option<&str>, macb: &str) -> Fields {
    let mut f = Fields::with_capacity(13);
    f.push("md5", b.md5);
    f.push("name", b.name);
    if let Some(t) = target {
        f.push("link_target", t);
    }
    f.push("inode", b.inode);
    f.push("mode", b.mode);
    f.push("uid", b.uid);
    f.push("gid", b.gid);
    f.push("size", b.size);
    f.push("macb", macb);
    for (name, value) in ["atime", "mtime", "ctime", "crtime"].iter().zip(b.times) {
        f.push(*name, value);
    }
    f
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_times_like_mactime() {
        let b = parse_line("0|/a|12|r/rrw-r--r--|0|0|5|300|100|100|0").unwrap();
        let ev = to_events(&b, 1).unwrap();
        let flags: Vec<&str> = ev.iter().map(|e| e.fields.get("macb").unwrap()).collect();
        assert_eq!(flags, ["m.c.", ".a.."]);
        assert_eq!(
            ev[0].timestamp_desc,
            "Content Modification Time; Metadata Modification Time"
        );
    }

    #[test]
    fn pipes_in_names_and_links() {
        let b = parse_line("0|/a|b -> c|d|7|l/lrwxrwxrwx|0|0|5|1|1|1|1").unwrap();
        assert_eq!(b.name, "/a|b -> c|d");
        assert_eq!(split_link(b.name, b.mode), ("/a|b", Some("c|d")));
        assert!(parse_line("0|/a|1|2").is_err());
    }
}
