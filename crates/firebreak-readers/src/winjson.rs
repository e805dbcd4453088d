//! Windows events as JSON: `evtx_dump -o json` ("Record N" lines each followed by a
//! pretty-printed object), `evtx_dump -o jsonl` (one `{"Event":{...}}` per line) and
//! Winlogbeat / Elastic ECS lines (`winlog.*`). Both evtx shapes are walked the way
//! [`crate::winxml`] walks the XML, so a record gives the same event either way.

use crate::winfields::WinRecord;
use crate::{EventSink, Line, Lines, ReadContext, ReadError};
use firebreak_event::{Location, Rejected, SourceKind};
use serde_json::{Map, Value};
use std::io::BufRead;

/// evtx_dump's "Record N" + JSON, or JSON lines with `Event.System` or `winlog`.
pub(crate) fn sniff(lines: &[&str]) -> bool {
    let Some(first) = lines.first() else {
        return false;
    };
    if record_header(first).is_some() {
        return lines
            .get(1)
            .is_some_and(|l| l.trim_start().starts_with('{'));
    }
    let line = first.trim();
    if !line.starts_with('{') {
        return false;
    }
    match serde_json::from_str::<Value>(line) {
        Ok(Value::Object(obj)) => Shape::of(&obj).is_some(),
        Ok(_) => false,
        // A first line cut short by the sniff window.
        Err(_) => line.starts_with(r#"{"Event":{"#) && line.contains(r#""System":{"#),
    }
}

/// `Some(N)` for evtx_dump's `Record N` (or `Record N (recovered)`) line.
fn record_header(line: &str) -> Option<u64> {
    let rest = line.trim_end().strip_prefix("Record ")?;
    let (number, tail) = rest.split_once(' ').unwrap_or((rest, ""));
    if !(tail.is_empty() || tail == "(recovered)") {
        return None;
    }
    number.parse().ok()
}

/// Which kind of JSON object a line holds.
enum Shape<'a> {
    Evtx(&'a Map<String, Value>),
    Winlogbeat(&'a Map<String, Value>),
}

impl<'a> Shape<'a> {
    fn of(obj: &'a Map<String, Value>) -> Option<Shape<'a>> {
        if let Some(Value::Object(event)) = obj.get("Event") {
            if event.get("System").is_some_and(Value::is_object) {
                return Some(Shape::Evtx(event));
            }
        }
        match obj.get("winlog") {
            Some(Value::Object(_)) => Some(Shape::Winlogbeat(obj)),
            _ => None,
        }
    }
}

/// The lines of one `Record N` block.
struct Block {
    number: u64,
    text: String,
    error: Option<String>,
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let max = ctx.options.max_line_bytes;
    let block_max = max.saturating_mul(4);
    let mut lines = Lines::new(input, max);
    let mut block: Option<Block> = None;
    while let Some(line) = lines.next_line()? {
        let (number, text) = match line {
            Line::TooLong { number, len } => {
                let reason = format!("line {number} is {len} bytes, longer than {max}");
                match block.as_mut() {
                    Some(b) => b.error = b.error.take().or(Some(reason)),
                    None => sink.reject(Rejected {
                        location: Location::Line(number),
                        reason,
                    }),
                }
                continue;
            }
            Line::Text { number, text } => (number, text),
        };
        if let std::borrow::Cow::Owned(_) = text {
            // `Lines` copies a line only to replace bytes that are not UTF-8.
            let reason = format!("line {number} is not valid UTF-8");
            match block.as_mut() {
                Some(b) => b.error = b.error.take().or(Some(reason)),
                None => sink.reject(Rejected {
                    location: Location::Line(number),
                    reason,
                }),
            }
            continue;
        }
        if let Some(n) = record_header(&text) {
            if let Some(done) = block.replace(Block::new(n)) {
                finish_block(done, sink);
            }
        } else if let Some(b) = block.as_mut() {
            b.push(&text, block_max);
        } else if !text.trim().is_empty() {
            json_line(number, &text, sink);
        }
    }
    if let Some(done) = block {
        finish_block(done, sink);
    }
    Ok(())
}

impl Block {
    fn new(number: u64) -> Block {
        Block {
            number,
            text: String::new(),
            error: None,
        }
    }

    fn push(&mut self, line: &str, max: usize) {
        if self.text.len() + line.len() + 1 > max {
            if self.error.is_none() {
                self.error = Some(format!("record is longer than {max} bytes"));
            }
            return;
        }
        self.text.push_str(line);
        self.text.push('\n');
    }
}

fn finish_block(block: Block, sink: &mut dyn EventSink) {
    let location = Location::Record(block.number);
    let outcome = match block.error {
        Some(reason) => Err(reason),
        None => parse_object(&block.text).and_then(|obj| record(&obj)),
    };
    emit(location, outcome, sink);
}

fn json_line(number: u64, text: &str, sink: &mut dyn EventSink) {
    let outcome = parse_object(text).and_then(|obj| record(&obj));
    emit(Location::Line(number), outcome, sink);
}

fn emit(location: Location, outcome: Result<WinRecord, String>, sink: &mut dyn EventSink) {
    match outcome.and_then(|r| r.finish(SourceKind::WinJson, location)) {
        Ok(event) => {
            sink.accept(event);
            sink.record_done();
        }
        Err(reason) => sink.reject(Rejected { location, reason }),
    }
}

fn parse_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(obj)) => Ok(obj),
        Ok(_) => Err("not a JSON object".to_string()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

fn record(obj: &Map<String, Value>) -> Result<WinRecord, String> {
    match Shape::of(obj) {
        Some(Shape::Evtx(event)) => Ok(evtx_record(event)),
        Some(Shape::Winlogbeat(line)) => Ok(winlogbeat_record(line)),
        None => {
            Err("neither an evtx {\"Event\":{\"System\":…}} nor a Winlogbeat winlog object".into())
        }
    }
}

/// A JSON scalar as the XML would write it.
fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        other => other.to_string(),
    }
}

/// evtx's rendering of `Event`: the same fields the XML walk finds.
pub(crate) fn evtx_record(event: &Map<String, Value>) -> WinRecord {
    let mut rec = WinRecord::new();
    for (key, value) in event {
        match key.as_str() {
            "#attributes" => {}
            "System" => system(&mut rec, value),
            "EventData" => event_data(&mut rec, value),
            "UserData" => nested_children(&mut rec, None, value, 2),
            section => {
                if let Some(attrs) = value.get("#attributes") {
                    attributes(&mut rec, None, section, attrs);
                }
                nested_children(&mut rec, Some(section), value, 2);
            }
        }
    }
    rec
}

fn system(rec: &mut WinRecord, value: &Value) {
    let Value::Object(obj) = value else { return };
    for (key, v) in obj {
        if let (Some(base), Value::Object(attrs)) = (key.strip_suffix("_attributes"), v) {
            for (a, av) in attrs {
                rec.system(base, Some(a), text(av));
            }
            continue;
        }
        match v {
            Value::Object(inner) => {
                if let Some(Value::Object(attrs)) = inner.get("#attributes") {
                    for (a, av) in attrs {
                        rec.system(key, Some(a), text(av));
                    }
                }
                if let Some(t) = inner.get("#text").map(text).filter(|t| !t.is_empty()) {
                    rec.system(key, None, t);
                }
            }
            Value::Null => {}
            scalar => {
                let t = text(scalar);
                if !t.is_empty() {
                    rec.system(key, None, t);
                }
            }
        }
    }
}

/// `Base_N` is evtx's name for the N+1th element called `Base`: give it back its name
/// (the record numbers repeats itself, as the XML walk does).
fn unsuffixed<'k>(rec: &WinRecord, key: &'k str) -> &'k str {
    match key.rsplit_once('_') {
        Some((base, n))
            if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && rec.has_data(base) =>
        {
            base
        }
        _ => key,
    }
}

