//! Failure traces: the model, its readers and writers, and the synthetic generator.
//!
//! [`read_traces`] reads one or more files into one canonical [`Trace`], detecting each file's
//! layout from its first line unless `--input-format` fixes it:
//!
//! | layout | recognised by | module |
//! | --- | --- | --- |
//! | interval CSV | header with `node,start,end` | [`csv_rows`] |
//! | event CSV | header with `time,node,event` | [`csv_rows`] |
//! | JSONL | first line is a JSON object | [`jsonl`] |
//! | LANL CFDR | header with `Prob Started`, `nodenumz` | [`import::lanl`] |
//! | FTA event_trace | `#` header with `event_type` | [`import::fta`] |
//! | Backblaze lifetimes | header with `serial_number`, `first_fail` | [`import::backblaze`] |
//! | Titan GPU history | header with `SN`, `insert`, `remove`, `event` | [`import::titan`] |
//!
//! A malformed row is an error naming file, line and column; with `skip_bad_rows` it is counted
//! instead and the count is reported as a warning.

pub mod blocks;
pub mod builder;
pub mod csv_rows;
pub mod error;
pub mod import;
pub mod jsonl;
pub mod model;
pub mod names;
pub mod parquet;
pub mod parquet_safe;
pub mod records;
pub mod rows;
pub mod synth;
pub mod time;
pub mod write;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::str::FromStr;

pub use builder::TraceBuilder;
pub use error::{Column, FieldError, TraceError};
pub use model::{Fault, Node, NodeId, Outage, ScenarioEvent, ScenarioKind, Service, Trace};
pub use time::TimeKind;

use csv_rows::Layout;
use records::BadRows;
use time::TimeParser;

/// A file layout faultline can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// `node,start,end[,fault]...`
    Interval,
    /// `time,node,event[,fault][,detail]...`
    Event,
    /// One JSON object a line, interval or event fields.
    Jsonl,
    /// LANL CFDR outage CSV.
    Lanl,
    /// Failure Trace Archive `event_trace.tab`.
    Fta,
    /// Backblaze drive lifetimes.
    Backblaze,
    /// ORNL Titan GPU replacement history.
    Titan,
}

impl InputFormat {
    /// Names accepted by `--input-format`.
    pub const NAMES: &'static str = "interval, event, jsonl, lanl, fta, backblaze, titan";
}

impl FromStr for InputFormat {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "interval" => InputFormat::Interval,
            "event" => InputFormat::Event,
            "jsonl" => InputFormat::Jsonl,
            "lanl" => InputFormat::Lanl,
            "fta" => InputFormat::Fta,
            "backblaze" => InputFormat::Backblaze,
            "titan" => InputFormat::Titan,
            other => {
                return Err(format!(
                    "unknown input format `{other}`; use one of {}",
                    Self::NAMES
                ));
            }
        })
    }
}

/// How to read traces.
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// Seconds in one unit of a bare-number time (`--time-unit`).
    pub time_unit_seconds: f64,
    /// Count malformed rows instead of failing on the first.
    pub skip_bad_rows: bool,
    /// The layout, when not detected from the header.
    pub format: Option<InputFormat>,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            time_unit_seconds: 1.0,
            skip_bad_rows: false,
            format: None,
        }
    }
}

/// Guesses a file's layout from its first non-empty line.
pub fn detect_format(file: &str, first_line: &str) -> Result<InputFormat, TraceError> {
    let line = first_line.trim_start_matches('\u{feff}').trim();
    if line.starts_with('{') {
        return Ok(InputFormat::Jsonl);
    }
    if import::fta::matches(line) {
        return Ok(InputFormat::Fta);
    }
    let header: Vec<String> = records::csv_reader(line.as_bytes())
        .headers()
        .map(|h| h.iter().map(|f| f.trim().to_string()).collect())
        .unwrap_or_default();
    if import::lanl::matches(&header) {
        return Ok(InputFormat::Lanl);
    }
    if import::backblaze::matches(&header) {
        return Ok(InputFormat::Backblaze);
    }
    if import::titan::matches(&header) {
        return Ok(InputFormat::Titan);
    }
    let lower: Vec<String> = header.iter().map(|h| h.to_lowercase()).collect();
    let has = |names: &[&str]| names.iter().all(|n| lower.iter().any(|h| h == n));
    if has(&["node", "start", "end"]) {
        return Ok(InputFormat::Interval);
    }
    if has(&["time", "node", "event"]) {
        return Ok(InputFormat::Event);
    }
    Err(TraceError::BadHeader {
        file: file.to_string(),
        reason: format!(
            "cannot tell the layout from the header `{line}`; an interval CSV starts \
             `node,start,end`, an event CSV `time,node,event`, or pass --input-format ({})",
            InputFormat::NAMES
        ),
    })
}

