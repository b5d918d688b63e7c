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

use hdrhistogram::Histogram;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::harness::replay::{ReplayError, ReplaySettings, replay};
use crate::sim::chaos::{ChaosConfig, random_faults};
use crate::sim::engine::Violation;
use crate::sim::metrics::{LatencySummary, summarize};

/// Where each run's faults come from.
#[derive(Debug, Clone)]
pub enum Faults {
    /// The faults already in the settings (a trace, or none), the same for every seed.
    Fixed,
    /// A random scenario per seed.
    Random(ChaosConfig),
}

/// A violation as a sweep reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstViolation {
    /// The invariant's name.
    pub name: String,
    /// When it started not to hold, seconds.
    pub time_s: f64,
    /// What was seen.
    pub detail: String,
}

impl From<&Violation> for FirstViolation {
    fn from(v: &Violation) -> Self {
        FirstViolation {
            name: v.name.to_string(),
            time_s: v.time_s,
            detail: v.detail.clone(),
        }
    }
}

/// The first violation of a failing seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailedSeed {
    /// The seed.
    pub seed: u64,
    /// How many violations its run had.
    pub violations: u64,
    /// The first of them.
    pub first: FirstViolation,
}

/// Liveness over all runs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct SweepProgress {
    /// Values decided or commands committed.
    pub done: u64,
    /// Of those asked.
    pub asked: u64,
    /// What `done` counts, for people.
    #[serde(skip)]
    pub what: String,
}

/// What one seed's run gave: everything the report sums or lists, so that the rows of a sweep
/// split into shards reduce to the same report as the unsplit sweep's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SeedRow {
    /// The seed.
    pub seed: u64,
    /// Simulated time, seconds.
    pub sim_time_s: f64,
    /// Events handled.
    pub events: u64,
    /// Messages sent.
    pub messages: u64,
    /// The invariants checked.
    pub checked: Vec<String>,
    /// Violations, by invariant (in the order they happened; first first).
    pub violations: Vec<FirstViolation>,
    /// Liveness: done, asked and what (consensus protocols).
    pub progress: Option<(u64, u64, String)>,
    /// The run's latency histograms by metric, nanoseconds (shards carry them whole, so the
    /// pooled percentiles of a merged sweep are exact).
    #[serde(skip)]
    pub latency: BTreeMap<String, Histogram<u64>>,
}

/// What every row of a sweep shares.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepHeader {
    /// Protocol name.
    pub protocol: String,
    /// Cluster size.
    pub nodes: u32,
    /// The first seed.
    pub seed_from: u64,
    /// The last seed.
    pub seed_to: u64,
    /// `random` or `trace`.
    pub faults: String,
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
    pub faults: String,
    /// Simulated time of each run, seconds.
    pub sim_time_s: f64,
    /// Runs made.
    pub runs: u64,
    /// Events handled over all runs.
    pub events: u64,
    /// Messages sent over all runs.
    pub messages: u64,
    /// The invariants checked.
    pub checked: Vec<String>,
    /// Violations over all runs.
    pub violations: u64,
    /// Violations by invariant.
    pub by_invariant: BTreeMap<String, u64>,
    /// The seeds whose run broke an invariant, in order.
    pub failed_seeds: Vec<u64>,
    /// The first violation of each failed seed.
    pub failures: Vec<FailedSeed>,
    /// Consensus protocols: values decided or commands committed, of those asked, over all runs.
    pub progress: Option<SweepProgress>,
    /// Consensus protocols: the seeds whose run left something undone at its end.
    pub stalled_seeds: Vec<u64>,
    /// Latency by metric over every run, pooled (omitted for protocols that record none).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub latency: BTreeMap<String, LatencySummary>,
}

/// The header of a sweep of `base` over `seeds`.
pub fn header(base: &ReplaySettings, seeds: &RangeInclusive<u64>, faults: &Faults) -> SweepHeader {
    SweepHeader {
        protocol: base.protocol.to_string(),
        nodes: base.nodes,
        seed_from: *seeds.start(),
        seed_to: *seeds.end(),
        faults: match faults {
            Faults::Fixed => "trace",
            Faults::Random(_) => "random",
        }
        .to_string(),
    }
}

/// The most seeds one process sweeps (each seed's row is kept until the report is made).
pub const MAX_SEEDS: u64 = 10_000_000;

