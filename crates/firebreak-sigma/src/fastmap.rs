//! Hash tables for what is looked up per event: field names in tables fixed when the
//! rules are built. (Values remembered per thread hash with a per-process seed, see
//! `seen`: log content is attacker-controlled.)

use std::collections::HashMap;

/// A fast hash of short keys (foldhash), fixed: the tables it keys do not grow with
/// the input.
pub(crate) type FastMap<K, V> = HashMap<K, V, foldhash::fast::FixedState>;
