//! Reliability of the tool itself: runs too large to fit are refused before anything is
//! allocated, a process killed at any moment leaves no partial file under a final name (and one
//! interrupted by Ctrl-C or SIGTERM leaves no temporary file at all), and the same seed gives the
//! same bytes with one thread or many.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{input_error, root};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

#[test]
fn sizes_that_cannot_fit_are_refused_with_the_limit_and_why() {
    let e = input_error(&["replay", "--protocol", "heartbeat", "--nodes", "100000000"]);
    assert!(e.contains("at most 100000 processes"), "{e}");
    for (protocol, heartbeat) in [("heartbeat", None), ("phi", None), ("bully", Some("1s"))] {
        let mut args = vec!["replay", "--protocol", protocol, "--nodes", "4097"];
        args.extend(heartbeat.iter().flat_map(|h| ["--heartbeat", h]));
        let e = input_error(&args);
        assert!(
            e.contains(
                "--nodes 4097, each watching every other, make 16781312 pairs: at most 4096 nodes"
            ),
            "{protocol}: {e}"
        );
    }
    let e = input_error(&[
        "replay",
        "--protocol",
        "multi-paxos",
        "--nodes",
        "3",
        "--clients",
        "1000",
        "--rate",
        "1000",
        "--duration",
        "1d",
    ]);
    assert!(e.contains("operations") && e.contains("at most"), "{e}");
    let e = input_error(&[
        "replay",
        "--protocol",
        "paxos",
        "--nodes",
        "3",
        "--seeds",
        "1..18446744073709551615",
    ]);
    assert!(e.contains("--shard"), "{e}");
    // 10^8 nodes failing daily for a century: 7e12 events, refused before any is made.
    let e = input_error(&[
        "gen",
        "--nodes",
        "100000000",
        "--duration",
        "100y",
        "--mttf",
        "1d",
        "--mttr",
        "1h",
        "-o",
        "/nonexistent/never-written.csv",
    ]);
    assert!(
        e.contains("7.01e12 events") && e.contains("at most 100000000"),
        "{e}"
    );
}

/// Every file under `dir`, relative to it, and whether it is a temporary one (`.partial` in the
/// name).
fn files(dir: &Path) -> Vec<(PathBuf, bool)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let partial = entry.file_name().to_string_lossy().contains(".partial");
                out.push((
                    path.strip_prefix(dir).expect("inside").to_path_buf(),
                    partial,
                ));
            }
        }
    }
    out
}

/// How a run is stopped.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// SIGKILL: nothing runs; temporary files may stay, under their temporary names.
    Kill,
    /// SIGINT (Ctrl-C) or SIGTERM (a scheduler's cancel): temporary files are removed and the
    /// exit code is 130.
    Signal(&'static str),
}

/// Runs `args` with `--out DIR` to the end once, then stops it at random moments: whatever file
/// stands under its final name must be the complete one.
fn killed_at_random(args: &[&str], seed: u64, stop: Stop) {
    let binary = env!("CARGO_BIN_EXE_faultline");
    let run = |out: &Path| {
        Command::new(binary)
            .args(args)
            .arg("--out")
            .arg(out)
            .current_dir(root())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("faultline starts")
    };
    let reference = tempfile::tempdir().expect("a folder");
    let started = Instant::now();
    let status = run(reference.path()).wait().expect("it ends");
    let full = started.elapsed();
    assert!(status.code().is_some_and(|c| c <= 1), "{args:?}: {status}");
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for _ in 0..12 {
        let dir = tempfile::tempdir().expect("a folder");
        let mut child = run(dir.path());
        let at = rng.random_range(0..full.as_millis().max(1) as u64);
        std::thread::sleep(Duration::from_millis(at));
        let status = match stop {
            Stop::Kill => {
                let _ = child.kill();
                child.wait().expect("it ends")
            }
            Stop::Signal(signal) => {
                let sent = Command::new("kill")
                    .args([signal, &child.id().to_string()])
                    .status()
                    .expect("kill runs");
                let status = child.wait().expect("it ends");
                // A run that finished before the signal exits as usual; one signalled before
                // its handler was set (at once) dies of the signal, before writing anything.
                if sent.success() {
                    assert!(
                        status.code().is_none_or(|c| c == 130 || c <= 1),
                        "{signal} at {at} ms: {status} ({args:?})"
                    );
                }
                status
            }
        };
        let all = files(dir.path());
        if let Stop::Signal(signal) = stop {
            let left: Vec<_> = all.iter().filter(|(_, partial)| *partial).collect();
            assert!(
                left.is_empty(),
                "{left:?} left after {signal} at {at} ms ({status}, {args:?})"
            );
        }
        for (file, _) in all.iter().filter(|(_, partial)| !partial) {
            let got = std::fs::read(dir.path().join(file)).expect("readable");
            let want = std::fs::read(reference.path().join(file))
                .unwrap_or_else(|e| panic!("{file:?} is not in the reference: {e}"));
            assert!(
                got == want,
                "{file:?} is partial after a kill at {at} ms ({args:?})"
            );
        }
    }
}

