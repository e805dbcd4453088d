//! Elastic Common Schema documents, one per line.
//!
//! Normalised fields go to their ECS places (`host.name`, `user.*`, `source.*`,
//! `destination.*`, `process.*`, `file.*`, `url.original`); `event.category`, `type` and
//! `outcome` come from the mapping data. Windows events keep their System fields under
//! `winlog.*` and every other original field under `winlog.event_data.<Name>`; other
//! sources keep their original fields under `firebreak.fields.<name>`.

use crate::jsonl::FieldsObject;
use crate::mapping::{ecs_categorization, Mapping};
use crate::text::parse_hashes;
use crate::{RenderError, RenderSummary, Renderer, TimelineRow};
use firebreak_event::{Event, TzPolicy};
use serde_json::{Map, Value};
use std::io::Write;
use std::net::IpAddr;

/// Writes ECS JSON lines.
#[derive(Debug, Default)]
pub struct EcsRenderer {
    summary: RenderSummary,
}

impl EcsRenderer {
    pub fn new() -> EcsRenderer {
        EcsRenderer::default()
    }
}

/// Sets `path` (dot-separated) in `doc`, creating objects on the way.
fn set(doc: &mut Map<String, Value>, path: &str, value: impl Into<Value>) {
    match path.split_once('.') {
        None => {
            doc.insert(path.to_string(), value.into());
        }
        Some((head, rest)) => {
            let child = doc
                .entry(head.to_string())
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            if let Value::Object(m) = child {
                set(m, rest, value);
            }
        }
    }
}

fn set_opt<T: Into<Value> + Clone>(doc: &mut Map<String, Value>, path: &str, v: &Option<T>) {
    if let Some(v) = v {
        set(doc, path, v.clone());
    }
}

/// `<side>.address` always, `<side>.ip` when it is an IP address.
fn set_address(doc: &mut Map<String, Value>, side: &str, addr: &Option<String>) {
    let Some(a) = addr else { return };
    set(doc, &format!("{side}.address"), a.clone());
    if a.trim().parse::<IpAddr>().is_ok() {
        set(doc, &format!("{side}.ip"), a.trim());
    }
}

fn set_hashes(doc: &mut Map<String, Value>, prefix: &str, hashes: &Option<String>) {
    for (algo, value) in hashes.as_deref().map(parse_hashes).unwrap_or_default() {
        match algo.as_str() {
            "md5" | "sha1" | "sha256" | "sha384" | "sha512" => {
                set(doc, &format!("{prefix}.hash.{algo}"), value)
            }
            "imphash" => set(doc, &format!("{prefix}.pe.imphash"), value),
            _ => {}
        }
    }
}

fn event_section(doc: &mut Map<String, Value>, e: &Event) {
    set(doc, "event.kind", "event");
    if let Some(c) = ecs_categorization(e) {
        set(doc, "event.category", c.category.clone());
        set(doc, "event.type", c.kind.clone());
        set_opt(doc, "event.outcome", &c.outcome);
    }
    set_opt(doc, "event.code", &e.event_id);
    set_opt(doc, "event.provider", &e.provider);
    if let TzPolicy::Assumed(zone) = &e.tz_policy {
        set(doc, "event.timezone", zone.as_str());
    }
}

fn actor_section(doc: &mut Map<String, Value>, e: &Event) {
    set_opt(doc, "host.name", &e.host);
    set_opt(doc, "user.name", &e.user.name);
    set_opt(doc, "user.domain", &e.user.domain);
    set_opt(doc, "user.id", &e.user.sid);
}

fn network_section(doc: &mut Map<String, Value>, e: &Event) {
    let n = &e.network;
    set_address(doc, "source", &n.src_ip);
    set_opt(doc, "source.port", &n.src_port);
    set_address(doc, "destination", &n.dst_ip);
    set_opt(doc, "destination.port", &n.dst_port);
    set_opt(doc, "destination.domain", &e.domain);
    if let Some(p) = &n.protocol {
        let (path, name) = protocol(p);
        set(doc, path, name);
    }
    if n.bytes_in.is_some() || n.bytes_out.is_some() {
        let total = n
            .bytes_in
            .unwrap_or(0)
            .saturating_add(n.bytes_out.unwrap_or(0));
        set(doc, "network.bytes", total);
        set_opt(doc, "firebreak.network.bytes_in", &n.bytes_in);
        set_opt(doc, "firebreak.network.bytes_out", &n.bytes_out);
    }
}

