//! The synthetic trace generator behind `faultline gen`.
//!
//! Each node alternates up and down as a renewal process: an up period drawn from the
//! time-to-failure distribution (mean `mttf`), then a failure of a class drawn from the fault mix:
//! - **transient**: one outage with a length drawn from the time-to-repair distribution (mean
//!   `mttr`);
//! - **intermittent**: a burst of 2 to 4 such outages separated by short exponential gaps of mean
//!   `mttr`;
//! - **permanent**: the node goes down for good, or, with `replace_after`, comes back as a
//!   replacement after exactly that long.
//!
//! Distributions are parameterised by their mean, so a trace of transient faults has MTTF and
//! MTTR that converge on `mttf` and `mttr`. Optional network partitions arrive as a Poisson process
//! (`partitions` per day), split the nodes in two at random and heal after an exponential time of
//! mean `mttr`.
//!
//! Determinism: node `i` draws from its own ChaCha8 stream `i + 1` of the seed and partitions
//! from stream 0, so a node's history does not depend on how many other nodes there are, and the
//! same seed gives the same rows. Times are rounded to the millisecond.

use std::fmt;
use std::str::FromStr;

use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, LogNormal, Weibull};
use serde::Serialize;
use thiserror::Error;

use super::model::Fault;
use crate::units::DAY;

/// The shape of a duration distribution; its mean is given separately.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Shape {
    /// Exponential (memoryless): a constant failure rate.
    Exp,
    /// Weibull with shape `k` (`k < 1` infant mortality, `k > 1` wear-out).
    Weibull {
        /// Shape parameter.
        k: f64,
    },
    /// Log-normal with log-scale standard deviation `sigma`.
    LogNormal {
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
}

/// A generator setting that makes no sense.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{0}")]
pub struct GenError(pub String);

impl FromStr for Shape {
    type Err = GenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, params) = s.split_once(':').unwrap_or((s, ""));
        let param = |key: &str| -> Result<f64, GenError> {
            params
                .split(',')
                .filter_map(|kv| kv.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .and_then(|(_, v)| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v > 0.0)
                .ok_or_else(|| {
                    GenError(format!(
                        "`{s}` needs a positive `{key}=`, e.g. `{name}:{key}=1.5`"
                    ))
                })
        };
        match name {
            "exp" => Ok(Shape::Exp),
            "weibull" => Ok(Shape::Weibull { k: param("k")? }),
            "lognormal" => Ok(Shape::LogNormal {
                sigma: param("sigma")?,
            }),
            _ => Err(GenError(format!(
                "unknown distribution `{s}`; use exp, weibull:k=K or lognormal:sigma=S"
            ))),
        }
    }
}

/// A distribution with a given mean, ready to sample.
#[derive(Debug, Clone, Copy)]
enum Sampler {
    Exp(Exp<f64>),
    Weibull(Weibull<f64>),
    LogNormal(LogNormal<f64>),
}

impl Sampler {
    fn new(shape: Shape, mean: f64) -> Result<Self, GenError> {
        let bad = |e: &dyn fmt::Display| GenError(format!("cannot build {shape:?}: {e}"));
        Ok(match shape {
            Shape::Exp => Sampler::Exp(Exp::new(1.0 / mean).map_err(|e| bad(&e))?),
            Shape::Weibull { k } => {
                // mean = scale * Γ(1 + 1/k)
                let scale = mean / libm::tgamma(1.0 + 1.0 / k);
                Sampler::Weibull(Weibull::new(scale, k).map_err(|e| bad(&e))?)
            }
            Shape::LogNormal { sigma } => {
                // mean = exp(mu + sigma²/2)
                let mu = mean.ln() - sigma * sigma / 2.0;
                Sampler::LogNormal(LogNormal::new(mu, sigma).map_err(|e| bad(&e))?)
            }
        })
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Sampler::Exp(d) => d.sample(rng),
            Sampler::Weibull(d) => d.sample(rng),
            Sampler::LogNormal(d) => d.sample(rng),
        }
    }
}

/// Relative weights of the fault classes (`--faults transient=.7,intermittent=.2,permanent=.1`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultMix {
    /// Weight of transient faults.
    pub transient: f64,
    /// Weight of intermittent faults.
    pub intermittent: f64,
    /// Weight of permanent faults.
    pub permanent: f64,
}

