//! Single-decree Paxos, with its agreement and validity checks.

use serde::Serialize;

use crate::harness::outcome::{Outcome, Progress, Summary};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext, observed};
use crate::harness::settings::ReplayError;
use crate::protocols::paxos::retry_after;
use crate::protocols::paxos::single::{Agreement, Paxos, PaxosConfig, Validity};
use crate::sim::metrics::ObservationKind;
use crate::sim::time::Nanos;

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

impl Summary for PaxosOutcome {
    fn summary(&self) -> String {
        format!(
            "paxos: decided {}, {} ballots tried, {} live nodes learned it",
            self.decided
                .map_or("nothing".to_string(), |v| format!("n{v}'s value ({v})")),
            self.ballots,
            self.learned
        )
    }

    fn progress(&self) -> Option<Progress> {
        Some(Progress {
            done: u64::from(self.decided.is_some()),
            asked: 1,
            what: "runs decided",
        })
    }
}

/// Single-decree Paxos's runner.
pub struct PaxosRunner;

/// Single-decree Paxos.
pub static PAXOS: PaxosRunner = PaxosRunner;

impl Runner for PaxosRunner {
    fn name(&self) -> &'static str {
        "paxos"
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        let proposers = if settings.paxos.proposers.is_empty() {
            vec![0]
        } else {
            settings.paxos.proposers.clone()
        };
        let retry = retry_after(run.timeout, settings.processing);
        let config = PaxosConfig {
            proposers,
            retry,
            broken_acceptor: settings.paxos.broken_acceptor,
            backoff: settings.paxos.backoff,
            distinguished: settings.paxos.distinguished,
            heartbeat: settings.heartbeat,
            timeout: run.timeout,
        };
        let end = run.end_of(retry, retry);
        let mut sim = run
            .simulation::<Paxos>(config)
            .check(Agreement::default())
            .check(Validity::default())
            .build();
        sim.run_until(end, &mut |now| progress(now, end));
        let live: Vec<&Paxos> = (0..settings.nodes).filter_map(|n| sim.process(n)).collect();
        let outcome = PaxosOutcome {
            decided: live.iter().find_map(|n| n.decided()),
            ballots: observed(&sim.metrics().timeline, ObservationKind::Ballot),
            learned: live.iter().filter(|n| n.decided().is_some()).count() as u64,
        };
        let metrics = sim.metrics().clone();
        Ok(run.finish(&sim, metrics, end, Outcome::new(outcome)))
    }
}
