//! The GFS timeout trade-off (`faultline sweep --protocol gfs`): the same outages replayed under
//! several dead-chunkserver timeouts. A short timeout re-replicates for every transient outage
//! and throws the copies away when the server returns (wasted traffic); a long one leaves chunks
//! under-replicated longer and risks losing those whose other copies fail meanwhile.
//!
//! Each timeout runs over seeds `1..=K` (the initial layout is drawn from the seed) in parallel;
//! rows are the means, collected in order, so the table does not depend on scheduling.

use rayon::prelude::*;
use serde::Serialize;

use crate::harness::replay::{ReplayError, ReplaySettings, context, replay};
use crate::harness::runners::gfs::{CHUNK_MB, GfsOutcome};
use crate::sim::time::to_secs;
use crate::sim::timeout::TimeoutExpr;

/// One timeout over every seed (means).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GfsSweepRow {
    /// The timeout as written.
    pub timeout: String,
    /// Its value, seconds.
    pub timeout_s: f64,
    /// Chunks that had no live replica at some moment.
    pub chunks_lost: f64,
    /// Chunk-seconds under-replicated.
    pub under_replicated_s: f64,
    /// Re-replications.
    pub clones: f64,
    /// Of those, wasted (the server came back).
    pub wasted_clones: f64,
    /// Wasted re-replication traffic, GB.
    pub wasted_gb: f64,
    /// Servers declared dead.
    pub declared_dead: f64,
}

/// The sweep's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GfsSweep {
    /// Nodes (n1 the master).
    pub nodes: u32,
    /// Chunks and copies.
    pub chunks: u32,
    /// Copies of each chunk.
    pub replicas: u32,
    /// Seeds per timeout.
    pub seeds: u64,
    /// Simulated time per run, seconds.
    pub sim_time_s: f64,
    /// One row per timeout, in the order given.
    pub rows: Vec<GfsSweepRow>,
}

/// Runs `base` under each timeout over seeds `1..=seeds`; `tick` after each run.
pub fn gfs_sweep(
    base: &ReplaySettings,
    timeouts: &[TimeoutExpr],
    seeds: u64,
    tick: &(dyn Fn() + Sync),
) -> Result<GfsSweep, ReplayError> {
    let jobs: Vec<(usize, u64)> = (0..timeouts.len())
        .flat_map(|t| (1..=seeds).map(move |s| (t, s)))
        .collect();
    let runs: Vec<(GfsOutcome, f64)> = jobs
        .par_iter()
        .map(|&(t, seed)| {
            let settings = ReplaySettings {
                seed,
                timeout: Some(timeouts[t].clone()),
                ..base.clone()
            };
            let run = replay(&settings, &mut |_, _| {})?;
            tick();
            let outcome = run
                .report
                .outcome
                .get::<GfsOutcome>()
                .cloned()
                .ok_or_else(|| ReplayError::NotGfs(settings.protocol.to_string()))?;
            Ok((outcome, run.report.sim_time_s))
        })
        .collect::<Result<_, ReplayError>>()?;
    let n = seeds as f64;
    let mut rows = Vec::new();
    for (expr, runs) in timeouts.iter().zip(runs.chunks(seeds as usize)) {
        let settings = ReplaySettings {
            timeout: Some(expr.clone()),
            ..base.clone()
        };
        let timeout = context(&settings)?.timeout;
        let mean = |f: fn(&GfsOutcome) -> f64| runs.iter().map(|(o, _)| f(o)).sum::<f64>() / n;
        rows.push(GfsSweepRow {
            timeout: expr.to_string(),
            timeout_s: to_secs(timeout),
            chunks_lost: mean(|o| o.chunks_lost as f64),
            under_replicated_s: mean(|o| o.under_replicated_s),
            clones: mean(|o| o.clones as f64),
            wasted_clones: mean(|o| o.wasted_clones as f64),
            wasted_gb: mean(|o| o.wasted_clones as f64 * CHUNK_MB / 1024.0),
            declared_dead: mean(|o| o.declared_dead as f64),
        });
    }
    Ok(GfsSweep {
        nodes: base.nodes,
        chunks: base.gfs.chunks,
        replicas: base.gfs.replicas,
        seeds,
        sim_time_s: runs.first().map_or(0.0, |(_, t)| *t),
        rows,
    })
}
