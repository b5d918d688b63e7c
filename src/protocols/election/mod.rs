//! Leader election: ring (Chang–Roberts), modified ring and bully, on the simulator.
//!
//! All three share what is here:
//! - [`ElectionConfig`]: the timeout `T` (default `2d+r`), the processing time `r`, and an
//!   optional heartbeat interval. With heartbeats, every node monitors every other (the Ω detector's
//!   [`Watch`],
//!   the deadlines of the heartbeat detector, suspicion after `h + T` of silence), and a node that
//!   suspects its leader starts an election; without them, elections start only on the trace's
//!   `elect` events and when a node recovers;
//! - [`Elector`]: what the invariants and the outcome need to know of a node;
//! - after a partition heals, a node that hears again from a node above its leader starts an
//!   election, so a split brain does not outlive the partition;
//! - [`SingleLeader`], the safety invariant: at no time do two live nodes each consider
//!   themselves the leader;
//! - the observations every protocol records: `election` when a node starts one, `leader` (with
//!   the leader as peer, or none) whenever a node's view of the leader changes. [`outcome`] turns
//!   them into leader availability, election latency and the eventual-leader check.

pub mod bully;
pub mod modified_ring;
pub mod outcome;
pub mod ring;

pub use crate::protocols::detector::omega::Watch;
use crate::sim::engine::Invariant;
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// Settings shared by the elections.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ElectionConfig {
    /// `T`: how long to wait for an answer that takes a round trip (`2d+r` by default).
    pub timeout: Nanos,
    /// `r`: an answer arriving within `T` is handled `r` later, so waits last `T + r`.
    pub processing: Nanos,
    /// `d + r`, one message's transit, for the ring's election timeout.
    pub hop: Nanos,
    /// Heartbeat interval, when failure detection is on.
    pub heartbeat: Option<Nanos>,
}

impl ElectionConfig {
    /// The wait for an answer to a message sent now: `T + r`, and one nanosecond more so that
    /// an answer handled exactly at the deadline (scheduled after the timer) counts.
    pub fn answer_wait(&self) -> Nanos {
        self.timeout + self.processing + 1
    }
}

/// What the invariants and the outcome need from a node of any election protocol.
pub trait Elector: Protocol {
    /// This node.
    fn me(&self) -> NodeIdx;
    /// Whom this node takes for the leader.
    fn leader(&self) -> Option<NodeIdx>;
}

/// The election's use of the Ω detector's [`Watch`]: started from the election's settings, and
/// a heartbeat that may call an election.
impl Watch {
    /// Starts heartbeats and deadlines when the configuration enables them.
    pub fn boot<P: Protocol>(
        ctx: &mut Ctx<'_, P>,
        config: &ElectionConfig,
        beat: P::Timer,
        check: impl Fn(NodeIdx) -> P::Timer,
    ) -> Self {
        match config.heartbeat {
            Some(interval) => Self::start(ctx, interval, config.timeout, beat, check),
            None => Self::off(),
        }
    }

    /// Sends this node's heartbeat and schedules the next.
    pub fn beat<P: Protocol<Config = ElectionConfig>>(
        ctx: &mut Ctx<'_, P>,
        msg: P::Msg,
        next: P::Timer,
    ) {
        ctx.broadcast(msg);
        if let Some(interval) = ctx.config().heartbeat {
            ctx.set_timer(interval, next);
        }
    }

    /// A heartbeat from `from` under the election's configuration; returns whether `from` was
    /// suspected until now.
    pub fn heartbeat<P: Protocol<Config = ElectionConfig>>(
        &mut self,
        ctx: &mut Ctx<'_, P>,
        from: NodeIdx,
        check: P::Timer,
    ) -> bool {
        let config = *ctx.config();
        let interval = config.heartbeat.unwrap_or(0);
        self.heard(ctx, from, interval, config.timeout, check)
    }

    /// A heartbeat from `from`; returns whether it should start an election: `from` was
    /// suspected until now and ranks above this node's leader. That is how a split brain ends
    /// once a partition heals: the side that elected a lower leader hears the higher nodes again.
    pub fn heartbeat_calls_election<P: Protocol<Config = ElectionConfig>>(
        &mut self,
        ctx: &mut Ctx<'_, P>,
        from: NodeIdx,
        leader: Option<NodeIdx>,
        check: P::Timer,
    ) -> bool {
        let back = self.heartbeat(ctx, from, check);
        back && leader.is_some_and(|l| from > l)
    }
}

/// Records a change of a node's view of the leader (`leader` observation, peer = the leader).
pub fn set_leader<P: Protocol>(
    ctx: &mut Ctx<'_, P>,
    view: &mut Option<NodeIdx>,
    leader: Option<NodeIdx>,
) {
    if *view != leader {
        *view = leader;
        ctx.observe(ObservationKind::LeaderView, leader);
    }
}

/// At no time do two live nodes each consider themselves the leader.
#[derive(Debug, Default)]
pub struct SingleLeader;

impl<P: Elector> Invariant<P> for SingleLeader {
    fn name(&self) -> &'static str {
        "single-leader"
    }

    fn check(&mut self, _now: Nanos, nodes: &[Option<&P>]) -> Option<String> {
        let leaders: Vec<String> = nodes
            .iter()
            .flatten()
            .filter(|n| n.leader() == Some(n.me()))
            .map(|n| format!("n{}", n.me() + 1))
            .collect();
        (leaders.len() > 1)
            .then(|| format!("{} each consider themselves leader", leaders.join(" and ")))
    }
}
