//! Multi-Paxos: a replicated log of client commands (Lamport, "Paxos Made Simple", section 3).
//!
//! Every server node is an acceptor and a learner of every log slot; one of them at a time, the
//! distinguished proposer, is the leader. Leadership is won by ballot: a node runs phase 1 with a
//! ballot `(round, id)` above every round it has seen, and leads once a majority has promised.
//! Who runs is decided by an Ω failure detector: every node sends heartbeats to every other (and
//! any message counts as one), and a node runs for leader when it suspects every node above it
//! (so the highest live node leads, as after a bully election). Detectors that disagree can make two nodes run at once; ballots
//! keep that safe and randomised exponential backoff after a `nack` makes it end.
//!
//! - **Phase 1, once per leadership, for every open slot**: `prepare(ballot, from)` where `from`
//!   is the leader's first undecided slot. An acceptor promises (in stable storage, before it
//!   answers) and sends back every `(slot, ballot, value)` it has accepted from `from` on. With a
//!   majority of promises the new leader re-proposes, for every slot from `from` up to the highest
//!   it heard of, the value accepted with the highest ballot (P2c), or a no-op where nobody
//!   accepted anything; so no chosen command is lost or moved to another slot. New commands take
//!   the slots after that.
//! - **Phase 2, per command**: `accept(ballot, slot, value)` to every node; `accepted` back; with
//!   a majority the leader decides and sends `decide(slot, value)` to the others. With a stable
//!   leader that is exactly `3(N−1)` messages per command, plus the client's `request` and
//!   `reply`. Accepts that get no majority within the retry period are sent again, at doubling
//!   intervals.
//! - **Learning and applying**: a node applies decided slots in slot order to its state machine
//!   (the applied log of commands), skipping no-ops and commands already applied: a client that
//!   retries can get its command decided in two slots, but it is applied once. Heartbeats carry
//!   the sender's first undecided slot; a node that sees it is behind asks with `catchup` and gets
//!   the missing decisions in one `log` message.
//! - **Clients** ([`crate::protocols::client`]) send `request` to the node they believe leads; the leader
//!   replies once the command is applied, another node answers `redirect` with its guess of the
//!   leader. A candidate still in phase 1 holds requests in a bounded queue.
//!
//! Stable storage holds the acceptor state (highest promise, accepted proposals), the decided log
//! and the highest round used. `broken_acceptor` keeps the acceptor state in memory only, so an
//! acceptor that crashes forgets what it promised and accepted, which lets two values be chosen for
//! a slot: the safety checker ([`super::safety`]) must then report it.

use std::collections::BTreeMap;

use rand::RngExt;
use rustc_hash::FxHashMap;

use super::{Ballot, slot_entry};
use crate::protocols::client::command_set::CommandSet;
use crate::protocols::client::{Answer, Client, ClientConfig, ClientTimer, CommandId, Service};
use crate::protocols::detector::omega::Watch;
use crate::protocols::sequence_map::SequenceMap;
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::Nanos;

/// A log position.
pub type Slot = u64;

/// The most requests a candidate holds while it runs phase 1; later ones are redirected.
pub const REQUEST_QUEUE: usize = 1024;

/// The most decisions one `log` message carries.
const CATCHUP_BATCH: usize = 4096;

/// What a slot holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Value {
    /// Fills a slot nobody accepted anything for when a new leader takes over.
    Noop,
    /// A client's command.
    Command(CommandId),
}

impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Value::Noop => f.write_str("no-op"),
            Value::Command(id) => write!(f, "{id}"),
        }
    }
}

/// Settings shared by servers and clients.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiConfig {
    /// Heartbeat interval `h` of the leader detector.
    pub heartbeat: Nanos,
    /// A node is suspected after `h + timeout` of silence.
    pub timeout: Nanos,
    /// A leader re-sends unanswered accepts, and a candidate without a majority of promises
    /// tries a higher ballot, after this long.
    pub retry: Nanos,
    /// Acceptors keep promises and acceptances in memory only.
    pub broken_acceptor: bool,
    /// How the clients pace themselves and resend.
    pub clients: ClientConfig,
}

/// Messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Msg {
    /// Failure detection; carries the sender's first undecided slot.
    Heartbeat(Slot),
    /// Phase 1a for every slot from `from` on.
    Prepare {
        /// The candidate's ballot.
        ballot: Ballot,
        /// Its first undecided slot.
        from: Slot,
    },
    /// Phase 1b: the promise, with every proposal accepted from `from` on.
    Promise {
        /// The ballot promised.
        ballot: Ballot,
        /// `(slot, ballot, value)` accepted.
        accepted: Vec<(Slot, Ballot, Value)>,
    },
    /// The ballot is below a promise.
    Nack {
        /// The ballot refused.
        ballot: Ballot,
        /// The promise that refused it.
        promised: Ballot,
    },
    /// Phase 2a.
    Accept {
        /// The leader's ballot.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
        /// The value proposed.
        value: Value,
    },
    /// Phase 2b.
    Accepted {
        /// The ballot accepted.
        ballot: Ballot,
        /// The slot.
        slot: Slot,
    },
    /// A slot's value is chosen.
    Decide {
        /// The slot.
        slot: Slot,
        /// Its value.
        value: Value,
    },
    /// Send me the decisions from this slot on.
    Catchup(Slot),
    /// Decisions of consecutive slots starting at `from`.
    Log {
        /// The first slot.
        from: Slot,
        /// Their values.
        values: Vec<Value>,
    },
    /// A client's command.
    Request(CommandId),
    /// The command is applied.
    Reply(CommandId),
    /// The server's queue is full: the command was not taken.
    Rejected(CommandId),
    /// Not the leader: try the node named (or the next one, when none is known).
    Redirect {
        /// The command to take there.
        command: CommandId,
        /// The sender's guess of the leader.
        leader: Option<NodeIdx>,
    },
}

/// Timers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Timer {
    /// Send a heartbeat.
    Beat,
    /// A peer's heartbeat deadline may have passed.
    Check(NodeIdx),
    /// Periodic: re-send stale accepts, retry phase 1, run for leader.
    Retry,
    /// A nacked candidate's backoff is over.
    Backoff,
    /// A client's timer.
    Client(ClientTimer),
}

/// An acceptor's promise and acceptances.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Acceptor {
    /// Highest ballot promised.
    pub promised: Option<Ballot>,
    /// Proposals accepted, indexed by slot (slots are dense: a leader numbers them in turn).
    pub accepted: Vec<Option<(Ballot, Value)>>,
}

/// What survives a crash.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stable {
    /// The highest round this node has used or seen.
    pub round: u64,
    /// The acceptor's state (left empty by the broken acceptor, which keeps it in memory).
    pub acceptor: Acceptor,
    /// Learner: decided values by slot.
    pub decided: Vec<Option<Value>>,
}

/// A proposal of the leader waiting for a majority of `accepted`.
#[derive(Debug, Clone)]
struct Proposal {
    value: Value,
    /// Bit `i` set: node `i` accepted.
    accepted: u64,
    /// When the accepts were last sent.
    sent: Nanos,
    /// How often they were sent again: each resend waits twice as long (up to 16 retry periods),
    /// so a leader cut off from a majority does not flood the network.
    resends: u32,
}

/// A node's part in leadership.
#[derive(Debug, Clone)]
enum Role {
    /// Not running for leader.
    Follower,
    /// Nacked: waiting out a random backoff before running again.
    BackingOff,
    /// Phase 1 under way.
    Preparing {
        ballot: Ballot,
        from: Slot,
        /// Bit `i` set: node `i` promised.
        promised: u64,
        /// The highest-ballot proposal heard of, per slot.
        highest: BTreeMap<Slot, (Ballot, Value)>,
        started: Nanos,
    },
    /// Phase 1 done: proposing.
    Leading {
        ballot: Ballot,
        next: Slot,
        proposals: SequenceMap<Proposal>,
    },
}

