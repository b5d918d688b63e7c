//! Leader election: ring (Chang–Roberts), modified ring and bully, on the simulator.
//!
//! All three share what is here:
//! - [`ElectionConfig`]: the timeout `T` (default `2d+r`), the processing time `r`, and an
//!   optional heartbeat interval. With heartbeats, every node monitors every other (the Ω detector's
//!   [`Watch`],
//!   the deadlines of the heartbeat detector, suspicion after `h + T` of silence), and a node that
//!   suspects its leader starts an election; without them, elections start only on the trace's
//!   `elect` events and when a node recovers, and a crashed leader goes unnoticed (a process
//!   that boots with a detector records a `watch` observation, so the outcome can say which);
//! - [`Elector`]: what the invariants and the outcome need to know of a node, and [`View`], a
//!   node's view of the leader with the time it last changed;
//! - after a partition heals, a node that hears again from a node above its leader starts an
//!   election, so a split brain does not outlive the partition;
//! - [`SingleLeader`], the safety invariant: no split brain (below);
//! - the observations every protocol records: `election` when a node starts one, `leader` (with
//!   the leader as peer, or none) whenever a node's view of the leader changes. [`outcome`] turns
//!   them into leader availability, election latency, leadership overlaps and the
//!   eventual-leader check.
//!
//! # Overlap and split brain
//!
//! No election hands the lead over atomically. A recovered higher node takes the lead and
//! announces it, and the old leader leads too until the announcement arrives: for one message
//! delay under bully, up to `N − 1` under the rings. That **overlap** — two or more live nodes
//! each taking themselves for the leader — is measured, not judged: the outcome counts the
//! overlaps and sums their lengths ([`outcome::ElectionOutcome`]).
//!
//! **Split brain** is two live nodes that both still claim the lead after their announcements
//! have had time to arrive, and [`SingleLeader`] reports it: an overlap of the same two nodes
//! that lasts longer than the grace [`ElectionConfig::grace`],
//!
//! `G = 2N(d+r)`, plus the heartbeat timeout `h + T` when failure detection is on.
//!
//! `2N` hops let an election and its announcement each go once round the ring (the ring's
//! announcement needs `N − 1` hops, bully's one). With heartbeats, an announcement can be lost
//! (message loss, a cut link) and the old leader learns of the new one from its heartbeats
//! instead: it suspected the new leader while it was down, trusts it again on its first heartbeat
//! — sent within `h` of its boot — and calls an election that the new leader wins at once, three
//! hops later; `h + T + 2N(d+r)` covers that. An overlap that outlasts `G` will not end by
//! itself: the two cannot reach each other (a partition, a paused leader), or the announcement
//! was lost and nothing repeats it. Two leaders on opposite sides of a partition keep overlapping
//! until it heals and they hear each other's heartbeats again, so a partition is always reported
//! when it lasts longer than `G` past the second leader's election.
//!
//! What the invariant cannot see is the network: it is handed the nodes, not the links. A
//! partition so short that its two leaders overlap for less than `G` goes unreported — its
//! overlap counts in the outcome like a hand-over's. Judging from the nodes' detectors instead
//! (two leaders that each suspect the other) catches those, but also flags the brief overlaps a
//! delay spike or a pause causes, where the suspicion is false.
//!
//! The simulator checks invariants after every event, so an overlap is reported at the first
//! event after its grace ran out (with heartbeats, `h / N(N−1)` apart on average: 50 ms for five
//! nodes and `h` = 1 s);
//! the violation names the two nodes, when their overlap began and how long it had lasted.
//! Where `d` is the delay model's p99.9 (unbounded models), a rare hand-over can outlast `G`.
//! Paused nodes are live: a leader paused past its peers' timeouts still claims the lead while
//! they elect another — the zombie leader — and a pause longer than `G` is split brain too.

pub mod bully;
pub mod modified_ring;
pub mod outcome;
pub mod ring;

pub use crate::protocols::detector::omega::Watch;
use crate::sim::engine::{Invariant, Nodes};
use crate::sim::metrics::ObservationKind;
use crate::sim::protocol::{Ctx, NodeIdx, Protocol};
use crate::sim::time::{Nanos, to_secs};

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

    /// How long two nodes of a cluster of `nodes` may both claim the lead before it counts as
    /// split brain: `2N(d+r)`, plus the heartbeat timeout `h + T` when failure detection is on
    /// (the module doc explains why).
    pub fn grace(&self, nodes: u32) -> Nanos {
        2 * u64::from(nodes) * self.hop + self.heartbeat.map_or(0, |h| h + self.timeout)
    }
}

/// What the invariants and the outcome need from a node of any election protocol.
pub trait Elector: Protocol {
    /// This node.
    fn me(&self) -> NodeIdx;
    /// Whom this node takes for the leader, since when.
    fn view(&self) -> View;
    /// [`ElectionConfig::grace`] for this node's cluster.
    fn grace(&self) -> Nanos;
}

/// A node's view of the leader, and when it came to hold it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    leader: Option<NodeIdx>,
    since: Nanos,
}

impl View {
    /// Whom this node takes for the leader.
    pub fn leader(&self) -> Option<NodeIdx> {
        self.leader
    }

    /// When the view last changed: for a leader, when it took the lead.
    pub fn since(&self) -> Nanos {
        self.since
    }

