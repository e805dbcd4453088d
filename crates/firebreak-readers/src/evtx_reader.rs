//! Windows EVTX with the `evtx` crate. Its workers render each record to XML and turn it
//! into an [`Event`] through the same walk as the XML exports ([`crate::winxml`]), so
//! the consumer thread only hands events to the sink. Every item the parser yields ends
//! as one event or one rejection: records it cannot read (with their chunk and offset)
//! and chunks it cannot read (with the records lost, when the chunk header tells them).
//! A chunk cut short at the end of the file, which the parser leaves out, is read here.

use crate::winxml::record_from_xml;
use crate::{EventSink, ReadContext, ReadError, ReadSeek};
use evtx::err::EvtxError;
use evtx::{EvtxChunkData, EvtxParser, EvtxRecord, ParserSettings};
use firebreak_event::{Event, Location, Rejected, SourceKind};
use std::io::{Read, SeekFrom};
use std::sync::Arc;

const FILE_HEADER_SIZE: u64 = 4096;
const CHUNK_SIZE: u64 = 65536;
const CHUNK_HEADER_SIZE: usize = 512;

pub(crate) fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"ElfFile\0")
}

/// The record-id range each chunk's header names, read before parsing so that a chunk
/// the parser cannot read can be reported with the records it held.
#[derive(Debug, Default)]
struct Layout {
    ranges: Vec<Option<(u64, u64)>>,
    /// The chunk cut short at the end of the file: its number and bytes.
    partial: Option<(u64, Vec<u8>)>,
}

impl Layout {
    fn scan(input: &mut dyn ReadSeek) -> std::io::Result<Layout> {
        let len = input.seek(SeekFrom::End(0))?;
        let count = len.saturating_sub(FILE_HEADER_SIZE) / CHUNK_SIZE;
        let mut ranges = Vec::with_capacity(usize::try_from(count).unwrap_or(0));
        let mut header = [0u8; 40];
        for n in 0..count {
            input.seek(SeekFrom::Start(chunk_offset(n)))?;
            input.read_exact(&mut header)?;
            ranges.push(record_range(&header));
        }
        let rest = len.saturating_sub(FILE_HEADER_SIZE) % CHUNK_SIZE;
        let mut partial = None;
        if rest > 0 && len > FILE_HEADER_SIZE {
            let mut data = Vec::with_capacity(CHUNK_SIZE as usize);
            input.seek(SeekFrom::Start(chunk_offset(count)))?;
            input.take(rest).read_to_end(&mut data)?;
            partial = Some((count, data));
        }
        input.seek(SeekFrom::Start(0))?;
        Ok(Layout { ranges, partial })
    }

    /// The chunk whose header names record `id`, and its offset, for messages.
    fn describe_record(&self, id: u64) -> Option<String> {
        let chunk = self
            .ranges
            .iter()
            .position(|r| r.is_some_and(|(first, last)| (first..=last).contains(&id)))?;
        let offset = chunk_offset(chunk as u64);
        Some(format!("in chunk {chunk} at offset {offset}"))
    }

    fn range(&self, chunk: u64) -> Option<(u64, u64)> {
        let i = usize::try_from(chunk).ok()?;
        self.ranges.get(i).copied().flatten()
    }
}

/// First and last record id of a chunk header (its first 40 bytes) with a valid magic.
fn record_range(header: &[u8]) -> Option<(u64, u64)> {
    if !header.starts_with(b"ElfChnk\0") {
        return None;
    }
    let word = |at: usize| {
        let bytes: [u8; 8] = header.get(at..at + 8)?.try_into().ok()?;
        Some(u64::from_le_bytes(bytes))
    };
    let (first, last) = (word(24)?, word(32)?);
    (first <= last).then_some((first, last))
}

fn chunk_offset(chunk: u64) -> u64 {
    chunk
        .saturating_mul(CHUNK_SIZE)
        .saturating_add(FILE_HEADER_SIZE)
}

/// Files with at most this many chunks (64 KiB each) are parsed single-threaded.
const FEW_CHUNKS: usize = 8;

pub(crate) fn read(
    mut input: Box<dyn ReadSeek>,
    ctx: &ReadContext,
    sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    let mut layout = Layout::scan(&mut *input).map_err(|source| ReadError::Io {
        location: Location::Offset(0),
        source,
    })?;
    // A file of a few chunks is parsed on this thread: handing each chunk to the
    // rayon pool and waiting for it costs more than it gains, as other files are read
    // beside this one; a large file's chunks are parsed on all threads.
    let threads = if layout.ranges.len() <= FEW_CHUNKS {
        1
    } else {
        ctx.options.threads
    };
    let settings = ParserSettings::new().num_threads(threads).indent(false);
    let max_value = ctx.options.max_line_bytes;
    let mut parser = EvtxParser::from_read_seek(input)
        .map_err(|e| ReadError::Invalid {
            format: "evtx",
            reason: error_chain(&e),
        })?
        .with_configuration(settings.clone());
    let mut items = 0u64;
    // The evtx crate hands a panic of its workers on to this thread: report it as the
    // loss of the rest of the file rather than take the caller down.
    let walk = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        for item in parser.serialized_records(move |record| Ok(convert(record, max_value))) {
            items += 1;
            match item {
                Ok(outcome) => deliver(outcome.map_err(|r| with_chunk(r, &layout)), sink),
                Err(e) => sink.reject(rejection(&e, &layout)),
            }
        }
    }));
    if walk.is_err() {
        sink.reject(Rejected {
            location: Location::Offset(0),
            reason: format!(
                "the evtx parser failed (panicked) after {items} records; the rest of the file \
                 is not read"
            ),
        });
    }
    if let Some((chunk, data)) = layout.partial.take() {
        read_partial_chunk(chunk, data, &settings, max_value, sink);
    }
    Ok(())
}

