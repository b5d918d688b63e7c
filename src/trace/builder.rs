//! Assembles a canonical [`Trace`] from the rows readers find.
//!
//! Readers hand over outages (interval rows), state transitions (event rows) and scenario
//! events in file order; [`TraceBuilder::finish`] then
//! 1. turns each node's transitions, in time order (file order for equal times), into outages:
//!    `down` while up opens one, `up` while down closes it, and the redundant ones (`up` while up,
//!    `down` while down) are ignored and counted in a warning; a node still down at the end stays
//!    down for ever (`end = ∞`), so any window clips it;
//! 2. sorts all outages by `(node, start)` and merges those of one node that overlap or touch,
//!    keeping the earliest one's fault and cause.
//!
//! Zero-length outages survive merging (unless they touch another outage): they are failures
//! with no downtime.

use std::collections::HashMap;

use rayon::slice::ParallelSliceMut;

use super::error::TraceError;
use super::model::{Fault, Node, NodeId, Outage, ScenarioEvent, ScenarioKind, Service, Trace};
use super::names::NameIndex;
use super::time::TimeKind;

/// A state change read from an event row.
#[derive(Debug, Clone, Copy)]
struct Transition {
    node: NodeId,
    time: f64,
    down: bool,
    fault: Fault,
}

/// Collects rows from any number of files into one trace.
#[derive(Debug, Default)]
pub struct TraceBuilder {
    sources: Vec<String>,
    time_kind: Option<TimeKind>,
    nodes: Vec<Node>,
    index: NameIndex,
    outages: Vec<Outage>,
    transitions: Vec<Transition>,
    events: Vec<ScenarioEvent>,
    causes: Vec<String>,
    cause_index: HashMap<String, u32>,
    repairable: bool,
    span: Option<(f64, f64)>,
    warnings: Vec<String>,
    /// Nodes installed again after they retired, the first by name.
    reinstalled: (u64, Option<String>),
    /// Nodes whose source dates every node, so that an open end means the data's span.
    bounded: rustc_hash::FxHashSet<NodeId>,
}

impl TraceBuilder {
    /// An empty builder for repairable units.
    pub fn new() -> Self {
        Self {
            repairable: true,
            ..Self::default()
        }
    }

    /// Records that rows from `file` follow.
    pub fn source(&mut self, file: &str) {
        self.sources.push(file.to_string());
    }

    /// Records how `file` writes times. Sources of different kinds cannot mix.
    pub fn time_kind(&mut self, file: &str, kind: TimeKind) -> Result<(), TraceError> {
        match self.time_kind {
            Some(seen) if seen != kind => Err(TraceError::BadHeader {
                file: file.to_string(),
                reason: format!(
                    "this file's times are {kind:?}s but an earlier file's are {seen:?}s; \
                     analyse them separately or convert one"
                )
                .to_lowercase(),
            }),
            _ => {
                self.time_kind = Some(kind);
                Ok(())
            }
        }
    }

    /// Marks the units as non-repairable (the source says a failed unit never comes back).
    pub fn non_repairable(&mut self) {
        self.repairable = false;
    }

    /// Adds a tolerated-input warning.
    pub fn warn(&mut self, warning: String) {
        self.warnings.push(warning);
    }

    /// The id of the node called `name`, adding it if new.
    pub fn node(&mut self, name: &str) -> NodeId {
        if let Some(id) = self.index.get(name) {
            return id;
        }
        let id = self.nodes.len() as NodeId;
        self.nodes.push(Node {
            name: name.to_string(),
            ..Node::default()
        });
        self.index.insert(name, id);
        id
    }

    /// Number of nodes so far.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    /// Sets a node attribute unless it already has one of that name (first value wins).
    pub fn attr(&mut self, node: NodeId, key: &str, value: &str) {
        if value.is_empty() {
            return;
        }
        let attrs = &mut self.nodes[node as usize].attrs;
        if !attrs.contains_key(key) {
            attrs.insert(key.to_string(), value.to_string());
        }
    }

    /// The index of a root-cause name, adding it if new.
    pub fn cause(&mut self, name: &str) -> u32 {
        if let Some(&id) = self.cause_index.get(name) {
            return id;
        }
        // Past the packing limit every further cause shares the last index; no real trace has
        // a billion root causes.
        if self.causes.len() as u32 >= Outage::MAX_CAUSES {
            return Outage::MAX_CAUSES - 1;
        }
        let id = self.causes.len() as u32;
        self.causes.push(name.to_string());
        self.cause_index.insert(name.to_string(), id);
        id
    }

