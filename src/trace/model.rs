//! The trace model every reader produces and every consumer (analytics, simulator) reads.
//!
//! A [`Trace`] is canonical: each node's outages are sorted by start and never overlap or touch
//! (such outages were merged into one), times are `f64` seconds, and node ids index `nodes`.
//! Events that are not outages (partitions, delay and loss changes, pauses, elections) are kept
//! in time order for the simulator; analytics ignores them.
//!
//! Every node has a [`Service`] window: the time it was in service (installed, in production,
//! first seen) until it left (retired, decommissioned, last seen). Unknown ends are infinite, so
//! a node nobody dated is in service for any window. Analytics observes a node only inside its
//! own window, and a non-repairable unit's age counts from its service start.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use super::time::TimeKind;

/// Index of a node in [`Trace::nodes`].
pub type NodeId = u32;

/// The fault model of an outage (DESIGN.md), `Unknown` when the trace does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Not recorded.
    #[default]
    Unknown,
    /// One short outage.
    Transient,
    /// Repeated short outages of the same node.
    Intermittent,
    /// The node does not come back (or comes back as a replacement).
    Permanent,
}

impl Fault {
    /// Every fault class, in display order.
    pub const ALL: [Fault; 4] = [
        Fault::Transient,
        Fault::Intermittent,
        Fault::Permanent,
        Fault::Unknown,
    ];

    /// The name used in traces and output (`unknown` for an empty field).
    pub fn name(self) -> &'static str {
        match self {
            Fault::Unknown => "unknown",
            Fault::Transient => "transient",
            Fault::Intermittent => "intermittent",
            Fault::Permanent => "permanent",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Fault {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "" | "unknown" => Ok(Fault::Unknown),
            "transient" => Ok(Fault::Transient),
            "intermittent" => Ok(Fault::Intermittent),
            "permanent" => Ok(Fault::Permanent),
            other => Err(format!(
                "unknown fault `{other}`; use transient, intermittent, permanent or leave it empty"
            )),
        }
    }
}

/// When a node was in service, `[start, end)` in trace seconds; `-∞` = since before the data,
/// `+∞` = still in service when the data ends.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Service {
    /// Installation, production date or first record.
    pub start: f64,
    /// Retirement, decommission, removal or last record.
    pub end: f64,
}

impl Service {
    /// In service for ever: the window of a node no source dates.
    pub const ALWAYS: Service = Service {
        start: f64::NEG_INFINITY,
        end: f64::INFINITY,
    };

    /// Whether either end is known.
    pub fn is_dated(&self) -> bool {
        self.start.is_finite() || self.end.is_finite()
    }

    /// A dated window's open ends closed at the data's span: "since before the data" means
    /// since the data's first record, "still in service" until its last one, inclusive (an
    /// outage recorded at that instant is inside), so a window wider than the data never
    /// credits a node with time nobody recorded. A window with no known end (a node no source
    /// dates) stays open, in service for whatever window is analysed, unless `bounded`: its
    /// source is a record of the fleet over the data's span (LANL), so an empty date means the
    /// span and a date past it (decommissioned after the records stop) is cut to it.
    pub fn within(self, (first, last): (f64, f64), bounded: bool) -> Service {
        if !self.is_dated() && !bounded {
            return self;
        }
        if bounded {
            return Service {
                start: self.start.max(first),
                end: self.end.min(last.next_up()),
            };
        }
        Service {
            start: if self.start.is_finite() {
                self.start
            } else {
                first
            },
            end: if self.end.is_finite() {
                self.end
            } else {
                last.next_up()
            },
        }
    }
}

impl Default for Service {
    fn default() -> Self {
        Service::ALWAYS
    }
}

/// One node of the trace: its name, the attributes extra columns gave it (first value wins) and
/// its service window.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Node {
    /// The node's name as written in the trace (`n1`, `20.17`, a serial number, ...).
    pub name: String,
    /// Extra columns such as `group`, keyed by column name.
    pub attrs: BTreeMap<String, String>,
    /// When it was in service.
    pub service: Service,
}

impl Node {
    /// The node's `group` attribute, if it has one.
    pub fn group(&self) -> Option<&str> {
        self.attrs.get("group").map(String::as_str)
    }
}

/// One down interval of one node, `[start, end)` in seconds; `end` may be infinite for a node
/// that is still down when the trace ends.
///
/// Traces hold millions of these, so an outage is 24 bytes: the fault class and root cause are
/// packed into one word (see [`Outage::fault`] and [`Outage::cause`]).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outage {
    /// The node that was down.
    pub node: NodeId,
    /// Fault class in the top two bits, cause index + 1 in the rest (0 = no cause).
    labels: u32,
    /// When it went down.
    pub start: f64,
    /// When it came back (`f64::INFINITY` if it never did).
    pub end: f64,
}

