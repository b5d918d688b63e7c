//! What a handler's actions reach: the clock, the queue of pending events, the network and the
//! metrics; everything of a simulation but its nodes.
//!
//! A handler acts through its [`Ctx`](super::protocol::Ctx), which holds the node's own slot
//! (state, stable storage, random stream) and this, the rest, borrowed apart. So an action takes
//! effect as it is asked: a send counts and draws its delay from the network's stream at once, a
//! timer goes into the queue at once. Actions take effect in the order a handler makes them, and
//! nothing a handler can read depends on them, so a run is the same as if they were collected
//! and applied after the handler returned; only no list of them is built.
//!
//! Rules: a send to oneself is a local call, delivered at once and not counted; every other send
//! counts in `messages.total`; a send over a cut link or a lost one counts in `dropped`. With FIFO
//! links ([`Protocol::FIFO`]), a message's arrival is no earlier than the previous arrival on its
//! link, loss delays a message by retransmissions rather than dropping it, and a cut link holds
//! what is sent over it until the partition heals.

use rand_chacha::ChaCha8Rng;
use rustc_hash::{FxHashMap, FxHashSet};

use super::metrics::{Metrics, Observation, ObservationKind};
use super::network::Network;
use super::protocol::{NodeIdx, Protocol, TimerId};
use super::queue::EventQueue;
use super::scenario::Fault;
use super::time::Nanos;

/// One pending event.
pub(super) enum Event<P: Protocol> {
    Deliver {
        from: NodeIdx,
        to: NodeIdx,
        msg: P::Msg,
        counted: bool,
    },
    Timer {
        node: NodeIdx,
        incarnation: u32,
        id: TimerId,
        timer: P::Timer,
    },
    /// Boxed: faults are rare, and a small event is cheap to move through the queue.
    Fault(Box<Fault>),
    Resume(NodeIdx),
    /// A client request's service at a server completed: its handler runs now.
    Served {
        from: NodeIdx,
        to: NodeIdx,
        msg: P::Msg,
        incarnation: u32,
    },
}

/// Everything of a simulation but its nodes' slots.
pub(super) struct World<P: Protocol> {
    /// Number of server nodes.
    pub(super) nodes: u32,
    /// Virtual time now.
    pub(super) now: Nanos,
    pub(super) queue: EventQueue<Event<P>>,
    pub(super) network: Network,
    /// The network's random stream.
    net_rng: ChaCha8Rng,
    /// Timers cancelled before they fired.
    pub(super) cancelled: FxHashSet<TimerId>,
    /// With FIFO links: the latest arrival scheduled on each link.
    last_arrival: FxHashMap<(NodeIdx, NodeIdx), Nanos>,
    /// With FIFO links: messages sent over a cut link, in send order, until it is mended.
    held: Vec<(NodeIdx, NodeIdx, P::Msg)>,
    next_timer: u64,
    pub(super) metrics: Metrics,
}

impl<P: Protocol> World<P> {
    /// A world at time 0 with nothing pending; `endpoints` counts servers and clients.
    pub(super) fn new(nodes: u32, endpoints: u32, network: Network, net_rng: ChaCha8Rng) -> Self {
        Self {
            nodes,
            now: 0,
            queue: EventQueue::default(),
            network,
            net_rng,
            cancelled: FxHashSet::default(),
            last_arrival: FxHashMap::default(),
            held: Vec::new(),
            next_timer: 0,
            metrics: Metrics::new(endpoints),
        }
    }

    pub(super) fn push(&mut self, time: Nanos, event: Event<P>) {
        self.queue.push(time, event);
    }

    /// Sends `msg` from `from` to `to`.
    pub(super) fn send(&mut self, from: NodeIdx, to: NodeIdx, msg: P::Msg) {
        if from == to {
            let now = self.now;
            self.push(
                now,
                Event::Deliver {
                    from,
                    to,
                    msg,
                    counted: false,
                },
            );
            return;
        }
        self.metrics.sent(from, P::kind(&msg));
        self.route(from, to, msg);
    }

    /// Sends `msg` to every server node but the sender, in node order.
    pub(super) fn broadcast(&mut self, from: NodeIdx, msg: P::Msg) {
        // Counted at once: every server node but the sender, if it is one.
        let receivers = self.nodes - u32::from(from < self.nodes);
        self.metrics
            .sent_many(from, P::kind(&msg), u64::from(receivers));
        for to in (0..self.nodes).filter(|&n| n != from) {
            self.route(from, to, msg.clone());
        }
    }

    /// Fires `timer` at `node` (while it is still in `incarnation`) after `after`.
    ///
    /// Out of line on purpose: inlined into a handler, the compiler read the node and
    /// incarnation back from the just-built `Ctx` in one wide load that missed the store
    /// forward and stalled (heartbeat runs were 4 % slower).
    #[inline(never)]
    pub(super) fn set_timer(
        &mut self,
        node: NodeIdx,
        incarnation: u32,
        after: Nanos,
        timer: P::Timer,
    ) -> TimerId {
        let id = TimerId(self.next_timer);
        self.next_timer += 1;
        self.push(
            self.now + after,
            Event::Timer {
                node,
                incarnation,
                id,
                timer,
            },
        );
        id
    }

    /// Records an observation in the timeline, now.
    pub(super) fn observe(
        &mut self,
        node: Option<NodeIdx>,
        kind: ObservationKind,
        peer: Option<NodeIdx>,
        detail: Option<String>,
    ) {
        self.metrics.timeline.push(Observation {
            time: self.now,
            node,
            kind,
            peer,
            detail,
        });
    }

    /// Carries a message already counted as sent to another node.
    fn route(&mut self, from: NodeIdx, to: NodeIdx, msg: P::Msg) {
        if !P::FIFO {
            match self.network.transit(from, to, &mut self.net_rng) {
                Some(transit) => self.deliver_at(self.now + transit, from, to, msg),
                None => self.metrics.dropped += 1,
            }
            return;
        }
        // Over a connection: a link that is cut holds what is sent until it is mended, and
        // sends after it wait behind it.
        if self.network.cut(from, to) || self.held.iter().any(|h| (h.0, h.1) == (from, to)) {
            self.held.push((from, to, msg));
            return;
        }
        self.transmit(from, to, msg);
    }

    /// Sends over a FIFO link that is not cut: no earlier than the link's last arrival.
    fn transmit(&mut self, from: NodeIdx, to: NodeIdx, msg: P::Msg) {
        let Some(transit) = self.network.reliable_transit(from, to, &mut self.net_rng) else {
            self.held.push((from, to, msg));
            return;
        };
        let last = self.last_arrival.entry((from, to)).or_insert(0);
        let at = (self.now + transit).max(*last);
        *last = at;
        self.deliver_at(at, from, to, msg);
    }

    fn deliver_at(&mut self, at: Nanos, from: NodeIdx, to: NodeIdx, msg: P::Msg) {
        self.push(
            at,
            Event::Deliver {
                from,
                to,
                msg,
                counted: true,
            },
        );
    }

    /// After the network changed: what FIFO links held goes out on the links that are whole
    /// again, in the order it was sent.
    pub(super) fn release_held(&mut self) {
        let held = std::mem::take(&mut self.held);
        for (from, to, msg) in held {
            let waiting = self.held.iter().any(|h| (h.0, h.1) == (from, to));
            if self.network.cut(from, to) || waiting {
                self.held.push((from, to, msg));
            } else {
                self.transmit(from, to, msg);
            }
        }
    }
}
