//! Leader elections — Chang–Roberts ring, the modified ring, Garcia-Molina's bully — measured by
//! their leader's availability, with `single-leader` checked as the run goes and
//! `eventual-leader` at its end.

use std::marker::PhantomData;

use crate::harness::outcome::{Outcome, Summary};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext};
use crate::harness::settings::ReplayError;
use crate::harness::timeout_sweep::SweepSample;
use crate::protocols::detector::qos;
use crate::protocols::election::outcome::{self, ElectionOutcome};
use crate::protocols::election::{
    ElectionConfig, Elector, SingleLeader, bully::Bully, modified_ring::ModifiedRing, ring::Ring,
};
use crate::sim::engine::Violation;
use crate::sim::protocol::Protocol as SimProtocol;
use crate::sim::time::{Nanos, to_secs};
use crate::units::{HumanDuration, HumanPercent};

impl Summary for ElectionOutcome {
    fn summary(&self) -> String {
        let mut line = format!(
            "election: leader {}, {} elections, leader available {} (leaderless {}), eventual \
             leader {}{}",
            self.leader.as_deref().unwrap_or("none"),
            self.elections,
            HumanPercent(self.leader_availability),
            HumanDuration(self.leaderless_s),
            self.eventual_leader,
            if self.failure_during_election {
                " (a node failed during an election)"
            } else {
                ""
            }
        );
        if self.overlaps > 0 {
            line.push_str(&format!(
                "\nleadership overlaps: {} ({} in all, longest {})",
                self.overlaps,
                HumanDuration(self.overlap_s),
                HumanDuration(self.longest_overlap_s)
            ));
        }
        if self.failure_detection == "none" {
            line.push_str(
                "\nfailure detection: none (no --heartbeat), so a crashed leader is replaced \
                 only when an `elect` event or a recovery starts an election",
            );
        }
        line
    }
}

/// The runner of election protocol `P`.
pub struct ElectionRunner<P> {
    name: &'static str,
    /// Whether the protocol recovers from a node failing mid-election; the plain ring does not,
    /// so `eventual-leader` is not required of it after such a failure.
    survives_failures: bool,
    protocol: PhantomData<fn() -> P>,
}

/// Chang–Roberts ring election.
pub static RING: ElectionRunner<Ring> = ElectionRunner {
    name: "ring",
    survives_failures: false,
    protocol: PhantomData,
};

/// Ring election that collects live ids and bypasses failed nodes.
pub static MODIFIED_RING: ElectionRunner<ModifiedRing> = ElectionRunner {
    name: "modified-ring",
    survives_failures: true,
    protocol: PhantomData,
};

/// Garcia-Molina's bully election.
pub static BULLY: ElectionRunner<Bully> = ElectionRunner {
    name: "bully",
    survives_failures: true,
    protocol: PhantomData,
};

impl<P: Elector + SimProtocol<Config = ElectionConfig>> Runner for ElectionRunner<P> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn family(&self) -> Family {
        Family::Election
    }

    /// The nodes' heartbeat detection measured on the timeline, and the leader's figures.
    fn sweep_sample(&self, run: &ReplayRun, nodes: u32, end: Nanos) -> Option<SweepSample> {
        let outcome: &ElectionOutcome = run.report.outcome.get()?;
        Some(SweepSample {
            qos: qos::measure(&run.timeline, nodes, end),
            leadership: Some((outcome.elections, outcome.leader_availability)),
        })
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        if settings.heartbeat.is_some() {
            run.all_to_all_at_most()?;
        }
        let config = ElectionConfig {
            timeout: run.timeout,
            processing: settings.processing,
            hop: settings.delay.bound() + settings.processing,
            heartbeat: settings.heartbeat,
        };
        let rounds = settings.heartbeat.unwrap_or(0) + run.timeout;
        let end = run.end_of(rounds, 4 * u64::from(settings.nodes) * config.hop);
        Ok(self.elect(run, config, end, progress))
    }
}

impl<P: Elector + SimProtocol<Config = ElectionConfig>> ElectionRunner<P> {
    /// Runs the election and reads its outcome; `single-leader` is checked as the run goes,
    /// `eventual-leader` at the end (only when an election was ever started, and for a
    /// protocol that does not survive a failure mid-election only when none happened).
    fn elect(
        &self,
        run: &RunContext<'_>,
        config: ElectionConfig,
        end: Nanos,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> ReplayRun {
        let nodes = run.settings.nodes;
        let mut sim = run.simulation::<P>(config).check(SingleLeader).build();
        sim.run_until(end, &mut |now| progress(now, end));
        let outcome = outcome::measure(&sim.metrics().timeline, nodes, end);
        let mut metrics = sim.metrics().clone();
        for &sample in &outcome.latencies {
            metrics.record("election", sample);
        }
        let exempt = !self.survives_failures && outcome.failure_during_election;
        let eventual_violated =
            outcome.elections > 0 && outcome.eventual_leader != "reached" && !exempt;
        let leader_csv = outcome::leader_csv(&outcome);
        let mut replay = run.finish(&sim, metrics, end, Outcome::new(outcome));
        replay.report.invariants.checked.push("eventual-leader");
        if eventual_violated {
            replay.report.invariants.violations.push(Violation {
                name: "eventual-leader",
                time_s: to_secs(end),
                detail: "at the end of the run the live nodes do not all take the highest live \
                         node for their leader"
                    .to_string(),
            });
        }
        replay.files.push(("leader.csv", leader_csv));
        replay
    }
}
