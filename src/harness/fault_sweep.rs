//! Fault sweeps (`replay --seeds A..B`): one protocol over many seeds, each with its own fault
//! scenario — drawn at random ([`crate::sim::chaos`]) or the trace's — in parallel, reduced to
//! what a safety hunt needs: how many runs broke an invariant, which seeds, and the first
//! violation of each, so that any failing seed can be replayed alone — and, for the consensus
//! protocols, how much got done (liveness), since a protocol that does nothing is trivially safe.
//!
//! Runs are independent and collected in seed order, so the report does not depend on how rayon
//! scheduled them.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use rayon::prelude::*;
use serde::Serialize;

use crate::harness::replay::{Progress, ReplayError, ReplaySettings, replay};
use crate::sim::chaos::{ChaosConfig, random_faults};
use crate::sim::engine::Violation;

/// Where each run's faults come from.
#[derive(Debug, Clone)]
pub enum Faults {
    /// The faults already in the settings (a trace, or none), the same for every seed.
    Fixed,
    /// A random scenario per seed.
    Random(ChaosConfig),
}

/// The first violation of a failing seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedSeed {
    /// The seed.
    pub seed: u64,
    /// How many violations its run had.
    pub violations: u64,
    /// The first of them.
    pub first: Violation,
}

/// A fault sweep's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultSweepReport {
    /// Protocol name.
    pub protocol: String,
    /// Cluster size.
    pub nodes: u32,
    /// The first seed.
    pub seed_from: u64,
    /// The last seed.
    pub seed_to: u64,
    /// `random` or `trace`.
    pub faults: &'static str,
    /// Simulated time of each run, seconds.
    pub sim_time_s: f64,
    /// Runs made.
    pub runs: u64,
    /// Events handled over all runs.
    pub events: u64,
    /// Messages sent over all runs.
    pub messages: u64,
    /// The invariants checked.
    pub checked: Vec<&'static str>,
    /// Violations over all runs.
    pub violations: u64,
    /// Violations by invariant.
    pub by_invariant: BTreeMap<&'static str, u64>,
    /// The seeds whose run broke an invariant, in order.
    pub failed_seeds: Vec<u64>,
    /// The first violation of each failed seed.
    pub failures: Vec<FailedSeed>,
    /// Consensus protocols: values decided or commands committed, of those asked, over all runs.
    pub progress: Option<Progress>,
    /// Consensus protocols: the seeds whose run left something undone at its end.
    pub stalled_seeds: Vec<u64>,
}

/// Runs `base` once per seed in `seeds`, in parallel; `progress` hears each finished run.
pub fn fault_sweep(
    base: &ReplaySettings,
    seeds: RangeInclusive<u64>,
    faults: &Faults,
    progress: &(dyn Fn() + Sync),
) -> Result<FaultSweepReport, ReplayError> {
    let (seed_from, seed_to) = (*seeds.start(), *seeds.end());
    let runs = seeds
        .into_par_iter()
        .map(|seed| {
            let mut settings = base.clone();
            settings.seed = seed;
            if let Faults::Random(chaos) = faults {
                settings.faults = random_faults(chaos, seed)?;
            }
            let run = replay(&settings, &mut |_, _| {})?;
            progress();
            Ok(run.report)
        })
        .collect::<Result<Vec<_>, ReplayError>>()?;
    let mut report = FaultSweepReport {
        protocol: base.protocol.to_string(),
        nodes: base.nodes,
        seed_from,
        seed_to,
        faults: match faults {
            Faults::Fixed => "trace",
            Faults::Random(_) => "random",
        },
        sim_time_s: runs.first().map_or(0.0, |r| r.sim_time_s),
        runs: runs.len() as u64,
        events: runs.iter().map(|r| r.events).sum(),
        messages: runs.iter().map(|r| r.messages.total).sum(),
        checked: runs
            .first()
            .map(|r| r.invariants.checked.clone())
            .unwrap_or_default(),
        violations: 0,
        by_invariant: BTreeMap::new(),
        failed_seeds: Vec::new(),
        failures: Vec::new(),
        progress: None,
        stalled_seeds: Vec::new(),
    };
    for run in &runs {
        if let Some(p) = run.outcome.progress() {
            let total = report.progress.get_or_insert_with(Progress::default);
            total.done += p.done;
            total.asked += p.asked;
            total.what = p.what;
            if p.done < p.asked {
                report.stalled_seeds.push(run.seed);
            }
        }
        let violations = &run.invariants.violations;
        let Some(first) = violations.first() else {
            continue;
        };
        report.violations += violations.len() as u64;
        for v in violations {
            *report.by_invariant.entry(v.name).or_default() += 1;
        }
        report.failed_seeds.push(run.seed);
        report.failures.push(FailedSeed {
            seed: run.seed,
            violations: violations.len() as u64,
            first: first.clone(),
        });
    }
    Ok(report)
}
