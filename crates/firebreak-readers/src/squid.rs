use crate::{EventSink, ReadContext, ReadError};
use std::io::BufRead;

pub(crate) fn sniff(_lines: &[&str]) -> bool {
    false
}

pub(crate) fn read(
    _input: &mut dyn BufRead,
    _ctx: &ReadContext,
    _sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    Err(ReadError::Invalid {
        format: "squid",
        reason: "reader not written yet".into(),
    })
}
