//! End-to-end tests of `faultline gen`: determinism, the written file, and the round trip
//! through `analyze`.

mod common;

use common::{faultline, input_error, json, ok};

const ROUND_TRIP: [&str; 11] = [
    "gen",
    "--nodes",
    "200",
    "--duration",
    "10y",
    "--mttf",
    "30d",
    "--mttr",
    "2h",
    "--seed",
    "11",
];

#[test]
fn same_seed_gives_identical_bytes_other_seed_differs() {
    let args = [
        "gen",
        "--nodes",
        "5",
        "--duration",
        "1y",
        "--mttf",
        "20d",
        "--mttr",
        "3h",
    ];
    let a = ok(&[&args[..], &["--seed", "3", "--partitions", "0.1"]].concat());
    let b = ok(&[&args[..], &["--seed", "3", "--partitions", "0.1"]].concat());
    let c = ok(&[&args[..], &["--seed", "4", "--partitions", "0.1"]].concat());
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.starts_with("time,node,event,fault,detail\n"));
    assert!(a.contains(",partition,,"), "partitions requested");
}

#[test]
fn round_trip_recovers_mttf_and_mttr_within_3_percent() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("trace.csv").display().to_string();
    ok(&[&ROUND_TRIP[..], &["-o", &path]].concat());
    let r = json(&["analyze", &path, "--window", "0,10y"]);
    let fleet = &r["fleet"];
    let mttf = fleet["mttf_s"].as_f64().unwrap_or(0.0) / (30.0 * 86400.0);
    let mttr = fleet["mttr_s"].as_f64().unwrap_or(0.0) / 7200.0;
    assert!((mttf - 1.0).abs() < 0.03, "MTTF ratio {mttf}");
    assert!((mttr - 1.0).abs() < 0.03, "MTTR ratio {mttr}");
    assert_eq!(fleet["nodes"], 200);
}

#[test]
fn fault_classes_reach_the_trace() {
    let out = ok(&[
        "gen",
        "--nodes",
        "20",
        "--duration",
        "2y",
        "--mttf",
        "30d",
        "--mttr",
        "1h",
        "--faults",
        "transient=.5,intermittent=.3,permanent=.2",
        "--replace-after",
        "7d",
    ]);
    for class in ["transient", "intermittent", "permanent"] {
        assert!(out.contains(&format!(",down,{class},")), "{class}");
    }
}

#[test]
fn written_file_equals_stdout() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("t.csv");
    let args = [
        "gen",
        "--nodes",
        "3",
        "--duration",
        "30d",
        "--mttf",
        "5d",
        "--mttr",
        "1h",
    ];
    let stdout = ok(&args);
    let out = faultline(&[&args[..], &["-o", &path.display().to_string()]].concat());
    assert!(out.status.success());
    assert_eq!(std::fs::read_to_string(&path).unwrap_or_default(), stdout);
}

#[test]
fn bad_settings_exit_2() {
    let stderr = input_error(&[
        "gen",
        "--nodes",
        "0",
        "--duration",
        "1d",
        "--mttf",
        "1h",
        "--mttr",
        "1m",
    ]);
    assert!(
        stderr.contains("--nodes: `0` is not a node count; give a whole number from 1 to"),
        "{stderr}"
    );
    let stderr = input_error(&[
        "gen",
        "--nodes",
        "2",
        "--duration",
        "1d",
        "--mttf",
        "1h",
        "--mttr",
        "1m",
        "--ttf-dist",
        "weibull",
    ]);
    assert!(stderr.contains("k="), "{stderr}");
    let stderr = input_error(&[
        "gen",
        "--nodes",
        "2",
        "--duration",
        "soon",
        "--mttf",
        "1h",
        "--mttr",
        "1m",
    ]);
    assert!(stderr.contains("is not a duration"), "{stderr}");
}

#[test]
fn a_generator_run_without_any_failure_is_refused_not_written_empty() {
    let e = common::input_error(&[
        "gen",
        "--nodes",
        "2",
        "--duration",
        "1h",
        "--mttf",
        "60d",
        "--mttr",
        "1h",
    ]);
    assert!(e.contains("the trace would be empty"), "{e}");
}
