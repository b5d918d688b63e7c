//! Quality of service of a failure detector, measured against what really happened.
//!
//! Reference: Chen, Toueg, Aguilera, "On the Quality of Service of Failure Detectors", IEEE
//! Transactions on Computers 51(5), 2002. For every ordered pair (monitor, target) of nodes:
//!
//! - **detection time `T_D`**: from the target's crash to the monitor's suspicion of it (zero if
//!   the monitor already suspected it). A crash the monitor, up all along, never suspects before
//!   the target recovers or the run ends is a **missed detection**;
//! - **false suspicion**: the monitor starts suspecting a target that is up (a paused or
//!   partitioned-away node is up); the **mistake** lasts until the monitor trusts it again, the
//!   target crashes, the monitor crashes, or the run ends;
//! - **mistake rate `λ_M`**: false suspicions per hour of time in which monitor and target were
//!   both up, summed over all ordered pairs (per monitored node-hour when each node has one
//!   monitor);
//! - **mean mistake duration `T_M`** and **query accuracy `P_A`**: the fraction of that
//!   both-up time in which the monitor did not wrongly suspect the target.
//!
//! A suspicion still held when a crashed target recovers is a late correct suspicion, not a
//! mistake; it ends with the monitor's next `trust`.

use serde::Serialize;

use crate::sim::metrics::{Observation, ObservationKind};
use crate::sim::time::{Nanos, to_secs};

/// The QoS figures of one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Qos {
    /// Detection times, nanoseconds (reported as `latency.detection`).
    #[serde(skip)]
    pub detection: Vec<Nanos>,
    /// Suspicions of live targets.
    pub false_suspicions: u64,
    /// `λ_M`: false suspicions per pair-hour of both-up time.
    pub mistake_rate_per_node_hour: f64,
    /// `T_M`: mean length of a mistake, seconds; null without mistakes.
    pub mistake_duration_mean_s: Option<f64>,
    /// `P_A`: fraction of both-up time without a wrong suspicion.
    pub query_accuracy: f64,
    /// Crashes a monitor never suspected.
    pub missed_detections: u64,
}

/// What one monitor thinks of one target.
#[derive(Debug, Clone, Copy, Default)]
struct Pair {
    suspected: bool,
    /// Start of a wrong suspicion in progress.
    mistake_since: Option<Nanos>,
    /// Crash of the target not yet suspected.
    undetected_since: Option<Nanos>,
}

struct State {
    n: usize,
    up: Vec<bool>,
    pairs: Vec<Pair>,
    qos: Qos,
    mistakes: u64,
    mistake_time: u128,
    both_up_time: u128,
    last: Nanos,
}

impl State {
    fn pair(&mut self, monitor: usize, target: usize) -> &mut Pair {
        &mut self.pairs[monitor * self.n + target]
    }

    /// Integrates both-up time up to `now`.
    fn advance(&mut self, now: Nanos) {
        let up = self.up.iter().filter(|u| **u).count() as u128;
        self.both_up_time += up * up.saturating_sub(1) * u128::from(now - self.last);
        self.last = now;
    }

    fn end_mistake(&mut self, monitor: usize, target: usize, now: Nanos) {
        if let Some(since) = self.pair(monitor, target).mistake_since.take() {
            self.mistakes += 1;
            self.mistake_time += u128::from(now - since);
        }
    }

    fn crash(&mut self, node: usize, now: Nanos) {
        if !self.up[node] {
            return;
        }
        for other in (0..self.n).filter(|&o| o != node) {
            // As a target: monitors that are up start (or already have) a detection.
            if self.up[other] {
                self.end_mistake(other, node, now);
                let pair = self.pair(other, node);
                if pair.suspected {
                    self.qos.detection.push(0);
                } else {
                    pair.undetected_since = Some(now);
                }
            }
            // As a monitor: its opinions die with it.
            self.end_mistake(node, other, now);
            *self.pair(node, other) = Pair::default();
        }
        self.up[node] = false;
    }

    fn recover(&mut self, node: usize) {
        if self.up[node] {
            return;
        }
        for monitor in (0..self.n).filter(|&m| m != node) {
            if self.pair(monitor, node).undetected_since.take().is_some() {
                self.qos.missed_detections += 1;
            }
        }
        self.up[node] = true;
    }

    fn suspect(&mut self, monitor: usize, target: usize, now: Nanos) {
        let target_up = self.up[target];
        let pair = self.pair(monitor, target);
        if pair.suspected {
            return;
        }
        pair.suspected = true;
        if target_up {
            pair.mistake_since = Some(now);
            self.qos.false_suspicions += 1;
        } else if let Some(crash) = pair.undetected_since.take() {
            self.qos.detection.push(now - crash);
        }
    }

