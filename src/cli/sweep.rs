//! `faultline sweep`: compare failure-detector timeouts on one scenario.

use std::path::{Path, PathBuf};

use anyhow::{Context, anyhow};

use super::{Failure, print};
use faultline::harness::gfs_sweep::gfs_sweep;
use faultline::harness::registry::{Family, Protocol};
use faultline::harness::replay::{GfsSettings, ReplaySettings};
use faultline::harness::shard::{Shard, settings_hash};
use faultline::harness::sweep_shard::{self, SweepShardFile, SweepShardInfo};
use faultline::harness::timeout_sweep::{
    Sweep, SweepSettings, fingerprint, job_count, jobs, parse_list, reduce, run_jobs, sweep,
};
use faultline::output::write_atomically;
use faultline::report::gfs_sweep as report_gfs;
use faultline::report::{figures, timeout_sweep};
use faultline::sim::delay::DelayModel;
use faultline::sim::scenario::{cluster_size, from_trace, renumbered};
use faultline::sim::time::from_secs;
use faultline::sim::timeout::TimeoutExpr;
use faultline::trace::synth::{FaultMix, GenConfig, GenEventKind, Shape, generate};
use faultline::trace::{Fault, ReadOptions, Trace, TraceBuilder, read_traces};
use faultline::units::{HOUR, MINUTE};

use faultline::flags::{Range, duration, number, whole};

/// Arguments of `sweep`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Candidates: timeout expressions or ranges. Heartbeats: the silence before suspicion,
    /// above h, e.g. `h+2d+r,h+1.5*(2d+r),1.1s..2s:100ms`; `--detector probe`: the wait for an
    /// ack, below h, e.g. `2d+r,1.5*(2d+r),100ms..900ms:100ms`; `--detector phi`: thresholds,
    /// e.g. `1..12:1`.
    #[arg(long, allow_hyphen_values = true)]
    timeouts: String,
    /// The detector: heartbeat, probe or phi.
    #[arg(long, default_value = "heartbeat", value_parser = str::parse::<Protocol>)]
    detector: Protocol,
    /// Run the candidates through an election (ring, modified-ring, bully) instead of the bare
    /// detector, and report elections started and leader availability too; or `gfs`: the
    /// --trace's outages as chunkservers', each timeout the master's dead-chunkserver timeout,
    /// reporting re-replication wasted against under-replication and chunks lost.
    #[arg(long, value_parser = str::parse::<Protocol>)]
    protocol: Option<Protocol>,
    /// Network delay model (see `replay`).
    #[arg(long, default_value = "exp:mean=5ms", value_parser = str::parse::<DelayModel>)]
    delay: DelayModel,
    /// Receiver processing time r.
    #[arg(long = "proc", default_value = "0s", allow_hyphen_values = true, value_parser = duration)]
    processing: f64,
    /// Message loss probability.
    #[arg(long, default_value = "0", allow_negative_numbers = true,
          value_parser = number("a probability", Range::Probability))]
    loss: f64,
    /// Heartbeat or probe interval h.
    #[arg(long, default_value = "1s", allow_hyphen_values = true, value_parser = duration)]
    heartbeat: f64,
    /// Trace of crashes to replay (nodes n1..nN); default: a synthetic one (MTTF 10 min, MTTR
    /// 1 min, transient faults).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Cluster size (default: with --trace, the highest node it names; else 5).
    #[arg(long, allow_negative_numbers = true,
          value_parser = whole::<u32>("a node count", 2, u32::MAX))]
    nodes: Option<u32>,
    /// Simulated time per run (default: the trace's end, or 1 h).
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    duration: Option<f64>,
    /// Seeds per candidate (1..=K), run in parallel.
    #[arg(long, default_value = "3", allow_negative_numbers = true,
          value_parser = whole::<u64>("a number of seeds", 1, u64::MAX))]
    seeds: u64,
    /// Time to switch the service to the backup, paid after every detected failure and after
    /// every false suspicion, for the active-passive availability.
    #[arg(long = "switch", default_value = "5s", allow_hyphen_values = true, value_parser = duration)]
    switch: f64,
    /// Recommend the smallest candidate with at most this many false suspicions per node-hour
    /// [default: one per node-day, 1/24].
    #[arg(long, allow_negative_numbers = true,
          value_parser = number("a number of mistakes per node-hour", Range::NonNegative))]
    max_mistake_rate: Option<f64>,
    /// Output format: table, json or csv.
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    format: String,
    /// Also write sweep.json and plots/ (detection time against mistakes, availability against
    /// the timeout) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// --protocol gfs: chunks.
    #[arg(long, default_value = "1000", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of chunks", 1, 10_000_000))]
    chunks: u32,
    /// --protocol gfs: copies of each chunk.
    #[arg(long, default_value = "3", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of replicas", 1, 64))]
    replicas: u32,
    /// Run only shard I of N (0 ≤ I < N) of the sweep's runs (candidates × seeds) and write
    /// them to --out DIR/shard-I.parquet for `faultline merge`; also read from
    /// SLURM_ARRAY_TASK_ID / SLURM_ARRAY_TASK_COUNT, or JOB_COMPLETION_INDEX with --shards.
    #[arg(long, value_parser = str::parse::<Shard>)]
    shard: Option<Shard>,
    /// The number of shards, with JOB_COMPLETION_INDEX (a Kubernetes Indexed Job).
    #[arg(long, value_parser = whole::<u32>("a number of shards", 1, u32::MAX))]
    shards: Option<u32>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

