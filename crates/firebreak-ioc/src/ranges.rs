//! Networks as sorted, disjoint address ranges, looked up by binary search.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// First and last address of `addr/len`, or `None` if `len` is too long.
pub(crate) fn cidr_range(addr: IpAddr, len: u8) -> Option<(IpAddr, IpAddr)> {
    match addr {
        IpAddr::V4(a) => {
            let (s, e) = span(u32::from(a) as u128, len, 32)?;
            Some((
                Ipv4Addr::from(s as u32).into(),
                Ipv4Addr::from(e as u32).into(),
            ))
        }
        IpAddr::V6(a) => {
            let (s, e) = span(u128::from(a), len, 128)?;
            Some((Ipv6Addr::from(s).into(), Ipv6Addr::from(e).into()))
        }
    }
}

fn span(x: u128, len: u8, bits: u8) -> Option<(u128, u128)> {
    if len > bits {
        return None;
    }
    let host_bits = u32::from(bits - len);
    let host_mask = if host_bits >= 128 {
        u128::MAX
    } else {
        (1u128 << host_bits) - 1
    };
    Some((x & !host_mask, x | host_mask))
}

/// One family's networks, flattened into disjoint segments: each segment lists every
/// IOC whose network covers it, so a lookup is one binary search however the networks
/// nest or overlap.
#[derive(Debug, Default, Clone)]
pub(crate) struct RangeTable {
    starts: Vec<u128>,
    ends: Vec<u128>,
    ids: Vec<Vec<u32>>,
}

impl RangeTable {
    /// Build from inclusive ranges `(first, last, id)`.
    pub fn build(mut ranges: Vec<(u128, u128, u32)>) -> RangeTable {
        ranges.sort_unstable();
        let mut bounds: Vec<(u128, bool, u32)> = Vec::with_capacity(ranges.len() * 2);
        for &(s, e, id) in &ranges {
            bounds.push((s, true, id));
            if let Some(after) = e.checked_add(1) {
                bounds.push((after, false, id));
            }
        }
        // At one point, ends (false) sort before starts (true).
        bounds.sort_unstable();
        let mut table = RangeTable::default();
        let mut active = BTreeSet::new();
        let mut i = 0;
        while i < bounds.len() {
            let at = bounds[i].0;
            while i < bounds.len() && bounds[i].0 == at {
                let (_, start, id) = bounds[i];
                if start {
                    active.insert(id);
                } else {
                    active.remove(&id);
                }
                i += 1;
            }
            let end = bounds.get(i).map_or(u128::MAX, |b| b.0 - 1);
            if !active.is_empty() {
                table.push(at, end, active.iter().copied().collect());
            }
        }
        table
    }

    fn push(&mut self, start: u128, end: u128, ids: Vec<u32>) {
        self.starts.push(start);
        self.ends.push(end);
        self.ids.push(ids);
    }

    /// The IOCs whose network holds `x`.
    pub fn find(&self, x: u128) -> &[u32] {
        let i = self.starts.partition_point(|&s| s <= x);
        match i.checked_sub(1) {
            Some(i) if self.ends[i] >= x => &self.ids[i],
            _ => &[],
        }
    }
}
