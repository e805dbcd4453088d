use crate::{EventSink, ReadContext, ReadError};
use std::io::BufRead;

pub(crate) fn sniff_csv(_lines: &[&str]) -> bool {
    false
}

pub(crate) fn sniff_jsonl(_lines: &[&str]) -> bool {
    false
}

pub(crate) fn read_csv(
    _input: &mut dyn BufRead,
    _ctx: &ReadContext,
    _sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    Err(ReadError::Invalid {
        format: "csv",
        reason: "reader not written yet".into(),
    })
}

pub(crate) fn read_jsonl(
    _input: &mut dyn BufRead,
    _ctx: &ReadContext,
    _sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    Err(ReadError::Invalid {
        format: "jsonl",
        reason: "reader not written yet".into(),
    })
}