impl Default for FaultMix {
    fn default() -> Self {
        Self {
            transient: 1.0,
            intermittent: 0.0,
            permanent: 0.0,
        }
    }
}

impl FromStr for FaultMix {
    type Err = GenError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut mix = FaultMix {
            transient: 0.0,
            intermittent: 0.0,
            permanent: 0.0,
        };
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let (name, weight) = part.split_once('=').ok_or_else(|| {
                GenError(format!(
                    "`{part}` should be CLASS=WEIGHT, e.g. transient=.7"
                ))
            })?;
            let weight: f64 = weight
                .trim()
                .parse()
                .ok()
                .filter(|w: &f64| w.is_finite() && *w >= 0.0)
                .ok_or_else(|| GenError(format!("`{weight}` is not a non-negative weight")))?;
            match name.trim() {
                "transient" => mix.transient = weight,
                "intermittent" => mix.intermittent = weight,
                "permanent" => mix.permanent = weight,
                other => {
                    return Err(GenError(format!(
                        "unknown fault class `{other}`; use transient, intermittent, permanent"
                    )));
                }
            }
        }
        if mix.transient + mix.intermittent + mix.permanent <= 0.0 {
            return Err(GenError("the fault weights add up to zero".to_string()));
        }
        Ok(mix)
    }
}

impl FaultMix {
    fn pick(&self, u: f64) -> Fault {
        let total = self.transient + self.intermittent + self.permanent;
        let x = u * total;
        if x < self.transient {
            Fault::Transient
        } else if x < self.transient + self.intermittent {
            Fault::Intermittent
        } else {
            Fault::Permanent
        }
    }
}

/// Everything `faultline gen` needs.
#[derive(Debug, Clone)]
pub struct GenConfig {
    /// Number of nodes, named `n1..nN`.
    pub nodes: u32,
    /// Length of the trace in seconds; it covers `[0, duration)`.
    pub duration: f64,
    /// Mean time to failure, seconds.
    pub mttf: f64,
    /// Mean time to repair, seconds.
    pub mttr: f64,
    /// Shape of the time-to-failure distribution.
    pub ttf: Shape,
    /// Shape of the time-to-repair distribution.
    pub ttr: Shape,
    /// Fault-class weights.
    pub faults: FaultMix,
    /// Network partitions per day across the cluster (0 for none).
    pub partitions_per_day: f64,
    /// How long until a permanently failed node is replaced; `None` = never.
    pub replace_after: Option<f64>,
    /// The seed of every random choice.
    pub seed: u64,
}

impl GenConfig {
    /// Checks the settings once, before generating.
    pub fn validate(&self) -> Result<(), GenError> {
        let positive = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(GenError(format!("{name} must be positive")))
            }
        };
        if self.nodes == 0 {
            return Err(GenError("--nodes must be at least 1".to_string()));
        }
        positive("--duration", self.duration)?;
        positive("--mttf", self.mttf)?;
        positive("--mttr", self.mttr)?;
        if !(self.partitions_per_day.is_finite() && self.partitions_per_day >= 0.0) {
            return Err(GenError(
                "--partitions must be a rate of 0 or more per day".into(),
            ));
        }
        if self.partitions_per_day > 0.0 && self.nodes < 2 {
            return Err(GenError("partitions need at least 2 nodes".to_string()));
        }
        let expected = self.expected_events();
        if expected > MAX_EVENTS as f64 {
            return Err(GenError(format!(
                "about {expected:.2e} events ({} nodes failing every {} on average for {}): at \
                 most {MAX_EVENTS} in one run, which are held in memory to be sorted; generate \
                 fewer --nodes or a shorter --duration, in several files",
                self.nodes,
                crate::units::HumanDuration(self.mttf + self.mttr),
                crate::units::HumanDuration(self.duration),
            )));
        }
        Ok(())
    }

    /// The events a run makes on average: a down and an up per outage — one outage per failure,
    /// three for an intermittent one (a burst of 2 to 4) — and two per partition.
    pub fn expected_events(&self) -> f64 {
        let failures = f64::from(self.nodes) * self.duration / (self.mttf + self.mttr);
        let mix = &self.faults;
        let weights = mix.transient + mix.intermittent + mix.permanent;
        let per_failure = if weights > 0.0 {
            (mix.transient + 3.0 * mix.intermittent + mix.permanent) / weights
        } else {
            1.0
        };
        let partitions = self.partitions_per_day * self.duration / DAY;
        2.0 * (failures * per_failure + partitions)
    }
}

