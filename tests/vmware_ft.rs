//! VMware FT: failover time pinned for a constant delay, the partition between primary and backup
//! with and without the test-and-set, and the Output Rule's point.

mod common;

use common::replay_json;
use serde_json::Value;

fn ft(trace: &str, extra: &[&str]) -> Value {
    let mut args = vec![
        "--nodes",
        "3",
        "--trace",
        trace,
        "--delay",
        "const:1ms",
        "--rate",
        "100",
        "--duration",
        "60s",
    ];
    args.extend(extra);
    let (code, report) = replay_json("vmware-ft", &args);
    assert_eq!(code, Some(0), "{report}");
    report
}

/// HdrHistogram keeps three significant digits.
fn about(actual: &Value, expected: f64) {
    let v = actual.as_f64().expect("a number");
    assert!(
        (v - expected).abs() <= expected * 1e-3,
        "{v} is not {expected}"
    );
}

#[test]
fn the_backup_takes_over_a_crashed_primary_after_the_timeout_and_the_test_and_set() {
    // n1 crashes at 5 s. The backup goes live the timeout h+2d+r = 1.002 s after it last heard
    // from n1, plus the test-and-set's round trip to the storage, 2 ms; n1 is back at 20 s and
    // becomes the new backup at the live VM's next restart attempt.
    let r = ft("fixtures/replay/ft-primary-crash.csv", &[]);
    let o = &r["outcome"];
    assert_eq!(o["failovers"], 1);
    assert_eq!(o["split_brain_s"], 0.0);
    assert_eq!(o["outputs_lost"], 0);
    assert_eq!(o["backups_started"], 1);
    about(&r["latency"]["failover"]["max_s"], 1.004);
    assert_eq!(r["messages"]["by_type"]["test-and-set"], 1);
}

#[test]
fn a_partition_makes_two_primaries_only_without_the_test_and_set() {
    // The link between n1 and n2 is cut from 5 s to 25 s; both still reach the storage. The
    // backup, which last heard from n1 first, asks first, wins and goes live; n1 loses and halts.
    let with = ft("fixtures/replay/ft-partition.csv", &[]);
    assert_eq!(with["outcome"]["failovers"], 1);
    assert_eq!(with["outcome"]["split_brain_s"], 0.0);
    assert_eq!(with["outcome"]["outputs_lost"], 0);
    assert_eq!(with["messages"]["by_type"]["test-and-set"], 2);
    // Without it both go live about 1 s after the cut, and nothing ends it: two primaries from
    // 5.993 s to the end of the run.
    let without = ft("fixtures/replay/ft-partition.csv", &["--no-test-and-set"]);
    assert_eq!(without["outcome"]["failovers"], 1);
    assert_eq!(without["outcome"]["split_brain_s"], 54.007);
}

#[test]
fn without_the_output_rule_the_world_sees_outputs_the_new_primary_never_logged() {
    // Cut off, n1 keeps releasing outputs for the second until it suspects the backup: 100
    // inputs whose entries never reached the backup that went live.
    let r = ft("fixtures/replay/ft-partition.csv", &["--no-output-rule"]);
    assert_eq!(r["outcome"]["outputs_lost"], 100);
    let r = ft("fixtures/replay/ft-partition.csv", &[]);
    assert_eq!(r["outcome"]["outputs_lost"], 0);
}