/// `sweep`'s arguments alone, to read a shard's recorded command line again.
#[derive(Debug, clap::Parser)]
struct Recorded {
    #[command(flatten)]
    args: Args,
}

fn synthetic(nodes: u32, duration: f64) -> anyhow::Result<Trace> {
    let events = generate(&GenConfig {
        nodes,
        duration,
        mttf: 10.0 * MINUTE,
        mttr: MINUTE,
        ttf: Shape::Exp,
        ttr: Shape::Exp,
        faults: FaultMix::default(),
        partitions_per_day: 0.0,
        replace_after: None,
        seed: 1,
    })?;
    let mut builder = TraceBuilder::new();
    let ids: Vec<u32> = (0..nodes)
        .map(|n| builder.node(&format!("n{}", n + 1)))
        .collect();
    builder.observe(0.0);
    builder.observe(duration);
    for e in &events {
        if let Some(node) = e.node {
            let down = e.kind == GenEventKind::Down;
            let fault = e.fault.unwrap_or(Fault::Unknown);
            builder.transition(ids[node as usize], e.time, down, fault);
        }
    }
    builder
        .finish()
        .ok_or_else(|| anyhow!("the synthetic trace is empty"))
}

/// `sweep --protocol gfs`: the re-replication trade-off of the dead-chunkserver timeout.
fn run_gfs(args: &Args) -> Result<(), Failure> {
    let Some(path) = &args.trace else {
        return Err(anyhow!("--protocol gfs sweeps a --trace of chunkserver outages").into());
    };
    let trace = read_traces(std::slice::from_ref(path), &ReadOptions::default())?;
    let trace = as_chunkservers(trace, args.quiet);
    let nodes = match args.nodes {
        Some(nodes) => nodes,
        None => cluster_size(&trace).context("cannot replay this trace")?,
    };
    let faults = from_trace(&trace, nodes, 0).context("cannot replay this trace")?;
    let timeouts = args
        .timeouts
        .split(',')
        .map(|t| TimeoutExpr::parse(t.trim()))
        .collect::<Result<Vec<_>, _>>()
        .context("--timeouts")?;
    let Some(gfs) = args.protocol else {
        return Err(anyhow!("--protocol gfs").into());
    };
    let base = ReplaySettings {
        delay: args.delay.clone(),
        processing: from_secs(args.processing),
        loss: args.loss,
        heartbeat: Some(from_secs(args.heartbeat)),
        duration: args.duration.map(from_secs),
        faults,
        gfs: GfsSettings {
            chunks: args.chunks,
            replicas: args.replicas,
            ..GfsSettings::default()
        },
        ..ReplaySettings::new(gfs, nodes)
    };
    let bar = super::counter(args.quiet, "gfs sweep", timeouts.len() as u64 * args.seeds);
    let result = gfs_sweep(&base, &timeouts, args.seeds, &|| bar.inc(1))?;
    bar.finish_and_clear();
    super::emit(
        &result,
        "gfs-sweep.json",
        report_gfs::table(&result),
        &report_gfs::plots(&result),
        &args.format,
        args.out.as_deref(),
    )
}

