//! Windows event XML: `wevtutil qe /f:xml` (a bare sequence of `<Event>` elements, or
//! an `<Events>` root with `/e:Events`), PowerShell `Get-WinEvent` exports, and the XML
//! the EVTX reader renders each record to. [`EventXml`] turns the parser's events into
//! [`WinRecord`]s; `read` drives it over a file, the EVTX reader over one record.

use crate::winfields::WinRecord;
use crate::{EventSink, ReadContext, ReadError};
use firebreak_event::{Location, Rejected, SourceKind};
use quick_xml::events::{BytesStart, Event as XmlEvent};
use quick_xml::Reader;
use std::borrow::Cow;
use std::io::{BufRead, BufReader, Read};

const EVENT_NS: &str = "http://schemas.microsoft.com/win/2004/08/events/event";

/// XML whose first element is `<Events>` or a Windows `<Event xmlns=...>`.
pub(crate) fn sniff(lines: &[&str]) -> bool {
    let head = lines
        .iter()
        .take(20)
        .copied()
        .collect::<Vec<_>>()
        .join("\n");
    let Some(rest) = skip_prolog(&head) else {
        return false;
    };
    if rest.starts_with("<Events>") || rest.starts_with("<Events ") {
        return head.contains(EVENT_NS) || head.contains("<Event>") || head.contains("<Event ");
    }
    let first_tag = rest.split('>').next().unwrap_or("");
    (rest.starts_with("<Event ") || rest.starts_with("<Event\t")) && first_tag.contains(EVENT_NS)
}

/// The text after the XML declaration, comments and whitespace; `None` if not markup.
fn skip_prolog(mut s: &str) -> Option<&str> {
    loop {
        s = s.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);
        let end = if s.starts_with("<?") {
            s.find("?>").map(|i| i + 2)
        } else if s.starts_with("<!--") {
            s.find("-->").map(|i| i + 3)
        } else if s.starts_with('<') {
            return Some(s);
        } else {
            return None;
        };
        s = s.get(end?..)?;
    }
}

pub(crate) fn read(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let head = input.fill_buf().map_err(|source| ReadError::Io {
        location: Location::Offset(0),
        source,
    })?;
    match utf16_order(head) {
        Some(big_endian) => {
            let mut decoded = BufReader::new(Utf16Reader::new(input, big_endian));
            read_utf8(&mut decoded, ctx, sink)
        }
        None => read_utf8(input, ctx, sink),
    }
}

/// `Some(big_endian)` when the input starts with a UTF-16 byte order mark (PowerShell's
/// `>` redirection writes UTF-16LE).
fn utf16_order(head: &[u8]) -> Option<bool> {
    match head {
        [0xFF, 0xFE, ..] => Some(false),
        [0xFE, 0xFF, ..] => Some(true),
        _ => None,
    }
}

fn read_utf8(
    input: &mut dyn BufRead,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut parser = EventXml::new(ctx.options.max_line_bytes);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_event_into(&mut buf) {
            Ok(XmlEvent::Eof) => break,
            Ok(ev) => {
                if let Some((ordinal, done)) = parser.feed(&ev) {
                    emit(Location::Record(ordinal), done, sink);
                }
            }
            Err(err) => return broken(&reader, &parser, err, sink),
        }
    }
    if parser.in_event() {
        sink.reject(Rejected {
            location: Location::Record(parser.ordinal()),
            reason: format!(
                "the file ends inside event {} (truncated at byte {})",
                parser.ordinal(),
                reader.buffer_position()
            ),
        });
    }
    Ok(())
}

