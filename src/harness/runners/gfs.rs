//! GFS re-replication on a trace's outages: what the master's timeout costs in lost and
//! under-replicated chunks and in re-replication traffic.
//!
//! The master's metadata records every replica's life; the trace's crashes and recoveries say
//! when each chunkserver was up. A replica is *live* while it exists and its server is up (its
//! disk survives an outage, so it is live again when the server returns, unless the master has
//! deleted it meanwhile). Per chunk, sweeping the starts and ends of its live replicas gives:
//! - `under_replicated_s`: the time with fewer live replicas than `replicas`, summed over chunks
//!   (chunk-seconds);
//! - `chunks_lost`: chunks that at some moment had no live replica at all — unreadable then, and
//!   gone for good if those disks do not come back.
//!
//! `clones` counts completed re-replications and `wasted_clones` the copies deleted when a
//! server declared dead came back to a chunk already restored without it: traffic a longer
//! timeout would have saved. `false_suspicions` counts servers declared dead while they were up
//! (a partition, a pause or a silence shorter than an outage).

use serde::Serialize;

use crate::harness::outcome::{Outcome, Summary};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext};
use crate::harness::settings::ReplayError;
use crate::protocols::gfs::{Gfs, GfsConfig, MASTER, Span};
use crate::sim::metrics::{Observation, ObservationKind};
use crate::sim::scenario::Fault;
use crate::sim::time::{Nanos, from_secs, to_secs};

/// The size of a chunk, MB (GFS's 64 MB).
pub const CHUNK_MB: f64 = 64.0;

/// The outcome of a GFS run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GfsOutcome {
    /// Chunks.
    pub chunks: u32,
    /// Copies of each.
    pub replicas: u32,
    /// Chunks that had no live replica at some moment.
    pub chunks_lost: u64,
    /// Chunk-seconds with fewer live replicas than `replicas`.
    pub under_replicated_s: f64,
    /// Re-replications completed.
    pub clones: u64,
    /// Copies deleted on their server's return (the clones made in their place were wasted).
    pub wasted_clones: u64,
    /// Data copied by re-replication, GB.
    pub clone_traffic_gb: f64,
    /// Times the master declared a chunkserver dead.
    pub declared_dead: u64,
    /// Of those, while the server was up.
    pub false_suspicions: u64,
}

impl Summary for GfsOutcome {
    fn summary(&self) -> String {
        format!(
            "gfs: {} of {} chunks lost, {:.0} chunk-s under-replicated; {} clones ({:.1} GB), {} \
             wasted; {} servers declared dead ({} while up)",
            self.chunks_lost,
            self.chunks,
            self.under_replicated_s,
            self.clones,
            self.clone_traffic_gb,
            self.wasted_clones,
            self.declared_dead,
            self.false_suspicions,
        )
    }
}

/// GFS's runner.
pub struct GfsRunner;

/// GFS.
pub static GFS: GfsRunner = GfsRunner;

/// Each node's up intervals over `[0, end)`, from the scenario's crashes and recoveries.
pub fn up_intervals(faults: &[(Nanos, Fault)], nodes: u32, end: Nanos) -> Vec<Vec<(Nanos, Nanos)>> {
    let mut since: Vec<Option<Nanos>> = vec![Some(0); nodes as usize];
    let mut up = vec![Vec::new(); nodes as usize];
    for (t, fault) in faults {
        let t = (*t).min(end);
        match *fault {
            Fault::Crash(n) if (n as usize) < since.len() => {
                if let Some(s) = since[n as usize].take()
                    && t > s
                {
                    up[n as usize].push((s, t));
                }
            }
            Fault::Recover(n) if (n as usize) < since.len() => {
                since[n as usize].get_or_insert(t);
            }
            _ => {}
        }
    }
    for (n, s) in since.into_iter().enumerate() {
        if let Some(s) = s
            && end > s
        {
            up[n].push((s, end));
        }
    }
    up
}

/// Per chunk: whether it ever had no live replica, and its time with fewer than `replicas`.
pub fn exposure(
    spans: &[Span],
    up: &[Vec<(Nanos, Nanos)>],
    chunks: u32,
    replicas: u32,
    end: Nanos,
) -> Vec<(bool, Nanos)> {
    let mut edges: Vec<Vec<(Nanos, i32)>> = vec![Vec::new(); chunks as usize];
    for span in spans {
        let to = span.to.unwrap_or(end).min(end);
        for &(a, b) in up.get(span.node as usize).map_or(&[][..], |v| v.as_slice()) {
            let (lo, hi) = (a.max(span.from), b.min(to));
            if lo < hi {
                edges[span.chunk as usize].push((lo, 1));
                edges[span.chunk as usize].push((hi, -1));
            }
        }
    }
    edges
        .into_iter()
        .map(|mut e| {
            // At one instant, arrivals before departures: a hand-over is no gap.
            e.sort_by_key(|&(t, d)| (t, -d));
            let (mut live, mut at, mut short, mut lost) = (0i32, 0, 0, false);
            for (t, d) in e.into_iter().chain(std::iter::once((end, 0))) {
                if t > at {
                    if live < replicas as i32 {
                        short += t - at;
                    }
                    lost |= live == 0;
                }
                at = t;
                live += d;
            }
            (lost, short)
        })
        .collect()
}