/// One server node: acceptor, learner and, when it leads, proposer.
#[derive(Debug, Clone)]
pub struct Replica {
    me: NodeIdx,
    incarnation: u32,
    /// The broken acceptor's state, in memory only (unused by a correct acceptor, whose state
    /// lives in stable storage with the round and the decided log).
    forgetful: Acceptor,
    /// Slots below this are decided and applied.
    first_undecided: Slot,
    /// The state machine: commands in the order applied.
    applied: Vec<CommandId>,
    applied_set: CommandSet,
    /// Decisions learned by this process, in the order learned (for the safety checker).
    decisions: Vec<(Slot, Value)>,
    watch: Watch,
    role: Role,
    nacks: u32,
    /// The first undecided slot when a heartbeat last showed a node ahead: asking for a catch-up
    /// waits until a second heartbeat finds this node still stuck there, so that a `decide`
    /// overtaken by a heartbeat does not cause one.
    stuck_at: Option<Slot>,
    /// Requests held while running for leader.
    waiting: Vec<(CommandId, NodeIdx)>,
    /// Who to reply to once a command is applied.
    reply_to: FxHashMap<CommandId, NodeIdx>,
}

/// A Multi-Paxos endpoint: a server node or a client.
#[derive(Debug, Clone)]
pub enum MultiPaxos {
    /// A server node.
    Replica(Box<Replica>),
    /// A client.
    Client(Box<Client>),
}

impl MultiPaxos {
    /// The server node, if this is one.
    pub fn replica(&self) -> Option<&Replica> {
        match self {
            MultiPaxos::Replica(r) => Some(r),
            MultiPaxos::Client(_) => None,
        }
    }

    /// The client, if this is one.
    pub fn client(&self) -> Option<&Client> {
        match self {
            MultiPaxos::Client(c) => Some(c),
            MultiPaxos::Replica(_) => None,
        }
    }
}

fn majority(nodes: u32) -> u32 {
    nodes / 2 + 1
}

fn bit(node: NodeIdx) -> u64 {
    1 << node
}

/// The value decided for `slot`, if known (the decided log lives in stable storage).
fn decided(ctx: &mut Ctx<'_, MultiPaxos>, slot: Slot) -> Option<Value> {
    ctx.stable().decided.get(slot as usize).copied().flatten()
}

/// Sends `accept(ballot, slot, value)` to every node not in the bit set `skip`.
fn send_accepts(
    ctx: &mut Ctx<'_, MultiPaxos>,
    ballot: Ballot,
    slot: Slot,
    value: Value,
    skip: u64,
) {
    for node in (0..ctx.nodes()).filter(|&n| skip & bit(n) == 0) {
        ctx.send(
            node,
            Msg::Accept {
                ballot,
                slot,
                value,
            },
        );
    }
}

impl Replica {
    /// This node.
    pub fn me(&self) -> NodeIdx {
        self.me
    }

    /// How many crashes this node had before this process booted.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// Decisions learned by this process, in the order learned (a recovered process starts with
    /// those of its stable log, in slot order).
    pub fn decisions(&self) -> &[(Slot, Value)] {
        &self.decisions
    }

    /// The commands applied, in order.
    pub fn applied(&self) -> &[CommandId] {
        &self.applied
    }

    /// Whether this node leads (phase 1 done).
    pub fn leads(&self) -> bool {
        matches!(self.role, Role::Leading { .. })
    }

    /// The number of slots decided and applied.
    pub fn log_length(&self) -> Slot {
        self.first_undecided
    }

    fn boot(ctx: &mut Ctx<'_, MultiPaxos>, stable: &Stable) -> Self {
        let config = ctx.config().clone();
        let watch = Watch::start(
            ctx,
            config.heartbeat,
            config.timeout,
            Timer::Beat,
            Timer::Check,
        );
        ctx.set_timer(config.retry, Timer::Retry);
        let mut node = Replica {
            me: ctx.id(),
            incarnation: ctx.incarnation(),
            forgetful: Acceptor::default(),
            first_undecided: 0,
            applied: Vec::new(),
            applied_set: CommandSet::default(),
            decisions: Vec::new(),
            watch,
            role: Role::Follower,
            nacks: 0,
            stuck_at: None,
            waiting: Vec::new(),
            reply_to: FxHashMap::default(),
        };
        node.decisions = (0..)
            .zip(&stable.decided)
            .filter_map(|(slot, v)| v.map(|v| (slot, v)))
            .collect();
        node.apply(ctx);
        if node.omega(ctx) == node.me {
            node.run_for_leader(ctx);
        }
        node
    }

