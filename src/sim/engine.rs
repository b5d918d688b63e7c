//! The discrete-event engine.
//!
//! One queue of events ordered by time, and among simultaneous events by the order in which they
//! were scheduled ([`super::queue`]), so a run is fully determined by the seed and the scenario.
//! Node `i` draws from ChaCha8 stream `i + 1` of the seed and the network from stream 0; a
//! node's stream survives its crashes, so a recovery does not replay the random choices of the
//! process before it.
//!
//! Each event is one of: a message delivery, a timer, or a scenario fault. Delivering a message
//! or firing a timer runs one handler of one node; its actions take effect as it makes them
//! (`sim::world`: sends draw their delay, timers are scheduled, stable storage is written,
//! samples are recorded). Invariants are checked after every handler and every fault.
//!
//! Rules (DESIGN.md): sends to oneself are local calls, delivered at once and not counted; every
//! other send counts in `messages.total`; a send over a cut link, a lost one, and one that arrives
//! at a crashed or paused node count in `dropped`. A protocol that asks for FIFO links gets them
//! as TCP connections give them: a message's arrival is no earlier than the previous arrival on
//! its link (equal times keep the send order); loss delays a message by retransmissions rather
//! than dropping it; a cut link holds what is sent over it until the partition heals (then it
//! goes, in order); a paused receiver reads what arrived when it resumes; only a crashed
//! receiver drops it (its connections die with it). A paused node handles nothing: its timers fire
//! when it resumes. Timers die with the process that set them. With a capacity
//! ([`crate::sim::capacity`]), a client's request waits at its server for its service and is
//! handled when that completes (or is turned away at once by a full queue).

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::Serialize;

use super::capacity::{Admission, Capacity, ServerQueue};
use super::delay::DelayModel;
use super::metrics::{Metrics, ObservationKind};
use super::network::Network;
use super::protocol::{Ctx, NodeIdx, Protocol};
use super::scenario::Fault;
use super::time::Nanos;
use super::world::{Event, World};

/// A named safety property checked as the run goes.
pub trait Invariant<P: Protocol> {
    /// The property's name in reports (`single-leader`, ...).
    fn name(&self) -> &'static str;

    /// `Some(detail)` when the property does not hold now; `nodes.get(i)` is node `i`'s live
    /// process, or `None` while it is crashed.
    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, P>) -> Option<String>;
}

/// The processes of a run by node, as invariants read them: `get(i)` is node (or client) `i`'s
/// live process, or `None` while it is crashed. A view, built for free at every check. It also
/// says which processes may have changed since the previous check ([`Nodes::changed`]), for
/// invariants that read only what is new.
pub struct Nodes<'a, P: Protocol> {
    backing: Backing<'a, P>,
    /// The one node whose handler ran (or which booted) since the previous check; `None` after a
    /// fault, or for a view made by hand: any may have changed.
    changed: Option<usize>,
}

enum Backing<'a, P: Protocol> {
    Slots(&'a [Slot<P>]),
    Processes(&'a [Option<&'a P>]),
}

impl<'a, P: Protocol> Nodes<'a, P> {
    /// Nodes and clients in all.
    pub fn len(&self) -> usize {
        match self.backing {
            Backing::Slots(slots) => slots.len(),
            Backing::Processes(processes) => processes.len(),
        }
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Node `i`'s live process.
    pub fn get(&self, i: usize) -> Option<&'a P> {
        match self.backing {
            Backing::Slots(slots) => slots.get(i).and_then(|s| s.process.as_ref()),
            Backing::Processes(processes) => processes.get(i).copied().flatten(),
        }
    }

    /// Every node's live process (or `None`), in node order.
    pub fn iter(
        &self,
    ) -> impl DoubleEndedIterator<Item = Option<&'a P>> + ExactSizeIterator + Clone + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// The live processes that may have changed since the previous check: the one whose
    /// handler just ran, or every one after a fault.
    pub fn changed(&self) -> impl Iterator<Item = &'a P> + '_ {
        let range = match self.changed {
            Some(node) => node..node + 1,
            None => 0..self.len(),
        };
        range.filter_map(|i| self.get(i))
    }
}