fn event_data(rec: &mut WinRecord, value: &Value) {
    let Value::Object(obj) = value else { return };
    for (key, v) in obj {
        if key == "#attributes" || (key.ends_with("_attributes") && v.is_object()) {
            continue;
        }
        let name = unsuffixed(rec, key).to_string();
        match v {
            Value::Array(items) => items
                .iter()
                .for_each(|i| rec.data(name.as_str(), data_text(i))),
            Value::Object(inner) if key == "Data" => match inner.get("#text") {
                Some(Value::Array(items)) => items.iter().for_each(|i| rec.data("Data", text(i))),
                Some(t) => rec.data("Data", text(t)),
                None => rec.data("Data", String::new()),
            },
            other => rec.data(name, data_text(other)),
        }
    }
}

/// A Data value: its text, or for an element with children, their text run together.
fn data_text(v: &Value) -> String {
    match v {
        Value::Object(inner) => match inner.get("#text") {
            Some(t) => text(t),
            None => inner
                .iter()
                .filter(|(k, _)| k.as_str() != "#attributes")
                .map(|(_, v)| data_text(v))
                .collect(),
        },
        Value::Array(items) => items.iter().map(data_text).collect(),
        other => text(other),
    }
}

/// A field name, with the section's name in front outside UserData.
fn field_name(section: Option<&str>, name: &str) -> String {
    match section {
        Some(s) => format!("{s}_{name}"),
        None => name.to_string(),
    }
}

