//! Multi-Paxos on the simulator: exact message counts with a stable leader, commit latency,
//! failover without losing or reordering a command, and the replicated-log safety checker —
//! silent on a thousand random fault scenarios, loud on a pinned seed with amnesiac acceptors.

mod common;

use common::{faultline, fixture, input_error, protocol, replay_json};
use faultline::harness::fault_sweep::{Faults, fault_sweep};
use faultline::harness::replay::{PaxosSettings, ReplaySettings};
use faultline::sim::chaos::ChaosConfig;
use faultline::sim::time::SECOND;
use serde_json::Value;

fn multi(extra: &[&str]) -> (Option<i32>, Value) {
    replay_json("multi-paxos", extra)
}

#[test]
fn a_stable_leader_costs_three_times_n_minus_1_per_command() {
    // 10 s at 10 commands a second; the client stops at 9 s: commands at 0.1 s .. 9.0 s.
    for n in [3u64, 5, 7] {
        let (code, r) = multi(&[
            "--nodes",
            &n.to_string(),
            "--duration",
            "10s",
            "--delay",
            "const:5ms",
        ]);
        assert_eq!(code, Some(0), "{r}");
        let by_type = &r["messages"]["by_type"];
        let commands = 90;
        for kind in ["accept", "accepted", "decide"] {
            assert_eq!(by_type[kind], commands * (n - 1), "N = {n}, {kind}");
        }
        // nN runs phase 1 once, at the start, for every slot.
        assert_eq!(by_type["prepare"], n - 1);
        assert_eq!(by_type["promise"], n - 1);
        // The client's first request goes to n1, which redirects it to nN.
        assert_eq!(by_type["request"], commands + 1);
        assert_eq!(by_type["redirect"], 1);
        assert_eq!(by_type["reply"], commands);
        // Heartbeats: every node to every other, once a second.
        assert_eq!(by_type["heartbeat"], 10 * n * (n - 1));
        let o = &r["outcome"];
        assert_eq!(o["leader"], format!("n{n}"));
        assert_eq!(
            (o["ballots"].as_u64(), o["leader_changes"].as_u64()),
            (Some(1), Some(1))
        );
        assert_eq!(
            (o["commands"].as_u64(), o["committed"].as_u64()),
            (Some(90), Some(90))
        );
        assert_eq!(
            (o["log_slots"].as_u64(), o["applied"].as_u64()),
            (Some(90), Some(90))
        );
        assert_eq!(o["throughput_per_s"], 10.0);
    }
}

#[test]
fn a_commit_takes_four_one_way_delays() {
    // request, accept, accepted, reply: 4 × 5 ms; the redirected first command one hop more.
    let (_, r) = multi(&["--nodes", "5", "--duration", "10s", "--delay", "const:5ms"]);
    let commit = &r["latency"]["commit"];
    assert_eq!(commit["count"], 90);
    let close = |key: &str, want: f64| {
        let got = commit[key].as_f64().unwrap_or(f64::NAN);
        assert!((got - want).abs() < 1e-4, "{key}: {got} vs {want}");
    };
    close("min_s", 0.020);
    close("p50_s", 0.020);
    close("p99_s", 0.030);
    close("max_s", 0.030);
}

#[test]
fn a_new_leader_loses_and_reorders_nothing() {
    // n5 leads, crashes at 3 s (n4 takes over once it suspects n5, h + T later), recovers at 6 s
    // and takes the lead back; a partition n1 n2 | n3 n4 n5 from 8 s to 11 s leaves the minority
    // without a leader. Every command is committed once, in one order everywhere.
    let trace = fixture("replay/multi-paxos-failover.csv");
    let (code, r) = multi(&[
        "--nodes",
        "5",
        "--trace",
        &trace,
        "--duration",
        "15s",
        "--delay",
        "const:5ms",
    ]);
    assert_eq!(code, Some(0), "{}", r["invariants"]);
    let o = &r["outcome"];
    assert_eq!(o["leader"], "n5");
    // n5 at the start, n4 after the crash, n5 after its recovery, and n5 again after the heal
    // (n2's higher ballots from the minority side pre-empted it once).
    assert_eq!(o["leader_changes"], 4);
    assert_eq!(
        (o["commands"].as_u64(), o["committed"].as_u64()),
        (Some(140), Some(140))
    );
    assert_eq!(
        (o["log_slots"].as_u64(), o["applied"].as_u64()),
        (Some(140), Some(140))
    );
    assert_eq!(
        r["invariants"]["checked"],
        serde_json::json!(["agreement", "validity", "integrity", "log-prefix"])
    );
    // Commands sent while nobody led wait about h + T = 1.01 s and more (HdrHistogram values).
    let commit = &r["latency"]["commit"];
    assert_eq!(commit["count"], 140);
    assert_eq!(
        commit["p50_s"], 0.020004863,
        "most commits take four delays"
    );
    assert_eq!(commit["p99_s"], 1.050148863);
    assert_eq!(commit["max_s"], 1.350565887);
}