/// Servers declared dead (the master's `suspect` observations) while they were up.
fn false_suspicions(timeline: &[Observation], up: &[Vec<(Nanos, Nanos)>]) -> u64 {
    timeline
        .iter()
        .filter(|o| o.kind == ObservationKind::Suspect && o.node == Some(MASTER))
        .filter(|o| {
            o.peer.is_some_and(|p| {
                up.get(p as usize)
                    .is_some_and(|v| v.iter().any(|&(a, b)| a <= o.time && o.time < b))
            })
        })
        .count() as u64
}

impl Runner for GfsRunner {
    fn name(&self) -> &'static str {
        "gfs"
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    /// A minute of silence, a common setting for GFS-like systems (the paper gives none).
    fn default_timeout(&self) -> &'static str {
        "60s"
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        let g = &settings.gfs;
        if settings.nodes <= g.replicas {
            return Err(ReplayError::GfsTooSmall {
                nodes: settings.nodes,
                replicas: g.replicas,
            });
        }
        let config = GfsConfig {
            heartbeat: run.interval,
            timeout: run.timeout,
            chunks: g.chunks,
            replicas: g.replicas,
            racks: g.racks,
            clone_time: from_secs(CHUNK_MB / g.clone_rate),
            max_clones: g.max_clones,
            layout_seed: settings.seed,
        };
        let end = run.end_of(run.interval, run.timeout + config.clone_time);
        let mut sim = run.simulation::<Gfs>(config).build();
        sim.run_until(end, &mut |now| progress(now, end));
        let meta = sim.stable_of(MASTER).meta.clone();
        let up = up_intervals(&settings.faults, settings.nodes, end);
        let per_chunk = exposure(&meta.spans, &up, g.chunks, g.replicas, end);
        let timeline = &sim.metrics().timeline;
        let outcome = GfsOutcome {
            chunks: g.chunks,
            replicas: g.replicas,
            chunks_lost: per_chunk.iter().filter(|(lost, _)| *lost).count() as u64,
            under_replicated_s: to_secs(per_chunk.iter().map(|(_, s)| s).sum()),
            clones: meta.clones,
            wasted_clones: meta.wasted_clones,
            clone_traffic_gb: meta.clones as f64 * CHUNK_MB / 1024.0,
            declared_dead: meta.declared_dead,
            false_suspicions: false_suspicions(timeline, &up),
        };
        let metrics = sim.metrics().clone();
        Ok(run.finish(&sim, metrics, end, Outcome::new(outcome)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_replicas_are_swept_per_chunk() {
        // Two copies of chunk 0, on n2 (index 1) and n3 (index 2); n2 down 10..30, n3 down 20..25:
        // both down 20..25 (lost); below 2 copies 10..30.
        let up = vec![
            vec![(0, 100)],
            vec![(0, 10), (30, 100)],
            vec![(0, 20), (25, 100)],
        ];
        let spans = [
            Span {
                chunk: 0,
                node: 1,
                from: 0,
                to: None,
            },
            Span {
                chunk: 0,
                node: 2,
                from: 0,
                to: None,
            },
        ];
        assert_eq!(exposure(&spans, &up, 1, 2, 100), vec![(true, 20)]);
        // A third copy on n1 from 12: never lost; short only 10..12 and 20..25.
        let mut more = spans.to_vec();
        more.push(Span {
            chunk: 0,
            node: 0,
            from: 12,
            to: None,
        });
        assert_eq!(exposure(&more, &up, 1, 2, 100), vec![(false, 2 + 5)]);
    }

    #[test]
    fn up_time_comes_from_crashes_and_recoveries() {
        let faults = [
            (5, Fault::Crash(1)),
            (8, Fault::Recover(1)),
            (9, Fault::Crash(0)),
        ];
        assert_eq!(
            up_intervals(&faults, 2, 20),
            vec![vec![(0, 9)], vec![(0, 5), (8, 20)]]
        );
    }
}
