//! Faults and scenario events on the simulator's clock, from a trace.
//!
//! Outages become a crash at their start and a recovery at their end; the trace's scenario
//! events (partition, heal, delay, loss, pause, elect, slow) keep their meaning. Trace nodes are matched
//! to simulated nodes by name (`n1` .. `nN`); a trace may also name the clients of a run that has
//! them (`c1` .. `cC`) in pauses (`c2,pause,,8` freezes client c2 for 8 s) — not in outages
//! (clients do not crash) nor in partitions (which cut servers only). Times are shifted so that the trace's first instant
//! is time 0 for datetime traces; numeric traces keep their times (seconds from 0).

use thiserror::Error;

use super::delay::DelayModel;
use super::protocol::NodeIdx;
use super::time::{Nanos, from_secs};
use crate::trace::{ScenarioKind, TimeKind, Trace};
use crate::units::parse_duration;

/// Something that happens to the cluster at a time.
#[derive(Debug, Clone)]
pub enum Fault {
    /// The node's process stops; volatile state is lost.
    Crash(NodeIdx),
    /// The node's process restarts from stable storage.
    Recover(NodeIdx),
    /// The network splits into these groups (nodes in none form one more group).
    Partition(Vec<Vec<NodeIdx>>),
    /// Links from the first set to the second are cut, one way.
    CutOneWay(Vec<NodeIdx>, Vec<NodeIdx>),
    /// All partitions and cuts are removed.
    Heal,
    /// The delay model changes.
    Delay(DelayModel),
    /// The loss probability changes.
    Loss(f64),
    /// The node freezes for this long.
    Pause(NodeIdx, Nanos),
    /// The node starts a leader election.
    Elect(NodeIdx),
    /// The server's service time is this many times the configured one from now on (1
    /// restores it).
    Slow(NodeIdx, f64),
}

