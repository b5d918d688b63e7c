//! Fault sweeps split over a cluster's scheduler (`replay --seeds A..B --shard I/N`, Slurm job
//! arrays, Kubernetes Indexed Jobs) and merged back exactly (`faultline merge`).
//!
//! Shard `I` of `N` runs a contiguous block of the seeds (the first `len % N` blocks one seed
//! longer) and writes `shard-I.parquet`: one row per seed holding everything the sweep's report
//! sums or lists ([`SeedRow`]), plus, on every row, what the shards must agree on — the sweep's
//! header, a hash of its settings, faultline's version and the command line. Merging reads the
//! shards, refuses any that disagree or any seed missing or repeated, and reduces the rows in seed
//! order with the same function as the unsplit sweep, so it prints the same bytes. The file is
//! plain Parquet: DuckDB, Spark or polars can query it (`seed`, `failed`, `violation_count`,
//! `first_violation`, `events`, ... as columns; the nested fields as JSON text). Each row also
//! carries its run's latency histograms whole (`latency`: metric → HdrHistogram's V2 encoding,
//! in hex), so the pooled percentiles of a merged sweep are exactly the unsplit sweep's.

use std::collections::BTreeMap;
use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2Serializer};
use polars::prelude::*;
use thiserror::Error;

use crate::harness::fault_sweep::{FirstViolation, SeedRow, SweepHeader};
use crate::sim::metrics::MAX_LATENCY;
use crate::trace::parquet_safe::{ReadError, read_frame};

/// One shard of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// From 0 to `count - 1`, as Slurm's `--array=0-(N-1)` and Kubernetes' indexes count.
    pub index: u32,
    /// Shards in all.
    pub count: u32,
}

/// Why sharding or merging cannot go on.
#[derive(Debug, Error)]
pub enum ShardError {
    /// A `--shard` that is not `I/N` with `I < N`.
    #[error("`{0}` is not a shard: give I/N with 0 ≤ I < N, e.g. 0/4")]
    Spec(String),
    /// An environment variable that does not hold a shard index or count.
    #[error("{name}=`{value}` is not a whole number")]
    Env {
        /// The variable.
        name: &'static str,
        /// Its value.
        value: String,
    },
    /// `JOB_COMPLETION_INDEX` without the count.
    #[error("JOB_COMPLETION_INDEX is set: give --shards N (the Indexed Job's completions)")]
    NoCount,
    /// More shards than seeds.
    #[error("{shards} shards for {seeds} seeds: give at most one shard per seed")]
    TooMany {
        /// Shards.
        shards: u32,
        /// Seeds.
        seeds: u64,
    },
    /// The file could not be read or written.
    #[error("{path}: cannot read or write it")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not a shard of faultline's.
    #[error("{path}: not a shard file: {reason}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// Shards that do not belong together.
    #[error("{path} does not belong with {first}: {what} differ ({this} against {that})")]
    Mixed {
        /// The odd file.
        path: PathBuf,
        /// The first file read.
        first: PathBuf,
        /// What differs.
        what: &'static str,
        /// Its value here.
        this: String,
        /// The first file's.
        that: String,
    },
    /// Shards missing or repeated.
    #[error("{0}")]
    Incomplete(String),
    /// No shard file given or found.
    #[error("no shard-*.parquet file in {0}")]
    Empty(String),
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || ShardError::Spec(text.to_string());
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let index: u32 = i.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

impl Shard {
    /// The shard a scheduler gave this process, if any: Slurm's `SLURM_ARRAY_TASK_ID` and
    /// `SLURM_ARRAY_TASK_COUNT`, or Kubernetes' `JOB_COMPLETION_INDEX` with `shards`.
    pub fn from_env(
        var: impl Fn(&str) -> Option<String>,
        shards: Option<u32>,
    ) -> Result<Option<Shard>, ShardError> {
        let number = |name: &'static str| -> Result<Option<u32>, ShardError> {
            var(name)
                .map(|value| {
                    value
                        .trim()
                        .parse()
                        .map_err(|_| ShardError::Env { name, value })
                })
                .transpose()
        };
        let (index, count) = match number("SLURM_ARRAY_TASK_ID")? {
            Some(index) => (index, number("SLURM_ARRAY_TASK_COUNT")?.or(shards)),
            None => match number("JOB_COMPLETION_INDEX")? {
                Some(index) => (index, shards),
                None => return Ok(None),
            },
        };
        let count = count.ok_or(ShardError::NoCount)?;
        format!("{index}/{count}").parse().map(Some)
    }

