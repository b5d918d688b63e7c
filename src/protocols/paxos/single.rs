//! Single-decree Paxos (Lamport, "Paxos Made Simple", 2001), every node a proposer (when listed
//! in `--proposers`), an acceptor and a learner.
//!
//! A proposer picks a ballot `(round, own id)` — unique and totally ordered — and sends
//! `prepare` to every node. An acceptor promises (in stable storage, *before* answering) never to
//! accept a lower ballot, and answers `promise` with the highest proposal it has accepted; it
//! answers `nack` to a ballot below its promise. With a majority of promises the proposer sends
//! `accept` with the value of the highest accepted proposal among them, or its own value if there
//! is none (section 2.2, P2c). An acceptor accepts unless it promised a higher ballot, records the
//! acceptance in stable storage, and answers `accepted`. The proposer that hears a majority
//! accepted has its value chosen and sends `decide` to everyone. A proposer that is nacked, or hears
//! nothing for a while, tries again with a higher round.
//!
//! Failure-free with one proposer: exactly `5(N−1)` messages (N−1 each of `prepare`, `promise`,
//! `accept`, `accepted`, `decide`; a node's messages to itself are local calls).
//!
//! Dueling proposers: two proposers that retry at once when nacked can pre-empt each other for
//! ever (with a constant delay, `n1` and `n2` of three nodes never decide). Two cures: randomised
//! exponential backoff (`backoff`: a nacked proposer waits a random time below `retry × 2^k / 4`
//! after its k-th nack), and a distinguished proposer (`distinguished`, section 2.4 of the paper):
//! only the proposer elected by an Ω failure detector proposes — the highest-numbered proposer a
//! node does not suspect. Without heartbeats nobody is suspected and that is the highest
//! proposer; with them (`heartbeat`), every node watches every other, and when the distinguished
//! proposer fails the next one takes over once it suspects it.
//!
//! Safety (checked by [`Agreement`] and [`Validity`] after every step): no two nodes decide
//! different values, and only a proposed value is decided. `broken_acceptor` makes acceptors keep
//! promises and acceptances in volatile memory only, so a recovered acceptor forgets them — the
//! classic way to lose agreement, for showing that the checker can fail.

use std::collections::BTreeSet;

use crate::protocols::detector::omega::Watch;
use crate::sim::engine::{Invariant, Nodes};
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::{Nanos, to_secs};

use super::Ballot;
use crate::sim::metrics::ObservationKind;

/// Settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PaxosConfig {
    /// The nodes that propose (each its own value: its number, `n2` proposes 2).
    pub proposers: Vec<NodeIdx>,
    /// How long a proposer waits for progress before trying a higher round.
    pub retry: Nanos,
    /// Acceptors that do not write promises and acceptances to stable storage.
    pub broken_acceptor: bool,
    /// A nacked proposer backs off for a random, exponentially growing time.
    pub backoff: bool,
    /// Only the proposer elected by the Ω detector proposes.
    pub distinguished: bool,
    /// Heartbeat interval of the Ω detector (none: nobody is ever suspected).
    pub heartbeat: Option<Nanos>,
    /// A node is suspected after `heartbeat + timeout` of silence.
    pub timeout: Nanos,
}

/// Messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// The Ω detector's heartbeat.
    Heartbeat,
    /// Phase 1a.
    Prepare(Ballot),
    /// Phase 1b: the promise, with the highest accepted proposal.
    Promise(Ballot, Option<(Ballot, u64)>),
    /// The ballot is below a promise.
    Nack(Ballot, Ballot),
    /// Phase 2a.
    Accept(Ballot, u64),
    /// Phase 2b.
    Accepted(Ballot),
    /// The chosen value.
    Decide(u64),
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// No progress with this ballot: try a higher one.
    Retry(Ballot),
    /// A nacked proposer's backoff is over.
    Backoff(Ballot),
    /// Send a heartbeat.
    Beat,
    /// A peer's heartbeat deadline may have passed.
    Check(NodeIdx),
}

