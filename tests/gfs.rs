//! GFS re-replication on hand-made outages: a chunk lost when its copies fail within the
//! re-replication time and kept when they fail after it, the most endangered chunks cloned
//! first, message and traffic counts, and the timeout sweep's trade-off.

mod common;

use std::collections::BTreeSet;

use common::protocol;
use faultline::harness::gfs_sweep::gfs_sweep;
use faultline::harness::replay::{GfsSettings, ReplayRun, ReplaySettings, replay};
use faultline::harness::runners::gfs::GfsOutcome;
use faultline::protocols::gfs::{GfsConfig, layout};
use faultline::sim::metrics::ObservationKind;
use faultline::sim::scenario::Fault;
use faultline::sim::time::SECOND;
use faultline::sim::timeout::TimeoutExpr;

/// `nodes` nodes, `chunks` chunks of `replicas` copies, one clone at a time of 1.6 s, a 60 s
/// timeout, heartbeats every second, 1 ms links, these faults, 600 s.
fn settings(nodes: u32, chunks: u32, replicas: u32, faults: Vec<(u64, Fault)>) -> ReplaySettings {
    ReplaySettings {
        heartbeat: Some(SECOND),
        timeout: Some(TimeoutExpr::parse("60s").expect("a timeout")),
        duration: Some(600 * SECOND),
        gfs: GfsSettings {
            chunks,
            replicas,
            max_clones: 1,
            ..GfsSettings::default()
        },
        faults,
        ..ReplaySettings::new(protocol("gfs"), nodes)
    }
}

/// The holders of each chunk for these settings (the layout the run starts from).
fn holders(s: &ReplaySettings) -> Vec<BTreeSet<u32>> {
    let config = GfsConfig {
        heartbeat: SECOND,
        timeout: 60 * SECOND,
        chunks: s.gfs.chunks,
        replicas: s.gfs.replicas,
        racks: s.gfs.racks,
        clone_time: 1,
        max_clones: 1,
        layout_seed: s.seed,
    };
    layout(&config, s.nodes)
}

fn run(s: &ReplaySettings) -> (ReplayRun, GfsOutcome) {
    let run = replay(s, &mut |_, _| {}).expect("a valid run");
    let outcome = run.report.outcome.get::<GfsOutcome>().expect("gfs").clone();
    (run, outcome)
}

fn outage(node: u32, from: u64, to: u64) -> [(u64, Fault); 2] {
    [
        (from * SECOND, Fault::Crash(node)),
        (to * SECOND, Fault::Recover(node)),
    ]
}

#[test]
fn two_copies_failing_within_the_re_replication_time_lose_the_chunk() {
    // One chunk, two copies, three chunkservers. Its holders a and b: a fails at 10 s and is
    // declared dead about a minute later; b fails at 20 s, before any clone: both copies down
    // from 20 s until b returns at 300 s.
    let base = settings(4, 1, 2, Vec::new());
    let held: Vec<u32> = holders(&base)[0].iter().copied().collect();
    let (a, b) = (held[0], held[1]);
    let faults = [outage(a, 10, 400), outage(b, 20, 300)].concat();
    let (_, lost) = run(&settings(4, 1, 2, faults));
    assert_eq!(lost.chunks_lost, 1);
    assert_eq!(
        lost.clones, 1,
        "b's copy is cloned onto the third server once b is back"
    );
    // b fails at 100 s instead, after a's copy was cloned (about 72 s): never lost.
    let faults = [outage(a, 10, 400), outage(b, 100, 300)].concat();
    let (run_b, kept) = run(&settings(4, 1, 2, faults));
    assert_eq!(kept.chunks_lost, 0);
    assert_eq!(kept.declared_dead, 2);
    // Under-replicated from 10 s until the clone onto the third server is in (declared dead at
    // 70 s, four 1 ms messages and 1.6 s of copying: 71.604 s), and from 100 s until b is back
    // at 300 s: with a and b down there is no fourth server to copy to.
    assert!(
        (kept.under_replicated_s - (61.604 + 200.0)).abs() < 1e-6,
        "{kept:?}"
    );
    let by_type = &run_b.report.messages.by_type;
    for kind in ["clone", "fetch", "chunk-data", "cloned"] {
        assert_eq!(by_type.get(kind), Some(&kept.clones), "{kind}");
    }
}

