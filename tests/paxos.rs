//! Single-decree Paxos on the simulator. Reference: Lamport, "Paxos Made Simple" (2001),
//! section 2.2 (P2c: a proposer with a majority of promises proposes the highest accepted value).

mod common;

use common::{fixture, ok, replay_json};
use serde_json::Value;

/// A Paxos replay with a constant 5 ms delay.
fn paxos(extra: &[&str]) -> (Option<i32>, Value) {
    replay_json("paxos", &[&["--delay", "const:5ms"], extra].concat())
}

#[test]
fn one_proposer_costs_five_times_n_minus_1() {
    for n in [3u64, 5, 7] {
        let (code, r) = paxos(&["--nodes", &n.to_string()]);
        assert_eq!(code, Some(0));
        for kind in ["prepare", "promise", "accept", "accepted", "decide"] {
            assert_eq!(r["messages"]["by_type"][kind], n - 1, "N = {n}, {kind}");
        }
        assert_eq!(r["messages"]["total"], 5 * (n - 1));
        assert_eq!(r["outcome"]["decided"], 1);
        assert_eq!(r["outcome"]["learned"], n);
        assert_eq!(r["outcome"]["ballots"], 1);
    }
}

#[test]
fn a_recovered_acceptor_keeps_its_promise() {
    // n1 gets value 1 chosen by n1 and n2 while n3 is cut off; n2 crashes and recovers; then
    // n3, cut off from n1, proposes through n2. n2's promise reports the accepted (ballot, 1),
    // so n3 must propose 1 too (P2c): one value decided.
    let trace = fixture("replay/paxos-amnesia.csv");
    let (code, r) = paxos(&["--nodes", "3", "--trace", &trace, "--duration", "10s"]);
    assert_eq!(code, Some(0), "{r}");
    assert_eq!(r["outcome"]["decided"], 1);
    assert_eq!(r["outcome"]["learned"], 3);
    assert_eq!(
        r["invariants"]["violations"].as_array().map(Vec::len),
        Some(0)
    );
}

#[test]
fn the_checker_catches_an_acceptor_that_forgets() {
    // The same scenario with acceptors that keep promises in memory only: n2 forgets that it
    // accepted 1, n3 proposes its own value 3, and two values are decided.
    let trace = fixture("replay/paxos-amnesia.csv");
    let (code, r) = paxos(&[
        "--nodes",
        "3",
        "--trace",
        &trace,
        "--duration",
        "10s",
        "--broken-acceptor",
    ]);
    assert_eq!(code, Some(1), "a violation exits 1");
    let v = &r["invariants"]["violations"][0];
    assert_eq!(v["name"], "agreement");
    assert!(v["time_s"].as_f64().unwrap_or(0.0) > 4.0, "{v}");
    // The nodes, the values and the times.
    assert_eq!(
        v["detail"],
        "n3 decided 3 at 4.020000 s, but n1 decided 1 at 0.020000 s"
    );
}

#[test]
fn deterministic() {
    let args = [
        "replay",
        "--protocol",
        "paxos",
        "--nodes",
        "5",
        "--proposers",
        "n1,n5",
        "--delay",
        "uniform:1ms,9ms",
        "--format",
        "json",
        "--seed",
        "4",
    ];
    let a = ok(&args);
    assert_eq!(a, ok(&args));
    let r: Value = serde_json::from_str(&a).expect("json");
    assert!(
        r["outcome"]["decided"].is_u64(),
        "two proposers still decide: {r}"
    );
}

#[test]
fn dueling_proposers_livelock_and_both_cures_end_it() {
    // n1 and n2 of three nodes, constant delay, immediate retry on nack: they pre-empt each
    // other for ever (a ballot every 10 ms, nothing decided).
    let base = ["--nodes", "3", "--proposers", "n1,n2", "--duration", "5s"];
    let (_, duel) = paxos(&base);
    assert_eq!(duel["outcome"]["decided"], Value::Null);
    assert!(
        duel["outcome"]["ballots"].as_u64().unwrap_or(0) > 400,
        "{}",
        duel["outcome"]
    );
    // Randomised exponential backoff: one of them yields.
    let (_, backoff) = paxos(&[&base[..], &["--backoff"]].concat());
    assert!(
        backoff["outcome"]["decided"].is_u64(),
        "{}",
        backoff["outcome"]
    );
    assert!(backoff["outcome"]["ballots"].as_u64().unwrap_or(99) < 10);
    // A distinguished proposer: only n2 proposes, once, and its own value wins.
    let (_, leader) = paxos(&[&base[..], &["--distinguished"]].concat());
    assert_eq!(leader["outcome"]["decided"], 2);
    assert_eq!(leader["outcome"]["ballots"], 1);
    assert_eq!(leader["messages"]["total"], 10);
}