    /// This shard's seeds of `seeds`: contiguous blocks, the first `len % count` one longer.
    pub fn seeds(&self, seeds: &RangeInclusive<u64>) -> Result<RangeInclusive<u64>, ShardError> {
        let len = seeds.end() - seeds.start() + 1;
        if u64::from(self.count) > len {
            return Err(ShardError::TooMany {
                shards: self.count,
                seeds: len,
            });
        }
        let (n, i) = (u64::from(self.count), u64::from(self.index));
        let (base, extra) = (len / n, len % n);
        let first = seeds.start() + i * base + i.min(extra);
        let size = base + u64::from(i < extra);
        Ok(first..=first + size - 1)
    }
}

/// A stable hash of a sweep's settings (FNV-1a, 64 bits, hex), for shards to prove they belong
/// together.
pub fn settings_hash(settings: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in settings.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// What every row of a shard carries besides the seed's own figures.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardInfo {
    /// The sweep's header.
    pub header: SweepHeader,
    /// [`settings_hash`] of its settings.
    pub settings: String,
    /// faultline's version.
    pub version: String,
    /// The command line, as JSON (for the hint that replays a failing seed).
    pub command: String,
    /// Which shard.
    pub shard: Shard,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> ShardError + '_ {
    move |source| ShardError::Io {
        path: path.to_path_buf(),
        source,
    }
}

