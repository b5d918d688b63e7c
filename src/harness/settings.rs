//! The settings of one run, shared by every protocol, and the family-specific ones.
//!
//! [`ReplaySettings`] holds what every run has (cluster, seed, network, failure detection,
//! duration, scenario) plus the options a family reads ([`PaxosSettings`], [`ClientSettings`]);
//! each runner checks the ones it uses and reports what cannot work as a [`ReplayError`].

use crate::protocols::client::policy::{ClientPolicy, Spike};
use crate::sim::capacity::Capacity;
use thiserror::Error;

use std::sync::Arc;

use super::registry::Protocol;
use crate::protocols::detector::phi;
use crate::protocols::zab::Broken;
use crate::protocols::zab::client::LockConfig;
use crate::protocols::zk::script::Script;
use crate::sim::delay::DelayModel;
use crate::sim::scenario::{Fault, ScenarioError};
use crate::sim::time::{Nanos, SECOND};
use crate::sim::timeout::{TimeoutError, TimeoutExpr};

/// Everything one replay needs.
#[derive(Debug, Clone)]
pub struct ReplaySettings {
    /// The protocol.
    pub protocol: Protocol,
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
    /// The clients of protocols that serve clients (Multi-Paxos, the ZooKeeper ensemble).
    pub clients: ClientSettings,
    /// The ZooKeeper ensemble's settings.
    pub zk: ZkSettings,
    /// GFS's settings.
    pub gfs: GfsSettings,
    /// VMware FT's settings.
    pub ft: FtSettings,
    /// How long to run; `None` = until the scenario has settled.
    pub duration: Option<Nanos>,
    /// The scenario.
    pub faults: Vec<(Nanos, Fault)>,
}

/// The settings of the Paxos protocols.
#[derive(Debug, Clone, PartialEq, Default)]
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
}

/// The ZooKeeper ensemble's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ZkSettings {
    /// ZooKeeper's tickTime (default 2 s).
    pub tick: Nanos,
    /// The session timeout clients ask for (default 10 s; granted within [2, 20] ticks).
    pub session_timeout: Nanos,
    /// A `zk exec` script for client c1 to run instead of the mix: (session, request) pairs.
    pub script: Option<Arc<Script>>,
    /// The share of the mix's operations that are plain gets (none: the mix's own).
    pub read_share: Option<f64>,
    /// The last this many clients only read.
    pub readers: u32,
    /// A script's wait after each reply, for watch events to arrive.
    pub settle: Nanos,
    /// A deliberately broken variant, to see a checker fail.
    pub broken: Option<Broken>,
    /// The lock workload's settings.
    pub lock: LockConfig,
    /// The contention workload instead of the mix (a script takes precedence): every client
    /// updates one record once, all starting at the same time, retrying as `clients.policy`
    /// says.
    pub contention: bool,
}

/// VMware FT's choices.
#[derive(Debug, Clone, PartialEq)]
pub struct FtSettings {
    /// A VM does a test-and-set on the shared storage before going live (default on).
    pub test_and_set: bool,
    /// Outputs wait for the backup's ack of their input (default on).
    pub output_rule: bool,
    /// Delay before a VM live alone starts a new backup (default 10 s).
    pub restart: Nanos,
}

impl Default for FtSettings {
    fn default() -> Self {
        Self {
            test_and_set: true,
            output_rule: true,
            restart: 10 * SECOND,
        }
    }
}

/// GFS's chunks and re-replication limits.
#[derive(Debug, Clone, PartialEq)]
pub struct GfsSettings {
    /// Chunks (default 1000).
    pub chunks: u32,
    /// Copies of each (default 3, GFS's).
    pub replicas: u32,
    /// Racks the chunkservers are spread over (default 3).
    pub racks: u32,
    /// Bandwidth of one clone, MB/s (default 40: a 64 MB chunk in 1.6 s).
    pub clone_rate: f64,
    /// Clones the cluster runs at once (default 10).
    pub max_clones: u32,
}

impl Default for GfsSettings {
    fn default() -> Self {
        Self {
            chunks: 1000,
            replicas: 3,
            racks: 3,
            clone_rate: 40.0,
            max_clones: 10,
        }
    }
}

impl Default for ZkSettings {
    fn default() -> Self {
        Self {
            tick: 2 * SECOND,
            session_timeout: 10 * SECOND,
            script: None,
            read_share: None,
            readers: 0,
            settle: SECOND / 10,
            broken: None,
            lock: LockConfig::default(),
            contention: false,
        }
    }
}

