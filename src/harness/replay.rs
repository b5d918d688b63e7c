//! `faultline replay`: run one protocol on a simulated cluster under a scenario and report what
//! happened — message counts, latency histograms, invariant violations and a protocol-specific
//! outcome — in the JSON shape of DESIGN.md.
//!
//! The same settings and seed give the same report, byte for byte.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use hdrhistogram::Histogram;
use serde::Serialize;
use thiserror::Error;

use crate::protocols::detector::heartbeat::{Heartbeat, HeartbeatConfig};
use crate::protocols::detector::phi::{self, Phi, PhiConfig};
use crate::protocols::detector::probe::{Probe, ProbeConfig};
use crate::protocols::detector::qos::{self, Qos};
use crate::protocols::election::{
    self, ElectionConfig, Elector, SingleLeader, bully::Bully, modified_ring::ModifiedRing,
    outcome::ElectionOutcome, ring::Ring,
};
use crate::protocols::paxos::multi::{MultiConfig, MultiPaxos};
use crate::protocols::paxos::safety;
use crate::protocols::paxos::single::{Agreement, Paxos, PaxosConfig, Validity};
use crate::sim::delay::DelayModel;
use crate::sim::engine::{Config, Simulation, Violation};
use crate::sim::metrics::{LatencySummary, Metrics, Observation, summarize};
use crate::sim::network::Network;
use crate::sim::protocol::Protocol;
use crate::sim::scenario::Fault;
use crate::sim::time::{Nanos, SECOND, from_secs, to_secs};
use crate::sim::timeout::{Names, TimeoutError, TimeoutExpr};

/// The protocols `replay` can run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProtocolName {
    /// All-to-all heartbeat failure detection.
    Heartbeat,
    /// SWIM-style probing.
    Probe,
    /// φ accrual failure detection.
    Phi,
    /// Chang–Roberts ring election.
    Ring,
    /// Ring election that collects live ids and bypasses failures.
    ModifiedRing,
    /// Garcia-Molina's bully election.
    Bully,
    /// Single-decree Paxos.
    Paxos,
    /// Multi-Paxos: a replicated log of client commands.
    MultiPaxos,
}

impl ProtocolName {
    /// Every protocol, as `--protocol` names them.
    pub const NAMES: &'static str =
        "heartbeat, probe, phi, ring, modified-ring, bully, paxos, multi-paxos";

    /// The default timeout expression (φ has a threshold instead and ignores it).
    pub fn default_timeout(self) -> &'static str {
        match self {
            ProtocolName::Heartbeat | ProtocolName::Phi => "h+2d+r",
            ProtocolName::Probe
            | ProtocolName::Ring
            | ProtocolName::ModifiedRing
            | ProtocolName::Bully
            | ProtocolName::Paxos
            | ProtocolName::MultiPaxos => "2d+r",
        }
    }
}

impl fmt::Display for ProtocolName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ProtocolName::Heartbeat => "heartbeat",
            ProtocolName::Probe => "probe",
            ProtocolName::Phi => "phi",
            ProtocolName::Ring => "ring",
            ProtocolName::ModifiedRing => "modified-ring",
            ProtocolName::Bully => "bully",
            ProtocolName::Paxos => "paxos",
            ProtocolName::MultiPaxos => "multi-paxos",
        })
    }
}

impl FromStr for ProtocolName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "heartbeat" => Ok(ProtocolName::Heartbeat),
            "probe" => Ok(ProtocolName::Probe),
            "phi" => Ok(ProtocolName::Phi),
            "ring" => Ok(ProtocolName::Ring),
            "modified-ring" => Ok(ProtocolName::ModifiedRing),
            "bully" => Ok(ProtocolName::Bully),
            "paxos" => Ok(ProtocolName::Paxos),
            "multi-paxos" => Ok(ProtocolName::MultiPaxos),
            other => Err(format!(
                "unknown or not yet built protocol `{other}`; available: {}",
                Self::NAMES
            )),
        }
    }
}

