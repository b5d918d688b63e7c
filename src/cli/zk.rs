//! `faultline zk exec SCRIPT.jsonl`: drive the ZooKeeper-style store op by op.

use std::path::PathBuf;

use anyhow::Context;

use super::{Failure, print};
use faultline::protocols::zk::script;

/// `faultline zk ...`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Run a JSONL script of ops against one store; print one JSON result per op.
    Exec {
        /// The script: one op a line (DESIGN.md, `faultline zk exec`).
        script: PathBuf,
    },
}

/// Runs `zk`.
pub fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Exec { script: path } => {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("{}: cannot read the script", path.display()))?;
            let lines = script::run(&text).with_context(|| path.display().to_string())?;
            let mut out = lines.join("\n");
            out.push('\n');
            print(out.as_bytes())?;
            Ok(())
        }
    }
}