fn deliver(outcome: Result<Event, Rejected>, sink: &mut dyn EventSink) {
    match outcome {
        Ok(event) => {
            sink.accept(event);
            sink.record_done();
        }
        Err(rejected) => sink.reject(rejected),
    }
}

/// One record the parser read (or failed to) as an event or a rejection.
fn convert(record: evtx::err::Result<EvtxRecord<'_>>, max_value: usize) -> Result<Event, Rejected> {
    let record = record.map_err(|e| record_rejection(&e))?;
    let id = record.event_record_id;
    let header_time = record.timestamp;
    let location = Location::Record(id);
    let reject = |reason: String| Rejected {
        location,
        reason: format!("record {id}: {reason}"),
    };
    let xml = record
        .into_xml_bytes()
        .map_err(|e| reject(error_chain(&e)))?;
    let mut rec = record_from_xml(&xml.data, max_value).map_err(reject)?;
    rec.set_time_if_missing(|| header_time.to_string());
    rec.finish(SourceKind::Evtx, location).map_err(reject)
}

/// A rejected record's reason, with the chunk it is in when its id tells.
fn with_chunk(mut rejected: Rejected, layout: &Layout) -> Rejected {
    if let Location::Record(id) = rejected.location {
        if let Some(place) = layout.describe_record(id) {
            rejected.reason = format!("{} ({place})", rejected.reason);
        }
    }
    rejected
}

/// A record the parser could not read: at its id, or where it is in the file.
fn record_rejection(e: &EvtxError) -> Rejected {
    let location = match e {
        EvtxError::FailedToParseRecord { record_id, .. } => Location::Record(*record_id),
        EvtxError::FailedToReadRecordAt {
            chunk: Some(chunk),
            offset,
            ..
        } => Location::Offset(chunk_offset(*chunk).saturating_add(*offset)),
        EvtxError::FailedToReadRecordAt { offset, .. } => Location::Offset(*offset),
        _ => Location::Offset(0),
    };
    Rejected {
        location,
        reason: error_chain(e),
    }
}

/// An error item of the record iterator: a record's, or a whole chunk's.
fn rejection(e: &EvtxError, layout: &Layout) -> Rejected {
    let EvtxError::FailedToParseChunk { chunk_id, .. } = e else {
        return record_rejection(e);
    };
    let lost = match layout.range(*chunk_id) {
        Some((first, last)) => format!(
            "its {} records (ids {first} to {last}) are lost",
            last - first + 1
        ),
        None => "its header is unreadable, so the number of records lost is unknown".into(),
    };
    Rejected {
        location: Location::Offset(chunk_offset(*chunk_id)),
        reason: format!(
            "chunk {chunk_id} at offset {}: {}; {lost}",
            chunk_offset(*chunk_id),
            error_chain(e)
        ),
    }
}

/// An error and its sources, on one line.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

/// The chunk cut short at the end of the file: the records in what is left, and one
/// rejection for those cut off.
fn read_partial_chunk(
    chunk: u64,
    mut data: Vec<u8>,
    settings: &ParserSettings,
    max_value: usize,
    sink: &mut dyn EventSink,
) {
    let offset = chunk_offset(chunk);
    let len = data.len();
    let range = record_range(&data);
    data.resize(CHUNK_SIZE as usize, 0);
    let truncated =
        format!("chunk {chunk} at offset {offset} is cut short ({len} of {CHUNK_SIZE} bytes)");
    let mut chunk_data = match EvtxChunkData::new(data, false) {
        Ok(c) if len >= CHUNK_HEADER_SIZE => c,
        _ => {
            sink.reject(Rejected {
                location: Location::Offset(offset),
                reason: format!(
                    "{truncated}: its header is incomplete or unreadable, \
                     so the number of records lost is unknown"
                ),
            });
            return;
        }
    };
    chunk_data.number = Some(chunk);
    let mut seen = 0u64;
    match chunk_data.parse(Arc::new(settings.clone())) {
        Ok(mut parsed) => {
            for record in parsed.iter() {
                seen += 1;
                deliver(convert(record, max_value), sink);
            }
        }
        Err(e) => sink.reject(Rejected {
            location: Location::Offset(offset),
            reason: format!("{truncated}: {}", error_chain(&e)),
        }),
    }
    report_cut_off(range, seen, offset, &truncated, sink);
}

fn report_cut_off(
    range: Option<(u64, u64)>,
    seen: u64,
    offset: u64,
    truncated: &str,
    sink: &mut dyn EventSink,
) {
    let Some((first, last)) = range else { return };
    let expected = last - first + 1;
    if expected > seen {
        sink.reject(Rejected {
            location: Location::Offset(offset),
            reason: format!(
                "{truncated}: {} of its {expected} records (ids {first} to {last}) are lost",
                expected - seen
            ),
        });
    }
}
