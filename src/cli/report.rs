//! `faultline report TRACE... --out DIR`: an availability report with plots.

use std::path::PathBuf;

use super::analyze::Input;
use super::{Failure, print, spinner};
use faultline::report::build::write_report;

/// Arguments of `report`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    /// Folder to write index.html, report.md, metrics.json and plots/ into.
    #[arg(long, default_value = "out")]
    out: PathBuf,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `report`.
pub fn run(args: Args) -> Result<(), Failure> {
    let bar = spinner(args.quiet, "reading traces");
    let (trace, options) = args.input.load()?;
    bar.set_message("drawing the report");
    let written = write_report(&trace, &options, &args.out)?;
    bar.finish_and_clear();
    for warning in &written.warnings {
        eprintln!("faultline: warning: {warning}");
    }
    print(format!("report written; open {}\n", written.page.display()).as_bytes())?;
    Ok(())
}
