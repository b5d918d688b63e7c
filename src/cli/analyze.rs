//! `faultline analyze TRACE...`: read traces, compute availability figures, print them.

use std::path::PathBuf;

use anyhow::Context;

use super::{Failure, print, refuse_terminal, spinner};
use faultline::analytics::breakdown::Breakdown;
use faultline::analytics::system::SystemRule;
use faultline::analytics::system_expr::SystemExpr;
use faultline::analytics::window::Window;
use faultline::analytics::{AnalyzeOptions, analyze};
use faultline::flags::duration;
use faultline::report::analysis::{Format, Show, render};
use faultline::sim::delay::DelayModel;
use faultline::sim::time::to_secs;
use faultline::sim::timeout::{Names, TimeoutExpr};
use faultline::trace::{InputFormat, Population, ReadOptions, TimeKind, Trace, read_traces};
use faultline::units::TimeUnit;

/// The traces and analysis settings `analyze` and `report` share.
#[derive(Debug, clap::Args)]
pub struct Input {
    /// Trace files (interval CSV, event CSV, JSONL, LANL, FTA, Backblaze or Titan GPU layouts).
    #[arg(required = true, value_name = "TRACE")]
    traces: Vec<PathBuf>,
    /// Observation window START,END (numbers, `30d`-style durations, or datetimes).
    /// Default: the earliest to the latest time in the trace.
    #[arg(long, value_name = "START,END", allow_hyphen_values = true)]
    window: Option<String>,
    /// Redundancy rule of the system row: all (series), any (active-active), quorum, k:K,
    /// active-passive:failover=EXPR (a duration, or an expression over d and r such as
    /// `2d+r+5s`, with d and r from --delay and --proc); or an expression of rules over
    /// selections of nodes, such as `k:4(*)` or `series(any(role=cloud), k:2(zone=a))`.
    #[arg(long, default_value = "all", value_name = "RULE|EXPR")]
    system: String,
    /// The delay model whose bound is `d` in a failover expression.
    #[arg(long, default_value = "const:0s", value_parser = str::parse::<DelayModel>)]
    delay: DelayModel,
    /// The processing time `r` in a failover expression.
    #[arg(long = "proc", default_value = "0s", allow_hyphen_values = true, value_parser = duration)]
    processing: f64,
    /// Nodes that never failed: a total count N, or a file of node names, one a line, each
    /// optionally with its service window (`NAME,START,END`).
    #[arg(long, value_name = "N|FILE", allow_negative_numbers = true)]
    population: Option<String>,
    /// Input layout, when not detected from the header: interval, event, jsonl, lanl, fta,
    /// backblaze, titan.
    #[arg(long, value_name = "F", value_parser = str::parse::<InputFormat>)]
    input_format: Option<InputFormat>,
    /// Unit of bare-number times: ms, s, m, h, d.
    #[arg(long, default_value = "s", value_parser = str::parse::<TimeUnit>)]
    time_unit: TimeUnit,
    /// Break the fleet down by node, fault, group, cause or month.
    #[arg(long, value_parser = str::parse::<Breakdown>)]
    by: Option<Breakdown>,
    /// Units are replaced, not repaired: lifetimes (AFR, MTTF from exposure, Weibull,
    /// Kaplan–Meier) instead of availability.
    #[arg(long)]
    non_repairable: bool,
    /// Count malformed rows instead of stopping at the first.
    #[arg(long)]
    skip_bad_rows: bool,
}

/// Parses `--system`: a rule or an expression; an active-passive failover (alone) may be an
/// expression over `d` and `r`.
fn system_rule(text: &str, delay: &DelayModel, processing: f64) -> anyhow::Result<SystemExpr> {
    if let Some(expr) = text.strip_prefix("active-passive:failover=") {
        let names = Names {
            d: to_secs(delay.bound()),
            r: processing,
            h: 0.0,
        };
        let seconds = TimeoutExpr::parse(expr)
            .and_then(|e| e.seconds(&names))
            .map_err(|e| anyhow::anyhow!("--system: {e}"))?;
        return Ok(SystemRule::ActivePassive(seconds).into());
    }
    SystemExpr::parse(text).map_err(|e| anyhow::anyhow!("--system: {e}"))
}

/// Parses `--population`: a count, or a file of names with optional service windows.
fn population(text: &str, unit_seconds: f64, kind: TimeKind) -> Result<Population, Failure> {
    if let Ok(count) = text.parse::<u64>() {
        return Ok(Population::Count(count));
    }
    if text.trim().parse::<f64>().is_ok() && !std::path::Path::new(text).exists() {
        return Err(anyhow::anyhow!(
            "--population: `{text}` is not a node count; give a whole number (at least the \
             number of nodes the trace names) or a file of node names"
        )
        .into());
    }
    let contents = std::fs::read_to_string(text).with_context(|| {
        format!("--population `{text}` is neither a node count nor a readable file of names")
    })?;
    Ok(Population::parse_file(text, &contents, unit_seconds, kind)?)
}

impl Input {
    /// Reads the traces and turns the flags into analysis options.
    pub fn load(&self) -> Result<(Trace, AnalyzeOptions), Failure> {
        let unit = self.time_unit.seconds();
        let window = self
            .window
            .as_deref()
            .map(|w| Window::parse(w, unit))
            .transpose()
            .map_err(|e| anyhow::anyhow!("--window: {e}"))?;
        let read_options = ReadOptions {
            time_unit_seconds: unit,
            skip_bad_rows: self.skip_bad_rows,
            format: self.input_format,
        };
        faultline::heap::return_large_buffers_to_the_system();
        let mut trace = read_traces(&self.traces, &read_options)?;
        if let Some(text) = &self.population {
            trace.declare_population(&population(text, unit, trace.time_kind)?)?;
        }
        let options = AnalyzeOptions {
            window,
            system: system_rule(&self.system, &self.delay, self.processing)?,
            by: self.by,
            non_repairable: self.non_repairable,
        };
        Ok((trace, options))
    }
}

/// Arguments of `analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    input: Input,
    /// Output format: table, json, csv, parquet (the CSV's rows; redirect it to a file), md.
    #[arg(long, default_value = "table", value_parser = str::parse::<Format>)]
    format: Format,
    /// With --by, print the node table too.
    #[arg(long)]
    show_nodes: bool,
    /// No progress display.
    #[arg(long, short)]
    quiet: bool,
}

/// Runs `analyze`.
pub fn run(args: Args) -> Result<(), Failure> {
    if args.format == Format::Parquet {
        refuse_terminal()?;
    }
    let bar = spinner(args.quiet, "reading traces");
    let (trace, options) = args.input.load()?;
    bar.set_message("analysing");
    let analysis = analyze(&trace, &options)?;
    bar.finish_and_clear();
    let mut out = Vec::new();
    let show = Show {
        markdown: false,
        nodes: args.show_nodes,
    };
    render(&analysis, args.format, show, &mut out)?;
    if matches!(args.format, Format::Table | Format::Csv | Format::Parquet) {
        for warning in &analysis.warnings {
            eprintln!("faultline: warning: {warning}");
        }
    }
    print(&out)?;
    Ok(())
}