    /// Widens the observed span to include `time` (an up interval, a censoring time, ...).
    pub fn observe(&mut self, time: f64) {
        if !time.is_finite() {
            return;
        }
        self.span = Some(match self.span {
            None => (time, time),
            Some((lo, hi)) => (lo.min(time), hi.max(time)),
        });
    }

    /// Adds a down interval. The caller has checked `start <= end`.
    pub fn outage(&mut self, node: NodeId, start: f64, end: f64, fault: Fault, cause: Option<u32>) {
        debug_assert!(start <= end);
        self.observe(start);
        self.observe(end);
        self.outages
            .push(Outage::new(node, start, end, fault, cause));
    }

    /// Adds a `down` (or `up`) transition of a node at `time`.
    pub fn transition(&mut self, node: NodeId, time: f64, down: bool, fault: Fault) {
        self.observe(time);
        self.transitions.push(Transition {
            node,
            time,
            down,
            fault,
        });
    }

    /// Adds a scenario event (partition, heal, delay, loss, pause, elect).
    pub fn event(&mut self, time: f64, node: Option<NodeId>, kind: ScenarioKind, detail: &str) {
        self.observe(time);
        self.events.push(ScenarioEvent {
            time,
            node,
            kind,
            detail: detail.to_string(),
        });
    }

    /// Records that `node` was in service from `time` (installed, in production, first seen).
    /// The earliest known start wins; `-∞` (since before the data) never replaces a known one.
    pub fn service_start(&mut self, node: NodeId, time: f64) {
        let record = &self.nodes[node as usize];
        if record.service.end.is_finite() && time >= record.service.end {
            self.reinstalled.0 += 1;
            self.reinstalled
                .1
                .get_or_insert_with(|| record.name.clone());
        }
        let service = &mut self.nodes[node as usize].service;
        if service.start == f64::NEG_INFINITY || time < service.start {
            service.start = time;
        }
    }

    /// Records that `node` left service at `time` (retired, decommissioned, last seen). The
    /// latest known end wins; `+∞` (still in service) never replaces a known one.
    pub fn service_end(&mut self, node: NodeId, time: f64) {
        let service = &mut self.nodes[node as usize].service;
        if service.end == f64::INFINITY || time > service.end {
            service.end = time;
        }
    }

    /// Records that `node` comes from a source that dates its nodes' service, so that an end it
    /// leaves open (`before tracking`, `current`, empty) is the data's first or last time.
    pub fn dated_by_source(&mut self, node: NodeId) {
        self.bounded.insert(node);
    }

    /// Records that `node` was last seen in service at `time`, that instant included (so an
    /// outage recorded then falls inside its service): the window ends just after `time`.
    pub fn last_seen(&mut self, node: NodeId, time: f64) {
        self.service_end(node, time.next_up());
    }

    /// Records a whole service window (both ends as [`TraceBuilder::service_start`] and
    /// [`TraceBuilder::service_end`] would).
    pub fn service(&mut self, node: NodeId, service: Service) {
        if service.start.is_finite() {
            self.service_start(node, service.start);
        }
        if service.end.is_finite() {
            self.service_end(node, service.end);
        }
    }

    /// Makes room for `factor` times as many outages and transitions as were added so far: a
    /// reader that has seen part of a file can size the rest, so that millions of rows are not
    /// copied from one doubling of a vector to the next (which would also double peak memory).
    pub fn reserve_proportionally(&mut self, factor: f64) {
        let more = |len: usize| (len as f64 * factor).ceil() as usize;
        self.outages.reserve(more(self.outages.len()));
        self.transitions.reserve(more(self.transitions.len()));
    }