/// `network.transport` for IP protocols (by name or number), else `network.protocol`.
fn protocol(p: &str) -> (&'static str, String) {
    let p = p.trim().to_ascii_lowercase();
    let transports = &Mapping::builtin().ip_transports;
    if let Some(name) = transports.get(&p) {
        return ("network.transport", name.clone());
    }
    match transports.values().any(|t| *t == p) {
        true => ("network.transport", p),
        false => ("network.protocol", p),
    }
}

fn process_file_section(doc: &mut Map<String, Value>, e: &Event) {
    let p = &e.process;
    set_opt(doc, "process.executable", &p.image);
    set_opt(doc, "process.pid", &p.pid);
    set_opt(doc, "process.command_line", &p.command_line);
    set_opt(doc, "process.parent.executable", &p.parent_image);
    set_opt(doc, "process.parent.pid", &p.parent_pid);
    set_hashes(doc, "process", &p.hashes);
    set_opt(doc, "file.path", &e.file.path);
    set_opt(doc, "file.size", &e.file.size);
    set_hashes(doc, "file", &e.file.hashes);
    set_opt(doc, "url.original", &e.url);
}

/// Decimal or `0x` hexadecimal.
fn number(v: &str) -> Option<u64> {
    let v = v.trim();
    match v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => v.parse().ok(),
    }
}

fn winlog_section(doc: &mut Map<String, Value>, e: &Event) {
    let mapping = Mapping::builtin();
    set_opt(doc, "winlog.channel", &e.channel);
    set_opt(doc, "winlog.event_id", &e.event_id);
    set_opt(doc, "winlog.provider_name", &e.provider);
    set_opt(doc, "winlog.computer_name", &e.host);
    let mut data = Map::new();
    for (name, value) in e.fields.iter() {
        match mapping.system_field(name) {
            Some(f) => match number(value).filter(|_| f.long) {
                Some(n) => set(doc, &f.ecs, n),
                None => set(doc, &f.ecs, value),
            },
            None if mapping.is_system_field(name) => {
                set(doc, &format!("winlog.system.{name}"), value);
            }
            None => {
                data.insert(name.to_string(), Value::String(value.to_string()));
            }
        }
    }
    if !data.is_empty() {
        set(doc, "winlog.event_data", data);
    }
}

fn provenance_section(
    doc: &mut Map<String, Value>,
    row: &TimelineRow<'_>,
) -> Result<(), RenderError> {
    let e = row.event;
    set(doc, "log.file.path", row.evidence_path);
    set(doc, "firebreak.evidence_sha256", row.evidence_sha256);
    set(
        doc,
        "firebreak.location",
        serde_json::to_value(e.provenance.location)?,
    );
    set(doc, "firebreak.source", e.source.as_str());
    set(doc, "firebreak.timestamp_desc", e.timestamp_desc.as_str());
    set(doc, "firebreak.time_original", e.time_original.as_str());
    if !e.source.is_windows() && !e.fields.is_empty() {
        set(
            doc,
            "firebreak.fields",
            serde_json::to_value(FieldsObject(&e.fields))?,
        );
    }
    Ok(())
}

/// The ECS document for one row.
fn document(row: &TimelineRow<'_>) -> Result<Map<String, Value>, RenderError> {
    let e = row.event;
    let mut doc = Map::new();
    set(&mut doc, "@timestamp", e.timestamp.to_rfc3339());
    set(&mut doc, "message", e.message.as_str());
    event_section(&mut doc, e);
    actor_section(&mut doc, e);
    network_section(&mut doc, e);
    process_file_section(&mut doc, e);
    if e.source.is_windows() {
        winlog_section(&mut doc, e);
    }
    provenance_section(&mut doc, row)?;
    Ok(doc)
}

impl Renderer for EcsRenderer {
    fn begin(&mut self, _out: &mut dyn Write) -> Result<(), RenderError> {
        Ok(())
    }

    fn row(&mut self, out: &mut dyn Write, row: &TimelineRow<'_>) -> Result<(), RenderError> {
        serde_json::to_writer(&mut *out, &document(row)?)?;
        out.write_all(b"\n")?;
        self.summary.written += 1;
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write) -> Result<RenderSummary, RenderError> {
        out.flush()?;
        Ok(self.summary)
    }
}