impl<'a, P: Protocol> From<&'a [Option<&'a P>]> for Nodes<'a, P> {
    /// A view of processes listed by hand (for testing an invariant).
    fn from(processes: &'a [Option<&'a P>]) -> Self {
        Nodes {
            backing: Backing::Processes(processes),
            changed: None,
        }
    }
}

/// A property that did not hold: data, not an error.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Violation {
    /// The invariant's name.
    pub name: &'static str,
    /// When it started not to hold, seconds.
    pub time_s: f64,
    /// What was seen.
    pub detail: String,
}

/// One node's slot: its live process (if any), stable storage and random stream.
struct Slot<P: Protocol> {
    process: Option<P>,
    stable: P::Stable,
    incarnation: u32,
    paused_until: Nanos,
    /// With FIFO links: what arrived while the process was paused, in order.
    inbox: Vec<(NodeIdx, P::Msg)>,
    rng: ChaCha8Rng,
    /// The incarnation and [`Protocol::checked_progress`] at the last invariant check.
    checked: Option<(u32, u64)>,
}

/// Settings of a run.
#[derive(Debug, Clone)]
pub struct Config<P: Protocol> {
    /// Number of server nodes, `n1..nN`.
    pub nodes: u32,
    /// Number of client endpoints (ids `N..N+C`), never crashed and never partitioned away.
    pub clients: u32,
    /// The seed every random stream derives from.
    pub seed: u64,
    /// The network at the start.
    pub network: Network,
    /// The protocol's settings.
    pub protocol: P::Config,
    /// The servers' capacity for client requests (none: infinite).
    pub capacity: Option<Capacity>,
}

/// A simulation of one protocol on one cluster.
pub struct Simulation<P: Protocol> {
    config: P::Config,
    events: u64,
    slots: Vec<Slot<P>>,
    /// The clock, the queue, the network and the metrics.
    world: World<P>,
    invariants: Vec<Box<dyn Invariant<P>>>,
    broken: Vec<bool>,
    violations: Vec<Violation>,
    capacity: Option<Capacity>,
    /// With a capacity: each server's queue of client requests.
    queues: Vec<ServerQueue>,
}

/// Node names as a trace writes them: `n1 n2 n3`.
fn names(nodes: &[NodeIdx]) -> String {
    nodes
        .iter()
        .map(|n| format!("n{}", n + 1))
        .collect::<Vec<_>>()
        .join(" ")
}

/// A stream of the seed: 0 for the network, `i + 1` for node `i`.
fn stream(seed: u64, stream: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(stream);
    rng
}

/// Sets up a [`Simulation`]: `Simulation::<P>::builder(config).nodes(5).seed(7).build()`.
/// Unset, a run has 3 nodes, no clients, seed 1, a constant 1 ms network without loss or
/// processing time, no invariants and no faults.
pub struct SimulationBuilder<P: Protocol> {
    protocol: P::Config,
    nodes: u32,
    clients: u32,
    seed: u64,
    delay: DelayModel,
    processing: Nanos,
    loss: f64,
    capacity: Option<Capacity>,
    invariants: Vec<Box<dyn Invariant<P>>>,
    faults: Vec<(Nanos, Fault)>,
}

impl<P: Protocol> SimulationBuilder<P> {
    /// Number of server nodes, `n1..nN`.
    pub fn nodes(mut self, nodes: u32) -> Self {
        self.nodes = nodes;
        self
    }

    /// Number of client endpoints.
    pub fn clients(mut self, clients: u32) -> Self {
        self.clients = clients;
        self
    }

    /// The seed every random stream derives from.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The network's delay model at the start.
    pub fn delay(mut self, delay: DelayModel) -> Self {
        self.delay = delay;
        self
    }

    /// The receiver's processing time `r`.
    pub fn processing(mut self, processing: Nanos) -> Self {
        self.processing = processing;
        self
    }

    /// The message-loss probability at the start.
    pub fn loss(mut self, loss: f64) -> Self {
        self.loss = loss;
        self
    }

    /// Servers with finite capacity for client requests (none: infinite, the default).
    pub fn capacity(mut self, capacity: Option<Capacity>) -> Self {
        self.capacity = capacity;
        self
    }

    /// A safety property to check after every step.
    pub fn check(mut self, invariant: impl Invariant<P> + 'static) -> Self {
        self.invariants.push(Box::new(invariant));
        self
    }

