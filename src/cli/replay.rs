//! `faultline replay`: run a protocol on a simulated cluster under a trace's faults.

use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, anyhow};

use super::{Failure, print};
use faultline::harness::fault_sweep::{FaultSweepReport, Faults, fault_sweep, header, run_seeds};
use faultline::harness::pause_sweep::pause_sweep;
use faultline::harness::replay::{
    ClientSettings, FtSettings, GfsSettings, PaxosSettings, Protocol, ReplayRun, ReplaySettings,
    ZkSettings, replay,
};
use faultline::harness::shard::{self as shard_file, Shard, ShardInfo, settings_hash};
use faultline::output::{json_pretty, write_atomically};
use faultline::protocols::zab::Broken;
use faultline::protocols::zab::client::{LockConfig, Recipe};
use faultline::protocols::zk::script;
use faultline::report::build::render_plots;
use faultline::report::figures;
use faultline::report::hgrm::write_hgrm;
use faultline::report::replay::table;
use faultline::sim::chaos::{ChaosConfig, random_faults};
use faultline::sim::delay::DelayModel;
use faultline::sim::scenario::{cluster_size, from_trace, node_index};
use faultline::sim::time::{SECOND, from_secs};
use faultline::sim::timeout::TimeoutExpr;
use faultline::trace::{ReadOptions, read_traces};
use faultline::units::{TimeUnit, parse_duration};

use super::policy::{PolicyArgs, Variant, variant};
use faultline::flags::{Range, duration, number, seed, seed_range, whole};
use faultline::harness::policy_compare::{Candidate, compare};
use faultline::protocols::client::backoff::Backoff;
use faultline::report::policy_compare;

