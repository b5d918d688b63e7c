//! Ring election (Chang and Roberts, "An improved algorithm for decentralized extrema-finding
//! in circular configurations of processes", CACM 1979), in the variant where a node that
//! receives a smaller id forwards its own.
//!
//! Nodes form the ring `n1 → n2 → … → nN → n1`. An initiator marks itself a participant and
//! sends `election(own id)` to its successor. A node receiving `election(j)`:
//! - `j` larger than its own id: forwards `election(j)` and becomes a participant;
//! - `j` smaller: if it is not yet a participant, forwards `election(own id)` instead and becomes
//!   one; if it already is, drops the message (its own, larger id is already on its way);
//! - `j` its own id: its id went all the way round, so it is the largest: it is the leader, and
//!   sends `elected(own id)` round the ring; each node adopts the leader and forwards, until the
//!   message returns to the leader.
//!
//! A node skips successors its failure detector already suspects, but nothing is acknowledged:
//! a node that fails during an election loses the message, and the election stalls until another
//! one starts. With a single initiator that is the successor of the highest node and no failures,
//! an election costs exactly `3N − 1` messages: `N` elections until the highest id is on its way,
//! `N − 1` more to bring it home, and `N` `elected`.

use super::{ElectionConfig, Elector, View, Watch};
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// Messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Failure detection.
    Heartbeat,
    /// The largest id seen so far on this election's way round.
    Election(NodeIdx),
    /// The leader, announced round the ring.
    Elected(NodeIdx),
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Send a heartbeat.
    Beat,
    /// A peer's heartbeat deadline may have passed.
    Check(NodeIdx),
}

/// One node of the ring.
#[derive(Debug, Clone)]
pub struct Ring {
    me: NodeIdx,
    watch: Watch,
    participant: bool,
    view: View,
    grace: Nanos,
}

impl Ring {
    fn send_on(&self, ctx: &mut Ctx<'_, Self>, msg: Msg) {
        if let Some(next) = self.watch.successor(self.me, ctx.nodes()) {
            ctx.send(next, msg);
        }
    }

    fn start(&mut self, ctx: &mut Ctx<'_, Self>) {
        ctx.observe(ObservationKind::Election, None);
        self.participant = true;
        self.send_on(ctx, Msg::Election(self.me));
    }
}

impl Elector for Ring {
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

impl Protocol for Ring {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = ();
    type Config = ElectionConfig;
    const NAME: &'static str = "ring";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let config = *ctx.config();
        let watch = Watch::boot(ctx, &config, Timer::Beat, Timer::Check);
        let mut node = Ring {
            me: ctx.id(),
            watch,
            participant: false,
            view: View::default(),
            grace: config.grace(ctx.nodes()),
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
                    && !self.participant
                {
                    self.start(ctx);
                }
            }
            Msg::Election(j) if j > self.me => {
                self.participant = true;
                self.send_on(ctx, Msg::Election(j));
            }
            Msg::Election(j) if j < self.me => {
                if !self.participant {
                    self.participant = true;
                    self.send_on(ctx, Msg::Election(self.me));
                }
            }
            Msg::Election(_) => {
                self.participant = false;
                self.view.set(ctx, Some(self.me));
                self.send_on(ctx, Msg::Elected(self.me));
            }
            Msg::Elected(leader) => {
                if leader != self.me {
                    self.participant = false;
                    self.view.set(ctx, Some(leader));
                    self.send_on(ctx, Msg::Elected(leader));
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
        }
    }

    fn on_elect(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.start(ctx);
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Heartbeat => "heartbeat",
            Msg::Election(_) => "election",
            Msg::Elected(_) => "elected",
        }
    }
}