/// A trace that cannot be replayed on this cluster.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ScenarioError {
    /// A node name that is not `nK`.
    #[error("node `{name}` is not named n1..n{nodes}")]
    NotNamed {
        /// The name.
        name: String,
        /// The cluster size.
        nodes: u32,
    },
    /// A client that the run does not have.
    #[error("client `{name}` does not exist in a run of {clients} client(s) (raise --clients)")]
    NoSuchClient {
        /// The name.
        name: String,
        /// The number of clients.
        clients: u32,
    },
    /// A client with an outage.
    #[error("client `{0}` has an outage: clients pause (`{0},pause,,8`) but do not crash")]
    ClientOutage(String),
    /// A client in a partition.
    #[error(
        "client `{0}` in a partition: partitions cut servers only (a client reaches every side)"
    )]
    ClientPartitioned(String),
    /// A node past the cluster.
    #[error("node `{name}` does not exist in a cluster of {nodes} (raise --nodes)")]
    NoSuchNode {
        /// The name.
        name: String,
        /// The cluster size.
        nodes: u32,
    },
    /// The cluster size cannot be read from names that are not `nK`.
    #[error(
        "node `{0}` is not named n1..nN, so the cluster size cannot be read from the trace; \
         name its nodes n1, n2, ... or give --nodes"
    )]
    Unsized(String),
    /// An event at a time before the run starts.
    #[error("time {0} is before the start of the run")]
    BeforeStart(f64),
    /// An event that concerns a node names none.
    #[error("a {0:?} event needs a node")]
    NeedsNode(ScenarioKind),
    /// A delay event's model does not parse.
    #[error("a delay event")]
    Delay(#[from] super::delay::DelayError),
    /// A loss event's probability does not parse.
    #[error("loss `{0}` is no probability")]
    Loss(String),
    /// A slow event's factor does not parse.
    #[error("slow `{0}` is no positive factor")]
    Slow(String),
    /// A pause event's length does not parse.
    #[error("a pause")]
    Pause(#[from] crate::units::DurationError),
    /// The random scenario's generator refused its settings.
    #[error("random faults: {0}")]
    Random(String),
}

/// A trace whose nodes keep other names (a LANL system's `2-17`, a hostname) on the simulator:
/// its nodes renamed `n{first}`, `n{first+1}`, ... in the order of their names (numbers in names
/// compared as numbers, so `2-9` comes before `2-10`), with the mapping (new name, old name).
/// Traces whose every node is already `nK` are returned as they are.
pub fn renumbered(trace: &Trace, first: u32) -> (Trace, Vec<(String, String)>) {
    if trace
        .nodes
        .iter()
        .all(|n| node_index(&n.name, u32::MAX).is_ok())
    {
        return (trace.clone(), Vec::new());
    }
    let key = |name: &str| -> Vec<(String, u64)> {
        name.split(|c: char| !c.is_ascii_digit())
            .zip(name.split(|c: char| c.is_ascii_digit()))
            .map(|(digits, text)| (text.to_string(), digits.parse().unwrap_or(0)))
            .collect()
    };
    let mut order: Vec<usize> = (0..trace.nodes.len()).collect();
    order.sort_by_key(|&i| (key(&trace.nodes[i].name), trace.nodes[i].name.clone()));
    let mut renamed = trace.clone();
    let mut mapping = Vec::new();
    for (k, &i) in order.iter().enumerate() {
        let name = format!("n{}", first + k as u32);
        mapping.push((name.clone(), trace.nodes[i].name.clone()));
        renamed.nodes[i].name = name;
    }
    (renamed, mapping)
}

/// Parses a node name `nK` into its index for a cluster of `nodes`.
pub fn node_index(name: &str, nodes: u32) -> Result<NodeIdx, ScenarioError> {
    let k: u32 = name
        .trim()
        .strip_prefix('n')
        .and_then(|k| k.parse().ok())
        .ok_or_else(|| ScenarioError::NotNamed {
            name: name.to_string(),
            nodes,
        })?;
    if k == 0 || k > nodes {
        return Err(ScenarioError::NoSuchNode {
            name: name.to_string(),
            nodes,
        });
    }
    Ok(k - 1)
}

/// The endpoint a trace's name stands for: server `nK`, or client `cK` of `clients` (whose
/// endpoints follow the servers').
pub fn endpoint_index(name: &str, nodes: u32, clients: u32) -> Result<NodeIdx, ScenarioError> {
    let Some(k) = client_number(name) else {
        return node_index(name, nodes);
    };
    if k == 0 || k > clients {
        return Err(ScenarioError::NoSuchClient {
            name: name.to_string(),
            clients,
        });
    }
    Ok(nodes + k - 1)
}

/// `K` of a client name `cK`.
fn client_number(name: &str) -> Option<u32> {
    name.trim().strip_prefix('c').and_then(|k| k.parse().ok())
}

/// The cluster a trace needs: its nodes are `n1..nN`, and N is the highest number it names, as
/// a node or inside a partition (at least 2). Used when `--nodes` is not given.
pub fn cluster_size(trace: &Trace) -> Result<u32, ScenarioError> {
    // The number of `nK`, read as node_index reads names in a cluster as large as can be.
    let number = |name: &str| {
        node_index(name, u32::MAX)
            .map(|index| index + 1)
            .map_err(|_| ScenarioError::Unsized(name.to_string()))
    };
    let mut highest = 2;
    for node in trace
        .nodes
        .iter()
        .filter(|n| client_number(&n.name).is_none())
    {
        highest = highest.max(number(&node.name)?);
    }
    let partitioned = trace
        .events
        .iter()
        .filter(|e| e.kind == ScenarioKind::Partition)
        .flat_map(|e| {
            e.detail
                .split(|c: char| c.is_whitespace() || c == '|' || c == '>')
        })
        .map(|word| word.trim_end_matches('-'))
        .filter(|word| !word.is_empty());
    for name in partitioned {
        highest = highest.max(number(name)?);
    }
    Ok(highest)
}

fn node_list(text: &str, nodes: u32) -> Result<Vec<NodeIdx>, ScenarioError> {
    text.split_whitespace()
        .map(|n| match client_number(n) {
            Some(_) => Err(ScenarioError::ClientPartitioned(n.to_string())),
            None => node_index(n, nodes),
        })
        .collect()
}

/// Parses a partition detail: groups `n1 n2 | n3 n4`, or a one-way cut `n1 n2 -> n3`.
pub fn parse_partition(detail: &str, nodes: u32) -> Result<Fault, ScenarioError> {
    if let Some((from, to)) = detail.split_once("->") {
        return Ok(Fault::CutOneWay(
            node_list(from, nodes)?,
            node_list(to, nodes)?,
        ));
    }
    let groups = detail
        .split('|')
        .map(|g| node_list(g, nodes))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Fault::Partition(groups))
}