/// Arguments of `replay`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Protocols to run, comma-separated.
    #[arg(long, value_delimiter = ',', required = true, value_parser = str::parse::<Protocol>,
          help = format!("Protocols to run, comma-separated: {}", Protocol::names()))]
    protocol: Vec<Protocol>,
    /// Cluster size; nodes are n1..nN (default with --trace: the highest node it names).
    #[arg(long, allow_negative_numbers = true,
          value_parser = whole::<u32>("a node count", 2, u32::MAX))]
    nodes: Option<u32>,
    /// Trace whose faults to replay (any layout `analyze` reads; nodes named n1..nN).
    #[arg(long)]
    trace: Option<PathBuf>,
    /// Unit of bare-number times in the trace: ms, s, m, h, d.
    #[arg(long, default_value = "s", value_parser = str::parse::<TimeUnit>)]
    time_unit: TimeUnit,
    /// Network delay model: const:5ms, uniform:1ms,9ms, normal:mean=5ms,sd=1ms, exp:mean=5ms,
    /// lognormal:mu=-6,sigma=0.5, pareto:scale=1ms,shape=3.
    #[arg(long, default_value = "const:1ms", value_parser = str::parse::<DelayModel>)]
    delay: DelayModel,
    /// Measured one-way delays, one a line (seconds or durations), sampled empirically.
    #[arg(long, conflicts_with = "delay")]
    delays: Option<PathBuf>,
    /// Receiver processing time r.
    #[arg(long = "proc", default_value = "0s", allow_hyphen_values = true, value_parser = duration)]
    processing: f64,
    /// Message loss probability.
    #[arg(long, default_value = "0", allow_negative_numbers = true,
          value_parser = number("a probability", Range::Probability))]
    loss: f64,
    /// Heartbeat (or probe) interval h: detectors and multi-paxos default to 1s; elections and a
    /// distinguished Paxos proposer detect failures only when it is given.
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    heartbeat: Option<f64>,
    /// Timeout: an expression over durations and d, r, h (default: h+2d+r for heartbeats, 2d+r
    /// for probes).
    #[arg(long, allow_hyphen_values = true, value_parser = TimeoutExpr::parse)]
    timeout: Option<TimeoutExpr>,
    /// Paxos: the proposing nodes, e.g. `n1,n2` (default n1).
    #[arg(long, value_delimiter = ',')]
    proposers: Vec<String>,
    /// Paxos and Multi-Paxos: acceptors keep promises and acceptances in memory only and forget
    /// them on a crash (a deliberately broken Paxos, to see the safety checker fail).
    #[arg(long)]
    broken_acceptor: bool,
    /// Paxos: a nacked proposer backs off for a random, exponentially growing time (a cure for
    /// dueling proposers).
    #[arg(long)]
    backoff: bool,
    /// Paxos: only the distinguished proposer proposes (the other cure): the highest-numbered
    /// proposer a node does not suspect; with --heartbeat the next takes over when it fails.
    #[arg(long)]
    distinguished: bool,
    /// zk: ZooKeeper's tickTime (pings every half tick; sessions last 2 to 20 ticks; the sync
    /// limit, unless --timeout says otherwise, is 5 ticks).
    #[arg(long, default_value = "2s", allow_hyphen_values = true, value_parser = duration)]
    tick: f64,
    /// zk: the session timeout clients ask for (the servers grant it within [2, 20] ticks).
    #[arg(long, default_value = "10s", allow_hyphen_values = true, value_parser = duration)]
    session_timeout: f64,
    /// zk: what the clients do: `mix` (a seeded mix of creates, ephemeral and sequential ones
    /// among them, sets with and without a version, gets and exists with watches, deletes,
    /// multis and syncs, at --rate per client), `contention` (every client updates one record
    /// once by read-version + conditional write, all starting a second and a tick in,
    /// retrying each conflict until it succeeds; the run ends when all are through: AWS's
    /// backoff-and-jitter experiment), or a `zk exec` script (FILE.jsonl) run by c1.
    #[arg(long, default_value = "mix")]
    workload: String,
    /// zk: the share of the mix's operations that are plain gets (0 to 1; default: the mix's
    /// own, about a third reads).
    #[arg(long, value_parser = number("a share", Range::Probability))]
    read_share: Option<f64>,
    /// zk: the last K clients only read (plain gets at --rate), e.g. to see reads on a
    /// partition's minority side go stale.
    #[arg(long, default_value = "0", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of clients", 0, u32::MAX))]
    readers: u32,
    /// lock: whether the storage checks fencing tokens (rejects a token below the highest it
    /// has accepted).
    #[arg(long, default_value = "on", value_parser = ["on", "off"])]
    fencing: String,
    /// lock: how waiters wait: `zk` (watch the next lower node: one wake-up per release) or
    /// `herd` (watch the lock node's children: every waiter wakes).
    #[arg(long, default_value = "zk", value_parser = ["zk", "herd"])]
    recipe: String,
    /// lock: the stale-holder sweep instead of one run: pause lengths as multiples of the
    /// session timeout (e.g. `0.5,1,2,4`), each run over --seeds (default 1..5) with fencing off
    /// and on; prints unsafe writes per hour; --out also writes pause-sweep.json and a plot.
    #[arg(long, value_delimiter = ',', value_parser = number("a pause / session-timeout ratio", Range::Positive))]
    pauses: Vec<f64>,
    /// zk: a deliberately broken ensemble, to see a checker fail: early-commit, skip-trunc,
    /// reorder-writes, accept-behind, solo-leader, zombie-sessions.
    #[arg(long, value_parser = broken)]
    broken: Option<Broken>,
    /// Multi-Paxos and zk: operations per second from each client.
    #[arg(long, default_value = "10", allow_negative_numbers = true,
          value_parser = number("a rate of commands per second", Range::Positive))]
    rate: f64,
    /// Multi-Paxos and zk: how many clients there are; several (e.g. `10,20,50`) compare
    /// client policies at each count.
    #[arg(long, default_value = "1", value_delimiter = ',', allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of clients", 1, u32::MAX))]
    clients: Vec<u32>,
    #[command(flatten)]
    policy: PolicyArgs,
    /// vmware-ft: go live without the test-and-set on the shared storage (a partition between
    /// the VMs then makes two primaries).
    #[arg(long)]
    no_test_and_set: bool,
    /// vmware-ft: release outputs at once instead of after the backup's ack (the Output Rule).
    #[arg(long)]
    no_output_rule: bool,
    /// vmware-ft: delay before a VM live alone starts a new backup.
    #[arg(long, default_value = "10s", allow_hyphen_values = true, value_parser = duration)]
    restart_backup: f64,
    /// gfs: chunks (n1 is the master, the other nodes chunkservers).
    #[arg(long, default_value = "1000", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of chunks", 1, 10_000_000))]
    chunks: u32,
    /// gfs: copies of each chunk.
    #[arg(long, default_value = "3", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of replicas", 1, 64))]
    replicas: u32,
    /// gfs: racks the chunkservers are spread over (n2, n3, ... round-robin).
    #[arg(long, default_value = "3", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of racks", 1, u32::MAX))]
    racks: u32,
    /// gfs: bandwidth of one re-replication, MB/s (a chunk is 64 MB).
    #[arg(long, default_value = "40", allow_negative_numbers = true,
          value_parser = number("a bandwidth in MB/s", Range::Positive))]
    clone_rate: f64,
    /// gfs: re-replications the cluster runs at once (each chunkserver takes part in one).
    #[arg(long, default_value = "10", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of clones", 1, u32::MAX))]
    max_clones: u32,
    /// Compare client policies in one run: the command as given, and once more per
    /// `--variant 'LABEL: FLAGS'` with these policy flags on top (e.g. `'budget:
    /// --retry-budget default'`); with --seeds, each over the same seeds.
    #[arg(long = "variant", value_parser = variant, allow_hyphen_values = true)]
    variants: Vec<Variant>,
    /// φ accrual suspicion threshold.
    #[arg(long, default_value_t = faultline::protocols::detector::phi::DEFAULT_THRESHOLD,
          allow_negative_numbers = true, value_parser = number("a φ threshold", Range::Positive))]
    threshold: f64,
    /// Simulated time to run (default: past the last fault by ten rounds of h and timeout).
    #[arg(long, allow_hyphen_values = true, value_parser = duration)]
    duration: Option<f64>,
    /// Seed of every random choice.
    #[arg(long, default_value = "1", conflicts_with = "seeds", allow_negative_numbers = true,
          value_parser = seed)]
    seed: u64,
    /// A fault sweep: one run per seed A..B (inclusive), in parallel, each with its own random
    /// faults (or the --trace's), summarised as the violations found and the seeds that failed.
    #[arg(long, value_name = "A..B", allow_hyphen_values = true, value_parser = seed_range)]
    seeds: Option<RangeInclusive<u64>>,
    /// With --seeds: run only shard I of N (0 ≤ I < N; a contiguous block of the seeds) and
    /// write it to --out as shard-I.parquet for `faultline merge`. Slurm job arrays and
    /// Kubernetes Indexed Jobs need no flag: SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT, or
    /// JOB_COMPLETION_INDEX with --shards N, are read from the environment.
    #[arg(long, value_name = "I/N", requires = "seeds", value_parser = str::parse::<Shard>)]
    shard: Option<Shard>,
    /// With JOB_COMPLETION_INDEX (a Kubernetes Indexed Job): the number of shards.
    #[arg(long, value_name = "N", allow_negative_numbers = true,
          value_parser = whole::<u32>("a number of shards", 1, u32::MAX))]
    shards: Option<u32>,
    /// Replay the random fault scenario a fault sweep draws for --seed (crashes, recoveries,
    /// partitions, loss bursts, delay spikes, pauses, an `elect` every second), to look at one
    /// failing seed alone.
    #[arg(long, conflicts_with = "trace")]
    random_faults: bool,
    /// Output format: table or json; with --seeds also parquet (one row per seed, as a shard
    /// file; redirect it to a file).
    #[arg(long, default_value = "table", value_parser = ["table", "json", "parquet"])]
    format: String,
    /// Also write summary.json, timeline.jsonl, one .hgrm per latency metric, plots/ (latency
    /// percentiles, messages by type), for elections leader.csv (the leader service as an
    /// event trace for `analyze`) and for zk history.jsonl (every client operation, Jepsen's
    /// shape) here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// No progress bar.
    #[arg(long, short)]
    quiet: bool,
}

