//! What an election run achieved, read from its timeline.
//!
//! The cluster **has a leader** while every live (not crashed) node takes the same live node for
//! its leader. From the timeline's `crash`, `recover`, `election` and `leader` observations:
//! - `leader`: the agreed leader at the end of the run (null if there is none);
//! - `elections`: elections started;
//! - `leaderless_s` and `leader_availability`: time without, and fraction of time with, a leader;
//! - `latency.election`: for each election started, the time until the cluster next comes to
//!   agree on a leader (elections that never end give no sample);
//! - `eventual_leader`: whether at the end all live nodes agree on the highest live id;
//!   `failure_during_election`: whether a node crashed while an election was under way;
//! - the leader service's up/down intervals, written as `leader.csv` for `faultline analyze`.

use serde::Serialize;

use crate::sim::metrics::{Observation, ObservationKind};
use crate::sim::protocol::NodeIdx;
use crate::sim::time::{Nanos, to_secs};

/// The outcome of an election run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ElectionOutcome {
    /// The agreed leader at the end (`n5`), null when there is none.
    pub leader: Option<String>,
    /// Elections started.
    pub elections: u64,
    /// Time without an agreed live leader, seconds.
    pub leaderless_s: f64,
    /// Fraction of the run with an agreed live leader.
    pub leader_availability: f64,
    /// `reached` or `not reached`: all live nodes agree on the highest live id at the end.
    pub eventual_leader: &'static str,
    /// Whether a node crashed while an election was under way.
    pub failure_during_election: bool,
    /// Election latencies, nanoseconds (reported as `latency.election`).
    #[serde(skip)]
    pub latencies: Vec<Nanos>,
    /// When the leader service went down and up: `(time, up)`.
    #[serde(skip)]
    pub service: Vec<(Nanos, bool)>,
}

struct Cluster {
    live: Vec<bool>,
    view: Vec<Option<NodeIdx>>,
}

impl Cluster {
    /// The agreed live leader, if all live nodes agree on one.
    fn agreed(&self) -> Option<NodeIdx> {
        let mut views = self
            .live
            .iter()
            .zip(&self.view)
            .filter(|(live, _)| **live)
            .map(|(_, view)| *view);
        let first = views.next()??;
        (views.all(|v| v == Some(first)) && self.live[first as usize]).then_some(first)
    }

    fn highest_live(&self) -> Option<NodeIdx> {
        self.live.iter().rposition(|l| *l).map(|i| i as NodeIdx)
    }
}

/// Reads the outcome of a run of `nodes` nodes that ended at `end`.
pub fn measure(timeline: &[Observation], nodes: u32, end: Nanos) -> ElectionOutcome {
    let n = nodes as usize;
    let mut cluster = Cluster {
        live: vec![true; n],
        view: vec![None; n],
    };
    let mut outcome = ElectionOutcome {
        leader: None,
        elections: 0,
        leaderless_s: 0.0,
        leader_availability: 0.0,
        eventual_leader: "not reached",
        failure_during_election: false,
        latencies: Vec::new(),
        service: Vec::new(),
    };
    let mut waiting: Vec<Nanos> = Vec::new();
    let mut agreed = false;
    let mut since: Nanos = 0;
    let mut with_leader: Nanos = 0;
    outcome.service.push((0, false));
    for o in timeline {
        let node = o.node.map(|n| n as usize);
        match (o.kind, node) {
            (ObservationKind::Crash, Some(node)) => {
                cluster.live[node] = false;
                cluster.view[node] = None;
                if !waiting.is_empty() {
                    outcome.failure_during_election = true;
                }
            }
            (ObservationKind::Recover, Some(node)) => cluster.live[node] = true,
            (ObservationKind::LeaderView, Some(node)) => cluster.view[node] = o.peer,
            (ObservationKind::Election, Some(_)) => {
                outcome.elections += 1;
                waiting.push(o.time);
            }
            _ => continue,
        }
        let now_agreed = cluster.agreed().is_some();
        if o.kind == ObservationKind::LeaderView && now_agreed {
            outcome
                .latencies
                .extend(waiting.drain(..).map(|start| o.time - start));
        }
        if now_agreed != agreed {
            if agreed {
                with_leader += o.time - since;
            }
            since = o.time;
            agreed = now_agreed;
            outcome.service.push((o.time, agreed));
        }
    }
    if agreed {
        with_leader += end.saturating_sub(since);
    }
    let leader = cluster.agreed();
    outcome.leader = leader.map(|l| format!("n{}", l + 1));
    if leader.is_some() && leader == cluster.highest_live() {
        outcome.eventual_leader = "reached";
    }
    outcome.leader_availability = if end > 0 {
        with_leader as f64 / end as f64
    } else {
        0.0
    };
    outcome.leaderless_s = to_secs(end.saturating_sub(with_leader));
    // A service that starts down and comes up at 0 starts up.
    if outcome.service.len() > 1 && outcome.service[1].0 == 0 {
        outcome.service.remove(0);
    }
    outcome
}

