//! Client policies side by side (`replay --retry a,b,c`, `--variant`, several `--clients`):
//! the same service, the same scenario, run once per policy (and client count) over the same
//! seeds, with what the clients saw averaged over the seeds.
//!
//! Every run is independent; they run in parallel and are collected in order, so the result
//! does not depend on how rayon scheduled them. A row's recovery time is the mean over the seeds
//! that recovered, and the row says how many did: a policy that recovers on some seeds only is
//! not a cure.

use std::ops::RangeInclusive;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::harness::overload::{ClientsOutcome, Series, Trigger};
use crate::harness::replay::{ReplayError, ReplaySettings, replay};

/// The latency metrics a row's p99 is read from, the first a run has.
const LATENCY: [&str; 2] = ["commit", "update"];

/// One policy (and client count) to run.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Its label: the policy as written, or a variant's name.
    pub label: String,
    /// The run's settings (its seed is replaced by each of the seeds).
    pub settings: ReplaySettings,
}

/// One candidate over every seed: means of `outcome.clients`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRow {
    /// The candidate's label.
    pub label: String,
    /// Clients in the run.
    pub clients: u32,
    /// Seeds run.
    pub seeds: u64,
    /// Requests made, mean.
    pub requests: f64,
    /// Attempts sent, mean.
    pub attempts: f64,
    /// Attempts per request, mean.
    pub amplification: f64,
    /// Goodput, mean, per second.
    pub goodput_per_s: f64,
    /// Requests given up, mean.
    pub failed: f64,
    /// Attempts turned away by full queues, mean.
    pub rejected: f64,
    /// Attempts timed out, mean.
    pub timed_out: f64,
    /// Requests refused by open breakers, mean.
    pub short_circuited: f64,
    /// Requests skipped by clients at their in-flight limit, mean.
    pub skipped: f64,
    /// A client's breaker's open time, mean, seconds.
    pub breaker_open_s: f64,
    /// The trigger, if the runs had one.
    pub trigger: Option<Trigger>,
    /// Seeds whose goodput recovered after the trigger.
    pub recovered: u64,
    /// Mean recovery time over the seeds that recovered, seconds (null: none did).
    pub recovery_s: Option<f64>,
    /// Seeds whose clients all finished (work that ends).
    pub completed: u64,
    /// Mean completion time over the seeds that completed, seconds.
    pub completion_s: Option<f64>,
    /// Mean of the runs' 99th-percentile request latency, seconds.
    pub p99_s: Option<f64>,
    /// The first seed's load, second by second (none for runs without one).
    pub series: Option<Series>,
}

/// A comparison's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyComparison {
    /// The protocol.
    pub protocol: String,
    /// The seeds.
    pub seeds: (u64, u64),
    /// One row per candidate, in the order given.
    pub rows: Vec<PolicyRow>,
}

/// What one run gave.
struct Sample {
    clients: ClientsOutcome,
    p99_s: Option<f64>,
    series: Option<Series>,
}

fn sample(settings: &ReplaySettings) -> Result<Sample, ReplayError> {
    let run = replay(settings, &mut |_, _| {})?;
    let clients = run
        .report
        .outcome
        .json()
        .get("clients")
        .cloned()
        .and_then(|c| serde_json::from_value(c).ok())
        .ok_or(ReplayError::NoClientsOutcome)?;
    let p99_s = LATENCY
        .iter()
        .find_map(|m| run.report.latency.get(m))
        .map(|l| l.p99_s);
    Ok(Sample {
        clients,
        p99_s,
        series: run.load,
    })
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0u64), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn row(candidate: &Candidate, samples: Vec<Sample>) -> PolicyRow {
    let n = samples.len() as f64;
    let avg = |f: &dyn Fn(&ClientsOutcome) -> f64| {
        samples.iter().map(|s| f(&s.clients)).sum::<f64>() / n.max(1.0)
    };
    let recovered: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.clients.recovery_s)
        .collect();
    let completed: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.clients.completion_s)
        .collect();
    PolicyRow {
        label: candidate.label.clone(),
        clients: candidate.settings.clients.count,
        seeds: samples.len() as u64,
        requests: avg(&|c| c.requests as f64),
        attempts: avg(&|c| c.attempts as f64),
        amplification: avg(&|c| c.amplification),
        goodput_per_s: avg(&|c| c.goodput_per_s),
        failed: avg(&|c| c.failed as f64),
        rejected: avg(&|c| c.rejected as f64),
        timed_out: avg(&|c| c.timed_out as f64),
        short_circuited: avg(&|c| c.short_circuited as f64),
        skipped: avg(&|c| c.skipped as f64),
        breaker_open_s: avg(&|c| c.breaker_open_s),
        trigger: samples.first().and_then(|s| s.clients.trigger),
        recovered: recovered.len() as u64,
        recovery_s: mean(recovered.into_iter()),
        completed: completed.len() as u64,
        completion_s: mean(completed.into_iter()),
        p99_s: mean(samples.iter().filter_map(|s| s.p99_s)),
        series: samples.into_iter().next().and_then(|s| s.series),
    }
}

/// Runs every candidate over `seeds`; `tick` is called after each run.
pub fn compare(
    candidates: &[Candidate],
    seeds: RangeInclusive<u64>,
    tick: &(dyn Fn() + Sync),
) -> Result<PolicyComparison, ReplayError> {
    let seed_list: Vec<u64> = seeds.clone().collect();
    let jobs: Vec<(usize, u64)> = (0..candidates.len())
        .flat_map(|c| seed_list.iter().map(move |&s| (c, s)))
        .collect();
    let samples: Vec<Sample> = jobs
        .par_iter()
        .map(|&(c, seed)| {
            let settings = ReplaySettings {
                seed,
                ..candidates[c].settings.clone()
            };
            let s = sample(&settings);
            tick();
            s
        })
        .collect::<Result<_, _>>()?;
    let mut samples = samples.into_iter();
    let rows = candidates
        .iter()
        .map(|c| row(c, samples.by_ref().take(seed_list.len()).collect()))
        .collect();
    Ok(PolicyComparison {
        protocol: candidates
            .first()
            .map_or(String::new(), |c| c.settings.protocol.to_string()),
        seeds: (*seeds.start(), *seeds.end()),
        rows,
    })
}