fn attributes(rec: &mut WinRecord, section: Option<&str>, element: &str, attrs: &Value) {
    let Value::Object(attrs) = attrs else { return };
    for (a, av) in attrs {
        if !a.starts_with("xmlns") {
            rec.data(field_name(section, &format!("{element}_{a}")), text(av));
        }
    }
}

/// The child elements of an object (`depth` is the children's depth below `Event`).
fn nested_children(rec: &mut WinRecord, section: Option<&str>, value: &Value, depth: usize) {
    let Value::Object(obj) = value else { return };
    for (key, v) in obj {
        if key == "#attributes" || key == "#text" {
            continue;
        }
        if let (Some(base), true) = (key.strip_suffix("_attributes"), v.is_object()) {
            attributes(rec, section, base, v);
            continue;
        }
        let name = unsuffixed(rec, key).to_string();
        element(rec, section, &name, v, depth);
    }
}

/// One element (or a run of same-named ones) below UserData or another section.
fn element(rec: &mut WinRecord, section: Option<&str>, name: &str, v: &Value, depth: usize) {
    match v {
        Value::Array(items) => {
            for item in items {
                element(rec, section, name, item, depth);
            }
        }
        Value::Object(inner) => {
            let attrs = inner.get("#attributes");
            if let Some(a) = attrs {
                attributes(rec, section, name, a);
            }
            let has_attrs = attrs.is_some_and(|a| {
                a.as_object()
                    .is_some_and(|m| m.keys().any(|k| !k.starts_with("xmlns")))
            });
            let has_children = inner
                .keys()
                .any(|k| k != "#attributes" && k != "#text" && !k.ends_with("_attributes"));
            if has_children {
                nested_children(rec, section, v, depth + 1);
            } else if let Some(t) = inner.get("#text") {
                rec.data(field_name(section, name), text(t));
            } else if !has_attrs {
                rec.data(field_name(section, name), String::new());
            }
        }
        scalar => rec.data(field_name(section, name), text(scalar)),
    }
}

/// Winlogbeat's `winlog.*` under the names the event log uses; everything else (ECS
/// fields, Winlogbeat's own) under its dotted path.
fn winlogbeat_record(line: &Map<String, Value>) -> WinRecord {
    let mut rec = WinRecord::new();
    for (key, v) in line {
        match (key.as_str(), v) {
            ("@timestamp", Value::String(t)) => rec.system_named("TimeCreated", t.clone()),
            ("winlog", Value::Object(winlog)) => winlog_fields(&mut rec, winlog),
            _ => dotted(&mut rec, key, v),
        }
    }
    rec
}

fn winlog_fields(rec: &mut WinRecord, winlog: &Map<String, Value>) {
    for (key, v) in winlog {
        let system = match key.as_str() {
            "channel" => "Channel",
            "event_id" => "EventID",
            "provider_name" => "Provider_Name",
            "provider_guid" => "Provider_Guid",
            "record_id" => "EventRecordID",
            "computer_name" => "Computer",
            "version" => "Version",
            "activity_id" => "Correlation_ActivityID",
            "related_activity_id" => "Correlation_RelatedActivityID",
            "event_data" => {
                event_data(rec, v);
                continue;
            }
            "user_data" => {
                nested_children(rec, None, v, 3);
                continue;
            }
            "process" => {
                process_fields(rec, v);
                continue;
            }
            "user" => {
                user_fields(rec, v);
                continue;
            }
            other => {
                dotted(rec, &format!("winlog.{other}"), v);
                continue;
            }
        };
        if !v.is_null() {
            rec.system_named(system, text(v));
        }
    }
}

fn process_fields(rec: &mut WinRecord, v: &Value) {
    if let Some(pid) = v.get("pid").filter(|p| !p.is_null()) {
        rec.system_named("Execution_ProcessID", text(pid));
    }
    if let Some(tid) = v.pointer("/thread/id").filter(|t| !t.is_null()) {
        rec.system_named("Execution_ThreadID", text(tid));
    }
}

fn user_fields(rec: &mut WinRecord, v: &Value) {
    let Value::Object(user) = v else {
        return dotted(rec, "winlog.user", v);
    };
    for (k, uv) in user {
        match k.as_str() {
            "identifier" => rec.system_named("Security_UserID", text(uv)),
            other => dotted(rec, &format!("winlog.user.{other}"), uv),
        }
    }
}

/// A value under its dotted path (`event.code`, `host.name`); arrays repeat the name.
fn dotted(rec: &mut WinRecord, path: &str, v: &Value) {
    match v {
        Value::Object(obj) => {
            for (k, inner) in obj {
                dotted(rec, &format!("{path}.{k}"), inner);
            }
        }
        Value::Array(items) => items.iter().for_each(|i| dotted(rec, path, i)),
        Value::Null => {}
        scalar => rec.system_named(path, text(scalar)),
    }
}
