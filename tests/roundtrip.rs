//! Properties of what faultline writes, over many random generator settings: every `gen` output
//! parses, and a trace written as events and as intervals reads back to the same outages.

use faultline::trace::synth::{FaultMix, GenConfig, Shape, generate};
use faultline::trace::write::{write_event_csv, write_interval_csv};
use faultline::trace::{ReadOptions, Trace, read_traces};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Random but valid generator settings, from `seed`.
fn config(seed: u64) -> GenConfig {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let shape = |rng: &mut ChaCha8Rng| match rng.random_range(0..3) {
        0 => Shape::Exp,
        1 => Shape::Weibull {
            k: rng.random_range(0.5..3.0),
        },
        _ => Shape::LogNormal {
            sigma: rng.random_range(0.2..2.0),
        },
    };
    let day = 86_400.0;
    GenConfig {
        nodes: rng.random_range(2..30),
        duration: rng.random_range(1.0..400.0) * day,
        mttf: rng.random_range(0.5..60.0) * day,
        mttr: rng.random_range(60.0..2.0 * day),
        ttf: shape(&mut rng),
        ttr: shape(&mut rng),
        faults: FaultMix {
            transient: rng.random_range(0.0..1.0),
            intermittent: rng.random_range(0.0..1.0),
            permanent: rng.random_range(0.01..1.0),
        },
        partitions_per_day: if rng.random_bool(0.5) {
            0.0
        } else {
            rng.random_range(0.0..0.5)
        },
        replace_after: rng
            .random_bool(0.3)
            .then(|| rng.random_range(1.0..10.0) * day),
        seed,
    }
}

fn read(text: &[u8], name: &str) -> Trace {
    let dir = tempfile::tempdir().expect("a folder");
    let path = dir.path().join(name);
    std::fs::write(&path, text).expect("write");
    read_traces(&[&path], &ReadOptions::default()).expect("faultline reads what it writes")
}

/// `(node name, start, end)` of every outage, ends clipped to `end`.
fn outages(trace: &Trace, end: f64) -> Vec<(String, f64, f64)> {
    let mut out: Vec<(String, f64, f64)> = trace
        .outages
        .iter()
        .map(|o| {
            (
                trace.nodes[o.node as usize].name.clone(),
                o.start,
                o.end.min(end),
            )
        })
        .collect();
    out.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
    out
}

#[test]
fn every_generated_trace_reads_back_and_both_layouts_agree() {
    let mut compared = 0;
    for seed in 1..=120 {
        let config = config(seed);
        let events = generate(&config).expect("valid settings");
        // (A trace with no event at all is refused as empty, with its own message.)
        if events.is_empty() {
            continue;
        }
        let mut as_events = Vec::new();
        write_event_csv(&events, &mut as_events).expect("write");
        let from_events = read(&as_events, "events.csv");
        if config.partitions_per_day > 0.0 {
            continue;
        }
        let mut as_intervals = Vec::new();
        write_interval_csv(&events, config.duration, &mut as_intervals).expect("write");
        let from_intervals = read(&as_intervals, "intervals.csv");
        let end = (config.duration * 1000.0).round() / 1000.0;
        assert_eq!(
            outages(&from_events, end),
            outages(&from_intervals, end),
            "seed {seed}: {config:?}"
        );
        compared += 1;
    }
    assert!(compared >= 40, "only {compared} settings compared");
}