    /// Takes `leader` for the leader; a change is recorded as a `leader` observation (peer = the
    /// leader).
    pub fn set<P: Protocol>(&mut self, ctx: &mut Ctx<'_, P>, leader: Option<NodeIdx>) {
        if self.leader != leader {
            self.leader = leader;
            self.since = ctx.now();
            ctx.observe(ObservationKind::LeaderView, leader);
        }
    }
}

/// The election's use of the Ω detector's [`Watch`]: started from the election's settings, and
/// a heartbeat that may call an election.
impl Watch {
    /// Starts heartbeats and deadlines when the configuration enables them, and records a
    /// `watch` observation if it does.
    pub fn boot<P: Protocol>(
        ctx: &mut Ctx<'_, P>,
        config: &ElectionConfig,
        beat: P::Timer,
        check: impl Fn(NodeIdx) -> P::Timer,
    ) -> Self {
        match config.heartbeat {
            Some(interval) => {
                ctx.observe(ObservationKind::Watch, None);
                Self::start(ctx, interval, config.timeout, beat, check)
            }
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

/// At no time are there two leaders in split brain: two live nodes that have each considered
/// themselves leader for longer than the grace (module doc).
#[derive(Debug, Default)]
pub struct SingleLeader;

impl<P: Elector> Invariant<P> for SingleLeader {
    fn name(&self) -> &'static str {
        "single-leader"
    }

    fn check(&mut self, now: Nanos, nodes: &Nodes<'_, P>) -> Option<String> {
        let claims: Vec<Claim> = nodes
            .iter()
            .flatten()
            .filter(|n| n.view().leader() == Some(n.me()))
            .map(|n| Claim {
                node: n.me(),
                since: n.view().since(),
                grace: n.grace(),
            })
            .collect();
        split_brain(now, &claims)
    }
}

/// A live node that takes itself for the leader, since `since`, in a cluster whose
/// announcements arrive within `grace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Claim {
    node: NodeIdx,
    since: Nanos,
    grace: Nanos,
}

/// The pairs of `claims` (in node order) that have overlapped for longer than the grace at
/// `now`, described, or none.
fn split_brain(now: Nanos, claims: &[Claim]) -> Option<String> {
    let mut found = Vec::new();
    for (i, a) in claims.iter().enumerate() {
        for b in &claims[i + 1..] {
            let since = a.since.max(b.since);
            let grace = a.grace.max(b.grace);
            if now - since > grace {
                found.push(format!(
                    "n{} and n{} each consider themselves leader since {} s, for {} s now: \
                     longer than the {} s their announcements need",
                    a.node + 1,
                    b.node + 1,
                    to_secs(since),
                    to_secs(now - since),
                    to_secs(grace)
                ));
            }
        }
    }
    (!found.is_empty()).then(|| found.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    const MS: Nanos = SECOND / 1000;

    fn config(heartbeat: Option<Nanos>) -> ElectionConfig {
        // `const:10ms`, `r` = 0, `T` = 2d+r.
        ElectionConfig {
            timeout: 20 * MS,
            processing: 0,
            hop: 10 * MS,
            heartbeat,
        }
    }

    fn claim(node: NodeIdx, since: Nanos) -> Claim {
        Claim {
            node,
            since,
            grace: config(Some(SECOND)).grace(5),
        }
    }

    #[test]
    fn the_grace_is_2n_hops_plus_the_heartbeat_timeout() {
        // 2·5·10 ms = 100 ms; with heartbeats h + T = 1 s + 20 ms more.
        assert_eq!(config(None).grace(5), 100 * MS);
        assert_eq!(config(Some(SECOND)).grace(5), 1_120 * MS);
        assert_eq!(config(Some(SECOND)).grace(3), 1_080 * MS);
    }

    #[test]
    fn a_hand_over_within_the_grace_is_not_split_brain() {
        // n4 has led since 12 s; the recovered n5 took over at 20 s; its announcement is late.
        let claims = [claim(3, 12 * SECOND), claim(4, 20 * SECOND)];
        assert_eq!(split_brain(20 * SECOND, &claims), None);
        assert_eq!(split_brain(20 * SECOND + 1_120 * MS, &claims), None);
        assert_eq!(split_brain(30 * SECOND, &claims[..1]), None);
        assert_eq!(split_brain(30 * SECOND, &[]), None);
    }

    #[test]
    fn an_overlap_longer_than_the_grace_is_split_brain_and_says_since_when() {
        let claims = [claim(1, 10_439 * MS), claim(4, 2 * SECOND)];
        let now = 10_439 * MS + 1_120 * MS + 1;
        assert_eq!(
            split_brain(now, &claims).as_deref(),
            Some(
                "n2 and n5 each consider themselves leader since 10.439 s, for 1.120000001 s \
                 now: longer than the 1.12 s their announcements need"
            )
        );
    }

    #[test]
    fn every_pair_past_the_grace_is_named() {
        // n1 since 1 s, n2 since 5 s, n3 since 5.5 s; at 6.2 s only n1–n2 is past 1.12 s.
        let claims = [claim(0, SECOND), claim(1, 5 * SECOND), claim(2, 5_500 * MS)];
        let text = split_brain(6_200 * MS, &claims).unwrap_or_default();
        assert!(text.starts_with("n1 and n2 each consider"), "{text}");
        assert!(!text.contains("n3"), "{text}");
        // At 6.7 s n1–n3 and n2–n3 are past it too.
        let text = split_brain(6_700 * MS, &claims).unwrap_or_default();
        assert_eq!(text.matches("; ").count(), 2, "{text}");
        assert!(text.contains("n2 and n3 each consider themselves leader since 5.5 s"));
    }
}
