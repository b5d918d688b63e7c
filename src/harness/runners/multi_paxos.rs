//! Multi-Paxos: a replicated log of client commands behind an Ω-chosen leader, with the log's
//! safety invariants (agreement, validity, integrity, log-prefix).

use serde::Serialize;

use crate::harness::outcome::{Outcome, Progress, Summary};
use crate::harness::overload::{self, ClientsOutcome};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext, observed};
use crate::harness::settings::{ReplayError, ReplaySettings};
use crate::protocols::paxos::multi::{MultiConfig, MultiPaxos};
use crate::protocols::paxos::{retry_after, safety};
use crate::sim::metrics::ObservationKind;
use crate::sim::time::{Nanos, SECOND, to_secs};

/// The most nodes a Multi-Paxos run takes (acceptor sets are 64-bit masks).
pub const MAX_NODES: u32 = 64;

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
    /// With client policies, a capacity or a spike: what the clients made, sent and got.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clients: Option<ClientsOutcome>,
}

impl Summary for MultiPaxosOutcome {
    fn summary(&self) -> String {
        let plural =
            |n: u64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let clients = self
            .clients
            .as_ref()
            .map_or(String::new(), |c| format!("; clients: {}", c.summary()));
        format!(
            "multi-paxos: leader {} ({}, {}); {} of {} commands committed ({:.1}/s), log of {} \
             ({} applied){clients}",
            self.leader.as_deref().unwrap_or("none"),
            plural(self.ballots, "ballot", "ballots"),
            plural(self.leader_changes, "leader change", "leader changes"),
            self.committed,
            self.commands,
            self.throughput_per_s,
            plural(self.log_slots, "slot", "slots"),
            plural(self.applied, "command", "commands"),
        )
    }

    fn progress(&self) -> Option<Progress> {
        Some(Progress {
            done: self.committed,
            asked: self.commands,
            what: "commands committed",
        })
    }
}

/// Multi-Paxos's runner.
pub struct MultiPaxosRunner;

/// Multi-Paxos.
pub static MULTI_PAXOS: MultiPaxosRunner = MultiPaxosRunner;

impl Runner for MultiPaxosRunner {
    fn name(&self) -> &'static str {
        "multi-paxos"
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    fn keeps_client_operations(&self) -> bool {
        true
    }

    /// Every client policy, the servers' capacity and a spike.
    fn takes_client_settings(&self, _settings: &ReplaySettings) -> bool {
        true
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        run.at_most(self.name(), MAX_NODES)?;
        let heartbeat = settings.heartbeat.unwrap_or(SECOND);
        let retry = retry_after(run.timeout, settings.processing);
        let end = run.end_of(heartbeat, heartbeat + run.timeout);
        let clients = run.client_config(end, 4 * retry)?;
        if let Some(spike) = clients.spike
            && spike.at >= clients.stop
        {
            return Err(ReplayError::SpikeAfterEnd {
                at_s: to_secs(spike.at),
                stop_s: to_secs(clients.stop),
            });
        }
        let config = MultiConfig {
            heartbeat,
            timeout: run.timeout,
            retry,
            broken_acceptor: settings.paxos.broken_acceptor,
            clients,
        };
        let mut sim = run
            .simulation::<MultiPaxos>(config)
            .clients(settings.clients.count)
            .check(safety::Agreement::default())
            .check(safety::Validity::default())
            .check(safety::Integrity::default())
            .check(safety::LogPrefix::default())
            .build();
        let watched = overload::watched(&settings.clients);
        let queue = if watched {
            overload::run_sampling_queues(&mut sim, settings.nodes, end, progress)
        } else {
            sim.run_until(end, &mut |now| progress(now, end));
            Vec::new()
        };
        let endpoints = settings.nodes + settings.clients.count;
        let processes: Vec<&MultiPaxos> = (0..endpoints).filter_map(|n| sim.process(n)).collect();
        let replicas: Vec<_> = processes.iter().filter_map(|p| p.replica()).collect();
        let client_ends: Vec<_> = processes.iter().filter_map(|p| p.client()).collect();
        let longest = replicas.iter().max_by_key(|r| r.log_length());
        let committed: u64 = client_ends.iter().map(|c| c.committed()).sum();
        let load = watched.then(|| {
            let stats: Vec<_> = client_ends.iter().map(|c| c.stats()).collect();
            let breaker_open = client_ends.iter().map(|c| c.breaker_open(end)).sum();
            let trigger = overload::trigger(settings.clients.spike.as_ref(), &settings.faults);
            overload::summarize(&stats, breaker_open, clients.stop, trigger, queue)
        });
        let timeline = &sim.metrics().timeline;
        let outcome = MultiPaxosOutcome {
            leader: replicas
                .iter()
                .filter(|r| r.leads())
                .map(|r| format!("n{}", r.me() + 1))
                .next_back(),
            ballots: observed(timeline, ObservationKind::Ballot),
            leader_changes: observed(timeline, ObservationKind::TookLead),
            commands: client_ends.iter().map(|c| c.issued()).sum(),
            committed,
            throughput_per_s: committed as f64 / to_secs(clients.stop),
            log_slots: longest.map_or(0, |r| r.log_length()),
            applied: longest.map_or(0, |r| r.applied().len() as u64),
            clients: load.as_ref().map(|(c, _)| c.clone()),
        };
        let metrics = sim.metrics().clone();
        let mut replay = run.finish(&sim, metrics, end, Outcome::new(outcome));
        if let Some((_, series)) = load {
            replay
                .files
                .push(("load.csv", overload::series_csv(&series)));
            replay.load = Some(series);
        }
        Ok(replay)
    }
}