impl Args {
    /// The number of clients of a run (the first of several to compare).
    fn client_count(&self) -> u32 {
        self.clients.first().copied().unwrap_or(1)
    }
}

/// The `--workload` that races the clients on one record.
const CONTENTION: &str = "contention";

fn broken(name: &str) -> Result<Broken, String> {
    Broken::named(name).ok_or_else(|| {
        let names: Vec<&str> = Broken::ALL.iter().map(|(n, _)| *n).collect();
        format!("unknown variant; use one of {}", names.join(", "))
    })
}

/// The `zk exec` script of `--workload FILE`, or none for `mix` and `contention`.
fn zk_script(workload: &str) -> anyhow::Result<Option<Arc<script::Script>>> {
    if workload == "mix" || workload == CONTENTION {
        return Ok(None);
    }
    let text = std::fs::read_to_string(workload).with_context(|| {
        format!("--workload {workload}: cannot read the script (or use `mix` or `contention`)")
    })?;
    let ops = script::parse_script(&text).with_context(|| workload.to_string())?;
    Ok(Some(Arc::new(ops)))
}

fn empirical(path: &Path) -> anyhow::Result<DelayModel> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the delays", path.display()))?;
    let mut delays = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let secs = parse_duration(line, 1.0)
            .map_err(|e| anyhow!("{}: line {}: {e}", path.display(), i + 1))?;
        delays.push(from_secs(secs));
    }
    DelayModel::empirical(delays).ok_or_else(|| anyhow!("{}: holds no delays", path.display()))
}

