//! A diagram's timeline: each block's down intervals, bottom up.
//!
//! A block over nodes is the sweep of [`system_outages`] over its nodes' outages (inside their
//! service windows) and their membership, exactly what the system row computes over every node.
//! A block over sub-blocks is the same sweep with each sub-block standing for one node: the
//! sub-block's down intervals are that node's outages, and the time it has no node in service
//! (its idle time) is time that node is out of service. So at every level:
//! - a rule counts the inputs in service at each instant (`quorum` is a strict majority of
//!   them), and a block with no input in service is idle, neither up nor down;
//! - everything that happens at one instant is applied before the rule is checked, so a
//!   handover at one instant is no outage;
//! - a zero-length outage is passed up as a zero-length outage when the rule fails with it.
//!
//! This is the same as evaluating the expression at every distinct change time of the trace,
//! but each block sorts only its own inputs' changes: O(c log c) for c changes per block,
//! summed over the blocks, nothing quadratic.

use rayon::prelude::*;

use super::Gate;
use super::select::Diagram;
use crate::analytics::in_service;
use crate::analytics::system::{Membership, SystemTimeline, system_outages};
use crate::trace::{Fault, NodeId, Outage, Trace};

/// The timeline of `diagram` over the nodes of `trace` (unclipped).
pub fn timeline(trace: &Trace, diagram: &Diagram) -> SystemTimeline {
    match diagram {
        Diagram::Nodes {
            gate,
            nodes,
            unnamed,
        } => {
            let mut chosen = vec![false; trace.nodes.len()];
            for &id in nodes {
                chosen[id as usize] = true;
            }
            let outages: Vec<Outage> = in_service(trace)
                .filter(|o| chosen[o.node as usize])
                .collect();
            let services = nodes.iter().map(|&id| trace.nodes[id as usize].service);
            let members = Membership::of(services, *unnamed);
            system_outages(&outages, &members, (*gate).into())
        }
        Diagram::Parts { gate, parts } => {
            let inputs: Vec<SystemTimeline> =
                parts.par_iter().map(|part| timeline(trace, part)).collect();
            combine(&inputs, *gate)
        }
    }
}

