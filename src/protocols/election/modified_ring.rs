//! Modified ring election (the variant of the ring algorithm in Coulouris, Dollimore,
//! Kindberg, "Distributed Systems: Concepts and Design", and Tanenbaum and van Steen,
//! "Distributed Systems", section 6.5), which tolerates failures during the election.
//!
//! The initiator sends `election` carrying a list of ids, its own first. Each node appends its
//! id and passes the message to its next live successor. When the message returns to the
//! initiator, the list holds every live node it passed; the highest id wins, and a `coordinator`
//! message naming it goes round the ring once, each node adopting the leader as it passes.
//!
//! Failed nodes are bypassed: a node skips successors its detector suspects, and a node that
//! passed an election on (the initiator included) and sees no `coordinator` for it within the
//! election timeout — long enough for the message to go round twice, `2N(d+r)`, plus `T` —
//! re-sends the election past its successor if its detector now suspects it, and otherwise waits
//! another timeout (the loss is further on, and the node next to it will re-send). Without
//! failure detection (`--heartbeat`), a lost election stays lost. A failure-free election with
//! one initiator costs exactly `2N` messages: `N` `election` and `N` `coordinator`.

use super::{ElectionConfig, Elector, View, Watch};
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// Messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// Failure detection.
    Heartbeat,
    /// An election started by `initiator`, with the ids of the live nodes it passed.
    Election {
        /// Who started it.
        initiator: NodeIdx,
        /// Ids collected so far, the initiator's first.
        ids: Vec<NodeIdx>,
    },
    /// The winner of `initiator`'s election, announced round the ring.
    Coordinator {
        /// Who started the election.
        initiator: NodeIdx,
        /// The winner.
        leader: NodeIdx,
    },
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Send a heartbeat.
    Beat,
    /// A peer's heartbeat deadline may have passed.
    Check(NodeIdx),
    /// No coordinator yet for the election this node last passed on (its number here).
    Stalled(u64),
}

/// One node.
#[derive(Debug, Clone)]
pub struct ModifiedRing {
    me: NodeIdx,
    watch: Watch,
    view: View,
    grace: Nanos,
    /// The election this node last passed on, awaiting its coordinator: (number, to, message).
    pending: Option<(u64, NodeIdx, Msg)>,
    passes: u64,
}

impl ModifiedRing {
    fn successor(&self, nodes: u32) -> Option<NodeIdx> {
        self.watch.successor(self.me, nodes)
    }

    /// The election timeout: twice round the ring, plus `T`.
    fn stall_after(ctx: &Ctx<'_, Self>) -> Nanos {
        let config = ctx.config();
        2 * u64::from(ctx.nodes()) * config.hop + config.answer_wait()
    }

    /// Passes an election on and waits for its coordinator.
    fn pass(&mut self, ctx: &mut Ctx<'_, Self>, msg: Msg) {
        let Some(next) = self.successor(ctx.nodes()) else {
            return;
        };
        self.passes += 1;
        self.pending = Some((self.passes, next, msg.clone()));
        ctx.send(next, msg);
        let after = Self::stall_after(ctx);
        ctx.set_timer(after, Timer::Stalled(self.passes));
    }

    fn start(&mut self, ctx: &mut Ctx<'_, Self>) {
        ctx.observe(ObservationKind::Election, None);
        let msg = Msg::Election {
            initiator: self.me,
            ids: vec![self.me],
        };
        self.pass(ctx, msg);
    }
}

impl Elector for ModifiedRing {
    fn me(&self) -> NodeIdx {
        self.me
    }

    fn view(&self) -> View {
        self.view
    }

    fn grace(&self) -> Nanos {
        self.grace
    }
}

impl Protocol for ModifiedRing {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = ();
    type Config = ElectionConfig;
    const NAME: &'static str = "modified-ring";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let config = *ctx.config();
        let watch = Watch::boot(ctx, &config, Timer::Beat, Timer::Check);
        let mut node = ModifiedRing {
            me: ctx.id(),
            watch,
            view: View::default(),
            grace: config.grace(ctx.nodes()),
            pending: None,
            passes: 0,
        };
        if ctx.recovered() {
            node.start(ctx);
        }
        node
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        match msg {
            Msg::Heartbeat => {
                let leader = self.view.leader();
                if self
                    .watch
                    .heartbeat_calls_election(ctx, from, leader, Timer::Check(from))
                    && self.pending.is_none()
                {
                    self.start(ctx);
                }
            }
            Msg::Election { initiator, ids } if initiator == self.me => {
                self.pending = None;
                let leader = ids.iter().copied().max().unwrap_or(self.me);
                self.view.set(ctx, Some(leader));
                if let Some(next) = self.successor(ctx.nodes()) {
                    ctx.send(next, Msg::Coordinator { initiator, leader });
                }
            }
            Msg::Election { initiator, mut ids } => {
                ids.push(self.me);
                self.pass(ctx, Msg::Election { initiator, ids });
            }
            Msg::Coordinator { initiator, leader } => {
                self.pending = None;
                self.view.set(ctx, Some(leader));
                if initiator != self.me
                    && let Some(next) = self.successor(ctx.nodes())
                {
                    ctx.send(next, Msg::Coordinator { initiator, leader });
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        match timer {
            Timer::Beat => Watch::beat(ctx, Msg::Heartbeat, Timer::Beat),
            Timer::Check(peer) => {
                if self.watch.check(ctx, peer, Timer::Check(peer))
                    && self.view.leader() == Some(peer)
                {
                    self.view.set(ctx, None);
                    self.start(ctx);
                }
            }
            Timer::Stalled(pass) => {
                let Some((current, to, msg)) = self.pending.take() else {
                    return;
                };
                if current != pass {
                    self.pending = Some((current, to, msg));
                    return;
                }
                if self.watch.suspects(to) {
                    // The successor died with the election: go round it.
                    self.pass(ctx, msg);
                } else if ctx.config().heartbeat.is_some() {
                    self.pending = Some((current, to, msg));
                    let after = Self::stall_after(ctx);
                    ctx.set_timer(after, Timer::Stalled(current));
                }
            }
        }
    }

    fn on_elect(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.start(ctx);
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Heartbeat => "heartbeat",
            Msg::Election { .. } => "election",
            Msg::Coordinator { .. } => "coordinator",
        }
    }
}
