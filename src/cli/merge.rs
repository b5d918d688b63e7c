//! `faultline merge`: the shards of a fault sweep, merged into exactly what the unsharded sweep
//! prints.

use std::path::PathBuf;

use super::Failure;
use faultline::harness::fault_sweep::reduce;
use faultline::harness::shard::{combine, files, read};

/// Arguments of `merge`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Shard files, or folders holding `shard-*.parquet` (as `replay --seeds A..B --shard I/N
    /// --out DIR` writes them).
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    /// Output format: table or json.
    #[arg(long, default_value = "table", value_parser = ["table", "json"])]
    format: String,
    /// Also write fault-sweep.json here.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// Runs `merge`.
pub fn run(args: Args) -> Result<(), Failure> {
    let shards = files(&args.paths)?
        .iter()
        .map(|path| read(path))
        .collect::<Result<Vec<_>, _>>()?;
    let (info, rows) = combine(shards)?;
    let command: Vec<String> = serde_json::from_str(&info.command)?;
    let report = reduce(info.header, &rows);
    super::replay::print_fault_sweeps(&[report], &command, &args.format, args.out.as_deref())
}