/// The timeline of `gate` over blocks with these timelines, each block one input.
fn combine(inputs: &[SystemTimeline], gate: Gate) -> SystemTimeline {
    let mut outages = Vec::new();
    let mut members = Membership::default();
    for (input, id) in inputs.iter().zip(0 as NodeId..) {
        outages.extend(
            input
                .down
                .iter()
                .map(|&(start, end)| Outage::new(id, start, end, Fault::Unknown, None)),
        );
        let mut from_the_start = true;
        for &(since, until) in &input.idle {
            if since == f64::NEG_INFINITY {
                from_the_start = false;
            } else {
                members.leaves.push(since);
            }
            if until.is_finite() {
                members.joins.push(until);
            }
        }
        members.initial += u64::from(from_the_start);
    }
    system_outages(&outages, &members, gate.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytics::system::SystemRule;
    use crate::analytics::system_expr::SystemExpr;
    use crate::analytics::system_expr::select::resolve;
    use crate::trace::TraceBuilder;

    fn trace(outages: &[(&str, f64, f64)]) -> Trace {
        let mut b = TraceBuilder::new();
        for &(name, start, end) in outages {
            let node = b.node(name);
            b.outage(node, start, end, Fault::Unknown, None);
        }
        b.finish().expect("a trace")
    }

    fn diagram(trace: &Trace, text: &str) -> Diagram {
        match SystemExpr::parse(text) {
            Ok(SystemExpr::Expr(expr)) => resolve(&expr, trace).expect("resolves"),
            other => panic!("{text}: {other:?}"),
        }
    }

    fn down(trace: &Trace, text: &str) -> Vec<(f64, f64)> {
        timeline(trace, &diagram(trace, text)).down
    }

    #[test]
    fn hand_computed_nesting() {
        // a down 0-10, b 5-15, c 20-30, d 25-26 and a blip at 40.
        let t = trace(&[
            ("a", 0.0, 10.0),
            ("b", 5.0, 15.0),
            ("c", 20.0, 30.0),
            ("d", 25.0, 26.0),
            ("d", 40.0, 40.0),
        ]);
        // any(a, b) is down 5-10; any(c, d) 25-26; in series, both; in parallel, never.
        assert_eq!(
            down(&t, "series(any(a, b), any(c, d))"),
            vec![(5.0, 10.0), (25.0, 26.0)]
        );
        assert_eq!(down(&t, "parallel(any(a, b), any(c, d))"), vec![]);
        // all(a, b) is down 0-15, all(c, d) 20-30 and at 40: one of them up is enough.
        assert_eq!(down(&t, "parallel(all(a, b), all(c, d))"), vec![]);
        assert_eq!(
            down(&t, "series(all(a, b), all(c, d))"),
            vec![(0.0, 15.0), (20.0, 30.0), (40.0, 40.0)]
        );
        // Two of three blocks: all(a), all(b), any(c, d): a and b both down 5-10.
        assert_eq!(
            down(&t, "k:2(all(a), all(b), any(c, d))"),
            vec![(5.0, 10.0)]
        );
        // `k:4(*)` is the rule `k:4` over every node.
        assert_eq!(
            down(&t, "k:4(*)"),
            vec![(0.0, 15.0), (20.0, 30.0), (40.0, 40.0)]
        );
    }

    #[test]
    fn a_handover_between_blocks_is_no_outage() {
        let t = trace(&[("a", 0.0, 10.0), ("b", 10.0, 20.0)]);
        assert_eq!(down(&t, "parallel(all(a), all(b))"), vec![]);
    }

    #[test]
    fn a_block_with_no_node_in_service_leaves_its_parent() {
        // a is in service 0-100 and never fails; b only from 50, down 60-70; c always, down
        // 10-20. Before 50, all(b) is idle, so series(...) is all(a) and all(c) alone.
        let mut builder = TraceBuilder::new();
        let [_, b, c] = ["a", "b", "c"].map(|n| builder.node(n));
        builder.outage(b, 60.0, 70.0, Fault::Unknown, None);
        builder.outage(c, 10.0, 20.0, Fault::Unknown, None);
        builder.observe(0.0);
        builder.observe(100.0);
        builder.service_start(b, 50.0);
        let t = builder.finish().expect("a trace");
        let d = diagram(&t, "series(all(a), all(b), all(c))");
        let timeline = timeline(&t, &d);
        assert_eq!(timeline.down, vec![(10.0, 20.0), (60.0, 70.0)]);
        // Two of three blocks: before 50 only two are in service, so both must be up.
        assert_eq!(down(&t, "k:2(all(a), all(b), all(c))"), vec![(10.0, 20.0)]);
    }

    /// The definition, brute force: between consecutive change times every node's state is
    /// constant; evaluate the expression there and merge the down segments.
    fn brute_force(outages: &[(usize, f64, f64)], nodes: usize, text: &str) -> Vec<(f64, f64)> {
        fn up(expr: &crate::analytics::system_expr::Expr, down: &[bool], names: &[String]) -> bool {
            use crate::analytics::system_expr::Expr;
            let holds = |gate: Gate, up: u64, n: u64| SystemRule::from(gate).holds(up, n);
            match expr {
                Expr::Nodes { gate, selectors } => {
                    let picked: Vec<usize> = (0..names.len())
                        .filter(|&i| {
                            selectors.iter().any(|s| {
                                s.matches(&crate::trace::Node {
                                    name: names[i].clone(),
                                    ..Default::default()
                                })
                            })
                        })
                        .collect();
                    let up = picked.iter().filter(|&&i| !down[i]).count() as u64;
                    holds(*gate, up, picked.len() as u64)
                }
                Expr::Parts { gate, parts } => {
                    let up = parts.iter().filter(|p| up(p, down, names)).count() as u64;
                    holds(*gate, up, parts.len() as u64)
                }
            }
        }
        let names: Vec<String> = (0..nodes).map(|i| format!("n{i}")).collect();
        let Ok(SystemExpr::Expr(expr)) = SystemExpr::parse(text) else {
            panic!("{text}")
        };
        let mut times: Vec<f64> = outages.iter().flat_map(|o| [o.1, o.2]).collect();
        times.sort_by(f64::total_cmp);
        times.dedup();
        let mut result: Vec<(f64, f64)> = Vec::new();
        for pair in times.windows(2) {
            let mid = (pair[0] + pair[1]) / 2.0;
            let down: Vec<bool> = (0..nodes)
                .map(|n| outages.iter().any(|o| o.0 == n && o.1 <= mid && mid < o.2))
                .collect();
            if up(&expr, &down, &names) {
                continue;
            }
            match result.last_mut() {
                Some(last) if last.1 == pair[0] => last.1 = pair[1],
                _ => result.push((pair[0], pair[1])),
            }
        }
        result
    }

    #[test]
    fn agrees_with_brute_force_on_random_traces() {
        let expressions = [
            "series(any(n0, n1), k:2(n2, n3, n4), quorum(n5, n6, n7))",
            "parallel(all(n0, n1, n2), series(any(n3, n4), any(n5, n6, n7)))",
            "k:2(quorum(n0, n1, n2), any(n3, n4), all(n5), k:2(n6, n7, n0))",
            "quorum(any(n0, n1), any(n2, n3), any(n4, n5), any(n6, n7))",
        ];
        // A small linear congruential generator: the test needs variety, not quality.
        let mut state: u64 = 12345;
        let mut next = move |bound: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % bound
        };
        for round in 0..40 {
            let mut outages = Vec::new();
            for node in 0..8 {
                let mut t = 0.0;
                for _ in 0..next(6) {
                    t += next(20) as f64;
                    let end = t + 1.0 + next(15) as f64;
                    outages.push((node, t, end));
                    t = end + 1.0;
                }
            }
            let named: Vec<(String, f64, f64)> = outages
                .iter()
                .map(|&(n, s, e)| (format!("n{n}"), s, e))
                .collect();
            let mut b = TraceBuilder::new();
            for n in 0..8 {
                b.node(&format!("n{n}"));
            }
            for (name, s, e) in &named {
                let id = b.node(name);
                b.outage(id, *s, *e, Fault::Unknown, None);
            }
            let t = b.finish().expect("a trace");
            for text in expressions {
                assert_eq!(
                    down(&t, text),
                    brute_force(&outages, 8, text),
                    "round {round}: {text}"
                );
            }
        }
    }
}
