//! Random fault scenarios for fault sweeps (`replay --seeds A..B`): one seed, one scenario.
//!
//! Crashes, recoveries and network partitions come from the trace generator
//! ([`crate::trace::synth`]): every node fails with exponential times to failure and repair,
//! transient or intermittent (never permanent, so a run can always make progress again), and the
//! cluster splits in two now and then. On top of that, from a stream of their own, come bursts
//! of message loss, delay spikes (a tenfold worse delay, `uniform:d,10d`) and process pauses, each
//! about once per [`ChaosConfig::spike_every`], and every second one node in turn is asked to
//! start an election (`elect`): for Paxos, to propose, so the proposers keep competing.
//!
//! The same settings and seed always give the same scenario, so a seed that breaks an invariant
//! can be replayed alone.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};

use super::delay::DelayModel;
use super::scenario::{Fault, ScenarioError, parse_partition};
use super::time::{Nanos, SECOND, from_secs, to_secs};
use crate::trace::synth::{FaultMix, GenConfig, GenEventKind, Shape, generate};

/// The stream of the seed that draws loss, delay spikes and pauses (the generator uses the seed
/// itself).
const SPIKE_STREAM: u64 = 7;

/// What a random scenario may contain.
#[derive(Debug, Clone)]
pub struct ChaosConfig {
    /// Cluster size.
    pub nodes: u32,
    /// The scenario covers `[0, duration)`.
    pub duration: Nanos,
    /// Mean time to failure of each node.
    pub mttf: Nanos,
    /// Mean time to repair.
    pub mttr: Nanos,
    /// Mean time between partitions, and between spikes of each kind (loss, delay, pause).
    pub spike_every: Nanos,
    /// The network's delay model between delay spikes.
    pub delay: DelayModel,
    /// The network's loss probability between loss bursts.
    pub loss: f64,
    /// Pauses hit endpoints `0..pausable`: the nodes, and the clients after them when a run's
    /// clients may pause too (a lock's holders).
    pub pausable: u32,
}

impl ChaosConfig {
    /// The defaults for a cluster of `nodes` over `duration`: nodes fail every 8 s on average and
    /// stay down 2 s; a partition and each kind of spike about every 10 s.
    pub fn new(nodes: u32, duration: Nanos, delay: DelayModel, loss: f64) -> Self {
        Self {
            nodes,
            duration,
            mttf: 8 * SECOND,
            mttr: 2 * SECOND,
            spike_every: 10 * SECOND,
            delay,
            loss,
            pausable: nodes,
        }
    }
}

/// The scenario for `seed`, in time order.
pub fn random_faults(
    config: &ChaosConfig,
    seed: u64,
) -> Result<Vec<(Nanos, Fault)>, ScenarioError> {
    let bad = |e: &dyn std::fmt::Display| ScenarioError::Random(e.to_string());
    let events = generate(&GenConfig {
        nodes: config.nodes,
        duration: to_secs(config.duration),
        mttf: to_secs(config.mttf),
        mttr: to_secs(config.mttr),
        ttf: Shape::Exp,
        ttr: Shape::Exp,
        faults: FaultMix {
            transient: 0.8,
            intermittent: 0.2,
            permanent: 0.0,
        },
        partitions_per_day: 86_400.0 / to_secs(config.spike_every),
        replace_after: None,
        seed,
    })
    .map_err(|e| bad(&e))?;
    let mut faults = Vec::with_capacity(events.len());
    for e in &events {
        let fault = match (e.kind, e.node) {
            (GenEventKind::Down, Some(n)) => Fault::Crash(n),
            (GenEventKind::Up, Some(n)) => Fault::Recover(n),
            (GenEventKind::Partition, _) => parse_partition(&e.detail, config.nodes)?,
            _ => Fault::Heal,
        };
        faults.push((from_secs(e.time), fault));
    }
    spikes(config, seed, &mut faults).map_err(|e| bad(&e))?;
    faults.extend(
        (1..)
            .map(|t: u64| t * SECOND)
            .take_while(|&t| t < config.duration)
            .map(|t| {
                let node = ((seed + t / SECOND) % u64::from(config.nodes)) as u32;
                (t, Fault::Elect(node))
            }),
    );
    // Stable: simultaneous faults keep the order in which they were drawn.
    faults.sort_by_key(|(t, _)| *t);
    Ok(faults)
}

/// Loss bursts, delay spikes and pauses, each a Poisson process with mean gap `spike_every`.
fn spikes(
    config: &ChaosConfig,
    seed: u64,
    faults: &mut Vec<(Nanos, Fault)>,
) -> Result<(), rand_distr::ExpError> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(SPIKE_STREAM);
    let gap = Exp::new(1.0 / to_secs(config.spike_every))?;
    // A spike lasts a fifth of the gap on average.
    let length = Exp::new(5.0 / to_secs(config.spike_every))?;
    let bound = config.delay.bound().max(1);
    for kind in 0..3 {
        let mut t = from_secs(gap.sample(&mut rng));
        while t < config.duration {
            let lasts = from_secs(length.sample(&mut rng)).max(1);
            match kind {
                0 => {
                    let p = rng.random_range(0.05..0.3);
                    faults.push((t, Fault::Loss(p)));
                    faults.push((t + lasts, Fault::Loss(config.loss)));
                }
                1 => {
                    faults.push((t, Fault::Delay(DelayModel::Uniform(bound, 10 * bound))));
                    faults.push((t + lasts, Fault::Delay(config.delay.clone())));
                }
                _ => {
                    let node = rng.random_range(0..config.pausable);
                    faults.push((t, Fault::Pause(node, lasts)));
                }
            }
            t += from_secs(gap.sample(&mut rng)).max(1);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ChaosConfig {
        ChaosConfig::new(5, 60 * SECOND, DelayModel::Const(SECOND / 1000), 0.01)
    }

    fn count(faults: &[(Nanos, Fault)], pick: fn(&Fault) -> bool) -> usize {
        faults.iter().filter(|(_, f)| pick(f)).count()
    }

    #[test]
    fn same_seed_same_scenario_in_time_order() {
        let a = random_faults(&config(), 3).expect("valid");
        let b = random_faults(&config(), 3).expect("valid");
        assert_eq!(format!("{a:?}"), format!("{b:?}"));
        assert_ne!(
            format!("{a:?}"),
            format!("{:?}", random_faults(&config(), 4).expect("valid"))
        );
        assert!(a.windows(2).all(|w| w[0].0 <= w[1].0));
    }

    #[test]
    fn every_kind_of_fault_appears_and_every_loss_burst_ends() {
        let faults = random_faults(&config(), 1).expect("valid");
        let crashes = count(&faults, |f| matches!(f, Fault::Crash(_)));
        let recoveries = count(&faults, |f| matches!(f, Fault::Recover(_)));
        assert!(crashes > 5);
        // No fault is permanent: only a node's last outage may outlast the run.
        assert!(recoveries <= crashes && crashes <= recoveries + 5);
        assert!(count(&faults, |f| matches!(f, Fault::Partition(_))) > 0);
        assert!(count(&faults, |f| matches!(f, Fault::Pause(..))) > 0);
        let loss = count(&faults, |f| matches!(f, Fault::Loss(_)));
        assert!(loss > 0 && loss % 2 == 0);
        let restored = faults
            .iter()
            .filter(|(_, f)| matches!(f, Fault::Loss(p) if *p == 0.01))
            .count();
        assert_eq!(restored * 2, loss);
        assert_eq!(count(&faults, |f| matches!(f, Fault::Elect(_))), 59);
    }
}
