//! The contract between a protocol and the simulator.
//!
//! A protocol is a state machine per node. It never reads a clock, does I/O or touches a global
//! RNG: each handler gets a [`Ctx`] with the virtual time, the node's id, the cluster size and the
//! node's own seeded RNG, and acts only through it: send, broadcast, set or cancel a timer, write
//! stable storage, record an observation or a latency sample. An action takes effect in the
//! simulation's queue, network and metrics (`sim::world`) as it is made, but nothing a handler
//! can read depends on those, so handlers are plain functions of their inputs, and a run is a pure
//! function of the seed and the scenario.
//!
//! Crash-recovery model: a crash drops the node's process (all volatile state and its timers);
//! recovery boots a new process from the node's stable storage (what it last persisted). Stable
//! storage is written in place ([`Ctx::persist`], [`Ctx::stable`]): a crash never interrupts a
//! handler, so a write made before a send is durable before the message leaves.
//!
//! Clients: a cluster may have client endpoints besides its `N` server nodes. They are processes
//! of the same protocol with ids `N..N+C` ([`Ctx::is_client`]); [`Ctx::nodes`] and
//! [`Ctx::broadcast`] cover the servers only, trace faults name servers only, and partitions never
//! cut a client off (a client stands for the outside world, which reaches every side).

use std::fmt::Debug;

use rand_chacha::ChaCha8Rng;

use super::metrics::ObservationKind;
use super::time::Nanos;
use super::world::World;

/// Index of a simulated node: `n1` is 0.
pub type NodeIdx = u32;

/// A timer's handle, for cancelling it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TimerId(pub u64);

/// One protocol's node state and handlers.
pub trait Protocol: Sized {
    /// The messages nodes exchange.
    type Msg: Clone + Debug;
    /// What a timer carries back to its node.
    type Timer: Clone + Debug;
    /// What survives a crash.
    type Stable: Clone + Default + Debug;
    /// Settings shared by every node (intervals, timeouts, ...), read through [`Ctx::config`].
    type Config: Clone + Debug;

    /// The protocol's name in reports.
    const NAME: &'static str;

    /// Whether links deliver in send order, as TCP connections do: a message then never
    /// overtakes an earlier one from the same sender to the same receiver (it waits behind it).
    /// Protocols written for FIFO channels (Zab) set it; the others see independent delays.
    const FIFO: bool = false;

    /// Starts a node's process: at time 0 with default stable storage, or on recovery with
    /// what it persisted ([`Ctx::recovered`] tells which).
    fn boot(ctx: &mut Ctx<'_, Self>, stable: &Self::Stable) -> Self;

    /// A message arrived.
    fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, from: NodeIdx, msg: Self::Msg);

    /// A timer fired.
    fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, timer: Self::Timer);

    /// The trace asks this node to start a leader election (`elect` events).
    fn on_elect(&mut self, _ctx: &mut Ctx<'_, Self>) {}

    /// The message's type, counted in `messages.by_type`.
    fn kind(msg: &Self::Msg) -> &'static str;

    /// For a protocol whose invariants read only what is new in the process that just ran (its
    /// log past a cursor): a count that grows whenever any of that changes. The engine skips
    /// the invariant checks after a step that left the count, and the incarnation, as they were,
    /// since each check would find nothing new. `None` (the default): check after every step.
    fn checked_progress(&self) -> Option<u64> {
        None
    }

    /// Whether the message is a client's request, which takes a server's service time when
    /// servers have finite capacity ([`crate::sim::capacity`]).
    fn is_request(_msg: &Self::Msg) -> bool {
        false
    }

    /// The reply that turns a request away when the server's queue is full; `None` when the
    /// protocol has none (the request is then dropped).
    fn rejection(_msg: &Self::Msg) -> Option<Self::Msg> {
        None
    }
}

/// A handler's view of the world and its only way to act.
pub struct Ctx<'a, P: Protocol> {
    pub(super) config: &'a P::Config,
    pub(super) id: NodeIdx,
    pub(super) nodes: u32,
    pub(super) clients: u32,
    pub(super) recovered: bool,
    pub(super) incarnation: u32,
    pub(super) stable: &'a mut P::Stable,
    pub(super) rng: &'a mut ChaCha8Rng,
    pub(super) world: &'a mut World<P>,
}

impl<P: Protocol> Ctx<'_, P> {
    /// Virtual time now.
    pub fn now(&self) -> Nanos {
        self.world.now
    }

    /// The protocol's settings.
    pub fn config(&self) -> &P::Config {
        self.config
    }

    /// This node.
    pub fn id(&self) -> NodeIdx {
        self.id
    }

    /// The number of server nodes in the cluster (clients not included).
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// The number of client endpoints; their ids follow the servers'.
    pub fn clients(&self) -> u32 {
        self.clients
    }

    /// Whether this process is a client endpoint rather than a server node.
    pub fn is_client(&self) -> bool {
        self.id >= self.nodes
    }

    /// How many times this node has crashed before this process booted.
    pub fn incarnation(&self) -> u32 {
        self.incarnation
    }

    /// Whether this process booted after a crash (only meaningful in [`Protocol::boot`]).
    pub fn recovered(&self) -> bool {
        self.recovered
    }

    /// This node's own seeded random stream.
    pub fn rng(&mut self) -> &mut ChaCha8Rng {
        self.rng
    }

    /// Sends `msg` to `to` (a send to oneself is a local call, not counted as a message).
    pub fn send(&mut self, to: NodeIdx, msg: P::Msg) {
        self.world.send(self.id, to, msg);
    }

    /// Sends `msg` to every other server node.
    pub fn broadcast(&mut self, msg: P::Msg) {
        self.world.broadcast(self.id, msg);
    }

    /// Fires `timer` after `after` nanoseconds; the handle cancels it.
    pub fn set_timer(&mut self, after: Nanos, timer: P::Timer) -> TimerId {
        self.world
            .set_timer(self.id, self.incarnation, after, timer)
    }

    /// Cancels a timer that has not fired yet (a no-op otherwise).
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.world.cancelled.insert(id);
    }

    /// Replaces what survives a crash, durably at once.
    pub fn persist(&mut self, stable: P::Stable) {
        *self.stable = stable;
    }

    /// What survives a crash, to update in place (durably at once): for storage too large to
    /// rewrite whole on every change, such as a replicated log.
    pub fn stable(&mut self) -> &mut P::Stable {
        self.stable
    }

    /// Records an observation in the timeline.
    pub fn observe(&mut self, kind: ObservationKind, peer: Option<NodeIdx>) {
        self.world.observe(Some(self.id), kind, peer, None);
    }

    /// Records an observation with details for the reader of the timeline.
    pub fn observe_detail(&mut self, kind: ObservationKind, peer: Option<NodeIdx>, detail: String) {
        self.world.observe(Some(self.id), kind, peer, Some(detail));
    }

    /// Records a latency sample in the histogram `metric`.
    pub fn latency(&mut self, metric: &'static str, nanos: Nanos) {
        self.world.metrics.record(metric, nanos);
    }
}
