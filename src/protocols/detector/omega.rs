//! Ω, the eventual leader detector, built the usual way: every node sends heartbeats every `h`
//! and suspects a peer after `h + T` of silence (the deadlines of the heartbeat detector); the
//! leader a node trusts is the highest one it does not suspect. Once the suspicions are right
//! (eventually, in a partially synchronous network) every live node trusts the same leader,
//! which is what Paxos's distinguished proposer and Multi-Paxos's leader need; the elections
//! use the same [`Watch`] to notice a failed leader.

use super::deadline::{Check, Deadlines, Heard};
use super::heartbeat::{on_check, on_heard, start_beating, watch_all};
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// A node's view of its peers: heartbeat deadlines, when enabled.
#[derive(Debug, Clone)]
pub struct Watch {
    deadlines: Option<Deadlines>,
}

impl Watch {
    /// Starts heartbeats every `interval` (the `beat` timer) and watches every peer, suspected
    /// after `interval + timeout` of silence (the `check` timers). Any protocol can embed one.
    pub fn start<P: Protocol>(
        ctx: &mut Ctx<'_, P>,
        interval: Nanos,
        timeout: Nanos,
        beat: P::Timer,
        check: impl Fn(NodeIdx) -> P::Timer,
    ) -> Self {
        start_beating(ctx, interval, beat);
        Watch {
            deadlines: Some(watch_all(ctx, interval, timeout, check)),
        }
    }

    /// No failure detection: nobody is ever suspected.
    pub fn off() -> Self {
        Watch { deadlines: None }
    }

    /// A heartbeat from `peer` arrived; returns whether the peer was suspected until now.
    pub fn heard<P: Protocol>(
        &mut self,
        ctx: &mut Ctx<'_, P>,
        peer: NodeIdx,
        interval: Nanos,
        timeout: Nanos,
        check: P::Timer,
    ) -> bool {
        let Some(deadlines) = &mut self.deadlines else {
            return false;
        };
        let heard: Heard = deadlines.heard(ctx.now(), peer, ctx.now() + interval + timeout);
        on_heard(ctx, peer, heard, check);
        heard.trusted
    }

    /// A check timer for `peer` fired; returns whether the peer is newly suspected.
    pub fn check<P: Protocol>(
        &mut self,
        ctx: &mut Ctx<'_, P>,
        peer: NodeIdx,
        again: P::Timer,
    ) -> bool {
        let Some(deadlines) = &mut self.deadlines else {
            return false;
        };
        let check: Check = deadlines.check(ctx.now(), peer);
        on_check(ctx, peer, check, again)
    }

    /// Whether `peer` is suspected.
    pub fn suspects(&self, peer: NodeIdx) -> bool {
        self.deadlines.as_ref().is_some_and(|d| d.suspects(peer))
    }

    /// The first node after `me` in ring order that is not suspected (none if all are).
    pub fn successor(&self, me: NodeIdx, nodes: u32) -> Option<NodeIdx> {
        (1..nodes)
            .map(|step| (me + step) % nodes)
            .find(|&n| !self.suspects(n))
    }

    /// Ω's leader: the highest node that this node (`me`) does not suspect, itself included.
    pub fn trusted_leader(&self, me: NodeIdx, nodes: u32) -> NodeIdx {
        (0..nodes)
            .rev()
            .find(|&n| n == me || !self.suspects(n))
            .unwrap_or(me)
    }
}
