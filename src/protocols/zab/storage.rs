//! The storage service the lock protects: its own process, which clients write to across the
//! network. It records every write — writer, token, time — and, with fencing, remembers the
//! highest token it has accepted and rejects lower ones (Kleppmann's fix: only the storage can
//! stop a stale holder).

use super::{Msg, Zab};
use crate::sim::protocol::{Ctx, NodeIdx};
use crate::sim::time::Nanos;

/// One write the storage received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    /// When it was applied, ns.
    pub at: Nanos,
    /// The writing session.
    pub session: String,
    /// The token it carried.
    pub token: u64,
    /// Accepted (or rejected as fenced off).
    pub accepted: bool,
}

/// The storage process.
#[derive(Debug, Clone, Default)]
pub struct Storage {
    highest: u64,
    writes: Vec<Stored>,
}

impl Storage {
    /// Every write received, in order.
    pub fn writes(&self) -> &[Stored] {
        &self.writes
    }

    /// A write arrived from `from`.
    pub fn on_write(
        &mut self,
        ctx: &mut Ctx<'_, Zab>,
        from: NodeIdx,
        session: String,
        token: u64,
        seq: u64,
        fencing: bool,
    ) {
        let accepted = !fencing || token >= self.highest;
        if accepted {
            self.highest = self.highest.max(token);
        }
        self.writes.push(Stored {
            at: ctx.now(),
            session,
            token,
            accepted,
        });
        ctx.send(from, Msg::StorageReply { seq, accepted });
    }
}
