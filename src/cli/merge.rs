//! `faultline merge`: the shards of a fault sweep (`replay --seeds`) or of a timeout sweep
//! (`sweep`), merged into exactly what the unsharded sweep prints.

use std::path::PathBuf;

use super::Failure;
use faultline::harness::fault_sweep::reduce;
use faultline::harness::shard::{combine, files, read};
use faultline::harness::sweep_shard;

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shard files, or folders holding `shard-*.parquet` (as `replay --seeds A..B --shard I/N
    /// --out DIR` and `sweep --shard I/N --out DIR` write them).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format: table or json (or csv, for a timeout sweep).
    #[arg(long, default_value = "table", value_parser = ["table", "json", "csv"])]
    format: String,
    /// Also write fault-sweep.json here (sweep.json and plots for a timeout sweep).
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `merge`.
pub fn run(args: Args) -> Result<(), Failure> {
    let paths = files(&args.paths)?;
    if let Some(first) = paths.first()
        && sweep_shard::is_sweep_shard(first)?
    {
        let shards = paths
            .iter()
            .map(|path| sweep_shard::read(path))
            .collect::<Result<Vec<_>, _>>()?;
        return super::sweep::merge(shards, &args.format, args.out.as_deref());
    }
    if args.format == "csv" {
        return Err(anyhow::anyhow!("--format csv: a fault sweep merges to table or json").into());
    }
    let shards = paths
        .iter()
        .map(|path| read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let (info, rows) = combine(shards)?;
    let command: Vec<String> = serde_json::from_str(&info.command)?;
    let report = reduce(info.header, &rows);
    super::replay::print_fault_sweeps(&[report], &command, &args.format, args.out.as_deref())
}
