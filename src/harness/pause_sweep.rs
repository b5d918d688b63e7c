//! The stale-holder sweep (`replay --protocol lock --pauses R,...`): how many unsafe writes a
//! lock lets through as holders freeze for longer and longer against their session timeout,
//! without fencing and with it.
//!
//! For each ratio `r`, each seed draws a scenario of pauses, each of `r` session timeouts: every
//! client freezes once in every 10 s on average, at a random moment — holding the lock or not.
//! Pauses shorter than the session change nothing (the session survives and the holder's writes
//! are its own); longer ones let the lock move on while the frozen holder still believes it
//! holds it. Each setting is run with fencing off and on; unsafe writes are reported per hour
//! of simulated time. Runs are independent and collected in order, so the table does not depend
//! on how rayon scheduled them.

use std::ops::RangeInclusive;

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use serde::Serialize;

use crate::harness::replay::{ReplayError, ReplaySettings, replay};
use crate::harness::runners::lock::LockOutcome;
use crate::sim::scenario::Fault;
use crate::sim::time::{Nanos, SECOND, from_secs, to_secs};

/// One ratio and fencing setting over every seed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PauseRow {
    /// Pause length over the session timeout.
    pub ratio: f64,
    /// Pause length, seconds.
    pub pause_s: f64,
    /// Whether the storage checked tokens.
    pub fencing: bool,
    /// Runs (seeds).
    pub runs: u64,
    /// Unsafe writes over all runs.
    pub unsafe_writes: u64,
    /// The same per hour of simulated time.
    pub unsafe_per_hour: f64,
    /// Accepted writes of an earlier holding after a later one's, over all runs.
    pub interleaved_writes: u64,
    /// The same per hour.
    pub interleaved_per_hour: f64,
    /// Writes the storage rejected (fenced off).
    pub writes_rejected: u64,
    /// Runs with a `mutual-exclusion` violation.
    pub violating_runs: u64,
}

/// The sweep's report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PauseSweep {
    /// The session timeout the clients asked for, seconds.
    pub session_timeout_s: f64,
    /// Simulated time of each run, seconds.
    pub sim_time_s: f64,
    /// The seeds.
    pub seeds: (u64, u64),
    /// One row per ratio and fencing setting, fencing off first.
    pub rows: Vec<PauseRow>,
}

/// Mean time between two pauses of one client.
const PAUSE_EVERY: Nanos = 10 * SECOND;

/// Every client's pauses of `length` over `[2 s, duration)` for `seed`.
fn pauses(
    seed: u64,
    nodes: u32,
    clients: u32,
    length: Nanos,
    duration: Nanos,
) -> Vec<(Nanos, Fault)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut faults = Vec::new();
    for client in 0..clients {
        let mut t = 2 * SECOND + rng.random_range(0..PAUSE_EVERY);
        while t < duration {
            faults.push((t, Fault::Pause(nodes + client, length)));
            t += length + rng.random_range(PAUSE_EVERY / 2..PAUSE_EVERY * 3 / 2);
        }
    }
    faults.sort_by_key(|(t, _)| *t);
    faults
}

/// Runs the sweep: `base` is a lock run (its duration set), `ratios` the pause lengths over
/// the session timeout.
pub fn pause_sweep(
    base: &ReplaySettings,
    ratios: &[f64],
    seeds: RangeInclusive<u64>,
    tick: &(dyn Fn() + Sync),
) -> Result<PauseSweep, ReplayError> {
    let not_lock = || ReplayError::PausesNeedLock(base.protocol.to_string());
    if base.protocol.name() != "lock" {
        return Err(not_lock());
    }
    let duration = base.duration.unwrap_or(60 * SECOND);
    let timeout = base.zk.session_timeout;
    let cases: Vec<(f64, bool)> = ratios
        .iter()
        .flat_map(|&r| [(r, false), (r, true)])
        .collect();
    let rows = cases
        .iter()
        .map(|&(ratio, fencing)| {
            let length = from_secs(ratio * to_secs(timeout)).max(1);
            let runs: Vec<(LockOutcome, bool)> = seeds
                .clone()
                .collect::<Vec<u64>>()
                .par_iter()
                .map(|&seed| {
                    let mut settings = base.clone();
                    settings.seed = seed;
                    settings.duration = Some(duration);
                    settings.zk.lock.fencing = fencing;
                    settings.faults =
                        pauses(seed, base.nodes, base.clients.count, length, duration);
                    let run = replay(&settings, &mut |_, _| {})?;
                    tick();
                    let violated = !run.report.invariants.violations.is_empty();
                    let outcome = run
                        .report
                        .outcome
                        .get::<LockOutcome>()
                        .cloned()
                        .ok_or_else(not_lock)?;
                    Ok((outcome, violated))
                })
                .collect::<Result<_, ReplayError>>()?;
            let hours = runs.len() as f64 * to_secs(duration) / 3600.0;
            let unsafe_writes: u64 = runs.iter().map(|(o, _)| o.unsafe_writes).sum();
            let interleaved_writes: u64 = runs.iter().map(|(o, _)| o.interleaved_writes).sum();
            Ok(PauseRow {
                ratio,
                pause_s: to_secs(length),
                fencing,
                runs: runs.len() as u64,
                unsafe_writes,
                unsafe_per_hour: unsafe_writes as f64 / hours,
                interleaved_writes,
                interleaved_per_hour: interleaved_writes as f64 / hours,
                writes_rejected: runs.iter().map(|(o, _)| o.writes_rejected).sum(),
                violating_runs: runs.iter().filter(|(_, violated)| *violated).count() as u64,
            })
        })
        .collect::<Result<Vec<_>, ReplayError>>()?;
    Ok(PauseSweep {
        session_timeout_s: to_secs(timeout),
        sim_time_s: to_secs(duration),
        seeds: (*seeds.start(), *seeds.end()),
        rows,
    })
}
