//! The protocols the harness can run, each behind a [`Runner`], in one list.
//!
//! A runner knows its protocol's name, its family, its default timeout, which settings it needs
//! and how to turn a run's settings into a report. `--protocol` parsing, the list in `--help`
//! and the "unknown protocol" error all come from [`RUNNERS`]. Adding a protocol is its module
//! under `protocols/`, a runner file under `harness/runners/` and one line here.

use std::fmt;
use std::str::FromStr;

use super::overload;
use super::replay::{ReplayRun, RunContext};
use super::runners::{detector, election, gfs, lock, multi_paxos, paxos, vmware_ft, zk};
use super::settings::{ReplayError, ReplaySettings};
use super::timeout_sweep::SweepSample;
use crate::sim::time::Nanos;

/// What kind of protocol a runner runs, for the commands that only make sense for some.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// A failure detector: its outcome is its quality of service.
    Detector,
    /// A leader election: its outcome is the leader and its availability.
    Election,
    /// A consensus protocol: its outcome says what was decided.
    Consensus,
}

/// One protocol the harness can run.
pub trait Runner: Sync {
    /// The name `--protocol` takes.
    fn name(&self) -> &'static str;

    /// The protocol's family.
    fn family(&self) -> Family;

    /// The timeout expression used when `--timeout` is not given.
    fn default_timeout(&self) -> &'static str {
        "2d+r"
    }

    /// Whether the protocol has clients whose operations a run keeps (Multi-Paxos, zk, lock):
    /// `--rate × --duration × --clients` is then bounded.
    fn keeps_client_operations(&self) -> bool {
        false
    }

    /// Whether the run's client policies, capacity and spike are ones this protocol's clients
    /// and servers take (by default: none of them).
    fn takes_client_settings(&self, settings: &ReplaySettings) -> bool {
        !overload::watched(&settings.clients)
    }

    /// Whether the protocol has a threshold (φ) rather than a timeout: a timeout sweep then
    /// tries thresholds, and `--timeout` is not read.
    fn swept_by_threshold(&self) -> bool {
        false
    }

    /// What a timeout sweep reads from one of this protocol's runs, for a run of `nodes` nodes
    /// ending at `end`; `None` (the default) for a protocol with no timeout to sweep.
    fn sweep_sample(&self, _run: &ReplayRun, _nodes: u32, _end: Nanos) -> Option<SweepSample> {
        None
    }

    /// Runs one replay; `progress` hears the virtual time now and then, with the end.
    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError>;
}

/// Every protocol, in the order `--help` lists them.
pub static RUNNERS: &[&dyn Runner] = &[
    &detector::HEARTBEAT,
    &detector::PROBE,
    &detector::PHI,
    &election::RING,
    &election::MODIFIED_RING,
    &election::BULLY,
    &paxos::PAXOS,
    &multi_paxos::MULTI_PAXOS,
    &zk::ZK,
    &lock::LOCK_RUNNER,
    &gfs::GFS,
    &vmware_ft::VMWARE_FT,
];

/// A protocol of the registry, by name.
#[derive(Clone, Copy)]
pub struct Protocol(&'static dyn Runner);

/// A name no runner answers to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown protocol `{0}`; available: {names}", names = Protocol::names())]
pub struct UnknownProtocol(pub String);

impl Protocol {
    /// The protocol called `name`.
    pub fn named(name: &str) -> Result<Self, UnknownProtocol> {
        RUNNERS
            .iter()
            .find(|r| r.name() == name)
            .map(|r| Protocol(*r))
            .ok_or_else(|| UnknownProtocol(name.to_string()))
    }

    /// Every protocol, in registry order.
    pub fn all() -> impl Iterator<Item = Protocol> {
        RUNNERS.iter().map(|r| Protocol(*r))
    }

    /// Every name, comma-separated, for help and errors.
    pub fn names() -> String {
        RUNNERS
            .iter()
            .map(|r| r.name())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The name `--protocol` takes.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The protocol's runner.
    pub fn runner(self) -> &'static dyn Runner {
        self.0
    }

    /// The protocol's family.
    pub fn family(self) -> Family {
        self.0.family()
    }
}

/// A protocol run by `runner`, registered or not: the registry lists what the command line
/// offers, while a test or another program can run a runner of its own.
impl From<&'static dyn Runner> for Protocol {
    fn from(runner: &'static dyn Runner) -> Self {
        Protocol(runner)
    }
}

impl PartialEq for Protocol {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
    }
}

impl Eq for Protocol {}

impl fmt::Debug for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Protocol({})", self.name())
    }
}

impl fmt::Display for Protocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Protocol {
    type Err = UnknownProtocol;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Protocol::named(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let names: Vec<&str> = Protocol::all().map(Protocol::name).collect();
        for name in &names {
            assert_eq!(Protocol::named(name).map(Protocol::name), Ok(*name));
            assert_eq!(names.iter().filter(|n| *n == name).count(), 1, "{name}");
        }
        let error = Protocol::named("raft").unwrap_err().to_string();
        assert!(error.starts_with("unknown protocol `raft`; available: heartbeat, probe"));
    }
}