    /// Ω: the highest node this one does not suspect (itself at worst).
    fn omega(&self, ctx: &Ctx<'_, MultiPaxos>) -> NodeIdx {
        self.watch.trusted_leader(self.me, ctx.nodes())
    }

    /// The acceptor's state: in stable storage, or in memory for the broken acceptor.
    fn acceptor<'a>(&'a mut self, ctx: &'a mut Ctx<'_, MultiPaxos>) -> &'a mut Acceptor {
        if ctx.config().broken_acceptor {
            &mut self.forgetful
        } else {
            &mut ctx.stable().acceptor
        }
    }

    fn run_for_leader(&mut self, ctx: &mut Ctx<'_, MultiPaxos>) {
        let stable = ctx.stable();
        stable.round += 1;
        let ballot = (stable.round, self.me);
        let from = self.first_undecided;
        self.role = Role::Preparing {
            ballot,
            from,
            promised: 0,
            highest: BTreeMap::new(),
            started: ctx.now(),
        };
        ctx.observe_detail(
            ObservationKind::Ballot,
            None,
            format!("ballot ({}, n{})", ballot.0, ballot.1 + 1),
        );
        for node in 0..ctx.nodes() {
            ctx.send(node, Msg::Prepare { ballot, from });
        }
    }

    fn step_down(&mut self, ctx: &mut Ctx<'_, MultiPaxos>) {
        if matches!(self.role, Role::Leading { .. }) {
            ctx.observe(ObservationKind::LeftLead, None);
        }
        self.role = Role::Follower;
        let hint = self.leader_hint(ctx);
        for (command, client) in std::mem::take(&mut self.waiting) {
            ctx.send(
                client,
                Msg::Redirect {
                    command,
                    leader: hint,
                },
            );
        }
    }

    /// Whom to send clients to: Ω, unless that is this node.
    fn leader_hint(&self, ctx: &Ctx<'_, MultiPaxos>) -> Option<NodeIdx> {
        Some(self.omega(ctx)).filter(|&n| n != self.me)
    }

    fn current_ballot(&self) -> Option<Ballot> {
        match &self.role {
            Role::Preparing { ballot, .. } | Role::Leading { ballot, .. } => Some(*ballot),
            Role::Follower | Role::BackingOff => None,
        }
    }

    /// A higher ballot is about: stop proposing under ours.
    fn saw_ballot(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, ballot: Ballot) {
        let round = &mut ctx.stable().round;
        *round = (*round).max(ballot.0);
        if self.current_ballot().is_some_and(|mine| mine < ballot) {
            self.step_down(ctx);
        }
    }

    /// An acceptor's first step for `prepare` and `accept`: a ballot below its promise is
    /// refused with a `nack` (false); otherwise the ballot becomes its promise (true).
    fn promise(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, from: NodeIdx, ballot: Ballot) -> bool {
        if let Some(promised) = self.acceptor(ctx).promised.filter(|&p| p > ballot) {
            ctx.send(from, Msg::Nack { ballot, promised });
            return false;
        }
        self.saw_ballot(ctx, ballot);
        self.acceptor(ctx).promised = Some(ballot);
        true
    }

    fn propose(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, slot: Slot, value: Value) {
        let Role::Leading {
            ballot, proposals, ..
        } = &mut self.role
        else {
            return;
        };
        let ballot = *ballot;
        proposals.insert(
            slot,
            Proposal {
                value,
                accepted: 0,
                sent: ctx.now(),
                resends: 0,
            },
        );
        send_accepts(ctx, ballot, slot, value, 0);
    }

    /// Takes a client's command: proposes it, or just notes whom to reply to if it is already
    /// proposed or decided.
    fn take_request(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, command: CommandId, client: NodeIdx) {
        if self.applied_set.contains(&command) {
            ctx.send(client, Msg::Reply(command));
            return;
        }
        self.reply_to.insert(command, client);
        let Role::Leading {
            next, proposals, ..
        } = &mut self.role
        else {
            return;
        };
        let value = Value::Command(command);
        let decided_unapplied = ctx
            .stable()
            .decided
            .get(self.first_undecided as usize..)
            .is_some_and(|rest| rest.contains(&Some(value)));
        if decided_unapplied || proposals.values().any(|p| p.value == value) {
            return;
        }
        let slot = *next;
        *next += 1;
        self.propose(ctx, slot, value);
    }

    fn on_request(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, from: NodeIdx, command: CommandId) {
        match self.role {
            Role::Leading { .. } => self.take_request(ctx, command, from),
            Role::Preparing { .. } | Role::BackingOff
                if self.waiting.len() < REQUEST_QUEUE && !self.applied_set.contains(&command) =>
            {
                self.waiting.push((command, from));
            }
            _ if self.applied_set.contains(&command) => ctx.send(from, Msg::Reply(command)),
            _ => {
                let leader = self.leader_hint(ctx);
                ctx.send(from, Msg::Redirect { command, leader });
            }
        }
    }

    fn on_promise(
        &mut self,
        ctx: &mut Ctx<'_, MultiPaxos>,
        from: NodeIdx,
        ballot: Ballot,
        accepted: Vec<(Slot, Ballot, Value)>,
    ) {
        let Role::Preparing {
            ballot: mine,
            from: first,
            promised,
            highest,
            ..
        } = &mut self.role
        else {
            return;
        };
        if ballot != *mine {
            return;
        }
        *promised |= bit(from);
        for (slot, b, v) in accepted {
            if highest.get(&slot).is_none_or(|(hb, _)| b > *hb) {
                highest.insert(slot, (b, v));
            }
        }
        if promised.count_ones() < majority(ctx.nodes()) {
            return;
        }
        let (ballot, first, highest) = (*mine, *first, std::mem::take(highest));
        let last_known = highest
            .keys()
            .next_back()
            .copied()
            .into_iter()
            .chain((ctx.stable().decided.len() as Slot).checked_sub(1))
            .max();
        let next = last_known.map_or(first, |s| s + 1).max(first);
        self.role = Role::Leading {
            ballot,
            next,
            proposals: SequenceMap::default(),
        };
        self.nacks = 0;
        ctx.observe(ObservationKind::TookLead, Some(self.me));
        // P2c for every open slot: the highest accepted value, or a no-op.
        for slot in first..next {
            if decided(ctx, slot).is_none() {
                let value = highest.get(&slot).map_or(Value::Noop, |&(_, v)| v);
                self.propose(ctx, slot, value);
            }
        }
        for (command, client) in std::mem::take(&mut self.waiting) {
            self.take_request(ctx, command, client);
        }
    }

    fn on_accepted(
        &mut self,
        ctx: &mut Ctx<'_, MultiPaxos>,
        from: NodeIdx,
        ballot: Ballot,
        slot: Slot,
    ) {
        let Role::Leading {
            ballot: mine,
            proposals,
            ..
        } = &mut self.role
        else {
            return;
        };
        if ballot != *mine {
            return;
        }
        let Some(proposal) = proposals.get_mut(slot) else {
            return;
        };
        proposal.accepted |= bit(from);
        if proposal.accepted.count_ones() < majority(ctx.nodes()) {
            return;
        }
        let value = proposal.value;
        proposals.remove(slot);
        ctx.broadcast(Msg::Decide { slot, value });
        self.decide(ctx, slot, value);
    }

    fn on_nack(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, ballot: Ballot, promised: Ballot) {
        if self.current_ballot() != Some(ballot) {
            return;
        }
        self.saw_ballot(ctx, promised);
        self.back_off(ctx);
    }

    /// Phase 1 failed (nacked, or no majority in time): wait a random, exponentially growing
    /// time (up to 16 retry periods) before running again, if still Ω.
    fn back_off(&mut self, ctx: &mut Ctx<'_, MultiPaxos>) {
        self.role = Role::BackingOff;
        self.nacks += 1;
        let window = (ctx.config().retry / 4) << self.nacks.min(6);
        let wait = ctx.rng().random_range(0..window.max(1));
        ctx.set_timer(wait, Timer::Backoff);
    }

    /// Learns that `slot` holds `value` (the first time only), then applies what it can.
    fn decide(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, slot: Slot, value: Value) {
        let decided = slot_entry(&mut ctx.stable().decided, slot, None);
        if decided.is_some() {
            return;
        }
        *decided = Some(value);
        self.decisions.push((slot, value));
        if let Role::Leading { proposals, .. } = &mut self.role {
            proposals.remove(slot);
        }
        self.apply(ctx);
    }

    /// Applies decided slots in order, each command once, replying to waiting clients.
    fn apply(&mut self, ctx: &mut Ctx<'_, MultiPaxos>) {
        while let Some(value) = decided(ctx, self.first_undecided) {
            self.first_undecided += 1;
            let Value::Command(command) = value else {
                continue;
            };
            if self.applied_set.insert(command) {
                self.applied.push(command);
            }
            if let Some(client) = self.reply_to.remove(&command) {
                ctx.send(client, Msg::Reply(command));
            }
        }
    }

    fn on_retry(&mut self, ctx: &mut Ctx<'_, MultiPaxos>) {
        let retry = ctx.config().retry;
        let now = ctx.now();
        let candidate = self.omega(ctx) == self.me;
        ctx.set_timer(retry, Timer::Retry);
        match &mut self.role {
            Role::Preparing { started, .. } if *started + retry <= now => self.back_off(ctx),
            Role::Leading {
                ballot, proposals, ..
            } => {
                let ballot = *ballot;
                for (slot, proposal) in proposals.iter_mut() {
                    if proposal.sent + (retry << proposal.resends.min(4)) > now {
                        continue;
                    }
                    proposal.sent = now;
                    proposal.resends += 1;
                    send_accepts(ctx, ballot, slot, proposal.value, proposal.accepted);
                }
            }
            Role::Follower if candidate => self.run_for_leader(ctx),
            _ => {}
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, from: NodeIdx, msg: Msg) {
        if from < ctx.nodes() && from != self.me {
            // Any message is a sign of life: a candidate pre-empted by a node it suspected
            // trusts it again at once instead of pre-empting it back.
            let (interval, timeout) = (ctx.config().heartbeat, ctx.config().timeout);
            self.watch
                .heard(ctx, from, interval, timeout, Timer::Check(from));
        }
        match msg {
            Msg::Heartbeat(first_undecided) => {
                if first_undecided > self.first_undecided {
                    if self.stuck_at == Some(self.first_undecided) {
                        ctx.send(from, Msg::Catchup(self.first_undecided));
                    }
                    self.stuck_at = Some(self.first_undecided);
                }
            }
            Msg::Prepare {
                ballot,
                from: first,
            } => {
                if self.promise(ctx, from, ballot) {
                    let accepted = (first..)
                        .zip(self.acceptor(ctx).accepted.iter().skip(first as usize))
                        .filter_map(|(slot, proposal)| proposal.map(|(b, v)| (slot, b, v)))
                        .collect();
                    ctx.send(from, Msg::Promise { ballot, accepted });
                }
            }
            Msg::Promise { ballot, accepted } => self.on_promise(ctx, from, ballot, accepted),
            Msg::Nack { ballot, promised } => self.on_nack(ctx, ballot, promised),
            Msg::Accept {
                ballot,
                slot,
                value,
            } => {
                if self.promise(ctx, from, ballot) {
                    *slot_entry(&mut self.acceptor(ctx).accepted, slot, None) =
                        Some((ballot, value));
                    ctx.send(from, Msg::Accepted { ballot, slot });
                }
            }
            Msg::Accepted { ballot, slot } => self.on_accepted(ctx, from, ballot, slot),
            Msg::Decide { slot, value } => self.decide(ctx, slot, value),
            Msg::Catchup(first) => {
                let end = (self.first_undecided as usize).min(first as usize + CATCHUP_BATCH);
                if let Some(known) = ctx.stable().decided.get(first as usize..end) {
                    let values = known.iter().flatten().copied().collect();
                    ctx.send(
                        from,
                        Msg::Log {
                            from: first,
                            values,
                        },
                    );
                }
            }
            Msg::Log {
                from: first,
                values,
            } => {
                for (slot, value) in (first..).zip(values) {
                    self.decide(ctx, slot, value);
                }
            }
            Msg::Request(command) => self.on_request(ctx, from, command),
            Msg::Reply(_) | Msg::Redirect { .. } | Msg::Rejected(_) => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, MultiPaxos>, timer: Timer) {
        match timer {
            Timer::Beat => {
                ctx.broadcast(Msg::Heartbeat(self.first_undecided));
                ctx.set_timer(ctx.config().heartbeat, Timer::Beat);
            }
            Timer::Check(peer) => {
                let suspected = self.watch.check(ctx, peer, Timer::Check(peer));
                if suspected && matches!(self.role, Role::Follower) && self.omega(ctx) == self.me {
                    self.run_for_leader(ctx);
                }
            }
            Timer::Retry => self.on_retry(ctx),
            Timer::Backoff => {
                if matches!(self.role, Role::BackingOff) {
                    if self.omega(ctx) == self.me {
                        self.run_for_leader(ctx);
                    } else {
                        self.step_down(ctx);
                    }
                }
            }
            Timer::Client(_) => {}
        }
    }
}

impl Service for MultiPaxos {
    fn request(command: CommandId) -> Msg {
        Msg::Request(command)
    }

    fn answer(msg: &Msg) -> Option<Answer> {
        match *msg {
            Msg::Reply(command) => Some(Answer::Reply(command)),
            Msg::Redirect { command, leader } => Some(Answer::Redirect { command, leader }),
            Msg::Rejected(command) => Some(Answer::Rejected(command)),
            _ => None,
        }
    }

    fn client_timer(timer: ClientTimer) -> Timer {
        Timer::Client(timer)
    }

    fn client_config(config: &MultiConfig) -> ClientConfig {
        config.clients
    }
}

impl Protocol for MultiPaxos {
    type Msg = Msg;
    type Timer = Timer;
    type Stable = Stable;
    type Config = MultiConfig;
    const NAME: &'static str = "multi-paxos";

    fn boot(ctx: &mut Ctx<'_, Self>, stable: &Stable) -> Self {
        if ctx.is_client() {
            MultiPaxos::Client(Box::new(Client::boot(ctx)))
        } else {
            MultiPaxos::Replica(Box::new(Replica::boot(ctx, stable)))
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Msg) {
        match self {
            MultiPaxos::Replica(r) => r.on_message(ctx, from, msg),
            MultiPaxos::Client(c) => c.on_message(ctx, from, &msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Timer) {
        match self {
            MultiPaxos::Replica(r) => r.on_timer(ctx, timer),
            MultiPaxos::Client(c) => {
                if let Timer::Client(timer) = timer {
                    c.on_timer(ctx, timer);
                }
            }
        }
    }

    fn on_elect(&mut self, ctx: &mut Ctx<'_, Self>) {
        if let MultiPaxos::Replica(r) = self
            && !matches!(r.role, Role::Leading { .. } | Role::Preparing { .. })
        {
            r.run_for_leader(ctx);
        }
    }

    fn kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::Heartbeat(_) => "heartbeat",
            Msg::Prepare { .. } => "prepare",
            Msg::Promise { .. } => "promise",
            Msg::Nack { .. } => "nack",
            Msg::Accept { .. } => "accept",
            Msg::Accepted { .. } => "accepted",
            Msg::Decide { .. } => "decide",
            Msg::Catchup(_) => "catchup",
            Msg::Log { .. } => "log",
            Msg::Request(_) => "request",
            Msg::Reply(_) => "reply",
            Msg::Redirect { .. } => "redirect",
            Msg::Rejected(_) => "rejected",
        }
    }

    /// The invariants (agreement, validity, integrity, log-prefix) read a replica's decisions
    /// and applied commands past their cursors, and nothing of a client that ran.
    fn checked_progress(&self) -> Option<u64> {
        let logged = self
            .replica()
            .map_or(0, |r| r.decisions().len() + r.applied().len());
        Some(logged as u64)
    }

    fn is_request(msg: &Msg) -> bool {
        matches!(msg, Msg::Request(_))
    }

    fn rejection(msg: &Msg) -> Option<Msg> {
        match *msg {
            Msg::Request(command) => Some(Msg::Rejected(command)),
            _ => None,
        }
    }
}
