//! What a run measures: messages (total, dropped, by type, by sender), one HdrHistogram per
//! latency metric, and a timeline of observations.
//!
//! Histograms record nanoseconds from 1 ns to one hour with 3 significant figures. A latency is
//! whatever the protocol defines it to be (each protocol documents its metrics: for a failure
//! detector, `detection` runs from a node's crash to a monitor's suspicion of it). The simulator
//! has no load generator and hence no coordinated omission: every sample is the time of an event
//! that really happened in the simulation.

use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

use super::protocol::NodeIdx;
use super::time::{Nanos, SECOND, to_secs};

/// Largest latency a histogram can hold: one hour.
pub const MAX_LATENCY: Nanos = 3_600 * SECOND;

/// One timeline entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// When, in seconds.
    #[serde(rename = "time_s", serialize_with = "as_secs")]
    pub time: Nanos,
    /// The node concerned (for network-wide events, none).
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_name")]
    pub node: Option<NodeIdx>,
    /// What happened.
    pub kind: ObservationKind,
    /// The peer it concerns, if any.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "as_name")]
    pub peer: Option<NodeIdx>,
    /// What a reader needs besides: a partition's sides, a new delay model or loss rate, a
    /// pause's length, a ballot's number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn as_secs<S: serde::Serializer>(t: &Nanos, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(to_secs(*t))
}

fn as_name<S: serde::Serializer>(n: &Option<NodeIdx>, s: S) -> Result<S::Ok, S::Error> {
    match n {
        Some(n) => s.collect_str(&format_args!("n{}", n + 1)),
        None => s.serialize_none(),
    }
}

/// What an [`Observation`] records: the scenario's events, applied by the engine, and what
/// protocols report about themselves. Typed, so that a misspelt event does not compile and a
/// metric built on it cannot silently read zero. Each serializes as its name in the timeline
/// (`timeline.jsonl`); the three kinds of leadership event are all `leader` there, with the
/// leader (or none) as the peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ObservationKind {
    /// The node crashed.
    Crash,
    /// The node restarted.
    Recover,
    /// The node froze.
    Pause,
    /// The node resumed after a pause.
    Resume,
    /// The network was partitioned (or a one-way cut added).
    Partition,
    /// Every partition was removed.
    Heal,
    /// The delay model changed.
    Delay,
    /// The loss probability changed.
    Loss,
    /// The scenario told the node to start an election.
    Elect,
    /// The node started watching its peers with heartbeats (an election with failure
    /// detection on).
    Watch,
    /// A failure detector began to suspect the peer.
    Suspect,
    /// A failure detector trusts the peer again.
    Trust,
    /// An election started at this node.
    Election,
    /// The node now takes the peer for the leader (none: it has no leader).
    #[serde(rename = "leader")]
    LeaderView,
    /// The node took the lead (Multi-Paxos: completed phase 1); the peer is itself.
    #[serde(rename = "leader")]
    TookLead,
    /// The node stopped leading.
    #[serde(rename = "leader")]
    LeftLead,
    /// A proposer started a ballot (phase 1).
    Ballot,
    /// A node decided a value.
    Decide,
    /// The server's service time changed (a `slow` event; the detail is the factor).
    Slow,
    /// A re-replication started (GFS): the peer is the destination, the detail the chunk.
    Clone,
    /// Protection restored (VMware FT): the live VM has a new backup, the peer.
    Paired,
}

/// A latency histogram summarised in seconds (DESIGN.md keys).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Samples.
    pub count: u64,
    /// Smallest.
    pub min_s: f64,
    /// Mean.
    pub mean_s: f64,
    /// Median.
    pub p50_s: f64,
    /// 90th percentile.
    pub p90_s: f64,
    /// 99th percentile.
    pub p99_s: f64,
    /// 99.9th percentile.
    pub p999_s: f64,
    /// Largest.
    pub max_s: f64,
}

