//! Timeout sweeps (`faultline sweep`) split over a cluster's scheduler and merged back exactly.
//!
//! A sweep's runs are its candidates × seeds, in [`jobs`](super::timeout_sweep::jobs) order;
//! shard `I` of `N` runs a contiguous block of them (split as fault sweeps split seeds) and
//! writes `shard-I.parquet`: one row per run with what the rows are reduced from ([`Measured`]:
//! its figures as typed columns, so every float comes back bit for bit, and its detection times
//! in nanoseconds as a JSON list), and on every row the sweep's fingerprint hash, faultline's
//! version, the command line and the shard. Every detection time travels with its run, so the
//! merged percentiles are exact. Merging reads
//! the shards, checks that they belong together and that every run is there once, and reduces
//! the runs in order with the sweep's own function — the same bytes as the unsharded sweep.
//! The settings themselves come from the command line the shards recorded, read again by the
//! merging command, whose fingerprint must match the shards'.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::shard::{Columns, Shard, ShardError, check_complete, first_difference};
use super::timeout_sweep::Measured;
use crate::trace::parquet_safe::{ReadError, contained, read_checked};

/// What every row of a sweep shard shares.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepShardInfo {
    /// [`super::shard::settings_hash`] of the sweep's fingerprint.
    pub settings: String,
    /// faultline's version.
    pub version: String,
    /// The command line (arguments after `faultline`), as JSON.
    pub command: String,
    /// Runs in the whole sweep.
    pub jobs: u64,
    /// Which shard.
    pub shard: Shard,
}

fn format_error(path: &Path) -> impl Fn(String) -> ShardError + '_ {
    move |reason| ShardError::Format {
        path: path.to_path_buf(),
        reason,
    }
}

/// The shard's runs as a Parquet file; `first` is the index of its first run in the sweep.
pub fn to_parquet(info: &SweepShardInfo, first: u64, runs: &[Measured]) -> PolarsResult<Vec<u8>> {
    let n = runs.len();
    let same = |v: &str| vec![v.to_string(); n];
    let detections: Vec<String> = runs
        .iter()
        .map(|r| serde_json::to_string(&r.detection).unwrap_or_default())
        .collect();
    let mut df = DataFrame::new_infer_height(vec![
        Column::new("run".into(), (first..first + n as u64).collect::<Vec<_>>()),
        Column::new(
            "candidate".into(),
            runs.iter().map(|r| r.candidate as u64).collect::<Vec<_>>(),
        ),
        Column::new(
            "seed".into(),
            runs.iter().map(|r| r.seed).collect::<Vec<_>>(),
        ),
        Column::new(
            "mistake_rate_per_node_hour".into(),
            runs.iter()
                .map(|r| r.mistake_rate_per_node_hour)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "query_accuracy".into(),
            runs.iter().map(|r| r.query_accuracy).collect::<Vec<_>>(),
        ),
        Column::new(
            "mistake_duration_mean_s".into(),
            runs.iter()
                .map(|r| r.mistake_duration_mean_s)
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "missed_detections".into(),
            runs.iter().map(|r| r.missed_detections).collect::<Vec<_>>(),
        ),
        Column::new(
            "elections".into(),
            runs.iter()
                .map(|r| r.leadership.map(|l| l.0))
                .collect::<Vec<_>>(),
        ),
        Column::new(
            "leader_availability".into(),
            runs.iter()
                .map(|r| r.leadership.map(|l| l.1))
                .collect::<Vec<_>>(),
        ),
        Column::new("detection_ns".into(), detections),
        Column::new("settings_hash".into(), same(&info.settings)),
        Column::new("version".into(), same(&info.version)),
        Column::new("command".into(), same(&info.command)),
        Column::new("jobs".into(), vec![info.jobs; n]),
        Column::new("shard".into(), vec![info.shard.index; n]),
        Column::new("shards".into(), vec![info.shard.count; n]),
    ])?;
    let mut out = std::io::Cursor::new(Vec::new());
    ParquetWriter::new(&mut out).finish(&mut df)?;
    Ok(out.into_inner())
}

/// A sweep shard read back.
#[derive(Debug, Clone)]
pub struct SweepShardFile {
    /// Where from.
    pub path: PathBuf,
    /// What its rows share.
    pub info: SweepShardInfo,
    /// Its runs with their indexes in the sweep.
    pub runs: Vec<(u64, Measured)>,
}

/// Whether the shard at `path` is a timeout sweep's (it has a `detection_ns` column), not a
/// fault sweep's.
pub fn is_sweep_shard(path: &Path) -> Result<bool, ShardError> {
    let checked = read_checked(path).map_err(|e| match e {
        ReadError::Io(source) => ShardError::Io {
            path: path.to_path_buf(),
            source,
        },
        ReadError::Damaged(reason) => format_error(path)(reason),
    })?;
    let schema = contained(|| checked.reader().schema())
        .map_err(|reason| format_error(path)(format!("the file is damaged ({reason})")))?
        .map_err(|e| format_error(path)(e.to_string()))?;
    Ok(schema.contains("detection_ns"))
}

