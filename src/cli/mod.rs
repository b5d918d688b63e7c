//! Command-line interface: clap definitions (one file per subcommand), argument validation,
//! progress display and printing. The only part of faultline that prints or exits.

mod analyze;
mod gen_cmd;
mod merge;
mod policy;
mod replay;
mod report;
mod sweep;
mod zk;

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Reliability analytics and trace-replay benchmarking for distributed systems.
#[derive(Debug, Parser)]
#[command(name = "faultline", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Availability, MTBF, MTTF, MTTR, downtime and nines per node, fleet and system.
    Analyze(analyze::Args),
    /// Generate a synthetic failure trace (event CSV).
    Gen(gen_cmd::Args),
    /// Replay a trace's faults through a protocol on a simulated cluster.
    Replay(Box<replay::Args>),
    /// Compare failure-detector timeouts: detection time, mistakes, availability.
    Sweep(sweep::Args),
    /// Write an availability report (HTML, Markdown, JSON and plots) for traces.
    Report(report::Args),
    /// Merge the shards of a fault sweep (`replay --seeds A..B --shard I/N --out DIR`) or of a
    /// timeout sweep (`sweep --shard I/N --out DIR`) into exactly what the unsharded sweep
    /// prints.
    Merge(merge::Args),
    /// The ZooKeeper-style store.
    #[command(subcommand)]
    Zk(zk::Command),
}

/// How a command ended, beyond success.
#[derive(Debug)]
pub enum Failure {
    /// Bad usage or bad input: exit 2.
    Input(anyhow::Error),
    /// The run worked but a check failed (an invariant violation): exit 1.
    Check(String),
}

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(err: E) -> Self {
        Failure::Input(err.into())
    }
}

/// Runs the CLI and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => return usage_error(err),
    };
    // Ctrl-C, or a scheduler's SIGTERM: remove the files being written and stop, leaving only
    // complete ones.
    let _ = ctrlc::set_handler(|| {
        eprintln!("faultline: interrupted; files not finished were removed");
        faultline::output::remove_pending_and_exit(130);
    });
    let result = match cli.command {
        Command::Analyze(args) => analyze::run(args),
        Command::Gen(args) => gen_cmd::run(args),
        Command::Replay(args) => {
            faultline::heap::keep_freed_memory_for_reuse();
            replay::run(*args)
        }
        Command::Sweep(args) => {
            faultline::heap::keep_freed_memory_for_reuse();
            sweep::run(args)
        }
        Command::Report(args) => report::run(args),
        Command::Zk(command) => zk::run(command),
        Command::Merge(args) => merge::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(err)) => {
            if is_broken_pipe(&err) {
                return ExitCode::SUCCESS;
            }
            eprintln!("faultline: error: {err:#}");
            ExitCode::from(2)
        }
        Err(Failure::Check(message)) => {
            eprintln!("faultline: {message}");
            ExitCode::from(1)
        }
    }
}

/// Refuses to write a binary format (Parquet) to a terminal, where it would show as noise.
pub(crate) fn refuse_terminal() -> Result<(), Failure> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        return Err(anyhow::anyhow!(
            "--format parquet writes a binary file: redirect it, e.g. `> nodes.parquet`"
        )
        .into());
    }
    Ok(())
}

/// Reports a command line that does not parse. A value its flag's parser rejected is reported
/// like any other bad input, `faultline: error: --flag: why`, since the parser's message names
/// the value and says what is valid (clap's own wording would repeat the value); anything else,
/// and `--help` and `--version`, is clap's to print.
fn usage_error(err: clap::Error) -> ExitCode {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() == ErrorKind::ValueValidation
        && let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg)
        && let Some(why) = std::error::Error::source(&err)
    {
        let flag = arg.split_whitespace().next().unwrap_or(arg);
        eprintln!("faultline: error: {flag}: {why}");
        return ExitCode::from(2);
    }
    err.exit()
}

fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// Writes a finished result to standard output in one go.
pub fn print(bytes: &[u8]) -> io::Result<()> {
    let mut stdout = io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}

/// Ends a sweep-like command: with `--out DIR` writes its JSON as `DIR/json_name` and its
/// plots, then prints its table, or the JSON with `--format json`.
pub fn emit(
    result: &impl serde::Serialize,
    json_name: &str,
    table: String,
    plots: &[faultline::report::plot::Plot],
    format: &str,
    out: Option<&std::path::Path>,
) -> Result<(), Failure> {
    let json = faultline::output::json_pretty(result)?;
    if let Some(dir) = out {
        faultline::output::write_atomically(&dir.join(json_name), |w| w.write_all(&json))?;
        faultline::report::build::render_plots(dir, plots)?;
    }
    print(if format == "json" {
        &json
    } else {
        table.as_bytes()
    })?;
    Ok(())
}

/// Whether progress may be drawn: not with `--quiet`, and only on a terminal.
fn shows_progress(quiet: bool) -> bool {
    use std::io::IsTerminal;
    !quiet && io::stderr().is_terminal()
}

/// A bar of `total` steps on standard error drawn with `template`, or a hidden one.
fn bar(quiet: bool, message: &str, total: u64, template: &str) -> indicatif::ProgressBar {
    if !shows_progress(quiet) {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(total);
    bar.set_message(message.to_string());
    if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
        bar.set_style(style);
    }
    bar
}

/// A progress bar on standard error for long runs (its length is set as the run goes); hidden
/// when stderr is not a terminal or with `--quiet`.
pub fn progress(quiet: bool, message: &str) -> indicatif::ProgressBar {
    bar(
        quiet,
        message,
        1,
        "{msg} [{bar:40}] {percent}% of simulated time, about {eta} left",
    )
}

/// A bar counting finished items (runs, seeds) on standard error; hidden when stderr is not a
/// terminal or with `--quiet`.
pub fn counter(quiet: bool, message: &str, total: u64) -> indicatif::ProgressBar {
    bar(
        quiet,
        message,
        total,
        "{msg} [{bar:40}] {pos}/{len}, about {eta} left",
    )
}

/// A spinner on standard error while long work runs; hidden when stderr is not a terminal or
/// with `--quiet`.
pub fn spinner(quiet: bool, message: &'static str) -> indicatif::ProgressBar {
    if !shows_progress(quiet) {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_message(message);
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}