#[test]
fn a_recovered_acceptor_keeps_what_it_accepted() {
    // n1 is cut off from the start; n3 leads with n2 and gets slots 0-9 chosen. n2 crashes at
    // 1.0175 s, after accepting slot 9 and before its decide arrives, and recovers at 1.5 s, when
    // n3 crashes for good and the partition heals. n1 (its rounds raised while it ran alone)
    // leads with n2: its phase 1 asks for everything from slot 0, and n2's promise must report
    // what it accepted, so that n1 re-proposes those commands in their slots.
    let trace = fixture("replay/multi-paxos-amnesia.csv");
    let args = [
        "--nodes",
        "3",
        "--trace",
        &trace,
        "--delay",
        "const:5ms",
        "--duration",
        "5s",
    ];
    let (code, r) = multi(&args);
    assert_eq!(code, Some(0), "{}", r["invariants"]);
    let o = &r["outcome"];
    assert_eq!(
        (o["committed"].as_u64(), o["applied"].as_u64()),
        (Some(45), Some(45))
    );
    // An acceptor that forgets on a crash reports nothing: n1 puts new commands in slots that
    // were chosen already, and committed commands vanish from its log.
    let (code, r) = multi(&[&args[..], &["--broken-acceptor"]].concat());
    assert_eq!(code, Some(1));
    let v = &r["invariants"]["violations"][0];
    assert_eq!(v["name"], "agreement");
    assert_eq!(
        v["detail"],
        "slot 0: n1 decided c1:11 at 1.650253 s, but n3 decided c1:1 at 0.125000 s"
    );
    assert_eq!(r["outcome"]["committed"], 45);
}

#[test]
fn amnesiac_acceptors_are_caught_on_the_pinned_seed() {
    // Seed 3's random scenario with acceptors that forget promises and acceptances on a crash:
    // a new leader's phase 1 misses commands chosen in slots 103 on and proposes later commands
    // there, so committed commands are lost and the logs fork.
    let args = ["--nodes", "5", "--seed", "3", "--random-faults"];
    let (code, r) = multi(&[&args[..], &["--broken-acceptor"]].concat());
    assert_eq!(code, Some(1), "a violation exits 1");
    let v = &r["invariants"]["violations"];
    assert_eq!(v[0]["name"], "agreement");
    assert_eq!(
        v[0]["detail"],
        "slot 103: n5 decided c1:118 at 14.144031 s, but n4 decided c1:104 at 11.333001 s"
    );
    assert_eq!(v[1]["name"], "log-prefix");
    assert_eq!(
        v[1]["detail"],
        "position 104 of the applied logs: n5 applied c1:118, n4 applied c1:104"
    );
    assert_eq!(v.as_array().map(Vec::len), Some(16));
    let o = &r["outcome"];
    assert_eq!(
        (o["committed"].as_u64(), o["applied"].as_u64()),
        (Some(290), Some(276))
    );
    // The correct acceptor survives the same scenario.
    let (code, r) = multi(&args);
    assert_eq!(code, Some(0), "{}", r["invariants"]);
}

fn settings(broken_acceptor: bool) -> ReplaySettings {
    ReplaySettings {
        paxos: PaxosSettings {
            broken_acceptor,
            ..PaxosSettings::default()
        },
        duration: Some(30 * SECOND),
        ..ReplaySettings::new(protocol("multi-paxos"), 5)
    }
}