/// A fleet's trace as GFS chunkservers: nodes not named `nK` become `n2`, `n3`, ... in name
/// order (n1 is the master), which stderr says unless `quiet`.
pub fn as_chunkservers(trace: Trace, quiet: bool) -> Trace {
    let (renamed, mapping) = renumbered(&trace, 2);
    if let (Some(first), Some(last)) = (mapping.first(), mapping.last())
        && !quiet
    {
        eprintln!(
            "faultline: the trace's {} nodes are chunkservers {}..{} in name order ({} .. {}); \
             n1 is the master",
            mapping.len(),
            first.0,
            last.0,
            first.1,
            last.1
        );
    }
    renamed
}

/// Runs `sweep`.
pub fn run(args: Args) -> Result<(), Failure> {
    let of = |family: Family| {
        Protocol::all()
            .filter(|p| p.family() == family)
            .map(Protocol::name)
            .collect::<Vec<_>>()
            .join(", ")
    };
    if args.detector.family() != Family::Detector {
        let hint = if args.detector.family() == Family::Election {
            format!(
                "; to sweep {} give --protocol {}",
                args.detector, args.detector
            )
        } else {
            String::new()
        };
        return Err(anyhow!(
            "--detector {}: not a failure detector; use one of {}{hint}",
            args.detector,
            of(Family::Detector)
        )
        .into());
    }
    if args.protocol.is_some_and(|p| p.name() == "gfs") {
        if args.shard.is_some() {
            return Err(anyhow!("--shard: the GFS sweep runs whole (one run per timeout)").into());
        }
        return run_gfs(&args);
    }
    if let Some(election) = args.protocol {
        if election.family() != Family::Election {
            return Err(anyhow!("--protocol is gfs or one of {}", of(Family::Election)).into());
        }
        if args.detector.name() != "heartbeat" {
            return Err(
                anyhow!("the elections detect failures with heartbeats: drop --detector").into(),
            );
        }
    }
    let settings = settings_of(&args)?;
    let shard = match args.shard {
        Some(shard) => Some(shard),
        None => Shard::from_env(|k| std::env::var(k).ok(), args.shards)?,
    };
    if let Some(shard) = shard {
        return run_shard(&args, &settings, shard);
    }
    let total = settings.candidates.len() as u64 * settings.seeds;
    let bar = super::counter(args.quiet, "sweep", total);
    let result = sweep(&settings, &|| bar.inc(1))?;
    bar.finish_and_clear();
    emit(&result, &args.format, args.out.as_deref())
}

/// Prints the sweep as table, JSON or CSV (and writes sweep.json and its plots under `out`).
fn emit(result: &Sweep, format: &str, out: Option<&Path>) -> Result<(), Failure> {
    let text = match format {
        "csv" => String::from_utf8_lossy(&timeout_sweep::csv(result)?).into_owned(),
        _ => timeout_sweep::table(result),
    };
    super::emit(
        result,
        "sweep.json",
        text,
        &figures::sweep(result),
        format,
        out,
    )
}