fn json(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

/// A run's latency histograms as JSON text: metric → its HdrHistogram V2 encoding, in hex.
fn histograms_text(latency: &BTreeMap<String, Histogram<u64>>) -> PolarsResult<String> {
    let mut encoded = BTreeMap::new();
    for (metric, histogram) in latency {
        let mut bytes = Vec::new();
        V2Serializer::new()
            .serialize(histogram, &mut bytes)
            .map_err(|e| {
                PolarsError::ComputeError(format!("histogram `{metric}`: {e:?}").into())
            })?;
        let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        encoded.insert(metric.as_str(), hex);
    }
    Ok(json(&encoded))
}

/// The histograms [`histograms_text`] wrote.
fn histograms_of(text: &str) -> Result<BTreeMap<String, Histogram<u64>>, String> {
    let encoded: BTreeMap<String, String> =
        serde_json::from_str(text).map_err(|e| e.to_string())?;
    encoded
        .into_iter()
        .map(|(metric, hex)| {
            let bytes = (0..hex.len())
                .step_by(2)
                .map(|i| {
                    hex.get(i..i + 2)
                        .and_then(|b| u8::from_str_radix(b, 16).ok())
                })
                .collect::<Option<Vec<u8>>>()
                .ok_or_else(|| format!("histogram `{metric}` is not hex"))?;
            check_v2_header(&bytes).map_err(|e| format!("histogram `{metric}`: {e}"))?;
            let histogram = Deserializer::new()
                .deserialize(&mut bytes.as_slice())
                .map_err(|e| format!("histogram `{metric}`: {e:?}"))?;
            Ok((metric, histogram))
        })
        .collect()
}

/// Checks a V2 encoding's header before it is decoded: the bounds every run's histograms have
/// (1 ns to [`MAX_LATENCY`], 3 significant figures), and a payload as long as the bytes given
/// — a damaged or hostile header could otherwise make the decoder allocate gigabytes.
fn check_v2_header(bytes: &[u8]) -> Result<(), String> {
    let field = |at: usize, len: usize| -> Result<u64, String> {
        let slice = bytes.get(at..at + len).ok_or("too short for its header")?;
        Ok(slice.iter().fold(0u64, |n, b| n << 8 | u64::from(*b)))
    };
    let payload = field(4, 4)?;
    let (figures, lowest, highest) = (field(12, 4)?, field(16, 8)?, field(24, 8)?);
    if (figures, lowest, highest) != (3, 1, MAX_LATENCY) {
        return Err(format!(
            "bounds {lowest}..{highest} with {figures} figures, not the runs' 1..{MAX_LATENCY} with 3"
        ));
    }
    if payload != bytes.len().saturating_sub(40) as u64 {
        return Err("its payload length does not match its bytes".into());
    }
    Ok(())
}

/// The shard's rows as a table.
fn frame(info: &ShardInfo, rows: &[SeedRow]) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let same = |v: &str| vec![v.to_string(); n];
    let h = &info.header;
    let columns = vec![
        Column::new(
            "seed".into(),
            rows.iter().map(|r| r.seed).collect::<Vec<_>>(),
        ),
        Column::new(
            "failed".into(),
            rows.iter()
                .map(|r| !r.violations.is_empty())
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "violation_count".into(),
            rows.iter()
                .map(|r| r.violations.len() as u64)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "first_violation".into(),
            rows.iter()
                .map(|r| r.violations.first().map(|v| v.name.clone()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "sim_time_s".into(),
            rows.iter().map(|r| r.sim_time_s).collect::<Vec<_>>(),
        ),
        Column::new(
            "events".into(),
            rows.iter().map(|r| r.events).collect::<Vec<_>>(),
        ),
        Column::new(
            "messages".into(),
            rows.iter().map(|r| r.messages).collect::<Vec<_>>(),
        ),
        Column::new(
            "progress_done".into(),
            rows.iter()
                .map(|r| r.progress.as_ref().map(|p| p.0))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "progress_asked".into(),
            rows.iter()
                .map(|r| r.progress.as_ref().map(|p| p.1))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "progress_what".into(),
            rows.iter()
                .map(|r| r.progress.as_ref().map(|p| p.2.clone()))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "checked".into(),
            rows.iter().map(|r| json(&r.checked)).collect::<Vec<_>>(),
        ),
        Column::new(
            "violations".into(),
            rows.iter().map(|r| json(&r.violations)).collect::<Vec<_>>(),
        ),
        Column::new(
            "latency".into(),
            rows.iter()
                .map(|r| histograms_text(&r.latency))
                .collect::<PolarsResult<Vec<_>>>()?,
        ),
        Column::new("protocol".into(), same(&h.protocol)),
        Column::new("nodes".into(), vec![h.nodes; n]),
        Column::new("seed_from".into(), vec![h.seed_from; n]),
        Column::new("seed_to".into(), vec![h.seed_to; n]),
        Column::new("faults".into(), same(&h.faults)),
        Column::new("settings_hash".into(), same(&info.settings)),
        Column::new("version".into(), same(&info.version)),
        Column::new("command".into(), same(&info.command)),
        Column::new("shard".into(), vec![info.shard.index; n]),
        Column::new("shards".into(), vec![info.shard.count; n]),
    ];
    DataFrame::new_infer_height(columns)
}

/// The shard's rows as a Parquet file.
pub fn to_parquet(info: &ShardInfo, rows: &[SeedRow]) -> PolarsResult<Vec<u8>> {
    let mut df = frame(info, rows)?;
    let mut out = std::io::Cursor::new(Vec::new());
    ParquetWriter::new(&mut out).finish(&mut df)?;
    Ok(out.into_inner())
}

/// Writes the shard's rows to `path` (atomically: a partial file never has the final name).
pub fn write(path: &Path, info: &ShardInfo, rows: &[SeedRow]) -> Result<(), ShardError> {
    let bytes = to_parquet(info, rows).map_err(|e| ShardError::Format {
        path: path.to_path_buf(),
        reason: e.to_string(),
    })?;
    crate::output::write_atomically(path, |w| w.write_all(&bytes)).map_err(io(path))
}

/// A shard read back.
#[derive(Debug, Clone, PartialEq)]
pub struct ShardFile {
    /// Where from.
    pub path: PathBuf,
    /// What its rows share.
    pub info: ShardInfo,
    /// Its rows, in seed order.
    pub rows: Vec<SeedRow>,
}

/// Reads a shard written by [`write()`].
pub fn read(path: &Path) -> Result<ShardFile, ShardError> {
    let columns = Columns::read(path)?;
    let bad = |reason: String| columns.bad(reason);
    let (u64s, u32s, f64s, strs) = (
        |name| columns.u64s(name),
        |name| columns.u32s(name),
        |name| columns.f64s(name),
        |name| columns.strs(name),
    );
    let need = |v: Option<u64>, name: &str| v.ok_or_else(|| bad(format!("`{name}` is empty")));
    let text =
        |v: &Option<String>, name: &str| v.clone().ok_or_else(|| bad(format!("`{name}` is empty")));
    let (seed, sim, events, messages) = (
        u64s("seed")?,
        f64s("sim_time_s")?,
        u64s("events")?,
        u64s("messages")?,
    );
    let (done, asked, what) = (
        u64s("progress_done")?,
        u64s("progress_asked")?,
        strs("progress_what")?,
    );
    let (checked, violations) = (strs("checked")?, strs("violations")?);
    let latency = strs("latency")?;
    let (protocol, nodes, from, to, faults) = (
        strs("protocol")?,
        u32s("nodes")?,
        u64s("seed_from")?,
        u64s("seed_to")?,
        strs("faults")?,
    );
    let (hash, version, command, shard, shards) = (
        strs("settings_hash")?,
        strs("version")?,
        strs("command")?,
        u32s("shard")?,
        u32s("shards")?,
    );
    if seed.is_empty() {
        return Err(bad("it has no rows".into()));
    }
    let mut rows = Vec::with_capacity(seed.len());
    for i in 0..seed.len() {
        let progress = match (done[i], asked[i], &what[i]) {
            (Some(d), Some(a), Some(w)) => Some((d, a, w.clone())),
            _ => None,
        };
        let parsed =
            |v: &Option<String>, name: &str| -> Result<String, ShardError> { text(v, name) };
        let checked: Vec<String> = serde_json::from_str(&parsed(&checked[i], "checked")?)
            .map_err(|e| bad(format!("`checked`: {e}")))?;
        let violations: Vec<FirstViolation> =
            serde_json::from_str(&parsed(&violations[i], "violations")?)
                .map_err(|e| bad(format!("`violations`: {e}")))?;
        rows.push(SeedRow {
            seed: need(seed[i], "seed")?,
            sim_time_s: sim[i].ok_or_else(|| bad("`sim_time_s` is empty".into()))?,
            events: need(events[i], "events")?,
            messages: need(messages[i], "messages")?,
            checked,
            violations,
            progress,
            latency: histograms_of(&parsed(&latency[i], "latency")?)
                .map_err(|e| bad(format!("`latency`: {e}")))?,
        });
    }
    let index = shard[0].ok_or_else(|| bad("`shard` is empty".into()))?;
    let count = shards[0].ok_or_else(|| bad("`shards` is empty".into()))?;
    let info = ShardInfo {
        header: SweepHeader {
            protocol: text(&protocol[0], "protocol")?,
            nodes: nodes[0].ok_or_else(|| bad("`nodes` is empty".into()))?,
            seed_from: need(from[0], "seed_from")?,
            seed_to: need(to[0], "seed_to")?,
            faults: text(&faults[0], "faults")?,
        },
        settings: text(&hash[0], "settings_hash")?,
        version: text(&version[0], "version")?,
        command: text(&command[0], "command")?,
        shard: format!("{index}/{count}")
            .parse()
            .map_err(|e: ShardError| bad(e.to_string()))?,
    };
    Ok(ShardFile {
        path: path.to_path_buf(),
        info,
        rows,
    })
}

/// Checks that `shards` are all the shards of one sweep and returns its header, its command
/// and every row in seed order.
pub fn combine(mut shards: Vec<ShardFile>) -> Result<(ShardInfo, Vec<SeedRow>), ShardError> {
    let Some(first) = shards.first().cloned() else {
        return Err(ShardError::Empty("the paths given".into()));
    };
    for s in &shards[1..] {
        let (h, f) = (&s.info.header, &first.info.header);
        first_difference(
            &s.path,
            &first.path,
            [
                ("versions", &s.info.version, &first.info.version),
                ("protocols", &h.protocol, &f.protocol),
                ("node counts", &h.nodes.to_string(), &f.nodes.to_string()),
                (
                    "seed ranges",
                    &format!("{}..{}", h.seed_from, h.seed_to),
                    &format!("{}..{}", f.seed_from, f.seed_to),
                ),
                (
                    "other settings (delay, timeout, faults, ...; their hashes)",
                    &s.info.settings,
                    &first.info.settings,
                ),
                (
                    "shard counts",
                    &s.info.shard.count.to_string(),
                    &first.info.shard.count.to_string(),
                ),
            ],
        )?;
    }
    shards.sort_by_key(|s| s.info.shard.index);
    let have: Vec<u32> = shards.iter().map(|s| s.info.shard.index).collect();
    check_complete(&have, first.info.shard.count)?;
    let mut rows: Vec<SeedRow> = shards.into_iter().flat_map(|s| s.rows).collect();
    rows.sort_by_key(|r| r.seed);
    let h = &first.info.header;
    let expected: Vec<u64> = (h.seed_from..=h.seed_to).collect();
    let seeds: Vec<u64> = rows.iter().map(|r| r.seed).collect();
    if seeds != expected {
        return Err(ShardError::Incomplete(format!(
            "the shards' seeds are not exactly {}..{}",
            h.seed_from, h.seed_to
        )));
    }
    Ok((first.info, rows))
}

/// Refuses a shard (at `path`) that differs from the first one read (at `first`) in any of
/// `checks` (what, its value, the first's), naming the first difference.
pub(crate) fn first_difference<const N: usize>(
    path: &Path,
    first: &Path,
    checks: [(&'static str, &String, &String); N],
) -> Result<(), ShardError> {
    match checks.into_iter().find(|(_, this, that)| this != that) {
        Some((what, this, that)) => Err(ShardError::Mixed {
            path: path.to_path_buf(),
            first: first.to_path_buf(),
            what,
            this: this.clone(),
            that: that.clone(),
        }),
        None => Ok(()),
    }
}

/// Missing shards named in an error; the rest are counted.
const NAMED_MISSING: usize = 10;

/// Checks that the shards' indexes `have` (sorted) are `0..count`, each once. Takes time in
/// the shards given, not in `count` (a damaged file may claim billions of shards).
pub(crate) fn check_complete(have: &[u32], count: u32) -> Result<(), ShardError> {
    let mut distinct = have.to_vec();
    distinct.dedup();
    let present = distinct.iter().filter(|&&i| i < count).count();
    let missing = count as usize - present;
    if missing > 0 {
        let mut given = distinct.iter().copied().peekable();
        let named: Vec<String> = (0..count)
            .filter(|&i| {
                while given.next_if(|&g| g < i).is_some() {}
                given.peek() != Some(&i)
            })
            .take(NAMED_MISSING)
            .map(|i| i.to_string())
            .collect();
        let (which, verb) = if missing == 1 {
            ("shard", "is")
        } else {
            ("shards", "are")
        };
        let more = match missing - named.len() {
            0 => String::new(),
            rest => format!(" and {rest} more"),
        };
        return Err(ShardError::Incomplete(format!(
            "{which} {}{more} of {count} {verb} missing (run each with --shard I/{count})",
            named.join(", ")
        )));
    }
    if have.windows(2).any(|w| w[0] == w[1]) {
        return Err(ShardError::Incomplete(
            "a shard is given twice (two copies of one file?)".into(),
        ));
    }
    Ok(())
}

/// A shard file's columns, read by name and type; errors name the file. The read is contained
/// ([`read_frame`]): a damaged file is an error, not a panic or an abort.
pub(crate) struct Columns {
    path: PathBuf,
    df: DataFrame,
}

impl Columns {
    /// Reads the file at `path`.
    pub(crate) fn read(path: &Path) -> Result<Self, ShardError> {
        let bad = |reason: String| ShardError::Format {
            path: path.to_path_buf(),
            reason,
        };
        let df = read_frame(path).map_err(|e| match e {
            ReadError::Io(source) => io(path)(source),
            ReadError::Damaged(reason) => bad(reason),
        })?;
        Ok(Columns {
            path: path.to_path_buf(),
            df,
        })
    }

    /// What is wrong with the file.
    pub(crate) fn bad(&self, reason: String) -> ShardError {
        ShardError::Format {
            path: self.path.clone(),
            reason,
        }
    }

    fn series(&self, name: &str) -> Result<Series, ShardError> {
        self.df
            .column(name)
            .map(|c| c.as_materialized_series().clone())
            .map_err(|_| self.bad(format!("no column `{name}`")))
    }

    fn typed(&self, name: &str, e: PolarsError) -> ShardError {
        self.bad(format!("column `{name}`: {e}"))
    }

    /// A column of unsigned 64-bit integers.
    pub(crate) fn u64s(&self, name: &str) -> Result<Vec<Option<u64>>, ShardError> {
        let s = self.series(name)?;
        let ca = s.u64().map_err(|e| self.typed(name, e))?;
        Ok(ca.iter().collect())
    }

    /// A column of unsigned 32-bit integers.
    pub(crate) fn u32s(&self, name: &str) -> Result<Vec<Option<u32>>, ShardError> {
        let s = self.series(name)?;
        let ca = s.u32().map_err(|e| self.typed(name, e))?;
        Ok(ca.iter().collect())
    }

    /// A column of floats.
    pub(crate) fn f64s(&self, name: &str) -> Result<Vec<Option<f64>>, ShardError> {
        let s = self.series(name)?;
        let ca = s.f64().map_err(|e| self.typed(name, e))?;
        Ok(ca.iter().collect())
    }

    /// A column of text.
    pub(crate) fn strs(&self, name: &str) -> Result<Vec<Option<String>>, ShardError> {
        let s = self.series(name)?;
        let ca = s.str().map_err(|e| self.typed(name, e))?;
        Ok(ca.iter().map(|v| v.map(str::to_string)).collect())
    }
}

/// The shard files of `paths`: files as given, and every `shard-*.parquet` in folders.
pub fn files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, ShardError> {
    let mut out = Vec::new();
    for path in paths {
        if path.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(path)
                .map_err(io(path))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".parquet"))
                })
                .collect();
            if found.is_empty() {
                return Err(ShardError::Empty(path.display().to_string()));
            }
            found.sort();
            out.extend(found);
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_shards_are_named_up_to_ten_and_the_rest_counted() {
        let message = |have: &[u32], count| match check_complete(have, count) {
            Err(ShardError::Incomplete(m)) => m,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            message(&[0, 2], 4),
            "shards 1, 3 of 4 are missing (run each with --shard I/4)"
        );
        assert_eq!(
            message(&[1], 2),
            "shard 0 of 2 is missing (run each with --shard I/2)"
        );
        // A damaged file claiming four billion shards: answered at once.
        assert_eq!(
            message(&[0, 3], 4_000_000_000),
            "shards 1, 2, 4, 5, 6, 7, 8, 9, 10, 11 and 3999999988 more of 4000000000 are \
             missing (run each with --shard I/4000000000)"
        );
        assert!(message(&[0, 0, 1], 2).contains("given twice"));
        assert!(check_complete(&[0, 1, 2], 3).is_ok());
    }

    #[test]
    fn shards_split_the_seeds_into_contiguous_blocks() {
        let seeds = 1..=10;
        let blocks: Vec<RangeInclusive<u64>> = (0..3)
            .map(|i| Shard { index: i, count: 3 }.seeds(&seeds).unwrap())
            .collect();
        assert_eq!(blocks, vec![1..=4, 5..=7, 8..=10]);
        assert!(
            Shard {
                index: 0,
                count: 11
            }
            .seeds(&seeds)
            .is_err()
        );
        assert!("3/3".parse::<Shard>().is_err());
        assert_eq!(
            "2/4".parse::<Shard>().unwrap(),
            Shard { index: 2, count: 4 }
        );
    }

    #[test]
    fn schedulers_name_the_shard_in_the_environment() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| v.to_string())
            }
        };
        let slurm = env(&[
            ("SLURM_ARRAY_TASK_ID", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "4"),
        ]);
        assert_eq!(
            Shard::from_env(slurm, None).unwrap(),
            Some(Shard { index: 2, count: 4 })
        );
        let k8s = env(&[("JOB_COMPLETION_INDEX", "1")]);
        assert!(matches!(
            Shard::from_env(k8s, None),
            Err(ShardError::NoCount)
        ));
        assert_eq!(
            Shard::from_env(k8s, Some(3)).unwrap(),
            Some(Shard { index: 1, count: 3 })
        );
        assert_eq!(Shard::from_env(env(&[]), Some(3)).unwrap(), None);
        assert_eq!(settings_hash("a"), settings_hash("a"));
        assert_ne!(settings_hash("a"), settings_hash("b"));
    }
}
