//! `faultline replay`: run one protocol on a simulated cluster under a scenario and report what
//! happened — message counts, latency histograms, invariant violations and a protocol-specific
//! outcome — in the JSON shape documented in the README.
//!
//! [`replay`] resolves what every protocol shares (the interval `h`, the names `d`, `r`, `h` of
//! timeout expressions and the timeout itself) into a [`RunContext`] and hands it to the
//! protocol's runner ([`super::registry`]), which sets up the simulation through
//! [`RunContext::simulation`] and builds the report with [`RunContext::finish`].
//!
//! The same settings and seed give the same report, byte for byte.

use crate::harness::overload::{self, Series};
use std::collections::BTreeMap;

use hdrhistogram::Histogram;
use serde::Serialize;

pub use super::outcome::{Outcome, Progress};
pub use super::registry::Protocol;
pub use super::settings::{
    ClientSettings, FtSettings, GfsSettings, PaxosSettings, ReplayError, ReplaySettings, ZkSettings,
};
use crate::protocols::client::ClientConfig;
use crate::sim::engine::{Simulation, SimulationBuilder, Violation};
use crate::sim::metrics::{LatencySummary, Metrics, Observation, ObservationKind, summarize};
use crate::sim::protocol::Protocol as SimProtocol;
use crate::sim::time::{Nanos, SECOND, from_secs, to_secs};
use crate::sim::timeout::{Names, TimeoutExpr};

/// `messages` of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Messages {
    /// Every network send.
    pub total: u64,
    /// Sends that never reached a live receiver.
    pub dropped: u64,
    /// Sends by message type.
    pub by_type: BTreeMap<&'static str, u64>,
    /// Sends by sender, `n1` first.
    pub by_node: Vec<u64>,
}

/// `invariants` of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invariants {
    /// Names of the properties checked.
    pub checked: Vec<&'static str>,
    /// Every time one stopped holding.
    pub violations: Vec<Violation>,
}

/// One replay's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReplayReport {
    /// Protocol name.
    pub protocol: String,
    /// Cluster size.
    pub nodes: u32,
    /// The seed.
    pub seed: u64,
    /// Virtual time covered, seconds.
    pub sim_time_s: f64,
    /// Events handled.
    pub events: u64,
    /// Message counts.
    pub messages: Messages,
    /// Latency summaries by metric.
    pub latency: BTreeMap<&'static str, LatencySummary>,
    /// Safety properties.
    pub invariants: Invariants,
    /// What the protocol achieved.
    pub outcome: Outcome,
}

/// A report with the raw material behind it (histograms, timeline), for `--out`.
#[derive(Debug, Clone)]
pub struct ReplayRun {
    /// The report.
    pub report: ReplayReport,
    /// Latency histograms by metric, nanoseconds.
    pub histograms: BTreeMap<&'static str, Histogram<u64>>,
    /// Every observation, in time order.
    pub timeline: Vec<Observation>,
    /// Files of the protocol's own that `--out` writes besides the common ones, by file name:
    /// an election's `leader.csv` (the leader service as an event trace), the ZooKeeper
    /// ensemble's `history.jsonl`.
    pub files: Vec<(&'static str, String)>,
    /// For runs with client policies, a capacity or a spike: the load, second by second.
    pub load: Option<Series>,
}

/// What a runner gets: the settings and what every protocol derives from them.
pub struct RunContext<'a> {
    /// The settings.
    pub settings: &'a ReplaySettings,
    /// The heartbeat or probe interval `h` (the setting, or 1 s).
    pub interval: Nanos,
    /// The values of `d`, `r` and `h` in timeout expressions, seconds.
    pub names: Names,
    /// The timeout expression (the setting, or the protocol's default).
    pub expr: TimeoutExpr,
    /// Its value.
    pub timeout: Nanos,
}