fn write_run(dir: &Path, run: &ReplayRun) -> anyhow::Result<()> {
    let summary = json_pretty(&run.report)?;
    write_atomically(&dir.join("summary.json"), |w| w.write_all(&summary))?;
    write_atomically(&dir.join("timeline.jsonl"), |w| {
        for entry in &run.timeline {
            serde_json::to_writer(&mut *w, entry)?;
            writeln!(w)?;
        }
        Ok(())
    })?;
    for (metric, histogram) in &run.histograms {
        write_atomically(&dir.join(format!("{metric}.hgrm")), |w| {
            write_hgrm(histogram, w)
        })?;
    }
    for (name, text) in &run.files {
        write_atomically(&dir.join(name), |w| w.write_all(text.as_bytes()))?;
    }
    Ok(())
}

/// Runs the lock's stale-holder sweep, prints its table (or JSON) and writes it with its plot.
fn run_pause_sweep(
    args: &Args,
    settings: impl Fn(Protocol) -> ReplaySettings,
) -> Result<(), Failure> {
    let [protocol] = args.protocol.as_slice() else {
        return Err(
            anyhow!("--pauses sweeps one protocol, lock: give --protocol lock alone").into(),
        );
    };
    let mut base = settings(*protocol);
    base.duration = Some(args.duration.map_or(60 * SECOND, from_secs));
    let seeds = args.seeds.clone().unwrap_or(1..=5);
    let runs = (seeds.clone().count() * args.pauses.len() * 2) as u64;
    let bar = super::counter(args.quiet, "lock pause sweep", runs);
    let sweep = pause_sweep(&base, &args.pauses, seeds, &|| bar.inc(1))?;
    bar.finish_and_clear();
    super::emit(
        &sweep,
        "pause-sweep.json",
        faultline::report::pause_sweep::table(&sweep),
        &[faultline::report::pause_sweep::plot(&sweep)],
        &args.format,
        args.out.as_deref(),
    )
}