/// The most events `gen` makes in one run (about 5 GB while they are sorted).
pub const MAX_EVENTS: u64 = 100_000_000;

/// What a generated row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GenEventKind {
    /// The node goes down.
    Down,
    /// The node comes back.
    Up,
    /// The network splits into the groups in `detail`.
    Partition,
    /// All partitions are removed.
    Heal,
}

impl GenEventKind {
    /// The event name written to the trace.
    pub fn name(self) -> &'static str {
        match self {
            GenEventKind::Down => "down",
            GenEventKind::Up => "up",
            GenEventKind::Partition => "partition",
            GenEventKind::Heal => "heal",
        }
    }
}

/// One generated event-CSV row.
#[derive(Debug, Clone, PartialEq)]
pub struct GenEvent {
    /// Time in seconds, rounded to the millisecond.
    pub time: f64,
    /// Node index (0-based) for up and down.
    pub node: Option<u32>,
    /// What happens.
    pub kind: GenEventKind,
    /// Fault class of a `down`.
    pub fault: Option<Fault>,
    /// Groups of a partition.
    pub detail: String,
}

fn millis(t: f64) -> f64 {
    (t * 1000.0).round() / 1000.0
}

fn node_history(
    config: &GenConfig,
    node: u32,
    ttf: Sampler,
    ttr: Sampler,
    out: &mut Vec<GenEvent>,
) {
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(u64::from(node) + 1);
    let end = config.duration;
    let mut push = |time: f64, kind: GenEventKind, fault: Option<Fault>| {
        out.push(GenEvent {
            time: millis(time),
            node: Some(node),
            kind,
            fault,
            detail: String::new(),
        });
    };
    let mut t = 0.0;
    loop {
        t += ttf.sample(&mut rng);
        if t >= end {
            return;
        }
        let fault = config.faults.pick(rand::RngExt::random::<f64>(&mut rng));
        match fault {
            Fault::Permanent => {
                push(t, GenEventKind::Down, Some(fault));
                match config.replace_after {
                    Some(after) if t + after < end => {
                        t += after;
                        push(t, GenEventKind::Up, None);
                    }
                    _ => return,
                }
            }
            _ => {
                let burst = if fault == Fault::Intermittent {
                    rand::RngExt::random_range(&mut rng, 2..=4)
                } else {
                    1
                };
                for i in 0..burst {
                    if i > 0 {
                        t += Exp::new(1.0 / config.mttr).map_or(0.0, |d| d.sample(&mut rng));
                        if t >= end {
                            return;
                        }
                    }
                    push(t, GenEventKind::Down, Some(fault));
                    t += ttr.sample(&mut rng);
                    if t >= end {
                        return;
                    }
                    push(t, GenEventKind::Up, None);
                }
            }
        }
    }
}

fn partitions(config: &GenConfig, out: &mut Vec<GenEvent>) -> Result<(), GenError> {
    if config.partitions_per_day <= 0.0 {
        return Ok(());
    }
    let mut rng = ChaCha8Rng::seed_from_u64(config.seed);
    rng.set_stream(0);
    let gap = Exp::new(config.partitions_per_day / DAY)
        .map_err(|e| GenError(format!("bad partition rate: {e}")))?;
    let length = Exp::new(1.0 / config.mttr).map_err(|e| GenError(format!("bad --mttr: {e}")))?;
    let mut names: Vec<u32> = (0..config.nodes).collect();
    let mut t = 0.0;
    loop {
        t += gap.sample(&mut rng);
        if t >= config.duration {
            return Ok(());
        }
        names.shuffle(&mut rng);
        let cut = rand::RngExt::random_range(&mut rng, 1..names.len());
        let mut sides = [names[..cut].to_vec(), names[cut..].to_vec()];
        for side in &mut sides {
            side.sort_unstable();
        }
        let text = |side: &[u32]| {
            side.iter()
                .map(|n| format!("n{}", n + 1))
                .collect::<Vec<_>>()
                .join(" ")
        };
        out.push(GenEvent {
            time: millis(t),
            node: None,
            kind: GenEventKind::Partition,
            fault: None,
            detail: format!("{} | {}", text(&sides[0]), text(&sides[1])),
        });
        t += length.sample(&mut rng);
        if t >= config.duration {
            return Ok(());
        }
        out.push(GenEvent {
            time: millis(t),
            node: None,
            kind: GenEventKind::Heal,
            fault: None,
            detail: String::new(),
        });
    }
}