/// Bits of [`Outage`]'s label word that hold the cause.
const CAUSE_BITS: u32 = (1 << 30) - 1;

impl Outage {
    /// The most root causes a trace can name.
    pub const MAX_CAUSES: u32 = CAUSE_BITS - 1;

    /// An outage of `node` from `start` to `end`; `cause` indexes [`Trace::causes`] and must be
    /// below [`Outage::MAX_CAUSES`].
    pub fn new(node: NodeId, start: f64, end: f64, fault: Fault, cause: Option<u32>) -> Self {
        let fault_bits = match fault {
            Fault::Unknown => 0,
            Fault::Transient => 1,
            Fault::Intermittent => 2,
            Fault::Permanent => 3,
        };
        let cause_bits = cause.map_or(0, |c| c.min(Self::MAX_CAUSES) + 1);
        Self {
            node,
            labels: (fault_bits << 30) | cause_bits,
            start,
            end,
        }
    }

    /// The fault class (of the earliest outage when several were merged).
    pub fn fault(&self) -> Fault {
        match self.labels >> 30 {
            1 => Fault::Transient,
            2 => Fault::Intermittent,
            3 => Fault::Permanent,
            _ => Fault::Unknown,
        }
    }

    /// Index into [`Trace::causes`], when the trace names a root cause.
    pub fn cause(&self) -> Option<u32> {
        (self.labels & CAUSE_BITS).checked_sub(1)
    }

    /// The outage's length in seconds.
    pub fn len(&self) -> f64 {
        self.end - self.start
    }

    /// Whether the outage has zero length (a failure with no downtime).
    pub fn is_empty(&self) -> bool {
        self.end <= self.start
    }
}

/// What a scenario event does (the non-outage rows of an event trace).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ScenarioKind {
    /// Split the network into the groups in `detail`.
    Partition,
    /// Remove all partitions.
    Heal,
    /// Change the delay model to `detail`.
    Delay,
    /// Change the loss probability to `detail`.
    Loss,
    /// Freeze the node for `detail` seconds.
    Pause,
    /// The node starts a leader election.
    Elect,
    /// The server's service time becomes `detail` times the configured one (1 restores it).
    Slow,
}

/// A timed scenario event for the simulator.
#[derive(Debug, Clone, PartialEq)]
pub struct ScenarioEvent {
    /// When it happens, in trace seconds.
    pub time: f64,
    /// The node concerned, for pause, elect and slow.
    pub node: Option<NodeId>,
    /// What happens.
    pub kind: ScenarioKind,
    /// The event's parameter as written (groups, delay model, probability, seconds).
    pub detail: String,
}

/// A whole trace, canonical as described in the module docs.
#[derive(Debug, Clone, PartialEq)]
pub struct Trace {
    /// The files it was read from.
    pub sources: Vec<String>,
    /// Whether times were numbers or datetimes.
    pub time_kind: TimeKind,
    /// All nodes: those named in the trace, then those declared by a population.
    pub nodes: Vec<Node>,
    /// Nodes known to exist but never named (`--population N` beyond the named ones).
    pub unnamed_nodes: u64,
    /// Outages sorted by `(node, start)`, merged so that no two of one node overlap or touch.
    pub outages: Vec<Outage>,
    /// Scenario events in time order (stable for equal times).
    pub events: Vec<ScenarioEvent>,
    /// Whether units are repaired; `false` when the source says they are not.
    pub repairable: bool,
    /// Root-cause names that [`Outage::cause`] indexes.
    pub causes: Vec<String>,
    /// The earliest and latest finite time in the trace: the default observation window.
    pub span: (f64, f64),
    /// Things the reader tolerated, for the user to see (ignored transitions, skipped rows, ...).
    pub warnings: Vec<String>,
}

impl Trace {
    /// Total number of nodes, named and unnamed.
    pub fn population(&self) -> u64 {
        self.nodes.len() as u64 + self.unnamed_nodes
    }

    /// The outages of one node, in order.
    pub fn outages_of(&self, node: NodeId) -> &[Outage] {
        let from = self.outages.partition_point(|o| o.node < node);
        let to = self.outages.partition_point(|o| o.node <= node);
        &self.outages[from..to]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_the_outage_stays_small() {
        assert_eq!(std::mem::size_of::<Outage>(), 24);
        for fault in Fault::ALL {
            for cause in [None, Some(0), Some(7), Some(Outage::MAX_CAUSES - 1)] {
                let o = Outage::new(3, 1.0, 2.0, fault, cause);
                assert_eq!((o.fault(), o.cause(), o.node), (fault, cause, 3));
            }
        }
    }
}
