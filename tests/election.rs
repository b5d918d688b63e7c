//! Leader elections on the simulator: the exact message counts of the classic analyses, the
//! elected leader, a failure during a ring election, split brain under bully, and determinism.
//!
//! References: Chang and Roberts, CACM 1979 (ring: 3N−1 with one initiator after the highest
//! node); the modified ring of Tanenbaum and van Steen, section 6.5 (2N); Garcia-Molina, IEEE
//! ToC 1982 (bully: N−1 when n(N−1) starts with nN down, N²−N−1 when n1 does).

mod common;

use common::{faultline, fixture, ok, protocol};
use faultline::harness::replay::{Protocol, ReplayRun, ReplaySettings, replay};
use faultline::protocols::election::outcome::ElectionOutcome;
use faultline::sim::delay::DelayModel;
use faultline::sim::scenario::Fault;
use faultline::sim::time::SECOND;

fn run(protocol: Protocol, nodes: u32, faults: Vec<(u64, Fault)>) -> ReplayRun {
    let settings = ReplaySettings {
        protocol,
        nodes,
        seed: 1,
        delay: DelayModel::Const(SECOND / 100),
        processing: SECOND / 1000,
        loss: 0.0,
        heartbeat: None,
        timeout: None,
        threshold: 8.0,
        duration: Some(60 * SECOND),
        faults,
        ..ReplaySettings::new(protocol, nodes)
    };
    replay(&settings, &mut |_, _| {}).expect("valid settings")
}

fn count(run: &ReplayRun, kind: &str) -> u64 {
    run.report.messages.by_type.get(kind).copied().unwrap_or(0)
}

fn leader(run: &ReplayRun) -> Option<String> {
    let outcome: &ElectionOutcome = run.report.outcome.get().expect("an election");
    outcome.leader.clone()
}

const SIZES: [u32; 5] = [3, 5, 8, 16, 64];

#[test]
fn ring_costs_3n_minus_1_from_the_successor_of_the_highest() {
    for n in SIZES {
        let r = run(protocol("ring"), n, vec![(SECOND, Fault::Elect(0))]);
        let n64 = u64::from(n);
        assert_eq!(count(&r, "election"), 2 * n64 - 1, "N = {n}");
        assert_eq!(count(&r, "elected"), n64, "N = {n}");
        assert_eq!(r.report.messages.total, 3 * n64 - 1, "N = {n}");
        assert_eq!(leader(&r), Some(format!("n{n}")));
        assert!(r.report.invariants.violations.is_empty());
    }
}

#[test]
fn modified_ring_costs_2n() {
    for n in SIZES {
        let r = run(
            protocol("modified-ring"),
            n,
            vec![(SECOND, Fault::Elect(0))],
        );
        let n64 = u64::from(n);
        assert_eq!(count(&r, "election"), n64, "N = {n}");
        assert_eq!(count(&r, "coordinator"), n64, "N = {n}");
        assert_eq!(
            r.report.messages.total,
            2 * n64,
            "N = {n}: no extra messages"
        );
        assert_eq!(leader(&r), Some(format!("n{n}")));
    }
}

#[test]
fn bully_with_the_highest_down_costs_n_minus_1_or_n2_minus_n_minus_1() {
    for n in SIZES {
        let n64 = u64::from(n);
        let highest_down = || vec![(0, Fault::Crash(n - 1))];
        let mut faults = highest_down();
        faults.push((SECOND, Fault::Elect(n - 2)));
        let r = run(protocol("bully"), n, faults);
        assert_eq!(count(&r, "election"), 1, "N = {n}, n(N-1) starts");
        assert_eq!(count(&r, "coordinator"), n64 - 2, "N = {n}");
        assert_eq!(r.report.messages.total, n64 - 1, "N = {n}");
        assert_eq!(leader(&r), Some(format!("n{}", n - 1)));

        let mut faults = highest_down();
        faults.push((SECOND, Fault::Elect(0)));
        let r = run(protocol("bully"), n, faults);
        assert_eq!(
            count(&r, "election"),
            n64 * (n64 - 1) / 2,
            "N = {n}, n1 starts"
        );
        assert_eq!(count(&r, "ok"), (n64 - 1) * (n64 - 2) / 2, "N = {n}");
        assert_eq!(count(&r, "coordinator"), n64 - 2, "N = {n}");
        assert_eq!(r.report.messages.total, n64 * n64 - n64 - 1, "N = {n}");
        assert_eq!(leader(&r), Some(format!("n{}", n - 1)));
    }
}