/// The one `<Event>` of an XML document held in memory (a rendered EVTX record).
pub(crate) fn record_from_xml(xml: &[u8], max_value: usize) -> Result<WinRecord, String> {
    let mut reader = Reader::from_reader(xml);
    reader.config_mut().trim_text(false);
    let mut parser = EventXml::new(max_value);
    loop {
        match reader.read_event() {
            Ok(XmlEvent::Eof) => return Err("no complete <Event> element".into()),
            Ok(ev) => {
                if let Some((_, done)) = parser.feed(&ev) {
                    return done;
                }
            }
            Err(e) => {
                let at = reader.error_position();
                return Err(format!("broken XML at byte {at}: {e}"));
            }
        }
    }
}

/// Markup broken mid-way: what was read stays, the rest is rejected as one record.
fn broken<R>(
    reader: &Reader<R>,
    parser: &EventXml,
    err: quick_xml::Error,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let at = reader.error_position();
    let ordinal = parser.ordinal() + u64::from(!parser.in_event());
    if let quick_xml::Error::Io(io) = &err {
        if parser.in_event() {
            sink.reject(Rejected {
                location: Location::Record(ordinal),
                reason: format!("I/O error inside event {ordinal}: {io}"),
            });
        }
        return Err(ReadError::Io {
            location: Location::Offset(at),
            source: std::io::Error::new(io.kind(), io.to_string()),
        });
    }
    sink.reject(Rejected {
        location: Location::Record(ordinal),
        reason: format!(
            "broken XML at byte {at} (event {ordinal}): {err}; the rest of the file is not read"
        ),
    });
    Ok(())
}

pub(crate) fn emit(location: Location, done: Result<WinRecord, String>, sink: &mut dyn EventSink) {
    match done.and_then(|r| r.finish(SourceKind::WinXml, location)) {
        Ok(event) => {
            sink.accept(event);
            sink.record_done();
        }
        Err(reason) => sink.reject(Rejected { location, reason }),
    }
}

/// The part of an `<Event>` an element is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Section {
    System,
    EventData,
    UserData,
    /// RenderingInfo, ProcessingErrorData, ...: fields named `Section_Leaf`.
    Other,
}

/// An open element inside the current `<Event>` (closed ones are kept for reuse).
#[derive(Debug, Default)]
struct Frame {
    name: String,
    text: String,
    has_child: bool,
    has_attrs: bool,
    /// A `<Data Name="X">`'s `X`.
    data_name: Option<String>,
}

impl Frame {
    fn reset(&mut self, name: &str) {
        self.name.clear();
        self.name.push_str(name);
        self.text.clear();
        self.has_child = false;
        self.has_attrs = false;
        self.data_name = None;
    }
}

/// Builds one [`WinRecord`] per `<Event>` element from the XML parser's events.
#[derive(Debug)]
pub(crate) struct EventXml {
    frames: Vec<Frame>,
    spare: Vec<Frame>,
    section: Section,
    record: WinRecord,
    error: Option<String>,
    ordinal: u64,
    max_value: usize,
}

type Done = (u64, Result<WinRecord, String>);

impl EventXml {
    pub(crate) fn new(max_value: usize) -> EventXml {
        EventXml {
            frames: Vec::new(),
            spare: Vec::new(),
            section: Section::Other,
            record: WinRecord::new(),
            error: None,
            ordinal: 0,
            max_value: max_value.max(1024),
        }
    }

    /// 1-based number of the current (or last) `<Event>` element.
    pub(crate) fn ordinal(&self) -> u64 {
        self.ordinal
    }

    pub(crate) fn in_event(&self) -> bool {
        !self.frames.is_empty()
    }

    /// Take one parser event; at the end of an `<Event>`, its ordinal and record.
    pub(crate) fn feed(&mut self, ev: &XmlEvent<'_>) -> Option<Done> {
        match ev {
            XmlEvent::Start(e) => {
                self.start(e);
                None
            }
            XmlEvent::Empty(e) => {
                let opened = self.start(e);
                opened.then(|| self.end()).flatten()
            }
            XmlEvent::End(_) => self.end(),
            XmlEvent::Text(t) => {
                let text = t.unescape().map_err(|e| e.to_string());
                self.text(text);
                None
            }
            XmlEvent::CData(c) => {
                let text = std::str::from_utf8(c.as_ref())
                    .map(Cow::Borrowed)
                    .map_err(|e| e.to_string());
                self.text(text);
                None
            }
            _ => None,
        }
    }