/// The clients of a service.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientSettings {
    /// Requests per second from each client.
    pub rate: f64,
    /// How many clients.
    pub count: u32,
    /// What clients do when an attempt fails (none: the protocol's own resending).
    pub policy: Option<ClientPolicy>,
    /// A load spike.
    pub spike: Option<Spike>,
    /// The servers' capacity for client requests (none: infinite).
    pub capacity: Option<Capacity>,
}

impl Default for ClientSettings {
    fn default() -> Self {
        Self {
            rate: 10.0,
            count: 1,
            policy: None,
            spike: None,
            capacity: None,
        }
    }
}

impl ReplaySettings {
    /// `protocol` on `nodes` nodes with the command line's defaults: seed 1, `const:1ms`, no
    /// processing time or loss, default heartbeat, timeout and φ threshold, run until the
    /// scenario settles, no faults.
    pub fn new(protocol: Protocol, nodes: u32) -> Self {
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
            clients: ClientSettings::default(),
            zk: ZkSettings::default(),
            gfs: GfsSettings::default(),
            ft: FtSettings::default(),
            duration: None,
            faults: Vec::new(),
        }
    }
}

/// Settings that cannot work.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ReplayError {
    /// The timeout does not parse or is not positive.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// Fewer nodes than any protocol needs.
    #[error("--nodes must be at least 2")]
    TooFewNodes,
    /// A run too large to fit in memory, refused before anything is allocated.
    #[error("{what}: at most {limit}, because {why}")]
    TooLarge {
        /// What was asked (`--nodes 100000000 and --clients 1`).
        what: String,
        /// The most a run takes.
        limit: String,
        /// What each unit costs.
        why: &'static str,
    },
    /// More nodes than the protocol supports.
    #[error("{protocol} runs on at most {max} nodes; lower --nodes {nodes}")]
    TooManyNodes {
        /// The protocol.
        protocol: &'static str,
        /// Its limit.
        max: u32,
        /// What was asked.
        nodes: u32,
    },
    /// A timeout that cannot work for the protocol, and why.
    #[error("{protocol}: {reason}; `{expr}` is {seconds} s")]
    UnfitTimeout {
        /// The protocol.
        protocol: &'static str,
        /// What its timeout must satisfy.
        reason: String,
        /// The timeout as written.
        expr: String,
        /// Its value.
        seconds: f64,
    },
    /// φ's threshold is not a positive number.
    #[error("the φ threshold must be positive")]
    Threshold,
    /// VMware FT without its three nodes.
    #[error(
        "vmware-ft needs 3 nodes or more: n1 the primary, n2 the backup, n3 the shared storage (got {0})"
    )]
    FtTooSmall(u32),
    /// A policy comparison whose runs do not all report what their clients saw.
    #[error(
        "a policy comparison compares what the clients saw, and the command's own run has no \
         client policy: give it one too (e.g. --retry none) or --service-time"
    )]
    NoClientsOutcome,
    /// A spike that starts after the clients stop sending.
    #[error(
        "--spike starts at {at_s} s, when the clients have stopped sending ({stop_s} s): raise --duration"
    )]
    SpikeAfterEnd {
        /// When it starts, seconds.
        at_s: f64,
        /// When the clients stop, seconds.
        stop_s: f64,
    },
    /// A GFS sweep of another protocol.
    #[error("the GFS sweep runs gfs, not {0}")]
    NotGfs(String),
    /// A GFS cluster with no room for its replicas.
    #[error(
        "gfs needs more nodes than --replicas: n1 is the master and each copy of a chunk needs \
         its own chunkserver ({nodes} nodes, {replicas} replicas)"
    )]
    GfsTooSmall {
        /// Nodes.
        nodes: u32,
        /// Replicas.
        replicas: u32,
    },
    /// Client policies for a protocol whose clients do not take them.
    #[error(
        "client policies, --service-time, --queue and --spike apply to multi-paxos (on zk: \
         --service-time, and --retry and --attempts with --workload contention), not to {0}"
    )]
    NoClientView(String),
    /// A pause sweep of another protocol than the lock.
    #[error("--pauses sweeps the lock's holders: use --protocol lock, not {0}")]
    PausesNeedLock(String),
    /// A zero tick or session timeout.
    #[error("--tick and --session-timeout must be longer than 0")]
    ZkTimes,
    /// The clients' rate is not a positive number.
    #[error("--rate must be a positive number of commands per second")]
    Rate,
    /// No clients.
    #[error("--clients must be at least 1")]
    NoClients,
    /// The scenario cannot run on this cluster.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
}