#[test]
fn the_most_endangered_chunks_are_cloned_first() {
    // Three copies of 60 chunks on six chunkservers; a fails at 10 s, b at 11 s. Once b is
    // declared dead, the chunks both held have one copy left: they go before the chunks only
    // one of them held, in chunk order, one clone at a time.
    let base = settings(7, 60, 3, Vec::new());
    let layout = holders(&base);
    let (a, b) = (1, 2);
    let both: Vec<u32> = (0..60)
        .filter(|&c| layout[c as usize].contains(&a) && layout[c as usize].contains(&b))
        .collect();
    assert!(both.len() >= 3, "{both:?}");
    let faults = [outage(a, 10, 900), outage(b, 11, 900)].concat();
    let (run, outcome) = run(&settings(7, 60, 3, faults));
    let declared_b = run
        .timeline
        .iter()
        .find(|o| o.kind == ObservationKind::Suspect && o.peer == Some(b))
        .map(|o| o.time)
        .expect("b declared dead");
    let clones: Vec<u32> = run
        .timeline
        .iter()
        .filter(|o| o.kind == ObservationKind::Clone && o.time >= declared_b)
        .filter_map(|o| o.detail.as_deref()?.split_whitespace().nth(1)?.parse().ok())
        .collect();
    assert_eq!(&clones[..both.len()], &both[..], "{clones:?}");
    assert_eq!(outcome.chunks_lost, 0);
    assert_eq!(
        outcome.wasted_clones, 0,
        "a and b never come back within the run"
    );
}

#[test]
fn a_server_back_after_its_chunks_were_restored_wastes_their_clones() {
    let base = settings(7, 60, 3, Vec::new());
    let on_a = holders(&base).iter().filter(|h| h.contains(&1)).count() as u64;
    let (run, outcome) = run(&settings(7, 60, 3, outage(1, 10, 400).to_vec()));
    assert_eq!(outcome.clones, on_a);
    assert_eq!(
        outcome.wasted_clones, on_a,
        "every copy it held had been replaced"
    );
    assert_eq!(run.report.messages.by_type.get("delete"), Some(&on_a));
    assert_eq!(outcome.false_suspicions, 0);
}

#[test]
fn a_longer_timeout_wastes_less_and_waits_longer() {
    // Outages of 30 s, 2 min, 10 min and 40 min on four of eight chunkservers.
    let faults = [
        outage(1, 100, 130),
        outage(2, 400, 520),
        outage(3, 1000, 1600),
        outage(4, 2000, 4400),
    ]
    .concat();
    let base = ReplaySettings {
        duration: Some(6000 * SECOND),
        ..settings(9, 200, 3, faults)
    };
    // (In a timeout expression `h` is the heartbeat interval: two hours are `120m`.)
    let timeouts: Vec<TimeoutExpr> = ["20s", "90s", "5m", "30m", "120m"]
        .iter()
        .map(|t| TimeoutExpr::parse(t).expect("a timeout"))
        .collect();
    let sweep = gfs_sweep(&base, &timeouts, 2, &|| {}).expect("a sweep");
    let wasted: Vec<f64> = sweep.rows.iter().map(|r| r.wasted_clones).collect();
    let waiting: Vec<f64> = sweep.rows.iter().map(|r| r.under_replicated_s).collect();
    assert!(wasted.windows(2).all(|w| w[0] >= w[1]), "{wasted:?}");
    assert!(wasted[0] > 0.0 && wasted[4] == 0.0, "{wasted:?}");
    assert!(waiting.windows(2).all(|w| w[0] <= w[1]), "{waiting:?}");
    // Declared dead: all four at 20 s; the three longer than 90 s; two past 5 min; one past
    // 30 min; none at 2 h.
    let declared: Vec<f64> = sweep.rows.iter().map(|r| r.declared_dead).collect();
    assert_eq!(declared, [4.0, 3.0, 2.0, 1.0, 0.0]);
}