    fn trust(&mut self, monitor: usize, target: usize, now: Nanos) {
        self.end_mistake(monitor, target, now);
        self.pair(monitor, target).suspected = false;
    }
}

/// Measures a detector's output in `timeline` for `nodes` nodes over a run that ended at `end`.
pub fn measure(timeline: &[Observation], nodes: u32, end: Nanos) -> Qos {
    let n = nodes as usize;
    let mut state = State {
        n,
        up: vec![true; n],
        pairs: vec![Pair::default(); n * n],
        qos: Qos {
            detection: Vec::new(),
            false_suspicions: 0,
            mistake_rate_per_node_hour: 0.0,
            mistake_duration_mean_s: None,
            query_accuracy: 1.0,
            missed_detections: 0,
        },
        mistakes: 0,
        mistake_time: 0,
        both_up_time: 0,
        last: 0,
    };
    for o in timeline {
        state.advance(o.time);
        let node = o.node.map(|n| n as usize);
        match (o.kind, node, o.peer.map(|p| p as usize)) {
            (ObservationKind::Crash, Some(node), _) => state.crash(node, o.time),
            (ObservationKind::Recover, Some(node), _) => state.recover(node),
            (ObservationKind::Suspect, Some(monitor), Some(target)) => {
                state.suspect(monitor, target, o.time)
            }
            (ObservationKind::Trust, Some(monitor), Some(target)) => {
                state.trust(monitor, target, o.time)
            }
            _ => {}
        }
    }
    state.advance(end);
    for monitor in 0..n {
        for target in (0..n).filter(|&t| t != monitor) {
            state.end_mistake(monitor, target, end);
            if state
                .pair(monitor, target)
                .undetected_since
                .take()
                .is_some()
            {
                state.qos.missed_detections += 1;
            }
        }
    }
    let hours = state.both_up_time as f64 / 3.6e12;
    let mut qos = state.qos;
    if hours > 0.0 {
        qos.mistake_rate_per_node_hour = qos.false_suspicions as f64 / hours;
        qos.query_accuracy = 1.0 - state.mistake_time as f64 / state.both_up_time as f64;
    }
    if state.mistakes > 0 {
        let mean = state.mistake_time / u128::from(state.mistakes);
        qos.mistake_duration_mean_s = Some(to_secs(mean as Nanos));
    }
    qos
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
    fn hand_computed_pair_of_nodes() {
        // Two nodes, 100 s. n2 crashes at 10 and n1 suspects it at 13 (T_D = 3 s); n2 recovers
        // at 20, n1 trusts it at 21. n1 wrongly suspects n2 from 50 to 54.
        let timeline = [
            at(10, 1, ObservationKind::Crash, None),
            at(13, 0, ObservationKind::Suspect, Some(1)),
            at(20, 1, ObservationKind::Recover, None),
            at(21, 0, ObservationKind::Trust, Some(1)),
            at(50, 0, ObservationKind::Suspect, Some(1)),
            at(54, 0, ObservationKind::Trust, Some(1)),
        ];
        let q = measure(&timeline, 2, 100 * SECOND);
        assert_eq!(q.detection, vec![3 * SECOND]);
        assert_eq!(q.false_suspicions, 1);
        assert_eq!(q.missed_detections, 0);
        assert_eq!(q.mistake_duration_mean_s, Some(4.0));
        // Both up 90 s, two ordered pairs: 180 pair-seconds = 0.05 pair-hours.
        assert!((q.mistake_rate_per_node_hour - 20.0).abs() < 1e-9);
        assert!((q.query_accuracy - (1.0 - 4.0 / 180.0)).abs() < 1e-12);
    }

    #[test]
    fn a_crash_never_suspected_is_missed() {
        let timeline = [
            at(10, 1, ObservationKind::Crash, None),
            at(12, 1, ObservationKind::Recover, None),
        ];
        let q = measure(&timeline, 2, 20 * SECOND);
        assert_eq!(q.missed_detections, 1);
        assert!(q.detection.is_empty());
        // Still down at the end of the run and never suspected: missed too.
        let q = measure(&[at(10, 1, ObservationKind::Crash, None)], 3, 20 * SECOND);
        assert_eq!(q.missed_detections, 2);
    }

    #[test]
    fn a_crashed_monitor_detects_nothing_and_its_mistakes_end() {
        let timeline = [
            at(5, 0, ObservationKind::Suspect, Some(1)),
            at(8, 0, ObservationKind::Crash, None),
            at(9, 1, ObservationKind::Crash, None),
        ];
        let q = measure(&timeline, 2, 10 * SECOND);
        assert_eq!(q.false_suspicions, 1);
        assert_eq!(q.mistake_duration_mean_s, Some(3.0));
        assert_eq!(q.missed_detections, 0);
    }
}