/// What survives a crash.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stable {
    /// Highest ballot promised.
    pub promised: Option<Ballot>,
    /// Highest proposal accepted.
    pub accepted: Option<(Ballot, u64)>,
    /// The decided value, once learned.
    pub decided: Option<u64>,
    /// The highest round this node has used or seen, so its next ballot is new.
    pub round: u64,
}

/// A proposer's progress with its current ballot.
#[derive(Debug, Clone, PartialEq)]
enum Phase {
    Idle,
    Preparing {
        ballot: Ballot,
        promised: BTreeSet<NodeIdx>,
        highest: Option<(Ballot, u64)>,
    },
    Accepting {
        ballot: Ballot,
        value: u64,
        accepted: BTreeSet<NodeIdx>,
    },
}

/// One node.
#[derive(Debug, Clone)]
pub struct Paxos {
    me: NodeIdx,
    /// This process sent `accept` with its own value (for the validity check).
    proposed_own: bool,
    stable: Stable,
    phase: Phase,
    started: Option<Nanos>,
    nacks: u32,
    watch: Watch,
}

impl Paxos {
    /// The value this node has decided, if any.
    pub fn decided(&self) -> Option<u64> {
        self.stable.decided
    }

    /// Whether this node may propose: it is a proposer and, with a distinguished proposer, the
    /// one its Ω detector elects (the highest proposer it does not suspect).
    fn may_propose(&self, ctx: &Ctx<'_, Self>) -> bool {
        let config = ctx.config();
        if config.distinguished {
            let elected = config
                .proposers
                .iter()
                .filter(|&&p| !self.watch.suspects(p))
                .max();
            elected == Some(&self.me)
        } else {
            config.proposers.contains(&self.me)
        }
    }

    fn majority(ctx: &Ctx<'_, Self>) -> usize {
        ctx.nodes() as usize / 2 + 1
    }

    /// Writes what must survive a crash (unless the acceptor is the broken kind, which keeps
    /// promises and acceptances in memory only).
    fn persist(&self, ctx: &mut Ctx<'_, Self>) {
        let mut stable = self.stable.clone();
        if ctx.config().broken_acceptor {
            stable.promised = None;
            stable.accepted = None;
        }
        ctx.persist(stable);
    }

    fn propose(&mut self, ctx: &mut Ctx<'_, Self>) {
        if self.stable.decided.is_some() {
            return;
        }
        self.stable.round += 1;
        self.persist(ctx);
        let ballot = (self.stable.round, self.me);
        self.started.get_or_insert(ctx.now());
        self.phase = Phase::Preparing {
            ballot,
            promised: BTreeSet::new(),
            highest: None,
        };
        ctx.observe_detail(
            ObservationKind::Ballot,
            None,
            format!("ballot ({}, n{})", ballot.0, ballot.1 + 1),
        );
        for node in 0..ctx.nodes() {
            ctx.send(node, Msg::Prepare(ballot));
        }
        let retry = ctx.config().retry;
        ctx.set_timer(retry, Timer::Retry(ballot));
    }

    fn decide(&mut self, ctx: &mut Ctx<'_, Self>, value: u64) {
        if self.stable.decided.is_none() {
            self.stable.decided = Some(value);
            self.persist(ctx);
            ctx.observe(ObservationKind::Decide, None);
        }
    }
}

impl Protocol for Paxos {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = Stable;
    type Config = PaxosConfig;
    const NAME: &'static str = "paxos";

