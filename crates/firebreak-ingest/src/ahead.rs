//! How far the walker runs ahead of the readers: several files per reader, walked and
//! hashed, so that a reader done with a small file finds the next one ready (files of
//! a few hundred KiB are the common case: one handover each), and no more archive
//! members held in memory than [`MEMORY_AHEAD`] bytes.

use firebreak_evidence::EvidenceData;
use std::sync::{Condvar, Mutex};

/// Files queued per reader thread.
pub(crate) const FILES_AHEAD_PER_READER: usize = 8;
/// Most bytes of in-memory archive members queued (one is always let through).
const MEMORY_AHEAD: u64 = 256 << 20;

#[derive(Debug, Default)]
pub(crate) struct Ahead {
    held: Mutex<u64>,
    room: Condvar,
}

impl Ahead {
    /// Waits until `data` fits among the queued members; what it holds, to
    /// [`Ahead::release`] when a reader takes it.
    pub fn hold(&self, data: &EvidenceData) -> u64 {
        let n = match data {
            EvidenceData::Memory(c) => c.get_ref().len() as u64,
            EvidenceData::Disk(_) | EvidenceData::Spooled(_) => 0,
        };
        if n == 0 {
            return 0;
        }
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        while *held > 0 && *held + n > MEMORY_AHEAD {
            held = self.room.wait(held).unwrap_or_else(|p| p.into_inner());
        }
        *held += n;
        n
    }

    pub fn release(&self, n: u64) {
        if n == 0 {
            return;
        }
        let mut held = self.held.lock().unwrap_or_else(|p| p.into_inner());
        *held = held.saturating_sub(n);
        self.room.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;
    use std::time::Duration;

    fn member(bytes: u64) -> EvidenceData {
        EvidenceData::Memory(Cursor::new(vec![0; bytes as usize]))
    }

    #[test]
    fn members_wait_for_room_but_one_always_passes() {
        let ahead = Ahead::default();
        let big = member(MEMORY_AHEAD + 1);
        let held = ahead.hold(&big);
        assert_eq!(
            held,
            MEMORY_AHEAD + 1,
            "alone, even an oversized member passes"
        );
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let n = ahead.hold(&member(10));
                tx.send(n).unwrap();
            });
            assert!(
                rx.recv_timeout(Duration::from_millis(200)).is_err(),
                "waits while the queue is full"
            );
            ahead.release(held);
            assert_eq!(rx.recv_timeout(Duration::from_secs(10)).unwrap(), 10);
        });
    }
}