/// Counters and histograms of one run.
#[derive(Debug, Clone)]
pub struct Metrics {
    /// Every network send, including those dropped later.
    pub total: u64,
    /// Sends that never reached a live receiver.
    pub dropped: u64,
    /// Sends by message type, in first-seen order (few types: a linear search is fastest).
    by_type: Vec<(&'static str, u64)>,
    /// Sends by sender.
    pub sent_by_node: Vec<u64>,
    latency: BTreeMap<&'static str, Histogram<u64>>,
    /// Observations in time order.
    pub timeline: Vec<Observation>,
}

impl Metrics {
    /// Empty metrics for `nodes` nodes.
    pub fn new(nodes: u32) -> Self {
        Self {
            total: 0,
            dropped: 0,
            by_type: Vec::new(),
            sent_by_node: vec![0; nodes as usize],
            latency: BTreeMap::new(),
            timeline: Vec::new(),
        }
    }

    /// Counts one network send.
    pub fn sent(&mut self, from: NodeIdx, kind: &'static str) {
        self.sent_many(from, kind, 1);
    }

    /// Counts `count` network sends of one kind from one node (a broadcast; none is nothing,
    /// and leaves the kind unlisted).
    pub fn sent_many(&mut self, from: NodeIdx, kind: &'static str, count: u64) {
        if count == 0 {
            return;
        }
        self.total += count;
        self.sent_by_node[from as usize] += count;
        // Kinds are mostly the same literals: look for the address first, and compare text
        // only when it is not there (the same name can be a literal at two addresses).
        let at = match self
            .by_type
            .iter()
            .position(|(k, _)| std::ptr::eq(*k, kind))
        {
            Some(at) => Some(at),
            None => self.by_type.iter().position(|(k, _)| *k == kind),
        };
        match at {
            Some(at) => self.by_type[at].1 += count,
            None => self.by_type.push((kind, count)),
        }
    }

    /// Sends by message type, sorted by type.
    pub fn by_type(&self) -> BTreeMap<&'static str, u64> {
        self.by_type.iter().copied().collect()
    }

    /// Records one latency sample (clamped into the histogram's range).
    pub fn record(&mut self, metric: &'static str, nanos: Nanos) {
        let histogram = self.latency.entry(metric).or_insert_with(|| {
            Histogram::new_with_bounds(1, MAX_LATENCY, 3)
                .expect("static histogram bounds are valid")
        });
        histogram.saturating_record(nanos.clamp(1, MAX_LATENCY));
    }

    /// The latency histograms by name.
    pub fn histograms(&self) -> &BTreeMap<&'static str, Histogram<u64>> {
        &self.latency
    }
}

/// A histogram's summary in seconds.
pub fn summarize(h: &Histogram<u64>) -> LatencySummary {
    let q = |quantile: f64| to_secs(h.value_at_quantile(quantile));
    LatencySummary {
        count: h.len(),
        min_s: to_secs(h.min()),
        mean_s: h.mean() / 1e9,
        p50_s: q(0.5),
        p90_s: q(0.9),
        p99_s: q(0.99),
        p999_s: q(0.999),
        max_s: to_secs(h.max()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_summaries() {
        let mut m = Metrics::new(2);
        m.sent(0, "ping");
        m.sent(1, "ack");
        m.sent(0, "ping");
        assert_eq!(m.total, 3);
        assert_eq!(m.sent_by_node, vec![2, 1]);
        assert_eq!(
            m.by_type().into_iter().collect::<Vec<_>>(),
            vec![("ack", 1), ("ping", 2)]
        );
        // A broadcast counts at once; one to nobody lists nothing.
        m.sent_many(1, "ack", 4);
        m.sent_many(0, "beat", 0);
        assert_eq!((m.total, m.sent_by_node.clone()), (7, vec![2, 5]));
        assert_eq!(
            m.by_type().into_iter().collect::<Vec<_>>(),
            vec![("ack", 5), ("ping", 2)]
        );
        for ms in 1..=100 {
            m.record("detection", ms * 1_000_000);
        }
        let s = &summarize(&m.histograms()["detection"]);
        assert_eq!(s.count, 100);
        // 3 significant figures: values come back at their bucket's resolution.
        assert!((s.min_s - 0.001).abs() < 1e-6, "{}", s.min_s);
        assert!((s.p50_s - 0.050).abs() < 0.0001, "{}", s.p50_s);
        assert!((s.max_s - 0.100).abs() < 0.0001, "{}", s.max_s);
        assert!((s.mean_s - 0.0505).abs() < 0.0001, "{}", s.mean_s);
    }
}