    fn boot(ctx: &mut Ctx<'_, Self>, stable: &Stable) -> Self {
        let config = ctx.config().clone();
        let watch = match config.heartbeat {
            Some(interval) if config.distinguished => {
                Watch::start(ctx, interval, config.timeout, Timer::Beat, Timer::Check)
            }
            _ => Watch::off(),
        };
        let mut node = Paxos {
            me: ctx.id(),
            proposed_own: false,
            stable: stable.clone(),
            phase: Phase::Idle,
            started: None,
            nacks: 0,
            watch,
        };
        if node.may_propose(ctx) {
            node.propose(ctx);
        }
        node
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        match msg {
            Msg::Heartbeat => {
                let config = ctx.config();
                let (interval, timeout) = (config.heartbeat.unwrap_or(0), config.timeout);
                self.watch
                    .heard(ctx, from, interval, timeout, Timer::Check(from));
            }
            Msg::Prepare(ballot) => match self.stable.promised {
                Some(promised) if promised > ballot => ctx.send(from, Msg::Nack(ballot, promised)),
                _ => {
                    self.stable.promised = Some(ballot);
                    self.persist(ctx);
                    ctx.send(from, Msg::Promise(ballot, self.stable.accepted));
                }
            },
            Msg::Accept(ballot, value) => match self.stable.promised {
                Some(promised) if promised > ballot => ctx.send(from, Msg::Nack(ballot, promised)),
                _ => {
                    self.stable.promised = Some(ballot);
                    self.stable.accepted = Some((ballot, value));
                    self.persist(ctx);
                    ctx.send(from, Msg::Accepted(ballot));
                }
            },
            Msg::Promise(ballot, accepted) => {
                let majority = Self::majority(ctx);
                let Phase::Preparing {
                    ballot: current,
                    promised,
                    highest,
                } = &mut self.phase
                else {
                    return;
                };
                if ballot != *current {
                    return;
                }
                promised.insert(from);
                if accepted.is_some_and(|a| highest.is_none_or(|h| a.0 > h.0)) {
                    *highest = accepted;
                }
                if promised.len() >= majority {
                    // P2c: the highest accepted value among the promises, or our own.
                    let value = highest.map_or(u64::from(self.me) + 1, |(_, v)| v);
                    self.proposed_own |= highest.is_none();
                    let ballot = *current;
                    self.phase = Phase::Accepting {
                        ballot,
                        value,
                        accepted: BTreeSet::new(),
                    };
                    for node in 0..ctx.nodes() {
                        ctx.send(node, Msg::Accept(ballot, value));
                    }
                }
            }
            Msg::Accepted(ballot) => {
                let majority = Self::majority(ctx);
                let Phase::Accepting {
                    ballot: current,
                    value,
                    accepted,
                } = &mut self.phase
                else {
                    return;
                };
                if ballot != *current {
                    return;
                }
                accepted.insert(from);
                if accepted.len() >= majority {
                    let value = *value;
                    self.phase = Phase::Idle;
                    if let Some(started) = self.started {
                        ctx.latency("decision", ctx.now() - started);
                    }
                    self.decide(ctx, value);
                    let me = self.me;
                    for node in (0..ctx.nodes()).filter(|&n| n != me) {
                        ctx.send(node, Msg::Decide(value));
                    }
                }
            }
            Msg::Nack(ballot, promised) => {
                let current = match &self.phase {
                    Phase::Preparing { ballot, .. } | Phase::Accepting { ballot, .. } => *ballot,
                    Phase::Idle => return,
                };
                if ballot == current {
                    self.stable.round = self.stable.round.max(promised.0);
                    if ctx.config().backoff {
                        self.nacks += 1;
                        let window = (ctx.config().retry / 4) << self.nacks.min(16);
                        let wait = rand::RngExt::random_range(ctx.rng(), 0..window.max(1));
                        self.phase = Phase::Idle;
                        ctx.set_timer(wait, Timer::Backoff(current));
                    } else {
                        self.propose(ctx);
                    }
                }
            }
            Msg::Decide(value) => self.decide(ctx, value),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        let ballot = match timer {
            Timer::Backoff(_) => {
                self.propose(ctx);
                return;
            }
            Timer::Beat => {
                ctx.broadcast(Msg::Heartbeat);
                if let Some(interval) = ctx.config().heartbeat {
                    ctx.set_timer(interval, Timer::Beat);
                }
                return;
            }
            Timer::Check(peer) => {
                // The distinguished proposer failed: the next one takes over.
                if self.watch.check(ctx, peer, Timer::Check(peer))
                    && self.phase == Phase::Idle
                    && self.may_propose(ctx)
                {
                    self.propose(ctx);
                }
                return;
            }
            Timer::Retry(ballot) => ballot,
        };
        let current = match &self.phase {
            Phase::Preparing { ballot, .. } | Phase::Accepting { ballot, .. } => *ballot,
            Phase::Idle => return,
        };
        if ballot == current && self.stable.decided.is_none() {
            self.propose(ctx);
        }
    }

    /// The trace asks this node to propose; with a distinguished proposer only the elected one
    /// does.
    fn on_elect(&mut self, ctx: &mut Ctx<'_, Self>) {
        if !ctx.config().distinguished || self.may_propose(ctx) {
            self.propose(ctx);
        }
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Heartbeat => "heartbeat",
            Msg::Prepare(_) => "prepare",
            Msg::Promise(..) => "promise",
            Msg::Nack(..) => "nack",
            Msg::Accept(..) => "accept",
            Msg::Accepted(_) => "accepted",
            Msg::Decide(_) => "decide",
        }
    }
}