    /// Adds everything `later` collected from a later part of the same file, mapping its node
    /// and cause ids onto this builder's (by name), as if its rows had been added here. Returns
    /// an empty builder with `later`'s room for rows, to collect the next part in without
    /// paging in fresh memory.
    pub fn absorb(&mut self, mut later: TraceBuilder) -> TraceBuilder {
        let nodes: Vec<NodeId> = later.nodes.iter().map(|n| self.node(&n.name)).collect();
        for (node, &id) in later.nodes.iter().zip(&nodes) {
            for (key, value) in &node.attrs {
                self.attr(id, key, value);
            }
            self.service(id, node.service);
        }
        self.bounded
            .extend(later.bounded.iter().map(|&n| nodes[n as usize]));
        self.reinstalled.0 += later.reinstalled.0;
        if self.reinstalled.1.is_none() {
            self.reinstalled.1 = later.reinstalled.1;
        }
        let causes: Vec<u32> = later.causes.iter().map(|c| self.cause(c)).collect();
        self.outages.extend(later.outages.iter().map(|o| {
            let cause = o.cause().map(|c| causes[c as usize]);
            Outage::new(nodes[o.node as usize], o.start, o.end, o.fault(), cause)
        }));
        self.transitions
            .extend(later.transitions.iter().map(|t| Transition {
                node: nodes[t.node as usize],
                ..*t
            }));
        self.events
            .extend(later.events.into_iter().map(|e| ScenarioEvent {
                node: e.node.map(|n| nodes[n as usize]),
                ..e
            }));
        if let Some((lo, hi)) = later.span {
            self.observe(lo);
            self.observe(hi);
        }
        self.warnings.extend(later.warnings);
        self.repairable &= later.repairable;
        later.outages.clear();
        later.transitions.clear();
        later.nodes.clear();
        later.index.clear();
        TraceBuilder {
            outages: later.outages,
            transitions: later.transitions,
            nodes: later.nodes,
            index: later.index,
            ..TraceBuilder::new()
        }
    }

    /// Merges everything into a canonical trace; `None` when nothing at all was read.
    pub fn finish(mut self) -> Option<Trace> {
        let span = self.span?;
        if let (count, Some(name)) = &self.reinstalled {
            self.warnings.push(format!(
                "{count} node(s) enter service again after they left it (e.g. {name}); a node \
                 has one service window, from its first start to its last end, so the time \
                 between counts as in service"
            ));
        }
        for (id, node) in self.nodes.iter_mut().enumerate() {
            node.service = node
                .service
                .within(span, self.bounded.contains(&(id as NodeId)));
        }
        self.order_nodes_naturally();
        self.transitions_to_outages();
        let outages = merge_outages(std::mem::take(&mut self.outages));
        self.events.sort_by(|a, b| a.time.total_cmp(&b.time));
        Some(Trace {
            sources: self.sources,
            time_kind: self.time_kind.unwrap_or(TimeKind::Number),
            nodes: self.nodes,
            unnamed_nodes: 0,
            outages,
            events: self.events,
            repairable: self.repairable,
            causes: self.causes,
            span,
            warnings: self.warnings,
        })
    }

    /// Renumbers nodes so that ids follow the natural order of names (`n2` before `n10`), which
    /// makes every listing independent of the order rows happened to arrive in.
    fn order_nodes_naturally(&mut self) {
        let mut order: Vec<NodeId> = (0..self.nodes.len() as NodeId).collect();
        order.sort_by(|&a, &b| {
            natural_cmp(&self.nodes[a as usize].name, &self.nodes[b as usize].name)
        });
        let mut new_id = vec![0; order.len()];
        for (new, &old) in order.iter().enumerate() {
            new_id[old as usize] = new as NodeId;
        }
        let mut nodes = std::mem::take(&mut self.nodes);
        self.nodes = order
            .iter()
            .map(|&old| std::mem::take(&mut nodes[old as usize]))
            .collect();
        let remap = |id: &mut NodeId| *id = new_id[*id as usize];
        self.outages.iter_mut().for_each(|o| remap(&mut o.node));
        self.transitions.iter_mut().for_each(|t| remap(&mut t.node));
        self.events
            .iter_mut()
            .filter_map(|e| e.node.as_mut())
            .for_each(remap);
        self.index.renumber(&new_id);
    }

    fn transitions_to_outages(&mut self) {
        let mut transitions = std::mem::take(&mut self.transitions);
        // Stable: equal times keep file order, so `down,up` at one instant is a zero-length outage.
        transitions.sort_by(|a, b| a.node.cmp(&b.node).then(a.time.total_cmp(&b.time)));
        let (mut redundant_up, mut redundant_down) = (0u64, 0u64);
        let mut open: Option<Transition> = None;
        for (i, t) in transitions.iter().enumerate() {
            if t.down {
                if open.is_some() {
                    redundant_down += 1;
                } else {
                    open = Some(*t);
                }
            } else if let Some(down) = open.take() {
                self.outages
                    .push(Outage::new(t.node, down.time, t.time, down.fault, None));
            } else {
                redundant_up += 1;
            }
            let last_of_node = transitions
                .get(i + 1)
                .is_none_or(|next| next.node != t.node);
            if last_of_node && let Some(down) = open.take() {
                self.outages.push(Outage::new(
                    down.node,
                    down.time,
                    f64::INFINITY,
                    down.fault,
                    None,
                ));
            }
        }
        if redundant_up + redundant_down > 0 {
            self.warnings.push(format!(
                "ignored {redundant_up} `up` event(s) for nodes already up and \
                 {redundant_down} `down` event(s) for nodes already down"
            ));
        }
    }
}