/// Reads a shard written by [`to_parquet`].
pub fn read(path: &Path) -> Result<SweepShardFile, ShardError> {
    let columns = Columns::read(path)?;
    let bad = |reason: String| columns.bad(reason);
    fn whole<T>(
        values: Vec<Option<T>>,
        name: &str,
        bad: &impl Fn(String) -> ShardError,
    ) -> Result<Vec<T>, ShardError> {
        values
            .into_iter()
            .map(|v| v.ok_or_else(|| bad(format!("`{name}` is empty"))))
            .collect()
    }
    let (u64s, u32s, f64s, strs) = (
        |name| columns.u64s(name),
        |name| columns.u32s(name),
        |name| columns.f64s(name),
        |name| columns.strs(name),
    );
    let index = whole(u64s("run")?, "run", &bad)?;
    let candidate = whole(u64s("candidate")?, "candidate", &bad)?;
    let seed = whole(u64s("seed")?, "seed", &bad)?;
    let rate = whole(
        f64s("mistake_rate_per_node_hour")?,
        "mistake_rate_per_node_hour",
        &bad,
    )?;
    let accuracy = whole(f64s("query_accuracy")?, "query_accuracy", &bad)?;
    let missed = whole(u64s("missed_detections")?, "missed_detections", &bad)?;
    let duration = f64s("mistake_duration_mean_s")?;
    let (elections, leader) = (u64s("elections")?, f64s("leader_availability")?);
    let detections = whole(strs("detection_ns")?, "detection_ns", &bad)?;
    let hash = whole(strs("settings_hash")?, "settings_hash", &bad)?;
    let version = whole(strs("version")?, "version", &bad)?;
    let command = whole(strs("command")?, "command", &bad)?;
    let jobs = whole(u64s("jobs")?, "jobs", &bad)?;
    let shard = whole(u32s("shard")?, "shard", &bad)?;
    let shards = whole(u32s("shards")?, "shards", &bad)?;
    if index.is_empty() {
        return Err(bad("it has no rows".into()));
    }
    let mut runs = Vec::with_capacity(index.len());
    for i in 0..index.len() {
        let detection: Vec<u64> = serde_json::from_str(&detections[i])
            .map_err(|e| bad(format!("row {}: `detection_ns`: {e}", i + 1)))?;
        let measured = Measured {
            candidate: usize::try_from(candidate[i])
                .map_err(|e| bad(format!("row {}: `candidate`: {e}", i + 1)))?,
            seed: seed[i],
            detection,
            mistake_rate_per_node_hour: rate[i],
            mistake_duration_mean_s: duration[i],
            query_accuracy: accuracy[i],
            missed_detections: missed[i],
            leadership: elections[i].zip(leader[i]),
        };
        runs.push((index[i], measured));
    }
    Ok(SweepShardFile {
        path: path.to_path_buf(),
        info: SweepShardInfo {
            settings: hash[0].clone(),
            version: version[0].clone(),
            command: command[0].clone(),
            jobs: jobs[0],
            shard: Shard {
                index: shard[0],
                count: shards[0],
            },
        },
        runs,
    })
}

/// Checks that the shards make one whole sweep — same settings, version and shard count, every
/// shard once, every run once — and returns what they share and every run, in order.
pub fn combine(
    mut shards: Vec<SweepShardFile>,
) -> Result<(SweepShardInfo, Vec<Measured>), ShardError> {
    let Some(first) = shards.first().cloned() else {
        return Err(ShardError::Empty("the paths given".into()));
    };
    for s in &shards[1..] {
        let (a, b) = (&s.info, &first.info);
        first_difference(
            &s.path,
            &first.path,
            [
                ("versions", &a.version, &b.version),
                (
                    "settings (candidates, seeds, delay, faults, ...; their hashes)",
                    &a.settings,
                    &b.settings,
                ),
                (
                    "shard counts",
                    &a.shard.count.to_string(),
                    &b.shard.count.to_string(),
                ),
            ],
        )?;
    }
    shards.sort_by_key(|s| s.info.shard.index);
    let have: Vec<u32> = shards.iter().map(|s| s.info.shard.index).collect();
    check_complete(&have, first.info.shard.count)?;
    let mut runs: Vec<(u64, Measured)> = shards.into_iter().flat_map(|s| s.runs).collect();
    runs.sort_by_key(|(i, _)| *i);
    if !runs.iter().map(|(i, _)| *i).eq(0..first.info.jobs) {
        return Err(ShardError::Incomplete(format!(
            "the shards' runs are not exactly the sweep's {}",
            first.info.jobs
        )));
    }
    Ok((first.info, runs.into_iter().map(|(_, m)| m).collect()))
}
