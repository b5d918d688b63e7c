//! Client policies and servers of finite capacity on Multi-Paxos: outputs without the new flags
//! unchanged, service time in latency, rejections counted on both sides, and the metastable-
//! failure experiment — naive retries never recover from a load spike or a capacity drop, each
//! cure does, pinned per seed.

mod common;

use common::{faultline, golden, input_error, ok};
use serde_json::Value;

/// The metastable-failure experiment of the README: ten clients at 7 requests a second each
/// (70 % of a leader that serves one request in 10 ms), four attempts of 200 ms each, at most
/// four requests in flight per client.
const EXPERIMENT: [&str; 24] = [
    "replay",
    "--protocol",
    "multi-paxos",
    "--nodes",
    "3",
    "--clients",
    "10",
    "--rate",
    "7",
    "--service-time",
    "10ms",
    "--request-timeout",
    "200ms",
    "--attempts",
    "4",
    "--in-flight",
    "4",
    "--duration",
    "120s",
    "--retry",
    "none",
    "--format",
    "json",
    "-q",
];

const CURES: [&str; 8] = [
    "--variant",
    "backoff: --retry full-jitter:base=1s,cap=10s",
    "--variant",
    "budget: --retry-budget default",
    "--variant",
    "breaker: --breaker failure-rate=50%,window=20,open=5s,half-open=5",
    "--variant",
    "queue: --queue 10",
];

fn comparison(extra: &[&str]) -> Value {
    let mut args: Vec<&str> = EXPERIMENT.to_vec();
    args.extend(CURES);
    args.extend(extra);
    serde_json::from_str(&ok(&args)).expect("JSON")
}

/// `(label, recovery_s)` of each row.
fn recoveries(c: &Value) -> Vec<(String, Option<f64>)> {
    c["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap_or("").to_string(),
                r["recovery_s"].as_f64(),
            )
        })
        .collect()
}

/// HdrHistogram keeps three significant digits.
fn within_histogram_precision(actual: &Value, expected: f64) {
    let v = actual.as_f64().expect("a number");
    assert!(
        (v - expected).abs() <= expected * 1e-3,
        "{v} is not {expected}"
    );
}

#[test]
fn without_the_new_flags_multi_paxos_prints_what_it_printed_before() {
    // Written by the build before client policies existed.
    let out = ok(&[
        "replay",
        "--protocol",
        "multi-paxos",
        "--nodes",
        "5",
        "--clients",
        "3",
        "--rate",
        "50",
        "--delay",
        "exp:mean=2ms",
        "--trace",
        "fixtures/replay/faults.csv",
        "--format",
        "json",
        "-q",
    ]);
    golden("replay/multi-paxos-no-policy.expected.json", &out);
}

#[test]
fn service_time_shows_in_latency_and_rejections_are_counted_on_both_sides() {
    let run = |extra: &[&str]| -> Value {
        let mut args = vec![
            "replay",
            "--protocol",
            "multi-paxos",
            "--nodes",
            "3",
            "--delay",
            "const:1ms",
            "--duration",
            "20s",
            "--service-time",
            "10ms",
            "--format",
            "json",
            "-q",
        ];
        args.extend(extra);
        serde_json::from_str(&ok(&args)).expect("JSON")
    };
    // One client at 10/s: nothing waits; a command through the leader takes 1 ms there, 10 ms
    // of service, 2 ms for accept and accepted, 1 ms back.
    let r = run(&["--clients", "1", "--rate", "10"]);
    within_histogram_precision(&r["latency"]["commit"]["min_s"], 0.014);
    assert_eq!(r["outcome"]["clients"]["rejected"], 0);
    // Twenty clients at 10/s offer 200/s to a leader that serves 100/s; with no room to wait
    // the excess is turned away at once, and with one attempt a request is answered or failed.
    let r = run(&[
        "--clients",
        "20",
        "--rate",
        "10",
        "--queue",
        "0",
        "--attempts",
        "1",
    ]);
    let c = &r["outcome"]["clients"];
    let rejected = c["rejected"].as_u64().expect("rejected");
    assert!(rejected > 1000, "{rejected}");
    assert_eq!(r["messages"]["by_type"]["rejected"], rejected);
    assert_eq!(c["attempts"], c["requests"]);
    assert_eq!(c["failed"], rejected);
    // At worst: 1 ms to n1, 10 ms behind the one in service and 10 of its own, 1 ms of
    // redirect, 1 ms to n3 and the same 20 ms there, 2 ms of accept and accepted, 1 ms back.
    let max = r["latency"]["commit"]["max_s"].as_f64().expect("max");
    assert!(max <= 0.046 * 1.001, "{max}");
}

