//! Tests of `faultline replay` with the heartbeat detector: exact message counts, detection
//! times inside their closed-form bounds, false suspicions from loss, pauses and partitions, and
//! determinism.

mod common;

use common::{faultline, fixture, ok, protocol};
use faultline::harness::replay::{ReplayRun, ReplaySettings, replay};
use faultline::harness::runners::detector::DetectorOutcome;
use faultline::sim::delay::DelayModel;
use faultline::sim::metrics::ObservationKind;
use faultline::sim::scenario::Fault;
use faultline::sim::time::{Nanos, SECOND};
use faultline::sim::timeout::TimeoutExpr;

const MS: Nanos = 1_000_000;

fn settings(nodes: u32) -> ReplaySettings {
    ReplaySettings {
        protocol: protocol("heartbeat"),
        nodes,
        seed: 1,
        delay: DelayModel::Const(10 * MS),
        processing: 2 * MS,
        loss: 0.0,
        heartbeat: Some(SECOND),
        timeout: None,
        threshold: 8.0,
        duration: Some(60 * SECOND),
        faults: Vec::new(),
        ..ReplaySettings::new(protocol("heartbeat"), nodes)
    }
}

fn run(settings: &ReplaySettings) -> ReplayRun {
    replay(settings, &mut |_, _| {}).expect("valid settings")
}

fn detector(run: &ReplayRun) -> &DetectorOutcome {
    run.report.outcome.get().expect("a detector run")
}

#[test]
fn n_nodes_send_n_times_n_minus_1_heartbeats_per_interval() {
    for nodes in [2, 3, 8, 16] {
        // Every node's first beat falls in [0, h): in k intervals each sends exactly k.
        let s = ReplaySettings {
            duration: Some(10 * SECOND - 1),
            ..settings(nodes)
        };
        let report = run(&s).report;
        let expected = 10 * u64::from(nodes * (nodes - 1));
        assert_eq!(report.messages.total, expected, "N = {nodes}");
        assert_eq!(report.messages.by_type.get("heartbeat"), Some(&expected));
        assert_eq!(report.messages.dropped, 0);
        let each = 10 * u64::from(nodes - 1);
        assert_eq!(report.messages.by_node, vec![each; nodes as usize]);
    }
}

#[test]
fn constant_delay_detection_lies_in_the_closed_form_interval() {
    // delta = 10 ms, r = 2 ms, h = 1 s, T = 1.5 s. A node crashing at c last sent at
    // s in (c - h, c]; its monitors suspect it at s + delta + r + T, so
    // T_D in (delta + r + T - h, delta + r + T] = (0.512 s, 1.512 s].
    let s = ReplaySettings {
        timeout: Some(TimeoutExpr::parse("1.5s").expect("expression")),
        faults: vec![
            (10 * SECOND + 300 * MS, Fault::Crash(2)),
            (20 * SECOND, Fault::Recover(2)),
            (30 * SECOND + 777 * MS, Fault::Crash(0)),
            (41 * SECOND, Fault::Recover(0)),
        ],
        ..settings(5)
    };
    let r = run(&s);
    let d = detector(&r);
    assert_eq!(d.qos.false_suspicions, 0);
    assert_eq!(d.qos.missed_detections, 0);
    assert_eq!(d.qos.query_accuracy, 1.0);
    assert_eq!(d.qos.detection.len(), 8, "two crashes, four monitors each");
    for &t in &d.qos.detection {
        assert!(t > 512 * MS && t <= 1512 * MS, "T_D = {t} ns");
    }
    let latency = &r.report.latency["detection"];
    assert_eq!(latency.count, 8);
}

#[test]
fn the_default_timeout_is_h_plus_2d_plus_r() {
    let r = run(&settings(3));
    let d = detector(&r);
    assert_eq!(d.timeout_expr.as_deref(), Some("h+2d+r"));
    assert_eq!(d.timeout_s, Some(1.022));
    assert_eq!(d.d_s, 0.01);
}

#[test]
fn loss_produces_false_suspicions() {
    let lossless = run(&settings(4));
    assert_eq!(detector(&lossless).qos.false_suspicions, 0);
    let lossy = run(&ReplaySettings {
        loss: 0.3,
        ..settings(4)
    });
    let q = &detector(&lossy).qos;
    assert!(q.false_suspicions > 0);
    assert!(q.query_accuracy < 1.0);
    assert!(q.mistake_rate_per_node_hour > 0.0);
    assert!(lossy.report.messages.dropped > 0);
}

#[test]
fn a_pause_longer_than_the_timeout_is_suspected() {
    // n2 freezes for 5 s: each of the other three suspects it once; on waking, n2 has heard
    // nothing for 5 s and suspects each of them once until their next heartbeat.
    let r = run(&ReplaySettings {
        faults: vec![(20 * SECOND, Fault::Pause(1, 5 * SECOND))],
        ..settings(4)
    });
    let q = &detector(&r).qos;
    assert_eq!(q.false_suspicions, 6);
    assert_eq!(q.missed_detections, 0);
    let short = run(&ReplaySettings {
        faults: vec![(20 * SECOND, Fault::Pause(1, 10 * MS))],
        ..settings(4)
    });
    assert_eq!(detector(&short).qos.false_suspicions, 0);
}