/// The leader service as an event CSV (`time,node,event`): node `leader` goes `down` when the
/// cluster loses its agreed leader and `up` when it has one again.
pub fn leader_csv(outcome: &ElectionOutcome) -> String {
    let mut text = String::from("time,node,event\n");
    for (time, up) in &outcome.service {
        let event = if *up { "up" } else { "down" };
        text.push_str(&format!("{},leader,{event}\n", to_secs(*time)));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::time::SECOND;

    fn at(secs: u64, node: u32, kind: ObservationKind, peer: Option<u32>) -> Observation {
        Observation {
            time: secs * SECOND,
            node: Some(node),
            kind,
            peer,
            detail: None,
        }
    }

    #[test]
    fn agreement_latency_and_availability_by_hand() {
        // Three nodes. n1 starts an election at 10; n3 is adopted by all at 11, 12, 12.
        // n3 crashes at 50 (no leader), n1 elects again at 51, n2 is adopted at 52 and 53.
        let timeline = [
            at(10, 0, ObservationKind::Election, None),
            at(11, 2, ObservationKind::LeaderView, Some(2)),
            at(12, 1, ObservationKind::LeaderView, Some(2)),
            at(12, 0, ObservationKind::LeaderView, Some(2)),
            at(50, 2, ObservationKind::Crash, None),
            at(51, 0, ObservationKind::Election, None),
            at(52, 1, ObservationKind::LeaderView, Some(1)),
            at(53, 0, ObservationKind::LeaderView, Some(1)),
        ];
        let o = measure(&timeline, 3, 100 * SECOND);
        assert_eq!(o.elections, 2);
        assert_eq!(o.latencies, vec![2 * SECOND, 2 * SECOND]);
        assert_eq!(o.leader.as_deref(), Some("n2"));
        assert_eq!(o.eventual_leader, "reached");
        // With a leader 12..50 and 53..100: 85 s of 100.
        assert!((o.leader_availability - 0.85).abs() < 1e-12);
        assert!((o.leaderless_s - 15.0).abs() < 1e-9);
        assert!(!o.failure_during_election);
        assert_eq!(
            leader_csv(&o),
            "time,node,event\n0,leader,down\n12,leader,up\n50,leader,down\n53,leader,up\n"
        );
    }

    #[test]
    fn a_crash_mid_election_is_noticed_and_no_leader_is_none() {
        let timeline = [
            at(10, 0, ObservationKind::Election, None),
            at(11, 1, ObservationKind::Crash, None),
        ];
        let o = measure(&timeline, 3, 20 * SECOND);
        assert!(o.failure_during_election);
        assert_eq!(o.leader, None);
        assert_eq!(o.eventual_leader, "not reached");
        assert!(o.latencies.is_empty());
        assert_eq!(o.leader_availability, 0.0);
    }
}