/// The trace's faults on the simulator's clock, in time order (stable for equal times), for a
/// run of `nodes` servers and `clients` clients.
pub fn from_trace(
    trace: &Trace,
    nodes: u32,
    clients: u32,
) -> Result<Vec<(Nanos, Fault)>, ScenarioError> {
    let origin = match trace.time_kind {
        TimeKind::Datetime => trace.span.0,
        TimeKind::Number => 0.0,
    };
    let at = |t: f64| -> Result<Nanos, ScenarioError> {
        if t < origin {
            return Err(ScenarioError::BeforeStart(t));
        }
        Ok(from_secs(t - origin))
    };
    let mut faults = Vec::new();
    for o in &trace.outages {
        let name = &trace.nodes[o.node as usize].name;
        if client_number(name).is_some() {
            return Err(ScenarioError::ClientOutage(name.clone()));
        }
        let node = node_index(name, nodes)?;
        faults.push((at(o.start)?, Fault::Crash(node)));
        if o.end.is_finite() {
            faults.push((at(o.end)?, Fault::Recover(node)));
        }
    }
    for e in &trace.events {
        let node = || -> Result<NodeIdx, ScenarioError> {
            let id = e.node.ok_or(ScenarioError::NeedsNode(e.kind))?;
            endpoint_index(&trace.nodes[id as usize].name, nodes, clients)
        };
        let fault = match e.kind {
            ScenarioKind::Partition => parse_partition(&e.detail, nodes)?,
            ScenarioKind::Heal => Fault::Heal,
            ScenarioKind::Delay => Fault::Delay(e.detail.parse()?),
            ScenarioKind::Loss => Fault::Loss(
                e.detail
                    .parse()
                    .map_err(|_| ScenarioError::Loss(e.detail.clone()))?,
            ),
            ScenarioKind::Pause => {
                Fault::Pause(node()?, from_secs(parse_duration(&e.detail, 1.0)?))
            }
            ScenarioKind::Elect => Fault::Elect(node()?),
            ScenarioKind::Slow => {
                let id = e.node.ok_or(ScenarioError::NeedsNode(e.kind))?;
                let factor = e
                    .detail
                    .parse()
                    .map_err(|_| ScenarioError::Slow(e.detail.clone()))?;
                Fault::Slow(node_index(&trace.nodes[id as usize].name, nodes)?, factor)
            }
        };
        faults.push((at(e.time)?, fault));
    }
    faults.sort_by_key(|(t, _)| *t);
    Ok(faults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cluster_size_is_the_highest_node_named() {
        let mut b = crate::trace::TraceBuilder::new();
        let n3 = b.node("n3");
        b.transition(n3, 1.0, true, crate::trace::Fault::Unknown);
        b.event(2.0, None, ScenarioKind::Partition, "n1 | n2 -> n7");
        let trace = b.finish().unwrap();
        assert_eq!(cluster_size(&trace), Ok(7));
        let mut b = crate::trace::TraceBuilder::new();
        let web = b.node("web-1");
        b.transition(web, 1.0, true, crate::trace::Fault::Unknown);
        assert!(cluster_size(&b.finish().unwrap()).is_err());
    }

    #[test]
    fn node_names_map_to_indices() {
        assert_eq!(node_index("n1", 3), Ok(0));
        assert_eq!(node_index("n3", 3), Ok(2));
        assert!(node_index("n4", 3).is_err());
        assert!(node_index("web1", 3).is_err());
        assert!(node_index("n0", 3).is_err());
        assert_eq!(endpoint_index("c2", 3, 2), Ok(4));
        assert_eq!(endpoint_index("n2", 3, 2), Ok(1));
        assert!(matches!(
            endpoint_index("c3", 3, 2),
            Err(ScenarioError::NoSuchClient { clients: 2, .. })
        ));
        assert!(matches!(
            parse_partition("n1 | c1", 3),
            Err(ScenarioError::ClientPartitioned(_))
        ));
    }

    #[test]
    fn partition_details() {
        match parse_partition("n1 n2 | n3 n4 n5", 5).unwrap() {
            Fault::Partition(groups) => assert_eq!(groups, vec![vec![0, 1], vec![2, 3, 4]]),
            other => panic!("{other:?}"),
        }
        match parse_partition("n1 -> n2 n3", 3).unwrap() {
            Fault::CutOneWay(from, to) => assert_eq!((from, to), (vec![0], vec![1, 2])),
            other => panic!("{other:?}"),
        }
    }
}