    /// Scenario faults (times from the start of the run).
    pub fn faults(mut self, faults: impl IntoIterator<Item = (Nanos, Fault)>) -> Self {
        self.faults.extend(faults);
        self
    }

    /// The simulation, booted at time 0, its invariants checked once and its faults scheduled.
    pub fn build(self) -> Simulation<P> {
        let mut sim = Simulation::new(Config {
            nodes: self.nodes,
            clients: self.clients,
            seed: self.seed,
            network: Network::new(self.nodes, self.delay, self.processing, self.loss),
            protocol: self.protocol,
            capacity: self.capacity,
        });
        for invariant in self.invariants {
            sim.check(invariant);
        }
        sim.schedule(self.faults);
        sim
    }
}

impl<P: Protocol> Simulation<P> {
    /// A builder for a run of `P` with settings `protocol`.
    pub fn builder(protocol: P::Config) -> SimulationBuilder<P> {
        SimulationBuilder {
            protocol,
            nodes: 3,
            clients: 0,
            seed: 1,
            delay: DelayModel::Const(crate::sim::time::SECOND / 1000),
            processing: 0,
            loss: 0.0,
            capacity: None,
            invariants: Vec::new(),
            faults: Vec::new(),
        }
    }

    /// A cluster whose nodes (and clients) all boot at time 0.
    pub fn new(config: Config<P>) -> Self {
        let endpoints = config.nodes + config.clients;
        let slots = (0..endpoints)
            .map(|i| Slot {
                process: None,
                stable: P::Stable::default(),
                incarnation: 0,
                paused_until: 0,
                inbox: Vec::new(),
                rng: stream(config.seed, u64::from(i) + 1),
                checked: None,
            })
            .collect();
        let mut sim = Self {
            config: config.protocol,
            events: 0,
            slots,
            world: World::new(
                config.nodes,
                endpoints,
                config.network,
                stream(config.seed, 0),
            ),
            invariants: Vec::new(),
            broken: Vec::new(),
            violations: Vec::new(),
            capacity: config.capacity,
            queues: vec![ServerQueue::default(); config.nodes as usize],
        };
        for node in 0..endpoints {
            sim.boot(node, false);
        }
        sim
    }

    /// Adds a safety property to check after every step, starting now.
    pub fn check(&mut self, invariant: Box<dyn Invariant<P>>) {
        self.invariants.push(invariant);
        self.broken.push(false);
        self.check_invariants(None);
    }

    /// Schedules scenario faults (times from the start of the run).
    pub fn schedule(&mut self, faults: impl IntoIterator<Item = (Nanos, Fault)>) {
        for (time, fault) in faults {
            self.world.push(time, Event::Fault(Box::new(fault)));
        }
    }

    /// Virtual time now.
    pub fn now(&self) -> Nanos {
        self.world.now
    }

    /// Events handled so far.
    pub fn events(&self) -> u64 {
        self.events
    }

    /// What was measured.
    pub fn metrics(&self) -> &Metrics {
        &self.world.metrics
    }

    /// Violations found so far, in time order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }

