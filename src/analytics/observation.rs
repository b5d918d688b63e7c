//! Who is observed when: each node's own observation window, the service window its source
//! gives (installation to retirement, production to decommission, first to last record)
//! intersected with the analysis window `[W0, W1)`.
//!
//! A node is observed only while it is in service, so a system that entered production in 2003
//! is not credited with eight failure-free years before it existed. Invariants:
//! - a node's window is `service ∩ [W0, W1)`; a node with no overlap is not observed at all (its
//!   figures are left out, and [`Observation::unobserved`] counts it for a warning);
//! - outages are clipped to the node's own window, and a failure counts when the outage starts
//!   inside it;
//! - an outage entirely outside the node's service window (before installation, after
//!   retirement) is a contradiction in the source: it is counted for a warning, never silently
//!   dropped, and contributes nothing.
//!
//! Nodes that no source dates are in service for ever, so without service dates every node's
//! window is `[W0, W1)` and nothing changes.

use super::window::Window;
use crate::trace::{Outage, Service, Trace};

/// The observation windows of a trace's named nodes, and what fell outside them.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// Each named node's window (indexed by node id), `None` when it is not in service at all
    /// during the analysis window.
    pub windows: Vec<Option<Window>>,
    /// Named nodes that are not observed.
    pub unobserved: u64,
    /// Outages outside their node's service window, and the nodes that have such outages.
    pub outside_service: (u64, u64),
    /// The first node with outages outside its service window, and how many it has.
    pub outside_example: Option<(String, u64)>,
}

/// A service window clipped to the analysis window.
pub fn observed(service: &Service, window: &Window) -> Option<Window> {
    Window::new(service.start.max(window.start), service.end.min(window.end))
}

/// Whether an outage lies outside a service window: it neither overlaps it nor is a
/// zero-length failure inside it.
pub fn outside(outage: &Outage, service: &Service) -> bool {
    let overlaps = outage.start < service.end && outage.end > service.start;
    let blip_inside =
        outage.is_empty() && outage.start >= service.start && outage.start < service.end;
    !(overlaps || blip_inside)
}

impl Observation {
    /// The windows of every named node of `trace` inside `window`.
    pub fn new(trace: &Trace, window: &Window) -> Self {
        let windows: Vec<Option<Window>> = trace
            .nodes
            .iter()
            .map(|n| observed(&n.service, window))
            .collect();
        let unobserved = windows.iter().filter(|w| w.is_none()).count() as u64;
        let mut outside_service = (0, 0);
        let mut outside_example = None;
        for (id, node) in trace.nodes.iter().enumerate() {
            if !node.service.is_dated() {
                continue;
            }
            let count = trace
                .outages_of(id as u32)
                .iter()
                .filter(|o| outside(o, &node.service))
                .count() as u64;
            if count > 0 {
                outside_service.0 += count;
                outside_service.1 += 1;
                outside_example.get_or_insert((node.name.clone(), count));
            }
        }
        Self {
            windows,
            unobserved,
            outside_service,
            outside_example,
        }
    }

    /// Downtime and failures of every named node inside its own window (zero for a node that
    /// is not observed).
    pub fn node_totals(&self, outages: &[Outage]) -> Vec<(f64, u64)> {
        let mut totals = vec![(0.0, 0u64); self.windows.len()];
        for o in outages {
            if let Some(window) = &self.windows[o.node as usize] {
                let entry = &mut totals[o.node as usize];
                entry.0 += window.clipped_downtime(o.start, o.end);
                entry.1 += u64::from(window.counts_failure(o.start));
            }
        }
        totals
    }

    /// The warnings a user must see: nodes left out and outages outside service.
    pub fn warnings(&self) -> Vec<String> {
        let mut warnings = Vec::new();
        if self.unobserved > 0 {
            warnings.push(format!(
                "{} node(s) are not in service at any time in the window and are left out",
                self.unobserved
            ));
        }
        if let Some((name, count)) = &self.outside_example {
            let (outages, nodes) = self.outside_service;
            warnings.push(format!(
                "{outages} outage(s) of {nodes} node(s) fall outside their node's service window \
                 (e.g. {name}: {count}) and are not counted; check the service dates"
            ));
        }
        warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trace::{Fault, TraceBuilder};

    #[test]
    fn windows_clip_service_to_the_analysis_window_and_count_contradictions() {
        let mut b = TraceBuilder::new();
        let early = b.node("early");
        let late = b.node("late");
        let gone = b.node("gone");
        b.service_start(late, 50.0);
        b.service_end(gone, 5.0);
        // An outage of `late` before it was installed is a contradiction. Ids follow the
        // natural order of names: early, gone, late.
        b.outage(late, 20.0, 30.0, Fault::Unknown, None);
        b.outage(late, 60.0, 70.0, Fault::Unknown, None);
        b.outage(early, 0.0, 0.0, Fault::Unknown, None);
        let t = b.finish().unwrap();
        let w = Window::new(10.0, 100.0).unwrap();
        let o = Observation::new(&t, &w);
        assert_eq!(
            o.windows,
            // `late` has no retirement: in service until the data's last time, 70, inclusive.
            vec![
                Window::new(10.0, 100.0),
                None,
                Window::new(50.0, 70.0_f64.next_up())
            ]
        );
        assert_eq!(o.unobserved, 1);
        assert_eq!(o.outside_service, (1, 1));
        assert_eq!(o.outside_example, Some(("late".to_string(), 1)));
        assert_eq!(
            o.node_totals(&t.outages),
            vec![(0.0, 0), (0.0, 0), (10.0, 1)]
        );
        assert_eq!(o.warnings().len(), 2);
    }
}