/// Everything one replay needs.
#[derive(Debug, Clone)]
pub struct ReplaySettings {
    /// The protocol.
    pub protocol: ProtocolName,
    /// Cluster size.
    pub nodes: u32,
    /// Seed of every random stream.
    pub seed: u64,
    /// Delay model at the start.
    pub delay: DelayModel,
    /// Receiver processing time `r`.
    pub processing: Nanos,
    /// Loss probability at the start.
    pub loss: f64,
    /// Heartbeat or probe interval `h`: detectors default to 1 s; elections detect failures only
    /// when it is given.
    pub heartbeat: Option<Nanos>,
    /// Timeout expression; `None` = the protocol's default.
    pub timeout: Option<TimeoutExpr>,
    /// φ's suspicion threshold.
    pub threshold: f64,
    /// Paxos and Multi-Paxos settings.
    pub paxos: PaxosSettings,
    /// How long to run; `None` = until the scenario has settled.
    pub duration: Option<Nanos>,
    /// The scenario.
    pub faults: Vec<(Nanos, Fault)>,
}

/// The settings of the Paxos protocols.
#[derive(Debug, Clone, PartialEq)]
pub struct PaxosSettings {
    /// Single-decree: the proposing nodes (default n1).
    pub proposers: Vec<u32>,
    /// Acceptors that forget promises and acceptances on a crash (to show the checker failing).
    pub broken_acceptor: bool,
    /// Single-decree: nacked proposers back off for a random, exponentially growing time.
    pub backoff: bool,
    /// Single-decree: only the proposer elected by an Ω detector (the highest unsuspected one)
    /// proposes.
    pub distinguished: bool,
    /// Multi-Paxos: commands per second from each client.
    pub rate: f64,
    /// Multi-Paxos: how many clients send commands.
    pub clients: u32,
}

impl ReplaySettings {
    /// `protocol` on `nodes` nodes with the command line's defaults: seed 1, `const:1ms`, no
    /// processing time or loss, default heartbeat, timeout and φ threshold, run until the
    /// scenario settles, no faults.
    pub fn new(protocol: ProtocolName, nodes: u32) -> Self {
        Self {
            protocol,
            nodes,
            seed: 1,
            delay: DelayModel::Const(SECOND / 1000),
            processing: 0,
            loss: 0.0,
            heartbeat: None,
            timeout: None,
            threshold: phi::DEFAULT_THRESHOLD,
            paxos: PaxosSettings::default(),
            duration: None,
            faults: Vec::new(),
        }
    }
}

impl Default for PaxosSettings {
    fn default() -> Self {
        Self {
            proposers: Vec::new(),
            broken_acceptor: false,
            backoff: false,
            distinguished: false,
            rate: 10.0,
            clients: 1,
        }
    }
}

/// Settings that cannot work.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ReplayError {
    /// The timeout does not parse or is not positive.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// Something else about the settings.
    #[error("{0}")]
    Settings(String),
}

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

/// The outcome of a failure-detector run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DetectorOutcome {
    /// Heartbeat interval `h`, seconds.
    pub interval_s: f64,
    /// The timeout as written (null for φ, which has a threshold).
    pub timeout_expr: Option<String>,
    /// Its value, seconds (null for φ).
    pub timeout_s: Option<f64>,
    /// φ's threshold (null for the others).
    pub threshold: Option<f64>,
    /// The delay bound `d` it used, seconds.
    pub d_s: f64,
    /// The processing time `r`, seconds.
    pub r_s: f64,
    /// The QoS figures.
    #[serde(flatten)]
    pub qos: Qos,
}

/// The protocol-specific part of a report.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    /// A failure detector's quality of service.
    Detector(DetectorOutcome),
    /// An election's leader, availability and liveness.
    Election(ElectionOutcome),
    /// What Paxos decided.
    Paxos(PaxosOutcome),
    /// What Multi-Paxos committed.
    MultiPaxos(MultiPaxosOutcome),
}

