//! The bully algorithm (Garcia-Molina, "Elections in a Distributed Computing System", IEEE
//! Transactions on Computers, 1982).
//!
//! A node starting an election sends `election` to every node with a higher id (crashed ones
//! included: it cannot know). A live higher node answers `ok` and starts its own election
//! unless it is already in one. A node that gets no `ok` within the timeout (`T = 2d+r` by
//! default: the round trip) is the highest live node: it takes the lead and sends `coordinator`
//! to every lower id. A node that got an `ok` but no `coordinator` within a second timeout (`3T`,
//! time for the higher node's own round and announcement) starts again. A recovering node starts
//! an election, so the highest node bullies its way back (for one message delay, until its
//! `coordinator` arrives, the old leader still leads too: bully's takeover is not atomic; the
//! outcome measures that overlap, and `single-leader` allows it its grace); so does a node that
//! hears from a node above its leader again (after a partition heals), which ends a split brain.
//!
//! One departure from the paper, with heartbeats on: a node that follows a leader above itself
//! and knows it alive (not suspected, or announced within the heartbeat timeout `h + T`) answers
//! an `election` with `ok` but does not start its own; the leader, which gets the same
//! `election`, answers it. The paper's rule (every higher node starts) feeds back under random
//! delays: `election` messages still in flight when a `coordinator` ends everyone's election
//! reach nodes that have just stopped electing, each starts a new wave, and the leader announces
//! itself to all for every `election` it gets. At 64 nodes under random faults that made
//! millions of messages a second until memory ran out; with the rule, a few thousand.
//! Without heartbeats a node cannot know its leader alive, so it follows the paper.
//!
//! With `nN` crashed and a constant delay: if `n(N−1)` starts, the election costs exactly
//! `1 election + (N−2) coordinator = N − 1` messages; if `n1` starts, every live node starts
//! once, so `N(N−1)/2` `election`, `(N−1)(N−2)/2` `ok` and `N − 2` `coordinator`: `N² − N − 1`.
//!
//! Under a partition a bully election is unsafe: each side elects its own highest node, so two
//! live nodes consider themselves leader at once until the partition heals (the `single-leader`
//! invariant reports it once that has lasted longer than the grace).

use super::{ElectionConfig, Elector, View, Watch};
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// Messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// Failure detection.
    Heartbeat,
    /// I am electing; are you alive and higher?
    Election,
    /// Yes: stand down, I take over the election.
    Ok,
    /// I am the leader.
    Coordinator,
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Send a heartbeat.
    Beat,
    /// A peer's heartbeat deadline may have passed.
    Check(NodeIdx),
    /// Round `n`'s wait for an `ok` is over.
    OkWait(u64),
    /// Round `n`'s wait for a `coordinator` is over.
    CoordinatorWait(u64),
}

/// One node.
#[derive(Debug, Clone)]
pub struct Bully {
    me: NodeIdx,
    watch: Watch,
    view: View,
    grace: Nanos,
    electing: bool,
    round: u64,
    got_ok: bool,
}

impl Bully {
    fn start(&mut self, ctx: &mut Ctx<'_, Self>) {
        ctx.observe(ObservationKind::Election, None);
        self.electing = true;
        self.got_ok = false;
        self.round += 1;
        let higher: Vec<NodeIdx> = (self.me + 1..ctx.nodes()).collect();
        if higher.is_empty() {
            self.lead(ctx);
            return;
        }
        for node in higher {
            ctx.send(node, Msg::Election);
        }
        let wait = ctx.config().answer_wait();
        ctx.set_timer(wait, Timer::OkWait(self.round));
    }

    /// Whether this node follows a leader above itself that it knows to be alive: heartbeats are
    /// on, and the leader is not suspected or announced itself within the heartbeat timeout
    /// `h + T` (a recovered leader's announcement can come before its first heartbeat). Then
    /// that leader answers a lower node's `election` itself, and this node need not run one.
    fn trusts_higher_leader(&self, ctx: &Ctx<'_, Self>) -> bool {
        let config = ctx.config();
        let Some(interval) = config.heartbeat else {
            return false;
        };
        let announced_lately = ctx.now() - self.view.since() <= interval + config.timeout;
        self.view.leader().is_some_and(|leader| {
            leader > self.me && (announced_lately || !self.watch.suspects(leader))
        })
    }

    fn lead(&mut self, ctx: &mut Ctx<'_, Self>) {
        self.electing = false;
        self.view.set(ctx, Some(self.me));
        for node in 0..self.me {
            ctx.send(node, Msg::Coordinator);
        }
    }
}

impl Elector for Bully {
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

impl Protocol for Bully {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = ();
    type Config = ElectionConfig;
    const NAME: &'static str = "bully";

    fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
        let config = *ctx.config();
        let watch = Watch::boot(ctx, &config, Timer::Beat, Timer::Check);
        let mut node = Bully {
            me: ctx.id(),
            watch,
            view: View::default(),
            grace: config.grace(ctx.nodes()),
            electing: false,
            round: 0,
            got_ok: false,
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
                let calls =
                    self.watch
                        .heartbeat_calls_election(ctx, from, leader, Timer::Check(from));
                if calls && !self.electing {
                    self.start(ctx);
                }
            }
            Msg::Election => {
                ctx.send(from, Msg::Ok);
                if !self.electing && !self.trusts_higher_leader(ctx) {
                    self.start(ctx);
                }
            }
            Msg::Ok => {
                if self.electing && !self.got_ok {
                    self.got_ok = true;
                    let wait = 3 * ctx.config().answer_wait();
                    ctx.set_timer(wait, Timer::CoordinatorWait(self.round));
                }
            }
            Msg::Coordinator => {
                if from < self.me {
                    // A lower node claims the lead: bully it.
                    if !self.electing {
                        self.start(ctx);
                    }
                    return;
                }
                self.electing = false;
                self.view.set(ctx, Some(from));
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        match timer {
            Timer::Beat => Watch::beat(ctx, Msg::Heartbeat, Timer::Beat),
            Timer::Check(peer) => {
                if self.watch.check(ctx, peer, Timer::Check(peer))
                    && self.view.leader() == Some(peer)
                    && !self.electing
                {
                    self.view.set(ctx, None);
                    self.start(ctx);
                }
            }
            Timer::OkWait(round) => {
                if round == self.round && self.electing && !self.got_ok {
                    self.lead(ctx);
                }
            }
            Timer::CoordinatorWait(round) => {
                if round == self.round && self.electing {
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
            Msg::Election => "election",
            Msg::Ok => "ok",
            Msg::Coordinator => "coordinator",
        }
    }
}
