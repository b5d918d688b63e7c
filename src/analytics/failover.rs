//! Active-passive availability: the service runs on one node at a time.
//!
//! The service starts on the first node (in natural name order) that is up. When the node it
//! runs on fails, the service is down for the failover time `F` (detecting the failure and
//! starting elsewhere), then runs on the next node after the failed one, in cyclic order, that is
//! up at that moment. If no node is up then, the service stays down until a node recovers, and
//! resumes on it at once. A zero-length outage of the active node still costs a failover: the
//! failure was real, only its repair was instant. Nodes the population declares but the trace
//! never names never fail, so with any of them the service always has somewhere to go.
//!
//! A node out of service (before installation, after retirement) cannot take the service, as if
//! it were down; the active node's retirement costs a failover like a failure.
//!
//! The result is the service's own down intervals, to which the usual formulas apply.

use crate::trace::{NodeId, Trace};

/// A node's outages as `(start, end)`, sorted and merged (from the canonical trace), with the
/// time it is out of service as outages too.
fn outages(trace: &Trace, node: NodeId) -> Vec<(f64, f64)> {
    let service = trace.nodes[node as usize].service;
    let before = (service.start > f64::NEG_INFINITY).then_some((f64::NEG_INFINITY, service.start));
    let after = (service.end < f64::INFINITY).then_some((service.end, f64::INFINITY));
    let inside = trace
        .outages_of(node)
        .iter()
        .map(|o| (o.start.max(service.start), o.end.min(service.end)))
        .filter(|(start, end)| start <= end && *start < service.end);
    let mut all: Vec<(f64, f64)> = Vec::new();
    for (start, end) in before.into_iter().chain(inside).chain(after) {
        match all.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => all.push((start, end)),
        }
    }
    all
}

/// The outage of a node that covers `t` (start <= t < end, or a zero-length one at `t`).
fn covering(outages: &[(f64, f64)], t: f64) -> Option<(f64, f64)> {
    let i = outages.partition_point(|o| o.0 <= t);
    i.checked_sub(1)
        .map(|i| outages[i])
        .filter(|&(start, end)| t < end || (start == t && end == t))
}

fn is_up(outages: &[(f64, f64)], t: f64) -> bool {
    covering(outages, t).is_none_or(|(start, end)| start == end)
}

/// The service's down intervals over `[from, until)` with failover time `failover`.
pub fn active_passive_outages(
    trace: &Trace,
    from: f64,
    until: f64,
    failover: f64,
) -> Vec<(f64, f64)> {
    let named = trace.nodes.len();
    if named == 0 {
        return Vec::new();
    }
    let spares = trace.unnamed_nodes > 0;
    let all: Vec<Vec<(f64, f64)>> = (0..named as NodeId).map(|n| outages(trace, n)).collect();
    let first_up_after = |failed: Option<usize>, t: f64| -> Option<usize> {
        let start = failed.map_or(0, |f| f + 1);
        (0..named)
            .map(|step| (start + step) % named)
            .find(|&n| is_up(&all[n], t))
    };
    let mut result = Vec::new();
    let mut t = from;
    let mut active = first_up_after(None, t);
    if active.is_none() && !spares {
        // Everyone is down at the start: wait for the first recovery.
        let back = earliest_recovery(&all, t);
        result.push((from, back));
        t = back;
        active = first_up_after(None, t);
    }
    while let Some(node) = active {
        let Some((fails, _)) = all[node].iter().copied().find(|o| o.0 >= t) else {
            break;
        };
        if fails >= until {
            break;
        }
        let resumed = fails + failover;
        match first_up_after(Some(node), resumed) {
            Some(next) => {
                result.push((fails, resumed));
                t = resumed;
                active = Some(next);
            }
            None if spares => {
                result.push((fails, resumed));
                active = None;
            }
            None => {
                let back = earliest_recovery(&all, resumed).max(resumed);
                result.push((fails, back));
                t = back;
                active = if back.is_finite() {
                    first_up_after(Some(node), back)
                } else {
                    None
                };
            }
        }
    }
    result
}

/// The first moment at or after `t` at which some node is up.
fn earliest_recovery(all: &[Vec<(f64, f64)>], t: f64) -> f64 {
    all.iter()
        .map(|outages| match covering(outages, t) {
            Some((_, end)) if end > t => end,
            _ => t,
        })
        .fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Fault, TraceBuilder};

    fn trace(rows: &[(&str, f64, f64)], names: &[&str]) -> Trace {
        let mut b = TraceBuilder::new();
        for name in names {
            b.node(name);
        }
        for &(name, start, end) in rows {
            let node = b.node(name);
            b.outage(node, start, end, Fault::Unknown, None);
        }
        b.finish().expect("a trace")
    }

    #[test]
    fn hand_computed_failovers() {
        // n1 fails at 10: down 10..15 (failover 5), then on n2. n2 fails at 30 while n1 is
        // back: down 30..35, then on n3 (next after n2). n3 fails at 50: next after n3 is n1,
        // up: down 50..55.
        let t = trace(
            &[("n1", 10.0, 20.0), ("n2", 30.0, 40.0), ("n3", 50.0, 52.0)],
            &["n1", "n2", "n3"],
        );
        assert_eq!(
            active_passive_outages(&t, 0.0, 100.0, 5.0),
            vec![(10.0, 15.0), (30.0, 35.0), (50.0, 55.0)]
        );
    }

    #[test]
    fn failures_of_passive_nodes_cost_nothing() {
        let t = trace(
            &[("n2", 10.0, 20.0), ("n3", 15.0, 25.0)],
            &["n1", "n2", "n3"],
        );
        assert_eq!(active_passive_outages(&t, 0.0, 100.0, 5.0), vec![]);
    }

    #[test]
    fn with_everyone_down_the_service_waits_for_the_first_recovery() {
        // n1 fails at 10, n2 is down 8..30: at 15 nobody is up; n1 returns at 20.
        let t = trace(&[("n1", 10.0, 20.0), ("n2", 8.0, 30.0)], &["n1", "n2"]);
        assert_eq!(
            active_passive_outages(&t, 0.0, 100.0, 5.0),
            vec![(10.0, 20.0)]
        );
    }

    #[test]
    fn a_zero_length_failure_of_the_active_node_still_fails_over() {
        let t = trace(&[("n1", 10.0, 10.0)], &["n1", "n2"]);
        assert_eq!(
            active_passive_outages(&t, 0.0, 100.0, 2.0),
            vec![(10.0, 12.0)]
        );
    }
}