/// The bits of a float as an integer that sorts like [`f64::total_cmp`]: integer comparisons
/// make sorting millions of outages markedly faster than float comparisons.
pub fn ordered_bits(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    }
}

/// The float whose [`ordered_bits`] are `key`.
pub fn from_ordered_bits(key: u64) -> f64 {
    f64::from_bits(if key >> 63 == 1 {
        key & !(1 << 63)
    } else {
        !key
    })
}

/// Compares names so that runs of digits compare as numbers: `n2 < n10`, `20-9 < 20-10`.
pub fn natural_cmp(a: &str, b: &str) -> std::cmp::Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    loop {
        match (a.first(), b.first()) {
            (None, None) => return std::cmp::Ordering::Equal,
            (None, Some(_)) => return std::cmp::Ordering::Less,
            (Some(_), None) => return std::cmp::Ordering::Greater,
            (Some(x), Some(y)) if x.is_ascii_digit() && y.is_ascii_digit() => {
                let digits = |s: &[u8]| s.iter().take_while(|c| c.is_ascii_digit()).count();
                let (na, nb) = (digits(a), digits(b));
                let trim = |s: &[u8]| {
                    let zeros = s.iter().take_while(|c| **c == b'0').count();
                    s[zeros..].to_vec()
                };
                let (ta, tb) = (trim(&a[..na]), trim(&b[..nb]));
                let order = ta
                    .len()
                    .cmp(&tb.len())
                    .then_with(|| ta.cmp(&tb))
                    .then(na.cmp(&nb));
                if order != std::cmp::Ordering::Equal {
                    return order;
                }
                a = &a[na..];
                b = &b[nb..];
            }
            (Some(x), Some(y)) => {
                if x != y {
                    return x.cmp(y);
                }
                a = &a[1..];
                b = &b[1..];
            }
        }
    }
}