/// No two nodes decide different values — including a node that decided and has crashed since:
/// the first value decided is remembered.
#[derive(Debug, Default)]
pub struct Agreement {
    /// The first decision: value, node, time.
    first: Option<(u64, NodeIdx, Nanos)>,
}

impl Invariant<Paxos> for Agreement {
    fn name(&self) -> &'static str {
        "agreement"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, Paxos>) -> Option<String> {
        let decisions = nodes
            .iter()
            .enumerate()
            .filter_map(|(id, n)| Some((n.as_ref()?.decided()?, id as NodeIdx)));
        let mut conflict = None;
        for (value, node) in decisions {
            match self.first {
                None => self.first = Some((value, node, now)),
                Some((first, _, _)) if first != value && conflict.is_none() => {
                    conflict = Some((value, node));
                }
                Some(_) => {}
            }
        }
        let ((value, node), (first, by, at)) = (conflict?, self.first?);
        Some(format!(
            "n{} decided {value} at {:.6} s, but n{} decided {first} at {:.6} s",
            node + 1,
            to_secs(now),
            by + 1,
            to_secs(at)
        ))
    }
}

/// Only a value some proposer proposed is decided. The values proposed are gathered as the run
/// goes (a node proposes its own value, its number, when no promise reported an accepted one),
/// so a node asked to propose by an `elect` event counts too.
#[derive(Debug, Default)]
pub struct Validity {
    proposed: BTreeSet<u64>,
}

impl Invariant<Paxos> for Validity {
    fn name(&self) -> &'static str {
        "validity"
    }

    fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, Paxos>) -> Option<String> {
        let live = nodes.iter().flatten();
        self.proposed.extend(
            live.clone()
                .filter(|n| n.proposed_own)
                .map(|n| u64::from(n.me) + 1),
        );
        live.filter_map(|n| n.decided())
            .find(|v| !self.proposed.contains(v))
            .map(|v| format!("decided {v}, which nobody proposed"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(me: NodeIdx, decided: Option<u64>) -> Paxos {
        Paxos {
            me,
            proposed_own: decided == Some(u64::from(me) + 1),
            stable: Stable {
                decided,
                ..Stable::default()
            },
            phase: Phase::Idle,
            started: None,
            nacks: 0,
            watch: Watch::off(),
        }
    }

    #[test]
    fn agreement_remembers_a_value_whose_deciders_crashed() {
        let mut agreement = Agreement::default();
        let (n1, n3) = (node(0, Some(1)), node(2, Some(3)));
        assert_eq!(
            agreement.check(0, &Nodes::from(&[Some(&n1), None, None][..])),
            None
        );
        // n1 crashed; n3 decides its own value.
        assert_eq!(
            agreement
                .check(2_500_000, &Nodes::from(&[None, None, Some(&n3)][..]))
                .as_deref(),
            Some("n3 decided 3 at 0.002500 s, but n1 decided 1 at 0.000000 s")
        );
    }

    #[test]
    fn validity_knows_only_values_that_were_proposed() {
        let mut validity = Validity::default();
        let n2 = node(1, Some(2));
        assert_eq!(validity.check(0, &Nodes::from(&[Some(&n2)][..])), None);
        let mut n3 = node(2, Some(1));
        n3.proposed_own = false;
        assert_eq!(
            validity
                .check(1, &Nodes::from(&[None, None, Some(&n3)][..]))
                .as_deref(),
            Some("decided 1, which nobody proposed")
        );
    }
}