/// Runs one shard of the sweep's runs and writes them to `--out`/shard-I.parquet.
fn run_shard(args: &Args, settings: &SweepSettings, shard: Shard) -> Result<(), Failure> {
    let Some(dir) = &args.out else {
        return Err(
            anyhow!("a shard writes its runs: give --out DIR (the same for every shard)").into(),
        );
    };
    let total = job_count(settings);
    let mine = shard.seeds(&(0..=total.saturating_sub(1)))?;
    let (first, last) = (*mine.start(), *mine.end());
    let bar = super::counter(
        args.quiet,
        &format!("sweep shard {shard}"),
        last - first + 1,
    );
    let runs = run_jobs(settings, &jobs(settings, first, last)?, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let command: Vec<String> = std::env::args().skip(1).collect();
    let info = SweepShardInfo {
        settings: settings_hash(&fingerprint(settings)),
        version: env!("CARGO_PKG_VERSION").to_string(),
        command: serde_json::to_string(&command)?,
        jobs: total,
        shard,
    };
    let bytes = sweep_shard::to_parquet(&info, first, &runs).map_err(|e| anyhow!("{e}"))?;
    let path = dir.join(format!("shard-{}.parquet", shard.index));
    write_atomically(&path, |w| w.write_all(&bytes))?;
    print(
        format!(
            "shard {shard}: runs {first}..{last} of {total} (candidates × seeds); wrote {}\n",
            path.display()
        )
        .as_bytes(),
    )?;
    Ok(())
}

/// `faultline merge` of a timeout sweep's shards: the settings from the command line they
/// recorded (its trace read again), checked against their hash, and the runs reduced as the
/// whole sweep reduces them.
pub fn merge(shards: Vec<SweepShardFile>, format: &str, out: Option<&Path>) -> Result<(), Failure> {
    let (info, runs) = sweep_shard::combine(shards)?;
    let command: Vec<String> = serde_json::from_str(&info.command)?;
    let recorded = command.iter().skip_while(|a| *a != "sweep").skip(1);
    let again = <Recorded as clap::Parser>::try_parse_from(
        std::iter::once("sweep").chain(recorded.map(String::as_str)),
    )
    .map_err(|e| anyhow!("the shards' command line does not read again: {e}"))?;
    let settings = settings_of(&again.args)?;
    if settings_hash(&fingerprint(&settings)) != info.settings {
        return Err(anyhow!(
            "the shards' command line now gives other settings than when they ran (its trace \
             changed, or a path means another file from here): merge from the folder the \
             shards ran in"
        )
        .into());
    }
    let expected = jobs(&settings, 0, job_count(&settings).saturating_sub(1))?;
    if !runs.iter().map(|m| (m.candidate, m.seed)).eq(expected) {
        return Err(anyhow!(
            "the shards' runs are not the sweep's candidates × seeds in order (damaged shards?)"
        )
        .into());
    }
    emit(&reduce(&settings, &runs)?, format, out)
}

/// The sweep's settings from its flags (reading its trace, or making the synthetic one).
fn settings_of(args: &Args) -> Result<SweepSettings, Failure> {
    let thresholds = args.detector.runner().swept_by_threshold();
    let candidates = parse_list(&args.timeouts, thresholds)?;
    let (trace, nodes) = match &args.trace {
        Some(path) => {
            let trace = read_traces(std::slice::from_ref(path), &ReadOptions::default())?;
            let nodes = match args.nodes {
                Some(nodes) => nodes,
                None => cluster_size(&trace).context("cannot replay this trace")?,
            };
            (trace, nodes)
        }
        None => {
            let nodes = args.nodes.unwrap_or(5);
            (synthetic(nodes, args.duration.unwrap_or(HOUR))?, nodes)
        }
    };
    let faults = from_trace(&trace, nodes, 0).context("cannot replay this trace")?;
    let duration = args.duration.unwrap_or(trace.span.1.max(HOUR));
    Ok(SweepSettings {
        detector: args.detector,
        election: args.protocol,
        candidates,
        nodes,
        seeds: args.seeds,
        delay: args.delay.clone(),
        processing: from_secs(args.processing),
        loss: args.loss,
        heartbeat: from_secs(args.heartbeat),
        duration: from_secs(duration),
        trace,
        faults,
        switch_s: args.switch,
        max_mistake_rate: args.max_mistake_rate.unwrap_or(1.0 / 24.0),
    })
}