/// Sorts outages by `(node, start)` and merges overlapping or touching ones of the same node,
/// in place (traces of millions of outages should not need a second copy).
pub fn merge_outages(mut outages: Vec<Outage>) -> Vec<Outage> {
    // Times are never NaN (readers reject them), so plain comparisons order them totally.
    outages.par_sort_unstable_by(|a, b| {
        a.node.cmp(&b.node).then_with(|| {
            (a.start, a.end)
                .partial_cmp(&(b.start, b.end))
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    });
    let mut kept = 0;
    for i in 0..outages.len() {
        let outage = outages[i];
        if kept > 0 {
            let last = &mut outages[kept - 1];
            if last.node == outage.node && outage.start <= last.end {
                last.end = last.end.max(outage.end);
                continue;
            }
        }
        outages[kept] = outage;
        kept += 1;
    }
    outages.truncate(kept);
    outages
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outage(node: NodeId, start: f64, end: f64) -> Outage {
        Outage::new(node, start, end, Fault::Unknown, None)
    }

    fn spans(outages: &[Outage]) -> Vec<(NodeId, f64, f64)> {
        outages.iter().map(|o| (o.node, o.start, o.end)).collect()
    }

    #[test]
    fn overlapping_and_touching_outages_merge() {
        let merged = merge_outages(vec![
            outage(0, 10.0, 20.0),
            outage(0, 15.0, 25.0),
            outage(0, 25.0, 30.0),
            outage(0, 40.0, 40.0),
            outage(1, 12.0, 18.0),
            outage(0, 5.0, 6.0),
        ]);
        assert_eq!(
            spans(&merged),
            vec![
                (0, 5.0, 6.0),
                (0, 10.0, 30.0),
                (0, 40.0, 40.0),
                (1, 12.0, 18.0)
            ]
        );
    }

    #[test]
    fn merged_outage_keeps_the_earliest_fault() {
        let a = Outage::new(0, 0.0, 10.0, Fault::Permanent, None);
        let b = Outage::new(0, 5.0, 20.0, Fault::Transient, None);
        let merged = merge_outages(vec![b, a]);
        assert_eq!(merged.len(), 1);
        assert_eq!(merged[0].fault(), Fault::Permanent);
        assert_eq!(merged[0].end, 20.0);
    }

    #[test]
    fn transitions_pair_up_and_redundant_ones_are_counted() {
        let mut b = TraceBuilder::new();
        let n1 = b.node("n1");
        let n2 = b.node("n2");
        b.transition(n1, 10.0, true, Fault::Transient);
        b.transition(n1, 12.0, true, Fault::Unknown); // already down
        b.transition(n1, 15.0, false, Fault::Unknown);
        b.transition(n1, 16.0, false, Fault::Unknown); // already up
        b.transition(n2, 30.0, true, Fault::Permanent); // never comes back
        b.transition(n1, 20.0, true, Fault::Unknown);
        b.transition(n1, 20.0, false, Fault::Unknown); // zero-length outage
        let trace = b.finish().unwrap();
        assert_eq!(
            spans(&trace.outages),
            vec![(0, 10.0, 15.0), (0, 20.0, 20.0), (1, 30.0, f64::INFINITY)]
        );
        assert_eq!(trace.outages[0].fault(), Fault::Transient);
        assert_eq!(trace.span, (10.0, 30.0));
        assert_eq!(
            trace.warnings,
            vec![
                "ignored 1 `up` event(s) for nodes already up and 1 `down` event(s) for nodes \
                 already down"
            ]
        );
    }

    #[test]
    fn ordered_bits_sort_like_floats() {
        let mut values = [
            3.5,
            -0.0,
            f64::INFINITY,
            -2.0,
            0.0,
            1e-300,
            f64::NEG_INFINITY,
            -1e300,
        ];
        let mut by_bits = values;
        values.sort_by(f64::total_cmp);
        by_bits.sort_by_key(|x| ordered_bits(*x));
        assert_eq!(values.map(f64::to_bits), by_bits.map(f64::to_bits));
        for x in values {
            assert_eq!(from_ordered_bits(ordered_bits(x)).to_bits(), x.to_bits());
        }
    }

    #[test]
    fn natural_order_of_names() {
        let mut names = vec!["n10", "n2", "n1", "20-10", "20-9", "b", "a", "n02"];
        names.sort_by(|a, b| natural_cmp(a, b));
        assert_eq!(
            names,
            vec!["20-9", "20-10", "a", "b", "n1", "n2", "n02", "n10"]
        );
    }

    #[test]
    fn nodes_are_numbered_in_natural_order() {
        let mut b = TraceBuilder::new();
        let n10 = b.node("n10");
        let n2 = b.node("n2");
        b.outage(n10, 1.0, 2.0, Fault::Unknown, None);
        b.outage(n2, 3.0, 4.0, Fault::Unknown, None);
        let trace = b.finish().unwrap();
        assert_eq!(trace.nodes[0].name, "n2");
        assert_eq!(spans(&trace.outages), vec![(0, 3.0, 4.0), (1, 1.0, 2.0)]);
    }

    #[test]
    fn absorbing_a_later_part_equals_reading_it_here() {
        let rows = [
            ("n2", 1.0, 2.0),
            ("n1", 3.0, 4.0),
            ("n3", 5.0, 6.0),
            ("n1", 7.0, 8.0),
        ];
        let add = |b: &mut TraceBuilder, (name, start, end): (&str, f64, f64), cause: &str| {
            let node = b.node(name);
            b.attr(node, "group", &format!("g-{name}-{start}"));
            let cause = b.cause(cause);
            b.outage(node, start, end, Fault::Transient, Some(cause));
        };
        let mut whole = TraceBuilder::new();
        for (i, row) in rows.iter().enumerate() {
            add(&mut whole, *row, if i % 2 == 0 { "disk" } else { "net" });
        }
        let (mut first, mut second) = (TraceBuilder::new(), TraceBuilder::new());
        add(&mut first, rows[0], "disk");
        add(&mut first, rows[1], "net");
        add(&mut second, rows[2], "disk");
        add(&mut second, rows[3], "net");
        let _room = first.absorb(second);
        assert_eq!(first.finish(), whole.finish());
    }

    #[test]
    fn empty_builder_gives_nothing() {
        assert!(TraceBuilder::new().finish().is_none());
    }
}