#[test]
fn a_crash_on_the_ring_path_stalls_the_ring_but_not_the_modified_ring() {
    let trace = fixture("replay/election-crash.csv");
    let args = |protocol: &'static str| {
        vec![
            "replay",
            "--protocol",
            protocol,
            "--nodes",
            "5",
            "--trace",
            trace.as_str(),
            "--delay",
            "const:10ms",
            "--heartbeat",
            "1s",
            "--format",
            "json",
        ]
    };
    let ring: serde_json::Value = serde_json::from_str(&ok(&args("ring"))).expect("json");
    assert_eq!(ring["outcome"]["leader"], serde_json::Value::Null);
    assert_eq!(ring["outcome"]["eventual_leader"], "not reached");
    assert_eq!(ring["outcome"]["failure_during_election"], true);
    assert_eq!(
        ring["invariants"]["violations"].as_array().map(Vec::len),
        Some(0)
    );
    let modified: serde_json::Value =
        serde_json::from_str(&ok(&args("modified-ring"))).expect("json");
    assert_eq!(modified["outcome"]["leader"], "n5");
    assert_eq!(modified["outcome"]["eventual_leader"], "reached");
    assert_eq!(modified["latency"]["election"]["count"], 1);
}

#[test]
fn bully_splits_its_brain_under_a_partition_and_heals() {
    let out = faultline(&[
        "replay",
        "--protocol",
        "bully",
        "--nodes",
        "5",
        "--trace",
        &fixture("replay/split-brain.csv"),
        "--delay",
        "const:10ms",
        "--heartbeat",
        "1s",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1), "a violation exits 1");
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let violations = r["invariants"]["violations"]
        .as_array()
        .expect("violations");
    let first = &violations[0];
    assert_eq!(first["name"], "single-leader");
    // The partition starts at 10 s; n1 and n2 suspect n5 h + T after its last heartbeat (sent
    // within h before the cut), and n2 takes the lead on its side: split brain in (10, 11.1) s.
    let t = first["time_s"].as_f64().unwrap_or(0.0);
    assert!(t > 10.0 && t < 11.1, "split brain at {t}");
    assert!(
        first["detail"].as_str().unwrap_or("").contains("n2 and n5"),
        "{first}"
    );
    // Healing ends it; when n5 recovers at 40 s it takes the lead back.
    assert_eq!(r["outcome"]["leader"], "n5");
    assert_eq!(r["outcome"]["eventual_leader"], "reached");
    assert!(
        violations[1..]
            .iter()
            .all(|v| v["time_s"].as_f64().unwrap_or(0.0) >= 40.0)
    );
}

#[test]
fn side_by_side_and_deterministic() {
    let trace = fixture("replay/election-crash.csv");
    let args = [
        "replay",
        "--protocol",
        "ring,modified-ring,bully",
        "--nodes",
        "6",
        "--trace",
        &trace,
        "--delay",
        "uniform:1ms,20ms",
        "--heartbeat",
        "1s",
        "--format",
        "json",
        "--seed",
        "3",
    ];
    let a = ok(&args);
    assert_eq!(a, ok(&args));
    let all: serde_json::Value = serde_json::from_str(&a).expect("json");
    let names: Vec<&str> = all
        .as_array()
        .expect("an array")
        .iter()
        .filter_map(|r| r["protocol"].as_str())
        .collect();
    assert_eq!(names, vec!["ring", "modified-ring", "bully"]);
}

#[test]
fn leader_csv_feeds_the_analytics() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    ok(&[
        "replay",
        "--protocol",
        "modified-ring",
        "--nodes",
        "5",
        "--trace",
        &fixture("replay/election-crash.csv"),
        "--delay",
        "const:10ms",
        "--heartbeat",
        "1s",
        "--duration",
        "60s",
        "--out",
        &out,
        "--quiet",
    ]);
    let csv = std::fs::read_to_string(dir.path().join("leader.csv")).expect("leader.csv");
    assert!(csv.starts_with("time,node,event\n0,leader,down\n"), "{csv}");
    let leader = dir.path().join("leader.csv").display().to_string();
    let report: serde_json::Value = serde_json::from_str(&ok(&[
        "analyze", &leader, "--window", "0,60", "--format", "json",
    ]))
    .expect("json");
    // Down from 0 until the election completes, then up to the end: one failure at 0.
    assert_eq!(report["nodes"][0]["node"], "leader");
    assert_eq!(report["nodes"][0]["failures"], 1);
    let up = report["nodes"][0]["uptime_s"].as_f64().unwrap_or(0.0);
    assert!(up > 49.0 && up < 50.0, "{up}");
}