#[test]
fn zk_servers_take_their_service_time_too() {
    // c1's session is on the follower n1: a write costs 6 ms over a 1 ms network, a read 2 ms;
    // 5 ms of service at n1 comes on top (the forwarded `request` is server traffic).
    let (code, r) = common::replay_json(
        "zk",
        &[
            "--nodes",
            "3",
            "--clients",
            "1",
            "--rate",
            "2",
            "--delay",
            "const:1ms",
            "--duration",
            "20s",
            "--service-time",
            "5ms",
        ],
    );
    assert_eq!(code, Some(0), "{r}");
    within_histogram_precision(&r["latency"]["write"]["max_s"], 0.011);
    within_histogram_precision(&r["latency"]["read"]["max_s"], 0.007);
    let e = input_error(&[
        "replay",
        "--protocol",
        "zk",
        "--nodes",
        "3",
        "--service-time",
        "5ms",
        "--queue",
        "2",
    ]);
    assert!(e.contains("--queue"), "{e}");
}

#[test]
fn naive_retries_never_recover_from_a_spike_and_each_cure_does() {
    let c = comparison(&["--spike", "3x@30s+10s", "--seeds", "1..3"]);
    let rows = c["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["label"], "none");
    assert_eq!(
        rows[0]["recovered"], 0,
        "naive retries: metastable on every seed"
    );
    for r in &rows[1..] {
        assert_eq!(r["recovered"], 3, "{} recovers on every seed", r["label"]);
    }
    assert_eq!(rows[0]["trigger"]["start_s"], 30.0);
    assert_eq!(rows[0]["trigger"]["end_s"], 40.0);
    // Pinned per seed: seconds from the end of the spike.
    let expected = [
        (1, [6.0, 12.0, 3.0, 0.0]),
        (2, [2.0, 13.0, 6.0, 2.0]),
        (3, [2.0, 12.0, 3.0, 3.0]),
    ];
    for (seed, cures) in expected {
        let c = comparison(&["--spike", "3x@30s+10s", "--seed", &seed.to_string()]);
        let got = recoveries(&c);
        assert_eq!(got[0], ("none".to_string(), None), "seed {seed}");
        let times: Vec<Option<f64>> = got[1..].iter().map(|(_, t)| *t).collect();
        assert_eq!(times, cures.map(Some), "seed {seed}");
    }
}

#[test]
fn a_capacity_drop_from_the_trace_is_a_trigger_too() {
    let c = comparison(&["--trace", "traces/capacity-drop.csv", "--seeds", "1..2"]);
    let rows = c["rows"].as_array().expect("rows");
    assert_eq!(rows[0]["trigger"]["start_s"], 30.0);
    assert_eq!(rows[0]["trigger"]["end_s"], 40.0);
    assert_eq!(rows[0]["recovered"], 0);
    for r in &rows[1..] {
        assert_eq!(r["recovered"], 2, "{}", r["label"]);
    }
}

#[test]
fn the_same_seed_gives_the_same_comparison() {
    let a = comparison(&["--spike", "2x@20s+5s", "--seed", "4"]);
    let b = comparison(&["--spike", "2x@20s+5s", "--seed", "4"]);
    assert_eq!(a, b);
}

#[test]
fn policy_flags_that_cannot_apply_are_refused() {
    let replay = |extra: &[&str]| {
        let mut args = vec!["replay", "--nodes", "3"];
        args.extend(extra);
        input_error(&args)
    };
    let e = replay(&["--protocol", "multi-paxos", "--queue", "3"]);
    assert!(e.contains("--service-time"), "{e}");
    let e = replay(&["--protocol", "heartbeat", "--retry", "none"]);
    assert!(e.contains("not to heartbeat"), "{e}");
    let e = replay(&["--protocol", "zk", "--retry", "none"]);
    assert!(e.contains("contention"), "{e}");
    let e = replay(&["--protocol", "multi-paxos", "--retry", "exp:base=5ms"]);
    assert!(e.contains("needs `cap=`"), "{e}");
    let e = replay(&["--protocol", "multi-paxos", "--spike", "3@1s+1s"]);
    assert!(e.contains("KxAT+FOR") || e.contains("FACTORx"), "{e}");
    let e = replay(&["--protocol", "multi-paxos", "--variant", "x: --retyr none"]);
    assert!(e.contains("--retyr"), "{e}");
}

#[test]
fn a_slow_row_needs_a_positive_factor() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let trace = dir.path().join("slow.csv");
    std::fs::write(&trace, "time,node,event,fault,detail\n3,n1,slow,,fast\n").expect("write");
    let path = trace.to_string_lossy().to_string();
    let e = input_error(&["replay", "--protocol", "multi-paxos", "--trace", &path]);
    assert!(e.contains("line 2") && e.contains("factor"), "{e}");
    let out = faultline(&["replay", "--protocol", "multi-paxos", "--trace", &path]);
    assert_eq!(out.status.code(), Some(2));
}
