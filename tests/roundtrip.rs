//! Properties (proptest) of what faultline reads and writes: every `gen` output parses, a trace
//! written as events and as intervals reads back to the same outages, and interval rows read
//! back as their model says (sorted, and merged where they overlap or touch).

use faultline::trace::synth::{FaultMix, GenConfig, Shape, generate};
use faultline::trace::write::{write_event_csv, write_interval_csv};
use faultline::trace::{ReadOptions, Trace, read_traces};
use proptest::prelude::*;

/// A distribution shape with a valid parameter.
fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Exp),
        (0.5..3.0f64).prop_map(|k| Shape::Weibull { k }),
        (0.2..2.0f64).prop_map(|sigma| Shape::LogNormal { sigma }),
    ]
}

/// Valid generator settings: every field over its useful range, so a failing case shrinks to
/// the settings that matter.
fn config() -> impl Strategy<Value = GenConfig> {
    let day = 86_400.0;
    (
        (2u32..30, 1.0..400.0f64, 0.5..60.0f64, 60.0..2.0 * day),
        (shape(), shape()),
        (0.0..1.0f64, 0.0..1.0f64, 0.01..1.0f64),
        prop_oneof![Just(0.0), 0.0..0.5f64],
        proptest::option::weighted(0.3, 1.0..10.0f64),
        any::<u64>(),
    )
        .prop_map(
            move |((nodes, days, mttf, mttr), (ttf, ttr), mix, partitions, replace, seed)| {
                GenConfig {
                    nodes,
                    duration: days * day,
                    mttf: mttf * day,
                    mttr,
                    ttf,
                    ttr,
                    faults: FaultMix {
                        transient: mix.0,
                        intermittent: mix.1,
                        permanent: mix.2,
                    },
                    partitions_per_day: partitions,
                    replace_after: replace.map(|r| r * day),
                    seed,
                }
            },
        )
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    /// Every `gen` output parses, and the same run written as events and as intervals reads
    /// back to the same outages.
    #[test]
    fn every_generated_trace_reads_back_and_both_layouts_agree(config in config()) {
        let events = generate(&config).expect("valid settings");
        // (A trace with no event at all is refused as empty, with its own message.)
        prop_assume!(!events.is_empty());
        let mut as_events = Vec::new();
        write_event_csv(&events, &mut as_events).expect("write");
        let from_events = read(&as_events, "events.csv");
        // Partitions have no interval form.
        prop_assume!(config.partitions_per_day == 0.0);
        let mut as_intervals = Vec::new();
        write_interval_csv(&events, config.duration, &mut as_intervals).expect("write");
        let from_intervals = read(&as_intervals, "intervals.csv");
        let end = (config.duration * 1000.0).round() / 1000.0;
        prop_assert_eq!(outages(&from_events, end), outages(&from_intervals, end));
    }

    /// Any interval rows, in any order, overlapping or not, read back as each node's outages
    /// sorted and merged where they overlap or touch: the reader against a model of a few lines.
    #[test]
    fn interval_rows_read_back_sorted_and_merged(
        rows in proptest::collection::vec((0u8..4, 0u32..2_000, 0u32..300), 1..60)
    ) {
        let tenths = |t: u32| f64::from(t) / 10.0;
        let mut text = String::from("node,start,end\n");
        for &(node, start, len) in &rows {
            let end = start + len;
            text += &format!("n{node},{}.{},{}.{}\n", start / 10, start % 10, end / 10, end % 10);
        }
        let trace = read(text.as_bytes(), "intervals.csv");
        let mut sorted: Vec<(String, f64, f64)> = rows
            .iter()
            .map(|&(node, start, len)| (format!("n{node}"), tenths(start), tenths(start + len)))
            .collect();
        sorted.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        let mut model: Vec<(String, f64, f64)> = Vec::new();
        for (node, start, end) in sorted {
            match model.last_mut() {
                Some(last) if last.0 == node && start <= last.2 => last.2 = last.2.max(end),
                _ => model.push((node, start, end)),
            }
        }
        prop_assert_eq!(outages(&trace, f64::INFINITY), model);
    }
}