    /// The names of the invariants being checked.
    pub fn invariant_names(&self) -> Vec<&'static str> {
        self.invariants.iter().map(|i| i.name()).collect()
    }

    /// Client requests waiting at server `node` now (0 without a capacity).
    pub fn waiting(&mut self, node: NodeIdx) -> usize {
        let now = self.world.now;
        self.queues
            .get_mut(node as usize)
            .map_or(0, |q| q.waiting(now))
    }

    /// Node (or client) `i`'s stable storage (what survives its crashes).
    pub fn stable_of(&self, node: NodeIdx) -> &P::Stable {
        &self.slots[node as usize].stable
    }

    /// Node (or client) `i`'s live process, if it is up.
    pub fn process(&self, node: NodeIdx) -> Option<&P> {
        self.slots[node as usize].process.as_ref()
    }

    /// Runs until no event is left or the next one is after `until`; then the clock reads
    /// `until`. `progress` is told the time now and then (for a progress bar).
    pub fn run_until(&mut self, until: Nanos, progress: &mut dyn FnMut(Nanos)) {
        while let Some((time, event)) = self.world.queue.pop_until(until) {
            self.world.now = time;
            self.events += 1;
            if self.events % 65_536 == 0 {
                progress(time);
            }
            self.dispatch(event);
        }
        self.world.now = self.world.now.max(until);
    }

    fn dispatch(&mut self, event: Event<P>) {
        match event {
            Event::Deliver {
                from,
                to,
                msg,
                counted,
            } => {
                let slot = &self.slots[to as usize];
                if let Some(capacity) = self.capacity
                    && counted
                    && to < self.world.nodes
                    && from >= self.world.nodes
                    && slot.process.is_some()
                    && slot.paused_until <= self.world.now
                    && P::is_request(&msg)
                {
                    self.admit(capacity, from, to, msg);
                    return;
                }
                self.arrive(from, to, msg, counted);
            }
            Event::Served {
                from,
                to,
                msg,
                incarnation,
            } => {
                if self.slots[to as usize].incarnation != incarnation {
                    self.world.metrics.dropped += 1;
                    return;
                }
                self.arrive(from, to, msg, true);
            }
            Event::Timer {
                node,
                incarnation,
                id,
                timer,
            } => {
                if !self.world.cancelled.is_empty() && self.world.cancelled.remove(&id) {
                    return;
                }
                let slot = &self.slots[node as usize];
                if slot.incarnation != incarnation || slot.process.is_none() {
                    return;
                }
                if slot.paused_until > self.world.now {
                    let resume = slot.paused_until;
                    self.world.push(
                        resume,
                        Event::Timer {
                            node,
                            incarnation,
                            id,
                            timer,
                        },
                    );
                    return;
                }
                self.handle(node, |p, ctx| p.on_timer(ctx, timer));
            }
            Event::Fault(fault) => self.apply(*fault),
            Event::Resume(node) => {
                if self.slots[node as usize].paused_until <= self.world.now {
                    self.world
                        .observe(Some(node), ObservationKind::Resume, None, None);
                    let inbox = std::mem::take(&mut self.slots[node as usize].inbox);
                    for (from, msg) in inbox {
                        self.handle(node, |p, ctx| p.on_message(ctx, from, msg));
                    }
                }
            }
        }
    }

    /// A message reaches `to` (after its service, for a request to a server with a capacity).
    fn arrive(&mut self, from: NodeIdx, to: NodeIdx, msg: P::Msg, counted: bool) {
        let slot = &self.slots[to as usize];
        if P::FIFO && slot.process.is_some() && slot.paused_until > self.world.now {
            // A paused process's connections keep what arrives, in order, for it to read when
            // it resumes.
            self.slots[to as usize].inbox.push((from, msg));
            return;
        }
        if slot.process.is_none() || slot.paused_until > self.world.now {
            if counted {
                self.world.metrics.dropped += 1;
            }
            return;
        }
        self.handle(to, |p, ctx| p.on_message(ctx, from, msg));
    }

    /// A client request reaches a server with a capacity: it queues for its service, or is
    /// turned away at once when the queue is full.
    fn admit(&mut self, capacity: Capacity, from: NodeIdx, to: NodeIdx, msg: P::Msg) {
        match self.queues[to as usize].admit(self.world.now, capacity) {
            Admission::Served(at) => {
                let incarnation = self.slots[to as usize].incarnation;
                self.world.push(
                    at,
                    Event::Served {
                        from,
                        to,
                        msg,
                        incarnation,
                    },
                );
            }
            Admission::Rejected => match P::rejection(&msg) {
                Some(reply) => self.world.send(to, from, reply),
                None => self.world.metrics.dropped += 1,
            },
        }
    }

    fn apply(&mut self, fault: Fault) {
        match fault {
            Fault::Crash(node) => {
                let slot = &mut self.slots[node as usize];
                if slot.process.take().is_some() {
                    slot.incarnation += 1;
                    if let Some(queue) = self.queues.get_mut(node as usize) {
                        queue.clear();
                    }
                    // Its connections die with it.
                    self.world.metrics.dropped += slot.inbox.len() as u64;
                    slot.inbox.clear();
                    self.world
                        .observe(Some(node), ObservationKind::Crash, None, None);
                }
            }
            Fault::Recover(node) => {
                if self.slots[node as usize].process.is_none() {
                    self.world
                        .observe(Some(node), ObservationKind::Recover, None, None);
                    self.boot(node, true);
                }
            }
            Fault::Partition(groups) => {
                self.world.network.partition(&groups);
                self.world.release_held();
                let sides: Vec<String> = groups.iter().map(|g| names(g)).collect();
                let detail = Some(sides.join(" | "));
                self.world
                    .observe(None, ObservationKind::Partition, None, detail);
            }
            Fault::CutOneWay(from, to) => {
                self.world.network.cut_one_way(&from, &to);
                self.world.release_held();
                let detail = Some(format!("{} -> {}", names(&from), names(&to)));
                self.world
                    .observe(None, ObservationKind::Partition, None, detail);
            }
            Fault::Heal => {
                self.world.network.heal();
                self.world.release_held();
                self.world.observe(None, ObservationKind::Heal, None, None);
            }
            Fault::Delay(model) => {
                let detail = Some(model.to_string());
                self.world.network.delay = model;
                self.world
                    .observe(None, ObservationKind::Delay, None, detail);
            }
            Fault::Loss(p) => {
                self.world.network.loss = p;
                self.world
                    .observe(None, ObservationKind::Loss, None, Some(p.to_string()));
            }
            Fault::Pause(node, length) => {
                let until = self.world.now + length;
                let slot = &mut self.slots[node as usize];
                slot.paused_until = slot.paused_until.max(until);
                let detail = Some(format!("{} s", crate::sim::time::to_secs(length)));
                self.world
                    .observe(Some(node), ObservationKind::Pause, None, detail);
                self.world.push(until, Event::Resume(node));
            }
            Fault::Slow(node, factor) => {
                if let Some(queue) = self.queues.get_mut(node as usize) {
                    queue.slow_down(factor);
                }
                let detail = Some(format!("×{factor}"));
                self.world
                    .observe(Some(node), ObservationKind::Slow, None, detail);
            }
            Fault::Elect(node) => {
                // A paused node handles nothing, a call to elect included.
                let slot = &self.slots[node as usize];
                if slot.process.is_some() && slot.paused_until <= self.world.now {
                    self.world
                        .observe(Some(node), ObservationKind::Elect, None, None);
                    self.handle(node, |p, ctx| p.on_elect(ctx));
                }
            }
        }
        self.check_invariants(None);
    }

    fn boot(&mut self, node: NodeIdx, recovered: bool) {
        let clients = self.slots.len() as u32 - self.world.nodes;
        let slot = &mut self.slots[node as usize];
        let stable = slot.stable.clone();
        let mut ctx = Ctx {
            config: &self.config,
            id: node,
            nodes: self.world.nodes,
            clients,
            recovered,
            incarnation: slot.incarnation,
            stable: &mut slot.stable,
            rng: &mut slot.rng,
            world: &mut self.world,
        };
        let process = P::boot(&mut ctx, &stable);
        slot.process = Some(process);
        self.check_invariants(Some(node));
    }

    /// Runs one handler of a live node (its actions take effect as it makes them), then checks
    /// invariants.
    fn handle(&mut self, node: NodeIdx, handler: impl FnOnce(&mut P, &mut Ctx<'_, P>)) {
        let clients = self.slots.len() as u32 - self.world.nodes;
        let slot = &mut self.slots[node as usize];
        let Some(process) = slot.process.as_mut() else {
            return;
        };
        let mut ctx = Ctx {
            config: &self.config,
            id: node,
            nodes: self.world.nodes,
            clients,
            recovered: false,
            incarnation: slot.incarnation,
            stable: &mut slot.stable,
            rng: &mut slot.rng,
            world: &mut self.world,
        };
        handler(process, &mut ctx);
        self.check_invariants(Some(node));
    }

    /// Checks every invariant; `changed` is the one node whose handler ran or which booted, or
    /// `None` after a fault.
    #[inline]
    fn check_invariants(&mut self, changed: Option<NodeIdx>) {
        if !self.invariants.is_empty() {
            self.run_checks(changed);
        }
    }

    /// [`Self::check_invariants`] with at least one invariant.
    fn run_checks(&mut self, changed: Option<NodeIdx>) {
        if let Some(node) = changed {
            let slot = &mut self.slots[node as usize];
            if let Some(progress) = slot.process.as_ref().and_then(P::checked_progress) {
                let mark = Some((slot.incarnation, progress));
                if slot.checked == mark {
                    // Every check would have found nothing new, and said so.
                    self.broken.fill(false);
                    return;
                }
                slot.checked = mark;
            }
        }
        let nodes = Nodes {
            backing: Backing::Slots(&self.slots),
            changed: changed.map(|n| n as usize),
        };
        for (invariant, broken) in self.invariants.iter_mut().zip(self.broken.iter_mut()) {
            match invariant.check(self.world.now, &nodes) {
                Some(detail) if !*broken => {
                    *broken = true;
                    self.violations.push(Violation {
                        name: invariant.name(),
                        time_s: super::time::to_secs(self.world.now),
                        detail,
                    });
                }
                Some(_) => {}
                None => *broken = false,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::delay::DelayModel;
    use crate::sim::time::SECOND;

    /// Every node pings its successor every second; counts what it receives; persists the count.
    #[derive(Debug)]
    struct Pinger {
        received: u64,
    }

    impl Protocol for Pinger {
        type Msg = u64;
        type Timer = ();
        type Stable = u64;
        type Config = ();
        const NAME: &'static str = "pinger";

        fn boot(ctx: &mut Ctx<'_, Self>, stable: &u64) -> Self {
            ctx.set_timer(SECOND, ());
            Pinger { received: *stable }
        }

        fn on_message(&mut self, ctx: &mut Ctx<'_, Self>, _from: NodeIdx, _msg: u64) {
            self.received += 1;
            ctx.persist(self.received);
        }

        fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, _timer: ()) {
            let next = (ctx.id() + 1) % ctx.nodes();
            ctx.send(next, ctx.now());
            ctx.send(ctx.id(), 0);
            ctx.set_timer(SECOND, ());
        }

        fn kind(_msg: &u64) -> &'static str {
            "ping"
        }
    }

    fn sim(nodes: u32) -> Simulation<Pinger> {
        Simulation::new(Config {
            nodes,
            clients: 0,
            seed: 1,
            network: Network::new(nodes, DelayModel::Const(SECOND / 100), 0, 0.0),
            protocol: (),
            capacity: None,
        })
    }

    /// Ticks every second and logs every other tick; says how long its log is.
    #[derive(Debug)]
    struct Logger {
        ticks: u64,
        log: Vec<u64>,
    }

    impl Protocol for Logger {
        type Msg = ();
        type Timer = ();
        type Stable = ();
        type Config = ();
        const NAME: &'static str = "logger";

        fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
            ctx.set_timer(SECOND, ());
            Logger {
                ticks: 0,
                log: Vec::new(),
            }
        }

        fn on_message(&mut self, _ctx: &mut Ctx<'_, Self>, _from: NodeIdx, _msg: ()) {}

        fn on_timer(&mut self, ctx: &mut Ctx<'_, Self>, _timer: ()) {
            self.ticks += 1;
            if self.ticks % 2 == 1 {
                self.log.push(self.ticks);
            }
            ctx.set_timer(SECOND, ());
        }

        fn kind(_msg: &()) -> &'static str {
            "none"
        }

        fn checked_progress(&self) -> Option<u64> {
            Some(self.log.len() as u64)
        }
    }

    /// Reports every log entry it has not read before; counts its calls.
    struct EveryEntryIsBad {
        calls: std::rc::Rc<std::cell::Cell<u32>>,
        read: usize,
    }

    impl Invariant<Logger> for EveryEntryIsBad {
        fn name(&self) -> &'static str {
            "no-entries"
        }

        fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, Logger>) -> Option<String> {
            self.calls.set(self.calls.get() + 1);
            let log = &nodes.changed().next()?.log;
            let fresh = &log[self.read.min(log.len())..];
            self.read = log.len();
            fresh.first().map(|tick| format!("tick {tick}"))
        }
    }

    #[test]
    fn steps_that_leave_the_checked_progress_alone_are_not_checked_but_clear_the_breakage() {
        let mut s = Simulation::<Logger>::new(Config {
            nodes: 1,
            clients: 0,
            seed: 1,
            network: Network::new(1, DelayModel::Const(SECOND / 100), 0, 0.0),
            protocol: (),
            capacity: None,
        });
        let calls = std::rc::Rc::new(std::cell::Cell::new(0));
        s.check(Box::new(EveryEntryIsBad {
            calls: calls.clone(),
            read: 0,
        }));
        s.run_until(6 * SECOND + SECOND / 2, &mut |_| {});
        // Once when added, then at 1, 3 and 5 s; not at 2, 4 and 6 s, when nothing was logged.
        assert_eq!(calls.get(), 4);
        // Each skipped step counts as a check that found nothing, so the entries at 3 and 5 s
        // are new violations, not the one at 1 s still going on.
        let found: Vec<(f64, &str)> = s
            .violations()
            .iter()
            .map(|v| (v.time_s, v.detail.as_str()))
            .collect();
        assert_eq!(
            found,
            vec![(1.0, "tick 1"), (3.0, "tick 3"), (5.0, "tick 5")]
        );
    }

    /// Every process broadcasts once, at boot.
    #[derive(Debug)]
    struct Shouter;

    impl Protocol for Shouter {
        type Msg = ();
        type Timer = ();
        type Stable = ();
        type Config = ();
        const NAME: &'static str = "shouter";

        fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
            ctx.broadcast(());
            Shouter
        }

        fn on_message(&mut self, _ctx: &mut Ctx<'_, Self>, _from: NodeIdx, _msg: ()) {}

        fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

        fn kind(_msg: &()) -> &'static str {
            "shout"
        }
    }

    #[test]
    fn a_broadcast_reaches_and_counts_every_other_server_node() {
        let mut s = Simulation::<Shouter>::new(Config {
            nodes: 3,
            clients: 1,
            seed: 1,
            network: Network::new(4, DelayModel::Const(SECOND / 100), 0, 0.0),
            protocol: (),
            capacity: None,
        });
        s.run_until(SECOND, &mut |_| {});
        // Each server reaches the two others; the client (endpoint 3) reaches all three.
        assert_eq!(s.metrics().sent_by_node, vec![2, 2, 2, 3]);
        assert_eq!((s.metrics().total, s.metrics().dropped), (9, 0));
        assert_eq!(s.metrics().by_type().get("shout"), Some(&9));
        assert_eq!(s.events(), 9);
    }

    #[test]
    fn sends_are_counted_and_self_sends_are_not() {
        let mut s = sim(3);
        s.run_until(10 * SECOND + SECOND / 2, &mut |_| {});
        // 3 nodes x 10 ticks, one counted send each; each node also got 10 local calls.
        assert_eq!(s.metrics().total, 30);
        assert_eq!(s.metrics().dropped, 0);
        assert_eq!(s.process(0).map(|p| p.received), Some(20));
    }

    #[test]
    fn messages_to_a_crashed_node_are_sent_and_dropped_and_stable_storage_survives() {
        let mut s = sim(2);
        s.schedule([
            (5 * SECOND + SECOND / 2, Fault::Crash(1)),
            (8 * SECOND + SECOND / 2, Fault::Recover(1)),
        ]);
        s.run_until(10 * SECOND + SECOND / 2, &mut |_| {});
        // n1 pings n2 at 6, 7 and 8 s while n2 is down: sent, counted, dropped.
        assert_eq!(s.metrics().dropped, 3);
        assert_eq!(s.metrics().total, 10 + 5 + 2);
        // n2 received 5 pings and 5 local calls before the crash (persisted: 10), then after
        // recovery at 8.5 s: pings at 9 and 10 s and its own local calls at 9.5 and 10.5 s.
        assert_eq!(s.process(1).map(|p| p.received), Some(14));
        let kinds: Vec<ObservationKind> = s.metrics().timeline.iter().map(|o| o.kind).collect();
        assert_eq!(
            kinds,
            vec![ObservationKind::Crash, ObservationKind::Recover]
        );
    }

    #[test]
    fn a_paused_node_drops_messages_and_defers_its_timers() {
        let mut s = sim(2);
        s.schedule([(SECOND / 2, Fault::Pause(1, 3 * SECOND))]);
        s.run_until(3 * SECOND + SECOND / 4, &mut |_| {});
        // n1's pings at 1, 2 and 3 s arrive at n2 while it is paused.
        assert_eq!(s.metrics().dropped, 3);
        // n2's timers due at 1, 2 and 3 s all wait for 3.5 s.
        assert_eq!(s.metrics().sent_by_node[1], 0);
        s.run_until(3 * SECOND + 3 * SECOND / 4, &mut |_| {});
        assert_eq!(s.metrics().sent_by_node[1], 1);
    }

    #[test]
    fn partitions_drop_at_send() {
        let mut s = sim(2);
        s.schedule([(0, Fault::Partition(vec![vec![0], vec![1]]))]);
        s.run_until(3 * SECOND + SECOND / 2, &mut |_| {});
        assert_eq!((s.metrics().total, s.metrics().dropped), (6, 6));
    }

    /// n1 sends 0, 1, 2, ... to n2 at once over a link of random delays; n2 keeps what it got.
    #[derive(Debug)]
    struct Burst<const FIFO: bool> {
        got: Vec<u64>,
    }

    impl<const FIFO: bool> Protocol for Burst<FIFO> {
        type Msg = u64;
        type Timer = ();
        type Stable = ();
        type Config = ();
        const NAME: &'static str = "burst";
        const FIFO: bool = FIFO;

        fn boot(ctx: &mut Ctx<'_, Self>, _stable: &()) -> Self {
            if ctx.id() == 0 {
                for i in 0..50 {
                    ctx.send(1, i);
                }
            }
            Burst { got: Vec::new() }
        }

        fn on_message(&mut self, _ctx: &mut Ctx<'_, Self>, _from: NodeIdx, msg: u64) {
            self.got.push(msg);
        }

        fn on_timer(&mut self, _ctx: &mut Ctx<'_, Self>, _timer: ()) {}

        fn kind(_msg: &u64) -> &'static str {
            "burst"
        }
    }

    fn burst<const FIFO: bool>() -> Vec<u64> {
        let delay = DelayModel::Uniform(SECOND / 1000, SECOND / 100);
        let mut s = Simulation::<Burst<FIFO>>::builder(())
            .nodes(2)
            .delay(delay)
            .build();
        s.run_until(SECOND, &mut |_| {});
        s.process(1).map(|p| p.got.clone()).unwrap_or_default()
    }

    #[test]
    fn fifo_links_deliver_in_send_order_and_others_may_not() {
        let in_order: Vec<u64> = (0..50).collect();
        assert_eq!(burst::<true>(), in_order);
        let mut reordered = burst::<false>();
        assert_ne!(reordered, in_order);
        reordered.sort_unstable();
        assert_eq!(reordered, in_order);
    }

    #[test]
    fn fifo_links_hold_what_a_cut_sends_until_it_heals_and_paused_receivers_read_it_later() {
        let mut network = Network::new(2, DelayModel::Const(SECOND / 1000), 0, 0.0);
        network.partition(&[vec![0], vec![1]]);
        let mut s = Simulation::<Burst<true>>::new(Config {
            nodes: 2,
            clients: 0,
            seed: 1,
            network,
            protocol: (),
            capacity: None,
        });
        s.schedule([
            (SECOND, Fault::Pause(1, SECOND)),
            (3 * SECOND / 2, Fault::Heal),
        ]);
        s.run_until(3 * SECOND / 2 + SECOND / 100, &mut |_| {});
        assert_eq!(s.process(1).map(|p| p.got.len()), Some(0), "n2 is paused");
        s.run_until(3 * SECOND, &mut |_| {});
        let in_order: Vec<u64> = (0..50).collect();
        assert_eq!(s.process(1).map(|p| p.got.clone()), Some(in_order));
        assert_eq!(s.metrics().dropped, 0);
    }

    struct NeverTwo;

    impl Invariant<Pinger> for NeverTwo {
        fn name(&self) -> &'static str {
            "never-two"
        }

        fn check(&mut self, _now: Nanos, nodes: &Nodes<'_, Pinger>) -> Option<String> {
            let up = nodes.iter().filter(|n| n.is_some()).count();
            (up == 2).then(|| "both nodes are up".to_string())
        }
    }

    #[test]
    fn violations_are_recorded_once_per_episode() {
        let mut s = sim(2);
        s.check(Box::new(NeverTwo));
        s.schedule([(SECOND, Fault::Crash(0)), (2 * SECOND, Fault::Recover(0))]);
        s.run_until(3 * SECOND, &mut |_| {});
        let times: Vec<f64> = s.violations().iter().map(|v| v.time_s).collect();
        assert_eq!(times, vec![0.0, 2.0]);
    }
}
