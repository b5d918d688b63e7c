//! Paxos on the simulator.
//!
//! - [`single`]: single-decree Paxos (one value chosen), dueling proposers and their cures;
//! - [`multi`]: Multi-Paxos, a replicated log of client commands behind a distinguished proposer
//!   (its clients are [`crate::protocols::client`]);
//! - [`safety`]: the invariants of a replicated log (agreement, validity, integrity, log-prefix).
//!
//! Both protocols share the ballot: `(round, proposer id)`, unique because each proposer numbers
//! its own rounds and totally ordered by comparing round first.

pub mod multi;
pub mod safety;
pub mod single;

use crate::sim::protocol::NodeIdx;
use crate::sim::time::Nanos;
use multi::Slot;

/// A ballot: round, then proposer id, compared in that order.
pub type Ballot = (u64, NodeIdx);

/// The entry of `slot` in a log indexed by slot, growing the log with `empty` entries to reach
/// it. Slots are dense (a leader numbers them in turn), so a vector serves where a map would
/// hash or allocate for every slot.
pub fn slot_entry<T: Clone>(log: &mut Vec<T>, slot: Slot, empty: T) -> &mut T {
    let index = slot as usize;
    if log.len() <= index {
        log.resize(index + 1, empty);
    }
    &mut log[index]
}

/// How long a proposer waits before trying a higher ballot: two round trips (prepare, accept),
/// each the timeout `T` plus the answer's processing `r`, twice over.
pub fn retry_after(timeout: Nanos, processing: Nanos) -> Nanos {
    4 * (timeout + processing) + 1
}