/// Runs client policies side by side — each `--retry` policy, then each `--variant`, at each
/// `--clients` count — over the same seeds, and prints (and writes) the comparison.
fn run_policy_comparison(
    args: &Args,
    retries: &[Backoff],
    settings: impl Fn(Protocol) -> ReplaySettings,
) -> Result<(), Failure> {
    let [protocol] = args.protocol.as_slice() else {
        return Err(anyhow!("a policy comparison runs one protocol: give one --protocol").into());
    };
    let mut base = settings(*protocol);
    base.duration = args.duration.map(from_secs);
    let mut labelled: Vec<(String, Option<Backoff>, PolicyArgs)> = Vec::new();
    if retries.is_empty() {
        labelled.push(("base".into(), None, args.policy.clone()));
    }
    for &retry in retries {
        labelled.push((retry.to_string(), Some(retry), args.policy.clone()));
    }
    for v in &args.variants {
        // A variant without a --retry of its own takes the command's first.
        let flags = args.policy.overridden_by(&v.flags);
        let retry = match v.flags.retries()?.as_slice() {
            [] => retries.first().copied(),
            [one] => Some(*one),
            _ => return Err(anyhow!("--variant `{}`: give one --retry policy", v.label).into()),
        };
        labelled.push((v.label.clone(), retry, flags));
    }
    let mut candidates = Vec::new();
    for (label, retry, flags) in &labelled {
        let policies = flags.policies(*retry)?;
        for &count in &args.clients {
            let mut settings = base.clone();
            settings.clients = ClientSettings {
                count,
                policy: policies.policy,
                spike: policies.spike,
                capacity: policies.capacity,
                ..settings.clients
            };
            candidates.push(Candidate {
                label: label.clone(),
                settings,
            });
        }
    }
    let seeds = args.seeds.clone().unwrap_or(args.seed..=args.seed);
    let runs = (seeds.clone().count() * candidates.len()) as u64;
    let bar = super::counter(args.quiet, "policy comparison", runs);
    let comparison = compare(&candidates, seeds, &|| bar.inc(1))?;
    bar.finish_and_clear();
    super::emit(
        &comparison,
        "policy-comparison.json",
        policy_compare::table(&comparison),
        &policy_compare::plots(&comparison),
        &args.format,
        args.out.as_deref(),
    )
}

/// Runs a fault sweep per protocol, prints the summaries, and fails when any run broke an
/// invariant; with a shard, runs only its seeds and writes them for `faultline merge`.
fn run_fault_sweeps(
    args: &Args,
    seeds: RangeInclusive<u64>,
    faults: &Faults,
    settings: impl Fn(Protocol) -> ReplaySettings,
) -> Result<(), Failure> {
    let shard = match args.shard {
        Some(shard) => Some(shard),
        None => Shard::from_env(|k| std::env::var(k).ok(), args.shards)?,
    };
    if let Some(shard) = shard {
        return run_shard(args, shard, seeds, faults, settings, false);
    }
    if args.format == "parquet" {
        if args.out.is_some() {
            return Err(anyhow!(
                "--format parquet writes the rows to stdout: drop --out, or give --shard 0/1 \
                 --out DIR for a shard file"
            )
            .into());
        }
        super::refuse_terminal()?;
        let whole = Shard { index: 0, count: 1 };
        return run_shard(args, whole, seeds, faults, settings, true);
    }
    let mut reports: Vec<FaultSweepReport> = Vec::new();
    for &protocol in &args.protocol {
        let bar = super::counter(
            args.quiet,
            &format!("{protocol} fault sweep"),
            seeds.clone().count() as u64,
        );
        let report = fault_sweep(&settings(protocol), seeds.clone(), faults, &|| bar.inc(1))?;
        bar.finish_and_clear();
        reports.push(report);
    }
    let command: Vec<String> = std::env::args().skip(1).collect();
    print_fault_sweeps(&reports, &command, &args.format, args.out.as_deref())
}

/// Prints fault sweeps' reports (with the command that replays each first failing seed alone,
/// from the sweep's `command` line), writes `fault-sweep.json` under `out`, and fails when any
/// run broke an invariant. `faultline merge` prints through here too.
pub fn print_fault_sweeps(
    reports: &[FaultSweepReport],
    command: &[String],
    format: &str,
    out: Option<&Path>,
) -> Result<(), Failure> {
    let json = if let [one] = reports {
        json_pretty(one)?
    } else {
        json_pretty(&reports)?
    };
    if let Some(dir) = out {
        write_atomically(&dir.join("fault-sweep.json"), |w| w.write_all(&json))?;
    }
    let mut text = Vec::new();
    if format == "json" {
        text = json;
    } else {
        for (i, report) in reports.iter().enumerate() {
            if i > 0 {
                text.push(b'\n');
            }
            text.extend(faultline::report::fault_sweep::table(report).into_bytes());
            if let Some(&seed) = report.failed_seeds.first() {
                let hint = replay_one(
                    command.iter().cloned(),
                    &report.protocol,
                    seed,
                    report.faults == "random",
                );
                text.extend(format!("replay one alone: {hint}\n").into_bytes());
            }
        }
    }
    print(&text)?;
    let failed: usize = reports.iter().map(|r| r.failed_seeds.len()).sum();
    if failed > 0 {
        return Err(Failure::Check(format!(
            "{failed} seed(s) broke an invariant (listed above; `failed_seeds` in JSON)"
        )));
    }
    Ok(())
}