/// How far a consensus run got: of what it was asked to do, how much it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Progress {
    /// Values decided (Paxos) or commands committed (Multi-Paxos).
    pub done: u64,
    /// Values to decide (one, for Paxos) or commands sent (Multi-Paxos).
    pub asked: u64,
    /// What `done` counts, for people: "runs decided", "commands committed".
    #[serde(skip)]
    pub what: &'static str,
}

impl Outcome {
    /// Liveness of a consensus run (none for detectors and elections, whose outcome says it
    /// otherwise).
    pub fn progress(&self) -> Option<Progress> {
        match self {
            Outcome::Paxos(o) => Some(Progress {
                done: u64::from(o.decided.is_some()),
                asked: 1,
                what: "runs decided",
            }),
            Outcome::MultiPaxos(o) => Some(Progress {
                done: o.committed,
                asked: o.commands,
                what: "commands committed",
            }),
            Outcome::Detector(_) | Outcome::Election(_) => None,
        }
    }
}

/// The outcome of a Paxos run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PaxosOutcome {
    /// The value decided (a proposer's number), null when nothing was decided.
    pub decided: Option<u64>,
    /// Ballots tried, by all proposers.
    pub ballots: u64,
    /// Nodes that learned the decision (live at the end).
    pub learned: u64,
}

/// The outcome of a Multi-Paxos run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MultiPaxosOutcome {
    /// The live node leading at the end (null when none does).
    pub leader: Option<String>,
    /// Phase 1 attempts, by all candidates.
    pub ballots: u64,
    /// Times a node completed phase 1 and took the lead.
    pub leader_changes: u64,
    /// Commands the clients sent.
    pub commands: u64,
    /// Commands whose reply reached their client.
    pub committed: u64,
    /// Committed commands per second while the clients were sending.
    pub throughput_per_s: f64,
    /// The longest decided-and-applied log among live nodes, in slots (no-ops and repeats
    /// included).
    pub log_slots: u64,
    /// Commands applied by the node with the longest log.
    pub applied: u64,
}

/// One replay's report (DESIGN.md keys).
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
    /// For elections, the leader service as an event CSV.
    pub leader_csv: Option<String>,
}

/// How long to run when not told: past the last fault by ten rounds of interval and timeout,
/// and at least a minute.
fn settled_end(faults: &[(Nanos, Fault)], interval: Nanos, timeout: Nanos) -> Nanos {
    let last = faults.iter().map(|(t, _)| *t).max().unwrap_or(0);
    (last + 10 * (interval + timeout)).max(60 * SECOND)
}

