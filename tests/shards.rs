//! Fault sweeps in shards: merged, they print exactly what the unsharded sweep prints (table and
//! JSON, exit code included, pooled latency percentiles too) for any number of shards, even or
//! not; shards of different
//! settings, a missing shard and a shard given twice are refused; Slurm's and Kubernetes'
//! environment variables pick the shard.

mod common;

use std::path::Path;
use std::process::Output;

use common::{faultline, input_error};

const SWEEP: [&str; 9] = [
    "replay",
    "--protocol",
    "multi-paxos",
    "--nodes",
    "5",
    "--seeds",
    "1..20",
    "--broken-acceptor",
    "-q",
];

fn shard(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut args: Vec<&str> = SWEEP.to_vec();
    let out = dir.to_string_lossy().to_string();
    args.extend(["--out", &out]);
    args.extend(extra);
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_faultline"));
    command.args(&args).current_dir(common::root());
    for (k, v) in env {
        command.env(k, v);
    }
    command.output().expect("faultline runs")
}

fn merged(dir: &Path, format: &str) -> Output {
    faultline(&["merge", &dir.to_string_lossy(), "--format", format])
}

#[test]
fn merged_shards_print_what_the_unsharded_sweep_prints() {
    for format in ["table", "json"] {
        // (As the shards are run: the table is the default, and the hint to replay a failing
        // seed repeats the sweep's own flags.)
        let mut args: Vec<&str> = SWEEP.to_vec();
        if format == "json" {
            args.extend(["--format", "json"]);
        }
        let whole = faultline(&args);
        assert_eq!(
            whole.status.code(),
            Some(1),
            "the broken acceptor fails seeds"
        );
        if format == "json" {
            // One commit-latency sample per committed command, pooled over the 20 runs.
            let report: serde_json::Value = serde_json::from_slice(&whole.stdout).expect("JSON");
            assert_eq!(report["progress"]["done"], 5792);
            assert_eq!(report["latency"]["commit"]["count"], 5792);
        }
        for n in [1u32, 2, 3, 7] {
            let dir = tempfile::tempdir().expect("a folder");
            for i in 0..n {
                let out = shard(dir.path(), &["--shard", &format!("{i}/{n}")], &[]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let merge = merged(dir.path(), format);
            assert_eq!(merge.stdout, whole.stdout, "{n} shards, {format}");
            assert_eq!(merge.status.code(), Some(1));
        }
    }
}

#[test]
fn schedulers_pick_the_shard_from_the_environment() {
    let dir = tempfile::tempdir().expect("a folder");
    for i in 0..4 {
        let id = i.to_string();
        let out = shard(
            dir.path(),
            &[],
            &[
                ("SLURM_ARRAY_TASK_ID", &id),
                ("SLURM_ARRAY_TASK_COUNT", "4"),
            ],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let k8s = tempfile::tempdir().expect("a folder");
    for i in 0..3 {
        let id = i.to_string();
        let out = shard(
            k8s.path(),
            &["--shards", "3"],
            &[("JOB_COMPLETION_INDEX", &id)],
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_eq!(
        merged(dir.path(), "json").stdout,
        merged(k8s.path(), "json").stdout
    );
}

#[test]
fn merge_refuses_shards_that_do_not_make_one_sweep() {
    let dir = tempfile::tempdir().expect("a folder");
    shard(dir.path(), &["--shard", "0/3"], &[]);
    shard(dir.path(), &["--shard", "2/3"], &[]);
    let e = input_error(&["merge", &dir.path().to_string_lossy()]);
    assert!(e.contains("shard 1 of 3 is missing"), "{e}");
    // Shard 1 of a sweep with other settings (a different delay).
    let other = tempfile::tempdir().expect("a folder");
    shard(
        other.path(),
        &["--shard", "1/3", "--delay", "const:2ms"],
        &[],
    );
    std::fs::copy(
        other.path().join("shard-1.parquet"),
        dir.path().join("shard-1.parquet"),
    )
    .expect("copy");
    let e = input_error(&["merge", &dir.path().to_string_lossy()]);
    assert!(e.contains("other settings"), "{e}");
    let e = input_error(&["merge", "fixtures/replay/faults.csv"]);
    assert!(e.contains("not a shard file"), "{e}");
    let e = input_error(&[
        "replay",
        "--protocol",
        "paxos",
        "--nodes",
        "3",
        "--seeds",
        "1..2",
        "--shard",
        "0/3",
        "--out",
        "/tmp/unused",
    ]);
    assert!(e.contains("3 shards for 2 seeds"), "{e}");
}

/// `--format parquet` without a shard writes the whole sweep's rows to stdout, as shard 0 of 1:
/// merged, it prints what the sweep prints.
#[test]
fn a_sweep_as_parquet_is_one_whole_shard() {
    let mut args: Vec<&str> = SWEEP.to_vec();
    args.extend(["--format", "parquet"]);
    let rows = faultline(&args);
    assert_eq!(
        rows.status.code(),
        Some(1),
        "the broken acceptor fails seeds"
    );
    assert_eq!(&rows.stdout[..4], b"PAR1");
    let dir = tempfile::tempdir().expect("a folder");
    std::fs::write(dir.path().join("shard-0.parquet"), &rows.stdout).expect("written");
    let whole = faultline(&SWEEP);
    assert_eq!(merged(dir.path(), "table").stdout, whole.stdout);
    let e = input_error(&[
        "replay",
        "--protocol",
        "multi-paxos",
        "--nodes",
        "3",
        "--format",
        "parquet",
    ]);
    assert!(e.contains("--seeds"), "{e}");
}

/// A timeout sweep whose runs see false suspicions (loss, slow links) and crashes.
const TIMEOUT_SWEEP: [&str; 16] = [
    "sweep",
    "--timeouts",
    "1.1s,1.5s,h+2d+r,3s",
    "--seeds",
    "3",
    "--nodes",
    "4",
    "--duration",
    "20m",
    "--loss",
    "0.05",
    "--delay",
    "exp:mean=50ms",
    "--heartbeat",
    "1s",
    "-q",
];

fn sweep_shard(dir: &Path, shard: &str, extra: &[&str]) -> Output {
    let out = dir.to_string_lossy().to_string();
    let mut args: Vec<&str> = TIMEOUT_SWEEP.to_vec();
    args.extend(["--shard", shard, "--out", &out]);
    args.extend(extra);
    faultline(&args)
}

#[test]
fn a_timeout_sweep_in_shards_merges_to_the_unsharded_sweep() {
    for format in ["table", "json", "csv"] {
        let mut args: Vec<&str> = TIMEOUT_SWEEP.to_vec();
        args.extend(["--format", format]);
        let whole = faultline(&args);
        assert!(whole.status.success());
        if format == "table" {
            let text = String::from_utf8_lossy(&whole.stdout);
            assert!(
                !text.contains("0.0000       0.0000"),
                "mistakes seen:\n{text}"
            );
        }
        // 12 runs: one shard, even and uneven splits, one run a shard.
        for n in [1u32, 2, 5, 12] {
            let dir = tempfile::tempdir().expect("a folder");
            for i in 0..n {
                let out = sweep_shard(dir.path(), &format!("{i}/{n}"), &[]);
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let merge = merged(dir.path(), format);
            assert_eq!(
                String::from_utf8_lossy(&merge.stdout),
                String::from_utf8_lossy(&whole.stdout),
                "{n} shards, {format}"
            );
        }
    }
}

#[test]
fn merge_refuses_timeout_sweep_shards_that_do_not_make_one_sweep() {
    let dir = tempfile::tempdir().expect("a folder");
    assert!(sweep_shard(dir.path(), "0/2", &[]).status.success());
    let e = input_error(&["merge", &dir.path().to_string_lossy()]);
    assert!(e.contains("shard 1 of 2 is missing"), "{e}");
    // The second half of another sweep (more seeds).
    let other = tempfile::tempdir().expect("a folder");
    let mut args: Vec<&str> = TIMEOUT_SWEEP.to_vec();
    args[4] = "4";
    let out = other.path().to_string_lossy().to_string();
    args.extend(["--shard", "1/2", "--out", &out]);
    assert!(faultline(&args).status.success());
    std::fs::copy(
        other.path().join("shard-1.parquet"),
        dir.path().join("shard-1.parquet"),
    )
    .expect("copied");
    let e = input_error(&["merge", &dir.path().to_string_lossy()]);
    assert!(e.contains("settings"), "{e}");
}