impl RunContext<'_> {
    /// A simulation of the settings' cluster, seed, network and faults, running `P` with
    /// `config`; a runner adds its clients and invariants.
    pub fn simulation<P: SimProtocol>(&self, config: P::Config) -> SimulationBuilder<P> {
        let s = self.settings;
        Simulation::<P>::builder(config)
            .nodes(s.nodes)
            .seed(s.seed)
            .delay(s.delay.clone())
            .processing(s.processing)
            .loss(s.loss)
            .capacity(s.clients.capacity)
            .faults(s.faults.iter().cloned())
    }

    /// The end of the run: as asked, or once the scenario has settled — past the last fault by
    /// ten rounds of `interval` and `timeout`, and at least a minute.
    pub fn end_of(&self, interval: Nanos, timeout: Nanos) -> Nanos {
        self.settings.duration.unwrap_or_else(|| {
            let last = self.settings.faults.iter().map(|(t, _)| *t).max();
            (last.unwrap_or(0) + 10 * (interval + timeout)).max(60 * SECOND)
        })
    }

    /// The pacing of the run's clients ([`ClientSettings`]), for a service whose clients
    /// resend an unanswered command after `retry`: a command every `1 / rate`, and no new one in
    /// the run's last second (its last tenth, when shorter than 10 s) so the last can complete.
    pub fn client_config(&self, end: Nanos, retry: Nanos) -> Result<ClientConfig, ReplayError> {
        let clients = &self.settings.clients;
        if !(clients.rate.is_finite() && clients.rate > 0.0) {
            return Err(ReplayError::Rate);
        }
        if clients.count == 0 {
            return Err(ReplayError::NoClients);
        }
        Ok(ClientConfig {
            command_interval: from_secs(1.0 / clients.rate).max(1),
            stop: end - (end / 10).min(SECOND),
            retry,
            policy: clients.policy,
            spike: clients.spike,
            poisson: overload::watched(clients),
        })
    }

    /// Refuses a cluster too large for every node to watch every other (the heartbeat and φ
    /// detectors, elections with heartbeats): [`MAX_ALL_TO_ALL_NODES`].
    pub fn all_to_all_at_most(&self) -> Result<(), ReplayError> {
        let nodes = self.settings.nodes;
        if nodes > MAX_ALL_TO_ALL_NODES {
            let pairs = u64::from(nodes) * u64::from(nodes - 1);
            return Err(ReplayError::TooLarge {
                what: format!("--nodes {nodes}, each watching every other, make {pairs} pairs"),
                limit: format!("{MAX_ALL_TO_ALL_NODES} nodes"),
                why: "each ordered pair holds a heartbeat deadline, its timer and the detector's \
                      state, about 280 bytes: 5,000 nodes took 7 GB",
            });
        }
        Ok(())
    }

    /// Refuses a cluster larger than `max` nodes, the most `protocol` runs on.
    pub fn at_most(&self, protocol: &'static str, max: u32) -> Result<(), ReplayError> {
        let nodes = self.settings.nodes;
        if nodes > max {
            return Err(ReplayError::TooManyNodes {
                protocol,
                max,
                nodes,
            });
        }
        Ok(())
    }

    /// The error of a timeout the protocol cannot work with.
    pub fn unfit_timeout(&self, protocol: &'static str, reason: String) -> ReplayError {
        ReplayError::UnfitTimeout {
            protocol,
            reason,
            expr: self.expr.to_string(),
            seconds: to_secs(self.timeout),
        }
    }

    /// The report of a finished simulation.
    pub fn finish<P: SimProtocol>(
        &self,
        sim: &Simulation<P>,
        metrics: Metrics,
        end: Nanos,
        outcome: Outcome,
    ) -> ReplayRun {
        let s = self.settings;
        let histograms = metrics.histograms().clone();
        let report = ReplayReport {
            protocol: s.protocol.to_string(),
            nodes: s.nodes,
            seed: s.seed,
            sim_time_s: to_secs(end),
            events: sim.events(),
            messages: Messages {
                total: metrics.total,
                dropped: metrics.dropped,
                by_type: metrics.by_type(),
                by_node: metrics.sent_by_node[..s.nodes as usize].to_vec(),
            },
            latency: histograms.iter().map(|(k, h)| (*k, summarize(h))).collect(),
            invariants: Invariants {
                checked: sim.invariant_names(),
                violations: sim.violations().to_vec(),
            },
            outcome,
        };
        ReplayRun {
            report,
            histograms,
            timeline: metrics.timeline,
            files: Vec::new(),
            load: None,
        }
    }
}