    fn fail(&mut self, reason: impl FnOnce() -> String) {
        if self.error.is_none() {
            self.error = Some(reason());
        }
    }

    /// Open an element; false if it is outside any `<Event>` (ignored).
    fn start(&mut self, e: &BytesStart<'_>) -> bool {
        let local = e.local_name();
        let name = std::str::from_utf8(local.as_ref());
        if self.frames.is_empty() {
            if name != Ok("Event") {
                return false;
            }
            self.ordinal += 1;
            self.record = WinRecord::new();
            self.error = None;
        }
        let mut frame = self.spare.pop().unwrap_or_default();
        frame.reset(name.unwrap_or("?"));
        if let Err(err) = name {
            self.fail(|| format!("element name is not UTF-8: {err}"));
        }
        if let Some(parent) = self.frames.last_mut() {
            parent.has_child = true;
        }
        let depth = self.frames.len();
        if depth == 1 {
            self.section = match frame.name.as_str() {
                "System" => Section::System,
                "EventData" => Section::EventData,
                "UserData" => Section::UserData,
                _ => Section::Other,
            };
        }
        if depth > 0 {
            self.attributes(e, depth, &mut frame);
        }
        self.frames.push(frame);
        true
    }

    fn attributes(&mut self, e: &BytesStart<'_>, depth: usize, frame: &mut Frame) {
        for attr in e.attributes() {
            let attr = match attr {
                Ok(a) => a,
                Err(err) => {
                    self.fail(|| format!("bad attribute in <{}>: {err}", frame.name));
                    continue;
                }
            };
            if attr.key.as_ref().starts_with(b"xmlns") {
                continue;
            }
            let key = std::str::from_utf8(attr.key.local_name().into_inner());
            let (key, value) = match (key, attr.unescape_value()) {
                (Ok(k), Ok(v)) => (k, v.into_owned()),
                (Err(err), _) => {
                    self.fail(|| format!("attribute name is not UTF-8: {err}"));
                    continue;
                }
                (_, Err(err)) => {
                    self.fail(|| format!("bad value of {key:?} in <{}>: {err}", frame.name));
                    continue;
                }
            };
            self.attribute(depth, frame, key, value);
        }
    }

    fn attribute(&mut self, depth: usize, frame: &mut Frame, key: &str, value: String) {
        match self.section {
            Section::System if depth == 2 => self.record.system(&frame.name, Some(key), value),
            Section::System => {}
            Section::EventData if depth == 2 && key == "Name" => frame.data_name = Some(value),
            Section::EventData => {}
            Section::UserData if depth < 2 => {}
            Section::UserData | Section::Other => {
                frame.has_attrs = true;
                let name = self.prefixed(&format!("{}_{key}", frame.name), depth);
                self.record.data(name, value);
            }
        }
    }

    /// A field name in an Other section gets the section's name in front.
    fn prefixed(&self, name: &str, depth: usize) -> String {
        match (self.section, self.frames.get(1)) {
            (Section::Other, Some(section)) if depth > 1 => format!("{}_{name}", section.name),
            _ => name.to_string(),
        }
    }

    fn text(&mut self, text: Result<Cow<'_, str>, String>) {
        let text = match text {
            Ok(t) => t,
            Err(err) => return self.fail(|| format!("bad text: {err}")),
        };
        // EventData's values include the text of anything nested in them.
        let target = if self.section == Section::EventData && self.frames.len() > 3 {
            2
        } else {
            self.frames.len().saturating_sub(1)
        };
        let max = self.max_value;
        let too_long = match self.frames.get_mut(target) {
            Some(frame) if frame.text.len() + text.len() <= max => {
                frame.text.push_str(&text);
                false
            }
            Some(_) => true,
            None => false,
        };
        if too_long {
            self.fail(|| format!("a value is longer than {max} bytes"));
        }
    }

