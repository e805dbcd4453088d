//! Background timing: Poisson arrival streams shaped by a time-of-day profile (by
//! thinning), plus a heap of deferred follow-ups (logoffs, session ends). Everything
//! comes out in time order without holding more than what is in flight.

use crate::rng::Rng;
use crate::time::{time_of_day, weekday, Ticks, HOUR, MIN};
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// How activity varies over the day (UTC; office hours are 07:00–16:00 UTC).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Profile {
    /// Office work: weekdays in office hours.
    Office,
    /// Remote work: office hours and evenings, some weekend.
    Remote,
    /// Machines: the same all day.
    Flat,
}

impl Profile {
    /// Relative rate in `0..=1` at `t`.
    pub(crate) fn factor(self, t: Ticks) -> f64 {
        let h = time_of_day(t) as f64 / HOUR as f64;
        let weekend = weekday(t) >= 5;
        match self {
            Profile::Flat => 1.0,
            Profile::Office if weekend => 0.02,
            Profile::Office => match h {
                h if h < 6.0 => 0.01,
                h if h < 7.0 => 0.3,
                h if h < 11.0 => 1.0,
                h if h < 12.0 => 0.6,
                h if h < 16.0 => 1.0,
                h if h < 18.0 => 0.35,
                h if h < 22.0 => 0.06,
                _ => 0.01,
            },
            Profile::Remote => {
                let day = match h {
                    h if h < 5.0 => 0.02,
                    h if h < 7.0 => 0.4,
                    h if h < 16.0 => 0.8,
                    h if h < 21.0 => 1.0,
                    _ => 0.1,
                };
                if weekend {
                    day * 0.3
                } else {
                    day
                }
            }
        }
    }
}

struct Stream {
    kind: u8,
    /// Mean gap between candidate arrivals (at the profile's peak), in ticks.
    mean_gap: f64,
    profile: Profile,
    next: Option<Ticks>,
}

/// What is due next.
pub(crate) enum Due<D> {
    Stream(u8),
    Deferred(D),
}

pub(crate) struct Sched<D: Ord> {
    streams: Vec<Stream>,
    deferred: BinaryHeap<Reverse<(Ticks, u64, D)>>,
    seq: u64,
    start: Ticks,
    end: Ticks,
}

impl<D: Ord> Sched<D> {
    pub(crate) fn new(start: Ticks, end: Ticks) -> Sched<D> {
        Sched {
            streams: Vec::new(),
            deferred: BinaryHeap::new(),
            seq: 0,
            start,
            end,
        }
    }

    /// A stream of `per_hour` arrivals per hour at the profile's peak.
    pub(crate) fn add(&mut self, rng: &mut Rng, kind: u8, per_hour: f64, profile: Profile) {
        if per_hour <= 0.0 {
            return;
        }
        let mut s = Stream {
            kind,
            mean_gap: HOUR as f64 / per_hour,
            profile,
            next: None,
        };
        s.next = next_arrival(rng, &s, self.start, self.end);
        self.streams.push(s);
    }

    /// Schedule `d` at `t` (dropped if past the end).
    pub(crate) fn defer(&mut self, t: Ticks, d: D) {
        if t < self.end {
            self.seq += 1;
            self.deferred
                .push(Reverse((t.max(self.start), self.seq, d)));
        }
    }

    /// Time of the next due item, `None` when all is done.
    pub(crate) fn peek(&self) -> Option<Ticks> {
        let s = self.streams.iter().filter_map(|s| s.next).min();
        let d = self.deferred.peek().map(|Reverse((t, _, _))| *t);
        match (s, d) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub(crate) fn pop(&mut self, rng: &mut Rng) -> Option<(Ticks, Due<D>)> {
        let t = self.peek()?;
        if let Some(Reverse((dt, _, _))) = self.deferred.peek() {
            if *dt == t {
                let Reverse((t, _, d)) = self.deferred.pop().expect("peeked");
                return Some((t, Due::Deferred(d)));
            }
        }
        let end = self.end;
        let s = self.streams.iter_mut().find(|s| s.next == Some(t))?;
        s.next = next_arrival(rng, s, t, end);
        Some((t, Due::Stream(s.kind)))
    }
}

fn next_arrival(rng: &mut Rng, s: &Stream, from: Ticks, end: Ticks) -> Option<Ticks> {
    let mut t = from;
    loop {
        t += (rng.exp(s.mean_gap) as Ticks).max(1);
        if t >= end {
            return None;
        }
        if rng.f64() < s.profile.factor(t) {
            return Some(t);
        }
    }
}

/// A minute-scale random offset.
pub(crate) fn minutes(rng: &mut Rng, lo: i64, hi: i64) -> Ticks {
    rng.range(lo * MIN, hi * MIN)
}
