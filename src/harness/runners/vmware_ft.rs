//! VMware FT on a trace: failovers, how long they took, outputs the world saw that the new
//! primary never logged, and time with two live primaries.
//!
//! A VM is *live* while it runs the primary and may release outputs: `n1` from the start, a VM
//! from its `leader` observation (going live) until it stops being live (a primary asking the
//! storage, or halting) or crashes. `split_brain_s` is the time with two live VMs or more.
//! `outputs_lost` counts, for each failover from entry `L`, the outputs released before it by
//! the other VMs for entries after `L`: outputs of inputs the new primary never saw (0 with the
//! Output Rule).

use serde::Serialize;

use crate::harness::outcome::{Outcome, Summary};
use crate::harness::registry::{Family, Runner};
use crate::harness::replay::{ReplayRun, RunContext};
use crate::harness::settings::ReplayError;
use crate::protocols::vmware_ft::{Ft, FtConfig, STORAGE};
use crate::sim::metrics::{Observation, ObservationKind};
use crate::sim::scenario::Fault;
use crate::sim::time::{Nanos, from_secs, to_secs};

/// The outcome of a VMware FT run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FtOutcome {
    /// Backups that went live.
    pub failovers: u64,
    /// Time with two live primaries or more, seconds.
    pub split_brain_s: f64,
    /// Outputs released for inputs a new primary never logged.
    pub outputs_lost: u64,
    /// Outputs released in all.
    pub outputs: u64,
    /// New backups paired to restore protection.
    pub backups_started: u64,
}

impl Summary for FtOutcome {
    fn summary(&self) -> String {
        format!(
            "vmware-ft: {} failovers, {} s of split brain, {} of {} outputs lost; {} new backups",
            self.failovers,
            self.split_brain_s,
            self.outputs_lost,
            self.outputs,
            self.backups_started
        )
    }
}

/// VMware FT's runner.
pub struct FtRunner;

/// VMware FT.
pub static VMWARE_FT: FtRunner = FtRunner;

/// Time with two live VMs or more: `(time, node, +1 live / -1 not)` changes swept in order.
fn split_brain(changes: &mut [(Nanos, i32, u32)], end: Nanos) -> Nanos {
    changes.sort_unstable();
    let mut live = std::collections::BTreeSet::new();
    let (mut at, mut total) = (0, 0);
    for &(t, d, node) in changes.iter() {
        let t = t.min(end);
        if live.len() >= 2 {
            total += t - at;
        }
        at = t;
        if d > 0 {
            live.insert(node);
        } else {
            live.remove(&node);
        }
    }
    if live.len() >= 2 {
        total += end.saturating_sub(at);
    }
    total
}

/// The live-state changes of the VMs: n1 live at 0, `leader` observations, crashes.
fn changes(timeline: &[Observation], faults: &[(Nanos, Fault)]) -> Vec<(Nanos, i32, u32)> {
    let mut out = vec![(0, 1, 0)];
    for o in timeline {
        let Some(node) = o.node else { continue };
        match o.kind {
            // Ends before starts at one instant: a hand-over is no overlap.
            ObservationKind::TookLead => out.push((o.time, 1, node)),
            ObservationKind::LeftLead => out.push((o.time, -1, node)),
            _ => {}
        }
    }
    for (t, f) in faults {
        if let Fault::Crash(n) = f {
            out.push((*t, -1, *n));
        }
    }
    out
}

impl Runner for FtRunner {
    fn name(&self) -> &'static str {
        "vmware-ft"
    }

    fn family(&self) -> Family {
        Family::Consensus
    }

    /// Heartbeats' silence: `h+2d+r`.
    fn default_timeout(&self) -> &'static str {
        "h+2d+r"
    }

    fn run(
        &self,
        run: &RunContext<'_>,
        progress: &mut dyn FnMut(Nanos, Nanos),
    ) -> Result<ReplayRun, ReplayError> {
        let settings = run.settings;
        if settings.nodes < 3 {
            return Err(ReplayError::FtTooSmall(settings.nodes));
        }
        if !(settings.clients.rate.is_finite() && settings.clients.rate > 0.0) {
            return Err(ReplayError::Rate);
        }
        let config = FtConfig {
            heartbeat: run.interval,
            timeout: run.timeout,
            input_interval: from_secs(1.0 / settings.clients.rate).max(1),
            test_and_set: settings.ft.test_and_set,
            output_rule: settings.ft.output_rule,
            restart: settings.ft.restart,
        };
        let end = run.end_of(run.interval, run.timeout + config.restart);
        let mut sim = run.simulation::<Ft>(config).build();
        sim.run_until(end, &mut |now| progress(now, end));
        let timeline = &sim.metrics().timeline;
        let vms: Vec<u32> = (0..settings.nodes).filter(|&n| n != STORAGE).collect();
        let released: Vec<(u32, &[(Nanos, u64)])> = vms
            .iter()
            .map(|&n| (n, sim.stable_of(n).released.as_slice()))
            .collect();
        let failovers: Vec<(Nanos, u32, u64)> = timeline
            .iter()
            .filter(|o| o.kind == ObservationKind::TookLead)
            .filter_map(|o| {
                let detail = o
                    .detail
                    .as_deref()?
                    .strip_prefix("failover: live from entry ")?;
                Some((o.time, o.node?, detail.parse().ok()?))
            })
            .collect();
        let outputs_lost = failovers
            .iter()
            .map(|&(t, node, last)| {
                released
                    .iter()
                    .filter(|(n, _)| *n != node)
                    .flat_map(|(_, r)| r.iter())
                    .filter(|&&(at, entry)| at <= t && entry > last)
                    .count() as u64
            })
            .sum();
        let mut live = changes(timeline, &settings.faults);
        let outcome = FtOutcome {
            failovers: failovers.len() as u64,
            split_brain_s: to_secs(split_brain(&mut live, end)),
            outputs_lost,
            outputs: released.iter().map(|(_, r)| r.len() as u64).sum(),
            backups_started: timeline
                .iter()
                .filter(|o| o.kind == ObservationKind::Paired)
                .count() as u64,
        };
        let metrics = sim.metrics().clone();
        Ok(run.finish(&sim, metrics, end, Outcome::new(outcome)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_brain_is_the_time_two_are_live() {
        // n1 live from 0 to 10; n2 from 4; n1 again... n3 from 8 to 9.
        let mut changes = vec![(0, 1, 0), (4, 1, 1), (10, -1, 0), (8, 1, 3), (9, -1, 3)];
        assert_eq!(split_brain(&mut changes, 20), 6);
        let mut handover = vec![(0, 1, 0), (5, -1, 0), (5, 1, 1)];
        assert_eq!(split_brain(&mut handover, 20), 0);
    }
}