#[test]
fn the_next_proposer_takes_over_when_the_distinguished_one_fails() {
    // n2, the distinguished proposer of n1,n2, sends its prepares and crashes at 1 ms. With
    // heartbeats every 100 ms, n1 suspects n2 after h + 2d + r = 110 ms and proposes: its first
    // ballot (1, n1) is nacked by the promise to (1, n2), its second wins. Without heartbeats
    // nobody notices, and nothing is decided.
    let trace = fixture("replay/paxos-leader-crash.csv");
    let base = [
        "--nodes",
        "3",
        "--proposers",
        "n1,n2",
        "--distinguished",
        "--trace",
        &trace,
        "--duration",
        "2s",
    ];
    let (code, r) = paxos(&[&base[..], &["--heartbeat", "100ms"]].concat());
    assert_eq!(code, Some(0));
    assert_eq!(r["outcome"]["decided"], 1);
    assert_eq!(r["outcome"]["ballots"], 3);
    assert_eq!(r["outcome"]["learned"], 2);
    assert_eq!(r["messages"]["by_type"]["nack"], 1);
    let (_, unwatched) = paxos(&base);
    assert_eq!(unwatched["outcome"]["decided"], Value::Null);
    assert_eq!(unwatched["outcome"]["ballots"], 1);
}

/// A fault sweep over `seeds`, under the random fault scenarios of
/// `replay --seeds` (crashes and recoveries of all five nodes, partitions, loss bursts, delay
/// spikes, pauses, and every second a node in turn asked to propose, so that nodes that missed
/// the decision keep trying), with three proposers backing off and 5 % loss.
fn sweep(
    seeds: std::ops::RangeInclusive<u64>,
    broken_acceptor: bool,
) -> faultline::harness::fault_sweep::FaultSweepReport {
    use common::protocol;
    use faultline::harness::fault_sweep::{Faults, fault_sweep};
    use faultline::harness::replay::{PaxosSettings, ReplaySettings};
    use faultline::sim::chaos::ChaosConfig;
    use faultline::sim::time::SECOND;
    let delay: faultline::sim::delay::DelayModel = "exp:mean=5ms".parse().expect("a delay model");
    let settings = ReplaySettings {
        delay: delay.clone(),
        loss: 0.05,
        paxos: PaxosSettings {
            proposers: vec![0, 2, 4],
            broken_acceptor,
            backoff: true,
            ..PaxosSettings::default()
        },
        duration: Some(30 * SECOND),
        ..ReplaySettings::new(protocol("paxos"), 5)
    };
    let chaos = Faults::Random(ChaosConfig::new(5, 30 * SECOND, delay, 0.05));
    fault_sweep(&settings, seeds, &chaos, &|| {}).expect("valid settings")
}

#[test]
fn a_thousand_random_fault_seeds_never_break_safety() {
    let report = sweep(1..=1000, false);
    assert!(
        report.failed_seeds.is_empty(),
        "violations on seeds {:?} (replay one alone with --seed S --random-faults)",
        report.failed_seeds
    );
    // And not by deciding nothing: nearly every run decides.
    let progress = report.progress.expect("paxos reports progress");
    assert_eq!(progress.asked, 1000);
    assert!(progress.done >= 990, "{progress:?}");
}

#[test]
fn the_same_faults_break_an_acceptor_that_forgets() {
    // The checker can fail: with amnesiac acceptors the random faults lead to two decided
    // values on three of the first 220 seeds, pinned here (`faultline replay --protocol paxos
    // --nodes 5 --proposers n1,n3,n5 --backoff --delay exp:mean=5ms --loss 0.05
    // --broken-acceptor --random-faults --seed 23` shows one).
    assert_eq!(sweep(1..=220, true).failed_seeds, vec![23, 207, 218]);
}
