use crate::{EventSink, ReadContext, ReadError, ReadSeek};

pub(crate) fn sniff(head: &[u8]) -> bool {
    head.starts_with(b"ElfFile\0")
}

pub(crate) fn read(
    _input: Box<dyn ReadSeek>,
    _ctx: &ReadContext,
    _sink: &mut dyn EventSink,
) -> Result<(), ReadError> {
    Err(ReadError::Invalid {
        format: "evtx",
        reason: "reader not written yet".into(),
    })
}
