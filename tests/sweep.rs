//! Tests of `faultline sweep`: the timeout axis, monotonic trade-offs, and the closed form for
//! heartbeats with exponential delays.

mod common;

use common::{input_error, ok};
use serde_json::Value;

fn sweep(args: &[&str]) -> Value {
    let mut all = vec!["sweep", "--format", "json", "-q"];
    all.extend(args);
    serde_json::from_str(&ok(&all)).expect("json")
}

fn column(result: &Value, key: &str) -> Vec<f64> {
    result["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r[key].as_f64().unwrap_or(f64::NAN))
        .collect()
}

#[test]
fn two_d_plus_r_with_5ms_and_1ms_is_11ms() {
    let r = sweep(&[
        "--detector",
        "probe",
        "--timeouts",
        "2d+r",
        "--delay",
        "const:5ms",
        "--proc",
        "1ms",
        "--duration",
        "10m",
        "--seeds",
        "1",
    ]);
    assert_eq!(r["rows"][0]["expr"], "2d+r");
    assert!((r["rows"][0]["timeout_s"].as_f64().unwrap_or(0.0) - 0.011).abs() < 1e-12);
    assert_eq!(
        (r["d_s"].as_f64(), r["r_s"].as_f64()),
        (Some(0.005), Some(0.001))
    );
}

#[test]
fn detection_rises_and_mistakes_do_not_as_the_timeout_grows() {
    let r = sweep(&[
        "--timeouts",
        "1.05s..2s:0.25s",
        "--delay",
        "exp:mean=100ms",
        "--loss",
        "0.01",
        "--duration",
        "30m",
        "--seeds",
        "2",
    ]);
    let timeouts = column(&r, "timeout_s");
    assert_eq!(timeouts, vec![1.05, 1.3, 1.55, 1.8]);
    let detection = column(&r, "detection_mean_s");
    let mistakes = column(&r, "mistake_rate_per_node_hour");
    assert!(detection.windows(2).all(|w| w[0] < w[1]), "{detection:?}");
    assert!(mistakes.windows(2).all(|w| w[0] >= w[1]), "{mistakes:?}");
    assert!(r["recommended"]["expr"].is_string());
}

#[test]
fn closed_form_mistake_rate_matches_the_simulation_for_exponential_delays() {
    let r = sweep(&[
        "--timeouts",
        "1.1s,1.3s",
        "--delay",
        "exp:mean=100ms",
        "--loss",
        "0.01",
        "--duration",
        "1h",
        "--seeds",
        "2",
    ]);
    for row in r["rows"].as_array().expect("rows") {
        let simulated = row["mistake_rate_per_node_hour"].as_f64().unwrap_or(0.0);
        let predicted = row["predicted_mistake_rate_per_node_hour"]
            .as_f64()
            .unwrap_or(0.0);
        assert!(simulated > 10.0, "enough mistakes to compare: {simulated}");
        assert!(
            (simulated / predicted - 1.0).abs() < 0.1,
            "{simulated} vs {predicted}"
        );
    }
}

#[test]
fn constant_delay_predictions_and_a_recommendation_within_the_budget() {
    let r = sweep(&[
        "--timeouts",
        "1.05s,1.5s",
        "--delay",
        "const:10ms",
        "--duration",
        "1h",
        "--seeds",
        "1",
    ]);
    assert_eq!(r["rows"][0]["predicted_detection_mean_s"], 0.56);
    assert_eq!(r["rows"][0]["predicted_mistake_rate_per_node_hour"], 0.0);
    assert_eq!(r["rows"][0]["mistake_rate_per_node_hour"], 0.0);
    assert_eq!(r["recommended"]["expr"], "1.05s");
    // Probes have no closed form here.
    let p = sweep(&[
        "--detector",
        "probe",
        "--timeouts",
        "2d+r",
        "--duration",
        "10m",
        "--seeds",
        "1",
    ]);
    assert_eq!(
        p["rows"][0]["predicted_mistake_rate_per_node_hour"],
        Value::Null
    );
}

#[test]
fn bad_lists_exit_2() {
    let stderr = input_error(&["sweep", "--timeouts", "2s..1s:1s"]);
    assert!(stderr.contains("FROM <= TO"), "{stderr}");
    let stderr = input_error(&["sweep", "--timeouts", "0.5s", "--duration", "5m"]);
    assert!(stderr.contains("must exceed the interval"), "{stderr}");
}

#[test]
fn election_sweeps_report_elections_and_leader_availability() {
    let r = sweep(&[
        "--protocol",
        "bully",
        "--timeouts",
        "20ms,1s",
        "--delay",
        "exp:mean=10ms",
        "--loss",
        "0.01",
        "--duration",
        "20m",
        "--seeds",
        "1",
    ]);
    // The JSON names the election as well as its detector.
    assert_eq!(
        (&r["protocol"], &r["detector"]),
        (&"bully".into(), &"heartbeat".into())
    );
    let elections = column(&r, "elections");
    let availability = column(&r, "leader_availability");
    assert!(elections.iter().all(|e| *e >= 1.0), "{elections:?}");
    assert!(
        availability.iter().all(|a| *a > 0.0 && *a <= 1.0),
        "{availability:?}"
    );
    // A hair-trigger timeout suspects the leader far more often, so it elects far more often.
    assert!(elections[0] > 2.0 * elections[1], "{elections:?}");
    // Plain detector sweeps keep the DESIGN keys only.
    let plain = sweep(&["--timeouts", "1.5s", "--duration", "5m", "--seeds", "1"]);
    assert!(plain["rows"][0].get("elections").is_none());
}

/// The candidate lists `--help` and the README give as examples run as written.
#[test]
fn the_documented_candidate_lists_are_valid() {
    for (detector, list, rows) in [
        ("heartbeat", "h+2d+r,h+1.5*(2d+r),1.1s..2s:100ms", 12),
        ("probe", "2d+r,1.5*(2d+r),100ms..900ms:100ms", 11),
        ("phi", "1..12:1", 12),
    ] {
        let r = sweep(&[
            "--detector",
            detector,
            "--timeouts",
            list,
            "--duration",
            "2m",
            "--seeds",
            "1",
        ]);
        assert_eq!(
            r["rows"].as_array().map(Vec::len),
            Some(rows),
            "{detector} {list}"
        );
    }
}

/// With no failure at all (`fixtures/replay/quiet.csv`), every failover is needless: the
/// availability is what the false suspicions cost, one switch each.
#[test]
fn false_suspicions_cost_a_switch_each() {
    let r = sweep(&[
        "--trace",
        &common::fixture("replay/quiet.csv"),
        "--nodes",
        "3",
        "--timeouts",
        "1.2s,2s",
        "--delay",
        "exp:mean=100ms",
        "--duration",
        "10m",
        "--seeds",
        "1",
        "--switch",
        "1s",
    ]);
    let rates = column(&r, "mistake_rate_per_node_hour");
    let availability = column(&r, "availability");
    assert!(rates[0] > 100.0, "the short timeout errs often: {rates:?}");
    for (rate, a) in rates.iter().zip(&availability) {
        assert!(
            (a - (1.0 - rate / 3600.0)).abs() < 1e-12,
            "{a} for {rate} mistakes an hour"
        );
    }
    assert!(availability[0] < availability[1]);
}
