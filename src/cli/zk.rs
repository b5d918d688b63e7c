//! `faultline zk exec SCRIPT.jsonl [--ensemble N]`: drive the ZooKeeper-style store op by op,
//! alone or replicated by Zab.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;

use super::{Failure, print};
use faultline::flags::{seed, whole};
use faultline::harness::replay::{Protocol, ReplaySettings};
use faultline::harness::runners::zk::exec;
use faultline::protocols::zk::script;
use faultline::sim::scenario::from_trace;
use faultline::trace::{ReadOptions, read_traces};

/// `faultline zk ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run a JSONL script of ops against the store; print one JSON result per op.
    Exec {
        /// The script: one op a line, e.g. {"op":"create","path":"/a","data":"x","session":"s1"}
        /// (the README lists every op).
        script: PathBuf,
        /// Run it through an ensemble of N servers replicated by Zab (session k on server
        /// k mod N) instead of one store; zxids and times then differ, nothing else.
        #[arg(long, value_parser = whole::<u32>("a number of servers", 2, 31))]
        ensemble: Option<u32>,
        /// With --ensemble: a trace of faults (crashes, partitions, pauses, ...) to run it
        /// under; an op whose connection is lost prints ConnectionLoss.
        #[arg(long, requires = "ensemble")]
        trace: Option<PathBuf>,
        /// With --ensemble: the seed of every random choice.
        #[arg(long, default_value = "1", requires = "ensemble", value_parser = seed)]
        seed: u64,
    },
}

/// Runs `zk`.
pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Exec {
            script: path,
            ensemble,
            trace,
            seed,
        } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{}: cannot read the script", path.display()))?;
            let lines = match ensemble {
                None => script::run(&text).with_context(|| path.display().to_string())?,
                Some(nodes) => {
                    let ops =
                        script::parse_script(&text).with_context(|| path.display().to_string())?;
                    let protocol = Protocol::named("zk").context("the zk protocol")?;
                    let mut settings = ReplaySettings::new(protocol, nodes);
                    settings.seed = seed;
                    settings.zk.script = Some(Arc::new(ops));
                    if let Some(trace_path) = &trace {
                        let trace =
                            read_traces(std::slice::from_ref(trace_path), &ReadOptions::default())?;
                        settings.faults = from_trace(&trace, nodes, 1).with_context(|| {
                            format!("{}: cannot replay this trace", trace_path.display())
                        })?;
                    }
                    exec(&settings)?
                }
            };
            let mut out = lines.join("\n");
            out.push('\n');
            print(out.as_bytes())?;
            Ok(())
        }
    }
}
