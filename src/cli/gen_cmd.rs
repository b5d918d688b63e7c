//! `faultline gen`: write a synthetic failure trace as event CSV.

use std::path::PathBuf;

use std::io::Write;

use anyhow::anyhow;

use super::{Failure, print};
use faultline::flags::{Range, duration, number, seed, whole};
use faultline::output::write_atomically;
use faultline::trace::synth::{FaultMix, GenConfig, Shape, generate};
use faultline::trace::write::{write_event_csv, write_interval_csv};
use faultline::units::HumanDuration;

/// Arguments of `gen`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Number of nodes, named n1..nN.
    #[arg(long, allow_negative_numbers = true,
          value_parser = whole::<u32>("a node count", 1, u32::MAX))]
    nodes: u32,
    /// Length of the trace (`10y`, `30d`, ...).
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    duration: f64,
    /// Mean time to failure.
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    mttf: f64,
    /// Mean time to repair.
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    mttr: f64,
    /// Time-to-failure distribution: exp, weibull:k=K, lognormal:sigma=S (mean = --mttf).
    #[arg(long, default_value = "exp", value_parser = str::parse::<Shape>)]
    ttf_dist: Shape,
    /// Time-to-repair distribution: exp, weibull:k=K, lognormal:sigma=S (mean = --mttr).
    #[arg(long, default_value = "exp", value_parser = str::parse::<Shape>)]
    ttr_dist: Shape,
    /// Fault-class weights, e.g. transient=.7,intermittent=.2,permanent=.1.
    #[arg(long, default_value = "transient=1", value_parser = str::parse::<FaultMix>)]
    faults: FaultMix,
    /// Network partitions per day across the cluster.
    #[arg(long, default_value = "0", value_name = "RATE", allow_negative_numbers = true,
          value_parser = number("a number of partitions per day", Range::NonNegative))]
    partitions: f64,
    /// A permanently failed node comes back as a replacement after this long.
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    replace_after: Option<f64>,
    /// Seed of every random choice; the same seed gives a byte-identical file.
    #[arg(long, default_value = "1", allow_negative_numbers = true, value_parser = seed)]
    seed: u64,
    /// Layout of the written trace: event (everything) or interval (outages only, compact).
    #[arg(long, default_value = "event", value_parser = ["event", "interval"])]
    layout: String,
    /// Output file (written atomically); standard output when absent.
    #[arg(long, short)]
    output: Option<PathBuf>,
}

/// Runs `gen`.
pub fn run(args: Args) -> Result<(), Failure> {
    let config = GenConfig {
        nodes: args.nodes,
        duration: args.duration,
        mttf: args.mttf,
        mttr: args.mttr,
        ttf: args.ttf_dist,
        ttr: args.ttr_dist,
        faults: args.faults,
        partitions_per_day: args.partitions,
        replace_after: args.replace_after,
        seed: args.seed,
    };
    let intervals = args.layout == "interval";
    if intervals && config.partitions_per_day > 0.0 {
        return Err(anyhow!("--layout interval cannot hold partitions; use --layout event").into());
    }
    let events = generate(&config)?;
    if events.is_empty() {
        // A header alone is no trace `analyze` could read.
        return Err(anyhow!(
            "no failure or partition happened in {} on {} node(s) with an MTTF of {}: the trace \
             would be empty; raise --duration or --nodes, or lower --mttf",
            HumanDuration(config.duration),
            config.nodes,
            HumanDuration(config.mttf)
        )
        .into());
    }
    let write = |w: &mut dyn Write| {
        if intervals {
            write_interval_csv(&events, config.duration, w)
        } else {
            write_event_csv(&events, w)
        }
    };
    match &args.output {
        Some(path) => write_atomically(path, write)?,
        None => {
            let mut out = Vec::new();
            write(&mut out)?;
            print(&out)?;
        }
    }
    Ok(())
}
