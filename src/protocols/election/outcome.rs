//! What an election run achieved, read from its timeline.
//!
//! The cluster **has a leader** while every live (not crashed) node takes the same live node for
//! its leader. From the timeline's `crash`, `recover`, `election`, `leader` and `watch`
//! observations:
//! - `leader`: the agreed leader at the end of the run (null if there is none);
//! - `elections`: elections started;
//! - `leaderless_s` and `leader_availability`: time without, and fraction of time with, a leader;
//! - `overlaps`, `overlap_s` and `longest_overlap_s`: the intervals during which two or more live
//!   nodes each take themselves for the leader — how many, their total and the longest length.
//!   Every hand-over to a recovered higher node makes one (until its announcement reaches the
//!   old leader); whether one is split brain is for the `single-leader` invariant to say. An
//!   overlap still open at the end of the run ends there; one that begins and ends at the same
//!   instant (two steps of the same moment) has no length and is not counted;
//! - `latency.election`: for each election started, the time until the cluster next comes to
//!   agree on a leader (elections that never end give no sample);
//! - `eventual_leader`: whether at the end all live nodes agree on the highest live id;
//!   `failure_during_election`: whether a node crashed while an election was under way;
//! - `failure_detection`: `heartbeat` when the nodes watch each other (they record `watch` when
//!   they boot), `none` otherwise — then a crashed leader goes unnoticed, and elections start only
//!   on `elect` events and recoveries;
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
    /// Intervals during which two or more live nodes each consider themselves leader.
    pub overlaps: u64,
    /// Their total length, seconds.
    pub overlap_s: f64,
    /// The longest of them, seconds (0 when there was none).
    pub longest_overlap_s: f64,
    /// `reached` or `not reached`: all live nodes agree on the highest live id at the end.
    pub eventual_leader: &'static str,
    /// Whether a node crashed while an election was under way.
    pub failure_during_election: bool,
    /// `heartbeat` or `none`: whether the nodes detect failures (and so elect a new leader when
    /// theirs crashes).
    pub failure_detection: &'static str,
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

    /// Whether two or more live nodes each take themselves for the leader.
    fn overlapping(&self) -> bool {
        let claims = (0..self.live.len())
            .filter(|&i| self.live[i] && self.view[i] == Some(i as NodeIdx))
            .count();
        claims > 1
    }
}

/// Overlap intervals, as they open and close.
#[derive(Default)]
struct Overlaps {
    open: Option<Nanos>,
    count: u64,
    total: Nanos,
    longest: Nanos,
}

impl Overlaps {
    /// The cluster is (or is not) overlapping from `now` on.
    fn at(&mut self, now: Nanos, overlapping: bool) {
        match (self.open, overlapping) {
            (None, true) => self.open = Some(now),
            (Some(start), false) => {
                self.open = None;
                let lasted = now - start;
                if lasted > 0 {
                    self.count += 1;
                    self.total += lasted;
                    self.longest = self.longest.max(lasted);
                }
            }
            _ => {}
        }
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
        overlaps: 0,
        overlap_s: 0.0,
        longest_overlap_s: 0.0,
        eventual_leader: "not reached",
        failure_during_election: false,
        failure_detection: "none",
        latencies: Vec::new(),
        service: Vec::new(),
    };
    let mut waiting: Vec<Nanos> = Vec::new();
    let mut agreed = false;
    let mut since: Nanos = 0;
    let mut with_leader: Nanos = 0;
    let mut overlaps = Overlaps::default();
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
            (ObservationKind::Watch, Some(_)) => {
                outcome.failure_detection = "heartbeat";
                continue;
            }
            _ => continue,
        }
        overlaps.at(o.time, cluster.overlapping());
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
    overlaps.at(end.max(overlaps.open.unwrap_or(0)), false);
    outcome.overlaps = overlaps.count;
    outcome.overlap_s = to_secs(overlaps.total);
    outcome.longest_overlap_s = to_secs(overlaps.longest);
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
        at_ms(secs * 1000, node, kind, peer)
    }

    fn at_ms(ms: u64, node: u32, kind: ObservationKind, peer: Option<u32>) -> Observation {
        Observation {
            time: ms * (SECOND / 1000),
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

    #[test]
    fn overlaps_by_hand() {
        // Three nodes. n3 leads from 1 s (all agree at 2 s) and crashes at 10 s; n2 takes the
        // lead at 12 s and n1 follows. n3 recovers at 20 s and leads at once; n2 hears its
        // announcement at 20.5 s and n1 at 20.6 s: one overlap of 0.5 s. At 30 s n1 claims the
        // lead and gives it back in the same instant: no length, not counted. At 40 s n1 claims
        // it for good, and n3 at 45 s crashes, ending that 5 s overlap; n2 takes the lead at
        // 50 s and the run ends at 52 s with n1 and n2 both leading: 2 s more.
        let timeline = [
            at(1, 2, ObservationKind::LeaderView, Some(2)),
            at(2, 1, ObservationKind::LeaderView, Some(2)),
            at(2, 0, ObservationKind::LeaderView, Some(2)),
            at(10, 2, ObservationKind::Crash, None),
            at(12, 1, ObservationKind::LeaderView, Some(1)),
            at(12, 0, ObservationKind::LeaderView, Some(1)),
            at(20, 2, ObservationKind::Recover, None),
            at(20, 2, ObservationKind::LeaderView, Some(2)),
            at_ms(20_500, 1, ObservationKind::LeaderView, Some(2)),
            at_ms(20_600, 0, ObservationKind::LeaderView, Some(2)),
            at(30, 0, ObservationKind::LeaderView, Some(0)),
            at(30, 0, ObservationKind::LeaderView, Some(2)),
            at(40, 0, ObservationKind::LeaderView, Some(0)),
            at(45, 2, ObservationKind::Crash, None),
            at(50, 1, ObservationKind::LeaderView, Some(1)),
        ];
        let o = measure(&timeline, 3, 52 * SECOND);
        assert_eq!(o.overlaps, 3);
        assert!((o.overlap_s - 7.5).abs() < 1e-9, "{}", o.overlap_s);
        assert!((o.longest_overlap_s - 5.0).abs() < 1e-9);
        assert_eq!(o.failure_detection, "none");
    }

    #[test]
    fn no_overlap_and_failure_detection_from_the_watch_observations() {
        let timeline = [
            at(0, 0, ObservationKind::Watch, None),
            at(0, 1, ObservationKind::Watch, None),
            at(1, 1, ObservationKind::LeaderView, Some(1)),
            at(1, 0, ObservationKind::LeaderView, Some(1)),
        ];
        let o = measure(&timeline, 2, 10 * SECOND);
        assert_eq!(o.failure_detection, "heartbeat");
        assert_eq!(
            (o.overlaps, o.overlap_s, o.longest_overlap_s),
            (0, 0.0, 0.0)
        );
        assert_eq!(o.leader.as_deref(), Some("n2"));
    }
}