/// Runs one replay; `progress` hears the virtual time now and then.
pub fn replay(
    settings: &ReplaySettings,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> Result<ReplayRun, ReplayError> {
    if settings.nodes < 2 {
        return Err(ReplayError::Settings("--nodes must be at least 2".into()));
    }
    let interval = settings.heartbeat.unwrap_or(SECOND);
    let names = Names {
        d: to_secs(settings.delay.bound()),
        r: to_secs(settings.processing),
        h: to_secs(interval),
    };
    let expr = match &settings.timeout {
        Some(expr) => expr.clone(),
        None => TimeoutExpr::parse(settings.protocol.default_timeout())?,
    };
    let timeout = from_secs(expr.seconds(&names)?);
    let timeout_expr = Some(expr.to_string());
    let outcome = |qos: Qos| DetectorOutcome {
        interval_s: names.h,
        timeout_expr: timeout_expr.clone(),
        timeout_s: Some(to_secs(timeout)),
        threshold: None,
        d_s: names.d,
        r_s: names.r,
        qos,
    };
    match settings.protocol {
        ProtocolName::Heartbeat => {
            if timeout <= interval {
                return Err(ReplayError::Settings(format!(
                    "a heartbeat timeout is the silence after which a peer is suspected, so it \
                     must exceed the interval h = {} s; `{expr}` is {} s",
                    names.h,
                    to_secs(timeout)
                )));
            }
            let config = HeartbeatConfig { interval, timeout };
            let end = end_of(settings, interval, timeout);
            Ok(run_detector::<Heartbeat>(
                settings, config, end, progress, outcome,
            ))
        }
        ProtocolName::Probe => {
            if timeout + settings.processing >= interval {
                return Err(ReplayError::Settings(format!(
                    "a probe timeout is the wait for a direct ack, and the indirect probes must \
                     fit in the rest of the period h = {} s; `{expr}` is {} s",
                    names.h,
                    to_secs(timeout)
                )));
            }
            let config = ProbeConfig {
                period: interval,
                timeout,
                processing: settings.processing,
            };
            // A peer is probed once per round of N - 1 periods.
            let round = interval * u64::from(settings.nodes - 1);
            let end = end_of(settings, interval, round);
            Ok(run_detector::<Probe>(
                settings, config, end, progress, outcome,
            ))
        }
        ProtocolName::Phi => {
            if !(settings.threshold.is_finite() && settings.threshold > 0.0) {
                return Err(ReplayError::Settings(
                    "the φ threshold must be positive".into(),
                ));
            }
            let config = PhiConfig {
                interval,
                threshold: settings.threshold,
            };
            let end = end_of(settings, interval, from_secs(phi::ACCEPTABLE_PAUSE + 1.0));
            let phi_outcome = |qos: Qos| DetectorOutcome {
                timeout_expr: None,
                timeout_s: None,
                threshold: Some(settings.threshold),
                ..outcome(qos)
            };
            Ok(run_detector::<Phi>(
                settings,
                config,
                end,
                progress,
                phi_outcome,
            ))
        }
        ProtocolName::Ring | ProtocolName::ModifiedRing | ProtocolName::Bully => {
            let config = ElectionConfig {
                timeout,
                processing: settings.processing,
                hop: settings.delay.bound() + settings.processing,
                heartbeat: settings.heartbeat,
            };
            let rounds = settings.heartbeat.unwrap_or(0) + timeout;
            let end = settings.duration.unwrap_or_else(|| {
                settled_end(
                    &settings.faults,
                    rounds,
                    4 * u64::from(settings.nodes) * config.hop,
                )
            });
            Ok(match settings.protocol {
                ProtocolName::Ring => run_election::<Ring>(settings, config, end, progress),
                ProtocolName::ModifiedRing => {
                    run_election::<ModifiedRing>(settings, config, end, progress)
                }
                _ => run_election::<Bully>(settings, config, end, progress),
            })
        }
        ProtocolName::Paxos => Ok(run_paxos(settings, timeout, progress)),
        ProtocolName::MultiPaxos => run_multi_paxos(settings, timeout, progress),
    }
}

/// Runs single-decree Paxos with its agreement and validity checks.
fn run_paxos(
    settings: &ReplaySettings,
    timeout: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> ReplayRun {
    let proposers = if settings.paxos.proposers.is_empty() {
        vec![0]
    } else {
        settings.paxos.proposers.clone()
    };
    // Two round trips (prepare, accept), each `T` plus the answer's processing, twice over
    // before a proposer tries a higher round.
    let retry = 4 * (timeout + settings.processing) + 1;
    let config = PaxosConfig {
        proposers,
        retry,
        broken_acceptor: settings.paxos.broken_acceptor,
        backoff: settings.paxos.backoff,
        distinguished: settings.paxos.distinguished,
        heartbeat: settings.heartbeat,
        timeout,
    };
    let end = end_of(settings, retry, retry);
    let mut sim: Simulation<Paxos> = Simulation::new(Config {
        nodes: settings.nodes,
        clients: 0,
        seed: settings.seed,
        network: network(settings),
        protocol: config,
    });
    sim.check(Box::<Agreement>::default());
    sim.check(Box::<Validity>::default());
    sim.schedule(settings.faults.iter().cloned());
    sim.run_until(end, &mut |now| progress(now, end));
    let live: Vec<&Paxos> = (0..settings.nodes).filter_map(|n| sim.process(n)).collect();
    let outcome = PaxosOutcome {
        decided: live.iter().find_map(|n| n.decided()),
        ballots: observed(&sim.metrics().timeline, "ballot"),
        learned: live.iter().filter(|n| n.decided().is_some()).count() as u64,
    };
    let metrics = sim.metrics().clone();
    finish(settings, &sim, metrics, end, Outcome::Paxos(outcome))
}

/// How many observations of `kind` the timeline holds.
fn observed(timeline: &[Observation], kind: &str) -> u64 {
    timeline.iter().filter(|o| o.kind == kind).count() as u64
}

/// Runs Multi-Paxos with its clients and the replicated-log invariants.
fn run_multi_paxos(
    settings: &ReplaySettings,
    timeout: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> Result<ReplayRun, ReplayError> {
    let paxos = &settings.paxos;
    if settings.nodes > 64 {
        return Err(ReplayError::Settings(format!(
            "multi-paxos runs on at most 64 nodes; lower --nodes {}",
            settings.nodes
        )));
    }
    if !(paxos.rate.is_finite() && paxos.rate > 0.0) {
        return Err(ReplayError::Settings(
            "--rate must be a positive number of commands per second".into(),
        ));
    }
    if paxos.clients == 0 {
        return Err(ReplayError::Settings("--clients must be at least 1".into()));
    }
    let heartbeat = settings.heartbeat.unwrap_or(SECOND);
    // Two round trips (prepare, accept), each `T` plus the answer's processing, twice over.
    let retry = 4 * (timeout + settings.processing) + 1;
    let end = end_of(settings, heartbeat, heartbeat + timeout);
    // Clients stop a second before the end (a tenth of the run, when shorter than 10 s).
    let clients_stop = end - (end / 10).min(SECOND);
    let config = MultiConfig {
        heartbeat,
        timeout,
        retry,
        broken_acceptor: paxos.broken_acceptor,
        command_interval: from_secs(1.0 / paxos.rate).max(1),
        clients_stop,
        client_retry: 4 * retry,
    };
    let mut sim: Simulation<MultiPaxos> = Simulation::new(Config {
        nodes: settings.nodes,
        clients: paxos.clients,
        seed: settings.seed,
        network: network(settings),
        protocol: config,
    });
    sim.check(Box::<safety::Agreement>::default());
    sim.check(Box::<safety::Validity>::default());
    sim.check(Box::<safety::Integrity>::default());
    sim.check(Box::<safety::LogPrefix>::default());
    sim.schedule(settings.faults.iter().cloned());
    sim.run_until(end, &mut |now| progress(now, end));
    let endpoints = settings.nodes + paxos.clients;
    let processes: Vec<&MultiPaxos> = (0..endpoints).filter_map(|n| sim.process(n)).collect();
    let replicas: Vec<_> = processes.iter().filter_map(|p| p.replica()).collect();
    let clients: Vec<_> = processes.iter().filter_map(|p| p.client()).collect();
    let longest = replicas.iter().max_by_key(|r| r.log_length());
    let committed: u64 = clients.iter().map(|c| c.committed()).sum();
    let timeline = &sim.metrics().timeline;
    let outcome = MultiPaxosOutcome {
        leader: replicas
            .iter()
            .filter(|r| r.leads())
            .map(|r| format!("n{}", r.me() + 1))
            .next_back(),
        ballots: observed(timeline, "ballot"),
        leader_changes: timeline
            .iter()
            .filter(|o| o.kind == "leader" && o.peer.is_some())
            .count() as u64,
        commands: clients.iter().map(|c| c.issued()).sum(),
        committed,
        throughput_per_s: committed as f64 / to_secs(clients_stop),
        log_slots: longest.map_or(0, |r| r.log_length()),
        applied: longest.map_or(0, |r| r.applied().len() as u64),
    };
    let metrics = sim.metrics().clone();
    Ok(finish(
        settings,
        &sim,
        metrics,
        end,
        Outcome::MultiPaxos(outcome),
    ))
}

/// Runs an election protocol and reads its outcome; `single-leader` is checked as the run
/// goes, `eventual-leader` at the end (for the ring only when no failure hit an election, since
/// the ring does not survive one; and only when an election was ever started).
fn run_election<P: Elector + Protocol<Config = ElectionConfig>>(
    settings: &ReplaySettings,
    config: ElectionConfig,
    end: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
) -> ReplayRun {
    let mut sim: Simulation<P> = Simulation::new(Config {
        nodes: settings.nodes,
        clients: 0,
        seed: settings.seed,
        network: network(settings),
        protocol: config,
    });
    sim.check(Box::new(SingleLeader));
    sim.schedule(settings.faults.iter().cloned());
    sim.run_until(end, &mut |now| progress(now, end));
    let outcome = election::outcome::measure(&sim.metrics().timeline, settings.nodes, end);
    let mut metrics = sim.metrics().clone();
    for &sample in &outcome.latencies {
        metrics.record("election", sample);
    }
    let exempt = settings.protocol == ProtocolName::Ring && outcome.failure_during_election;
    let eventual_violated =
        outcome.elections > 0 && outcome.eventual_leader != "reached" && !exempt;
    let leader_csv = Some(election::outcome::leader_csv(&outcome));
    let mut run = finish(settings, &sim, metrics, end, Outcome::Election(outcome));
    run.report.invariants.checked.push("eventual-leader");
    if eventual_violated {
        run.report.invariants.violations.push(Violation {
            name: "eventual-leader",
            time_s: to_secs(end),
            detail: "at the end of the run the live nodes do not all take the highest live node \
                     for their leader"
                .to_string(),
        });
    }
    run.leader_csv = leader_csv;
    run
}

/// The end of the run: as asked, or once the scenario has settled.
fn end_of(settings: &ReplaySettings, interval: Nanos, timeout: Nanos) -> Nanos {
    settings
        .duration
        .unwrap_or_else(|| settled_end(&settings.faults, interval, timeout))
}

/// Runs a failure detector and measures its quality of service.
fn run_detector<P: Protocol>(
    settings: &ReplaySettings,
    config: P::Config,
    end: Nanos,
    progress: &mut dyn FnMut(Nanos, Nanos),
    outcome: impl Fn(Qos) -> DetectorOutcome,
) -> ReplayRun {
    let mut sim: Simulation<P> = Simulation::new(Config {
        nodes: settings.nodes,
        clients: 0,
        seed: settings.seed,
        network: network(settings),
        protocol: config,
    });
    sim.schedule(settings.faults.iter().cloned());
    sim.run_until(end, &mut |now| progress(now, end));
    let qos = qos::measure(&sim.metrics().timeline, settings.nodes, end);
    let mut metrics = sim.metrics().clone();
    for &sample in &qos.detection {
        metrics.record("detection", sample);
    }
    finish(
        settings,
        &sim,
        metrics,
        end,
        Outcome::Detector(outcome(qos)),
    )
}

fn network(settings: &ReplaySettings) -> Network {
    Network::new(
        settings.nodes,
        settings.delay.clone(),
        settings.processing,
        settings.loss,
    )
}

fn finish<P: Protocol>(
    settings: &ReplaySettings,
    sim: &Simulation<P>,
    metrics: Metrics,
    end: Nanos,
    outcome: Outcome,
) -> ReplayRun {
    let histograms = metrics.histograms().clone();
    let report = ReplayReport {
        protocol: settings.protocol.to_string(),
        nodes: settings.nodes,
        seed: settings.seed,
        sim_time_s: to_secs(end),
        events: sim.events(),
        messages: Messages {
            total: metrics.total,
            dropped: metrics.dropped,
            by_type: metrics.by_type(),
            by_node: metrics.sent_by_node[..settings.nodes as usize].to_vec(),
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
        leader_csv: None,
    }
}
