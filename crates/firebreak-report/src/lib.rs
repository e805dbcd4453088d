//! The incident report, rendered from a [`firebreak_analysis::Investigation`].
//!
//! **No I/O** beyond the [`std::io::Write`] each function is given: the binary opens
//! the files.
//!
//! * [`render_html`]: one self-contained HTML file for the CISO and the responders:
//!   inline CSS, inline SVG charts (a timeline with hosts as lanes, the
//!   lateral-movement graph), no script, no font, no request of any kind, enforced by
//!   a `Content-Security-Policy` of `default-src 'none'` ([`HTML_CSP`]). Print-friendly.
//! * [`render_markdown`]: the same sections as Markdown.
//! * [`render_json`]: the model as JSON, with RFC 3339 text beside each time; the
//!   schema and its versioning policy are in `docs/report-schema.md`.
//! * [`stix_bundle`], [`misp_event`]: the indicators as a STIX 2.1 bundle and a MISP
//!   event (deterministic ids; both read back by `firebreak-ioc`).
//! * [`timesketch_key_events`]: the storyline's key events as Timesketch JSONL.
//!
//! # Untrusted text
//!
//! Every string of the model may come from log content, i.e. from the attacker. The
//! HTML report writes each through [`escape::html`] (text, attributes and SVG alike);
//! the Markdown report through [`escape::markdown`], which leaves no HTML, link,
//! image, emphasis, heading, list, autolink or table break; block lists go into code
//! blocks whose fence no value can close. JSON, STIX, MISP and JSONL are built with
//! `serde_json`, which escapes for JSON.

pub mod escape;
mod exports;
mod html;
mod ids;
mod json;
mod markdown;
mod svg;
mod text;

use firebreak_analysis::Investigation;
use std::io::{self, Write};

pub use exports::{misp_event, stix_bundle, stix_pattern, timesketch_key_events, PRODUCER};
pub use html::CSP as HTML_CSP;
pub use json::{to_value as json_value, RFC3339_SUFFIX, TIME_FIELDS};

/// Write the self-contained HTML report.
pub fn render_html(inv: &Investigation, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(html::render(inv).as_bytes())
}

/// Write the Markdown report.
pub fn render_markdown(inv: &Investigation, out: &mut dyn Write) -> io::Result<()> {
    out.write_all(markdown::render(inv).as_bytes())
}

/// Write the JSON report: the [`Investigation`] as serde writes it (times in
/// microseconds since the epoch) with a `<field>_rfc3339` string after every time
/// field, pretty-printed. Reads back into an `Investigation` with serde (the extra
/// fields are ignored).
pub fn render_json(inv: &Investigation, out: &mut dyn Write) -> io::Result<()> {
    json::render(inv, out)
}
