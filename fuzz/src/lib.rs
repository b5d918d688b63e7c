//! What each fuzz target does with the fuzzer's bytes, kept apart from the AFL++ entry points
//! (`src/bin/`) so a crash can be replayed by a plain test or under a debugger.
//!
//! Every function here must return normally for every input: a parser answers bad input with an
//! error value, never a panic, an overflow or an abort. Where one byte picks among parsers (the
//! flag values), it is the input's first byte, so a crash file names its parser by itself.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::OnceLock;

use faultline::analytics::system_expr::SystemExpr;
use faultline::analytics::window::Window;
use faultline::analytics::{AnalyzeOptions, analyze};
use faultline::protocols::client::backoff::{Backoff, parse_list};
use faultline::protocols::client::breaker::BreakerConfig;
use faultline::protocols::client::budget::BudgetConfig;
use faultline::protocols::client::policy::Spike;
use faultline::protocols::zk::script;
use faultline::sim::delay::DelayModel;
use faultline::sim::scenario::{cluster_size, from_trace, parse_partition};
use faultline::sim::timeout::{Names, TimeoutExpr};
use faultline::trace::synth::{FaultMix, Shape};
use faultline::trace::time::{TimeParser, parse_datetime};
use faultline::trace::{InputFormat, Population, ReadOptions, TimeKind, Trace, read_traces};
use faultline::units::parse_duration;
use rand_chacha::ChaCha8Rng;
use rand_chacha::rand_core::SeedableRng;

/// The layouts a trace may be forced to (`--input-format`); the first byte picks one, or
/// detection, or detection with `--skip-bad-rows`.
const FORMATS: [Option<InputFormat>; 8] = [
    None,
    Some(InputFormat::Interval),
    Some(InputFormat::Event),
    Some(InputFormat::Jsonl),
    Some(InputFormat::Lanl),
    Some(InputFormat::Fta),
    Some(InputFormat::Backblaze),
    Some(InputFormat::Titan),
];

/// A file the input is written to, unique to this process, removed after each run.
fn scratch(extension: &str) -> PathBuf {
    let dir = if std::path::Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("faultline-fuzz-{}.{extension}", std::process::id()))
}

/// Reads `bytes` as a trace file the way `analyze` and `replay` do, then analyses it and turns
/// it into a replay scenario.
fn read_as_file(bytes: &[u8], extension: &str, options: &ReadOptions) {
    let path = scratch(extension);
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    let trace = read_traces(&[&path], options);
    let _ = std::fs::remove_file(&path);
    if let Ok(trace) = trace {
        exercise(&trace);
    }
}

/// What the commands do with a trace once it is read.
fn exercise(trace: &Trace) {
    let options = AnalyzeOptions {
        window: None,
        system: SystemExpr::default(),
        by: None,
        non_repairable: false,
    };
    let _ = analyze(trace, &options);
    if let Ok(nodes) = cluster_size(trace) {
        let _ = from_trace(trace, nodes.min(1_000), 2);
    }
}

/// A CSV or JSONL trace in any layout: first byte the layout, the rest the file.
pub fn trace(data: &[u8]) {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let index = usize::from(pick) % (FORMATS.len() + 1);
    let options = ReadOptions {
        time_unit_seconds: 1.0,
        skip_bad_rows: index == FORMATS.len(),
        format: FORMATS.get(index).copied().flatten(),
    };
    read_as_file(file, "csv", &options);
}

/// A Parquet trace: the whole input is the file.
pub fn parquet(data: &[u8]) {
    read_as_file(data, "parquet", &ReadOptions::default());
}

/// A shard file as `merge` reads it: first as a fault-sweep shard, then as a timeout-sweep
/// shard; one that reads is combined as a sweep of one shard.
pub fn shard(data: &[u8]) {
    let path = scratch("parquet");
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(file) = faultline::harness::shard::read(&path) {
        let _ = faultline::harness::shard::combine(vec![file]);
    }
    if let Ok(file) = faultline::harness::sweep_shard::read(&path) {
        let _ = faultline::harness::sweep_shard::combine(vec![file]);
    }
    let _ = faultline::harness::sweep_shard::is_sweep_shard(&path);
    let _ = std::fs::remove_file(&path);
}

/// A `zk exec` script.
pub fn zk_script(data: &[u8]) {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = script::run(text);
    }
}

/// A small trace to declare populations on (n1..n3, numeric times).
fn small_trace() -> &'static Option<Trace> {
    static TRACE: OnceLock<Option<Trace>> = OnceLock::new();
    TRACE.get_or_init(|| {
        let path = scratch("small.csv");
        std::fs::write(&path, "node,start,end\nn1,10,20\nn2,30,45\nn3,50,51\n").ok()?;
        let trace = read_traces(&[&path], &ReadOptions::default()).ok();
        let _ = std::fs::remove_file(&path);
        trace
    })
}

/// A `--population` file: first byte the kind of times, the rest the file; a population that
/// parses is declared on a small trace.
pub fn population(data: &[u8]) {
    let Some((&pick, file)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(file) else {
        return;
    };
    let kind = if pick % 2 == 0 {
        TimeKind::Number
    } else {
        TimeKind::Datetime
    };
    if let Ok(population) = Population::parse_file("population.csv", text, 1.0, kind)
        && let Some(trace) = small_trace()
    {
        let mut trace = trace.clone();
        if trace.declare_population(&population).is_ok() {
            exercise(&trace);
        }
    }
}

/// One flag value: first byte the flag's parser, the rest its text.
pub fn flags(data: &[u8]) {
    let Some((&pick, text)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    match pick % 16 {
        0 => drop(parse_duration(text, 1.0)),
        1 => {
            if let Ok(model) = DelayModel::from_str(text) {
                let mut rng = ChaCha8Rng::seed_from_u64(1);
                for _ in 0..8 {
                    model.sample(&mut rng);
                }
                let _ = model.to_string();
            }
        }
        2 => {
            if let Ok(expr) = TimeoutExpr::parse(text) {
                let _ = expr.seconds(&Names {
                    d: 0.001,
                    r: 0.0005,
                    h: 1.0,
                });
            }
        }
        3 => drop(Window::parse(text, 1.0)),
        4 => {
            if let Ok(expr) = SystemExpr::parse(text)
                && let Some(trace) = small_trace()
            {
                let options = AnalyzeOptions {
                    window: None,
                    system: expr,
                    by: None,
                    non_repairable: false,
                };
                let _ = analyze(trace, &options);
            }
        }
        5 => drop(faultline::flags::seed_range(text)),
        6 => drop(faultline::trace::Fault::from_str(text)),
        7 => drop(Shape::from_str(text)),
        8 => drop(FaultMix::from_str(text)),
        9 => drop(parse_list(text)),
        10 => drop(Backoff::from_str(text)),
        11 => drop(BudgetConfig::from_str(text)),
        12 => drop(BreakerConfig::from_str(text)),
        13 => drop(Spike::from_str(text)),
        14 => drop(parse_partition(text, 7)),
        _ => {
            let _ = TimeParser::new(1.0).parse(text);
            let _ = parse_datetime(text);
        }
    }
}