/// A replay of the ZooKeeper-style store through a leader crash, writing `--out`.
const ZK_REPLAY: [&str; 10] = [
    "replay",
    "--protocol",
    "zk",
    "--nodes",
    "3",
    "--clients",
    "3",
    "--trace",
    "fixtures/zk-ensemble/leader-crash.csv",
    "--quiet",
];

#[test]
fn a_killed_report_leaves_no_partial_file() {
    killed_at_random(
        &[
            "report",
            "traces/sample.csv",
            "--window",
            "0,1y",
            "--system",
            "quorum",
            "--quiet",
        ],
        1,
        Stop::Kill,
    );
}

#[test]
fn a_killed_replay_leaves_no_partial_file() {
    killed_at_random(&ZK_REPLAY, 2, Stop::Kill);
}

#[test]
fn an_interrupted_report_removes_its_temporary_files() {
    killed_at_random(
        &["report", "traces/sample.csv", "--window", "0,1y", "--quiet"],
        3,
        Stop::Signal("-INT"),
    );
}

#[test]
fn a_terminated_replay_removes_its_temporary_files() {
    killed_at_random(&ZK_REPLAY, 4, Stop::Signal("-TERM"));
}

#[test]
fn one_thread_or_many_give_the_same_bytes() {
    let commands: [&[&str]; 4] = [
        &[
            "replay",
            "--protocol",
            "multi-paxos",
            "--nodes",
            "3",
            "--seeds",
            "1..40",
            "--format",
            "json",
            "-q",
        ],
        &[
            "replay",
            "--protocol",
            "multi-paxos",
            "--nodes",
            "3",
            "--clients",
            "4",
            "--rate",
            "20",
            "--service-time",
            "5ms",
            "--request-timeout",
            "100ms",
            "--attempts",
            "3",
            "--spike",
            "3x@10s+5s",
            "--duration",
            "40s",
            "--retry",
            "none,full-jitter:base=50ms,cap=1s",
            "--seeds",
            "1..4",
            "--format",
            "json",
            "-q",
        ],
        &[
            "analyze",
            "traces/sample.csv",
            "--window",
            "0,1y",
            "--system",
            "k:2",
            "--format",
            "json",
        ],
        &[
            "sweep",
            "--protocol",
            "gfs",
            "--trace",
            "fixtures/replay/gfs-outages.csv",
            "--nodes",
            "9",
            "--chunks",
            "50",
            "--timeouts",
            "20s,5m",
            "--seeds",
            "3",
            "--format",
            "json",
            "-q",
        ],
    ];
    for args in commands {
        let output = |threads: &str| {
            Command::new(env!("CARGO_BIN_EXE_faultline"))
                .args(args)
                .current_dir(root())
                .env("RAYON_NUM_THREADS", threads)
                .env("POLARS_MAX_THREADS", threads)
                .output()
                .expect("faultline runs")
                .stdout
        };
        let one = output("1");
        assert!(!one.is_empty(), "{args:?}");
        assert_eq!(one, output("4"), "{args:?}");
    }
}