#[test]
fn a_partition_causes_suspicions_across_the_cut_only() {
    let r = run(&ReplaySettings {
        faults: vec![
            (
                20 * SECOND,
                Fault::Partition(vec![vec![0, 1], vec![2, 3, 4]]),
            ),
            (30 * SECOND, Fault::Heal),
        ],
        ..settings(5)
    });
    let side = |n: u32| n < 2;
    let suspicions: Vec<(u32, u32)> = r
        .timeline
        .iter()
        .filter(|o| o.kind == ObservationKind::Suspect)
        .filter_map(|o| Some((o.node?, o.peer?)))
        .collect();
    assert_eq!(
        suspicions.len(),
        12,
        "every ordered pair across the cut, once"
    );
    assert!(suspicions.iter().all(|&(m, t)| side(m) != side(t)));
    let trusts = r
        .timeline
        .iter()
        .filter(|o| o.kind == ObservationKind::Trust)
        .count();
    assert_eq!(trusts, 12, "healing ends every suspicion");
}

#[test]
fn same_seed_same_bytes_other_seed_other_delays() {
    let trace = fixture("replay/faults.csv");
    let args = |seed: &'static str| {
        vec![
            "replay",
            "--protocol",
            "heartbeat",
            "--nodes",
            "5",
            "--trace",
            trace.as_str(),
            "--delay",
            "uniform:1ms,30ms",
            "--duration",
            "90s",
            "--format",
            "json",
            "--seed",
            seed,
        ]
    };
    let a = ok(&args("7"));
    assert_eq!(a, ok(&args("7")));
    let b = ok(&args("8"));
    assert_ne!(a, b);
    let report: serde_json::Value = serde_json::from_str(&a).expect("json");
    for key in [
        "protocol",
        "nodes",
        "seed",
        "sim_time_s",
        "events",
        "messages",
        "latency",
        "invariants",
        "outcome",
    ] {
        assert!(report.get(key).is_some(), "missing {key}");
    }
    assert_eq!(report["seed"], 7);
    assert_eq!(report["outcome"]["missed_detections"], 0);
}

#[test]
fn interval_traces_replay_as_crashes_and_recoveries() {
    let r = ok(&[
        "replay",
        "--protocol",
        "heartbeat",
        "--nodes",
        "4",
        "--trace",
        &fixture("replay/outages.csv"),
        "--delay",
        "const:5ms",
        "--format",
        "json",
    ]);
    let report: serde_json::Value = serde_json::from_str(&r).expect("json");
    // Two outages, three monitors each.
    assert_eq!(report["latency"]["detection"]["count"], 6);
    assert_eq!(report["outcome"]["false_suspicions"], 0);
}

#[test]
fn out_dir_holds_summary_timeline_and_histograms() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().display().to_string();
    let stdout = ok(&[
        "replay",
        "--protocol",
        "heartbeat",
        "--nodes",
        "5",
        "--trace",
        &fixture("replay/faults.csv"),
        "--format",
        "json",
        "--out",
        &out,
    ]);
    let summary = std::fs::read_to_string(dir.path().join("summary.json")).expect("summary");
    assert_eq!(summary, stdout);
    let timeline = std::fs::read_to_string(dir.path().join("timeline.jsonl")).expect("timeline");
    assert!(
        timeline
            .lines()
            .next()
            .unwrap_or("")
            .contains("\"kind\":\"crash\""),
        "{timeline}"
    );
    let hgrm = std::fs::read_to_string(dir.path().join("detection.hgrm")).expect("hgrm");
    assert!(hgrm.contains("Total count"), "{hgrm}");
}

#[test]
fn bad_settings_exit_2() {
    for (args, message) in [
        (vec!["--timeout", "0.5s"], "must exceed the interval"),
        (vec!["--delay", "gauss:1ms"], "unknown model"),
        (vec!["--timeout", "2x"], "unknown unit or name"),
        (
            vec!["--trace", "fixtures/replay/faults.csv", "--nodes", "2"],
            "does not exist in a cluster of 2",
        ),
    ] {
        let mut all = vec!["replay", "--protocol", "heartbeat"];
        if !args.contains(&"--nodes") {
            all.extend(["--nodes", "3"]);
        }
        all.extend(args.iter().copied());
        let out = faultline(&all);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(stderr.contains(message), "{all:?}: {stderr}");
    }
}