    /// Close an element; at the end of an `<Event>`, its record.
    fn end(&mut self) -> Option<Done> {
        let mut frame = self.frames.pop()?;
        let depth = self.frames.len();
        if depth > 0 {
            self.value(depth, &mut frame);
        }
        self.spare.push(frame);
        if depth == 0 {
            let record = std::mem::take(&mut self.record);
            let done = match self.error.take() {
                Some(reason) => Err(reason),
                None => Ok(record),
            };
            return Some((self.ordinal, done));
        }
        None
    }

    /// Store a closed element's value where its section wants it.
    fn value(&mut self, depth: usize, frame: &mut Frame) {
        let leaf = !frame.has_child;
        let text = std::mem::take(&mut frame.text);
        match self.section {
            Section::System if depth == 2 && leaf && !text.is_empty() => {
                self.record.system(&frame.name, None, text)
            }
            Section::EventData if depth == 2 => match frame.data_name.take() {
                Some(n) if !n.is_empty() => self.record.data(n, text),
                _ => self.record.data(frame.name.as_str(), text),
            },
            Section::UserData | Section::Other
                if depth >= 2 && leaf && (!text.is_empty() || !frame.has_attrs) =>
            {
                let name = self.prefixed(&frame.name, depth);
                self.record.data(name, text);
            }
            _ => {}
        }
    }
}

/// Decodes UTF-16 (after its byte order mark) to UTF-8; unpaired surrogates become U+FFFD.
struct Utf16Reader<'r> {
    inner: &'r mut dyn BufRead,
    big_endian: bool,
    out: Vec<u8>,
    pos: usize,
    started: bool,
    /// Bytes carried to the next block: an odd byte, or a high surrogate.
    pending: Vec<u8>,
}

impl<'r> Utf16Reader<'r> {
    fn new(inner: &'r mut dyn BufRead, big_endian: bool) -> Utf16Reader<'r> {
        Utf16Reader {
            inner,
            big_endian,
            out: Vec::new(),
            pos: 0,
            started: false,
            pending: Vec::new(),
        }
    }

    fn unit(&self, pair: &[u8]) -> u16 {
        let pair = [
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ];
        if self.big_endian {
            u16::from_be_bytes(pair)
        } else {
            u16::from_le_bytes(pair)
        }
    }

    /// Decode the next block of input into `out`; false at end of input.
    fn refill(&mut self) -> std::io::Result<bool> {
        let mut bytes = std::mem::take(&mut self.pending);
        let chunk = self.inner.fill_buf()?;
        let at_end = chunk.is_empty();
        bytes.extend_from_slice(chunk);
        let n = chunk.len();
        self.inner.consume(n);
        if !self.started {
            self.started = true;
            bytes.drain(..bytes.len().min(2));
        }
        if at_end && bytes.is_empty() {
            return Ok(false);
        }
        let mut keep = if at_end { 0 } else { bytes.len() % 2 };
        let whole = bytes.len() - bytes.len() % 2;
        let last = bytes.get(whole.saturating_sub(2)..whole).unwrap_or(&[]);
        if !at_end && last.len() == 2 && (0xD800..0xDC00).contains(&self.unit(last)) {
            keep += 2;
        }
        self.pending = bytes.split_off(bytes.len() - keep);
        let units: Vec<u16> = bytes.chunks(2).map(|p| self.unit(p)).collect();
        let text: String = char::decode_utf16(units)
            .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
            .collect();
        self.out = text.into_bytes();
        self.pos = 0;
        Ok(true)
    }
}

impl Read for Utf16Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.pos >= self.out.len() {
            if !self.refill()? {
                return Ok(0);
            }
        }
        let avail = self.out.get(self.pos..).unwrap_or(&[]);
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.pos += n;
        Ok(n)
    }
}