/// Runs one shard of a fault sweep and writes its rows to `--out`/shard-I.parquet; without a
/// shard, `--format parquet` runs them all as shard 0/1 and writes the rows to stdout (and fails
/// as the sweep would when a seed broke an invariant).
fn run_shard(
    args: &Args,
    shard: Shard,
    seeds: RangeInclusive<u64>,
    faults: &Faults,
    settings: impl Fn(Protocol) -> ReplaySettings,
    to_stdout: bool,
) -> Result<(), Failure> {
    let [protocol] = args.protocol.as_slice() else {
        return Err(anyhow!("a shard runs one protocol: give one --protocol").into());
    };
    let dir = match &args.out {
        Some(dir) if !to_stdout => Some(dir),
        _ if to_stdout => None,
        _ => {
            return Err(anyhow!(
                "a shard writes its rows: give --out DIR (the same for every shard)"
            )
            .into());
        }
    };
    let base = settings(*protocol);
    let mine = shard.seeds(&seeds)?;
    let bar = super::counter(
        args.quiet,
        &format!("{protocol} shard {shard}"),
        mine.clone().count() as u64,
    );
    let rows = run_seeds(&base, mine.clone(), faults, &|| bar.inc(1))?;
    bar.finish_and_clear();
    let fingerprint = ReplaySettings {
        seed: 0,
        ..base.clone()
    };
    let command: Vec<String> = std::env::args().skip(1).collect();
    let info = ShardInfo {
        header: header(&base, &seeds, faults),
        settings: settings_hash(&format!("{fingerprint:?} {faults:?} {seeds:?}")),
        version: env!("CARGO_PKG_VERSION").to_string(),
        command: serde_json::to_string(&command)?,
        shard,
    };
    let failing = rows.iter().filter(|r| !r.violations.is_empty()).count();
    let Some(dir) = dir else {
        print(&shard_file::to_parquet(&info, &rows).map_err(|e| anyhow!("{e}"))?)?;
        if failing > 0 {
            return Err(Failure::Check(format!(
                "{failing} seed(s) broke an invariant (rows with `failed` true)"
            )));
        }
        return Ok(());
    };
    let path = dir.join(format!("shard-{}.parquet", shard.index));
    shard_file::write(&path, &info, &rows)?;
    print(
        format!(
            "shard {shard}: seeds {}..{}, {} run{}, {failing} failing; wrote {}\n",
            mine.start(),
            mine.end(),
            rows.len(),
            if rows.len() == 1 { "" } else { "s" },
            path.display()
        )
        .as_bytes(),
    )?;
    Ok(())
}

