//! What the system's availability would be if nodes failed independently.
//!
//! Each node is up with probability `A_i`, its measured availability over its observed time
//! (`uptime / T`, which is `MTTF / (MTTF + MTTR)` when it failed), independently of every other
//! node; nodes declared without names never fail (`A = 1`). The closed forms of reliability
//! block diagrams then give the system's availability:
//!
//! - series (`all`): `∏ A_i`;
//! - parallel (`any`): `1 − ∏ (1 − A_i)`;
//! - `k:K` over unequal inputs: P(at least K up), the tail of the Poisson-binomial
//!   distribution, summed exactly by dynamic programming over the inputs;
//! - `quorum` over `n` inputs: `k:K` with `K = ⌊n/2⌋ + 1`;
//! - a block over sub-expressions: the same formulas over the sub-expressions' availabilities,
//!   as if the sub-blocks were independent (exact when they share no node).
//!
//! The model has a fixed population: every node of a selection observed in the window counts,
//! whatever its service dates, while the trace-driven figure counts the nodes in service at
//! each instant. Against the trace's own figure it shows what correlated failures cost.

use serde::Serialize;

use super::Gate;
use super::select::Diagram;
use crate::analytics::metrics::{Metrics, nines};

/// `∏ A_i`: every input up.
pub fn series(availability: &[f64]) -> f64 {
    availability.iter().product()
}

/// `1 − ∏ (1 − A_i)`: at least one input up.
pub fn parallel(availability: &[f64]) -> f64 {
    1.0 - availability.iter().map(|a| 1.0 - a).product::<f64>()
}

/// P(at least `k` of the inputs up), each input `i` up with probability `availability[i]`
/// independently: the Poisson-binomial tail.
///
/// Dynamic programming over the inputs keeps the distribution of the number down (or up) so
/// far, truncated where the outcome is decided: with `n − k` downs allowed it tracks 0 to
/// `n − k` down and sums them; otherwise it tracks 0 to `k − 1` up (the ways to fail) and
/// subtracts them from 1. O(n · min(k, n − k + 1)).
pub fn k_of_n(k: u64, availability: &[f64]) -> f64 {
    let n = availability.len() as u64;
    if k == 0 {
        return 1.0;
    }
    if k > n {
        return 0.0;
    }
    if k == n {
        return series(availability);
    }
    if k == 1 {
        return parallel(availability);
    }
    // Both bounds are below n, which indexes a slice, so they fit in usize.
    let (allowed_down, short_up) = ((n - k) as usize, (k - 1) as usize);
    if allowed_down <= short_up {
        truncated_sum(availability, allowed_down, |a| 1.0 - a)
    } else {
        1.0 - truncated_sum(availability, short_up, |a| a)
    }
}

/// P(at most `most` of the inputs are "hit"), input `i` hit with probability
/// `hit(availability[i])`.
fn truncated_sum(availability: &[f64], most: usize, hit: impl Fn(f64) -> f64) -> f64 {
    // p[j] = P(exactly j hit among the inputs seen so far), for j up to `most`.
    let mut p = vec![0.0; most + 1];
    p[0] = 1.0;
    for &a in availability {
        let h = hit(a);
        for j in (1..=most).rev() {
            p[j] = p[j] * (1.0 - h) + p[j - 1] * h;
        }
        p[0] *= 1.0 - h;
    }
    p.iter().sum()
}

/// The availability of `gate` over inputs with availabilities `availability`, plus
/// `always_up` inputs that never fail (counted without entering the sums).
pub fn gate(gate: Gate, availability: &[f64], always_up: u64) -> f64 {
    let n = availability.len() as u64 + always_up;
    let k = match gate {
        Gate::All => n,
        Gate::Any => 1,
        Gate::Quorum => n / 2 + 1,
        Gate::AtLeast(k) => k,
    };
    k_of_n(k.saturating_sub(always_up), availability)
}

/// The availability of `diagram` with independent nodes; `nodes[id]` is node `id`'s measured
/// availability, `None` for a node not observed in the window (left out).
pub fn availability(diagram: &Diagram, nodes: &[Option<f64>]) -> f64 {
    match diagram {
        Diagram::Nodes {
            gate: g,
            nodes: ids,
            unnamed,
        } => {
            let observed = ids
                .iter()
                .filter_map(|&id| nodes.get(id as usize).copied().flatten());
            let (perfect, failing): (Vec<f64>, Vec<f64>) = observed.partition(|&a| a >= 1.0);
            gate(*g, &failing, unnamed + perfect.len() as u64)
        }
        Diagram::Parts { gate: g, parts } => {
            let parts: Vec<f64> = parts.iter().map(|p| availability(p, nodes)).collect();
            gate(*g, &parts, 0)
        }
    }
}