/// Runs `base` once per seed in `seeds`, in parallel, in seed order; `progress` hears each
/// finished run.
pub fn run_seeds(
    base: &ReplaySettings,
    seeds: RangeInclusive<u64>,
    faults: &Faults,
    progress: &(dyn Fn() + Sync),
) -> Result<Vec<SeedRow>, ReplayError> {
    let count = (seeds.end() - seeds.start()).saturating_add(1);
    if count > MAX_SEEDS {
        return Err(ReplayError::TooLarge {
            what: format!("--seeds {}..{} is {count} runs", seeds.start(), seeds.end()),
            limit: format!("{MAX_SEEDS} seeds in one process"),
            why: "each seed's row is kept until the report is made; split the sweep with \
                  --shard I/N (and `faultline merge`)",
        });
    }
    seeds
        .into_par_iter()
        .map(|seed| {
            let mut settings = base.clone();
            settings.seed = seed;
            if let Faults::Random(chaos) = faults {
                settings.faults = random_faults(chaos, seed)?;
            }
            let run = replay(&settings, &mut |_, _| {})?;
            progress();
            let report = run.report;
            Ok(SeedRow {
                seed,
                sim_time_s: report.sim_time_s,
                events: report.events,
                messages: report.messages.total,
                checked: report
                    .invariants
                    .checked
                    .iter()
                    .map(|c| c.to_string())
                    .collect(),
                violations: report
                    .invariants
                    .violations
                    .iter()
                    .map(FirstViolation::from)
                    .collect(),
                progress: report
                    .outcome
                    .progress()
                    .map(|p| (p.done, p.asked, p.what.to_string())),
                latency: run
                    .histograms
                    .iter()
                    .map(|(metric, h)| (metric.to_string(), h.clone()))
                    .collect(),
            })
        })
        .collect()
}

/// The report of a sweep from its rows, in seed order.
pub fn reduce(header: SweepHeader, rows: &[SeedRow]) -> FaultSweepReport {
    let mut report = FaultSweepReport {
        protocol: header.protocol,
        nodes: header.nodes,
        seed_from: header.seed_from,
        seed_to: header.seed_to,
        faults: header.faults,
        sim_time_s: rows.first().map_or(0.0, |r| r.sim_time_s),
        runs: rows.len() as u64,
        events: rows.iter().map(|r| r.events).sum(),
        messages: rows.iter().map(|r| r.messages).sum(),
        checked: rows.first().map(|r| r.checked.clone()).unwrap_or_default(),
        violations: 0,
        by_invariant: BTreeMap::new(),
        failed_seeds: Vec::new(),
        failures: Vec::new(),
        progress: None,
        stalled_seeds: Vec::new(),
        latency: BTreeMap::new(),
    };
    let mut pooled: BTreeMap<&str, Histogram<u64>> = BTreeMap::new();
    for row in rows {
        for (metric, histogram) in &row.latency {
            match pooled.get_mut(metric.as_str()) {
                // Every run's histograms share one range (shards are checked for it when read),
                // so adding cannot fail; saturate rather than lose a sample if it ever did.
                Some(total) => {
                    if total.add(histogram).is_err() {
                        for v in histogram.iter_recorded() {
                            total.saturating_record_n(v.value_iterated_to(), v.count_at_value());
                        }
                    }
                }
                None => {
                    pooled.insert(metric, histogram.clone());
                }
            }
        }
        if let Some((done, asked, what)) = &row.progress {
            let total = report.progress.get_or_insert_with(SweepProgress::default);
            total.done += done;
            total.asked += asked;
            total.what.clone_from(what);
            if done < asked {
                report.stalled_seeds.push(row.seed);
            }
        }
        let Some(first) = row.violations.first() else {
            continue;
        };
        report.violations += row.violations.len() as u64;
        for v in &row.violations {
            *report.by_invariant.entry(v.name.clone()).or_default() += 1;
        }
        report.failed_seeds.push(row.seed);
        report.failures.push(FailedSeed {
            seed: row.seed,
            violations: row.violations.len() as u64,
            first: first.clone(),
        });
    }
    report.latency = pooled
        .iter()
        .map(|(metric, h)| (metric.to_string(), summarize(h)))
        .collect();
    report
}

/// Runs `base` once per seed in `seeds`, in parallel; `progress` hears each finished run.
pub fn fault_sweep(
    base: &ReplaySettings,
    seeds: RangeInclusive<u64>,
    faults: &Faults,
    progress: &(dyn Fn() + Sync),
) -> Result<FaultSweepReport, ReplayError> {
    let header = header(base, &seeds, faults);
    let rows = run_seeds(base, seeds, faults, progress)?;
    Ok(reduce(header, &rows))
}