fn chaos() -> Faults {
    Faults::Random(ChaosConfig::new(
        5,
        30 * SECOND,
        "const:1ms".parse().expect("a delay model"),
        0.0,
    ))
}

#[test]
fn a_thousand_random_fault_seeds_never_break_the_log() {
    let report = fault_sweep(&settings(false), 1..=1000, &chaos(), &|| {}).expect("valid");
    assert_eq!(report.runs, 1000);
    assert!(
        report.failed_seeds.is_empty(),
        "violations on seeds {:?} (replay one alone with --seed S --random-faults): {:?}",
        report.failed_seeds,
        report.failures.first()
    );
    // Safe, and not by doing nothing: the scenarios keep it busy, and it commits nearly every
    // command (288,727 of 290,000; 116 runs end with some command in flight or stuck behind a
    // fault of the last seconds).
    assert!(report.messages > 5_000_000, "{}", report.messages);
    let progress = report.progress.expect("multi-paxos reports progress");
    assert_eq!(progress.asked, 290_000);
    assert!(progress.done * 100 > progress.asked * 99, "{progress:?}");
    assert!(
        report.stalled_seeds.len() < 150,
        "{}",
        report.stalled_seeds.len()
    );
}

#[test]
fn the_same_sweep_catches_amnesiac_acceptors() {
    let report = fault_sweep(&settings(true), 1..=20, &chaos(), &|| {}).expect("valid");
    assert_eq!(report.failed_seeds, vec![3, 17]);
    assert_eq!(report.faults, "random");
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let args = [
        "--nodes",
        "5",
        "--seed",
        "9",
        "--random-faults",
        "--delay",
        "exp:mean=3ms",
    ];
    let run = || {
        faultline(
            &[
                &["replay", "--protocol", "multi-paxos", "--format", "json"],
                &args[..],
            ]
            .concat(),
        )
    };
    let (a, b) = (run(), run());
    assert_eq!(a.stdout, b.stdout);
    assert!(!a.stdout.is_empty());
}

#[test]
fn a_fault_sweep_reports_the_same_bytes_however_its_runs_were_scheduled() {
    let args = [
        "replay",
        "--protocol",
        "multi-paxos,paxos",
        "--nodes",
        "5",
        "--seeds",
        "1..8",
        "--broken-acceptor",
        "--format",
        "json",
        "-q",
    ];
    let (a, b) = (faultline(&args), faultline(&args));
    assert_eq!(a.status.code(), Some(1), "seed 3 fails");
    assert_eq!(a.stdout, b.stdout);
    let reports: Value = serde_json::from_slice(&a.stdout).expect("json");
    assert_eq!(reports[0]["failed_seeds"], serde_json::json!([3]));
    assert_eq!(reports[0]["runs"], 8);
    assert_eq!(reports[1]["protocol"], "paxos");
}

#[test]
fn a_fault_sweep_over_a_trace_replays_the_whole_trace_for_every_seed() {
    // faults.csv ends with a pause at 60 s: the runs last past it (ten rounds of h + T later),
    // not the 30 s of a random scenario.
    let trace = fixture("replay/faults.csv");
    let args = ["--nodes", "5", "--trace", &trace, "--seeds", "1..4"];
    let (code, r) = multi(&args);
    assert_eq!(code, Some(0));
    assert_eq!(r["faults"], "trace");
    assert_eq!(r["runs"], 4);
    assert_eq!(r["sim_time_s"], 80.02);
}

#[test]
fn settings_it_cannot_run_are_usage_errors() {
    let base = ["replay", "--protocol", "multi-paxos", "-q"];
    for (extra, says) in [
        (&["--nodes", "65"][..], "at most 64 nodes; lower --nodes 65"),
        (
            &["--nodes", "5", "--rate", "0"][..],
            "--rate: `0` is not a rate of commands per second; give a number above 0",
        ),
        (
            &["--nodes", "5", "--clients", "0"][..],
            "--clients: `0` is not a number of clients; give a whole number from 1 to 4294967295",
        ),
        (
            &["--nodes", "5", "--seeds", "9..3"][..],
            "--seeds: `9..3`: B is below A",
        ),
    ] {
        let err = input_error(&[&base[..], extra].concat());
        assert!(err.contains(says), "{err}");
    }
}