/// The independent-failures figures beside the system row's (JSON keys of `system`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Independence {
    /// The availability the expression would have with independent node failures.
    pub independent_availability: f64,
    /// Its nines; null at 100 %.
    pub independent_nines: Option<f64>,
    /// The downtime that availability allows over the system's observed time.
    pub independent_downtime_s: f64,
    /// The trace's system downtime over `independent_downtime_s`: how much more (or less)
    /// the system was down than independent failures explain; null when independent failures
    /// give no downtime.
    pub downtime_ratio: Option<f64>,
}

impl Independence {
    /// The figures for an independent availability beside the system's own `system`.
    pub fn new(availability: f64, system: &Metrics) -> Self {
        let downtime = (1.0 - availability) * system.exposure_s;
        Self {
            independent_availability: availability,
            independent_nines: nines(availability),
            independent_downtime_s: downtime,
            downtime_ratio: (downtime > 0.0).then(|| system.downtime_s / downtime),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() < 1e-12, "{a} != {b}");
    }

    #[test]
    fn series_and_parallel() {
        close(series(&[0.9, 0.8]), 0.72);
        close(parallel(&[0.9, 0.8]), 0.98);
        close(parallel(&[0.9, 0.8, 0.7]), 1.0 - 0.1 * 0.2 * 0.3);
        close(series(&[]), 1.0);
        close(parallel(&[]), 0.0);
    }

    #[test]
    fn two_of_three_unequal_nodes() {
        // All up: .9·.8·.7 = .504; exactly two up: .9·.8·.3 + .9·.2·.7 + .1·.8·.7 = .398.
        close(k_of_n(2, &[0.9, 0.8, 0.7]), 0.902);
        // Equal nodes: 3p² − 2p³.
        close(k_of_n(2, &[0.9, 0.9, 0.9]), 3.0 * 0.81 - 2.0 * 0.729);
    }

    #[test]
    fn both_ways_of_summing_k_of_n() {
        let a = [0.9, 0.8, 0.7, 0.6];
        // 3 of 4 (sums the ways to have at most one down): all up .3024, exactly three up
        // .9·.8·.7·.4 + .9·.8·.3·.6 + .9·.2·.7·.6 + .1·.8·.7·.6 = .4404.
        close(k_of_n(3, &a), 0.3024 + 0.4404);
        // 2 of 4 (subtracts the ways to have at most one up): none up .0024, exactly one up
        // .9·.2·.3·.4 + .1·.8·.3·.4 + .1·.2·.7·.4 + .1·.2·.3·.6 = .0404.
        close(k_of_n(2, &a), 1.0 - 0.0024 - 0.0404);
        close(k_of_n(4, &a), 0.3024);
        close(k_of_n(1, &a), 1.0 - 0.0024);
        close(k_of_n(0, &a), 1.0);
        close(k_of_n(5, &a), 0.0);
    }

    #[test]
    fn gates_and_nodes_that_never_fail() {
        let a = [0.9, 0.8, 0.7, 0.6];
        // A quorum of four is three.
        close(gate(Gate::Quorum, &a, 0), 0.7428);
        // Two nodes that never fail: a quorum of three (of five) needs one more.
        close(
            gate(Gate::Quorum, &[0.9, 0.8, 0.7], 2),
            1.0 - 0.1 * 0.2 * 0.3,
        );
        close(gate(Gate::All, &[0.9], 3), 0.9);
        close(gate(Gate::Any, &[0.5], 1), 1.0);
        close(gate(Gate::AtLeast(2), &[0.9, 0.8, 0.7], 0), 0.902);
    }

    #[test]
    fn nested_blocks_substitute_their_availabilities() {
        // series(any(n0, n1), k:2(n2, n3, n4)) = .98 × .902.
        let nodes = [Some(0.9), Some(0.8), Some(0.9), Some(0.8), Some(0.7), None];
        let diagram = Diagram::Parts {
            gate: Gate::All,
            parts: vec![
                Diagram::Nodes {
                    gate: Gate::Any,
                    nodes: vec![0, 1],
                    unnamed: 0,
                },
                Diagram::Nodes {
                    gate: Gate::AtLeast(2),
                    nodes: vec![2, 3, 4, 5],
                    unnamed: 0,
                },
            ],
        };
        close(availability(&diagram, &nodes), 0.98 * 0.902);
        // Two such blocks in parallel.
        let twice = Diagram::Parts {
            gate: Gate::Any,
            parts: vec![diagram.clone(), diagram],
        };
        let one = 0.98 * 0.902;
        close(
            availability(&twice, &nodes),
            1.0 - (1.0 - one) * (1.0 - one),
        );
    }

    #[test]
    fn the_ratio_compares_downtimes() {
        let system = Metrics::from_totals(1000.0, 10.0, 2);
        let i = Independence::new(0.998, &system);
        close(i.independent_downtime_s, 2.0);
        close(i.downtime_ratio.expect("a ratio"), 5.0);
        assert_eq!(Independence::new(1.0, &system).downtime_ratio, None);
    }
}