#[test]
fn probing_without_faults_needs_no_indirect_pings() {
    // Each node pings one peer per period and gets one ack; with constant delay the ack
    // arrives exactly at the default timeout 2d+r (plus its own processing) and counts.
    let report = run(&ReplaySettings {
        protocol: protocol("probe"),
        duration: Some(20 * SECOND - 1),
        ..settings(6)
    })
    .report;
    assert_eq!(report.messages.by_type.get("ping"), Some(&120));
    assert_eq!(report.messages.by_type.get("ack"), Some(&120));
    assert_eq!(report.messages.by_type.get("ping-req"), None);
    assert_eq!(report.messages.total, 240);
}

#[test]
fn probing_detects_within_one_round_and_reroutes_around_a_cut_link() {
    // n3 crashes: a monitor probes every peer once per round of N-1 = 4 periods, in a fresh
    // order each round, so its next probe of n3 comes within 2(N-1) - 1 = 7 periods, and the
    // suspicion at the end of that period: T_D <= 2(N-1) h = 8 s.
    let crash = run(&ReplaySettings {
        protocol: protocol("probe"),
        faults: vec![(10 * SECOND, Fault::Crash(2))],
        ..settings(5)
    });
    let d = detector(&crash);
    assert_eq!((d.qos.detection.len(), d.qos.missed_detections), (4, 0));
    assert!(
        d.qos.detection.iter().all(|&t| t > 0 && t <= 8 * SECOND),
        "{:?}",
        d.qos.detection
    );
    assert_eq!(d.qos.false_suspicions, 0);
    // Cut n1 -> n2 only: n1's pings to n2 go unanswered, but the indirect probes through the
    // others reach n2, so n1 never suspects it.
    let cut = run(&ReplaySettings {
        protocol: protocol("probe"),
        faults: vec![(0, Fault::CutOneWay(vec![0], vec![1]))],
        ..settings(5)
    });
    assert_eq!(detector(&cut).qos.false_suspicions, 0);
    assert!(
        cut.report
            .messages
            .by_type
            .get("ping-req")
            .is_some_and(|&n| n > 0)
    );
}

#[test]
fn phi_detects_after_the_acceptable_pause_and_never_errs_on_a_steady_network() {
    // Steady heartbeats every second: the history's mean is about 1 s and its deviation below
    // the 100 ms floor, so phi crosses 8 about 1 + 3 + 5.2 * 0.1 = 4.5 s after the last
    // heartbeat: detection between 3.5 and 4.6 s after the crash.
    let r = run(&ReplaySettings {
        protocol: protocol("phi"),
        faults: vec![(30 * SECOND + 400 * MS, Fault::Crash(1))],
        ..settings(4)
    });
    let d = detector(&r);
    assert_eq!(d.threshold, Some(8.0));
    assert_eq!(d.timeout_s, None);
    assert_eq!(d.qos.false_suspicions, 0);
    assert_eq!(d.qos.detection.len(), 3);
    for &t in &d.qos.detection {
        assert!(t > 3_500 * MS && t < 4_600 * MS, "T_D = {t} ns");
    }
    // A lower threshold detects sooner: y* drops from 5.2 to 1.3 deviations, 0.39 s earlier.
    let eager = run(&ReplaySettings {
        protocol: protocol("phi"),
        threshold: 1.0,
        faults: vec![(30 * SECOND + 400 * MS, Fault::Crash(1))],
        ..settings(4)
    });
    let (slow, fast) = (
        d.qos.detection.clone(),
        detector(&eager).qos.detection.clone(),
    );
    assert_eq!(slow.len(), fast.len());
    for (s, f) in slow.iter().zip(&fast) {
        let gain = s.abs_diff(*f);
        assert!(f < s && gain > 380 * MS && gain < 400 * MS, "{s} vs {f}");
    }
}

/// Timeline entries carry what a reader needs: a partition's sides, a pause's length.
#[test]
fn timeline_entries_carry_their_details() {
    let r = run(&ReplaySettings {
        faults: vec![
            (
                40 * SECOND,
                Fault::Partition(vec![vec![0, 1], vec![2, 3, 4]]),
            ),
            (60 * SECOND, Fault::Pause(1, 5 * SECOND)),
        ],
        ..settings(5)
    });
    let details: Vec<(ObservationKind, Option<&str>)> = r
        .timeline
        .iter()
        .filter(|o| matches!(o.kind, ObservationKind::Partition | ObservationKind::Pause))
        .map(|o| (o.kind, o.detail.as_deref()))
        .collect();
    assert_eq!(
        details,
        vec![
            (ObservationKind::Partition, Some("n1 n2 | n3 n4 n5")),
            (ObservationKind::Pause, Some("5 s")),
        ]
    );
}

/// φ has a threshold, not a timeout: a `--timeout` it would ignore cannot make it fail.
#[test]
fn phi_ignores_a_timeout_it_does_not_use() {
    let out = faultline(&[
        "replay",
        "--protocol",
        "phi",
        "--nodes",
        "3",
        "--timeout",
        "0s",
        "--duration",
        "10s",
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
}