/// How many observations of `kind` the timeline holds.
pub fn observed(timeline: &[Observation], kind: ObservationKind) -> u64 {
    timeline.iter().filter(|o| o.kind == kind).count() as u64
}

/// The details of the timeline's observations of `kind`.
pub fn observed_details(
    timeline: &[Observation],
    kind: ObservationKind,
) -> impl Iterator<Item = &str> {
    timeline
        .iter()
        .filter(move |o| o.kind == kind)
        .filter_map(|o| o.detail.as_deref())
}

/// The most simulated processes (server nodes and clients) a run holds.
pub const MAX_ENDPOINTS: u64 = 100_000;

/// The most nodes of a run in which every node watches every other by heartbeats: `N(N − 1)`
/// deadlines, timers and detector states (4,096 nodes: 16.8 M pairs, about 4.7 GB).
pub const MAX_ALL_TO_ALL_NODES: u32 = 4096;

/// The most client operations a run may ask for.
pub const MAX_OPERATIONS: f64 = 1e8;

/// Refuses runs that could not fit in memory, before the simulation allocates anything.
fn check_size(settings: &ReplaySettings) -> Result<(), ReplayError> {
    let clients = &settings.clients;
    let endpoints = u64::from(settings.nodes) + u64::from(clients.count);
    if endpoints > MAX_ENDPOINTS {
        return Err(ReplayError::TooLarge {
            what: format!(
                "--nodes {} and --clients {} make {endpoints} processes",
                settings.nodes, clients.count
            ),
            limit: format!("{MAX_ENDPOINTS} processes"),
            why: "each is a simulated process with its own state, inbox and random stream, \
                  and every node's messages to every other would not finish either",
        });
    }
    if let Some(duration) = settings.duration {
        let operations = clients.rate * to_secs(duration) * f64::from(clients.count);
        if settings.protocol.runner().keeps_client_operations() && operations > MAX_OPERATIONS {
            return Err(ReplayError::TooLarge {
                what: format!(
                    "--rate {} × --duration {} s × --clients {} asks for {operations:.3e} operations",
                    clients.rate,
                    to_secs(duration),
                    clients.count
                ),
                limit: format!("{MAX_OPERATIONS:.0e} operations in a run"),
                why: "every operation is kept (a log entry on each node, a line of the history) \
                      until the run ends; split a long run into several, or lower the rate",
            });
        }
    }
    Ok(())
}

/// What every protocol derives from the settings: the interval `h`, the names `d`, `r`, `h` of
/// timeout expressions, and the timeout (the setting, or the protocol's default).
pub fn context(settings: &ReplaySettings) -> Result<RunContext<'_>, ReplayError> {
    if settings.nodes < 2 {
        return Err(ReplayError::TooFewNodes);
    }
    check_size(settings)?;
    let runner = settings.protocol.runner();
    let interval = settings.heartbeat.unwrap_or(SECOND);
    let names = Names {
        d: to_secs(settings.delay.bound()),
        r: to_secs(settings.processing),
        h: to_secs(interval),
    };
    // A protocol with a threshold instead (φ) does not read the timeout, so a value it would
    // ignore cannot make the run fail.
    let expr = match &settings.timeout {
        Some(expr) if !runner.swept_by_threshold() => expr.clone(),
        _ => TimeoutExpr::parse(runner.default_timeout())?,
    };
    let timeout = from_secs(expr.seconds(&names)?);
    Ok(RunContext {
        settings,
        interval,
        names,
        expr,
        timeout,
    })
}

/// Runs one replay; `progress` hears the virtual time now and then.
pub fn replay(
    settings: &ReplaySettings,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> Result<ReplayRun, ReplayError> {
    let context = context(settings)?;
    let runner = settings.protocol.runner();
    if !runner.takes_client_settings(settings) {
        return Err(ReplayError::NoClientView(settings.protocol.to_string()));
    }
    runner.run(&context, progress)
}