/// Reads one file into the builder.
fn read_file(
    path: &Path,
    options: &ReadOptions,
    builder: &mut TraceBuilder,
) -> Result<(), TraceError> {
    let file = path.display().to_string();
    let io_error = |source| TraceError::Io {
        file: file.clone(),
        source,
    };
    let opened = File::open(path).map_err(io_error)?;
    let mut size_hint = opened.metadata().ok().map(|m| m.len());
    let mut input: Box<dyn BufRead> = Box::new(BufReader::with_capacity(1 << 16, opened));
    if parquet::is_parquet(input.fill_buf().map_err(io_error)?) {
        // The CSV's length is unknown until it is rendered.
        size_hint = None;
        input = Box::new(BufReader::with_capacity(
            1 << 16,
            parquet::CsvStream::open(path)?,
        ));
    }
    let format = match options.format {
        Some(format) => format,
        None => {
            let peek = input.fill_buf().map_err(io_error)?;
            let text = String::from_utf8_lossy(peek);
            // Skip blank lines and `#` comments, except an FTA header, which starts with `#`.
            let first = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty() && (!l.starts_with('#') || import::fta::matches(l)))
                .unwrap_or("");
            detect_format(&file, first)?
        }
    };
    builder.source(&file);
    let mut bad_rows = BadRows::new(options.skip_bad_rows);
    let mut times = TimeParser::new(options.time_unit_seconds);
    match format {
        InputFormat::Interval => csv_rows::read(
            &file,
            input,
            size_hint,
            Layout::Interval,
            builder,
            &mut times,
            &mut bad_rows,
        )?,
        InputFormat::Event => csv_rows::read(
            &file,
            input,
            size_hint,
            Layout::Event,
            builder,
            &mut times,
            &mut bad_rows,
        )?,
        InputFormat::Jsonl => jsonl::read(&file, input, builder, &mut times, &mut bad_rows)?,
        InputFormat::Lanl => import::lanl::read(&file, input, builder, &mut bad_rows)?,
        InputFormat::Fta => import::fta::read(&file, input, builder, &mut bad_rows)?,
        InputFormat::Backblaze => import::backblaze::read(&file, input, builder, &mut bad_rows)?,
        InputFormat::Titan => import::titan::read(&file, input, builder, &mut bad_rows)?,
    }
    if let Some(kind) = times.kind() {
        builder.time_kind(&file, kind)?;
    }
    if let Some(warning) = bad_rows.warning(&file) {
        builder.warn(warning);
    }
    Ok(())
}

/// Reads and merges trace files into one canonical trace.
pub fn read_traces(paths: &[impl AsRef<Path>], options: &ReadOptions) -> Result<Trace, TraceError> {
    let mut builder = TraceBuilder::new();
    for path in paths {
        read_file(path.as_ref(), options, &mut builder)?;
    }
    builder.finish().ok_or_else(|| TraceError::Empty {
        file: paths
            .iter()
            .map(|p| p.as_ref().display().to_string())
            .collect::<Vec<_>>()
            .join(", "),
        hint: "add outage rows (`node,start,end`) or events (`time,node,event`)",
    })
}

/// Nodes that exist but may never appear in the trace (`--population`).
#[derive(Debug, Clone, PartialEq)]
pub enum Population {
    /// The total number of nodes; those not named in the trace stay anonymous.
    Count(u64),
    /// Every node by name, each with its service window when the file gives one.
    Names(Vec<(String, Option<Service>)>),
}

