//! The ingest pipeline: [`firebreak_evidence::walk`] finds and hashes files,
//! [`firebreak_readers`] parses them, and one writer thread stores the events in the
//! case. Every record is accounted for (stored or rejected with its reason), every
//! file is in the case's evidence table (even unrecognised ones), and known content
//! (same SHA-256) is not read twice. A large file in a line-per-record format is
//! read in parts on all reader threads, each part numbering its lines from where it
//! starts, so its events are the same as from one reader.
//! A quick look without a case ingests into [`firebreak_case::Case::in_memory`];
//! [`read_each`] reads evidence into sinks the caller makes, storing nothing.

mod ahead;
mod parts;
mod pipeline;
mod report;
mod stream;

pub use pipeline::{ingest, IngestOptions, PART_BYTES};
pub use report::{IngestReport, KindSummary, Progress, SilentProgress};
pub use stream::{read_each, FileRef, FileSinks};

/// Ingest failed as a whole (the case could not be written).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error(transparent)]
    Case(#[from] firebreak_case::CaseError),
    #[error("case writer stopped unexpectedly")]
    WriterGone,
}