/// The command that replays one seed of a sweep alone: the sweep's own arguments (`args`, the
/// subcommand first), with this protocol, `--seed S` instead of `--seeds A..B`,
/// `--random-faults` when the sweep drew random scenarios, and no `--out` (so the sweep's files
/// stay as they are) nor `--format` (a sweep's Parquet rows are no format for one run).
fn replay_one(
    args: impl Iterator<Item = String>,
    protocol: &str,
    seed: u64,
    random: bool,
) -> String {
    let mut kept: Vec<String> = vec!["faultline".into()];
    let mut args = args;
    while let Some(arg) = args.next() {
        let flag = arg.split('=').next().unwrap_or("");
        if [
            "--seeds",
            "--seed",
            "--protocol",
            "--out",
            "--shard",
            "--shards",
            "--format",
        ]
        .contains(&flag)
        {
            if !arg.contains('=') {
                args.next();
            }
            continue;
        }
        if arg != "--random-faults" {
            kept.push(arg);
        }
    }
    let after_subcommand = kept.len().min(2);
    kept.splice(
        after_subcommand..after_subcommand,
        ["--protocol".to_string(), protocol.to_string()],
    );
    kept.extend(["--seed".to_string(), seed.to_string()]);
    if random {
        kept.push("--random-faults".into());
    }
    kept.iter()
        .map(|a| shell_quote(a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `text` quoted for a POSIX shell when it holds anything but plain characters.
fn shell_quote(text: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_.,:/=+@%".contains(c);
    if !text.is_empty() && text.chars().all(plain) {
        text.to_string()
    } else {
        format!("'{}'", text.replace('\'', "'\\''"))
    }
}

/// Runs `replay`.
pub fn run(args: Args) -> Result<(), Failure> {
    let delay = match &args.delays {
        Some(path) => empirical(path)?,
        None => args.delay.clone(),
    };
    let (nodes, faults) = match &args.trace {
        Some(path) => {
            let options = ReadOptions {
                time_unit_seconds: args.time_unit.seconds(),
                ..ReadOptions::default()
            };
            let trace = read_traces(std::slice::from_ref(path), &options)?;
            // GFS replays any fleet's outages as its chunkservers' (n1 is the master).
            let trace = if args.protocol.iter().all(|p| p.name() == "gfs") {
                super::sweep::as_chunkservers(trace, args.quiet)
            } else {
                trace
            };
            let cannot = || format!("{}: cannot replay this trace", path.display());
            let nodes = match args.nodes {
                Some(nodes) => nodes,
                None => cluster_size(&trace).with_context(cannot)?,
            };
            (
                nodes,
                from_trace(&trace, nodes, args.client_count()).with_context(cannot)?,
            )
        }
        None => {
            let nodes = args.nodes.ok_or_else(|| {
                anyhow::anyhow!(
                    "--nodes: give the cluster size (or a --trace that names its nodes)"
                )
            })?;
            (nodes, Vec::new())
        }
    };
    let proposers = args
        .proposers
        .iter()
        .map(|name| node_index(name, nodes))
        .collect::<Result<Vec<_>, _>>()
        .context("--proposers")?;
    let script = zk_script(&args.workload)?;
    let chaos = ChaosConfig::new(
        nodes,
        args.duration.map_or(30 * SECOND, from_secs),
        delay.clone(),
        args.loss,
    );
    // A lock's holders are clients, and the pause of a holder is what a lock must survive: its
    // random scenarios pause clients too.
    let mut chaos = chaos;
    if args.protocol.iter().all(|p| p.name() == "lock") {
        chaos.pausable = nodes + args.client_count();
    }
    let retries = args.policy.retries()?;
    let policies = args.policy.policies(retries.first().copied())?;
    let settings = |protocol| ReplaySettings {
        protocol,
        nodes,
        seed: args.seed,
        delay: delay.clone(),
        processing: from_secs(args.processing),
        loss: args.loss,
        heartbeat: args.heartbeat.map(from_secs),
        timeout: args.timeout.clone(),
        threshold: args.threshold,
        paxos: PaxosSettings {
            proposers: proposers.clone(),
            broken_acceptor: args.broken_acceptor,
            backoff: args.backoff,
            distinguished: args.distinguished,
        },
        clients: ClientSettings {
            rate: args.rate,
            count: args.client_count(),
            policy: policies.policy,
            spike: policies.spike,
            capacity: policies.capacity,
        },
        zk: ZkSettings {
            tick: from_secs(args.tick),
            session_timeout: from_secs(args.session_timeout),
            script: script.clone(),
            read_share: args.read_share,
            readers: args.readers,
            lock: LockConfig {
                recipe: if args.recipe == "herd" {
                    Recipe::Herd
                } else {
                    Recipe::Zk
                },
                fencing: args.fencing == "on",
                ..LockConfig::default()
            },
            broken: args.broken,
            contention: args.workload == CONTENTION,
            ..ZkSettings::default()
        },
        // Random scenarios cover a fixed span, so their runs last exactly that long.
        gfs: GfsSettings {
            chunks: args.chunks,
            replicas: args.replicas,
            racks: args.racks,
            clone_rate: args.clone_rate,
            max_clones: args.max_clones,
        },
        ft: FtSettings {
            test_and_set: !args.no_test_and_set,
            output_rule: !args.no_output_rule,
            restart: from_secs(args.restart_backup),
        },
        duration: if args.random_faults || (args.seeds.is_some() && args.trace.is_none()) {
            Some(chaos.duration)
        } else {
            args.duration.map(from_secs)
        },
        faults: faults.clone(),
    };
    let sweeps_seeds = args.pauses.is_empty()
        && retries.len() <= 1
        && args.variants.is_empty()
        && args.clients.len() <= 1
        && args.seeds.is_some();
    if args.format == "parquet" && !sweeps_seeds {
        return Err(anyhow!(
            "--format parquet writes one row per seed of a fault sweep: give --seeds A..B \
             (other replays print table or json)"
        )
        .into());
    }
    if !args.pauses.is_empty() {
        return run_pause_sweep(&args, settings);
    }
    if retries.len() > 1 || !args.variants.is_empty() || args.clients.len() > 1 {
        return run_policy_comparison(&args, &retries, settings);
    }
    if let Some(seeds) = &args.seeds {
        let faults = if args.trace.is_some() {
            Faults::Fixed
        } else {
            Faults::Random(chaos.clone())
        };
        return run_fault_sweeps(&args, seeds.clone(), &faults, settings);
    }
    let mut runs = Vec::new();
    for &protocol in &args.protocol {
        let mut settings = settings(protocol);
        if args.random_faults {
            settings.faults = random_faults(&chaos, args.seed)?;
        }
        let bar = super::progress(args.quiet, &format!("{protocol} seed {}", args.seed));
        let run = replay(&settings, &mut |now, end| {
            bar.set_length(end);
            bar.set_position(now);
        })?;
        bar.finish_and_clear();
        runs.push(run);
    }
    if let Some(dir) = &args.out {
        for run in &runs {
            let sub = if runs.len() == 1 {
                dir.clone()
            } else {
                dir.join(format!("{}-seed{}", run.report.protocol, run.report.seed))
            };
            write_run(&sub, run)?;
            let mut plots = vec![figures::messages(&[&run.report])];
            plots.extend(figures::latency(&run.report, &run.histograms));
            render_plots(&sub, &plots)?;
        }
        if runs.len() > 1 {
            let reports: Vec<_> = runs.iter().map(|r| &r.report).collect();
            render_plots(dir, &[figures::messages(&reports)])?;
        }
    }
    let mut out = Vec::new();
    if args.format == "json" {
        out = if runs.len() == 1 {
            json_pretty(&runs[0].report)?
        } else {
            let reports: Vec<_> = runs.iter().map(|r| &r.report).collect();
            json_pretty(&reports)?
        };
    } else {
        for (i, run) in runs.iter().enumerate() {
            if i > 0 {
                out.push(b'\n');
            }
            out.extend(table(&run.report).into_bytes());
        }
    }
    print(&out)?;
    let violations: usize = runs
        .iter()
        .map(|r| r.report.invariants.violations.len())
        .sum();
    if violations > 0 {
        return Err(Failure::Check(format!(
            "{violations} invariant violation(s); see `invariants.violations`"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hint_repeats_every_flag_of_the_sweep() {
        let args = [
            "replay",
            "--protocol",
            "paxos,multi-paxos",
            "--nodes",
            "5",
            "--seeds",
            "1..20",
            "--delay",
            "exp:mean=5ms",
            "--broken-acceptor",
            "--out=out/x",
            "--timeout",
            "1.5*(2d+r)",
        ]
        .map(String::from);
        assert_eq!(
            replay_one(args.into_iter(), "multi-paxos", 3, true),
            "faultline replay --protocol multi-paxos --nodes 5 --delay exp:mean=5ms \
             --broken-acceptor --timeout '1.5*(2d+r)' --seed 3 --random-faults"
        );
    }
}