/// Generates a trace: every event in time order (ties: partitions first, then by node).
pub fn generate(config: &GenConfig) -> Result<Vec<GenEvent>, GenError> {
    config.validate()?;
    let ttf = Sampler::new(config.ttf, config.mttf)?;
    let ttr = Sampler::new(config.ttr, config.mttr)?;
    let mut events = Vec::new();
    partitions(config, &mut events)?;
    for node in 0..config.nodes {
        node_history(config, node, ttf, ttr, &mut events);
    }
    // Stable sort: a node's own events keep their order even when rounding makes times equal.
    events.sort_by(|a, b| a.time.total_cmp(&b.time));
    Ok(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::units::HOUR;

    fn config() -> GenConfig {
        GenConfig {
            nodes: 20,
            duration: 365.0 * DAY,
            mttf: 30.0 * DAY,
            mttr: 2.0 * HOUR,
            ttf: Shape::Exp,
            ttr: Shape::Exp,
            faults: FaultMix::default(),
            partitions_per_day: 0.0,
            replace_after: None,
            seed: 7,
        }
    }

    #[test]
    fn parses_shapes_and_mixes() {
        assert_eq!("exp".parse::<Shape>(), Ok(Shape::Exp));
        assert_eq!(
            "weibull:k=1.5".parse::<Shape>(),
            Ok(Shape::Weibull { k: 1.5 })
        );
        assert_eq!(
            "lognormal:sigma=0.5".parse::<Shape>(),
            Ok(Shape::LogNormal { sigma: 0.5 })
        );
        assert!("weibull".parse::<Shape>().is_err());
        assert!("gamma:k=2".parse::<Shape>().is_err());
        let mix: FaultMix = "transient=.7,intermittent=.2,permanent=.1".parse().unwrap();
        assert_eq!(mix.pick(0.5), Fault::Transient);
        assert_eq!(mix.pick(0.75), Fault::Intermittent);
        assert_eq!(mix.pick(0.95), Fault::Permanent);
        assert!("transient=0".parse::<FaultMix>().is_err());
        assert!("flaky=1".parse::<FaultMix>().is_err());
    }

    #[test]
    fn same_seed_same_trace_other_seed_other_trace() {
        let a = generate(&config()).unwrap();
        assert_eq!(a, generate(&config()).unwrap());
        let b = generate(&GenConfig {
            seed: 8,
            ..config()
        })
        .unwrap();
        assert_ne!(a, b);
    }

    #[test]
    fn a_node_history_does_not_depend_on_the_node_count() {
        let small = generate(&GenConfig {
            nodes: 3,
            ..config()
        })
        .unwrap();
        let large = generate(&config()).unwrap();
        let of = |events: &[GenEvent], n| {
            events
                .iter()
                .filter(|e| e.node == Some(n))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert_eq!(of(&small, 2), of(&large, 2));
    }

    #[test]
    fn every_node_alternates_down_and_up() {
        let events = generate(&GenConfig {
            faults: "transient=1,intermittent=1,permanent=1".parse().unwrap(),
            replace_after: Some(DAY),
            ..config()
        })
        .unwrap();
        for node in 0..20 {
            let kinds: Vec<GenEventKind> = events
                .iter()
                .filter(|e| e.node == Some(node))
                .map(|e| e.kind)
                .collect();
            for (i, kind) in kinds.iter().enumerate() {
                let expected = if i % 2 == 0 {
                    GenEventKind::Down
                } else {
                    GenEventKind::Up
                };
                assert_eq!(*kind, expected, "node {node} event {i}");
            }
        }
    }

    #[test]
    fn weibull_and_lognormal_keep_the_mean() {
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        for shape in [
            Shape::Weibull { k: 0.7 },
            Shape::LogNormal { sigma: 1.0 },
            Shape::Exp,
        ] {
            let sampler = Sampler::new(shape, 10.0).unwrap();
            let n = 200_000;
            let mean = (0..n).map(|_| sampler.sample(&mut rng)).sum::<f64>() / n as f64;
            assert!((mean - 10.0).abs() < 0.2, "{shape:?}: {mean}");
        }
    }
}