/// Why a population cannot apply to a trace.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("--population: {0}")]
pub struct PopulationError(pub String);

impl Population {
    /// Reads a population file: one node a line, `NAME` or `NAME,START,END` where START and END
    /// are times written as the trace writes them (`kind`; an empty one is open); a first line
    /// `node,start,end` is a header; `#` starts a comment.
    pub fn parse_file(
        file: &str,
        text: &str,
        unit_seconds: f64,
        kind: TimeKind,
    ) -> Result<Self, TraceError> {
        let mut times = TimeParser::new(unit_seconds);
        let mut names = Vec::new();
        let mut lines_of: std::collections::HashMap<String, usize> = Default::default();
        for (index, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            if names.is_empty() && fields[0].eq_ignore_ascii_case("node") {
                continue;
            }
            let bad = |column: &str, reason: String| {
                FieldError::new(column, reason).at(file, index as u64 + 1)
            };
            let service = match fields[..] {
                [_] => None,
                [_, start, end] => {
                    let mut bound = |column: &str, text: &str, open: f64| {
                        if text.is_empty() {
                            Ok(open)
                        } else {
                            let t = times.parse(text).map_err(|reason| bad(column, reason))?;
                            match times.kind() {
                                Some(seen) if seen != kind => Err(bad(
                                    column,
                                    format!(
                                        "`{text}` is written as a {seen:?} but the trace's \
                                         times are {kind:?}s; write them the same way"
                                    )
                                    .to_lowercase(),
                                )),
                                _ => Ok(t),
                            }
                        }
                    };
                    let start = bound("start", start, f64::NEG_INFINITY)?;
                    let end = bound("end", end, f64::INFINITY)?;
                    if end <= start {
                        return Err(bad(
                            "end",
                            "the node leaves service before it enters it".to_string(),
                        ));
                    }
                    Some(Service { start, end })
                }
                _ => {
                    return Err(bad(
                        "node",
                        format!(
                            "the line has {} fields; write `NAME` or `NAME,START,END`",
                            fields.len()
                        ),
                    ));
                }
            };
            if fields[0].is_empty() {
                return Err(bad("node", "the node name is empty".to_string()));
            }
            if let Some(first) = lines_of.insert(fields[0].to_string(), index + 1) {
                return Err(bad(
                    "node",
                    format!(
                        "`{}` is named twice (first on line {first}); a node has one service \
                         window",
                        fields[0]
                    ),
                ));
            }
            names.push((fields[0].to_string(), service));
        }
        if names.is_empty() {
            return Err(TraceError::Empty {
                file: file.to_string(),
                hint: "a population file names one node a line (`NAME` or `NAME,START,END`)",
            });
        }
        Ok(Population::Names(names))
    }
}

impl Trace {
    /// Declares the population: nodes that never failed still count in fleet and system
    /// figures, and a population file's service windows replace the trace's for its nodes.
    pub fn declare_population(&mut self, population: &Population) -> Result<(), PopulationError> {
        match population {
            Population::Count(total) => {
                let named = self.nodes.len() as u64;
                if *total < named {
                    return Err(PopulationError(format!(
                        "the trace names {named} nodes, more than the declared population of \
                         {total}; declare at least {named}"
                    )));
                }
                self.unnamed_nodes = total - named;
            }
            Population::Names(names) => {
                let known: std::collections::HashMap<String, usize> = self
                    .nodes
                    .iter()
                    .enumerate()
                    .map(|(i, n)| (n.name.clone(), i))
                    .collect();
                for (name, service) in names {
                    match known.get(name) {
                        Some(&i) => {
                            if let Some(service) = service {
                                self.nodes[i].service = service.within(self.span, false);
                            }
                        }
                        None => self.nodes.push(Node {
                            name: name.clone(),
                            attrs: Default::default(),
                            service: service.unwrap_or_default().within(self.span, false),
                        }),
                    }
                }
            }
        }
        Ok(())
    }
}
